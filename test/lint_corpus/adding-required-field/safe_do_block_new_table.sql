-- expect: safe
-- rules: none
-- reason: the DO block creates audit and alters it: a new, empty table
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
-- migration:
DO $$
BEGIN
  CREATE TABLE audit (id bigint);
  ALTER TABLE audit ADD COLUMN note text NOT NULL;
END
$$;
