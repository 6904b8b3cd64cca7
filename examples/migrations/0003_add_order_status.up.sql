-- A constant default does not rewrite the table on PostgreSQL 11 and later.
ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'placed';
COMMENT ON COLUMN orders.status IS 'placed, paid, shipped or cancelled';
