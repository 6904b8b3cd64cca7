/*-------------------------------------------------------------------------
 *
 * deploy.c
 *		Running a planned deploy: one migration per transaction (or all in
 *		one with --single-transaction), migrations the worker must run
 *		handed to it and waited for, lock timeouts retried, a busy worker
 *		or deploy waited for.
 *
 * Invariants:
 *	- each transactional migration commits with its history row in a
 *	  transaction of its own (schemamig.deploy_step()); a failure stops the
 *	  run there: earlier migrations stay, the failing one is rolled back
 *	  whole, later ones stay pending;
 *	- the per-migration transactions are pipelined (libpq pipeline mode,
 *	  one Sync per chunk): after an error the server skips everything up to
 *	  the Sync, later transactions included, so pipelining never runs a
 *	  migration after a failed one;
 *	- intermediate commits do not wait for the WAL flush
 *	  (synchronous_commit = off); the run ends with a commit that does,
 *	  which flushes every earlier commit record too, before anything is
 *	  reported.  A crash before that can only lose a suffix of whole
 *	  migrations (each with its history row), which the next run applies
 *	  again;
 *	- a migration is "applied" only when the server acknowledged its commit
 *	  here or its worker job is done; when the connection is lost, those
 *	  whose commit was sent (or whose job was queued) and not acknowledged
 *	  are "unknown"; "queued" when its job was not waited for to the end
 *	  (--no-wait, or --wait-timeout ran out), never "failed" then.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <math.h>
#include <unistd.h>

#include "schemamig_cli.h"
#include "lock_retry.h"

/* transactional migrations sent in one pipeline, between two Syncs */
#define PIPELINE_CHUNK		200
/* how often a wait for a worker job prints a progress line */
#define JOB_PROGRESS_SECONDS 10
/* pause while the worker or another deploy holds the migration lock */
#define BUSY_PAUSE_MIN_MS	200
#define BUSY_PAUSE_MAX_MS	2000
/* schemamig.lock_retry_budget where the server has no such setting */
#define DEFAULT_LOCK_RETRY_BUDGET_MS (5 * 60 * 1000L)

static const char *step_sql = "SELECT result, duration_ms, job FROM schemamig.deploy_step($1)";

static const char *limits_sql =
"SELECT (pg_catalog.date_part('epoch', pg_catalog.current_setting('schemamig.lock_timeout')::pg_catalog.interval) * 1000)::pg_catalog.int8,"
" (pg_catalog.date_part('epoch', pg_catalog.current_setting('schemamig.lock_wait_timeout')::pg_catalog.interval) * 1000)::pg_catalog.int8,"
" (pg_catalog.date_part('epoch', pg_catalog.current_setting('schemamig.lock_retry_budget', true)::pg_catalog.interval) * 1000)::pg_catalog.int8";

static void
sleep_ms(long ms)
{
	if (ms > 0)
		pg_usleep(ms * 1000L);
}

static bool
has_sqlstate(const PGresult *res, const char *sqlstate)
{
	const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return s != NULL && strcmp(s, sqlstate) == 0;
}

/*
 * The limits of this deploy, from the server's settings (after
 * --lock-wait-timeout set schemamig.lock_wait_timeout for the session).
 * Returns NULL, or the failed query's result.
 */
PGresult *
deploy_read_limits(PGconn *conn, const CliOptions *opts, DeployLimits *limits)
{
	PGresult   *res;

	if (opts->lock_wait_timeout_ms >= 0)
	{
		const char *params[1] = {psprintf("%ldms", opts->lock_wait_timeout_ms)};

		res = db_query(conn, "SELECT pg_catalog.set_config('schemamig.lock_wait_timeout', $1, false)",
					   1, params);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			return res;
		PQclear(res);
	}
	res = db_query(conn, limits_sql, 0, NULL);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return res;
	limits->lock_timeout_ms = atol(PQgetvalue(res, 0, 0));
	limits->lock_wait_ms = atol(PQgetvalue(res, 0, 1));
	limits->retry_budget_ms = PQgetisnull(res, 0, 2)
		? DEFAULT_LOCK_RETRY_BUDGET_MS : atol(PQgetvalue(res, 0, 2));
	limits->wait_timeout_ms = opts->wait_timeout_ms;
	limits->no_wait = opts->no_wait;
	PQclear(res);
	return NULL;
}

