-- expect: unsafe
-- rules: ban-drop-table
-- reason: ALTER TABLE ... OWNER TO hands orders (100 rows) to corpus_handover, which owned nothing before; DROP OWNED BY corpus_handover then drops orders with its data
-- setup:
DO $$ BEGIN CREATE ROLE corpus_handover; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE orders OWNER TO corpus_handover;
DROP OWNED BY corpus_handover;
