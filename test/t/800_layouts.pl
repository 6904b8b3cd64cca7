# 800_layouts.pl — the folders of other migration tools load as they are
# (test/layouts/<tool>/): each is applied by the client with the linter at
# "error" on a fresh database and compared (pg_dump --schema-only) with the
# same up scripts applied by psql in the tool's own order; then rolled back
# where down scripts exist (compared with an empty database), and
# re-applied.  Also: the markers that reach the server (NO TRANSACTION,
# transaction:false), wrappers, "nothing to undo" down scripts, Flyway's
# numeric order, pairing by version, --layout, and file names in errors.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCLI;

use PostgreSQL::Test::Utils;
use Test::More;

my $layouts = "$FindBin::RealBin/../layouts";
my @tools = qw(golang-migrate sqlx goose dbmate flyway diesel prisma sqitch);

my $node = cli_node('layouts');
$node->safe_psql('postgres', "CREATE DATABASE $_") for qw(empty reference);
$node->safe_psql('postgres', qq{CREATE DATABASE "$_"}) for @tools;
$node->safe_psql($_, 'CREATE EXTENSION schemamig') for ('empty', 'reference', @tools);
# the worker runs the non-transactional migrations of these databases
$node->append_conf('postgresql.conf', "schemamig.database = 'postgres, goose, dbmate'\n");
$node->restart;
my ($code, $out, $err);

sub slurp
{
	my ($path) = @_;
	open(my $fh, '<', $path) or die "cannot read $path: $!";
	local $/;
	return scalar <$fh>;
}

# the up section of a single-file migration, cut as the tool cuts it
sub section
{
	my ($text, $up_marker, $down_marker) = @_;
	$text =~ /^\Q$up_marker\E[^\n]*\n(.*?)(?:^\Q$down_marker\E|\z)/ms or die "no up section";
	return $1;
}

# the up scripts of each folder, in the tool's own order (spelled out here,
# independently of the client)
my %reference = (
	'golang-migrate' =>
	  [ map { slurp("$layouts/golang-migrate/$_") } qw(1_create_accounts.up.sql 2_notes.up.sql 10_describe.up.sql) ],
	sqlx => [ map { slurp("$layouts/sqlx/$_") } qw(20240101000000_items.sql 20240102000000_tags.up.sql) ],
	goose => [
		map { section(slurp("$layouts/goose/$_"), '-- +goose Up', '-- +goose Down') }
		  qw(00001_create_users.sql 00002_users_email.sql 00003_describe_users.sql)
	],
	dbmate => [
		map { section(slurp("$layouts/dbmate/$_"), '-- migrate:up', '-- migrate:down') }
		  qw(20240101000000_create_events.sql 20240102000000_describe_events.sql)
	],
	flyway => [
		map { slurp("$layouts/flyway/$_") }
		  qw(V1__create_orders.sql V1.1__add_status.sql V1.2__create_lines.sql V1.10__add_qty.sql V2_3__line_view.sql)
	],
	diesel => [
		map { slurp("$layouts/diesel/$_/up.sql") }
		  qw(00000000000000_diesel_initial_setup 2024-02-01-101500_create_posts 2024-02-02-090000_describe_posts)
	],
	prisma => [ map { slurp("$layouts/prisma/$_/migration.sql") } qw(20240101000000_init 20240102000000_posts) ],
	# sqitch.plan's order, which is not the names' order
	sqitch => [ map { slurp("$layouts/sqitch/deploy/$_.sql") } qw(users orders app/order_totals) ],);

sub dump_schema
{
	my ($db) = @_;
	my ($stdout, $stderr) = run_command([ 'pg_dump', '--schema-only', '-d', $node->connstr($db) ]);
	die "pg_dump $db: $stderr" if $stderr ne '';
	# pg_dump's \restrict key is random on every run
	return $stdout =~ s/^\\(?:un)?restrict .*$//mgr;
}

# migrate until nothing is pending: non-transactional migrations are queued
# for the worker, and the client stops after queueing one
sub migrate_all
{
	my ($tool, @options) = @_;
	for my $round (1 .. 10)
	{
		($code, $out, $err) = cli('migrate', '--dir', "$layouts/$tool", '--db', $node->connstr($tool), @options);
		is($code, 0, "$tool: migrate exits 0 (round $round)") or diag($err);
		return
		  if $node->safe_psql($tool, "SELECT count(*) FROM schemamig.status() WHERE state <> 'applied'") eq '0';
		$node->poll_query_until($tool,
			"SELECT count(*) = 0 FROM schemamig.jobs WHERE status IN ('queued', 'running')")
		  or die "the worker did not finish";
	}
	fail("$tool: still pending after ten rounds");
}

