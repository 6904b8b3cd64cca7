# 702_deploy_concurrent.pl — deploys while the worker builds (issue 10,
# observation 2): eight deploys of one folder, started while the worker's
# CREATE INDEX CONCURRENTLY of that folder waits for an old snapshot, wait
# for it (schemamig.lock_wait_timeout) instead of failing with SM006, and
# all exit 0 once it is done, each migration applied once.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;
use SchemamigCLI;

use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = worker_node('deploy_concurrent', conf => "schemamig.lock_wait_timeout = '3min'\n");
wait_for_worker($node);
cli_use_node($node);
sub sql { return $node->safe_psql('postgres', $_[0]); }

my $dir = folder_of(
	'0001_t.up.sql'   => "CREATE TABLE t (a int);\nINSERT INTO t SELECT g FROM generate_series(1, 1000) g;\n",
	'0002_t_a.up.sql' => "CREATE INDEX CONCURRENTLY t_a ON t (a);\n",
	'0003_u.up.sql'   => "CREATE TABLE u (id int);\n");
my $log = PostgreSQL::Test::Utils::tempdir();

# an old snapshot: the CONCURRENTLY build waits for it
my $blocker = $node->background_psql('postgres');
$blocker->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM pg_class;');

my ($first, $first_out, $first_err) = cli_start('migrate', '--dir', $dir, '--log-file', "$log/first.log");
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM schemamig.jobs WHERE version = '0002' AND status = 'running'")
  or die 'the worker did not start the index build';

my @deploys;
for my $i (1 .. 8)
{
	my ($h, $out, $err) = cli_start('migrate', '--dir', $dir, '--log-file', "$log/deploy$i.log");
	push @deploys, [ $h, $out, $err, "$log/deploy$i.log" ];
}
# every deploy found the worker busy and is waiting for it
for my $d (@deploys)
{
	my $waited = 0;
	for (1 .. 600)
	{
		$waited = 1, last
		  if -e $d->[3] && slurp_file($d->[3]) =~ /waiting for the schemamig worker/;
		usleep(100_000);
	}
	ok($waited, "deploy $d->[3] waits for the worker") or diag(${ $d->[2] });
}
is(sql("SELECT status FROM schemamig.jobs WHERE version = '0002'"), 'running', 'the build is still running');

$blocker->query_safe('COMMIT');
$first->finish;
is(($first->full_results)[0] >> 8, 0, 'the deploy that queued the build exits 0') or diag($$first_err);
for my $d (@deploys)
{
	$d->[0]->finish;
	is(($d->[0]->full_results)[0] >> 8, 0, "the deploy of $d->[3] exits 0 once the build is done") or diag(${ $d->[2] });
}
is(sql("SELECT string_agg(version || ':' || n, ',' ORDER BY version) FROM "
	  . "(SELECT version, count(*) AS n FROM schemamig.events WHERE event = 'applied' GROUP BY version) e"),
	'0001:1,0002:1,0003:1', 'each migration was applied once');
is(sql('SELECT count(*) FROM schemamig.applied WHERE NOT dirty'), '3', 'all three are applied');

$blocker->quit;
$node->stop;
done_testing();
