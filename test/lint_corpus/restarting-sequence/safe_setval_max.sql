-- expect: safe
-- rules: none
-- reason: setval to max(id) is the usual repair: the next value is past every row
-- setup:
CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric);
INSERT INTO orders (total) SELECT g FROM generate_series(1, 100) g;
-- migration:
SELECT setval('orders_id_seq', (SELECT max(id) FROM orders));
