/*-------------------------------------------------------------------------
 *
 * commands.c
 *		The commands that change or read migration state: migrate, status,
 *		validate, rollback, repair, baseline.
 *
 * Invariants:
 *	- migrate sends the whole folder in one round trip (one statement that
 *	  calls schemamig.register() once per migration whose text is not
 *	  already registered), then calls schemamig.migrate() (unless nothing
 *	  was sent and registrations() says everything is applied), both in one
 *	  transaction: a failure anywhere leaves the database as it was,
 *	  registrations included;
 *	- --dry-run does the same registration (so every check the server
 *	  makes on a script is made), lists what is pending, lints it, and
 *	  rolls back: nothing is changed, not even the event log;
 *	- the server decides: order, checksums of record, what is pending,
 *	  locking.  The client only reports.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <math.h>

#include "schemamig_cli.h"

/* pending migrations above this count get progress in chunks on a terminal */
#define PROGRESS_MIN_PENDING	20
#define PROGRESS_CHUNKS			20

/*
 * Register migrations: one statement, one register() per array element.
 * (Multi-argument unnest is FROM-clause syntax, so it cannot be
 * schema-qualified.)  The caller sends only what differs from what is
 * registered (see changed_migrations); register() itself leaves identical
 * text alone, so sending too much is slower, never wrong.
 */
static const char *register_sql =
"SELECT pg_catalog.count(schemamig.register(f.version, f.up_sql, f.down_sql, f.description))"
" FROM unnest($1::pg_catalog.text[], $2::pg_catalog.text[],"
"             $3::pg_catalog.text[], $4::pg_catalog.text[])"
"      AS f(version, up_sql, down_sql, description)";

/* the same, when some migration must run outside a transaction block (0.2.0 servers) */
static const char *register_in_transaction_sql =
"SELECT pg_catalog.count(schemamig.register(f.version, f.up_sql, f.down_sql, f.description,"
"                                           f.in_transaction))"
" FROM unnest($1::pg_catalog.text[], $2::pg_catalog.text[],"
"             $3::pg_catalog.text[], $4::pg_catalog.text[], $5::pg_catalog.bool[])"
"      AS f(version, up_sql, down_sql, description, in_transaction)";

static const char *status_sql =
"SELECT version, description, state, checksum, applied_at, duration_ms FROM schemamig.status()";

typedef struct RunResult
{
	char	   *version;
	char	   *result;
	double		duration_ms;
} RunResult;

/* ---- shared pieces ---- */

bool
read_folder_or_report(const CliOptions *opts, MigrationFolder *folder, int *exit_code)
{
	if (folder_read(opts->dir, folder))
		return true;
	*exit_code = report_folder_problems(opts, folder);
	if (!folder->missing)
		report_error("%d problem(s) in migration folder \"%s\"; nothing was sent to the database",
					 folder->nerrors, opts->dir);
	return false;
}

static const MigrationFile *
folder_find(const MigrationFolder *folder, const char *version)
{
	int			i;

	for (i = 0; i < folder->nfiles; i++)
		if (strcmp(folder->files[i].version, version) == 0)
			return &folder->files[i];
	return NULL;
}

/* connect, probe, insist on the extension; NULL (exit code set) on failure */
PGconn *
connect_ready(const CliOptions *opts, ServerInfo *info, bool begin, int *exit_code)
{
	PGconn	   *conn = db_connect(opts);

	*exit_code = EXIT_USAGE;
	if (conn == NULL)
		return NULL;
	if (!db_probe(conn, info, begin))
	{
		if (output_json())
			json_result_error(opts->command, NULL);
		db_finish(conn);
		return NULL;
	}
	if (!db_require_extension(info))
	{
		if (output_json())
			json_result_error(opts->command, NULL);
		db_finish(conn);
		return NULL;
	}
	*exit_code = EXIT_OK;
	return conn;
}

/* a failed query: report it, print the JSON error, give the exit code */
static int
query_failed(const CliOptions *opts, PGresult *res, const char *context)
{
	int			code = report_server_error(res, context);

	if (output_json())
		json_result_error(opts->command, res);
	PQclear(res);
	return code;
}

/* the same, and the command ends: close the connection (rolling back) */
int
command_failed(const CliOptions *opts, PGconn *conn, PGresult *res, const char *context)
{
	int			code = query_failed(opts, res, context);

	db_finish(conn);
	return code;
}

