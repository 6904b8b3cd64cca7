# 731_recovery_keeps_data.pl — automatic recovery never destroys data.
#
# The case seen: a worker migration adds a column, then a unique CREATE
# INDEX CONCURRENTLY fails on duplicates; meanwhile the application wrote
# 'important customer data' into 500 rows of the new column.  With
# schemamig.auto_recover on (the default), the worker used to run the down
# script on its own, dropping the column and the 500 values.  Now it holds
# the recovery back: the column and its values survive, the migration
# stays dirty, a recovery_held event and validate() say why and name the
# ways out; migrate() refuses to recover it; a person's recover() still
# runs the down script.  A down script that only drops an empty column is
# still run automatically, and a failed CONCURRENTLY build whose only
# trace is its INVALID index is still cleaned up.  Down scripts that
# narrow a column's type without USING, TRUNCATE ... CASCADE, DELETE inside
# WITH, or INSERT ... ON CONFLICT DO UPDATE are held back too; so are
# down scripts running code the guard cannot see into (a user function
# called directly, through a view, CREATE TABLE AS, COPY or an index
# expression, COPY ... PROGRAM, a trigger on the table inserted into, DO),
# a table or column renamed and then dropped, ALTER TYPE ... CASCADE,
# DROP TABLE ... CASCADE taking a column of its row type with data, a view
# found through the search_path the script set, DROP DATABASE, a user
# operator in an index expression or a CHECK; one calling
# only harmless built-ins still recovers on its own.  A recovery migrate()
# queued for the worker is checked again when the worker runs it.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigWorker;

use PostgreSQL::Test::Utils;
use Test::More;

# the gate below holds the build for as long as the test needs: no lock
# timeout in the migrations
my $node = worker_node('recovery_keeps_data', conf => "schemamig.lock_timeout = 0\n");
my $worker = wait_for_worker($node);

sub sql { return $node->safe_psql('postgres', $_[0]); }

sql('CREATE TABLE ot2 (id int PRIMARY KEY, cat int); INSERT INTO ot2 SELECT g, g % 10 FROM generate_series(1, 1000) g');
sql('CREATE TABLE gate (id int)');

# A writer in gate holds the migration at its statement 2 (a CONCURRENTLY
# build waits for the writers of its table), after statement 1 added the
# column: the application writes while the migration runs.
my $gate = $node->background_psql('postgres');
$gate->query_safe('BEGIN; INSERT INTO gate VALUES (1);');
my $job = queue_job($node, '1',
	"ALTER TABLE ot2 ADD COLUMN flag text;\n"
	  . "CREATE INDEX CONCURRENTLY gate_id ON gate (id);\n"
	  . "CREATE UNIQUE INDEX CONCURRENTLY ot2_cat_key ON ot2 (cat);",
	"DROP INDEX CONCURRENTLY IF EXISTS ot2_cat_key;\n"
	  . "DROP INDEX CONCURRENTLY IF EXISTS gate_id;\n"
	  . "ALTER TABLE ot2 DROP COLUMN IF EXISTS flag;");
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE pid = $worker AND wait_event_type = 'Lock' AND query LIKE '%gate_id%'")
  or die 'the migration did not reach its statement 2';
sql("UPDATE ot2 SET flag = 'important customer data' WHERE id <= 500");
$gate->query_safe('COMMIT');

is(wait_for_job_status($node, $job, 'done', 'failed'), 'failed', 'the unique build fails on the duplicates');
is(job_field($node, $job, 'sqlstate'), '23505', 'with 23505');
$node->poll_query_until('postgres', "SELECT count(*) = 1 FROM schemamig.events WHERE version = '1' AND event = 'recovery_held'")
  or die 'no recovery_held event';
wait_for_worker_loops($node, $worker);

is(sql("SELECT count(*) FROM ot2 WHERE flag = 'important customer data'"), '500',
	'the column and its 500 values survive');
is(sql("SELECT state FROM schemamig.status() WHERE version = '1'"), 'dirty', 'the migration stays dirty');
is(sql("SELECT count(*) FROM schemamig.events WHERE version = '1' AND event = 'recovered'"), '0', 'nothing was recovered');
like(sql("SELECT message FROM schemamig.events WHERE version = '1' AND event = 'recovery_held'"),
	qr/^automatic recovery held back: its down script would destroy data \(statement 3 \(line 3\): it drops column public\.ot2\.flag, which holds data\); migration 1 stays dirty: .*schemamig\.recover\('1'\).*schemamig\.repair\('1'\)/,
	'the recovery_held event says which statement would drop which column, and the ways out');
