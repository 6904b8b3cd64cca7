-- expect: unsafe
-- rules: partition-scan
-- reason: the parent has an index the table lacks: ATTACH PARTITION builds it on the table under ACCESS EXCLUSIVE (verified: scan and a new index), although the CHECK implies the bound
-- setup:
CREATE TABLE events (id bigint NOT NULL, at date NOT NULL, user_id bigint) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO events SELECT g, date '2024-01-01' + g, g % 100 + 1 FROM generate_series(1, 300) g;
CREATE TABLE events_2025 (id bigint NOT NULL, at date NOT NULL, user_id bigint, CONSTRAINT in_range CHECK (at >= '2025-01-01' AND at < '2026-01-01'));
INSERT INTO events_2025 SELECT g, date '2025-01-01' + g, g % 100 + 1 FROM generate_series(1, 100) g;
CREATE INDEX events_user_id_idx ON events (user_id);
-- migration:
ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
