# 470_worker_privileges.pl — the worker runs a job as the role that queued
# it, never with more privilege: a role without CREATE on a schema and not
# owning a table cannot have the worker build an index on that table or a
# table in that schema (42501), and a worker-run script cannot SET ROLE or
# SET SESSION AUTHORIZATION its way to the worker's superuser identity.
# What the role may do, it does, and it owns what it made.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;

use PostgreSQL::Test::Utils;
use Test::More;

my $node = worker_node('worker_privileges', conf => "schemamig.auto_recover = off\n");
wait_for_worker($node);

sub sql { return $node->safe_psql('postgres', $_[0]); }

sql(q{
CREATE ROLE app_owner;
CREATE ROLE deployer LOGIN;
CREATE SCHEMA app AUTHORIZATION app_owner;
CREATE TABLE app.accounts (id int PRIMARY KEY, email text);
ALTER TABLE app.accounts OWNER TO app_owner;
GRANT USAGE ON SCHEMA app TO deployer;
GRANT SELECT ON app.accounts TO deployer;
CREATE SCHEMA deploy AUTHORIZATION deployer;
GRANT EXECUTE ON FUNCTION schemamig.apply(text, text, text, text), schemamig.enqueue(text, text) TO deployer;
GRANT EXECUTE ON PROCEDURE schemamig.wait(bigint, interval) TO deployer;
});

# apply() as deployer; returns the job id; wait() raises the job's error
sub deploy
{
	my ($version, $up) = @_;
	(my $quoted = $up) =~ s/'/''/g;
	my ($ret, $stdout, $stderr) = $node->psql('postgres',
		"SET ROLE deployer;\nSELECT schemamig.apply('$version', '$quoted');",
		on_error_die => 1);
	is($stdout, 'queued', "migration $version is queued");
	my ($id) = $stderr =~ /queued as job (\d+) /;
	is(job_field($node, $id, 'requested_by'), 'deployer', "job of migration $version records deployer");
	($ret, $stdout, $stderr) = $node->psql('postgres',
		"\\set VERBOSITY verbose\nSET ROLE deployer;\nCALL schemamig.wait($id, '5 min');");
	return ($id, $stderr);
}

my ($job, $err) = deploy('1', 'CREATE INDEX CONCURRENTLY accounts_email_idx ON app.accounts (email);');
like($err, qr/ERROR:  42501: job $job failed: statement 1 \(line 1\): must be owner of table accounts/,
	'an index on a table the role does not own: 42501');
is(job_field($node, $job, 'sqlstate'), '42501', 'the job failed with 42501');
is(sql("SELECT to_regclass('app.accounts_email_idx') IS NULL"), 't', 'no index was built');

($job, $err) = deploy('2', "CREATE TABLE app.sneaky (id int);\nCREATE INDEX CONCURRENTLY sneaky_id_idx ON app.sneaky (id);");
like($err, qr/ERROR:  42501: job $job failed: statement 1 \(line 1\): permission denied for schema app/,
	'a table in a schema without CREATE: 42501');
is(sql("SELECT to_regclass('app.sneaky') IS NULL"), 't', 'no table was made');

($job, $err) = deploy('3', "SET ROLE postgres;\nCREATE INDEX CONCURRENTLY accounts_id_email_idx ON app.accounts (id, email);");
like($err, qr/ERROR:  42501: job $job failed: statement 1 \(line 1\): cannot set parameter "role" within security-definer function/,
	'SET ROLE in a worker-run script is refused');
is(sql("SELECT to_regclass('app.accounts_id_email_idx') IS NULL"), 't', 'and nothing after it ran');

($job, $err) = deploy('4', "SET SESSION AUTHORIZATION postgres;\nCREATE INDEX CONCURRENTLY accounts_id_email_idx ON app.accounts (id, email);");
like($err, qr/ERROR:  42501: job $job failed: statement 1 \(line 1\): cannot set parameter "session_authorization" within security-definer function/,
	'SET SESSION AUTHORIZATION in a worker-run script is refused');

($job, $err) = deploy('5', "RESET ROLE;\nCREATE INDEX CONCURRENTLY accounts_id_email_idx ON app.accounts (id, email);");
like($err, qr/ERROR:  42501: job $job failed: .*cannot set parameter "role" within security-definer function/,
	'RESET ROLE in a worker-run script is refused');

($job, $err) = deploy('6', "SELECT set_config('role', 'postgres', false);\nCREATE INDEX CONCURRENTLY accounts_id_email_idx ON app.accounts (id, email);");
like($err, qr/ERROR:  42501: job $job failed: .*cannot set parameter "role" within security-definer function/,
	'set_config(role) in a worker-run script is refused');
is(sql("SELECT to_regclass('app.accounts_id_email_idx') IS NULL"), 't', 'no index was built by any of them');

# what deployer may do, the worker does as deployer
($job, $err) = deploy('7', "CREATE TABLE deploy.audit (id int, at timestamptz);\nCREATE INDEX CONCURRENTLY audit_at_idx ON deploy.audit (at);\nINSERT INTO deploy.audit VALUES (1, now());");
is(job_field($node, $job, 'status'), 'done', 'a migration within the role\'s rights is done') or diag($err);
is(sql("SELECT tableowner FROM pg_tables WHERE schemaname = 'deploy' AND tablename = 'audit'"),
	'deployer', 'the table it made belongs to the role that queued the job');
is(sql("SELECT relowner::regrole FROM pg_class WHERE oid = 'deploy.audit_at_idx'::regclass"),
	'deployer', 'and so does the index');
is(sql("SELECT applied_by FROM schemamig.applied WHERE version = '7'"), 'deployer', 'applied_by is the role');
is(sql("SELECT string_agg(DISTINCT detail->>'role', ',') FROM schemamig.events WHERE version IN ('1', '7')"),
	'deployer', 'the events of its jobs name the role, not the worker');

# the worker is back to its own identity between jobs: its bookkeeping works
# after the refused ones, and its session user is unchanged
is(sql("SELECT usename FROM pg_stat_activity WHERE backend_type = 'schemamig worker'"), 'postgres',
	'the worker still runs as its own user');

$node->stop;
done_testing();
