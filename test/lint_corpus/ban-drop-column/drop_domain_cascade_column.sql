-- expect: unsafe
-- rules: ban-drop-column
-- reason: DROP DOMAIN ... CASCADE drops payments.amount with its data
-- setup:
CREATE DOMAIN positive_amount AS numeric CHECK (VALUE > 0);
CREATE DOMAIN unused_amount AS numeric;
CREATE TABLE payments (id bigint PRIMARY KEY, amount positive_amount);
INSERT INTO payments SELECT g, g FROM generate_series(1, 100) g;
-- migration:
DROP DOMAIN positive_amount CASCADE;
