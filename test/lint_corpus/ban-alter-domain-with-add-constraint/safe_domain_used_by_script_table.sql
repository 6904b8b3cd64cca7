-- expect: safe
-- rules: none
-- reason: only refunds, created by the script, uses cents: nothing pre-existing is scanned
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
CREATE DOMAIN cents AS bigint;
-- migration:
CREATE TABLE refunds (id bigint, amount cents);
ALTER DOMAIN cents ADD CONSTRAINT cents_positive CHECK (VALUE > 0);
