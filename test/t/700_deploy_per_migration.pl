# 700_deploy_per_migration.pl — schemamig migrate commits one migration at a
# time (issue 10, observation 3): a failure stops the run there with the
# earlier migrations kept and the failing one rolled back whole; a value
# added by ALTER TYPE ... ADD VALUE can be used by the next migration; a
# folder of 5,000 migrations deploys with max_locks_per_transaction = 64;
# --single-transaction keeps all-or-nothing (when it runs out of lock slots,
# 53200, or uses a new enum value, 55P04, the client says why and to deploy
# without it); the JSON report counts applied,
# failed and pending separately, with a result per migration.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCLI;

use PostgreSQL::Test::Utils;
use Test::More;

my $node = cli_node('deploy_per_migration');
sub sql { return $node->safe_psql('postgres', $_[0]); }

is(sql('SHOW max_locks_per_transaction'), '64', 'the server runs with the default lock table');

# ---- a failure keeps what came before and stops there ----
my $dir = folder_of(
	'0001_a.up.sql' => "CREATE TABLE a (id int);\n",
	'0002_b.up.sql' => "CREATE TABLE b (id int);\nSELECT 1/0;\n",
	'0003_c.up.sql' => "CREATE TABLE c (id int);\n");
my ($code, $doc, $err) = cli_json('migrate', '--dir', $dir);
is($code, 1, 'a failing migration exits 1');
is_deeply([ map { "$_->{version}:$_->{result}" } @{ $doc->{migrations} } ],
	[ '0001:applied', '0002:failed', '0003:pending' ], 'a result per migration');
is_deeply([ @$doc{qw(applied queued skipped failed pending)} ], [ 1, 0, 0, 1, 1 ],
	'applied, queued, skipped, failed and pending are counted apart');
is($doc->{ok}, JSON::PP::false, 'and ok is false');
is($doc->{error}{sqlstate}, '22012', 'with the error of the failing migration');
is(sql("SELECT string_agg(version, ',' ORDER BY version) FROM schemamig.applied"), '0001',
	'the migration before the failure is applied and kept');
is(sql("SELECT to_regclass('a') IS NOT NULL AND to_regclass('b') IS NULL AND to_regclass('c') IS NULL"),
	't', 'the failing one was rolled back whole, the later one not run');

write_file("$dir/0002_b.up.sql", "CREATE TABLE b (id int);\n");
my ($out);
($code, $out, $err) = cli('migrate', '--dir', $dir);
is($code, 0, 'fixed, the next run exits 0') or diag($err);
like($out, qr/^applied\s+0002\s+b\b.*\n^applied\s+0003\s+c\b/m, 'and applies what was left, in order');
unlike($out, qr/^applied\s+0001/m, 'not the migration applied before');

# ---- ALTER TYPE ... ADD VALUE, used by the next migration ----
$dir = folder_of(
	'0001_mood.up.sql'  => "CREATE TYPE mood AS ENUM ('sad');\nCREATE TABLE people (m mood);\n",
	'0002_happy.up.sql' => "ALTER TYPE mood ADD VALUE 'happy';\n",
	'0003_use.up.sql'   => "INSERT INTO people VALUES ('happy');\n");
sql('CREATE DATABASE enums');
$node->safe_psql('enums', 'CREATE EXTENSION schemamig');
($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', 'dbname=enums');
is($code, 0, 'a new enum value can be used by the next migration (no 55P04)') or diag($err);
is($node->safe_psql('enums', 'SELECT m FROM people'), 'happy', 'its row is there');
# in one transaction the value cannot be used: the error says why and what to
# do.  The type exists before the deploy: from PostgreSQL 17 on, a value added
# to an enum type created in the same transaction may be used in it.
sql('CREATE DATABASE enums_single');
$node->safe_psql('enums_single', "CREATE EXTENSION schemamig; CREATE TYPE mood AS ENUM ('sad'); CREATE TABLE people (m mood)");
$dir = folder_of(
	'0002_happy.up.sql' => "ALTER TYPE mood ADD VALUE 'happy';\n",
	'0003_use.up.sql'   => "INSERT INTO people VALUES ('happy');\n");
($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', 'dbname=enums_single', '--single-transaction');
is($code, 1, '--single-transaction: a new enum value used by the next migration fails (55P04)');
like($err, qr/SQLSTATE 55P04/, '--single-transaction: the server\'s 55P04 is shown');
like($err, qr/--single-transaction runs every migration in one transaction, and an enum value added by ALTER TYPE \.\.\. ADD VALUE cannot be used in the transaction that added it: migration 0003 uses one.*Deploy without --single-transaction/s,
	'--single-transaction 55P04: the client explains it and says to deploy without --single-transaction');

# ---- --single-transaction: all or nothing ----
sql('CREATE DATABASE single');
$node->safe_psql('single', 'CREATE EXTENSION schemamig');
my $single = folder_of(
	'0001_x.up.sql' => "CREATE TABLE x (id int);\n",
	'0002_y.up.sql' => "SELECT 1/0;\n");
($code, $doc, $err) = cli_json('migrate', '--dir', $single, '--db', 'dbname=single', '--single-transaction');
is($code, 1, '--single-transaction: a failure exits 1');
is($node->safe_psql('single', 'SELECT count(*) FROM schemamig.applied'), '0',
	'and nothing was applied');
is_deeply([ map { "$_->{version}:$_->{result}" } @{ $doc->{migrations} } ],
	[ '0001:pending', '0002:failed' ], 'the report says 0001 is still pending');

# ---- 5,000 migrations, default lock table ----
# (two views each: 10,000 relation locks, more than the shared lock table
# of a default server holds, which is what one transaction for all needs)
sql('CREATE DATABASE many');
$node->safe_psql('many', 'CREATE EXTENSION schemamig');
my %many = map { (sprintf('%05d_v.up.sql', $_) => "CREATE VIEW v${_}a AS SELECT 1 AS x;\nCREATE VIEW v${_}b AS SELECT 2 AS x;\n") } 1 .. 5000;
my $many_dir = folder_of(%many);
# --single-transaction holds every lock to the end: out of lock slots, explained
sql('CREATE DATABASE many_single');
$node->safe_psql('many_single', 'CREATE EXTENSION schemamig');
($code, $out, $err) = cli('migrate', '--dir', $many_dir, '--db', 'dbname=many_single', '--single-transaction');
is($code, 1, '--single-transaction: 5,000 migrations run out of lock slots');
like($err, qr/SQLSTATE 53200/, '--single-transaction: with 53200');
like($err, qr/the server's lock table \(max_locks_per_transaction\) was full at migration \d+, after \d+ of 5000; that transaction was rolled back\. Deploy without --single-transaction/,
	'--single-transaction 53200: the client says how far it got and to deploy without --single-transaction')
  or diag(substr($err, 0, 2000));
is($node->safe_psql('many_single', 'SELECT count(*) FROM schemamig.applied'), '0', 'and nothing was applied');
my $started = time;
($code, $doc, $err) = cli_json('migrate', '--dir', $many_dir, '--db', 'dbname=many');
diag(sprintf('5,000 migrations, one transaction each: %d s', time - $started));
is($code, 0, '5,000 migrations deploy with max_locks_per_transaction = 64') or diag(substr($err, 0, 2000));
is($doc->{applied}, 5000, 'all 5,000 are applied');
is($node->safe_psql('many', "SELECT count(*) FROM pg_class WHERE relname ~ '^v[0-9]+[ab]\$' AND relkind = 'v'"),
	'10000', 'and their 10,000 views exist');

$node->stop;
done_testing();