my %rollback_steps = ('golang-migrate' => 3, sqlx => 1, goose => 3, dbmate => 2, flyway => 5, diesel => 3, sqitch => 3);
my %options = (sqlx => [ '--layout', 'sqlx' ]);

for my $tool (@tools)
{
	my $ref = "ref_$tool" =~ s/-/_/gr;
	$node->safe_psql('postgres', "CREATE DATABASE $ref");
	$node->safe_psql($ref, 'CREATE EXTENSION schemamig');
	for my $sql (@{ $reference{$tool} })
	{
		# psql, as the tool's users run it (the linter judges migrations, not this)
		my ($rc, $o, $e) = $node->psql($ref, "SET schemamig.lint = off;\n$sql", on_error_stop => 1);
		is($rc, 0, "$tool: psql applies the reference script") or diag($e);
	}

	migrate_all($tool, @{ $options{$tool} || [] });
	is( $node->safe_psql($tool, "SELECT count(*) FROM schemamig.events WHERE event = 'lint_blocked'"),
		'0', "$tool: nothing was blocked by the linter at error");
	is(dump_schema($tool), dump_schema($ref), "$tool: same schema as psql applying the tool's order");

	next unless $rollback_steps{$tool};
	if ($tool eq 'goose')
	{
		# 00002's down script is DROP INDEX CONCURRENTLY: the worker runs it
		($code, $out, $err) = cli('rollback', '--steps', '1', '--db', $node->connstr($tool));
		is($code, 0, 'goose: rollback of 00003') or diag($err);
		my $job = $node->safe_psql($tool, "SELECT schemamig.enqueue('00002', 'down')");
		$node->poll_query_until($tool, "SELECT status = 'done' FROM schemamig.jobs WHERE id = $job")
		  or die "the worker did not roll back 00002";
		($code, $out, $err) = cli('rollback', '--steps', '1', '--db', $node->connstr($tool));
	}
	else
	{
		($code, $out, $err) =
		  cli('rollback', '--steps', $rollback_steps{$tool}, '--db', $node->connstr($tool));
	}
	is($code, 0, "$tool: rollback exits 0") or diag($err);
	if ($tool eq 'sqlx')
	{
		# the plain file has no down script: it stays
		is($node->safe_psql($tool, "SELECT string_agg(version, ',') FROM schemamig.applied"),
			'20240101000000', 'sqlx: the plain file has no down script and stays applied');
		$node->safe_psql($tool, 'SET schemamig.lint = off; DROP TABLE items; DELETE FROM schemamig.applied');
	}
	is(dump_schema($tool), dump_schema('empty'), "$tool: rolled back to an empty schema");
	migrate_all($tool, @{ $options{$tool} || [] });
	is(dump_schema($tool), dump_schema($ref), "$tool: re-applied, the same schema again");
}

# what reached the server
is( $node->safe_psql('golang-migrate',
		"SELECT count(*) FROM schemamig.migrations WHERE up_sql ~* '(BEGIN|START TRANSACTION|COMMIT|END);'"),
	'0',
	'golang-migrate: the outer BEGIN/COMMIT (or END) wrapper is not sent');
like(
	$node->safe_psql('golang-migrate', "SELECT down_sql FROM schemamig.migrations WHERE version = '10'"),
	qr{^/\* nothing to undo},
	'golang-migrate: a down script of only comments is registered as it is');
is( $node->safe_psql(
		'golang-migrate',
		"SELECT count(*) FROM schemamig.events WHERE version = '10' AND event = 'rolled_back'"),
	'1',
	'golang-migrate: rollback passed the nothing-to-undo down script');
is( $node->safe_psql('goose', "SELECT string_agg(version || '=' || transactional, ' ' ORDER BY version) FROM schemamig.migrations"),
	'00001=true 00002=false 00003=false',
	'goose: NO TRANSACTION makes a migration non-transactional even when its statements could run in one');
is( $node->safe_psql('goose',
		"SELECT count(*) > 0 FROM schemamig.events WHERE version = '00003' AND message = 'the worker applied migration 00003'"),
	't',
	'goose: the worker applied the NO TRANSACTION migration');
like($node->safe_psql('goose', "SELECT up_sql FROM schemamig.migrations WHERE version = '00001'"),
	qr/-- \+goose StatementBegin\nCREATE FUNCTION .*END;\n\$\$;\n-- \+goose StatementEnd/s,
	'goose: StatementBegin/End are kept, the function whole');
