# 768_smaller_findings.pl — the smaller findings of issue 11 (section 8):
#	- DROP EXTENSION schemamig is blocked by the linter (schemamig.lint =
#	  error, the default) while the extension holds history, with a hint
#	  to dump it first; an allow comment or schemamig.lint = off lets it
#	  through, and an extension without history drops as before;
#	- a statement of a migration blocked by the linter carries one context
#	  line, with the statement alone: no "SQL statement" line repeating
#	  it, no comments echoed from before it;
#	- the client escapes control characters of file names (descriptions)
#	  in the text of migrate, migrate --dry-run and status.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCLI;

use PostgreSQL::Test::Utils;
use Test::More;

my $node = cli_node('smaller_findings');

sub psql_err
{
	my ($sql) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', $sql, extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	return ($ret, $err);
}

sub installed
{
	return $node->safe_psql('postgres', q{SELECT count(*) FROM pg_extension WHERE extname = 'schemamig'});
}

# ---- DROP EXTENSION with history ----
$node->safe_psql('postgres', q{SELECT schemamig.apply('1', 'CREATE TABLE t (id int, v int)')});
my ($ret, $err) = psql_err('DROP EXTENSION schemamig');
like($err, qr/ERROR:  SM100: statement blocked by schemamig lint rule "drop-extension-with-history"/,
	'DROP EXTENSION schemamig with history is blocked');
like($err, qr/DETAIL:  DROP EXTENSION schemamig deletes the migration history with it: 1 registered and 1 applied migrations/,
	'the detail says what would be lost');
like($err, qr/HINT:  Dump the history first .*schemamig:allow drop-extension-with-history/,
	'the hint says to dump the history first, and how to go ahead');
is(installed(), '1', 'the extension and its history are still there');

($ret, $err) = psql_err("/* schemamig:allow drop-extension-with-history history dumped */ DROP EXTENSION schemamig");
is($ret, 0, 'an allow comment lets it through') or diag($err);
is(installed(), '0', 'and the extension is dropped');

$node->safe_psql('postgres', 'CREATE EXTENSION schemamig');
($ret, $err) = psql_err('DROP EXTENSION schemamig');
is($ret, 0, 'an extension without history drops as before') or diag($err);

$node->safe_psql('postgres', q{CREATE EXTENSION schemamig; SELECT schemamig.register('1', 'CREATE TABLE t (id int, v int)')});
($ret, $err) = psql_err('SET schemamig.lint = off; DROP EXTENSION schemamig');
is($ret, 0, 'schemamig.lint = off lets it through') or diag($err);
$node->safe_psql('postgres', 'CREATE EXTENSION schemamig');

# ---- the context of a linter block ----
($ret, $err) = psql_err(q{\set SHOW_CONTEXT always
SELECT schemamig.apply('2', E'-- the index the reports need\n-- (see ticket 42)\nCREATE INDEX t_v ON t (v)')});
like($err, qr/ERROR:  SM100: statement blocked by schemamig lint rule "require-concurrent-index-creation"/,
	'a migration statement is blocked by the linter');
my @context = $err =~ /^(CONTEXT:.*)$/mg;
is_deeply(\@context, [ 'CONTEXT:  schemamig migration "2" (up), statement 1 at line 3: CREATE INDEX t_v ON t (v)' ],
	'one context line, the statement alone');
unlike($err, qr/SQL statement|ticket 42/, 'no SQL statement line, no comment echoed');

# ---- control characters in file names ----
my $evil = "add\e]0;owned\a\e[2Jorders";
my $dir = folder_of("0001_$evil.up.sql" => "CREATE TABLE orders (id int);\n");
my ($code, $out, $cerr) = cli('migrate', '--dir', $dir, '--dry-run');
is($code, 0, 'migrate --dry-run of a file whose name holds control characters') or diag($cerr);
unlike($out, qr/[\e\a]/, 'prints no control character');
like($out, qr/add\\x1b\]0;owned\\x07\\x1b\[2Jorders/, 'but their escapes');
($code, $out, $cerr) = cli('migrate', '--dir', $dir);
is($code, 0, 'migrate') or diag($cerr);
unlike($out . $cerr, qr/[\e\a]/, 'prints no control character');
like($out, qr/add\\x1b\]0;owned/, 'but their escapes');
($code, $out, $cerr) = cli('status', '--dir', $dir);
unlike($out . $cerr, qr/[\e\a]/, 'status prints no control character');
like($out, qr/0001 .*add\\x1b\]0;owned\\x07/, 'but their escapes');

done_testing();
