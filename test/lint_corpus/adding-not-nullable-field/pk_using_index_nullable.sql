-- expect: unsafe
-- rules: adding-not-nullable-field
-- reason: PRIMARY KEY USING INDEX on a nullable column sets NOT NULL with a scan (verified)
-- setup:
CREATE TABLE legacy (id bigint NOT NULL, nid bigint, body text);
INSERT INTO legacy SELECT g, g, 'b' FROM generate_series(1, 100) g;
CREATE UNIQUE INDEX legacy_nid_idx ON legacy (nid);
-- migration:
ALTER TABLE legacy ADD CONSTRAINT legacy_pkey PRIMARY KEY USING INDEX legacy_nid_idx;
