-- expect: unsafe
-- rules: constraint-missing-not-valid
-- reason: a partition is a pre-existing table
-- setup:
CREATE TABLE events (id bigint, at date NOT NULL, payload text) PARTITION BY RANGE (at);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO events SELECT g, date '2023-01-01' + g, 'p' FROM generate_series(1, 500) g;
-- migration:
ALTER TABLE events_2023 ADD CONSTRAINT payload_len CHECK (length(payload) < 100);
