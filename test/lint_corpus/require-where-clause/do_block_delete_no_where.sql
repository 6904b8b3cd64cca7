-- expect: unsafe
-- rules: require-where-clause
-- reason: the DO block runs DELETE FROM orders with no WHERE: all 100 rows go
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
-- migration:
DO $$
BEGIN
  DELETE FROM orders;
END
$$;
