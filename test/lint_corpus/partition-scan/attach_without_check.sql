-- expect: unsafe
-- rules: partition-scan
-- reason: ATTACH of a pre-existing table without a CHECK implying the bound scans it under ACCESS EXCLUSIVE (verified: ERROR on a row outside the bound proves the scan)
-- setup:
CREATE TABLE events (id bigint, at date NOT NULL, payload text) PARTITION BY RANGE (at);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
INSERT INTO events SELECT g, date '2023-01-01' + g, 'p' FROM generate_series(1, 300) g;
CREATE TABLE events_2025 (id bigint, at date NOT NULL, payload text);
INSERT INTO events_2025 SELECT g, date '2025-01-01' + g, 'p' FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
