-- lint_rules: every rule on unsafe and safe cases, judged twice: by
-- schemamig.lint() (nothing runs) and by the ProcessUtility/post-parse hooks
-- while schemamig.apply() really runs the case as a migration (warning
-- mode; every case is rolled back).  The two must name the same rules.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schemamig;
RESET client_min_messages;
SET schemamig.lint = off;
DROP SCHEMA IF EXISTS lint_t CASCADE;
DROP SCHEMA IF EXISTS lint_s CASCADE;
CREATE SCHEMA lint_t;
CREATE SCHEMA lint_s;
SET search_path = lint_t, public;
CREATE TABLE users (id bigint PRIMARY KEY, email varchar(50), name text,
    age int CHECK (age > 0), nick text, bio text, created timestamp,
    code varchar(10) CHECK (code <> ''),
    CONSTRAINT bio_nn CHECK (bio IS NOT NULL));
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric, note text);
CREATE INDEX orders_user ON orders (user_id);
CREATE TABLE acct (id bigint NOT NULL, code text);
CREATE UNIQUE INDEX acct_id_idx ON acct (id);
CREATE UNIQUE INDEX acct_code_idx ON acct (code);
CREATE MATERIALIZED VIEW user_names AS SELECT id, name FROM users;
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TABLE stock (id bigint, qty posint);
CREATE DOMAIN unused_posint AS int;
CREATE TABLE measurements (id bigint, at timestamptz) PARTITION BY RANGE (at);
CREATE TABLE measurements_2024 PARTITION OF measurements
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE lint_s.stuff (id int);
INSERT INTO users (id, email, name, age, bio) SELECT g, 'u' || g, 'n', 30, 'b' FROM generate_series(1, 50) g;
INSERT INTO orders SELECT g, g, 10, 'x' FROM generate_series(1, 50) g;

-- The hook's verdict: run the case as a migration, read the lint_warned
-- events it wrote, then roll everything back by raising.
CREATE FUNCTION hook_rules(v text, script text) RETURNS text
LANGUAGE plpgsql
SET schemamig.lint = warning
SET schemamig.out_of_order = on
SET client_min_messages = error
AS $$
DECLARE
    found text;
BEGIN
    BEGIN
        PERFORM schemamig.apply(v, script);
        SELECT coalesce(string_agg(DISTINCT detail->>'rule', ',' ORDER BY detail->>'rule'), '')
          INTO found
          FROM schemamig.events
         WHERE version = v AND event = 'lint_warned';
        RAISE EXCEPTION USING ERRCODE = 'SMT01', MESSAGE = found;
    EXCEPTION WHEN SQLSTATE 'SMT01' THEN
        RETURN SQLERRM;
    END;
END
$$;

CREATE FUNCTION lint_rules(script text) RETURNS text
LANGUAGE sql
AS $$
    SELECT coalesce(string_agg(DISTINCT rule, ',' ORDER BY rule), '')
      FROM schemamig.lint(script)
$$;

