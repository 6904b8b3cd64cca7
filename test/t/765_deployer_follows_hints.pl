# 765_deployer_follows_hints.pl — a role that can deploy can follow every
# hint it is given (issue 11, section 7).  Two deployers are set up with
# the SQL block of doc/privileges.md, read from the file itself.  Each
# follows, word for word, the hints schemamig gives it: CALL
# schemamig.wait(N) after a queued apply(), and SELECT
# schemamig.enqueue('V', 'down') when rollback() meets a down script that
# needs the worker.  A deployer sees its own jobs in schemamig.jobs, not
# the other's; cannot wait for the other's job nor read stored scripts.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;

use PostgreSQL::Test::Utils;
use Test::More;

my $node = worker_node('deployer_hints');
wait_for_worker($node);

# the deployer block of doc/privileges.md, for two roles
my $doc = slurp_file("$FindBin::RealBin/../../doc/privileges.md");
my ($block) = $doc =~ /## A deployer role\s+```sql\n(.*?)```/s;
ok($block, 'doc/privileges.md shows how to set up a deployer');
for my $role ('deployer', 'deployer_b')
{
	(my $sql = $block) =~ s/\bdeployer\b/$role/g;
	$node->safe_psql('postgres', $sql);
}

# run as a deployer; returns (exit code, stdout, stderr)
sub as
{
	my ($role, $sql) = @_;
	my ($stdout, $stderr);
	my $ret = $node->psql('postgres', $sql, stdout => \$stdout, stderr => \$stderr,
		extra_params => [ '-U', $role, '-v', 'VERBOSITY=verbose' ]);
	return ($ret, $stdout, $stderr);
}

as('deployer', 'SELECT schemamig.apply(\'1\', \'CREATE TABLE t1 (id int, v int)\')');
my ($ret, $out, $err) = as('deployer',
	q{SELECT schemamig.apply('2', 'CREATE INDEX CONCURRENTLY t1_v ON t1 (v)', 'DROP INDEX CONCURRENTLY IF EXISTS t1_v')});
is($out, 'queued', 'a CONCURRENTLY migration is queued');
my ($hint) = $err =~ /HINT:  (CALL schemamig\.wait\(\d+\))/;
ok($hint, "apply() hints to wait: $hint") or diag($err);
($ret, $out, $err) = as('deployer', $hint);
is($ret, 0, 'the deployer follows the hint') or diag($err);
like($err, qr/job \d+ is done/, 'and the job is done');
is($node->safe_psql('postgres', q{SELECT to_regclass('t1_v') IS NOT NULL}), 't', 'the index exists');

# the other deployer's job
as('deployer_b', 'SELECT schemamig.apply(\'3\', \'CREATE TABLE t3 (id int)\')');
(undef, undef, $err) = as('deployer_b',
	q{SELECT schemamig.apply('4', 'CREATE INDEX CONCURRENTLY t3_id ON t3 (id)', 'DROP INDEX CONCURRENTLY IF EXISTS t3_id')});
my ($job_b) = $err =~ /queued as job (\d+) /;
wait_for_job_status($node, $job_b, 'done', 'failed');

($ret, $out, $err) = as('deployer', q{SELECT string_agg(version, ',' ORDER BY id) FROM schemamig.jobs});
is($out, '2', 'a deployer sees its own jobs, not the other\'s') or diag($err);
($ret, $out, $err) = as('deployer_b', q{SELECT string_agg(version, ',' ORDER BY id) FROM schemamig.jobs});
is($out, '4', 'and so does the other');
($ret, $out, $err) = as('deployer', "CALL schemamig.wait($job_b)");
like($err, qr/ERROR:  42501: permission denied for job $job_b/, "a deployer cannot wait for another's job");
($ret, $out, $err) = as('deployer', 'SELECT count(up_sql) FROM schemamig.migrations');
like($err, qr/ERROR:  42501: permission denied for table migrations/, 'nor read stored scripts');

# rollback of a migration whose down script needs the worker
($ret, $out, $err) = as('deployer_b', 'SELECT * FROM schemamig.rollback()');
like($err, qr/ERROR:  0A000: down script of migration "4" cannot run inside a transaction block/,
	'rollback() of a worker-only down script is refused') or diag($err);
($hint) = $err =~ /HINT:  Queue it for the background worker: (SELECT schemamig\.enqueue\('4', 'down'\))/;
ok($hint, "rollback() hints to queue the down script: $hint") or diag($err);
($ret, $out, $err) = as('deployer_b', $hint);
is($ret, 0, 'the deployer follows that hint') or diag($err);
($ret, undef, $err) = as('deployer_b', "CALL schemamig.wait($out)");
is($ret, 0, 'and waits for its job') or diag($err);
is($node->safe_psql('postgres', q{SELECT to_regclass('t3_id') IS NULL AND NOT EXISTS (SELECT FROM schemamig.applied WHERE version = '4')}),
	't', 'the migration is rolled back by the worker');

done_testing();
