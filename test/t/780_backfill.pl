# 780_backfill.pl — batched backfills (issue 16): a "-- schemamig:batch"
# UPDATE deployed by the client changes every row of a large table exactly
# once, in batches the worker commits one by one, while writers update
# random rows of the same table (their worst wait is measured and printed,
# not asserted: timing on a shared machine is no test); the client's wait
# prints the backfill's progress; progress is committed with each batch and
# visible in schemamig.backfill_progress; a row the statement's WHERE still
# matches after its change is changed once; DELETE in batches; what cannot
# be batched is refused at registration, with its reason; lint() explains
# the directive and exempts the batches from exclusive-lock-held-across-
# statements; a composite primary key is walked as a row.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;
use SchemamigCLI;

use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = worker_node('backfill');
wait_for_worker($node);
cli_use_node($node);
sub sql { return $node->safe_psql('postgres', $_[0]); }

# the error of a statement that must fail
sub sql_error
{
	my ($stdout, $stderr);
	$node->psql('postgres', $_[0], stdout => \$stdout, stderr => \$stderr);
	return $stderr;
}

# ---- every row changed exactly once, writers measured ----

my $rows = 200000;
sql("CREATE TABLE big (id bigint PRIMARY KEY, n int NOT NULL DEFAULT 0, w int NOT NULL DEFAULT 0);
	 INSERT INTO big (id) SELECT g FROM generate_series(1, $rows) g; ANALYZE big;");

# a writer updates random rows, one transaction each, until the backfill is
# done (or a minute passes), and records its worst wait for one update
sql(q{CREATE TABLE writer_waits (writer int, updates int, worst_ms float8);
CREATE PROCEDURE writer(me int, total int) LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	target bigint;
	worst float8 := 0;
	done int := 0;
	stop timestamptz := clock_timestamp() + interval '60 s';
BEGIN
	LOOP
		target := 1 + floor(random() * total)::bigint;
		t0 := clock_timestamp();
		UPDATE big SET w = w + 1 WHERE id = target;
		COMMIT;
		worst := greatest(worst, 1000 * extract(epoch FROM clock_timestamp() - t0));
		done := done + 1;
		EXIT WHEN clock_timestamp() > stop
			OR EXISTS (SELECT FROM schemamig.backfills WHERE relation = 'public.big' AND state = 'done');
		PERFORM pg_sleep(0.005);
	END LOOP;
	INSERT INTO writer_waits VALUES (me, done, worst);
END $$;});

my @writers = map {
	my ($out, $err) = ('', '');
	IPC::Run::start([ 'psql', '-XAtq', '-d', $node->connstr('postgres'), '-c', "CALL writer($_, $rows)" ],
		'>', \$out, '2>', \$err);
} 1 .. 2;

my $dir = folder_of(
	'0001_backfill_n.up.sql' => "-- every row, once\n-- schemamig:batch size=5000 pause=60ms\nUPDATE big SET n = n + 1 WHERE true;\n",
	'0001_backfill_n.down.sql' => "-- schemamig:batch size=5000\nUPDATE big SET n = n - 1 WHERE true;\n");
my ($code, $out, $err) = cli('migrate', '--dir', $dir);
$_->finish for @writers;
is($code, 0, 'the deploy of a batched backfill exits 0') or diag($err);
like($err, qr/migration 0001 \(up\) runs in the schemamig worker as job (\d+)/,
	'the batched migration goes to the worker');
like($err, qr/job \d+: batched UPDATE of public\.big: \d+ of ~$rows rows \([\d.]+%\), \d+ batches, last key \d+, \d+ s/,
	'the client prints the backfill progress while it waits');
my $job = sql("SELECT max(id) FROM schemamig.jobs WHERE version = '0001'");
is(sql("SELECT count(*) FILTER (WHERE n = 1) || '/' || count(*) FROM big"), "$rows/$rows",
	'every row was changed exactly once');
is(sql("SELECT state || ' ' || rows_changed || ' ' || batches || ' ' || last_key || ' ' || estimated_rows || ' ' || percent "
	  . "FROM schemamig.backfill_progress WHERE job = $job"),
	"done $rows 40 $rows $rows 100.0", 'progress: done, every row, 40 batches of 5000, the last key, the estimate, 100%');
is(sql("SELECT dirty FROM schemamig.applied WHERE version = '0001'"), 'f', 'the migration is applied, clean');
sql('CREATE ROLE watcher');
is($node->safe_psql('postgres', 'SET ROLE watcher; SELECT count(*) FROM schemamig.backfill_progress'), '0',
	'another role does not see the backfill of a job it did not queue');
like(sql_error('SET ROLE watcher; SELECT count(*) FROM schemamig.backfills'), qr/permission denied for table backfills/,
	'nor read the catalog behind the view');

is(sql("SELECT count(*) FROM schemamig.events WHERE version = '0001' AND event IN ('backfill_started', 'backfill_done')"),
	'2', 'the start and end of the backfill are events');
my $writes = sql('SELECT sum(updates) FROM writer_waits');
cmp_ok($writes, '>', 0, 'the writers updated rows of the table during the backfill');
note('writers: ' . sql(q{SELECT string_agg(format('writer %s: %s updates, worst wait %s ms', writer, updates, round(worst_ms::numeric, 1)), '; ') FROM writer_waits}));
diag('worst writer wait during the batched backfill of ' . $rows . ' rows: '
	  . sql('SELECT round(max(worst_ms)::numeric, 1) FROM writer_waits') . ' ms');

# the down script's batches undo it, as a rollback through the worker
($code, $out, $err) = cli('rollback', '--steps', '1', '--dir', $dir);
is($code, 0, 'the rollback of a batched backfill exits 0') or diag($err);
is(sql('SELECT count(*) FROM big WHERE n <> 0'), '0', 'its batched down script changed every row back once');
is(sql("SELECT count(*) FROM schemamig.backfills WHERE version = '0001'"), '0',
	'a rolled back migration\'s progress goes with its history row (a later run starts over)');

# ---- doc/backfill.md's worked example: lint --dir passes it, migrate --dir applies it ----

# in a database of its own, with a worker of its own (its versions are its own)
sql('CREATE DATABASE example');
$node->safe_psql('example', 'CREATE EXTENSION schemamig');
$node->safe_psql('example', 'SELECT schemamig.start_worker()');
wait_for_worker($node, 'example');
sub example_sql { return $node->safe_psql('example', $_[0]); }
example_sql(q{CREATE TABLE users (id bigint PRIMARY KEY, name text);
	  INSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, 20000) g; ANALYZE users;});
