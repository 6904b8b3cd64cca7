/* sql/schemamig--0.1.0--0.2.0.sql — update schemamig from 0.1.0 to 0.2.0 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION schemamig UPDATE TO '0.2.0'" to load this file. \quit

-- Each section below belongs to one change of 0.2.0 and says which.
