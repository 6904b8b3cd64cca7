# 830_trace.pl — schemamig.trace(sql) measures what a script does and
# leaves nothing behind: the lock each statement takes on each relation,
# whether it scanned or rewrote it, statements that cannot run in a
# transaction block reported with their documented lock, a failing
# statement and a lock held by another session reported as such (the
# trace goes on, quickly), the linter's findings kept while its hook does
# not block, and PUBLIC cannot call it.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('trace');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemamig'\n");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION schemamig;
	SET schemamig.lint = off;
	CREATE TABLE orders (id integer PRIMARY KEY, note text, amount numeric);
	INSERT INTO orders SELECT g, 'note ' || g, g * 1.5 FROM generate_series(1, 20000) g;
	ANALYZE orders;
	CREATE SEQUENCE counter;
});

sub sql { return $node->safe_psql('postgres', $_[0]); }

# rows of one trace, "statement|relation|lock_mode|scanned|rewritten|outcome", one per line
sub trace
{
	my ($script, $where) = @_;
	my $tag = '$trace$';
	return sql("SELECT statement_no || '|' || coalesce(relation_name, '') || '|' || coalesce(lock_mode, '')"
		  . " || '|' || coalesce(scanned::text, '') || '|' || coalesce(rewritten::text, '') || '|' || outcome"
		  . " FROM schemamig.trace($tag$script$tag)"
		  . ($where ? " WHERE $where" : '')
		  . " ORDER BY statement_no, relation_name");
}

# what must not change: file, data, column type, constraints, indexes
my $state_sql = q{
	SELECT pg_relation_filenode('orders') || ' ' || format_type(a.atttypid, a.atttypmod)
	  || ' ' || (SELECT md5(string_agg(o::text, ',' ORDER BY id)) FROM orders o)
	  || ' ' || (SELECT count(*) FROM pg_index WHERE indrelid = 'orders'::regclass)
	  || ' ' || (SELECT count(*) FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attnum > 0)
	  || ' ' || (SELECT attnotnull FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'note')
	FROM pg_attribute a WHERE a.attrelid = 'orders'::regclass AND a.attname = 'id'};
my $before = sql($state_sql);
like($before, qr/^\d+ integer [0-9a-f]{32} 1 3 false$/, 'orders as set up');

# integer -> bigint on a populated table: ACCESS EXCLUSIVE and a rewrite
is(trace('ALTER TABLE orders ALTER COLUMN id TYPE bigint', q{relation = 'orders'::regclass}),
	'1|public.orders|AccessExclusiveLock|true|true|ok',
	'integer -> bigint: AccessExclusiveLock, scanned and rewritten');
is(sql($state_sql), $before, '... and orders is unchanged afterwards (relfilenode, type, data)');

is(trace('ALTER TABLE orders ADD COLUMN flag boolean'),
	'1|public.orders|AccessExclusiveLock|false|false|ok',
	'ADD COLUMN nullable: AccessExclusiveLock, no scan, no rewrite');

is(trace('ALTER TABLE orders ALTER COLUMN note SET NOT NULL'),
	'1|public.orders|AccessExclusiveLock|true|false|ok',
	'SET NOT NULL: AccessExclusiveLock, a scan, no rewrite');

is(trace('CREATE INDEX orders_note ON orders (note)', q{relation_name = 'public.orders'}),
	'1|public.orders|ShareLock|true|false|ok',
	'CREATE INDEX: ShareLock on the table, which it scans');

is(trace('CREATE INDEX CONCURRENTLY orders_note ON orders (note)'),
	'1|public.orders|ShareUpdateExclusiveLock|||not_traced',
	'CREATE INDEX CONCURRENTLY: not traced, with its documented ShareUpdateExclusiveLock');
is(sql(q{SELECT detail FROM schemamig.trace('VACUUM FULL orders')}),
	'VACUUM cannot run inside a transaction block; the lock shown is the one PostgreSQL documents for it',
	'a not-traced statement says why');

is(trace('SELECT count(*) FROM orders WHERE id = 42', q{relation_name = 'public.orders'}),
	'1|public.orders|AccessShareLock|true|false|ok',
	'an index scan counts as a scan of the table');

# a failing statement is a row; the statements around it are traced
is(trace("ALTER TABLE orders ADD COLUMN a int;\nALTER TABLE orders ALTER COLUMN note TYPE integer USING note::integer;\nALTER TABLE orders ADD COLUMN b int"),
	"1|public.orders|AccessExclusiveLock|false|false|ok\n2|||||failed\n3|public.orders||false|false|ok",
	'a failing statement is reported as failed, and the trace goes on');
like(sql(q{SELECT detail FROM schemamig.trace($$SELECT 1; SELECT 1/0$$) WHERE statement_no = 2}),
	qr/^22012: division by zero$/, 'the failure says its SQLSTATE and message');