my $example = folder_of(
	'0101_expand.up.sql' => "ALTER TABLE users ADD COLUMN full_name text;\n",
	'0102_backfill.up.sql' => "-- schemamig:batch size=5000 pause=50ms\nUPDATE users SET full_name = name WHERE full_name IS NULL;\n",
	'0103_check.up.sql' => "ALTER TABLE users ADD CONSTRAINT users_full_name_not_null CHECK (full_name IS NOT NULL) NOT VALID;\n",
	'0104_validate.up.sql' => "ALTER TABLE users VALIDATE CONSTRAINT users_full_name_not_null;\n",
	'0105_not_null.up.sql' => "ALTER TABLE users ALTER COLUMN full_name SET NOT NULL;\nALTER TABLE users DROP CONSTRAINT users_full_name_not_null;\n",
	'0106_contract.up.sql' => "-- schemamig:allow ban-drop-column readers and writers use full_name since the previous release\nALTER TABLE users DROP COLUMN name;\n");
($code, $out, $err) = cli('lint', '--dir', $example, '--db', 'dbname=example');
is($code, 0, 'lint --dir passes the worked example') or diag($out . $err);
($code, $out, $err) = cli('migrate', '--dir', $example, '--db', 'dbname=example');
is($code, 0, 'migrate --dir applies it') or diag($err);
is(example_sql(q{SELECT count(*) FILTER (WHERE full_name = 'user ' || id) || ' ' ||
	(SELECT attnotnull FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'full_name') || ' ' ||
	(SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'name' AND NOT attisdropped)
	FROM users}), '20000 true 0', 'every row backfilled, full_name NOT NULL, name dropped');

# ---- one pass: a row the WHERE still matches after its change is changed once ----

sql(q{CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL);
	  INSERT INTO counters SELECT g, 0 FROM generate_series(1, 1000) g;});
$job = queue_job($node, '0002', "-- schemamig:batch size=64 pause=1ms\nUPDATE counters SET n = n + 1 WHERE n < 5;\n");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'a batched UPDATE whose WHERE still matches is done');
is(sql('SELECT count(*) FILTER (WHERE n = 1) FROM counters'), '1000', 'each row was changed once, not until n reached 5');
is(sql("SELECT batches FROM schemamig.backfills WHERE job = $job"), '16', '1000 rows in batches of 64: 16 batches');

