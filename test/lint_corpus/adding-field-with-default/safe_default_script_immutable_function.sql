-- expect: safe
-- rules: none
-- reason: one_cent() is IMMUTABLE: the default is evaluated once and stored in the catalog, no rewrite
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
-- migration:
CREATE FUNCTION one_cent() RETURNS numeric IMMUTABLE LANGUAGE sql AS 'SELECT 0.01';
ALTER TABLE orders ADD COLUMN fee numeric DEFAULT one_cent();
