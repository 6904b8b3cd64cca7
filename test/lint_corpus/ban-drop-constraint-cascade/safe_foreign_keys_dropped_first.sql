-- expect: safe
-- rules: none
-- reason: the migration drops the one foreign key that references the key by name first; CASCADE then takes nothing more
-- setup:
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
INSERT INTO users SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 100) g;
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id), total numeric CHECK (total >= 0));
INSERT INTO orders SELECT g, g, g FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey;
ALTER TABLE users DROP CONSTRAINT users_pkey CASCADE;
