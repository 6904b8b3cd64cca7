/*-------------------------------------------------------------------------
 *
 * commands.c
 *		The commands that change or read migration state: migrate, status,
 *		validate, rollback, repair, baseline.
 *
 * Invariants:
 *	- migrate sends the folder in one round trip (one statement that calls
 *	  schemamig.register() once per migration whose text is not already
 *	  registered) and plans the deploy with schemamig.deploy_plan(), in one
 *	  transaction that commits before any migration runs (unless the
 *	  registrations_digest() says nothing is to be done: then nothing is
 *	  sent or run); deploy.c then runs the plan, one migration per
 *	  transaction (or, with --single-transaction, in that same transaction);
 *	- only the folder's migrations are applied; registered pending ones
 *	  not in the folder are reported;
 *	- --dry-run does the same registration and plan, then runs each
 *	  pending migration as the run would (deploy_step() in a savepoint,
 *	  after linting it, and with --trace after tracing it), and rolls back:
 *	  nothing is changed, not even the event log;
 *	- the server decides: order, checksums of record, what is pending,
 *	  locking.  The client reports, and says "applied" only of what
 *	  committed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <math.h>

#include "schemamig_cli.h"

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
	{
		notices_name_files_of(folder);
		return true;
	}
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
		printf("  %s", terminal_safe(file->description, false));
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

/*
 * deploy_plan() for the folder's versions up to the target: the rows
 * (version, result, duration_ms) say what the deploy does, in order.
 */
static PGresult *
plan_deploy(PGconn *conn, const CliOptions *opts, const MigrationFolder *folder)
{
	char	  **versions = pg_malloc(sizeof(char *) * (folder->nfiles + 1));
	PQExpBufferData array;
	const char *params[2];
	PGresult   *res;
	int			i;

	for (i = 0; i < folder->nfiles; i++)
		versions[i] = folder->files[i].version;
	initPQExpBuffer(&array);
	text_array_literal(&array, versions, folder->nfiles);
	params[0] = array.data;
	params[1] = opts->target;
	res = db_query(conn, "SELECT version, result, duration_ms"
				   " FROM schemamig.deploy_plan($1::pg_catalog.text[], $2)", 2, params);
	termPQExpBuffer(&array);
	free(versions);
	return res;
}

/* what a deploy did, or would do, and the registrations it leaves alone */
typedef struct Deploy
{
	DeployItem *items;			/* recoveries first, then the plan */
	int			nitems;
	char	  **not_in_folder;	/* registered, pending, not in the folder */
	int			nnot_in_folder;
	bool		recovery_queued;	/* a dirty migration's down script went to the worker */
} Deploy;

/* read deploy_plan()'s rows; recoveries (already done) come with their result */
static void
deploy_from_plan(PGresult *plan, Deploy *deploy)
{
	int			i;

	memset(deploy, 0, sizeof(*deploy));
	deploy->items = pg_malloc0(sizeof(DeployItem) * (PQntuples(plan) + 1));
	deploy->not_in_folder = pg_malloc0(sizeof(char *) * (PQntuples(plan) + 1));
	for (i = 0; i < PQntuples(plan); i++)
	{
		const char *result = PQgetvalue(plan, i, 1);
		DeployItem *item;

		if (strcmp(result, "not_in_folder") == 0)
		{
			deploy->not_in_folder[deploy->nnot_in_folder++] = pg_strdup(PQgetvalue(plan, i, 0));
			continue;
		}
		item = &deploy->items[deploy->nitems++];
		item->version = pg_strdup(PQgetvalue(plan, i, 0));
		item->duration_ms = PQgetisnull(plan, i, 2) ? NAN : strtod(PQgetvalue(plan, i, 2), NULL);
		item->worker = strcmp(result, "pending_worker") == 0;
		if (strcmp(result, "recovered") == 0)
			item->result = "recovered";
		else if (strcmp(result, "queued") == 0)
		{
			item->result = "queued";
			deploy->recovery_queued = true;
		}
	}
}

/* what the lines of a deploy need: the folder, and a counter on a terminal */
typedef struct DeployProgress
{
	const MigrationFolder *folder;
	int			total;
	int			done;
	double		started;
} DeployProgress;

