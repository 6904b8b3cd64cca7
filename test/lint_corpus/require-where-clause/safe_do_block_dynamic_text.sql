-- expect: safe
-- rules: none
-- reason: the DO block only raises a notice whose text mentions DELETE FROM orders; nothing runs it
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
-- migration:
DO $$
BEGIN
  RAISE NOTICE 'remember: DELETE FROM orders; is not what you want';
END
$$;
