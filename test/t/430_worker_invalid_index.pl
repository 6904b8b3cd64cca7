# 430_worker_invalid_index.pl — a CREATE INDEX CONCURRENTLY that fails
# (a unique index over duplicate values) leaves an INVALID index behind;
# the worker drops it (DROP INDEX CONCURRENTLY), fails the job with the
# statement's SQLSTATE, and says so in the events.  Named and unnamed
# indexes; an INVALID index of the same table that the migration did not
# name is left alone.  A lone build interrupted by the worker's end, in a
# migration with no down script, is cleaned up the same way by the next
# worker's automatic recovery: pending again, not dirty.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;

use PostgreSQL::Test::Utils;
use Test::More;

my $node = worker_node('worker_invalid_index', conf => "schemamig.auto_recover = off\n");
wait_for_worker($node);

sub sql { return $node->safe_psql('postgres', $_[0]); }

sql('CREATE TABLE dups (id int PRIMARY KEY, v int); INSERT INTO dups SELECT g, g % 10 FROM generate_series(1, 1000) g');

# ---- a named index ----

my $job = queue_job($node, '1', 'CREATE UNIQUE INDEX CONCURRENTLY dups_v_key ON dups (v);',
	'DROP INDEX CONCURRENTLY IF EXISTS dups_v_key;');
my ($ret, $stdout, $stderr) =
  $node->psql('postgres', "\\set VERBOSITY verbose\nCALL schemamig.wait($job, '5 min')");
isnt($ret, 0, 'wait() fails for the failed job');
like($stderr, qr/ERROR:  23505: job $job failed: statement 1 \(line 1\): could not create unique index "dups_v_key"/,
	"wait() raises the job's SQLSTATE and error");
is(job_field($node, $job, 'status'), 'failed', 'the job failed');
is(job_field($node, $job, 'sqlstate'), '23505', 'the job keeps the SQLSTATE 23505');
is(sql("SELECT count(*) FROM pg_index WHERE NOT indisvalid"), '0', 'no INVALID index is left');
is(sql("SELECT to_regclass('dups_v_key') IS NULL"), 't', 'the index is gone');
is(sql("SELECT count(*) FROM schemamig.events WHERE version = '1' AND event = 'invalid_index_dropped' AND message LIKE '%public.dups_v_key%'"),
	'1', 'an invalid_index_dropped event names the index');
is(sql("SELECT sqlstate || ' ' || (detail->>'job') || ' ' || (detail->>'statement') FROM schemamig.events WHERE version = '1' AND event = 'failed'"),
	"23505 $job 1", 'a failed event has the SQLSTATE, the job and the statement');
# since 0.2.0 (issue 11): the build was the first statement and its INVALID
# index is gone, so nothing took effect and there is nothing to recover
# (it used to be left dirty)
is(sql("SELECT state FROM schemamig.status() WHERE version = '1'"), 'pending', 'the migration is pending again, not dirty');

# ---- an unnamed index; another INVALID index of the table is not ours ----

# an INVALID index that no migration made: a unique index whose build failed
# outside schemamig
($ret, $stdout, $stderr) = $node->psql('postgres', 'CREATE UNIQUE INDEX CONCURRENTLY dups_other ON dups ((v + 1))');
isnt($ret, 0, 'setup: a CIC outside schemamig fails');
is(sql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'dups_other'::regclass"), 'f',
	'setup: and leaves its INVALID index');

$job = queue_job($node, '2', 'CREATE UNIQUE INDEX CONCURRENTLY ON dups (v);', 'SELECT 1;');
is(wait_for_job_status($node, $job, 'done', 'failed'), 'failed', 'the job of the unnamed index failed');
is(job_field($node, $job, 'sqlstate'), '23505', 'with SQLSTATE 23505');
is(sql("SELECT to_regclass('dups_v_idx') IS NULL"), 't', 'the unnamed INVALID index is gone');
is(sql("SELECT string_agg(indexrelid::regclass::text, ',') FROM pg_index WHERE NOT indisvalid"),
	'dups_other', 'the INVALID index the migration did not make is still there');

# ---- an interrupted lone build of a migration without a down script ----
# the worker is terminated while its CREATE INDEX CONCURRENTLY waits (the
# INVALID index exists); the next worker, recovering automatically, drops
# that INVALID index (only the one the migration names) and puts the
# migration back to pending instead of leaving it dirty for a person
sql(q{ALTER SYSTEM SET schemamig.auto_recover = on; ALTER SYSTEM SET schemamig.lock_timeout = '10min'; SELECT pg_reload_conf()});
sql('CREATE TABLE big (id int PRIMARY KEY, v int); INSERT INTO big SELECT g, g FROM generate_series(1, 1000) g');
# a writer in an open transaction: the build waits for it once its INVALID index exists
my $writer = $node->background_psql('postgres');
$writer->query_safe('BEGIN; INSERT INTO big VALUES (0, 0)');
$job = queue_job($node, '3', 'CREATE INDEX CONCURRENTLY big_v ON big (v);', undef);
$node->poll_query_until('postgres',
	"SELECT EXISTS (SELECT FROM pg_index WHERE indexrelid = to_regclass('big_v') AND NOT indisvalid) "
	  . "AND EXISTS (SELECT FROM pg_stat_activity WHERE backend_type = 'schemamig worker' AND wait_event_type = 'Lock')")
  or die 'the build did not start waiting';
my $pid = worker_pid($node);
sql("SELECT pg_terminate_backend($pid)");
$writer->query_safe('COMMIT');
$writer->quit;
is(wait_for_job_status($node, $job, 'failed'), 'failed', 'the interrupted job is marked failed');
$node->poll_query_until('postgres', "SELECT state <> 'dirty' FROM schemamig.status() WHERE version = '3'")
  or diag('still dirty: ' . sql("SELECT string_agg(event || ': ' || message, E'\n' ORDER BY id) FROM schemamig.events WHERE version = '3'"));
is(sql("SELECT state FROM schemamig.status() WHERE version = '3'"), 'pending',
	'the interrupted lone build of a migration without a down script is pending again, not dirty');
is(sql("SELECT to_regclass('big_v') IS NULL"), 't', 'its INVALID index is gone');
is(sql("SELECT string_agg(indexrelid::regclass::text, ',') FROM pg_index WHERE NOT indisvalid"),
	'dups_other', 'the INVALID index the migration did not make is still there');
is(sql("SELECT count(*) FROM schemamig.events WHERE version = '3' AND event = 'invalid_index_dropped' AND message LIKE '%public.big_v%'"),
	'1', 'an invalid_index_dropped event names the index');
$job = sql("SELECT schemamig.enqueue('3')");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'queued again, the build succeeds');
is(sql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_v'::regclass"), 't', 'and the index is valid');

$node->stop;
done_testing();