is( $node->safe_psql('dbmate', "SELECT string_agg(version || '=' || transactional, ' ' ORDER BY version) FROM schemamig.migrations"),
	'20240101000000=true 20240102000000=false',
	'dbmate: transaction:false makes a migration non-transactional');
is( $node->safe_psql('flyway',
		"SELECT string_agg(version || ':' || description, ', ' ORDER BY schemamig.version_sort_key(version)) FROM schemamig.migrations"),
	'1:create orders, 1.1:add status, 1.2:create lines, 1.10:add qty, 2.3:line view',
	'flyway: versions in numeric order ("2_3" is 2.3), descriptions as Flyway shows them');
is( $node->safe_psql('diesel',
		"SELECT string_agg(version || '=' || (down_sql IS NOT NULL), ' ' ORDER BY schemamig.version_sort_key(version)) FROM schemamig.migrations"),
	'00000000000000=true 2024-02-01-101500=true 2024-02-02-090000=true',
	'diesel: versions from folder names, down.sql paired (a comment-only one too)');
is( $node->safe_psql('prisma', "SELECT string_agg(version || ':' || description || '=' || (down_sql IS NULL), ' ' ORDER BY version) FROM schemamig.migrations"),
	'20240101000000:init=true 20240102000000:posts=true',
	'prisma: migration.sql folders, no down scripts, migration_lock.toml ignored');
is( $node->safe_psql('sqitch',
		"SELECT string_agg(version || ':' || description || '=' || (down_sql IS NOT NULL), ' ' ORDER BY schemamig.version_sort_key(version)) FROM schemamig.migrations"),
	'1:users=true 2:orders=true 3:app/order_totals=true',
	'sqitch: versions are places in sqitch.plan, descriptions the change names, revert/ scripts paired');

# sqitch plans that cannot be read as sqitch means them, each naming the line
{
	my $dir = folder_of(
		'sqitch.plan' => "%project=p\n\nwidgets 2024-01-01T00:00:00Z A <a\@b.c>\n\@v1 2024-01-02T00:00:00Z A <a\@b.c>\n"
		  . "widgets [widgets\@v1] 2024-01-03T00:00:00Z A <a\@b.c>\n-gadgets 2024-01-04T00:00:00Z A <a\@b.c>\n"
		  . "missing 2024-01-05T00:00:00Z A <a\@b.c>\n",
		'deploy/widgets.sql' => "CREATE TABLE widgets (id int);\n");
	($code, $out, $err) = cli('migrate', '--dir', $dir);
	is($code, 1, 'sqitch: a plan with a reworked change exits 1');
	like($err, qr{sqitch\.plan:5: change "widgets" is reworked}, 'a reworked change is refused, naming the line');
	like($err, qr{sqitch\.plan:6: a planned revert}, 'a planned revert is refused, naming the line');
	like($err, qr{deploy/missing\.sql: no deploy script for change "missing"}, 'a change without its deploy script is named');
	$dir = folder_of('sqitch.plan' => "widgets 2024-01-01T00:00:00Z A <a\@b.c>\n", 'deploy/widgets.sql' => "SELECT 1;\n");
	($code, $out, $err) = cli('lint', '--dir', $dir);
	like($err, qr{sqitch\.plan: no %project pragma}, 'a plan without %project is not a sqitch plan');
}

# a missing down script is still irreversible, unlike an empty one
{
	my $dir = folder_of(
		'1_a.up.sql'   => "CREATE TABLE pair_a (id int);\n",
		'1_a.down.sql' => '',
		'2_b.up.sql'   => "CREATE TABLE pair_b (id int);\n");
	($code, $out, $err) = cli('migrate', '--dir', $dir);
	is($code, 0, 'empty and missing down scripts: migrate exits 0') or diag($err);
	($code, $out, $err) = cli('rollback', '--steps', '1');
	is($code, 1, 'a missing down script still refuses the rollback');
	like($err, qr/has no down script/, 'and says so');
	$node->safe_psql('postgres', "SET schemamig.lint = off; DROP TABLE pair_b; DELETE FROM schemamig.applied WHERE version = '2'");
	($code, $out, $err) = cli('rollback', '--steps', '1');
	is($code, 0, 'an empty down script rolls back (nothing to undo)') or diag($err);
	is($node->safe_psql('postgres', "SELECT to_regclass('pair_a') IS NOT NULL AND NOT EXISTS (SELECT FROM schemamig.applied)"),
		't', 'nothing was undone, and the history row is gone');
	$node->safe_psql('postgres', 'SET schemamig.lint = off; DROP TABLE pair_a; TRUNCATE schemamig.migrations, schemamig.events');
}

