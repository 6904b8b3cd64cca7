-- Version 10 sorts after 3: schemamig orders versions naturally.
CREATE VIEW customer_totals AS
SELECT c.id, c.email, coalesce(sum(o.total_cents), 0) AS total_cents
  FROM customers c
  LEFT JOIN orders o ON o.customer_id = c.id
 GROUP BY c.id, c.email;
