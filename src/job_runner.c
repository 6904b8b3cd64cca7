/*-------------------------------------------------------------------------
 *
 * job_runner.c
 *		What the background worker does with a job it has claimed: run it,
 *		record its progress, and recover what was interrupted.
 *
 * Every statement on schemamig.jobs is in jobs.c (claim, finish, cancel
 * requests, interrupted jobs, work pending); the history rows and events
 * of a migration are written by catalog.c (catalog_record_progress,
 * catalog_record_outcome).
 *
 * Invariants:
 *	- a pass holds the session-level migration lock (the same lock tag as
 *	  pg_advisory_xact_lock(1936550247)) from the first job it takes to the
 *	  last, so jobs serialise with apply() and migrate(); it takes the lock
 *	  only when there is work and the lock is free, never queueing for it
 *	  (see lock_migrations), and tries again at the next pass;
 *	- a job's script runs as the role that queued it (SECURITY_LOCAL_USERID_CHANGE,
 *	  so a script cannot SET ROLE its way to the worker's identity); catalog
 *	  bookkeeping runs as the extension owner (catalog_enter), from
 *	  transactions of that role, so applied_by and the events name it, not
 *	  the worker;
 *	- the script is cut into stretches: consecutive statements that can run
 *	  in a transaction block run in one transaction through SPI, a stretch
 *	  ending after an ALTER TYPE ... ADD VALUE so that the statements after
 *	  it can use the value; each other statement runs alone at top level
 *	  (executor_run_top_level).  Before the
 *	  first stretch the migration is recorded as applied and dirty; each
 *	  stretch's commit records how far it got (dirty_statement); the last
 *	  one clears dirty.  A crash therefore leaves a dirty migration that says
 *	  how far it got, never a clean record of a half-applied one;
 *	- before each stretch, and before each retry of one, the runner asks
 *	  whether schemamig.cancel() asked the job to stop; if so it ends the job
 *	  cancelled there, the migration left as the committed stretches left
 *	  it (pending again if nothing of an up job took effect);
 *	- a stretch that fails on lock_timeout is tried again after the pause
 *	  lock_retry.h gives (at least fifteen times the lock_timeout in force,
 *	  so other sessions queue behind the stretch's lock waits at most a
 *	  sixteenth of the time), for as long as schemamig.lock_retry_budget allows, each
 *	  failed attempt a lock_retry event; any other failure fails the job
 *	  with its SQLSTATE and statement;
 *	- a batched statement ("-- schemamig:batch") runs alone, batch by
 *	  batch (backfill.c); an up job interrupted in one is queued again at
 *	  the first pass and resumes at that statement, from its last
 *	  committed batch, instead of failing; a cancelled one ends the job
 *	  'cancelled' with the migration dirty;
 *	- the script's own SET, SET LOCAL and RESET hold from the statement
 *	  after them to the end of the script, across stretches (the job's
 *	  ScriptSettings, see executor.c), and are reset after the job;
 *	- an up job that fails before any statement took effect (its first
 *	  stretch failed, and was transactional or a CREATE INDEX CONCURRENTLY
 *	  whose INVALID index is dropped) leaves the migration pending, not
 *	  dirty: there is nothing to recover;
 *	- a CREATE INDEX CONCURRENTLY that failed, or timed out and is to be
 *	  retried, has its INVALID index dropped first: the index it names, or
 *	  for an unnamed one the INVALID indexes of its table that were not
 *	  there before it ran (never another session's);
 *	- at its first pass, holding the lock, a worker marks jobs left
 *	  running as failed (interrupted); with schemamig.auto_recover on,
 *	  every pass first undoes dirty migrations with their down scripts
 *	  (which must work on a partial state), after dropping the INVALID
 *	  indexes their named CONCURRENTLY builds left (after a crash, which
 *	  INVALID index an unnamed build left cannot be told, so the down
 *	  script must see to it); unless the down script would drop a table or
 *	  column that holds data, or it cannot be told (recovery_guard.c): then
 *	  the migration stays dirty, with a recovery_held event saying why and
 *	  how to go on; a dirty migration without a down script whose up script
 *	  is one named CREATE INDEX CONCURRENTLY, interrupted in it, is
 *	  recovered by dropping that index if it is INVALID (never a valid one,
 *	  never another): it is pending again;
 *	- what outlives a transaction (the job, its migration, its script) lives
 *	  in job_context, reset after each job; SPI leaves CurrentMemoryContext
 *	  at its own procedure context, so every SPI call here is followed by a
 *	  switch back to job_context.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/interrupt.h"
#include "storage/latch.h"
#include "storage/lock.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "backfill.h"
#include "schemamig.h"
#include "worker_pause.h"
#include "catalog.h"
#include "down_script.h"
#include "executor.h"
#include "job_runner.h"
#include "jobs.h"
#include "lock_retry.h"
#include "recovery_guard.h"
#include "redact.h"
#include "script.h"
#include "worker_registry.h"

typedef struct Job
{
	int64		id;				/* 0 for a recovery the worker started itself */
	char	   *version;
	MigrationDirection direction;
	char	   *role;			/* who queued it (or applied it, for recoveries) */
	char	   *role_oid;		/* queued jobs: its recorded OID, and the */
	char	   *cluster;		/* cluster it was queued in (jobs_requester) */
	Oid			roleid;			/* that role, once run_job found it */
	bool		automatic;		/* a recovery migrate() or run() queued */
	bool		cancelled;		/* schemamig.cancel() asked it to stop */
	ScriptSettings settings;	/* what its script has SET so far */
} Job;

