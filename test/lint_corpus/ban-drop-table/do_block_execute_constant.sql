-- expect: unsafe
-- rules: ban-drop-table
-- reason: EXECUTE runs the constant string 'DROP TABLE customers': customers and its 100 rows are gone, as if the DROP were written in the block
-- setup:
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL);
INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 100) g;
-- migration:
DO $$
BEGIN
  EXECUTE 'DROP TABLE customers';
END
$$;
