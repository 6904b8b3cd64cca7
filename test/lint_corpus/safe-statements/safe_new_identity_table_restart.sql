-- expect: safe
-- rules: none
-- reason: imports and its identity sequence are created in this migration: setval() and RESTART move a sequence no running code has used
-- setup:
CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric);
INSERT INTO orders (total) SELECT g FROM generate_series(1, 100) g;
-- migration:
CREATE TABLE imports (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload text);
INSERT INTO imports (payload) VALUES ('a'), ('b');
SELECT setval('imports_id_seq', 1, false);
ALTER TABLE imports ALTER COLUMN id RESTART;
ALTER SEQUENCE imports_id_seq RESTART WITH 1;