# a down script that does not parse does not stop the deploy: registered,
# warned about and listed by validate naming its file; only its rollback is
# refused, until the fixed file is registered
{
	my $dir = folder_of(
		'1_a.up.sql'   => "CREATE TABLE unparsed_a (id int);\n",
		'1_a.down.sql' => "DROPP TABLE unparsed_a;\n",
		'2_b.up.sql'   => "CREATE TABLE unparsed_b (id int);\n",
		'2_b.down.sql' => "DROP TABLE unparsed_b;\n");
	($code, $out, $err) = cli('migrate', '--dir', $dir);
	is($code, 0, 'a down script that does not parse: migrate exits 0') or diag($err);
	like($err, qr{warning: \S*1_a\.down\.sql:1: down script of migration "1" does not parse: line 1: syntax error at or near "DROPP"},
		'the client warns, naming the file and the line');
	is($node->safe_psql('postgres', "SELECT string_agg(version, ',' ORDER BY version) FROM schemamig.applied"),
		'1,2', 'both up scripts were applied');
	is($node->safe_psql('postgres', "SELECT down_sql FROM schemamig.migrations WHERE version = '1'"),
		"DROPP TABLE unparsed_a;\n", 'the down script is registered as it is');
	like($node->safe_psql('postgres', "SELECT problem FROM schemamig.validate() WHERE version = '1'"),
		qr/^down script does not parse \(line 1: syntax error at or near "DROPP"\)/, 'validate() lists it');
	($code, $out, $err) = cli('validate', '--dir', $dir);
	is($code, 1, 'validate --dir exits 1');
	like($out . $err, qr{1_a\.down\.sql: down script does not parse}, 'validate --dir names the file');
	($code, $out, $err) = cli('rollback', '--steps', '2');
	is($code, 1, 'a rollback that would run it is refused');
	like($err, qr/down script of migration "1" does not parse: line 1: syntax error at or near "DROPP"/, 'saying why');
	is($node->safe_psql('postgres', "SELECT string_agg(version, ',' ORDER BY version) FROM schemamig.applied"),
		'1,2', 'and nothing was rolled back');
	($code, $out, $err) = cli('rollback', '--steps', '1');
	is($code, 0, 'the rollback of the migration after it still runs') or diag($err);
	my $job = $node->safe_psql('postgres', "SELECT schemamig.enqueue('1', 'down')");
	$node->poll_query_until('postgres', "SELECT status = 'failed' FROM schemamig.jobs WHERE id = $job")
	  or die "the worker did not finish the down job";
	is($node->safe_psql('postgres', "SELECT sqlstate || ' ' || error FROM schemamig.jobs WHERE id = $job"),
		'42601 down script of migration 1 does not parse: line 1: syntax error at or near "DROPP"',
		'the worker refuses it too, saying why');
	is($node->safe_psql('postgres', "SELECT string_agg(version, ',') FROM schemamig.applied"), '1',
		'and leaves the migration applied');
	write_file("$dir/1_a.down.sql", "DROP TABLE unparsed_a;\n");
	($code, $out, $err) = cli('migrate', '--dir', $dir, '--target', '1');
	is($code, 0, 'the fixed down script is registered') or diag($err);
	unlike($err, qr/does not parse/, 'without a warning');
	($code, $out, $err) = cli('rollback', '--steps', '1');
	is($code, 0, 'and now rolls back') or diag($err);
	is($node->safe_psql('postgres', "SELECT to_regclass('unparsed_a') IS NULL AND NOT EXISTS (SELECT FROM schemamig.applied)"),
		't', 'undoing the migration');
	# an up script that does not parse still stops the deploy before anything runs
	write_file("$dir/2_b.up.sql", "CREATE TABLEE unparsed_b (id int);\n");
	($code, $out, $err) = cli('migrate', '--dir', $dir);
	is($code, 1, 'an up script that does not parse stops the deploy');
	is($node->safe_psql('postgres', 'SELECT count(*) FROM schemamig.applied'), '0', 'before anything ran');
	$node->safe_psql('postgres', 'SET schemamig.lint = off; TRUNCATE schemamig.migrations, schemamig.events');
}