/*
 * The worker (or another deploy) holds the migration lock (SM006): pause,
 * and say so, unless the wait has lasted schemamig.lock_wait_timeout.  The
 * client holds no snapshot while it pauses, so the worker's CREATE INDEX
 * CONCURRENTLY is not kept waiting by it.  *since is 0 before the first
 * pause of a wait.
 */
bool
deploy_busy_pause(const PGresult *res, const DeployLimits *limits, double *since, int *pauses)
{
	long		pause = BUSY_PAUSE_MIN_MS;
	int			i;

	if (!has_sqlstate(res, "SM006"))
		return false;
	if (*since == 0)
		*since = now_seconds();
	if (limits->lock_wait_ms > 0 && (now_seconds() - *since) * 1000.0 >= limits->lock_wait_ms)
		return false;
	for (i = 0; i < *pauses && pause < BUSY_PAUSE_MAX_MS; i++)
		pause *= 2;
	pause = Min(pause, BUSY_PAUSE_MAX_MS);
	if (*pauses % 10 == 0)
	{
		progress_clear();
		report_note("the schemamig worker is applying a migration; waiting for it (%.0f s so far, "
					"schemamig.lock_wait_timeout %ld ms)", now_seconds() - *since, limits->lock_wait_ms);
	}
	log_event("info", "waiting for the schemamig worker to release the migration lock", NULL, NULL,
			  NULL, NAN);
	(*pauses)++;
	sleep_ms(pause);
	return true;
}

/*
 * A statement of the migration gave up waiting for its lock (55P03 from a
 * migration's statement, not from the migration lock itself, whose wait is
 * bounded by schemamig.lock_wait_timeout): pause as src/lock_retry.h says,
 * and try again, while the time budget lasts.  Each attempt is logged.
 */
/* lock-timeout retries of one migration */
typedef struct LockRetry
{
	const char *version;		/* the migration being retried */
	int			attempt;		/* failed attempts so far */
	double		first_failure;	/* when its first attempt failed */
} LockRetry;

static bool
lock_retry_pause(const PGresult *res, const char *version, const DeployLimits *limits,
				 LockRetry *retry)
{
	const char *context = PQresultErrorField(res, PG_DIAG_CONTEXT);
	long		pause;

	if (!has_sqlstate(res, "55P03") || context == NULL || strstr(context, "schemamig migration \"") == NULL)
		return false;
	if (retry->version == NULL || strcmp(retry->version, version) != 0)
	{
		retry->version = version;
		retry->attempt = 0;
		retry->first_failure = now_seconds();
	}
	pause = lock_retry_pause_ms(retry->attempt, limits->lock_timeout_ms, (double) random() / ((double) RAND_MAX + 1.0));
	if ((now_seconds() - retry->first_failure) * 1000.0 + pause > limits->retry_budget_ms)
		return false;
	retry->attempt++;
	progress_clear();
	report_note("migration %s: lock not available (attempt %d); trying again in %.1f s",
				version, retry->attempt, pause / 1000.0);
	log_event("warning", psprintf("lock not available, attempt %d; retrying in %ld ms",
								  retry->attempt, pause), version, "up", NULL, NAN);
	sleep_ms(pause);
	return true;
}

/*
 * Wait for a worker job with CALL schemamig.wait() (which holds no snapshot
 * while it waits), a second at a time, so that a progress line can be
 * printed (a batched backfill's progress when it is first seen, then
 * every JOB_PROGRESS_SECONDS), at most limits->wait_timeout_ms (negative: no limit).  NULL when
 * the job is done; else the error (the job's, or the timeout's).
 */
