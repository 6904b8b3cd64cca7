-- expect: safe
-- rules: none
-- reason: ATTACH takes SHARE UPDATE EXCLUSIVE on the parent (PG12+); the new partition is not yet in use
-- setup:
CREATE TABLE events (id bigint, at date NOT NULL, payload text) PARTITION BY RANGE (at);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO events SELECT g, date '2023-01-01' + g, 'p' FROM generate_series(1, 500) g;
-- migration:
CREATE TABLE events_2025 (id bigint, at date NOT NULL, payload text);
ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
