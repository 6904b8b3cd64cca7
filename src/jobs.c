/*-------------------------------------------------------------------------
 *
 * jobs.c
 *		The worker's queue: every statement on schemamig.jobs; enqueue(),
 *		CALL wait() and cancel().
 *
 * A job's states and transitions are in job_state.h; each write here
 * passes the transition through job_state_transition() and names the state
 * it leaves in its WHERE clause.  The worker's runner (job_runner.c) calls
 * the jobs_* functions of jobs.h; this file calls neither it nor worker.c
 * (which backend is the worker: worker_registry.c).
 *
 * Invariants:
 *	- a job records the role that queued it (the current user at enqueue
 *	  time, never an argument) by name and OID, and the cluster it was
 *	  queued in (its system identifier); the worker runs it as that role or
 *	  not at all (jobs_requester): a role renamed, dropped or replaced by
 *	  another of the same name, or a job restored from a dump of another
 *	  cluster, fails the job before anything of it runs;
 *	- a role sees and waits for its own jobs only (the extension owner and
 *	  superusers for all): schemamig.jobs has a row security policy, and
 *	  wait() checks the same before it says anything about a job;
 *	- one open job (queued or running) per version and direction: a second
 *	  enqueue returns the first one's id.  Enqueues serialise on their own
 *	  advisory lock (SCHEMAMIG_QUEUE_LOCK_KEY), not the migration lock, so a
 *	  busy worker never blocks queueing; after the lock, the lookup takes a
 *	  new snapshot (READ COMMITTED only), so it sees a job queued by the
 *	  enqueue it waited for;
 *	- enqueueing wakes the database's worker when the transaction commits
 *	  (its latch), not on its next poll;
 *	- wait() commits between checks, so it holds no snapshot while it waits:
 *	  a waiting session cannot block the CREATE INDEX CONCURRENTLY it waits
 *	  for;
 *	- cancel() ends a queued job at once; a running job it only marks
 *	  (cancel_requested_at), and the runner, which alone ends a running job,
 *	  stops it before its next stretch.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "schemamig.h"
#include "catalog.h"
#include "jobs.h"
#include "migration_lock.h"
#include "script.h"
#include "version.h"
#include "worker_registry.h"

PG_FUNCTION_INFO_V1(schemamig_enqueue);
PG_FUNCTION_INFO_V1(schemamig_wait);
PG_FUNCTION_INFO_V1(schemamig_cancel);

/* how often wait() looks at the job */
#define WAIT_POLL_MS 100

static int	worker_to_wake = 0;
static bool wake_callback_registered = false;

static void
wake_worker_at_commit(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT && worker_to_wake != 0)
	{
		PGPROC	   *proc = BackendPidGetProc(worker_to_wake);

		if (proc != NULL)
			SetLatch(&proc->procLatch);
	}
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT)
		worker_to_wake = 0;
}

static MigrationDirection
parse_direction(const char *direction)
{
	if (strcmp(direction, "up") == 0)
		return MIGRATION_UP;
	if (strcmp(direction, "down") == 0)
		return MIGRATION_DOWN;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid direction \"%s\"", direction),
			 errhint("Use \"up\" or \"down\".")));
	return MIGRATION_UP;		/* keep compiler quiet */
}

static void
register_wake_callback(void)
{
	if (!wake_callback_registered)
	{
		RegisterXactCallback(wake_worker_at_commit, NULL);
		wake_callback_registered = true;
	}
}

/*
 * Whether schemamig.jobs has the columns that bind a job to its role
 * (0.2.0).  The library can meet 0.1.0 catalogs until ALTER EXTENSION
 * schemamig UPDATE runs; a job queued then records no identity, so it
 * fails instead of running (jobs_requester).  Called as the owner.
 */
