/*-------------------------------------------------------------------------
 *
 * lint.c
 *		The lint command: scripts through schemamig.lint(), findings as
 *		text, JSON or GitHub workflow annotations.
 *
 * The linter lives in the server, because its rules read the live catalog;
 * the client sends every script in one round trip and maps each finding
 * back to the file and line it came from.  Servers whose extension has no
 * schemamig.lint(text) are told apart by the probe, and the command says
 * so instead of failing on an unknown function.
 *
 * A finding is a safety finding unless its severity is "advisory", "info"
 * or "notice"; any safety finding makes the exit code 1.  Text and GitHub
 * output name a finding by what the server's hook does with it
 * (doc/lint.md): "error" for a safety finding that blocks a deploy
 * (schemamig.lint = error, the default), "warning" for one that does not,
 * "notice" for an advisory one; GitHub gets ::error, ::warning, ::notice.
 *
 * With --trace, every up script also goes through schemamig.trace(), which
 * runs it in a transaction that is always rolled back, and the measured
 * locks, scans and rewrites are printed per statement with each
 * relation's size as it is now (pg_total_relation_size, reltuples).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <ctype.h>
#include <math.h>

#include "schemamig_cli.h"

/*
 * Down scripts are judged as rollback runs them: the destructive rules do
 * not apply there.  (Multi-argument unnest is FROM-clause syntax, so it
 * cannot be schema-qualified.)
 */
static const char *lint_sql =
"SELECT f.ord, l.statement_no, l.line, l.rule, l.severity, l.message, l.hint,"
" pg_catalog.current_setting('schemamig.lint', true)"
" FROM unnest($1::pg_catalog.text[], $2::pg_catalog.text[]) WITH ORDINALITY AS f(sql, direction, ord)"
" CROSS JOIN LATERAL schemamig.lint(f.sql) AS l"
" WHERE f.direction IS DISTINCT FROM 'down' OR NOT schemamig.lint_rule_destructive(l.rule)"
" ORDER BY f.ord, l.statement_no, l.line";

/*
 * A folder's scripts as a deploy and a rollback run them: the up scripts in
 * order through lint_deploy(), so that what an earlier migration created
 * counts as new for the later ones (a deploy counts it so), and each down
 * script on its own, as above.
 */
static const char *lint_deploy_sql =
"WITH f AS (SELECT * FROM unnest($1::pg_catalog.text[], $2::pg_catalog.text[]) WITH ORDINALITY AS f(sql, direction, ord)),"
" up AS (SELECT f.ord, pg_catalog.row_number() OVER (ORDER BY f.ord) AS n"
"        FROM f WHERE f.direction IS DISTINCT FROM 'down')"
" SELECT up.ord, l.statement_no, l.line, l.rule, l.severity, l.message, l.hint,"
" pg_catalog.current_setting('schemamig.lint', true)"
" FROM schemamig.lint_deploy(ARRAY(SELECT f.sql FROM f WHERE f.direction IS DISTINCT FROM 'down' ORDER BY f.ord)) AS l"
" JOIN up ON up.n OPERATOR(pg_catalog.=) l.script_no"
" UNION ALL"
" SELECT f.ord, l.statement_no, l.line, l.rule, l.severity, l.message, l.hint,"
" pg_catalog.current_setting('schemamig.lint', true)"
" FROM f CROSS JOIN LATERAL schemamig.lint(f.sql) AS l"
" WHERE f.direction OPERATOR(pg_catalog.=) 'down' AND NOT schemamig.lint_rule_destructive(l.rule)"
" ORDER BY 1, 2, 3";

static const char *trace_sql =
"SELECT t.statement_no, t.line, t.relation_name, t.lock_mode, t.scanned, t.rewritten,"
" t.duration_ms, t.outcome, t.detail,"
" pg_catalog.pg_size_pretty(pg_catalog.pg_total_relation_size(c.oid)), c.reltuples,"
" pg_catalog.pg_total_relation_size(c.oid)"
" FROM schemamig.trace($1) AS t"
" LEFT JOIN pg_catalog.pg_class AS c ON c.oid OPERATOR(pg_catalog.=) t.relation"
" ORDER BY t.statement_no, t.relation_name";