# a down file whose description differs is paired by version, with a warning
{
	my $dir = folder_of('0001_create.up.sql' => "CREATE TABLE warned (id int);\n",
		'0001_drop.down.sql' => "DROP TABLE warned;\n");
	($code, $out, $err) = cli('migrate', '--dir', $dir);
	is($code, 0, 'down file of another description: migrate exits 0') or diag($err);
	like($err, qr/warning: .*0001_drop\.down\.sql: paired with .*0001_create\.up\.sql by version "0001"/,
		'the pairing is warned about, naming both files');
	is($node->safe_psql('postgres', "SELECT down_sql FROM schemamig.migrations WHERE version = '0001'"),
		"DROP TABLE warned;\n", 'and the down script is registered');
	($code, $out, $err) = cli('rollback', '--steps', '1');
	is($code, 0, 'and rolls back');
	$node->safe_psql('postgres', 'SET schemamig.lint = off; TRUNCATE schemamig.migrations, schemamig.events');
}

# only one outer wrapper is stripped; transaction control inside stays an error
{
	my $dir = folder_of('1_two.up.sql' => "BEGIN;\nCREATE TABLE w1 (id int);\nCOMMIT;\nBEGIN;\nCREATE TABLE w2 (id int);\nCOMMIT;\n");
	($code, $out, $err) = cli('migrate', '--dir', $dir);
	is($code, 1, 'two wrapped transactions in one file are refused');
	like($err, qr/transaction control|COMMIT|2D000/i, 'as transaction control inside a migration');
	is($node->safe_psql('postgres', "SELECT to_regclass('w1') IS NULL AND NOT EXISTS (SELECT FROM schemamig.applied)"),
		't', 'and nothing was applied');
}

# lint --dir judges scripts as migrate and rollback run them: wrappers
# stripped, and no destructive rules in down scripts (rollback allows
# them), while the lock rules still apply there
{
	for my $tool (qw(golang-migrate flyway diesel))
	{
		($code, $out, $err) = cli('lint', '--dir', "$layouts/$tool", '--db', $node->connstr('empty'));
		is($code, 0, "$tool: lint --dir has no safety finding") or diag($out . $err);
		like($out, qr/ 0 finding\(s\)/, "$tool: and says so");
	}
	$node->safe_psql('empty', 'SET schemamig.lint = off; CREATE TABLE kept (id int)');
	my $dir = folder_of(
		'1_a.up.sql'   => "CREATE TABLE other (id int);\n",
		'1_a.down.sql' => "DROP TABLE other;\nCREATE INDEX kept_id ON kept (id);\n");
	($code, $out, $err) = cli('lint', '--dir', $dir, '--db', $node->connstr('empty'));
	is($code, 1, 'a down script that blocks writes is still a finding');
	like($out, qr/1_a\.down\.sql:2: .*\[require-concurrent-index-creation\]/, 'the lock rule applies to down scripts');
	unlike($out, qr/ban-drop-table/, 'the destructive rule does not');
}

