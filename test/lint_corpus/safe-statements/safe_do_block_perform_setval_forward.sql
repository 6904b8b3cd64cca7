-- expect: safe
-- rules: none
-- reason: PERFORM runs SELECT setval('orders_id_seq', 1000): forward, past the 100 values orders.id holds
-- setup:
CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric);
INSERT INTO orders (total) SELECT g FROM generate_series(1, 100) g;
-- migration:
DO $$
BEGIN
  PERFORM setval('orders_id_seq', 1000);
END
$$;
