-- expect: unsafe
-- rules: row-security-without-policy
-- reason: the only policy the script creates is for invoices; orders gets RLS with no policy
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, owner_name text);
CREATE TABLE invoices (id bigint PRIMARY KEY, owner_name text);
INSERT INTO orders SELECT g, 'alice' FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY invoices_own ON invoices USING (owner_name = current_user);