PGresult *
deploy_wait_job(PGconn *conn, const char *version, const char *direction, long long job,
				const DeployLimits *limits)
{
	char		job_text[32];
	double		started = now_seconds();
	double		last_line = started;
	char	   *still;
	char	   *backfill;
	bool		backfill_shown = false;

	snprintf(job_text, sizeof(job_text), "%lld", job);
	still = psprintf("job %lld is still ", job);
	progress_clear();
	report_note("migration %s (%s) runs in the schemamig worker as job %lld; waiting for it",
				version, direction, job);
	for (;;)
	{
		double		waited_ms = (now_seconds() - started) * 1000.0;
		bool		last = limits->wait_timeout_ms >= 0 && waited_ms + 1000.0 >= limits->wait_timeout_ms;
		char		slice[32];
		const char *params[2] = {job_text, slice};
		PGresult   *res;
		const char *primary;

		snprintf(slice, sizeof(slice), "%ld milliseconds",
				 last ? Max(1L, limits->wait_timeout_ms - (long) waited_ms) : 1000L);
		res = db_query(conn, "CALL schemamig.wait($1::pg_catalog.int8, $2::pg_catalog.interval)",
					   2, params);
		if (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK)
		{
			PQclear(res);
			free(still);
			return NULL;
		}
		/* wait()'s own timeout says the job goes on; any other error is the job's */
		primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		if (last || !has_sqlstate(res, "57014") || primary == NULL ||
			strncmp(primary, still, strlen(still)) != 0)
		{
			free(still);
			return res;
		}
		PQclear(res);
		/* a backfill's progress when first seen, then with the other lines */
		backfill = backfill_progress_line(conn, job);
		if (backfill && (!backfill_shown || now_seconds() - last_line >= JOB_PROGRESS_SECONDS))
		{
			last_line = now_seconds();
			backfill_shown = true;
			progress_clear();
			report_note("%s", backfill);
		}
		else if (now_seconds() - last_line >= JOB_PROGRESS_SECONDS)
		{
			last_line = now_seconds();
			progress_clear();
			report_note("still waiting for job %lld (migration %s, %s): %.0f s", job, version,
						direction, last_line - started);
		}
		free(backfill);
	}
}

/*
 * Is res deploy_wait_job()'s answer when --wait-timeout ran out (the job
 * goes on in the worker), rather than the job's own error?
 */
static bool
job_still_running(const PGresult *res, long long job)
{
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	char		still[64];

	snprintf(still, sizeof(still), "job %lld is still ", job);
	return has_sqlstate(res, "57014") && primary != NULL && strncmp(primary, still, strlen(still)) == 0;
}

/* a result that outlives the PGresult it came from */
static const char *
result_name(const char *result)
{
	static const char *const known[] = {"applied", "skipped", "queued", "rolled_back"};
	size_t		i;

	for (i = 0; i < lengthof(known); i++)
		if (strcmp(result, known[i]) == 0)
			return known[i];
	return pg_strdup(result);
}

static void
item_done(DeployRun *run, int i, const char *result, PGresult *res)
{
	DeployItem *item = &run->items[i];

	item->result = result_name(result);
	item->duration_ms = res == NULL || PQgetisnull(res, 0, 1) ? NAN : strtod(PQgetvalue(res, 0, 1), NULL);
	if (run->on_result)
		run->on_result(item, run->arg);
}

/*
 * The connection was lost with items[from..to) sent and their commits not
 * acknowledged: each may have committed or not, and the client cannot
 * tell.  They are "unknown", never "applied" or "failed".
 */
static void
items_unknown(DeployRun *run, int from, int to)
{
	int			i;

	for (i = from; i < to; i++)
	{
		run->items[i].result = "unknown";
		run->items[i].duration_ms = NAN;
		if (run->on_result)
			run->on_result(&run->items[i], run->arg);
	}
}

/* read the next result of the pipeline; NULL-terminated per query */
static PGresult *
next_result(PGconn *conn)
{
	PGresult   *res = PQgetResult(conn);
	PGresult   *extra;

	/* each query's results end with a NULL */
	while (res != NULL && (extra = PQgetResult(conn)) != NULL)
	{
		PQclear(res);
		res = extra;
	}
	return res;
}

/*
 * Apply items[from..to) (all transactional), each in a transaction of its
 * own, in one pipeline.  Returns the index of the first item that did not
 * commit (to when all did), with *failed set to its error.
 */
