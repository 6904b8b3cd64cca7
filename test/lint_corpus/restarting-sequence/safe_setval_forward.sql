-- expect: safe
-- rules: none
-- reason: setval to 5000 moves the sequence forward past 1..100
-- setup:
CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric);
INSERT INTO orders (total) SELECT g FROM generate_series(1, 100) g;
-- migration:
SELECT setval('orders_id_seq', 5000);
