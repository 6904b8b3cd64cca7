-- Verify shop:app/order_totals on pg

SELECT user_id, total FROM order_totals WHERE false;
