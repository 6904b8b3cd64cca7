-- expect: unsafe
-- rules: require-where-clause
-- reason: the string 'UPDATE orders SET ' || 'status = $1' is constant; EXECUTE ... USING runs it and updates all 100 rows of orders
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, status text);
INSERT INTO orders SELECT g, 'new' FROM generate_series(1, 100) g;
-- migration:
DO $$
BEGIN
  EXECUTE 'UPDATE orders SET ' || 'status = $1' USING 'done';
END
$$;