static bool
jobs_record_identity(void)
{
	if (SPI_execute("SELECT FROM pg_catalog.pg_attribute "
					"WHERE attrelid OPERATOR(pg_catalog.=) 'schemamig.jobs'::pg_catalog.regclass "
					"  AND attname OPERATOR(pg_catalog.=) 'requested_by_oid' AND NOT attisdropped",
					true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look at schemamig.jobs");
	return SPI_processed == 1;
}

/*
 * Queue a job (the caller is connected to SPI); returns its id.  Also used
 * by apply() and migrate() for migrations that cannot run in a transaction
 * block; automatic marks a recovery migrate() or run() queued on its own,
 * which the worker checks again before it runs (recovery_guard.c).
 */
int64
jobs_enqueue(const char *version, MigrationDirection direction, bool automatic)
{
	static SPIPlanPtr find_plan = NULL;
	static SPIPlanPtr insert_plan = NULL;
	static SPIPlanPtr insert_plan_0_1 = NULL;
	Oid			argtypes[6] = {TEXTOID, TEXTOID, NAMEOID, OIDOID, INT8OID, BOOLOID};
	Datum		values[6];
	CatalogAccess access;
	LOCKTAG		tag;
	int64		id;
	bool		isnull;
	bool		existing;

	/* the lookup below must see a job another enqueue committed meanwhile */
	require_read_committed("jobs must be queued", "a job another session queued");

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32) (SCHEMAMIG_QUEUE_LOCK_KEY >> 32),
						 (uint32) SCHEMAMIG_QUEUE_LOCK_KEY, 1);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);

	catalog_enter(&access);
	values[0] = CStringGetTextDatum(version);
	values[1] = CStringGetTextDatum(direction_name(direction));
	values[2] = CStringGetDatum(GetUserNameFromId(access.save_userid, false));
	values[3] = ObjectIdGetDatum(access.save_userid);
	values[4] = Int64GetDatum((int64) GetSystemIdentifier());
	values[5] = BoolGetDatum(automatic);
	if (find_plan == NULL)
	{
		find_plan = SPI_prepare("SELECT id FROM schemamig.jobs "
								"WHERE version OPERATOR(pg_catalog.=) $1 "
								"  AND direction OPERATOR(pg_catalog.=) $2 "
								"  AND status IN " JOB_STATES_OPEN_SQL " "
								"ORDER BY id LIMIT 1", 2, argtypes);
		if (find_plan == NULL || SPI_keepplan(find_plan) != 0)
			elog(ERROR, "could not prepare the job lookup");
	}
	/* not read-only: that would reuse the statement's snapshot, taken before the lock */
	if (SPI_execute_plan(find_plan, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "job lookup failed");
	existing = (SPI_processed == 1);
	if (!existing && jobs_record_identity())
	{
		if (insert_plan == NULL)
		{
			insert_plan = SPI_prepare("INSERT INTO schemamig.jobs (version, direction, requested_by, "
									  "  requested_by_oid, requested_in_cluster, automatic) "
									  "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id", 6, argtypes);
			if (insert_plan == NULL || SPI_keepplan(insert_plan) != 0)
				elog(ERROR, "could not prepare the job insert");
		}
		if (SPI_execute_plan(insert_plan, values, NULL, false, 1) != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "job insert failed");
	}
	else if (!existing)
	{
		/* 0.1.0 catalogs: the job is queued without identity and never runs */
		if (insert_plan_0_1 == NULL)
		{
			insert_plan_0_1 = SPI_prepare("INSERT INTO schemamig.jobs (version, direction, requested_by) "
										  "VALUES ($1, $2, $3) RETURNING id", 3, argtypes);
			if (insert_plan_0_1 == NULL || SPI_keepplan(insert_plan_0_1) != 0)
				elog(ERROR, "could not prepare the job insert");
		}
		if (SPI_execute_plan(insert_plan_0_1, values, NULL, false, 1) != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "job insert failed");
	}
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	catalog_leave(&access);

	if (existing)
		ereport(NOTICE,
				(errmsg("migration %s (%s) is already queued as job %lld",
						version, direction_name(direction), (long long) id)));
	else
	{
		catalog_log_event("info", "queued", version, direction_name(direction), NAN, NULL,
						  psprintf("queued job %lld", (long long) id), NULL);
		ereport(NOTICE,
				(errmsg("migration %s (%s) queued as job %lld for the schemamig worker",
						version, direction_name(direction), (long long) id),
				 errhint("CALL schemamig.wait(%lld) waits for it without blocking it.", (long long) id)));
	}

	worker_to_wake = worker_registry_database_worker_pid();
	if (worker_to_wake == 0)
		ereport(WARNING,
				(errmsg("no schemamig worker is running in database \"%s\"",
						get_database_name(MyDatabaseId)),
				 errhint("Add the database to schemamig.database with schemamig in shared_preload_libraries, or run SELECT schemamig.start_worker().")));
	register_wake_callback();
	return id;
}

