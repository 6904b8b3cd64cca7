# 310_lint_corpus.pl — the linter's verdicts over the migration corpus in
# test/lint_corpus/: every case's setup is applied to a fresh database, its
# migration goes through schemamig.lint(), and the verdict (unsafe = at
# least one finding whose severity is not advisory) is compared with the
# case's expected one.  Prints every disagreement, precision and recall
# (unsafe is the positive class), and fails below 0.95 on either.
#
# Each case is also a specification: its "-- rules:" header names exactly
# the rules lint() reports for it (every severity), and the test fails on
# any case where they differ, printing the rules expected and found, and
# precision/recall over (case, rule) pairs as a diagnostic.
# The case format is in test/perl/SchemamigCorpus.pm; a case for other
# PostgreSQL versions is skipped, and the skip printed with its reason.
#
# SCHEMAMIG_CORPUS_FILTER=regexp limits the run to matching case paths.
use strict;
use warnings;
use File::Spec;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCorpus;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $corpus = corpus_dir();
my @files = corpus_files();
plan skip_all => 'no corpus cases' unless @files;

# the directory names a rule, or a group of safe look-alikes
sub lint_rule_known { return $_[0] ne 'safe-statements'; }

my $node = PostgreSQL::Test::Cluster->new('lint_corpus');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'schemamig'\n");
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE corpus_template');
$node->safe_psql('corpus_template', 'CREATE EXTENSION schemamig');
my $major = int($node->safe_psql('postgres', 'SHOW server_version_num') / 10000);

my ($tp, $fp, $tn, $fn) = (0, 0, 0, 0);
my ($rule_tp, $rule_fp, $rule_fn) = (0, 0, 0);
my @rules_differ;
my %per_rule;
my @broken;
my $previous;
my $n = 0;

foreach my $path (@files)
{
	my $case = parse_case($path);
	my $name = File::Spec->abs2rel($path, $corpus);
	my ($rule) = $name =~ m{^([^/]+)/};
	if (my $why = case_applies($case, $major))
	{
		diag("skip $name: $why");
		next;
	}
	my $db = 'corpus_case_' . ++$n;

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

	my $tag = '$lint_corpus$';
	die "$name: migration contains $tag" if index($case->{migration}, $tag) >= 0;
	($ret, $out, $err) = $node->psql($db,
		"SELECT coalesce(string_agg(rule || ':' || severity, ' ' ORDER BY statement_no, rule), '') "
		  . "FROM schemamig.lint($tag$case->{migration}$tag)",
		on_error_stop => 1);
	if ($ret != 0)
	{
		push @broken, "$name: lint() failed: $err";
		next;
	}
	my @findings = split ' ', $out;
	my @safety = grep { !/:advisory$/ } @findings;
	my %found = map { (split /:/)[0] => 1 } @findings;
	my %expected = map { $_ => 1 } @{ $case->{rules} };

	$rule_tp += grep { $found{$_} } keys %expected;
	$rule_fn += grep { !$found{$_} } keys %expected;
	$rule_fp += grep { !$expected{$_} } keys %found;
	if (join(', ', sort keys %found) ne join(', ', sort keys %expected))
	{
		push @rules_differ, sprintf("%s: rules: %s, lint() found: %s", $name,
			join(', ', sort keys %expected) || 'none', join(', ', sort keys %found) || 'none');
	}
	my $got = @safety ? 'unsafe' : 'safe';

	$per_rule{$rule}{ $case->{expect} }++;
	if ($case->{expect} eq 'unsafe')
	{
		$got eq 'unsafe' ? $tp++ : $fn++;
	}
	else
	{
		$got eq 'safe' ? $tn++ : $fp++;
	}
	if ($got eq 'unsafe' && $case->{expect} eq 'unsafe'
		&& lint_rule_known($rule) && !grep { /^\Q$rule\E:/ } @safety)
	{
		note("$name: unsafe, but found by " . join(' ', @safety) . " rather than $rule");
	}
	if ($got ne $case->{expect})
	{
		$per_rule{$rule}{wrong}++;
		diag(sprintf("%s: expected %s, got %s (%s) -- %s",
			$name, $case->{expect}, $got, (@findings ? join(' ', @findings) : 'no findings'),
			$case->{reason}));
	}
}

is(join("\n", @broken), '', 'every case sets up and lints without error');
is(join("\n", @rules_differ), '', 'every case reports exactly the rules its "-- rules:" header names');
diag(sprintf("rules: TP %d FP %d FN %d over (case, rule) pairs; precision %.3f recall %.3f",
	$rule_tp, $rule_fp, $rule_fn,
	($rule_tp + $rule_fp) ? $rule_tp / ($rule_tp + $rule_fp) : 1,
	($rule_tp + $rule_fn) ? $rule_tp / ($rule_tp + $rule_fn) : 1));

my $precision = ($tp + $fp) ? $tp / ($tp + $fp) : 1;
my $recall = ($tp + $fn) ? $tp / ($tp + $fn) : 1;
diag(sprintf("corpus: %d cases (%d unsafe, %d safe): TP %d FP %d FN %d TN %d; precision %.3f recall %.3f",
	$tp + $fp + $tn + $fn, $tp + $fn, $tn + $fp, $tp, $fp, $fn, $tn, $precision, $recall));
foreach my $rule (sort keys %per_rule)
{
	note(sprintf("  %-46s %3d unsafe %3d safe %3d wrong", $rule,
		$per_rule{$rule}{unsafe} // 0, $per_rule{$rule}{safe} // 0, $per_rule{$rule}{wrong} // 0));
}

cmp_ok($precision, '>=', 0.95, 'precision (unsafe verdicts that are right) is at least 0.95');
cmp_ok($recall, '>=', 0.95, 'recall (unsafe cases found) is at least 0.95');

$node->stop;
done_testing();
