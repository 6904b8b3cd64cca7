-- expect: safe
-- rules: none
-- reason: VALIDATE CONSTRAINT on a domain no table uses scans nothing
-- setup:
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name varchar(50), age int, created_at timestamp);
INSERT INTO users SELECT g, 'u' || g || '@example.com', 'n' || g, g % 90, now() FROM generate_series(1, 100) g;
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric(10,2), status text, note varchar(20), placed_at timestamptz);
INSERT INTO orders SELECT g, g, g, 'new', 'x', now() FROM generate_series(1, 100) g;
CREATE INDEX orders_user_id_idx ON orders (user_id);
CREATE DOMAIN email_addr AS text;
ALTER DOMAIN email_addr ADD CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%') NOT VALID;
-- migration:
ALTER DOMAIN email_addr VALIDATE CONSTRAINT email_has_at;
