# test/perl/SchemamigCorpus.pm — the linter corpus (test/lint_corpus/) for
# the TAP tests that read it (310_lint_corpus.pl: verdicts; 770_version_
# verdicts.pl: verdicts against what the server measurably does).
#
# A case file (test/lint_corpus/<rule>/<name>.sql):
#
#   -- expect: unsafe|safe
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
package SchemamigCorpus;

use strict;
use warnings;

use Exporter 'import';
use File::Find;

our @EXPORT = qw(corpus_files parse_case case_applies);

# every case file under the corpus directory, sorted
sub corpus_files
{
	my ($corpus) = @_;
	my @files;
	find(sub { push @files, $File::Find::name if /\.sql$/ }, $corpus);
	return sort @files;
}

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