# lint --dir judges the up scripts as one deploy of the folder: what an
# earlier file created is new for the later ones, as the deploy counts it;
# what the database already had is not
{
	my %files = (
		'1_a.up.sql' => "CREATE TABLE made_here (id int);\n",
		'2_b.up.sql' => "CREATE INDEX made_here_id ON made_here (id);\n");
	my $dir = folder_of(%files, '3_c.up.sql' => "CREATE INDEX kept_id3 ON kept (id);\n");
	($code, $out, $err) = cli('lint', '--dir', $dir, '--db', $node->connstr('empty'));
	is($code, 1, 'lint --dir: a pre-existing table still needs CONCURRENTLY');
	like($out, qr/3_c\.up\.sql:1: .*\[require-concurrent-index-creation\]/, 'naming the later file');
	unlike($out, qr/2_b\.up\.sql/, 'a table an earlier file of the folder created counts as new');
	like($out, qr/^3 script\(s\) linted, 1 finding\(s\)$/m, 'one finding in all');
	$dir = folder_of(%files);
	($code, $out, $err) = cli('lint', '--dir', $dir, '--db', $node->connstr('empty'));
	is($code, 0, 'lint --dir of the folder without it: no finding') or diag($out);
	$node->safe_psql('postgres', 'CREATE DATABASE lint_agrees');
	$node->safe_psql('lint_agrees', 'CREATE EXTENSION schemamig');
	($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', $node->connstr('lint_agrees'));
	is($code, 0, 'and the deploy of that folder, linter at error, agrees') or diag($err);
	is($node->safe_psql('lint_agrees', "SELECT count(*) FROM schemamig.applied"), '2', 'applying both');
	# an unparsable file in between does not lose what the earlier files created
	$dir = folder_of(%files, '1.5_x.up.sql' => "CREATE TABLEE oops (id int);\n");
	($code, $out, $err) = cli('lint', '--dir', $dir, '--db', $node->connstr('empty'));
	is($code, 1, 'lint --dir with an unparsable file exits 1');
	like($out, qr/^3 script\(s\) linted, 1 finding\(s\)$/m, 'counting only its failure') or diag($out . $err);
}

# a script that does not parse is reported, naming its file, and the
# others are still linted; the counts stay exact
{
	my $dir = folder_of(
		'1_a.up.sql' => "CREATE TABLE parsed (id int);\n",
		'2_b.up.sql' => "CREATE TABLEE oops (id int);\n",
		'3_c.up.sql' => "CREATE INDEX kept_id2 ON kept (id);\n");
	($code, $out, $err) = cli('lint', '--dir', $dir, '--db', $node->connstr('empty'));
	is($code, 1, 'lint with an unparsable script exits 1');
	like($err, qr/cannot lint .*2_b\.up\.sql/, 'the unparsable script is named');
	like($out, qr/3_c\.up\.sql:1: .*\[require-concurrent-index-creation\]/, 'the script after it is still linted');
	like($out, qr/^3 script\(s\) linted, 2 finding\(s\)$/m, 'the summary counts both');
	my $doc;
	($code, $doc, $err) = cli_json('lint', '--dir', $dir, '--db', $node->connstr('empty'));
	my @failed = grep { !defined $_->{rule} } @{ $doc->{findings} };
	is(scalar @failed, 1, '--json: one entry for the script that does not lint');
	like($failed[0]{file}, qr/2_b\.up\.sql$/, '--json: naming its file');
	is($failed[0]{sqlstate}, '42601', '--json: with its SQLSTATE');
	is(scalar @{ $doc->{findings} }, 2, '--json: and the other finding');
}

# --layout forces a layout, is checked, and is accepted by every command
{
	($code, $out, $err) = cli('status', '--layout', 'liquibase');
	is($code, 2, 'an unknown --layout is a usage error');
	like($err, qr/--layout must be one of auto, schemamig, golang-migrate/, 'naming the layouts');
	my $dir = folder_of('1_a.sql' => "-- migrate:up\nSELECT 1;\n");
	($code, $out, $err) = cli('validate', '--layout', 'golang-migrate', '--dir', $dir);
	is($code, 1, '--layout golang-migrate refuses a single-file migration');
	like($err, qr{1_a\.sql: a golang-migrate folder holds only \.up\.sql and \.down\.sql files},
		'naming the file');
	($code, $out, $err) = cli('lint', '--layout', 'goose', '--dir', $dir);
	like($err, qr{1_a\.sql:1: a dbmate marker in a goose folder}, '--layout goose refuses dbmate markers, naming file and line');
	($code, $out, $err) = cli('rollback', '--steps', '1', '--layout', 'flyway');
	unlike($err, qr/does not apply/, 'rollback accepts --layout too');
}

# errors name the file: Flyway names that do not parse, goose ENVSUB, unknown dbmate options
{
	my $dir = folder_of('V1__a.sql' => "SELECT 1;\n", 'V1.x__b.sql' => "SELECT 1;\n");
	($code, $out, $err) = cli('migrate', '--dir', $dir);
	is($code, 1, 'a Flyway name with a bad version exits 1');
	like($err, qr{V1\.x__b\.sql: file name does not parse: expected V\{version\}__}, 'naming the file');
	$dir = folder_of('1_a.sql' => "-- +goose ENVSUB ON\n-- +goose Up\nSELECT '\${X}';\n");
	($code, $out, $err) = cli('migrate', '--dir', $dir);
	like($err, qr{1_a\.sql:3: goose substitutes environment variables in this line}, 'a line goose ENVSUB would substitute in is refused, naming the file and line');
	$dir = folder_of('1_a.sql' => "-- migrate:up transaction:maybe\nSELECT 1;\n");
	($code, $out, $err) = cli('migrate', '--dir', $dir);
	like($err, qr{1_a\.sql:1: unknown dbmate option "transaction:maybe"}, 'an unknown dbmate option is refused, naming the file');
	is($node->safe_psql('postgres', 'SELECT count(*) FROM schemamig.migrations'), '0', 'nothing was sent');
}

done_testing();
