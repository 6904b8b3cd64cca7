-- expect: unsafe
-- rules: row-security-without-policy
-- reason: with RLS on and no policy, every query of a role that does not own orders returns no rows (verified: 0 of 100 rows for a granted role)
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, owner_name text);
INSERT INTO orders SELECT g, 'alice' FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