/*
 * The role a job runs as, from what its row recorded (the text of
 * requested_by, requested_by_oid and requested_in_cluster; NULL for SQL
 * NULL): the role of that OID, if the job was queued in this cluster and
 * the OID still names the same role.  Otherwise InvalidOid, with *why
 * saying what is wrong and *sqlerrcode its SQLSTATE.  The name alone is never
 * trusted: a role renamed away and another created with its name would
 * inherit the job, and in a restored dump an OID means nothing.  Jobs
 * queued before 0.2.0 recorded no OID and never run.
 */
Oid
jobs_requester(const char *name, const char *oid_text, const char *cluster_text,
			   char **why, int *sqlerrcode)
{
	Oid			roleid;
	char	   *current_name;

	*sqlerrcode = ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
	if (oid_text == NULL || cluster_text == NULL)
	{
		*why = psprintf("job was queued by role \"%s\" before schemamig recorded the role's identity; queue it again", name);
		return InvalidOid;
	}
	/* stored as bigint: the system identifier's bits, signed */
	if (strtoi64(cluster_text, NULL, 10) != (int64) GetSystemIdentifier())
	{
		*why = psprintf("job was queued by role \"%s\" in another cluster (system identifier %s); it never runs here, queue it again",
						name, cluster_text);
		return InvalidOid;
	}
	roleid = atooid(oid_text);
	current_name = GetUserNameFromId(roleid, true);
	if (current_name == NULL)
	{
		*sqlerrcode = ERRCODE_UNDEFINED_OBJECT;
		*why = psprintf("role \"%s\" that queued the job no longer exists", name);
		return InvalidOid;
	}
	if (strcmp(current_name, name) != 0)
	{
		*why = psprintf("role \"%s\" that queued the job was renamed to \"%s\"; the job does not run as a role of another name",
						name, current_name);
		return InvalidOid;
	}
	return roleid;
}

/*
 * A role waits for and cancels its own jobs (the extension owner and its
 * members any): the job's row is tuple, its requested_by_oid at column
 * requester_column (NULL in 0.1.0 catalogs: only the owner then).
 */
static void
require_job_access(int64 job, HeapTuple tuple, TupleDesc desc, int requester_column,
				   Oid userid, Oid owner, const char *verb)
{
	bool		isnull;
	Oid			requester = DatumGetObjectId(SPI_getbinval(tuple, desc, requester_column, &isnull));

	if (!has_privs_of_role(userid, owner) &&
		(isnull || !has_privs_of_role(userid, requester)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for job %lld", (long long) job),
				 errdetail("The job was queued by another role."),
				 errhint("A role %s the jobs it queued; the extension owner %s any.", verb, verb)));
}

/* ---- the worker's side: claim, finish, cancel, interrupted, pending ---- */

/*
 * Run a statement on schemamig.jobs as the extension owner; the result
 * stays in SPI_tuptable, the caller's memory context is restored (SPI
 * leaves its own procedure context current).
 */
static void
jobs_sql(const char *sql, int nargs, Oid *argtypes, Datum *values, const char *nulls,
		 bool read_only, int expected)
{
	MemoryContext caller = CurrentMemoryContext;
	CatalogAccess access;
	int			rc;

	catalog_enter(&access);
	rc = SPI_execute_with_args(sql, nargs, argtypes, values, nulls, read_only, 0);
	MemoryContextSwitchTo(caller);
	catalog_leave(&access);
	if (rc != expected)
		elog(ERROR, "schemamig job statement failed (%s): %s", SPI_result_code_string(rc), sql);
}

