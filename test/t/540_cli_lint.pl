# 540_cli_lint.pl — the lint command and the linter in migrate --dry-run.
# Without schemamig.lint() in the server, the client must say so clearly
# (exit 2); the format tests need the linter and are skipped without it.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCLI;

use JSON::PP;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = cli_node('cli_lint');
my ($code, $out, $err, $doc);

$node->safe_psql('postgres', 'CREATE TABLE accounts (id int, email text)');
my $has_lint = $node->safe_psql('postgres',
	"SELECT to_regprocedure('schemamig.lint(text)') IS NOT NULL") eq 't';

my $dir = folder_of(
	'0001_index.sql' =>
	  "-- migrate:up\n-- an index on a table that exists\n\nCREATE INDEX accounts_email ON accounts (email);\n"
	  . "-- migrate:down\nDROP INDEX accounts_email;\n",
	'0002_clean.up.sql' => "CREATE TABLE fresh (id int);\n");

if (!$has_lint)
{
	($code, $out, $err) = cli('lint', '--dir', $dir);
	is($code, 2, 'lint without schemamig.lint() exits 2');
	like($err, qr/schemamig\.lint\(\) is not available in database "postgres": the installed schemamig extension \(version [\d.]+\) has no linter/,
		'and says the linter is missing');
	($code, $doc) = cli_json('lint', '--dir', $dir);
	like($doc->{error}{message}, qr/schemamig\.lint\(\) is not available/, '--json says so too');
	($code, $out, $err) = cli('migrate', '--dir', $dir, '--dry-run');
	is($code, 0, 'migrate --dry-run still works without the linter');
	like($err, qr/lint skipped: .* has no schemamig\.lint\(\) function/, 'and says linting was skipped');
}

SKIP:
{
	skip 'schemamig.lint(text) is not in this build of the extension (the linter is built separately); '
	  . 'the format and exit-code tests need it', 15
	  unless $has_lint;

	($code, $out, $err) = cli('lint', '--dir', $dir);
	is($code, 1, 'a safety finding exits 1') or diag($out . $err);
	like($out, qr{0001_index\.sql:4: \w+: .*\[require-concurrent-index-creation\]},
		'the finding names file, line (within the file) and rule');

	($code, $doc) = cli_json('lint', '--dir', $dir);
	my ($finding) = grep { $_->{rule} eq 'require-concurrent-index-creation' } @{ $doc->{findings} };
	ok($finding, '--json lists the finding');
	is($finding->{line},      4,    'with the line in the file');
	is($finding->{version},   '0001', 'and the version');
	is($finding->{direction}, 'up', 'and the direction');
	is($doc->{ok}, JSON::PP::false, 'ok is false');

	($code, $out) = cli('lint', '--dir', $dir, '--format', 'github');
	like($out, qr{^::error file=[^,]*0001_index\.sql,line=4,title=schemamig require-concurrent-index-creation::}m,
		'--format github prints ::error for a finding that blocks a deploy (schemamig.lint = error)');
	($code, $out) = cli('lint', '--dir', $dir);
	like($out, qr{0001_index\.sql:4: error: .*\[require-concurrent-index-creation\]},
		'the text format calls it an error, as doc/lint.md does');

	# where the server only warns, the finding is a warning
	my $warn_db = "dbname=postgres options='-c schemamig.lint=warning'";
	($code, $out) = cli('lint', '--dir', $dir, '--db', $warn_db, '--format', 'github');
	like($out, qr{^::warning file=[^,]*0001_index\.sql,line=4,title=schemamig require-concurrent-index-creation::}m,
		'--format github prints ::warning for a finding that does not block (schemamig.lint = warning)');
	($code, $out) = cli('lint', '--dir', $dir, '--db', $warn_db);
	like($out, qr{0001_index\.sql:4: warning: .*\[require-concurrent-index-creation\]}, 'and the text format a warning');

	($code, $out) = cli('lint', "$dir/0002_clean.up.sql");
	is($code, 0, 'a clean file exits 0');
	like($out, qr/1 script\(s\) linted, 0 finding\(s\)/, 'and says so');

	($code, $out, $err) = cli('migrate', '--dir', $dir, '--dry-run');
	like($out, qr/require-concurrent-index-creation/, 'migrate --dry-run shows the findings');
	is($node->safe_psql('postgres', 'SELECT count(*) FROM schemamig.migrations'), '0',
		'and changes nothing');
}

