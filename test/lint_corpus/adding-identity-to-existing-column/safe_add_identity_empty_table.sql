-- expect: safe
-- rules: none
-- reason: orders is empty: nothing for the sequence to collide with
-- setup:
CREATE TABLE orders (id bigint NOT NULL, total numeric);
-- migration:
ALTER TABLE orders ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;
