-- expect: unsafe
-- rules: adding-required-field
-- reason: the script creates app.orders, but unqualified orders resolves to public.orders (search_path public), which holds 100 rows
-- setup:
CREATE SCHEMA app;
CREATE TABLE public.orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO public.orders SELECT g, g FROM generate_series(1, 100) g;
-- migration:
CREATE TABLE app.orders (id bigint PRIMARY KEY, total numeric);
ALTER TABLE orders ADD COLUMN note text NOT NULL;
