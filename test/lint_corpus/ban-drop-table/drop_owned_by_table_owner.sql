-- expect: unsafe
-- rules: ban-drop-table
-- reason: DROP OWNED BY drops every table the role owns in this database with its data (verified: legacy_orders is gone, AccessExclusiveLock on it in pg_locks)
-- setup:
DO $$ BEGIN CREATE ROLE corpus_app_old; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE corpus_app_new; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE TABLE legacy_orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO legacy_orders SELECT g, g FROM generate_series(1, 100) g;
ALTER TABLE legacy_orders OWNER TO corpus_app_old;
-- migration:
DROP OWNED BY corpus_app_old;
