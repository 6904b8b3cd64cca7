-- expect: safe
-- rules: none
-- reason: ON 1 = 2 matches no row: WHEN MATCHED THEN DELETE deletes nothing, and only the INSERT runs
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, status text);
INSERT INTO orders SELECT g, 'new' FROM generate_series(1, 100) g;
CREATE TABLE incoming (id bigint PRIMARY KEY);
-- migration:
MERGE INTO orders USING incoming ON 1 = 2 WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT VALUES (incoming.id, 'new');
