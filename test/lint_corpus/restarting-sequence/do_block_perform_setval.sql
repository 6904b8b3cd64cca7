-- expect: unsafe
-- rules: restarting-sequence
-- reason: PERFORM runs SELECT setval('orders_id_seq', 1): the sequence of orders.id, which handed out 1..100, hands out 2 next and the next INSERT fails with 23505
-- setup:
CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric);
INSERT INTO orders (total) SELECT g FROM generate_series(1, 100) g;
-- migration:
DO $$
BEGIN
  PERFORM setval('orders_id_seq', 1);
END
$$;
