-- expect: unsafe
-- rules: alter-table-rewrite
-- reason: SET LOGGED rewrites (and WAL-logs) the table
-- setup:
CREATE UNLOGGED TABLE staging (id int);
INSERT INTO staging SELECT generate_series(1, 100);
-- migration:
ALTER TABLE staging SET LOGGED;
