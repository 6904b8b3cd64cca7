/*-------------------------------------------------------------------------
 *
 * worker.c
 *		The background workers: a launcher, and one worker per database.
 *
 * The launcher is registered from shared_preload_libraries; it starts one
 * worker per database listed in schemamig.database, restarts a worker that
 * exits (at most once per LAUNCHER_RESTART_DELAY_MS), starts and stops
 * workers when the list changes on SIGHUP, and connects to no database
 * (only so that it shows in pg_stat_activity, like the logical replication
 * launcher).
 * Where preloading is impossible, schemamig.start_worker() starts the
 * current database's worker dynamically.
 *
 * A worker connects to its database (by OID: a renamed database keeps its
 * worker) as the bootstrap superuser, and loops: reload on SIGHUP, exit on
 * SIGTERM, do nothing while the server is a standby or schemamig.skip is
 * on, else hand the queue to job_runner_pass(); then sleep on its latch
 * (enqueue() sets it) for schemamig.worker_naptime.  Both appear in
 * pg_stat_activity with their own backend_type.
 *
 * worker.c calls job_runner.c (a pass over the queue) and
 * worker_registry.c (is a worker running?); nothing of the queue calls
 * back into it.
 *
 * A worker's life follows its database:
 *	- one worker per database: a worker holds a session lock of its own
 *	  (advisory, key SCHEMAMIG_WORKER_LOCK_KEY) while connected, and a
 *	  second one, however started, exits at once;
 *	- an idle worker checks at least every WORKER_DATABASE_CHECK_MS whether
 *	  a session waits to have the database to itself (DROP DATABASE, ALTER
 *	  DATABASE ... RENAME or SET TABLESPACE, CREATE DATABASE ... TEMPLATE:
 *	  each holds a lock on the database that conflicts with the one a
 *	  connection takes, then waits up to 5 seconds for the database's other
 *	  sessions to leave), and if so leaves; the launcher starts it again
 *	  once the database is there to connect to, a start_worker() worker is
 *	  restarted by the postmaster and waits for the database to be free;
 *	- a worker whose database is gone (its directory removed) exits for
 *	  good; the launcher starts no worker for a listed database that does
 *	  not exist.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>

#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_database.h"
#include "common/relpath.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "schemamig.h"
#include "job_runner.h"
#include "worker.h"
#include "worker_registry.h"

PG_FUNCTION_INFO_V1(schemamig_start_worker);

PGDLLEXPORT void schemamig_launcher_main(Datum main_arg);
PGDLLEXPORT void schemamig_worker_main(Datum main_arg);

#define LAUNCHER_NAPTIME_MS			5000
#define LAUNCHER_RESTART_DELAY_MS	10000

/*
 * How often an idle worker looks for a session waiting to have its
 * database to itself: well within the 5 seconds such a session waits.
 */
#define WORKER_DATABASE_CHECK_MS	1000

/* held by the database's worker for its whole life ('smiw') */
#define SCHEMAMIG_WORKER_LOCK_KEY	INT64CONST(1936550263)

typedef struct LaunchedWorker
{
	char		dbname[NAMEDATALEN];
	BackgroundWorkerHandle *handle;
	TimestampTz started_at;
	bool		missing_reported;	/* "does not exist" logged once */
} LaunchedWorker;

/* what a worker is told about its database, in bgw_extra */
typedef struct WorkerDatabase
{
	Oid			dboid;
	Oid			tablespace;		/* its default tablespace */
	char		dbname[NAMEDATALEN];	/* for messages */
} WorkerDatabase;

StaticAssertDecl(sizeof(WorkerDatabase) <= BGW_EXTRALEN, "WorkerDatabase must fit in bgw_extra");

