-- Privileges: PUBLIC cannot change state or read scripts; a deployer
-- granted the API functions can migrate; migrations run as the caller with
-- the caller's search_path; a hostile search_path changes nothing.
\pset format unaligned
\pset tuples_only true
\pset pager off
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS schemamig;
BEGIN;
SELECT plan(36);

-- the catalog of privileges
SELECT ok(NOT has_function_privilege('public', p.oid, 'EXECUTE'), 'PUBLIC cannot execute ' || p.oid::regprocedure)
  FROM pg_proc p
 WHERE p.pronamespace = 'schemamig'::regnamespace
   AND p.proname IN ('register', 'apply', 'migrate', 'rollback', 'rollback_to', 'recover', 'repair', 'baseline',
                     'adopt')
 ORDER BY p.proname;
SELECT is((SELECT count(*)::int FROM pg_proc WHERE pronamespace = 'schemamig'::regnamespace AND prosecdef), 0,
          'no SECURITY DEFINER function');
SELECT ok(NOT has_table_privilege('public', 'schemamig.migrations', 'SELECT'), 'PUBLIC cannot read stored scripts');

CREATE ROLE regress_sm_app;
CREATE ROLE regress_sm_deployer;
CREATE SCHEMA deploy_target AUTHORIZATION regress_sm_deployer;
GRANT EXECUTE ON FUNCTION schemamig.register(text, text, text, text), schemamig.apply(text, text, text, text),
  schemamig.migrate(text), schemamig.rollback(integer), schemamig.rollback_to(text)
  TO regress_sm_deployer;

-- an application role
SET ROLE regress_sm_app;
SELECT throws_ok($$SELECT schemamig.apply('1', 'CREATE TABLE p1 (a int)')$$, '42501', NULL, 'app role cannot apply');
SELECT throws_ok($$SELECT schemamig.register('1', 'CREATE TABLE p1 (a int)')$$, '42501', NULL, 'app role cannot register');
SELECT throws_ok($$SELECT * FROM schemamig.migrate()$$, '42501', NULL, 'app role cannot migrate');
SELECT throws_ok($$SELECT * FROM schemamig.rollback()$$, '42501', NULL, 'app role cannot roll back');
SELECT throws_ok($$SELECT schemamig.repair('1')$$, '42501', NULL, 'app role cannot repair');
SELECT throws_ok($$SELECT schemamig.baseline('1')$$, '42501', NULL, 'app role cannot baseline');
SELECT throws_ok($$SELECT up_sql FROM schemamig.migrations$$, '42501', NULL, 'app role cannot read scripts');
SELECT throws_ok($$INSERT INTO schemamig.applied (version, checksum, applied_by) VALUES ('9', 'x', 'me')$$, '42501', NULL,
                 'app role cannot forge history');
SELECT throws_ok($$SET schemamig.skip = on$$, '42501', NULL, 'app role cannot set schemamig.skip');
SELECT lives_ok($$SELECT * FROM schemamig.status()$$, 'app role may read status()');
RESET ROLE;

-- a deployer granted exactly the API functions
SET ROLE regress_sm_deployer;
SET search_path = deploy_target, public;
SELECT is(schemamig.apply('1', 'CREATE TABLE p1 (a int)', 'DROP TABLE p1'), 'applied', 'deployer can apply');
RESET ROLE;
SELECT is((SELECT tableowner::text FROM pg_tables WHERE tablename = 'p1'), 'regress_sm_deployer', 'the migration ran as the caller');
SELECT is((SELECT schemaname::text FROM pg_tables WHERE tablename = 'p1'), 'deploy_target', 'the migration used the caller''s search_path');
SELECT is((SELECT applied_by::text FROM schemamig.applied WHERE version = '1'), 'regress_sm_deployer', 'applied_by is the caller');
SELECT is((SELECT registered_by::text FROM schemamig.migrations WHERE version = '1'), 'regress_sm_deployer', 'registered_by is the caller');
SELECT is((SELECT detail->>'role' FROM schemamig.events WHERE event = 'applied' AND version = '1'), 'regress_sm_deployer', 'events name the caller');
SET ROLE regress_sm_deployer;
SELECT throws_ok($$SELECT schemamig.apply('2', 'CREATE SCHEMA not_allowed')$$, '42501', NULL,
                 'a migration cannot do what its caller cannot');
SELECT throws_ok($$SELECT schemamig.repair('1')$$, '42501', NULL, 'deployer was not granted repair');
RESET ROLE;
RESET search_path;

-- a hostile search_path: look-alike functions, operators and tables earlier on the path
CREATE SCHEMA evil;
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT '2000-01-01'::timestamptz $$;
CREATE FUNCTION evil.always(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.always);
CREATE FUNCTION evil.version_sort_key(text) RETURNS bytea LANGUAGE sql AS $$ SELECT '\x00'::bytea $$;
CREATE TABLE evil.applied (LIKE schemamig.applied);
SET search_path = evil, pg_catalog, public;
SELECT schemamig.apply('3', 'CREATE TABLE public.p3 (a int)') AS first_apply \gset
SELECT schemamig.apply('3', 'CREATE TABLE public.p3 (a int)') AS second_apply \gset
SELECT count(*) AS hostile_status_rows FROM schemamig.status() \gset
RESET search_path;
SELECT is(:'first_apply'::text, 'applied', 'apply under a hostile search_path');
SELECT is(:'second_apply'::text, 'skipped', 'and it still recognises what is applied');
SELECT is(:'hostile_status_rows'::text, '2', 'status() sees exactly the two migrations');
SELECT is((SELECT count(*)::int FROM evil.applied), 0, 'look-alike table untouched');
SELECT ok((SELECT applied_at > '2001-01-01' FROM schemamig.applied WHERE version = '3'), 'built-in now() used');
SELECT is((SELECT string_agg(version, ',' ORDER BY version) FROM schemamig.applied), '1,3', 'history is exact');

SELECT * FROM finish();
ROLLBACK;