# DELETE in batches, with the statement's own WHERE, on a text key
sql(q{CREATE TABLE tags (name text PRIMARY KEY, keep boolean NOT NULL);
	  INSERT INTO tags SELECT 'tag' || g, g % 3 = 0 FROM generate_series(1, 3000) g;});
$job = queue_job($node, '0003', "-- schemamig:batch size=500\nDELETE FROM tags t WHERE NOT t.keep;\n");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'a batched DELETE is done');
is(sql('SELECT count(*) || \'/\' || count(*) FILTER (WHERE keep) FROM tags'), '1000/1000',
	'it deleted exactly the rows its WHERE names');
is(sql("SELECT rows_changed || ' ' || batches FROM schemamig.backfills WHERE job = $job"), '2000 6',
	'2000 rows deleted in 6 batches of the 3000 keys walked');

# a key whose type's operators are not pg_catalog's: citext orders ignoring case
sql(q{CREATE EXTENSION citext;
	  CREATE TABLE people (email citext PRIMARY KEY, seen int NOT NULL DEFAULT 0);
	  INSERT INTO people (email)
		SELECT CASE WHEN g % 2 = 0 THEN upper('user' || g) ELSE 'user' || g END FROM generate_series(1, 1000) g;});
$job = queue_job($node, '0004', "-- schemamig:batch size=300\nUPDATE people SET seen = seen + 1 WHERE true;\n");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'a batched UPDATE on a citext key is done')
  or diag(job_field($node, $job, 'error'));
is(sql('SELECT count(*) FILTER (WHERE seen = 1) FROM people'), '1000', 'each row changed once, walking citext order');
is(sql("SELECT batches FROM schemamig.backfills WHERE job = $job"), '4', '1000 keys in batches of 300: 4 batches');

# a partitioned table: its key spans the partitions, the estimate sums them
sql(q{CREATE TABLE parted (id bigint PRIMARY KEY, n int NOT NULL DEFAULT 0) PARTITION BY RANGE (id);
	  CREATE TABLE parted_low PARTITION OF parted FOR VALUES FROM (0) TO (5000);
	  CREATE TABLE parted_high PARTITION OF parted FOR VALUES FROM (5000) TO (20000);
	  INSERT INTO parted (id) SELECT g FROM generate_series(1, 12000) g; ANALYZE parted;});
$job = queue_job($node, '0005', "-- schemamig:batch size=1000\nUPDATE parted SET n = n + 1 WHERE true;\n");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'a batched UPDATE of a partitioned table is done')
  or diag(job_field($node, $job, 'error'));
is(sql('SELECT count(*) FILTER (WHERE n = 1) FROM parted'), '12000', 'each row of every partition changed once');
is(sql("SELECT batches || ' ' || estimated_rows || ' ' || percent FROM schemamig.backfill_progress WHERE job = $job"),
	'12 12000 100.0', '12 batches; the estimate is the partitions\' reltuples summed');

# ---- a composite key, walked as a row ----
# A partitioned table keyed (tenant, id), as partitioned tables' keys must
# include the partition key; tenant values hold a comma, a double quote, a
# quote and a space, so the last key's text (a text[] of the columns) must
# come back as it was.
sql(q{CREATE TABLE accounts (tenant text NOT NULL, id int NOT NULL, n int NOT NULL DEFAULT 0,
	    PRIMARY KEY (tenant, id)) PARTITION BY HASH (tenant);
	  CREATE TABLE accounts_0 PARTITION OF accounts FOR VALUES WITH (MODULUS 2, REMAINDER 0);
	  CREATE TABLE accounts_1 PARTITION OF accounts FOR VALUES WITH (MODULUS 2, REMAINDER 1);
	  INSERT INTO accounts (tenant, id)
	    SELECT t, g FROM unnest(ARRAY['a', 'b,"c', 'd''e', 'z z']) t, generate_series(1, 25) g;});
$job = queue_job($node, '0006', "-- schemamig:batch size=7\nUPDATE accounts SET n = n + 1 WHERE id % 5 <> 0;\n");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'composite key: the batched UPDATE is done')
  or diag(job_field($node, $job, 'error'));