like(sql("SELECT problem FROM schemamig.validate() WHERE version = '1'"),
	qr/^dirty: stopped part-way, at statement 2; automatic recovery held back: .*column public\.ot2\.flag, which holds data.*schemamig\.recover\('1'\).*schemamig\.repair\('1'\)/,
	'validate() says why it stays dirty and the ways out');
is(sql("SELECT count(*) FROM pg_index WHERE NOT indisvalid"), '0', 'the failed build left no INVALID index');

# migrate(), with auto_recover on, does not recover it either
my ($ret, $out, $err) = $node->psql('postgres', 'SELECT * FROM schemamig.migrate()');
isnt($ret, 0, 'migrate() refuses to recover it');
like($err, qr/ERROR:  migration "1" is dirty, and its automatic recovery would destroy data/, 'and says why');
like($err, qr/HINT:  .*schemamig\.recover\('1'\).*schemamig\.repair\('1'\)/s, 'with the ways out');
is(sql("SELECT count(*) FROM ot2 WHERE flag = 'important customer data'"), '500', 'the values are still there');

# a person asks for the recovery: today's semantics, the down script runs
($ret, $out, $err) = $node->psql('postgres', "SELECT * FROM schemamig.recover('1')");
like($err, qr/schemamig\.enqueue\('1', 'down'\)/, 'recover() sends a down script that needs the worker to the worker');
$job = sql("SELECT schemamig.enqueue('1', 'down')");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'done', 'the recovery a person queued runs');
is(sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'ot2' AND column_name = 'flag'"), '0',
	'and its down script dropped the column, as asked');
is(sql("SELECT count(*) FROM schemamig.applied WHERE version = '1'"), '0', 'the migration is no longer applied');

# ---- a down script that drops only an empty column still runs on its own ----

$gate->query_safe('BEGIN; INSERT INTO gate VALUES (2);');
$job = queue_job($node, '2',
	"ALTER TABLE ot2 ADD COLUMN spare text;\n"
	  . "CREATE INDEX CONCURRENTLY gate_id2 ON gate (id);\n"
	  . "CREATE UNIQUE INDEX CONCURRENTLY ot2_cat_key2 ON ot2 (cat);",
	"DROP INDEX CONCURRENTLY IF EXISTS ot2_cat_key2;\n"
	  . "DROP INDEX CONCURRENTLY IF EXISTS gate_id2;\n"
	  . "ALTER TABLE ot2 DROP COLUMN IF EXISTS spare;");
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE pid = $worker AND wait_event_type = 'Lock' AND query LIKE '%gate_id2%'")
  or die 'the migration did not reach its statement 2';
$gate->query_safe('COMMIT');
is(wait_for_job_status($node, $job, 'done', 'failed'), 'failed', 'the second migration fails on the duplicates too');
$node->poll_query_until('postgres', "SELECT NOT EXISTS (SELECT FROM schemamig.applied WHERE version = '2')")
  or die 'migration 2 was not recovered';
is(sql("SELECT count(*) FROM schemamig.events WHERE version = '2' AND event = 'recovered'"), '1',
	'an empty column: the worker recovered it on its own');
is(sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'ot2' AND column_name = 'spare'"), '0',
	'and the column is gone');

# ---- a failed build whose only trace is its INVALID index ----

$job = queue_job($node, '3', 'CREATE UNIQUE INDEX CONCURRENTLY ot2_cat_key3 ON ot2 (cat);',
	'DROP INDEX CONCURRENTLY IF EXISTS ot2_cat_key3;');
is(wait_for_job_status($node, $job, 'done', 'failed'), 'failed', 'a lone unique build fails on the duplicates');
is(sql("SELECT count(*) FROM pg_index WHERE NOT indisvalid"), '0', 'its INVALID index is cleaned up');
is(sql("SELECT state FROM schemamig.status() WHERE version = '3'"), 'pending',
	'and, nothing of it having taken effect, the migration is pending');

