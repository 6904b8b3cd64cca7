# 650_fuzz.pl — hostile input: a seeded, bounded fuzz loop feeds lint(),
# register() and apply() random mutations of real migration scripts
# (truncation, stray quotes and dollar quotes, comment and parenthesis
# nesting, NUL-free junk, format specifiers, transaction control), invalid
# UTF-8 in a SQL_ASCII database, and 10 MB scripts.  Every call returns or
# raises a clean ERROR: none fails with an internal error (class XX) or a
# system error (class 58), no backend is terminated by a signal, the server
# never restarts, and the catalogs stay consistent.  The counts per function
# and outcome are printed (diag).
#
# The loops run server-side (DO blocks, each call in its own
# subtransaction, a COMMIT every 50 calls), so 20,000 inputs take seconds,
# not 20,000 psql runs.  SCHEMAMIG_FUZZ_SEED (0 to 1) replays another seed.
#
# apply() runs its mutated scripts for real: it is fed only the examples and
# scripts written below, and runs as a deployer role set up as
# doc/privileges.md shows, so what a mutation can do is bounded by that
# role.  lint() and register(), which execute nothing, are fed every SQL
# file of the repository.  The linter stays on (error): its hooks see every
# statement apply() runs.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use SchemamigReliability;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $seed = $ENV{SCHEMAMIG_FUZZ_SEED} // 0.4242;
my %inputs = (lint_register => 12000, apply => 6000, sql_ascii => 2000);
my $top = "$FindBin::RealBin/../..";

my $node = reliability_node(
	'fuzz', lint => 1, conf => qq{
schemamig.worker_naptime = '200ms'
schemamig.statement_timeout = '5s'
});
my $started = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');
my $log_offset = -s $node->logfile;
diag("fuzz seed $seed");

# the deployer of doc/privileges.md
$node->safe_psql('postgres', q{
	CREATE ROLE fuzz_deployer LOGIN;
	GRANT CREATE ON SCHEMA public TO fuzz_deployer;
	GRANT EXECUTE ON FUNCTION
	    schemamig.register(text, text, text, text),
	    schemamig.apply(text, text, text, text),
	    schemamig.migrate(text),
	    schemamig.rollback(integer),
	    schemamig.rollback_to(text),
	    schemamig.enqueue(text, text)
	  TO fuzz_deployer;
});

# ---- the corpus and the mutator ----

my @apply_scripts = (
	(map { slurp_file($_) } glob("$top/examples/migrations/*.up.sql")),
	q{CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
	NEW.updated_at := now();  -- a comment; with a semicolon
	RETURN NEW;
END
$body$;},
	q{CREATE TABLE notes (id int PRIMARY KEY, body text DEFAULT E'it''s \\n a "note"; -- not a comment');
INSERT INTO notes VALUES (1, $$dollar 'quoted' ; text$$), (2, U&'\0041\0042');
/* a /* nested */ comment */ CREATE INDEX notes_body ON notes (body);},
	q{CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE moods (m mood, at timestamptz DEFAULT now(), CHECK (m <> 'sad'));
COMMENT ON TABLE moods IS 'moods; of ''people''';},
	q{DO $do$ BEGIN EXECUTE format('CREATE TABLE %I (id int)', 'dyn_' || 1); END $do$;
CREATE VIEW v_notes AS SELECT 1 AS one WHERE 'a;b' LIKE '%;%';},
	q{CREATE TABLE idx_target (id int, v text);
CREATE INDEX CONCURRENTLY idx_target_v ON idx_target (v);},
);
my @any_scripts = (@apply_scripts,
	map { slurp_file($_) } (glob("$top/sql/*.sql"), glob("$top/examples/migrations/*.down.sql"),
		glob("$top/test/pgtap/sql/*.sql"), glob("$top/test/isolation/specs/*.spec")));

