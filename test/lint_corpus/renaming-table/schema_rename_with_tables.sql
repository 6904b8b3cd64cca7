-- expect: unsafe
-- rules: renaming-table
-- reason: ALTER SCHEMA RENAME renames every table in it for running code (verified: ACCESS EXCLUSIVE on the schema object, queries naming app.orders fail after commit)
-- setup:
CREATE SCHEMA app;
CREATE TABLE app.orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO app.orders SELECT g, g FROM generate_series(1, 100) g;
-- migration:
ALTER SCHEMA app RENAME TO app_v2;
