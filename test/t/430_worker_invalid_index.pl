# 430_worker_invalid_index.pl — a CREATE INDEX CONCURRENTLY that fails
# (a unique index over duplicate values) leaves an INVALID index behind;
# the worker drops it (DROP INDEX CONCURRENTLY), fails the job with the
# statement's SQLSTATE, and says so in the events.  Named and unnamed
# indexes; an INVALID index of the same table that the migration did not
# name is left alone.
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

$node->stop;
done_testing();
