-- expect: unsafe
-- rules: require-where-clause
-- reason: the UPDATE under IF has no WHERE: when the block runs it rewrites every row of orders
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
-- migration:
DO $$
DECLARE
  n bigint;
BEGIN
  SELECT count(*) INTO n FROM orders;
  IF n > 0 THEN
    UPDATE orders SET total = 0;
  END IF;
END
$$;
