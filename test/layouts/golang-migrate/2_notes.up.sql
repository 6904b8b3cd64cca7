-- a golang-migrate file, wrapped by hand
START TRANSACTION;
CREATE TABLE notes (id bigint PRIMARY KEY, body text NOT NULL DEFAULT 'it''s; fine');
CREATE FUNCTION note_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM notes; $$;
END;
