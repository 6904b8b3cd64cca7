# 770_version_verdicts.pl — the linter's verdicts checked against what the
# running server measurably does.  For every corpus case with a
# "-- measure: TABLE" line (test/perl/SchemamigCorpus.pm), on the PostgreSQL
# version CI runs it on:
#   - schemamig.lint() of the migration gives the case's expected verdict;
#   - the migration, run for real in a transaction with the hook off,
#     shows the same verdict in the server's own numbers: unsafe when it
#     rewrote TABLE (its relfilenode changed) or scanned it
#     (pg_stat_get_xact_numscans grew) while holding a lock that blocks
#     writes (SHARE or stronger, from pg_locks), safe otherwise.
# Cases for other versions (-- versions:) are skipped with their reason.
# These are the cases whose verdict differs between releases (18's VIRTUAL
# generated columns and NOT VALID NOT NULL constraints, 17's SET
# EXPRESSION) and their counterparts on every release.
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCorpus;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $corpus = File::Spec->rel2abs(dirname(__FILE__) . '/../lint_corpus');
my @cases = grep { defined $_->[1]{measure} } map { [ $_, parse_case($_) ] } corpus_files($corpus);

my $node = PostgreSQL::Test::Cluster->new('version_verdicts');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemamig'\n");
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE verdict_template');
$node->safe_psql('verdict_template', 'CREATE EXTENSION schemamig');
my $major = int($node->safe_psql('postgres', 'SHOW server_version_num') / 10000);
diag("PostgreSQL $major: " . scalar(@cases) . ' measured corpus cases');

my %blocks_writes = map { $_ => 1 } qw(ShareLock ShareRowExclusiveLock ExclusiveLock AccessExclusiveLock);
my $n = 0;
my $ran = 0;

foreach my $entry (@cases)
{
	my ($path, $case) = @$entry;
	my $name = File::Spec->abs2rel($path, $corpus);
	my $table = $case->{measure};
  SKIP:
	{
		my $why = case_applies($case, $major);
		if ($why)
		{
			diag("skip $name: $why");
			skip("$name: $why", 2);
		}
		$ran++;

		my $db = 'verdict_case_' . ++$n;
		$node->safe_psql('postgres', "CREATE DATABASE $db TEMPLATE verdict_template");
		$node->safe_psql($db, "SET schemamig.lint = off;\nSET client_min_messages = warning;\n$case->{setup}");

		my $tag = '$verdict$';
		my $findings = $node->safe_psql($db,
			"SELECT coalesce(string_agg(rule, ' ' ORDER BY statement_no, rule), '') "
			  . "FROM schemamig.lint($tag$case->{migration}$tag) WHERE severity <> 'advisory'");
		is($findings eq '' ? 'safe' : 'unsafe', $case->{expect},
			"$name: lint() says $case->{expect}" . ($findings ? " ($findings)" : ''));

		my $measured = $node->safe_psql($db, qq{
SET schemamig.lint = off;
SET client_min_messages = warning;
BEGIN;
CREATE TEMP TABLE verdict_before AS
  SELECT pg_relation_filenode('$table') AS filenode, pg_stat_get_xact_numscans('$table'::regclass) AS scans;
$case->{migration}
;
SELECT (SELECT filenode FROM verdict_before) IS DISTINCT FROM pg_relation_filenode('$table'),
       pg_stat_get_xact_numscans('$table'::regclass) - (SELECT scans FROM verdict_before),
       (SELECT string_agg(mode, ',' ORDER BY mode) FROM pg_locks
         WHERE relation = '$table'::regclass AND pid = pg_backend_pid() AND granted);
ROLLBACK;});
		my ($rewrote, $scans, $locks) = split /\|/, $measured, -1;
		my $strong = grep { $blocks_writes{$_} } split /,/, $locks // '';
		my $server = (($rewrote eq 't' || $scans > 0) && $strong) ? 'unsafe' : 'safe';
		diag("$name on $major: rewrite $rewrote, scans $scans, locks " . ($locks || 'none'));
		is($server, $case->{expect}, "$name: the server's measurements say $case->{expect}");
		$node->safe_psql('postgres', "DROP DATABASE $db");
	}
}
cmp_ok($ran, '>', 0, "measured cases ran on PostgreSQL $major");

$node->stop;
done_testing();
