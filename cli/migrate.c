/*-------------------------------------------------------------------------
 *
 * migrate.c
 *		The migrate command: register the folder, plan the deploy, run it
 *		(deploy.c), or with --dry-run try it and roll back.
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

#include "commands.h"

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
	params[1] = layout_target_version(opts->target, folder);
	res = db_query(conn, "SELECT version, result, duration_ms"
				   " FROM schemamig.deploy_plan($1::pg_catalog.text[], $2)", 2, params);
	termPQExpBuffer(&array);
	free(versions);
	return res;
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
	static const char *const counted[] = {"applied", "queued", "skipped", "failed", "unknown", NULL};
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
 * --single-transaction failed in a way that only one transaction for every
 * migration causes: say why, and that a deploy without it (one transaction
 * per migration) does not fail so.  The server's lock table holds the
 * locks of every migration of the transaction until it ends (53200); a new
 * enum value cannot be used before the migration that added it commits
 * (55P04).  reached: how many migrations of the deploy came before the
 * failing one.
 */
static void
explain_single_transaction(const PGresult *res, const char *version, int reached, int total)
{
	const char *sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (sqlstate == NULL)
		return;
	if (strcmp(sqlstate, "53200") == 0)
		report_note("--single-transaction runs every migration in one transaction, which holds the "
					"locks of all of them until it ends: the server's lock table "
					"(max_locks_per_transaction) was full at migration %s, after %d of %d; "
					"that transaction was rolled back. Deploy without --single-transaction "
					"(one transaction per migration), or raise max_locks_per_transaction",
					version, reached, total);
	else if (strcmp(sqlstate, "55P04") == 0)
		report_note("--single-transaction runs every migration in one transaction, and an enum value "
					"added by ALTER TYPE ... ADD VALUE cannot be used in the transaction that added it: "
					"migration %s uses one; that transaction was rolled back. Deploy without "
					"--single-transaction, so that each migration commits before the next runs (a value "
					"added and used by one migration needs two migrations)", version);
}

/*
 * Why a migration that failed in the dry run cannot be judged there, or
 * NULL when its failure is the one the real run would meet.  The dry run is
 * one transaction, the real run commits each migration: a value that an
 * earlier migration adds to an enum (ALTER TYPE ... ADD VALUE) cannot be
 * used before it commits (55P04), except under --single-transaction, where
 * the real run fails the same way.  And a migration the worker runs
 * (not_run: the last one, or the first unchecked migration) is not run here,
 * so an object it creates is missing to the migrations after it.
 */
