-- expect: safe
-- rules: none
-- reason: a NOT ENFORCED CHECK constraint (18) checks no row
-- versions: 18-
-- measure: orders
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric(10,2), status text, note varchar(20), placed_at timestamptz);
INSERT INTO orders SELECT g, g, g, CASE WHEN g > 0 THEN 'new' END, 'x', now() FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT ENFORCED;
