# 750_job_role_identity.pl — a job runs as the role that queued it, or not
# at all (issue 11, section 4).  While the queue is paused (schemamig.skip),
# a non-superuser queues jobs; then
#	- its role is renamed away and a superuser is created under its name:
#	  the job fails, naming the rename, and nothing of it runs;
#	- another queuing role is dropped: its job fails the same way;
#	- a job whose role is untouched runs, as that role (the control);
#	- automatic recovery of a migration a job left dirty runs as that
#	  job's role by OID: after the same rename, it refuses and runs nothing;
#	- the queued jobs of a pg_dump restored into another cluster, where a
#	  superuser has the queuing role's name, fail and run nothing.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;

use PostgreSQL::Test::Utils;
use Test::More;

my $node = worker_node('role_identity', conf => "schemamig.skip = on\n");
wait_for_worker($node);

sub sql { my ($n, $q) = @_; return $n->safe_psql('postgres', $q); }

sql($node, q{
	CREATE ROLE deployer LOGIN;
	CREATE ROLE deployer2 LOGIN;
	CREATE ROLE deployer3 LOGIN;
	GRANT CREATE ON SCHEMA public TO deployer, deployer2, deployer3;
	GRANT EXECUTE ON FUNCTION schemamig.register(text, text, text, text),
	    schemamig.enqueue(text, text) TO deployer, deployer2, deployer3;
});

# a job that leaves a table saying who ran it
sub queue_as
{
	my ($n, $role, $version) = @_;
	return sql($n, qq{SET ROLE $role;
		SELECT FROM schemamig.register('$version', 'CREATE TABLE ran_$version AS SELECT current_user::text AS who');
		SELECT schemamig.enqueue('$version')});
}

my $renamed = queue_as($node, 'deployer', 'r1');
my $dropped = queue_as($node, 'deployer2', 'r2');
my $control = queue_as($node, 'deployer3', 'r3');
is(sql($node, "SELECT requested_by_oid = 'deployer'::regrole::oid FROM schemamig.jobs WHERE id = $renamed"),
	't', 'the job records the OID of the role that queued it');
is(sql($node, "SELECT requested_in_cluster = (SELECT system_identifier FROM pg_control_system()) "
	  . "FROM schemamig.jobs WHERE id = $renamed"),
	't', 'and the cluster it was queued in');

# the attack of the issue: rename the queuing role away, take its name
sql($node, q{
	ALTER ROLE deployer RENAME TO deployer_gone;
	CREATE ROLE deployer SUPERUSER;
	REASSIGN OWNED BY deployer2 TO postgres;
	DROP OWNED BY deployer2;
	DROP ROLE deployer2;
	ALTER SYSTEM SET schemamig.skip = off;
	SELECT pg_reload_conf();
});

is(wait_for_job_status($node, $renamed, 'done', 'failed'), 'failed',
	'the job of a renamed role fails once the queue runs');
like(job_field($node, $renamed, 'error'),
	qr/role "deployer" that queued the job was renamed to "deployer_gone"/, 'its error names the rename');
is(job_field($node, $renamed, 'sqlstate'), '28000', 'with SQLSTATE 28000');
is(sql($node, q{SELECT to_regclass('ran_r1') IS NULL}), 't', 'and nothing of it ran, as anyone');

is(wait_for_job_status($node, $dropped, 'done', 'failed'), 'failed', 'the job of a dropped role fails');
like(job_field($node, $dropped, 'error'), qr/role "deployer2" that queued the job no longer exists/,
	'its error says the role no longer exists');
is(job_field($node, $dropped, 'sqlstate'), '42704', 'with SQLSTATE 42704');
is(sql($node, q{SELECT to_regclass('ran_r2') IS NULL}), 't', 'and nothing of it ran');
is(sql($node, qq{SELECT count(*) FROM schemamig.events WHERE event = 'failed' AND version IN ('r1', 'r2')}),
	'2', 'both failures are events');

is(wait_for_job_status($node, $control, 'done', 'failed'), 'done', 'the job of an untouched role runs');
is(sql($node, 'SELECT who FROM ran_r3'), 'deployer3', 'as the role that queued it');

