-- expect: safe
-- rules: none
-- reason: ALTER INDEX ... ATTACH PARTITION is catalog-only
-- setup:
CREATE TABLE events (id bigint, at date NOT NULL, payload text) PARTITION BY RANGE (at);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO events SELECT g, date '2023-01-01' + g, 'p' FROM generate_series(1, 500) g;
CREATE INDEX events_at_idx ON ONLY events (at);
CREATE INDEX CONCURRENTLY events_2024_at_idx ON events_2024 (at);
-- migration:
ALTER INDEX events_at_idx ATTACH PARTITION events_2024_at_idx;
