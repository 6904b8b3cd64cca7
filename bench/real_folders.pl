#!/usr/bin/env perl
# bench/real_folders.pl — apply real migration folders of other tools with
# `schemamig migrate --dir` and with psql in the tool's own order, each on
# a fresh database of one throwaway cluster, and compare the schemas
# (pg_dump --schema-only).  Downloads nothing and is not run by CI: give it
# folders already on disk, each as NAME=TOOL:DIR, TOOL one of flyway,
# golang-migrate, goose, dbmate, diesel:
#
#   bench/real_folders.pl kestra=flyway:/tmp/real/kestra lemmy=diesel:/tmp/real/lemmy
#
# Prints one line per folder: migrations, whether migrate succeeded at the
# default linter settings (and, when it did not, with schemamig.lint =
# warning), and whether the schemas agree.  Needs the PostgreSQL on PATH with
# schemamig installed (tools/test.sh installs it), like tools/cluster.sh.
use strict;
use warnings;
use File::Temp qw(tempdir);
use FindBin;

my @folders = map { /^(\w+)=([\w-]+):(.+)$/ or die "NAME=TOOL:DIR expected, got $_\n"; [ $1, $2, $3 ] } @ARGV;
die "usage: $0 NAME=TOOL:DIR ...\n" unless @folders;

