# 730_lock_retry_readers.pl — a worker migration blocked by a long reader
# does not become a read outage.  One session holds ACCESS SHARE on orders
# (BEGIN; SELECT ...) while the worker applies
# "ALTER TABLE orders ADD COLUMN w text; CREATE INDEX CONCURRENTLY ...",
# under the default schemamig.lock_timeout, and a pgbench reader runs
# single-row SELECTs at 50 per second throughout.  The worker gives up each
# lock wait after the lock timeout in force and pauses at least fifteen
# times as long before the next attempt (each attempt a lock_retry event),
# so readers queue behind it at most a sixteenth of the time (6.25%, under
# the 10% required, with a margin for a loaded machine); once the holder
# leaves, the next attempt goes through, and no down script runs.
#
# The bound is asserted on what the worker recorded (the lock timeout of
# each attempt against the pause after it); the reader's measured blocked
# fraction and worst stall are printed with diag, not asserted.
#
# Then, with a small schemamig.lock_retry_budget, a job whose first
# statement never got its lock fails with 55P03 having changed nothing:
# the migration is pending again and nothing is recovered.  And apply() and
# migrate() called from SQL give up at the first lock timeout, with a hint
# naming the paths that retry.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;

use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = worker_node('lock_retry_readers');
my $worker = wait_for_worker($node);

sub sql { return $node->safe_psql('postgres', $_[0]); }

sql('CREATE TABLE orders (id int PRIMARY KEY, v int); INSERT INTO orders SELECT g, g FROM generate_series(1, 10000) g');
is(sql('SHOW schemamig.lock_timeout'), '500ms', 'the default schemamig.lock_timeout is 500ms');
is(sql('SHOW schemamig.lock_retry_budget'), '5min', 'the default schemamig.lock_retry_budget is 5min');

# ---- the reader: pgbench, one single-row SELECT every 20 ms, logged ----

my $tmp = PostgreSQL::Test::Utils::tempdir;
PostgreSQL::Test::Utils::append_to_file("$tmp/read.sql",
	"\\set id random(1, 10000)\nSELECT v FROM orders WHERE id = :id;\n");
my ($pgb_out, $pgb_err) = ('', '');
my $reader = IPC::Run::start(
	[ 'pgbench', '-n', '-R', '50', '-T', '60', '-l', "--log-prefix=$tmp/reads", '-f', "$tmp/read.sql",
	  '-h', $node->host, '-p', $node->port, 'postgres' ],
	'>', \$pgb_out, '2>', \$pgb_err);

# ---- the holder, and the migration it blocks ----

my $holder = $node->background_psql('postgres');
$holder->query_safe('BEGIN; SELECT count(*) FROM orders;');
my $job = queue_job($node, '1', "ALTER TABLE orders ADD COLUMN w text;\nCREATE INDEX CONCURRENTLY orders_w_idx ON orders (w);",
	"DROP INDEX CONCURRENTLY IF EXISTS orders_w_idx;\nALTER TABLE orders DROP COLUMN IF EXISTS w;");

# three failed attempts, then the holder leaves while the worker pauses
$node->poll_query_until('postgres',
	"SELECT (SELECT count(*) >= 3 FROM schemamig.events WHERE version = '1' AND event = 'lock_retry') "
	  . "AND EXISTS (SELECT FROM pg_stat_activity WHERE pid = $worker AND wait_event_type = 'Extension')")
  or die 'the worker did not retry three times';
my $attempts_failed = sql("SELECT count(*) FROM schemamig.events WHERE version = '1' AND event = 'lock_retry'");
$holder->query_safe('COMMIT');

is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'the migration is done once the holder left')
  or diag(job_field($node, $job, 'error'));
is(sql("SELECT count(*) FROM schemamig.events WHERE version = '1' AND event = 'lock_retry'"), $attempts_failed,
	'the first attempt after the holder left went through');