static void
add_results(PGresult *res, RunResult **results, int *n)
{
	int			i;

	*results = pg_realloc(*results, sizeof(RunResult) * (*n + PQntuples(res) + 1));
	for (i = 0; i < PQntuples(res); i++)
	{
		RunResult  *r = &(*results)[(*n)++];

		r->version = pg_strdup(PQgetvalue(res, i, 0));
		r->result = pg_strdup(PQgetvalue(res, i, 1));
		r->duration_ms = PQgetisnull(res, i, 2) ? NAN : strtod(PQgetvalue(res, i, 2), NULL);
	}
}

static void
print_result_line(const RunResult *r, const MigrationFolder *folder, const char *direction)
{
	const MigrationFile *file = folder ? folder_find(folder, r->version) : NULL;

	log_event("info", psprintf("%s migration %s", r->result, r->version), r->version,
			  direction, file ? file->checksum : NULL, r->duration_ms);
	if (output_json())
		return;
	progress_clear();
	printf("%-11s %s", r->result, r->version);
	if (file && file->description)
		printf("  %s", file->description);
	if (!isnan(r->duration_ms))
		printf("  (%.1f ms)", r->duration_ms);
	putchar('\n');
	fflush(stdout);
}

static void
json_results(PQExpBuffer buf, const RunResult *results, int n, const MigrationFolder *folder)
{
	int			i;

	appendPQExpBufferChar(buf, '[');
	for (i = 0; i < n; i++)
	{
		const MigrationFile *file = folder ? folder_find(folder, results[i].version) : NULL;

		if (i > 0)
			appendPQExpBufferStr(buf, ", ");
		appendPQExpBufferChar(buf, '{');
		json_key(buf, "version", true);
		json_string(buf, results[i].version);
		if (folder)
		{
			json_key(buf, "description", false);
			json_string(buf, file ? file->description : NULL);
			json_key(buf, "checksum", false);
			json_string(buf, file ? file->checksum : NULL);
		}
		json_key(buf, "result", false);
		json_string(buf, results[i].result);
		json_key(buf, "duration_ms", false);
		json_number(buf, results[i].duration_ms);
		appendPQExpBufferChar(buf, '}');
	}
	appendPQExpBufferChar(buf, ']');
}

/*
 * End the document of a command that ran migrations: the results, their
 * count under count_key, the duration and "ok"; print it under --json.
 */
static void
json_finish_results(PQExpBuffer buf, const RunResult *results, int n,
					const MigrationFolder *folder, const char *count_key, double started)
{
	json_key(buf, "migrations", false);
	json_results(buf, results, n, folder);
	json_key(buf, count_key, false);
	appendPQExpBuffer(buf, "%d", n);
	json_key(buf, "duration_ms", false);
	json_number(buf, (now_seconds() - started) * 1000.0);
	json_key(buf, "ok", false);
	appendPQExpBufferStr(buf, "true}\n");
	if (output_json())
		fputs(buf->data, stdout);
}

/* ---- migrate ---- */

typedef struct Registration
{
	const char *version;
	int			row;			/* in the registrations() result */
} Registration;

static int
registration_cmp(const void *a, const void *b)
{
	return strcmp(((const Registration *) a)->version, ((const Registration *) b)->version);
}

/*
 * Does row of registrations() differ from the file?  Checksums are
 * compared, as the server compares scripts; a NULL down script or
 * description in the folder keeps the registered one, so it is no
 * difference.
 */
static bool
registration_differs(PGresult *res, int row, const MigrationFile *file)
{
	if (PQgetisnull(res, row, 1) || strcmp(PQgetvalue(res, row, 1), file->checksum) != 0)
		return true;
	if (file->down_sql != NULL &&
		(PQgetisnull(res, row, 2) ||
		 strcmp(PQgetvalue(res, row, 2), file->down_checksum) != 0))
		return true;
	if (file->description != NULL &&
		(PQgetisnull(res, row, 3) || strcmp(PQgetvalue(res, row, 3), file->description) != 0))
		return true;
	return false;
}

/*
 * Which migrations of the folder must be (re-)registered: those whose
 * version is not registered, or whose up script, down script or
 * description differs from the registered one.  res is the answer of
 * schemamig.registrations() (cleared here), which has checksums, not
 * scripts:
 * an unchanged folder costs one small query, and nothing is sent.  Sets
 * changed[i]; returns the count, or -1 with *failed set on a query error.
 */
