-- expect: unsafe
-- rules: restarting-sequence
-- reason: setval to 1 after 1..100 were handed out: the next inserts get 2..100 again (verified: 23505)
-- setup:
CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric);
INSERT INTO orders (total) SELECT g FROM generate_series(1, 100) g;
-- migration:
SELECT setval('orders_id_seq', 1);
