# 806_flyway_baseline.pl — Flyway's baseline migrations (B{version}__{description}.sql)
# through the client: a database with no versioned migration applied is
# built by the newest B file at or below the target, then the V files after
# it (compared with psql applying the same files in Flyway's order); a
# database with history continues with the V files and ignores the B files;
# status and validate show the V files a B file stands for; adopt --from
# flyway takes over a history whose database a B file built.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCLI;

use Compress::Zlib qw(crc32);
use PostgreSQL::Test::Utils;
use Test::More;

my $layouts = "$FindBin::RealBin/../layouts";
my $dir = "$layouts/flyway-baseline";
my $node = cli_node('baseline');
for my $db (qw(fresh older psql_fresh psql_older adopt adopt_missing))
{
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION schemamig') unless $db =~ /^psql_/;
}
# the other tool's table is created by hand there, not by a migration
$node->safe_psql('postgres', "ALTER DATABASE $_ SET schemamig.lint = off") for qw(adopt adopt_missing);
my ($code, $out, $err);

sub slurp
{
	my ($path) = @_;
	open(my $fh, '<', $path) or die "cannot read $path: $!";
	local $/;
	return scalar <$fh>;
}

sub applied_events
{
	my ($db) = @_;
	return $node->safe_psql($db,
		"SELECT coalesce(string_agg(version, ' ' ORDER BY id), '') FROM schemamig.events WHERE event = 'applied'");
}

# the schema without schemamig's own objects
sub dump_schema
{
	my ($db) = @_;
	my ($stdout, $stderr) = run_command(
		[ 'pg_dump', '--schema-only', '--schema', 'public', '--exclude-table', 'flyway_schema_history',
			'-d', $node->connstr($db) ]);
	die "pg_dump $db: $stderr" if $stderr ne '';
	return $stdout =~ s/^\\(?:un)?restrict .*$//mgr;
}

sub psql_files
{
	my ($db, @files) = @_;
	$node->safe_psql($db, slurp("$dir/$_")) for @files;
}