/* a migration's line, as it commits, and the counter */
static void
print_item(const DeployItem *item, void *arg)
{
	DeployProgress *progress = arg;
	RunResult	r = {item->version, (char *) item->result, item->duration_ms};

	print_result_line(&r, progress->folder, "up");
	progress_update(++progress->done, progress->total, item->version,
					now_seconds() - progress->started);
}

static void
report_not_in_folder(const Deploy *deploy, const CliOptions *opts)
{
	int			i;

	for (i = 0; i < deploy->nnot_in_folder; i++)
	{
		log_event("warning", psprintf("migration %s is registered, not in folder %s; not applied",
									  deploy->not_in_folder[i], opts->dir),
				  deploy->not_in_folder[i], "up", NULL, NAN);
		if (!output_json())
			report_note("migration %s: registered, not in folder %s; this deploy does not apply it",
						deploy->not_in_folder[i], opts->dir);
	}
}

/* how many items have this result (NULL: pending) */
static int
count_result(const Deploy *deploy, const char *result)
{
	int			n = 0;
	int			i;

	for (i = 0; i < deploy->nitems; i++)
		if (result == NULL ? deploy->items[i].result == NULL
			: deploy->items[i].result != NULL && strcmp(deploy->items[i].result, result) == 0)
			n++;
	return n;
}

/*
 * The end of migrate's JSON document: every migration with its result
 * ("pending" for those not reached), the counts, what is registered but
 * not in the folder, the outcome; then print it under --json.
 */
static void
json_finish_deploy(PQExpBuffer buf, const Deploy *deploy, const MigrationFolder *folder,
				   const char *outcome, const PGresult *error, double started)
{
	static const char *const counted[] = {"applied", "queued", "skipped", "failed", NULL};
	RunResult  *results = pg_malloc0(sizeof(RunResult) * (deploy->nitems + 1));
	int			i;

	for (i = 0; i < deploy->nitems; i++)
	{
		results[i].version = deploy->items[i].version;
		results[i].result = (char *) (deploy->items[i].result ? deploy->items[i].result : "pending");
		results[i].duration_ms = deploy->items[i].duration_ms;
	}
	json_key(buf, "migrations", false);
	json_results(buf, results, deploy->nitems, folder);
	free(results);
	for (i = 0; i < (int) lengthof(counted); i++)
	{
		json_key(buf, counted[i] ? counted[i] : "pending", false);
		appendPQExpBuffer(buf, "%d", count_result(deploy, counted[i]));
	}
	json_key(buf, "not_in_folder", false);
	text_array_json(buf, deploy->not_in_folder, deploy->nnot_in_folder);
	json_key(buf, "outcome", false);
	json_string(buf, outcome);
	json_key(buf, "duration_ms", false);
	json_number(buf, (now_seconds() - started) * 1000.0);
	json_key(buf, "ok", false);
	/* ok: every migration of the folder (up to the target) is applied */
	appendPQExpBufferStr(buf, strcmp(outcome, "applied") == 0 || strcmp(outcome, "up_to_date") == 0
						 ? "true" : "false");
	if (error)
	{
		json_key(buf, "error", false);
		appendPQExpBufferChar(buf, '{');
		json_error_fields(buf, error);
		appendPQExpBufferChar(buf, '}');
	}
	appendPQExpBufferStr(buf, "}\n");
	if (output_json())
		fputs(buf->data, stdout);
}

/* the elements of the JSON array one (written "[...]") appended to the list in all */
static void
json_array_append(PQExpBuffer all, PQExpBuffer one)
{
	if (one->len <= 2)
		return;
	if (all->len > 0)
		appendPQExpBufferStr(all, ", ");
	appendBinaryPQExpBuffer(all, one->data + 1, one->len - 2);
}

/*
 * --dry-run --trace: the migration's up script through schemamig.trace(),
 * against the state the migrations before it left in the dry run's
 * transaction (so a lock one of them took shows as already held), in a
 * savepoint so that a refused trace() (no EXECUTE privilege, no such
 * function) leaves the dry run's transaction usable for its report.
 * Text to stdout, JSON rows appended to trace_json.  Returns 0, or the
 * exit code of the failed call.
 */
