-- expect: safe
-- rules: none
-- reason: MERGE joined on the key deletes only the matching rows
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, status text);
INSERT INTO orders SELECT g, 'new' FROM generate_series(1, 100) g;
CREATE TABLE cancelled (id bigint PRIMARY KEY);
INSERT INTO cancelled VALUES (1);
-- migration:
MERGE INTO orders o USING cancelled c ON o.id = c.id WHEN MATCHED THEN DELETE;
