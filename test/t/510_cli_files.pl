# 510_cli_files.pl — migration folder layouts: the two layouts (mixed),
# natural order, and every folder problem (a down file whose description
# differs from its up file's is paired with a warning since issue 15:
# test/t/800_layouts.pl), each reported with the file's
# name before anything reaches the server (exit 1, catalogs untouched).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCLI;

use PostgreSQL::Test::Utils;
use Test::More;

my $node = cli_node('cli_files');
my ($code, $out, $err);

# nothing registered, applied or logged: the server was never asked
sub server_untouched
{
	my ($what) = @_;
	is( $node->safe_psql(
			'postgres',
			'SELECT (SELECT count(*) FROM schemamig.migrations) + (SELECT count(*) FROM schemamig.applied)'
			  . ' + (SELECT count(*) FROM schemamig.events)'),
		'0',
		"nothing reached the server: $what");
}

my @problems = (
	[
		'duplicate version (two up files)',
		{ '0001_a.up.sql' => "SELECT 1;\n", '0001_b.up.sql' => "SELECT 2;\n" },
		qr/0001_b\.up\.sql: duplicate version "0001": .*0001_a\.up\.sql has the same version/
	],
	[
		'duplicate version (same numeric value)',
		{ '1_a.up.sql' => "SELECT 1;\n", '0001_b.up.sql' => "SELECT 2;\n" },
		qr/duplicate version/
	],
	[
		'duplicate version (up file and single file)',
		{ '0001_a.up.sql' => "SELECT 1;\n", '0001_a.sql' => "-- migrate:up\nSELECT 1;\n" },
		qr/duplicate version "0001"/
	],
	[
		'down file beside a single file of its version',
		{ '0001_a.sql' => "-- migrate:up\nSELECT 1;\n", '0001_a.down.sql' => "SELECT 1;\n" },
		qr/0001_a\.down\.sql: duplicate version "0001": .* single-file migration/
	],
	[
		'.down.sql without its .up.sql',
		{ '0001_a.up.sql' => "SELECT 1;\n", '0002_b.down.sql' => "SELECT 1;\n" },
		qr/0002_b\.down\.sql: down script without an up script of version "0002"/
	],
	[
		'name that does not parse',
		{ '0001_a.up.sql' => "SELECT 1;\n", '-bad_name.up.sql' => "SELECT 1;\n" },
		qr/-bad_name\.up\.sql: file name does not parse/
	],
	[
		'version with characters a version cannot have',
		{ 'v1+2_x.sql' => "-- migrate:up\nSELECT 1;\n" },
		qr/v1\+2_x\.sql: file name does not parse/
	],
	[
		'single file without -- migrate:up beside one with it',
		{ '0001_a.sql' => "SELECT 1;\n", '0002_b.sql' => "-- migrate:up\nSELECT 2;\n" },
		qr/0001_a\.sql: no "-- migrate:up" section/
	],
	[
		'single file with two up sections',
		{ '0001_a.sql' => "-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;\n" },
		qr/0001_a\.sql:3: second "-- migrate:up" section/
	],
	[
		'SQL before the first section',
		{ '0001_a.sql' => "SELECT 0;\n-- migrate:up\nSELECT 1;\n" },
		qr/0001_a\.sql: SQL before the first "-- migrate:" section marker/
	],
	[
		'empty up script',
		{ '0001_a.up.sql' => "  \n\n" },
		qr/0001_a\.up\.sql: the up script is empty/
	],);

for my $case (@problems)
{
	my ($what, $files, $message) = @$case;
	my $dir = folder_of(%$files);
	($code, $out, $err) = cli('migrate', '--dir', $dir);
	is($code, 1, "folder problem exits 1: $what");
	like($err, $message, "folder problem is named: $what");
	like($err, qr/nothing was sent to the database/, "and says nothing was sent: $what");
	server_untouched($what);
}

# an unreadable file (the test does not run as root, so mode 000 bites)
{
	my $dir = folder_of('0001_a.up.sql' => "SELECT 1;\n", '0002_b.up.sql' => "SELECT 2;\n");
	chmod 0000, "$dir/0002_b.up.sql";
	($code, $out, $err) = cli('migrate', '--dir', $dir);
	is($code, 1, 'unreadable file exits 1');
	like($err, qr/0002_b\.up\.sql: cannot read: Permission denied/, 'unreadable file is named');
	server_untouched('unreadable file');
}

