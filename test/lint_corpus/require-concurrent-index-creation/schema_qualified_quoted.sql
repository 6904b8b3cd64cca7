-- expect: unsafe
-- rules: require-concurrent-index-creation
-- reason: qualified, quoted names resolve to the pre-existing table
-- setup:
CREATE SCHEMA app;
CREATE TABLE app."Accounts" (id int, "Name" text);
-- migration:
CREATE INDEX ON app."Accounts" ("Name");
