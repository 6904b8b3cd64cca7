# 001_metadata.pl — the package's metadata agrees with itself, and doc/
# documents every SQL function, GUC and SQLSTATE the sources define.
use strict;
use warnings;
use JSON::PP;
use Test::More;

sub slurp
{
	my ($path) = @_;
	open(my $fh, '<', $path) or die "cannot read $path: $!";
	local $/;
	return <$fh>;
}

my $control = slurp('schemamig.control');
my ($default_version) = $control =~ /^default_version\s*=\s*'([^']+)'/m;
ok(defined $default_version, 'control file has a default_version');

my $meta = decode_json(slurp('META.json'));
is($meta->{version}, $default_version, 'META.json version matches the control file');
is($meta->{provides}{schemamig}{version}, $default_version, 'META.json provides the same version');
is($meta->{'meta-spec'}{version}, '1.0.0', 'META.json follows PGXN meta-spec 1.0.0');
# CREATE EXTENSION reaches default_version: its own install script, or an
# install script followed by a chain of update scripts
{
	my %reached = map { m{sql/schemamig--([^-]+)\.sql$} ? ($1 => 1) : () } glob('sql/schemamig--*.sql');
	my @updates = map { m{sql/schemamig--([^-]+)--([^-]+)\.sql$} ? ([ $1, $2 ]) : () } glob('sql/schemamig--*--*.sql');
	my $grew = 1;
	while ($grew)
	{
		$grew = 0;
		for my $u (@updates)
		{
			next if !$reached{ $u->[0] } || $reached{ $u->[1] };
			$reached{ $u->[1] } = 1;
			$grew = 1;
		}
	}
	ok($reached{$default_version}, "an install script and update chain reach $default_version");
}

my $docs = join("\n", map { slurp($_) } glob('doc/*.md'));
my $sql = join("\n", map { slurp($_) } glob('sql/schemamig--*.sql'));
my $src = join("\n", map { slurp($_) } glob('src/*.c src/*.h'));

my %functions = map { $_ => 1 } $sql =~ /CREATE (?:OR REPLACE )?(?:FUNCTION|PROCEDURE) schemamig\.(\w+)\(/g;
ok(scalar(keys %functions) >= 10, 'found the SQL API in the install script');
for my $f (sort keys %functions)
{
	ok($docs =~ /schemamig\.\Q$f\E\(/, "doc/ documents schemamig.$f()");
}

my %gucs = map { $_ => 1 } $src =~ /DefineCustom\w+Variable\(\s*"(schemamig\.\w+)"/g;
ok(scalar(keys %gucs) >= 5, 'found the GUCs in the sources');
for my $g (sort keys %gucs)
{
	ok($docs =~ /`\Q$g\E`/, "doc/ documents $g");
}

# SQLSTATEs: PostgreSQL's names from errcodes.h, ours from schemamig.h
my $includedir = `pg_config --includedir-server`;
chomp $includedir;
my $errcodes = slurp("$includedir/utils/errcodes.h") . "\n" . $src;
my %code_of;
while ($errcodes =~ /#define\s+(ERRCODE_\w+)\s+MAKE_SQLSTATE\('(.)',\s*'(.)',\s*'(.)',\s*'(.)',\s*'(.)'\)/g)
{
	$code_of{$1} = "$2$3$4$5$6";
}
my %used = map { $_ => 1 } $src =~ /errcode\((ERRCODE_\w+)\)/g;
ok(scalar(keys %used) >= 10, 'found the error codes the sources raise');
for my $name (sort keys %used)
{
	my $code = $code_of{$name};
	ok(defined $code, "$name is a known SQLSTATE");
	ok($docs =~ /`\Q$code\E`/, "doc/ documents SQLSTATE $code ($name)") if defined $code;
}

done_testing();
