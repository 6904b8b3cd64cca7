-- expect: unsafe
-- rules: ban-drop-table
-- reason: the migration hands one table over but the role still owns legacy_orders: DROP OWNED BY drops it with its data
-- setup:
DO $$ BEGIN CREATE ROLE corpus_app_old; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE corpus_app_new; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE TABLE legacy_orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO legacy_orders SELECT g, g FROM generate_series(1, 100) g;
ALTER TABLE legacy_orders OWNER TO corpus_app_old;
CREATE TABLE legacy_items (id bigint PRIMARY KEY);
INSERT INTO legacy_items SELECT g FROM generate_series(1, 100) g;
ALTER TABLE legacy_items OWNER TO corpus_app_old;
-- migration:
ALTER TABLE legacy_items OWNER TO corpus_app_new;
DROP OWNED BY corpus_app_old;
