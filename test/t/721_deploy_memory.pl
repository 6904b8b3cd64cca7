# 721_deploy_memory.pl — memory does not grow with the number of
# statements in a migration.  Each call runs in a fresh backend, which then
# reads its own peak resident size (VmHWM in /proc/self/status): lint(),
# register(), migrate() and apply() of scripts of 400,000 statements
# (4 MB of SELECT 1, 10 MB of INSERTs) stay under 256 MB (before, the same
# calls reached 264 MB, 301 MB, 1.5 GB and 850 MB), and the event of such a
# migration is small: a statement count and the slowest statements, not
# one entry per statement.  The measured sizes are printed (diag).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigReliability;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $limit_kb   = 256 * 1024;
my $statements = 400000;

my $node = reliability_node('memory', lint => 1);
$node->safe_psql('postgres', 'CREATE TABLE mem_rows (v int)');

# run one call in a new session; returns that backend's peak RSS in kB
sub peak_kb
{
	my ($what, $sql) = @_;
	my ($ret, $stdout, $stderr) = $node->psql('postgres',
		"$sql;\nSELECT substring(pg_read_file('/proc/self/status') from 'VmHWM:\\s*(\\d+) kB');",
		on_error_stop => 1);
	is($ret, 0, "$what succeeds") or diag $stderr;
	my ($kb) = $stdout =~ /(\d+)\s*\z/;
	cmp_ok($kb, '<', $limit_kb, "$what needs less than 256 MB");
	diag(sprintf('%s: peak backend RSS %.1f MB', $what, ($kb // 0) / 1024));
	return $kb;
}

my $selects = "repeat(E'SELECT 1;\\n', $statements)";
my $inserts = "repeat(E'INSERT INTO mem_rows VALUES (1);\\n', $statements)";

peak_kb("lint() of $statements statements", "SELECT count(*) FROM schemamig.lint($selects)");
peak_kb("register() of $statements statements", "SELECT schemamig.register('1', $selects)");
peak_kb("migrate() of $statements statements", 'SELECT count(*) FROM schemamig.migrate()');
peak_kb("apply() of $statements INSERTs", "SELECT schemamig.apply('2', $inserts)");

is($node->safe_psql('postgres', 'SELECT count(*) FROM mem_rows'), $statements,
	'every INSERT ran');
is($node->safe_psql('postgres', q{SELECT string_agg(state, ',' ORDER BY version) FROM schemamig.status()}),
	'applied,applied', 'both migrations are applied');

my $events = $node->safe_psql('postgres', q{
SELECT version, detail->>'statement_count', jsonb_array_length(detail->'statements'),
       pg_column_size(detail)
  FROM schemamig.events WHERE event = 'applied' ORDER BY version});
for my $line (split /\n/, $events)
{
	my ($version, $n, $kept, $bytes) = split /\|/, $line;
	is($n, $statements, "event of migration $version counts every statement");
	is($kept, 100, "and lists the 100 slowest");
	cmp_ok($bytes, '<', 64 * 1024, "its detail is small");
	diag("event detail of migration $version: $bytes bytes");
}

$node->stop;
done_testing();
