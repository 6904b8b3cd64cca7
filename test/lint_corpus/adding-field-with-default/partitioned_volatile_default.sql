-- expect: unsafe
-- rules: adding-field-with-default
-- reason: ADD COLUMN with a volatile default on a partitioned table rewrites every partition (recursion judged the same on 15 and 16+)
-- measure: events_2026
-- setup:
CREATE TABLE events (id bigint, kind text, at date) PARTITION BY RANGE (at);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO events SELECT g, 'k', date '2026-01-01' + g FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE events ADD COLUMN token float8 DEFAULT random();
