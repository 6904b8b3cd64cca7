-- expect: unsafe
-- rules: ban-drop-table
-- reason: the inner block of the DO drops customers (100 rows); its END is the block's, not a COMMIT, so nothing else is reported
-- setup:
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL);
INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 100) g;
-- migration:
DO $$
DECLARE
  n int := 0;
BEGIN
  BEGIN
    DROP TABLE customers;
  EXCEPTION WHEN others THEN
    RAISE NOTICE 'failed';
  END;
END
$$;
