-- migrate(), rollback(), rollback_to(), status(), validate(), baseline(), repair()
\set VERBOSITY default
DELETE FROM schemamig.migrations WHERE true;
DELETE FROM schemamig.applied WHERE true;
SET client_min_messages = warning;
SET lock_timeout = '5s';
/* schemamig:allow ban-drop-table test cleanup */ DROP TABLE IF EXISTS accounts, notes CASCADE;
RESET lock_timeout;
DROP FUNCTION IF EXISTS notes_count();
RESET client_min_messages;

-- natural version order: 9 before 10, 0002 before 0010
SELECT schemamig.register(v, format('CREATE TABLE m_%s (id int)', replace(v, '.', '_')),
                          format('DROP TABLE m_%s', replace(v, '.', '_')))  IS NOT NULL AS registered
  FROM unnest(ARRAY['10', '9', '2.10', '2.9', '1']) v;
SELECT version FROM schemamig.status();
SELECT version, result FROM schemamig.migrate('2.10');
SELECT version, state FROM schemamig.status();
SELECT version, result FROM schemamig.migrate();
SELECT version, result FROM schemamig.migrate();   -- nothing pending: no rows
SELECT version, result FROM schemamig.migrate('99');   -- unknown target

-- out of order: a pending version below the highest applied is refused
SELECT schemamig.register('3', 'CREATE TABLE m_3 (id int)', 'DROP TABLE m_3');
SELECT version, result FROM schemamig.migrate();
SELECT * FROM schemamig.validate();
SELECT schemamig.apply('4', 'CREATE TABLE m_4 (id int)');
SET schemamig.out_of_order = on;
SELECT * FROM schemamig.validate();
SELECT version, result FROM schemamig.migrate();
RESET schemamig.out_of_order;

-- rollback runs down scripts newest first
SELECT version, result FROM schemamig.rollback(2);
SELECT version, state FROM schemamig.status();
SELECT to_regclass('m_10') AS m_10, to_regclass('m_9') AS m_9, to_regclass('m_3') AS m_3;
SELECT version, result FROM schemamig.rollback_to('2.9');
SELECT version, result FROM schemamig.rollback_to('nope');
SELECT version, result FROM schemamig.rollback(0);

-- a missing down script anywhere in the range: nothing is changed, the error names it
SELECT schemamig.register('2.9', 'CREATE TABLE m_2_9 (id int)', NULL, 'keeps its down script');
SELECT schemamig.apply('5', 'CREATE TABLE m_5 (id int)', NULL, 'no down script');
SELECT schemamig.apply('6', 'CREATE TABLE m_6 (id int)', 'DROP TABLE m_6');
SELECT version, result FROM schemamig.rollback(2);
SELECT version, result FROM schemamig.rollback_to('1');
SELECT to_regclass('m_6') AS m_6, (SELECT count(*) FROM schemamig.applied) AS applied;

-- migrate() validates applied checksums first: an edited script stops it
SELECT schemamig.register('7', 'CREATE TABLE m_7 (id int)', 'DROP TABLE m_7');
UPDATE schemamig.migrations SET up_sql = 'CREATE TABLE m_1 (id bigint)' WHERE version = '1';
SELECT version, result FROM schemamig.migrate();
SELECT version, state FROM schemamig.status() WHERE version IN ('1', '7');
SELECT * FROM schemamig.validate();
-- repair accepts what is registered
SELECT schemamig.repair('1');
SELECT schemamig.repair('1');
SELECT * FROM schemamig.validate();
SELECT version, result FROM schemamig.migrate();

-- repair with a new text accepts an edited migration without running it
SELECT schemamig.apply('1', '-- cosmetic edit
CREATE TABLE m_1 (id bigint)');
SELECT schemamig.repair('1', '-- cosmetic edit
CREATE TABLE m_1 (id bigint)');
SELECT schemamig.apply('1', '-- cosmetic edit
CREATE TABLE m_1 (id bigint)');

-- status states: dirty and missing (worker and manual edits make them)
UPDATE schemamig.applied SET dirty = true, dirty_statement = 2 WHERE version = '6';
INSERT INTO schemamig.applied (version, checksum, applied_by) VALUES ('0.5', 'abc', 'someone');
SELECT version, state FROM schemamig.status();
SELECT * FROM schemamig.validate();
SET schemamig.auto_recover = off;
SELECT version, result FROM schemamig.migrate();
RESET schemamig.auto_recover;
SELECT version, result FROM schemamig.rollback(1);
SELECT schemamig.apply('8', 'CREATE TABLE m_8 (id int)');
SELECT schemamig.repair('6');
-- recover() undoes a dirty migration with its down script
UPDATE schemamig.applied SET dirty = true, dirty_statement = 1 WHERE version = '8';
SELECT * FROM schemamig.recover('7');
SELECT * FROM schemamig.recover('8');
SELECT schemamig.register('8', 'CREATE TABLE m_8 (id int)', 'DROP TABLE IF EXISTS m_8');
SELECT version, result FROM schemamig.recover();
SELECT to_regclass('m_8') AS m_8, (SELECT state FROM schemamig.status() WHERE version = '8') AS state;
SELECT version, result FROM schemamig.recover('6');
-- with schemamig.auto_recover on (the default), migrate() recovers dirty migrations first
SELECT schemamig.apply('8', 'CREATE TABLE m_8 (id int)');
UPDATE schemamig.applied SET dirty = true, dirty_statement = 1 WHERE version = '8';
SET schemamig.out_of_order = on;
SELECT version, result FROM schemamig.migrate('2.10');
RESET schemamig.out_of_order;
SELECT version, state FROM schemamig.status() WHERE version IN ('2.10', '8');
SELECT schemamig.repair('0.5');
DELETE FROM schemamig.applied WHERE version = '0.5';
SELECT version, state FROM schemamig.status() WHERE state <> 'applied';

-- baseline: an existing database starts at a version without running anything
DELETE FROM schemamig.applied WHERE true;
DELETE FROM schemamig.migrations WHERE true;
SELECT schemamig.register('1', 'CREATE TABLE never_run_1 (id int)');
SELECT schemamig.register('2', 'CREATE TABLE never_run_2 (id int)');
SELECT schemamig.register('3', 'CREATE TABLE b_3 (id int)', 'DROP TABLE b_3');
SELECT schemamig.baseline('2');
SELECT version, state FROM schemamig.status();
SELECT to_regclass('never_run_1') AS never_run_1;
SELECT version, result FROM schemamig.migrate();
SELECT schemamig.baseline('1');
SELECT schemamig.baseline('4', 'production at release 4');
DELETE FROM schemamig.applied WHERE true;
DELETE FROM schemamig.migrations WHERE true;
SELECT schemamig.baseline('20260101', 'schema created by hand');
SELECT version, description, state FROM schemamig.status();
SELECT version, result FROM schemamig.rollback();
SELECT event, version FROM schemamig.events WHERE event IN ('baseline', 'repaired', 'rolled_back') ORDER BY id;
