-- expect: safe
-- rules: none
-- reason: the NOT MATCHED BY SOURCE action has its own condition: only cancelled orders without a source row go
-- versions: 17-
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, status text);
INSERT INTO orders SELECT g, 'new' FROM generate_series(1, 100) g;
CREATE TABLE incoming (id bigint PRIMARY KEY);
-- migration:
MERGE INTO orders USING incoming ON true WHEN NOT MATCHED BY SOURCE AND orders.status = 'cancelled' THEN DELETE;
