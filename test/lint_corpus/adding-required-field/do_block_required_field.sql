-- expect: unsafe
-- rules: adding-required-field
-- reason: the DO block adds a NOT NULL column without a default to orders, which holds rows: the ALTER fails (verified: 23502)
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
-- migration:
DO LANGUAGE plpgsql $body$
BEGIN
  RAISE NOTICE 'adding';
  ALTER TABLE orders ADD COLUMN note text NOT NULL;
END
$body$;