/*
 * Take the oldest queued job (queued -> running); false if there is none.
 * SKIP LOCKED: a job being cancelled is not waited for.
 */
bool
jobs_claim_next(JobRow *job)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	HeapTuple	tuple;
	TupleDesc	desc;
	bool		isnull;

	values[0] = CStringGetTextDatum(job_state_transition(JOB_QUEUED, JOB_RUNNING));
	jobs_sql("UPDATE schemamig.jobs SET status = $1, started_at = pg_catalog.clock_timestamp() "
			 "WHERE id OPERATOR(pg_catalog.=) (SELECT id FROM schemamig.jobs "
			 "  WHERE status OPERATOR(pg_catalog.=) " JOB_STATE_SQL(QUEUED) " "
			 "  ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) "
			 "RETURNING id, version, direction, requested_by::pg_catalog.text, "
	/* through to_jsonb: NULL, not an error, in 0.1.0 catalogs */
			 "  pg_catalog.to_jsonb(jobs) OPERATOR(pg_catalog.->>) 'requested_by_oid', "
			 "  pg_catalog.to_jsonb(jobs) OPERATOR(pg_catalog.->>) 'requested_in_cluster', "
			 "  pg_catalog.to_jsonb(jobs) OPERATOR(pg_catalog.->>) 'automatic'",
			 1, argtypes, values, NULL, false, SPI_OK_UPDATE_RETURNING);
	if (SPI_processed != 1)
		return false;
	tuple = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	job->id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
	job->version = SPI_getvalue(tuple, desc, 2);
	job->direction = strcmp(SPI_getvalue(tuple, desc, 3), "down") == 0 ? MIGRATION_DOWN : MIGRATION_UP;
	job->role = SPI_getvalue(tuple, desc, 4);
	job->role_oid = SPI_getvalue(tuple, desc, 5);
	job->cluster = SPI_getvalue(tuple, desc, 6);
	job->automatic = SPI_getvalue(tuple, desc, 7) != NULL &&
		strcmp(SPI_getvalue(tuple, desc, 7), "true") == 0;
	return true;
}

/*
 * End a running job: done, failed or cancelled, with the error and its
 * SQLSTATE (sqlerrcode 0: none).  Only the worker that claimed it ends it;
 * a row someone changed by hand meanwhile is left as they left it (a
 * warning, not an error: an error here would stop the worker).
 */
void
jobs_finish(int64 id, JobState state, const char *error, int sqlerrcode)
{
	Oid			argtypes[4] = {INT8OID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};

	values[0] = Int64GetDatum(id);
	values[1] = CStringGetTextDatum(job_state_transition(JOB_RUNNING, state));
	values[2] = error ? CStringGetTextDatum(error) : (Datum) 0;
	nulls[2] = error ? ' ' : 'n';
	values[3] = sqlerrcode != 0 ? CStringGetTextDatum(unpack_sql_state(sqlerrcode)) : (Datum) 0;
	nulls[3] = sqlerrcode != 0 ? ' ' : 'n';
	jobs_sql("UPDATE schemamig.jobs SET status = $2, error = $3, sqlstate = $4, "
			 "  finished_at = pg_catalog.clock_timestamp() "
			 "WHERE id OPERATOR(pg_catalog.=) $1 AND status OPERATOR(pg_catalog.=) " JOB_STATE_SQL(RUNNING),
			 4, argtypes, values, nulls, false, SPI_OK_UPDATE);
	if (SPI_processed != 1)
		ereport(WARNING,
				(errmsg("schemamig job %lld was no longer running when it ended as %s",
						(long long) id, job_state_name(state)),
				 errdetail("Its row in schemamig.jobs was changed while the worker ran it; it is left as it is.")));
}

