DROP VIEW line_qty;
