-- expect: safe
-- rules: none
-- reason: the constant string EXECUTE runs deletes the rows with id > 1000: none of orders' 100 rows, and only the rows it names
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, status text);
INSERT INTO orders SELECT g, 'new' FROM generate_series(1, 100) g;
-- migration:
DO $$
BEGIN
  EXECUTE 'DELETE FROM orders WHERE id > 1000';
END
$$;
