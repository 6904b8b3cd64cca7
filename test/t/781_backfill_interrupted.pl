# 781_backfill_interrupted.pl — batched backfills that do not run straight
# through (issue 16): the worker SIGKILLed part-way (the server restarts
# every session), or the server restarted, resumes after the last committed
# batch, so every row is changed exactly once and the migration is applied; a batch that hits
# statement_timeout is tried again at half the size (logged); a batch that
# gives up waiting for a row lock is tried again after a pause; a cancelled
# backfill ends its job 'cancelled' with its progress kept and the migration
# dirty (schemamig.cancel()), from where queueing it again goes on, and
# recover() undoes it as any dirty migration.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;

use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;

# the server restarts every session after the worker is SIGKILLed
my $node = worker_node('backfill_interrupted', conf => "restart_after_crash = on\n");
my $worker = wait_for_worker($node);
sub sql { return $node->safe_psql('postgres', $_[0]); }

sub poll
{
	my ($query, $what) = @_;
	$node->poll_query_until('postgres', $query) or die "timed out waiting for $what";
}

# Wait until a query returns 't', through a server restart: psql -c, its
# failures to connect are waited through (poll_query_until writes to a
# psql that may be gone).
sub poll_through_restart
{
	my ($query) = @_;
	for (1 .. 10 * $PostgreSQL::Test::Utils::timeout_default)
	{
		my ($out, $err) = ('', '');
		IPC::Run::run([ 'psql', '-XAtq', '-d', $node->connstr('postgres'), '-c', $query ],
			'<', \undef, '>', \$out, '2>', \$err);
		return 1 if $out eq "t\n";
		select(undef, undef, undef, 0.1);
	}
	die "timed out waiting for: $query";
}

# ---- SIGKILL of the worker part-way ----

my $rows = 100000;
sql("CREATE TABLE crash (id int PRIMARY KEY, n int NOT NULL DEFAULT 0, tag text);
	 INSERT INTO crash (id) SELECT g FROM generate_series(1, $rows) g; ANALYZE crash;");
my $job = queue_job($node, '0001',
	"CREATE TABLE before_backfill (id int);\nSET backfill.tag = 'set by the script';\n-- schemamig:batch size=1000 pause=20ms\n"
	  . "UPDATE crash SET n = n + 1, tag = current_setting('backfill.tag') WHERE true;\nCREATE TABLE after_backfill (id int);\n");
poll("SELECT batches >= 10 FROM schemamig.backfills WHERE job = $job", 'ten batches');
my $before = sql("SELECT batches FROM schemamig.backfills WHERE job = $job");
cmp_ok($before, '<', 100, "the worker is part-way ($before of 100 batches) when it is killed");
kill 'KILL', $worker;
poll_through_restart("SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'schemamig worker' AND pid <> $worker");
$worker = worker_pid($node);
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'after SIGKILL the same job goes on to done')
  or diag(job_field($node, $job, 'error'));
is(sql("SELECT count(*) FILTER (WHERE n = 1) || '/' || count(*) FROM crash"), "$rows/$rows",
	'every row was changed exactly once');
is(sql("SELECT count(*) FROM crash WHERE tag IS DISTINCT FROM 'set by the script'"), '0',
	'what the script SET before the backfill holds after the resume too');
is(sql("SELECT state || ' ' || batches || ' ' || rows_changed FROM schemamig.backfills WHERE job = $job"),
	"done 100 $rows", '100 batches in all: none applied twice, none skipped');
is(sql("SELECT dirty FROM schemamig.applied WHERE version = '0001'"), 'f', 'the migration is applied, clean');
is(sql("SELECT to_regclass('after_backfill') IS NOT NULL"), 't', 'the statement after the backfill ran');
like(sql("SELECT message FROM schemamig.events WHERE version = '0001' AND event = 'backfill_interrupted'"),
	qr/job $job was interrupted in batched statement 3 after \d+ batches \(last key \d+\); it is queued again and resumes there/,
	'an event says the interrupted job was queued again');
like(sql("SELECT message FROM schemamig.events WHERE version = '0001' AND event = 'backfill_resumed'"),
	qr/resumes after key \d+/, 'an event says where it resumed');

# ---- a server restart part-way: the same ----

sql('UPDATE crash SET n = 0');
$job = queue_job($node, '0001.1', "-- schemamig:batch size=1000 pause=20ms\nUPDATE crash SET n = n + 1 WHERE true;\n");
poll("SELECT batches >= 5 FROM schemamig.backfills WHERE job = $job", 'five batches');
$node->restart;
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'after a server restart the job goes on to done')
  or diag(job_field($node, $job, 'error'));
is(sql("SELECT count(*) FILTER (WHERE n = 1) || '/' || count(*) FROM crash"), "$rows/$rows",
	'every row was changed exactly once across the restart');
