# test/perl/SchemamigCorpus.pm — the linter's migration corpus
# (test/lint_corpus/<rule>/<name>.sql) for the tests that run it:
# 310_lint_corpus.pl (lint() verdicts), 770_version_verdicts.pl (verdicts
# against what the server measurably does) and 840_trace_corpus.pl (the
# rules' lock, scan and rewrite claims against trace()).
#
# A case file:
#
#   -- expect: unsafe|safe
#   -- rules: rule-id, rule-id      (or: -- rules: none)
#   -- reason: one line
#   -- versions: 18-           optional: the PostgreSQL major versions the
#                              case applies to (18-, 15-17, -17, 17); the
#                              verdict or the syntax differs elsewhere
#   -- measure: TABLE          optional: the pre-existing table whose
#                              rewrite, scan and lock 770 measures
#   -- setup:
#   <SQL run first with the hook off: the pre-existing schema and data>
#   -- migration:
#   <SQL given to schemamig.lint()>
#
# SCHEMAMIG_CORPUS_FILTER=regexp limits corpus_files() to matching paths.

package SchemamigCorpus;

use strict;
use warnings;

use Exporter 'import';
use File::Basename qw(dirname);
use File::Find;
use File::Spec;

our @EXPORT = qw(corpus_dir corpus_files parse_case case_applies);

sub corpus_dir
{
	return File::Spec->rel2abs(dirname(__FILE__) . '/../lint_corpus');
}

# the case files (of DIR, default the corpus), sorted, filtered by
# SCHEMAMIG_CORPUS_FILTER
sub corpus_files
{
	my ($dir) = @_;
	my @files;
	find(sub { push @files, $File::Find::name if /\.sql$/ }, $dir // corpus_dir());
	@files = sort @files;
	if (my $filter = $ENV{SCHEMAMIG_CORPUS_FILTER})
	{
		@files = grep { /$filter/ } @files;
	}
	return @files;
}

# { expect, rules, reason, setup, migration } of one case file; dies on a malformed one
sub parse_case
{
	my ($path) = @_;
	open(my $fh, '<', $path) or die "$path: $!";
	my %case = (setup => '', migration => '');
	my $part = 'header';
	while (my $line = <$fh>)
	{
		if ($part eq 'header' && $line =~ /^-- expect:\s*(unsafe|safe)\s*$/)
		{
			$case{expect} = $1;
		}
		elsif ($part eq 'header' && $line =~ /^-- rules:\s*(.*?)\s*$/)
		{
			$case{rules} = $1 eq 'none' ? [] : [ sort split /\s*,\s*/, $1 ];
		}
		elsif ($part eq 'header' && $line =~ /^-- reason:\s*(.*?)\s*$/)
		{
			$case{reason} = $1;
		}
		elsif ($part eq 'header' && $line =~ /^-- versions:\s*((\d*)(-?)(\d*))\s*$/)
		{
			$case{versions} = $1;
			$case{from} = $2 eq '' ? 0 : $2;
			$case{to} = $3 eq '' ? $2 : ($4 eq '' ? 999 : $4);
		}
		elsif ($part eq 'header' && $line =~ /^-- measure:\s*(\w+)\s*$/)
		{
			$case{measure} = $1;
		}
		elsif ($line =~ /^-- setup:\s*$/ && $part eq 'header')
		{
			$part = 'setup';
		}
		elsif ($line =~ /^-- migration:\s*$/ && $part ne 'migration')
		{
			$part = 'migration';
		}
		elsif ($part ne 'header')
		{
			$case{$part} .= $line;
		}
	}
	close $fh;
	die "$path: no '-- expect: unsafe|safe' line" unless $case{expect};
	die "$path: no '-- reason:' line" unless defined $case{reason};
	die "$path: no '-- rules: id, ...|none' line" unless $case{rules};
	die "$path: empty migration" unless $case{migration} =~ /\S/;
	return \%case;
}

# does the case apply to this major version?  (undef: yes; else why not)
sub case_applies
{
	my ($case, $major) = @_;
	return undef unless defined $case->{versions};
	return undef if $major >= $case->{from} && $major <= $case->{to};
	my $range = $case->{to} == 999 ? "$case->{from} and later"
	  : $case->{from} == 0 ? "up to $case->{to}"
	  : $case->{from} == $case->{to} ? $case->{from}
	  : "$case->{from} to $case->{to}";
	return "the case is for PostgreSQL $range, this server is $major";
}

1;
