# 520_cli_commands.pl — migrate (apply, no-op, --target, --dry-run,
# failures, --no-auto-recover), status, validate, rollback, repair and
# baseline through the client, with exit codes and --json.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCLI;

use JSON::PP;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = cli_node('cli_commands');
my ($code, $out, $err, $doc);

sub sql { return $node->safe_psql('postgres', $_[0]); }

sub catalog_snapshot
{
	return sql("SELECT (SELECT count(*) FROM schemamig.migrations) || '/' || "
		  . "(SELECT count(*) FROM schemamig.applied) || '/' || (SELECT count(*) FROM schemamig.events) || '/' || "
		  . "(SELECT count(*) FROM pg_class WHERE relname IN ('users', 'orders'))");
}

my %files = (
	'0001_users.up.sql'    => "CREATE TABLE users (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY);\n",
	'0001_users.down.sql'  => "DROP TABLE users;\n",
	'0002_email.up.sql'    => "ALTER TABLE users ADD COLUMN email text;\n",
	'0002_email.down.sql'  => "ALTER TABLE users DROP COLUMN email;\n",
	'0003_orders.up.sql'   => "CREATE TABLE orders (id int, user_id int);\n",
	'0003_orders.down.sql' => "DROP TABLE orders;\n",);
my $dir = folder_of(%files);

