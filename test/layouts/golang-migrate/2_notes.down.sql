DROP FUNCTION note_count();
DROP TABLE notes;
