-- expect: safe
-- rules: none
-- reason: orders already has a policy in the catalog: enabling RLS applies it
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, owner_name text);
INSERT INTO orders SELECT g, 'alice' FROM generate_series(1, 100) g;
CREATE POLICY orders_own ON orders USING (owner_name = current_user);
-- migration:
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