static bool
is_safety_finding(const char *severity)
{
	return pg_strcasecmp(severity, "advisory") != 0 &&
		pg_strcasecmp(severity, "info") != 0 &&
		pg_strcasecmp(severity, "notice") != 0;
}

/*
 * What the hook does with a finding, in the words of doc/lint.md: error
 * (blocks), warning, notice.  lint_mode is the server's schemamig.lint
 * (NULL when unset there: the default, error).
 */
static const char *
finding_level(const char *severity, const char *lint_mode)
{
	if (!is_safety_finding(severity))
		return "notice";
	if (lint_mode == NULL || pg_strcasecmp(lint_mode, "error") == 0)
		return "error";
	return "warning";
}

/* escape for a workflow command: data escapes %, CR, LF; properties also : and , */
static void
github_escape(PQExpBuffer buf, const char *text, bool property)
{
	char	   *clean = redact(text);
	const char *p;

	for (p = clean; *p; p++)
	{
		if (*p == '%')
			appendPQExpBufferStr(buf, "%25");
		else if (*p == '\r')
			appendPQExpBufferStr(buf, "%0D");
		else if (*p == '\n')
			appendPQExpBufferStr(buf, "%0A");
		else if (property && *p == ':')
			appendPQExpBufferStr(buf, "%3A");
		else if (property && *p == ',')
			appendPQExpBufferStr(buf, "%2C");
		else
			appendPQExpBufferChar(buf, *p);
	}
	free(clean);
}

static void
print_finding(const LintInput *input, PGresult *res, int row, OutputFormat format,
			  PQExpBuffer json, int nth)
{
	const char *rule = PQgetvalue(res, row, 3);
	const char *severity = PQgetvalue(res, row, 4);
	const char *message = PQgetvalue(res, row, 5);
	const char *hint = PQgetisnull(res, row, 6) ? NULL : PQgetvalue(res, row, 6);
	int			line = PQgetisnull(res, row, 2) ? 0 : atoi(PQgetvalue(res, row, 2));
	int			file_line = line > 0 ? input->first_line + line - 1 : input->first_line;
	const char *level = finding_level(severity, PQgetisnull(res, row, 7) ? NULL : PQgetvalue(res, row, 7));
	PQExpBufferData out;

	log_event(is_safety_finding(severity) ? "error" : "info",
			  psprintf("%s:%d: %s: %s [%s]", input->path, file_line, severity, message, rule),
			  input->version, input->direction, NULL, NAN);

	initPQExpBuffer(&out);
	switch (format)
	{
		case FORMAT_JSON:
			if (nth > 0)
				appendPQExpBufferStr(json, ", ");
			appendPQExpBufferChar(json, '{');
			json_key(json, "file", true);
			json_string(json, input->path);
			json_key(json, "line", false);
			appendPQExpBuffer(json, "%d", file_line);
			json_key(json, "version", false);
			json_string(json, input->version);
			json_key(json, "direction", false);
			json_string(json, input->direction);
			json_key(json, "statement_no", false);
			appendPQExpBufferStr(json, PQgetisnull(res, row, 1) ? "null" : PQgetvalue(res, row, 1));
			json_key(json, "rule", false);
			json_string(json, rule);
			json_key(json, "severity", false);
			json_string(json, severity);
			json_key(json, "message", false);
			json_string(json, message);
			json_key(json, "hint", false);
			json_string(json, hint);
			appendPQExpBufferChar(json, '}');
			break;
		case FORMAT_GITHUB:
			appendPQExpBuffer(&out, "::%s file=", level);
			github_escape(&out, input->path, true);
			appendPQExpBuffer(&out, ",line=%d,title=", file_line);
			github_escape(&out, psprintf("schemamig %s", rule), true);
			appendPQExpBufferStr(&out, "::");
			github_escape(&out, hint ? psprintf("%s\nHint: %s", message, hint) : message, false);
			appendPQExpBufferChar(&out, '\n');
			fputs(out.data, stdout);
			break;
		case FORMAT_TEXT:
			appendPQExpBuffer(&out, "%s:%d: %s: %s [%s]\n", input->path, file_line, level,
							  message, rule);
			if (hint)
				appendPQExpBuffer(&out, "  hint: %s\n", hint);
			print_redacted(stdout, out.data);
			break;
	}
	termPQExpBuffer(&out);
}