is(sql("SELECT batches FROM schemamig.backfills WHERE job = $job"), '100', '100 batches in all');
like(sql("SELECT message FROM schemamig.events WHERE version = '0001.1' AND event = 'backfill_interrupted'"),
	qr/job $job was interrupted in batched statement 1 after \d+ batches/, 'the restart interrupted it part-way');
$worker = wait_for_worker($node);

# ---- statement_timeout halves the batch ----

sql(q{CREATE FUNCTION slow_inc(i int) RETURNS int LANGUAGE sql VOLATILE AS 'SELECT i + 1 FROM pg_sleep(0.001)';
	  CREATE TABLE slow (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
	  INSERT INTO slow (id) SELECT g FROM generate_series(1, 600) g;});
$job = queue_job($node, '0002',
	"SET statement_timeout = '250ms';\n-- schemamig:batch size=400\nUPDATE slow SET n = slow_inc(n) WHERE true;\n");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'a backfill whose batches time out is done')
  or diag(job_field($node, $job, 'error'));
is(sql('SELECT count(*) FILTER (WHERE n = 1) FROM slow'), '600', 'every row changed exactly once');
cmp_ok(sql("SELECT batch_size FROM schemamig.backfills WHERE job = $job"), '<=', 200, 'the batch size was halved');
like(sql("SELECT message FROM schemamig.events WHERE version = '0002' AND event = 'backfill_batch_halved' ORDER BY id LIMIT 1"),
	qr/batch 1 hit statement_timeout \(250 ms\) at 400 rows; the batches go on with 200 rows/, 'an event says so');
like(slurp_file($node->logfile), qr/LOG:  schemamig: batch 1 of statement 2 of migration "0002" hit statement_timeout \(250 ms\) at 400 rows; trying again with 200 rows/,
	'the server log says so');

# ---- a row lock: the batch is tried again after a pause ----

sql(q{CREATE TABLE locked (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
	  INSERT INTO locked (id) SELECT g FROM generate_series(1, 3000) g;});
# the holder keeps row 1500 locked until the worker has given up on it once
my $holder = IPC::Run::start([ 'psql', '-XAtq', '-d', $node->connstr('postgres'), '-c',
	q{BEGIN; SELECT id FROM locked WHERE id = 1500 FOR UPDATE;
	  DO $$BEGIN FOR i IN 1 .. 3600 LOOP
		EXIT WHEN EXISTS (SELECT FROM schemamig.events WHERE version = '0003' AND event = 'lock_retry');
		PERFORM pg_sleep(0.05); END LOOP; END$$ /* holding_row_1500 */; COMMIT;} ],
	'>', \my $holder_out, '2>', \my $holder_err);
poll(q{SELECT count(*) = 1 FROM pg_stat_activity WHERE query LIKE '%holding_row_1500%' AND wait_event = 'PgSleep'},
	'the row lock holder');
$job = queue_job($node, '0003',
	"SET lock_timeout = '50ms';\n-- schemamig:batch size=1000\nUPDATE locked SET n = n + 1 WHERE true;\n");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'a backfill that met a row lock is done')
  or diag(job_field($node, $job, 'error'));
$holder->finish;
is(sql('SELECT count(*) FILTER (WHERE n = 1) FROM locked'), '3000', 'every row changed exactly once');
like(sql("SELECT message FROM schemamig.events WHERE version = '0003' AND event = 'lock_retry' ORDER BY id LIMIT 1"),
	qr/statement 2: batch 2 gave up waiting for a lock \(lock_timeout 50 ms\); attempt 1, next in \d+ ms/,
	'the batch that met the lock was tried again after a pause');

# ---- cancellation ----

