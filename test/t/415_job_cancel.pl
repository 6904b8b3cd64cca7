# 415_job_cancel.pl — schemamig.cancel(job): a queued job is cancelled at
# once and never runs; a running job is asked to stop and the worker ends it
# 'cancelled' before its next stretch, or between two attempts at a stretch
# that lock_timeout keeps failing.  The migration is left as the job left
# it: dirty after a committed stretch, pending again when nothing of it took
# effect.  wait() reports a cancelled job with SQLSTATE 57014; a finished
# job, an unknown job and another role's job cannot be cancelled.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;

use PostgreSQL::Test::Utils;
use Test::More;

# no automatic recovery: the dirty migration a cancel leaves must stay so
my $node = worker_node('job_cancel',
	conf => "schemamig.lock_timeout = '200ms'\n"
	  . "schemamig.lock_wait_timeout = '1h'\nschemamig.auto_recover = off\n");
my $worker = wait_for_worker($node);

sub sql { return $node->safe_psql('postgres', $_[0]); }

# register() takes the migration lock, which the worker holds while it
# runs a job: every migration is registered before the jobs start
sub register
{
	my ($version, $up, $down) = @_;
	$up =~ s/'/''/g;
	$down =~ s/'/''/g;
	sql("SELECT schemamig.register('$version', '$up', '$down')");
}

sub enqueue { return sql("SELECT schemamig.enqueue('$_[0]')"); }

sql('CREATE TABLE busy (id int PRIMARY KEY, v int); INSERT INTO busy SELECT g, g FROM generate_series(1, 1000) g');

# ---- a running job, retrying a stretch that lock_timeout fails ----

my $blocker = $node->background_psql('postgres');
$blocker->query_safe('BEGIN; SELECT count(*) FROM busy;');
register('1', 'ALTER TABLE busy ADD COLUMN c int;', 'ALTER TABLE busy DROP COLUMN c;');
register('2', "SET lock_timeout = 0;\nSELECT pg_advisory_xact_lock(4150);\nCREATE INDEX CONCURRENTLY busy_v_idx ON busy (v);",
	'DROP INDEX CONCURRENTLY IF EXISTS busy_v_idx;');
register('3', 'CREATE INDEX CONCURRENTLY busy_id_v_idx ON busy (id, v);', 'DROP INDEX CONCURRENTLY IF EXISTS busy_id_v_idx;');
register('4', 'CREATE INDEX CONCURRENTLY busy_v4_idx ON busy (v);', 'DROP INDEX CONCURRENTLY IF EXISTS busy_v4_idx;');
my $job = enqueue('1');
$node->poll_query_until('postgres', "SELECT count(*) >= 1 FROM schemamig.events WHERE version = '1' AND event = 'lock_retry'")
  or die 'no lock_retry event';
is(job_field($node, $job, 'status'), 'running', 'the job retries its blocked stretch');
my ($ret, $stdout, $stderr) = $node->psql('postgres', "SELECT schemamig.cancel($job)");
is($stdout, 'running', 'cancel() of a running job returns running');
like($stderr, qr/job $job is running; it stops before its next stretch/, 'and says when it stops');
is(wait_for_job_status($node, $job, 'cancelled', 'done', 'failed'), 'cancelled',
	'the worker ends it cancelled at its next attempt');
is(sql("SELECT count(*) FROM schemamig.applied WHERE version = '1'"), '0',
	'nothing of it took effect: no history row');
is(sql("SELECT state FROM schemamig.status() WHERE version = '1'"), 'pending', 'the migration is pending again');
is(sql("SELECT format('%s %s %s', level, sqlstate, message LIKE 'cancelled with schemamig.cancel() before statement 1 (line 1)%pending again') "
	  . "FROM schemamig.events WHERE version = '1' AND event = 'cancelled'"),
	'warning 57014 t', 'a cancelled event says where it stopped');
$blocker->query_safe('COMMIT');
is(sql("SELECT count(*) FROM pg_attribute WHERE attrelid = 'busy'::regclass AND attname = 'c'"), '0',
	'the column was never added');

