-- expect: unsafe
-- rules: require-concurrent-index-creation
-- reason: CREATE INDEX inside a DO block builds the index under SHARE on orders as it would at top level (and CONCURRENTLY cannot run in a DO block at all)
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
-- migration:
DO $$
BEGIN
  CREATE INDEX orders_customer_idx ON orders (customer_id);
END
$$;
