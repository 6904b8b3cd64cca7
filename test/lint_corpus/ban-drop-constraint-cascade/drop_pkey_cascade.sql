-- expect: unsafe
-- rules: ban-drop-constraint-cascade
-- reason: the primary key of users is referenced by orders.user_id: CASCADE drops orders_user_id_fkey too, under ACCESS EXCLUSIVE on orders (verified: NOTICE drop cascades to constraint orders_user_id_fkey on table orders; AccessExclusiveLock on orders in pg_locks)
-- setup:
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
INSERT INTO users SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 100) g;
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id), total numeric CHECK (total >= 0));
INSERT INTO orders SELECT g, g, g FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE users DROP CONSTRAINT users_pkey CASCADE;
