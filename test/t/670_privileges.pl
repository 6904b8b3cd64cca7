# 670_privileges.pl — the privilege matrix: a superuser, the extension's
# owner (a role that was superuser when it created the extension and no
# longer is), a deployer set up exactly as doc/privileges.md shows, and an
# application role.  Only the intended roles can call what changes state;
# the application role cannot read stored scripts, forge history or jobs,
# or switch off, weaken or skip the linter in any way a session offers; the
# worker runs a job with the privileges of the role that queued it, never
# its own; and a hostile search_path runs none of its look-alikes in the
# extension's SQL, the worker's included.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigReliability;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('privileges');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemamig'\nschemamig.worker_naptime = '200ms'\n");
$node->start;
my $log_offset = -s $node->logfile;

# the owner: superuser while it creates the extension, then not
$node->safe_psql('postgres', q{
	CREATE ROLE sm_owner LOGIN SUPERUSER;
	SET ROLE sm_owner;
	CREATE EXTENSION schemamig;
	RESET ROLE;
	ALTER ROLE sm_owner NOSUPERUSER;
	GRANT CREATE ON SCHEMA public TO sm_owner;
	-- the deployer of doc/privileges.md, exactly
	CREATE ROLE deployer LOGIN;
	GRANT CREATE ON SCHEMA public TO deployer;
	GRANT EXECUTE ON FUNCTION
	    schemamig.register(text, text, text, text),
	    schemamig.apply(text, text, text, text),
	    schemamig.migrate(text),
	    schemamig.rollback(integer),
	    schemamig.rollback_to(text),
	    schemamig.enqueue(text, text)
	  TO deployer;
	GRANT EXECUTE ON FUNCTION schemamig.recover(text), schemamig.repair(text, text),
	    schemamig.baseline(text, text) TO deployer;
	CREATE ROLE app LOGIN;
	CREATE SCHEMA app AUTHORIZATION app;
});
is($node->safe_psql('postgres', q{SELECT extowner::regrole FROM pg_extension WHERE extname = 'schemamig'}),
	'sm_owner', 'sm_owner owns the extension');

# ---- the matrix: which calls pass the privilege check ----

my @calls = (
	[ register    => q{SELECT schemamig.register('m_' || current_user, 'CREATE TABLE m_' || current_user || ' (id int)')} ],
	[ apply       => q{SELECT schemamig.apply('m_' || current_user, 'CREATE TABLE m_' || current_user || ' (id int)')} ],
	[ migrate     => q{SELECT count(*) FROM schemamig.migrate()} ],
	[ rollback    => q{SELECT count(*) FROM schemamig.rollback()} ],
	[ rollback_to => q{SELECT count(*) FROM schemamig.rollback_to('0')} ],
	[ recover     => q{SELECT count(*) FROM schemamig.recover()} ],
	[ repair      => q{SELECT schemamig.repair('0')} ],
	[ baseline    => q{SELECT schemamig.baseline('0')} ],
	[ enqueue     => q{SELECT schemamig.enqueue('0')} ],
	[ start_worker => q{SELECT schemamig.start_worker()} ],
	[ run         => q{CALL schemamig.run()} ],
	[ wait        => q{CALL schemamig.wait(0)} ],
	[ status      => q{SELECT count(*) FROM schemamig.status()} ],
	[ validate    => q{SELECT count(*) FROM schemamig.validate()} ],
	[ registrations => q{SELECT count(*) FROM schemamig.registrations()} ],
	[ registrations_digest => q{SELECT migrations FROM schemamig.registrations_digest()} ],
	[ lint        => q{SELECT count(*) FROM schemamig.lint('SELECT 1')} ],
	[ checksum    => q{SELECT schemamig.checksum('x')} ],
	[ read_scripts => q{SELECT count(up_sql) FROM schemamig.migrations} ],
	[ read_events => q{SELECT count(*) FROM schemamig.events} ],
	[ forge_applied => q{INSERT INTO schemamig.applied (version, checksum, applied_by) VALUES ('x', 'x', 'postgres')} ],
	[ forge_job   => q{INSERT INTO schemamig.jobs (version, direction, requested_by) VALUES ('0', 'up', 'postgres')} ],
);
my %allowed = (
	postgres => { map { $_->[0] => 1 } @calls },
	sm_owner => { map { $_->[0] => 1 } @calls },
	# wait() is everyone's since 0.2.0: it refuses another role's job itself (test 765);
	# the deployer of doc/privileges.md has enqueue() for down scripts that need the worker
	deployer => { map { $_ => 1 } qw(register apply migrate rollback rollback_to recover repair baseline enqueue wait status validate registrations registrations_digest lint checksum) },
	app      => { map { $_ => 1 } qw(wait status validate registrations registrations_digest lint checksum) },
);
$node->safe_psql('postgres', q{SELECT schemamig.register('0', 'SELECT 1')});
for my $role (qw(postgres sm_owner deployer app))
{
	for my $c (@calls)
	{
		my ($name, $sql) = @$c;
		# every call in a transaction that is rolled back (CALL cannot be)
		my $wrapped = $sql =~ /^CALL/ ? $sql : "BEGIN; $sql; ROLLBACK;";
		my ($ret, $out, $err) = $node->psql('postgres', $wrapped,
			extra_params => [ '-U', $role, '-v', 'VERBOSITY=verbose' ]);
		my $denied = $err =~ /ERROR:  42501: permission denied/ ? 1 : 0;
		is($denied ? 'denied' : 'allowed', $allowed{$role}{$name} ? 'allowed' : 'denied', "$role: $name")
		  or diag($err);
	}
}