# a dangling symbolic link is a file that cannot be read, not a folder
# that cannot be listed
{
	my $dir = folder_of('0001_a.up.sql' => "SELECT 1;\n");
	symlink("$dir/nowhere.sql", "$dir/0002_b.up.sql") or die "symlink: $!";
	($code, $out, $err) = cli('migrate', '--dir', $dir);
	is($code, 1, 'dangling link exits 1');
	like($err, qr/0002_b\.up\.sql: cannot read: No such file or directory/, 'the dangling link is named');
	unlike($err, qr/cannot list the migration folder/, 'the folder itself is not blamed');
	server_untouched('dangling link');
}

# every problem is listed at once, and --json lists them too
{
	my $dir = folder_of(
		'0001_a.up.sql'   => "SELECT 1;\n",
		'0001_b.up.sql'   => "SELECT 1;\n",
		'0005_c.down.sql' => "SELECT 1;\n");
	my $doc;
	($code, $doc, $err) = cli_json('migrate', '--dir', $dir);
	is($code, 1, 'two problems exit 1');
	is(scalar @{ $doc->{error}{problems} }, 2, '--json lists both problems');
	like($err, qr/2 problem\(s\) in migration folder/, 'the summary counts them');
	server_untouched('two problems');
}

# a large folder is read by several threads: problems anywhere in it are
# all reported, and nothing reaches the server
{
	my %big;
	for my $i (1 .. 300)
	{
		my $v = sprintf('%04d', $i);
		$big{"${v}_m$i.up.sql"}   = "CREATE TABLE big_$i (id int);\n";
		$big{"${v}_m$i.down.sql"} = "DROP TABLE big_$i;\n";
	}
	$big{'0270_m270.up.sql'} = "CREATE TABLE big_270 (id int);\0\n";
	my $dir = folder_of(%big);
	chmod 0000, "$dir/0150_m150.down.sql";
	($code, $out, $err) = cli('migrate', '--dir', $dir);
	is($code, 1, 'large folder with two bad files exits 1');
	like($err, qr/0150_m150\.down\.sql: cannot read: Permission denied/, 'the unreadable file is named');
	like($err, qr/0270_m270\.up\.sql: contains a NUL byte/, 'the file with a NUL byte too');
	like($err, qr/2 problem\(s\) in migration folder/, 'and no other problem is made up');
	server_untouched('large folder with problems');
}

# the client orders a folder as the server orders versions (one definition,
# src/version_rules.h): digit runs by numeric value and before any other
# character, leading zeros ignored, a prefix first, the rest byte by byte
{
	my @versions = (
		'1.10', '1.9', '1.9.1', '1.9a', '1a', '1-rc', '1', '0.5', '00.6', 'a',
		'A', 'b2', 'b010', 'B', '9', '10', '10a', '2026.1.1', '99999999999999999999');
	my $dir = folder_of(map { ("${_}_m.up.sql" => "SELECT 1;\n") } @versions);
	($code, $out, $err) = cli('status', '--dir', $dir);
	is($code, 0, 'status of a folder of mixed versions') or diag($err);
	my $server_order = $node->safe_psql('postgres',
		"SELECT string_agg(v, ' ' ORDER BY schemamig.version_sort_key(v)) FROM unnest(ARRAY['"
		  . join("','", @versions) . "']) v");
	is(join(' ', $out =~ /^(\S+)\s+new\s/mg), $server_order,
		'the client lists the folder in the server\'s version order');
	server_untouched('status of a folder');
}

# the layouts, mixed, in natural order: 9 before 10, sections with down
my $dir = folder_of(
	'9_nine.up.sql'    => "CREATE TABLE nine (id int);\n",
	'9_nine.down.sql'  => "DROP TABLE nine;\n",
	'10_ten.sql'       => "-- header comment\n-- migrate:up\nCREATE TABLE ten (id int);\n\n-- migrate:down\nDROP TABLE ten;\n",
	'11_eleven.up.sql' => "CREATE TABLE eleven (id int);\n",
	'README.md'        => "not a migration\n",
	'.hidden.sql'      => "not a migration either\n");
