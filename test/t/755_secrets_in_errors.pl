# 755_secrets_in_errors.pl — secrets never leave through errors or logs
# (issue 11, section 5).  A superuser registers migrations holding
# secrets; a role allowed only migrate() (or enqueue()) runs them and they
# fail.  Neither any field of the error the client receives (message,
# detail, hint, query, context) nor the server log (log_error_verbosity =
# verbose, so every field is logged) holds the secret, for a statement run
# by migrate() through SPI and by the worker at top level, and for an
# error that quotes the statement as its query.  The context shows the
# statement, redacted, on one line.  The same holds for a NOTICE a
# statement raises, in the client and in the server log.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;

use PostgreSQL::Test::Utils;
use Test::More;

# log_statement = none: the superuser's register() calls hold the secrets
# in their own text, which is the client's to send, not schemamig's to log
my $node = worker_node('secrets',
	conf => "log_error_verbosity = verbose\nlog_min_error_statement = error\nlog_statement = none\n");
wait_for_worker($node);
my $log_offset = -s $node->logfile;

$node->safe_psql('postgres', q{
	CREATE ROLE app LOGIN;
	CREATE ROLE deployer2 LOGIN;
	GRANT EXECUTE ON FUNCTION schemamig.migrate(text), schemamig.enqueue(text, text) TO deployer2;
	SELECT FROM schemamig.register('999', $$SELECT 1;
ALTER ROLE app PASSWORD 'hunter2-secret'$$);
});

# as deployer2, every field of the error shown
sub run_as_deployer
{
	my ($sql) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', $sql,
		extra_params => [ '-U', 'deployer2', '-v', 'VERBOSITY=verbose', '-v', 'SHOW_CONTEXT=always' ]);
	return $err;
}

my $err = run_as_deployer('SELECT * FROM schemamig.migrate()');
like($err, qr/ERROR:  42501: permission denied/, 'migrate() fails on permission, as deployer2');
unlike($err, qr/hunter2-secret/, 'no field of the error holds the secret');
like($err, qr/CONTEXT:  schemamig migration "999" \(up\), statement 2 at line 2: ALTER ROLE app PASSWORD '\*\*\*'/,
	'the context names the statement, redacted');
unlike($err, qr/SQL statement "/, "and SPI's line repeating the statement is gone");

# an error that carries the statement as its query (a position in it)
$node->safe_psql('postgres', q{
	DELETE FROM schemamig.migrations WHERE version = '999';
	SELECT FROM schemamig.register('1000', $$SELECT password FROM no_such_table WHERE password = 'hunter3-secret'$$);
});
$err = run_as_deployer('SELECT * FROM schemamig.migrate()');
like($err, qr/ERROR:  42P01: relation "no_such_table" does not exist/, 'a statement with a bad relation fails');
unlike($err, qr/hunter3-secret/, 'its query field does not hold the secret either');
like($err, qr/password = '\*\*\*'/, 'the redacted statement is shown');

# the worker: jobs of deployer2 fail the same way, through SPI and at top level
$node->safe_psql('postgres', q{
	DELETE FROM schemamig.migrations WHERE version = '1000';
	SELECT FROM schemamig.register('1001', $$SELECT 1;
ALTER ROLE app PASSWORD 'hunter4-secret'$$);
	SELECT FROM schemamig.register('1002', $$ALTER SYSTEM SET primary_conninfo = 'host=db password=hunter5-secret'$$);
});
for my $version ('1001', '1002')
{
	my $job = $node->safe_psql('postgres', qq{SET ROLE deployer2; SELECT schemamig.enqueue('$version')});
	is(wait_for_job_status($node, $job, 'done', 'failed'), 'failed', "the worker job of $version fails");
	unlike(job_field($node, $job, 'error'), qr/hunter/, "the job's error does not hold the secret");
}
is($node->safe_psql('postgres', q{SELECT count(*) FROM schemamig.events WHERE message || coalesce(detail::text, '') ~ 'hunter'}),
	'0', 'no event holds a secret');

# a NOTICE raised by a statement (here: an object that already exists)
# carries the statement in its context, SPI's line and, for a DO block,
# the line of each statement it runs: all redacted, at every level
$node->safe_psql('postgres', q{
	DELETE FROM schemamig.applied WHERE version IN ('1001', '1002');
	DELETE FROM schemamig.migrations WHERE version IN ('1001', '1002');
	CREATE FOREIGN DATA WRAPPER w;
	CREATE SERVER sv FOREIGN DATA WRAPPER w;
	CREATE USER MAPPING FOR app SERVER sv;
	ALTER SYSTEM SET log_min_messages = notice;
	SELECT pg_reload_conf();
	SELECT FROM schemamig.register('1003', $$CREATE USER MAPPING IF NOT EXISTS FOR app SERVER sv OPTIONS (password 'hunter6-secret')$$);
	SELECT FROM schemamig.register('1004', $m$DO $x$ BEGIN EXECUTE $y$CREATE USER MAPPING IF NOT EXISTS FOR app SERVER sv OPTIONS (password 'hunter7-secret')$y$; END $x$$m$);
});
my ($ret, $out);
($ret, $out, $err) = $node->psql('postgres', 'SELECT version FROM schemamig.migrate()',
	extra_params => [ '-v', 'VERBOSITY=verbose', '-v', 'SHOW_CONTEXT=always' ]);
is($ret, 0, 'migrations raising a NOTICE apply') or diag($err);
like($err, qr/NOTICE:  42710: user mapping for "app" already exists for server "sv", skipping/,
	'the NOTICE reaches the client');
unlike($err, qr/hunter[67]-secret/, 'no field of a NOTICE holds the secret');
like($err, qr/CONTEXT:  schemamig migration "1003" \(up\), statement 1 at line 1: CREATE USER MAPPING IF NOT EXISTS FOR app SERVER sv OPTIONS \(password '\*\*\*'\)\n(?!SQL statement)/,
	'the NOTICE names the statement, redacted, on one line');
like($err, qr/SQL statement "CREATE USER MAPPING IF NOT EXISTS FOR app SERVER sv OPTIONS \(password '\*\*\*'\)"/,
	'the line of the statement a DO block ran is redacted');
$node->safe_psql('postgres', 'ALTER SYSTEM RESET log_min_messages; SELECT pg_reload_conf();');

my $log = slurp_file($node->logfile, $log_offset);
like($log, qr/permission denied/, 'the server log has the failures');
unlike($log, qr/hunter\d-secret/, 'but none of the secrets');

done_testing();
