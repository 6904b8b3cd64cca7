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
 * COMMITTED, so the stricter isolation levels are refused.
 *
 * The background worker holds the same lock, at session level, while it
 * runs jobs; callers do not wait for it (see migration_lock_acquire).
 *
 * The wait is bounded by schemamig.lock_wait_timeout: the lock manager's
 * own lock_timeout machinery does the waiting (no polling), and its
 * timeout error is replaced by one that names the process holding the lock.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "schemamig.h"

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
		*is_worker = !isnull && schemamig_worker_pid_p(DatumGetInt32(d));
	}
	return holder ? holder : pstrdup("another process");
}

void
migration_lock_acquire(void)
{
	LOCKTAG		tag;
	char	   *volatile holder;
	bool		is_worker;
	int			nestlevel;
	char		timeout[32];

	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("schemamig migrations must run at the READ COMMITTED isolation level"),
				 errdetail("The transaction uses %s; its snapshot could hide a migration another session committed meanwhile.",
						   XactIsoLevel == XACT_SERIALIZABLE ? "SERIALIZABLE" : "REPEATABLE READ"),
				 errhint("Call it outside an explicit transaction, or start one with BEGIN ISOLATION LEVEL READ COMMITTED.")));

	set_lock_tag(&tag);
	if (LockAcquire(&tag, ExclusiveLock, false, true) != LOCKACQUIRE_NOT_AVAIL)
		return;

	/* contended: note the holder now, then wait with the bounded timeout */
	holder = describe_lock_holder(&is_worker);

	/*
	 * Never wait for the worker: this transaction holds a snapshot, and the
	 * worker's CREATE INDEX CONCURRENTLY waits for every such snapshot.
	 */
	if (is_worker)
		ereport(ERROR,
				(errcode(ERRCODE_SCHEMAMIG_WORKER_BUSY),
				 errmsg("the schemamig worker is applying a migration"),
				 errdetail("The migration lock is held by %s. Waiting for it here would hold a snapshot that blocks the worker's CREATE INDEX CONCURRENTLY.",
						   holder),
				 errhint("Wait with CALL schemamig.wait(job), which holds no snapshot, then try again.")));

	snprintf(timeout, sizeof(timeout), "%d", schemamig_lock_wait_timeout);
	nestlevel = NewGUCNestLevel();
	(void) set_config_option("lock_timeout", timeout, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	PG_TRY();
	{
		(void) LockAcquire(&tag, ExclusiveLock, false, false);
	}
	PG_CATCH();
	{
		if (geterrcode() == ERRCODE_LOCK_NOT_AVAILABLE)
		{
			FlushErrorState();
			ereport(ERROR,
					(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
					 errmsg("another migration is running: could not get the schemamig migration lock within %d ms",
							schemamig_lock_wait_timeout),
					 errdetail("The lock is held by %s.", holder),
					 errhint("Wait for that migration to finish and try again, or raise schemamig.lock_wait_timeout.")));
		}
		PG_RE_THROW();
	}
	PG_END_TRY();
	AtEOXact_GUC(true, nestlevel);
}
