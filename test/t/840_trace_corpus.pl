# 840_trace_corpus.pl — keeps the linter honest: every case of
# test/lint_corpus/ is set up in a fresh database and its migration goes
# through schemamig.trace(); each lock, scan and rewrite claim that a
# finding's message makes is checked against what trace() measured for
# that statement.
#
# What a message claims (the rules say it in their messages, so the claims
# are read from there):
#   - a lock: "<MODE> lock" (ACCESS EXCLUSIVE, SHARE ROW EXCLUSIVE, ...):
#     some relation of the statement is measured with that mode, newly
#     taken or already held, or an earlier statement of the script took it
#     (the script is one transaction: "still holds the lock taken by an
#     earlier statement");
#   - a rewrite: "rewrites" or "copies every table": some relation of the
#     statement gets a new relfilenode;
#   - a scan: "scan", "scans", "scanning", "validates ... every row",
#     "validates the key", "checks every column", "builds its index": some
#     relation of the statement is scanned.
# A claim about a statement that trace() did not run (it cannot run in a
# transaction block) is checked on its documented lock only; a claim about
# a statement that failed, or a case whose script trace() refuses
# (transaction control), is unmeasured and counted.
#
# Disagreements are the linter's to fix (the rules are being restructured):
# %known lists each one found, with what was measured.  The test fails on a
# disagreement not listed, and on a listed one that no longer happens, so
# the list stays the truth.
use strict;
use warnings;
use File::Spec;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCorpus;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my @files = corpus_files();
plan skip_all => 'no corpus cases' unless @files;

# "<case> #<statement> <rule> <claim>" => what was measured
my %known = (
	# PostgreSQL inlines the SQL function next_ref() (VOLATILE, body
	# SELECT 1::bigint) into a constant, so the default is a fast default
	'adding-field-with-default/user_volatile_function.sql #1 adding-field-with-default rewrite' =>
	  'AccessExclusiveLock, not scanned, not rewritten',
	# the new column is NULL in every row and has no default itself, so
	# PostgreSQL 15 marks the key valid without validating it (the other
	# column's default does not change that)
	'adding-foreign-key-constraint/add_column_references_with_default_elsewhere.sql #1 adding-foreign-key-constraint scan' =>
	  'AccessExclusiveLock,AccessShareLock,ShareRowExclusiveLock, not scanned, not rewritten',
	'adding-foreign-key-constraint/add_column_references_with_default_elsewhere.sql #1 constraint-missing-not-valid scan' =>
	  'AccessExclusiveLock,AccessShareLock,ShareRowExclusiveLock, not scanned, not rewritten',
);

my %modes = (
	'ACCESS SHARE' => 'AccessShareLock',
	'ROW SHARE' => 'RowShareLock',
	'ROW EXCLUSIVE' => 'RowExclusiveLock',
	'SHARE UPDATE EXCLUSIVE' => 'ShareUpdateExclusiveLock',
	'SHARE' => 'ShareLock',
	'SHARE ROW EXCLUSIVE' => 'ShareRowExclusiveLock',
	'EXCLUSIVE' => 'ExclusiveLock',
	'ACCESS EXCLUSIVE' => 'AccessExclusiveLock');
my $mode_re = join('|', sort { length($b) <=> length($a) } keys %modes);

# the claims of one message: ['lock', mode] ..., ['rewrite'], ['scan']
sub claims_of
{
	my ($message) = @_;
	my @claims;
	my %seen;
	while ($message =~ /\b($mode_re) lock\b/g)
	{
		push @claims, [ 'lock', $modes{$1} ] unless $seen{$1}++;
	}
	push @claims, ['rewrite'] if $message =~ /\brewrites\b|\bcopies every table\b/;
	push @claims, ['scan']
	  if $message =~ /\bscan(s|ning)?\b|\bvalidates\b.*\bevery row\b|\bvalidates the (foreign )?key\b|\bchecks every column\b|\bbuilds its index\b/;
	return @claims;
}

my $node = PostgreSQL::Test::Cluster->new('trace_corpus');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemamig'\n");
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE corpus_template');
$node->safe_psql('corpus_template', 'CREATE EXTENSION schemamig');

my $sep = "\x1f";
my (@broken, @disagree, %unmeasured, @unclaimed_rewrites);
my ($claims_checked, $claims_agree, $cases_traced) = (0, 0, 0);
my $major = int($node->safe_psql('postgres', 'SHOW server_version_num') / 10000);
my $previous;
my $n = 0;

