-- repeatable migrations: register_repeatable(), applied after the versioned
-- ones, again when changed, "outdated" in status()/validate(), no place in
-- the version order, passed by rollbacks (src/repeatable.c)
\set VERBOSITY default
DELETE FROM schemamig.migrations WHERE true;
DELETE FROM schemamig.applied WHERE true;
SET client_min_messages = warning;
SET lock_timeout = '5s';
/* schemamig:allow ban-drop-table test cleanup */ DROP TABLE IF EXISTS r_items, r_more CASCADE;
DROP VIEW IF EXISTS r_items_view, r_count_view;
RESET lock_timeout;
RESET client_min_messages;
SELECT coalesce(max(id), 0) AS events_before FROM schemamig.events \gset

-- two repeatables, registered before the versioned ones; applied after
-- them, ordered by description (not by name)
SELECT schemamig.register_repeatable('R__b', 'CREATE OR REPLACE VIEW r_count_view AS SELECT count(*) AS n FROM r_items_view', 'a count') IS NOT NULL AS registered;
SELECT schemamig.register_repeatable('R__a', 'CREATE OR REPLACE VIEW r_items_view AS SELECT id FROM r_items', 'items') IS NOT NULL AS registered;
SELECT schemamig.register('1', 'CREATE TABLE r_items (id int)', 'DROP TABLE r_items') IS NOT NULL AS registered;
SELECT schemamig.register('2', 'INSERT INTO r_items VALUES (1), (2)', 'DELETE FROM r_items') IS NOT NULL AS registered;
SELECT version, state FROM schemamig.status();
-- "a count" needs r_items_view, created by "items": ordered by description it would fail
SELECT schemamig.register_repeatable('R__b', 'CREATE OR REPLACE VIEW r_count_view AS SELECT 0::bigint AS n', 'a count') IS NOT NULL AS registered;
SELECT version, result FROM schemamig.migrate();
SELECT version, event FROM schemamig.events WHERE event = 'applied' AND id > :events_before ORDER BY id;
SELECT version, state FROM schemamig.status();
SELECT * FROM schemamig.validate();

-- nothing changed: nothing to do
SELECT version, result FROM schemamig.migrate();

-- a changed repeatable is no checksum mismatch (SM001): it is outdated
SELECT schemamig.register_repeatable('R__b', 'CREATE OR REPLACE VIEW r_count_view AS SELECT count(*) AS n FROM r_items_view') IS NOT NULL AS registered;
SELECT version, description, state FROM schemamig.status() WHERE version LIKE 'R%';
SELECT * FROM schemamig.validate();
SELECT version, result FROM schemamig.deploy_plan(ARRAY['1', '2', 'R__a', 'R__b']);
SELECT applied_at AS b_applied_at FROM schemamig.applied WHERE version = 'R__b' \gset
SELECT version, result FROM schemamig.migrate();
SELECT n FROM r_count_view;
SELECT applied_at > :'b_applied_at' AS applied_again_now, a.checksum = schemamig.checksum(m.up_sql) AS new_checksum
  FROM schemamig.applied a JOIN schemamig.migrations m USING (version) WHERE version = 'R__b';
SELECT version, state FROM schemamig.status() WHERE version LIKE 'R%';
SELECT version, event FROM schemamig.events WHERE event = 'applied' AND id > :events_before ORDER BY id;

-- a new versioned migration: applied alone, never "out of order" below a repeatable
SELECT schemamig.register('3', 'CREATE TABLE r_more (id int)', 'DROP TABLE r_more') IS NOT NULL AS registered;
SELECT * FROM schemamig.validate();
SELECT version, result FROM schemamig.migrate();
-- a changed repeatable and a new versioned one: the versioned one first
SELECT schemamig.register('4', 'INSERT INTO r_items VALUES (3)', 'DELETE FROM r_items WHERE id = 3') IS NOT NULL AS registered;
SELECT schemamig.register_repeatable('R__a', 'CREATE OR REPLACE VIEW r_items_view AS SELECT id FROM r_items WHERE id > 1') IS NOT NULL AS registered;
SELECT version, result FROM schemamig.deploy_plan(ARRAY['1', '2', '3', '4', 'R__a', 'R__b']);
SELECT result FROM schemamig.deploy_step('4');
SELECT result FROM schemamig.deploy_step('R__a');
SELECT result FROM schemamig.deploy_step('R__a');
SELECT n FROM r_count_view;

-- run() applies a changed repeatable after the versioned ones too, in its own transaction
SELECT schemamig.register('5', 'INSERT INTO r_items VALUES (5)', 'DELETE FROM r_items WHERE id = 5') IS NOT NULL AS registered;
SELECT schemamig.register_repeatable('R__b', 'CREATE OR REPLACE VIEW r_count_view AS SELECT count(*) + 100 AS n FROM r_items_view') IS NOT NULL AS registered;
CALL schemamig.run();
SELECT n FROM r_count_view;
CALL schemamig.run();
SELECT version, event FROM schemamig.events WHERE event = 'applied' AND id > :events_before ORDER BY id DESC LIMIT 2;

-- rollbacks pass repeatables by
SELECT version, result FROM schemamig.rollback_plan(2, NULL);
SELECT version, result FROM schemamig.rollback(2);
SELECT version, result FROM schemamig.rollback_to('2');
SELECT result FROM schemamig.rollback_step('R__a');
SELECT version, state FROM schemamig.status();

-- what is refused
SELECT schemamig.register('R__a', 'SELECT 1');
SELECT schemamig.apply('R__a', 'SELECT 1');
SELECT schemamig.register_repeatable('1', 'SELECT 1');
SELECT schemamig.register_repeatable('R__c', 'CREATE INDEX CONCURRENTLY r_items_id ON r_items (id)');
SELECT schemamig.register_repeatable('R__c', NULL);
SELECT count(*) FROM schemamig.migrations WHERE version = 'R__c';
SELECT version, repeatable FROM schemamig.migrations ORDER BY version;
