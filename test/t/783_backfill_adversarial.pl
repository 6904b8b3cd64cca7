# 783_backfill_adversarial.pl — batched backfills (issue 16) against tables
# and scripts that try to make the key walk go wrong: what cannot be walked
# safely is refused at registration with its reason (a generated key, a
# temporary table, a table with rules, a repeated option).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;

use PostgreSQL::Test::Utils;
use Test::More;

my $node = worker_node('backfill_adversarial', conf => "schemamig.auto_recover = off\n");
my $worker = wait_for_worker($node);
sub sql { return $node->safe_psql('postgres', $_[0]); }

# the error of a statement that must fail, with its SQLSTATE (VERBOSITY verbose)
sub sql_error
{
	my ($stdout, $stderr);
	$node->psql('postgres', "\\set VERBOSITY verbose\n$_[0]", stdout => \$stdout, stderr => \$stderr);
	return $stderr;
}

sub poll
{
	my ($query, $what) = @_;
	$node->poll_query_until('postgres', $query) or die "timed out waiting for $what";
}

# ---- refused at registration ----

sql(q{CREATE TABLE gen (a int NOT NULL, id int GENERATED ALWAYS AS (a * 2) STORED PRIMARY KEY, n int NOT NULL DEFAULT 0);
	  INSERT INTO gen (a) SELECT g FROM generate_series(1, 100) g;});
my $e = sql_error(q{SELECT schemamig.register('0001', $s$-- schemamig:batch size=10
UPDATE gen SET a = a + 1000 WHERE true;$s$)});
like($e, qr/ERROR:  55000: statement 1 of the up script of migration "0001" cannot be batched/,
	'a walk along a generated key column is refused with 55000');
like($e, qr/the key column "id" that the batches walk is generated \(GENERATED ALWAYS AS \.\.\. STORED\)/,
	'the reason names the generated key column');

$e = sql_error(q{CREATE TEMP TABLE scratch (id int PRIMARY KEY, n int);
SELECT schemamig.register('0002', $s$-- schemamig:batch size=10
UPDATE scratch SET n = 1 WHERE true;$s$)});
like($e, qr/ERROR:  55000: statement 1 of the up script of migration "0002" cannot be batched/,
	'a temporary table is refused with 55000');
like($e, qr/"scratch" is a temporary table, which the worker's session cannot see/, 'the reason says why');

sql(q{CREATE TABLE ruled (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
	  CREATE TABLE ruled_log (id int, at timestamptz DEFAULT now());
	  CREATE RULE log_update AS ON UPDATE TO ruled DO ALSO INSERT INTO ruled_log (id) VALUES (NEW.id);});
$e = sql_error(q{SELECT schemamig.register('0003', $s$-- schemamig:batch
UPDATE ruled SET n = 1 WHERE true;$s$)});
like($e, qr/ERROR:  55000: statement 1 of the up script of migration "0003" cannot be batched/,
	'a table with a rule ON UPDATE is refused with 55000');
like($e, qr/table "ruled" has a rule ON UPDATE \(log_update\), which rewrites the batches' UPDATE/,
	'the reason names the rule');
like(sql_error(q{SELECT schemamig.register('0003', $s$-- schemamig:batch
DELETE FROM ruled WHERE true;$s$)}), qr/^(?!.*ERROR)/s, 'a rule ON UPDATE does not stop a batched DELETE');

for my $options ('size=10 size=20', 'pause=1s pause=2s', 'size=10 pause=1s size=10')
{
	$e = sql_error(qq{SELECT schemamig.register('0004', \$s\$-- schemamig:batch $options
UPDATE ruled SET n = 1 WHERE true;\$s\$)});
	like($e, qr/ERROR:  42601: invalid schemamig:batch directive: option "(size|pause)" is given more than once/,
		"a repeated option is refused with 42601: $options");
}
is(sql("SELECT count(*) FROM schemamig.migrations WHERE version IN ('0001', '0002', '0004')"), '0',
	'nothing refused was registered');

done_testing();
