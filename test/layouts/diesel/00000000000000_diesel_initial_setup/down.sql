-- This file was automatically created by Diesel to setup helper functions
-- and other internal bookkeeping.
DROP FUNCTION IF EXISTS diesel_manage_updated_at(_tbl regclass);
DROP FUNCTION IF EXISTS diesel_set_updated_at();
