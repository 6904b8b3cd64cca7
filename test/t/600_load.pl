# 600_load.pl — 16 concurrent clients call migrate(), status(), validate(),
# rollback() and enqueue() on one shared set of migrations for a bounded
# time while pgbench drives DML on the same database.  Afterwards every
# migration was applied exactly once between rollbacks (the event log
# alternates applied / rolled back), the schema agrees with
# schemamig.applied, validate() is empty, the only errors were the expected
# ones (worker busy SM006, lock waits 55P03, enqueue of a down job for what
# is not applied 55000: counted and printed), and the server never
# restarted.  The counts are printed (diag).
#
# The clients are server-side loops (one DO block per connection, one
# transaction per call) so that 16 of them fit on a two-core machine.
# schemamig.out_of_order is on: a down job from enqueue() can roll back a
# migration below the highest applied one, and migrate() must then be
# allowed to re-apply it.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigReliability;

use IPC::Run;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $clients = 16;
my $seconds = $ENV{SCHEMAMIG_LOAD_SECONDS} // 20;
my $nmig    = 12;

my $node = reliability_node(
	'load', conf => qq{
schemamig.out_of_order = on
schemamig.lock_wait_timeout = '2s'
schemamig.worker_naptime = '200ms'
max_connections = 40
deadlock_timeout = '200ms'
});

my $started = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');
my $log_offset = -s $node->logfile;

$node->command_ok([ 'pgbench', '-i', '-q', '-s', '1', $node->connstr('postgres') ], 'pgbench -i');

# Twelve migrations: new tables, columns added to the table pgbench
# updates (ACCESS EXCLUSIVE under load), and CREATE INDEX CONCURRENTLY on
# tables pgbench updates (run by the worker).  What each leaves behind is
# how the schema is checked against the history at the end.
my (@register, @present);
for my $i (1 .. $nmig)
{
	my $v = sprintf('L%02d', $i);
	my ($up, $down, $present);
	if ($i % 5 == 4)
	{
		$up      = "ALTER TABLE pgbench_accounts ADD COLUMN load_c$i int";
		$down    = "ALTER TABLE pgbench_accounts DROP COLUMN IF EXISTS load_c$i";
		$present = "EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'pgbench_accounts'::regclass "
		  . "AND attname = 'load_c$i' AND NOT attisdropped)";
	}
	elsif ($i % 5 == 1 && $i > 1)
	{
		my $table = $i == 6 ? 'pgbench_branches (bbalance)' : 'pgbench_tellers (tbalance)';
		$up      = "CREATE INDEX CONCURRENTLY load_i$i ON $table";
		$down    = "DROP INDEX IF EXISTS load_i$i";
		$present = "to_regclass('public.load_i$i') IS NOT NULL";
	}
	else
	{
		$up      = "CREATE TABLE load_t$i (id int PRIMARY KEY, v text);\n"
		  . "INSERT INTO load_t$i SELECT g, 'row ' || g FROM generate_series(1, 100) g";
		$down    = "DROP TABLE load_t$i";
		$present = "to_regclass('public.load_t$i') IS NOT NULL";
	}
	push @register, "SELECT schemamig.register('$v', \$up\$$up\$up\$, \$dn\$$down\$dn\$, 'load $i');";
	push @present,  "('$v', $present)";
}
$node->safe_psql('postgres', join("\n", @register));
is($node->safe_psql('postgres', q{SELECT count(*) FROM schemamig.migrations WHERE NOT transactional}),
	'2', 'two of the migrations need the worker');
$node->safe_psql('postgres', 'CREATE TABLE load_results (client int, counts jsonb, unexpected text[])');

my $client_sql = <<'SQL';
DO $do$
DECLARE
	deadline timestamptz := clock_timestamp() + make_interval(secs => :seconds);
	counts jsonb := '{}';
	unexpected text[] := '{}';
	op text;
	r float8;
	st text;
	msg text;
	k text;
	v text;
