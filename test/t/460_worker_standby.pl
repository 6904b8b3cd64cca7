# 460_worker_standby.pl — on a streaming standby the worker runs but does
# nothing: queued jobs stay queued and nothing tries to write; once the
# standby is promoted, the same worker drains the queue.  The jobs are
# queued on the primary with schemamig.skip on, so they stay queued there.
# A deploy sent to the standby (apply(), schemamig migrate) is refused at
# once with 25006 and a hint to connect to the primary; migrate() and run()
# with nothing to do answer with nothing, as on the primary.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;
use SchemamigCLI;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = worker_node('worker_primary', init => { allows_streaming => 1 },
	conf => "schemamig.skip = on\n");
wait_for_worker($primary);
$primary->safe_psql('postgres',
	'CREATE TABLE items (id int PRIMARY KEY, v int, w int); '
	  . 'INSERT INTO items SELECT g, g % 97, g % 13 FROM generate_series(1, 1000) g');
my $job1 = queue_job($primary, '1', 'CREATE INDEX CONCURRENTLY items_v_idx ON items (v);',
	'DROP INDEX CONCURRENTLY IF EXISTS items_v_idx;');
my $job2 = queue_job($primary, '2', 'CREATE INDEX CONCURRENTLY items_w_idx ON items (w);',
	'DROP INDEX CONCURRENTLY IF EXISTS items_w_idx;');

$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('worker_standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->append_conf('postgresql.conf', "schemamig.skip = off\n");
$standby->start;
$primary->wait_for_catchup($standby);

is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');
my $worker = wait_for_worker($standby);
like($worker, qr/^\d+$/, 'the standby runs a worker for database postgres');

# the worker goes round its loop on the standby (woken by its naptime)
wait_for_worker_loops($standby, $worker);
is($standby->safe_psql('postgres', 'SELECT string_agg(status, \',\' ORDER BY id) FROM schemamig.jobs'),
	'queued,queued', 'on the standby the jobs stay queued');
is($standby->safe_psql('postgres', "SELECT to_regclass('items_v_idx') IS NULL AND to_regclass('items_w_idx') IS NULL"),
	't', 'no index was built');
is(worker_pid($standby), $worker, 'the worker did not exit or restart');
unlike(slurp_file($standby->logfile), qr/read-only transaction|schemamig worker.*exited/,
	'the worker tried nothing on the standby');

# a deploy sent to the standby is refused at once, with a clear error
my ($ret, $stdout, $stderr) = $standby->psql('postgres', "SELECT schemamig.apply('3', 'CREATE TABLE t3 (id int)')");
isnt($ret, 0, 'apply() on the standby fails');
like($stderr, qr/ERROR:  schemamig cannot migrate a standby server/, 'it says a standby cannot be migrated');
like($stderr, qr/HINT:  Connect to the primary; .*target_session_attrs=read-write/, 'and to connect to the primary');
unlike($stderr, qr/INSERT INTO schemamig/, 'not the read-only error of a catalog write');
# the applied-and-caught-up case: migrate() with nothing to do on the standby is a no-op, as on the primary
$primary->safe_psql('postgres', q{CREATE DATABASE caught_up});
$primary->safe_psql('caught_up', q{CREATE EXTENSION schemamig; SELECT schemamig.apply('1', 'CREATE TABLE c1 (id int)')});
$primary->wait_for_catchup($standby);
is($standby->safe_psql('caught_up', 'SELECT count(*) FROM schemamig.migrate()'), '0',
	'migrate() with nothing to do on the standby answers with nothing');
($ret, $stdout, $stderr) = $standby->psql('caught_up', 'CALL schemamig.run()');
is($ret, 0, 'so does CALL run()') or diag($stderr);
cli_use_node($standby);
my ($code, $out, $err) = cli('migrate', '--dir', folder_of('0003_t3.up.sql' => "CREATE TABLE t3 (id int);\n"));
is($code, 1, 'schemamig migrate against the standby exits 1');
like($err, qr/schemamig cannot migrate a standby server \(SQLSTATE 25006\)/, 'with the same error');

$standby->promote;
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 'f', 'the standby is promoted');
is(wait_for_job_status($standby, $job1, 'done', 'failed'), 'done', 'after promotion the worker runs the first job');
is(wait_for_job_status($standby, $job2, 'done', 'failed'), 'done', 'and the second');
is($standby->safe_psql('postgres',
		"SELECT bool_and(indisvalid) AND count(*) = 2 FROM pg_index WHERE indexrelid IN ('items_v_idx'::regclass, 'items_w_idx'::regclass)"),
	't', 'both indexes are valid');
is($standby->safe_psql('postgres', q{SELECT string_agg(version || '=' || state, ',' ORDER BY version) FROM schemamig.status()}),
	'1=applied,2=applied', 'both migrations are applied');
is(worker_pid($standby), $worker, 'the worker that waited on the standby drained the queue');
is($primary->safe_psql('postgres', 'SELECT string_agg(status, \',\' ORDER BY id) FROM schemamig.jobs'),
	'queued,queued', 'on the primary, with schemamig.skip on, the jobs are still queued');

$standby->stop;
$primary->stop;
done_testing();