$node->safe_psql('postgres', 'SET schemamig.lint = off; CREATE SCHEMA fuzz; CREATE TABLE fuzz.corpus (kind text, script text); CREATE TABLE fuzz.results (phase text, fn text, outcome text, n int); CREATE TABLE fuzz.unexpected (phase text, fn text, sqlstate text, message text, input text)');
sub add_corpus
{
	my ($kind, $script) = @_;
	my $tag = 'corpus';
	$tag .= 'x' while $script =~ /\$$tag\$/;
	$node->safe_psql('postgres', "SET schemamig.lint = off; INSERT INTO fuzz.corpus VALUES ('$kind', \$$tag\$$script\$$tag\$)");
}
add_corpus('apply', $_) for @apply_scripts;
add_corpus('any',   $_) for @any_scripts;
cmp_ok($node->safe_psql('postgres', q{SELECT count(*) FROM fuzz.corpus WHERE kind = 'any'}), '>=', 20,
	'the corpus has the repository\'s SQL files');

my $mutator = <<'SQL';
SET schemamig.lint = off;
-- NUL-free junk: ASCII controls and printables, and code points up to U+D7FF
CREATE FUNCTION fuzz.junk(n int) RETURNS text LANGUAGE sql VOLATILE AS $$
	SELECT string_agg(chr(CASE WHEN random() < 0.7 THEN 1 + floor(random() * 126)::int
	                           ELSE 128 + floor(random() * (55295 - 128))::int END), '')
	  FROM generate_series(1, n)
