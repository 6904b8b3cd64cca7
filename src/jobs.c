/*-------------------------------------------------------------------------
 *
 * jobs.c
 *		The worker's queue: schemamig.jobs, enqueue() and CALL wait().
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
 *	  for.
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

PG_FUNCTION_INFO_V1(schemamig_enqueue);
PG_FUNCTION_INFO_V1(schemamig_wait);

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

/*
 * pid of this database's worker, or 0.  pg_stat_activity shows every role
 * the pid and database of each backend, but its backend_type only to roles
 * with pg_read_all_stats: whether a pid is our worker is asked of the
 * background worker registry instead (schemamig_worker_pid_p).
 */
int
jobs_worker_pid(void)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1];
	uint64		i;

	values[0] = ObjectIdGetDatum(MyDatabaseId);
	if (SPI_execute_with_args("SELECT pid FROM pg_catalog.pg_stat_activity "
							  "WHERE datid OPERATOR(pg_catalog.=) $1 "
							  "  AND pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()",
							  1, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
		return 0;
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		int			pid = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));

		if (!isnull && schemamig_worker_pid_p(pid))
			return pid;
	}
	return 0;
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
 * block.
 */
int64
jobs_enqueue(const char *version, MigrationDirection direction)
{
	static SPIPlanPtr find_plan = NULL;
	static SPIPlanPtr insert_plan = NULL;
	static SPIPlanPtr insert_plan_0_1 = NULL;
	Oid			argtypes[5] = {TEXTOID, TEXTOID, NAMEOID, OIDOID, INT8OID};
	Datum		values[5];
	CatalogAccess access;
	LOCKTAG		tag;
	int64		id;
	bool		isnull;
	bool		existing;

	/* the lookup below must see a job another enqueue committed meanwhile */
	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("schemamig jobs must be queued at the READ COMMITTED isolation level"),
				 errdetail("The transaction uses %s; its snapshot could hide a job another session queued meanwhile.",
						   XactIsoLevel == XACT_SERIALIZABLE ? "SERIALIZABLE" : "REPEATABLE READ"),
				 errhint("Call it outside an explicit transaction, or start one with BEGIN ISOLATION LEVEL READ COMMITTED.")));

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32) (SCHEMAMIG_QUEUE_LOCK_KEY >> 32),
						 (uint32) SCHEMAMIG_QUEUE_LOCK_KEY, 1);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);

	catalog_enter(&access);
	values[0] = CStringGetTextDatum(version);
	values[1] = CStringGetTextDatum(direction_name(direction));
	values[2] = CStringGetDatum(GetUserNameFromId(access.save_userid, false));
	values[3] = ObjectIdGetDatum(access.save_userid);
	values[4] = Int64GetDatum((int64) GetSystemIdentifier());
	if (find_plan == NULL)
	{
		find_plan = SPI_prepare("SELECT id FROM schemamig.jobs "
								"WHERE version OPERATOR(pg_catalog.=) $1 "
								"  AND direction OPERATOR(pg_catalog.=) $2 "
								"  AND status OPERATOR(pg_catalog.=) ANY ('{queued,running}') "
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
									  "  requested_by_oid, requested_in_cluster) "
									  "VALUES ($1, $2, $3, $4, $5) RETURNING id", 5, argtypes);
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

	worker_to_wake = jobs_worker_pid();
	if (worker_to_wake == 0)
		ereport(WARNING,
				(errmsg("no schemamig worker is running in database \"%s\"",
						get_database_name(MyDatabaseId)),
				 errhint("Add the database to schemamig.database with schemamig in shared_preload_libraries, or run SELECT schemamig.start_worker().")));
	if (!wake_callback_registered)
	{
		RegisterXactCallback(wake_worker_at_commit, NULL);
		wake_callback_registered = true;
	}
	return id;
}

/*
 * The role a job runs as, from what its row recorded (the text of
 * requested_by, requested_by_oid and requested_in_cluster; NULL for SQL
 * NULL): the role of that OID, if the job was queued in this cluster and
 * the OID still names the same role.  Otherwise InvalidOid, with *why
 * saying what is wrong and *sqlstate its code.  The name alone is never
 * trusted: a role renamed away and another created with its name would
 * inherit the job, and in a restored dump an OID means nothing.  Jobs
 * queued before 0.2.0 recorded no OID and never run.
 */
Oid
jobs_requester(const char *name, const char *oid_text, const char *cluster_text,
			   char **why, const char **sqlstate)
{
	Oid			roleid;
	char	   *current_name;

	*sqlstate = "28000";		/* invalid_authorization_specification */
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
		*sqlstate = "42704";	/* undefined_object */
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
	id = jobs_enqueue(version, direction);
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
			bool		isnull;
			Oid			requester = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
																   SPI_tuptable->tupdesc, 4, &isnull));

			if (!has_privs_of_role(access.save_userid, owner) &&
				(isnull || !has_privs_of_role(access.save_userid, requester)))
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("permission denied for job %lld", (long long) job),
						 errdetail("The job was queued by another role."),
						 errhint("A role waits for the jobs it queued; the extension owner waits for any.")));
			checked = true;
		}
		status = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		error = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
		sqlstate = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);

		if (strcmp(status, "done") == 0)
		{
			ereport(NOTICE, (errmsg("job %lld is done", (long long) job)));
			break;
		}
		if (strcmp(status, "failed") == 0 || strcmp(status, "cancelled") == 0)
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