# ---- down scripts that change or remove rows in other ways ----
# each migration builds an index (it takes effect) and then fails, so it is
# dirty and the worker would recover it on its own with its down script;
# data the application wrote must survive each
sql(q{CREATE TABLE nums (id int PRIMARY KEY, n numeric(10,4));
	INSERT INTO nums VALUES (1, 1.2345);
	CREATE TABLE parent (id int PRIMARY KEY);
	CREATE TABLE child (id int, parent_id int REFERENCES parent);
	INSERT INTO child VALUES (1, NULL);
	CREATE TABLE notes (id int PRIMARY KEY, v text);
	INSERT INTO notes VALUES (1, 'written by the application');
	CREATE TABLE prefs (id int PRIMARY KEY, v text);
	INSERT INTO prefs VALUES (1, 'chosen by a user');
	CREATE TABLE wide (id int PRIMARY KEY, v varchar(10));
	INSERT INTO wide VALUES (1, 'kept')});
my %down = (
	'11' => [ 'nums', 'ALTER TABLE nums ALTER COLUMN n TYPE numeric(10,1);',
		qr/it changes the type \(which may round or cut values\) of column public\.nums\.n, which holds data/ ],
	'12' => [ 'child', 'TRUNCATE parent CASCADE;', qr/it empties with CASCADE/ ],
	'13' => [ 'notes', 'WITH gone AS (DELETE FROM notes RETURNING id) SELECT count(*) FROM gone;',
		qr/it changes rows \(a DELETE, UPDATE or MERGE in WITH/ ],
	'14' => [ 'prefs', "INSERT INTO prefs VALUES (1, 'default') ON CONFLICT (id) DO UPDATE SET v = excluded.v;",
		qr/ON CONFLICT DO UPDATE/ ]);
# queue migration $v: it builds an index on $table, then fails; the worker
# must hold back the recovery with down script $script, saying $why
sub held_back
{
	my ($v, $table, $script, $why) = @_;
	my $job = queue_job($node, $v, "CREATE INDEX CONCURRENTLY guard_$v ON $table (id);\nSELECT 1 / 0;",
		"DROP INDEX CONCURRENTLY IF EXISTS guard_$v;\n$script");
	is(wait_for_job_status($node, $job, 'done', 'failed'), 'failed', "migration $v fails after its build");
	$node->poll_query_until('postgres', "SELECT EXISTS (SELECT FROM schemamig.events WHERE version = '$v' "
		  . "AND event IN ('recovery_held', 'recovered'))")
	  or die "migration $v was neither recovered nor held";
	is(sql("SELECT state FROM schemamig.status() WHERE version = '$v'"), 'dirty',
		"migration $v ($script): the automatic recovery is held back, it stays dirty");
	like(sql("SELECT coalesce(string_agg(message, ' '), '') FROM schemamig.events WHERE version = '$v' AND event = 'recovery_held'"),
		$why, "migration $v: the recovery_held event says why");
}
held_back($_, @{ $down{$_} }) for sort keys %down;
is(sql('SELECT n FROM nums'), '1.2345', 'the numeric value is not rounded');
is(sql('SELECT count(*) FROM child'), '1', 'the referencing table is not emptied');
is(sql('SELECT v FROM notes'), 'written by the application', 'the row is not deleted');
is(sql('SELECT v FROM prefs'), 'chosen by a user', 'the row is not overwritten');

# a type change that keeps every value still recovers on its own
$job = queue_job($node, '15', "CREATE INDEX CONCURRENTLY guard_15 ON wide (id);\nSELECT 1 / 0;",
	"DROP INDEX CONCURRENTLY IF EXISTS guard_15;\nALTER TABLE wide ALTER COLUMN v TYPE text;");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'failed', 'migration 15 fails after its build');
$node->poll_query_until('postgres', "SELECT NOT EXISTS (SELECT FROM schemamig.applied WHERE version = '15')")
  or die 'migration 15 was not recovered';
is(sql("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'wide'::regclass AND attname = 'v'"),
	'text', 'varchar(10) to text keeps every value: recovered automatically');


# ---- down scripts that run code the guard cannot see into ----
# wipe() deletes the application's rows; a down script calling it, in any
# of the ways below, must not run on its own
sql(q{CREATE TABLE keep (id int PRIMARY KEY, v text);
	INSERT INTO keep VALUES (1, 'kept by the application');
	CREATE FUNCTION wipe() RETURNS int LANGUAGE sql AS 'DELETE FROM keep RETURNING 1';
	CREATE VIEW wipe_view AS SELECT wipe() AS n;
	CREATE TABLE audit (id int PRIMARY KEY);
	CREATE FUNCTION audit_wipe() RETURNS trigger LANGUAGE plpgsql AS
	  $$BEGIN DELETE FROM keep; RETURN NEW; END$$;
	CREATE TRIGGER audit_wipe BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION audit_wipe();
	CREATE TABLE keep2 (id int PRIMARY KEY);
	INSERT INTO keep2 VALUES (1);
	CREATE TABLE keep3 (id int PRIMARY KEY, v text);
	INSERT INTO keep3 VALUES (1, 'kept too');
	CREATE TYPE pair AS (id int, secret text);
	CREATE TABLE typed OF pair;
	INSERT INTO typed VALUES (1, 'typed data')});
