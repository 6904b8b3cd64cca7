-- expect: unsafe
-- rules: ban-drop-constraint-cascade
-- reason: a UNIQUE constraint referenced by a foreign key of another table: CASCADE drops the foreign key (verified: NOTICE drop cascades to constraint invoices_user_email_fkey)
-- setup:
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
INSERT INTO users SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 100) g;
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id), total numeric CHECK (total >= 0));
INSERT INTO orders SELECT g, g, g FROM generate_series(1, 100) g;
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
CREATE TABLE invoices (id bigint PRIMARY KEY, user_email text REFERENCES users (email));
INSERT INTO invoices SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE IF EXISTS users DROP CONSTRAINT IF EXISTS users_email_key CASCADE;