static PGresult *
lint_batch(PGconn *conn, const LintInput *inputs, int n, bool as_deploy)
{
	char	  **scripts = pg_malloc(sizeof(char *) * (n + 1));
	char	  **directions = pg_malloc(sizeof(char *) * (n + 1));
	PQExpBufferData array;
	PQExpBufferData direction_array;
	const char *params[2];
	PGresult   *res;
	int			i;

	for (i = 0; i < n; i++)
	{
		scripts[i] = (char *) inputs[i].sql;
		directions[i] = (char *) inputs[i].direction;
	}
	initPQExpBuffer(&array);
	text_array_literal(&array, scripts, n);
	initPQExpBuffer(&direction_array);
	text_array_literal(&direction_array, directions, n);
	params[0] = array.data;
	params[1] = direction_array.data;
	res = db_query(conn, as_deploy ? lint_deploy_sql : lint_sql, 2, params);
	termPQExpBuffer(&array);
	termPQExpBuffer(&direction_array);
	free(scripts);
	free(directions);
	return res;
}

/* print the findings of res, whose ord column numbers inputs from 1 */
static void
print_findings(PGresult *res, const LintInput *inputs, int ninputs, OutputFormat format,
			   PQExpBuffer json, int *findings, int *safety)
{
	int			i;

	for (i = 0; i < PQntuples(res); i++)
	{
		int			ord = atoi(PQgetvalue(res, i, 0));

		if (ord < 1 || ord > ninputs)
			continue;
		print_finding(&inputs[ord - 1], res, i, format, json, *findings);
		(*findings)++;
		if (is_safety_finding(PQgetvalue(res, i, 4)))
			(*safety)++;
	}
}

/*
 * The batch failed (a script that does not parse, say): try the scripts
 * one at a time, so that each one that fails is reported with its file
 * (in JSON as an entry with the file and the server's SQLSTATE), then lint
 * the others together as the batch would have.  Inside a transaction each
 * try runs under a savepoint.  Returns how many scripts failed.
 */
static int
lint_one_by_one(PGconn *conn, const LintInput *inputs, int n, bool as_deploy, OutputFormat format,
				PQExpBuffer json, int *findings, int *safety)
{
	bool		in_transaction = PQtransactionStatus(conn) == PQTRANS_INERROR;
	LintInput  *linted = pg_malloc(sizeof(LintInput) * (n + 1));
	int			nlinted = 0;
	int			failed = 0;
	int			i;
	PGresult   *res;

	if (in_transaction)
		PQclear(PQexec(conn, "ROLLBACK TO SAVEPOINT schemamig_lint"));
	for (i = 0; i < n; i++)
	{
		if (in_transaction)
			PQclear(PQexec(conn, "SAVEPOINT schemamig_lint_one"));
		res = lint_batch(conn, &inputs[i], 1, false);
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
			linted[nlinted++] = inputs[i];
		else
		{
			bool		down;
			int			line = server_error_script_line(res, &down);
			int			file_line = line > 0 ? inputs[i].first_line + line - 1 : inputs[i].first_line;

			(void) report_server_error(res, psprintf("cannot lint %s:%d", inputs[i].path, file_line));
			if (format == FORMAT_JSON)
			{
				if (*findings > 0)
					appendPQExpBufferStr(json, ", ");
				appendPQExpBufferChar(json, '{');
				json_error_fields(json, res);
				json_key(json, "file", false);
				json_string(json, inputs[i].path);
				json_key(json, "line", false);
				appendPQExpBuffer(json, "%d", file_line);
				json_key(json, "direction", false);
				json_string(json, inputs[i].direction);
				json_key(json, "rule", false);
				appendPQExpBufferStr(json, "null");
				json_key(json, "severity", false);
				json_string(json, "error");
				appendPQExpBufferChar(json, '}');
			}
			(*findings)++;
			failed++;
		}
		PQclear(res);
		if (in_transaction)
			PQclear(PQexec(conn, PQtransactionStatus(conn) == PQTRANS_INERROR
						   ? "ROLLBACK TO SAVEPOINT schemamig_lint_one"
						   : "RELEASE SAVEPOINT schemamig_lint_one"));
	}
	if (nlinted > 0)
	{
		res = lint_batch(conn, linted, nlinted, as_deploy);
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
			print_findings(res, linted, nlinted, format, json, findings, safety);
		else
		{
			(void) report_server_error(res, "cannot lint");
			failed++;
		}
		PQclear(res);
	}
	free(linted);
	return failed;
}

