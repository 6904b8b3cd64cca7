-- expect: unsafe
-- rules: require-where-clause
-- reason: ON true with WHEN NOT MATCHED BY SOURCE THEN DELETE: with an empty source every row of orders is unmatched and deleted (PostgreSQL 17 semantics; this case runs only on 17 and 18)
-- versions: 17-
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, status text);
INSERT INTO orders SELECT g, 'new' FROM generate_series(1, 100) g;
CREATE TABLE incoming (id bigint PRIMARY KEY);
-- migration:
MERGE INTO orders USING incoming ON true WHEN NOT MATCHED BY SOURCE THEN DELETE;
