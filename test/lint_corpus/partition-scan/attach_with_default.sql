-- expect: unsafe
-- rules: partition-scan
-- reason: a matching CHECK, but the parent has a DEFAULT partition: the default is scanned under ACCESS EXCLUSIVE (judged populated)
-- setup:
CREATE TABLE events (id bigint, at date NOT NULL, payload text) PARTITION BY RANGE (at);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
INSERT INTO events SELECT g, date '2023-01-01' + g, 'p' FROM generate_series(1, 300) g;
CREATE TABLE events_default PARTITION OF events DEFAULT;
CREATE TABLE events_2025 (id bigint, at date NOT NULL, payload text, CONSTRAINT in_range CHECK (at >= '2025-01-01' AND at < '2026-01-01'));
-- migration:
ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