mkdir "$dir/subfolder.sql";
($code, $out, $err) = cli('migrate', '--dir', $dir);
is($code, 0, 'mixed layouts migrate') or diag($err);
like($out, qr/applied\s+9\s+nine.*\n.*applied\s+10\s+ten.*\n.*applied\s+11\s+eleven/,
	'applied in natural order: 9, 10, 11');
is( $node->safe_psql(
		'postgres',
		"SELECT string_agg(version, ',' ORDER BY id) FROM schemamig.events WHERE event = 'applied'"),
	'9,10,11',
	'the server applied them in natural order');
is( $node->safe_psql(
		'postgres',
		"SELECT string_agg(version || '=' || coalesce(down_sql, '-'), ' ' ORDER BY version) FROM schemamig.migrations"),
	"10=DROP TABLE ten;\n 11=- 9=DROP TABLE nine;\n",
	'down scripts come from .down.sql files and -- migrate:down sections');
is( $node->safe_psql('postgres',
		"SELECT up_sql FROM schemamig.migrations WHERE version = '10'"),
	"CREATE TABLE ten (id int);\n\n",
	'a section holds exactly the text between its markers');
is( $node->safe_psql('postgres',
		"SELECT description FROM schemamig.migrations WHERE version = '11'"),
	'eleven', 'the description comes from the file name');

# CRLF files keep their checksum (the server normalises, so does the client)
$node->safe_psql('postgres', 'CREATE DATABASE crlf');
$node->safe_psql('crlf', 'CREATE EXTENSION schemamig');
my $crlf = folder_of('0001_crlf.up.sql' => "CREATE TABLE crlf (id int);\r\nSELECT 1;\r\n");
($code, $out, $err) = cli('migrate', '--dir', $crlf, '--db', 'dbname=crlf');
is($code, 0, 'CRLF migration applies (--db picks the database)') or diag($err);
is($node->safe_psql('crlf', "SELECT to_regclass('crlf') IS NOT NULL"), 't', 'in the database --db names');
($code, $out, $err) = cli('status', '--dir', $crlf, '--db', 'dbname=crlf');
like($out, qr/^0001\s+applied/m, 'status shows it applied');
unlike($out, qr/file differs/, 'client and server checksums agree on a CRLF file');

# a large folder, read by several threads, reaches the server file for file,
# both layouts; run again it is a no-op, and one changed file in the middle
# is the only one sent
{
	my %big;
	for my $i (1 .. 400)
	{
		my $v = sprintf('%04d', $i);
		if ($i % 7 == 0)
		{
			$big{"${v}_s$i.sql"} = "-- migrate:up\nCREATE TABLE big_$i (id int);\n-- migrate:down\nDROP TABLE big_$i;\n";
			next;
		}
		$big{"${v}_m$i.up.sql"} = "CREATE TABLE big_$i (id int);\n";
		$big{"${v}_m$i.down.sql"} = "DROP TABLE big_$i;\n" if $i % 5;
	}
	my $dir = folder_of(%big);
	$node->safe_psql('postgres', 'CREATE DATABASE big');
	$node->safe_psql('big', 'CREATE EXTENSION schemamig');
	($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', 'dbname=big');
	is($code, 0, 'a folder of 400 migrations applies') or diag($err);
	is( $node->safe_psql(
			'big',
			"SELECT count(*) FILTER (WHERE up_sql = format(E'CREATE TABLE big_%s (id int);\\n', version::int)) || '/'"
			  . " || count(*) FILTER (WHERE down_sql = format(E'DROP TABLE big_%s;\\n', version::int)) || '/'"
			  . " || count(*) FILTER (WHERE down_sql IS NULL) FROM schemamig.migrations"),
		'400/331/69',
		'every up and down script arrived as it is in its file');
	my $events = $node->safe_psql('big', 'SELECT count(*) FROM schemamig.events');
	($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', 'dbname=big');
	like($out, qr/nothing to apply: big is up to date \(400 migration\(s\)/, 'run again, it is a no-op');
	is($node->safe_psql('big', 'SELECT count(*) FROM schemamig.events'), $events, 'that wrote nothing');
	write_file("$dir/0201_m201.down.sql", "DROP TABLE IF EXISTS big_201;\n");
	my $doc;
	($code, $doc, $err) = cli_json('migrate', '--dir', $dir, '--db', 'dbname=big');
	is($doc->{registered}, 1, 'one changed down script in the middle is the only one sent');
}

$node->stop;
done_testing();
