-- expect: unsafe
-- rules: restarting-sequence
-- reason: the sequence is not owned by the column but its default calls it; RESTART reuses 1..10 that invoices holds
-- setup:
CREATE SEQUENCE invoice_numbers;
CREATE TABLE invoices (number bigint PRIMARY KEY DEFAULT nextval('invoice_numbers'), total numeric);
INSERT INTO invoices (total) SELECT g FROM generate_series(1, 10) g;
-- migration:
ALTER SEQUENCE invoice_numbers RESTART;
