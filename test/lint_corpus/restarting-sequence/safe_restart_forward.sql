-- expect: safe
-- rules: none
-- reason: RESTART WITH 1000 moves the sequence forward, past every value it handed out (1..100)
-- setup:
CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric);
INSERT INTO orders (total) SELECT g FROM generate_series(1, 100) g;
-- migration:
ALTER SEQUENCE orders_id_seq RESTART WITH 1000;
