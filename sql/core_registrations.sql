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
-- registrations_digest(): the same in one row.  The digest is the SHA-256 of
-- every registration in byte order of version, each field "-" when NULL,
-- else "length:bytes" (doc/functions.md); recomputed here from registrations()
CREATE FUNCTION pg_temp.field(value text) RETURNS text LANGUAGE sql
    AS $$ SELECT COALESCE(octet_length(value) || ':' || value, '-') $$;
CREATE FUNCTION pg_temp.digest_in_sql() RETURNS text LANGUAGE sql AS $$
    SELECT encode(sha256(convert_to(COALESCE(string_agg(
             pg_temp.field(version) || pg_temp.field(checksum) || pg_temp.field(down_checksum)
             || pg_temp.field(description), '' ORDER BY version COLLATE "C"), ''), 'UTF8')), 'hex')
      FROM schemamig.registrations() $$;
SELECT migrations, digest = pg_temp.digest_in_sql() AS digest_as_documented, applied
  FROM schemamig.registrations_digest();
-- applied is every row's applied at once: false while 2 is dirty, 3 edited, 4 pending
SELECT schemamig.register('10', 'CREATE TABLE reg_10 (id int)', NULL, 'ten') IS NOT NULL AS registered;
SELECT migrations, digest = pg_temp.digest_in_sql() AS digest_as_documented
  FROM schemamig.registrations_digest();
SELECT (SELECT digest FROM schemamig.registrations_digest()) AS before \gset
UPDATE schemamig.migrations SET description = 'TEN' WHERE version = '10';
SELECT digest <> :'before' AS description_changes_digest FROM schemamig.registrations_digest();
UPDATE schemamig.migrations SET description = 'ten', down_sql = 'DROP TABLE reg_10' WHERE version = '10';
SELECT digest <> :'before' AS down_script_changes_digest FROM schemamig.registrations_digest();
UPDATE schemamig.migrations SET down_sql = NULL WHERE version = '10';
SELECT digest = :'before' AS same_again FROM schemamig.registrations_digest();
DELETE FROM schemamig.migrations WHERE version = '10';
SELECT has_function_privilege('public', 'schemamig.registrations_digest()', 'EXECUTE') AS public_may_ask_digest;
-- no scripts in it, and anyone may ask
SELECT has_function_privilege('public', 'schemamig.registrations()', 'EXECUTE') AS public_may_ask;
UPDATE schemamig.applied SET dirty = false WHERE version = '2';
SELECT schemamig.repair('3') IS NOT NULL AS repaired;
SELECT bool_and(applied) FILTER (WHERE version <> '4') AS applied_ones_agree FROM schemamig.registrations();
SELECT applied AS digest_applied_with_4_pending FROM schemamig.registrations_digest();
DELETE FROM schemamig.migrations WHERE version = '4';
SELECT migrations, digest = pg_temp.digest_in_sql() AS digest_as_documented, applied
  FROM schemamig.registrations_digest();
SET lock_timeout = '5s';
/* schemamig:allow ban-drop-table test cleanup */ DROP TABLE reg_1, reg_2, reg_3;
RESET lock_timeout;
DELETE FROM schemamig.applied WHERE true;
DELETE FROM schemamig.migrations WHERE true;
-- nothing registered: no migrations, the SHA-256 of nothing, all applied
SELECT migrations, digest = encode(sha256(''), 'hex') AS digest_of_nothing, applied
  FROM schemamig.registrations_digest();
