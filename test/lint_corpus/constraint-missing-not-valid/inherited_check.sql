-- expect: unsafe
-- rules: constraint-missing-not-valid
-- reason: ADD CONSTRAINT CHECK on an inheritance parent scans the children under ACCESS EXCLUSIVE (recursion judged the same on 15 and 16+)
-- measure: items_archive
-- setup:
CREATE TABLE items (id bigint, qty int);
CREATE TABLE items_archive () INHERITS (items);
INSERT INTO items_archive SELECT g, g FROM generate_series(1, 100) g;
-- migration:
ALTER TABLE items ADD CONSTRAINT items_qty_positive CHECK (qty > 0);
