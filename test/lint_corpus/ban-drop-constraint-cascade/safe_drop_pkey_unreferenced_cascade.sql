-- expect: safe
-- rules: none
-- reason: no foreign key references orders' primary key: CASCADE drops the constraint and its index only
-- setup:
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
INSERT INTO users SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 100) g;
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id), total numeric CHECK (total >= 0));
INSERT INTO orders SELECT g, g, g FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE orders DROP CONSTRAINT orders_pkey CASCADE;
