-- expect: safe
-- rules: none
-- reason: validated CHECK (nid IS NOT NULL) lets PK USING INDEX skip the scan (verified)
-- setup:
CREATE TABLE legacy (id bigint NOT NULL, nid bigint, body text);
INSERT INTO legacy SELECT g, g, 'b' FROM generate_series(1, 100) g;
CREATE UNIQUE INDEX legacy_nid_idx ON legacy (nid);
ALTER TABLE legacy ADD CONSTRAINT nid_nn CHECK (nid IS NOT NULL);
-- migration:
ALTER TABLE legacy ADD CONSTRAINT legacy_pkey PRIMARY KEY USING INDEX legacy_nid_idx;
