-- expect: unsafe
-- rules: alter-table-rewrite
-- reason: SET EXPRESSION (17) recomputes a STORED generated column by rewriting the table
-- versions: 17-
-- measure: orders
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric(10,2), status text, note varchar(20), placed_at timestamptz);
INSERT INTO orders SELECT g, g, g, CASE WHEN g > 0 THEN 'new' END, 'x', now() FROM generate_series(1, 100) g;
ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS ((total * 100)::bigint) STORED;
-- migration:
ALTER TABLE orders ALTER COLUMN total_cents SET EXPRESSION AS ((total * 1000)::bigint);