is(sql(q{SELECT detail FROM schemamig.trace($$ALTER TABLE orders ADD COLUMN a int; ALTER TABLE orders ADD COLUMN b int$$) WHERE statement_no = 2}),
	'no lock it did not already hold: an earlier statement took AccessExclusiveLock',
	'a lock taken by an earlier statement of the script is not reported again, but said');

# nothing persists: tables created by the script, rows, grants
sql(q{SELECT count(*) FROM schemamig.trace($$
	CREATE TABLE made_by_trace (id int);
	INSERT INTO made_by_trace VALUES (1);
	INSERT INTO orders VALUES (-1, 'new', 0);
	CREATE INDEX orders_amount ON orders (amount);
	ALTER TABLE orders RENAME TO orders_renamed;
	SELECT nextval('counter');
$$)});
is(sql(q{SELECT to_regclass('made_by_trace') IS NULL AND to_regclass('orders_amount') IS NULL
	  AND to_regclass('orders') IS NOT NULL AND NOT EXISTS (SELECT FROM orders WHERE id = -1)}),
	't', 'nothing the script did persists');
is(sql(q{SELECT last_value FROM counter}), '1', '... except nextval(), which PostgreSQL never rolls back');
is(sql($state_sql), $before, 'orders is unchanged after every trace');

# the trace runs inside the caller's transaction, which goes on
is(sql(q{BEGIN; CREATE TABLE mine (id int); SELECT count(*) FROM schemamig.trace('DROP TABLE mine'); INSERT INTO mine VALUES (1); COMMIT; SELECT count(*) FROM mine}),
	"1\n1", "the caller's transaction keeps its own work");
sql('SET schemamig.lint = off; DROP TABLE mine');

# the hook does not block traced statements, and the findings are kept
is(sql(q{SHOW schemamig.lint}), 'error', 'the linter blocks unsafe DDL in this database');
is(sql(q{SELECT string_agg(outcome || ' ' || array_to_string(lint_rules, ','), ';')
	  FROM schemamig.trace('ALTER TABLE orders ALTER COLUMN id TYPE bigint') WHERE relation = 'orders'::regclass}),
	'ok changing-column-type', 'the statement the hook would block is traced, its finding reported');
is(sql(q{SELECT string_agg(rule, ',') FROM schemamig.lint('ALTER TABLE orders ALTER COLUMN id TYPE bigint')}),
	'changing-column-type', '... the same rule lint() reports');
is(sql(q{SHOW schemamig.lint}), 'error', 'and the hook blocks again after the trace');

# a lock held by another session: reported as a lock timeout, quickly
my $holder = $node->background_psql('postgres');
$holder->query_safe('BEGIN; LOCK TABLE orders IN ACCESS SHARE MODE;');
my $started = time;
my $out = sql(q{SET lock_timeout = '30s'; SELECT statement_no || ' ' || outcome || ' ' || coalesce(detail, '')
	  FROM schemamig.trace($$ALTER TABLE orders ADD COLUMN c int; SET lock_timeout = '1min'; ALTER TABLE orders ADD COLUMN d int; CREATE TABLE after_wait (id int)$$)
	  ORDER BY statement_no; SHOW lock_timeout});
my $elapsed = time - $started;
diag(sprintf('trace of a script behind a held lock returned in %.3f s', $elapsed));
is($out,
	"1 lock_timeout 55P03: canceling statement due to lock timeout\n2 ok \n3 lock_timeout 55P03: canceling statement due to lock timeout\n4 ok \n30s",
	"a statement behind another session's lock is reported as a lock timeout (also after the script's own SET lock_timeout), the trace goes on, and the caller's lock_timeout is back");
$holder->query_safe('ROLLBACK');
$holder->quit;

# PUBLIC cannot call it; a role granted EXECUTE runs the script with its own privileges
sql(q{CREATE ROLE app LOGIN; CREATE ROLE tracer LOGIN; GRANT EXECUTE ON FUNCTION schemamig.trace(text) TO tracer;});
my ($ret, $stdout, $stderr) = $node->psql('postgres', q{SET ROLE app; SELECT * FROM schemamig.trace('SELECT 1')});
isnt($ret, 0, 'a role without the grant cannot call trace()');
like($stderr, qr/permission denied for function trace/, '... permission denied');
is(sql(q{SET ROLE tracer; SELECT outcome || ' ' || detail FROM schemamig.trace('ALTER TABLE orders ADD COLUMN x int')}),
	'failed 42501: must be owner of table orders', 'a traced statement runs with the caller\'s privileges');
is(sql(q{SELECT prosecdef FROM pg_proc WHERE oid = 'schemamig.trace(text)'::regprocedure}), 'f',
	'trace() is not SECURITY DEFINER');

$node->stop;
done_testing();