/*
 * Lint the scripts in one round trip and print the findings; as_deploy
 * (a folder) judges the up scripts as one deploy of them in order.  In JSON
 * format the findings are appended to json as an array.  Returns 0, 1 when
 * there is a safety finding or a script cannot be linted, 2 when the
 * connection failed.
 */
int
lint_run(PGconn *conn, const LintInput *inputs, int ninputs, bool as_deploy, OutputFormat format,
		 PQExpBuffer json, int *findings)
{
	PGresult   *res;
	bool		in_transaction = PQtransactionStatus(conn) == PQTRANS_INTRANS;
	int			safety = 0;
	int			failed = 0;

	*findings = 0;
	if (in_transaction)
		PQclear(PQexec(conn, "SAVEPOINT schemamig_lint"));
	if (format == FORMAT_JSON)
		appendPQExpBufferChar(json, '[');
	res = lint_batch(conn, inputs, ninputs, as_deploy);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		if (PQstatus(conn) != CONNECTION_OK)
		{
			int			code = report_server_error(res, "cannot lint");

			PQclear(res);
			return code;		/* the JSON array stays open: an error document is printed */
		}
		PQclear(res);
		failed = lint_one_by_one(conn, inputs, ninputs, as_deploy, format, json, findings, &safety);
	}
	else
	{
		if (in_transaction)
			PQclear(PQexec(conn, "RELEASE SAVEPOINT schemamig_lint"));
		print_findings(res, inputs, ninputs, format, json, findings, &safety);
		PQclear(res);
	}
	if (format == FORMAT_JSON)
		appendPQExpBufferChar(json, ']');
	return safety > 0 || failed > 0 ? EXIT_FAILED : EXIT_OK;
}

/* "AccessExclusiveLock" as the documentation says it: "ACCESS EXCLUSIVE" */
static char *
lock_words(const char *mode)
{
	PQExpBufferData out;
	size_t		len = strlen(mode);
	size_t		i;

	if (len > 4 && strcmp(mode + len - 4, "Lock") == 0)
		len -= 4;
	initPQExpBuffer(&out);
	for (i = 0; i < len; i++)
	{
		if (i > 0 && isupper((unsigned char) mode[i]))
			appendPQExpBufferChar(&out, ' ');
		appendPQExpBufferChar(&out, toupper((unsigned char) mode[i]));
	}
	return out.data;
}

/* "40 M rows": reltuples as a person reads it; -1 means never analyzed */
static char *
rows_words(const char *reltuples)
{
	double		rows = atof(reltuples);

	if (rows < 0)
		return pg_strdup("rows not yet counted");
	if (rows >= 1e9)
		return psprintf("%.0f G rows", rows / 1e9);
	if (rows >= 1e6)
		return psprintf("%.0f M rows", rows / 1e6);
	if (rows >= 1e4)
		return psprintf("%.0f k rows", rows / 1e3);
	return psprintf("%.0f rows", rows);
}

