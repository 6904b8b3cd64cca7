-- expect: safe
-- rules: none
-- reason: transaction_timeout (17) is a setting a migration may use; adding a nullable column rewrites nothing
-- versions: 17-
-- measure: orders
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric(10,2), status text, note varchar(20), placed_at timestamptz);
INSERT INTO orders SELECT g, g, g, CASE WHEN g > 0 THEN 'new' END, 'x', now() FROM generate_series(1, 100) g;
-- migration:
SET transaction_timeout = '10min';
ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