static int
dry_run_trace(PGconn *conn, const MigrationFile *file, PQExpBuffer trace_json)
{
	LintInput	input = {file->up_path, file->version, "up", file->up_sql, file->up_line};
	PQExpBufferData one;
	int			code;

	initPQExpBuffer(&one);
	PQclear(PQexec(conn, "SAVEPOINT schemamig_dry_run_trace"));
	code = trace_run(conn, &input, 1, output_json() ? FORMAT_JSON : FORMAT_TEXT, &one);
	PQclear(PQexec(conn, code == EXIT_OK ? "RELEASE SAVEPOINT schemamig_dry_run_trace"
				   : "ROLLBACK TO SAVEPOINT schemamig_dry_run_trace"));
	if (code == EXIT_OK)
		json_array_append(trace_json, &one);
	termPQExpBuffer(&one);
	return code;
}

/*
 * --dry-run: the run itself, in the transaction the caller rolls back.
 * Each pending migration is linted after the ones before it ran (so what
 * they created is new, as in the real run), then run as the real run runs
 * it (deploy_step(), in a savepoint); the first failure is where the real
 * run would stop.  Migrations for the worker cannot run here: they are
 * linted and reported as going to the worker.
 */
static int
dry_run(PGconn *conn, const CliOptions *opts, const ServerInfo *info,
		const MigrationFolder *folder, Deploy *deploy, PQExpBuffer json)
{
	PQExpBufferData lint_json;
	PQExpBufferData trace_json;
	int			findings = 0;
	int			would = 0;
	int			code = EXIT_OK;
	int			i;

	initPQExpBuffer(&lint_json);
	initPQExpBuffer(&trace_json);
	report_not_in_folder(deploy, opts);
	for (i = 0; i < deploy->nitems; i++)
	{
		DeployItem *item = &deploy->items[i];
		const MigrationFile *file = folder_find(folder, item->version);
		PGresult   *res;

		if (item->result)		/* a recovery, done in this transaction */
		{
			if (!output_json())
				printf("would %s %s\n", strcmp(item->result, "queued") == 0
					   ? "queue the recovery of" : "recover", item->version);
			continue;
		}
		if (file && info->has_lint)
		{
			LintInput	input = {file->up_path, file->version, "up", file->up_sql, file->up_line};
			PQExpBufferData one;
			int			n = 0;

			initPQExpBuffer(&one);
			if (lint_run(conn, &input, 1, false, output_json() ? FORMAT_JSON : FORMAT_TEXT, &one, &n) == EXIT_USAGE)
			{
				termPQExpBuffer(&one);
				return EXIT_USAGE;
			}
			/* one array of findings for the whole run */
			json_array_append(&lint_json, &one);
			termPQExpBuffer(&one);
			findings += n;
		}
		if (file && opts->trace)
		{
			code = dry_run_trace(conn, file, &trace_json);
			if (code != EXIT_OK)
				break;
		}
		if (item->worker)
		{
			item->result = "would queue";
			log_event("info", psprintf("dry run: migration %s would go to the worker", item->version),
					  item->version, "up", file ? file->checksum : NULL, NAN);
			if (!output_json())
				printf("would queue %s%s%s  (the schemamig worker runs it; the deploy waits)\n",
					   item->version, file && file->description ? "  " : "",
					   file && file->description ? terminal_safe(file->description, false) : "");
			would++;
			continue;
		}
		PQclear(PQexec(conn, "SAVEPOINT schemamig_dry_run"));
		res = db_query(conn, "SELECT result, duration_ms, job FROM schemamig.deploy_step($1)",
					   1, (const char *const *) &item->version);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			item->result = "would fail";
			report_server_error(res, psprintf("dry run: migration %s would fail", item->version));
			PQclear(res);
			PQclear(PQexec(conn, "ROLLBACK TO SAVEPOINT schemamig_dry_run"));
			code = EXIT_FAILED;
			break;
		}
		PQclear(res);
		PQclear(PQexec(conn, "RELEASE SAVEPOINT schemamig_dry_run"));
		item->result = "would apply";
		would++;
		log_event("info", psprintf("dry run: would apply migration %s", item->version), item->version,
				  "up", file ? file->checksum : NULL, NAN);
		if (!output_json())
			printf("would apply %s%s%s\n", item->version,
				   file && file->description ? "  " : "",
				   file && file->description ? terminal_safe(file->description, false) : "");
	}

	if (opts->trace)
	{
		json_key(json, "trace", false);
		appendPQExpBuffer(json, "[%s]", trace_json.data);
	}
	termPQExpBuffer(&trace_json);
	json_key(json, "lint", false);
	if (!info->has_lint)
	{
		appendPQExpBufferStr(json, "null");
		if (!output_json())
			report_note("lint skipped: this server's schemamig extension (version %s) has no "
						"schemamig.lint() function", info->extversion);
	}
	else
		appendPQExpBuffer(json, "[%s]", lint_json.data);
	termPQExpBuffer(&lint_json);
	if (findings > 0 && code == EXIT_OK)
		code = EXIT_FAILED;

	if (!output_json())
		printf("dry run: %d migration(s) would be applied%s; nothing was changed\n", would,
			   findings > 0 ? psprintf(", %d lint finding(s)", findings) : "");
	json_key(json, "would_apply", false);
	appendPQExpBuffer(json, "%d", would);
	return code;
}

