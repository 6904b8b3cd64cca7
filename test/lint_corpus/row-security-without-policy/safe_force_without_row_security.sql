-- expect: safe
-- rules: none
-- reason: FORCE without row security enabled changes nothing anyone reads: policies apply only once it is enabled
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, owner_name text);
INSERT INTO orders SELECT g, 'alice' FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE orders FORCE ROW LEVEL SECURITY;