static int
changed_migrations(const MigrationFolder *folder, PGresult *res, bool *changed, PGresult **failed)
{
	Registration *rows;
	int			nrows;
	int			count = 0;
	int			i;

	*failed = NULL;
	if (res == NULL)
	{
		/* a server without registrations() (or not for us): send everything */
		for (i = 0; i < folder->nfiles; i++)
			changed[i] = true;
		return folder->nfiles;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		*failed = res;
		return -1;
	}

	/* rows by version, for binary search */
	nrows = PQntuples(res);
	rows = pg_malloc(sizeof(Registration) * (nrows + 1));
	for (i = 0; i < nrows; i++)
	{
		rows[i].version = PQgetvalue(res, i, 0);
		rows[i].row = i;
	}
	qsort(rows, nrows, sizeof(Registration), registration_cmp);

	for (i = 0; i < folder->nfiles; i++)
	{
		const MigrationFile *file = &folder->files[i];
		Registration key = {file->version, -1};
		Registration *hit = nrows > 0 ?
			bsearch(&key, rows, nrows, sizeof(Registration), registration_cmp) : NULL;
		int			row = hit ? hit->row : -1;

		/* registrations() does not say transactional: a NO TRANSACTION file is always sent */
		changed[i] = row < 0 || file->up_no_transaction || registration_differs(res, row, file);
		if (changed[i])
			count++;
	}
	free(rows);
	PQclear(res);
	return count;
}

/*
 * Does registrations() say every registered migration is applied as it
 * stands (so migrate() would do nothing)?  False if it was not asked, or
 * the server does not say.
 */
static bool
all_applied(PGresult *res)
{
	int			i;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQnfields(res) < 5)
		return false;
	for (i = 0; i < PQntuples(res); i++)
		if (strcmp(PQgetvalue(res, i, 4), "t") != 0)
			return false;
	return true;
}

/*
 * Does registrations_digest()'s answer say the folder is exactly what is
 * registered, and is every registration applied as it stands?  Then there
 * is nothing to send and nothing to run.  False when it was not asked or
 * failed (the caller then compares migration by migration).  Clears res.
 */
static bool
digest_says_up_to_date(PGresult *res, const MigrationFolder *folder)
{
	bool		up_to_date = false;

	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
		atoi(PQgetvalue(res, 0, 0)) == folder->nfiles &&
		strcmp(PQgetvalue(res, 0, 2), "t") == 0)
	{
		char	   *digest = folder_digest(folder);

		up_to_date = strcmp(PQgetvalue(res, 0, 1), digest) == 0;
		free(digest);
	}
	PQclear(res);
	return up_to_date;
}

/*
 * Register the migrations that changed.  Returns how many were sent, or -1
 * with *failed set to the failed query's result.
 */
int
register_folder(PGconn *conn, PGresult *registrations, const MigrationFolder *folder,
				PGresult **failed)
{
	char	  **columns[5];
	PQExpBufferData arrays[5];
	const char *params[5];
	bool	   *changed = pg_malloc(sizeof(bool) * (folder->nfiles + 1));
	int			ncolumns = 4;
	PGresult   *res;
	int			nchanged;
	int			n = 0;
	int			c;
	int			i;

	nchanged = changed_migrations(folder, registrations, changed, failed);
	if (nchanged <= 0)
	{
		free(changed);
		return nchanged;
	}
	for (c = 0; c < 5; c++)
		columns[c] = pg_malloc(sizeof(char *) * (nchanged + 1));
	for (i = 0; i < folder->nfiles; i++)
	{
		if (!changed[i])
			continue;
		columns[0][n] = folder->files[i].version;
		columns[1][n] = folder->files[i].up_sql;
		columns[2][n] = folder->files[i].down_sql;
		columns[3][n] = folder->files[i].description;
		columns[4][n] = folder->files[i].up_no_transaction ? "f" : "t";
		if (folder->files[i].up_no_transaction)
			ncolumns = 5;
		n++;
	}
	for (c = 0; c < ncolumns; c++)
	{
		initPQExpBuffer(&arrays[c]);
		text_array_literal(&arrays[c], columns[c], n);
		params[c] = arrays[c].data;
	}
	res = db_query(conn, ncolumns == 5 ? register_in_transaction_sql : register_sql, ncolumns, params);
	for (c = 0; c < 5; c++)
	{
		if (c < ncolumns)
			termPQExpBuffer(&arrays[c]);
		free(columns[c]);
	}
	free(changed);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		*failed = res;
		return -1;
	}
	PQclear(res);
	return n;
}

/* the pending versions, in order, up to target (all when target is NULL) */
static PGresult *
pending_versions(PGconn *conn)
{
	return db_query(conn,
					"SELECT version FROM schemamig.status() WHERE state OPERATOR(pg_catalog.=) 'pending'",
					0, NULL);
}

