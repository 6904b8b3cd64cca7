-- expect: safe
-- rules: none
-- reason: the policy is created first, then RLS is turned on
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, owner_name text);
INSERT INTO orders SELECT g, 'alice' FROM generate_series(1, 100) g;
-- migration:
CREATE POLICY orders_own ON orders USING (owner_name = current_user);
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
