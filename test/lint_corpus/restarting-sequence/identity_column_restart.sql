-- expect: unsafe
-- rules: restarting-sequence
-- reason: the identity sequence of orders.id handed out 1..100; ALTER COLUMN ... RESTART WITH 1 makes the next INSERT fail with 23505
-- setup:
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, total numeric);
INSERT INTO orders (total) SELECT g FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE orders ALTER COLUMN id RESTART WITH 1;
