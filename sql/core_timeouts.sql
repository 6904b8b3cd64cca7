-- schemamig.lock_timeout and schemamig.statement_timeout apply inside
-- migrations unless the script sets its own; both are restored afterwards.
\set VERBOSITY default
DELETE FROM schemamig.applied WHERE true;
DELETE FROM schemamig.migrations WHERE true;
SET lock_timeout = '42s';
SET statement_timeout = '10min';
CREATE FUNCTION show_timeouts() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE 'lock_timeout=% statement_timeout=%',
    current_setting('lock_timeout'), current_setting('statement_timeout');
END $$;

SELECT schemamig.apply('1', 'SELECT show_timeouts()');
SET schemamig.lock_timeout = '250ms';
SET schemamig.statement_timeout = '3s';
SELECT schemamig.apply('2', 'SELECT show_timeouts(); SET lock_timeout = ''7s''; SELECT show_timeouts();');
SHOW lock_timeout;
SHOW statement_timeout;

-- the statement timeout fires inside a migration, which then leaves nothing
SET schemamig.statement_timeout = '100ms';
SELECT schemamig.apply('3', 'CREATE TABLE slow (a int); SELECT pg_sleep(2);');
SELECT to_regclass('slow') AS slow, (SELECT count(*) FROM schemamig.applied WHERE version = '3') AS applied;
SHOW statement_timeout;

-- a script that sets its own statement_timeout wins for what follows
SELECT schemamig.apply('3', 'SET statement_timeout = 0; SELECT pg_sleep(0.3);');
RESET ALL;
SHOW lock_timeout;
DROP FUNCTION show_timeouts();
