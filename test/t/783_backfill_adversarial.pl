# 783_backfill_adversarial.pl — batched backfills (issue 16) against tables
# and scripts that try to make the key walk go wrong: what cannot be walked
# safely is refused at registration with its reason (a generated key, a
# temporary table, a table with rules, a repeated option), a trigger that
# moves a row's key fails the batch instead of skipping or repeating rows,
# the key's text does not depend on the script's settings, the walk
# compares in the index's collation, a resume after the key changed is
# refused, a stored script that does not parse fails its job (the worker
# goes on), and a cancel takes effect during a long pause, between batches
# or after a lock timeout.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;

use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;

# auto_explain shows how the worker's batches find their rows
my $node = worker_node('backfill_adversarial',
	conf => "schemamig.auto_recover = off\n"
	  . "shared_preload_libraries = 'schemamig, auto_explain'\n");
my $worker = wait_for_worker($node);
sub sql { return $node->safe_psql('postgres', $_[0]); }

# the error of a statement that must fail, with its SQLSTATE (VERBOSITY verbose)
sub sql_error
{
	my ($stdout, $stderr);
	$node->psql('postgres', "\\set VERBOSITY verbose\n$_[0]", stdout => \$stdout, stderr => \$stderr);
	return $stderr;
}

sub poll
{
	my ($query, $what) = @_;
	$node->poll_query_until('postgres', $query) or die "timed out waiting for $what";
}

# ---- refused at registration ----

sql(q{CREATE TABLE gen (a int NOT NULL, id int GENERATED ALWAYS AS (a * 2) STORED PRIMARY KEY, n int NOT NULL DEFAULT 0);
	  INSERT INTO gen (a) SELECT g FROM generate_series(1, 100) g;});
my $e = sql_error(q{SELECT schemamig.register('0001', $s$-- schemamig:batch size=10
UPDATE gen SET a = a + 1000 WHERE true;$s$)});
like($e, qr/ERROR:  55000: statement 1 of the up script of migration "0001" cannot be batched/,
	'a walk along a generated key column is refused with 55000');
like($e, qr/the key column "id" that the batches walk is generated \(GENERATED ALWAYS AS \.\.\. STORED\)/,
	'the reason names the generated key column');

$e = sql_error(q{CREATE TEMP TABLE scratch (id int PRIMARY KEY, n int);
SELECT schemamig.register('0002', $s$-- schemamig:batch size=10
UPDATE scratch SET n = 1 WHERE true;$s$)});
like($e, qr/ERROR:  55000: statement 1 of the up script of migration "0002" cannot be batched/,
	'a temporary table is refused with 55000');
