-- registrations(): what a client compares with its folder; applied is true
-- only for a migration applied as it stands, so a client may skip migrate()
-- when every row says so.
DELETE FROM schemamig.applied WHERE true;
DELETE FROM schemamig.migrations WHERE true;
SELECT schemamig.apply('1', 'CREATE TABLE reg_1 (id int)', 'DROP TABLE reg_1', 'one') = 'applied' AS applied;
SELECT schemamig.apply('2', 'CREATE TABLE reg_2 (id int)', 'DROP TABLE reg_2') = 'applied' AS applied;
SELECT schemamig.apply('3', 'CREATE TABLE reg_3 (id int)') = 'applied' AS applied;
SELECT schemamig.register('4', 'CREATE TABLE reg_4 (id int)') IS NOT NULL AS registered;
UPDATE schemamig.applied SET dirty = true WHERE version = '2';
UPDATE schemamig.migrations SET up_sql = 'CREATE TABLE reg_3 (id bigint)' WHERE version = '3';
SELECT version, checksum = schemamig.checksum(m_up) AS checksum_is_of_stored_script,
       down_checksum IS NOT NULL AS has_down, description, applied
  FROM schemamig.registrations() r
  JOIN (SELECT version, up_sql AS m_up FROM schemamig.migrations) m USING (version)
 ORDER BY version;
SELECT count(*) FILTER (WHERE NOT applied) AS not_applied FROM schemamig.registrations();
-- no scripts in it, and anyone may ask
SELECT has_function_privilege('public', 'schemamig.registrations()', 'EXECUTE') AS public_may_ask;
UPDATE schemamig.applied SET dirty = false WHERE version = '2';
SELECT schemamig.repair('3') IS NOT NULL AS repaired;
SELECT bool_and(applied) FILTER (WHERE version <> '4') AS applied_ones_agree FROM schemamig.registrations();
SET lock_timeout = '5s';
/* schemamig:allow ban-drop-table test cleanup */ DROP TABLE reg_1, reg_2, reg_3;
RESET lock_timeout;
DELETE FROM schemamig.applied WHERE true;
DELETE FROM schemamig.migrations WHERE true;
