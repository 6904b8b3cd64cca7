-- migrate:up
CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL);

-- migrate:down
DROP TABLE events;
