-- expect: unsafe
-- rules: partition-scan
-- reason: a plain unique index does not stand for the parent's PRIMARY KEY: ATTACH PARTITION builds a new key index on the table (verified: scan, events_2025_pkey created)
-- setup:
CREATE TABLE events (id bigint NOT NULL, at date NOT NULL, user_id bigint) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO events SELECT g, date '2024-01-01' + g, g % 100 + 1 FROM generate_series(1, 300) g;
CREATE TABLE events_2025 (id bigint NOT NULL, at date NOT NULL, user_id bigint, CONSTRAINT in_range CHECK (at >= '2025-01-01' AND at < '2026-01-01'));
INSERT INTO events_2025 SELECT g, date '2025-01-01' + g, g % 100 + 1 FROM generate_series(1, 100) g;
ALTER TABLE events ADD PRIMARY KEY (id, at);
CREATE UNIQUE INDEX events_2025_id_at ON events_2025 (id, at);
-- migration:
ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
