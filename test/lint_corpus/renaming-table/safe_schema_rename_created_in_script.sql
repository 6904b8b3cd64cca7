-- expect: safe
-- rules: none
-- reason: a schema created earlier in the same migration is new: nothing uses its name yet
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
-- migration:
CREATE SCHEMA IF NOT EXISTS reporting;
CREATE TABLE IF NOT EXISTS reporting.daily (d date PRIMARY KEY);
ALTER SCHEMA reporting RENAME TO reports;
