-- expect: safe
-- rules: none
-- reason: the only foreign key that references the key was created by this migration's table
-- setup:
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
INSERT INTO users SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 100) g;
-- migration:
CREATE TABLE sessions (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));
ALTER TABLE users DROP CONSTRAINT users_pkey CASCADE;