static int
run_pipelined(PGconn *conn, DeployRun *run, int from, int to, PGresult **failed)
{
	int			i;
	int			stop = to;

	*failed = NULL;
	if (!PQenterPipelineMode(conn))
	{
		*failed = PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
		return from;
	}
	for (i = from; i < to; i++)
	{
		const char *params[1] = {run->items[i].version};

		if (!PQsendQueryParams(conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) ||
			!PQsendQueryParams(conn, step_sql, 1, NULL, params, NULL, NULL, 0) ||
			!PQsendQueryParams(conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0))
			break;
	}
	PQpipelineSync(conn);

	for (i = from; i < to; i++)
	{
		PGresult   *begin = next_result(conn);
		PGresult   *step = next_result(conn);
		PGresult   *commit = next_result(conn);

		if (stop == to)
		{
			if (PQresultStatus(begin) == PGRES_COMMAND_OK && PQresultStatus(step) == PGRES_TUPLES_OK &&
				PQresultStatus(commit) == PGRES_COMMAND_OK)
				item_done(run, i, PQgetvalue(step, 0, 0), step);
			else
			{
				PGresult  **bad = PQresultStatus(begin) != PGRES_COMMAND_OK ? &begin
					: PQresultStatus(step) != PGRES_TUPLES_OK ? &step : &commit;

				stop = i;
				/* no result at all: the connection is gone, and says why */
				*failed = *bad ? *bad : PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
				*bad = NULL;
			}
		}
		PQclear(begin);
		PQclear(step);
		PQclear(commit);
	}
	/* the Sync's own result, then out of pipeline mode */
	while (PQstatus(conn) == CONNECTION_OK)
	{
		PGresult   *res = PQgetResult(conn);

		if (res == NULL)
			continue;
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC)
		{
			PQclear(res);
			break;
		}
		PQclear(res);
	}
	PQexitPipelineMode(conn);
	/* the Sync ends an implicit transaction, not the failed BEGIN block */
	if (PQtransactionStatus(conn) == PQTRANS_INERROR)
		PQclear(PQexec(conn, "ROLLBACK"));
	return stop;
}

/* one step in the current transaction (single mode) or its own (autocommit) */
static PGresult *
run_step(PGconn *conn, const char *version)
{
	const char *params[1] = {version};

	return db_query(conn, step_sql, 1, params);
}

/*
 * Hand items[i] to the worker (deploy_step queues it) and wait for it.
 * Returns NULL when it is applied (or queued: *queued, under --no-wait or
 * when --wait-timeout ran out);
 * else the error.  Not in a transaction block: the job is visible to the
 * worker at once.
 */
static PGresult *
run_worker_item(PGconn *conn, DeployRun *run, int i, bool *queued)
{
	DeployItem *item = &run->items[i];
	PGresult   *res = run_step(conn, item->version);

	*queued = false;
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return res;
	if (strcmp(PQgetvalue(res, 0, 0), "queued") != 0)
	{
		item_done(run, i, PQgetvalue(res, 0, 0), res);
		PQclear(res);
		return NULL;
	}
	item->job = atoll(PQgetvalue(res, 0, 2));
	PQclear(res);
	if (run->limits->no_wait)
	{
		*queued = true;
		item_done(run, i, "queued", NULL);
		return NULL;
	}
	res = deploy_wait_job(conn, item->version, "up", item->job, run->limits);
	if (res != NULL && job_still_running(res, item->job))
	{
		/* neither applied nor failed: the worker goes on with it */
		PQclear(res);
		progress_clear();
		report_note("migration %s: --wait-timeout ran out; job %lld goes on in the schemamig worker",
					item->version, item->job);
		log_event("warning", psprintf("--wait-timeout ran out; job %lld goes on", item->job),
				  item->version, "up", NULL, NAN);
		*queued = true;
		item_done(run, i, "queued", NULL);
		return NULL;
	}
	if (res != NULL)
		return res;
	item_done(run, i, "applied", NULL);
	return NULL;
}

/*
 * Flush the WAL of every commit so far: a transaction with an xid that
 * commits with synchronous_commit on waits for the flush of its commit
 * record, which follows all earlier ones.
 */
static void
flush_commits(PGconn *conn)
{
	PQclear(PQexec(conn, "RESET synchronous_commit"));
	PQclear(PQexec(conn, "SELECT pg_catalog.pg_current_xact_id()"));
}