static int
count_pending_up_to(PGresult *res, const char *target)
{
	int			n = 0;
	int			i;

	for (i = 0; i < PQntuples(res); i++)
		if (target == NULL || version_compare(PQgetvalue(res, i, 0), target) <= 0)
			n++;
	return n;
}

/*
 * Run migrate(target) for real.  On a terminal, a long run goes in chunks
 * (migrate(v) for intermediate pending versions, in the same transaction)
 * so that progress can be shown; otherwise one call.
 */
static PGresult *
run_migrate(PGconn *conn, const CliOptions *opts, const MigrationFolder *folder,
			RunResult **results, int *nresults, double started)
{
	const char *migrate_sql = "SELECT version, result, duration_ms FROM schemamig.migrate($1)";
	const char *params[1];
	PGresult   *pending = NULL;
	PGresult   *res;
	int			total = 0;

	if (progress_wanted())
	{
		pending = pending_versions(conn);
		if (PQresultStatus(pending) != PGRES_TUPLES_OK)
			return pending;
		total = count_pending_up_to(pending, opts->target);
	}

	if (total >= PROGRESS_MIN_PENDING)
	{
		int			step = (total + PROGRESS_CHUNKS - 1) / PROGRESS_CHUNKS;
		int			done = 0;
		int			row;

		progress_update(0, total, NULL, now_seconds() - started);
		for (row = step - 1; row < total - 1; row += step)
		{
			int			i;

			params[0] = PQgetvalue(pending, row, 0);
			res = db_query(conn, migrate_sql, 1, params);
			if (PQresultStatus(res) != PGRES_TUPLES_OK)
			{
				PQclear(pending);
				return res;
			}
			add_results(res, results, nresults);
			for (i = done; i < *nresults; i++)
				print_result_line(&(*results)[i], folder, "up");
			done = *nresults;
			progress_update(done, total, params[0], now_seconds() - started);
			PQclear(res);
		}
	}
	if (pending)
		PQclear(pending);

	params[0] = opts->target;
	res = db_query(conn, migrate_sql, 1, params);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
	{
		int			before = *nresults;
		int			i;

		add_results(res, results, nresults);
		for (i = before; i < *nresults; i++)
			print_result_line(&(*results)[i], folder, "up");
		if (total >= PROGRESS_MIN_PENDING && *nresults > 0)
		{
			progress_update(*nresults, total, (*results)[*nresults - 1].version,
							now_seconds() - started);
			progress_clear();
		}
	}
	return res;
}

/*
 * --dry-run: what would run (the pending versions up to the target) and
 * the linter's findings on their scripts.  The caller rolls back.
 */
static int
dry_run(PGconn *conn, const CliOptions *opts, const ServerInfo *info,
		const MigrationFolder *folder, PQExpBuffer json)
{
	PGresult   *res = pending_versions(conn);
	LintInput  *inputs;
	int			ninputs = 0;
	int			findings = 0;
	int			would = 0;
	int			code = EXIT_OK;
	int			i;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return query_failed(opts, res, "cannot list pending migrations");

	if (opts->target)
	{
		PGresult   *known;
		const char *params[1] = {opts->target};

		known = db_query(conn, "SELECT FROM schemamig.status() WHERE version OPERATOR(pg_catalog.=) $1",
						 1, params);
		if (PQresultStatus(known) != PGRES_TUPLES_OK)
			return query_failed(opts, known, NULL);
		if (PQntuples(known) == 0)
		{
			PQclear(known);
			PQclear(res);
			report_error("migration \"%s\" is not registered (and not in folder \"%s\")",
						 opts->target, opts->dir);
			if (output_json())
				json_result_error(opts->command, NULL);
			return EXIT_FAILED;
		}
		PQclear(known);
	}

	inputs = pg_malloc0(sizeof(LintInput) * (PQntuples(res) + 1));
	json_key(json, "migrations", false);
	appendPQExpBufferChar(json, '[');
	for (i = 0; i < PQntuples(res); i++)
	{
		const char *version = PQgetvalue(res, i, 0);
		const MigrationFile *file = folder_find(folder, version);

		if (opts->target && version_compare(version, opts->target) > 0)
			continue;
		if (would++ > 0)
			appendPQExpBufferStr(json, ", ");
		appendPQExpBufferChar(json, '{');
		json_key(json, "version", true);
		json_string(json, version);
		json_key(json, "description", false);
		json_string(json, file ? file->description : NULL);
		json_key(json, "checksum", false);
		json_string(json, file ? file->checksum : NULL);
		json_key(json, "result", false);
		json_string(json, "would apply");
		appendPQExpBufferChar(json, '}');
		log_event("info", psprintf("dry run: would apply migration %s", version), version, "up",
				  file ? file->checksum : NULL, NAN);
		if (!output_json())
			printf("would apply %s%s%s\n", version,
				   file && file->description ? "  " : "",
				   file && file->description ? file->description : "");
		if (file)
		{
			inputs[ninputs].path = file->up_path;
			inputs[ninputs].version = file->version;
			inputs[ninputs].direction = "up";
			inputs[ninputs].sql = file->up_sql;
			inputs[ninputs].first_line = file->up_line;
			ninputs++;
		}
	}
	appendPQExpBufferChar(json, ']');
	PQclear(res);

	json_key(json, "lint", false);
	if (!info->has_lint)
	{
		appendPQExpBufferStr(json, "null");
		if (!output_json())
			report_note("lint skipped: this server's schemamig extension (version %s) has no "
						"schemamig.lint() function", info->extversion);
	}
	else if (ninputs > 0)
	{
		code = lint_run(conn, inputs, ninputs, output_json() ? FORMAT_JSON : FORMAT_TEXT,
						json, &findings);
		if (code == EXIT_USAGE)
			return code;
	}
	else
		appendPQExpBufferStr(json, "[]");

	if (!output_json())
		printf("dry run: %d migration(s) would be applied%s; nothing was changed\n", would,
			   findings > 0 ? psprintf(", %d lint finding(s)", findings) : "");
	json_key(json, "would_apply", false);
	appendPQExpBuffer(json, "%d", would);
	return code;
}

