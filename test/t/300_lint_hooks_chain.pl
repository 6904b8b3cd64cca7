# 300_lint_hooks_chain.pl — the linter's ProcessUtility and post-parse-analyze
# hooks chain with pg_stat_statements (and pgaudit when it is installed), in
# both load orders: a refused statement is seen by no other module, allowed
# statements reach every module, and the other modules keep working.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('lint_chain');
$node->init;

my $libdir = $node->config_data('--pkglibdir');
my $have_pgaudit = -e "$libdir/pgaudit.so";

sub preload
{
	my ($order) = @_;
	my @libs = @$order;
	push @libs, 'pgaudit' if $have_pgaudit;
	$node->append_conf('postgresql.conf', "shared_preload_libraries = '" . join(',', @libs) . "'\n");
	$node->append_conf('postgresql.conf', "pgaudit.log = 'ddl'\n") if $have_pgaudit;
}

sub check_order
{
	my ($label, $order) = @_;

	preload($order);
	$node->restart;
	# lint off first: the last round's history would block DROP EXTENSION
	# (rule drop-extension-with-history)
	$node->safe_psql('postgres', q{
		SET schemamig.lint = off;
		DROP EXTENSION IF EXISTS schemamig CASCADE;
		DROP EXTENSION IF EXISTS pg_stat_statements;
		DROP TABLE IF EXISTS orders;
		CREATE EXTENSION pg_stat_statements;
		CREATE EXTENSION schemamig;
		SET schemamig.lint = off;
		CREATE TABLE orders (id bigint PRIMARY KEY, customer text);
		INSERT INTO orders SELECT g, 'c' || g FROM generate_series(1, 100) g;
	});
	$node->safe_psql('postgres', 'SELECT pg_stat_statements_reset()');
	my $log_offset = -s $node->logfile;

	my ($ret, $out, $err) = $node->psql('postgres',
		"SET lock_timeout = '5s'; CREATE INDEX orders_blocked ON orders (customer)",
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	isnt($ret, 0, "$label: unsafe CREATE INDEX is refused");
	like($err, qr/SM100.*require-concurrent-index-creation/, "$label: refusal carries SM100 and the rule");

	($ret, $out, $err) = $node->psql('postgres', 'UPDATE orders SET customer = NULL',
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	like($err, qr/SM100.*require-where-clause/, "$label: UPDATE without WHERE is refused");

	$node->safe_psql('postgres',
		"SET lock_timeout = '5s';\n/* schemamig:allow require-concurrent-index-creation test */ CREATE INDEX orders_allowed ON orders (customer)");
	$node->safe_psql('postgres', "UPDATE orders SET customer = 'x' WHERE id = 1");

	my $seen = $node->safe_psql('postgres', q{
		SELECT string_agg(seen, ',' ORDER BY seen)
		  FROM (SELECT CASE WHEN query ILIKE '%orders_blocked%' THEN 'blocked'
		                    WHEN query ILIKE '%orders_allowed%' THEN 'allowed'
		                    WHEN query ILIKE 'UPDATE orders SET customer = $1 WHERE%' THEN 'update' END AS seen
		          FROM pg_stat_statements
		         WHERE query ILIKE '%orders_blocked%' OR query ILIKE '%orders_allowed%'
		            OR query ILIKE 'UPDATE orders SET customer = $1 WHERE%') s});
	is($seen, 'allowed,update', "$label: pg_stat_statements saw the allowed statements only");

	is($node->safe_psql('postgres', "SELECT to_regclass('orders_allowed') IS NOT NULL AND to_regclass('orders_blocked') IS NULL"),
		't', "$label: the allowed index exists, the refused one does not");
	is($node->safe_psql('postgres',
		"SELECT count(*) FROM schemamig.events WHERE event = 'lint_allowed' AND detail->>'reason' = 'test'"),
		'1', "$label: the override is recorded");

  SKIP:
	{
		skip 'pgaudit is not installed', 2 unless $have_pgaudit;
		my $log = slurp_file($node->logfile, $log_offset);
		like($log, qr/AUDIT: SESSION,.*CREATE INDEX.*orders_allowed/, "$label: pgaudit logged the allowed DDL");
		unlike($log, qr/AUDIT: SESSION,.*orders_blocked/, "$label: pgaudit never saw the refused DDL");
	}
}

$node->start;
check_order('schemamig last', [ 'pg_stat_statements', 'schemamig' ]);
check_order('schemamig first', [ 'schemamig', 'pg_stat_statements' ]);

# not installed in a database: inert there
$node->safe_psql('postgres', 'CREATE DATABASE plain');
$node->safe_psql('plain', 'CREATE TABLE t (id int)');
my ($rc) = $node->psql('plain', 'CREATE INDEX ON t (id); DROP TABLE t');
is($rc, 0, 'no linting where schemamig is not installed');

$node->stop;
done_testing();
