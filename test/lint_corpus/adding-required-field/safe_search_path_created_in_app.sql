-- expect: safe
-- rules: none
-- reason: with search_path app, CREATE TABLE orders creates app.orders: the script's own empty table
-- setup:
CREATE SCHEMA app;
CREATE TABLE public.orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO public.orders SELECT g, g FROM generate_series(1, 100) g;
-- migration:
SET search_path = app, public;
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
ALTER TABLE app.orders ADD COLUMN note text NOT NULL;