static void
fill_worker(BackgroundWorker *bgw, const WorkerDatabase *db, int restart_time)
{
	memset(bgw, 0, sizeof(*bgw));
	bgw->bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	bgw->bgw_start_time = BgWorkerStart_ConsistentState;
	bgw->bgw_restart_time = restart_time;
	strlcpy(bgw->bgw_library_name, "schemamig", BGW_MAXLEN);
	strlcpy(bgw->bgw_function_name, "schemamig_worker_main", BGW_MAXLEN);
	snprintf(bgw->bgw_name, BGW_MAXLEN, "schemamig worker for database %s", db->dbname);
	strlcpy(bgw->bgw_type, SCHEMAMIG_WORKER_TYPE, BGW_MAXLEN);
	memcpy(bgw->bgw_extra, db, sizeof(WorkerDatabase));
	bgw->bgw_notify_pid = MyProcPid;
}

/*
 * The launcher's look at pg_database (a shared catalog: it needs no
 * database connection): fills db and returns true if dbname exists.  A
 * heap scan, as the autovacuum launcher's get_database_list() does: with
 * no database selected, an index scan may need pg_class to build the
 * index's relcache entry.
 */
static bool
launcher_find_database(const char *dbname, WorkerDatabase *db)
{
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tuple;
	bool		found = false;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	(void) GetTransactionSnapshot();	/* as get_database_list() does */
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while (!found && HeapTupleIsValid(tuple = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_database form = (Form_pg_database) GETSTRUCT(tuple);

		if (strcmp(NameStr(form->datname), dbname) == 0)
		{
			db->dboid = form->oid;
			db->tablespace = form->dattablespace;
			strlcpy(db->dbname, dbname, NAMEDATALEN);
			found = true;
		}
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	return found;
}

/*
 * GUC check hook of schemamig.database: a comma-separated list of
 * database names, each named once.
 */
bool
worker_check_database_list(char **newval, void **extra, GucSource source)
{
	char	   *rawlist = pstrdup(*newval ? *newval : "");
	List	   *names = NIL;
	ListCell   *lc;

	if (!SplitIdentifierString(rawlist, ',', &names))
	{
		GUC_check_errdetail("List syntax is invalid.");
		GUC_check_errhint("Name databases separated by commas, double-quoting names that need it.");
		return false;
	}
	foreach(lc, names)
	{
		ListCell   *other;

		if (strlen(lfirst(lc)) == 0)
		{
			GUC_check_errdetail("A database name is empty.");
			return false;
		}
		for (other = lnext(names, lc); other != NULL; other = lnext(names, other))
			if (strcmp(lfirst(lc), lfirst(other)) == 0)
			{
				GUC_check_errdetail("Database \"%s\" is listed twice; one worker serves a database.",
									(char *) lfirst(lc));
				return false;
			}
	}
	list_free(names);
	pfree(rawlist);
	return true;
}

void
worker_register_launcher(void)
{
	BackgroundWorker bgw;

	memset(&bgw, 0, sizeof(bgw));
	/* a connection (to no database) is what puts it in pg_stat_activity */
	bgw.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	bgw.bgw_start_time = BgWorkerStart_ConsistentState;
	bgw.bgw_restart_time = 5;
	strlcpy(bgw.bgw_library_name, "schemamig", BGW_MAXLEN);
	strlcpy(bgw.bgw_function_name, "schemamig_launcher_main", BGW_MAXLEN);
	strlcpy(bgw.bgw_name, "schemamig launcher", BGW_MAXLEN);
	strlcpy(bgw.bgw_type, SCHEMAMIG_LAUNCHER_TYPE, BGW_MAXLEN);
	RegisterBackgroundWorker(&bgw);
}

void
schemamig_launcher_main(Datum main_arg)
{
	List	   *workers = NIL;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);

	for (;;)
	{
		char	   *rawlist;
		List	   *names = NIL;
		ListCell   *lc;
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		old = MemoryContextSwitchTo(TopMemoryContext);
		rawlist = pstrdup(schemamig_database ? schemamig_database : "");
		if (!SplitIdentifierString(rawlist, ',', &names))
		{
			ereport(LOG,
					(errmsg("schemamig launcher: invalid schemamig.database \"%s\"", schemamig_database)));
			list_free(names);
			names = NIL;
		}

		/* stop workers of databases no longer listed */
		foreach(lc, workers)
		{
			LaunchedWorker *w = lfirst(lc);

			if (!list_member_cstring(names, w->dbname))
			{
				if (w->handle != NULL)
					TerminateBackgroundWorker(w->handle);
				workers = foreach_delete_current(workers, lc);
			}
		}

		/* start (or restart) a worker for each listed database */
		foreach(lc, names)
		{
			const char *dbname = lfirst(lc);
			LaunchedWorker *w = NULL;
			ListCell   *wc;
			pid_t		pid;
			BackgroundWorker bgw;

			WorkerDatabase db;

			foreach(wc, workers)
				if (strcmp(((LaunchedWorker *) lfirst(wc))->dbname, dbname) == 0)
					w = lfirst(wc);
			if (w != NULL && w->handle != NULL &&
				GetBackgroundWorkerPid(w->handle, &pid) != BGWH_STOPPED)
				continue;
			if (w != NULL && w->handle != NULL &&
				!TimestampDifferenceExceeds(w->started_at, GetCurrentTimestamp(),
											LAUNCHER_RESTART_DELAY_MS))
				continue;
			if (w == NULL)
			{
				w = palloc0(sizeof(LaunchedWorker));
				strlcpy(w->dbname, dbname, NAMEDATALEN);
				workers = lappend(workers, w);
			}
			/* a dropped (or renamed) database gets no worker, not a restart loop */
			if (!launcher_find_database(dbname, &db))
			{
				if (!w->missing_reported)
					ereport(LOG,
							(errmsg("schemamig launcher: database \"%s\" does not exist; no worker is started for it", dbname),
							 errhint("The launcher starts one when a database of that name exists.")));
				w->missing_reported = true;
				w->handle = NULL;
				continue;
			}
			w->missing_reported = false;
			fill_worker(&bgw, &db, BGW_NEVER_RESTART);
			w->started_at = GetCurrentTimestamp();
			if (!RegisterDynamicBackgroundWorker(&bgw, &w->handle))
				ereport(LOG,
						(errmsg("schemamig launcher: could not start the worker for database \"%s\"", dbname),
						 errhint("Raise max_worker_processes.")));
		}
		/* the workers keep copies of the names: free the list of each round */
		list_free(names);
		pfree(rawlist);
		MemoryContextSwitchTo(old);

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 LAUNCHER_NAPTIME_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/*
 * Whether another session waits to have this database to itself: it holds
 * the database lock in a mode that conflicts with the RowExclusiveLock a
 * new connection takes (DROP DATABASE, ALTER DATABASE ... RENAME or SET
 * TABLESPACE, CREATE DATABASE ... TEMPLATE of it).  Tried, never waited for.
 */
static bool
database_wanted_alone(void)
{
	LOCKTAG		tag;

	SET_LOCKTAG_OBJECT(tag, InvalidOid, DatabaseRelationId, MyDatabaseId, 0);
	if (LockAcquire(&tag, RowExclusiveLock, true, true) == LOCKACQUIRE_NOT_AVAIL)
		return true;
	LockRelease(&tag, RowExclusiveLock, true);
	return false;
}

/*
 * Sleep for the naptime, or until the latch is set, looking every
 * WORKER_DATABASE_CHECK_MS for a session that wants the database alone;
 * if one does, leave (exit): an idle worker must not make its DROP
 * DATABASE fail.  Exit code 1, so that the postmaster restarts a
 * start_worker() worker (it then waits at connection until the database
 * is free, and stops if it is gone); the launcher restarts its own.
 */
static void
worker_nap(const WorkerDatabase *db)
{
	TimestampTz until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), schemamig_worker_naptime);

	for (;;)
	{
		long		remaining = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), until);
		int			rc;

		if (database_wanted_alone())
		{
			ereport(LOG,
					(errmsg("schemamig worker leaves database \"%s\": another session needs it to itself",
							db->dbname),
					 errdetail("DROP DATABASE, ALTER DATABASE and CREATE DATABASE ... TEMPLATE wait for the database's sessions to leave.")));
			proc_exit(1);
		}
		if (remaining <= 0)
			return;
		rc = WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					   Min(remaining, WORKER_DATABASE_CHECK_MS), PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (rc & WL_LATCH_SET)
			return;
	}
}