/*
 * Whether schemamig.cancel() asked the running job to stop.  Through
 * to_jsonb: 0.1.0 catalogs have no cancel_requested_at (and no cancel()).
 */
bool
jobs_cancel_requested(int64 id)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		values[1];

	values[0] = Int64GetDatum(id);
	jobs_sql("SELECT FROM schemamig.jobs j WHERE id OPERATOR(pg_catalog.=) $1 "
			 "  AND (pg_catalog.to_jsonb(j) OPERATOR(pg_catalog.->>) 'cancel_requested_at') IS NOT NULL",
			 1, argtypes, values, NULL, true, SPI_OK_SELECT);
	return SPI_processed == 1;
}

/*
 * Up jobs left running inside a batched statement by a worker or server
 * that stopped (running -> queued), each with its event: the migration is
 * dirty just before a statement whose progress row in schemamig.backfills
 * belongs to the job.  Queued again, the job resumes there after the last
 * committed batch (backfill.c).  Called before jobs_mark_interrupted(),
 * with the migration lock held; the caller knows schemamig.backfills
 * exists (0.2.0).
 */
void
jobs_requeue_interrupted_backfills(void)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	SPITupleTable *requeued;
	uint64		count;
	uint64		i;

	values[0] = CStringGetTextDatum(job_state_transition(JOB_RUNNING, JOB_QUEUED));
	jobs_sql("UPDATE schemamig.jobs j SET status = $1 "
			 "FROM schemamig.backfills b, schemamig.applied a "
			 "WHERE j.status OPERATOR(pg_catalog.=) " JOB_STATE_SQL(RUNNING) " "
			 "  AND j.direction OPERATOR(pg_catalog.=) 'up' "
			 "  AND b.job OPERATOR(pg_catalog.=) j.id AND b.version OPERATOR(pg_catalog.=) j.version "
			 "  AND b.direction OPERATOR(pg_catalog.=) 'up' "
			 "  AND a.version OPERATOR(pg_catalog.=) j.version AND a.dirty "
			 "  AND b.statement_no OPERATOR(pg_catalog.=) (COALESCE(a.dirty_statement, 0) OPERATOR(pg_catalog.+) 1) "
			 "RETURNING j.id, j.version, b.statement_no, b.batches, COALESCE(b.last_key, '(none)')",
			 1, argtypes, values, NULL, false, SPI_OK_UPDATE_RETURNING);
	requeued = SPI_tuptable;
	count = SPI_processed;
	for (i = 0; i < count; i++)
	{
		HeapTuple	row = requeued->vals[i];
		TupleDesc	desc = requeued->tupdesc;

		catalog_log_event("warning", "backfill_interrupted", SPI_getvalue(row, desc, 2), "up", NAN, NULL,
						  psprintf("job %s was interrupted in batched statement %s after %s batches (last key %s); it is queued again and resumes there",
								   SPI_getvalue(row, desc, 1), SPI_getvalue(row, desc, 3),
								   SPI_getvalue(row, desc, 4), SPI_getvalue(row, desc, 5)),
						  NULL);
	}
}

/*
 * Jobs left running by a worker or server that stopped (running -> failed),
 * each with its event.  Called only with the migration lock held: then no
 * worker runs any job.
 */
void
jobs_mark_interrupted(void)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	SPITupleTable *interrupted;
	uint64		count;
	uint64		i;

	values[0] = CStringGetTextDatum(job_state_transition(JOB_RUNNING, JOB_FAILED));
	jobs_sql("UPDATE schemamig.jobs SET status = $1, finished_at = pg_catalog.clock_timestamp(), "
			 "  error = 'interrupted: the worker or the server stopped while the job ran' "
			 "WHERE status OPERATOR(pg_catalog.=) " JOB_STATE_SQL(RUNNING) " "
			 "RETURNING id, version, direction",
			 1, argtypes, values, NULL, false, SPI_OK_UPDATE_RETURNING);
	interrupted = SPI_tuptable;
	count = SPI_processed;
	for (i = 0; i < count; i++)
	{
		char	   *id = SPI_getvalue(interrupted->vals[i], interrupted->tupdesc, 1);
		char	   *version = SPI_getvalue(interrupted->vals[i], interrupted->tupdesc, 2);
		char	   *direction = SPI_getvalue(interrupted->vals[i], interrupted->tupdesc, 3);

		catalog_record_outcome(MIGRATION_OUTCOME_FAILED, version,
							   strcmp(direction, "down") == 0 ? MIGRATION_DOWN : MIGRATION_UP,
							   NULL, NAN, 0,
							   psprintf("job %s was interrupted: the worker or the server stopped while it ran", id),
							   NULL);
	}
}

