-- expect: unsafe
-- rules: ban-drop-table
-- reason: format() of literals only makes 'DROP TABLE app.customers' before the block runs; EXECUTE drops the table and its 100 rows
-- setup:
CREATE SCHEMA app;
CREATE TABLE app.customers (id bigint PRIMARY KEY, email text NOT NULL);
INSERT INTO app.customers SELECT g, 'c' || g FROM generate_series(1, 100) g;
-- migration:
DO $$
BEGIN
  IF true THEN
    EXECUTE format('DROP TABLE %I.%I', 'app', 'customers');
  END IF;
END
$$;
