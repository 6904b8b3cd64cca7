# 530_cli_logging.pl — --log-file JSON lines, secrets redacted in output,
# --json and the log, and progress on a terminal.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCLI;

use IPC::Run;
use JSON::PP;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = cli_node('cli_logging');
my $log  = PostgreSQL::Test::Utils::tempdir() . '/schemamig.log';
my ($code, $out, $err, $doc);

sub log_records
{
	return map { decode_json($_) } split /\n/, slurp_file($log);
}

# a successful run: one record per event, every field present
my $dir = folder_of(
	'0001_a.up.sql'   => "CREATE TABLE a (id int);\n",
	'0001_a.down.sql' => "DROP TABLE a;\n",
	'0002_b.up.sql'   => "CREATE TABLE b (id int);\n");
($code, $out, $err) = cli('migrate', '--dir', $dir, '--log-file', $log);
is($code, 0, 'migrate with --log-file') or diag($err);
my @records = log_records();
ok(@records >= 4, 'start, two migrations and the end are logged');
for my $field (qw(timestamp level message version direction checksum duration_ms))
{
	is(scalar(grep { !exists $_->{$field} } @records), 0, "every record has $field");
}
my ($applied) = grep { ($_->{version} // '') eq '0002' } @records;
is($applied->{direction}, 'up', 'an applied migration is logged with direction up');
like($applied->{checksum}, qr/^[0-9a-f]{64}$/, 'and its checksum');
ok($applied->{duration_ms} >= 0, 'and its duration');
like($applied->{timestamp}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'timestamps are ISO 8601 UTC');

($code, $out, $err) = cli('rollback', '--steps', '1', '--log-file', $log);
is($code, 1, 'rollback of 0002 (no down script) fails');
($code, $out, $err) = cli('migrate', '--dir', folder_of(), '--log-file', $log);
is($code, 0, 'an empty folder is fine');
my $before = scalar(log_records());
($code, $out, $err) = cli('rollback', '--to', '0001', '--log-file', $log);
is($code, 1, 'rollback --to 0001 fails too (0002 has no down)');
ok(scalar(log_records()) > $before, 'the log is appended to, not replaced');
my ($failed) = grep { $_->{level} eq 'error' } log_records();
like($failed->{message}, qr/has no down script/, 'the failure is logged at level error');
is($failed->{version}, '0002', 'with the version it is about');

# secrets in failing statements: never in stderr, --json or the log
$node->safe_psql('postgres', 'CREATE ROLE app');
my %secret_files = (
	'0003_role.up.sql' => "CREATE ROLE app LOGIN PASSWORD 'hunter2secret';\n",
	'0004_uri.up.sql'  => "SELECT 'postgresql://app:uripass77\@db.example/x'::int;\n",
	'0005_key.up.sql'  => "SELECT 'api_key=sk_live_999 token: tok_888'::int;\n",);
for my $file (sort keys %secret_files)
{
	my $secret_dir = folder_of($file => $secret_files{$file});
	($code, $out, $err) = cli('migrate', '--dir', $secret_dir, '--log-file', $log);
	is($code, 1, "$file fails");
	my ($jcode, $jdoc, $jerr) = cli_json('migrate', '--dir', $secret_dir, '--log-file', $log);
	my $everything = $out . $err . encode_json($jdoc) . $jerr . slurp_file($log);
	unlike($everything, qr/hunter2secret|uripass77|sk_live_999|tok_888/, "$file: no secret anywhere");
}
like($err, qr/api_key=\*\*\* token: \*\*\*/, 'secrets are masked, the rest kept');
($code, $out, $err) = cli('migrate', '--dir', folder_of('0003_role.up.sql' => $secret_files{'0003_role.up.sql'}));
like($err, qr/PASSWORD '\*\*\*'/, 'a quoted PASSWORD literal is masked');
like($err, qr/role "app" already exists/, 'while the message stays readable');

# progress on a terminal: a long run is applied in chunks with a counter
my %many = map { (sprintf('%04d_t.up.sql', $_) => "CREATE TABLE t$_ (id int);\n") } 10 .. 34;
my $many_dir = folder_of(%many);
my ($pty_out, $pty_err) = ('', '');
my $ok = eval {
	IPC::Run::run([ 'schemamig', 'migrate', '--dir', $many_dir ],
		'<', \undef, '>', \$pty_out, '2>pty>', \$pty_err);
	1;
};
SKIP:
{
	skip "no pseudo-terminal here: $@", 3 unless $ok;
	is($? >> 8, 0, 'migrate on a terminal exits 0');
	like($pty_err, qr{\[25/25\] 0034 }, 'progress counts up to the number pending');
	is(scalar(() = $pty_out =~ /^applied\s+\d{4}\s+t/mg), 25, 'every migration is still reported');
}

$node->stop;
done_testing();