my %code = (
	'16' => [ 'keep', 'SELECT wipe();', qr/statement 2 \(line 2\): it calls wipe\(\), which is not a built-in function/ ],
	'17' => [ 'keep', 'SELECT n FROM wipe_view;', qr/it calls wipe\(\)/ ],
	'18' => [ 'keep', 'CREATE TABLE wiped AS SELECT wipe() AS n;', qr/it calls wipe\(\)/ ],
	'19' => [ 'keep', "COPY (SELECT wipe()) TO '/dev/null';", qr/it calls wipe\(\)/ ],
	'20' => [ 'keep', "COPY keep TO PROGRAM 'cat > /dev/null';", qr/it runs a program \(COPY \.\.\. PROGRAM\)/ ],
	'21' => [ 'audit', 'INSERT INTO audit VALUES (2);', qr/it inserts into public\.audit, whose trigger audit_wipe runs code/ ],
	'22' => [ 'keep', "DO \$\$BEGIN EXECUTE 'DELETE FROM keep'; END\$\$;", qr/it runs code whose effect on data cannot be told/ ],
	'23' => [ 'keep', "CREATE INDEX keep_wipe ON keep ((id + wipe()));", qr/it calls wipe\(\)/ ],
	'24' => [ 'keep2', "ALTER TABLE keep2 RENAME TO gone2;\nDROP TABLE gone2;",
		qr/statement 3 \(line 3\): it drops table gone2, which does not exist before the script renames or moves objects/ ],
	'25' => [ 'keep3', "ALTER TABLE keep3 RENAME COLUMN v TO old_v;\nALTER TABLE keep3 DROP COLUMN old_v;",
		qr/it drops column old_v of keep3, which does not exist before the script renames or moves objects/ ],
	'26' => [ 'typed', 'ALTER TYPE pair DROP ATTRIBUTE secret CASCADE;', qr/it changes a composite type with CASCADE/ ]);
held_back($_, @{ $code{$_} }) for sort keys %code;
is(sql('SELECT v FROM keep'), 'kept by the application', 'no down script calling wipe() ran: the row is there');
is(sql('SELECT count(*) FROM keep2'), '1', 'the renamed-then-dropped table is there');
is(sql('SELECT v FROM keep3'), 'kept too', 'the renamed-then-dropped column is there');
is(sql('SELECT secret FROM typed'), 'typed data', "the typed table's column is there");

# built-in functions that change no data still recover on its own
$job = queue_job($node, '27', "CREATE INDEX CONCURRENTLY guard_27 ON keep (id);\nSELECT 1 / 0;",
	"DROP INDEX CONCURRENTLY IF EXISTS guard_27;\n"
	  . "SELECT pg_sleep(0.01), now(), set_config('application_name', 'recovering', false);\n"
	  . "SELECT count(*) FROM keep WHERE v LIKE 'kept%';");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'failed', 'migration 27 fails after its build');
$node->poll_query_until('postgres', "SELECT NOT EXISTS (SELECT FROM schemamig.applied WHERE version = '27')")
  or die 'migration 27 was not recovered';
is(sql("SELECT count(*) FROM schemamig.events WHERE version = '27' AND event = 'recovered'"), '1',
	'pg_sleep, now, set_config and a plain SELECT: recovered automatically');

