/* sql/schemamig--0.1.0--0.2.0.sql — update schemamig from 0.1.0 to 0.2.0 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION schemamig UPDATE TO '0.2.0'" to load this file. \quit

-- Each section below belongs to one change of 0.2.0 and says which.

-- ---- issue 10, client side: the steps of a client's deploy ----
-- deploy_plan() plans a deploy of one folder (its versions) after the
-- checks that refuse the whole deploy; deploy_step() applies, and
-- rollback_step() rolls back, one migration in the caller's transaction,
-- so that a client commits each migration with its history row;
-- rollback_plan() is deploy_plan() for a rollback.

-- deploy_step() asks for the highest applied version once per migration
CREATE INDEX applied_version_order ON schemamig.applied (schemamig.version_sort_key(version));

CREATE FUNCTION schemamig.deploy_plan(versions text[], target text DEFAULT NULL)
RETURNS TABLE (version text, result text, duration_ms double precision)
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemamig_deploy_plan';

CREATE FUNCTION schemamig.deploy_step(version text)
RETURNS TABLE (result text, duration_ms double precision, job bigint)
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemamig_deploy_step';

CREATE FUNCTION schemamig.rollback_step(version text)
RETURNS TABLE (result text, duration_ms double precision, job bigint)
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemamig_rollback_step';

CREATE FUNCTION schemamig.rollback_plan(steps integer, target text DEFAULT NULL)
RETURNS TABLE (version text, result text, duration_ms double precision)
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemamig_rollback_plan';

REVOKE ALL ON FUNCTION schemamig.deploy_plan(text[], text) FROM PUBLIC;
REVOKE ALL ON FUNCTION schemamig.rollback_plan(integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION schemamig.deploy_step(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION schemamig.rollback_step(text) FROM PUBLIC;