int
cmd_migrate(const CliOptions *opts)
{
	MigrationFolder folder;
	ServerInfo	info;
	EarlyConnection *early;
	PGconn	   *conn;
	PGresult   *digest;
	PGresult   *registrations;
	PGresult   *res;
	PQExpBufferData json;
	RunResult  *results = NULL;
	int			nresults = 0;
	int			registered;
	bool		up_to_date;
	int			code;
	double		started = now_seconds();

	/* connect while the folder is read (and then help read it): see db_connect_early() */
	early = db_connect_early(opts, folder_read_help);
	if (!read_folder_or_report(opts, &folder, &code))
	{
		db_connect_abandon(early);
		return code;
	}
	log_event("info", psprintf("%s: %d migration(s) in folder %s", opts->dry_run ? "dry run" : "migrate",
							   folder.nfiles, opts->dir), NULL, NULL, NULL, NAN);

	conn = db_connect_finish(early, &info, &digest, &registrations);
	if (conn == NULL)
		return EXIT_USAGE;
	if (!db_require_extension(&info))
	{
		if (output_json())
			json_result_error(opts->command, NULL);
		PQclear(digest);
		PQclear(registrations);
		db_finish(conn);
		return EXIT_USAGE;
	}

	if (opts->no_auto_recover)
	{
		if (info.has_auto_recover)
		{
			if (!db_command(conn, "SET LOCAL schemamig.auto_recover = off"))
			{
				PQclear(digest);
				PQclear(registrations);
				db_finish(conn);
				return EXIT_FAILED;
			}
		}
		else
			log_event("info", "--no-auto-recover: this server has no schemamig.auto_recover setting; "
					  "it never recovers automatically", NULL, NULL, NULL, NAN);
	}

	/* the digest failed: the transaction is aborted, and its error is the one to show */
	if (digest != NULL && PQresultStatus(digest) != PGRES_TUPLES_OK)
	{
		return command_failed(opts, conn, digest, "cannot read the registrations");
	}
	/* an unchanged, applied folder: the digest says so, nothing to compare */
	if (digest_says_up_to_date(digest, &folder))
	{
		up_to_date = true;
		registered = 0;
	}
	else
	{
		if (registrations == NULL)
			registrations = db_registrations(conn, &info);
		up_to_date = all_applied(registrations);
		registered = register_folder(conn, registrations, &folder, &res);
	}
	if (registered < 0)
	{
		return command_failed(opts, conn, res, "cannot register the migrations");
	}

	json_document_open(&json, "migrate");
	json_key(&json, "dir", false);
	json_string(&json, opts->dir);
	json_key(&json, "target", false);
	json_string(&json, opts->target);
	json_key(&json, "dry_run", false);
	appendPQExpBufferStr(&json, opts->dry_run ? "true" : "false");
	json_key(&json, "files", false);
	appendPQExpBuffer(&json, "%d", folder.nfiles);
	json_key(&json, "registered", false);
	appendPQExpBuffer(&json, "%d", registered);

	if (opts->dry_run)
	{
		code = dry_run(conn, opts, &info, &folder, &json);
		/* undo the registrations: a dry run changes nothing */
		res = PQexec(conn, "ROLLBACK");
		PQclear(res);
		db_finish(conn);
		if (code == EXIT_OK || code == EXIT_FAILED)
		{
			json_key(&json, "ok", false);
			appendPQExpBufferStr(&json, code == EXIT_OK ? "true" : "false");
			appendPQExpBufferStr(&json, "}\n");
			if (output_json())
				fputs(json.data, stdout);
		}
		termPQExpBuffer(&json);
		return code;
	}

	/* nothing sent and everything registered applied: migrate() has nothing to do */
	if (!(registered == 0 && up_to_date))
	{
		res = run_migrate(conn, opts, &folder, &results, &nresults, started);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			termPQExpBuffer(&json);
			return command_failed(opts, conn, res, "migration failed; nothing was applied");
		}
		PQclear(res);
	}
	res = PQexec(conn, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		termPQExpBuffer(&json);
		return command_failed(opts, conn, res, "cannot commit the migrations");
	}
	PQclear(res);
	db_finish(conn);

	json_finish_results(&json, results, nresults, &folder, "applied", started);
	if (!output_json() && nresults == 0)
		printf("nothing to apply: %s is up to date (%d migration(s) in %s)\n",
			   info.database, folder.nfiles, opts->dir);
	else if (!output_json())
		printf("applied %d migration(s) in %.3f s\n", nresults, now_seconds() - started);
	log_event("info", psprintf("migrate finished: %d applied", nresults), NULL, "up", NULL,
			  (now_seconds() - started) * 1000.0);
	termPQExpBuffer(&json);
	return EXIT_OK;
}