void
schemamig_worker_main(Datum main_arg)
{
	WorkerDatabase db;
	char	   *path;
	struct stat st;
	LOCKTAG		tag;

	memcpy(&db, MyBgworkerEntry->bgw_extra, sizeof(WorkerDatabase));
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	/*
	 * DROP DATABASE removes the database's directory: a worker restarted
	 * after that would fail to connect, and be restarted, for ever.  Exit
	 * code 0 unregisters a dynamic worker.
	 */
	path = GetDatabasePath(db.dboid, db.tablespace);
	if (stat(path, &st) != 0)
	{
		ereport(LOG,
				(errmsg("schemamig worker for database \"%s\" stops: the database no longer exists", db.dbname)));
		proc_exit(0);
	}
	BackgroundWorkerInitializeConnectionByOid(db.dboid, InvalidOid, 0);
	pgstat_report_appname("schemamig worker");

	/* one worker per database, whoever started it */
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32) (SCHEMAMIG_WORKER_LOCK_KEY >> 32),
						 (uint32) SCHEMAMIG_WORKER_LOCK_KEY, 1);
	if (LockAcquire(&tag, ExclusiveLock, true, true) == LOCKACQUIRE_NOT_AVAIL)
	{
		ereport(LOG,
				(errmsg("schemamig worker for database \"%s\" exits: another worker serves it", db.dbname)));
		proc_exit(0);
	}

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (!RecoveryInProgress() && !schemamig_skip)
		{
			pgstat_report_activity(STATE_RUNNING, "schemamig: looking for jobs");
			job_runner_pass();
		}
		pgstat_report_activity(STATE_IDLE, NULL);
		worker_nap(&db);
	}
}

