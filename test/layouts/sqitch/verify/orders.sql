-- Verify shop:orders on pg

SELECT id, user_id, total FROM orders WHERE false;
