# 630_dump_restore.pl — pg_dump / pg_restore into a new database carries
# schemamig.migrations, applied, events and jobs (they are extension
# configuration tables), with their sequences: afterwards validate() is
# empty, status() is the same, migrate() is a no-op, and new events and
# jobs continue the old numbering.
#
# The linter stays on (its default, error) in this test: a restore into a
# database with schemamig is exactly where it could get in the way.  With
# --single-transaction every table of the dump is created in the restore's
# transaction, so its indexes and constraints are not judged as changes to
# live tables (doc/reliability.md says so).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigReliability;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = reliability_node('dump', lint => 1, conf => "schemamig.worker_naptime = '200ms'\n");
my $log_offset = -s $node->logfile;

# a history with every kind of row: applied, rolled back and applied
# again with a new text, a job done by the worker, a secret redacted in the
# events
$node->safe_psql('postgres', q{
	SELECT schemamig.apply('0001', 'CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL)', 'DROP TABLE customers', 'customers');
	SELECT schemamig.apply('0002', $$CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers);
INSERT INTO customers VALUES (1, 'a@example.com')$$, 'DROP TABLE orders', 'orders');
	SELECT schemamig.register('0003', 'CREATE INDEX CONCURRENTLY orders_customer ON orders (customer_id)',
	                          'DROP INDEX CONCURRENTLY IF EXISTS orders_customer', 'an index');
});
my $job = $node->safe_psql('postgres', q{SELECT schemamig.enqueue('0003')});
$node->safe_psql('postgres', "CALL schemamig.wait($job, '60s')");
$node->safe_psql('postgres', q{
	SELECT schemamig.apply('0004', $$CREATE ROLE dump_app LOGIN PASSWORD 'hunter2'$$, 'DROP ROLE dump_app', 'a role');
	SELECT * FROM schemamig.rollback();
	SELECT schemamig.apply('0004', $$CREATE ROLE dump_app2 LOGIN PASSWORD 'hunter3'$$, 'DROP ROLE dump_app2', 'a role');
});
is($node->safe_psql('postgres', q{SELECT string_agg(version || '=' || state, ',' ORDER BY version) FROM schemamig.status()}),
	'0001=applied,0002=applied,0003=applied,0004=applied', 'the source history');
catalogs_consistent($node, 'postgres', 'source');

# what must survive, row by row (every column but none that is recomputed)
my %catalog = (
	migrations => q{SELECT md5(string_agg(m::text, '|' ORDER BY version)) FROM schemamig.migrations m},
	applied    => q{SELECT md5(string_agg(a::text, '|' ORDER BY version)) FROM schemamig.applied a},
	events     => q{SELECT count(*) || ' ' || md5(string_agg(e::text, '|' ORDER BY id)) FROM schemamig.events e},
	jobs       => q{SELECT count(*) || ' ' || md5(string_agg(j::text, '|' ORDER BY id)) FROM schemamig.jobs j},
	status     => q{SELECT md5(string_agg(s::text, '|' ORDER BY version)) FROM schemamig.status() s},
);
my %before = map { $_ => $node->safe_psql('postgres', $catalog{$_}) } keys %catalog;
my $max_event = $node->safe_psql('postgres', 'SELECT max(id) FROM schemamig.events');
my $max_job = $node->safe_psql('postgres', 'SELECT max(id) FROM schemamig.jobs');

my $dump = $PostgreSQL::Test::Utils::tmp_check . '/schemamig.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('postgres') ], 'pg_dump -Fc');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok(
	[ 'pg_restore', '--single-transaction', '--exit-on-error', '-d', $node->connstr('restored'), $dump ],
	'pg_restore --single-transaction, with the linter on');

for my $c (sort keys %catalog)
{
	is($node->safe_psql('restored', $catalog{$c}), $before{$c}, "$c restored exactly");
}
is($node->safe_psql('restored', q{SELECT count(*) FROM schemamig.events WHERE message LIKE '%hunter%' OR detail::text LIKE '%hunter%'}),
	'0', 'the redacted secret is still redacted');
catalogs_consistent($node, 'restored', 'restored');
is($node->safe_psql('restored', q{SELECT count(*) FROM schemamig.migrate()}), '0', 'migrate() is a no-op');
is($node->safe_psql('restored', q{SELECT to_regclass('public.orders_customer') IS NOT NULL}), 't',
	'the schema the migrations built came along');

# the history goes on where it stopped
$node->safe_psql('restored', q{SELECT schemamig.apply('0005', 'CREATE TABLE later (id int)', 'DROP TABLE later')});
cmp_ok($node->safe_psql('restored', q{SELECT id FROM schemamig.events WHERE event = 'applied' AND version = '0005'}),
	'>', $max_event, 'new events continue the restored numbering');
$node->safe_psql('restored', q{SELECT schemamig.register('0006', 'CREATE TABLE ix (id int)', 'DROP TABLE ix')});
my $new_job = $node->safe_psql('restored', q{SELECT schemamig.enqueue('0006')});
cmp_ok($new_job, '>', $max_job, 'new jobs continue the restored numbering');
catalogs_consistent($node, 'restored', 'after migrating the restored database');

# without --single-transaction, a superuser restores with the linter off
# (the dump's CREATE INDEX on its tables would be judged as live changes)
$node->safe_psql('postgres', 'CREATE DATABASE restored_plain');
{
	local $ENV{PGOPTIONS} = '-c schemamig.lint=off';
	$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('restored_plain'), $dump ],
		'pg_restore statement by statement, with PGOPTIONS=-c schemamig.lint=off');
}
for my $c (sort keys %catalog)
{
	is($node->safe_psql('restored_plain', $catalog{$c}), $before{$c}, "$c restored exactly (statement by statement)");
}
catalogs_consistent($node, 'restored_plain', 'restored statement by statement');

# the source is untouched
is($node->safe_psql('postgres', $catalog{migrations}), $before{migrations}, 'the source is unchanged');
no_crash_in_log($node, $log_offset, 'dump and restore');

$node->stop;
done_testing();
