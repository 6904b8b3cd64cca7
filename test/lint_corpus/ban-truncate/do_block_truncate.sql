-- expect: unsafe
-- rules: ban-truncate
-- reason: the DO block truncates orders, which holds 100 rows: the rows are gone
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
-- migration:
DO $$ BEGIN TRUNCATE orders; END $$;