BEGIN
	PERFORM setseed(:client / 100.0);
	WHILE clock_timestamp() < deadline LOOP
		r := random();
		op := CASE WHEN r < 0.35 THEN 'migrate' WHEN r < 0.55 THEN 'status'
		           WHEN r < 0.75 THEN 'rollback' WHEN r < 0.90 THEN 'enqueue' ELSE 'validate' END;
		v := 'L' || lpad((1 + floor(random() * :nmig))::int::text, 2, '0');
		st := 'ok';
		BEGIN
			CASE op
			WHEN 'migrate' THEN PERFORM count(*) FROM schemamig.migrate();
			WHEN 'status' THEN PERFORM count(*) FROM schemamig.status();
			WHEN 'validate' THEN PERFORM count(*) FROM schemamig.validate();
			WHEN 'rollback' THEN PERFORM count(*) FROM schemamig.rollback(1 + floor(random() * 2)::int);
			WHEN 'enqueue' THEN
				PERFORM schemamig.enqueue(v, CASE WHEN random() < 0.5 THEN 'up' ELSE 'down' END);
			END CASE;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
			IF st NOT IN ('SM006', '55P03') AND NOT (op = 'enqueue' AND st = '55000') THEN
				unexpected := unexpected || (op || ' ' || st || ': ' || msg);
			END IF;
		END;
		k := op || ':' || st;
		counts := jsonb_set(counts, ARRAY[k], to_jsonb(coalesce((counts->>k)::int, 0) + 1));
		COMMIT;
	END LOOP;
	INSERT INTO load_results VALUES (:client, counts, unexpected);
END
$do$;
SQL

# pgbench first, then the clients, all at once
my ($bench_out, $bench_err) = ('', '');
my $bench = IPC::Run::start(
	[ 'pgbench', '-n', '-c', '2', '-j', '2', '-T', $seconds + 2, $node->connstr('postgres') ],
	'>', \$bench_out, '2>', \$bench_err);
