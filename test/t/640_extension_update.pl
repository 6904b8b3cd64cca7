# 640_extension_update.pl — ALTER EXTENSION schemamig UPDATE from the first
# released version to the current default_version, with data in every
# catalog: the data survives, validate() is empty, migrate() is a no-op,
# the API works, and the updated extension has exactly the objects of a
# fresh install of the current version.
#
# The test is generic: it installs the lowest version that has an install
# script (schemamig--X.sql in the installed extension directory), so each
# new release is tested from the first one through the whole update chain.
# While 0.1.0 is the only version, first = current: the update is a no-op
# and the test says so (diag); the data and object checks still run.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigReliability;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('update');
$node->init;
# not preloaded: no worker, so the queued job stays queued while the
# catalogs are compared before and after
$node->append_conf('postgresql.conf', "schemamig.lint = off\n");
$node->start;

# natural order of version names, as schemamig.version_sort_key sorts them
sub natural_cmp
{
	my ($a, $b) = @_;
	my @a = $a =~ /(\d+|\D+)/g;
	my @b = $b =~ /(\d+|\D+)/g;
	while (@a && @b)
	{
		my ($x, $y) = (shift @a, shift @b);
		my $c = ($x =~ /^\d/ && $y =~ /^\d/) ? ($x <=> $y) : ($x cmp $y);
		return $c if $c;
	}
	return @a <=> @b;
}

my $sharedir = $node->config_data('--sharedir');
my @installable =
  sort { natural_cmp($a, $b) }
  grep { !/--/ }
  map { m{/schemamig--(.*)\.sql$} ? ($1) : () } glob("$sharedir/extension/schemamig--*.sql");
ok(@installable >= 1, 'at least one install script: ' . join(', ', @installable));
my $first = $installable[0];
my $current = $node->safe_psql('postgres',
	q{SELECT default_version FROM pg_available_extensions WHERE name = 'schemamig'});
diag(
	$first eq $current
	? "schemamig $current is the only released version: ALTER EXTENSION UPDATE is a no-op; the test checks the data and objects survive it"
	: "updating schemamig $first to $current");

if ($first ne $current)
{
	is( $node->safe_psql(
			'postgres', qq{
		SELECT path IS NOT NULL FROM pg_extension_update_paths('schemamig') WHERE source = '$first' AND target = '$current'}),
		't',
		"an update path leads from $first to $current");
}

# the first version, with data in every catalog
$node->safe_psql('postgres', "CREATE EXTENSION schemamig VERSION '$first'");
$node->safe_psql('postgres', q{
	SELECT schemamig.apply('0001', 'CREATE TABLE a (id int PRIMARY KEY)', 'DROP TABLE a', 'a');
	SELECT schemamig.apply('0002', 'CREATE TABLE b (id int)', 'DROP TABLE b', 'b');
	SELECT * FROM schemamig.rollback();
	SELECT schemamig.apply('0002', 'CREATE TABLE b (id int, note text)', 'DROP TABLE b', 'b again');
	SELECT schemamig.register('0003', 'CREATE INDEX CONCURRENTLY a_id ON a (id)', 'DROP INDEX CONCURRENTLY IF EXISTS a_id');
	SELECT schemamig.enqueue('0003');
});
my %catalog = (
	# the columns of 0.1.0: 0.2.0 adds repeatable (false for every row, checked below)
	migrations => q{SELECT count(*) || ' ' || md5(string_agg((m.version, m.description, m.up_sql, m.down_sql, m.checksum,
	                  m.down_checksum, m.transactional, m.registered_at, m.registered_by)::text, '|' ORDER BY version))
	                FROM schemamig.migrations m},
	applied    => q{SELECT count(*) || ' ' || md5(string_agg(a::text, '|' ORDER BY version)) FROM schemamig.applied a},
	events     => q{SELECT count(*) || ' ' || md5(string_agg(e::text, '|' ORDER BY id)) FROM schemamig.events e},
	# the columns of 0.1.0: later versions add their own
	jobs       => q{SELECT count(*) || ' ' || md5(string_agg((j.id, j.version, j.direction, j.status, j.requested_by,
	                  j.requested_at, j.started_at, j.finished_at, j.error, j.sqlstate)::text, '|' ORDER BY id)) FROM schemamig.jobs j},
);
my %before = map { $_ => $node->safe_psql('postgres', $catalog{$_}) } keys %catalog;

my ($ret, $out, $err) = $node->psql('postgres', 'ALTER EXTENSION schemamig UPDATE');
is($ret, 0, 'ALTER EXTENSION schemamig UPDATE succeeds') or diag($err);
is($node->safe_psql('postgres', q{SELECT extversion FROM pg_extension WHERE extname = 'schemamig'}),
	$current, "the extension is at $current");
for my $c (sort keys %catalog)
{
	is($node->safe_psql('postgres', $catalog{$c}), $before{$c}, "$c survives the update");
}
is($node->safe_psql('postgres', q{SELECT bool_or(repeatable) FROM schemamig.migrations}), 'f',
	'the migrations registered before the update are not repeatable');
is($node->safe_psql('postgres', q{SELECT string_agg(version || '=' || state, ',' ORDER BY version) FROM schemamig.status()}),
	'0001=applied,0002=applied,0003=pending', 'status() reads the old data');
is($node->safe_psql('postgres', q{SELECT string_agg(version || ': ' || problem, '; ') FROM schemamig.validate()}),
	'', 'validate() is empty');
is($node->safe_psql('postgres', q{SELECT count(*) FROM schemamig.migrate('0002')}), '0',
	'migrate() of what is applied is a no-op');
is($node->safe_psql('postgres', q{SELECT schemamig.apply('0004', 'CREATE TABLE d (id int)', 'DROP TABLE d')}),
	'applied', 'the API works after the update');

# the updated extension has exactly the objects, privileges and
# configuration tables of a fresh install of the current version
my $objects = q{
	SELECT string_agg(pg_describe_object(classid, objid, objsubid), E'\n'
	                  ORDER BY pg_describe_object(classid, objid, objsubid))
	  FROM pg_depend
	 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
	   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'schemamig')};
my $acl = q{
	SELECT string_agg(p.oid::regprocedure || ' ' || coalesce(p.proacl::text, '-'), E'\n'
	                  ORDER BY p.oid::regprocedure::text)
	  FROM pg_proc p WHERE p.pronamespace = 'schemamig'::regnamespace};
my $config = q{
	SELECT string_agg(c::regclass::text, ',' ORDER BY c::regclass::text) || ' ' || array_to_string(extcondition, ',')
	  FROM pg_extension, unnest(extconfig) c WHERE extname = 'schemamig' GROUP BY extcondition};
my %updated = (objects => $node->safe_psql('postgres', $objects),
	acl => $node->safe_psql('postgres', $acl), config => $node->safe_psql('postgres', $config));
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION schemamig');
for my $k (sort keys %updated)
{
	is($updated{$k}, $node->safe_psql('fresh', $k eq 'objects' ? $objects : $k eq 'acl' ? $acl : $config),
		"the updated extension's $k match a fresh install");
}

$node->stop;
done_testing();
