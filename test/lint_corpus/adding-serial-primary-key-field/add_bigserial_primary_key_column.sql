-- expect: unsafe
-- rules: adding-field-with-default, adding-serial-primary-key-field
-- reason: new serial PK column: rewrite and index build under ACCESS EXCLUSIVE
-- setup:
CREATE TABLE legacy (id bigint NOT NULL, nid bigint, body text);
INSERT INTO legacy SELECT g, g, 'b' FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE legacy ADD COLUMN pk bigserial PRIMARY KEY;