my @runs;
for my $c (1 .. $clients)
{
	my $sql = $client_sql;
	$sql =~ s/:seconds/$seconds/g;
	$sql =~ s/:client/$c/g;
	$sql =~ s/:nmig/$nmig/g;
	my %io = (out => '', err => '');
	my $h = IPC::Run::start(
		[ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('postgres'), '-c', $sql ],
		'>', \$io{out}, '2>', \$io{err});
	push @runs, [ $h, \%io ];
}
my $client_failures = 0;
for my $r (@runs)
{
	if (!$r->[0]->finish)
	{
		$client_failures++;
		diag("client failed: $r->[1]{err}");
	}
}
my $bench_ok = $bench->finish;
is($client_failures, 0, "all $clients clients ran to the end");
ok($bench_ok, 'pgbench ran without errors') or diag($bench_err);
my ($tps) = $bench_out =~ /tps = ([0-9.]+)/;
diag("pgbench: " . ($tps // '?') . " tps during the load");

# the counts, per operation and outcome
my %total;
for my $row (split /\n/, $node->safe_psql('postgres', q{
	SELECT key, sum(value::int) FROM load_results, jsonb_each_text(counts) GROUP BY key ORDER BY key}))
{
	my ($k, $n) = split /\|/, $row;
	$total{$k} = $n;
}
diag("load: $clients clients x ${seconds}s: " . join(', ', map { "$_=$total{$_}" } sort keys %total));
my $sm006 = 0;
my $lockwait = 0;
for (keys %total) { $sm006 += $total{$_} if /:SM006$/; $lockwait += $total{$_} if /:55P03$/; }
diag("load: worker busy (SM006): $sm006, lock waits timed out (55P03): $lockwait");
is($node->safe_psql('postgres', q{SELECT count(*) FROM load_results}), $clients, 'every client reported');
is($node->safe_psql('postgres', q{SELECT coalesce(string_agg(u, E'\n'), '') FROM load_results, unnest(unexpected) u}),
	'', 'no unexpected errors');
cmp_ok($total{'migrate:ok'} // 0, '>', 0, 'some migrate() calls succeeded');
cmp_ok($total{'rollback:ok'} // 0, '>', 0, 'some rollback() calls succeeded');
cmp_ok($total{'enqueue:ok'} // 0, '>', 0, 'some enqueue() calls succeeded');

# let the worker finish what was queued (bounded), and recover what it left
ok( $node->poll_query_until(
		'postgres', q{
	SELECT NOT EXISTS (SELECT FROM schemamig.jobs WHERE status IN ('queued', 'running'))
	   AND NOT EXISTS (SELECT FROM schemamig.applied WHERE dirty)}),
	'the queue drains');

my $jobs = $node->safe_psql('postgres',
	q{SELECT string_agg(direction || ' ' || status || '=' || n, ', ' ORDER BY direction, status)
	    FROM (SELECT direction, status, count(*) n FROM schemamig.jobs GROUP BY 1, 2) j});
diag("jobs: $jobs");
my $events = $node->safe_psql('postgres',
	q{SELECT string_agg(event || '=' || n, ', ' ORDER BY event) FROM (SELECT event, count(*) n FROM schemamig.events GROUP BY 1) e});
diag("events: $events");
my $failed = $node->safe_psql('postgres',
	q{SELECT coalesce(string_agg(DISTINCT coalesce(sqlstate, '?') || ' ' || message, E'\n'), '') FROM schemamig.events WHERE event = 'failed'});
diag("worker failures:\n$failed") if $failed ne '';

# exactly once: per version, "applied" never follows "applied" without a
# rollback or recovery between, and a rollback always follows an apply
my $history = q{
	WITH e AS (
		SELECT version, event, id,
		       lag(event) OVER (PARTITION BY version ORDER BY id) AS prev
		  FROM schemamig.events
		 WHERE event IN ('applied', 'rolled_back', 'recovered'))
};
is( $node->safe_psql(
		'postgres', $history . q{
	SELECT coalesce(string_agg(version || ' ' || coalesce(prev, '-') || ' -> ' || event, ', ' ORDER BY id), '')
	  FROM e
	 WHERE (event = 'applied' AND prev = 'applied')
	    OR (event = 'rolled_back' AND prev IS DISTINCT FROM 'applied')}),
	'',
	'every migration was applied exactly once between rollbacks');
is( $node->safe_psql(
		'postgres', $history . q{
	, last AS (SELECT DISTINCT ON (version) version, event FROM e ORDER BY version, id DESC)
	SELECT coalesce(string_agg(m.version, ','), '')
	  FROM schemamig.migrations m LEFT JOIN last l USING (version)
	 WHERE (l.event = 'applied') IS DISTINCT FROM EXISTS (SELECT FROM schemamig.applied a WHERE a.version = m.version)}),
	'',
	'the last event of each migration agrees with schemamig.applied');
is( $node->safe_psql(
		'postgres', 'SELECT coalesce(string_agg(v, \',\'), \'\') FROM (VALUES ' . join(', ', @present) . q{) x(v, present)
	 WHERE present IS DISTINCT FROM EXISTS (SELECT FROM schemamig.applied a WHERE a.version = x.v)}),
	'',
	'the schema has exactly the objects of the applied migrations');
catalogs_consistent($node, 'postgres', 'after the load');

# and the history can still be brought to the top
for (1 .. 5)
{
	$node->safe_psql('postgres', 'SELECT count(*) FROM schemamig.migrate()');
	$node->poll_query_until('postgres',
		q{SELECT NOT EXISTS (SELECT FROM schemamig.jobs WHERE status IN ('queued', 'running'))});
}
is($node->safe_psql('postgres', q{SELECT count(*) FROM schemamig.status() WHERE state = 'applied'}),
	$nmig, 'afterwards migrate() applies every migration');

is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $started, 'the server never restarted');
no_crash_in_log($node, $log_offset, 'load');

$node->stop;
done_testing();
