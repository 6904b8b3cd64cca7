-- expect: safe
-- rules: none
-- reason: orders is handed to corpus_handover and back to the caller before DROP OWNED BY corpus_handover, which then owns nothing: orders and its 100 rows stay
-- setup:
DO $$ BEGIN CREATE ROLE corpus_handover; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE orders OWNER TO corpus_handover;
ALTER TABLE orders OWNER TO CURRENT_USER;
DROP OWNED BY corpus_handover;
