-- SQL stored in schemamig.events has its secrets redacted.
DELETE FROM schemamig.applied WHERE true;
DELETE FROM schemamig.migrations WHERE true;
SELECT schemamig.apply('1', $$
CREATE ROLE regress_schemamig_secret LOGIN PASSWORD 'hunter2' VALID UNTIL 'infinity';
ALTER ROLE regress_schemamig_secret ENCRYPTED PASSWORD E'hunter\'3';
COMMENT ON ROLE regress_schemamig_secret IS 'see postgresql://app:s3cr3t@db.example.com/app and host=db password=pw9 user=app';
SET app.secret_token = $x$k-123$x$;
CREATE FOREIGN DATA WRAPPER regress_schemamig_fdw;
CREATE SERVER regress_schemamig_srv FOREIGN DATA WRAPPER regress_schemamig_fdw;
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_schemamig_srv OPTIONS (user 'app', password 'opt-pw');
$$, $$DROP SERVER regress_schemamig_srv CASCADE; DROP FOREIGN DATA WRAPPER regress_schemamig_fdw; DROP ROLE regress_schemamig_secret;$$);
SELECT s->>'sql' AS stored_sql
  FROM schemamig.events, jsonb_array_elements(detail->'statements') s
 WHERE id = (SELECT max(id) FROM schemamig.events WHERE event = 'applied') ORDER BY (s->>'n')::int;
SELECT count(*) AS leaks FROM schemamig.events
 WHERE detail::text ~ '(hunter|s3cr3t|pw9|k-123|opt-pw)';
SELECT version, result FROM schemamig.rollback();
