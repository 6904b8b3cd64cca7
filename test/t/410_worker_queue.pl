# 410_worker_queue.pl — a CREATE INDEX CONCURRENTLY migration handed to the
# worker by apply() is applied, the index is valid, and CALL wait() returns;
# wait() holds no snapshot while it waits, so it cannot block the build:
# the session starts waiting before the build begins, and the build (which
# waits for every older snapshot) finishes while it waits.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;

use PostgreSQL::Test::Utils;
use Test::More;

# the gate below waits on an advisory lock: no lock_timeout for it
my $node = worker_node('worker_queue', conf => "schemamig.lock_timeout = 0\n");
my $worker = wait_for_worker($node);
like($worker, qr/^\d+$/, 'the launcher started the worker of database postgres');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'schemamig launcher'"),
	'1', 'the launcher shows in pg_stat_activity with its own backend_type');

$node->safe_psql('postgres',
	'CREATE TABLE items (id int PRIMARY KEY, v int); INSERT INTO items SELECT g, g % 97 FROM generate_series(1, 5000) g');

# the first stretch waits at a gate the test holds, so the waiting session
# is in wait() before the index build starts
my $gate = $node->background_psql('postgres');
$gate->query_safe('SELECT pg_advisory_lock(4100)');

my $job = queue_job($node, '1',
	"SELECT pg_advisory_xact_lock(4100);\nCREATE INDEX CONCURRENTLY items_v_idx ON items (v);",
	'DROP INDEX CONCURRENTLY IF EXISTS items_v_idx;');
is(job_field($node, $job, 'requested_by'), 'postgres', 'the job records who queued it');

$node->poll_query_until('postgres',
	"SELECT wait_event_type = 'Lock' AND query LIKE '%pg_advisory_xact_lock(4100)%' FROM pg_stat_activity WHERE pid = $worker")
  or die 'the worker did not reach the gate';
is(job_field($node, $job, 'status'), 'running', 'the worker took the job');
is($node->safe_psql('postgres', "SELECT dirty FROM schemamig.applied WHERE version = '1'"),
	't', 'the migration is recorded dirty while it runs');

# a transaction block is refused
my ($ret, $stdout, $stderr) = $node->psql('postgres', "BEGIN; CALL schemamig.wait($job, '1 min'); COMMIT;");
like($stderr, qr/schemamig.wait\(\) cannot run inside a transaction block/, 'wait() refuses a transaction block');

my $waiter = $node->background_psql('postgres', on_error_stop => 0);
my $waiter_pid = $waiter->query_safe('SELECT pg_backend_pid()');
$waiter->query_until(qr/waiting/, "\\echo waiting\nCALL schemamig.wait($job, '10 min');\n\\echo waited\n");

ok($node->poll_query_until('postgres',
		"SELECT state = 'active' AND query LIKE 'CALL schemamig.wait%' AND wait_event = 'Extension' "
		  . "AND backend_xmin IS NULL AND backend_xid IS NULL FROM pg_stat_activity WHERE pid = $waiter_pid"),
	'the waiting session holds no snapshot and no transaction id while it waits');

# open the gate: the build waits for older snapshots, and must not wait for us
$gate->query_safe('SELECT pg_advisory_unlock(4100)');
$waiter->query_until(qr/waited/, '');
pass('CALL wait() returned once the job was done');
is(job_field($node, $job, 'status'), 'done', 'the job is done');
is(job_field($node, $job, 'started_at IS NOT NULL AND finished_at >= started_at'), 't',
	'the job has its start and finish times');
is($node->safe_psql('postgres', "SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_v_idx'::regclass"),
	't', 'the index is valid');
is($node->safe_psql('postgres', "SELECT state FROM schemamig.status() WHERE version = '1'"),
	'applied', 'status() says applied');
is($node->safe_psql('postgres', "SELECT dirty FROM schemamig.applied WHERE version = '1'"),
	'f', 'the migration is clean');
is($node->safe_psql('postgres',
		"SELECT string_agg(event, ',' ORDER BY id) FROM schemamig.events WHERE version = '1' AND event IN ('queued', 'applied')"),
	'queued,applied', 'the events say queued, then applied');

# a finished job: wait() returns at once; an unknown one is an error
($ret, $stdout, $stderr) = $node->psql('postgres', "CALL schemamig.wait($job, '1 min')");
is($ret, 0, 'wait() for a done job returns');
like($stderr, qr/job $job is done/, 'and says so');
($ret, $stdout, $stderr) = $node->psql('postgres', "CALL schemamig.wait(999999, '1 min')");
like($stderr, qr/job 999999 does not exist/, 'wait() for an unknown job is an error');

# apply() again: already applied
is($node->safe_psql('postgres',
		q{SELECT schemamig.apply('1', E'SELECT pg_advisory_xact_lock(4100);\nCREATE INDEX CONCURRENTLY items_v_idx ON items (v);', 'DROP INDEX CONCURRENTLY IF EXISTS items_v_idx;')}),
	'skipped', 'apply() of the applied migration skips it');

# the timeout of wait(): the job goes on
$gate->query_safe('SELECT pg_advisory_lock(4100)');
my $job2 = queue_job($node, '2',
	"SELECT pg_advisory_xact_lock(4100);\nCREATE INDEX CONCURRENTLY items_id_v_idx ON items (id, v);",
	'DROP INDEX CONCURRENTLY IF EXISTS items_id_v_idx;');
($ret, $stdout, $stderr) = $node->psql('postgres', "CALL schemamig.wait($job2, '200 ms')");
like($stderr, qr/ERROR:  job $job2 is still (queued|running) after the timeout/, 'wait() gives up after its timeout');
$gate->query_safe('SELECT pg_advisory_unlock(4100)');
is(wait_for_job_status($node, $job2, 'done', 'failed'), 'done', 'the job went on and is done');

$gate->quit;
$waiter->quit;
$node->stop;
done_testing();
