-- expect: unsafe
-- rules: restarting-sequence
-- reason: orders.id is a bigserial that handed out 1..100; RESTART sends nextval back to 1 and the next INSERT fails with 23505 (verified on 15)
-- setup:
CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric);
INSERT INTO orders (total) SELECT g FROM generate_series(1, 100) g;
-- migration:
ALTER SEQUENCE orders_id_seq RESTART;
