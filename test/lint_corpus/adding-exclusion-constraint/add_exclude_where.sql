-- expect: unsafe
-- rules: adding-exclusion-constraint
-- reason: partial exclusion constraint still builds the index
-- setup:
CREATE TABLE bookings (id bigint PRIMARY KEY, room int, during tsrange);
INSERT INTO bookings SELECT g, g % 10, tsrange(now()::timestamp + g * interval '1 day', now()::timestamp + (g + 1) * interval '1 day') FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE bookings ADD EXCLUDE USING gist (during WITH &&) WHERE (room > 0);
