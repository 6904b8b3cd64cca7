# 704_deploy_crash.pl — the per-migration deploy is crash-safe: its
# intermediate commits do not wait for the WAL flush, so a crash may lose a
# suffix of them, but only whole migrations (each with its history row and
# event), which the next run applies again.  The server is stopped
# immediately (every backend killed, crash recovery at restart) mid-deploy, restarted, the deploy run again: every migration is applied
# exactly once and the history agrees with the schema.  When only the
# connection is lost, the migrations whose commit the client did not see
# acknowledged are reported "unknown" (exit 2).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCLI;

use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use JSON::PP;

my $node = cli_node('deploy_crash');
$node->append_conf('postgresql.conf', "fsync = on\nwal_writer_delay = '10s'\n");
$node->restart;
sub sql { return $node->safe_psql('postgres', $_[0]); }

my $n = 600;
my %files = ('0000_log.up.sql' => "CREATE TABLE ran (version int);\n",
	map { (sprintf('%04d_t%d.up.sql', $_, $_) => "CREATE TABLE t$_ (id int);\nINSERT INTO ran VALUES ($_);\n") }
	  1 .. $n);
my $dir = folder_of(%files);

my ($h, $out, $err) = cli_start('migrate', '--dir', $dir);
$node->poll_query_until('postgres', 'SELECT count(*) >= 100 FROM schemamig.applied')
  or die 'the deploy did not get going';
my $seen = sql('SELECT count(*) FROM schemamig.applied');
# an immediate shutdown: every backend killed, no checkpoint, crash recovery at the next start
$node->stop('immediate');
$h->finish;
isnt(($h->full_results)[0] >> 8, 0, 'the deploy fails when the server dies under it');
$node->start;

my $kept = sql('SELECT count(*) FROM schemamig.applied');
diag("applied before the crash (seen committed): $seen; after recovery: $kept");
# the suffix lost may be the whole run, the table "ran" of migration 0 included
my $ran = sql("SELECT to_regclass('ran') IS NOT NULL") eq 't' ? sql('SELECT count(*) FROM ran') + 1 : 0;
is($ran, $kept, 'after recovery, history and schema agree (whole migrations only)');

my ($code, $rout, $rerr) = cli('migrate', '--dir', $dir);
is($code, 0, 'the deploy run again exits 0') or diag($rerr);
is(sql('SELECT count(*) FROM schemamig.applied'), $n + 1, 'every migration is applied');
is(sql('SELECT count(*) || \'/\' || count(DISTINCT version) FROM ran'), "$n/$n",
	'each ran exactly once');
is(sql("SELECT count(*) FROM pg_class WHERE relname ~ '^t[0-9]+\$' AND relkind = 'r'"), $n, 'every table exists');
is(sql("SELECT count(*) FROM (SELECT version FROM schemamig.events WHERE event = 'applied' "
	  . "GROUP BY version HAVING count(*) <> 1) e"), '0', 'one applied event per migration');

# ---- the connection is lost mid-deploy (the client's backend killed) ----
# the client cannot know whether a migration whose commit it sent and did
# not see acknowledged committed: "unknown", exit 2, never "failed" or
# "applied"; what it reports applied is applied
sql('CREATE DATABASE lost');
$node->safe_psql('lost', 'CREATE EXTENSION schemamig');
my $lost = folder_of(
	'0001_a.up.sql'    => "CREATE TABLE a (id int);\n",
	'0002_slow.up.sql' => "SELECT pg_sleep(60);\n",
	'0003_c.up.sql'    => "CREATE TABLE c (id int);\n");
($h, $out, $err) = cli_start('migrate', '--dir', $lost, '--db', 'dbname=lost', '--json');
$node->poll_query_until('lost', "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = 'lost' "
	  . "AND query LIKE '%deploy_step%' AND wait_event = 'PgSleep')")
  or die 'the deploy did not reach the slow migration';
sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'lost' AND query LIKE '%deploy_step%' AND wait_event = 'PgSleep'");
$h->finish;
is(($h->full_results)[0] >> 8, 2, 'a lost connection mid-deploy exits 2');
my $doc = eval { JSON::PP::decode_json($$out) };
my %result = map { ($_->{version} => $_->{result}) } @{ $doc->{migrations} || [] };
is_deeply([ @result{qw(0002 0003)} ], [ 'unknown', 'unknown' ],
	'the migrations whose commit was not acknowledged are unknown, not failed or pending') or diag($$out, $$err);
like($result{'0001'} // '', qr/^(applied|unknown)$/, 'the one before is applied or unknown, never failed');
is($doc->{outcome}, 'unknown', 'the outcome is unknown');
is($doc->{failed}, 0, 'nothing is counted failed');
my @claimed = grep { $result{$_} eq 'applied' } sort keys %result;
is($node->safe_psql('lost', "SELECT count(*) FROM schemamig.applied WHERE version IN ('"
	  . join("','", @claimed, 'none') . "')"), scalar(@claimed), 'what it reports applied is applied');
like($$err, qr/the connection was lost before the server confirmed the commit of \d+ migration\(s\)/,
	'it says why they are unknown');

$node->stop;
done_testing();
