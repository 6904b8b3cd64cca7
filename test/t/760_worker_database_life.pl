# 760_worker_database_life.pl — the worker's life follows its database
# (issue 11, section 6):
#	- schemamig.database refuses a bad list when it is set;
#	- an idle worker does not make CREATE DATABASE ... TEMPLATE, ALTER
#	  DATABASE ... RENAME or DROP DATABASE fail: it leaves, and the launcher
#	  starts it again while the database exists under a listed name;
#	- the launcher starts no worker for a listed database that does not
#	  exist (no restart loop), and starts one when it exists again;
#	- never two workers for one database: a launcher worker started while a
#	  start_worker() worker serves the database exits;
#	- a start_worker() worker whose database is dropped WITH (FORCE) stops
#	  for good, and a database re-created under the same name gets one
#	  worker from start_worker();
#	- a worker running a job shows it as its application_name, and DROP
#	  DATABASE or ALTER DATABASE ... RENAME failing because of it get a
#	  hint naming the worker, the job and the ways out.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;

use PostgreSQL::Test::Utils;
use Test::More;

my $node = worker_node('database_life', conf => "schemamig.database = 'postgres, d1'\n");
wait_for_worker($node);

sub sql { return $node->safe_psql('postgres', $_[0]); }

sub workers_of
{
	my ($db) = @_;
	return sql("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'schemamig worker' AND datname = '$db'");
}

sub wait_for_log
{
	my ($re, $offset, $what) = @_;
	for (1 .. $PostgreSQL::Test::Utils::timeout_default * 10)
	{
		return 1 if slurp_file($node->logfile, $offset) =~ $re;
		select(undef, undef, undef, 0.1);
	}
	return 0;
}

# ---- the GUC is checked when it is set ----
for my $bad ('postgres,,d1', 'd1, d1', '"unterminated')
{
	my ($ret, $out, $err) = $node->psql('postgres', "ALTER SYSTEM SET schemamig.database = '$bad'");
	like($err, qr/invalid value for parameter "schemamig\.database"/, "schemamig.database = '$bad' is refused");
}
is(sql('SHOW schemamig.database'), 'postgres, d1', 'the setting is unchanged');

# ---- an idle worker gives way ----
sql('CREATE DATABASE d1');
$node->safe_psql('d1', 'CREATE EXTENSION schemamig');
my $pid = wait_for_worker($node, 'd1');

my $offset = -s $node->logfile;
my ($ret, $out, $err) = $node->psql('postgres', 'CREATE DATABASE d1_copy TEMPLATE d1');
is($ret, 0, 'CREATE DATABASE ... TEMPLATE of a database with an idle worker succeeds') or diag($err);
ok(wait_for_log(qr/schemamig worker leaves database "d1": another session needs it to itself/, $offset),
	'the worker says it left');
$pid = wait_for_new_worker($node, $pid, 'd1');
ok($pid, 'the launcher starts it again');
is(workers_of('d1_copy'), '0', 'the copy, not listed, has no worker');

($ret, $out, $err) = $node->psql('postgres', 'ALTER DATABASE d1 RENAME TO d1_renamed');
is($ret, 0, 'ALTER DATABASE ... RENAME of a database with an idle worker succeeds') or diag($err);
$offset = -s $node->logfile;
ok(wait_for_log(qr/schemamig launcher: database "d1" does not exist; no worker is started for it/, $offset),
	'the launcher starts no worker for the name that no longer exists');
sql('ALTER DATABASE d1_renamed RENAME TO d1');
$pid = wait_for_worker($node, 'd1');
ok($pid, 'renamed back, the database has its worker again');

$offset = -s $node->logfile;
($ret, $out, $err) = $node->psql('postgres', 'DROP DATABASE d1');
is($ret, 0, 'DROP DATABASE of a database with an idle worker succeeds') or diag($err);
ok(wait_for_log(qr/schemamig launcher: database "d1" does not exist/, $offset),
	'the launcher notices the database is gone');
is(workers_of('d1'), '0', 'no worker for it');

