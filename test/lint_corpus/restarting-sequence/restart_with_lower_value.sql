-- expect: unsafe
-- rules: restarting-sequence
-- reason: RESTART WITH 50 hands out 50..100 again, values orders already holds
-- setup:
CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric);
INSERT INTO orders (total) SELECT g FROM generate_series(1, 100) g;
-- migration:
ALTER SEQUENCE IF EXISTS orders_id_seq RESTART WITH 50;
