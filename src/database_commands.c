/*-------------------------------------------------------------------------
 *
 * database_commands.c
 *		Commands that need a database to themselves (DROP DATABASE, ALTER
 *		DATABASE ... RENAME or SET TABLESPACE, CREATE DATABASE ... TEMPLATE)
 *		say so when a schemamig worker running a job is what holds them up.
 *
 * An idle worker leaves a database such a command waits for (worker.c), so
 * only a worker in the middle of a job can make the command fail with
 * "database ... is being accessed by other users" (55006).  That error
 * names no session; this ProcessUtility_hook adds a hint naming the worker,
 * its job and the ways out (wait for it, or cancel it).
 *
 * Invariants:
 *	- the command runs exactly as without the hook; only its 55006 error
 *	  gains the hint, and only when a schemamig worker is connected to the
 *	  database named;
 *	- the worker and its job are read from the server's backend status
 *	  array (worker_registry.c), which works from any database and after
 *	  the error, outside a valid transaction;
 *	- the hook is installed from _PG_init, so it acts in sessions that have
 *	  loaded schemamig (shared_preload_libraries, where the worker comes
 *	  from, loads it in every session).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/elog.h"

#include "database_commands.h"
#include "worker_registry.h"

static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* the database a command needs to itself, or NULL */
static const char *
database_needed_alone(Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_DropdbStmt:
			return ((DropdbStmt *) stmt)->dbname;
		case T_RenameStmt:
			if (((RenameStmt *) stmt)->renameType == OBJECT_DATABASE)
				return ((RenameStmt *) stmt)->subname;
			return NULL;
		case T_AlterDatabaseStmt:
			/* of its options only SET TABLESPACE needs the database alone */
			return ((AlterDatabaseStmt *) stmt)->dbname;
		case T_CreatedbStmt:
			{
				ListCell   *lc;

				foreach(lc, ((CreatedbStmt *) stmt)->options)
				{
					DefElem    *opt = lfirst_node(DefElem, lc);

					if (strcmp(opt->defname, "template") == 0 && opt->arg != NULL)
						return defGetString(opt);
				}
				return NULL;
			}
		default:
			return NULL;
	}
}

/* the error, re-thrown with a hint naming the worker that holds dbname */
static void
rethrow_naming_worker(const char *dbname, Oid dbid, MemoryContext cxt)
{
	ErrorData  *edata;
	char	   *doing;
	int			pid;

	MemoryContextSwitchTo(cxt);
	edata = CopyErrorData();
	if (edata->sqlerrcode != ERRCODE_OBJECT_IN_USE || !OidIsValid(dbid))
	{
		FreeErrorData(edata);
		PG_RE_THROW();
	}
	FlushErrorState();
	pid = worker_registry_worker_of_database(dbid, &doing);
	if (pid != 0)
	{
		long long	job;

		if (sscanf(doing, "schemamig job %lld:", &job) == 1)
			edata->hint = psprintf("The schemamig worker (PID %d) holds database \"%s\" while it runs %s. "
								   "Wait for the job (CALL schemamig.wait(%lld) in that database) or stop it "
								   "(SELECT schemamig.cancel(%lld) there; it stops before its next step), then try again.",
								   pid, dbname, doing, job, job);
		else if (doing[0] != '\0')
			edata->hint = psprintf("The schemamig worker (PID %d) holds database \"%s\" while it runs %s. "
								   "Try again when it is done (schemamig.status() in that database).",
								   pid, dbname, doing);
		else
			edata->hint = psprintf("The schemamig worker (PID %d) is connected to database \"%s\" and idle; "
								   "it leaves within seconds. Try again.",
								   pid, dbname);
	}
	ReThrowError(edata);
}

static void
database_commands_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
								 bool readOnlyTree, ProcessUtilityContext context,
								 ParamListInfo params, QueryEnvironment *queryEnv,
								 DestReceiver *dest, QueryCompletion *qc)
{
	const char *dbname = database_needed_alone(pstmt->utilityStmt);
	MemoryContext cxt = CurrentMemoryContext;
	Oid			dbid;

	if (dbname == NULL)
	{
		if (prev_ProcessUtility)
			prev_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
								queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
									queryEnv, dest, qc);
		return;
	}

	/* looked up now: after DROP DATABASE has failed, the name still holds */
	dbid = get_database_oid(dbname, true);
	PG_TRY();
	{
		if (prev_ProcessUtility)
			prev_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
								queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
									queryEnv, dest, qc);
	}
	PG_CATCH();
	{
		rethrow_naming_worker(dbname, dbid, cxt);
	}
	PG_END_TRY();
}

void
database_commands_init(void)
{
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = database_commands_ProcessUtility;
}
