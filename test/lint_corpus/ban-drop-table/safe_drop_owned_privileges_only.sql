-- expect: safe
-- rules: none
-- reason: the role owns nothing here, it only holds privileges: DROP OWNED BY revokes them and drops no data
-- setup:
DO $$ BEGIN CREATE ROLE corpus_app_old; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE corpus_app_new; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
GRANT SELECT, INSERT ON orders TO corpus_app_old;
-- migration:
DROP OWNED BY corpus_app_old;
