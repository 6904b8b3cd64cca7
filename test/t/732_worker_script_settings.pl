# 732_worker_script_settings.pl — a worker job honours its script's own
# settings as apply() does: a SET, SET LOCAL or RESET holds for the
# statements after it, across the worker's commits (a transactional
# stretch, then a statement at top level); SET lock_timeout is the timeout
# in force for CREATE INDEX CONCURRENTLY, and the one the lock-retry pauses
# are computed from; after the job the worker's settings are its own again;
# lint() judges a script with the settings it makes.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;

use PostgreSQL::Test::Utils;
use Test::More;

# a short schemamig.lock_timeout, so that a build that waits longer than it
# proves the script's own lock_timeout was in force
my $node = worker_node('worker_script_settings', conf => "schemamig.lock_timeout = '1s'\n");
wait_for_worker($node);

sub sql { return $node->safe_psql('postgres', $_[0]); }

sub lock_retries
{
	my ($version) = @_;
	return sql("SELECT count(*) FROM schemamig.events WHERE version = '$version' AND event = 'lock_retry'");
}

sql(q{CREATE SCHEMA s1;
	CREATE TABLE s1.only_here (c int, d int);
	CREATE TABLE s1.twin (c int);
	CREATE TABLE public.twin (c int);
	CREATE TABLE busy (id int PRIMARY KEY, v int);
	INSERT INTO busy SELECT g, g FROM generate_series(1, 100) g});

# ---- SET search_path, then a statement at top level ----

my $job = queue_job($node, '1', "SET search_path = s1;\nCREATE INDEX CONCURRENTLY only_here_c ON only_here (c);",
	'DROP INDEX CONCURRENTLY IF EXISTS s1.only_here_c;');
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'SET search_path: the build finds its table')
  or diag(job_field($node, $job, 'error'));
is(sql("SELECT to_regclass('s1.only_here_c') IS NOT NULL"), 't', 'SET search_path: the index is in s1');

# ---- SET LOCAL holds to the end of the script, as in apply() ----

$job = queue_job($node, '2', "SET LOCAL search_path = s1;\nCREATE INDEX CONCURRENTLY only_here_d ON only_here (d);",
	'DROP INDEX CONCURRENTLY IF EXISTS s1.only_here_d;');
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'SET LOCAL search_path: the build finds its table')
  or diag(job_field($node, $job, 'error'));

# ---- after a job, the worker's settings are its own again ----

# (right after migration 2, whose SET LOCAL search_path = s1 the worker set
# for its session to run the build)
$job = queue_job($node, '3', 'CREATE INDEX CONCURRENTLY twin_c ON twin (c);', 'DROP INDEX CONCURRENTLY IF EXISTS twin_c;');
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'a job without SET after a job with SET LOCAL search_path');
is(sql("SELECT to_regclass('public.twin_c') IS NOT NULL AND to_regclass('s1.twin_c') IS NULL"), 't',
	'its index is in public: the earlier job\'s search_path did not outlive it');

# ---- RESET undoes a SET for the statements after it ----

$job = queue_job($node, '4',
	"SET search_path = s1;\nRESET search_path;\nCREATE INDEX CONCURRENTLY only_here_cd ON only_here (c, d);",
	'DROP INDEX CONCURRENTLY IF EXISTS only_here_cd;');
is(wait_for_job_status($node, $job, 'done', 'failed'), 'failed', 'RESET search_path: the build no longer sees s1');
like(job_field($node, $job, 'error'), qr/relation "only_here" does not exist/, 'RESET: as apply() would, it fails on the name');

# ---- SET lock_timeout is the timeout in force for the build ----

# a writer in busy: CREATE INDEX CONCURRENTLY waits for it to finish
my $writer = $node->background_psql('postgres');
$writer->query_safe('BEGIN; INSERT INTO busy VALUES (1001, 1);');
$job = queue_job($node, '5', "SET lock_timeout = '60s';\nCREATE INDEX CONCURRENTLY busy_v ON busy (v);",
	'DROP INDEX CONCURRENTLY IF EXISTS busy_v;');