# a new database: B2 (the newest B file), then V2.1, then the repeatable
($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', $node->connstr('fresh'));
is($code, 0, 'migrate applies a Flyway folder with baseline migrations to a new database') or diag($err);
is(applied_events('fresh'), '2 2.1 R__account_ids', 'the newest B file as version 2, then V2.1, then R__');
is($node->safe_psql('fresh', "SELECT description FROM schemamig.migrations WHERE version = '2'"),
	'release 2', 'version 2 is the B file, with its description');
is($node->safe_psql('fresh', "SELECT count(*) FROM schemamig.migrations WHERE version IN ('1', '1.1')"),
	'0', 'the V files the B file stands for are not registered');
psql_files('psql_fresh', qw(B2__release_2.sql V2_1__tags.sql R__account_ids.sql));
is(dump_schema('fresh'), dump_schema('psql_fresh'), 'the same schema as psql applying B2, V2.1, R__ (Flyway\'s order)');

($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', $node->connstr('fresh'));
is($code, 0, 'migrate again exits 0') or diag($err);
like($out, qr/nothing to apply|applied 0 migration/, 'migrate again applies nothing');
is(applied_events('fresh'), '2 2.1 R__account_ids', 'no migration ran again');

($code, $out, $err) = cli('status', '--dir', $dir, '--db', $node->connstr('fresh'));
is($code, 0, 'status --dir exits 0');
like($out, qr/^2\s+applied .*release 2$/m, 'status: version 2 applied, the B file\'s description, no "file differs"');
like($out, qr/^1\.1\s+ignored .*\[below baseline migration \S*B2__release_2\.sql: not run here\]/m,
	'status --dir: a V file the B file stands for is shown as ignored');
($code, $out, $err) = cli('validate', '--dir', $dir, '--db', $node->connstr('fresh'));
is($code, 0, 'validate --dir finds no problem') or diag($out . $err);

# a database with history (at V1): the V files continue it, the B files are ignored
($code, $out, $err) = cli('migrate', '--dir', $dir, '--target', '1', '--db', $node->connstr('older'));
is($code, 0, 'migrate --target 1: no B file at or below it') or diag($err);
is(applied_events('older'), '1 R__account_ids', 'V1 alone, and the repeatable');
($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', $node->connstr('older'));
is($code, 0, 'migrate continues a database with history') or diag($err);
is(applied_events('older'), '1 R__account_ids 1.1 2 2.1', 'the V files after V1, no B file');
is($node->safe_psql('older', "SELECT description FROM schemamig.migrations WHERE version = '2'"),
	'notes', 'version 2 is the V file');
psql_files('psql_older', qw(V1__accounts.sql V1_1__account_names.sql V2__notes.sql V2_1__tags.sql R__account_ids.sql));
is(dump_schema('older'), dump_schema('psql_older'), 'the same schema as psql applying the V files in order');
is(dump_schema('older'), dump_schema('fresh'), 'and the same as the database the B file built');
($code, $out, $err) = cli('validate', '--dir', $dir, '--db', $node->connstr('older'));
is($code, 0, 'validate --dir: no problem either') or diag($out . $err);

# lint --dir judges the folder as a new database's deploy runs it
($code, $out, $err) = cli('lint', '--dir', $dir);
is($code, 0, 'lint --dir exits 0') or diag($out . $err);
like($out, qr/^3 script\(s\) linted/m, 'lint --dir: B2, V2.1 and the repeatable');

# adopt --from flyway: a history whose database B2 built (type SQL_BASELINE)
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
SQL
for my $db (qw(adopt adopt_missing))
{
	psql_files($db, qw(B2__release_2.sql V2_1__tags.sql));
	$node->safe_psql($db, $flyway_table . sprintf(
		"INSERT INTO flyway_schema_history VALUES "
		  . "(1, '2', 'release 2', 'SQL_BASELINE', 'B2__release_2.sql', %d, 'me', '2024-05-01 10:00', 5, true), "
		  . "(2, '2.1', 'tags', 'SQL', 'V2_1__tags.sql', %d, 'me', '2024-05-02 10:00', 5, true)",
		flyway_crc(slurp("$dir/B2__release_2.sql")), flyway_crc(slurp("$dir/V2_1__tags.sql"))));
}
($code, $out, $err) = cli('adopt', '--from', 'flyway', '--dir', $dir, '--db', $node->connstr('adopt'));
is($code, 0, 'adopt --from flyway takes over a history with a SQL_BASELINE row') or diag($err);
is($node->safe_psql('adopt', "SELECT string_agg(version || '=' || state, ' ' ORDER BY schemamig.version_sort_key(version)) FROM schemamig.status()"),
	'2=applied 2.1=applied R__account_ids=pending', 'version 2 (the B file) and 2.1 adopted; the repeatable is left to migrate');
is($node->safe_psql('adopt', "SELECT applied_at = '2024-05-01 10:00' FROM schemamig.applied WHERE version = '2'"),
	't', 'at the time Flyway applied the B file');
($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', $node->connstr('adopt'));
is($code, 0, 'migrate after the adoption exits 0') or diag($err);
is(applied_events('adopt'), 'R__account_ids', 'it applies only the repeatable');

# the B file that built the database is gone from the folder: refused, nothing changed
my $without_b2 = PostgreSQL::Test::Utils::tempdir() . '/without_b2';
mkdir $without_b2;
write_file("$without_b2/$_", slurp("$dir/$_")) for grep { $_ ne 'B2__release_2.sql' } map { s{.*/}{}r } glob("$dir/*.sql");
($code, $out, $err) = cli('adopt', '--from', 'flyway', '--dir', $without_b2, '--db', $node->connstr('adopt_missing'));
is($code, 1, 'adopt refuses a SQL_BASELINE row without its B file');
like($err, qr/version 2 was applied by flyway from a baseline migration \(B2__\.\.\.sql\) that is not in the folder/,
	'saying which');
is($node->safe_psql('adopt_missing', 'SELECT count(*) FROM schemamig.migrations'), '0', 'nothing was registered');

done_testing();
