-- expect: unsafe
-- rules: adding-field-with-default
-- reason: nextval() is volatile
-- setup:
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name varchar(50), age int, created_at timestamp);
INSERT INTO users SELECT g, 'u' || g || '@example.com', 'n' || g, g % 90, now() FROM generate_series(1, 100) g;
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric(10,2), status text, note varchar(20), placed_at timestamptz);
INSERT INTO orders SELECT g, g, g, 'new', 'x', now() FROM generate_series(1, 100) g;
CREATE INDEX orders_user_id_idx ON orders (user_id);
CREATE DOMAIN positive_int AS int CHECK (VALUE > 0);
CREATE DOMAIN required_text AS text NOT NULL;
CREATE DOMAIN plain_int AS int;
CREATE SEQUENCE order_ref_seq;
CREATE FUNCTION next_ref() RETURNS bigint LANGUAGE sql VOLATILE AS 'SELECT 1::bigint';
CREATE FUNCTION tenant_default() RETURNS int LANGUAGE sql STABLE AS 'SELECT 1';
-- migration:
ALTER TABLE orders ADD COLUMN ref bigint DEFAULT nextval('order_ref_seq');
