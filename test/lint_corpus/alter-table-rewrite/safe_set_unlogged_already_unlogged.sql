-- expect: safe
-- rules: none
-- reason: SET UNLOGGED of an unlogged table changes nothing (verified: no rewrite)
-- setup:
CREATE UNLOGGED TABLE staging (id int);
INSERT INTO staging SELECT generate_series(1, 100);
-- migration:
ALTER TABLE staging SET UNLOGGED;