$$;
CREATE FUNCTION fuzz.mutate(src text) RETURNS text LANGUAGE plpgsql VOLATILE AS $f$
DECLARE
	tokens text[] := ARRAY['''', '"', '$$', '$x$', '$', '(', ')', ';', '--', '/*', '*/', E'\\', E'E''\\',
		'U&''\', '%s%n%x%p%%', E'\n', 'BEGIN;', 'COMMIT;', 'SAVEPOINT s;', 'ROLLBACK;', 'COPY t FROM STDIN;',
		'CONCURRENTLY', '-- schemamig:allow ', '/* schemamig:allow ban-drop-table x */', 'schemamig.',
		'::', '[', ']', '{', '}', ',', 'NULL', '$1', ':foo', E'\\gset', 'VACUUM;', 'SET ROLE postgres;',
		' ', ' ', '﻿', '😀', E'\r\n'];
	s text := src;
	p int;
	q int;
BEGIN
	-- a third keep their syntax: scripts joined, a line dropped, or as is
	IF random() < 0.33 THEN
		CASE floor(random() * 3)::int
		WHEN 0 THEN RETURN s || E';\n' || fuzz.pick('any');
		WHEN 1 THEN RETURN regexp_replace(s, E'\n[^\n]*', '');
		ELSE RETURN s;
		END CASE;
	END IF;
	FOR j IN 1 .. 1 + floor(random() * 2)::int LOOP
		p := floor(random() * (length(s) + 1))::int;
		CASE floor(random() * 8)::int
		WHEN 0 THEN s := left(s, p);                                            -- truncate
		WHEN 1, 2 THEN s := left(s, p) || tokens[1 + floor(random() * array_length(tokens, 1))::int] || substr(s, p + 1);
		WHEN 3 THEN s := left(s, p) || substr(s, p + 2 + floor(random() * 20)::int);   -- delete a span
		WHEN 4 THEN s := left(s, p) || substr(s, p + 1, floor(random() * 40)::int) || substr(s, p + 1);  -- repeat a span
		WHEN 5 THEN s := left(s, p) || fuzz.junk(1 + floor(random() * 64)::int) || substr(s, p + 1);
		WHEN 6 THEN                                                              -- deep nesting, balanced or not
			q := 1 + floor(random() * 3000)::int;
			s := left(s, p) || repeat('(', q) || substr(s, p + 1) || repeat(')', CASE WHEN random() < 0.5 THEN q ELSE 0 END);
		ELSE s := left(s, p) || repeat('/*', 1 + floor(random() * 500)::int) || substr(s, p + 1);  -- nested comments
		END CASE;
	END LOOP;
	RETURN s;
END
$f$;
CREATE FUNCTION fuzz.pick(k text) RETURNS text LANGUAGE sql VOLATILE AS $$
	SELECT script FROM fuzz.corpus WHERE kind = k OR k = 'any' ORDER BY random() LIMIT 1
$$;
GRANT USAGE ON SCHEMA fuzz TO PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA fuzz TO PUBLIC;
GRANT SELECT ON fuzz.corpus TO PUBLIC;
GRANT INSERT ON fuzz.results, fuzz.unexpected TO PUBLIC;
SQL
$node->safe_psql('postgres', $mutator);

# One loop: $n calls of the functions in $fns, each on a fresh mutation, in
# its own subtransaction; outcomes counted in fuzz.results, internal and
# system errors kept with their input in fuzz.unexpected.
sub fuzz_loop
{
	my ($db, $role, $phase, $n, $kind, @fns) = @_;
	my $fns = join(',', map { "'$_'" } @fns);
	my $sql = <<SQL;
SET ROLE $role;
DO \$do\$
DECLARE
	counts jsonb := '{}';
	fns text[] := ARRAY[$fns];
	fn text;
	input text;
	down text;
	descr text;
	version text;
	st text;
	msg text;
	k text;
BEGIN
	PERFORM setseed($seed);
	FOR i IN 1 .. $n LOOP
		fn := fns[1 + (i % array_length(fns, 1))];
		input := fuzz.mutate(fuzz.pick('$kind'));
		IF fn = 'apply' THEN
			-- fresh names, so that more of them run instead of finding their tables there
			input := regexp_replace(input, '\\m(customers|orders|customer_totals|orders_customer_id|touch|notes|notes_body|mood|moods|dyn_1|v_notes|idx_target|idx_target_v)\\M', '\\1_' || i, 'g');
		END IF;
		down := CASE WHEN random() < 0.3 THEN fuzz.mutate(fuzz.pick('$kind')) END;
		descr := CASE WHEN random() < 0.3 THEN fuzz.junk(20) END;
		version := CASE WHEN fn = 'apply' THEN 'a' || lpad(i::text, 6, '0')
		                WHEN random() < 0.1 THEN 'z' || fuzz.mutate('r' || i)
		                ELSE 'r' || lpad(i::text, 6, '0') END;
		BEGIN
			CASE fn
			WHEN 'lint' THEN PERFORM count(*) FROM schemamig.lint(input);
			WHEN 'register' THEN PERFORM schemamig.register(version, input, down, descr);
			WHEN 'apply' THEN PERFORM schemamig.apply(version, input, down, descr);
			END CASE;
			st := 'ok';
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
			IF left(st, 2) IN ('XX', '58') THEN
				INSERT INTO fuzz.unexpected VALUES ('$phase', fn, st, msg, left(input, 2000));
			END IF;
		END;
		k := fn || ':' || st;
		counts := jsonb_set(counts, ARRAY[k], to_jsonb(coalesce((counts->>k)::int, 0) + 1));
		IF i % 50 = 0 THEN
			COMMIT;
		END IF;
	END LOOP;
	INSERT INTO fuzz.results SELECT '$phase', split_part(key, ':', 1), split_part(key, ':', 2), value::int
	  FROM jsonb_each_text(counts);
END
\$do\$;
SQL
	my ($ret, $out, $err) = $node->psql($db, $sql, timeout => 600);
	is($ret, 0, "$phase: the loop ran to its end") or diag($err);
}

fuzz_loop('postgres', 'postgres', 'lint+register', $inputs{lint_register}, 'any', 'lint', 'register');
fuzz_loop('postgres', 'fuzz_deployer', 'apply', $inputs{apply}, 'apply', 'apply');

# ---- invalid UTF-8: a SQL_ASCII database takes any byte but NUL ----

$node->safe_psql('postgres', q{CREATE DATABASE fuzz_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0});
$node->safe_psql('fuzz_ascii', 'CREATE EXTENSION schemamig');
$node->safe_psql('fuzz_ascii', q{
	SET schemamig.lint = off;
	CREATE SCHEMA fuzz; CREATE TABLE fuzz.corpus (kind text, script text);
	CREATE TABLE fuzz.results (phase text, fn text, outcome text, n int);
	CREATE TABLE fuzz.unexpected (phase text, fn text, sqlstate text, message text, input text);
});
$node->safe_psql('fuzz_ascii', $mutator);
$node->safe_psql('fuzz_ascii', q{
	SET schemamig.lint = off;
	-- scripts with random bytes 1..255 (mostly invalid UTF-8) spliced in
	CREATE OR REPLACE FUNCTION fuzz.junk(n int) RETURNS text LANGUAGE sql VOLATILE AS $$
		SELECT convert_from(decode(string_agg(lpad(to_hex(1 + floor(random() * 255)::int), 2, '0'), ''), 'hex'), 'SQL_ASCII')
		  FROM generate_series(1, n)
	$$;
	INSERT INTO fuzz.corpus VALUES ('any', 'CREATE TABLE t (id int);'), ('any', $$SELECT 'héllo'; -- ünïcode$$),
		('any', $$COMMENT ON TABLE t IS 'x'$$);
});
is($node->safe_psql('fuzz_ascii', q{SELECT length(fuzz.junk(4000)) > 0}), 't', 'SQL_ASCII: junk with high bytes is text there');
fuzz_loop('fuzz_ascii', 'postgres', 'sql_ascii', $inputs{sql_ascii}, 'any', 'lint', 'register');
my ($ret, $out, $err) = $node->psql('fuzz_ascii', q{SELECT schemamig.register('bad', convert_from('\xc3'::bytea, 'SQL_ASCII') || 'SELECT 1')},
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
like($err, qr/22021/, 'SQL_ASCII: a script that is not UTF-8 is refused with 22021');
($ret, $out, $err) = $node->psql('postgres', q{SELECT schemamig.lint(convert_from('\xc328'::bytea, 'UTF8'))});
like($err, qr/invalid byte sequence for encoding "UTF8"/, 'UTF8: invalid bytes never reach schemamig (convert_from refuses them)');

# ---- 10 MB scripts ----

# register() and apply() take the migration lock, which the worker holds
# while it runs the jobs the apply loop queued: on a loaded machine they
# outlast the SQL_ASCII loop, and a call meanwhile is SM006.
ok($node->poll_query_until('postgres', q{SELECT NOT EXISTS (SELECT FROM schemamig.jobs WHERE status IN ('queued', 'running'))}),
	'the worker finished the jobs that apply() queued');

my @big = (
	[ 'register', q{schemamig.register('z_big1', repeat('SELECT 1;', 1100000))}, qr/^[0-9a-f]{64}$/ ],
	[ 'lint', q{(SELECT count(*) FROM schemamig.lint(repeat(E'CREATE TABLE IF NOT EXISTS big_t (id int);\n', 250000)))}, qr/^0$/ ],
	[ 'register', q{schemamig.register('z_big2', '/*' || repeat('x', 10000000) || '*/ SELECT 1')}, qr/^[0-9a-f]{64}$/ ],
	[ 'apply', q{schemamig.apply('a_big3', 'SELECT length(''' || repeat('y', 10000000) || ''')')}, qr/^applied$/ ],
	[ 'lint', q{(SELECT count(*) FROM schemamig.lint(repeat('(', 10000000)))}, qr/ERROR/ ],
	[ 'register', q{schemamig.register('z_big4', repeat('x', 17000000))}, qr/ERROR:  54000/ ],
);
for my $b (@big)
{
	my ($fn, $call, $expect) = @$b;
	($ret, $out, $err) = $node->psql('postgres', "SELECT $call", extra_params => [ '-v', 'VERBOSITY=verbose' ], timeout => 300);
	like($ret == 0 ? $out : $err, $expect, "10 MB: $fn " . substr($call, 0, 60) . '...');
	unlike($err, qr/ERROR:  (XX|58)/, "10 MB: $fn: no internal error");
}
($ret, $out, $err) = $node->psql('postgres',
	q{SET statement_timeout = '1ms'; SELECT count(*) FROM schemamig.lint(repeat(E'ALTER TABLE big_t ADD COLUMN c int;\n', 300000))});
like($err, qr/canceling statement due to statement timeout/, '10 MB: a long lint() can be cancelled');

# ---- the outcome ----

my $total = 0;
for my $db ('postgres', 'fuzz_ascii')
{
	for my $row (split /\n/, $node->safe_psql($db, q{
		SELECT phase || ' ' || fn || ': ' || string_agg(outcome || '=' || n, ', ' ORDER BY n DESC), sum(n)
		  FROM fuzz.results GROUP BY phase, fn ORDER BY 1}))
	{
		my ($line, $n) = split /\|/, $row;
		diag("fuzz: $line");
		$total += $n;
	}
	is($node->safe_psql($db, q{SELECT coalesce(string_agg(phase || ' ' || fn || ' ' || sqlstate || ': ' || message, E'\n'), '') FROM fuzz.unexpected}),
		'', "$db: no internal or system error");
}
diag("fuzz: $total inputs in all, plus " . scalar(@big) . ' large ones');
cmp_ok($total, '>=', 20000, 'at least 20,000 inputs');
cmp_ok($node->safe_psql('postgres', q{SELECT count(*) FROM schemamig.applied WHERE version LIKE 'a%'}), '>', 0,
	'some mutated migrations applied');

# The catalogs agree with themselves and with the event log.  A mutation
# that made a script non-transactional (a stray VACUUM or CONCURRENTLY) was
# queued for the worker; where it failed part-way, the worker undid it with
# its down script (pending again, below later versions: out of order), or,
# where the (mutated or missing) down script could not, it is honestly
# dirty.  Each of those has a worker job; repair() clears the dirty ones,
# and out_of_order accepts the others.  A mutated down script that does not
# parse was registered all the same (only rollback refuses it) and is
# listed; registering a fixed one clears it.
is( $node->safe_psql(
		'postgres', q{
	SELECT coalesce(string_agg(v.version || ': ' || v.problem, '; '), '') FROM schemamig.validate() v
	 WHERE NOT ((v.problem LIKE 'dirty%' OR v.problem LIKE 'out of order%')
	            AND EXISTS (SELECT FROM schemamig.jobs j WHERE j.version = v.version AND j.status = 'failed'))
	   AND v.problem NOT LIKE 'down script does not parse (%'}),
	'',
	'validate() finds nothing but migrations whose worker job failed, and down scripts that do not parse');
for my $db ('postgres', 'fuzz_ascii')
{
	$node->safe_psql($db, q{
		SELECT schemamig.register(m.version, m.up_sql, '-- fixed: nothing to undo', m.description)
		  FROM schemamig.migrations m
		 WHERE m.version IN (SELECT version FROM schemamig.validate() WHERE problem LIKE 'down script does not parse (%')});
}
my $dirty = $node->safe_psql('postgres', q{SELECT count(*) FROM schemamig.applied WHERE dirty});
my $recovered = $node->safe_psql('postgres', q{SELECT count(DISTINCT version) FROM schemamig.events WHERE event = 'recovered'});
diag("fuzz: worker jobs of mutated migrations: $recovered recovered, $dirty left dirty (no usable down script)");
diag('fuzz: failed worker jobs by SQLSTATE: '
	  . $node->safe_psql('postgres', q{SELECT string_agg(s || '=' || n, ', ' ORDER BY n DESC) FROM (SELECT coalesce(sqlstate, '?') s, count(*) n FROM schemamig.jobs WHERE status = 'failed' GROUP BY 1) j}));
$node->safe_psql('postgres', q{SELECT schemamig.repair(version) FROM schemamig.applied WHERE dirty});
$node->safe_psql('postgres', q{ALTER DATABASE postgres SET schemamig.out_of_order = on});
catalogs_consistent($node, 'postgres', 'after the fuzz (and repair of the dirty ones)');
catalogs_consistent($node, 'fuzz_ascii', 'after the SQL_ASCII fuzz');
is( $node->safe_psql(
		'postgres', q{
	SELECT count(*) FROM schemamig.applied a
	 WHERE NOT EXISTS (SELECT FROM schemamig.jobs j WHERE j.version = a.version)
	   AND (SELECT count(*) FROM schemamig.events e WHERE e.version = a.version AND e.event = 'applied') <> 1}),
	'0',
	'every migration apply() ran has exactly one "applied" event');
is($node->safe_psql('postgres', q{SELECT count(*) FROM schemamig.events WHERE NOT (detail IS NULL OR jsonb_typeof(detail) = 'object')}),
	'0', 'every event detail is a JSON object');
is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $started, 'the server never restarted');
no_crash_in_log($node, $log_offset, 'fuzz');

$node->stop;
done_testing();
