# 707_deploy_dry_run.pl — --dry-run is the run (issue 10, observation 7):
# it reports what the real run does, in the same order, with the lint
# findings the real run blocks on, judged as the run judges them (what an
# earlier migration of the same run created is new).  Dry run, then the real
# run, on the same folders, compared.  What one transaction cannot check
# (an enum value added by an earlier migration, an object a worker
# migration creates) is reported "unchecked" with the reason, not as a
# failure the real run would not meet.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCLI;
use SchemamigWorker;

use PostgreSQL::Test::Utils;
use Test::More;

my $node = cli_node('deploy_dry_run');
sub sql { return $node->safe_psql('postgres', $_[0]); }
is(sql('SHOW schemamig.lint'), 'error', 'the linter blocks unsafe statements');

sub versions_with
{
	my ($doc, $result) = @_;
	return [ map { $_->{version} } grep { $_->{result} eq $result } @{ $doc->{migrations} } ];
}

# a table and its index in the same run: the table is new, no finding
my $dir = folder_of(
	'0001_t.up.sql'   => "CREATE TABLE t (a int);\n",
	'0002_t_a.up.sql' => "CREATE INDEX t_a ON t (a);\n");
my ($code, $dry, $err) = cli_json('migrate', '--dir', $dir, '--dry-run');
is($code, 0, 'dry run: exits 0') or diag($err);
is_deeply($dry->{lint}, [], 'dry run: no lint finding (t is created by 0001 of the same run)');
is_deeply(versions_with($dry, 'would apply'), [ '0001', '0002' ], 'dry run: both would apply, in order');
is(sql("SELECT to_regclass('t') IS NULL AND (SELECT count(*) FROM schemamig.migrations) = 0"), 't',
	'dry run: nothing was changed');
my ($real, $out);
($code, $real, $err) = cli_json('migrate', '--dir', $dir);
is($code, 0, 'real run: exits 0') or diag($err);
is_deeply(versions_with($real, 'applied'), versions_with($dry, 'would apply'), 'real run: applies what the dry run said');
is(sql("SELECT count(*) FROM schemamig.events WHERE event = 'lint_blocked'"), '0', 'real run: nothing blocked');

# the next deploy indexes the now existing table: blocked in both
write_file("$dir/0003_t_b.up.sql", "CREATE INDEX t_b ON t (a);\n");
write_file("$dir/0004_u.up.sql",   "CREATE TABLE u (id int);\n");
($code, $dry, $err) = cli_json('migrate', '--dir', $dir, '--dry-run');
is($code, 1, 'dry run: a blocking finding exits 1');
is_deeply([ map { $_->{rule} } @{ $dry->{lint} } ], ['require-concurrent-index-creation'],
	'dry run: the one finding the real run blocks on');
is_deeply([ map { "$_->{version}:$_->{result}" } @{ $dry->{migrations} } ],
	[ '0003:would fail', '0004:not reached' ], 'dry run: 0003 would fail, 0004 not reached');
($code, $real, $err) = cli_json('migrate', '--dir', $dir);
is($code, 1, 'real run: exits 1');
is($real->{error}{sqlstate}, 'SM100', 'real run: blocked by the linter');
is_deeply([ map { "$_->{version}:$_->{result}" } @{ $real->{migrations} } ],
	[ '0003:failed', '0004:pending' ], 'real run: stops where the dry run said');

# an enum value added by 0005 and used by 0006: the real run commits 0005
# first, so 0006 is unchecked in the dry run, not a failure
sql("CREATE TYPE mood AS ENUM ('calm')");
unlink("$dir/$_") for ('0003_t_b.up.sql', '0004_u.up.sql');
write_file("$dir/0005_add_angry.up.sql", "ALTER TYPE mood ADD VALUE 'angry';\n");
write_file("$dir/0006_use_angry.up.sql", "CREATE TABLE moods (m mood DEFAULT 'angry');\n");
write_file("$dir/0007_after.up.sql", "CREATE TABLE after_moods (id int);\n");
($code, $dry, $err) = cli_json('migrate', '--dir', $dir, '--dry-run');
is($code, 0, 'dry run with a new enum value used: exits 0') or diag($err);
is_deeply([ map { "$_->{version}:$_->{result}" } @{ $dry->{migrations} } ],
	[ '0005:would apply', '0006:unchecked', '0007:would apply' ],
	'dry run: the migration using the new value is unchecked, the later one still checked');
like($dry->{migrations}[1]{reason}, qr/enum value that an earlier migration of this deploy adds/,
	'dry run: the reason names the enum value added earlier');
is($dry->{unchecked}, 1, 'dry run: one unchecked');
($code, $out, $err) = cli('migrate', '--dir', $dir, '--dry-run', '--single-transaction');
is($code, 1, 'dry run --single-transaction: the real one-transaction run fails on it, so does the dry run');
like($err, qr/migration 0006 would fail: \S*0006_use_angry\.up\.sql:1: unsafe use of new value "angry"/, 'dry run --single-transaction: 55P04');
($code, $real, $err) = cli_json('migrate', '--dir', $dir);
is($code, 0, 'real run: the new value is used after its migration committed') or diag($err);

$node->stop;

# a worker migration is not run in the dry run: what uses its objects is unchecked
my $wnode = worker_node('deploy_dry_run_worker');
wait_for_worker($wnode);
cli_use_node($wnode);
$dir = folder_of(
	'0001_t.up.sql'   => "CREATE TABLE t (a int);\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n",
	'0002_c.up.sql'   => "COMMENT ON INDEX t_a IS 'built by 0001';\n",
	'0003_u.up.sql'   => "CREATE TABLE u (id int);\n",
	'0004_bad.up.sql' => "SELECT 1 / 0;\n");
($code, $dry, $err) = cli_json('migrate', '--dir', $dir, '--dry-run');
is_deeply([ map { "$_->{version}:$_->{result}" } @{ $dry->{migrations} } ],
	[ '0001:would queue', '0002:unchecked', '0003:would apply', '0004:would fail' ],
	'dry run: a statement on the worker migration\'s index is unchecked; a real failure still fails')
  or diag($err);
like($dry->{migrations}[1]{reason}, qr/does not exist before migration 0001, which the dry run does not run: relation "t_a" does not exist/,
	'dry run: the reason names the worker migration and the missing object');
is($code, 1, 'dry run: exit 1 for the real failure');
($code, $out, $err) = cli('migrate', '--dir', $dir, '--dry-run', '--target', '0003');
is($code, 0, 'dry run up to 0003: unchecked is not a failure') or diag($err);
like($out, qr/^unchecked\s+0002\s+c\s+\(it uses an object/m, 'dry run: the text line says unchecked and why');
like($out, qr/2 migration\(s\) would be applied, 1 unchecked/, 'dry run: the summary counts it');
$wnode->stop;
done_testing();
