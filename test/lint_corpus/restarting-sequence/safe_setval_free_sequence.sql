-- expect: safe
-- rules: none
-- reason: ticket_seq feeds no column: moving it back collides with nothing in the database
-- setup:
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
CREATE SEQUENCE ticket_seq;
SELECT nextval('ticket_seq') FROM generate_series(1, 10);
-- migration:
SELECT setval('ticket_seq', 1);
