-- expect: safe
-- rules: none
-- reason: the table and its sequence are created in this migration: no running code uses them yet
-- setup:
CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric);
-- migration:
CREATE TABLE imports (id bigserial PRIMARY KEY, payload text);
INSERT INTO imports (payload) VALUES ('a'), ('b');
ALTER SEQUENCE imports_id_seq RESTART;
