-- expect: unsafe
-- rules: require-where-clause
-- reason: the prepared DELETE has no WHERE: EXECUTE wipe deletes all 100 rows
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
-- migration:
PREPARE wipe AS DELETE FROM orders;
