-- expect: unsafe
-- rules: ban-alter-domain-with-add-constraint
-- reason: drafts (pre-existing) uses cents: its rows are scanned under SHARE
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
CREATE DOMAIN cents AS bigint;
CREATE TABLE drafts (id bigint, amount cents);
-- migration:
CREATE TABLE refunds (id bigint, amount cents);
ALTER DOMAIN cents ADD CONSTRAINT cents_positive CHECK (VALUE > 0);
