-- expect: safe
-- rules: none
-- reason: no table column takes its values from this sequence
-- setup:
CREATE SEQUENCE batch_numbers;
SELECT nextval('batch_numbers') FROM generate_series(1, 5);
-- migration:
ALTER SEQUENCE batch_numbers RESTART;
