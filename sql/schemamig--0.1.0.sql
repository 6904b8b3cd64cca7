/* schemamig--0.1.0.sql: catalogs and SQL API of schemamig 0.1.0 (frozen once released) */

\echo Use "CREATE EXTENSION schemamig" to load this file. \quit

-- Natural version order: 2 before 10, 0002 before 0010 (doc/functions.md).
CREATE FUNCTION schemamig.version_sort_key(version text)
RETURNS bytea
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'schemamig_version_sort_key';

CREATE FUNCTION schemamig.checksum(sql text)
RETURNS text
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'schemamig_checksum';

-- What is known: every registered migration.
CREATE TABLE schemamig.migrations (
    version         text PRIMARY KEY
                    CHECK (version OPERATOR(pg_catalog.~) '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$'),
    description     text,
    up_sql          text NOT NULL,
    down_sql        text,
    checksum        text NOT NULL,
    down_checksum   text,
    transactional   boolean NOT NULL,
    registered_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    registered_by   name NOT NULL
);
-- "1" and "0001" would name the same place in the order.
CREATE UNIQUE INDEX migrations_version_order
    ON schemamig.migrations (schemamig.version_sort_key(version));

-- What is in the database now.
CREATE TABLE schemamig.applied (
    version         text PRIMARY KEY,
    checksum        text NOT NULL,
    applied_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    applied_by      name NOT NULL,
    duration_ms     double precision,
    dirty           boolean NOT NULL DEFAULT false,
    dirty_statement integer
);

-- Append-only log.
CREATE TABLE schemamig.events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    level           text NOT NULL,
    event           text NOT NULL,
    version         text,
    direction       text,
    duration_ms     double precision,
    sqlstate        text,
    message         text,
    detail          jsonb
);
CREATE INDEX events_version ON schemamig.events (version, id);

-- The worker's queue.
CREATE TABLE schemamig.jobs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version         text NOT NULL,
    direction       text NOT NULL CHECK (direction IN ('up', 'down')),
    status          text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    requested_by    name NOT NULL,
    requested_at    timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    started_at      timestamptz,
    finished_at     timestamptz,
    error           text,
    sqlstate        text
);
CREATE INDEX jobs_open ON schemamig.jobs (id) WHERE status IN ('queued', 'running');

SELECT pg_catalog.pg_extension_config_dump('schemamig.migrations', '');
SELECT pg_catalog.pg_extension_config_dump('schemamig.applied', '');
SELECT pg_catalog.pg_extension_config_dump('schemamig.events', '');
SELECT pg_catalog.pg_extension_config_dump('schemamig.events_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('schemamig.jobs', '');
SELECT pg_catalog.pg_extension_config_dump('schemamig.jobs_id_seq', '');

CREATE FUNCTION schemamig.register(version text, up_sql text,
                                   down_sql text DEFAULT NULL,
                                   description text DEFAULT NULL)
RETURNS text
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemamig_register';

CREATE FUNCTION schemamig.apply(version text, up_sql text,
                                down_sql text DEFAULT NULL,
                                description text DEFAULT NULL)
RETURNS text
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemamig_apply';

CREATE FUNCTION schemamig.migrate(target text DEFAULT NULL)
RETURNS TABLE (version text, result text, duration_ms double precision)
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemamig_migrate';

CREATE PROCEDURE schemamig.run(target text DEFAULT NULL)
LANGUAGE C
AS 'MODULE_PATHNAME', 'schemamig_run';

CREATE FUNCTION schemamig.rollback(steps integer DEFAULT 1)
RETURNS TABLE (version text, result text, duration_ms double precision)
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemamig_rollback';

CREATE FUNCTION schemamig.rollback_to(target text)
RETURNS TABLE (version text, result text, duration_ms double precision)
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemamig_rollback_to';

CREATE FUNCTION schemamig.recover(version text DEFAULT NULL)
RETURNS TABLE (version text, result text, duration_ms double precision)
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemamig_recover';

CREATE FUNCTION schemamig.status()
RETURNS TABLE (version text, description text, state text, checksum text,
               applied_at timestamptz, duration_ms double precision)
LANGUAGE C STABLE
AS 'MODULE_PATHNAME', 'schemamig_status';

-- What is registered, as a client compares it with its folder: checksums
-- of the stored scripts and the description (doc/functions.md).
CREATE FUNCTION schemamig.registrations()
RETURNS TABLE (version text, checksum text, down_checksum text, description text,
               applied boolean)
LANGUAGE C STABLE
AS 'MODULE_PATHNAME', 'schemamig_registrations';

CREATE FUNCTION schemamig.registrations_digest(OUT migrations bigint, OUT digest text,
                                               OUT applied boolean)
RETURNS record
LANGUAGE C STABLE
AS 'MODULE_PATHNAME', 'schemamig_registrations_digest';

CREATE FUNCTION schemamig.validate()
RETURNS TABLE (version text, problem text)
LANGUAGE C STABLE
AS 'MODULE_PATHNAME', 'schemamig_validate';

CREATE FUNCTION schemamig.repair(version text, up_sql text DEFAULT NULL)
RETURNS text
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemamig_repair';

CREATE FUNCTION schemamig.baseline(version text, description text DEFAULT 'baseline')
RETURNS integer
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemamig_baseline';

CREATE FUNCTION schemamig.enqueue(version text, direction text DEFAULT 'up')
RETURNS bigint
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemamig_enqueue';

CREATE PROCEDURE schemamig.wait(job bigint, timeout interval DEFAULT '1 hour')
LANGUAGE C
AS 'MODULE_PATHNAME', 'schemamig_wait';

CREATE FUNCTION schemamig.start_worker()
RETURNS boolean
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemamig_start_worker';

-- Privileges: nobody but the owner touches the catalogs directly (the API
-- reads and writes them as the owner); PUBLIC may look, not change.
REVOKE ALL ON schemamig.migrations, schemamig.applied, schemamig.events, schemamig.jobs FROM PUBLIC;
REVOKE EXECUTE ON PROCEDURE schemamig.run(text), schemamig.wait(bigint, interval) FROM PUBLIC;
GRANT USAGE ON SCHEMA schemamig TO PUBLIC;
REVOKE EXECUTE ON FUNCTION
    schemamig.register(text, text, text, text),
    schemamig.apply(text, text, text, text),
    schemamig.migrate(text),
    schemamig.rollback(integer),
    schemamig.rollback_to(text),
    schemamig.recover(text),
    schemamig.repair(text, text),
    schemamig.baseline(text, text),
    schemamig.enqueue(text, text),
    schemamig.start_worker()
FROM PUBLIC;
REVOKE EXECUTE ON PROCEDURE schemamig.run(text), schemamig.wait(bigint, interval) FROM PUBLIC;

-- The safety linter over a script, against the live catalog; executes
-- nothing, so anyone may call it (doc/lint.md).
CREATE FUNCTION schemamig.lint(sql text)
RETURNS TABLE (statement_no integer, line integer, rule text, severity text,
               message text, hint text)
LANGUAGE C VOLATILE STRICT
AS 'MODULE_PATHNAME', 'schemamig_lint';
GRANT EXECUTE ON FUNCTION schemamig.lint(text) TO PUBLIC;
