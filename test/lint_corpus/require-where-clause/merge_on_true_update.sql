-- expect: unsafe
-- rules: require-where-clause
-- reason: MERGE ON true WHEN MATCHED THEN UPDATE updates every row of orders
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, status text);
INSERT INTO orders SELECT g, 'new' FROM generate_series(1, 100) g;
CREATE TABLE cancelled (id bigint PRIMARY KEY);
INSERT INTO cancelled VALUES (1);
-- migration:
MERGE INTO orders USING cancelled ON true WHEN MATCHED THEN UPDATE SET status = 'cancelled';
