-- expect: unsafe
-- rules: require-where-clause
-- reason: SELECT ... FOR UPDATE without WHERE locks each of the 100 rows of orders until the migration commits; every UPDATE or DELETE of orders waits until then
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric, status text);
INSERT INTO orders SELECT g, g, 'new' FROM generate_series(1, 100) g;
-- migration:
SELECT id FROM orders FOR UPDATE;
UPDATE orders SET status = 'open' WHERE status = 'new';
