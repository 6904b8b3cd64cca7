# 440_worker_lock_retries.pl — a statement of a worker-run migration that
# another session's lock blocks hits schemamig.lock_timeout, is retried
# after pauses of at least fifteen lock timeouts (an event lock_retry for each
# failed attempt, within schemamig.lock_retry_budget), and succeeds once
# the blocker commits; or, when the blocker stays, the job fails cleanly
# with 55P03 once the budget is spent.  Covers a transactional stretch, and
# a CREATE INDEX CONCURRENTLY blocked after its first commit (waiting for a
# writer), whose INVALID index must not survive a retry.
#
# Until 0.2.0 this test asserted the count-based contract
# (schemamig.lock_retries); it now asserts the time budget that replaced it.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;

use PostgreSQL::Test::Utils;
use Test::More;

# lock_wait_timeout high: a lock wait the worker bounds with it instead of
# schemamig.lock_timeout would not time out within the test
my $node = worker_node('worker_lock_retries',
	conf => "schemamig.lock_timeout = '200ms'\n"
	  . "schemamig.lock_wait_timeout = '1h'\nschemamig.auto_recover = off\n");
wait_for_worker($node);

sub sql { return $node->safe_psql('postgres', $_[0]); }

sub retries
{
	my ($version) = @_;
	return sql("SELECT count(*) FROM schemamig.events WHERE version = '$version' AND event = 'lock_retry'");
}

sql('CREATE TABLE busy (id int PRIMARY KEY, v int); INSERT INTO busy SELECT g, g FROM generate_series(1, 1000) g');
my $blocker = $node->background_psql('postgres');

# ---- a transactional stretch, blocked, then the blocker commits ----

$blocker->query_safe('BEGIN; SELECT count(*) FROM busy;');
my $job = queue_job($node, '1', "ALTER TABLE busy ADD COLUMN a int;\nCREATE INDEX CONCURRENTLY busy_a_idx ON busy (a);",
	"DROP INDEX CONCURRENTLY IF EXISTS busy_a_idx;\nALTER TABLE busy DROP COLUMN IF EXISTS a;");
$node->poll_query_until('postgres', "SELECT count(*) >= 2 FROM schemamig.events WHERE version = '1' AND event = 'lock_retry'")
  or die 'no lock_retry events';
$blocker->query_safe('COMMIT');
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'the job is done once the blocker committed');
my $n = retries('1');
ok($n >= 2, "it was retried ($n failed attempts)");
is(sql("SELECT format('%s %s %s', sqlstate, message LIKE 'statement 1 gave up waiting for a lock after % ms (lock_timeout 200 ms); attempt 1, next in % ms', "
	  . "  (detail->>'pause_ms')::int >= 15 * 200) "
	  . "FROM schemamig.events WHERE version = '1' AND event = 'lock_retry' ORDER BY id LIMIT 1"),
	'55P03 t t', 'the first lock_retry event has the SQLSTATE, says which statement and attempt, and pauses fifteen lock timeouts or more');
is(sql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'busy_a_idx'::regclass"), 't', 'the index is valid');

# ---- CREATE INDEX CONCURRENTLY waiting for a writer after its first commit ----

$blocker->query_safe("BEGIN; INSERT INTO busy (id, v) VALUES (100001, 1);");
$job = queue_job($node, '2', 'CREATE INDEX CONCURRENTLY busy_v_idx ON busy (v);',
	'DROP INDEX CONCURRENTLY IF EXISTS busy_v_idx;');
$node->poll_query_until('postgres', "SELECT count(*) >= 2 FROM schemamig.events WHERE version = '2' AND event = 'lock_retry'")
  or die 'no lock_retry events for the index build';
$blocker->query_safe('COMMIT');
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'the index build is done once the writer committed')
  or diag(job_field($node, $job, 'error'));
is(sql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'busy_v_idx'::regclass"), 't', 'the index is valid');
is(sql("SELECT count(*) FROM pg_index WHERE NOT indisvalid"), '0', 'no INVALID index is left from the attempts');
ok(sql("SELECT count(*) FROM schemamig.events WHERE version = '2' AND event = 'invalid_index_dropped'") >= 1,
	'the INVALID index of a timed-out attempt was dropped before the retry');

# ---- the blocker stays: the job fails cleanly once the budget is spent ----

sql("ALTER SYSTEM SET schemamig.lock_retry_budget = '5s'");
$node->reload;
$node->poll_query_until('postgres', "SELECT setting = '5000' FROM pg_settings WHERE name = 'schemamig.lock_retry_budget'");
$blocker->query_safe('BEGIN; LOCK TABLE busy IN ACCESS SHARE MODE;');
# the worker rereads its configuration when woken by the enqueue
$job = queue_job($node, '3', "ALTER TABLE busy ADD COLUMN b int;\nCREATE INDEX CONCURRENTLY busy_b_idx ON busy (b);",
	"DROP INDEX CONCURRENTLY IF EXISTS busy_b_idx;\nALTER TABLE busy DROP COLUMN IF EXISTS b;");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'failed', 'with the blocker still there, the job fails');
is(job_field($node, $job, 'sqlstate'), '55P03', 'with SQLSTATE 55P03');
like(job_field($node, $job, 'error'), qr/^statement 1 \(line 1\): canceling statement due to lock timeout/,
	'the error says which statement');
is(sql("SELECT bool_and((detail->>'elapsed_ms')::int + (detail->>'pause_ms')::int <= 5000) "
	  . "FROM schemamig.events WHERE version = '3' AND event = 'lock_retry' AND detail->>'pause_ms' IS NOT NULL"),
	't', 'every retry it made started within the budget');
like(sql("SELECT message FROM schemamig.events WHERE version = '3' AND event = 'lock_retry' ORDER BY id DESC LIMIT 1"),
	qr/schemamig\.lock_retry_budget \(5000 ms\) is spent$/, 'the last attempt\'s event says the budget is spent');
$blocker->query_safe('COMMIT');
is(sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'b'"),
	'0', 'nothing of the failed stretch is left');

$blocker->quit;
$node->stop;
done_testing();
