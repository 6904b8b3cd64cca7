-- expect: safe
-- rules: none
-- reason: the DO block's statements name their rows
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
-- migration:
DO $$
BEGIN
  DELETE FROM orders WHERE id = 1;
  UPDATE orders SET total = 0 WHERE id = 2;
END
$$;
