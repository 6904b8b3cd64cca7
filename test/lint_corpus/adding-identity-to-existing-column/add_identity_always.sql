-- expect: unsafe
-- rules: adding-identity-to-existing-column
-- reason: the identity sequence starts at 1 while id holds 1..100: the next insert fails with a unique violation (verified: 23505)
-- setup:
CREATE TABLE orders (id bigint NOT NULL, total numeric);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);
-- migration:
ALTER TABLE orders ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;
