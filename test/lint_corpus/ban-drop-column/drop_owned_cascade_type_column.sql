-- expect: unsafe
-- rules: ban-drop-column
-- reason: the role owns the enum that tasks.priority uses: DROP OWNED BY ... CASCADE drops that column with its data (verified: NOTICE drop cascades to column priority of table tasks; AccessExclusiveLock on tasks)
-- setup:
DO $$ BEGIN CREATE ROLE corpus_app_old; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE corpus_app_new; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE TYPE priority AS ENUM ('low', 'high');
ALTER TYPE priority OWNER TO corpus_app_old;
CREATE TABLE tasks (id bigint PRIMARY KEY, priority priority);
INSERT INTO tasks SELECT g, 'low' FROM generate_series(1, 100) g;
-- migration:
DROP OWNED BY corpus_app_old CASCADE;