($ret, $stdout, $stderr) = $node->psql('postgres', "CALL schemamig.wait($job, '1 min')");
like($stderr, qr/ERROR:  job $job cancelled: cancelled with schemamig.cancel\(\)/, 'wait() reports the cancellation');
($ret, $stdout, $stderr) = $node->psql('postgres', "\\set VERBOSITY verbose\nCALL schemamig.wait($job, '1 min')");
like($stderr, qr/ERROR:  57014:/, 'with SQLSTATE 57014');

# ---- a running job after a committed stretch, and a queued job ----

# the first stretch waits at a gate the test holds (no lock_timeout for it)
my $gate = $node->background_psql('postgres');
$gate->query_safe('SELECT pg_advisory_lock(4150)');
$job = enqueue('2');
$node->poll_query_until('postgres',
	"SELECT wait_event_type = 'Lock' AND query LIKE '%pg_advisory_xact_lock(4150)%' FROM pg_stat_activity WHERE pid = $worker")
  or die 'the worker did not reach the gate';

my $queued = enqueue('3');
is(job_field($node, $queued, 'status'), 'queued', 'a second job waits in the queue');
is(sql("SELECT schemamig.cancel($queued)"), 'cancelled', 'cancel() of a queued job returns cancelled');
is(job_field($node, $queued, "format('%s %s %s', status, sqlstate, finished_at IS NOT NULL AND started_at IS NULL)"),
	'cancelled 57014 t', 'the queued job is cancelled at once and never started');
like(job_field($node, $queued, 'error'), qr/^cancelled by role "postgres" with schemamig\.cancel\(\)$/,
	'its error says who cancelled it');

($ret, $stdout, $stderr) = $node->psql('postgres', "SELECT schemamig.cancel($job)");
is($stdout, 'running', 'cancel() of the job at the gate returns running');
$gate->query_safe('SELECT pg_advisory_unlock(4150)');
is(wait_for_job_status($node, $job, 'cancelled', 'done', 'failed'), 'cancelled',
	'the job ends cancelled before its CREATE INDEX CONCURRENTLY stretch');
is(sql("SELECT format('%s %s', dirty, dirty_statement) FROM schemamig.applied WHERE version = '2'"), 't 2',
	'the migration is left dirty, after its committed stretch');
is(sql("SELECT count(*) FROM pg_class WHERE relname IN ('busy_v_idx', 'busy_id_v_idx')"), '0',
	'neither index was built');
is(sql("SELECT count(*) FROM schemamig.events WHERE version = '3' AND event IN ('applied', 'failed', 'cancelled')"), '0',
	'the cancelled queued job never ran');

# ---- what cannot be cancelled ----

($ret, $stdout, $stderr) = $node->psql('postgres', "\\set VERBOSITY verbose\nSELECT schemamig.cancel($job)");
like($stderr, qr/ERROR:  55000: job $job is already cancelled/, 'a finished job cannot be cancelled');
($ret, $stdout, $stderr) = $node->psql('postgres', 'SELECT schemamig.cancel(999999)');
like($stderr, qr/job 999999 does not exist/, 'an unknown job cannot be cancelled');

sql('CREATE ROLE other LOGIN');
$blocker->query_safe('BEGIN; LOCK TABLE busy IN SHARE MODE;');
my $other_job = sql("SELECT schemamig.enqueue('4')");
($ret, $stdout, $stderr) = $node->psql('postgres', "SELECT schemamig.cancel($other_job)", extra_params => [ '-U', 'other' ]);
like($stderr, qr/permission denied for job $other_job/, "another role's job cannot be cancelled");
like($stderr, qr/A role cancels the jobs it queued; the extension owner cancels any\./, 'the hint says whose jobs a role cancels');
isnt(job_field($node, $other_job, 'status'), 'cancelled', 'the job is not cancelled');
$blocker->query_safe('COMMIT');
is(wait_for_job_status($node, $other_job, 'done', 'failed', 'cancelled'), 'done', 'and runs to its end');
$blocker->quit;
$gate->quit;

done_testing();
