# 805_flyway_repeatable.pl — Flyway's repeatable migrations (R__{description}.sql)
# through the client: migrate applies them after the versioned ones, again
# only when their file changed; status and validate show their state;
# rollbacks pass them by; lint --dir lints them; one that needs the worker
# is refused; adopt --from flyway takes over the ones Flyway applied as the
# files stand.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigCLI;

use Compress::Zlib qw(crc32);
use PostgreSQL::Test::Utils;
use Test::More;

my $node = cli_node('repeatable');
$node->safe_psql('postgres', "CREATE DATABASE $_; ") for qw(adopt);
$node->safe_psql('adopt', 'CREATE EXTENSION schemamig');
$node->safe_psql('postgres', "ALTER DATABASE adopt SET schemamig.lint = off");
my ($code, $out, $err);

# the applied events since the last call: what each migrate ran, in order
my $last_event = 0;
sub applied_events
{
	my ($db) = @_;
	my $events = $node->safe_psql($db || 'postgres',
		"SELECT coalesce(string_agg(version, ' ' ORDER BY id), '') FROM schemamig.events "
		  . "WHERE event = 'applied' AND id > $last_event");
	$last_event = $node->safe_psql($db || 'postgres', 'SELECT coalesce(max(id), 0) FROM schemamig.events');
	return $events;
}

sub states
{
	my ($db) = @_;
	return $node->safe_psql($db || 'postgres',
		"SELECT string_agg(version || '=' || state, ' ' ORDER BY schemamig.version_sort_key(version)) FROM schemamig.status()");
}

my $views_v1 = "CREATE OR REPLACE VIEW item_ids AS SELECT id FROM items;\n";
my $views_v2 = "CREATE OR REPLACE VIEW item_ids AS SELECT id FROM items WHERE id > 1;\n";
my $dir = folder_of(
	'V1__items.sql'  => "CREATE TABLE items (id int PRIMARY KEY);\n",
	'V2__fill.sql'   => "INSERT INTO items VALUES (1), (2);\n",
	# "a count" sorts before "views": Flyway orders repeatables by description
	'R__views.sql'   => $views_v1,
	'R__a_count.sql' => "CREATE OR REPLACE VIEW item_count AS SELECT count(*) AS n FROM items;\n");

($code, $out, $err) = cli('migrate', '--dir', $dir);
is($code, 0, 'migrate applies a Flyway folder with repeatable migrations') or diag($err);
is(applied_events(), '1 2 R__a_count R__views', 'V1, V2, then the repeatables by description');
is(states(), '1=applied 2=applied R__a_count=applied R__views=applied', 'status: all applied');
is($node->safe_psql('postgres', 'SELECT string_agg(id::text, \',\' ORDER BY id) FROM item_ids'), '1,2', 'the view is there');
is($node->safe_psql('postgres', "SELECT description || ':' || repeatable FROM schemamig.migrations WHERE version = 'R__a_count'"),
	'a count:true', 'registered as repeatable, with Flyway\'s description');

($code, $out, $err) = cli('migrate', '--dir', $dir);
is($code, 0, 'migrate again exits 0');
is(applied_events(), '', 'migrate again applies nothing');

# the file of a repeatable changes: status and validate say so; migrate applies only it
write_file("$dir/R__views.sql", $views_v2);
($code, $out, $err) = cli('status', '--dir', $dir);
like($out, qr/^R__views\s+applied .*\[file differs: migrate applies it again\]/m, 'status --dir: the file differs, migrate applies it again');
($code, $out, $err) = cli('validate', '--dir', $dir);
is($code, 0, 'validate --dir: a changed repeatable file is no problem');
like($out, qr{R__views: \S*R__views\.sql changed: the next migrate applies it again}, 'validate --dir says migrate applies it again');
($code, $out, $err) = cli('migrate', '--dir', $dir);
is($code, 0, 'migrate after the change exits 0') or diag($err);
is(applied_events(), 'R__views', 'only the changed repeatable is applied again');
is($node->safe_psql('postgres', 'SELECT string_agg(id::text, \',\' ORDER BY id) FROM item_ids'), '2', 'its new text ran');
is($node->safe_psql('postgres', "SELECT a.checksum = m.checksum FROM schemamig.applied a JOIN schemamig.migrations m USING (version) WHERE version = 'R__views'"),
	't', 'the history row holds the new checksum');

