# 490_worker_signals.pl — the worker reloads its configuration on SIGHUP
# (schemamig.skip on: it takes no job; off again: it does), exits cleanly
# on SIGTERM (pg_terminate_backend), idle or in the middle of a job, and
# the launcher starts a new one; the launcher follows schemamig.database
# on reload.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;

use PostgreSQL::Test::Utils;
use Test::More;

my $node = worker_node('worker_signals', conf => "schemamig.auto_recover = off\n");
my $worker = wait_for_worker($node);

sub sql { return $node->safe_psql('postgres', $_[0]); }

my $launcher = sql("SELECT pid FROM pg_stat_activity WHERE backend_type = 'schemamig launcher'");
like($launcher, qr/^\d+$/, 'the launcher runs');
sql('CREATE TABLE items (id int PRIMARY KEY, v int, w int); INSERT INTO items SELECT g, g % 7, g % 5 FROM generate_series(1, 1000) g');

# ---- SIGHUP: schemamig.skip ----

sql('ALTER SYSTEM SET schemamig.skip = on');
$node->reload;
# the reload reached the worker once it went round its loop after it
wait_for_worker_loops($node, $worker);
my $job = queue_job($node, '1', 'CREATE INDEX CONCURRENTLY items_v_idx ON items (v);',
	'DROP INDEX CONCURRENTLY IF EXISTS items_v_idx;');
# woken by the enqueue and by its naptime, it looks at the queue and leaves it
wait_for_worker_loops($node, $worker);
is(job_field($node, $job, 'status'), 'queued', 'with schemamig.skip on, the worker takes no job');
is(worker_pid($node), $worker, 'the same worker, reloaded');

sql('ALTER SYSTEM RESET schemamig.skip');
$node->reload;
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'with schemamig.skip off again, it does the job');

# ---- SIGTERM while idle ----

my $log_offset = -s $node->logfile;
is(sql("SELECT pg_terminate_backend($worker)"), 't', 'pg_terminate_backend() of the idle worker');
my $new = wait_for_new_worker($node, $worker);
isnt($new, $worker, 'the launcher started a new worker');
my $log = slurp_file($node->logfile, $log_offset);
like($log, qr/\[$worker\] FATAL:  terminating background worker "schemamig worker" due to administrator command/,
	'the worker exited on request');
unlike($log, qr/terminated by signal|terminating any other active server processes/, 'no crash, no restart of the server');
is(sql("SELECT pid FROM pg_stat_activity WHERE backend_type = 'schemamig launcher'"), $launcher,
	'the launcher is the same one');
$worker = $new;

# ---- SIGTERM in the middle of a job ----

$job = queue_job($node, '2', "CREATE INDEX CONCURRENTLY items_w_idx ON items (w);\nSELECT pg_sleep(600);",
	'DROP INDEX CONCURRENTLY IF EXISTS items_w_idx;');
$node->poll_query_until('postgres', "SELECT query LIKE '%pg_sleep(600)%' FROM pg_stat_activity WHERE pid = $worker")
  or die 'the worker did not reach the sleep';
is(sql("SELECT pg_terminate_backend($worker)"), 't', 'pg_terminate_backend() of the busy worker');
$new = wait_for_new_worker($node, $worker);
is(wait_for_job_status($node, $job, 'failed'), 'failed', 'the next worker marks the interrupted job failed');
is(sql("SELECT format('%s,%s', dirty, dirty_statement) FROM schemamig.applied WHERE version = '2'"), 't,1',
	'the migration is dirty at the statement it reached');
$worker = $new;

# ---- SIGHUP to the launcher: schemamig.database ----

sql('CREATE DATABASE other');
$node->safe_psql('other', 'CREATE EXTENSION schemamig');
sql("ALTER SYSTEM SET schemamig.database = 'postgres, other'");
$node->reload;
my $other = wait_for_worker($node, 'other');
like($other, qr/^\d+$/, 'a database added to schemamig.database gets its worker');
is(worker_pid($node), $worker, 'the worker of postgres goes on');
sql('ALTER SYSTEM RESET schemamig.database');
$node->reload;
ok($node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $other"),
	'the worker of a database no longer listed stops');

$node->stop;
done_testing();