/* one row of trace() as a line of text */
static void
print_trace_row(const LintInput *input, PGresult *res, int row)
{
	const char *relation = PQgetisnull(res, row, 2) ? NULL : PQgetvalue(res, row, 2);
	const char *mode = PQgetisnull(res, row, 3) ? NULL : PQgetvalue(res, row, 3);
	bool		scanned = strcmp(PQgetvalue(res, row, 4), "t") == 0;
	bool		rewritten = strcmp(PQgetvalue(res, row, 5), "t") == 0;
	const char *outcome = PQgetvalue(res, row, 7);
	const char *detail = PQgetisnull(res, row, 8) ? NULL : PQgetvalue(res, row, 8);
	int			line = PQgetisnull(res, row, 1) ? 0 : atoi(PQgetvalue(res, row, 1));
	PQExpBufferData out;

	initPQExpBuffer(&out);
	appendPQExpBuffer(&out, "%s:%d: trace: statement %s: ", input->path,
					  line > 0 ? input->first_line + line - 1 : input->first_line,
					  PQgetvalue(res, row, 0));
	if (strcmp(outcome, "failed") == 0 || strcmp(outcome, "lock_timeout") == 0)
		appendPQExpBuffer(&out, "%s: %s",
						  strcmp(outcome, "failed") == 0 ? "failed" : "lock not available (another session holds a conflicting lock)",
						  detail ? detail : "");
	else
	{
		if (strcmp(outcome, "not_traced") == 0)
			appendPQExpBufferStr(&out, "not traced, documented lock: ");
		if (mode)
			appendPQExpBuffer(&out, "%s", lock_words(mode));
		else if (relation)
			appendPQExpBufferStr(&out, "lock already held");
		else
			appendPQExpBufferStr(&out, "no relation locked");
		if (relation)
		{
			appendPQExpBuffer(&out, " on %s", relation);
			if (!PQgetisnull(res, row, 9))
				appendPQExpBuffer(&out, " (%s, %s)", PQgetvalue(res, row, 9),
								  rows_words(PQgetvalue(res, row, 10)));
			else if (strcmp(outcome, "ok") == 0)
				appendPQExpBufferStr(&out, " (created by the script)");
		}
		if (rewritten)
			appendPQExpBufferStr(&out, " for a full rewrite");
		else if (scanned)
			appendPQExpBufferStr(&out, " with a full scan");
		if (!PQgetisnull(res, row, 6))
			appendPQExpBuffer(&out, ", %.1f ms", atof(PQgetvalue(res, row, 6)));
		if (strcmp(outcome, "not_traced") == 0 && detail)
			appendPQExpBuffer(&out, " (%s)", detail);
	}
	appendPQExpBufferChar(&out, '\n');
	print_redacted(stdout, out.data);
	termPQExpBuffer(&out);
}

static void
json_trace_row(const LintInput *input, PGresult *res, int row, PQExpBuffer json, int nth)
{
	static const char *const keys[] = {"statement_no", "line", "relation", "lock_mode",
		"scanned", "rewritten", "duration_ms", "outcome", "detail", "size", "reltuples",
	"total_bytes"};
	static const bool quoted[] = {false, false, true, true, false, false, false, true,
	true, true, false, false};
	int			col;

	if (nth > 0)
		appendPQExpBufferStr(json, ", ");
	appendPQExpBufferChar(json, '{');
	json_key(json, "file", true);
	json_string(json, input->path);
	for (col = 0; col < (int) lengthof(keys); col++)
	{
		const char *value = PQgetvalue(res, row, col);

		json_key(json, keys[col], false);
		if (PQgetisnull(res, row, col))
			appendPQExpBufferStr(json, "null");
		else if (quoted[col])
			json_string(json, value);
		else if (strcmp(value, "t") == 0 || strcmp(value, "f") == 0)
			appendPQExpBufferStr(json, value[0] == 't' ? "true" : "false");
		else
			appendPQExpBufferStr(json, value);
	}
	appendPQExpBufferChar(json, '}');
}

/*
 * Trace every up script (a down script undoes its up script, which the
 * trace has rolled back, so it is not traced): lint --trace, and each
 * pending migration of migrate --dry-run --trace (commands.c).  Text goes
 * to stdout, JSON (an array of rows) into json.  Returns 0, or the exit
 * code of a failed trace() call, whose error is reported.
 */
int
trace_run(PGconn *conn, const LintInput *inputs, int ninputs, OutputFormat format,
		  PQExpBuffer json)
{
	int			nth = 0;
	int			i;

	if (format == FORMAT_JSON)
		appendPQExpBufferChar(json, '[');
	for (i = 0; i < ninputs; i++)
	{
		const char *params[1] = {inputs[i].sql};
		PGresult   *res;
		int			row;

		if (inputs[i].direction && strcmp(inputs[i].direction, "down") == 0)
			continue;
		res = db_query(conn, trace_sql, 1, params);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			int			code = report_server_error(res, psprintf("cannot trace %s", inputs[i].path));

			PQclear(res);
			if (format == FORMAT_JSON)
				appendPQExpBufferChar(json, ']');
			return code;
		}
		for (row = 0; row < PQntuples(res); row++)
		{
			if (format == FORMAT_JSON)
				json_trace_row(&inputs[i], res, row, json, nth++);
			else
				print_trace_row(&inputs[i], res, row);
		}
		PQclear(res);
	}
	if (format == FORMAT_JSON)
		appendPQExpBufferChar(json, ']');
	return EXIT_OK;
}

