-- expect: safe
-- rules: none
-- reason: no column uses cents: the check has nothing to scan
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
CREATE DOMAIN cents AS bigint;
-- migration:
ALTER DOMAIN cents ADD CONSTRAINT cents_positive CHECK (VALUE > 0);
