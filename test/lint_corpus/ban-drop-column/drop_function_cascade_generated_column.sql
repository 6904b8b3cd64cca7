-- expect: unsafe
-- rules: ban-drop-column
-- reason: DROP FUNCTION ... CASCADE drops the STORED generated column that uses the function, with its data (verified: NOTICE drop cascades to column)
-- setup:
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name varchar(50), age int, created_at timestamp);
INSERT INTO users SELECT g, 'u' || g || '@example.com', 'n' || g, g % 90, now() FROM generate_series(1, 100) g;
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric(10,2), status text, note varchar(20), placed_at timestamptz);
INSERT INTO orders SELECT g, g, g, 'new', 'x', now() FROM generate_series(1, 100) g;
CREATE INDEX orders_user_id_idx ON orders (user_id);
CREATE FUNCTION cents(numeric) RETURNS bigint IMMUTABLE LANGUAGE sql AS 'SELECT ($1 * 100)::bigint';
ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (cents(total)) STORED;
-- migration:
DROP FUNCTION cents(numeric) CASCADE;
