-- expect: safe
-- rules: none
-- reason: on 18 a generated column without STORED is VIRTUAL: no rewrite
-- versions: 18-
-- measure: orders
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric(10,2), status text, note varchar(20), placed_at timestamptz);
INSERT INTO orders SELECT g, g, g, CASE WHEN g > 0 THEN 'new' END, 'x', now() FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS ((total * 100)::bigint);