static void
add_input(LintInput **inputs, int *n, const char *path, const char *version,
		  const char *direction, const char *sql, int first_line)
{
	LintInput  *in;

	*inputs = pg_realloc(*inputs, sizeof(LintInput) * (*n + 1));
	in = &(*inputs)[(*n)++];
	in->path = path;
	in->version = version;
	in->direction = direction;
	in->sql = sql;
	in->first_line = first_line;
}

int
cmd_lint(const CliOptions *opts)
{
	LintInput  *inputs = NULL;
	int			ninputs = 0;
	ServerInfo	info;
	PGconn	   *conn;
	PQExpBufferData json;
	int			findings = 0;
	int			code;
	int			i;

	if (opts->nargs == 0)
	{
		MigrationFolder folder;

		if (!folder_read(opts->dir, &folder))
			return report_folder_problems(opts, &folder);
		/* Flyway B files: the folder as a new database's deploy runs it */
		if (folder.nbaselines > 0)
			flyway_use_baseline(&folder, flyway_baseline_choice(&folder, NULL, 0, NULL));
		for (i = 0; i < folder.nfiles; i++)
		{
			MigrationFile *f = &folder.files[i];

			add_input(&inputs, &ninputs, f->up_path, f->version, "up", f->up_sql, f->up_line);
			if (f->down_sql)
				add_input(&inputs, &ninputs, f->down_path, f->version, "down", f->down_sql,
						  f->down_line);
		}
	}
	for (i = 0; i < opts->nargs; i++)
	{
		MigrationFile *f = pg_malloc0(sizeof(MigrationFile));
		char	   *error;

		if (!migration_file_parse(opts->args[i], f, &error))
		{
			report_error("%s", error);
			if (output_json())
				json_result_error(opts->command, NULL);
			return EXIT_FAILED;
		}
		if (f->up_sql)
			add_input(&inputs, &ninputs, f->up_path, f->version, f->version ? "up" : NULL,
					  f->up_sql, f->up_line);
		if (f->down_sql)
			add_input(&inputs, &ninputs, f->down_path, f->version, "down", f->down_sql,
					  f->down_line);
	}

	conn = db_connect(opts);
	if (conn == NULL)
		return EXIT_USAGE;
	if (!db_probe(conn, &info, false) || !db_require_extension(&info))
	{
		if (output_json())
			json_result_error(opts->command, NULL);
		db_finish(conn);
		return EXIT_USAGE;
	}
	if (!info.has_lint)
	{
		report_error("schemamig.lint() is not available in database \"%s\": the installed schemamig "
					 "extension (version %s) has no linter; install a version that has it",
					 info.database, info.extversion);
		if (output_json())
			json_result_error(opts->command, NULL);
		db_finish(conn);
		return EXIT_USAGE;
	}

	json_document_open(&json, "lint");
	json_key(&json, "scripts", false);
	appendPQExpBuffer(&json, "%d", ninputs);
	json_key(&json, "findings", false);
	if (ninputs > 0)
		code = lint_run(conn, inputs, ninputs, opts->nargs == 0, opts->format, &json, &findings);
	else
	{
		appendPQExpBufferStr(&json, "[]");
		code = EXIT_OK;
	}
	if (opts->trace && (opts->format != FORMAT_JSON || json.data[json.len - 1] == ']'))
	{
		int			trace_code;

		json_key(&json, "trace", false);
		trace_code = trace_run(conn, inputs, ninputs, opts->format, &json);
		if (trace_code != EXIT_OK)
			code = trace_code;
	}
	db_finish(conn);
	if (opts->format == FORMAT_JSON)
	{
		if (code == EXIT_OK || json.data[json.len - 1] == ']')
		{
			json_key(&json, "ok", false);
			appendPQExpBufferStr(&json, code == EXIT_OK ? "true}\n" : "false}\n");
			fputs(json.data, stdout);
		}
		else
			json_result_error(opts->command, NULL);
	}
	else if (opts->format == FORMAT_TEXT)
		printf("%d script(s) linted, %d finding(s)\n", ninputs, findings);
	log_event(code == EXIT_OK ? "info" : "error",
			  psprintf("lint: %d script(s), %d finding(s)", ninputs, findings),
			  NULL, NULL, NULL, NAN);
	termPQExpBuffer(&json);
	return code;
}
