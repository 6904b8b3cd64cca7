# test/perl/SchemamigWorker.pm — helpers for the TAP tests of the background
# worker (test/t/4NN_worker_*.pl).
#
# PostgreSQL refuses to run as root.  When a test is started as root, this
# module re-runs it as the postgres OS user before PostgreSQL::Test::Utils
# sets up tmp_check (as SchemamigCLI does), so "use SchemamigWorker;" must
# come before any PostgreSQL::Test module in a test.
#
# Every wait here polls a condition (poll_query_until, or a loop over
# psql with the same default timeout): nothing sleeps a fixed time, and no
# test asserts how long something took.

package SchemamigWorker;

use strict;
use warnings;

BEGIN
{
	if ($> == 0)
	{
		my $tmp_check = $ENV{TESTDIR} ? "$ENV{TESTDIR}/tmp_check" : "tmp_check";
		system('mkdir', '-p', $tmp_check) == 0 or die "cannot create $tmp_check";
		system('chown', '-R', 'postgres:', $tmp_check) == 0
		  or die "cannot hand $tmp_check to the postgres user";
		$ENV{PERL5LIB} = join(':', grep { !ref } @INC);
		exec('runuser', '-u', 'postgres', '--', $^X, $0, @ARGV)
		  or die "cannot re-run $0 as the postgres user: $!";
	}
}

use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(worker_node worker_pid wait_for_worker wait_for_new_worker
  wait_for_job_status job_field queue_job wait_for_worker_loops);

# A node with schemamig preloaded and a quick worker.  The linter is off:
# these tests are about the worker, and their setup DDL would trip it.
# %opts: conf => extra postgresql.conf lines, init => options for init,
# preload => 0 for a node without shared_preload_libraries, extension => 0
# to skip CREATE EXTENSION.
sub worker_node
{
	my ($name, %opts) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);

	$node->init(%{ $opts{init} || {} });
	$node->append_conf('postgresql.conf',
		(($opts{preload} // 1) ? "shared_preload_libraries = 'schemamig'\n" : '')
		  . "schemamig.worker_naptime = '200ms'\n"
		  . "schemamig.lint = off\n"
		  . "log_min_messages = info\n"
		  . ($opts{conf} // ''));
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION schemamig') if $opts{extension} // 1;
	return $node;
}

# pid of the database's worker, or '' when none runs
sub worker_pid
{
	my ($node, $db) = @_;
	$db //= 'postgres';
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'schemamig worker' AND datname = '$db'");
}

sub wait_for_worker
{
	my ($node, $db) = @_;
	$db //= 'postgres';
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'schemamig worker' AND datname = '$db'")
	  or die "no schemamig worker started for database $db";
	return worker_pid($node, $db);
}

# wait for a worker whose pid is not $old
sub wait_for_new_worker
{
	my ($node, $old, $db) = @_;
	$db //= 'postgres';
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'schemamig worker' "
		  . "AND datname = '$db' AND pid <> $old")
	  or die "no new schemamig worker started for database $db";
	return worker_pid($node, $db);
}

# Wait until worker $pid has gone round its loop once entirely after this
# call: it reports idle at the end of each round (which updates
# state_change), so a second idle report after the first one that follows
# now ends a round that began after now.
sub wait_for_worker_loops
{
	my ($node, $pid) = @_;
	my $since = $node->safe_psql('postgres', 'SELECT clock_timestamp()');

	for (1 .. 2)
	{
		$node->poll_query_until('postgres',
			"SELECT state = 'idle' AND state_change > '$since' FROM pg_stat_activity WHERE pid = $pid")
		  or die "worker $pid does not go round its loop";
		$since = $node->safe_psql('postgres', "SELECT state_change FROM pg_stat_activity WHERE pid = $pid");
	}
}

# wait until job $id has one of the given statuses; returns its status
sub wait_for_job_status
{
	my ($node, $id, @statuses) = @_;
	my $list = join(',', map { "'$_'" } @statuses);
	$node->poll_query_until('postgres', "SELECT status IN ($list) FROM schemamig.jobs WHERE id = $id")
	  or die "job $id did not reach ($list): "
	  . $node->safe_psql('postgres', "SELECT row_to_json(j) FROM schemamig.jobs j WHERE id = $id");
	return job_field($node, $id, 'status');
}

sub job_field
{
	my ($node, $id, $field) = @_;
	return $node->safe_psql('postgres', "SELECT $field FROM schemamig.jobs WHERE id = $id");
}

# apply() a migration that the worker must run; returns the job id it
# was queued as (from the NOTICE, checked against schemamig.jobs)
sub queue_job
{
	my ($node, $version, $up, $down) = @_;
	my $q = sub { my $s = shift; return 'NULL' unless defined $s; $s =~ s/'/''/g; return "'$s'"; };
	my ($stdout, $stderr);
	$node->psql('postgres', 'SELECT schemamig.apply(' . join(', ', map { $q->($_) } $version, $up, $down) . ')',
		stdout => \$stdout, stderr => \$stderr, on_error_die => 1);
	is($stdout, 'queued', "apply() of migration $version returns queued");
	my ($id) = $stderr =~ /queued as job (\d+) /;
	ok(defined $id, "the NOTICE gives the job id of migration $version") or diag($stderr);
	return $id;
}

1;
