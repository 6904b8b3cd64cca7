# 720_deploy_lock_slots.pl — 5,000 migrations, each creating a table, on a
# server with default settings (max_locks_per_transaction = 64).
# SELECT schemamig.migrate() runs them all in one transaction, which holds
# every table's lock until it ends: it runs out of lock slots (53200), and
# the error says how many migrations it had applied and points to
# CALL schemamig.run(); nothing is applied.  CALL schemamig.run() commits
# after each migration and applies all 5,000.  How far migrate() got and
# how long each took are printed (diag).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigReliability;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $count = 5000;

# the test framework lowers max_connections; the lock table is sized from
# it, so put back the server's default
my $node = reliability_node('lock_slots', conf => "max_connections = 100\n");
is($node->safe_psql('postgres', 'SHOW max_locks_per_transaction'), '64',
	'max_locks_per_transaction is the default');

$node->safe_psql('postgres', qq{
SELECT count(schemamig.register(lpad(g::text, 4, '0'), format('CREATE TABLE slot_t%s (id int PRIMARY KEY, v text)', g)))
  FROM generate_series(1, $count) g;
});
is($node->safe_psql('postgres', q{SELECT count(*) FROM schemamig.status() WHERE state = 'pending'}),
	$count, "$count migrations registered");

my $t0 = time;
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"\\set VERBOSITY verbose\nSELECT count(*) FROM schemamig.migrate();");
my $migrate_s = time - $t0;
isnt($ret, 0, 'migrate() of all of them in one transaction fails');
like($stderr, qr/ERROR:  53200: out of shared memory/, 'with out of shared memory (53200)');
my ($reached) = $stderr =~ /had applied (\d+) of $count pending migration\(s\)/;
ok(defined $reached && $reached > 0 && $reached < $count,
	'the detail says how many migrations it had applied') or diag $stderr;
like($stderr, qr/max_locks_per_transaction = 64/, 'and names the limit');
like($stderr, qr/HINT:  Apply one transaction per migration: CALL schemamig\.run\(\)/,
	'the hint points to CALL schemamig.run()');
is($node->safe_psql('postgres', 'SELECT count(*) FROM schemamig.applied'), '0',
	'migrate() applied nothing');
diag(sprintf('migrate(): out of lock slots after %d of %d migrations, in %.1f s',
		$reached // -1, $count, $migrate_s));

$t0 = time;
($ret, $stdout, $stderr) = $node->psql('postgres', 'CALL schemamig.run()');
my $run_s = time - $t0;
is($ret, 0, 'CALL schemamig.run() succeeds') or diag $stderr;
is($node->safe_psql('postgres', 'SELECT count(*) FROM schemamig.applied'), $count,
	"run() applied all $count migrations");
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_class WHERE relname LIKE 'slot_t%' AND relkind = 'r'}),
	$count, 'and every table exists');
is($node->safe_psql('postgres', 'SELECT count(*) FROM schemamig.validate()'), '0',
	'validate() is empty');
diag(sprintf('run(): %d migrations in %.1f s', $count, $run_s));

$node->stop;
done_testing();
