-- expect: unsafe
-- rules: partition-scan
-- reason: the parent's foreign key is copied onto the table and validated by a scan under ACCESS EXCLUSIVE (verified: the table and users scanned)
-- setup:
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name varchar(50), age int, created_at timestamp);
INSERT INTO users SELECT g, 'u' || g || '@example.com', 'n' || g, g % 90, now() FROM generate_series(1, 100) g;
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric(10,2), status text, note varchar(20), placed_at timestamptz);
INSERT INTO orders SELECT g, g, g, 'new', 'x', now() FROM generate_series(1, 100) g;
CREATE INDEX orders_user_id_idx ON orders (user_id);
CREATE TABLE events (id bigint NOT NULL, at date NOT NULL, user_id bigint) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO events SELECT g, date '2024-01-01' + g, g % 100 + 1 FROM generate_series(1, 300) g;
CREATE TABLE events_2025 (id bigint NOT NULL, at date NOT NULL, user_id bigint, CONSTRAINT in_range CHECK (at >= '2025-01-01' AND at < '2026-01-01'));
INSERT INTO events_2025 SELECT g, date '2025-01-01' + g, g % 100 + 1 FROM generate_series(1, 100) g;
ALTER TABLE events ADD FOREIGN KEY (user_id) REFERENCES users (id);
-- migration:
ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
