-- expect: safe
-- rules: none
-- reason: row security is already on for orders: ENABLE again changes nothing
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, owner_name text);
INSERT INTO orders SELECT g, 'alice' FROM generate_series(1, 100) g;
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
-- migration:
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
