# 706_deploy_folder.pl — the folder is the deploy (issue 10, observation
# 6): migrate --dir applies the folder's migrations only; a migration
# registered through SQL that is not in the folder is reported
# ("registered, not in folder") by migrate, status and validate, never
# applied by the deploy.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCLI;

use PostgreSQL::Test::Utils;
use Test::More;

my $node = cli_node('deploy_folder');
sub sql { return $node->safe_psql('postgres', $_[0]); }

sql("SELECT schemamig.register('0009', 'CREATE TABLE someone_elses (id int)')");
my $dir = folder_of(
	'0001_a.up.sql' => "CREATE TABLE a (id int);\n",
	'0002_b.up.sql' => "CREATE TABLE b (id int);\n");

my ($code, $doc, $err) = cli_json('migrate', '--dir', $dir);
is($code, 0, 'migrate --dir exits 0') or diag($err);
is_deeply([ map { $_->{version} } @{ $doc->{migrations} } ], [ '0001', '0002' ],
	'it applies the folder\'s migrations');
is_deeply($doc->{not_in_folder}, ['0009'], 'and reports the registered one not in the folder');
is(sql("SELECT to_regclass('someone_elses') IS NULL"), 't', 'which it did not apply');
is(sql("SELECT state FROM schemamig.status() WHERE version = '0009'"), 'pending', 'it stays pending');

my $out;
($code, $out, $err) = cli('migrate', '--dir', $dir);
is($code, 0, 'a re-run exits 0') or diag($err);
like($err, qr/migration 0009: registered, not in folder/, 'migrate says so in text too');

($code, $out, $err) = cli('status', '--dir', $dir);
like($out, qr/^0009\s+pending.*\[registered, not in folder\]/m, 'status --dir says so');
($code, $doc, $err) = cli_json('validate', '--dir', $dir);
is($code, 0, 'validate --dir: not a problem');
is_deeply($doc->{not_in_folder}, ['0009'], 'validate --dir --json lists it');
($code, $out, $err) = cli('validate', '--dir', $dir);
like($out, qr/0009: registered, not in folder/, 'validate --dir says so in text');

$node->stop;
done_testing();