like($e, qr/"scratch" is a temporary table, which the worker's session cannot see/, 'the reason says why');

sql(q{CREATE TABLE ruled (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
	  CREATE TABLE ruled_log (id int, at timestamptz DEFAULT now());
	  CREATE RULE log_update AS ON UPDATE TO ruled DO ALSO INSERT INTO ruled_log (id) VALUES (NEW.id);});
$e = sql_error(q{SELECT schemamig.register('0003', $s$-- schemamig:batch
UPDATE ruled SET n = 1 WHERE true;$s$)});
like($e, qr/ERROR:  55000: statement 1 of the up script of migration "0003" cannot be batched/,
	'a table with a rule ON UPDATE is refused with 55000');
like($e, qr/table "ruled" has a rule ON UPDATE \(log_update\), which rewrites the batches' UPDATE/,
	'the reason names the rule');
like(sql_error(q{SELECT schemamig.register('0003', $s$-- schemamig:batch
DELETE FROM ruled WHERE true;$s$)}), qr/^(?!.*ERROR)/s, 'a rule ON UPDATE does not stop a batched DELETE');

for my $options ('size=10 size=20', 'pause=1s pause=2s', 'size=10 pause=1s size=10')
{
	$e = sql_error(qq{SELECT schemamig.register('0004', \$s\$-- schemamig:batch $options
UPDATE ruled SET n = 1 WHERE true;\$s\$)});
	like($e, qr/ERROR:  42601: invalid schemamig:batch directive: option "(size|pause)" is given more than once/,
		"a repeated option is refused with 42601: $options");
}
is(sql("SELECT count(*) FROM schemamig.migrations WHERE version IN ('0001', '0002', '0004')"), '0',
	'nothing refused was registered');

# ---- a trigger that moves a row's key: the batch is rolled back, the job fails ----

sql(q{CREATE TABLE moving (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
	  INSERT INTO moving (id) SELECT g FROM generate_series(1, 100) g;
	  CREATE FUNCTION move_key() RETURNS trigger LANGUAGE plpgsql AS
	    $$BEGIN IF OLD.id = 55 THEN NEW.id := 1000; END IF; RETURN NEW; END$$;
	  CREATE TRIGGER move_key BEFORE UPDATE ON moving FOR EACH ROW EXECUTE FUNCTION move_key();});
my $job = queue_job($node, '0010', "-- schemamig:batch size=10\nUPDATE moving SET n = n + 1 WHERE true;\n");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'failed', 'a batch whose trigger moves a key fails the job');
is(job_field($node, $job, 'sqlstate'), '55000', 'with SQLSTATE 55000');
like(job_field($node, $job, 'error'), qr/the key of a row of public\.moving changed during batch 6 \(keys after 50 up to 60\)/,
	'the error says which batch moved a key');
is(sql("SELECT count(*) FILTER (WHERE n = 1) || '/' || count(*) FILTER (WHERE n = 1 AND id > 50) || '/' || count(*) FROM moving"),
	'50/0/100', 'the five batches before it stay committed, the failed one is rolled back');
is(sql('SELECT count(*) FROM moving WHERE id = 55'), '1', 'the row keeps its key');
is(sql("SELECT state || ' ' || batches || ' ' || last_key FROM schemamig.backfills WHERE job = $job"), 'failed 5 50',
	'the progress row says failed after five batches');

# ---- the key's text does not depend on the script's settings ----

sql(q{CREATE TABLE floats (id float8 PRIMARY KEY, n int NOT NULL DEFAULT 0);
	  INSERT INTO floats (id) SELECT g + 3e-12 FROM generate_series(1, 50) g;});
$job = queue_job($node, '0020', "SET extra_float_digits = -3;\n-- schemamig:batch size=10\nUPDATE floats SET n = n + 1 WHERE true;\n");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'a float key under extra_float_digits = -3 is walked')
  or diag(job_field($node, $job, 'error'));
is(sql("SELECT count(*) FILTER (WHERE n = 1) || '/' || count(*) FROM floats"), '50/50',
	'every row was changed exactly once (no key rounded by the script\'s setting)');
is(sql("SELECT last_key::float8 = max(id) FROM schemamig.backfills, floats WHERE job = $job GROUP BY last_key"), 't',
	'the last key is the exact float');

sql(q{CREATE TABLE stamps (at timestamp PRIMARY KEY, n int NOT NULL DEFAULT 0);
	  INSERT INTO stamps (at) SELECT timestamp '2026-01-01' + g * interval '1 day'
	  FROM generate_series(1, 40) g;
	  CREATE TABLE spans (span interval PRIMARY KEY, n int NOT NULL DEFAULT 0);
	  INSERT INTO spans (span) SELECT g * interval '-1 day 2 hours' FROM generate_series(1, 40) g;});
$job = queue_job($node, '0021', "SET DateStyle = 'SQL, DMY';\nSET IntervalStyle = 'sql_standard';\n"
	  . "-- schemamig:batch size=10\nUPDATE stamps SET n = n + 1 WHERE true;\n"
	  . "-- schemamig:batch size=10\nUPDATE spans SET n = n + 1 WHERE true;\n");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'keys walked under DateStyle SQL, DMY and IntervalStyle sql_standard')
  or diag(job_field($node, $job, 'error'));
is(sql("SELECT string_agg(last_key, ' | ' ORDER BY statement_no) FROM schemamig.backfills WHERE job = $job"),
	'2026-02-10 00:00:00 | -1 days +02:00:00', 'the last keys are in ISO and postgres formats, whatever the script set');
is(sql("SELECT (SELECT count(*) FILTER (WHERE n = 1) FROM stamps) || '/' || (SELECT count(*) FILTER (WHERE n = 1) FROM spans)"),
	'40/40', 'every row of both was changed exactly once');

# ---- the walk compares in the index's collation ----

sql(q{CREATE TABLE coded (code text COLLATE "C" NOT NULL, n int NOT NULL DEFAULT 0);
	  CREATE UNIQUE INDEX coded_code ON coded (code COLLATE "POSIX");
	  INSERT INTO coded (code) SELECT 'code-' || g FROM generate_series(1, 20000) g; ANALYZE coded;
	  ALTER SYSTEM SET auto_explain.log_min_duration = 0; SELECT pg_reload_conf();});
wait_for_worker_loops($node, $worker);
my $log_offset = -s $node->logfile;
$job = queue_job($node, '0030', "-- schemamig:batch size=500\nUPDATE coded SET n = n + 1 WHERE true;\n");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'a key with an index collation of its own is walked')
  or diag(job_field($node, $job, 'error'));
