BEGIN;
COMMENT ON TABLE accounts IS 'who signs in';
COMMIT;