# The client's side of lint (one round trip, line mapping, formats,
# redaction, exit codes) against a stand-in schemamig.lint() with the
# documented signature, in a database of its own: it runs only where the
# real linter is missing, so the client is tested either way.
SKIP:
{
	skip 'the real schemamig.lint() is installed and tested above', 9 if $has_lint;

	$node->safe_psql('postgres', 'CREATE DATABASE standin');
	$node->safe_psql('standin', 'CREATE EXTENSION schemamig');
	$node->safe_psql(
		'standin', q{
		CREATE FUNCTION schemamig.lint(sql text)
		RETURNS TABLE (statement_no int, line int, rule text, severity text, message text, hint text)
		LANGUAGE sql AS $$
			SELECT 1,
				   1 + length(split_part(sql, 'CREATE INDEX', 1))
					 - length(replace(split_part(sql, 'CREATE INDEX', 1), E'\n', '')),
				   'require-concurrent-index-creation', 'error',
				   'CREATE INDEX blocks writes (password=hunter3secret)',
				   'Use CREATE INDEX CONCURRENTLY.'
			WHERE sql LIKE '%CREATE INDEX%'
			UNION ALL
			SELECT 1, 1, 'prefer-bigint', 'advisory', 'style only', NULL
			WHERE sql LIKE '%fresh%'
		$$});

	($code, $out, $err) = cli('lint', '--dir', $dir, '--db', 'dbname=standin');
	is($code, 1, 'stand-in: an error finding exits 1');
	like($out, qr{0001_index\.sql:4: error: CREATE INDEX blocks writes \(password=\*\*\*\) \[require-concurrent-index-creation\]\n  hint: Use CREATE INDEX CONCURRENTLY\.},
		'stand-in: file line mapped through the section, message redacted, hint shown');
	unlike($out . $err, qr/hunter3secret/, 'stand-in: the secret is not printed');

	($code, $doc) = cli_json('lint', '--dir', $dir, '--db', 'dbname=standin');
	is_deeply(
		[ map { "$_->{file}:$_->{line}:$_->{rule}:$_->{direction}" } @{ $doc->{findings} } ],
		[
			"$dir/0001_index.sql:4:require-concurrent-index-creation:up",
			"$dir/0002_clean.up.sql:1:prefer-bigint:up"
		],
		'stand-in: --json findings in file order');

	($code, $out) = cli('lint', '--dir', $dir, '--db', 'dbname=standin', '--format', 'github');
	like($out, qr{^::error file=\Q$dir\E/0001_index\.sql,line=4,title=schemamig require-concurrent-index-creation::CREATE INDEX blocks writes \(password=\*\*\*\)%0AHint: Use CREATE INDEX CONCURRENTLY\.$}m,
		'stand-in: --format github annotation');
	like($out, qr{^::notice file=.*0002_clean\.up\.sql,line=1,}m, 'stand-in: advisory findings are notices');

	($code, $out) = cli('lint', "$dir/0002_clean.up.sql", '--db', 'dbname=standin');
	is($code, 0, 'stand-in: only advisory findings exit 0');

	($code, $out, $err) = cli('migrate', '--dir', $dir, '--dry-run', '--db', 'dbname=standin');
	like($out, qr/0001_index\.sql:4: error: .*\n.*\ndry run: 2 migration\(s\) would be applied, 2 lint finding\(s\); nothing was changed/s,
		'stand-in: migrate --dry-run lints what would run');
	is($node->safe_psql('standin', 'SELECT count(*) FROM schemamig.migrations'), '0',
		'stand-in: and changes nothing');
}

$node->stop;
done_testing();