/* whether a job is queued (or, if or_running, running) */
bool
jobs_queued(bool or_running)
{
	Oid			argtypes[1] = {BOOLOID};
	Datum		values[1];

	values[0] = BoolGetDatum(or_running);
	jobs_sql("SELECT FROM schemamig.jobs "
			 "WHERE status OPERATOR(pg_catalog.=) " JOB_STATE_SQL(QUEUED) " "
			 "   OR ($1 AND status OPERATOR(pg_catalog.=) " JOB_STATE_SQL(RUNNING) ") "
			 "LIMIT 1",
			 1, argtypes, values, NULL, true, SPI_OK_SELECT);
	return SPI_processed == 1;
}

/*
 * The dirty migrations no open job works on, newest first, each as a down
 * job of id 0 run as the role that applied it: what automatic recovery
 * undoes.  The one place that says "dirty with no open job".  Only a
 * worker job leaves a migration dirty, so the last job of the version
 * recorded the identity (OID, cluster) of that role: the recovery runs as
 * that OID if it still has the name applied_by records (jobs_requester),
 * never as whatever role has the name now.
 */
List *
jobs_dirty_without_open_job(void)
{
	List	   *dirty = NIL;
	uint64		i;

	/* through to_jsonb: NULL, not an error, in 0.1.0 catalogs */
	jobs_sql("SELECT a.version, a.applied_by::pg_catalog.text, "
			 "  last.job OPERATOR(pg_catalog.->>) 'requested_by_oid', "
			 "  last.job OPERATOR(pg_catalog.->>) 'requested_in_cluster' "
			 "FROM schemamig.applied a "
			 "LEFT JOIN LATERAL (SELECT pg_catalog.to_jsonb(j) AS job FROM schemamig.jobs j "
			 "  WHERE j.version OPERATOR(pg_catalog.=) a.version ORDER BY j.id DESC LIMIT 1) last ON true "
			 "WHERE a.dirty AND NOT EXISTS (SELECT FROM schemamig.jobs j "
			 "  WHERE j.version OPERATOR(pg_catalog.=) a.version "
			 "    AND j.status IN " JOB_STATES_OPEN_SQL ") "
			 "ORDER BY schemamig.version_sort_key(a.version) DESC",
			 0, NULL, NULL, NULL, true, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		JobRow	   *job = palloc0(sizeof(JobRow));

		job->version = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		job->role = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		job->role_oid = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3);
		job->cluster = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 4);
		job->direction = MIGRATION_DOWN;
		dirty = lappend(dirty, job);
	}
	return dirty;
}

/* schemamig.enqueue(version text, direction text default 'up') returns bigint */
Datum
schemamig_enqueue(PG_FUNCTION_ARGS)
{
	char	   *version;
	MigrationDirection direction;
	MigrationState *m;
	int64		id;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("version and direction must not be null")));
	version = text_to_cstring(PG_GETARG_TEXT_PP(0));
	direction = parse_direction(text_to_cstring(PG_GETARG_TEXT_PP(1)));
	version_check_name(version);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	m = catalog_load_one(version);
	if (!m->registered)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("migration \"%s\" is not registered", version),
				 errhint("Register it with schemamig.register() first.")));
	if (direction == MIGRATION_UP && m->applied && !m->dirty)
	{
		ereport(NOTICE,
				(errmsg("migration %s is already applied; nothing was queued", version)));
		SPI_finish();
		PG_RETURN_NULL();
	}
	if (direction == MIGRATION_DOWN && !m->applied)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration \"%s\" is not applied", version),
				 errhint("Only applied migrations can be rolled back.")));
	if (direction == MIGRATION_DOWN && m->down_sql == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_SCHEMAMIG_NO_DOWN_SCRIPT),
				 errmsg("migration \"%s\" has no down script", version),
				 errhint("Register the migration again with a down script.")));
	id = jobs_enqueue(version, direction, false);
	SPI_finish();
	PG_RETURN_INT64(id);
}

