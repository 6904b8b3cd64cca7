-- expect: unsafe
-- rules: adding-required-field
-- reason: the script creates app.orders; public.orders is the pre-existing table with 100 rows
-- setup:
CREATE SCHEMA app;
CREATE TABLE public.orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO public.orders SELECT g, g FROM generate_series(1, 100) g;
-- migration:
SET search_path = app, public;
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
ALTER TABLE public.orders ADD COLUMN note text NOT NULL;
