-- expect: unsafe
-- rules: ban-create-rule
-- reason: CREATE RULE takes ACCESS EXCLUSIVE on orders (verified in pg_locks) and silently turns every DELETE on it into nothing
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric, deleted boolean NOT NULL DEFAULT false);
INSERT INTO orders SELECT g, g, false FROM generate_series(1, 100) g;
CREATE VIEW open_orders AS SELECT id, total FROM orders WHERE NOT deleted;
-- migration:
CREATE RULE orders_soft_delete AS ON DELETE TO orders DO INSTEAD UPDATE orders SET deleted = true WHERE id = OLD.id;
