-- expect: unsafe
-- rules: renaming-column
-- reason: renaming a column of an existing materialized view breaks its readers
-- setup:
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name varchar(50), age int, created_at timestamp);
INSERT INTO users SELECT g, 'u' || g || '@example.com', 'n' || g, g % 90, now() FROM generate_series(1, 100) g;
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric(10,2), status text, note varchar(20), placed_at timestamptz);
INSERT INTO orders SELECT g, g, g, 'new', 'x', now() FROM generate_series(1, 100) g;
CREATE INDEX orders_user_id_idx ON orders (user_id);
CREATE MATERIALIZED VIEW order_totals AS SELECT id, user_id, total FROM orders;
-- migration:
ALTER MATERIALIZED VIEW order_totals RENAME COLUMN total TO amount;
