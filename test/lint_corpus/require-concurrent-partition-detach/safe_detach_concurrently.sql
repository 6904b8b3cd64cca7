-- expect: safe
-- rules: none
-- reason: CONCURRENTLY takes SHARE UPDATE EXCLUSIVE on the parent
-- setup:
CREATE TABLE events (id bigint, at date NOT NULL, payload text) PARTITION BY RANGE (at);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO events SELECT g, date '2023-01-01' + g, 'p' FROM generate_series(1, 500) g;
-- migration:
ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;
