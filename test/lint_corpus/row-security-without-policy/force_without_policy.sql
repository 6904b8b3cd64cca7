-- expect: unsafe
-- rules: row-security-without-policy
-- reason: orders has row security on and no policy (only its owner reads it); FORCE applies it to the owner too, who then reads no rows (verified with a non-superuser owner: 100 rows before, 0 after)
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, owner_name text);
INSERT INTO orders SELECT g, 'alice' FROM generate_series(1, 100) g;
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
-- migration:
ALTER TABLE orders FORCE ROW LEVEL SECURITY;
