-- Revert shop:app/order_totals from pg

BEGIN;

DROP VIEW order_totals;

COMMIT;
