-- expect: safe
-- rules: none
-- reason: text to text COLLATE "C" on a column without an index: catalog change only, no relfilenode changes (verified)
-- setup:
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name varchar(50));
INSERT INTO users SELECT g, 'u' || g || '@example.com', 'n' || g FROM generate_series(1, 100) g;
CREATE INDEX users_name_idx ON users (name);
-- migration:
ALTER TABLE users ALTER COLUMN email TYPE text COLLATE "C";
