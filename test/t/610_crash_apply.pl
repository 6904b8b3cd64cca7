# 610_crash_apply.pl — kill -9 of a backend in the middle of apply() of a
# transactional migration, and of migrate() of several: after the crash
# restart nothing of the migration exists (tables, rows, history, events)
# and its status is pending; applying it again works.
#
# The migration is held in the middle by an advisory lock that the test
# holds: its first statements have run, the next one waits.  (The worker's
# crash and immediate-stop recovery of non-transactional migrations is
# test/t/4NN's subject.)
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigReliability;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = reliability_node('crash_apply', conf => "restart_after_crash = on\n");
my $log_offset = -s $node->logfile;

$node->safe_psql('postgres', q{
	SELECT schemamig.apply('0001', 'CREATE TABLE base (id int PRIMARY KEY)', 'DROP TABLE base');
	SELECT schemamig.register('0002', $$CREATE TABLE half (id int PRIMARY KEY);
INSERT INTO half SELECT g FROM generate_series(1, 1000) g;
ALTER TABLE base ADD COLUMN note text;
SELECT pg_advisory_lock(4242);
CREATE TABLE after_wait (id int)$$, 'DROP TABLE after_wait; DROP TABLE half; ALTER TABLE base DROP COLUMN note');
	SELECT schemamig.register('0003', 'CREATE TABLE third (id int)', 'DROP TABLE third');
});
my $events_before = $node->safe_psql('postgres', 'SELECT count(*) FROM schemamig.events');

# Run $sql in a session of its own until it waits for advisory lock 4242
# (held by $holder), then kill -9 that backend and wait for the restart.
sub crash_in_the_middle
{
	my ($label, $sql) = @_;
	my $holder = $node->background_psql('postgres');
	$holder->query_safe('SELECT pg_advisory_lock(4242)');

	my ($out, $err) = ('', '');
	my $victim = IPC::Run::start(
		[ 'psql', '-XAtq', '-d', $node->connstr('postgres'),
		  '-c', "SET schemamig.lock_timeout = 0; SET application_name = 'victim'; $sql" ],
		'>', \$out, '2>', \$err);
	ok( $node->poll_query_until(
			'postgres', q{
		SELECT EXISTS (SELECT FROM pg_stat_activity
		                WHERE application_name = 'victim' AND wait_event_type = 'Lock'
		                  AND wait_event = 'advisory')}),
		"$label: the migration is waiting in its middle");
	my $pid = $node->safe_psql('postgres', q{SELECT pid FROM pg_stat_activity WHERE application_name = 'victim'});
	# what the migration did so far is visible to itself only
	is($node->safe_psql('postgres', q{SELECT to_regclass('public.half') IS NULL}), 't',
		"$label: its uncommitted table is invisible to others");

	my $restarts = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');
	kill 'KILL', $pid;
	$victim->finish;
	isnt($victim->full_result(0), 0, "$label: the killed client fails");
	eval { $holder->quit };    # the crash restart ends this session too

	# the postmaster restarts every backend and runs crash recovery
	ok($node->poll_query_until('postgres', 'SELECT true'), "$label: the server accepts connections again");
	ok($node->log_contains("was terminated by signal 9", $log_offset), "$label: the backend was killed");
	is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $restarts,
		"$label: the postmaster itself kept running (crash restart, not a new start)");
}

sub nothing_of_0002
{
	my ($label) = @_;
	is( $node->safe_psql(
			'postgres', q{
		SELECT to_regclass('public.half') IS NULL AND to_regclass('public.after_wait') IS NULL
		   AND NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'base'::regclass AND attname = 'note')}),
		't',
		"$label: nothing of the migration exists");
	is($node->safe_psql('postgres', q{SELECT string_agg(version || '=' || state, ',' ORDER BY version) FROM schemamig.status()}),
		'0001=applied,0002=pending,0003=pending', "$label: status says pending");
	is($node->safe_psql('postgres', q{SELECT count(*) FROM schemamig.applied WHERE version IN ('0002', '0003')}),
		'0', "$label: no history row");
	is($node->safe_psql('postgres', 'SELECT count(*) FROM schemamig.events'), $events_before,
		"$label: no event");
	catalogs_consistent($node, 'postgres', $label);
}

crash_in_the_middle('apply', q{SELECT schemamig.apply('0002', $$CREATE TABLE half (id int PRIMARY KEY);
INSERT INTO half SELECT g FROM generate_series(1, 1000) g;
ALTER TABLE base ADD COLUMN note text;
SELECT pg_advisory_lock(4242);
CREATE TABLE after_wait (id int)$$)});
nothing_of_0002('after kill -9 in apply()');

crash_in_the_middle('migrate', 'SELECT * FROM schemamig.migrate()');
nothing_of_0002('after kill -9 in migrate()');

# and it applies normally afterwards (the advisory lock died with the crash)
is($node->safe_psql('postgres', q{SELECT string_agg(version || '=' || result, ',') FROM schemamig.migrate()}),
	'0002=applied,0003=applied', 'migrate() applies both after the crashes');
is($node->safe_psql('postgres', 'SELECT count(*) FROM half'), '1000', 'with all of the data');
catalogs_consistent($node, 'postgres', 'at the end');

$node->stop;
done_testing();
