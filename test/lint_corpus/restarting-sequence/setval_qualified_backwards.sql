-- expect: unsafe
-- rules: restarting-sequence
-- reason: setval to 10 (is_called false) after 1..100: the next insert gets 10 (verified: 23505)
-- setup:
CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric);
INSERT INTO orders (total) SELECT g FROM generate_series(1, 100) g;
-- migration:
SELECT pg_catalog.setval('public.orders_id_seq'::regclass, 10, false);