/*
 * CALL schemamig.wait(job bigint, timeout interval default '1 hour'):
 * returns when the job is done; raises the job's error if it failed.
 */
Datum
schemamig_wait(PG_FUNCTION_ARGS)
{
	bool		nonatomic = fcinfo->context && IsA(fcinfo->context, CallContext) &&
		!castNode(CallContext, fcinfo->context)->atomic;
	int64		job;
	TimestampTz deadline;
	Oid			argtypes[1] = {INT8OID};
	Datum		values[1];
	bool		checked = false;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("job and timeout must not be null")));
	if (!nonatomic)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
				 errmsg("schemamig.wait() cannot run inside a transaction block"),
				 errdetail("It commits between checks so that it holds no snapshot while it waits."),
				 errhint("Call it on its own: CALL schemamig.wait(job, timeout).")));
	job = PG_GETARG_INT64(0);
	deadline = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
													   TimestampTzGetDatum(GetCurrentTimestamp()),
													   PG_GETARG_DATUM(1)));
	values[0] = Int64GetDatum(job);

	if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	for (;;)
	{
		CatalogAccess access;
		char	   *status;
		char	   *error;
		char	   *sqlstate;
		JobState	state;
		Oid			owner;

		catalog_enter(&access);
		owner = GetUserId();
		/* through to_jsonb: 0.1.0 catalogs have no requested_by_oid */
		if (SPI_execute_with_args("SELECT status, error, sqlstate, "
								  "  (pg_catalog.to_jsonb(j) OPERATOR(pg_catalog.->>) 'requested_by_oid')::pg_catalog.oid "
								  "FROM schemamig.jobs j WHERE id OPERATOR(pg_catalog.=) $1",
								  1, argtypes, values, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "job lookup failed");
		catalog_leave(&access);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("job %lld does not exist", (long long) job)));
		/* a role waits for its own jobs: another's job error is not its to read */
		if (!checked)
		{
			require_job_access(job, SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4,
							   access.save_userid, owner, "waits for");
			checked = true;
		}
		status = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		error = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
		sqlstate = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
		state = job_state_from_name(status);

		if (state == JOB_DONE)
		{
			ereport(NOTICE, (errmsg("job %lld is done", (long long) job)));
			break;
		}
		if (job_state_is_final(state))
			ereport(ERROR,
					(errcode(sqlstate && strlen(sqlstate) == 5
							 ? MAKE_SQLSTATE(sqlstate[0], sqlstate[1], sqlstate[2], sqlstate[3], sqlstate[4])
							 : ERRCODE_SCHEMAMIG_JOB_FAILED),
					 errmsg("job %lld %s: %s", (long long) job, status, error ? error : "no error recorded"),
					 errhint("See schemamig.jobs and schemamig.events for what happened.")));

		/* nothing to hold while we sleep: no snapshot, no locks */
		SPI_commit();
		if (GetCurrentTimestamp() >= deadline)
			ereport(ERROR,
					(errcode(ERRCODE_QUERY_CANCELED),
					 errmsg("job %lld is still %s after the timeout", (long long) job, status),
					 errhint("CALL schemamig.wait() again to keep waiting; the job goes on.")));
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 WAIT_POLL_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");
	PG_RETURN_VOID();
}

