# 480_worker_start_worker.pl — without shared_preload_libraries there is no
# launcher: enqueue() warns that no worker runs (the job stays queued), and
# schemamig.start_worker() starts the database's worker, which then does
# the queued job and the next ones.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;

use PostgreSQL::Test::Utils;
use Test::More;

my $node = worker_node('worker_dynamic', preload => 0);

sub sql { return $node->safe_psql('postgres', $_[0]); }

is(sql('SHOW shared_preload_libraries'), '', 'schemamig is not preloaded');
is(sql("SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'schemamig%'"), '0',
	'no launcher and no worker');

sql('CREATE TABLE items (id int PRIMARY KEY, v int); INSERT INTO items SELECT g, g % 7 FROM generate_series(1, 1000) g');
sql(q{SELECT schemamig.register('1', 'CREATE INDEX CONCURRENTLY items_v_idx ON items (v);', 'DROP INDEX CONCURRENTLY IF EXISTS items_v_idx;')});

my ($ret, $stdout, $stderr) = $node->psql('postgres', q{SELECT schemamig.enqueue('1')});
is($ret, 0, 'enqueue() without a worker succeeds');
my $job = $stdout;
like($stderr, qr/WARNING:  no schemamig worker is running in database "postgres"/, 'and warns that no worker runs');
like($stderr, qr/HINT:  .*shared_preload_libraries.*SELECT schemamig\.start_worker\(\)/, 'the hint gives both ways to start one');
is(job_field($node, $job, 'status'), 'queued', 'the job is queued');

# the lookup of an open job needs a snapshot that sees other sessions' jobs
($ret, $stdout, $stderr) = $node->psql('postgres',
	"\\set VERBOSITY verbose\nBEGIN ISOLATION LEVEL REPEATABLE READ;\nSELECT schemamig.enqueue('1');");
like($stderr, qr/ERROR:  0A000: schemamig jobs must be queued at the READ COMMITTED isolation level/,
	'enqueue() refuses REPEATABLE READ');
is(sql('SELECT count(*) FROM schemamig.jobs'), '1', 'nothing more was queued');

is(sql('SELECT schemamig.start_worker()'), 't', 'start_worker() starts a worker');
my $worker = wait_for_worker($node);
is(sql("SELECT backend_type || ' / ' || datname FROM pg_stat_activity WHERE pid = $worker"),
	'schemamig worker / postgres', 'the worker shows in pg_stat_activity for this database');
is(sql('SELECT schemamig.start_worker()'), 'f', 'a second start_worker() says one runs already');

is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'the worker did the job queued before it started');
is(sql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_v_idx'::regclass"), 't', 'the index is valid');

# the next one: apply() queues it, no warning now, and wait() returns
($ret, $stdout, $stderr) = $node->psql('postgres',
	q{SELECT schemamig.apply('2', 'CREATE INDEX CONCURRENTLY items_id_v_idx ON items (id, v);', 'DROP INDEX CONCURRENTLY IF EXISTS items_id_v_idx;')});
is($stdout, 'queued', 'apply() queues the next migration');
unlike($stderr, qr/WARNING/, 'without a warning now that a worker runs');
my ($job2) = $stderr =~ /queued as job (\d+) /;
($ret, $stdout, $stderr) = $node->psql('postgres', "CALL schemamig.wait($job2, '5 min')");
is($ret, 0, 'wait() returns');
is(job_field($node, $job2, 'status'), 'done', 'the job is done');

# start_worker() is not for PUBLIC
sql('CREATE ROLE nobody LOGIN');
($ret, $stdout, $stderr) = $node->psql('postgres', 'SET ROLE nobody; SELECT schemamig.start_worker()');
like($stderr, qr/permission denied for function start_worker/, 'start_worker() is not executable by PUBLIC');

$node->stop;
done_testing();
