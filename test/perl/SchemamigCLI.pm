# test/perl/SchemamigCLI.pm — helpers for the TAP tests of the schemamig
# command-line client (test/t/5NN_cli_*.pl).
#
# PostgreSQL refuses to run as root.  When a test is started as root (as
# CI and the developers' machines do), this module re-runs it as the
# postgres OS user before PostgreSQL::Test::Utils sets up tmp_check, after
# handing tmp_check to that user; the environment (PATH, PERL5LIB, TESTDIR)
# is kept.  So "use SchemamigCLI;" must come before any PostgreSQL::Test
# module in a test.
#
# The client under test is the "schemamig" found on PATH: the one
# "make install" put next to the server's binaries, which prove_installcheck
# puts first on PATH.

package SchemamigCLI;

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
use File::Path qw(make_path);
use IPC::Run;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(cli_node cli_use_node cli cli_json cli_start write_file folder_of);

# A running cluster with the extension created in database "postgres",
# and the environment pointing the client at it.
sub cli_node
{
	my ($name) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemamig'\n");
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION schemamig');
	return cli_use_node($node);
}

# the client connects to $node's postgres database (by PG* variables)
sub cli_use_node
{
	my ($node) = @_;
	$ENV{PGHOST}     = $node->host;
	$ENV{PGPORT}     = $node->port;
	$ENV{PGDATABASE} = 'postgres';
	delete $ENV{DATABASE_URL};
	return $node;
}

# start the client in the background: ($handle, \$out, \$err); finish
# with $handle->finish; ($handle->full_results)[0] >> 8 is the exit code
sub cli_start
{
	my @args = @_;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start([ 'schemamig', @args ], '<', \undef, '>', \$out, '2>', \$err);
	return ($h, \$out, \$err);
}

# Run the client; returns (exit code, stdout, stderr).
sub cli
{
	my @args = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run([ 'schemamig', @args ], '<', \undef, '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

# Run the client with --json; returns (exit code, decoded document, stderr).
sub cli_json
{
	my ($code, $out, $err) = cli(@_, '--json');
	my $doc = eval { decode_json($out) };
	diag("not one JSON document on stdout: $out") unless defined $doc;
	return ($code, $doc, $err);
}

sub write_file
{
	my ($path, $text) = @_;
	(my $dir = $path) =~ s{/[^/]+$}{};
	make_path($dir);
	open(my $fh, '>', $path) or die "cannot write $path: $!";
	print $fh $text;
	close($fh);
}

# A fresh migration folder holding the given files (name => text).
my $folders = 0;

sub folder_of
{
	my (%files) = @_;
	my $dir = PostgreSQL::Test::Utils::tempdir() . '/migrations' . ++$folders;
	make_path($dir);
	write_file("$dir/$_", $files{$_}) for keys %files;
	return $dir;
}

1;
