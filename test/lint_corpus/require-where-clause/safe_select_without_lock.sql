-- expect: safe
-- rules: none
-- reason: a plain SELECT of every row locks no row
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric, status text);
INSERT INTO orders SELECT g, g, 'new' FROM generate_series(1, 100) g;
-- migration:
SELECT count(*) FROM orders;