sql('ALTER SYSTEM RESET auto_explain.log_min_duration; SELECT pg_reload_conf();');
is(sql("SELECT count(*) FILTER (WHERE n = 1) || '/' || count(*) FROM coded"), '20000/20000', 'every row was changed exactly once');
my $plans = substr(slurp_file($node->logfile), $log_offset);
like($plans, qr/Index (Only )?Scan using coded_code on (public\.)?coded/, 'the batches find their keys through the key\'s index');
unlike($plans, qr/Seq Scan on (public\.)?coded/, 'no batch scans the whole table');

# ---- a resume after the key changed is refused ----

sql(q{CREATE TABLE retyped (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
	  INSERT INTO retyped (id) SELECT g FROM generate_series(1, 3000) g;});
$job = queue_job($node, '0040', "-- schemamig:batch size=100 pause=200ms\nUPDATE retyped SET n = n + 1 WHERE true;\n",
	"UPDATE retyped SET n = 0;\n");
poll("SELECT batches >= 2 FROM schemamig.backfills WHERE job = $job", 'two batches');
sql("SELECT schemamig.cancel($job)");
is(wait_for_job_status($node, $job, 'cancelled', 'done', 'failed'), 'cancelled', 'the backfill is cancelled part-way');
my $changed = sql('SELECT count(*) FROM retyped WHERE n = 1');
sql('ALTER TABLE retyped ALTER COLUMN id TYPE text');
my ($again) = sql("SELECT schemamig.enqueue('0040')");
is(wait_for_job_status($node, $again, 'done', 'failed'), 'failed', 'queued again after its key changed type, it fails');
is(job_field($node, $again, 'sqlstate'), '55000', 'with SQLSTATE 55000');
like(job_field($node, $again, 'error'),
	qr/the key of public\.retyped changed since the backfill began: it was id integer, it is id text/,
	'the error says how the key changed');
is(sql('SELECT count(*) FROM retyped WHERE n = 1'), $changed, 'no row was changed by the refused resume');

sql(q{CREATE TABLE rekeyed (a int NOT NULL, b int NOT NULL, n int NOT NULL DEFAULT 0, PRIMARY KEY (a));
	  CREATE UNIQUE INDEX rekeyed_b ON rekeyed (b);
	  INSERT INTO rekeyed (a, b) SELECT g, 3001 - g FROM generate_series(1, 3000) g;});
$job = queue_job($node, '0041', "-- schemamig:batch size=100 pause=200ms\nUPDATE rekeyed SET n = n + 1 WHERE true;\n",
	"UPDATE rekeyed SET n = 0;\n");
poll("SELECT batches >= 2 FROM schemamig.backfills WHERE job = $job", 'two batches');
sql("SELECT schemamig.cancel($job)");
is(wait_for_job_status($node, $job, 'cancelled', 'done', 'failed'), 'cancelled', 'a second backfill is cancelled part-way');
sql('ALTER TABLE rekeyed DROP CONSTRAINT rekeyed_pkey');
($again) = sql("SELECT schemamig.enqueue('0041')");
is(wait_for_job_status($node, $again, 'done', 'failed'), 'failed', 'queued again after its key index was dropped, it fails');
like(job_field($node, $again, 'error'), qr/it was a integer, it is b integer/, 'the error names the old and the new key');

# ---- a stored script that does not parse fails its job; the worker goes on ----

sql(q{SELECT schemamig.register('0050', 'CREATE TABLE parsed (id int);');
	  UPDATE schemamig.migrations SET up_sql = 'CREATE TABLE parsed (id int;' WHERE version = '0050';});
($job) = sql("SELECT schemamig.enqueue('0050')");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'failed', 'a job whose stored script does not parse fails');
is(job_field($node, $job, 'sqlstate'), '42601', 'with the syntax error\'s SQLSTATE');
like(job_field($node, $job, 'error'), qr/syntax error/, 'and its message');
is(sql("SELECT count(*) FROM schemamig.events WHERE version = '0050' AND event = 'failed'"), '1', 'an event says so');
is(worker_pid($node), $worker, 'the worker did not stop');
sql(q{SELECT schemamig.register('0051', $s$-- schemamig:batch size=10
UPDATE floats SET n = n + 1 WHERE true;$s$);
	  UPDATE schemamig.migrations SET up_sql = replace(up_sql, 'size=10', 'size=0') WHERE version = '0051';});
($job) = sql("SELECT schemamig.enqueue('0051')");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'failed', 'a job whose stored directive is malformed fails');
like(job_field($node, $job, 'error'), qr/invalid schemamig:batch directive: size must be a number of rows/, 'with the reason');
sql(q{CREATE TABLE after_parse_errors (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
	  INSERT INTO after_parse_errors (id) SELECT g FROM generate_series(1, 30) g;});
$job = queue_job($node, '0052', "-- schemamig:batch size=10\nUPDATE after_parse_errors SET n = n + 1 WHERE true;\n");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'the next job runs');
is(worker_pid($node), $worker, 'in the same worker');

