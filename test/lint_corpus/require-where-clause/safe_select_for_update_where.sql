-- expect: safe
-- rules: none
-- reason: FOR UPDATE with a WHERE clause locks only the rows it names
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric, status text);
INSERT INTO orders SELECT g, g, 'new' FROM generate_series(1, 100) g;
-- migration:
SELECT id FROM orders WHERE id = 1 FOR UPDATE;
UPDATE orders SET status = 'open' WHERE id = 1;
