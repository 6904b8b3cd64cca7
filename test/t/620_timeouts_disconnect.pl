# 620_timeouts_disconnect.pl — statement_timeout and lock_timeout firing
# inside migrations, and the client going away mid-migrate(): every failure
# is clean (SQLSTATE kept, nothing half-applied, status pending), and events
# are recorded exactly where doc/catalogs.md and doc/worker.md say: none for
# a failed apply()/migrate() (its transaction is rolled back), "failed" and
# then "recovered" for a worker job, and what CALL run() committed before
# the failure stays.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigReliability;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = reliability_node('timeouts', conf => "schemamig.worker_naptime = '200ms'\n");
my $log_offset = -s $node->logfile;

$node->safe_psql('postgres', q{
	SELECT schemamig.apply('0001', 'CREATE TABLE base (id int PRIMARY KEY)', 'DROP TABLE base');
});

sub events { $node->safe_psql('postgres', 'SELECT count(*) FROM schemamig.events') }

sub nothing_of
{
	my ($label, $version, @tables) = @_;
	my $absent = join(' AND ', map { "to_regclass('public.$_') IS NULL" } @tables);
	is($node->safe_psql('postgres', "SELECT $absent"), 't', "$label: none of its tables exist");
	is($node->safe_psql('postgres', "SELECT count(*) FROM schemamig.applied WHERE version = '$version'"),
		'0', "$label: not recorded as applied");
}

# ---- statement_timeout ----

my $events = events();
my ($ret, $out, $err) = $node->psql('postgres', q{
	SET schemamig.statement_timeout = '200ms';
	SELECT schemamig.apply('0002', 'CREATE TABLE st_a (id int); INSERT INTO st_a VALUES (1); SELECT pg_sleep(3); CREATE TABLE st_b (id int)');
}, extra_params => [ '-v', 'VERBOSITY=verbose' ]);
isnt($ret, 0, 'statement_timeout: apply() fails');
like($err, qr/ERROR:  57014: canceling statement due to statement timeout/, 'statement_timeout: 57014');
like($err, qr/schemamig migration "0002" \(up\), statement 3/, 'statement_timeout: the context names the statement');
nothing_of('statement_timeout', '0002', 'st_a', 'st_b');
is($node->safe_psql('postgres', q{SELECT count(*) FROM schemamig.migrations WHERE version = '0002'}),
	'0', 'statement_timeout: apply() registered nothing either (one transaction)');
is(events(), $events, 'statement_timeout: no event (the failed transaction wrote none)');
is($node->safe_psql('postgres', q{SHOW statement_timeout}), '0', 'the session timeout is not changed');

# registered first, then migrate(): pending afterwards
$node->safe_psql('postgres',
	q{SELECT schemamig.register('0002', 'CREATE TABLE st_a (id int); SELECT pg_sleep(3)', 'DROP TABLE st_a')});
$events = events();
($ret, $out, $err) = $node->psql('postgres',
	q{SET schemamig.statement_timeout = '200ms'; SELECT * FROM schemamig.migrate()});
like($err, qr/canceling statement due to statement timeout/, 'statement_timeout in migrate()');
nothing_of('statement_timeout in migrate()', '0002', 'st_a');
is($node->safe_psql('postgres', q{SELECT state FROM schemamig.status() WHERE version = '0002'}),
	'pending', 'statement_timeout in migrate(): pending');
is(events(), $events, 'statement_timeout in migrate(): no event');
$node->safe_psql('postgres',
	q{SELECT schemamig.register('0002', 'CREATE TABLE st_a (id int)', 'DROP TABLE st_a')});

# ---- lock_timeout ----