my $work = tempdir('schemamig-real.XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0777, $work;
my $cluster = "$work/cluster";
$ENV{SCHEMAMIG_TEST_PORT} //= 5597;
my $env = `"$FindBin::RealBin/../tools/cluster.sh" start "$cluster"`;
die "cannot start the cluster\n" if $?;
$ENV{$1} = $2 while $env =~ /(PG\w+)=(\S+)/g;
my $dbs = join(', ', 'postgres', map { "sm_$_->[0]" } @folders);
psql('postgres', "ALTER SYSTEM SET schemamig.database = '$dbs'");
system("pg_ctl -D $cluster/data -w restart -l $cluster/restart.log >/dev/null") == 0
  or (system("runuser -u postgres -- pg_ctl -D $cluster/data -w restart -l $cluster/restart.log >/dev/null") == 0)
  or die "cannot restart\n";
END { system("\"$FindBin::RealBin/../tools/cluster.sh\" stop \"$cluster\" >/dev/null 2>&1") if $cluster }

sub psql
{
	my ($db, $sql) = @_;
	my $out = `psql -X -q -At -v ON_ERROR_STOP=1 -d $db -c "$sql" 2>&1`;
	die "psql $db: $out" if $?;
	chomp $out;
	return $out;
}

sub slurp { my ($p) = @_; open(my $fh, '<', $p) or die "$p: $!"; local $/; return scalar <$fh> }

# natural order of versions: digit runs by value
sub natural_key { my ($v) = @_; return join('', map { /^\d+$/ ? sprintf('%030d', $_) : $_ } split /(\d+)/, $v) }

# the up scripts of a folder, in the tool's own order
sub up_scripts
{
	my ($tool, $dir) = @_;
	opendir(my $d, $dir) or die "$dir: $!";
	my @names = grep { !/^\./ } readdir $d;
	if ($tool eq 'flyway')
	{
		# V{version}__: version parts separated by . or _, compared numerically
		my @v = grep { /^V[\d._]+__.*\.sql$/ } @names;
		my $key = sub { my ($n) = $_[0] =~ /^V([\d._]+?)__/; join('.', map { sprintf('%020d', $_) } split /[._]/, $n) };
		return map { slurp("$dir/$_") } sort { $key->($a) cmp $key->($b) } @v;
	}
	if ($tool eq 'golang-migrate')
	{
		my @v = grep { /^\d+_.*\.up\.sql$/ } @names;
		return map { slurp("$dir/$_") } sort { (split /_/, $a)[0] <=> (split /_/, $b)[0] } @v;
	}
	if ($tool eq 'goose' || $tool eq 'dbmate')
	{
		my ($up, $down) = $tool eq 'goose' ? ('-- +goose Up', '-- +goose Down') : ('-- migrate:up', '-- migrate:down');
		my @v = grep { /^\d+_.*\.sql$/ } @names;
		return map {
			my $t = slurp("$dir/$_");
			$t =~ /^\Q$up\E[^\n]*\n(.*?)(?:^\Q$down\E|\z)/ms ? $1 : die "$_: no up section\n"
		} sort { (split /_/, $a)[0] <=> (split /_/, $b)[0] } @v;
	}
	if ($tool eq 'diesel')
	{
		# diesel: the folder name up to "_", dashes dropped, compared as text
		my @v = grep { -f "$dir/$_/up.sql" } @names;
		my $key = sub { (my $k = (split /_/, $_[0])[0]) =~ s/-//g; $k };
		return map { slurp("$dir/$_/up.sql") } sort { $key->($a) cmp $key->($b) } @v;
	}
	die "unknown tool $tool\n";
}

sub dump_schema
{
	my ($db) = @_;
	my $s = `pg_dump --schema-only -d $db`;
	die "pg_dump $db failed\n" if $?;
	return $s =~ s/^\\(?:un)?restrict .*$//mgr;
}

my ($agree, $total, $migrations) = (0, 0, 0);
for my $f (@folders)
{
	my ($name, $tool, $dir) = @$f;
	my @scripts = up_scripts($tool, $dir);
	my ($ref, $sm) = ("ref_$name", "sm_$name");
	psql('postgres', "CREATE DATABASE $_") for ($ref, $sm);
	psql($_, 'CREATE EXTENSION schemamig') for ($ref, $sm);
	# golang-migrate creates its history table before the first migration,
	# and some folders (harbor's) change it
	psql($_, 'CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)')
	  for grep { $tool eq 'golang-migrate' } ($ref, $sm);
	my $i = 0;
	my $psql_ok = 1;
	for my $sql (@scripts)
	{
		my $file = "$work/$name-" . ++$i . '.sql';
		open(my $fh, '>', $file) or die;
		print $fh "SET schemamig.lint = off;\n$sql";
		close $fh;
		my $out = `psql -X -q -v ON_ERROR_STOP=1 -d $ref -f $file 2>&1`;
		if ($?) { print "$name: psql fails at script $i: $out"; $psql_ok = 0; last }
	}
	my $lint = 'default';
	my ($ok, $err) = migrate_all($sm, $tool, $dir, '');
	if (!$ok)
	{
		print "$name: migrate at the default linter settings: ", join("\n", grep { /error|DETAIL/ } split /\n/, $err), "\n";
		psql('postgres', "DROP DATABASE $sm WITH (FORCE)");
		psql('postgres', "CREATE DATABASE $sm");
		psql($sm, 'CREATE EXTENSION schemamig');
		psql($sm, 'CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)')
		  if $tool eq 'golang-migrate';
		($ok, $err) = migrate_all($sm, $tool, $dir, '-c schemamig.lint=warning');
		$lint = 'warning';
		print "$name: migrate with schemamig.lint = warning: $err" unless $ok;
	}
	my $applied = psql($sm, "SELECT count(*) FROM schemamig.applied WHERE NOT dirty");
	my $same = $psql_ok && $ok && dump_schema($sm) eq dump_schema($ref);
	printf "%-10s %-15s %4d scripts  migrate %s (lint %s), %d applied  schema %s\n",
	  $name, $tool, scalar @scripts, $ok ? 'ok' : 'FAILED', $lint, $applied, $same ? 'same as psql' : 'DIFFERS';
	$total++;
	$agree++ if $same;
	$migrations += scalar @scripts if $same;
}
print "$agree of $total folders ($migrations migrations) reach the schema psql reaches in the tool's order\n";

sub migrate_all
{
	my ($db, $tool, $dir, $options) = @_;
	my $layout = $tool eq 'golang-migrate' ? '--layout golang-migrate' : '';
	local $ENV{PGOPTIONS} = $options;
	for (1 .. 20)
	{
		my $out = `schemamig migrate --dir $dir --db $db $layout 2>&1`;
		my $code = $? >> 8;
		return (0, $out) if $code != 0 && $code != 3;
		return (1, '') if psql($db, "SELECT count(*) FROM schemamig.status() WHERE state <> 'applied'") eq '0';
		sleep 1 while psql($db, "SELECT count(*) FROM schemamig.jobs WHERE status IN ('queued', 'running')") ne '0';
		my $failed = psql($db, "SELECT string_agg(version || ': ' || error, '; ') FROM schemamig.jobs WHERE status = 'failed'");
		return (0, "worker: $failed\n") if $failed ne '';
	}
	return (0, "still pending after 20 rounds\n");
}
