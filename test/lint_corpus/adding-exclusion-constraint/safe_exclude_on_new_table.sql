-- expect: safe
-- rules: none
-- reason: created in this migration
-- setup:
CREATE TABLE bookings (id bigint PRIMARY KEY, room int, during tsrange);
INSERT INTO bookings SELECT g, g % 10, tsrange(now()::timestamp + g * interval '1 day', now()::timestamp + (g + 1) * interval '1 day') FROM generate_series(1, 100) g;
-- migration:
CREATE TABLE slots (id int, during tsrange, EXCLUDE USING gist (during WITH &&));