my $locker = $node->background_psql('postgres');
$locker->query_safe('BEGIN; LOCK TABLE base IN ACCESS SHARE MODE');
$node->safe_psql('postgres', q{
	SELECT schemamig.register('0003', 'CREATE TABLE lt_a (id int); ALTER TABLE base ADD COLUMN note text', 'ALTER TABLE base DROP COLUMN note; DROP TABLE lt_a');
});
$events = events();
($ret, $out, $err) = $node->psql('postgres',
	q{SET schemamig.lock_timeout = '200ms'; SELECT * FROM schemamig.migrate()},
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
like($err, qr/ERROR:  55P03: canceling statement due to lock timeout/, 'lock_timeout: 55P03');
like($err, qr/schemamig migration "0003" \(up\), statement 2/, 'lock_timeout: the context names the statement');
nothing_of('lock_timeout in migrate()', '0002', 'st_a');
nothing_of('lock_timeout in migrate()', '0003', 'lt_a');
is($node->safe_psql('postgres', q{SELECT string_agg(version || '=' || state, ',' ORDER BY version) FROM schemamig.status()}),
	'0001=applied,0002=pending,0003=pending', 'lock_timeout: both pending (migrate() is one transaction)');
is(events(), $events, 'lock_timeout in migrate(): no event');

# CALL run() commits after each migration: 0002 stays, 0003 fails whole
($ret, $out, $err) = $node->psql('postgres', q{SET schemamig.lock_timeout = '200ms'; CALL schemamig.run()});
like($err, qr/canceling statement due to lock timeout/, 'lock_timeout in run()');
is($node->safe_psql('postgres', q{SELECT string_agg(version || '=' || state, ',' ORDER BY version) FROM schemamig.status()}),
	'0001=applied,0002=applied,0003=pending', 'run(): what it committed stays, the failed one is pending');
nothing_of('lock_timeout in run()', '0003', 'lt_a');
is($node->safe_psql('postgres', q{SELECT count(*) FROM schemamig.events WHERE version = '0002' AND event = 'applied'}),
	'1', 'run(): the committed migration has its event');
$locker->query_safe('COMMIT');
$locker->quit;
is($node->safe_psql('postgres', q{SELECT string_agg(version || '=' || result, ',') FROM schemamig.migrate()}),
	'0003=applied', 'once the lock is free, migrate() applies it');
catalogs_consistent($node, 'postgres', 'after the timeouts');

# ---- a worker job that times out: failed, then recovered ----

$node->safe_psql('postgres', q{
	SELECT schemamig.register('0004', $$CREATE INDEX CONCURRENTLY base_idx ON base (id);
SET statement_timeout = '200ms';
SELECT pg_sleep(3);
CREATE TABLE wt_after (id int)$$, 'DROP TABLE IF EXISTS wt_after; DROP INDEX CONCURRENTLY IF EXISTS base_idx');
});
my $job = $node->safe_psql('postgres', q{SELECT schemamig.enqueue('0004')});
ok($node->poll_query_until('postgres', "SELECT status = 'failed' FROM schemamig.jobs WHERE id = $job"),
	'worker timeout: the job fails');
is($node->safe_psql('postgres', "SELECT sqlstate FROM schemamig.jobs WHERE id = $job"), '57014',
	'worker timeout: the job keeps the SQLSTATE');
is( $node->safe_psql(
		'postgres', q{SELECT sqlstate || ' ' || (detail->>'statement') FROM schemamig.events WHERE event = 'failed' AND version = '0004'}),
	'57014 3',
	'worker timeout: a "failed" event names the statement')
  or diag($node->safe_psql('postgres', q{SELECT row_to_json(e) FROM schemamig.events e WHERE version = '0004'}));
ok( $node->poll_query_until(
		'postgres', q{SELECT EXISTS (SELECT FROM schemamig.events WHERE event = 'recovered' AND version = '0004')}),
	'worker timeout: the dirty migration is recovered');
is($node->safe_psql('postgres', q{SELECT state FROM schemamig.status() WHERE version = '0004'}),
	'pending', 'worker timeout: pending again');
nothing_of('worker timeout', '0004', 'base_idx', 'wt_after');
$node->safe_psql('postgres', q{
	SELECT schemamig.register('0004', 'CREATE INDEX CONCURRENTLY base_idx ON base (id)', 'DROP INDEX CONCURRENTLY IF EXISTS base_idx');
});
$job = $node->safe_psql('postgres', q{SELECT schemamig.enqueue('0004')});
$node->safe_psql('postgres', "CALL schemamig.wait($job, '60s')");
is($node->safe_psql('postgres', q{SELECT state FROM schemamig.status() WHERE version = '0004'}),
	'applied', 'the fixed migration is applied by the worker');

# ---- the client goes away mid-migrate() ----

$node->safe_psql('postgres', q{
	SELECT schemamig.register('0005', $$CREATE TABLE dc_a (id int);
SELECT pg_advisory_lock(4242);
CREATE TABLE dc_b (id int)$$, 'DROP TABLE dc_b; DROP TABLE dc_a');
});

# Send $sql from a session named "victim" (without waiting for it), wait
# until the session is in the state $wait_for, then kill -9 the psql client
# (not the backend).
sub disconnect_in_the_middle
{
	my ($label, $wait_for, $sql) = @_;
	my $client = $node->background_psql('postgres', on_error_stop => 0);
	$client->query_safe(q{SET application_name = 'victim'});
	$client->{stdin} .= $sql;
	$client->{run}->pump_nb while length $client->{stdin};
	ok($node->poll_query_until('postgres', "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'victim' AND $wait_for)"),
		"$label: the client is in the middle");
	$client->{run}->signal('KILL');
	eval { $client->{run}->finish };
}

# a: in an explicit transaction, migrate() done, no COMMIT yet
disconnect_in_the_middle('before COMMIT', q{state = 'idle in transaction'},
	"BEGIN;\nSELECT * FROM schemamig.migrate();\n");
ok($node->poll_query_until('postgres', q{SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'victim')}),
	'before COMMIT: the backend ends');
