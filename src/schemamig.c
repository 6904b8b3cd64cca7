/*-------------------------------------------------------------------------
 *
 * schemamig.c
 *		Module load: the schemamig GUCs.
 *
 * Works whether or not the library is in shared_preload_libraries: when it
 * is not, the first call of a schemamig function loads it and the GUCs are
 * defined then (placeholders set earlier keep their values).  Settings that
 * weaken safety are PGC_SUSET so an application role cannot change them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "schemamig.h"
#include "database_commands.h"
#include "executor.h"
#include "lint/lint.h"
#include "worker.h"

PG_MODULE_MAGIC;

int			schemamig_lock_wait_timeout = 60 * 1000;
int			schemamig_lock_timeout = 500;
int			schemamig_statement_timeout = 0;
bool		schemamig_out_of_order = false;
bool		schemamig_skip = false;
bool		schemamig_debug = false;
bool		schemamig_auto_recover = true;
int			schemamig_lock_retry_budget = 5 * 60 * 1000;
int			schemamig_backfill_max_lag = 0;
int			schemamig_worker_naptime = 1000;
char	   *schemamig_database = NULL;

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomIntVariable("schemamig.lock_wait_timeout",
							"How long apply, migrate and rollback wait for another migration to finish.",
							"Zero waits without limit.",
							&schemamig_lock_wait_timeout,
							60 * 1000, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("schemamig.lock_timeout",
							"Sets lock_timeout for the statements of a migration.",
							"A script that sets lock_timeout itself overrides it for the statements that follow. Zero disables the timeout.",
							&schemamig_lock_timeout,
							500, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("schemamig.statement_timeout",
							"Sets statement_timeout for the statements of a migration.",
							"A script that sets statement_timeout itself overrides it for the statements that follow. Zero disables the timeout.",
							&schemamig_statement_timeout,
							0, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("schemamig.out_of_order",
							 "Allows applying a pending version lower than the highest applied one.",
							 NULL,
							 &schemamig_out_of_order,
							 false,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("schemamig.skip",
							 "Makes migrate() do nothing, saying so: an emergency switch.",
							 NULL,
							 &schemamig_skip,
							 false,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("schemamig.debug",
							 "Logs each migration statement with its checksum and timing.",
							 NULL,
							 &schemamig_debug,
							 false,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("schemamig.auto_recover",
							 "Makes migrate() and the worker undo dirty migrations with their down scripts before going on.",
							 "When off, a dirty migration stops them with an error.",
							 &schemamig_auto_recover,
							 true,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("schemamig.lock_retry_budget",
							"How long the worker and the client's deploy go on retrying a migration step that hit lock_timeout.",
							"Counted from the first attempt of the step. Zero means no retries.",
							&schemamig_lock_retry_budget,
							5 * 60 * 1000, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("schemamig.worker_naptime",
							"How often the worker looks for jobs when nobody wakes it.",
							NULL,
							&schemamig_worker_naptime,
							1000, 10, 3600 * 1000,
							PGC_SIGHUP, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("schemamig.backfill_max_lag",
							"Replay lag of a streaming replica above which the worker's batched backfills wait.",
							"Zero (the default) turns the lag guard off. Read before each batch (doc/backfill.md).",
							&schemamig_backfill_max_lag,
							0, 0, INT_MAX,
							PGC_SUSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomStringVariable("schemamig.database",
							   "Databases whose queues the background workers serve, separated by commas.",
							   NULL,
							   &schemamig_database,
							   "postgres",
							   PGC_SIGHUP, GUC_LIST_INPUT,
							   worker_check_database_list, NULL, NULL);

	lint_hook_init();
	executor_init();
	database_commands_init();

	MarkGUCPrefixReserved("schemamig");

	if (process_shared_preload_libraries_in_progress)
		worker_register_launcher();
}
