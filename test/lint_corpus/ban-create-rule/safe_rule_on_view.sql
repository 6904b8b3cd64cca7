-- expect: safe
-- rules: none
-- reason: a rule on a view is how a view is made writable: the lock is on the view only, for a catalog change, and no table's queries change
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric, deleted boolean NOT NULL DEFAULT false);
INSERT INTO orders SELECT g, g, false FROM generate_series(1, 100) g;
CREATE VIEW open_orders AS SELECT id, total FROM orders WHERE NOT deleted;
-- migration:
CREATE RULE open_orders_delete AS ON DELETE TO open_orders DO INSTEAD UPDATE orders SET deleted = true WHERE id = OLD.id;
