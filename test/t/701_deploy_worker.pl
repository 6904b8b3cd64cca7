# 701_deploy_worker.pl — migrations that cannot run in a transaction block,
# inside a deploy (issue 10, observation 1): schemamig migrate hands each to
# the worker, waits for it with a progress line, then goes on with the later
# migrations in the same command; exit 0 only when all are applied.  Without
# a worker for the database it fails before anything is queued (exit 1, a
# hint naming schemamig.database and start_worker()); --no-wait queues and
# exits 3 with "queued" in the JSON, never "applied"; so does a wait that
# --wait-timeout ends.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;
use SchemamigCLI;

use PostgreSQL::Test::Utils;
use Test::More;

my $node = worker_node('deploy_worker');
wait_for_worker($node);
cli_use_node($node);
sub sql { return $node->safe_psql('postgres', $_[0]); }

# the folder of the report: a CONCURRENTLY index at position 2 of 40
my %files = (
	'0001_t.up.sql' => "CREATE TABLE t (a int);\nINSERT INTO t SELECT g FROM generate_series(1, 1000) g;\n",
	'0002_t_a.up.sql' => "CREATE INDEX CONCURRENTLY t_a ON t (a);\n",
	'0002_t_a.down.sql' => "DROP INDEX CONCURRENTLY IF EXISTS t_a;\n",
	map { (sprintf('%04d_u%d.up.sql', $_, $_) => "CREATE TABLE u$_ (id int);\n") } 3 .. 40);
my $dir = folder_of(%files);

my ($code, $out, $err) = cli('migrate', '--dir', $dir);
is($code, 0, 'a deploy with a worker migration exits 0') or diag($err);
is(sql('SELECT count(*) FROM schemamig.applied WHERE NOT dirty'), '40', 'every migration of the folder is applied');
is(sql("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_a'::regclass"), 't', 'the index is built and valid');
like($err, qr/migration 0002 \(up\) runs in the schemamig worker as job \d+; waiting for it/,
	'a progress line says what it waits for');
like($out, qr/^applied\s+0002\s+t_a/m, 'the worker migration is reported applied once done');
like($out, qr/applied 40 migration\(s\) in [\d.]+ s; queued 0, skipped 0, failed 0, pending 0/,
	'the summary counts 40 applied, nothing queued or pending');
is(sql("SELECT string_agg(version, ',' ORDER BY applied_at, version) FROM "
	  . "(SELECT version, applied_at FROM schemamig.applied WHERE version IN ('0001', '0002', '0003')) a"),
	'0001,0002,0003', 'in version order: 0003 after the worker finished 0002');

# --json: the same truth
write_file("$dir/0041_t_b.up.sql", "CREATE INDEX CONCURRENTLY t_b ON t (a);\n");
write_file("$dir/0042_v.up.sql", "CREATE TABLE v (id int);\n");
my $doc;
($code, $doc, $err) = cli_json('migrate', '--dir', $dir);
is($code, 0, '--json: exits 0') or diag($err);
is_deeply([ map { "$_->{version}:$_->{result}" } @{ $doc->{migrations} } ],
	[ '0041:applied', '0042:applied' ], '--json: a result per migration, the worker one applied');
is_deeply([ @$doc{qw(applied queued pending)} ], [ 2, 0, 0 ], '--json: counts');
is($doc->{outcome}, 'applied', '--json: outcome applied');

# --no-wait: queued, exit 3, never "applied"
write_file("$dir/0043_t_c.up.sql", "CREATE INDEX CONCURRENTLY t_c ON t (a);\n");
write_file("$dir/0044_w.up.sql", "CREATE TABLE w (id int);\n");
($code, $doc, $err) = cli_json('migrate', '--dir', $dir, '--no-wait');
is($code, 3, '--no-wait exits 3 when it queued a migration');
is($doc->{outcome}, 'queued', '--no-wait: outcome queued');
is_deeply([ @$doc{qw(applied queued pending)} ], [ 0, 1, 1 ], '--no-wait: 0 applied, 1 queued, 1 pending');
is_deeply([ map { "$_->{version}:$_->{result}" } @{ $doc->{migrations} } ],
	[ '0043:queued', '0044:pending' ], '--no-wait: per migration');
is($doc->{ok}, JSON::PP::false, '--no-wait: ok is false');
($code, $out, $err) = cli('migrate', '--dir', $dir);
is($code, 0, 'the next deploy waits for the queued job and applies the rest') or diag($err);
is(sql("SELECT count(*) FROM schemamig.applied WHERE version IN ('0043', '0044')"), '2', 'both applied');

# --wait-timeout runs out: the migration is queued (not failed, not
# applied), exit 3; the next deploy waits for it and applies the rest
write_file("$dir/0045_t_d.up.sql", "SELECT pg_sleep(4);\nCREATE INDEX CONCURRENTLY t_d ON t (a);\n");
write_file("$dir/0046_x.up.sql", "CREATE TABLE x (id int);\n");
($code, $doc, $err) = cli_json('migrate', '--dir', $dir, '--wait-timeout', '1s');
is($code, 3, '--wait-timeout ran out: exit 3') or diag($err);
is($doc->{outcome}, 'queued', '--wait-timeout ran out: outcome queued');
is_deeply([ map { "$_->{version}:$_->{result}" } @{ $doc->{migrations} } ],
	[ '0045:queued', '0046:pending' ], '--wait-timeout ran out: queued, the later one pending');
is_deeply([ @$doc{qw(applied queued failed pending)} ], [ 0, 1, 0, 1 ], '--wait-timeout ran out: counts');
like($err, qr/migration 0045: --wait-timeout ran out; job \d+ goes on in the schemamig worker/,
	'--wait-timeout ran out: it says the job goes on');
($code, $out, $err) = cli('migrate', '--dir', $dir);
is($code, 0, 'the next deploy waits for the job and applies the rest') or diag($err);
is(sql("SELECT count(*) FROM schemamig.applied WHERE version IN ('0045', '0046') AND NOT dirty"), '2',
	'both applied after the next deploy');

# no worker for the database: fail before anything is queued
sql('CREATE DATABASE unserved');
$node->safe_psql('unserved', 'CREATE EXTENSION schemamig');
($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', 'dbname=unserved');
is($code, 1, 'no worker for the database: exit 1');
like($err, qr/no schemamig worker serves database "unserved"/, 'it says so');
like($err, qr/schemamig\.database.*SELECT schemamig\.start_worker\(\)/s,
	'the hint names schemamig.database and start_worker()');
is($node->safe_psql('unserved', 'SELECT (SELECT count(*) FROM schemamig.jobs) || \'/\' || (SELECT count(*) FROM schemamig.applied)'),
	'0/0', 'nothing was queued or applied');

$node->stop;
done_testing();