/*
 * Run the plan, from the first item not yet done.  The connection is
 * outside any transaction block, except with single (then the open
 * transaction, which holds the registrations, is the first to commit).
 * Returns EXIT_OK, EXIT_FAILED with *failed set (the item that failed is
 * marked "failed", or those a lost connection left in doubt "unknown"), or
 * EXIT_QUEUED.
 */
int
deploy_run(PGconn *conn, DeployRun *run, bool single, PGresult **failed)
{
	LockRetry	retry = {NULL, 0, 0};
	double		busy_since = 0;
	int			busy_pauses = 0;
	int			tx_start = 0;
	int			i = 0;
	int			code = EXIT_OK;

	*failed = NULL;
	if (!single)
		PQclear(PQexec(conn, "SET synchronous_commit = off"));
	while (i < run->nitems)
	{
		DeployItem *item = &run->items[i];
		PGresult   *res = NULL;

		if (item->worker)
		{
			bool		queued;

			if (single)
			{
				/* what came before commits, so the worker sees it */
				res = PQexec(conn, "COMMIT");
				if (PQresultStatus(res) != PGRES_COMMAND_OK)
				{
					int			j;

					/* a COMMIT sent and not answered may have committed */
					if (PQstatus(conn) == CONNECTION_BAD)
						items_unknown(run, tx_start, i);
					else
						for (j = tx_start; j < i; j++)
							run->items[j].result = NULL;
					*failed = res;
					return EXIT_FAILED;
				}
				PQclear(res);
			}
			res = run_worker_item(conn, run, i, &queued);
			if (res == NULL && queued)
			{
				code = EXIT_QUEUED;
				break;
			}
			if (single && res == NULL)
			{
				PQclear(PQexec(conn, "BEGIN"));
				tx_start = i + 1;
			}
		}
		else if (single)
		{
			res = run_step(conn, item->version);
			if (PQresultStatus(res) == PGRES_TUPLES_OK)
			{
				item_done(run, i, PQgetvalue(res, 0, 0), res);
				PQclear(res);
				res = NULL;
			}
		}
		else
		{
			int			to = i;

			while (to < run->nitems && to - i < PIPELINE_CHUNK && !run->items[to].worker)
				to++;
			i = run_pipelined(conn, run, i, to, &res);
			if (res == NULL)
				continue;
			if (PQstatus(conn) == CONNECTION_BAD)
			{
				/* every COMMIT of the chunk was sent: those not answered are unknown */
				items_unknown(run, i, to);
				*failed = res;
				code = EXIT_FAILED;
				break;
			}
		}

		if (res == NULL)
		{
			i++;
			busy_since = 0;
			busy_pauses = 0;
			continue;
		}
		/* a busy worker, or a lock timeout: try the same migration again */
		if (!single && (deploy_busy_pause(res, run->limits, &busy_since, &busy_pauses) ||
						lock_retry_pause(res, run->items[i].version, run->limits, &retry)))
		{
			PQclear(res);
			continue;
		}
		if (item->worker && PQstatus(conn) == CONNECTION_BAD)
		{
			/* queued or not, applied or not by the worker: the client cannot tell */
			items_unknown(run, i, i + 1);
			*failed = res;
			code = EXIT_FAILED;
			break;
		}
		run->items[i].result = "failed";
		if (single)
		{
			int			j;

			/* the transaction is lost: what it applied is pending again */
			for (j = tx_start; j < i; j++)
				run->items[j].result = NULL;
		}
		*failed = res;
		code = EXIT_FAILED;
		break;
	}
	if (single && code != EXIT_FAILED && PQtransactionStatus(conn) == PQTRANS_INTRANS)
	{
		PGresult   *res = PQexec(conn, "COMMIT");

		if (PQresultStatus(res) != PGRES_COMMAND_OK)
		{
			int			j;

			for (j = tx_start; j < run->nitems; j++)
				if (run->items[j].result && strcmp(run->items[j].result, "applied") == 0)
					run->items[j].result = PQstatus(conn) == CONNECTION_BAD ? "unknown" : NULL;
			*failed = res;
			return EXIT_FAILED;
		}
		PQclear(res);
	}
	if (!single)
		flush_commits(conn);
	return code;
}