is(sql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_w_idx'::regclass"), 't', 'the index is valid');
is(sql("SELECT count(*) FROM schemamig.events WHERE version = '1' AND direction = 'down'"), '0',
	'no down script ran');
is(sql("SELECT state FROM schemamig.status() WHERE version = '1'"), 'applied', 'the migration is applied');

# what the worker recorded: each attempt's lock timeout and the pause after it
is(sql("SELECT string_agg(DISTINCT format('%s %s', detail->>'statement', detail->>'lock_timeout_ms'), ',') "
	  . "FROM schemamig.events WHERE version = '1' AND event = 'lock_retry'"),
	'1 500', 'every attempt was statement 1 under the lock timeout in force (500 ms)');
is(sql("SELECT bool_and((detail->>'pause_ms')::int >= 15 * (detail->>'lock_timeout_ms')::int) "
	  . "FROM schemamig.events WHERE version = '1' AND event = 'lock_retry'"),
	't', 'every pause was at least fifteen lock timeouts long');
is(sql("SELECT sum((detail->>'lock_timeout_ms')::numeric) "
	  . "  / sum((detail->>'lock_timeout_ms')::numeric + (detail->>'pause_ms')::numeric) <= 1.0 / 16 "
	  . "FROM schemamig.events WHERE version = '1' AND event = 'lock_retry'"),
	't', 'so readers could be blocked at most 1/16 (6.25%) of the time while the migration retried');
is(sql("SELECT bool_and((detail->>'elapsed_ms')::int + (detail->>'pause_ms')::int <= (detail->>'budget_ms')::int) "
	  . "FROM schemamig.events WHERE version = '1' AND event = 'lock_retry'"),
	't', 'every retry started within schemamig.lock_retry_budget');
diag('attempts recorded by the worker: '
	  . sql("SELECT string_agg(format('waited %s ms, paused %s ms', detail->>'waited_ms', detail->>'pause_ms'), '; ' ORDER BY id) "
		  . "FROM schemamig.events WHERE version = '1' AND event = 'lock_retry'"));
diag('measured share of the retry period spent waiting for the lock: '
	  . sql("SELECT round(100 * sum((detail->>'waited_ms')::numeric) "
		  . "  / sum((detail->>'waited_ms')::numeric + (detail->>'pause_ms')::numeric), 1) || '%' "
		  . "FROM schemamig.events WHERE version = '1' AND event = 'lock_retry'"));

# the reader's view, over the time the job ran
my ($from, $to) = split /\|/,
  sql("SELECT extract(epoch FROM started_at), extract(epoch FROM finished_at) FROM schemamig.jobs WHERE id = $job");
$reader->finish;
my @stalls;
my ($reads, $worst) = (0, 0);
foreach my $log (glob("$tmp/reads*"))
{
	foreach my $line (split /\n/, slurp_file($log))
	{
		# client_id transaction_no latency_us script_no end_epoch end_us [lag_us]
		my (undef, undef, $latency_us, undef, $end_s, $end_us) = split / /, $line;
		my $end = $end_s + $end_us / 1e6;
		my $start = $end - $latency_us / 1e6;
		next if $end < $from || $start > $to;
		$reads++;
		$worst = $latency_us if $latency_us > $worst;
		push @stalls, [ $start, $end ] if $latency_us > 50_000;
	}
}
my ($blocked, $last_end) = (0, 0);
foreach my $s (sort { $a->[0] <=> $b->[0] } @stalls)
{
	my ($s0, $s1) = ($s->[0] < $from ? $from : $s->[0], $s->[1] > $to ? $to : $s->[1]);
	$s0 = $last_end if $s0 < $last_end;
	$blocked += $s1 - $s0 if $s1 > $s0;
	$last_end = $s1 if $s1 > $last_end;
}
diag(sprintf('reader: %d reads over the %.1f s the job ran; blocked (a read slower than 50 ms) %.1f%% of the time; worst stall %.0f ms',
		$reads, $to - $from, 100 * $blocked / ($to - $from), $worst / 1000));
ok($reads > 0, 'the reader read while the job ran') or diag($pgb_err);

# ---- SQL calls give up at once, and say which paths retry ----

$holder->query_safe('BEGIN; SELECT count(*) FROM orders;');
my ($ret, $out, $err) = $node->psql('postgres', "SELECT schemamig.apply('2', 'ALTER TABLE orders ADD COLUMN y text')");
isnt($ret, 0, 'apply() from SQL fails on the lock timeout');
like($err, qr/ERROR:  canceling statement due to lock timeout/, 'with the lock timeout error');
like($err, qr/HINT:  .*schemamig\.enqueue\('2'\).*schemamig client/s,
	'the hint names the worker (enqueue) and the client deploy');
sql("SELECT schemamig.register('2', 'ALTER TABLE orders ADD COLUMN y text')");
($ret, $out, $err) = $node->psql('postgres', 'SELECT * FROM schemamig.migrate()');
isnt($ret, 0, 'migrate() from SQL fails on the lock timeout');
like($err, qr/HINT:  .*schemamig\.enqueue\('2'\).*schemamig client/s, 'with the same hint');

# ---- the budget is spent before the first statement got its lock ----

sql("ALTER SYSTEM SET schemamig.lock_retry_budget = '2s'");
$node->reload;
$job = queue_job($node, '3', "ALTER TABLE orders ADD COLUMN x text;\nCREATE INDEX CONCURRENTLY orders_x_idx ON orders (x);",
	"DROP INDEX CONCURRENTLY IF EXISTS orders_x_idx;\nALTER TABLE orders DROP COLUMN IF EXISTS x;");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'failed', 'with the holder staying, the job fails');
is(job_field($node, $job, 'sqlstate'), '55P03', 'with SQLSTATE 55P03');
like(job_field($node, $job, 'error'), qr/^statement 1 \(line 1\): canceling statement due to lock timeout; nothing of the migration took effect/,
	'its error says nothing of the migration took effect');
like(sql("SELECT message FROM schemamig.events WHERE version = '3' AND event = 'lock_retry' ORDER BY id DESC LIMIT 1"),
	qr/schemamig\.lock_retry_budget \(2000 ms\) is spent/, 'the last attempt\'s event says the budget is spent');
is(sql("SELECT detail->>'pause_ms' IS NULL FROM schemamig.events WHERE version = '3' AND event = 'lock_retry' ORDER BY id DESC LIMIT 1"),
	't', 'and records no pause after it');
is(sql("SELECT state FROM schemamig.status() WHERE version = '3'"), 'pending', 'the migration is pending, not dirty');
wait_for_worker_loops($node, $worker);
is(sql("SELECT count(*) FROM schemamig.events WHERE version = '3' AND direction = 'down'"), '0',
	'no recovery ran: nothing was undone that was never done');
is(sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'x'"), '0',
	'the column was never added');

$holder->query_safe('COMMIT');
$holder->quit;

$node->stop;
done_testing();