/*
 * Register what changed and plan the deploy, in the transaction the
 * connection has open; a busy worker (SM006) is waited for, the
 * transaction rolled back and the whole done again.  Returns NULL with
 * *deploy set, or the failed query's result (*context says what failed).
 * *fast is set when the digest says nothing is to be done.
 */
static PGresult *
prepare_deploy(PGconn *conn, const CliOptions *opts, const ServerInfo *info,
			   const MigrationFolder *folder, PGresult *digest, PGresult *registrations,
			   DeployLimits *limits, Deploy *deploy, int *registered, bool *fast,
			   const char **context)
{
	double		busy_since = 0;
	int			busy_pauses = 0;

	*fast = false;
	for (;;)
	{
		PGresult   *res = NULL;
		bool		up_to_date;

		*context = "cannot register the migrations";
		if (digest_says_up_to_date(digest, folder))
		{
			/* an unchanged, applied folder: the digest says so, nothing to compare */
			*registered = 0;
			*fast = true;
			if (registrations)
				PQclear(registrations);
			return NULL;
		}
		digest = NULL;
		if (registrations == NULL)
			registrations = db_registrations(conn, info);
		up_to_date = all_applied(registrations);
		*registered = register_folder(conn, registrations, folder, &res);
		registrations = NULL;
		if (*registered == 0 && up_to_date)
		{
			*fast = true;
			return NULL;
		}
		if (*registered >= 0)
		{
			*context = "cannot read the deploy settings";
			res = deploy_read_limits(conn, opts, limits);
		}
		if (res == NULL)
		{
			*context = "cannot plan the deploy";
			res = plan_deploy(conn, opts, folder);
			if (PQresultStatus(res) == PGRES_TUPLES_OK)
			{
				deploy_from_plan(res, deploy);
				PQclear(res);
				return NULL;
			}
		}
		if (!deploy_busy_pause(res, limits, &busy_since, &busy_pauses))
			return res;
		PQclear(res);
		PQclear(PQexec(conn, "ROLLBACK"));
		PQclear(PQexec(conn, "BEGIN"));
		if (opts->no_auto_recover && info->has_auto_recover)
			PQclear(PQexec(conn, "SET LOCAL schemamig.auto_recover = off"));
	}
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
	DeployLimits limits = {0, 0, 0, -1, false};
	Deploy		deploy;
	DeployRun	run;
	DeployProgress progress;
	const char *context;
	const char *outcome;
	int			registered;
	bool		fast;
	int			code;
	int			i;
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
		return command_failed(opts, conn, digest, "cannot read the registrations");

	memset(&deploy, 0, sizeof(deploy));
	res = prepare_deploy(conn, opts, &info, &folder, digest, registrations, &limits, &deploy,
						 &registered, &fast, &context);
	if (res != NULL)
		return command_failed(opts, conn, res, context);

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
		code = fast ? EXIT_OK : dry_run(conn, opts, &info, &folder, &deploy, &json);
		if (fast && !output_json())
			printf("dry run: 0 migration(s) would be applied; nothing was changed\n");
		/* undo the registrations: a dry run changes nothing */
		res = PQexec(conn, "ROLLBACK");
		PQclear(res);
		db_finish(conn);
		if (code == EXIT_OK || code == EXIT_FAILED)
		{
			json_key(&json, "migrations", false);
			appendPQExpBufferChar(&json, '[');
			for (i = 0; i < deploy.nitems; i++)
			{
				const MigrationFile *file = folder_find(&folder, deploy.items[i].version);

				if (i > 0)
					appendPQExpBufferStr(&json, ", ");
				appendPQExpBufferChar(&json, '{');
				json_key(&json, "version", true);
				json_string(&json, deploy.items[i].version);
				json_key(&json, "description", false);
				json_string(&json, file ? file->description : NULL);
				json_key(&json, "checksum", false);
				json_string(&json, file ? file->checksum : NULL);
				json_key(&json, "result", false);
				json_string(&json, deploy.items[i].result ? deploy.items[i].result : "not reached");
				appendPQExpBufferChar(&json, '}');
			}
			appendPQExpBufferChar(&json, ']');
			json_key(&json, "not_in_folder", false);
			text_array_json(&json, deploy.not_in_folder, deploy.nnot_in_folder);
			json_key(&json, "ok", false);
			appendPQExpBufferStr(&json, code == EXIT_OK ? "true" : "false");
			appendPQExpBufferStr(&json, "}\n");
			if (output_json())
				fputs(json.data, stdout);
		}
		termPQExpBuffer(&json);
		return code;
	}

	if (fast)
	{
		/* nothing sent and everything registered applied: nothing to do */
		res = PQexec(conn, "COMMIT");
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
		{
			termPQExpBuffer(&json);
			return command_failed(opts, conn, res, "cannot commit the registrations");
		}
		PQclear(res);
		db_finish(conn);
		json_finish_deploy(&json, &deploy, &folder, "up_to_date", NULL, started);
		if (!output_json())
			printf("nothing to apply: %s is up to date (%d migration(s) in %s)\n",
				   info.database, folder.nfiles, opts->dir);
		log_event("info", "migrate finished: nothing to apply", NULL, "up", NULL,
				  (now_seconds() - started) * 1000.0);
		termPQExpBuffer(&json);
		return EXIT_OK;
	}

	report_not_in_folder(&deploy, opts);
	progress.folder = &folder;
	progress.total = deploy.nitems;
	progress.done = 0;
	progress.started = started;
	for (i = 0; i < deploy.nitems; i++)
		if (deploy.items[i].result)
			print_item(&deploy.items[i], &progress);

	/* registrations, plan and recoveries commit first, except in one transaction */
	if (!opts->single_transaction)
	{
		res = PQexec(conn, "COMMIT");
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
		{
			termPQExpBuffer(&json);
			return command_failed(opts, conn, res, "cannot commit the registrations");
		}
		PQclear(res);
	}

	run.items = deploy.items;
	run.nitems = deploy.nitems;
	run.limits = &limits;
	run.on_result = opts->single_transaction ? NULL : print_item;
	run.arg = &progress;
	if (deploy.recovery_queued)
		code = EXIT_QUEUED;		/* a recovery must finish before anything else runs */
	else
		code = deploy_run(conn, &run, opts->single_transaction, &res);
	if (opts->single_transaction)
		for (i = 0; i < deploy.nitems; i++)
			if (deploy.items[i].result && strcmp(deploy.items[i].result, "failed") != 0 &&
				strcmp(deploy.items[i].result, "recovered") != 0)
				print_item(&deploy.items[i], &progress);
	progress_clear();

	outcome = code == EXIT_OK ? "applied" : code == EXIT_QUEUED ? "queued" : "failed";
	if (code == EXIT_FAILED)
	{
		for (i = 0; i < deploy.nitems; i++)
			if (deploy.items[i].result && strcmp(deploy.items[i].result, "failed") == 0)
				break;
		report_server_error(res, i < deploy.nitems
							? psprintf("migration %s failed", deploy.items[i].version)
							: "the deploy failed");
		/* a connection lost mid-way is exit 2, as everywhere */
		if (PQstatus(conn) == CONNECTION_BAD)
			code = EXIT_USAGE;
	}
	db_finish(conn);
	json_finish_deploy(&json, &deploy, &folder, outcome, code == EXIT_FAILED ? res : NULL, started);
	if (res)
		PQclear(res);
	if (!output_json())
	{
		printf("applied %d migration(s) in %.3f s", count_result(&deploy, "applied"),
			   now_seconds() - started);
		printf("; queued %d, skipped %d, failed %d, pending %d\n",
			   count_result(&deploy, "queued"), count_result(&deploy, "skipped"),
			   count_result(&deploy, "failed"), count_result(&deploy, NULL));
		if (code == EXIT_QUEUED)
			printf("not done: %d migration(s) queued for the schemamig worker and not waited for; "
				   "run migrate again to wait for them and apply the rest\n",
				   count_result(&deploy, "queued"));
	}
	log_event(code == EXIT_OK ? "info" : "error",
			  psprintf("migrate finished (%s): %d applied, %d queued, %d skipped, %d failed, %d pending",
					   outcome, count_result(&deploy, "applied"), count_result(&deploy, "queued"),
					   count_result(&deploy, "skipped"), count_result(&deploy, "failed"),
					   count_result(&deploy, NULL)),
			  NULL, "up", NULL, (now_seconds() - started) * 1000.0);
	termPQExpBuffer(&json);
	return code;
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
			file_state = file == NULL
				? (strcmp(PQgetvalue(res, i, 2), "pending") == 0 ? "registered, not in folder" : "not in folder")
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
				   PQgetisnull(res, i, 1) ? "" : terminal_safe(PQgetvalue(res, i, 1), false),
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
				   file->description ? terminal_safe(file->description, false) : "");
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
	char	  **not_in_folder = NULL;
	int			nnot_in_folder = 0;
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
		not_in_folder = pg_malloc0(sizeof(char *) * (PQntuples(status) + 1));
	}

	json_document_open(&json, "validate");
	json_key(&json, "problems", false);
	appendPQExpBufferChar(&json, '[');
	for (i = 0; i < PQntuples(res); i++)
	{
		const char *problem = PQgetvalue(res, i, 1);
		const MigrationFile *file = with_folder ? folder_find(&folder, PQgetvalue(res, i, 0)) : NULL;

		/* a down script that does not parse: name its file */
		if (file && file->down_path && strncmp(problem, "down script", 11) == 0)
			problem = psprintf("%s: %s", file->down_path, problem);
		add_problem(&json, &problems, PQgetvalue(res, i, 0), problem);
	}

	/* the folder against the database: applied scripts must not change */
	for (i = 0; status && i < PQntuples(status); i++)
	{
		const char *version = PQgetvalue(status, i, 0);
		const char *state = PQgetvalue(status, i, 2);
		const MigrationFile *file = folder_find(&folder, version);
		bool		applied = strcmp(state, "pending") != 0;

		/* not a problem: a deploy of the folder leaves it alone, and says so */
		if (file == NULL && !applied)
		{
			not_in_folder[nnot_in_folder++] = PQgetvalue(status, i, 0);
			if (!output_json())
				printf("%s: registered, not in folder %s (a deploy of the folder does not apply it)\n",
					   version, opts->dir);
		}
		else if (file == NULL && applied)
			add_problem(&json, &problems, version,
						psprintf("applied, but there is no file for it in %s", opts->dir));
		else if (file && applied && strcmp(file->checksum, PQgetvalue(status, i, 3)) != 0)
			add_problem(&json, &problems, version,
						psprintf("%s differs from the applied migration (file checksum %s, registered %s)",
								 file->up_path, file->checksum, PQgetvalue(status, i, 3)));
	}
	appendPQExpBufferChar(&json, ']');
	if (with_folder)
	{
		json_key(&json, "not_in_folder", false);
		text_array_json(&json, not_in_folder, nnot_in_folder);
	}
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

