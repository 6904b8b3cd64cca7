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
 * A worker connects to its database as the bootstrap superuser, and loops:
 * reload on SIGHUP, exit on SIGTERM, do nothing while the server is a
 * standby or schemamig.skip is on, else hand the queue to job_runner_pass();
 * then sleep on its latch (enqueue() sets it) for schemamig.worker_naptime.
 * Both appear in pg_stat_activity with their own backend_type.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "schemamig.h"

PG_FUNCTION_INFO_V1(schemamig_start_worker);

PGDLLEXPORT void schemamig_launcher_main(Datum main_arg);
PGDLLEXPORT void schemamig_worker_main(Datum main_arg);

#define LAUNCHER_NAPTIME_MS			5000
#define LAUNCHER_RESTART_DELAY_MS	10000

typedef struct LaunchedWorker
{
	char		dbname[NAMEDATALEN];
	BackgroundWorkerHandle *handle;
	TimestampTz started_at;
} LaunchedWorker;

static void
fill_worker(BackgroundWorker *bgw, const char *dbname, int restart_time)
{
	memset(bgw, 0, sizeof(*bgw));
	bgw->bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	bgw->bgw_start_time = BgWorkerStart_ConsistentState;
	bgw->bgw_restart_time = restart_time;
	strlcpy(bgw->bgw_library_name, "schemamig", BGW_MAXLEN);
	strlcpy(bgw->bgw_function_name, "schemamig_worker_main", BGW_MAXLEN);
	snprintf(bgw->bgw_name, BGW_MAXLEN, "schemamig worker for database %s", dbname);
	strlcpy(bgw->bgw_type, SCHEMAMIG_WORKER_TYPE, BGW_MAXLEN);
	strlcpy(bgw->bgw_extra, dbname, BGW_EXTRALEN);
	bgw->bgw_notify_pid = MyProcPid;
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

static bool
database_listed(List *names, const char *dbname)
{
	ListCell   *lc;

	foreach(lc, names)
		if (strcmp((char *) lfirst(lc), dbname) == 0)
			return true;
	return false;
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

			if (!database_listed(names, w->dbname))
			{
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

			foreach(wc, workers)
				if (strcmp(((LaunchedWorker *) lfirst(wc))->dbname, dbname) == 0)
					w = lfirst(wc);
			if (w != NULL && GetBackgroundWorkerPid(w->handle, &pid) != BGWH_STOPPED)
				continue;
			if (w != NULL && !TimestampDifferenceExceeds(w->started_at, GetCurrentTimestamp(),
														 LAUNCHER_RESTART_DELAY_MS))
				continue;
			if (w == NULL)
			{
				w = palloc0(sizeof(LaunchedWorker));
				strlcpy(w->dbname, dbname, NAMEDATALEN);
				workers = lappend(workers, w);
			}
			fill_worker(&bgw, dbname, BGW_NEVER_RESTART);
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

void
schemamig_worker_main(Datum main_arg)
{
	char		dbname[NAMEDATALEN];

	strlcpy(dbname, MyBgworkerEntry->bgw_extra, NAMEDATALEN);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(dbname, NULL, 0);
	pgstat_report_appname("schemamig worker");

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
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 schemamig_worker_naptime, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
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

/*
 * Whether pid is a schemamig worker, from the background worker registry:
 * the same answer whatever the caller may see in pg_stat_activity.
 */
bool
schemamig_worker_pid_p(int pid)
{
	const char *type = GetBackgroundWorkerTypeByPid((pid_t) pid);

	return type != NULL && strcmp(type, SCHEMAMIG_WORKER_TYPE) == 0;
}

/* schemamig.start_worker() returns boolean: false if one is running already */
Datum
schemamig_start_worker(PG_FUNCTION_ARGS)
{
	BackgroundWorker bgw;
	BackgroundWorkerHandle *handle;
	pid_t		pid;
	int			running;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	running = jobs_worker_pid();
	SPI_finish();
	if (running != 0)
		PG_RETURN_BOOL(false);

	fill_worker(&bgw, get_database_name(MyDatabaseId), 5);
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
		if (jobs_worker_pid() != 0)
			break;
		if (GetBackgroundWorkerPid(handle, &current) != BGWH_STARTED)
			worker_did_not_start();
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 10, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_finish();
	PG_RETURN_BOOL(true);
}
