# 810_adopt.pl — "schemamig adopt --from TOOL": each tool's history table,
# in the exact shape the tool creates it (and, for dbmate and
# node-pg-migrate, written by the real tool from npm: tools/deps.sh), is
# taken over: the migrations it applied are marked applied without running
# them, at its time, its table is left as it was, and the next migrate
# applies only the rest.  Dirty, failed or unfinished states and every
# disagreement between history and folder are refused, changing nothing.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCLI;

use Compress::Zlib qw(crc32);
use PostgreSQL::Test::Utils;
use Test::More;

my $layouts = "$FindBin::RealBin/../layouts";
my @dbs = qw(golang goose dbmate flyway diesel sqlx prisma npm sqitch refuse);

my $node = cli_node('adopt');
for my $db (@dbs)
{
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION schemamig');
	# the other tool's own DDL and history rows are not schemamig's to lint
	$node->safe_psql('postgres', "ALTER DATABASE $db SET schemamig.lint = off");
}
# the worker runs the non-transactional migrations of these databases
$node->append_conf('postgresql.conf', "schemamig.database = 'goose, dbmate'\n");
$node->restart;
my ($code, $out, $err);

sub slurp
{
	my ($path) = @_;
	open(my $fh, '<', $path) or die "cannot read $path: $!";
	local $/;
	return scalar <$fh>;
}

sub table_rows
{
	my ($db, $table) = @_;
	return $node->safe_psql($db, "SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM $table t");
}

sub states
{
	my ($db) = @_;
	return $node->safe_psql($db,
		"SELECT string_agg(version || '=' || state, ' ' ORDER BY schemamig.version_sort_key(version)) FROM schemamig.status()"
	);
}

