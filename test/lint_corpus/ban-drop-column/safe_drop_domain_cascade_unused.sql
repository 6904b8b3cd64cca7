-- expect: safe
-- rules: none
-- reason: no column uses the domain
-- setup:
CREATE DOMAIN positive_amount AS numeric CHECK (VALUE > 0);
CREATE DOMAIN unused_amount AS numeric;
CREATE TABLE payments (id bigint PRIMARY KEY, amount positive_amount);
INSERT INTO payments SELECT g, g FROM generate_series(1, 100) g;
-- migration:
DROP DOMAIN unused_amount CASCADE;
