-- expect: unsafe
-- rules: require-where-clause
-- reason: ON 1 = 1 matches every row as ON true does: WHEN MATCHED THEN DELETE deletes all 100 rows of orders (verified)
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, status text);
INSERT INTO orders SELECT g, 'new' FROM generate_series(1, 100) g;
CREATE TABLE cancelled (id bigint PRIMARY KEY);
INSERT INTO cancelled VALUES (1);
-- migration:
MERGE INTO orders USING cancelled ON 1 = 1 WHEN MATCHED THEN DELETE;
