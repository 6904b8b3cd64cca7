# 850_lint_hook_agrees.pl — the hook, at schemamig.lint = error, refuses what
# lint() reports for the second round of rules (and the statements that drop
# or lock more than they name: DROP OWNED BY, DROP CONSTRAINT ... CASCADE,
# CREATE RULE), and allows their safe variants; "created in this transaction" is decided by creation, so a GRANT
# that rewrote an old schema's or type's catalog row earlier in the same
# transaction does not make it new; row-security-without-policy is judged
# when the migration or transaction ends, so a policy created later in it
# counts.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('lint_agree');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemamig'\n");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION schemamig;
	SET schemamig.lint = off;
	CREATE SCHEMA app;
	CREATE TABLE app.orders (id bigint PRIMARY KEY, customer text, note text);
	INSERT INTO app.orders SELECT g, 'c' || g, 'n' FROM generate_series(1, 100) g;
	CREATE INDEX orders_customer_idx ON app.orders (customer);
	CREATE TYPE mood AS ENUM ('sad', 'happy');
	CREATE TABLE app.src (id bigint);
	CREATE TYPE unused_kind AS ENUM ('x');
	CREATE TABLE ev (id bigint, at date NOT NULL) PARTITION BY RANGE (at);
	CREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
	CREATE TABLE ev_2025 (id bigint, at date NOT NULL);
	CREATE TABLE ev_2025c (id bigint, at date NOT NULL, CHECK (at >= '2025-01-01' AND at < '2026-01-01'));
	CREATE TABLE evd (id bigint, at date NOT NULL) PARTITION BY RANGE (at);
	CREATE TABLE evd_default PARTITION OF evd DEFAULT;
	CREATE TABLE app.feelings (id bigint, m mood);
	CREATE TABLE evi (id bigint, at date NOT NULL) PARTITION BY RANGE (at);
	CREATE INDEX evi_id_idx ON evi (id);
	CREATE TABLE evi_2025 (id bigint, at date NOT NULL, CHECK (at >= '2025-01-01' AND at < '2026-01-01'));
	CREATE TABLE evi_2026 (id bigint, at date NOT NULL, CHECK (at >= '2026-01-01' AND at < '2027-01-01'));
	CREATE INDEX evi_2026_id_idx ON evi_2026 (id);
	CREATE VIEW app.order_view AS SELECT id, customer FROM app.orders;
	CREATE DOMAIN note_text AS text;
	CREATE TABLE app.memos (id bigint, body note_text);
	INSERT INTO app.memos SELECT g, 'n' FROM generate_series(1, 10) g;
	ALTER DOMAIN note_text ADD CONSTRAINT note_not_empty CHECK (VALUE <> '') NOT VALID;
	CREATE FUNCTION app.cents(numeric) RETURNS bigint IMMUTABLE LANGUAGE sql AS 'SELECT ($1 * 100)::bigint';
	CREATE TYPE person AS (id bigint, name text);
	CREATE TABLE app.people OF person;
	CREATE TABLE app.prices (id bigint, amount numeric, cents bigint GENERATED ALWAYS AS (app.cents(amount)) STORED);
	INSERT INTO app.src VALUES (1);
	CREATE ROLE app_old;
	CREATE ROLE app_new;
	CREATE ROLE app_privileges;
	CREATE TABLE legacy (id bigint, note text);
	INSERT INTO legacy VALUES (1, 'kept');
	ALTER TABLE legacy OWNER TO app_old;
	GRANT SELECT ON app.orders TO app_privileges;
	CREATE TYPE prio AS ENUM ('low', 'high');
	ALTER TYPE prio OWNER TO app_new;
	CREATE TABLE tasks (id bigint, p prio);
	INSERT INTO tasks VALUES (1, 'low');
	CREATE TABLE app.customers (id bigint PRIMARY KEY);
	INSERT INTO app.customers SELECT g FROM generate_series(1, 100) g;
	CREATE TABLE app.invoices (id bigint, customer_id bigint REFERENCES app.customers (id));
	CREATE VIEW app.open_orders AS SELECT id FROM app.orders;
	CREATE TABLE app.secrets (id bigint, owner_name text);
	INSERT INTO app.secrets SELECT g, 'alice' FROM generate_series(1, 10) g;
	CREATE TABLE app.secrets_late (id bigint, owner_name text);
	INSERT INTO app.secrets_late SELECT g, 'alice' FROM generate_series(1, 10) g;
	CREATE TABLE app.secrets_other (id bigint, owner_name text);
	INSERT INTO app.secrets_other SELECT g, 'alice' FROM generate_series(1, 10) g;
	CREATE TABLE app.legacy_ids (id bigint NOT NULL PRIMARY KEY, note text);
	INSERT INTO app.legacy_ids SELECT g, 'n' FROM generate_series(1, 10) g;
	CREATE TABLE app.tickets (id bigserial PRIMARY KEY, note text);
	INSERT INTO app.tickets (note) SELECT 'n' FROM generate_series(1, 10) g;
});

