-- expect: unsafe
-- rules: adding-field-with-default, adding-serial-primary-key-field
-- reason: identity PK column: rewrite and index build
-- setup:
CREATE TABLE legacy (id bigint NOT NULL, nid bigint, body text);
INSERT INTO legacy SELECT g, g, 'b' FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE legacy ADD COLUMN pk bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;
