-- expect: unsafe
-- rules: adding-serial-primary-key-field
-- reason: ADD PRIMARY KEY builds its index under ACCESS EXCLUSIVE
-- setup:
CREATE TABLE legacy (id bigint NOT NULL, nid bigint, body text);
INSERT INTO legacy SELECT g, g, 'b' FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE legacy ADD PRIMARY KEY (id);
