-- expect: safe
-- rules: none
-- reason: VALIDATE on an inheritance parent scans the children under SHARE UPDATE EXCLUSIVE only
-- measure: items_archive
-- setup:
CREATE TABLE items (id bigint, qty int);
CREATE TABLE items_archive () INHERITS (items);
INSERT INTO items_archive SELECT g, g FROM generate_series(1, 100) g;
ALTER TABLE items ADD CONSTRAINT items_qty_positive CHECK (qty > 0) NOT VALID;
-- migration:
ALTER TABLE items VALIDATE CONSTRAINT items_qty_positive;
