-- expect: safe
-- rules: none
-- reason: ADD CONSTRAINT CHECK ... NOT VALID on an inheritance parent checks no child row
-- measure: items_archive
-- setup:
CREATE TABLE items (id bigint, qty int);
CREATE TABLE items_archive () INHERITS (items);
INSERT INTO items_archive SELECT g, g FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE items ADD CONSTRAINT items_qty_positive CHECK (qty > 0) NOT VALID;