nothing_of('before COMMIT', '0005', 'dc_a', 'dc_b');
is($node->safe_psql('postgres', q{SELECT state FROM schemamig.status() WHERE version = '0005'}),
	'pending', 'before COMMIT: the migration is rolled back with the transaction');

my $holder = $node->background_psql('postgres');
$holder->query_safe('SELECT pg_advisory_lock(4242)');

# b: with client_connection_check_interval the backend notices at once and
# rolls back, even while the migration waits
disconnect_in_the_middle('check interval', q{wait_event = 'advisory'},
	"SET client_connection_check_interval = '100ms';\nSET schemamig.lock_timeout = 0;\nSELECT * FROM schemamig.migrate();\n");
ok($node->poll_query_until('postgres', q{SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'victim')}),
	'check interval: the backend ends while the migration waits');
nothing_of('check interval', '0005', 'dc_a', 'dc_b');
is($node->safe_psql('postgres', q{SELECT state FROM schemamig.status() WHERE version = '0005'}),
	'pending', 'check interval: pending');

# c: without it, the statement runs to its end and commits (the disconnect
# is noticed when the result is sent): all of it, never a part
disconnect_in_the_middle('no check interval', q{wait_event = 'advisory'},
	"SET schemamig.lock_timeout = 0;\nSELECT * FROM schemamig.migrate();\n");
$holder->query_safe('SELECT pg_advisory_unlock(4242)');
ok($node->poll_query_until('postgres', q{SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'victim')}),
	'no check interval: the backend ends');
is( $node->safe_psql(
		'postgres', q{SELECT (to_regclass('public.dc_a') IS NOT NULL) = (to_regclass('public.dc_b') IS NOT NULL)
		           AND (to_regclass('public.dc_a') IS NOT NULL) = EXISTS (SELECT FROM schemamig.applied WHERE version = '0005')}),
	't',
	'no check interval: all of the migration or none of it, and the history agrees');
$holder->quit;

ok($node->poll_query_until('postgres', q{SELECT NOT EXISTS (SELECT FROM schemamig.jobs WHERE status IN ('queued', 'running'))}),
	'the queue is empty');
catalogs_consistent($node, 'postgres', 'at the end');
no_crash_in_log($node, $log_offset, 'timeouts and disconnects');

$node->stop;
done_testing();
