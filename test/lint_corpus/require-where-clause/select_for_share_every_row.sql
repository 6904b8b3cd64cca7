-- expect: unsafe
-- rules: require-where-clause
-- reason: FOR SHARE without WHERE locks every row of orders against UPDATE and DELETE until the transaction ends
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric, status text);
INSERT INTO orders SELECT g, g, 'new' FROM generate_series(1, 100) g;
-- migration:
SELECT count(*) FROM (SELECT 1) one;
SELECT * FROM orders FOR SHARE;
