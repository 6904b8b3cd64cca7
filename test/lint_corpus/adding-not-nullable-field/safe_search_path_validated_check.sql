-- expect: safe
-- rules: none
-- reason: after SET search_path the validated CHECK is found
-- setup:
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name varchar(50), age int, created_at timestamp);
INSERT INTO users SELECT g, 'u' || g || '@example.com', 'n' || g, g % 90, now() FROM generate_series(1, 100) g;
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric(10,2), status text, note varchar(20), placed_at timestamptz);
INSERT INTO orders SELECT g, g, g, 'new', 'x', now() FROM generate_series(1, 100) g;
CREATE INDEX orders_user_id_idx ON orders (user_id);
CREATE SCHEMA app;
CREATE TABLE app.accounts (id bigint PRIMARY KEY, handle varchar(20), state text);
INSERT INTO app.accounts SELECT g, 'h' || g, 's' FROM generate_series(1, 50) g;
ALTER TABLE app.accounts ADD CONSTRAINT state_nn CHECK (state IS NOT NULL);
-- migration:
SET search_path TO app;
ALTER TABLE accounts ALTER COLUMN state SET NOT NULL;