# adopt, then check: what is applied, the tool's table untouched, and
# migrate applies only the rest (non-transactional ones by the worker)
sub adopt_ok
{
	my ($db, $tool, $dir, $table, $expected, @more) = @_;
	my $before = table_rows($db, $table);
	($code, $out, $err) = cli('adopt', '--from', $tool, '--dir', $dir, '--db', $node->connstr($db), @more);
	is($code, 0, "$tool: adopt exits 0") or diag($err);
	is(states($db), $expected, "$tool: the migrations the tool applied are applied, the rest pending");
	is($node->safe_psql($db, "SELECT count(*) FROM schemamig.events WHERE event = 'applied'"),
		'0', "$tool: nothing was run");
	is(table_rows($db, $table), $before, "$tool: its history table is unchanged");
	for (1 .. 5)
	{
		($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', $node->connstr($db), @more);
		is($code, 0, "$tool: migrate after adopt exits 0") or diag($err);
		last if $node->safe_psql($db, "SELECT count(*) FROM schemamig.status() WHERE state <> 'applied'") eq '0';
		$node->poll_query_until($db, "SELECT count(*) = 0 FROM schemamig.jobs WHERE status IN ('queued', 'running')");
	}
	my $pending = () = $expected =~ /=pending/g;
	is($node->safe_psql($db, "SELECT count(DISTINCT version) FROM schemamig.events WHERE event = 'applied'"),
		$pending, "$tool: migrate applied only what the tool had not");
}

# apply the up scripts of the first migrations by hand, as the tool did
sub apply_sql
{
	my ($db, @scripts) = @_;
	$node->safe_psql($db, $_) for @scripts;
}

# golang-migrate: schema_migrations(version bigint, dirty bool), one row
{
	my $dir = "$layouts/golang-migrate";
	apply_sql('golang', map { slurp("$dir/$_") } qw(1_create_accounts.up.sql 2_notes.up.sql));
	$node->safe_psql('golang',
		'CREATE TABLE schema_migrations (version bigint NOT NULL, dirty boolean NOT NULL, PRIMARY KEY (version));'
		  . ' INSERT INTO schema_migrations VALUES (2, false)');
	adopt_ok('golang', 'golang-migrate', $dir, 'schema_migrations', '1=applied 2=applied 10=pending');
	is($node->safe_psql('golang', "SELECT count(*) FROM schemamig.events WHERE event = 'adopted' AND detail->>'source' = 'golang-migrate'"),
		'2', 'golang-migrate: an adopted event per migration names the tool');
}

# goose: goose_db_version; the latest row of a version says whether it is applied
{
	my $dir = "$layouts/goose";
	$node->safe_psql('goose', "SET schemamig.lint = off;\n"
		  . (slurp("$dir/00001_create_users.sql") =~ s/-- \+goose Down.*//sr));
	$node->safe_psql('goose',
		    'CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL,'
		  . ' is_applied boolean NOT NULL, tstamp timestamp NULL default now(), PRIMARY KEY(id));'
		  . " INSERT INTO goose_db_version (version_id, is_applied, tstamp) VALUES (0, true, '2024-01-01 10:00'),"
		  . " (1, true, '2024-01-02 10:00'), (2, true, '2024-01-03 10:00'), (2, false, '2024-01-04 10:00')");
	adopt_ok('goose', 'goose', $dir, 'goose_db_version', '00001=applied 00002=pending 00003=pending');
	is($node->safe_psql('goose', "SELECT applied_at = '2024-01-02 10:00' FROM schemamig.applied WHERE version = '00001'"),
		't', 'goose: applied_at is the time goose recorded');
}

# Flyway: flyway_schema_history as Flyway creates it; its CRC-32 checksums are compared
sub flyway_crc
{
	my ($text) = @_;
	$text =~ s/[\r\n]//g;
	my $crc = crc32($text);
	return $crc >= 2**31 ? $crc - 2**32 : $crc;
}
my $flyway_table = <<'SQL';
CREATE TABLE "flyway_schema_history" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "flyway_schema_history_s_idx" ON "flyway_schema_history" ("success");
SQL
{
	my $dir = "$layouts/flyway";
	my @files = qw(V1__create_orders.sql V1.1__add_status.sql V1.2__create_lines.sql);
	apply_sql('flyway', map { slurp("$dir/$_") } @files);
	my @versions = ('1', '1.1', '1.2');
	my $rows = join(', ',
		map {
			sprintf("(%d, '%s', 'x', 'SQL', '%s', %d, 'me', '2024-03-0%d 12:00', 5, true)",
				$_ + 2, $versions[$_], $files[$_], flyway_crc(slurp("$dir/$files[$_]")), $_ + 1)
		} 0 .. 2);
	$node->safe_psql('flyway', $flyway_table
		  . "INSERT INTO flyway_schema_history VALUES (1, NULL, '<< Flyway Schema Creation >>', 'SCHEMA', '\"public\"', NULL, 'me', '2024-03-01 11:00', 0, true), $rows");

	# a changed checksum is a disagreement: nothing changes
	$node->safe_psql('flyway', "UPDATE flyway_schema_history SET checksum = checksum + 1 WHERE version = '1.1'");
	($code, $out, $err) = cli('adopt', '--from', 'flyway', '--dir', $dir, '--db', $node->connstr('flyway'));
	is($code, 1, 'flyway: a checksum that differs refuses the adoption');
	like($err, qr/V1\.1__add_status\.sql: changed since flyway applied it/, 'naming the file');
	is($node->safe_psql('flyway', 'SELECT count(*) FROM schemamig.migrations'), '0', 'flyway: nothing was registered');
	$node->safe_psql('flyway', "UPDATE flyway_schema_history SET checksum = checksum - 1 WHERE version = '1.1'");

	adopt_ok('flyway', 'flyway', $dir, 'flyway_schema_history',
		'1=applied 1.1=applied 1.2=applied 1.10=pending 2.3=pending');
	is($node->safe_psql('flyway', "SELECT applied_at = '2024-03-03 12:00' FROM schemamig.applied WHERE version = '1.2'"),
		't', 'flyway: applied_at is installed_on');
}

# diesel: __diesel_schema_migrations records versions without the dashes
{
	my $dir = "$layouts/diesel";
	apply_sql('diesel', map { slurp("$dir/$_/up.sql") } qw(00000000000000_diesel_initial_setup 2024-02-01-101500_create_posts));
	$node->safe_psql('diesel',
		'CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL,'
		  . ' run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);'
		  . " INSERT INTO __diesel_schema_migrations VALUES ('00000000000000', '2024-02-01 09:00'), ('20240201101500', '2024-02-01 10:15')");
	adopt_ok('diesel', 'diesel', $dir, '__diesel_schema_migrations',
		'00000000000000=applied 2024-02-01-101500=applied 2024-02-02-090000=pending');
}

# sqlx: _sqlx_migrations; success = false is a failed migration
{
	my $dir = "$layouts/sqlx";
	apply_sql('sqlx', slurp("$dir/20240101000000_items.sql"));
	$node->safe_psql('sqlx',
		    'CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL,'
		  . ' installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL,'
		  . ' checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL);'
		  . " INSERT INTO _sqlx_migrations VALUES (20240101000000, 'items', '2024-01-01 00:00+00', true, '\\x00', 1)");
	adopt_ok('sqlx', 'sqlx', $dir, '_sqlx_migrations', '20240101000000=applied 20240102000000=pending',
		'--layout', 'sqlx');
}

# Prisma: _prisma_migrations; a row rolled back does not count
{
	my $dir = "$layouts/prisma";
	apply_sql('prisma', slurp("$dir/20240101000000_init/migration.sql"));
	$node->safe_psql('prisma',
		    'CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY NOT NULL, checksum VARCHAR(64) NOT NULL,'
		  . ' finished_at TIMESTAMPTZ, migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at TIMESTAMPTZ,'
		  . ' started_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_steps_count INTEGER NOT NULL DEFAULT 0);'
		  . " INSERT INTO _prisma_migrations VALUES ('a', 'c', '2024-01-01 00:00+00', '20240101000000_init', NULL, NULL, '2024-01-01 00:00+00', 1),"
		  . " ('b', 'c', NULL, '20240102000000_posts', 'failed', '2024-01-02 00:00+00', '2024-01-02 00:00+00', 0)");
	adopt_ok('prisma', 'prisma', $dir, '_prisma_migrations', '20240101000000=applied 20240102000000=pending');
}

# the real tools, from npm (tools/deps.sh installs them)
SKIP:
{
	skip 'dbmate is not installed (tools/deps.sh installs it from npm)', 1
	  unless system('sh', '-c', 'command -v dbmate >/dev/null') == 0;
	my $url = sprintf('postgres://%s@localhost:%d/dbmate?host=%s&sslmode=disable', 'postgres', $node->port, $node->host);
	my $dir = "$layouts/dbmate";
	my ($o, $e);
	IPC::Run::run([ 'dbmate', '--url', $url, '--migrations-dir', $dir, '--no-dump-schema', 'up' ], '>', \$o, '2>', \$e)
	  or die "dbmate up: $e";
	IPC::Run::run([ 'dbmate', '--url', $url, '--migrations-dir', $dir, '--no-dump-schema', 'rollback' ], '>', \$o, '2>', \$e)
	  or die "dbmate rollback: $e";
	adopt_ok('dbmate', 'dbmate', $dir, 'schema_migrations', '20240101000000=applied 20240102000000=pending');
}

SKIP:
{
	skip 'node-pg-migrate is not installed (tools/deps.sh installs it from npm)', 1
	  unless system('sh', '-c', 'command -v node-pg-migrate >/dev/null') == 0;
	my $tool_dir = PostgreSQL::Test::Utils::tempdir() . '/npm';
	write_file("$tool_dir/1700000000000_create-a.sql", "-- Up Migration\nCREATE TABLE npa (id int);\n-- Down Migration\nDROP TABLE npa;\n");
	write_file("$tool_dir/1700000000001_create-b.sql", "-- Up Migration\nCREATE TABLE npb (id int);\n-- Down Migration\nDROP TABLE npb;\n");
	local $ENV{DATABASE_URL} = sprintf('postgres://postgres@localhost:%d/npm?host=%s', $node->port, $node->host);
	my ($o, $e);
	IPC::Run::run([ 'node-pg-migrate', 'up', '-m', $tool_dir, '1' ], '>', \$o, '2>', \$e)
	  or die "node-pg-migrate up: $e";
	# the same migrations, in schemamig's layout
	my $dir = folder_of(
		'1700000000000_create-a.up.sql' => "CREATE TABLE npa (id int);\n",
		'1700000000001_create-b.up.sql' => "CREATE TABLE npb (id int);\n");
	adopt_ok('npm', 'node-pg-migrate', $dir, 'pgmigrations', '1700000000000=applied 1700000000001=pending');
}

# sqitch (from Debian: tools/deps.sh): sqitch.changes, one row per deployed
# change of each project, by name; script_hash is the SHA-1 of the deploy
# script, compared with the file
SKIP:
{
	skip 'sqitch or DBD::Pg is not installed (tools/deps.sh installs them from Debian)', 1
	  unless system('sh', '-c', 'command -v sqitch >/dev/null && perl -MDBD::Pg -e1 2>/dev/null') == 0;
	my $dir = "$layouts/sqitch";
	local $ENV{PGHOST} = $node->host;
	local $ENV{PGPORT} = $node->port;
	local $ENV{PGUSER} = 'postgres';
	local $ENV{SQITCH_FULLNAME} = 'Deploy Bot';
	local $ENV{SQITCH_EMAIL} = 'deploy@example.com';
	local $ENV{SQITCH_USER_CONFIG} = '/dev/null';
	for my $run ([ 'deploy', 'db:pg:sqitch' ], [ 'revert', '-y', '--to', '@HEAD^', 'db:pg:sqitch' ])
	{
		my ($o, $e);
		IPC::Run::run([ 'sqitch', @$run ], '>', \$o, '2>', \$e, init => sub { chdir $dir })
		  or die "sqitch @$run: $o$e";
	}
	is($node->safe_psql('sqitch', 'SELECT string_agg(change, \' \' ORDER BY committed_at) FROM sqitch.changes'),
		'users orders', 'sqitch: deployed three changes and reverted the last');

	# a deploy script changed since: its SHA-1 differs, nothing changes
	$node->safe_psql('sqitch', "UPDATE sqitch.changes SET script_hash = 'x' || script_hash WHERE change = 'orders'");
	($code, $out, $err) = cli('adopt', '--from', 'sqitch', '--dir', $dir, '--db', $node->connstr('sqitch'));
	is($code, 1, 'sqitch: a script hash that differs refuses the adoption');
	like($err, qr{deploy/orders\.sql: changed since sqitch applied it}, 'naming the file');
	is($node->safe_psql('sqitch', 'SELECT count(*) FROM schemamig.migrations'), '0', 'sqitch: nothing was registered');
	$node->safe_psql('sqitch', "UPDATE sqitch.changes SET script_hash = substr(script_hash, 2) WHERE change = 'orders'");

	adopt_ok('sqitch', 'sqitch', $dir, 'sqitch.changes', '1=applied 2=applied 3=pending');
	is( $node->safe_psql('sqitch',
			"SELECT a.applied_at = c.committed_at FROM schemamig.applied a, sqitch.changes c WHERE a.version = '2' AND c.change = 'orders'"),
		't', 'sqitch: applied_at is committed_at');
}

# refusals: each lists every problem and changes nothing
{
	my $dir = folder_of(
		'1_a.up.sql' => "CREATE TABLE ra (id int);\n",
		'2_b.up.sql' => "CREATE TABLE rb (id int);\n",
		'3_c.up.sql' => "CREATE TABLE rc (id int);\n");
	my @cases = (
		[ 'golang-migrate dirty', 'golang-migrate',
			'CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (2, true)',
			[qr/schema_migrations: version 2 is dirty/] ],
		[ 'dbmate: applied there, missing here; and out of order', 'dbmate',
			"CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY); INSERT INTO schema_migrations VALUES ('2'), ('7')",
			[ qr/schema_migrations: version 7 was applied by dbmate but has no migration in the folder/,
			  qr/1_a\.up\.sql: not applied by dbmate, but a later migration \(2\) is: out of order/ ] ],
		[ 'flyway failed row', 'flyway',
			$flyway_table . "INSERT INTO flyway_schema_history VALUES (1, '1', 'a', 'SQL', 'V1__a.sql', NULL, 'me', now(), 1, false)",
			[qr/flyway_schema_history: version 1 is failed/] ],
		[ 'sqlx failed row', 'sqlx',
			"CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL); INSERT INTO _sqlx_migrations VALUES (1, 'a', now(), false, '\\x00', 1)",
			[qr/_sqlx_migrations: version 1 is failed/] ],
		[ 'prisma unfinished row', 'prisma',
			"CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY NOT NULL, checksum VARCHAR(64) NOT NULL, finished_at TIMESTAMPTZ, migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at TIMESTAMPTZ, started_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_steps_count INTEGER NOT NULL DEFAULT 0); INSERT INTO _prisma_migrations VALUES ('x', 'c', NULL, '1_a', NULL, NULL, now(), 0)",
			[qr/_prisma_migrations: version 1 is unfinished/] ],);
	for my $case (@cases)
	{
		my ($what, $tool, $setup, $messages) = @$case;
		$node->safe_psql('refuse', "DROP TABLE IF EXISTS schema_migrations, flyway_schema_history, _sqlx_migrations, _prisma_migrations; $setup");
		($code, $out, $err) = cli('adopt', '--from', $tool, '--dir', $dir, '--db', $node->connstr('refuse'));
		is($code, 1, "$what: refused");
		like($err, $_, "$what: the problem is listed") for @$messages;
		like($err, qr/nothing was changed/, "$what: and nothing was changed");
		is( $node->safe_psql('refuse',
				'SELECT (SELECT count(*) FROM schemamig.migrations) + (SELECT count(*) FROM schemamig.applied)'),
			'0', "$what: schemamig's catalogs are untouched");
	}

	($code, $out, $err) = cli('adopt', '--from', 'sqitch', '--dir', $dir, '--db', $node->connstr('refuse'));
	is($code, 2, 'adopt --from sqitch of a folder without sqitch.plan is a usage error');
	like($err, qr/adopt --from sqitch needs a sqitch folder/, 'and says so');
	($code, $out, $err) = cli('adopt', '--from', 'liquibase', '--dir', $dir);
	is($code, 2, 'an unknown tool is a usage error');
	like($err, qr/--from must be one of golang-migrate, goose/, 'naming the tools');
	($code, $out, $err) = cli('adopt', '--dir', $dir);
	is($code, 2, 'adopt without --from is a usage error');
	($code, $out, $err) = cli('adopt', '--from', 'goose', '--dir', $dir, '--db', $node->connstr('refuse'));
	is($code, 1, 'a missing history table is an error');
	like($err, qr/cannot read the goose history in table goose_db_version/, 'naming the table');
	$node->safe_psql('refuse', 'CREATE SCHEMA legacy; CREATE TABLE legacy.versions (version varchar(128) PRIMARY KEY); INSERT INTO legacy.versions VALUES (1)');
	($code, $out, $err) = cli('adopt', '--from', 'dbmate', '--table', 'legacy.versions', '--dir', $dir, '--db', $node->connstr('refuse'));
	is($code, 0, '--table names a schema-qualified table') or diag($err);
	is(states('refuse'), '1=applied 2=pending 3=pending', 'and its history is adopted');
}

done_testing();