# registered but not yet applied: "outdated" in status and validate
$node->safe_psql('postgres', "SELECT schemamig.register_repeatable('R__views', \$\$$views_v1\$\$)");
($code, $out, $err) = cli('status');
like($out, qr/^R__views\s+outdated\s/m, 'status: a changed, registered repeatable is outdated');
($code, $out, $err) = cli('validate');
is($code, 0, 'validate: an outdated repeatable is no problem');
like($out, qr/^R__views: outdated: repeatable migration changed since it was applied/m, 'validate lists it as outdated');
($code, my $doc, $err) = cli_json('validate');
is_deeply($doc->{outdated}, ['R__views'], 'validate --json lists it under "outdated"');
($code, $out, $err) = cli('migrate', '--dir', $dir);
is(applied_events(), '', 'the folder\'s text, registered again, is the applied one: nothing runs');
is(states(), '1=applied 2=applied R__a_count=applied R__views=applied', 'status: applied again');

# a new versioned migration: applied alone, not the unchanged repeatables;
# a changed repeatable with it: after it
write_file("$dir/V3__more.sql", "INSERT INTO items VALUES (3);\n");
($code, $out, $err) = cli('migrate', '--dir', $dir);
is($code, 0, 'migrate with a new V3 exits 0') or diag($err);
is(applied_events(), '3', 'only V3 is applied');
write_file("$dir/V4__more.sql", "INSERT INTO items VALUES (4);\n");
write_file("$dir/U4__more.sql", "DELETE FROM items WHERE id = 4;\n");
write_file("$dir/R__a_count.sql", "CREATE OR REPLACE VIEW item_count AS SELECT count(*) AS n, max(id) AS top FROM items;\n");
($code, $out, $err) = cli('migrate', '--dir', $dir);
is(applied_events(), '4 R__a_count', 'V4, then the changed repeatable');
is(states(), '1=applied 2=applied 3=applied 4=applied R__a_count=applied R__views=applied', 'status: all applied');

# rollbacks pass repeatables by
($code, $out, $err) = cli('rollback', '--steps', '1', '--dir', $dir);
is($code, 0, 'rollback --steps 1 exits 0') or diag($err);
is(states(), '1=applied 2=applied 3=applied 4=pending R__a_count=applied R__views=applied', 'the newest versioned one is rolled back, not a repeatable');

# lint --dir lints the repeatable files with the others
my $lintdir = folder_of('V1__t.sql' => "CREATE TABLE t (id int);\n", 'R__drop.sql' => "DROP TABLE items;\n");
($code, $out, $err) = cli('lint', '--dir', $lintdir);
is($code, 1, 'lint --dir: a finding in a repeatable file fails');
like($out . $err, qr{R__drop\.sql.*ban-drop-table}s, 'naming the repeatable file and the rule');

# a repeatable that needs the worker is refused, and nothing is applied
my $conc = folder_of('V1__t.sql' => "CREATE TABLE conc (id int);\n",
	'R__index.sql' => "CREATE INDEX CONCURRENTLY conc_id ON conc (id);\n");
($code, $out, $err) = cli('migrate', '--dir', $conc, '--db', $node->connstr('adopt'));
is($code, 1, 'a repeatable with CREATE INDEX CONCURRENTLY exits 1');
like($err, qr/repeatable migration "R__index" cannot run inside a transaction block/, 'with a clear error');
is($node->safe_psql('adopt', 'SELECT count(*) FROM schemamig.migrations'), '0', 'nothing was registered');

