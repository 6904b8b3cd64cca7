# 703_deploy_lock_retry.pl — lock-timeout retries in the client's deploy
# (issue 11 §1): a migration whose statement hits schemamig.lock_timeout
# (55P03) because another session holds its table is retried with the
# pauses of src/lock_retry.h, each attempt logged, and succeeds once the
# holder commits.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCLI;

use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = cli_node('deploy_lock_retry');
sub sql { return $node->safe_psql('postgres', $_[0]); }
# short lock waits, so that a pause (at least fifteen of them) stays short
$node->safe_psql('postgres', "ALTER DATABASE postgres SET schemamig.lock_timeout = '100ms'");

my $dir = folder_of('0001_t.up.sql' => "CREATE TABLE t (id int);\n");
my ($code, $out, $err) = cli('migrate', '--dir', $dir);
is($code, 0, 'the table is created') or diag($err);

write_file("$dir/0002_b.up.sql", "ALTER TABLE t ADD COLUMN b int;\n");
my $holder = $node->background_psql('postgres');
$holder->query_safe('BEGIN; SELECT count(*) FROM t;');

my $log = PostgreSQL::Test::Utils::tempdir() . '/deploy.log';
my ($h, $hout, $herr) = cli_start('migrate', '--dir', $dir, '--log-file', $log);
my $retried = 0;
for (1 .. 600)
{
	$retried = 1, last if -e $log && slurp_file($log) =~ /lock not available, attempt 2/;
	usleep(100_000);
}
ok($retried, 'the deploy retried while the lock was held') or diag($$herr);
$holder->query_safe('COMMIT');
$h->finish;
is(($h->full_results)[0] >> 8, 0, 'the deploy succeeds once the holder commits') or diag($$herr);
like($$herr, qr/migration 0002: lock not available \(attempt 1\); trying again in [\d.]+ s/,
	'each attempt is reported');
my $attempts = () = slurp_file($log) =~ /lock not available, attempt \d+/g;
diag("attempts logged: $attempts");
ok($attempts >= 2, 'and logged');
is(sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'b'"),
	'1', 'the migration is applied');
is(sql("SELECT count(*) FROM schemamig.applied"), '2', 'with its history row');

$holder->quit;
$node->stop;
done_testing();
