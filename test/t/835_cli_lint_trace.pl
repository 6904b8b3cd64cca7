# 835_cli_lint_trace.pl — schemamig lint --trace: every up script goes
# through schemamig.trace() and the client prints, per statement and
# relation, the measured lock with the relation's size, and whether the
# statement scanned or rewrote it; nothing the scripts do persists; a role
# without EXECUTE on trace() gets the server's error and exit 1.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCLI;

use JSON::PP;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = cli_node('cli_lint_trace');
my ($code, $out, $err, $doc);

$node->safe_psql('postgres', q{
	SET schemamig.lint = off;
	CREATE TABLE orders (id integer PRIMARY KEY, note text);
	INSERT INTO orders SELECT g, repeat('x', 100) FROM generate_series(1, 50000) g;
	ANALYZE orders;
});
my $filenode = $node->safe_psql('postgres', q{SELECT pg_relation_filenode('orders')});

my $dir = folder_of(
	'0001_widen.sql' =>
	  "-- migrate:up\n-- widen the key\nALTER TABLE orders ALTER COLUMN id TYPE bigint;\n"
	  . "CREATE INDEX orders_note ON orders (note);\nCREATE TABLE audit (id int);\n"
	  . "-- migrate:down\nDROP TABLE audit;\n",
	'0002_concurrently.up.sql' => "CREATE INDEX CONCURRENTLY orders_note2 ON orders (note);\n");

($code, $out, $err) = cli('lint', '--dir', $dir, '--trace');
is($code, 1, 'the linter\'s safety findings still decide the exit code') or diag($out . $err);
like($out, qr{0001_widen\.sql:3: trace: statement 1: ACCESS EXCLUSIVE on public\.orders \(\d+ [kM]B, 50 k rows\) for a full rewrite, [\d.]+ ms\n},
	'the rewrite: lock, relation, its size and row count, "for a full rewrite"');
like($out, qr{0001_widen\.sql:4: trace: statement 2: lock already held on public\.orders \(\d+ [kM]B, 50 k rows\) with a full scan},
	'CREATE INDEX after the rewrite: the lock is already held, the scan is shown');
like($out, qr{0001_widen\.sql:5: trace: statement 3: ACCESS EXCLUSIVE on public\.audit \(created by the script\)},
	'a table the script creates is said to be new');
like($out, qr{0002_concurrently\.up\.sql:1: trace: statement 1: not traced, documented lock: SHARE UPDATE EXCLUSIVE on public\.orders},
	'CREATE INDEX CONCURRENTLY: not traced, with its documented lock');
unlike($out, qr{DROP TABLE audit|0001_widen\.sql:\d+: trace: statement \d+: failed}, 'down scripts are not traced');
is($node->safe_psql('postgres', q{SELECT pg_relation_filenode('orders') || ' ' || (to_regclass('audit') IS NULL)
	  || ' ' || (SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'id')}),
	"$filenode true integer", 'nothing the traced scripts did persists');

($code, $doc) = cli_json('lint', '--dir', $dir, '--trace');
my ($rewrite) = grep { $_->{relation} eq 'public.orders' && $_->{rewritten} } @{ $doc->{trace} };
ok($rewrite, '--json has a "trace" array with the rewrite');
is($rewrite->{lock_mode}, 'AccessExclusiveLock', 'with the lock as pg_locks spells it');
cmp_ok($rewrite->{total_bytes}, '>', 1_000_000, 'and the size in bytes');
is($rewrite->{file} =~ /0001_widen\.sql$/ ? 1 : 0, 1, 'and the file');

# the lint findings are the same with and without --trace
my ($plain_code, $plain) = cli('lint', '--dir', $dir);
(my $findings_only = $out) =~ s/^.*: trace: .*\n//mg;
is($findings_only, $plain, 'lint --trace prints the same findings as lint, plus the trace lines');

$node->safe_psql('postgres', 'CREATE ROLE app LOGIN');
{
	local $ENV{PGUSER} = 'app';
	($code, $out, $err) = cli('lint', '--dir', $dir, '--trace');
}
is($code, 1, 'a role that may not call trace() exits 1');
like($err, qr/cannot trace .*0001_widen\.sql: .*permission denied for function trace/, 'with the server\'s error and the file');

$node->stop;
done_testing();
