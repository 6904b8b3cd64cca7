-- expect: unsafe
-- rules: ban-create-rule
-- reason: CREATE OR REPLACE RULE on a pre-existing table: ACCESS EXCLUSIVE on orders (verified in pg_locks), and every INSERT into it now also writes the log
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric, deleted boolean NOT NULL DEFAULT false);
INSERT INTO orders SELECT g, g, false FROM generate_series(1, 100) g;
CREATE VIEW open_orders AS SELECT id, total FROM orders WHERE NOT deleted;
CREATE TABLE order_log (order_id bigint, at timestamptz DEFAULT now());
-- migration:
CREATE OR REPLACE RULE orders_log AS ON INSERT TO orders DO ALSO INSERT INTO order_log (order_id) VALUES (NEW.id);
