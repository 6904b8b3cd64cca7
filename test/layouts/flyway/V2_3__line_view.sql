-- "2_3" is version 2.3, after 1.10
CREATE VIEW line_qty AS SELECT id, qty FROM lines;
