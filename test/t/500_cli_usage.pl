# 500_cli_usage.pl — the schemamig client's command line: help, usage
# errors (exit 2), connection errors (exit 2, no secret echoed), and the
# "new" command, which needs no database.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCLI;

use JSON::PP;
use PostgreSQL::Test::Utils;
use Test::More;

my ($code, $out, $err);

# help
($code, $out, $err) = cli('--help');
is($code, 0, '--help exits 0');
like($out, qr/^\s+migrate \[--dir DIR\]/m, '--help lists migrate');
like($out, qr/^\s+lint \[FILE\.\.\.\]/m, '--help lists lint');
like($out, qr/Exit codes: 0 success/, '--help documents exit codes');

for my $command (qw(migrate status validate rollback repair baseline lint new))
{
	($code, $out, $err) = cli($command, '--help');
	is($code, 0, "$command --help exits 0");
	like($out, qr/^Usage: schemamig \Q$command\E/, "$command --help shows its usage");
}
($code, $out) = cli('help', 'rollback');
like($out, qr/^Usage: schemamig rollback --steps N \| --to V/, 'help COMMAND works');

($code, $out) = cli('--version');
like($out, qr/^schemamig \d+\.\d+\.\d+$/, '--version');

# usage errors: exit 2, before anything else happens
my @usage = (
	[ [], 'no command' ],
	[ ['frobnicate'], 'unknown command' ],
	[ [ 'migrate', '--frob' ], 'unknown option' ],
	[ [ 'migrate', '--dir' ], 'option without its value' ],
	[ [ 'migrate', '--steps', '2' ], 'option of another command' ],
	[ ['rollback'], 'rollback without --steps or --to' ],
	[ [ 'rollback', '--steps', '1', '--to', '0001' ], 'rollback with both' ],
	[ [ 'rollback', '--steps', '0' ], 'rollback --steps 0' ],
	[ [ 'rollback', '--steps', 'two' ], 'rollback --steps not a number' ],
	[ ['repair'], 'repair without a version' ],
	[ [ 'baseline', 'bad version!' ], 'baseline with an invalid version' ],
	[ [ 'migrate', '--target', '-x' ], 'migrate with an invalid target' ],
	[ [ 'lint', '--format', 'xml' ], 'lint with an unknown format' ],
	[ [ 'migrate', 'extra' ], 'migrate with an argument' ],
	[ [ 'migrate', '--json', '--json' ], 'option given twice' ],);
for my $case (@usage)
{
	($code, $out, $err) = cli(@{ $case->[0] });
	is($code, 2, "usage error exits 2: $case->[1]");
	isnt($err, '', "usage error says why: $case->[1]");
}

# a folder that does not exist is a usage error too
($code, $out, $err) = cli('migrate', '--dir', '/nonexistent/migrations');
is($code, 2, 'missing migration folder exits 2');
like($err, qr{/nonexistent/migrations: cannot open the migration folder}, 'and names it');

# connection errors: exit 2, and the password is not echoed
my $dir = folder_of('0001_a.up.sql' => "SELECT 1;\n");
($code, $out, $err) = cli('migrate', '--dir', $dir, '--db',
	'host=/nonexistent/socket port=1 user=app password=hunter2secret');
is($code, 2, 'connection failure exits 2');
like($err, qr/cannot connect to the database/, 'connection failure is reported');
unlike($err, qr/hunter2secret/, 'the password is not echoed');

{
	local $ENV{DATABASE_URL} = 'postgresql://app:urlsecret42@/postgres?host=/nonexistent/socket&port=1';
	my $doc;
	($code, $doc, $err) = cli_json('status');
	is($code, 2, 'DATABASE_URL is used, and its failure exits 2');
	is($doc->{ok}, JSON::PP::false, '--json reports the failure');
	like($doc->{error}{message}, qr/^cannot connect to the database: /, 'with the message');
	unlike($err . encode_json($doc), qr/urlsecret42/, 'the URL password is not echoed');
}

# new: numbering, padding, names; no database needed
my $new = PostgreSQL::Test::Utils::tempdir() . '/fresh';
($code, $out) = cli('new', 'Create Users!', '--dir', $new);
is($code, 0, 'new in a folder that does not exist yet');
ok(-f "$new/0001_create_users.up.sql", 'first migration is 0001, name slugged');
ok(-f "$new/0001_create_users.down.sql", 'with its down file');
like(slurp_file("$new/0001_create_users.up.sql"), qr/^-- 0001 create_users \(up\)/,
	'up file starts with a header comment');

my $doc;
($code, $doc) = cli_json('new', 'add email', '--dir', $new);
is($doc->{version}, '0002', 'next version is 0002');
is($doc->{up}, "$new/0002_add_email.up.sql", '--json names the up file');

my $wide = folder_of('000099_old.up.sql' => "SELECT 1;\n", '7_other.up.sql' => "SELECT 1;\n");
($code, $doc) = cli_json('new', 'next', '--dir', $wide);
is($doc->{version}, '000100', 'next version keeps the width of the highest');

($code, $out, $err) = cli('new', '---', '--dir', $new);
is($code, 2, 'a name without letters or digits is a usage error');

my $broken = folder_of('0001_a.up.sql' => "SELECT 1;\n", '0001_b.up.sql' => "SELECT 2;\n");
($code, $out, $err) = cli('new', 'x', '--dir', $broken);
is($code, 1, 'new refuses a folder with problems');
ok(!-e "$broken/0002_x.up.sql", 'and creates nothing');

done_testing();