# ---- no role but a superuser weakens the linter or skips migrations ----

for my $role (qw(sm_owner deployer app))
{
	for my $setting ('schemamig.lint = off', 'schemamig.lint = warning', 'schemamig.lint_scope = migrations',
		'schemamig.skip = on', 'schemamig.debug = on')
	{
		my ($name, $value) = split / = /, $setting;
		my ($ret, $out, $err) = $node->psql('postgres', "SET $setting", extra_params => [ '-U', $role ]);
		like($err, qr/permission denied to set parameter "\Q$name\E"/, "$role cannot SET $setting");
		($ret, $out, $err) = $node->psql('postgres', "SELECT set_config('$name', '$value', false)", extra_params => [ '-U', $role ]);
		like($err, qr/permission denied to set parameter/, "$role cannot set_config $name");
	}
	my ($ret, $out, $err) = $node->psql('postgres', "ALTER ROLE $role SET schemamig.lint = off", extra_params => [ '-U', $role ]);
	like($err, qr/permission denied/, "$role cannot ALTER ROLE ... SET schemamig.lint");
	{
		local $ENV{PGOPTIONS} = '-c schemamig.lint=off';
		($ret, $out, $err) = $node->psql('postgres', 'SHOW schemamig.lint', extra_params => [ '-U', $role ]);
		isnt($out, 'off', "$role cannot switch it off at connection (PGOPTIONS)");
	}
}
# and the linter does apply to the application role's own DDL
$node->safe_psql('postgres', q{SET ROLE app; CREATE TABLE app.t (id int, v text)});
my ($ret, $out, $err) = $node->psql('postgres', q{SET lock_timeout = '1s'; CREATE INDEX t_v ON app.t (v)},
	extra_params => [ '-U', 'app', '-v', 'VERBOSITY=verbose' ]);
like($err, qr/SM100/, 'the application role\'s unsafe DDL is refused');

# ---- a hostile search_path: look-alikes record any call ----

$node->safe_psql('postgres', q{
	CREATE SCHEMA evil;
	CREATE TABLE evil.calls (fn text);
	GRANT USAGE ON SCHEMA evil TO PUBLIC; GRANT INSERT ON evil.calls TO PUBLIC;
	CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE sql AS $$ INSERT INTO evil.calls VALUES ('now') RETURNING '2000-01-01'::timestamptz $$;
	CREATE FUNCTION evil.clock_timestamp() RETURNS timestamptz LANGUAGE sql AS $$ INSERT INTO evil.calls VALUES ('clock_timestamp') RETURNING '2000-01-01'::timestamptz $$;
	CREATE FUNCTION evil.eq(text, text) RETURNS boolean LANGUAGE sql AS $$ INSERT INTO evil.calls VALUES ('=') RETURNING true $$;
	CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.eq);
	CREATE FUNCTION evil.version_sort_key(text) RETURNS bytea LANGUAGE sql AS $$ INSERT INTO evil.calls VALUES ('version_sort_key') RETURNING '\x00'::bytea $$;
	CREATE TABLE evil.jobs (LIKE schemamig.jobs);
	CREATE TABLE evil.applied (LIKE schemamig.applied);
	GRANT EXECUTE ON FUNCTION schemamig.enqueue(text, text) TO deployer;
	-- for every session, and for the worker, which rereads the configuration
	ALTER SYSTEM SET search_path = evil, pg_catalog, public;
});
$node->safe_psql('postgres', q{SELECT pg_reload_conf()});
is($node->safe_psql('postgres', 'SHOW search_path'), 'evil, pg_catalog, public', 'the hostile search_path is in force');
$node->safe_psql('postgres', q{
	SET ROLE deployer;
	SELECT schemamig.apply('x1', 'CREATE TABLE public.x1 (id int)', 'DROP TABLE public.x1');
	SELECT count(*) FROM schemamig.status();
	SELECT count(*) FROM schemamig.validate();
	SELECT count(*) FROM schemamig.rollback();
	SELECT count(*) FROM schemamig.migrate();
	SELECT count(*) FROM schemamig.lint('CREATE TABLE y (id int)');
	SELECT schemamig.register('x2', 'CREATE INDEX CONCURRENTLY x2_id ON public.x1 (id)');
});
my $job = $node->safe_psql('postgres', q{SET ROLE deployer; SELECT schemamig.enqueue('x2')});
# the test's own queries must not meet the look-alikes either
my $safe = 'SET search_path = pg_catalog, public; ';
ok($node->poll_query_until('postgres', "SELECT status OPERATOR(pg_catalog.=) 'done' FROM schemamig.jobs WHERE id = $job"),
	'a worker job under the hostile search_path');