# ---- a cancel during a long pause takes effect then, not after it ----

sql(q{CREATE TABLE paused (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
	  INSERT INTO paused (id) SELECT g FROM generate_series(1, 100) g;});
$job = queue_job($node, '0060', "-- schemamig:batch size=10 pause=1h\nUPDATE paused SET n = n + 1 WHERE true;\n");
poll("SELECT batches = 1 FROM schemamig.backfills WHERE job = $job", 'the first batch');
sql("SELECT schemamig.cancel($job)");
# an hour's pause outlasts the poll (180 s by default): only a cancel that wakes the pause ends the job
ok($node->poll_query_until('postgres', "SELECT status = 'cancelled' FROM schemamig.jobs WHERE id = $job"),
	'a cancel during a pause of an hour ends the job');
is(sql("SELECT state || ' ' || batches FROM schemamig.backfills WHERE job = $job"), 'cancelled 1',
	'after its one batch');

# ---- a cancel during the pause after a lock timeout takes effect then ----

# a lock_timeout of 20 s makes the pause before the next attempt at least
# 300 s (15 lock timeouts): the job must end before the end of the pause
# its lock_retry event announced ("next in N ms"), which only a cancel that
# wakes the pause does

# whether job $job of migration $version ended before its pause was over
sub ended_within_pause
{
	my ($version, $job) = @_;
	return sql("SELECT j.finished_at < e.at + (substring(e.message FROM 'next in ([0-9]+) ms')::int * interval '1 ms') "
		  . "FROM schemamig.jobs j, schemamig.events e WHERE j.id = $job AND e.version = '$version' AND e.event = 'lock_retry'");
}
sql(q{ALTER SYSTEM SET schemamig.lock_retry_budget = '1h'; SELECT pg_reload_conf();});
wait_for_worker_loops($node, $worker);
sql(q{CREATE TABLE held (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
	  INSERT INTO held (id) SELECT g FROM generate_series(1, 100) g;});
# the holder keeps row 50 locked until both jobs below have ended
my $holder = IPC::Run::start([ 'psql', '-XAtq', '-d', $node->connstr('postgres'), '-c',
	q{BEGIN; SELECT id FROM held WHERE id = 50 FOR UPDATE;
	  DO $$BEGIN FOR i IN 1 .. 600 LOOP
		EXIT WHEN EXISTS (SELECT FROM schemamig.jobs WHERE version = '0071' AND status IN ('cancelled', 'failed', 'done'));
		PERFORM pg_sleep(0.5); END LOOP; END$$ /* holding_row_50 */; COMMIT;} ],
	'>', \my $holder_out, '2>', \my $holder_err);
poll(q{SELECT count(*) = 1 FROM pg_stat_activity WHERE query LIKE '%holding_row_50%' AND wait_event = 'PgSleep'},
	'the row lock holder');

$job = queue_job($node, '0070', "SET lock_timeout = '20s';\n-- schemamig:batch size=10\nUPDATE held SET n = n + 1 WHERE true;\n");
poll("SELECT count(*) = 1 FROM schemamig.events WHERE version = '0070' AND event = 'lock_retry'", 'the batch\'s lock timeout');
sql("SELECT schemamig.cancel($job)");
is(wait_for_job_status($node, $job, 'cancelled', 'done', 'failed'), 'cancelled', 'the backfill is cancelled');
is(ended_within_pause('0070', $job), 't', 'a cancel during the pause after a batch\'s lock timeout ends the job before the pause would have');
is(sql("SELECT state || ' ' || batches FROM schemamig.backfills WHERE job = $job"), 'cancelled 4',
	'after the four batches before the locked row');

sql(q{SELECT schemamig.register('0071', $s$SET lock_timeout = '20s';
UPDATE held SET n = n + 1 WHERE id = 50;$s$)});
($job) = sql("SELECT schemamig.enqueue('0071')");
poll("SELECT count(*) = 1 FROM schemamig.events WHERE version = '0071' AND event = 'lock_retry'", 'the statement\'s lock timeout');
sql("SELECT schemamig.cancel($job)");
is(wait_for_job_status($node, $job, 'cancelled', 'done', 'failed'), 'cancelled', 'the statement\'s job is cancelled');
is(ended_within_pause('0071', $job), 't', 'a cancel during the pause after a statement\'s lock timeout ends the job before the pause would have');
$holder->finish;
is(sql('SELECT n FROM held WHERE id = 50'), '0', 'the locked row was never changed');

done_testing();