sql('ALTER SYSTEM SET schemamig.auto_recover = off; SELECT pg_reload_conf();');
wait_for_worker_loops($node, $worker);
sql(q{CREATE TABLE c (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
	  INSERT INTO c (id) SELECT g FROM generate_series(1, 20000) g;});
$job = queue_job($node, '0004', "-- schemamig:batch size=500 pause=100ms\nUPDATE c SET n = n + 1 WHERE true;\n",
	"UPDATE c SET n = n - 1 WHERE n = 1;\n");
poll("SELECT batches >= 3 FROM schemamig.backfills WHERE job = $job", 'three batches');
sql("SELECT schemamig.cancel($job)");
is(wait_for_job_status($node, $job, 'cancelled', 'done', 'failed'), 'cancelled', 'the cancelled backfill ends its job cancelled');
like(job_field($node, $job, 'error'), qr/^cancelled with schemamig\.cancel\(\) in statement 1 \(line 2\): batched UPDATE of public\.c cancelled after \d+ batches, \d+ rows changed, last key \d+$/,
	'the job says how far it got');
is(job_field($node, $job, 'sqlstate'), '57014', 'with SQLSTATE 57014');
my ($state, $changed, $last) = split / /, sql("SELECT state || ' ' || rows_changed || ' ' || last_key FROM schemamig.backfill_progress WHERE job = $job");
is($state, 'cancelled', 'the progress row says cancelled');
cmp_ok($changed, '<', 20000, "it stopped part-way ($changed rows)");
is(sql("SELECT count(*) FILTER (WHERE n = 1) || '/' || count(*) FILTER (WHERE n = 1 AND id > $last) FROM c"), "$changed/0",
	'exactly the rows up to the last key were changed');
is(sql("SELECT state FROM schemamig.status() WHERE version = '0004'"), 'dirty', 'the migration is dirty');
my ($stdout, $stderr);
$node->psql('postgres', "CALL schemamig.wait($job)", stdout => \$stdout, stderr => \$stderr);
like($stderr, qr/ERROR:  job $job cancelled: cancelled with schemamig\.cancel\(\) in statement 1/, 'wait() reports the cancel');

# queued again, it goes on from the last key
my ($again) = sql("SELECT schemamig.enqueue('0004')");
is(wait_for_job_status($node, $again, 'done', 'failed'), 'done', 'queued again, the cancelled backfill goes on to done')
  or diag(job_field($node, $again, 'error'));
is(sql("SELECT count(*) FILTER (WHERE n = 1) || '/' || count(*) FROM c"), '20000/20000', 'every row changed exactly once');

# cancelled again (another migration) and recovered as any dirty migration
sql('UPDATE c SET n = 0');
$job = queue_job($node, '0005', "-- schemamig:batch size=500 pause=100ms\nUPDATE c SET n = n + 1 WHERE true;\n",
	"UPDATE c SET n = 0 WHERE n = 1;\n");
poll("SELECT batches >= 2 FROM schemamig.backfills WHERE job = $job", 'two batches');
sql("SELECT schemamig.cancel($job)");
is(wait_for_job_status($node, $job, 'cancelled', 'done', 'failed'), 'cancelled', 'a second backfill is cancelled');
is(sql("SELECT result FROM schemamig.recover('0005')"), 'recovered', 'recover() undoes the cancelled backfill');
is(sql("SELECT count(*) FROM c WHERE n <> 0"), '0', 'with its down script');
is(sql("SELECT state FROM schemamig.status() WHERE version = '0005'"), 'pending', 'and the migration is pending again');

# ---- a row lock held past schemamig.lock_retry_budget: the job fails, its batches stay ----

sql(q{ALTER SYSTEM SET schemamig.lock_retry_budget = 0; SELECT pg_reload_conf();});
wait_for_worker_loops($node, $worker);
sql('UPDATE locked SET n = 0');
$holder = IPC::Run::start([ 'psql', '-XAtq', '-d', $node->connstr('postgres'), '-c',
	q{BEGIN; SELECT id FROM locked WHERE id = 1500 FOR UPDATE;
	  DO $$BEGIN FOR i IN 1 .. 3600 LOOP
		EXIT WHEN EXISTS (SELECT FROM schemamig.events WHERE version = '0006' AND event = 'lock_retry');
		PERFORM pg_sleep(0.05); END LOOP; END$$ /* holding_row_1500_again */; COMMIT;} ],
	'>', \$holder_out, '2>', \$holder_err);
poll(q{SELECT count(*) = 1 FROM pg_stat_activity WHERE query LIKE '%holding_row_1500_again%' AND wait_event = 'PgSleep'},
	'the row lock holder');
$job = queue_job($node, '0006',
	"SET lock_timeout = '50ms';\n-- schemamig:batch size=1000\nUPDATE locked SET n = n + 1 WHERE true;\n");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'failed',
	'a batch that does not get its lock within schemamig.lock_retry_budget fails the job');
$holder->finish;
is(job_field($node, $job, 'sqlstate'), '55P03', 'with the lock timeout\'s SQLSTATE');
like(sql("SELECT message FROM schemamig.events WHERE version = '0006' AND event = 'lock_retry'"),
	qr/batch 2 gave up waiting for a lock \(lock_timeout 50 ms\); attempt 1, no more: schemamig\.lock_retry_budget \(0 ms\) is spent/,
	'the event says the budget is spent');
is(sql("SELECT state || ' ' || batches || ' ' || last_key FROM schemamig.backfills WHERE job = $job"), 'failed 1 1000',
	'the progress keeps the batch committed before it');
is(sql("SELECT count(*) FILTER (WHERE n = 1) || '/' || count(*) FILTER (WHERE n = 1 AND id > 1000) FROM locked"), '1000/0',
	'exactly the rows of that batch were changed');
is(sql("SELECT state FROM schemamig.status() WHERE version = '0006'"), 'dirty', 'the migration is dirty');
($again) = sql("SELECT schemamig.enqueue('0006')");
is(wait_for_job_status($node, $again, 'done', 'failed'), 'done', 'queued again once the lock is gone, it goes on to done')
  or diag(job_field($node, $again, 'error'));
is(sql('SELECT count(*) FILTER (WHERE n = 1) FROM locked'), '3000', 'every row changed exactly once');

done_testing();
