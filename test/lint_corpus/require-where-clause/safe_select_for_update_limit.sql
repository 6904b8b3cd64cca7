-- expect: safe
-- rules: none
-- reason: FOR UPDATE with LIMIT locks at most that many rows (a batch), not the table
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric, status text);
INSERT INTO orders SELECT g, g, 'new' FROM generate_series(1, 100) g;
-- migration:
SELECT id FROM orders ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 10;
