-- expect: unsafe
-- rules: changing-column-type
-- reason: json to jsonb reparses every value: rewrite
-- setup:
CREATE TABLE docs (id int, body json);
INSERT INTO docs VALUES (1, '{}');
-- migration:
ALTER TABLE docs ALTER COLUMN body TYPE jsonb USING body::jsonb;
