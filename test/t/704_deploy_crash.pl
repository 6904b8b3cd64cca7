# 704_deploy_crash.pl — the per-migration deploy is crash-safe: its
# intermediate commits do not wait for the WAL flush, so a crash may lose a
# suffix of them, but only whole migrations (each with its history row and
# event), which the next run applies again.  The server is stopped
# immediately (every backend killed, crash recovery at restart) mid-deploy, restarted, the deploy run again: every migration is applied
# exactly once and the history agrees with the schema.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCLI;

use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

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

$node->stop;
done_testing();
