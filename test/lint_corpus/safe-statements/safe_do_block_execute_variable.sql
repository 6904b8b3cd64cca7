-- expect: safe
-- rules: none
-- reason: EXECUTE runs a string built from a variable: the statement exists only when the block runs (here a DELETE with a WHERE that matches no row), so lint() leaves it to the hooks
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, status text);
INSERT INTO orders SELECT g, 'new' FROM generate_series(1, 100) g;
-- migration:
DO $$
DECLARE
  t text := 'orders';
BEGIN
  EXECUTE format('DELETE FROM %I WHERE id < 0', t);
END
$$;
