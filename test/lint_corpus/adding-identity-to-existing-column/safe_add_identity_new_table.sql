-- expect: safe
-- rules: none
-- reason: orders is created by the script: it holds no rows
-- setup:
CREATE TABLE customers (id bigint PRIMARY KEY);
-- migration:
CREATE TABLE orders (id bigint NOT NULL, total numeric);
ALTER TABLE orders ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;
