-- expect: unsafe
-- rules: ban-drop-table
-- reason: DROP TYPE ... CASCADE drops the table created OF the type, with its rows (verified: NOTICE drop cascades to table people)
-- setup:
CREATE TYPE person AS (id bigint, name text);
CREATE TABLE people OF person;
INSERT INTO people SELECT g, 'n' || g FROM generate_series(1, 100) g;
-- migration:
DROP TYPE person CASCADE;
