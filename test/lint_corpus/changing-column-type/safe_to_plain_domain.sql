-- expect: safe
-- rules: none
-- reason: domain without constraints over the same type
-- setup:
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name varchar(50), age int, created_at timestamp);
INSERT INTO users SELECT g, 'u' || g || '@example.com', 'n' || g, g % 90, now() FROM generate_series(1, 100) g;
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric(10,2), status text, note varchar(20), placed_at timestamptz);
INSERT INTO orders SELECT g, g, g, 'new', 'x', now() FROM generate_series(1, 100) g;
CREATE INDEX orders_user_id_idx ON orders (user_id);
ALTER TABLE users ADD CONSTRAINT users_name_len CHECK (length(name) > 0);
CREATE DOMAIN nonneg_int AS int CHECK (VALUE >= 0);
CREATE DOMAIN plain_int AS int;
ALTER TABLE orders ADD COLUMN net cidr;
-- migration:
ALTER TABLE users ALTER COLUMN age TYPE plain_int;