static void
worker_did_not_start(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
			 errmsg("the schemamig worker did not start"),
			 errhint("See the server log.")));
}

/* schemamig.start_worker() returns boolean: false if one is running already */
Datum
schemamig_start_worker(PG_FUNCTION_ARGS)
{
	BackgroundWorker bgw;
	BackgroundWorkerHandle *handle;
	WorkerDatabase db;
	pid_t		pid;
	int			running;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	running = worker_registry_database_worker_pid();
	SPI_finish();
	if (running != 0)
		PG_RETURN_BOOL(false);

	db.dboid = MyDatabaseId;
	db.tablespace = MyDatabaseTableSpace;
	strlcpy(db.dbname, get_database_name(MyDatabaseId), NAMEDATALEN);
	fill_worker(&bgw, &db, 5);
	if (!RegisterDynamicBackgroundWorker(&bgw, &handle))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("could not start the schemamig worker"),
				 errhint("Raise max_worker_processes.")));
	if (WaitForBackgroundWorkerStartup(handle, &pid) != BGWH_STARTED)
		worker_did_not_start();

	/*
	 * Started means forked.  Return once it is connected and shows in
	 * pg_stat_activity, where enqueue() looks for the worker to wake: an
	 * enqueue right after start_worker() must find it.
	 */
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	for (;;)
	{
		pid_t		current;

		/* pg_stat_activity is read once per transaction unless cleared */
		pgstat_clear_snapshot();
		if (worker_registry_database_worker_pid() != 0)
			break;
		if (GetBackgroundWorkerPid(handle, &current) != BGWH_STARTED)
		{
			/* it exits at once if another worker (started meanwhile) serves the database */
			pgstat_clear_snapshot();
			if (worker_registry_database_worker_pid() != 0)
				break;
			worker_did_not_start();
		}
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 10, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_finish();
	PG_RETURN_BOOL(true);
}
