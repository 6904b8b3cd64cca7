-- expect: safe
-- rules: none
-- reason: pre-built unique index on a NOT NULL column
-- setup:
CREATE TABLE legacy (id bigint NOT NULL, nid bigint, body text);
INSERT INTO legacy SELECT g, g, 'b' FROM generate_series(1, 100) g;
CREATE UNIQUE INDEX CONCURRENTLY legacy_id_idx ON legacy (id);
-- migration:
ALTER TABLE legacy ADD CONSTRAINT legacy_pkey PRIMARY KEY USING INDEX legacy_id_idx;