# ---- automatic recovery: as the role whose job left the migration dirty ----
# A job fails part-way with auto_recover off, so its migration stays dirty;
# then its role is renamed away and a superuser takes the name.  Automatic
# recovery finds the migration dirty with applied_by = that name: it must
# not run the down script as the new role.
sql($node, q{
	ALTER SYSTEM SET schemamig.auto_recover = off;
	SELECT pg_reload_conf();
	CREATE ROLE deployer4 LOGIN;
	GRANT CREATE ON SCHEMA public TO deployer4;
	GRANT EXECUTE ON FUNCTION schemamig.register(text, text, text, text),
	    schemamig.enqueue(text, text) TO deployer4;
});
wait_for_worker_loops($node, worker_pid($node));
my $dirtying = sql($node, q{SET ROLE deployer4;
	SELECT FROM schemamig.register('x1',
	  $up$CREATE TABLE x1_t (id int);
CREATE INDEX CONCURRENTLY x1_idx ON x1_t (id);
CREATE INDEX CONCURRENTLY x1_bad ON x1_missing (id);$up$,
	  $down$CREATE TABLE down_ran AS SELECT current_user::text AS who;
DROP INDEX CONCURRENTLY IF EXISTS x1_idx;
DROP TABLE IF EXISTS x1_t;$down$);
	SELECT schemamig.enqueue('x1')});
is(wait_for_job_status($node, $dirtying, 'done', 'failed'), 'failed', 'recovery: the job fails part-way');
is(sql($node, q{SELECT dirty FROM schemamig.applied WHERE version = 'x1'}), 't',
	'recovery: and leaves its migration dirty (auto_recover off)');
sql($node, q{
	ALTER ROLE deployer4 RENAME TO deployer4_gone;
	CREATE ROLE deployer4 SUPERUSER;
	ALTER SYSTEM SET schemamig.auto_recover = on;
	SELECT pg_reload_conf();
});
ok( $node->poll_query_until(
		'postgres', q{SELECT EXISTS (SELECT FROM schemamig.events WHERE version = 'x1'
		  AND message LIKE 'automatic recovery of migration x1 does not run%')}),
	'recovery: automatic recovery refuses to run as the role that took the name');
like(sql($node, q{SELECT message FROM schemamig.events WHERE version = 'x1'
	  AND message LIKE 'automatic recovery%' ORDER BY id DESC LIMIT 1}),
	qr/role "deployer4" that queued the job was renamed to "deployer4_gone"/, 'recovery: the event names the rename');
is(sql($node, q{SELECT to_regclass('down_ran') IS NULL}), 't', 'recovery: the down script did not run, as anyone');
is(sql($node, q{SELECT dirty FROM schemamig.applied WHERE version = 'x1'}), 't', 'recovery: the migration stays dirty');
sql($node, q{
	ALTER SYSTEM SET schemamig.auto_recover = off;
	SELECT pg_reload_conf();
});

# ---- a dump restored into another cluster ----
sql($node, q{
	ALTER SYSTEM SET schemamig.skip = on;
	SELECT pg_reload_conf();
	CREATE ROLE travelling LOGIN;
	GRANT CREATE ON SCHEMA public TO travelling;
	GRANT EXECUTE ON FUNCTION schemamig.register(text, text, text, text),
	    schemamig.enqueue(text, text) TO travelling;
});
# the worker must have seen skip before the job is queued
wait_for_worker_loops($node, worker_pid($node));
my $travelling = queue_as($node, 'travelling', 'd1');
is(job_field($node, $travelling, 'status'), 'queued', 'a job is queued when the dump is taken');
my $dump = $node->basedir . '/queued.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('postgres'), '-f', $dump ], 'pg_dump');

my $other = worker_node('role_identity_other', extension => 0);
wait_for_worker($other);
# here the queuing role's name belongs to a superuser
sql($other, 'CREATE ROLE travelling SUPERUSER LOGIN');
$other->command_ok([ 'pg_restore', '--no-owner', '--no-privileges', '-d', $other->connstr('postgres'), $dump ], 'pg_restore into another cluster');
is(wait_for_job_status($other, $travelling, 'done', 'failed'), 'failed',
	'the restored queued job fails in the other cluster');
like(job_field($other, $travelling, 'error'), qr/queued by role "travelling" in another cluster/,
	'its error says it was queued in another cluster');
is(sql($other, q{SELECT to_regclass('ran_d1') IS NULL}), 't', 'and nothing of it ran');

done_testing();
