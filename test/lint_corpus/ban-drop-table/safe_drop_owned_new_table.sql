-- expect: safe
-- rules: none
-- reason: the only table the role owns was created in this migration
-- setup:
DO $$ BEGIN CREATE ROLE corpus_app_old; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE corpus_app_new; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
-- migration:
CREATE TABLE scratch (id bigint);
ALTER TABLE scratch OWNER TO corpus_app_old;
DROP OWNED BY corpus_app_old;
