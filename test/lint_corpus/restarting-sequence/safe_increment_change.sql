-- expect: safe
-- rules: none
-- reason: changing the increment or cache without RESTART does not move the sequence back
-- setup:
CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric);
INSERT INTO orders (total) SELECT g FROM generate_series(1, 100) g;
-- migration:
ALTER SEQUENCE orders_id_seq INCREMENT BY 10 CACHE 20;
