-- expect: unsafe
-- rules: partition-scan
-- reason: CREATE TABLE ... PARTITION OF scans the DEFAULT partition under ACCESS EXCLUSIVE on the parent
-- setup:
CREATE TABLE events (id bigint, at date NOT NULL, payload text) PARTITION BY RANGE (at);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
INSERT INTO events SELECT g, date '2023-01-01' + g, 'p' FROM generate_series(1, 300) g;
CREATE TABLE events_default PARTITION OF events DEFAULT;
-- migration:
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
