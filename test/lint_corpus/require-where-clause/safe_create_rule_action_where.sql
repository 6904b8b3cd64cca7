-- expect: safe
-- rules: none
-- reason: the rule is on a new table and its action changes only the row it names
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric, deleted boolean NOT NULL DEFAULT false);
INSERT INTO orders SELECT g, g, false FROM generate_series(1, 100) g;
CREATE VIEW open_orders AS SELECT id, total FROM orders WHERE NOT deleted;
-- migration:
CREATE TABLE order_imports (id bigint PRIMARY KEY, total numeric);
CREATE RULE order_imports_replace AS ON INSERT TO order_imports DO ALSO DELETE FROM orders WHERE id = NEW.id;
