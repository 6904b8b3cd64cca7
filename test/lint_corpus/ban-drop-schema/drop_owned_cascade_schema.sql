-- expect: unsafe
-- rules: ban-drop-schema
-- reason: the role owns schema reports; DROP OWNED BY ... CASCADE drops it with the table another role owns in it (verified: NOTICE drop cascades to table reports.daily)
-- setup:
DO $$ BEGIN CREATE ROLE corpus_app_old; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE corpus_app_new; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE SCHEMA reports AUTHORIZATION corpus_app_old;
CREATE TABLE reports.daily (id bigint PRIMARY KEY, total numeric);
INSERT INTO reports.daily SELECT g, g FROM generate_series(1, 100) g;
-- migration:
DROP OWNED BY corpus_app_old CASCADE;
