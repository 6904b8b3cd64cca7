-- expect: unsafe
-- rules: ban-drop-column
-- reason: DROP COLLATION ... CASCADE drops users.email with its data
-- setup:
CREATE COLLATION case_insensitive (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE users (id bigint PRIMARY KEY, email text COLLATE case_insensitive);
INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 100) g;
-- migration:
DROP COLLATION case_insensitive CASCADE;
