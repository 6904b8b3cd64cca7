-- expect: safe
-- rules: none
-- reason: on 18, ALTER CONSTRAINT ... NOT ENFORCED drops the foreign key's triggers under a brief ACCESS EXCLUSIVE lock and scans nothing
-- versions: 18-
-- setup:
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
INSERT INTO users SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 100) g;
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users, total numeric(10,2));
INSERT INTO orders SELECT g, g, g FROM generate_series(1, 100) g;
-- migration:
SET lock_timeout = '5s';
ALTER TABLE orders ALTER CONSTRAINT orders_user_id_fkey NOT ENFORCED;