# wait, polling, until the build has waited three times schemamig.lock_timeout
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'schemamig worker' "
	  . "AND wait_event_type = 'Lock' AND query LIKE '%busy_v%' AND clock_timestamp() - query_start > '3s'")
  or die 'the build does not wait for the writer';
is(lock_retries('5'), '0', 'SET lock_timeout = 60s: the build still waits, past schemamig.lock_timeout (1s)');
$writer->query_safe('COMMIT');
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'and it is done once the writer committed')
  or diag(job_field($node, $job, 'error'));
is(lock_retries('5'), '0', 'without a single lock_retry');

# ---- the lock-retry pauses come from the script's lock_timeout ----

$writer->query_safe('BEGIN; INSERT INTO busy VALUES (1002, 1);');
$job = queue_job($node, '6', "SET lock_timeout = '300ms';\nCREATE INDEX CONCURRENTLY busy_id_v ON busy (id, v);",
	'DROP INDEX CONCURRENTLY IF EXISTS busy_id_v;');
$node->poll_query_until('postgres', "SELECT count(*) >= 1 FROM schemamig.events WHERE version = '6' AND event = 'lock_retry'")
  or die 'no lock_retry event for migration 6';
is(sql("SELECT format('%s %s', detail->>'lock_timeout_ms', (detail->>'pause_ms')::int >= 15 * 300) "
	  . "FROM schemamig.events WHERE version = '6' AND event = 'lock_retry' ORDER BY id LIMIT 1"),
	'300 t', 'SET lock_timeout = 300ms: the attempt gave up after the script\'s 300ms (not schemamig.lock_timeout, 1s), and the pause is at least fifteen of them');
$writer->query_safe('COMMIT');
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'the build is done once the writer committed')
  or diag(job_field($node, $job, 'error'));

# the next job's lock waits are bounded by schemamig.lock_timeout again
$writer->query_safe('BEGIN; INSERT INTO busy VALUES (1003, 1);');
$job = queue_job($node, '7', 'CREATE INDEX CONCURRENTLY busy_v_id ON busy (v, id);',
	'DROP INDEX CONCURRENTLY IF EXISTS busy_v_id;');
$node->poll_query_until('postgres', "SELECT count(*) >= 1 FROM schemamig.events WHERE version = '7' AND event = 'lock_retry'")
  or die 'no lock_retry event for migration 7';
is(sql("SELECT detail->>'lock_timeout_ms' FROM schemamig.events WHERE version = '7' AND event = 'lock_retry' ORDER BY id LIMIT 1"),
	'1000', 'the next job waits under schemamig.lock_timeout: the earlier job\'s SET lock_timeout is not carried into it');
$writer->query_safe('COMMIT');
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'and it is done once the writer committed');
$writer->quit;

# ---- lint() judges the statements with the settings the script makes ----

# widening a varchar is safe only for a table known to have that column
sql('CREATE TABLE s1.names (name varchar(10))');
is(sql(q{SELECT count(*) FROM schemamig.lint('ALTER TABLE names ALTER COLUMN name TYPE varchar(20)')}),
	'1', 'lint(): without SET search_path, names is unknown and the type change is flagged');
is(sql(q{SELECT count(*) FROM schemamig.lint('SET search_path = s1; ALTER TABLE names ALTER COLUMN name TYPE varchar(20)')}),
	'0', 'lint(): after SET search_path, names resolves in s1, where widening the varchar is safe');
is(sql(q{SELECT string_agg(rule, ',') FROM schemamig.lint('SET lock_timeout = 0; ALTER TABLE s1.only_here ADD COLUMN e int')}),
	'require-lock-timeout', 'lint(): after SET lock_timeout = 0, the ALTER needs a lock timeout');
is(sql(q{SELECT string_agg(rule, ',') FROM schemamig.lint('SET lock_timeout = ''5s''; RESET lock_timeout; ALTER TABLE s1.only_here ADD COLUMN e int')}),
	'require-lock-timeout', 'lint(): RESET lock_timeout gives back the server default (0), as in apply()');

$node->stop;
done_testing();
