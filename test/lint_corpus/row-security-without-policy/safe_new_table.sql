-- expect: safe
-- rules: none
-- reason: orders is created by the script: no query relies on its rows yet
-- setup:
CREATE TABLE customers (id bigint PRIMARY KEY);
-- migration:
CREATE TABLE orders (id bigint PRIMARY KEY, owner_name text);
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
