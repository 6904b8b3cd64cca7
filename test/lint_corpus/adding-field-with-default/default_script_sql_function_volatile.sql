-- expect: unsafe
-- rules: adding-field-with-default
-- reason: new_token() is a VOLATILE sql function (the default) wrapping gen_random_uuid(): every row gets its own value, so orders is rewritten under ACCESS EXCLUSIVE
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
-- migration:
CREATE FUNCTION new_token() RETURNS uuid LANGUAGE sql AS 'SELECT gen_random_uuid()';
ALTER TABLE orders ADD COLUMN token uuid DEFAULT new_token();