static MemoryContext job_context = NULL;
static Oid	worker_userid = InvalidOid;
static bool interrupted_jobs_checked = false;
static List *failed_recoveries = NIL;	/* versions not to retry in this worker */

/* ---- transactions ---- */

/*
 * Transactions of the worker.  SetCurrentStatementStartTimestamp() before
 * each, as the server's client loop does: it is what pg_stat_activity shows
 * as xact_start, and what SM006 errors quote as "transaction started".
 */
static void
txn_begin(Oid role)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SetUserIdAndSecContext(role, SECURITY_LOCAL_USERID_CHANGE);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PushActiveSnapshot(GetTransactionSnapshot());
	MemoryContextSwitchTo(job_context);
}

static void
txn_commit(void)
{
	PopActiveSnapshot();
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");
	SetUserIdAndSecContext(worker_userid, 0);
	CommitTransactionCommand();
	MemoryContextSwitchTo(job_context);
}

/* ---- jobs (their SQL is in jobs.c) ---- */

/* end a job (a recovery the worker started itself has no row) */
static void
finish_job(Job *job, JobState state, const char *error, int sqlerrcode)
{
	if (job->id == 0)
		return;
	jobs_finish(job->id, state, error, sqlerrcode);
	MemoryContextSwitchTo(job_context);
}

static bool
claim_next_job(Job *job)
{
	JobRow		row;
	bool		found;

	txn_begin(worker_userid);
	found = jobs_claim_next(&row);
	if (found)
	{
		job->id = row.id;
		job->version = row.version;
		job->direction = row.direction;
		job->role = row.role;
		job->role_oid = row.role_oid;
		job->cluster = row.cluster;
		job->automatic = row.automatic;
		job->cancelled = false;
	}
	txn_commit();
	return found;
}

/* jobs left running by a worker or server that stopped */
static void
mark_interrupted_jobs(void)
{
	txn_begin(worker_userid);
	/* those that were in a batched statement resume there instead */
	if (catalog_has_backfills())
		jobs_requeue_interrupted_backfills();
	jobs_mark_interrupted();
	txn_commit();
}

/* whether schemamig.cancel() asked this job to stop (never a recovery's) */
static bool
cancel_requested(Job *job)
{
	bool		requested;

	if (job->id == 0)
		return false;
	txn_begin(worker_userid);
	requested = jobs_cancel_requested(job->id);
	txn_commit();
	job->cancelled = requested;
	return requested;
}

/* worker_pause_unless(): was the job cancelled during a pause? */
static bool
cancelled_during_pause(void *arg)
{
	return cancel_requested((Job *) arg);
}

/* ---- INVALID indexes of failed CONCURRENTLY builds ---- */

/*
 * The INVALID indexes a CREATE INDEX CONCURRENTLY statement may have left:
 * the index it names, or, for an unnamed one, any INVALID index of its
 * table (the caller subtracts those that were there before the statement
 * ran).  NIL for any other statement.
 */
