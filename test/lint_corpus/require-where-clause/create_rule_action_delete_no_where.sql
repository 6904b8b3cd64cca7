-- expect: unsafe
-- rules: require-where-clause
-- reason: the rule is on a new table, but its action deletes every row of orders each time a row is inserted into it
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric, deleted boolean NOT NULL DEFAULT false);
INSERT INTO orders SELECT g, g, false FROM generate_series(1, 100) g;
CREATE VIEW open_orders AS SELECT id, total FROM orders WHERE NOT deleted;
-- migration:
CREATE TABLE order_imports (id bigint PRIMARY KEY, total numeric);
CREATE RULE order_imports_replace AS ON INSERT TO order_imports DO ALSO DELETE FROM orders;
