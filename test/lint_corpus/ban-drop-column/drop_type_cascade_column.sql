-- expect: unsafe
-- rules: ban-drop-column
-- reason: DROP TYPE ... CASCADE drops orders.status and orders.history with their data (verified: NOTICE drop cascades to column status of table orders)
-- setup:
CREATE TYPE order_status AS ENUM ('new', 'paid');
CREATE TYPE unused_kind AS ENUM ('x');
CREATE TABLE orders (id bigint PRIMARY KEY, status order_status, history order_status[]);
INSERT INTO orders SELECT g, 'new', ARRAY['new'::order_status] FROM generate_series(1, 100) g;
-- migration:
DROP TYPE order_status CASCADE;