# re-created, it gets one worker
sql('CREATE DATABASE d1');
$node->safe_psql('d1', 'CREATE EXTENSION schemamig');
$pid = wait_for_worker($node, 'd1');
ok($pid, 'a re-created listed database gets a worker');

# ---- one worker per database ----
$offset = -s $node->logfile;
sql("SELECT pg_terminate_backend($pid)");
$node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $pid")
  or die "worker $pid did not stop";
is($node->safe_psql('d1', 'SELECT schemamig.start_worker()'), 't',
	'start_worker() starts a worker before the launcher restarts its own');
ok(wait_for_log(qr/schemamig worker for database "d1" exits: another worker serves it/, $offset),
	"the launcher's worker, started next, exits");
is(workers_of('d1'), '1', 'one worker serves the database');

# ---- a start_worker() worker of a dropped database stops for good ----
sql('CREATE DATABASE d2');
$node->safe_psql('d2', 'CREATE EXTENSION schemamig');
is($node->safe_psql('d2', 'SELECT schemamig.start_worker()'), 't', 'start_worker() in an unlisted database');
$offset = -s $node->logfile;
($ret, $out, $err) = $node->psql('postgres', 'DROP DATABASE d2 WITH (FORCE)');
is($ret, 0, 'DROP DATABASE ... WITH (FORCE)') or diag($err);
ok(wait_for_log(qr/schemamig worker for database "d2" stops: the database no longer exists/, $offset),
	'the restarted worker finds its database gone and stops');
sql('CREATE DATABASE d2');
$node->safe_psql('d2', 'CREATE EXTENSION schemamig');
is($node->safe_psql('d2', 'SELECT schemamig.start_worker()'), 't', 'the re-created database gets a worker from start_worker()');
is(workers_of('d2'), '1', 'exactly one');
unlike(slurp_file($node->logfile, $offset), qr/FATAL:  database "d2" does not exist/,
	'no worker failed to connect to the dropped database');

# ---- a worker running a job holds the database, and the error says so ----
$node->safe_psql('d1', q{CREATE TABLE slow (a int)});
my $busy = wait_for_worker($node, 'd1');
my ($qout, $qerr) = ('', '');
$node->psql('d1', q{SELECT schemamig.apply('1', $$CREATE INDEX CONCURRENTLY slow_a ON slow (a);
SELECT pg_sleep(15);$$)}, stdout => \$qout, stderr => \$qerr);
my ($busy_job) = $qerr =~ /queued as job (\d+) /;
ok(defined $busy_job, 'a job that runs for a while is queued in d1') or diag($qerr);
ok($node->poll_query_until('postgres',
	"SELECT application_name = 'schemamig job $busy_job: migration 1 (up)' FROM pg_stat_activity WHERE pid = $busy"),
	"pg_stat_activity shows the worker's job as its application_name");
($ret, $out, $err) = $node->psql('postgres', 'DROP DATABASE d1');
like($err, qr/ERROR:  database "d1" is being accessed by other users/, 'DROP DATABASE fails while the worker runs a job');
like($err, qr/HINT:  The schemamig worker \(PID $busy\) holds database "d1" while it runs schemamig job $busy_job: migration 1 \(up\)\. Wait for the job \(CALL schemamig\.wait\($busy_job\) in that database\) or stop it \(SELECT schemamig\.cancel\($busy_job\) there/,
	'its hint names the worker, the job and the ways out');
($ret, $out, $err) = $node->psql('postgres', 'ALTER DATABASE d1 RENAME TO d1_busy');
like($err, qr/HINT:  The schemamig worker \(PID $busy\) holds database "d1" while it runs schemamig job $busy_job/,
	'so does the hint of ALTER DATABASE ... RENAME');
is($node->safe_psql('d1', "CALL schemamig.wait($busy_job)"), '', 'the job ends');
ok($node->poll_query_until('postgres', "SELECT application_name = '' FROM pg_stat_activity WHERE pid = $busy"),
	'and the worker shows no job any more');
($ret, $out, $err) = $node->psql('postgres', 'DROP DATABASE d1');
is($ret, 0, 'then DROP DATABASE succeeds') or diag($err);

done_testing();