is(sql(q{SELECT count(*) FILTER (WHERE n = 1) || '/' || count(*) FILTER (WHERE n = 0) FROM accounts}), '80/20',
	'composite key: every matching row changed exactly once, no other');
is(sql("SELECT key_column || ' | ' || rows_changed || ' | ' || batches || ' | ' || last_key FROM schemamig.backfills WHERE job = $job"),
	'tenant, id | 80 | 15 | {"z z",25}', 'composite key: walked as (tenant, id) in 15 batches of 7 keys, the last key as a text[]');

# ---- refusals at registration ----

sql(q{CREATE TABLE nokey (a int, b int); CREATE TABLE pair (a int, b int, PRIMARY KEY (a, b));
	  CREATE TABLE nullable_unique (a int UNIQUE, b int);
	  CREATE TABLE parent (id int PRIMARY KEY, b int); CREATE TABLE child () INHERITS (parent);
	  CREATE VIEW big_view AS SELECT * FROM big;});
my %refused = (
	'INSERT INTO big (id) VALUES (0)' => qr/only an UPDATE or DELETE is batched, not INSERT/,
	'UPDATE big SET n = 1' => qr/needs a WHERE clause \(WHERE true when every row is meant\)/,
	'DELETE FROM big' => qr/a batched DELETE needs a WHERE clause/,
	'UPDATE big SET n = 1 FROM counters c WHERE c.id = big.id' => qr/UPDATE \.\.\. FROM joins other tables/,
	'DELETE FROM big USING counters c WHERE c.id = big.id' => qr/DELETE \.\.\. USING joins other tables/,
	'UPDATE big SET n = 1 WHERE true RETURNING id' => qr/cannot return rows \(RETURNING\)/,
	'WITH x AS (SELECT 1) UPDATE big SET n = 1 WHERE true' => qr/with a WITH clause is not batched/,
	'UPDATE nokey SET b = 1 WHERE true' => qr/table "nokey" has no primary key or unique NOT NULL key to walk/,
	'UPDATE pair SET b = 1 WHERE true' => qr/assigns the key column "b" that the batches walk/,
	'UPDATE nullable_unique SET b = 1 WHERE true' => qr/table "nullable_unique" has no primary key/,
	'UPDATE big SET id = id + 1 WHERE true' => qr/assigns the key column "id" that the batches walk/,
	'UPDATE parent SET b = 1 WHERE true' => qr/table "parent" has inheritance children, whose keys its key does not cover/,
	'UPDATE big_view SET n = 1 WHERE true' => qr/"big_view" is not a table/,
	'CREATE INDEX ON big (n)' => qr/only an UPDATE or DELETE is batched, not CREATE INDEX/);
for my $stmt (sort keys %refused)
{
	my $e = sql_error("SELECT schemamig.register('0099', \$s\$SELECT 1;\n-- schemamig:batch\n$stmt;\$s\$)");
	like($e, qr/ERROR:  statement 2 of the up script of migration "0099" cannot be batched/, "refused: $stmt");
	like($e, $refused{$stmt}, "the reason: $stmt");
}
like(sql_error("SELECT schemamig.register('0099', \$s\$-- schemamig:batch size=0\nUPDATE big SET n = 1 WHERE true;\$s\$)"),
	qr/invalid schemamig:batch directive: size must be a number of rows from 1 to 1000000, not "0"/,
	'a size out of range is a syntax error');
like(sql_error("SELECT schemamig.register('0099', \$s\$-- schemamig:batch pause=soon\nUPDATE big SET n = 1 WHERE true;\$s\$)"),
	qr/pause must be a duration such as 100ms or 2s, not "soon"/, 'a pause that is no duration is refused');
like(sql_error("SELECT schemamig.register('0099', \$s\$-- schemamig:batch rows=10\nUPDATE big SET n = 1 WHERE true;\$s\$)"),
	qr/unknown option "rows"/, 'an unknown option is refused');
like(sql_error("SELECT schemamig.register('0099', \$s\$-- schemamig:batch\n-- schemamig:batch size=10\nUPDATE big SET n = 1 WHERE true;\$s\$)"),
	qr/more than one before the same statement/, 'two directives before one statement are refused');
like(sql_error("SELECT schemamig.register('0099', 'SELECT 1', \$s\$-- schemamig:batch\nTRUNCATE big;\$s\$)"),
	qr/statement 1 of the down script of migration "0099" cannot be batched/, 'a down script is checked too');