/*
 * schemamig.cancel(job bigint) returns text: the job's status after the
 * call.  A queued job is cancelled at once; a running one is asked to
 * stop (cancel_requested_at), its worker woken at commit, and it stays
 * running until the runner notices, before its next stretch or retry
 * (jobs_cancel_requested): it then ends cancelled, the migration
 * left as the committed stretches left it.  A job already done, failed or
 * cancelled cannot be cancelled.  One statement: a claim that takes the job
 * meanwhile is seen (the row is re-read after its lock), so a job is either
 * cancelled while queued or asked to stop while running, never lost between.
 */
Datum
schemamig_cancel(PG_FUNCTION_ARGS)
{
	int64		job;
	Oid			argtypes[4] = {INT8OID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[4];
	CatalogAccess access;
	Oid			owner;
	char	   *status;
	JobState	state;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("job must not be null")));
	job = PG_GETARG_INT64(0);
	values[0] = Int64GetDatum(job);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	catalog_enter(&access);
	owner = GetUserId();
	values[1] = CStringGetTextDatum(job_state_transition(JOB_QUEUED, JOB_CANCELLED));
	values[2] = CStringGetTextDatum(psprintf("cancelled by role \"%s\" with schemamig.cancel()",
											 GetUserNameFromId(access.save_userid, false)));
	values[3] = CStringGetTextDatum(unpack_sql_state(ERRCODE_QUERY_CANCELED));
	/* the access check comes first: another role's job is neither read nor touched */
	if (SPI_execute_with_args("SELECT status, requested_by_oid FROM schemamig.jobs "
							  "WHERE id OPERATOR(pg_catalog.=) $1",
							  1, argtypes, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "job lookup failed");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("job %lld does not exist", (long long) job)));
	require_job_access(job, SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2,
					   access.save_userid, owner, "cancels");
	Assert(job_state_transition_legal(JOB_RUNNING, JOB_CANCELLED));
	if (SPI_execute_with_args("UPDATE schemamig.jobs SET "
							  "  status = CASE WHEN status OPERATOR(pg_catalog.=) " JOB_STATE_SQL(QUEUED)
							  "    THEN $2 ELSE status END, "
							  "  finished_at = CASE WHEN status OPERATOR(pg_catalog.=) " JOB_STATE_SQL(QUEUED)
							  "    THEN pg_catalog.clock_timestamp() END, "
							  "  error = CASE WHEN status OPERATOR(pg_catalog.=) " JOB_STATE_SQL(QUEUED)
							  "    THEN $3 END, "
							  "  sqlstate = CASE WHEN status OPERATOR(pg_catalog.=) " JOB_STATE_SQL(QUEUED)
							  "    THEN $4 END, "
							  "  cancel_requested_at = pg_catalog.clock_timestamp() "
							  "WHERE id OPERATOR(pg_catalog.=) $1 AND status IN " JOB_STATES_OPEN_SQL " "
							  "RETURNING status",
							  4, argtypes, values, NULL, false, 1) != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "could not cancel job %lld", (long long) job);
	if (SPI_processed == 0)
	{
		/* final already: read it again, after the update's wait for the row */
		if (SPI_execute_with_args("SELECT status FROM schemamig.jobs WHERE id OPERATOR(pg_catalog.=) $1",
								  1, argtypes, values, NULL, false, 1) != SPI_OK_SELECT ||
			SPI_processed != 1)
			elog(ERROR, "job lookup failed");
		status = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("job %lld is already %s", (long long) job, status),
				 errhint("Only a queued or running job can be cancelled.")));
	}
	status = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	catalog_leave(&access);
	state = job_state_from_name(status);
	if (state == JOB_RUNNING)
	{
		ereport(NOTICE,
				(errmsg("job %lld is running; it stops before its next stretch (in a batched statement, before its next batch)", (long long) job),
				 errdetail("A statement in progress runs to its end; what the job committed stays, so its migration may be left dirty."),
				 errhint("CALL schemamig.wait(%lld) waits until it has stopped.", (long long) job)));
		worker_to_wake = worker_registry_database_worker_pid();
		register_wake_callback();
	}
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(status));
}
