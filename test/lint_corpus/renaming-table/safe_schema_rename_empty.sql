-- expect: safe
-- rules: none
-- reason: renaming a schema that holds no relation breaks no query naming a table
-- setup:
CREATE SCHEMA staging;
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
-- migration:
ALTER SCHEMA staging RENAME TO staging_old;
