-- expect: unsafe
-- rules: changing-column-type
-- reason: varchar COLLATE "C" to text (default collation) on an indexed column: no heap rewrite, the index is rebuilt under ACCESS EXCLUSIVE
-- setup:
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name varchar(50) COLLATE "C");
INSERT INTO users SELECT g, 'u' || g || '@example.com', 'n' || g FROM generate_series(1, 100) g;
CREATE INDEX users_name_idx ON users (name);
-- migration:
ALTER TABLE users ALTER COLUMN name TYPE text;
