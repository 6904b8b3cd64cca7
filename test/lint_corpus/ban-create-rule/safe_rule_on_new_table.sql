-- expect: safe
-- rules: none
-- reason: the table is created in this migration: no running code uses it yet
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric, deleted boolean NOT NULL DEFAULT false);
INSERT INTO orders SELECT g, g, false FROM generate_series(1, 100) g;
CREATE VIEW open_orders AS SELECT id, total FROM orders WHERE NOT deleted;
-- migration:
CREATE TABLE archive (id bigint PRIMARY KEY, total numeric);
CREATE RULE archive_no_delete AS ON DELETE TO archive DO INSTEAD NOTHING;
