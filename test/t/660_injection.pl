# 660_injection.pl — version names, descriptions, scripts, application
# names and index names crafted as SQL injection never execute anything
# they should not: a "victim" table survives every attempt, and the
# strings are stored and reported verbatim.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigReliability;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = reliability_node('injection', conf => "schemamig.worker_naptime = '200ms'\n");
my $log_offset = -s $node->logfile;
$node->safe_psql('postgres', q{CREATE TABLE victim (id int); INSERT INTO victim VALUES (1)});

sub victim_alive
{
	my ($label) = @_;
	is($node->safe_psql('postgres', q{SELECT count(*) FROM victim}), '1', "$label: victim untouched");
}

my @payloads = (
	q{'); DROP TABLE victim; --},
	q{1'; DROP TABLE victim; --},
	q{$$; DROP TABLE victim; --},
	q{1" OR 1=1; DROP TABLE victim; --},
	q{1;DROP TABLE victim},
	q{%s%s%s%n%x%p},
	q{../../etc/passwd},
	q{1\'; DROP TABLE victim; --},
	qq{1\nDROP TABLE victim},
	q{1 UNION SELECT up_sql FROM schemamig.migrations},
);

# version names: refused by their pattern before anything reads them
for my $p (@payloads)
{
	my $quoted = $p =~ s/'/''/gr;
	my ($ret, $out, $err) = $node->psql('postgres', "SELECT schemamig.register(E'" . ($quoted =~ s/\\/\\\\/gr) . "', 'SELECT 1')",
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	like($err, qr/ERROR:  22023: invalid migration version/, 'version ' . ($p =~ s/\n/\\n/gr) . ': refused (22023)');
}
victim_alive('version names');
is($node->safe_psql('postgres', 'SELECT count(*) FROM schemamig.migrations'), '0', 'nothing was registered');

# descriptions: stored verbatim, never run; as down scripts: parsed (and
# refused when they do not parse), never run

my $i = 0;
for my $p (@payloads)
{
	$i++;
	$node->safe_psql('postgres', "SELECT schemamig.apply('$i', 'CREATE TABLE t$i (id int)', 'DROP TABLE t$i', \$q\$$p\$q\$)");
	$node->psql('postgres', "SELECT schemamig.register('d$i', 'SELECT 1', \$q\$$p\$q\$)");
}
victim_alive('descriptions and down scripts');
is( $node->safe_psql(
		'postgres', 'SELECT count(*) FROM schemamig.migrations m JOIN (VALUES '
		  . join(', ', map { "($_, \$q\$$payloads[$_ - 1]\$q\$)" } 1 .. @payloads)
		  . ') p(n, s) ON m.version = p.n::text WHERE m.description = p.s'),
	scalar(@payloads),
	'descriptions are stored verbatim');
is($node->safe_psql('postgres', q{SELECT count(*) FROM schemamig.status() s JOIN schemamig.migrations m USING (version) WHERE s.description = m.description}),
	scalar(@payloads), 'status() reports them verbatim');
is($node->safe_psql('postgres', q{SELECT count(*) FROM schemamig.events WHERE jsonb_typeof(detail) <> 'object'}),
	'0', 'every event detail is still a JSON object');

# scripts: register() and lint() execute nothing; transaction control that
# would end the migration's transaction and run the rest outside it is
# refused before anything runs
$node->safe_psql('postgres', q{SELECT schemamig.register('90', 'DROP TABLE victim', 'DROP TABLE victim')});
$node->safe_psql('postgres', q{SELECT count(*) FROM schemamig.lint('DROP TABLE victim; TRUNCATE victim')});
victim_alive('register() and lint() of a destructive script');
$node->safe_psql('postgres', q{SELECT schemamig.register('90', 'SELECT 1')});
for my $escape ('SELECT 1; COMMIT; DROP TABLE victim', 'SELECT 1; ROLLBACK; DROP TABLE victim',
	'SAVEPOINT a; DROP TABLE victim; ROLLBACK TO a', 'END; DROP TABLE victim',
	'PREPARE TRANSACTION \'x\'; DROP TABLE victim', 'COPY victim FROM STDIN')
{
	my ($ret, $out, $err) = $node->psql('postgres', "SELECT schemamig.apply('91', \$q\$$escape\$q\$)",
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	like($err, qr/ERROR:  (2D000|0A000)/, "apply($escape): refused");
}
victim_alive('transaction control in scripts');
my ($ret, $out, $err) = $node->psql('postgres', q{SELECT schemamig.apply('92', 'SELECT %n%s%s%s%x FROM WHERE')});
like($err, qr/syntax error/, 'format specifiers in a script: a plain syntax error');
($ret, $out, $err) = $node->psql('postgres', q{SELECT schemamig.apply('93', 'SELECT schemamig.rollback_to(''1'')')},
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
like($err, qr/ERROR:  0A000: a migration cannot run another migration/, 'a script cannot call schemamig itself');
is($node->safe_psql('postgres', q{SELECT count(*) FROM schemamig.applied}), scalar(@payloads),
	'and nothing was rolled back by it');

# an application name crafted to break out of the lock-holder message
my $holder = $node->background_psql('postgres');
$holder->query_safe(q{SET application_name = $$x"); DROP TABLE victim; --$$; BEGIN; SELECT pg_advisory_xact_lock(1936550247)});
($ret, $out, $err) = $node->psql('postgres', q{SET schemamig.lock_wait_timeout = '100ms'; SELECT * FROM schemamig.migrate()});
like($err, qr/application "x"\); DROP TABLE victim; --"/, 'the holder\'s application name is quoted verbatim');
$holder->query_safe('COMMIT');
$holder->quit;
victim_alive('application name');

# an index name crafted as SQL: the worker drops the INVALID index its
# failed CREATE INDEX CONCURRENTLY left by a quoted name
$node->safe_psql('postgres', q{
	CREATE TABLE dup (v int); INSERT INTO dup VALUES (1), (1);
	SELECT schemamig.register('95', $$CREATE UNIQUE INDEX CONCURRENTLY "evil""; DROP TABLE victim; --" ON dup (v)$$);
});
my $job = $node->safe_psql('postgres', q{SELECT schemamig.enqueue('95')});
ok($node->poll_query_until('postgres', "SELECT status = 'failed' FROM schemamig.jobs WHERE id = $job"), 'the index build fails');
ok($node->poll_query_until('postgres', q{SELECT EXISTS (SELECT FROM schemamig.events WHERE event = 'invalid_index_dropped' AND version = '95')}),
	'the INVALID index is dropped');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_class WHERE relname LIKE 'evil%'}), '0', 'by its exact name');
victim_alive('index name');

no_crash_in_log($node, $log_offset, 'injection');
$node->stop;
done_testing();