# extension missing: a clear message, exit 2
$node->safe_psql('postgres', 'CREATE DATABASE bare');
($code, $out, $err) = cli('status', '--db', 'dbname=bare');
is($code, 2, 'extension not installed exits 2');
like($err, qr/the schemamig extension is not installed in database "bare"/, 'and says so');
($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', 'dbname=bare');
is($code, 2, 'migrate where the extension is not installed exits 2');
like($err, qr/the schemamig extension is not installed in database "bare"/,
	'and says so (registrations_digest() missing is not taken for an error of its own)');

# dry run: lists what would run, changes nothing
my $before = catalog_snapshot();
($code, $out, $err) = cli('migrate', '--dir', $dir, '--dry-run');
is($code, 0, 'dry run exits 0') or diag($err);
like($out, qr/would apply 0001  users\nwould apply 0002  email\nwould apply 0003  orders\n/,
	'dry run lists the pending migrations in order');
like($out, qr/dry run: 3 migration\(s\) would be applied; nothing was changed/, 'dry run summary');
is(catalog_snapshot(), $before, 'dry run changed nothing (catalogs, events, tables)');
($code, $doc) = cli_json('migrate', '--dir', $dir, '--dry-run', '--target', '0002');
is($doc->{would_apply}, 2, 'dry run --json honours --target');
is_deeply([ map { $_->{version} } @{ $doc->{migrations} } ], [ '0001', '0002' ], 'and lists them');
is(catalog_snapshot(), $before, 'dry run --json changed nothing either');

# migrate --target, then the rest
($code, $doc, $err) = cli_json('migrate', '--dir', $dir, '--target', '0002');
is($code, 0, 'migrate --target exits 0') or diag($err);
is_deeply([ map { "$_->{version}:$_->{result}" } @{ $doc->{migrations} } ],
	[ '0001:applied', '0002:applied' ], '--target stops at 0002');
is($doc->{registered}, 3, 'the whole folder was registered');
like($doc->{migrations}[0]{checksum}, qr/^[0-9a-f]{64}$/, '--json carries checksums');
is($doc->{migrations}[0]{checksum}, sql("SELECT checksum FROM schemamig.applied WHERE version = '0001'"),
	"the client's checksum is the server's");
ok(defined $doc->{migrations}[0]{duration_ms}, '--json carries durations');

($code, $out, $err) = cli('migrate', '--dir', $dir, '--no-auto-recover');
is($code, 0, 'migrate --no-auto-recover exits 0') or diag($err);
like($out, qr/^applied\s+0003\s+orders\s+\(\d+\.\d ms\)$/m, 'one line per migration with its duration');
like($out, qr/applied 1 migration\(s\) in \d+\.\d+ s/, 'and a summary');

# no-op re-run
my $events = sql('SELECT count(*) FROM schemamig.events');
($code, $out) = cli('migrate', '--dir', $dir);
is($code, 0, 'no-op re-run exits 0');
like($out, qr/nothing to apply: postgres is up to date \(3 migration\(s\) in /, 'no-op says so');
is(sql('SELECT count(*) FROM schemamig.events'), $events, 'no-op re-run registers nothing again');
# an up-to-date folder is no answer to a --target that is not registered:
# refused as when there is work to do, never "up to date"
($code, $out, $err) = cli('migrate', '--dir', $dir, '--target', '0009');
is($code, 1, 'no-op re-run with an unknown --target exits 1');
like($err, qr/migration "0009" is not registered/, 'and says the target is not registered');
unlike($out, qr/up to date/, 'not "up to date"');
($code, $out) = cli('migrate', '--dir', $dir, '--target', '0002');
like($out, qr/nothing to apply: postgres is up to date/, 'with a --target of the folder it is up to date');
($code, $doc) = cli_json('migrate', '--dir', $dir);
is($doc->{registered}, 0, 'no-op re-run sends no migration to register()');

# what an unchanged, applied folder costs the server: registrations_digest()
# says it all; neither registrations() nor migrate() is asked
sql("ALTER SYSTEM SET log_statement = 'all'");
$node->reload;
my $log_offset = -s $node->logfile;
($code, $out, $err) = cli('migrate', '--dir', $dir);
is($code, 0, 'no-op re-run with statements logged exits 0') or diag($err);
ok($node->log_contains(qr/FROM schemamig\.registrations_digest\(\)/, $log_offset),
	'a no-op re-run asks registrations_digest()');
ok(!$node->log_contains(qr/FROM schemamig\.registrations\(\)|schemamig\.migrate\(|schemamig\.register\(/,
		$log_offset),
	'and neither registrations(), register() nor migrate()');
# a renamed file (new description) is a difference the digest sees
rename("$dir/0002_email.up.sql", "$dir/0002_email_address.up.sql");
rename("$dir/0002_email.down.sql", "$dir/0002_email_address.down.sql");
$log_offset = -s $node->logfile;
($code, $doc, $err) = cli_json('migrate', '--dir', $dir);
is($code, 0, 'migrate after a rename exits 0') or diag($err);
is($doc->{registered}, 1, 'the renamed migration is registered again');
is(sql("SELECT description FROM schemamig.migrations WHERE version = '0002'"), 'email_address',
	'with its new description');
ok($node->log_contains(qr/FROM schemamig\.registrations\(\)/, $log_offset),
	'a digest that differs makes the client compare migration by migration');
rename("$dir/0002_email_address.up.sql", "$dir/0002_email.up.sql");
rename("$dir/0002_email_address.down.sql", "$dir/0002_email.down.sql");
($code, $doc) = cli_json('migrate', '--dir', $dir);
is($doc->{registered}, 1, 'renaming it back registers the old description again');
# a registration edited by hand in the catalog is not taken for the file
sql("UPDATE schemamig.migrations SET up_sql = up_sql || '-- edited' WHERE version = '0003'");
($code, $doc, $err) = cli_json('migrate', '--dir', $dir);
is($doc->{registered}, 1, 'a hand-edited stored script is sent again, digest or not');
sql("ALTER SYSTEM RESET log_statement");
$node->reload;

# when registrations_digest() fails, its own error is what the user sees
my $locker = $node->background_psql('postgres');
$locker->query_safe('SET schemamig.lint = off; BEGIN; LOCK TABLE schemamig.migrations IN ACCESS EXCLUSIVE MODE;');
{
	local $ENV{PGOPTIONS} = '-c lock_timeout=200ms';
	($code, $out, $err) = cli('migrate', '--dir', $dir);
}
is($code, 1, 'a failing registrations_digest() exits 1');
like($err, qr/cannot read the registrations: canceling statement due to lock timeout \(SQLSTATE 55P03\)/,
	'with its own error, not a later "transaction is aborted"');
$locker->query_safe('ROLLBACK;');
$locker->quit;

# registrations(): what the client compares, checksums recomputed from the stored scripts
is(sql("SELECT r.checksum = m.checksum AND r.down_checksum = m.down_checksum AND r.description = 'users'"
	  . " FROM schemamig.registrations() r JOIN schemamig.migrations m USING (version) WHERE version = '0001'"),
	't', 'registrations() gives the checksums and description of a registered migration');

# only what changed is sent: a changed down script alone is re-registered
write_file("$dir/0003_orders.down.sql", "DROP TABLE IF EXISTS orders;\n");
($code, $doc, $err) = cli_json('migrate', '--dir', $dir);
is($code, 0, 'migrate with a changed down script exits 0') or diag($err);
is($doc->{registered}, 1, 'only the migration whose down script changed is registered');
like(sql("SELECT down_sql FROM schemamig.migrations WHERE version = '0003'"), qr/^DROP TABLE IF EXISTS orders;\s*$/,
	'and the new down script is stored');
write_file("$dir/0003_orders.down.sql", $files{'0003_orders.down.sql'});
($code, $doc) = cli_json('migrate', '--dir', $dir);
is($doc->{registered}, 1, 'changing it back registers it again');

# a deployer role that is not a superuser (doc/privileges.md) can run migrate
sql('CREATE ROLE deployer LOGIN; GRANT CREATE ON SCHEMA public TO deployer; '
	  . 'GRANT EXECUTE ON FUNCTION schemamig.register(text, text, text, text), schemamig.migrate(text) TO deployer');
($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', 'dbname=postgres user=deployer');
is($code, 0, 'a non-superuser deployer can run a no-op migrate') or diag($err);
like($out, qr/nothing to apply/, 'and it finds nothing to apply');
# without EXECUTE on registrations_digest() the client falls back to
# registrations(), in a fresh transaction, and still finds nothing to do
sql('REVOKE EXECUTE ON FUNCTION schemamig.registrations_digest() FROM PUBLIC');
($code, $doc, $err) = cli_json('migrate', '--dir', $dir, '--db', 'dbname=postgres user=deployer');
is($code, 0, 'a deployer who may not ask registrations_digest() can run a no-op migrate') or diag($err);
is($doc->{registered}, 0, 'it compared through registrations() and sent nothing');
is($doc->{applied}, 0, 'and applied nothing');
sql('GRANT EXECUTE ON FUNCTION schemamig.registrations_digest() TO PUBLIC');

# status
($code, $out) = cli('status');
is($code, 0, 'status exits 0');
like($out, qr/^0003\s+applied\s+\d{4}-/m, 'status lists applied migrations');
($code, $doc) = cli_json('status');
is_deeply([ map { "$_->{version}:$_->{state}" } @{ $doc->{migrations} } ],
	[ '0001:applied', '0002:applied', '0003:applied' ], 'status --json');

# validate: clean, then a file edited after it was applied
($code, $out) = cli('validate', '--dir', $dir);
is($code, 0, 'validate of a clean database exits 0');
like($out, qr/valid: no problems found/, 'and says so');
write_file("$dir/0002_email.up.sql", "ALTER TABLE users ADD COLUMN email varchar(200);\n");
($code, $doc) = cli_json('validate', '--dir', $dir);
is($code, 1, 'validate --dir finds an edited applied file (exit 1)');
like($doc->{problems}[0]{problem}, qr/0002_email\.up\.sql differs from the applied migration/,
	'and names the file');
($code, $out) = cli('status', '--dir', $dir);
like($out, qr/^0002\s+applied.*\[file differs\]/m, 'status --dir marks the edited file');

# migrate refuses the edited applied migration: SM001, exit 1, nothing applied
write_file("$dir/0004_more.up.sql", "CREATE TABLE more (id int);\n");
($code, $doc, $err) = cli_json('migrate', '--dir', $dir);
is($code, 1, 'checksum mismatch exits 1');
is($doc->{error}{sqlstate}, 'SM001', '--json carries the SQLSTATE');
like($err, qr/checksum mismatch for applied migration "0002"/, 'the message names the migration');
is(sql("SELECT count(*) FROM schemamig.migrations WHERE version = '0004'"), '0',
	'nothing of the failed run was kept (0004 not registered)');
write_file("$dir/0002_email.up.sql", $files{'0002_email.up.sql'});
unlink "$dir/0004_more.up.sql";

# a failing migration: exit 1, nothing of it applied, context names it.
# (Registrations commit before the migrations run, one transaction each:
# the failed one stays registered and pending.  It is numbered above the
# later folders' migrations, which, not having it, leave it alone.)
write_file("$dir/0009_more.up.sql", "CREATE TABLE more (id int);\nSELECT 1/0;\n");
($code, $out, $err) = cli('migrate', '--dir', $dir);
is($code, 1, 'a failing migration exits 1');
like($err, qr/division by zero \(SQLSTATE 22012\)/, 'the error and SQLSTATE are shown');
like($err, qr/CONTEXT:.*schemamig migration "0009" \(up\), statement 2/s, 'the context names the statement');
is(sql("SELECT to_regclass('more') IS NULL"), 't', 'the failed migration left nothing behind');
is(sql("SELECT state FROM schemamig.status() WHERE version = '0009'"), 'pending',
	'the failed migration stays registered and pending');
unlink "$dir/0009_more.up.sql";

# rollback
($code, $out, $err) = cli('rollback', '--steps', '1');
is($code, 0, 'rollback --steps 1 exits 0') or diag($err);
like($out, qr/^rolled_back\s+0003/m, 'rolled back 0003');
is(sql("SELECT to_regclass('orders') IS NULL"), 't', 'its down script ran');
($code, $doc) = cli_json('rollback', '--to', '0001');
is_deeply([ map { $_->{version} } @{ $doc->{migrations} } ], ['0002'], 'rollback --to 0001 rolls back 0002');
($code, $out) = cli('rollback', '--to', '0001');
like($out, qr/nothing to roll back/, 'rolling back again does nothing');
($code, $out, $err) = cli('rollback', '--to', '0099');
is($code, 1, 'rollback --to an unknown version exits 1');
like($err, qr/SQLSTATE 42704/, 'with the server\'s error code');

# rollback without a down script: SM004, exit 1, nothing changed
my $nodown = folder_of(%files, '0005_nodown.up.sql' => "CREATE TABLE nodown (id int);\n");
($code, $out, $err) = cli('migrate', '--dir', $nodown);
is($code, 0, 'migrate again') or diag($err);
($code, $doc) = cli_json('rollback', '--steps', '2');
is($code, 1, 'rollback over a migration without down script exits 1');
is($doc->{error}{sqlstate}, 'SM004', 'SM004');
is(sql("SELECT count(*) FROM schemamig.applied"), '4', 'nothing was rolled back');

# repair: accept an edited file's text without running it
write_file("$nodown/0005_nodown.up.sql", "CREATE TABLE nodown (id bigint);\n");
($code, $out, $err) = cli('repair', '0005', '--dir', $nodown);
is($code, 0, 'repair --dir exits 0') or diag($err);
like($out, qr/repair 0005: replaced the registered up script; accepted checksum [0-9a-f]{64}/,
	'repair says what it did');
($code, $out) = cli('validate', '--dir', $nodown);
is($code, 0, 'after repair, validate --dir is clean');
($code, $out) = cli('repair', '0005');
like($out, qr/repair 0005: nothing to repair/, 'repair of a clean migration does nothing');
($code, $doc) = cli_json('repair', '9999');
is($code, 1, 'repair of an unknown version exits 1');
is($doc->{error}{sqlstate}, '42704', 'with 42704');

# baseline, in a database of its own
$node->safe_psql('postgres', 'CREATE DATABASE legacy');
$node->safe_psql('legacy', 'CREATE EXTENSION schemamig');
($code, $doc, $err) = cli_json('baseline', '0010', '--description', 'legacy schema', '--db', 'dbname=legacy');
is($code, 0, 'baseline exits 0') or diag($err);
is($doc->{marked}, 1, 'baseline marks one migration');
is($node->safe_psql('legacy', "SELECT description FROM schemamig.migrations WHERE version = '0010'"),
	'legacy schema', 'with the description given');
($code, $out, $err) = cli('migrate', '--dir', $dir, '--db', 'dbname=legacy');
is($code, 1, 'migrations below the baseline are refused as out of order');
like($err, qr/SQLSTATE SM003/, 'SM003');

$node->stop;
done_testing();