foreach my $path (@files)
{
	my $case = parse_case($path);
	my $name = File::Spec->abs2rel($path, corpus_dir());
	if (my $why = case_applies($case, $major))
	{
		diag("skipped $name: $why");
		next;
	}
	my $db = 'trace_case_' . ++$n;

	$node->safe_psql('postgres',
		($previous ? "DROP DATABASE $previous;\n" : '') . "CREATE DATABASE $db TEMPLATE corpus_template");
	$previous = $db;

	my ($ret, $out, $err) = $node->psql($db,
		"SET schemamig.lint = off;\nSET client_min_messages = warning;\n$case->{setup}",
		on_error_stop => 1);
	if ($ret != 0)
	{
		push @broken, "$name: setup failed: $err";
		next;
	}

	my $tag = '$trace_corpus$';
	die "$name: migration contains $tag" if index($case->{migration}, $tag) >= 0;
	($ret, $out, $err) = $node->psql($db,
		"SELECT concat_ws(chr(31), statement_no, coalesce(relation_name, ''), coalesce(lock_mode, ''),"
		  . " coalesce(scanned::text, ''), coalesce(rewritten::text, ''), outcome, coalesce(detail, ''))"
		  . " FROM schemamig.trace($tag$case->{migration}$tag)");
	if ($ret != 0)
	{
		if ($err =~ /transaction control statements are not allowed|is not allowed in a migration/)
		{
			$unmeasured{'script refused by trace()'}++;
			next;
		}
		push @broken, "$name: trace() failed: $err";
		next;
	}
	$cases_traced++;

	# per statement: outcome, modes (taken or held), scanned, rewritten
	my %stmt;
	foreach my $line (split /\n/, $out)
	{
		my ($no, $rel, $mode, $scanned, $rewritten, $outcome, $detail) = split /$sep/, $line, -1;
		my $s = $stmt{$no} //= { outcome => $outcome, modes => {}, lock_on => {} };
		$s->{modes}{$mode} = 1 if $mode ne '';
		$s->{modes}{$1} = 1 if $detail =~ /an earlier statement took (\w+)/;
		$s->{scanned} ||= $scanned eq 'true';
		$s->{rewritten} ||= $rewritten eq 'true';
		$s->{rewritten_rel} = $rel if $rewritten eq 'true';
	}

	($ret, $out, $err) = $node->psql($db,
		"SELECT concat_ws(chr(31), statement_no, rule, message) FROM schemamig.lint($tag$case->{migration}$tag)");
	if ($ret != 0)
	{
		push @broken, "$name: lint() failed: $err";
		next;
	}
	# modes the transaction holds before each statement
	my (%held_before, %so_far);
	foreach my $no (sort { $a <=> $b } keys %stmt)
	{
		$held_before{$no} = { %so_far };
		$so_far{$_} = 1 foreach keys %{ $stmt{$no}{modes} };
	}
	my %claimed_rewrite;
	foreach my $line (split /\n/, $out)
	{
		my ($no, $rule, $message) = split /$sep/, $line, 3;
		my $s = $stmt{$no};
		foreach my $claim (claims_of($message))
		{
			my $what = join(' ', @$claim);
			$claimed_rewrite{$no} = 1 if $claim->[0] eq 'rewrite';
			if (!$s || $s->{outcome} eq 'failed' || $s->{outcome} eq 'lock_timeout')
			{
				$unmeasured{'statement failed'}++;
				next;
			}
			if ($s->{outcome} eq 'not_traced' && $claim->[0] ne 'lock')
			{
				$unmeasured{'scan or rewrite of a statement not traced'}++;
				next;
			}
			my $measured = join(',', sort keys %{ $s->{modes} }) || 'no new lock';
			$measured .= $s->{scanned} ? ', scanned' : ', not scanned';
			$measured .= $s->{rewritten} ? ', rewritten' : ', not rewritten';
			my $agrees =
				$claim->[0] eq 'lock' ? $s->{modes}{ $claim->[1] } || $held_before{$no}{ $claim->[1] }
			  : $claim->[0] eq 'rewrite' ? $s->{rewritten}
			  : $s->{scanned};
			$claims_checked++;
			if ($agrees)
			{
				$claims_agree++;
			}
			else
			{
				push @disagree, [ "$name #$no $rule $what", $measured ];
			}
		}
	}
	foreach my $no (sort keys %stmt)
	{
		push @unclaimed_rewrites, "$name #$no rewrites $stmt{$no}{rewritten_rel}"
		  if $stmt{$no}{rewritten} && !$claimed_rewrite{$no} && $case->{expect} eq 'unsafe';
	}
}

is(join("\n", @broken), '', 'every case sets up, traces and lints without error');

diag(sprintf('trace corpus: %d cases traced; %d claims checked, %d agree with the measurement, %d disagree',
	$cases_traced, $claims_checked, $claims_agree, scalar @disagree));
diag("unmeasured: $_: $unmeasured{$_}") foreach sort keys %unmeasured;
diag("measured rewrite no finding claims (unsafe case, found by another rule): $_") foreach @unclaimed_rewrites;

my (@new, %still);
foreach my $d (@disagree)
{
	my ($key, $measured) = @$d;
	diag("disagreement: $key -- measured: $measured");
	if (exists $known{$key} && $known{$key} eq $measured) { $still{$key} = 1; }
	else { push @new, "$key -- measured: $measured"; }
}
is(join("\n", @new), '', 'no claim disagrees with the measurement beyond the known disagreements');
SKIP:
{
	skip 'SCHEMAMIG_CORPUS_FILTER runs part of the corpus', 2 if $ENV{SCHEMAMIG_CORPUS_FILTER};
	is(join("\n", grep { !$still{$_} } sort keys %known), '',
		'every known disagreement still happens, as measured (else update the list)');
	cmp_ok($claims_checked, '>', 100, 'the corpus makes claims that are checked');
}

$node->stop;
done_testing();
