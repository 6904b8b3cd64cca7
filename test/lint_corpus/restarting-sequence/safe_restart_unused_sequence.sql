-- expect: safe
-- rules: none
-- reason: the sequence has handed out no value yet, so restarting it collides with nothing
-- setup:
CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric);
-- migration:
ALTER SEQUENCE orders_id_seq RESTART WITH 10;