/* ---- status ---- */

int
cmd_status(const CliOptions *opts)
{
	MigrationFolder folder;
	bool		with_folder = opts->dir_given;
	ServerInfo	info;
	PGconn	   *conn;
	PGresult   *res;
	PQExpBufferData json;
	int			code;
	int			i;
	int			j;

	if (with_folder && !read_folder_or_report(opts, &folder, &code))
		return code;
	conn = connect_ready(opts, &info, false, &code);
	if (conn == NULL)
		return code;
	res = db_query(conn, status_sql, 0, NULL);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		return command_failed(opts, conn, res, NULL);
	}

	json_document_open(&json, "status");
	json_key(&json, "database", false);
	json_string(&json, info.database);
	json_key(&json, "migrations", false);
	appendPQExpBufferChar(&json, '[');
	if (!output_json())
		printf("%-20s %-9s %-23s %10s  %s\n", "version", "state", "applied at", "ms", "description");
	for (i = 0; i < PQntuples(res); i++)
	{
		const char *version = PQgetvalue(res, i, 0);
		const MigrationFile *file = with_folder ? folder_find(&folder, version) : NULL;
		const char *file_state = NULL;

		if (with_folder)
			file_state = file == NULL ? "not in folder"
				: strcmp(file->checksum, PQgetvalue(res, i, 3)) != 0 ? "file differs" : "same";
		if (i > 0)
			appendPQExpBufferStr(&json, ", ");
		appendPQExpBufferChar(&json, '{');
		json_key(&json, "version", true);
		json_string(&json, version);
		json_key(&json, "description", false);
		json_string(&json, PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1));
		json_key(&json, "state", false);
		json_string(&json, PQgetvalue(res, i, 2));
		json_key(&json, "checksum", false);
		json_string(&json, PQgetvalue(res, i, 3));
		json_key(&json, "applied_at", false);
		json_string(&json, PQgetisnull(res, i, 4) ? NULL : PQgetvalue(res, i, 4));
		json_key(&json, "duration_ms", false);
		json_number(&json, PQgetisnull(res, i, 5) ? NAN : strtod(PQgetvalue(res, i, 5), NULL));
		if (with_folder)
		{
			json_key(&json, "file", false);
			json_string(&json, file_state);
		}
		appendPQExpBufferChar(&json, '}');
		if (!output_json())
		{
			char		applied_at[24];

			snprintf(applied_at, sizeof(applied_at), "%s",
					 PQgetisnull(res, i, 4) ? "-" : PQgetvalue(res, i, 4));
			printf("%-20s %-9s %-23s %10s  %s%s%s%s\n", version, PQgetvalue(res, i, 2),
				   applied_at,
				   PQgetisnull(res, i, 5) ? "-" : psprintf("%.1f", strtod(PQgetvalue(res, i, 5), NULL)),
				   PQgetisnull(res, i, 1) ? "" : PQgetvalue(res, i, 1),
				   file_state && strcmp(file_state, "same") != 0 ? " [" : "",
				   file_state && strcmp(file_state, "same") != 0 ? file_state : "",
				   file_state && strcmp(file_state, "same") != 0 ? "]" : "");
		}
	}
	/* files the database has never seen */
	for (j = 0; with_folder && j < folder.nfiles; j++)
	{
		const MigrationFile *file = &folder.files[j];

		for (i = 0; i < PQntuples(res); i++)
			if (strcmp(PQgetvalue(res, i, 0), file->version) == 0)
				break;
		if (i < PQntuples(res))
			continue;
		if (json.data[json.len - 1] != '[')
			appendPQExpBufferStr(&json, ", ");
		appendPQExpBufferChar(&json, '{');
		json_key(&json, "version", true);
		json_string(&json, file->version);
		json_key(&json, "description", false);
		json_string(&json, file->description);
		json_key(&json, "state", false);
		json_string(&json, "unregistered");
		json_key(&json, "checksum", false);
		json_string(&json, file->checksum);
		json_key(&json, "applied_at", false);
		appendPQExpBufferStr(&json, "null");
		json_key(&json, "duration_ms", false);
		appendPQExpBufferStr(&json, "null");
		json_key(&json, "file", false);
		json_string(&json, "only in folder");
		appendPQExpBufferChar(&json, '}');
		if (!output_json())
			printf("%-20s %-9s %-23s %10s  %s\n", file->version, "new", "-", "-",
				   file->description ? file->description : "");
	}
	appendPQExpBufferChar(&json, ']');
	json_key(&json, "ok", false);
	appendPQExpBufferStr(&json, "true}\n");
	if (output_json())
		fputs(json.data, stdout);
	log_event("info", psprintf("status: %d migration(s) known", PQntuples(res)), NULL, NULL, NULL, NAN);
	termPQExpBuffer(&json);
	PQclear(res);
	db_finish(conn);
	return EXIT_OK;
}

