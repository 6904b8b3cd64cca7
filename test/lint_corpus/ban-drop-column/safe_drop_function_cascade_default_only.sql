-- expect: safe
-- rules: none
-- reason: CASCADE takes only a column default that uses the function; the column and its data stay
-- setup:
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name varchar(50), age int, created_at timestamp);
INSERT INTO users SELECT g, 'u' || g || '@example.com', 'n' || g, g % 90, now() FROM generate_series(1, 100) g;
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric(10,2), status text, note varchar(20), placed_at timestamptz);
INSERT INTO orders SELECT g, g, g, 'new', 'x', now() FROM generate_series(1, 100) g;
CREATE INDEX orders_user_id_idx ON orders (user_id);
CREATE FUNCTION default_status() RETURNS text STABLE LANGUAGE sql AS 'SELECT ''new''';
ALTER TABLE orders ALTER COLUMN status SET DEFAULT default_status();
-- migration:
DROP FUNCTION default_status() CASCADE;
