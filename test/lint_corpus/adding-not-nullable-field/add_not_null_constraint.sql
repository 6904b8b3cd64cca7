-- expect: unsafe
-- rules: adding-not-nullable-field
-- reason: ADD CONSTRAINT ... NOT NULL (18) validates by scanning under ACCESS EXCLUSIVE, like SET NOT NULL
-- versions: 18-
-- measure: orders
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric(10,2), status text, note varchar(20), placed_at timestamptz);
INSERT INTO orders SELECT g, g, g, CASE WHEN g > 0 THEN 'new' END, 'x', now() FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE orders ADD CONSTRAINT orders_status_not_null NOT NULL status;
