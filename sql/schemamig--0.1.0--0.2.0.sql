/* sql/schemamig--0.1.0--0.2.0.sql — update schemamig from 0.1.0 to 0.2.0 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION schemamig UPDATE TO '0.2.0'" to load this file. \quit

-- Each section below belongs to one change of 0.2.0 and says which.

-- ---- Jobs bound to the role that queued them (issue 11, sections 4 and 7) ----
-- A job records its role by OID and the cluster it was queued in (system
-- identifier), and runs as that role or not at all (src/jobs.c,
-- jobs_requester).  Jobs queued before 0.2.0 have neither and never run.
ALTER TABLE schemamig.jobs
    ADD COLUMN requested_by_oid oid,
    ADD COLUMN requested_in_cluster bigint;
COMMENT ON COLUMN schemamig.jobs.requested_by_oid IS
    'OID of the role that queued the job; the job runs as this role only if it still exists under the name requested_by';
COMMENT ON COLUMN schemamig.jobs.requested_in_cluster IS
    'system identifier (pg_control_system()) of the cluster the job was queued in; a job restored into another cluster never runs';

-- A role sees its own jobs (the owner, which bypasses row security, sees
-- all), and waits for them: wait() itself refuses another role's job.
ALTER TABLE schemamig.jobs ENABLE ROW LEVEL SECURITY;
CREATE POLICY jobs_of_their_role ON schemamig.jobs FOR SELECT
    USING (requested_by_oid OPERATOR(pg_catalog.=)
           (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER));
GRANT SELECT ON schemamig.jobs TO PUBLIC;
GRANT EXECUTE ON PROCEDURE schemamig.wait(bigint, interval) TO PUBLIC;
