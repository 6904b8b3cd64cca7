-- expect: safe
-- rules: none
-- reason: a validated NOT NULL constraint (18) lets SET NOT NULL skip the scan
-- versions: 18-
-- measure: orders
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric(10,2), status text, note varchar(20), placed_at timestamptz);
INSERT INTO orders SELECT g, g, g, CASE WHEN g > 0 THEN 'new' END, 'x', now() FROM generate_series(1, 100) g;
ALTER TABLE orders ADD CONSTRAINT orders_status_not_null NOT NULL status NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_status_not_null;
-- migration:
ALTER TABLE orders ALTER COLUMN status SET NOT NULL;
