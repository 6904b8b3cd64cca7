-- expect: safe
-- rules: none
-- reason: START WITH 1000 is past max(id) = 100: no value collides
-- setup:
CREATE TABLE orders (id bigint NOT NULL, total numeric);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);
-- migration:
ALTER TABLE orders ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (START WITH 1000);
