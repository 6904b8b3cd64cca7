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

-- ---- automatic recoveries queued for the worker (issue 11, section 2) ----
-- migrate() and run() queue the recovery of a dirty migration whose down
-- script needs the worker; when it runs, the worker checks it again
-- (src/recovery_guard.c), as its own recoveries: what the application
-- wrote while it waited in the queue is not dropped.
ALTER TABLE schemamig.jobs ADD COLUMN automatic boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN schemamig.jobs.automatic IS
    'true for a recovery migrate() or run() queued on its own (schemamig.auto_recover), which the worker holds back when its down script would destroy data; false for a job a person queued';

-- A role sees its own jobs (the owner, which bypasses row security, sees
-- all), and waits for them: wait() itself refuses another role's job.
ALTER TABLE schemamig.jobs ENABLE ROW LEVEL SECURITY;
CREATE POLICY jobs_of_their_role ON schemamig.jobs FOR SELECT
    USING (requested_by_oid OPERATOR(pg_catalog.=)
           (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER));
GRANT SELECT ON schemamig.jobs TO PUBLIC;
GRANT EXECUTE ON PROCEDURE schemamig.wait(bigint, interval) TO PUBLIC;
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
-- ---- layouts (issue 15): a tool's "NO TRANSACTION" marker reaches the server ----
-- register() with a fifth argument: in_transaction false makes the migration
-- non-transactional (the worker runs it) even when every statement could run
-- in a transaction block.  The four-argument form is unchanged.  (A down
-- script of only comments, "nothing to undo", needs no catalog change.)
CREATE FUNCTION schemamig.register(version text, up_sql text, down_sql text,
                                   description text, in_transaction boolean)
RETURNS text
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemamig_register';
REVOKE EXECUTE ON FUNCTION schemamig.register(text, text, text, text, boolean) FROM PUBLIC;

-- adopt(): "schemamig adopt --from TOOL" marks a registered migration that
-- another tool applied as applied, without running it, at that tool's time.
CREATE FUNCTION schemamig.adopt(version text, applied_at timestamptz, source text)
RETURNS boolean
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemamig_adopt';
REVOKE EXECUTE ON FUNCTION schemamig.adopt(text, timestamptz, text) FROM PUBLIC;

-- lint_rule_destructive(): "schemamig lint --dir" judges down scripts as
-- rollback runs them, where the destructive rules do not apply.
CREATE FUNCTION schemamig.lint_rule_destructive(rule text)
RETURNS boolean
LANGUAGE C STABLE STRICT
AS 'MODULE_PATHNAME', 'schemamig_lint_rule_destructive';
GRANT EXECUTE ON FUNCTION schemamig.lint_rule_destructive(text) TO PUBLIC;

-- lint_deploy(): "schemamig lint --dir" judges a folder's up scripts as one
-- deploy runs them, so what an earlier script created counts as new.
CREATE FUNCTION schemamig.lint_deploy(scripts text[])
RETURNS TABLE (script_no integer, statement_no integer, line integer, rule text,
               severity text, message text, hint text)
LANGUAGE C VOLATILE STRICT
AS 'MODULE_PATHNAME', 'schemamig_lint_deploy';
GRANT EXECUTE ON FUNCTION schemamig.lint_deploy(text[]) TO PUBLIC;
-- schemamig.trace(sql) (issue 14): runs a script in a transaction that is
-- always rolled back and reports, per statement and relation, the lock it
-- took, whether it scanned or rewrote the relation, how long it ran and its
-- lint() findings (doc/functions.md).  It runs the script as the caller, so
-- it is not SECURITY DEFINER; PUBLIC may not call it.
CREATE FUNCTION schemamig.trace(sql text)
RETURNS TABLE (statement_no integer, line integer, relation regclass,
               relation_name text, lock_mode text, scanned boolean,
               rewritten boolean, duration_ms double precision,
               outcome text, detail text, lint_rules text[])
LANGUAGE C VOLATILE STRICT
AS 'MODULE_PATHNAME', 'schemamig_trace';
REVOKE EXECUTE ON FUNCTION schemamig.trace(text) FROM PUBLIC;

-- ---- jobs as a state machine (issue 12): cancelling a job ----
-- The states of schemamig.jobs.status and their transitions are written
-- down in src/job_state.h (the CHECK constraint of 0.1.0 lists the same
-- names).  cancel() cancels a queued job at once, and asks a running one
-- to stop (cancel_requested_at): the worker ends it 'cancelled' before its
-- next stretch.  A role cancels its own jobs (the owner any), as wait().
ALTER TABLE schemamig.jobs ADD COLUMN cancel_requested_at timestamptz;
COMMENT ON COLUMN schemamig.jobs.cancel_requested_at IS
    'when schemamig.cancel() was called on the job; a running job stops before its next stretch';

