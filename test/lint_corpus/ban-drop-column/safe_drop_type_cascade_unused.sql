-- expect: safe
-- rules: none
-- reason: no column uses the type: CASCADE takes nothing with data
-- setup:
CREATE TYPE order_status AS ENUM ('new', 'paid');
CREATE TYPE unused_kind AS ENUM ('x');
CREATE TABLE orders (id bigint PRIMARY KEY, status order_status, history order_status[]);
INSERT INTO orders SELECT g, 'new', ARRAY['new'::order_status] FROM generate_series(1, 100) g;
-- migration:
DROP TYPE unused_kind CASCADE;