/* ---- validate ---- */

static void
add_problem(PQExpBuffer json, int *n, const char *version, const char *problem)
{
	if ((*n)++ > 0)
		appendPQExpBufferStr(json, ", ");
	appendPQExpBufferChar(json, '{');
	json_key(json, "version", true);
	json_string(json, version);
	json_key(json, "problem", false);
	json_string(json, problem);
	appendPQExpBufferChar(json, '}');
	log_event("error", problem, version, NULL, NULL, NAN);
	if (!output_json())
	{
		printf("%s: ", version);
		print_redacted(stdout, problem);
		putchar('\n');
	}
}

int
cmd_validate(const CliOptions *opts)
{
	MigrationFolder folder;
	bool		with_folder = opts->dir_given;
	ServerInfo	info;
	PGconn	   *conn;
	PGresult   *res;
	PGresult   *status = NULL;
	PQExpBufferData json;
	int			problems = 0;
	int			code;
	int			i;

	if (with_folder && !read_folder_or_report(opts, &folder, &code))
		return code;
	conn = connect_ready(opts, &info, false, &code);
	if (conn == NULL)
		return code;
	res = db_query(conn, "SELECT version, problem FROM schemamig.validate()", 0, NULL);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		return command_failed(opts, conn, res, NULL);
	}
	if (with_folder)
	{
		status = db_query(conn, status_sql, 0, NULL);
		if (PQresultStatus(status) != PGRES_TUPLES_OK)
		{
			PQclear(res);
			return command_failed(opts, conn, status, NULL);
		}
	}

	json_document_open(&json, "validate");
	json_key(&json, "problems", false);
	appendPQExpBufferChar(&json, '[');
	for (i = 0; i < PQntuples(res); i++)
		add_problem(&json, &problems, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));

	/* the folder against the database: applied scripts must not change */
	for (i = 0; status && i < PQntuples(status); i++)
	{
		const char *version = PQgetvalue(status, i, 0);
		const char *state = PQgetvalue(status, i, 2);
		const MigrationFile *file = folder_find(&folder, version);
		bool		applied = strcmp(state, "pending") != 0;

		if (file == NULL && applied)
			add_problem(&json, &problems, version,
						psprintf("applied, but there is no file for it in %s", opts->dir));
		else if (file && applied && strcmp(file->checksum, PQgetvalue(status, i, 3)) != 0)
			add_problem(&json, &problems, version,
						psprintf("%s differs from the applied migration (file checksum %s, registered %s)",
								 file->up_path, file->checksum, PQgetvalue(status, i, 3)));
	}
	appendPQExpBufferChar(&json, ']');
	json_key(&json, "ok", false);
	appendPQExpBufferStr(&json, problems == 0 ? "true}\n" : "false}\n");
	if (output_json())
		fputs(json.data, stdout);
	else if (problems == 0)
		printf("valid: no problems found in %s\n", info.database);
	else
		printf("%d problem(s) found\n", problems);
	termPQExpBuffer(&json);
	PQclear(res);
	if (status)
		PQclear(status);
	db_finish(conn);
	return problems == 0 ? EXIT_OK : EXIT_FAILED;
}