static List *
invalid_indexes(Oid role, ScriptStatement *s)
{
	IndexStmt  *stmt;
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	char		nulls[2] = {' ', ' '};
	List	   *names = NIL;
	uint64		i;

	if (!IsA(s->parsetree, IndexStmt) || !((IndexStmt *) s->parsetree)->concurrent)
		return NIL;
	stmt = (IndexStmt *) s->parsetree;

	txn_begin(role);
	values[0] = CStringGetTextDatum(quote_qualified_identifier(stmt->relation->schemaname,
															   stmt->relation->relname));
	values[1] = stmt->idxname ? CStringGetTextDatum(stmt->idxname) : (Datum) 0;
	nulls[1] = stmt->idxname ? ' ' : 'n';
	if (SPI_execute_with_args("SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) "
							  "FROM pg_catalog.pg_index i "
							  "JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.indexrelid "
							  "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
							  "WHERE NOT i.indisvalid "
							  "  AND i.indrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1) "
							  "  AND ($2 IS NULL OR c.relname OPERATOR(pg_catalog.=) $2)",
							  2, argtypes, values, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not look for invalid indexes");
	MemoryContextSwitchTo(job_context);
	for (i = 0; i < SPI_processed; i++)
		names = lappend(names, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	txn_commit();
	return names;
}

/* INVALID indexes there before an unnamed CONCURRENTLY build: not its own */
static List *
invalid_indexes_before(Oid role, ScriptStatement *s)
{
	if (!IsA(s->parsetree, IndexStmt) || ((IndexStmt *) s->parsetree)->idxname != NULL)
		return NIL;
	return invalid_indexes(role, s);
}

/*
 * Drop the INVALID indexes a CREATE INDEX CONCURRENTLY statement left (see
 * invalid_indexes), except those in existing, with DROP INDEX CONCURRENTLY
 * at top level, as the role of the job.  Returns NULL, or the error of
 * the first drop that failed (reported, and its transaction aborted).
 */
static ErrorData *
drop_invalid_indexes(Job *job, Oid role, ScriptStatement *s, List *existing)
{
	ErrorData  *volatile first_error = NULL;
	ListCell   *lc;

	foreach(lc, invalid_indexes(role, s))
	{
		char	   *name = lfirst(lc);
		char	   *sql;
		Script	   *drop;
		MemoryContext cxt = CurrentMemoryContext;

		if (list_member_cstring(existing, name))
			continue;
		sql = psprintf("DROP INDEX CONCURRENTLY IF EXISTS %s", name);
		drop = script_split(sql, job->version, MIGRATION_DOWN);
		PG_TRY();
		{
			SetCurrentStatementStartTimestamp();
			StartTransactionCommand();
			SetUserIdAndSecContext(role, SECURITY_LOCAL_USERID_CHANGE);
			(void) executor_run_top_level(job->version, MIGRATION_DOWN, linitial(drop->statements),
										  &job->settings);
			SetUserIdAndSecContext(worker_userid, 0);
			CommitTransactionCommand();
			txn_begin(role);
			catalog_log_event("warning", "invalid_index_dropped", job->version, NULL, NAN, NULL,
							  psprintf("dropped INVALID index %s left by a failed CREATE INDEX CONCURRENTLY",
									   name), NULL);
			txn_commit();
		}
		PG_CATCH();
		{
			MemoryContextSwitchTo(cxt);
			EmitErrorReport();
			if (first_error == NULL)
			{
				MemoryContextSwitchTo(job_context);
				first_error = CopyErrorData();
			}
			FlushErrorState();
			AbortCurrentTransaction();
			SetUserIdAndSecContext(worker_userid, 0);
			MemoryContextSwitchTo(job_context);
		}
		PG_END_TRY();
	}
	return first_error;
}

/* ---- running a script ---- */

/* the statement of a stretch that failed: the one the executor ran last */
static ScriptStatement *
failed_statement(List *stretch)
{
	ListCell   *lc;

	foreach(lc, stretch)
	{
		ScriptStatement *s = lfirst(lc);

		if (s->number == executor_last_statement)
			return s;
	}
	return llast(stretch);
}

/*
 * One attempt at a stretch: a list of transactional statements in one
 * transaction, or one top-level statement; then record progress.  Returns
 * NULL, or the error that ended it (the transaction is aborted by then).
 */
static ErrorData *
attempt_stretch(Job *job, Oid role, MigrationState *m, List *statements, bool top_level,
				double *ms)
{
	ScriptStatement *last = llast(statements);
	ErrorData  *volatile edata = NULL;

	PG_TRY();
	{
		pgstat_report_activity(STATE_RUNNING, redact_secrets(last->text));
		if (top_level)
		{
			SetCurrentStatementStartTimestamp();
			StartTransactionCommand();
			SetUserIdAndSecContext(role, SECURITY_LOCAL_USERID_CHANGE);
			*ms += executor_run_top_level(job->version, job->direction, last, &job->settings);
			SetUserIdAndSecContext(worker_userid, 0);
			CommitTransactionCommand();
			txn_begin(role);
		}
		else
		{
			txn_begin(role);
			*ms += executor_run_statements(job->version, job->direction, statements, NULL,
										   &job->settings);
		}
		/* a down script keeps the record of how far the up script got */
		catalog_record_progress(job->version, m->applied ? m->applied_checksum : m->checksum,
								job->direction == MIGRATION_UP ? last->number : m->dirty_statement, *ms);
		MemoryContextSwitchTo(job_context);
		txn_commit();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(job_context);
		EmitErrorReport();
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		SetUserIdAndSecContext(worker_userid, 0);
		MemoryContextSwitchTo(job_context);
	}
	PG_END_TRY();
	return edata;
}

/*
 * Record a failed attempt at a stretch that hit lock_timeout: pause_ms is
 * the pause before the next attempt, or -1 when the budget is spent.
 */
static void
record_lock_retry(Job *job, Oid role, ScriptStatement *s, ErrorData *edata, int attempt,
				  long waited_ms, long pause_ms, long elapsed_ms)
{
	int			lock_timeout = executor_last_lock_timeout;

	txn_begin(role);
	catalog_log_event("warning", "lock_retry", job->version, direction_name(job->direction),
					  (double) waited_ms, unpack_sql_state(edata->sqlerrcode),
					  pause_ms >= 0
					  ? psprintf("statement %d gave up waiting for a lock after %ld ms (lock_timeout %d ms); attempt %d, next in %ld ms",
								 s->number, waited_ms, lock_timeout, attempt + 1, pause_ms)
					  : psprintf("statement %d gave up waiting for a lock after %ld ms (lock_timeout %d ms); attempt %d, no more: schemamig.lock_retry_budget (%d ms) is spent",
								 s->number, waited_ms, lock_timeout, attempt + 1, schemamig_lock_retry_budget),
					  psprintf("{\"statement\": %d, \"attempt\": %d, \"lock_timeout_ms\": %d, "
							   "\"waited_ms\": %ld, \"pause_ms\": %s, \"elapsed_ms\": %ld, \"budget_ms\": %d}",
							   s->number, attempt + 1, lock_timeout, waited_ms,
							   pause_ms >= 0 ? psprintf("%ld", pause_ms) : "null",
							   elapsed_ms, schemamig_lock_retry_budget));
	txn_commit();
}

/*
 * Run one stretch (see attempt_stretch), trying again after a lock_timeout
 * failure with the pauses of lock_retry.h, computed from the lock_timeout
 * in force at the statement that gave up (a script's own SET lock_timeout
 * included), until the next attempt would start after
 * schemamig.lock_retry_budget, counted from the first attempt.  Before it
 * retries a CREATE INDEX CONCURRENTLY it drops the INVALID index the
 * failed attempt left (not those in existing): a build that timed out
 * after its first commit leaves one, and the retry would fail on its name.
 * A drop that times out as well counts as another failed attempt.
 */
static ErrorData *
run_stretch(Job *job, Oid role, MigrationState *m, List *statements, bool top_level,
			List *existing, double *ms)
{
	ScriptStatement *last = llast(statements);
	TimestampTz first_start = GetCurrentTimestamp();
	int			attempt;

	for (attempt = 0;; attempt++)
	{
		TimestampTz start = GetCurrentTimestamp();
		ErrorData  *edata = NULL;
		long		waited_ms;
		long		elapsed_ms;
		long		pause_ms;

		if (top_level && attempt > 0)
			edata = drop_invalid_indexes(job, role, last, existing);
		if (edata == NULL)
			edata = attempt_stretch(job, role, m, statements, top_level, ms);

		if (edata == NULL)
			return NULL;
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			return edata;

		waited_ms = TimestampDifferenceMilliseconds(start, GetCurrentTimestamp());
		elapsed_ms = TimestampDifferenceMilliseconds(first_start, GetCurrentTimestamp());
		pause_ms = lock_retry_pause_ms(attempt, executor_last_lock_timeout,
									   pg_prng_double(&pg_global_prng_state));
		/* asked to stop: the caller records the cancellation (record_failure) */
		if (cancel_requested(job))
			return edata;
		if (elapsed_ms + pause_ms > schemamig_lock_retry_budget)
		{
			record_lock_retry(job, role, failed_statement(statements), edata, attempt,
							  waited_ms, -1, elapsed_ms);
			return edata;
		}
		record_lock_retry(job, role, failed_statement(statements), edata, attempt,
						  waited_ms, pause_ms, elapsed_ms);
		/* a cancel wakes the pause; the caller records it (record_failure) */
		if (worker_pause_unless(pause_ms, cancelled_during_pause, job))
			return edata;
	}
}

/*
 * End a job that schemamig.cancel() asked to stop, before the stretch
 * that starts at statement s: the migration stays as the committed
 * stretches left it (pending again if nothing of an up job took effect).
 */
static void
record_cancelled(Job *job, ScriptStatement *s, bool took_effect)
{
	char	   *message = psprintf("cancelled with schemamig.cancel() before statement %d (line %d)%s",
								   s->number, s->line,
								   took_effect ? ""
								   : "; nothing of the migration took effect, so it is pending again");

	txn_begin(job->roleid);
	finish_job(job, JOB_CANCELLED, message, ERRCODE_QUERY_CANCELED);
	catalog_record_outcome(took_effect ? MIGRATION_OUTCOME_CANCELLED
						   : MIGRATION_OUTCOME_CANCELLED_WITHOUT_EFFECT,
						   job->version, job->direction, NULL, NAN, ERRCODE_QUERY_CANCELED,
						   message, psprintf("{\"job\": " INT64_FORMAT ", \"statement\": %d, \"line\": %d}",
											 job->id, s->number, s->line));
	txn_commit();
}

/*
 * Record a failed job.  took_effect false (an up job whose failure undid
 * all it did) puts the migration back to pending: nothing is left to
 * recover.  A job that schemamig.cancel() stopped between attempts at a
 * stretch is recorded as cancelled instead.
 */
static void
record_failure(Job *job, ScriptStatement *s, ErrorData *edata, bool took_effect)
{
	StringInfoData detail;
	char	   *message = psprintf("statement %d (line %d): %s%s", s->number, s->line, edata->message,
								   took_effect ? ""
								   : "; nothing of the migration took effect, so it is pending again and needs no recovery");

	if (job->cancelled)
	{
		record_cancelled(job, s, took_effect);
		return;
	}
	initStringInfo(&detail);
	appendStringInfo(&detail, "{\"job\": " INT64_FORMAT ", \"statement\": %d, \"line\": %d, \"took_effect\": %s, \"sql\": ",
					 job->id, s->number, s->line, took_effect ? "true" : "false");
	escape_json(&detail, redact_secrets(s->text));
	appendStringInfoChar(&detail, '}');

	txn_begin(job->roleid);
	finish_job(job, JOB_FAILED, message, edata->sqlerrcode);
	catalog_record_outcome(took_effect ? MIGRATION_OUTCOME_FAILED : MIGRATION_OUTCOME_FAILED_WITHOUT_EFFECT,
						   job->version, job->direction, NULL, NAN, edata->sqlerrcode,
						   message, detail.data);
	txn_commit();
}

/*
 * Run batched statement s (backfill.c).  Returns false if it failed or was
 * cancelled (recorded); a cancel leaves the migration dirty at the
 * statement before, with the progress the backfill kept.
 */
static bool
run_backfill(Job *job, Oid role, MigrationState *m, ScriptStatement *s, bool resume,
			 bool committed, double *ms)
{
	BackfillRun run;
	BackfillOutcome outcome;
	TimestampTz start = GetCurrentTimestamp();

	memset(&run, 0, sizeof(run));
	run.job = job->id;
	run.version = job->version;
	run.direction = job->direction;
	run.role = role;
	run.worker_role = worker_userid;
	run.settings = &job->settings;
	run.resume = resume;
	outcome = backfill_run(&run, s);
	MemoryContextSwitchTo(job_context);
	*ms += (double) TimestampDifferenceMilliseconds(start, GetCurrentTimestamp());
	if (outcome == BACKFILL_FAILED)
	{
		record_failure(job, s, run.error,
					   committed || run.took_effect || job->direction != MIGRATION_UP);
		return false;
	}
	txn_begin(role);
	if (outcome == BACKFILL_CANCELLED)
	{
		bool		took_effect = committed || run.took_effect || job->direction != MIGRATION_UP;
		char	   *message = psprintf("cancelled with schemamig.cancel() in statement %d (line %d): %s%s",
									   s->number, s->line, run.summary,
									   took_effect ? ""
									   : "; nothing of the migration took effect, so it is pending again");

		finish_job(job, JOB_CANCELLED, message, ERRCODE_QUERY_CANCELED);
		catalog_record_outcome(took_effect ? MIGRATION_OUTCOME_CANCELLED
							   : MIGRATION_OUTCOME_CANCELLED_WITHOUT_EFFECT,
							   job->version, job->direction, NULL, *ms, ERRCODE_QUERY_CANCELED,
							   message, psprintf("{\"job\": " INT64_FORMAT ", \"statement\": %d, \"line\": %d}",
												 job->id, s->number, s->line));
	}
	else
		catalog_record_progress(job->version, m->applied ? m->applied_checksum : m->checksum,
								job->direction == MIGRATION_UP ? s->number : m->dirty_statement, *ms);
	MemoryContextSwitchTo(job_context);
	txn_commit();
	return outcome == BACKFILL_DONE;
}

/*
 * A job resumed at statement resume_at: what the script's SET, SET LOCAL
 * and RESET statements before it set is set again (nothing else of the
 * script before it runs again).
 */
static void
replay_settings(Job *job, Oid role, Script *script, int resume_at)
{
	List	   *settings = NIL;
	ListCell   *lc;

	foreach(lc, script->statements)
	{
		ScriptStatement *s = lfirst(lc);

		if (s->number >= resume_at)
			break;
		if (IsA(s->parsetree, VariableSetStmt))
			settings = lappend(settings, s);
	}
	if (settings == NIL)
		return;
	txn_begin(role);
	(void) executor_run_statements(job->version, job->direction, settings, NULL, &job->settings);
	txn_commit();
}

/*
 * Does s add a value to an enum (ALTER TYPE ... ADD VALUE)?  A value added
 * in a transaction cannot be used before that transaction commits (55P04,
 * "unsafe use of new value"), while a script that runs outside a
 * transaction block (goose's NO TRANSACTION, dbmate's transaction:false)
 * is written for each statement committing on its own, as those tools run
 * it: its stretch ends there, so the statements after it see the value.
 */
static bool
adds_enum_value(const ScriptStatement *s)
{
	return IsA(s->parsetree, AlterEnumStmt) && ((AlterEnumStmt *) s->parsetree)->oldVal == NULL;
}

/*
 * Run a job's script stretch by stretch: the whole script (resume_at 0),
 * or from batched statement resume_at on, resuming it.  Returns false if
 * it failed (the failure is recorded).  Whether a failure took effect: a
 * stretch before it committed, or the failed statement ran at top level
 * and may have committed part of its work (a CREATE INDEX CONCURRENTLY
 * whose INVALID index was dropped has not).  Only an up job's failure can
 * be without effect: a down job leaves the migration as it found it until
 * its first stretch commits.  Before each stretch it asks whether
 * schemamig.cancel() asked the job to stop; then it stops there
 * (record_cancelled); a batched statement asks before each batch.
 */
static bool
run_script(Job *job, Oid role, MigrationState *m, Script *script, int resume_at, double *ms)
{
	List	   *stretch = NIL;
	ListCell   *lc;
	bool		committed = resume_at > 1;

	if (resume_at > 1)
		replay_settings(job, role, script, resume_at);

	foreach(lc, script->statements)
	{
		ScriptStatement *s = lfirst(lc);
		ErrorData  *edata = NULL;
		bool		alone = (s->top_level_only != NULL);

		if (s->number < resume_at)
			continue;
		if (!alone)
			stretch = lappend(stretch, s);
		/*
		 * end of a transactional stretch: before a top-level one, after an
		 * enum value is added, or at the end
		 */
		if (stretch != NIL && (alone || adds_enum_value(s) || lnext(script->statements, lc) == NULL))
		{
			if (cancel_requested(job))
			{
				record_cancelled(job, linitial(stretch), committed || job->direction != MIGRATION_UP);
				return false;
			}
			edata = run_stretch(job, role, m, stretch, false, NIL, ms);
			if (edata)
			{
				record_failure(job, failed_statement(stretch), edata,
							   committed || job->direction != MIGRATION_UP);
				return false;
			}
			stretch = NIL;
			committed = true;
		}
		if (alone && s->batch)
		{
			if (!run_backfill(job, role, m, s, s->number == resume_at, committed, ms))
				return false;
			committed = true;
		}
		else if (alone)
		{
			List	   *existing;

			if (cancel_requested(job))
			{
				record_cancelled(job, s, committed || job->direction != MIGRATION_UP);
				return false;
			}
			existing = invalid_indexes_before(role, s);
			edata = run_stretch(job, role, m, list_make1(s), true, existing, ms);
			if (edata)
			{
				bool		index_left = drop_invalid_indexes(job, role, s, existing) != NULL;

				record_failure(job, s, edata,
							   committed || job->direction != MIGRATION_UP || index_left ||
							   !IsA(s->parsetree, IndexStmt));
				return false;
			}
			committed = true;
		}
	}
	return true;
}

/*
 * A dirty migration without a down script whose up script is one named
 * CREATE INDEX CONCURRENTLY, interrupted in it (the worker killed or
 * terminated, the server crashed): its only trace can be the INVALID index
 * that build left under the name it gives.  That index is dropped and the
 * migration is pending again, instead of dirty for a person to repair.
 * Nothing else is touched: not an unnamed build (which INVALID index is
 * its own cannot be told), not a valid index (the build finished and took
 * effect), not another index of the table.  Returns true when done and
 * recorded.
 */
static bool
recover_lone_index_build(Job *job, Oid role, MigrationState *m)
{
	Script	   *script = script_split(m->up_sql, job->version, MIGRATION_UP);
	ScriptStatement *s;
	IndexStmt  *stmt;
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	bool		valid;
	char	   *message;

	if (list_length(script->statements) != 1 || m->dirty_statement != 0)
		return false;
	s = linitial(script->statements);
	if (!IsA(s->parsetree, IndexStmt))
		return false;
	stmt = (IndexStmt *) s->parsetree;
	if (!stmt->concurrent || stmt->idxname == NULL)
		return false;

	txn_begin(role);
	values[0] = CStringGetTextDatum(quote_qualified_identifier(stmt->relation->schemaname,
															   stmt->relation->relname));
	values[1] = CStringGetTextDatum(stmt->idxname);
	if (SPI_execute_with_args("SELECT FROM pg_catalog.pg_index i "
							  "JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.indexrelid "
							  "WHERE i.indisvalid "
							  "  AND i.indrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1) "
							  "  AND c.relname OPERATOR(pg_catalog.=) $2",
							  2, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not look for the index of an interrupted build");
	valid = SPI_processed > 0;
	txn_commit();
	MemoryContextSwitchTo(job_context);
	if (valid)
		return false;
	if (drop_invalid_indexes(job, role, s, NIL) != NULL)
		return false;

	message = psprintf("the CREATE INDEX CONCURRENTLY of migration %s was interrupted; its INVALID index "
					   "(if any) was dropped, nothing of the migration took effect, so it is pending again",
					   job->version);
	txn_begin(role);
	finish_job(job, JOB_DONE, NULL, 0);
	catalog_record_outcome(MIGRATION_OUTCOME_RECOVERED, job->version, MIGRATION_DOWN, NULL, NAN, 0,
						   message, NULL);
	txn_commit();
	return true;
}

/*
 * An automatic recovery (the worker's own, job id 0, or one migrate() or
 * run() queued) whose down script would destroy data is held back: the
 * migration stays dirty, an event says why and how to go on, and a queued
 * job fails with SM002 saying the same.  Returns true if held back.
 */
static bool
recovery_held(Job *job, Oid role, MigrationState *m)
{
	char	   *why;

	txn_begin(role);
	why = recovery_destroys_data(job->version, m->down_sql);
	MemoryContextSwitchTo(job_context);
	if (why)
	{
		char	   *message = psprintf("automatic recovery held back: its down script would destroy data "
									   "(%s); migration %s stays dirty: undo it on purpose with "
									   "schemamig.recover('%s') (SELECT schemamig.enqueue('%s', 'down') "
									   "where the down script needs the worker), or fix the schema by "
									   "hand and run schemamig.repair('%s')",
									   why, job->version, job->version, job->version, job->version);

		catalog_log_event("error", "recovery_held", job->version, "down", NAN, NULL, message, NULL);
		if (job->id != 0)
			finish_job(job, JOB_FAILED, message, ERRCODE_SCHEMAMIG_DIRTY);
	}
	txn_commit();
	return why != NULL;
}

/*
 * The job's stored script, split into statements; or NULL after failing
 * the job (its event says why) when it does not parse: a script changed
 * in the catalog by hand, or a directive that reads differently now, is
 * that job's failure, not the worker's.  No transaction is open.
 */
static Script *
split_stored_script(Job *job, const char *sql, MigrationDirection direction)
{
	Script	   *volatile script = NULL;
	ErrorData  *volatile edata = NULL;
	char	   *message;

	PG_TRY();
	{
		script = script_split(sql, job->version, direction);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(job_context);
		EmitErrorReport();
		edata = CopyErrorData();
		FlushErrorState();
	}
	PG_END_TRY();
	if (edata == NULL)
		return script;
	message = psprintf("%s script of migration %s does not parse: %s%s%s",
					   direction_name(direction), job->version, edata->message,
					   edata->detail ? " " : "", edata->detail ? edata->detail : "");
	txn_begin(worker_userid);
	finish_job(job, JOB_FAILED, message, edata->sqlerrcode);
	catalog_record_outcome(MIGRATION_OUTCOME_FAILED, job->version, direction, NULL, NAN,
						   edata->sqlerrcode, message, NULL);
	txn_commit();
	return NULL;
}

static void
run_job_script(Job *job)
{
	MigrationState *m;
	Oid			role;
	Script	   *script;
	double		ms = 0;
	char	   *why = NULL;
	int			sqlerrcode = ERRCODE_UNDEFINED_OBJECT;
	int			resume_at = 0;

	txn_begin(worker_userid);
	/*
	 * A queued job runs as the role that queued it, and a recovery as the
	 * role whose job left the migration dirty: by OID, never by name
	 * (jobs.c).
	 */
	if (job->id == 0 && job->role_oid == NULL)
	{
		role = InvalidOid;
		sqlerrcode = ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
		why = psprintf("no job recorded which role ran it, and the name \"%s\" alone is not trusted", job->role);
	}
	else
		role = jobs_requester(job->role, job->role_oid, job->cluster, &why, &sqlerrcode);
	if (job->id == 0 && why != NULL)
		why = psprintf("automatic recovery of migration %s does not run: %s; once that is settled, recover it with SELECT * FROM schemamig.recover('%s') as the role that should run its down script",
					   job->version, why, job->version);
	m = catalog_load_one(job->version);
	txn_commit();

	job->roleid = role;
	if (!OidIsValid(role) || !m->registered)
	{
		if (why == NULL)
			why = psprintf("migration %s is not registered", job->version);
		txn_begin(worker_userid);
		finish_job(job, JOB_FAILED, why, sqlerrcode);
		catalog_record_outcome(MIGRATION_OUTCOME_FAILED, job->version, job->direction, NULL, NAN,
							   sqlerrcode, why, NULL);
		txn_commit();
		return;
	}

	if (job->direction == MIGRATION_UP)
	{
		if (m->applied && !m->dirty)
		{
			txn_begin(role);
			finish_job(job, JOB_DONE, NULL, 0);
			catalog_log_event("info", "skipped", job->version, "up", NAN, NULL,
							  psprintf("migration %s was already applied", job->version), NULL);
			txn_commit();
			return;
		}
		/* a job interrupted in a batched statement goes on there (backfill.c) */
		if (m->dirty)
		{
			txn_begin(role);
			resume_at = backfill_resume_point(job->version, m->dirty_statement);
			MemoryContextSwitchTo(job_context);
			txn_commit();
		}
		if (m->dirty && resume_at == 0)
		{
			txn_begin(role);
			finish_job(job, JOB_FAILED,
					   psprintf("migration %s is dirty (stopped at statement %d); recover or repair it first",
								job->version, m->dirty_statement),
					   ERRCODE_SCHEMAMIG_DIRTY);
			txn_commit();
			return;
		}
		script = split_stored_script(job, m->up_sql, MIGRATION_UP);
		if (script == NULL)
			return;
		if (resume_at == 0)
		{
			txn_begin(role);
			catalog_record_progress(job->version, m->checksum, 0, 0);
			txn_commit();
		}
		if (!run_script(job, role, m, script, resume_at, &ms))
			return;
		txn_begin(role);
		finish_job(job, JOB_DONE, NULL, 0);
		catalog_record_outcome(MIGRATION_OUTCOME_APPLIED, job->version, MIGRATION_UP, m->checksum, ms, 0,
							   psprintf("the worker applied migration %s", job->version), NULL);
		txn_commit();
	}
	else
	{
		bool		recovering = m->applied && m->dirty;
		char	   *parse_error;

		if (!m->applied)
		{
			txn_begin(role);
			finish_job(job, JOB_DONE, NULL, 0);
			txn_commit();
			return;
		}
		if (m->down_sql == NULL)
		{
			/* an interrupted lone index build needs no down script */
			if (recovering && job->id == 0 && recover_lone_index_build(job, role, m))
				return;
			txn_begin(role);
			finish_job(job, JOB_FAILED, psprintf("migration %s has no down script", job->version),
					   ERRCODE_SCHEMAMIG_NO_DOWN_SCRIPT);
			txn_commit();
			return;
		}
		/* registered though it does not parse (down_script.c): refused like a missing one */
		txn_begin(role);
		parse_error = down_script_parse_error(m->down_sql, job->version);
		if (parse_error)
			finish_job(job, JOB_FAILED, psprintf("down script of migration %s does not parse: %s",
												 job->version, parse_error), ERRCODE_SYNTAX_ERROR);
		txn_commit();
		if (parse_error)
			return;
		/* a dirty migration may have left INVALID indexes: drop them first */
		if (recovering)
		{
			Script	   *up = split_stored_script(job, m->up_sql, MIGRATION_UP);
			ListCell   *lc;

			if (up == NULL)
				return;
			foreach(lc, up->statements)
			{
				ScriptStatement *s = lfirst(lc);

				if (s->number > m->dirty_statement + 1)
					break;
				/* which INVALID index an unnamed build left is unknown by now */
				if (IsA(s->parsetree, IndexStmt) && ((IndexStmt *) s->parsetree)->idxname != NULL)
					(void) drop_invalid_indexes(job, role, s, NIL);
			}
			if ((job->id == 0 || job->automatic) && recovery_held(job, role, m))
				return;
		}
		script = split_stored_script(job, m->down_sql, MIGRATION_DOWN);
		if (script == NULL || !run_script(job, role, m, script, 0, &ms))
			return;
		txn_begin(role);
		finish_job(job, JOB_DONE, NULL, 0);
		catalog_record_outcome(recovering ? MIGRATION_OUTCOME_RECOVERED : MIGRATION_OUTCOME_ROLLED_BACK,
							   job->version, MIGRATION_DOWN, NULL, ms, 0,
							   psprintf("the worker %s migration %s",
										recovering ? "recovered" : "rolled back", job->version),
							   NULL);
		txn_commit();
	}
}

/*
 * Run a job; then the worker's settings are its own again.  While it runs,
 * the worker's application_name says which job (worker_registry.h).
 */
static void
run_job(Job *job)
{
	job->settings.context = job_context;
	job->settings.settings = NIL;
	if (job->id != 0)
		worker_registry_report_doing(psprintf("schemamig job " INT64_FORMAT ": migration %s (%s)",
											  job->id, job->version, direction_name(job->direction)));
	else
		worker_registry_report_doing(psprintf("schemamig recovery: migration %s (%s)",
											  job->version, direction_name(job->direction)));
	run_job_script(job);
	StartTransactionCommand();
	executor_restore_settings(&job->settings);
	CommitTransactionCommand();
	worker_registry_report_doing(NULL);
	MemoryContextSwitchTo(job_context);
}

/* ---- the pass ---- */

static bool
recovery_failed_before(const char *version)
{
	return list_member_cstring(failed_recoveries, version);
}

/* undo dirty migrations that no job is working on, newest first */
static void
recover_dirty_migrations(void)
{
	List	   *dirty = NIL;
	ListCell   *lc;

	txn_begin(worker_userid);
	foreach(lc, jobs_dirty_without_open_job())
	{
		JobRow	   *row = lfirst(lc);
		Job		   *job = palloc0(sizeof(Job));

		job->version = row->version;
		job->role = row->role;
		job->role_oid = row->role_oid;
		job->cluster = row->cluster;
		job->direction = row->direction;
		dirty = lappend(dirty, job);
	}
	txn_commit();

	foreach(lc, dirty)
	{
		Job		   *job = lfirst(lc);
		bool		still_dirty;

		if (recovery_failed_before(job->version))
			continue;
		run_job(job);
		txn_begin(worker_userid);
		still_dirty = catalog_load_one(job->version)->applied;
		txn_commit();
		if (still_dirty)
		{
			MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

			failed_recoveries = lappend(failed_recoveries, pstrdup(job->version));
			MemoryContextSwitchTo(old);
		}
	}
}

/*
 * Whether a pass has anything to do: a queued job, at the first pass a job
 * left running, or, with auto_recover, a dirty migration that no job
 * works on and whose recovery has not failed in this worker.  Looked at without the migration lock, so that an idle
 * worker does not take the lock at every naptime: apply() and migrate()
 * fail at once with SM006 while the worker holds it.
 */
static bool
work_pending(void)
{
	bool		pending;

	txn_begin(worker_userid);
	pending = jobs_queued(!interrupted_jobs_checked);
	if (!pending && schemamig_auto_recover)
	{
		ListCell   *lc;

		foreach(lc, jobs_dirty_without_open_job())
			if (!recovery_failed_before(((JobRow *) lfirst(lc))->version))
				pending = true;
	}
	txn_commit();
	return pending;
}

/*
 * Take the session-level migration lock if it is free; never queue for it.
 *
 * A worker waiting in the lock's queue would be granted the lock before the
 * sessions that queued behind it, and those sessions wait inside their
 * statement, holding a snapshot: the worker's CREATE INDEX CONCURRENTLY then
 * waits for their snapshots while they wait for the worker's lock, a
 * deadlock.  Taken only when free, the lock has no waiters when the worker
 * gets it, and sessions that come later see the worker as the holder and
 * fail at once with SM006 instead of waiting (migration_lock_acquire).  A
 * busy lock is tried again at the next pass.
 */
static bool
lock_migrations(LOCKTAG *tag)
{
	LockAcquireResult result;

	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, (uint32) (SCHEMAMIG_LOCK_KEY >> 32),
						 (uint32) SCHEMAMIG_LOCK_KEY, 1);
	StartTransactionCommand();
	result = LockAcquire(tag, ExclusiveLock, true, true);
	CommitTransactionCommand();
	MemoryContextSwitchTo(job_context);
	return result != LOCKACQUIRE_NOT_AVAIL;
}

void
job_runner_pass(void)
{
	LOCKTAG		tag;
	bool		installed;
	Job			job;

	if (job_context == NULL)
	{
		job_context = AllocSetContextCreate(TopMemoryContext, "schemamig job",
											ALLOCSET_DEFAULT_SIZES);
		worker_userid = GetUserId();
	}
	MemoryContextSwitchTo(job_context);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	installed = OidIsValid(get_extension_oid("schemamig", true));
	CommitTransactionCommand();
	MemoryContextSwitchTo(job_context);
	if (!installed)
		return;

	if (!work_pending())
	{
		/* nothing was left running: nothing to mark later either */
		interrupted_jobs_checked = true;
		MemoryContextReset(job_context);
		return;
	}
	if (!lock_migrations(&tag))
		return;

	/* with the lock held, a job still running has nobody running it */
	if (!interrupted_jobs_checked)
	{
		mark_interrupted_jobs();
		interrupted_jobs_checked = true;
	}
	if (schemamig_auto_recover)
		recover_dirty_migrations();
	while (!schemamig_skip && claim_next_job(&job))
	{
		run_job(&job);
		MemoryContextReset(job_context);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
			break;
	}
	LockRelease(&tag, ExclusiveLock, true);
	MemoryContextReset(job_context);
}