static const char *
dry_run_unchecked_reason(const PGresult *res, const CliOptions *opts, const char *not_run)
{
	static const char *const undefined[] = {"42P01", "42704", "42703", "42883", "3F000"};
	const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	size_t		i;

	if (sqlstate == NULL)
		return NULL;
	if (strcmp(sqlstate, "55P04") == 0 && !opts->single_transaction)
		return "it uses an enum value that an earlier migration of this deploy adds; the deploy "
			"commits that migration first, the dry run cannot";
	for (i = 0; not_run != NULL && i < lengthof(undefined); i++)
		if (strcmp(sqlstate, undefined[i]) == 0)
			return psprintf("it uses an object that does not exist before migration %s, which the "
							"dry run does not run: %s", not_run,
							PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
	return NULL;
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
	int			unchecked = 0;
	const char *not_run = NULL; /* the last worker migration the dry run could not run */
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
			not_run = item->version;
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
		if (PQresultStatus(res) != PGRES_TUPLES_OK &&
			(item->reason = dry_run_unchecked_reason(res, opts, not_run)) != NULL)
		{
			/* the run's transactions differ from the dry run's here: say so, go on */
			item->result = "unchecked";
			PQclear(res);
			PQclear(PQexec(conn, "ROLLBACK TO SAVEPOINT schemamig_dry_run"));
			if (not_run == NULL)
				not_run = item->version;
			unchecked++;
			log_event("warning", psprintf("dry run: migration %s unchecked: %s", item->version, item->reason),
					  item->version, "up", file ? file->checksum : NULL, NAN);
			if (!output_json())
				printf("unchecked   %s%s%s  (%s)\n", item->version,
					   file && file->description ? "  " : "",
					   file && file->description ? terminal_safe(file->description, false) : "",
					   item->reason);
			continue;
		}
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			item->result = "would fail";
			report_server_error(res, psprintf("dry run: migration %s would fail", item->version));
			if (opts->single_transaction)
				explain_single_transaction(res, item->version, i, deploy->nitems);
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
		printf("dry run: %d migration(s) would be applied%s%s; nothing was changed\n", would,
			   unchecked > 0 ? psprintf(", %d unchecked", unchecked) : "",
			   findings > 0 ? psprintf(", %d lint finding(s)", findings) : "");
	json_key(json, "would_apply", false);
	appendPQExpBuffer(json, "%d", would);
	json_key(json, "unchecked", false);
	appendPQExpBuffer(json, "%d", unchecked);
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
			   MigrationFolder *folder, PGresult *digest, PGresult *registrations,
			   DeployLimits *limits, Deploy *deploy, int *registered, bool *fast,
			   const char **context)
{
	double		busy_since = 0;
	int			busy_pauses = 0;

	/*
	 * A --target that is not one of the folder's versions is for the plan to
	 * judge (it refuses an unknown one): an applied folder is no answer to it.
	 */
	bool		target_in_folder = opts->target == NULL || folder_find(folder, opts->target) != NULL;

	*fast = false;
	*registered = 0;
	for (;;)
	{
		PGresult   *res = NULL;
		bool		up_to_date;

		*context = "cannot register the migrations";
		/* with Flyway B files, what the folder holds depends on the database's history */
		if (digest_says_up_to_date(digest, folder) && target_in_folder && folder->nbaselines == 0)
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
		if (folder->nbaselines > 0)
		{
			/* which B file, if any: from the history (status() where registrations() is not for us) */
			if (registrations == NULL)
			{
				res = db_query(conn, "SELECT version, checksum, state FROM schemamig.status()", 0, NULL);
				if (PQresultStatus(res) != PGRES_TUPLES_OK)
					return res;
				folder_choose_baseline(folder, res, 0, 1, 2, opts->target);
				PQclear(res);
				res = NULL;
			}
			else if (PQresultStatus(registrations) == PGRES_TUPLES_OK)
				folder_choose_baseline(folder, registrations, 0, 1, 4, opts->target);
		}
		up_to_date = all_applied(registrations);
		*registered = register_folder(conn, registrations, folder, &res);
		registrations = NULL;
		if (*registered == 0 && up_to_date && target_in_folder)
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
				if (deploy.items[i].reason)
				{
					json_key(&json, "reason", false);
					json_string(&json, deploy.items[i].reason);
				}
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
		/*
		 * Nothing sent and everything registered applied: nothing to do.
		 * The transaction only read, so it ends with the connection (the
		 * server rolls it back), without a COMMIT's round trip.
		 */
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

	outcome = code == EXIT_OK ? "applied" : code == EXIT_QUEUED ? "queued"
		: count_result(&deploy, "unknown") > 0 ? "unknown" : "failed";
	if (code == EXIT_FAILED)
	{
		for (i = 0; i < deploy.nitems; i++)
			if (deploy.items[i].result && strcmp(deploy.items[i].result, "failed") == 0)
				break;
		report_server_error(res, i < deploy.nitems
							? psprintf("migration %s failed", deploy.items[i].version)
							: "the deploy failed");
		if (opts->single_transaction && i < deploy.nitems)
			explain_single_transaction(res, deploy.items[i].version, i, deploy.nitems);
		/* a connection lost mid-way is exit 2, as everywhere */
		if (PQstatus(conn) == CONNECTION_BAD)
			code = EXIT_USAGE;
		if (count_result(&deploy, "unknown") > 0)
			report_note("the connection was lost before the server confirmed the commit of %d "
						"migration(s) (reported \"unknown\"): each may be applied or not. "
						"schemamig status says which; migrate again applies what is missing",
						count_result(&deploy, "unknown"));
	}
	db_finish(conn);
	json_finish_deploy(&json, &deploy, &folder, outcome, code != EXIT_OK && code != EXIT_QUEUED ? res : NULL,
					   started);
	if (res)
		PQclear(res);
	if (!output_json())
	{
		printf("applied %d migration(s) in %.3f s", count_result(&deploy, "applied"),
			   now_seconds() - started);
		printf("; queued %d, skipped %d, failed %d, pending %d%s\n",
			   count_result(&deploy, "queued"), count_result(&deploy, "skipped"),
			   count_result(&deploy, "failed"), count_result(&deploy, NULL),
			   count_result(&deploy, "unknown") > 0
			   ? psprintf(", unknown %d", count_result(&deploy, "unknown")) : "");
		if (code == EXIT_QUEUED)
			printf("not done: %d migration(s) queued for the schemamig worker and not yet applied; "
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
