-- expect: unsafe
-- rules: changing-column-type
-- reason: text to text COLLATE "C" on an indexed column: heap kept, the index rebuilt (new relfilenode) under ACCESS EXCLUSIVE (verified)
-- setup:
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name varchar(50));
INSERT INTO users SELECT g, 'u' || g || '@example.com', 'n' || g FROM generate_series(1, 100) g;
CREATE INDEX users_email_idx ON users (email);
-- migration:
ALTER TABLE users ALTER COLUMN email TYPE text COLLATE "C";