# a row type's columns dropped by CASCADE, a table found through the
# script's own search_path, a database dropped, an operator whose function
# deletes in an index expression and in a CHECK
sql(q{CREATE TABLE shape (id int PRIMARY KEY, x int);
	CREATE TABLE drawing (id int PRIMARY KEY, s shape);
	INSERT INTO drawing VALUES (1, ROW(1, 2));
	CREATE TABLE counts (id int PRIMARY KEY, n int);
	CREATE SCHEMA app2;
	CREATE VIEW app2.counts AS SELECT public.wipe() AS n;
	CREATE FUNCTION wipe_plus(a int, b int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS
	  $$BEGIN PERFORM wipe(); RETURN a + b; END$$;
	CREATE OPERATOR %%% (FUNCTION = wipe_plus, LEFTARG = int, RIGHTARG = int)});
$node->safe_psql('postgres', 'CREATE DATABASE victim');
my %more = (
	'28' => [ 'shape', 'DROP TABLE shape CASCADE;',
		qr/it drops with CASCADE the row type of public\.shape, and with it column public\.drawing\.s, which holds data/ ],
	'29' => [ 'counts', "SET search_path = app2, public;\nSELECT n FROM counts;", qr/statement 3 \(line 3\): it calls wipe\(\)/ ],
	'30' => [ 'counts', 'DROP DATABASE IF EXISTS victim;', qr/it drops a database/ ],
	'31' => [ 'counts', 'CREATE INDEX keep_op ON keep ((id %%% 1));', qr/it calls wipe_plus\(integer,integer\)/ ],
	'32' => [ 'counts', 'ALTER TABLE keep ADD CONSTRAINT keep_positive CHECK (id %%% 0 > 0);', qr/it calls wipe_plus\(integer,integer\)/ ]);
held_back($_, @{ $more{$_} }) for sort keys %more;
is(sql('SELECT (s).x FROM drawing'), '2', 'the column of the row type is there');
is(sql('SELECT v FROM keep'), 'kept by the application',
	'neither the view found through the script\'s search_path nor the operator in an index expression or CHECK ran');
is(sql("SELECT count(*) FROM pg_database WHERE datname = 'victim'"), '1', 'the database is there');

# ---- a recovery migrate() queued for the worker is checked when it runs ----
# migrate() (auto_recover on) checks the down script and, as it needs the
# worker, queues it; while the job waits (here: schemamig.skip holds the
# queue), the application writes into the column the down script drops.
# The worker checks again when it takes the job: held back, the job fails
# with SM002, the values survive.
sql(q{CREATE TABLE ot4 (id int PRIMARY KEY);
	INSERT INTO ot4 SELECT g FROM generate_series(1, 10) g;
	ALTER SYSTEM SET schemamig.auto_recover = off;
	SELECT pg_reload_conf()});
wait_for_worker_loops($node, $worker);
$job = queue_job($node, '40', "ALTER TABLE ot4 ADD COLUMN note text;\nCREATE INDEX CONCURRENTLY guard_40 ON ot4 (id);\nSELECT 1 / 0;",
	"DROP INDEX CONCURRENTLY IF EXISTS guard_40;\nALTER TABLE ot4 DROP COLUMN IF EXISTS note;");
is(wait_for_job_status($node, $job, 'done', 'failed'), 'failed', 'migration 40 fails after its build');
is(sql("SELECT state FROM schemamig.status() WHERE version = '40'"), 'dirty', 'and, auto_recover off, stays dirty');
sql("ALTER SYSTEM SET schemamig.skip = on; SELECT pg_reload_conf()");
wait_for_worker_loops($node, $worker);
is(sql("SET schemamig.skip = off; SET schemamig.auto_recover = on; SELECT result FROM schemamig.migrate()"), 'queued',
	'migrate() queues the recovery: the column is empty, its down script needs the worker');
my $recovery = sql("SELECT max(id) FROM schemamig.jobs WHERE version = '40' AND direction = 'down'");
is(job_field($node, $recovery, 'automatic'), 't', 'the job says it is an automatic recovery');
sql("UPDATE ot4 SET note = 'written while the recovery was queued'");
sql("ALTER SYSTEM RESET schemamig.skip; ALTER SYSTEM RESET schemamig.auto_recover; SELECT pg_reload_conf()");
is(wait_for_job_status($node, $recovery, 'done', 'failed'), 'failed', 'the queued recovery is held back when it runs');
is(job_field($node, $recovery, 'sqlstate'), 'SM002', 'with SM002');
like(job_field($node, $recovery, 'error'), qr/automatic recovery held back: .*column public\.ot4\.note, which holds data.*schemamig\.repair\('40'\)/,
	'its error says why and the ways out');
is(sql("SELECT count(*) FROM ot4 WHERE note IS NOT NULL"), '10', 'the values written while it was queued survive');
is(sql("SELECT state FROM schemamig.status() WHERE version = '40'"), 'dirty', 'the migration stays dirty');

$gate->quit;
$node->stop;
done_testing();
