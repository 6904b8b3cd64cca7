# 707_deploy_dry_run.pl — --dry-run is the run (issue 10, observation 7):
# it reports what the real run does, in the same order, with the lint
# findings the real run blocks on, judged as the run judges them (what an
# earlier migration of the same run created is new).  Dry run, then the real
# run, on the same folders, compared.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCLI;

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
my ($real);
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

$node->stop;
done_testing();