# adopt --from flyway: repeatable rows (version NULL, type SQL) as Flyway last applied them
sub flyway_crc
{
	my ($text) = @_;
	$text =~ s/[\r\n]//g;
	my $crc = crc32($text);
	return $crc >= 2**31 ? $crc - 2**32 : $crc;
}
my %adopt_files = (
	'V1__items.sql'  => "CREATE TABLE items (id int PRIMARY KEY);\n",
	'R__views.sql'   => $views_v1,
	'R__a_count.sql' => "CREATE OR REPLACE VIEW item_count AS SELECT count(*) AS n FROM items;\n");
my $adopt_dir = folder_of(%adopt_files);
my $old_count = "CREATE OR REPLACE VIEW item_count AS SELECT (-1)::bigint AS n;\n";
$node->safe_psql('adopt', $adopt_files{'V1__items.sql'} . $views_v1 . $old_count);
my $history = sprintf(<<'SQL', flyway_crc($adopt_files{'V1__items.sql'}), flyway_crc($views_v1), flyway_crc($old_count));
CREATE TABLE "flyway_schema_history" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
INSERT INTO flyway_schema_history VALUES
  (1, NULL, '<< Flyway Schema Creation >>', 'SCHEMA', '"public"', NULL, 'me', '2024-03-01 11:00', 0, true),
  (2, '1', 'items', 'SQL', 'V1__items.sql', %d, 'me', '2024-03-01 12:00', 5, true),
  (3, NULL, 'views', 'SQL', 'R__views.sql', 1, 'me', '2024-03-01 12:01', 5, true),
  (4, NULL, 'views', 'SQL', 'R__views.sql', %d, 'me', '2024-03-02 12:01', 5, true),
  (5, NULL, 'a count', 'SQL', 'R__a_count.sql', %d, 'me', '2024-03-01 12:02', 5, true);
SQL
$node->safe_psql('adopt', $history);

# a failed last application of a repeatable is refused, changing nothing
$node->safe_psql('adopt', "INSERT INTO flyway_schema_history VALUES (6, NULL, 'views', 'SQL', 'R__views.sql', 7, 'me', now(), 5, false)");
($code, $out, $err) = cli('adopt', '--from', 'flyway', '--dir', $adopt_dir, '--db', $node->connstr('adopt'));
is($code, 1, 'adopt: a failed repeatable row refuses the adoption');
like($err, qr/flyway_schema_history: repeatable migration "views" failed/, 'naming it');
is($node->safe_psql('adopt', 'SELECT count(*) FROM schemamig.migrations'), '0', 'nothing was registered');
$node->safe_psql('adopt', "DELETE FROM flyway_schema_history WHERE installed_rank = 6");

($code, $out, $err) = cli('adopt', '--from', 'flyway', '--dir', $adopt_dir, '--db', $node->connstr('adopt'));
is($code, 0, 'adopt --from flyway with repeatable rows exits 0') or diag($err);
like($out, qr/^adopted\s+R__views$/m, 'the repeatable whose file Flyway last applied is adopted');
unlike($out, qr/^adopted\s+R__a_count$/m, 'the one changed since is not');
like($err, qr/R__a_count\.sql: changed since flyway last applied it .*not adopted; migrate applies it again/,
	'and the client says why, and what comes next');
is($node->safe_psql('adopt', "SELECT applied_at = '2024-03-02 12:01' FROM schemamig.applied WHERE version = 'R__views'"),
	't', 'applied_at is the last application\'s installed_on');
is(states('adopt'), '1=applied R__a_count=pending R__views=applied', 'status after adopt');
$last_event = $node->safe_psql('adopt', 'SELECT coalesce(max(id), 0) FROM schemamig.events');
($code, $out, $err) = cli('migrate', '--dir', $adopt_dir, '--db', $node->connstr('adopt'));
is($code, 0, 'migrate after adopt exits 0') or diag($err);
is(applied_events('adopt'), 'R__a_count', 'migrate applies only the repeatable Flyway had not applied as it stands');
is($node->safe_psql('adopt', 'SELECT n FROM item_count'), '0', 'its file\'s text ran');

done_testing();
