-- expect: unsafe
-- rules: ban-drop-column
-- reason: DROP EXTENSION citext CASCADE drops accounts.login (a citext column) with its data
-- setup:
CREATE EXTENSION IF NOT EXISTS citext;
CREATE TABLE accounts (id bigint PRIMARY KEY, login citext);
INSERT INTO accounts SELECT g, 'u' || g FROM generate_series(1, 100) g;
-- migration:
DROP EXTENSION citext CASCADE;