/* ---- rollback ---- */

int
cmd_rollback(const CliOptions *opts)
{
	ServerInfo	info;
	PGconn	   *conn;
	PGresult   *res;
	PQExpBufferData json;
	RunResult  *results = NULL;
	int			nresults = 0;
	const char *params[1];
	char		steps[32];
	int			code;
	int			i;
	double		started = now_seconds();

	conn = connect_ready(opts, &info, false, &code);
	if (conn == NULL)
		return code;
	if (opts->target)
	{
		params[0] = opts->target;
		res = db_query(conn, "SELECT version, result, duration_ms FROM schemamig.rollback_to($1)",
					   1, params);
	}
	else
	{
		snprintf(steps, sizeof(steps), "%d", opts->steps);
		params[0] = steps;
		res = db_query(conn, "SELECT version, result, duration_ms FROM schemamig.rollback($1::pg_catalog.int4)",
					   1, params);
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		return command_failed(opts, conn, res, "rollback failed; nothing was rolled back");
	}
	add_results(res, &results, &nresults);
	PQclear(res);
	db_finish(conn);

	for (i = 0; i < nresults; i++)
		print_result_line(&results[i], NULL, "down");
	json_document_open(&json, "rollback");
	json_finish_results(&json, results, nresults, NULL, "rolled_back", started);
	if (!output_json() && nresults == 0)
		printf("nothing to roll back\n");
	else if (!output_json())
		printf("rolled back %d migration(s) in %.3f s\n", nresults, now_seconds() - started);
	termPQExpBuffer(&json);
	return EXIT_OK;
}

/* ---- repair, baseline ---- */

static int
single_value_command(const CliOptions *opts, const char *sql, int nparams,
					 const char *const *params, const char *json_field, const char *text_format)
{
	ServerInfo	info;
	PGconn	   *conn;
	PGresult   *res;
	PQExpBufferData json;
	int			code;
	char	   *value;

	conn = connect_ready(opts, &info, false, &code);
	if (conn == NULL)
		return code;
	res = db_query(conn, sql, nparams, params);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		return command_failed(opts, conn, res, NULL);
	}
	value = pg_strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	db_finish(conn);

	log_event("info", psprintf("%s %s: %s", opts->command, params[0], value), params[0],
			  NULL, NULL, NAN);
	json_document_open(&json, opts->command);
	json_key(&json, "version", false);
	json_string(&json, params[0]);
	json_key(&json, json_field, false);
	if (strcmp(json_field, "marked") == 0)
		appendPQExpBufferStr(&json, value);
	else
		json_string(&json, value);
	json_key(&json, "ok", false);
	appendPQExpBufferStr(&json, "true}\n");
	if (output_json())
		fputs(json.data, stdout);
	else
	{
		char	   *line = psprintf(text_format, params[0], value);

		print_redacted(stdout, line);
		putchar('\n');
	}
	termPQExpBuffer(&json);
	return EXIT_OK;
}

int
cmd_repair(const CliOptions *opts)
{
	const char *params[2] = {opts->args[0], NULL};

	if (opts->dir_given)
	{
		MigrationFolder folder;
		const MigrationFile *file;
		int			code;

		if (!read_folder_or_report(opts, &folder, &code))
			return code;
		file = folder_find(&folder, opts->args[0]);
		if (file == NULL)
		{
			report_error("migration \"%s\" is not in folder \"%s\"", opts->args[0], opts->dir);
			if (output_json())
				json_result_error(opts->command, NULL);
			return EXIT_FAILED;
		}
		params[1] = file->up_sql;
	}
	return single_value_command(opts, "SELECT schemamig.repair($1, $2)", 2, params,
								"result", "repair %s: %s");
}

int
cmd_baseline(const CliOptions *opts)
{
	const char *params[2] = {opts->args[0], opts->description ? opts->description : "baseline"};

	return single_value_command(opts, "SELECT schemamig.baseline($1, $2)", 2, params,
								"marked", "baseline %s: %s migration(s) marked as applied");
}
