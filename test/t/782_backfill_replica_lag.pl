# 782_backfill_replica_lag.pl — the lag guard of batched backfills (issue
# 16): with schemamig.backfill_max_lag set, the worker's batches wait while
# a streaming replica lags more than that.  The replica's replay is paused
# with pg_wal_replay_pause(): the backfill stops between batches, says it
# waits (its progress row, an event, the view), and goes on to the end,
# every row changed once, when replay resumes; a cancel reaches it while it
# waits.  Off by default: the same paused replica does not hold up a
# backfill then.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;

use PostgreSQL::Test::Utils;
use Test::More;

my $primary = worker_node('lag_primary', init => { allows_streaming => 1 });
wait_for_worker($primary);
sub sql { return $primary->safe_psql('postgres', $_[0]); }

sql(q{CREATE TABLE lagged (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
	  INSERT INTO lagged (id) SELECT g FROM generate_series(1, 20000) g;});

$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('lag_standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
# the primary learns of replay from the standby's feedback: sent often here
$standby->append_conf('postgresql.conf', "wal_receiver_status_interval = '1s'\n");
$standby->start;
$primary->wait_for_catchup($standby);
$primary->poll_query_until('postgres', q{SELECT count(*) = 1 FROM pg_stat_replication WHERE state = 'streaming'})
  or die 'the standby does not stream';

# off by default: a paused replica holds nothing up
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_pause()');
$standby->poll_query_until('postgres', q{SELECT pg_get_wal_replay_pause_state() = 'paused'})
  or die 'replay did not pause';
is(sql('SHOW schemamig.backfill_max_lag'), '0', 'schemamig.backfill_max_lag is off by default');
my $job = queue_job($primary, '0001', "-- schemamig:batch size=2000\nUPDATE lagged SET n = n + 1 WHERE true;\n");
is(wait_for_job_status($primary, $job, 'done', 'failed'), 'done', 'without the guard the backfill runs past a paused replica');
is(sql("SELECT count(*) FROM schemamig.events WHERE event = 'backfill_lag_wait'"), '0', 'and never waited');
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_resume()');
$primary->wait_for_catchup($standby);

# with the guard: the batches wait while replay is paused
sql(q{ALTER SYSTEM SET schemamig.backfill_max_lag = '300ms'; SELECT pg_reload_conf();});
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_pause()');
$standby->poll_query_until('postgres', q{SELECT pg_get_wal_replay_pause_state() = 'paused'})
  or die 'replay did not pause';
$job = queue_job($primary, '0002', "-- schemamig:batch size=1000 pause=20ms\nUPDATE lagged SET n = n + 1 WHERE true;\n");
$primary->poll_query_until('postgres', "SELECT state = 'waiting_for_replica' FROM schemamig.backfill_progress WHERE job = $job")
  or die 'the backfill did not wait for the replica';
my $waiting_at = sql("SELECT batches FROM schemamig.backfills WHERE job = $job");
cmp_ok($waiting_at, '<', 20, "the backfill waits part-way ($waiting_at of 20 batches)");
like(sql("SELECT message FROM schemamig.events WHERE version = '0002' AND event = 'backfill_lag_wait'"),
	qr/a streaming replica lags \d+ ms, more than schemamig\.backfill_max_lag \(300 ms\); the batches wait/,
	'an event says why it waits');
# it stays put while replay stays paused: a second after it began to wait
$primary->poll_query_until('postgres',
	"SELECT clock_timestamp() > at + interval '1 s' FROM schemamig.events WHERE version = '0002' AND event = 'backfill_lag_wait'")
  or die 'no second passes';
is(sql("SELECT state || ' ' || batches FROM schemamig.backfills WHERE job = $job"), "waiting_for_replica $waiting_at",
	'no batch runs while the replica lags');
is(job_field($primary, $job, 'status'), 'running', 'the job is still running');

$standby->safe_psql('postgres', 'SELECT pg_wal_replay_resume()');
is(wait_for_job_status($primary, $job, 'done', 'failed'), 'done', 'once replay resumes the backfill goes on to done')
  or diag(job_field($primary, $job, 'error'));
is(sql("SELECT count(*) FILTER (WHERE n = 2) || '/' || count(*) FROM lagged"), '20000/20000',
	'every row changed exactly once by each backfill');
is(sql("SELECT state || ' ' || batches FROM schemamig.backfills WHERE job = $job"), 'done 20', 'all 20 batches done');
like(sql("SELECT message FROM schemamig.events WHERE version = '0002' AND event = 'backfill_lag_resumed'"),
	qr/replicas caught up/, 'an event says it went on');

# a cancel reaches a backfill that waits for a replica
$primary->wait_for_catchup($standby);
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_pause()');
$standby->poll_query_until('postgres', q{SELECT pg_get_wal_replay_pause_state() = 'paused'})
  or die 'replay did not pause';
$job = queue_job($primary, '0003', "-- schemamig:batch size=1000 pause=20ms\nUPDATE lagged SET n = n + 1 WHERE true;\n");
$primary->poll_query_until('postgres', "SELECT state = 'waiting_for_replica' FROM schemamig.backfill_progress WHERE job = $job")
  or die 'the backfill did not wait for the replica';
$waiting_at = sql("SELECT batches FROM schemamig.backfills WHERE job = $job");
sql("SELECT schemamig.cancel($job)");
is(wait_for_job_status($primary, $job, 'cancelled', 'done', 'failed'), 'cancelled',
	'a backfill waiting for a replica is cancelled where it waits');
is(sql("SELECT state || ' ' || batches FROM schemamig.backfills WHERE job = $job"), "cancelled $waiting_at",
	'without another batch');
is(sql("SELECT count(*) FROM schemamig.events WHERE version = '0003' AND event = 'backfill_lag_resumed'"), '0',
	'and no event says the replicas caught up');
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_resume()');

done_testing();
