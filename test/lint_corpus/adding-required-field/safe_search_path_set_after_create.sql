-- expect: safe
-- rules: none
-- reason: after SET search_path = app, orders is the script's app.orders
-- setup:
CREATE SCHEMA app;
CREATE TABLE public.orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO public.orders SELECT g, g FROM generate_series(1, 100) g;
-- migration:
CREATE TABLE app.orders (id bigint PRIMARY KEY, total numeric);
SET search_path = app;
ALTER TABLE orders ADD COLUMN note text NOT NULL;
