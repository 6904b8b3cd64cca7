# 815_real_folders.pl — what real migration folders of other tools taught:
# diesel's two spellings of a version order and match as diesel orders
# them; a goose NO TRANSACTION file uses an enum value it just added;
# errors name the file and the line in the file; goose .go migrations are
# refused, not passed over; lint --dir and migrate --dir agree, and
# LOCK TABLE on a table the script created is no finding.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCLI;

use PostgreSQL::Test::Utils;
use Test::More;

my $node = cli_node('real_folders');
$node->append_conf('postgresql.conf', "schemamig.database = 'postgres'\n");
$node->restart;
my ($code, $out, $err);

# a fresh database with the extension, for one case
my $databases = 0;

sub fresh_db
{
	my $db = 'case' . ++$databases;
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION schemamig');
	return $db;
}

# diesel: "20170622180843" is "2017-06-22-180843" to diesel (it drops the
# dashes), so the undashed folder sorts between the dashed ones, and
# rollback --to and migrate --target accept either spelling
{
	my $db = fresh_db();
	my $dir = folder_of(
		'00000000000000_diesel_initial_setup/up.sql'   => "CREATE TABLE setup (id int);\n",
		'00000000000000_diesel_initial_setup/down.sql' => "DROP TABLE setup;\n",
		'2017-06-22-180843_create_users/up.sql'        => "CREATE TABLE users (id int);\n",
		'2017-06-22-180843_create_users/down.sql'      => "DROP TABLE users;\n",
		'20170622180900_users_name/up.sql'             => "ALTER TABLE users ADD COLUMN name text;\n",
		'20170622180900_users_name/down.sql'           => "ALTER TABLE users DROP COLUMN name;\n",
		'2017-06-23-000000_user_names/up.sql'          => "CREATE VIEW user_names AS SELECT name FROM users;\n",
		'2017-06-23-000000_user_names/down.sql'        => "DROP VIEW user_names;\n");
	($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', $node->connstr($db), '--target', '20170622180843');
	is($code, 0, 'diesel: migrate --target with the undashed spelling') or diag($err);
	is($node->safe_psql($db, 'SELECT string_agg(version, \' \' ORDER BY schemamig.version_sort_key(version)) FROM schemamig.applied'),
		'00000000000000 2017-06-22-180843', 'diesel: applied up to the dashed folder it names');
	($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', $node->connstr($db));
	is($code, 0, 'diesel: undashed and dashed folders apply in diesel\'s order') or diag($err);
	is( $node->safe_psql($db,
			'SELECT string_agg(version, \' \' ORDER BY schemamig.version_sort_key(version)) FROM schemamig.migrations'),
		'00000000000000 2017-06-22-180843 2017-06-22-180900 2017-06-23-000000',
		'diesel: the undashed version is kept with diesel\'s dashes, between the dashed ones');
	($code, $out, $err) = cli('rollback', '--dir', $dir, '--db', $node->connstr($db), '--to', '20170622180843');
	is($code, 0, 'diesel: rollback --to with the undashed spelling') or diag($err);
	is($node->safe_psql($db, 'SELECT string_agg(version, \' \' ORDER BY schemamig.version_sort_key(version)) FROM schemamig.applied'),
		'00000000000000 2017-06-22-180843', 'diesel: rolled back the two after it, kept it');
	($code, $out, $err) = cli('rollback', '--layout', 'diesel', '--db', $node->connstr($db), '--to', '00000000000000');
	is($code, 0, 'diesel: rollback --to under --layout diesel, without --dir') or diag($err);
	is($node->safe_psql($db, 'SELECT string_agg(version, \' \') FROM schemamig.applied'),
		'00000000000000', 'diesel: the initial setup is kept as it is spelt');
	$dir = folder_of(
		'2017-06-22-180843_a/up.sql' => "SELECT 1;\n",
		'20170622180843_b/up.sql'    => "SELECT 2;\n");
	($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', $node->connstr($db));
	is($code, 1, 'diesel: the same version in both spellings is refused');
	like($err, qr/duplicate version "2017-06-22-180843"/, 'diesel: as a duplicate version');
	# diesel 2 names folders 2024-02-01-101500-0000_x: more digits, same order
	$db = fresh_db();
	$dir = folder_of(
		'201706221808430001_b/up.sql'   => "SELECT 2;\n",
		'2017-06-22-180843_a/up.sql'    => "SELECT 1;\n",
		'2017-06-22-180900-0000_c/up.sql' => "SELECT 3;\n");
	($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', $node->connstr($db));
	is($code, 0, 'diesel: versions with more than 14 digits apply') or diag($err);
	is( $node->safe_psql($db,
			'SELECT string_agg(version, \' \' ORDER BY schemamig.version_sort_key(version)) FROM schemamig.migrations'),
		'2017-06-22-180843 2017-06-22-180843-0001 2017-06-22-180900-0000',
		'diesel: the digits after the seconds get a dash of their own, in diesel\'s order');
}

# errors in a script name the file and the line in the file, not the line
# in the section the server was sent (a goose or dbmate section starts
# further down its file)
{
	my $db = fresh_db();
	my $dir = folder_of(
		'001_a.sql' => "-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE a (id int);\n\nCREATE TABLEE b (id int);\n"
		  . "-- +goose StatementEnd\n\n-- +goose Down\nDROP TABLE a;\n",
		'002_b.sql' => "-- a comment\n-- +goose Up\nCREATE TABLE c (id int);\nSELECT \$\$unterminated;\n");
	($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', $node->connstr($db));
	is($code, 1, 'a syntax error in a goose section: migrate exits 1');
	like($err, qr{001_a\.sql:5: syntax error at or near "TABLEE"}, 'migrate names the file and its line 5');
	($code, $out, $err) = cli('lint', '--dir', $dir, '--db', $node->connstr($db));
	like($err, qr{cannot lint \S*001_a\.sql:5: syntax error at or near "TABLEE"}, 'lint names line 5 of the file');
	like($err, qr{cannot lint \S*002_b\.sql:4: unterminated dollar-quoted string}, 'an unterminated string: line 4 of its file');
	my $doc;
	($code, $doc, $err) = cli_json('lint', '--dir', $dir, '--db', $node->connstr($db));
	is( join(' ', map { ($_->{file} =~ s{.*/}{}r) . ':' . $_->{line} } @{ $doc->{findings} }),
		'001_a.sql:5 002_b.sql:4', 'lint --json gives the lines in the files');
	$dir = folder_of('001_a.sql' => "-- migrate:up\n\nCREATE TABLE t1 (id int);\nSELECT * FROM nosuch;\n-- migrate:down\n");
	($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', $node->connstr($db));
	is($code, 1, 'a dbmate statement that fails: migrate exits 1');
	like($err, qr{001_a\.sql:4: relation "nosuch" does not exist}, 'the failed statement is named by its line in the file');
	$dir = folder_of('001_a.sql' => "-- migrate:up\nCREATE TABLE t3 (id int);\n\n-- migrate:down\n\nDROPP TABLE t3;\n");
	($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', $node->connstr($db));
	is($code, 0, 'a dbmate down section that does not parse: migrate exits 0') or diag($err);
	like($err, qr{warning: \S*001_a\.sql:6: down script of migration "001" does not parse},
		'the warning names the line of the down section in the file');
}

# goose's Go migrations cannot run here: refused by name, not passed over
# (the SQL migrations after one would run without it); a folder's other Go
# files (migrations.go, tests) are not migrations
{
	my $db = fresh_db();
	my $dir = folder_of(
		'00001_a.sql'    => "-- +goose Up\nCREATE TABLE go_a (id int);\n",
		'00002_fill.go'  => "package migrations\n",
		'00003_b.sql'    => "-- +goose Up\nCREATE TABLE go_b (id int);\n",
		'migrations.go'  => "package migrations\n",
		'00002_x_test.go' => "package migrations\n");
	for my $layout ([], [ '--layout', 'goose' ])
	{
		($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', $node->connstr($db), @$layout);
		is($code, 1, "a goose Go migration is refused (@$layout)");
		like($err, qr{00002_fill\.go: a goose Go migration: schemamig runs SQL only}, 'naming the file and why');
		unlike($err, qr{migrations\.go|_test\.go}, 'the other Go files are not named');
	}
	is($node->safe_psql($db, 'SELECT count(*) FROM schemamig.migrations'), '0', 'and nothing was sent');
	($code, $out, $err) = cli('lint', '--dir', $dir, '--db', $node->connstr($db));
	like($err, qr{00002_fill\.go: a goose Go migration}, 'lint --dir refuses it too');
}

# goose NO TRANSACTION: each statement commits on its own, as goose runs
# it, so a statement after ALTER TYPE ... ADD VALUE can use the new value
# (in one transaction PostgreSQL refuses it: "unsafe use of new value")
{
	my $dir = folder_of(
		'00001_moods.sql' => "-- +goose Up\nCREATE TYPE mood AS ENUM ('sad');\nCREATE TABLE feelings (m mood);\n"
		  . "-- +goose Down\nDROP TABLE feelings;\nDROP TYPE mood;\n",
		'00002_happy.sql' => "-- +goose NO TRANSACTION\n-- +goose Up\nALTER TYPE mood ADD VALUE 'happy';\n"
		  . "ALTER TABLE feelings ALTER COLUMN m SET DEFAULT 'happy';\nINSERT INTO feelings VALUES (DEFAULT);\n"
		  . "-- +goose Down\nALTER TABLE feelings ALTER COLUMN m DROP DEFAULT;\n");
	($code, $out, $err) = cli('migrate', '--dir', $dir);
	is($code, 0, 'goose NO TRANSACTION with ALTER TYPE ... ADD VALUE: migrate exits 0') or diag($out . $err);
	$node->poll_query_until('postgres', "SELECT count(*) = 0 FROM schemamig.jobs WHERE status IN ('queued', 'running')")
	  or die 'the worker did not finish';
	is($node->safe_psql('postgres', "SELECT string_agg(version || '=' || state, ' ' ORDER BY version) FROM schemamig.status()"),
		'00001=applied 00002=applied', 'the worker applied it, not dirty');
	is($node->safe_psql('postgres', 'SELECT string_agg(m::text, \',\') FROM feelings'), 'happy',
		'the statements after ADD VALUE used the new value');
	is($node->safe_psql('postgres', "SELECT count(*) FROM schemamig.jobs WHERE status = 'failed'"), '0', 'no job failed');
}

# sqitch and LOCK TABLE: a deploy script that locks the table it just
# created is no finding; a lock on a table that was there before stays
# ban-lock-table, sqitch's own "LOCK TABLE changes IN EXCLUSIVE MODE" on
# its registry included: at lint_scope = all sqitch itself is blocked, and
# runs under a role whose lint_scope is "migrations" (doc/switching.md)
{
	my $db = fresh_db();
	my $plan = "%project=locks\n\nwidgets 2024-01-01T00:00:00Z A <a\@b.c>\n";
	my $dir = folder_of(
		'sqitch.plan'        => $plan,
		'deploy/widgets.sql' => "BEGIN;\nCREATE TABLE widgets (id int);\nLOCK TABLE widgets IN ACCESS EXCLUSIVE MODE;\nCOMMIT;\n");
	($code, $out, $err) = cli('lint', '--dir', $dir, '--db', $node->connstr($db));
	is($code, 0, 'sqitch: LOCK TABLE of the table the script created is no finding') or diag($out . $err);
	($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', $node->connstr($db));
	is($code, 0, 'sqitch: and migrate agrees') or diag($err);
	$dir = folder_of(
		'sqitch.plan'        => $plan,
		'deploy/widgets.sql' => "BEGIN;\nLOCK TABLE widgets IN EXCLUSIVE MODE;\nCOMMIT;\n");
	($code, $out, $err) = cli('lint', '--dir', $dir, '--db', $node->connstr($db));
	is($code, 1, 'sqitch: LOCK TABLE of a table that was there before is a finding');
	like($out, qr{deploy/widgets\.sql:2: .*\[ban-lock-table\]}, 'ban-lock-table, at line 2 of the file');
  SKIP:
	{
		skip 'sqitch or DBD::Pg is not installed', 3
		  unless system('sh', '-c', 'command -v sqitch >/dev/null && perl -MDBD::Pg -e1 2>/dev/null') == 0;
		my $sqitch = sub {
			my ($role, $target) = @_;
			my ($o, $e) = ('', '');
			local $ENV{PGHOST}              = $node->host;
			local $ENV{PGPORT}              = $node->port;
			local $ENV{PGUSER}              = $role;
			local $ENV{SQITCH_FULLNAME}     = 'Deploy Bot';
			local $ENV{SQITCH_EMAIL}        = 'deploy@example.com';
			local $ENV{SQITCH_USER_CONFIG}  = '/dev/null';
			IPC::Run::run([ 'sqitch', 'deploy', "db:pg:$target" ], '>', \$o, '2>', \$e,
				init => sub { chdir "$FindBin::RealBin/../layouts/sqitch" });
			return ($? >> 8, $o . $e);
		};
		my ($rc, $output) = $sqitch->('postgres', fresh_db());
		isnt($rc, 0, 'sqitch: at lint_scope = all, sqitch deploy is blocked');
		like($output, qr/ban-lock-table.*\n.*LOCK TABLE takes an EXCLUSIVE lock on "changes"/,
			'by ban-lock-table on its registry table');
		$node->safe_psql('postgres', 'CREATE ROLE sqitch_deployer LOGIN SUPERUSER');
		$node->safe_psql('postgres', 'ALTER ROLE sqitch_deployer SET schemamig.lint_scope = migrations');
		($rc, $output) = $sqitch->('sqitch_deployer', fresh_db());
		is($rc, 0, 'sqitch: a role with lint_scope = migrations deploys') or diag($output);
	}
}

# lint --dir and migrate --dir agree: a table an earlier migration of the
# deploy created, renamed and then changed by a later one, is new to both
# (harbor's 0004 renames replication_target to registry, then its columns)
{
	my $dir = folder_of(
		'1_a.up.sql' => "CREATE TABLE replication_target (id int, username text);\n",
		'2_b.up.sql' => "ALTER TABLE replication_target RENAME TO registry;\n"
		  . "ALTER TABLE registry RENAME COLUMN username TO access_key;\nALTER TABLE registry ALTER COLUMN access_key TYPE varchar(256);\n");
	my $db = fresh_db();
	($code, $out, $err) = cli('lint', '--dir', $dir, '--db', $node->connstr($db));
	is($code, 0, 'lint --dir: the renamed table of an earlier file is new') or diag($out . $err);
	($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', $node->connstr($db));
	is($code, 0, 'migrate --dir agrees: nothing blocked') or diag($err);
	is($node->safe_psql($db, "SELECT count(*) FROM schemamig.events WHERE event = 'lint_blocked'"), '0',
		'no lint_blocked event');
	# and a table that was there before the deploy still is not
	$db = fresh_db();
	$node->safe_psql($db, 'CREATE TABLE replication_target (id int, username text)');
	$dir = folder_of('2_b.up.sql' => "ALTER TABLE replication_target RENAME TO registry;\n"
		  . "ALTER TABLE registry RENAME COLUMN username TO access_key;\n");
	($code, $out, $err) = cli('lint', '--dir', $dir, '--db', $node->connstr($db));
	like($out, qr{2_b\.up\.sql:1: .*\[renaming-table\]}, 'lint --dir: renaming a pre-existing table is a finding');
	like($out, qr{2_b\.up\.sql:2: .*\[renaming-column\]}, 'lint --dir: and renaming its column');
	($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', $node->connstr($db));
	like($err, qr{2_b\.up\.sql:1: statement blocked by schemamig lint rule "renaming-table"}, 'migrate blocks the first of them');
}

# lint --dir and migrate --dir agree on an index an earlier file created
# without a name and a later one drops by the name the server gave it
# (crates.io drops reserved_crate_names_canon_crate_name_idx): new to both
{
	my $dir = folder_of(
		'1_a.up.sql' => "CREATE TABLE rcn (name text);\nCREATE INDEX ON rcn (lower(name));\nCREATE INDEX ON rcn (name, lower(name));\n",
		'2_b.up.sql' => "DROP INDEX rcn_lower_idx;\nDROP INDEX rcn_name_lower_idx;\n");
	my $db = fresh_db();
	($code, $out, $err) = cli('lint', '--dir', $dir, '--db', $node->connstr($db));
	is($code, 0, 'lint --dir: an unnamed index of an earlier file is new, by its generated name') or diag($out . $err);
	($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', $node->connstr($db));
	is($code, 0, 'migrate --dir agrees') or diag($err);
}

done_testing();
