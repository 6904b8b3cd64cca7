# 705_deploy_rollback.pl — rollback symmetric with migrate (issue 10,
# observation 5): a down script that cannot run in a transaction block
# (DROP INDEX CONCURRENTLY) goes to the worker and is waited for, and
# rollback takes --dir, --db and --json like every command.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;
use SchemamigCLI;

use PostgreSQL::Test::Utils;
use Test::More;

my $node = worker_node('deploy_rollback');
wait_for_worker($node);
cli_use_node($node);
sub sql { return $node->safe_psql('postgres', $_[0]); }

my $dir = folder_of(
	'0001_t.up.sql'     => "CREATE TABLE t (a int);\n",
	'0001_t.down.sql'   => "DROP TABLE t;\n",
	'0002_t_a.up.sql'   => "CREATE INDEX CONCURRENTLY t_a ON t (a);\n",
	'0002_t_a.down.sql' => "DROP INDEX CONCURRENTLY IF EXISTS t_a;\n",
	'0003_u.up.sql'     => "CREATE TABLE u (id int);\n",
	'0003_u.down.sql'   => "DROP TABLE u;\n");
my ($code, $out, $err) = cli('migrate', '--dir', $dir);
is($code, 0, 'migrate exits 0') or diag($err);

my $doc;
($code, $doc, $err) = cli_json('rollback', '--steps', '2', '--dir', $dir, '--db', 'dbname=postgres');
is($code, 0, 'rollback over a DROP INDEX CONCURRENTLY down script exits 0') or diag($err);
is_deeply([ map { "$_->{version}:$_->{result}" } @{ $doc->{migrations} } ],
	[ '0003:rolled_back', '0002:rolled_back' ], 'newest first, both rolled back');
is($doc->{migrations}[1]{description}, 't_a', '--dir gives the descriptions');
like($err, qr/migration 0002 \(down\) runs in the schemamig worker as job \d+; waiting for it/,
	'the worker job is waited for');
is(sql("SELECT to_regclass('t_a') IS NULL AND to_regclass('u') IS NULL AND to_regclass('t') IS NOT NULL"),
	't', 'the index and u are gone, t stays');
is(sql("SELECT string_agg(version, ',') FROM schemamig.applied"), '0001', 'only 0001 is applied');

$node->stop;
done_testing();
