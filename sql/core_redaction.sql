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
-- the other ways a statement may give a secret: a U& literal, a comment or
-- a form feed between PASSWORD and the literal, a quoted option name
SELECT schemamig.apply('2', E'CREATE ROLE regress_schemamig_secret2 PASSWORD U&''hunter\\0034'';\nALTER ROLE regress_schemamig_secret2 PASSWORD /* new */ ''hunter5'';\nALTER ROLE regress_schemamig_secret2 PASSWORD -- again\n''hunter6'';\nALTER ROLE regress_schemamig_secret2 PASSWORD\f''hunter7'';\nCREATE FOREIGN DATA WRAPPER regress_schemamig_fdw2;\nCREATE SERVER regress_schemamig_srv2 FOREIGN DATA WRAPPER regress_schemamig_fdw2;\nCREATE USER MAPPING FOR CURRENT_USER SERVER regress_schemamig_srv2 OPTIONS ("password" ''opt-pw2'');\n',
  'DROP SERVER regress_schemamig_srv2 CASCADE; DROP FOREIGN DATA WRAPPER regress_schemamig_fdw2; DROP ROLE regress_schemamig_secret2;');
SELECT replace(s->>'sql', E'\f', '<FF>') AS stored_sql
  FROM schemamig.events, jsonb_array_elements(detail->'statements') s
 WHERE id = (SELECT max(id) FROM schemamig.events WHERE event = 'applied') ORDER BY (s->>'n')::int;
SELECT count(*) AS leaks FROM schemamig.events
 WHERE detail::text ~ '(hunter|opt-pw2)';
SELECT version, result FROM schemamig.rollback();
