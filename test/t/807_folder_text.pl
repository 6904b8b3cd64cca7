# 807_folder_text.pl — real folders as editors and tools leave them: a
# UTF-8 byte order mark at the start of a file is not part of the script
# (Flyway and golang-migrate folders alike); a folder of plain
# {version}_{name}.sql files without markers is sqlx's one-way layout,
# detected without --layout; markers in upper case still make a dbmate
# folder, never a folder of whole-file scripts; goose ENVSUB blocks load
# when goose would substitute nothing in them; a Flyway script
# configuration file with executeInTransaction=false is honoured, and so
# is sqlx's "-- no-transaction" first line.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCLI;

use PostgreSQL::Test::Utils;
use Test::More;

my $node = cli_node('folder_text');
my ($code, $out, $err);
my $bom = "\xEF\xBB\xBF";

sub fresh_db
{
	my ($db) = @_;
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION schemamig');
	return $node->connstr($db);
}

sub tables
{
	my ($db) = @_;
	return $node->safe_psql($db,
		"SELECT string_agg(tablename, ' ' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'");
}

# a byte order mark, in a Flyway folder and in a golang-migrate folder
my $flyway = folder_of(
	'V1__bom.sql' => "${bom}CREATE TABLE bom_flyway (id int);\n",
	'V2__plain.sql' => "CREATE TABLE plain_flyway (id int);\n");
($code, $out, $err) = cli('migrate', '--dir', $flyway, '--db', fresh_db('bom_flyway'));
is($code, 0, 'a Flyway file with a byte order mark is applied') or diag($err);
is(tables('bom_flyway'), 'bom_flyway plain_flyway', 'both tables are there');
is($node->safe_psql('bom_flyway', "SELECT checksum = schemamig.checksum('CREATE TABLE bom_flyway (id int);' || chr(10)) FROM schemamig.migrations WHERE version = '1'"),
	't', 'the script of record is the file without its byte order mark');

my $golang = folder_of(
	'1_bom.up.sql' => "${bom}BEGIN;\nCREATE TABLE bom_golang (id int);\nCOMMIT;\n",
	'1_bom.down.sql' => "${bom}DROP TABLE bom_golang;\n");
($code, $out, $err) = cli('migrate', '--dir', $golang, '--db', fresh_db('bom_golang'));
is($code, 0, 'a golang-migrate file with a byte order mark (and a BEGIN/COMMIT wrapper) is applied') or diag($err);
is(tables('bom_golang'), 'bom_golang', 'its table is there');
($code, $out, $err) = cli('rollback', '--steps', '1', '--dir', $golang, '--db', $node->connstr('bom_golang'));
is($code, 0, 'its down script with a byte order mark rolls it back') or diag($err);
is(tables('bom_golang'), '', 'the table is gone');

# sqlx's one-way files, detected
my $sqlx = folder_of(
	'20240101000000_items.sql' => "CREATE TABLE items (id int);\n",
	'20240102000000_tags.sql'  => "CREATE TABLE tags (id int);\n");
($code, $out, $err) = cli('migrate', '--dir', $sqlx, '--db', fresh_db('sqlx_plain'));
is($code, 0, 'plain {version}_{name}.sql files migrate without --layout') or diag($err);
is(tables('sqlx_plain'), 'items tags', 'each file is its whole up script');
is($node->safe_psql('sqlx_plain', "SELECT count(*) FROM schemamig.migrations WHERE down_sql IS NULL"),
	'2', 'irreversible: no down script');

# markers in upper case: a dbmate folder, its down section not run as part of the up script
my $dbmate = folder_of(
	'20240101000000_a.sql' => "-- MIGRATE:UP\nCREATE TABLE upper_a (id int);\n-- MIGRATE:DOWN\nDROP TABLE upper_a;\n");
($code, $out, $err) = cli('migrate', '--dir', $dbmate, '--db', fresh_db('upper_markers'));
is($code, 0, 'a folder with upper-case dbmate markers migrates') or diag($err);
is(tables('upper_markers'), 'upper_a', 'the up section ran, the down section did not');

# goose ENVSUB blocks with nothing to substitute load as they are
my $goose = folder_of(
	'00001_env.sql' => "-- +goose Up\n-- +goose ENVSUB ON\nCREATE TABLE env_a (id int);\n-- +goose ENVSUB OFF\n"
	  . "CREATE FUNCTION env_f() RETURNS int LANGUAGE sql AS \$\$ SELECT 1 \$\$;\n"
	  . "-- +goose Down\nDROP FUNCTION env_f();\nDROP TABLE env_a;\n");
($code, $out, $err) = cli('migrate', '--dir', $goose, '--db', fresh_db('goose_envsub'));
is($code, 0, 'a goose ENVSUB block without a "$" loads') or diag($err);
is(tables('goose_envsub'), 'env_a', 'its table is there');
write_file("$goose/00002_env.sql", "-- +goose Up\n-- +goose ENVSUB ON\nCREATE TABLE \${TABLE_NAME} (id int);\n");
($code, $out, $err) = cli('migrate', '--dir', $goose, '--db', $node->connstr('goose_envsub'));
is($code, 1, 'a line goose would substitute in is a folder problem');
like($err, qr{00002_env\.sql:3: goose substitutes environment variables in this line}, 'naming the file and line');

# a Flyway script configuration file: executeInTransaction=false runs the
# migration outside a transaction (a new enum value used in the same script)
my $flyway_conf = folder_of(
	'V1__enum.sql'     => "CREATE TYPE mood AS ENUM ('a');\n",
	'V2__add.sql'      => "ALTER TYPE mood ADD VALUE 'b' AFTER 'a';\nCREATE TABLE moods (m mood DEFAULT 'b');\n",
	'V2__add.sql.conf' => "# Flyway script configuration\nexecuteInTransaction = false\n");
my $conf_db = fresh_db('flyway_conf');
$node->safe_psql('flyway_conf', 'SELECT schemamig.start_worker()');
($code, $out, $err) = cli('migrate', '--dir', $flyway_conf, '--db', $conf_db);
is($code, 0, 'a migration whose .sql.conf says executeInTransaction=false is applied') or diag($err);
is($node->safe_psql('flyway_conf', "SELECT transactional FROM schemamig.migrations WHERE version = '2'"),
	'f', 'registered as non-transactional');
is(tables('flyway_conf'), 'moods', 'its table is there');

# sqlx's "-- no-transaction" first line: the migration runs outside a transaction
my $sqlx_no_tx = folder_of(
	'20240101000000_enum.sql' => "CREATE TYPE tint AS ENUM ('red');\n",
	'20240102000000_add.sql'  => "-- no-transaction\nALTER TYPE tint ADD VALUE 'blue' AFTER 'red';\n"
	  . "CREATE TABLE tints (t tint DEFAULT 'blue');\n");
my $no_tx_db = fresh_db('sqlx_no_tx');
$node->safe_psql('sqlx_no_tx', 'SELECT schemamig.start_worker()');
($code, $out, $err) = cli('migrate', '--dir', $sqlx_no_tx, '--db', $no_tx_db);
is($code, 0, 'a sqlx file starting with "-- no-transaction" is applied') or diag($err);
is($node->safe_psql('sqlx_no_tx', "SELECT transactional FROM schemamig.migrations WHERE version = '20240102000000'"),
	'f', 'registered as non-transactional');
is(tables('sqlx_no_tx'), 'tints', 'its table is there');

done_testing();