/*
 * Roll back the planned migrations, newest first, in one transaction up
 * to a down script the worker must run: what came before it commits, the
 * job is queued and waited for, and a new transaction goes on.  Returns
 * NULL, or the error that stopped it (the items' results say how far it
 * got).
 */
static PGresult *
rollback_run(PGconn *conn, Deploy *deploy, const DeployLimits *limits)
{
	const char *step_sql = "SELECT result, duration_ms, job FROM schemamig.rollback_step($1)";
	int			tx_start = 0;
	int			i;

	for (i = 0; i < deploy->nitems; i++)
	{
		DeployItem *item = &deploy->items[i];
		const char *params[1] = {item->version};
		PGresult   *res;

		if (item->worker)
		{
			res = PQexec(conn, "COMMIT");
			if (PQresultStatus(res) != PGRES_COMMAND_OK)
				goto failed;
			PQclear(res);
			res = db_query(conn, step_sql, 1, params);
			if (PQresultStatus(res) != PGRES_TUPLES_OK)
				goto failed;
			item->job = atoll(PQgetvalue(res, 0, 2));
			PQclear(res);
			res = deploy_wait_job(conn, item->version, "down", item->job, limits);
			if (res != NULL)
				goto failed;
			item->result = "rolled_back";
			PQclear(PQexec(conn, "BEGIN"));
			tx_start = i + 1;
			continue;
		}
		res = db_query(conn, step_sql, 1, params);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			goto failed;
		item->result = "rolled_back";
		item->duration_ms = PQgetisnull(res, 0, 1) ? NAN : strtod(PQgetvalue(res, 0, 1), NULL);
		PQclear(res);
		continue;

failed:
		item->result = "failed";
		/* the open transaction is lost: what it rolled back is applied again */
		for (; tx_start < i; tx_start++)
			deploy->items[tx_start].result = NULL;
		return res;
	}
	return NULL;
}

