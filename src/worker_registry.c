/*-------------------------------------------------------------------------
 *
 * worker_registry.c
 *		Which backend is the schemamig worker: asked of the server's
 *		background worker registry, so that every role gets the same answer.
 *
 * Invariants:
 *	- pg_stat_activity shows every role the pid and database of each
 *	  backend, but its backend_type only to roles with pg_read_all_stats:
 *	  whether a pid is a schemamig worker is asked of the background worker
 *	  registry (GetBackgroundWorkerTypeByPid), never of backend_type;
 *	- this module depends on no other schemamig module: jobs.c, worker.c,
 *	  migration_lock.c and the SQL API depend on it (worker_registry.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "utils/backend_status.h"
#include "utils/guc.h"

#include "compat.h"
#include "worker_registry.h"


/* whether pid is a schemamig worker (of any database) */
bool
worker_registry_is_worker(int pid)
{
	const char *type = GetBackgroundWorkerTypeByPid((pid_t) pid);

	return type != NULL && strcmp(type, SCHEMAMIG_WORKER_TYPE) == 0;
}

/*
 * pid of this database's worker, or 0 (the caller is connected to SPI).
 * pg_stat_activity is read once per transaction unless the caller clears
 * its snapshot (pgstat_clear_snapshot).
 */
int
worker_registry_database_worker_pid(void)
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

		if (!isnull && worker_registry_is_worker(pid))
			return pid;
	}
	return 0;
}

/*
 * Say what this worker is doing (NULL: nothing) as its application_name:
 * pg_stat_activity shows it, and worker_registry_worker_of_database()
 * reads it from any database.
 */
void
worker_registry_report_doing(const char *doing)
{
	SetConfigOption("application_name", doing ? doing : "", PGC_USERSET, PGC_S_SESSION);
}

/*
 * The schemamig worker connected to database dbid: its pid, or 0, and in
 * *doing a copy of what it reports doing ("" when idle).  Reads the
 * server's backend status array, so it works from any database and outside
 * a valid transaction (after an error).
 */
int
worker_registry_worker_of_database(Oid dbid, char **doing)
{
	int			n = pgstat_fetch_stat_numbackends();
	int			i;
	int			pid = 0;

	*doing = NULL;
	for (i = 1; i <= n && pid == 0; i++)
	{
		LocalPgBackendStatus *local = LocalBackendStatusByIndex(i);
		PgBackendStatus *be = local ? &local->backendStatus : NULL;

		if (be == NULL || be->st_procpid <= 0 || be->st_databaseid != dbid ||
			!worker_registry_is_worker(be->st_procpid))
			continue;
		pid = be->st_procpid;
		*doing = pstrdup(be->st_appname ? be->st_appname : "");
	}
	pgstat_clear_backend_activity_snapshot();
	return pid;
}