# each case: label, SQL run in one transaction (rolled back), the rule the
# hook must refuse it for (undef: must run)
my @cases = (
	[ 'GRANT then DROP SCHEMA of an old schema',
	  'GRANT USAGE ON SCHEMA app TO PUBLIC; DROP SCHEMA app CASCADE', 'ban-drop-schema' ],
	[ 'GRANT then RENAME VALUE of an old enum',
	  q{GRANT USAGE ON TYPE mood TO PUBLIC; ALTER TYPE mood RENAME VALUE 'sad' TO 'blue'},
	  'renaming-enum-value' ],
	[ 'schema created, granted and dropped in one transaction',
	  'CREATE SCHEMA tmp_s; GRANT USAGE ON SCHEMA tmp_s TO PUBLIC; DROP SCHEMA tmp_s CASCADE', undef ],
	[ 'enum created, granted and renamed in one transaction',
	  q{CREATE TYPE m2 AS ENUM ('a'); GRANT USAGE ON TYPE m2 TO PUBLIC; ALTER TYPE m2 RENAME VALUE 'a' TO 'b'},
	  undef ],
	[ 'COLLATE "C" on an indexed column',
	  q{ALTER TABLE app.orders ALTER COLUMN customer TYPE text COLLATE "C"}, 'changing-column-type' ],
	[ 'COLLATE "C" on a column without an index',
	  q{ALTER TABLE app.orders ALTER COLUMN note TYPE text COLLATE "C"}, undef ],
	[ 'ALTER SCHEMA RENAME of a schema holding tables',
	  'ALTER SCHEMA app RENAME TO app_v2', 'renaming-table' ],
	[ 'ALTER SCHEMA RENAME of a schema created in the transaction',
	  'CREATE SCHEMA s_new; CREATE TABLE s_new.t (a int); ALTER SCHEMA s_new RENAME TO s_newer', undef ],
	[ 'MERGE ON true WHEN MATCHED THEN DELETE',
	  'MERGE INTO app.orders USING app.src ON true WHEN MATCHED THEN DELETE', 'require-where-clause' ],
	[ 'DROP TYPE CASCADE taking a column',
	  'DROP TYPE mood CASCADE', 'ban-drop-column' ],
	[ 'DROP TYPE CASCADE of a type no column uses',
	  'DROP TYPE unused_kind CASCADE', undef ],
	[ 'ATTACH PARTITION without a CHECK implying the bound',
	  q{ALTER TABLE ev ATTACH PARTITION ev_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')}, 'partition-scan' ],
	[ 'ATTACH PARTITION with a matching CHECK',
	  q{ALTER TABLE ev ATTACH PARTITION ev_2025c FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')}, undef ],
	[ 'CREATE TABLE PARTITION OF a parent with a DEFAULT partition',
	  q{CREATE TABLE evd_2025 PARTITION OF evd FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')}, 'partition-scan' ],
	[ 'DROP OWNED BY a role that owns a table',
	  'DROP OWNED BY app_old', 'ban-drop-table' ],
	[ 'DROP OWNED BY after REASSIGN OWNED',
	  'REASSIGN OWNED BY app_old TO app_new; DROP OWNED BY app_old', undef ],
	[ 'DROP OWNED BY after ALTER TABLE ... OWNER TO another role',
	  'ALTER TABLE legacy OWNER TO app_new; DROP OWNED BY app_old', undef ],
	[ 'DROP OWNED BY a role that only holds privileges',
	  'DROP OWNED BY app_privileges', undef ],
	[ 'DROP OWNED BY ... CASCADE of a role that owns a column\'s type',
	  'DROP OWNED BY app_new CASCADE', 'ban-drop-column' ],
	[ 'DROP CONSTRAINT ... CASCADE that drops another table\'s foreign key',
	  'ALTER TABLE app.customers DROP CONSTRAINT customers_pkey CASCADE', 'ban-drop-constraint-cascade' ],
	[ 'DROP CONSTRAINT ... CASCADE of a key nothing references',
	  'ALTER TABLE app.orders DROP CONSTRAINT orders_pkey CASCADE', undef ],
	[ 'DROP CONSTRAINT ... CASCADE of a key only a new table references',
	  'CREATE TABLE app.notes (customer_id bigint REFERENCES app.customers (id)); '
	  . 'ALTER TABLE app.invoices DROP CONSTRAINT invoices_customer_id_fkey; '
	  . 'ALTER TABLE app.customers DROP CONSTRAINT customers_pkey CASCADE', undef ],
	[ 'CREATE RULE on a pre-existing table',
	  'CREATE RULE no_delete AS ON DELETE TO app.orders DO INSTEAD NOTHING', 'ban-create-rule' ],
	[ 'CREATE OR REPLACE RULE on a pre-existing table',
	  'CREATE OR REPLACE RULE no_delete AS ON DELETE TO app.orders DO INSTEAD NOTHING', 'ban-create-rule' ],
	[ 'CREATE RULE on a table created in the transaction',
	  'CREATE TABLE app.archive (id bigint); CREATE RULE no_delete AS ON DELETE TO app.archive DO INSTEAD NOTHING', undef ],
	[ 'CREATE RULE on a view',
	  'CREATE RULE open_delete AS ON DELETE TO app.open_orders DO INSTEAD NOTHING', undef ],
	[ 'CREATE RULE whose action deletes every row of an old table',
	  'CREATE TABLE app.imports (id bigint); CREATE RULE imp AS ON INSERT TO app.imports DO ALSO DELETE FROM app.orders',
	  'require-where-clause' ],
	[ 'CREATE RULE whose action deletes the row it names',
	  'CREATE TABLE app.imports (id bigint); CREATE RULE imp AS ON INSERT TO app.imports DO ALSO DELETE FROM app.orders WHERE id = NEW.id',
	  undef ],
	[ 'ATTACH PARTITION of a table without the index of the parent',
	  q{ALTER TABLE evi ATTACH PARTITION evi_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')}, 'partition-scan' ],
	[ 'ATTACH PARTITION of a table with the index of the parent',
	  q{ALTER TABLE evi ATTACH PARTITION evi_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')}, undef ],
	[ 'SET UNLOGGED of a logged table',
	  'ALTER TABLE app.orders SET UNLOGGED', 'alter-table-rewrite' ],
	[ 'SET LOGGED of a logged table',
	  'ALTER TABLE app.orders SET LOGGED', undef ],
	[ 'RENAME COLUMN of an old view',
	  'ALTER VIEW app.order_view RENAME COLUMN customer TO client', 'renaming-column' ],
	[ 'ALTER DOMAIN VALIDATE CONSTRAINT of a domain an old table uses',
	  'ALTER DOMAIN note_text VALIDATE CONSTRAINT note_not_empty', 'ban-alter-domain-with-add-constraint' ],
	[ 'DROP FUNCTION CASCADE taking a generated column',
	  'DROP FUNCTION app.cents(numeric) CASCADE', 'ban-drop-column' ],
	[ 'DROP TYPE CASCADE taking a typed table',
	  'DROP TYPE person CASCADE', 'ban-drop-table' ],
	[ 'CREATE INDEX IF NOT EXISTS of an index that is there',
	  'CREATE INDEX IF NOT EXISTS orders_customer_idx ON app.orders (customer)', undef ],
	[ 'ENABLE ROW LEVEL SECURITY of an old table without a policy, committed',
	  'ALTER TABLE app.secrets ENABLE ROW LEVEL SECURITY; COMMIT', 'row-security-without-policy' ],
	[ 'ENABLE ROW LEVEL SECURITY before CREATE POLICY in the same transaction',
	  'ALTER TABLE app.secrets ENABLE ROW LEVEL SECURITY; CREATE POLICY own ON app.secrets USING (owner_name = current_user)',
	  undef ],
	[ 'ENABLE ROW LEVEL SECURITY after CREATE POLICY',
	  'CREATE POLICY own ON app.secrets USING (owner_name = current_user); ALTER TABLE app.secrets ENABLE ROW LEVEL SECURITY',
	  undef ],
	[ 'ADD GENERATED AS IDENTITY on a column that holds values',
	  'ALTER TABLE app.legacy_ids ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY',
	  'adding-identity-to-existing-column' ],
	[ 'ADD GENERATED AS IDENTITY starting past the values',
	  'ALTER TABLE app.legacy_ids ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (START WITH 1000)', undef ],
	[ 'setval moving a serial column\'s sequence back',
	  q{SELECT setval('app.tickets_id_seq', 1)}, 'restarting-sequence' ],
	[ 'setval moving a serial column\'s sequence forward',
	  q{SELECT setval('app.tickets_id_seq', 1000)}, undef ],
	[ 'MERGE joined on the key',
	  'MERGE INTO app.orders o USING app.src s ON o.id = s.id WHEN MATCHED THEN DELETE', undef ],
);

foreach my $case (@cases)
{
	my ($label, $sql, $rule) = @$case;
	my ($ret, $out, $err) = $node->psql('postgres',
		"SET schemamig.lint = error; SET lock_timeout = '5s'; BEGIN; $sql; ROLLBACK;",
		on_error_stop => 1);
	if (defined $rule)
	{
		like($err, qr/blocked by schemamig lint rule "\Q$rule\E"/, "hook refuses: $label");
		my $lint = $node->safe_psql('postgres',
			"SELECT string_agg(DISTINCT rule, ',') FROM schemamig.lint(\$q\$$sql\$q\$)");
		like($lint, qr/\Q$rule\E/, "lint() reports $rule too: $label");
	}
	else
	{
		is($ret, 0, "hook allows: $label") or diag($err);
		my $lint = $node->safe_psql('postgres',
			"SELECT string_agg(DISTINCT rule, ',') FROM schemamig.lint(\$q\$$sql\$q\$)");
		is($lint, '', "lint() reports nothing either: $label");
	}
}

# an allow comment before a DO block allows the statements of the block, in
# the hook (a migration at schemamig.lint = error) as in lint()
my $rename_in_do = q{DO $b$ BEGIN ALTER TYPE mood RENAME VALUE 'sad' TO 'blue'; END $b$;};
my $allowed_do = "-- schemamig:allow renaming-enum-value no stored row uses the old label\n$rename_in_do";
for my $script ([ 'without an allow comment', $rename_in_do, 'renaming-enum-value' ],
	[ 'with an allow comment before the DO', $allowed_do, undef ])
{
	my ($label, $sql, $rule) = @$script;
	my ($ret, $out, $err) = $node->psql('postgres',
		"SET schemamig.lint = error; BEGIN; SELECT schemamig.apply('do_rename', \$q\$$sql\$q\$); ROLLBACK;",
		on_error_stop => 1);
	my $lint = $node->safe_psql('postgres',
		"SELECT coalesce(string_agg(DISTINCT rule, ','), '') FROM schemamig.lint(\$q\$$sql\$q\$)");
	if (defined $rule)
	{
		like($err, qr/blocked by schemamig lint rule "\Q$rule\E"/, "hook refuses RENAME VALUE in a DO block $label");
		is($lint, $rule, "lint() reports it too, $label");
	}
	else
	{
		is($ret, 0, "hook allows RENAME VALUE in a DO block $label") or diag($err);
		is($lint, '', "lint() reports nothing either, $label");
	}
}

# row-security-without-policy is judged when the migration (or transaction)
# ends: a policy created later in the same migration counts, as in lint()
sub row_security { return $node->safe_psql('postgres', "SELECT relrowsecurity FROM pg_class WHERE oid = '$_[0]'::regclass"); }
my $policy_later = 'ALTER TABLE app.secrets_late ENABLE ROW LEVEL SECURITY; '
  . 'CREATE POLICY own ON app.secrets_late USING (owner_name = current_user);';
is($node->safe_psql('postgres', "SELECT schemamig.apply('rls_1', \$q\$$policy_later\$q\$)"),
	'applied', 'hook allows a migration that creates the policy after ENABLE ROW LEVEL SECURITY');
is(row_security('app.secrets_late'), 't', 'row security is on, with its policy');
is($node->safe_psql('postgres', "SELECT count(*) FROM schemamig.lint(\$q\$$policy_later\$q\$)"),
	'0', 'lint() reports nothing for it either');
my $policy_elsewhere = 'ALTER TABLE app.secrets_other ENABLE ROW LEVEL SECURITY; '
  . 'CREATE POLICY other ON app.secrets_late USING (true);';
my ($ret, $out, $err) = $node->psql('postgres', "SELECT schemamig.apply('rls_2', \$q\$$policy_elsewhere\$q\$)");
like($err, qr/blocked by schemamig lint rule "row-security-without-policy"/,
	'hook refuses a migration whose policy is for another table');
is(row_security('app.secrets_other'), 'f', 'row security of that table stays off');
like($node->safe_psql('postgres', "SELECT string_agg(rule, ',') FROM schemamig.lint(\$q\$$policy_elsewhere\$q\$)"),
	qr/row-security-without-policy/, 'lint() reports it too');

done_testing();
