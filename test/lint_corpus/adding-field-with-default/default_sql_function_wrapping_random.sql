-- expect: unsafe
-- rules: adding-field-with-default
-- reason: jitter() is a sql function wrapping random(): the default is volatile and orders is rewritten (verified: new relfilenode)
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
CREATE FUNCTION jitter() RETURNS float8 LANGUAGE sql AS 'SELECT random()';
-- migration:
ALTER TABLE orders ADD COLUMN weight float8 DEFAULT jitter();
