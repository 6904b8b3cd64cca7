-- expect: safe
-- rules: none
-- reason: the script creates a policy for orders, so roles see the rows the policy allows
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, owner_name text);
INSERT INTO orders SELECT g, 'alice' FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY orders_own ON orders USING (owner_name = current_user);
