-- expect: safe
-- rules: none
-- reason: the migration hands the role's only table to another role first; DROP OWNED BY then only revokes the role's privileges
-- setup:
DO $$ BEGIN CREATE ROLE corpus_app_old; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE corpus_app_new; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE TABLE legacy_orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO legacy_orders SELECT g, g FROM generate_series(1, 100) g;
ALTER TABLE legacy_orders OWNER TO corpus_app_old;
-- migration:
ALTER TABLE legacy_orders OWNER TO corpus_app_new;
DROP OWNED BY corpus_app_old;
