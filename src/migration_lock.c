/*-------------------------------------------------------------------------
 *
 * migration_lock.c
 *		The one advisory lock that serialises every migration.
 *
 * register, apply, migrate, rollback, repair and baseline take the
 * transaction-level advisory lock SCHEMAMIG_LOCK_KEY (the lock of
 * pg_advisory_xact_lock(1936550247)) before reading the catalogs, and hold
 * it until their transaction ends.  Because it is held to commit, a second
 * session that waited for it reads the catalogs with a fresh snapshot and
 * finds the first session's work done.  That reasoning needs READ
 * COMMITTED, so the stricter isolation levels are refused
 * (require_read_committed, which enqueue() uses for its own lock too).
 *
 * On a standby (in recovery) it refuses at once: nothing there can write.
 *
 * The background worker holds the same lock, at session level, while it
 * runs jobs; callers do not wait for it (see migration_lock_acquire).
 *
 * The wait is bounded by schemamig.lock_wait_timeout: the lock manager
 * does the waiting, in slices shorter than deadlock_timeout, each in a
 * subtransaction whose lock_timeout error is caught; between slices we look
 * at the holder again (see migration_lock_acquire), and the final error
 * names the process holding the lock.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "schemamig.h"
#include "migration_lock.h"
#include "worker_registry.h"

static void
set_lock_tag(LOCKTAG *tag)
{
	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId,
						 (uint32) (SCHEMAMIG_LOCK_KEY >> 32),
						 (uint32) SCHEMAMIG_LOCK_KEY, 1);
}

/*
 * Who holds the lock: "process 123 (application \"x\", transaction started
 * ...)"; *is_worker says whether it is a schemamig worker.
 */
static char *
describe_lock_holder(bool *is_worker)
{
	Oid			argtypes[2] = {OIDOID, OIDOID};
	Datum		values[2];
	char	   *holder = NULL;
	int			rc;

	values[0] = ObjectIdGetDatum(MyDatabaseId);
	values[1] = ObjectIdGetDatum((Oid) SCHEMAMIG_LOCK_KEY);
	rc = SPI_execute_with_args(
							   "SELECT pg_catalog.format('process %s (application \"%s\", transaction started %s)', "
							   "    l.pid, a.application_name, a.xact_start), l.pid "
							   "FROM pg_catalog.pg_locks l "
							   "LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid OPERATOR(pg_catalog.=) l.pid "
							   "WHERE l.locktype OPERATOR(pg_catalog.=) 'advisory' AND l.granted "
							   "  AND l.database OPERATOR(pg_catalog.=) $1 "
							   "  AND l.classid OPERATOR(pg_catalog.=) 0::pg_catalog.oid "
							   "  AND l.objid OPERATOR(pg_catalog.=) $2 "
							   "  AND l.objsubid OPERATOR(pg_catalog.=) 1::pg_catalog.int2 "
							   "LIMIT 1",
							   2, argtypes, values, NULL, true, 1);
	*is_worker = false;
	if (rc == SPI_OK_SELECT && SPI_processed == 1)
	{
		bool		isnull;
		Datum		d;

		holder = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
		/* not a.backend_type: only pg_read_all_stats may see it */
		*is_worker = !isnull && worker_registry_is_worker(DatumGetInt32(d));
	}
	return holder ? holder : pstrdup("another process");
}

/*
 * Wait for the lock at most ms milliseconds; true if we got it.  The wait
 * runs in a subtransaction so that its lock_timeout error can be caught;
 * a lock it got passes to the transaction when the subtransaction ends.
 */
static bool
wait_for_lock_slice(LOCKTAG *tag, long ms)
{
	MemoryContext context = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool got = false;
	char		timeout[32];

	snprintf(timeout, sizeof(timeout), "%ld", ms);
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(context);
	PG_TRY();
	{
		int			nestlevel = NewGUCNestLevel();

		(void) set_config_option("lock_timeout", timeout, PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		(void) LockAcquire(tag, ExclusiveLock, false, false);
		AtEOXact_GUC(false, nestlevel);
		got = true;
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(context);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(context);
		CurrentResourceOwner = owner;
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			ReThrowError(edata);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(context);
	CurrentResourceOwner = owner;
	return got;
}

/*
 * Refuse a transaction whose snapshot outlives a lock wait: after waiting
 * for a lock, the caller must see what the holder committed.  what_must
 * says what is refused ("migrations must run"), unseen what the snapshot
 * could hide ("a migration another session committed").
 */
void
require_read_committed(const char *what_must, const char *unseen)
{
	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("schemamig %s at the READ COMMITTED isolation level", what_must),
				 errdetail("The transaction uses %s; its snapshot could hide %s meanwhile.",
						   XactIsoLevel == XACT_SERIALIZABLE ? "SERIALIZABLE" : "REPEATABLE READ",
						   unseen),
				 errhint("Call it outside an explicit transaction, or start one with BEGIN ISOLATION LEVEL READ COMMITTED.")));
}

void
migration_lock_acquire(void)
{
	LOCKTAG		tag;
	TimestampTz deadline;

	require_read_committed("migrations must run", "a migration another session committed");

	/*
	 * A standby cannot write: say so before anything is attempted, instead of
	 * the read-only error of the first catalog write deep inside.
	 */
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("schemamig cannot migrate a standby server"),
				 errdetail("This server is in recovery (a hot standby): it cannot register, apply or roll back migrations; it receives them from the primary by replication."),
				 errhint("Connect to the primary; with libpq, add target_session_attrs=read-write to the connection string to find it.")));

	set_lock_tag(&tag);
	if (LockAcquire(&tag, ExclusiveLock, false, true) != LOCKACQUIRE_NOT_AVAIL)
		return;

	/*
	 * Contended.  Wait in slices shorter than deadlock_timeout, and look at
	 * the holder before each: the worker may take the lock in the moment
	 * between our look and our wait, and a session waiting behind it holds
	 * a snapshot its CREATE INDEX CONCURRENTLY waits for.  A slice ends
	 * before the deadlock detector would act; the next look sees the worker
	 * and we step aside with SM006, releasing the snapshot.
	 */
	deadline = schemamig_lock_wait_timeout > 0
		? TimestampTzPlusMilliseconds(GetCurrentTimestamp(), schemamig_lock_wait_timeout)
		: DT_NOEND;
	for (;;)
	{
		bool		is_worker;
		char	   *holder = describe_lock_holder(&is_worker);
		long		remaining = deadline == DT_NOEND ? LONG_MAX
			: TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);

		/*
		 * Never wait for the worker: this transaction holds a snapshot, and
		 * the worker's CREATE INDEX CONCURRENTLY waits for every such
		 * snapshot.
		 */
		if (is_worker)
			ereport(ERROR,
					(errcode(ERRCODE_SCHEMAMIG_WORKER_BUSY),
					 errmsg("the schemamig worker is applying a migration"),
					 errdetail("The migration lock is held by %s. Waiting for it here would hold a snapshot that blocks the worker's CREATE INDEX CONCURRENTLY.",
							   holder),
					 errhint("Wait with CALL schemamig.wait(job), which holds no snapshot, then try again.")));
		if (remaining <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
					 errmsg("another migration is running: could not get the schemamig migration lock within %d ms",
							schemamig_lock_wait_timeout),
					 errdetail("The lock is held by %s.", holder),
					 errhint("Wait for that migration to finish and try again, or raise schemamig.lock_wait_timeout.")));
		if (wait_for_lock_slice(&tag, Min(remaining, Max(DeadlockTimeout / 2, 10))))
			return;
	}
}