is($node->safe_psql('postgres', $safe . q{SELECT coalesce(string_agg(DISTINCT fn, ','), '') FROM evil.calls}), '',
	'no look-alike ran, in the API or in the worker');
is($node->safe_psql('postgres', $safe . q{SELECT (SELECT count(*) FROM evil.jobs) + (SELECT count(*) FROM evil.applied)}), '0',
	'look-alike tables untouched');
is($node->safe_psql('postgres', $safe . q{SELECT string_agg(version, ',' ORDER BY version) FROM schemamig.applied WHERE NOT dirty}),
	'0,x1,x2', 'history is exact (x1 applied, rolled back, applied again by migrate(); x2 by the worker)');
$node->safe_psql('postgres', q{ALTER SYSTEM RESET search_path; SELECT pg_reload_conf()});

# ---- the worker acts with the privileges of who queued the job ----

# roles without pg_read_all_stats see the worker too (not through
# pg_stat_activity.backend_type, which is hidden from them)
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'schemamig worker'}),
	'1', 'one worker runs');
($ret, $out, $err) = $node->psql('postgres', q{SELECT schemamig.start_worker()}, extra_params => [ '-U', 'sm_owner' ]);
is($out, 'f', 'start_worker() by the non-superuser owner finds the running worker');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'schemamig worker'}),
	'1', 'and starts no second one');

$node->safe_psql('postgres', q{
	SET ROLE deployer;
	SELECT schemamig.register('w1', $$CREATE TABLE w1 (id int);
CREATE INDEX CONCURRENTLY w1_id ON w1 (id)$$);
	SELECT schemamig.register('w2', $$CREATE INDEX CONCURRENTLY w2_id ON w1 (id);
ALTER ROLE deployer SUPERUSER$$);
	SELECT schemamig.register('w3', $$CREATE INDEX CONCURRENTLY w3_id ON w1 (id);
SET ROLE postgres$$);
	SELECT schemamig.register('w4', $$CREATE INDEX CONCURRENTLY w4_id ON w1 (id);
SET SESSION AUTHORIZATION postgres$$);
	SELECT schemamig.register('w5', $$CREATE INDEX CONCURRENTLY w5_id ON w1 (id);
CREATE TABLE w5 AS SELECT up_sql FROM schemamig.migrations$$);
});
for my $v (qw(w1 w2 w3 w4 w5))
{
	my $job = $node->safe_psql('postgres', "SET ROLE deployer; SELECT schemamig.enqueue('$v')");
	ok($node->poll_query_until('postgres', "SELECT status IN ('done', 'failed') FROM schemamig.jobs WHERE id = $job"),
		"job $v finished");
}
is($node->safe_psql('postgres', q{SELECT string_agg(version || '=' || status || coalesce(':' || sqlstate, ''), ',' ORDER BY version) FROM schemamig.jobs WHERE version LIKE 'w%'}),
	'w1=done,w2=failed:42501,w3=failed:42501,w4=failed:42501,w5=failed:42501',
	'the job of the deployer ran as the deployer: what it may not do, failed');
is($node->safe_psql('postgres', q{SELECT requested_by FROM schemamig.jobs WHERE version = 'w1'}), 'deployer', 'requested_by is the caller');
is($node->safe_psql('postgres', q{SELECT tableowner FROM pg_tables WHERE tablename = 'w1'}), 'deployer', 'and what it made belongs to the deployer');
is($node->safe_psql('postgres', q{SELECT rolsuper FROM pg_roles WHERE rolname = 'deployer'}), 'f', 'the deployer is no superuser');
is($node->safe_psql('postgres', q{SELECT to_regclass('public.w5') IS NULL}), 't', 'and read no stored script');

no_crash_in_log($node, $log_offset, 'privileges');
$node->stop;
done_testing();