CREATE FUNCTION schemamig.cancel(job bigint)
RETURNS text
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemamig_cancel';
GRANT EXECUTE ON FUNCTION schemamig.cancel(bigint) TO PUBLIC;

-- ---- repeatable migrations (issue 15, Flyway's R__{description}.sql) ----
-- A repeatable migration is applied after every versioned migration of a
-- deploy, and again whenever its registered up script changes; it has no
-- place in the version order and is never rolled back (src/repeatable.c,
-- doc/functions.md).  register_repeatable() registers one.
ALTER TABLE schemamig.migrations
    ADD COLUMN repeatable boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN schemamig.migrations.repeatable IS
    'registered by schemamig.register_repeatable(): applied after the versioned migrations, and again whenever up_sql changes';

CREATE FUNCTION schemamig.register_repeatable(version text, up_sql text,
                                              description text DEFAULT NULL)
RETURNS text
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemamig_register_repeatable';
REVOKE EXECUTE ON FUNCTION schemamig.register_repeatable(text, text, text) FROM PUBLIC;

-- ---- batched backfills (issue 16) ----
-- A migration's UPDATE or DELETE under "-- schemamig:batch" runs in the
-- worker, one transaction per batch along the table's key; each batch
-- commits its progress here with it, so a crash resumes after the last
-- committed batch (src/backfill.c, doc/backfill.md).
CREATE TABLE schemamig.backfills (
    version          text NOT NULL,
    direction        text NOT NULL CHECK (direction IN ('up', 'down')),
    statement_no     integer NOT NULL,
    job              bigint,
    relation         text NOT NULL,
    key_column       text NOT NULL,
    key_definition   text,
    command          text NOT NULL CHECK (command IN ('UPDATE', 'DELETE')),
    state            text NOT NULL DEFAULT 'running'
                     CHECK (state IN ('running', 'waiting_for_replica', 'done', 'cancelled', 'failed')),
    last_key         text,
    rows_changed     bigint NOT NULL DEFAULT 0,
    batches          bigint NOT NULL DEFAULT 0,
    batch_size       integer NOT NULL,
    pause_ms         integer NOT NULL,
    estimated_rows   bigint,
    started_at       timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    updated_at       timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    finished_at      timestamptz,
    PRIMARY KEY (version, direction, statement_no)
);
CREATE INDEX backfills_job ON schemamig.backfills (job);
COMMENT ON TABLE schemamig.backfills IS
    'progress of batched statements (-- schemamig:batch), one row per statement, committed with each batch';
SELECT pg_catalog.pg_extension_config_dump('schemamig.backfills', '');

-- What a deployer watches: elapsed time and the share done.  A role sees
-- the backfills of the jobs it queued (as wait() lets it wait for them),
-- the extension owner all (the view runs as its owner: the test is here).
CREATE VIEW schemamig.backfill_progress WITH (security_barrier) AS
SELECT b.job, b.version, b.direction, b.statement_no, b.relation, b.key_column, b.command,
       b.state, b.last_key, b.rows_changed, b.batches, b.batch_size, b.estimated_rows,
       CASE WHEN b.estimated_rows OPERATOR(pg_catalog.>) 0
            THEN pg_catalog.round(LEAST(100, 100.0 OPERATOR(pg_catalog.*) b.rows_changed
                                  OPERATOR(pg_catalog./) b.estimated_rows), 1) END AS percent,
       b.started_at,
       COALESCE(b.finished_at, pg_catalog.clock_timestamp()) OPERATOR(pg_catalog.-) b.started_at AS elapsed,
       b.finished_at
FROM schemamig.backfills b
WHERE pg_catalog.pg_has_role((SELECT e.extowner FROM pg_catalog.pg_extension e
                              WHERE e.extname OPERATOR(pg_catalog.=) 'schemamig'), 'USAGE')
   OR EXISTS (SELECT FROM schemamig.jobs j WHERE j.id OPERATOR(pg_catalog.=) b.job
              AND pg_catalog.pg_has_role(j.requested_by_oid, 'USAGE'));
REVOKE ALL ON schemamig.backfills FROM PUBLIC;
GRANT SELECT ON schemamig.backfill_progress TO PUBLIC;
