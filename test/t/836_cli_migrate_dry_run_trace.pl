# 836_cli_migrate_dry_run_trace.pl — schemamig migrate --dry-run --trace:
# each pending migration goes through schemamig.trace() after the ones
# before it ran in the dry run (so what they created is there), and the
# client prints the measured locks, scans and rewrites per statement with
# each relation's size, as lint --trace does; nothing persists; --trace
# without --dry-run is a usage error; a role without EXECUTE on trace()
# gets the server's error.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCLI;

use PostgreSQL::Test::Utils;
use Test::More;

my $node = cli_node('cli_migrate_dry_run_trace');
my ($code, $out, $err, $doc);

$node->safe_psql('postgres', q{
	SET schemamig.lint = off;
	CREATE TABLE orders (id integer PRIMARY KEY, note text);
	INSERT INTO orders SELECT g, repeat('x', 100) FROM generate_series(1, 50000) g;
	ANALYZE orders;
});
my $filenode = $node->safe_psql('postgres', q{SELECT pg_relation_filenode('orders')});

my $dir = folder_of(
	'0001_audit.up.sql' => "CREATE TABLE audit (id bigint, at timestamptz);\n",
	'0002_audit_id.up.sql' => "CREATE INDEX audit_id ON audit (id);\n",
	'0003_concurrently.up.sql' => "CREATE INDEX CONCURRENTLY orders_note ON orders (note);\n",
	'0004_widen.up.sql' => "-- widen the key\nALTER TABLE orders ALTER COLUMN id TYPE bigint;\n");

($code, $out, $err) = cli('migrate', '--dir', $dir, '--dry-run', '--trace');
is($code, 1, 'the linter\'s finding on the rewrite still decides the exit code') or diag($out . $err);
like($out, qr{0001_audit\.up\.sql:1: trace: statement 1: ACCESS EXCLUSIVE on public\.audit \(created by the script\)},
	'0001: the table it creates is said to be new');
like($out, qr{0002_audit_id\.up\.sql:1: trace: statement 1: SHARE on public\.audit \(0 bytes, [^)]+\) with a full scan},
	'0002 is traced after 0001 ran in the dry run: audit is there, with its size');
like($out, qr{0004_widen\.up\.sql:2: trace: statement 1: ACCESS EXCLUSIVE on public\.orders \(\d+ [kM]B, 50 k rows\) for a full rewrite, [\d.]+ ms\n},
	'0004: the rewrite, with the lock, the table\'s size and row count');
like($out, qr{0003_concurrently\.up\.sql:1: trace: statement 1: not traced, documented lock: SHARE UPDATE EXCLUSIVE on public\.orders},
	'0003 (for the worker): not traced, with its documented lock');
like($out, qr{dry run: \d+ migration\(s\) would be applied}, 'the dry run\'s own report follows');
is($node->safe_psql('postgres', q{SELECT pg_relation_filenode('orders') || ' ' || (to_regclass('audit') IS NULL)
	  || ' ' || (SELECT count(*) FROM schemamig.migrations)}),
	"$filenode true 0", 'nothing the dry run or the traces did persists');

# the same dry run without --trace prints the same, without the trace lines
my ($plain_code, $plain) = cli('migrate', '--dir', $dir, '--dry-run');
(my $without_trace = $out) =~ s/^.*: trace: .*\n//mg;
is($without_trace, $plain, 'without --trace: the same output, without the trace lines');

($code, $doc) = cli_json('migrate', '--dir', $dir, '--dry-run', '--trace');
my ($rewrite) = grep { $_->{relation} eq 'public.orders' && $_->{rewritten} } @{ $doc->{trace} };
ok($rewrite, '--json has a "trace" array with the rewrite');
is($rewrite->{lock_mode}, 'AccessExclusiveLock', 'with the lock as pg_locks spells it');
cmp_ok($rewrite->{total_bytes}, '>', 1_000_000, 'and the size in bytes');
like($rewrite->{file}, qr/0004_widen\.up\.sql$/, 'and the migration\'s file');
($code, $doc) = cli_json('migrate', '--dir', $dir, '--dry-run');
ok(!exists $doc->{trace}, 'without --trace: no "trace" key');

($code, $out, $err) = cli('migrate', '--dir', $dir, '--trace');
is($code, 2, '--trace without --dry-run is a usage error');
like($err, qr/--trace needs --dry-run/, 'that says so');
is($node->safe_psql('postgres', 'SELECT count(*) FROM schemamig.migrations'), '0', 'and runs nothing');

# a deployer that may do everything a dry run does, except call trace()
$node->safe_psql('postgres', q{
	CREATE ROLE app LOGIN;
	GRANT USAGE ON SCHEMA schemamig TO app;
	GRANT CREATE ON SCHEMA public TO app;
	GRANT ALL ON ALL TABLES IN SCHEMA schemamig TO app;
	GRANT ALL ON ALL SEQUENCES IN SCHEMA schemamig TO app;
	GRANT EXECUTE ON ALL ROUTINES IN SCHEMA schemamig TO app;
	REVOKE EXECUTE ON FUNCTION schemamig.trace(text) FROM app;
});
{
	local $ENV{PGUSER} = 'app';
	($code, $out, $err) = cli('migrate', '--dir', $dir, '--dry-run', '--trace');
}
isnt($code, 0, 'a role that may not trace fails');
like($err, qr/cannot trace .*0001_audit\.up\.sql: .*permission denied for function trace/,
	'with the server\'s error and the file');

$node->stop;
done_testing();
