# 771_transaction_timeout.pl — transaction_timeout (PostgreSQL 17+) in
# migrations: a migration may set it, and it bounds the migration like
# statement_timeout does.
#   - lint() with advisory rules: DDL with statement_timeout = 0 is flagged
#     require-statement-timeout unless the script set transaction_timeout;
#   - a migration that sets transaction_timeout and outlives it ends its
#     session; nothing of it is recorded, the migration lock is free and
#     the next apply of the same version succeeds.
# On 15 the setting does not exist: the test is skipped, saying so.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('transaction_timeout');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemamig'\n");
$node->start;

my $major = int($node->safe_psql('postgres', 'SHOW server_version_num') / 10000);
if ($major < 17)
{
	diag("skip: transaction_timeout was added in PostgreSQL 17, this server is $major");
	plan skip_all => "transaction_timeout was added in PostgreSQL 17, this server is $major";
}

$node->safe_psql('postgres', q{
	CREATE EXTENSION schemamig;
	SET schemamig.lint = off;
	CREATE TABLE orders (id bigint PRIMARY KEY);
	INSERT INTO orders SELECT g FROM generate_series(1, 100) g;
});

my $rules = sub {
	my ($script) = @_;
	return $node->safe_psql('postgres',
		"SET schemamig.lint_advisory = on;\nSET schemamig.statement_timeout = 0;\n"
		  . "SELECT coalesce(string_agg(rule, ' ' ORDER BY rule), '') FROM schemamig.lint(\$s\$$script\$s\$)");
};
like($rules->('ALTER TABLE orders ADD COLUMN note text;'),
	qr/require-statement-timeout/, 'DDL with no timeout at all is flagged require-statement-timeout');
unlike($rules->("SET transaction_timeout = '5min';\nALTER TABLE orders ADD COLUMN note text;"),
	qr/require-statement-timeout/, 'a script that sets transaction_timeout is bounded: not flagged');
like($rules->("SET transaction_timeout = '5min';\nRESET transaction_timeout;\nALTER TABLE orders ADD COLUMN note text;"),
	qr/require-statement-timeout/, 'RESET transaction_timeout lifts the bound again');

# the setting takes effect inside the migration's transaction
my ($ret, $out, $err) = $node->psql('postgres',
	"SET schemamig.statement_timeout = 0;\n"
	  . "SELECT schemamig.apply('0001', \$s\$SET transaction_timeout = '1s';\nCREATE TABLE slow_one (id bigint);\nSELECT pg_sleep(30);\$s\$)");
isnt($ret, 0, 'the migration that outlives its transaction_timeout fails');
like($err, qr/transaction timeout/, 'it ends on the transaction timeout: ' . ($err =~ s/\n.*//sr));
is($node->safe_psql('postgres',
	"SELECT count(*) FROM schemamig.applied WHERE version = '0001'"), '0', 'nothing of it is recorded');
is($node->safe_psql('postgres', "SELECT to_regclass('slow_one') IS NULL"), 't', 'its table was rolled back');
is($node->safe_psql('postgres',
	"SELECT schemamig.apply('0001', \$s\$SET transaction_timeout = '1min';\nCREATE TABLE slow_one (id bigint);\$s\$)"),
	'applied', 'the migration lock is free: the next apply with a sufficient timeout succeeds');

$node->stop;
done_testing();
