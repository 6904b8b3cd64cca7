-- Deploy shop:app/order_totals to pg
-- requires: orders

BEGIN;

CREATE VIEW order_totals AS
    SELECT user_id, sum(total) AS total FROM orders GROUP BY user_id;

COMMIT;
