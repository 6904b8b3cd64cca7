-- expect: unsafe
-- rules: constraint-missing-not-valid
-- reason: on 18, ALTER CONSTRAINT ... ENFORCED of a NOT ENFORCED foreign key scans orders under ACCESS EXCLUSIVE (and users under SHARE ROW EXCLUSIVE), measured with trace(); there is no NOT VALID form
-- versions: 18-
-- measure: orders
-- setup:
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
INSERT INTO users SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 100) g;
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric(10,2));
INSERT INTO orders SELECT g, g, g FROM generate_series(1, 100) g;
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users NOT ENFORCED;
-- migration:
SET lock_timeout = '5s';
ALTER TABLE orders ALTER CONSTRAINT orders_user_fk ENFORCED;
