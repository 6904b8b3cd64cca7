-- expect: safe
-- rules: none
-- reason: MERGE ON true with only WHEN NOT MATCHED THEN INSERT changes no existing row
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, status text);
CREATE TABLE incoming (id bigint PRIMARY KEY);
INSERT INTO incoming VALUES (1);
-- migration:
MERGE INTO orders USING incoming i ON true WHEN NOT MATCHED THEN INSERT VALUES (i.id, 'new');
