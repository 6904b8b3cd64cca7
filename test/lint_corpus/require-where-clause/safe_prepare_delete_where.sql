-- expect: safe
-- rules: none
-- reason: the prepared DELETE names one row
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
-- migration:
PREPARE wipe_one (bigint) AS DELETE FROM orders WHERE id = $1;