like(sql_error("SELECT schemamig.register('0099', 'SELECT 1', \$s\$-- schemamig:batch\nUPDATE nokey SET b = 1 WHERE true;\$s\$)"),
	qr/statement 1 of the down script of migration "0099" cannot be batched.*\n.*table "nokey" has no primary key/,
	'the key of a down script\'s batched statement is checked too');
is(sql("SELECT count(*) FROM schemamig.migrations WHERE version = '0099'"), '0', 'nothing refused was registered');
like(sql_error("SELECT schemamig.register('0098', 'SELECT 1', \$s\$-- schemamig:batch size=lots\nUPDATE big SET n = 0 WHERE true;\$s\$)"),
	qr/WARNING:  down script of migration "0098" does not parse: .*size must be a number of rows/,
	'a malformed directive in a down script is a warning, as any down script that does not parse');
is(sql("SELECT count(*) FROM schemamig.migrations WHERE version = '0098'"), '1', 'and the migration is registered');
is(sql("SELECT schemamig.register('0100', \$s\$CREATE TABLE later (id int PRIMARY KEY, v int);\n"
	  . "-- schemamig:batch\nUPDATE later SET v = 1 WHERE true;\$s\$)") =~ /^[0-9a-f]{64}$/ ? 'ok' : 'no', 'ok',
	'a table that does not exist yet is checked when the worker runs the statement');
like(sql("SELECT schemamig.register('0101', \$s\$-- schemamig:batch\nUPDATE ONLY parent SET b = 1 WHERE true;\$s\$)"),
	qr/^[0-9a-f]{64}$/, 'UPDATE ONLY of a table with inheritance children walks its own key');
is(sql("SELECT transactional FROM schemamig.migrations WHERE version = '0100'"), 'f',
	'a migration with a batched statement is not transactional');

# ---- lint() ----

my $lint = sql("SELECT rule || ': ' || message FROM schemamig.lint(\$s\$-- schemamig:batch size=2000 pause=50ms\nUPDATE big SET n = 0 WHERE true;\$s\$) WHERE severity = 'info'");
like($lint, qr/^schemamig:batch: The schemamig worker runs this UPDATE in batches of 2000 rows along the key id of public\.big, each batch in its own transaction/,
	'lint() says what the worker will do with a batched statement');
like($lint, qr/pausing 50 ms between batches/, 'with its pause');
like(sql("SELECT message FROM schemamig.lint(\$s\$-- schemamig:batch\nUPDATE nokey SET b = 1 WHERE true;\$s\$) WHERE rule = 'schemamig:batch'"),
	qr/refused at registration: table "nokey" has no primary key/, 'lint() says why a batched statement would be refused');
is(sql("SELECT string_agg(rule, ',') FROM schemamig.lint(\$s\$-- schemamig:batch\nUPDATE big SET n = 1;\$s\$)"),
	'require-where-clause,schemamig:batch', 'without WHERE, require-where-clause still holds under the directive');
is(sql("SELECT relation_name || ' ' || lock_mode || ' ' || outcome FROM schemamig.trace(\$s\$-- schemamig:batch size=700\nUPDATE big SET n = 0 WHERE true;\$s\$)"),
	'public.big RowExclusiveLock not_traced', 'trace() names the lock each batch takes');
like(sql("SELECT detail FROM schemamig.trace(\$s\$-- schemamig:batch size=700\nUPDATE big SET n = 0 WHERE true;\$s\$)"),
	qr/in batches of 700 rows along the table's key, each batch a transaction of its own/, 'and how the worker runs it');
my $locked = "ALTER TABLE big ALTER COLUMN w SET STATISTICS 100;\nLOCK TABLE big IN ACCESS EXCLUSIVE MODE;\n";
like(sql("SELECT string_agg(rule, ',') FROM schemamig.lint(\$s\$${locked}UPDATE big SET n = 1 WHERE true;\$s\$)"),
	qr/exclusive-lock-held-across-statements/, 'an UPDATE after an ACCESS EXCLUSIVE lock in one transaction is flagged');
unlike(sql("SELECT coalesce(string_agg(rule, ','), '') FROM schemamig.lint(\$s\$${locked}-- schemamig:batch\nUPDATE big SET n = 1 WHERE true;\$s\$)"),
	qr/exclusive-lock-held-across-statements/, 'the batched one is not: each batch is a transaction of its own');

done_testing();
