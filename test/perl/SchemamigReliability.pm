# test/perl/SchemamigReliability.pm — helpers for the reliability and
# security TAP tests (test/t/6NN_*.pl): a node with schemamig preloaded,
# and the checks every one of them ends with (the catalogs are consistent,
# the server never crashed).
package SchemamigReliability;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(reliability_node catalogs_consistent no_crash_in_log);

# A started node with shared_preload_libraries = 'schemamig' and the
# extension created in "postgres" (the database the worker serves).
# Options: lint => 1 keeps the linter on (it is off by default here: these
# tests are about the catalogs and the executor, not about DDL safety);
# conf => extra postgresql.conf lines.
sub reliability_node
{
	my ($name, %opts) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemamig'\n");
	$node->append_conf('postgresql.conf', "schemamig.lint = off\n") unless $opts{lint};
	$node->append_conf('postgresql.conf', $opts{conf}) if $opts{conf};
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION schemamig');
	return $node;
}

# The catalogs agree with themselves: validate() is empty, everything
# applied is registered (applied ⊆ migrations), nothing is dirty, and no
# job is left running.
sub catalogs_consistent
{
	my ($node, $db, $label) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;

	is($node->safe_psql($db, q{SELECT string_agg(version || ': ' || problem, '; ') FROM schemamig.validate()}),
		'', "$label: validate() is empty");
	is( $node->safe_psql(
			$db, q{
		SELECT count(*) FROM schemamig.applied a
		 WHERE NOT EXISTS (SELECT FROM schemamig.migrations m WHERE m.version = a.version)
		    OR a.dirty}),
		'0',
		"$label: every applied migration is registered and clean");
	is($node->safe_psql($db, q{SELECT count(*) FROM schemamig.jobs WHERE status = 'running'}),
		'0', "$label: no job is left running");
}

# The server log (from byte $offset on) shows no crashed backend.
sub no_crash_in_log
{
	my ($node, $offset, $label) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $log = slurp_file($node->logfile, $offset // 0);
	my @crashes = $log =~ /^.*(?:terminated by signal|PANIC:|was terminated by exception).*$/mg;
	is(scalar(@crashes), 0, "$label: no backend crashed")
	  or diag(join("\n", @crashes[ 0 .. ($#crashes < 9 ? $#crashes : 9) ]));
}

1;
