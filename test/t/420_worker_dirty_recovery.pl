# 420_worker_dirty_recovery.pl — a migration interrupted part-way stays
# dirty with how far it got, and is recovered: after kill -9 of the worker,
# and after a server crash (immediate stop) and restart.  With
# schemamig.auto_recover off it stays dirty and migrate() says which
# migration, how far it got and the two ways out; turned on, the next
# worker pass runs the down script (dropping what the migration built).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;

use PostgreSQL::Test::Utils;
use Test::More;

# kill -9 of a backend makes the postmaster restart every process
my $node = worker_node('worker_dirty', conf => "schemamig.auto_recover = off\nrestart_after_crash = on\n");
my $worker = wait_for_worker($node);

$node->safe_psql('postgres',
	'CREATE TABLE items (id int PRIMARY KEY, v int, w int); '
	  . 'INSERT INTO items SELECT g, g % 97, g % 13 FROM generate_series(1, 5000) g');

sub sql { return $node->safe_psql('postgres', $_[0]); }

# statement 1 builds an index at top level and commits; statement 2 (a
# transactional stretch) is where the migration is interrupted
sub queue_interruptible
{
	my ($version, $index, $column) = @_;
	my $job = queue_job($node, $version,
		"CREATE INDEX CONCURRENTLY $index ON items ($column);\nSELECT pg_sleep(600);",
		"DROP INDEX CONCURRENTLY IF EXISTS $index;");
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'schemamig worker' AND query LIKE '%pg_sleep(600)%'")
	  or die "the worker did not reach statement 2 of migration $version";
	return $job;
}

sub check_dirty_after_interruption
{
	my ($version, $job, $index, $how) = @_;
	is(sql("SELECT format('%s,%s', dirty, dirty_statement) FROM schemamig.applied WHERE version = '$version'"),
		't,1', "$how: migration $version is dirty at statement 1");
	is(sql("SELECT state FROM schemamig.status() WHERE version = '$version'"), 'dirty', "$how: status() says dirty");
	is(wait_for_job_status($node, $job, 'failed'), 'failed', "$how: the next worker marks the interrupted job failed");
	like(job_field($node, $job, 'error'), qr/^interrupted: /, "$how: the job's error says it was interrupted");
	is(sql("SELECT count(*) FROM schemamig.events WHERE version = '$version' AND event = 'failed' AND message LIKE 'job $job was interrupted%'"),
		'1', "$how: an event says the job was interrupted");
	is(sql("SELECT indisvalid FROM pg_index WHERE indexrelid = '$index'::regclass"), 't',
		"$how: statement 1 (the index) was done");

	my ($ret, $stdout, $stderr) = $node->psql('postgres', 'SELECT * FROM schemamig.migrate()');
	isnt($ret, 0, "$how: migrate() with auto_recover off refuses to go on");
	like($stderr, qr/ERROR:  migration "$version" is dirty/, "$how: the error names the migration");
	like($stderr, qr/DETAIL:  It stopped part-way, at statement 1\./, "$how: the detail says how far it got");
	like($stderr, qr/HINT:  .*schemamig\.recover\('$version'\).*schemamig\.repair\('$version'\)/s,
		"$how: the hint gives both ways out");
}

sub recover_with_auto_recover
{
	my ($version, $index, $how) = @_;
	sql('ALTER SYSTEM SET schemamig.auto_recover = on');
	$node->reload;
	$node->poll_query_until('postgres', "SELECT NOT EXISTS (SELECT FROM schemamig.applied WHERE version = '$version')")
	  or die "migration $version was not recovered";
	is(sql("SELECT state FROM schemamig.status() WHERE version = '$version'"), 'pending',
		"$how: the worker recovered it: pending again");
	is(sql("SELECT to_regclass('$index') IS NULL"), 't', "$how: the down script dropped the index");
	is(sql("SELECT count(*) FROM schemamig.events WHERE version = '$version' AND event = 'recovered'"),
		'1', "$how: an event says recovered");
	sql('ALTER SYSTEM SET schemamig.auto_recover = off');
	$node->reload;
}

# ---- kill -9 of the worker ----

my $job = queue_interruptible('1', 'items_v_idx', 'v');
$worker = worker_pid($node);
kill 'KILL', $worker;
# the postmaster restarts every process after a backend dies by a signal
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'schemamig worker' AND pid <> $worker")
  or die 'no worker after kill -9';
check_dirty_after_interruption('1', $job, 'items_v_idx', 'kill -9');
recover_with_auto_recover('1', 'items_v_idx', 'kill -9');

# ---- immediate stop of the server ----

$job = queue_interruptible('2', 'items_w_idx', 'w');
$node->stop('immediate');
$node->start;
wait_for_worker($node);
check_dirty_after_interruption('2', $job, 'items_w_idx', 'crash');
recover_with_auto_recover('2', 'items_w_idx', 'crash');

# the recovered migrations can be applied again, by migrate() through the worker
my ($ret, $stdout, $stderr) = $node->psql('postgres', 'SELECT version, result FROM schemamig.migrate()');
is($stdout, '1|queued', 'migrate() queues the first non-transactional migration and stops');

$node->stop;
done_testing();