int
cmd_rollback(const CliOptions *opts)
{
	MigrationFolder folder;
	ServerInfo	info;
	PGconn	   *conn;
	PGresult   *res;
	PQExpBufferData json;
	DeployLimits limits = {0, 0, 0, -1, false};
	Deploy		deploy;
	RunResult  *results;
	const char *params[2] = {NULL, opts->target};
	char		steps[32];
	int			nresults = 0;
	int			code;
	int			i;
	double		started = now_seconds();

	if (opts->dir_given && !read_folder_or_report(opts, &folder, &code))
		return code;
	conn = connect_ready(opts, &info, true, &code);
	if (conn == NULL)
		return code;
	res = deploy_read_limits(conn, opts, &limits);
	if (res != NULL)
		return command_failed(opts, conn, res, NULL);
	if (opts->target == NULL)
	{
		snprintf(steps, sizeof(steps), "%d", opts->steps);
		params[0] = steps;
	}
	res = db_query(conn, "SELECT version, result, duration_ms"
				   " FROM schemamig.rollback_plan($1::pg_catalog.int4, $2)", 2, params);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return command_failed(opts, conn, res, "rollback failed; nothing was rolled back");
	deploy_from_plan(res, &deploy);
	PQclear(res);

	res = rollback_run(conn, &deploy, &limits);
	if (res == NULL)
	{
		res = PQexec(conn, "COMMIT");
		if (PQresultStatus(res) == PGRES_COMMAND_OK)
		{
			PQclear(res);
			res = NULL;
		}
	}
	if (res != NULL)
	{
		report_server_error(res, "rollback failed");
		if (output_json())
			json_result_error(opts->command, res);
		PQclear(res);
		code = EXIT_FAILED;
	}
	db_finish(conn);

	results = pg_malloc0(sizeof(RunResult) * (deploy.nitems + 1));
	for (i = 0; i < deploy.nitems; i++)
		if (deploy.items[i].result && strcmp(deploy.items[i].result, "rolled_back") == 0)
		{
			RunResult  *r = &results[nresults++];

			r->version = deploy.items[i].version;
			r->result = "rolled_back";
			r->duration_ms = deploy.items[i].duration_ms;
			print_result_line(r, opts->dir_given ? &folder : NULL, "down");
		}
	if (code == EXIT_FAILED)
	{
		if (!output_json())
			printf("rolled back %d migration(s) before the failure\n", nresults);
		return code;
	}
	json_document_open(&json, "rollback");
	json_finish_results(&json, results, nresults, opts->dir_given ? &folder : NULL, "rolled_back", started);
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