CREATE TABLE cases (n serial, name text, verdict text, script text);
INSERT INTO cases (name, verdict, script) VALUES
('create-index', 'unsafe', 'CREATE INDEX ON users (name)'),
('create-unique-index', 'unsafe', 'CREATE UNIQUE INDEX ON users (nick)'),
('create-index-new-table', 'safe', 'CREATE TABLE t1 (id int); CREATE INDEX ON t1 (id)'),
('create-index-temp-table', 'safe', 'CREATE TEMP TABLE tt (id int); CREATE INDEX ON tt (id)'),
('create-index-on-only-partitioned', 'safe', 'CREATE INDEX ON ONLY measurements (at)'),
('create-index-partitioned', 'unsafe', 'CREATE INDEX ON measurements (at)'),
('drop-index', 'unsafe', 'DROP INDEX orders_user'),
('drop-index-created-in-migration', 'safe', 'CREATE TABLE t2 (id int); CREATE INDEX t2_i ON t2 (id); DROP INDEX t2_i'),
('reindex-table', 'unsafe', 'REINDEX TABLE orders'),
('reindex-index', 'unsafe', 'REINDEX INDEX orders_user'),
('detach-partition', 'unsafe', 'ALTER TABLE measurements DETACH PARTITION measurements_2024'),
('refresh-matview', 'unsafe', 'REFRESH MATERIALIZED VIEW user_names'),
('refresh-matview-new', 'safe', 'CREATE MATERIALIZED VIEW mv2 AS SELECT 1 AS x; REFRESH MATERIALIZED VIEW mv2'),
('add-check', 'unsafe', 'ALTER TABLE orders ADD CONSTRAINT total_pos CHECK (total > 0)'),
('add-check-not-valid', 'safe', 'ALTER TABLE orders ADD CONSTRAINT total_pos CHECK (total > 0) NOT VALID'),
('validate-same-transaction', 'unsafe', 'ALTER TABLE orders ADD CONSTRAINT total_pos CHECK (total > 0) NOT VALID; ALTER TABLE orders VALIDATE CONSTRAINT total_pos'),
('add-check-new-table', 'safe', 'CREATE TABLE t5 (x int); ALTER TABLE t5 ADD CONSTRAINT x_pos CHECK (x > 0)'),
('add-column-with-check', 'unsafe', 'ALTER TABLE orders ADD COLUMN qty int CHECK (qty > 0)'),
('add-foreign-key', 'unsafe', 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)'),
('add-foreign-key-not-valid', 'safe', 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID'),
('add-column-references', 'safe', 'ALTER TABLE orders ADD COLUMN buyer_id bigint REFERENCES users (id)'),
('add-column-references-with-default', 'unsafe', 'ALTER TABLE orders ADD COLUMN buyer_id bigint DEFAULT 1 REFERENCES users (id)'),
('add-column-references-and-table-fk', 'unsafe', 'ALTER TABLE orders ADD COLUMN buyer_id bigint REFERENCES users (id), ADD FOREIGN KEY (user_id) REFERENCES users (id)'),
('add-unique', 'unsafe', 'ALTER TABLE users ADD CONSTRAINT nick_u UNIQUE (nick)'),
('add-unique-using-index', 'safe', 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key'),
('add-column-unique', 'unsafe', 'ALTER TABLE orders ADD COLUMN code text UNIQUE'),
('add-primary-key', 'unsafe', 'ALTER TABLE acct ADD PRIMARY KEY (id)'),
('add-primary-key-using-index', 'safe', 'ALTER TABLE acct ADD CONSTRAINT acct_pkey PRIMARY KEY USING INDEX acct_id_idx'),
('add-primary-key-using-index-nullable', 'unsafe', 'ALTER TABLE acct ADD CONSTRAINT acct_pkey PRIMARY KEY USING INDEX acct_code_idx'),
('add-exclusion', 'unsafe', 'ALTER TABLE orders ADD CONSTRAINT one_id EXCLUDE USING btree (id WITH =)'),
('add-column-constant-default', 'safe', 'ALTER TABLE orders ADD COLUMN status text DEFAULT ''new'''),
('add-column-now-default', 'safe', 'ALTER TABLE orders ADD COLUMN seen timestamptz DEFAULT now()'),
('add-column-volatile-default', 'unsafe', 'ALTER TABLE orders ADD COLUMN seen timestamptz DEFAULT clock_timestamp()'),
('add-column-uuid-default', 'unsafe', 'ALTER TABLE orders ADD COLUMN uid uuid DEFAULT gen_random_uuid()'),
('add-column-bigserial', 'unsafe', 'ALTER TABLE orders ADD COLUMN seq bigserial'),
('add-column-identity', 'unsafe', 'ALTER TABLE orders ADD COLUMN ident bigint GENERATED ALWAYS AS IDENTITY'),
('add-column-stored', 'unsafe', 'ALTER TABLE orders ADD COLUMN double_total numeric GENERATED ALWAYS AS (total * 2) STORED'),
('add-column-constrained-domain', 'unsafe', 'ALTER TABLE orders ADD COLUMN qty posint'),
('add-column-nullable', 'safe', 'ALTER TABLE orders ADD COLUMN memo text'),
('add-column-volatile-default-new-table', 'safe', 'CREATE TABLE t4 (id int); ALTER TABLE t4 ADD COLUMN uid uuid DEFAULT gen_random_uuid()'),
('add-required-field', 'unsafe', 'ALTER TABLE acct ADD COLUMN qty int NOT NULL'),
('add-required-field-with-default', 'safe', 'ALTER TABLE orders ADD COLUMN qty int NOT NULL DEFAULT 0'),
('type-varchar-widen', 'safe', 'ALTER TABLE users ALTER COLUMN email TYPE varchar(100)'),
('type-varchar-to-text', 'safe', 'ALTER TABLE users ALTER COLUMN email TYPE text'),
('type-varchar-shrink', 'unsafe', 'ALTER TABLE users ALTER COLUMN email TYPE varchar(10)'),
('type-bigint-to-int', 'unsafe', 'ALTER TABLE orders ALTER COLUMN user_id TYPE int'),
('type-with-check-constraint', 'unsafe', 'ALTER TABLE users ALTER COLUMN code TYPE varchar(20)'),
('type-with-using', 'unsafe', 'ALTER TABLE orders ALTER COLUMN note TYPE text USING upper(note)'),
('type-using-binary-coercible-cast', 'safe', 'ALTER TABLE users ALTER COLUMN email TYPE varchar(100) USING email::varchar(100)'),
('type-using-rewriting-cast', 'unsafe', 'ALTER TABLE orders ALTER COLUMN user_id TYPE int USING user_id::int'),
('set-not-null', 'unsafe', 'ALTER TABLE users ALTER COLUMN name SET NOT NULL'),
('set-not-null-with-validated-check', 'safe', 'ALTER TABLE users ALTER COLUMN bio SET NOT NULL'),
('set-not-null-already', 'safe', 'ALTER TABLE acct ALTER COLUMN id SET NOT NULL'),
('set-not-null-check-not-implying', 'unsafe', 'ALTER TABLE users ALTER COLUMN age SET NOT NULL'),
('set-unlogged', 'unsafe', 'ALTER TABLE orders SET UNLOGGED'),
('cluster', 'unsafe', 'CLUSTER orders USING orders_pkey'),
('lock-table', 'unsafe', 'LOCK TABLE orders IN ACCESS EXCLUSIVE MODE'),
('lock-table-share-update', 'safe', 'LOCK TABLE orders IN SHARE UPDATE EXCLUSIVE MODE'),
('alter-domain-add-constraint', 'unsafe', 'ALTER DOMAIN posint ADD CONSTRAINT small CHECK (VALUE < 1000000)'),
('alter-domain-add-constraint-not-valid', 'safe', 'ALTER DOMAIN posint ADD CONSTRAINT small CHECK (VALUE < 1000000) NOT VALID'),
('alter-domain-add-constraint-unused', 'safe', 'ALTER DOMAIN unused_posint ADD CONSTRAINT small CHECK (VALUE < 1000000)'),
('backfill-while-exclusive', 'unsafe', 'ALTER TABLE orders ADD COLUMN flag bool; UPDATE orders SET flag = true WHERE id > 0'),
('lock-timeout-zero', 'unsafe', 'SET lock_timeout = 0; ALTER TABLE orders ADD COLUMN memo text'),
('lock-timeout-zero-new-table', 'safe', 'SET lock_timeout = 0; CREATE TABLE t6 (id int); ALTER TABLE t6 ADD COLUMN memo text'),
('drop-column', 'unsafe', 'ALTER TABLE orders DROP COLUMN note'),
('drop-column-if-exists-missing', 'safe', 'ALTER TABLE orders DROP COLUMN IF EXISTS no_such_column'),
('drop-column-added-in-migration', 'safe', 'ALTER TABLE orders ADD COLUMN scratch text; ALTER TABLE orders DROP COLUMN scratch'),
('rename-column-added-in-migration', 'safe', 'ALTER TABLE orders ADD COLUMN scratch text; ALTER TABLE orders RENAME COLUMN scratch TO memo'),
('drop-table', 'unsafe', 'DROP TABLE acct'),
('drop-table-new', 'safe', 'CREATE TABLE t3 (id int); DROP TABLE t3'),
('drop-schema', 'unsafe', 'DROP SCHEMA lint_s CASCADE'),
('drop-schema-new', 'safe', 'CREATE SCHEMA s_new; DROP SCHEMA s_new'),
('rename-column', 'unsafe', 'ALTER TABLE orders RENAME COLUMN note TO remark'),
('rename-table', 'unsafe', 'ALTER TABLE orders RENAME TO purchases'),
('set-schema', 'unsafe', 'ALTER TABLE orders SET SCHEMA lint_s'),
('rename-new-table', 'safe', 'CREATE TABLE t7 (id int); ALTER TABLE t7 RENAME TO t8'),
('rename-enum-value', 'unsafe', 'ALTER TYPE mood RENAME VALUE ''ok'' TO ''fine'''),
('drop-not-null', 'unsafe', 'ALTER TABLE acct ALTER COLUMN id DROP NOT NULL'),
('drop-not-null-already-nullable', 'safe', 'ALTER TABLE orders ALTER COLUMN note DROP NOT NULL'),
('truncate', 'unsafe', 'TRUNCATE orders'),
('truncate-cascade', 'unsafe', 'TRUNCATE users CASCADE'),
('truncate-new-table', 'safe', 'CREATE TABLE t9 (id int); TRUNCATE t9'),
('update-without-where', 'unsafe', 'UPDATE orders SET note = ''y'''),
('delete-without-where', 'unsafe', 'DELETE FROM orders'),
('delete-in-cte', 'unsafe', 'WITH gone AS (DELETE FROM orders RETURNING id) SELECT count(*) FROM gone'),
('explain-analyze-delete', 'unsafe', 'EXPLAIN ANALYZE DELETE FROM orders'),
('explain-delete', 'safe', 'EXPLAIN DELETE FROM orders'),
('update-with-where', 'safe', 'UPDATE orders SET note = ''y'' WHERE id = 1'),
('add-column-then-comment', 'safe', 'ALTER TABLE orders ADD COLUMN memo text; COMMENT ON COLUMN orders.memo IS ''free text'''),
('allowed-by-comment', 'safe', E'-- schemamig:allow ban-drop-column replaced by remark in 0042\nALTER TABLE orders DROP COLUMN note'),
('allow-names-other-rule', 'unsafe', E'-- schemamig:allow ban-drop-table wrong rule\nALTER TABLE orders DROP COLUMN note');

SELECT n, name, verdict, lint_rules(script) AS lint_rules,
       CASE WHEN lint_rules(script) = hook_rules('case' || n, script)
            THEN 'agree' ELSE 'hook: ' || hook_rules('case' || n, script) END AS hook
  FROM cases ORDER BY n;

-- the verdicts: unsafe cases give a safety finding, safe cases none
SELECT name, verdict,
       EXISTS (SELECT FROM schemamig.lint(script) WHERE severity = 'safety') AS flagged
  FROM cases
 WHERE (verdict = 'unsafe') <> EXISTS (SELECT FROM schemamig.lint(script) WHERE severity = 'safety');

RESET search_path;
