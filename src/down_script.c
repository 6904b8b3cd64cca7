/*-------------------------------------------------------------------------
 *
 * down_script.c
 *		Down scripts the server's parser refuses: registered with a
 *		warning, listed by validate(), refused only when a rollback or a
 *		recovery would run them.
 *
 * A down script matters only when a migration is undone, so one that
 * does not parse must not stop the deploy of the up scripts: register()
 * stores it as it is and warns (naming the migration, the line and the
 * parser's message), validate() lists it, and rollback(), rollback_to(),
 * rollback_plan(), rollback_step() and recover() refuse it with that
 * message before anything runs.  Registering the migration again with a
 * fixed down script (allowed for an applied migration: only its up script
 * is fixed by its checksum) lifts the refusal.
 *
 * "Does not parse" is an error of class 42 (syntax error or access rule
 * violation) from script_scan().  The script's other refusals (transaction
 * control, COPY to or from the client, size, encoding) still refuse the
 * registration, as for up scripts.  The scan runs in a subtransaction so
 * that its error leaves the caller's transaction usable.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "funcapi.h"
#include "nodes/execnodes.h"
#include "utils/builtins.h"
#include "utils/resowner.h"

#include "catalog.h"
#include "down_script.h"
#include "script.h"

/*
 * Why the down script does not parse ("line 3: syntax error at or near
 * ..."), or NULL when it parses, is NULL, or is only comments (nothing to
 * undo).  Errors other than parse errors are raised as they are.
 */
char *
down_script_parse_error(const char *down_sql, const char *version)
{
	MemoryContext caller = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	char	   *volatile problem = NULL;

	if (down_sql == NULL || down_sql[script_first_token_offset(down_sql, 0)] == '\0')
		return NULL;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(caller);
	PG_TRY();
	{
		(void) script_scan(down_sql, version, MIGRATION_DOWN);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(caller);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		const char *line;

		MemoryContextSwitchTo(caller);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(caller);
		CurrentResourceOwner = owner;
		if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION)
			ReThrowError(edata);
		line = edata->context ? strstr(edata->context, "\", line ") : NULL;
		problem = line
			? psprintf("line %d: %s", atoi(line + strlen("\", line ")), edata->message)
			: pstrdup(edata->message);
		FreeErrorData(edata);
	}
	PG_END_TRY();
	return problem;
}

/* at registration: warn, and go on */
void
down_script_warn_unparsable(const char *down_sql, const char *version)
{
	char	   *problem = down_script_parse_error(down_sql, version);

	if (problem)
		ereport(WARNING,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("down script of migration \"%s\" does not parse: %s", version, problem),
				 errdetail("The migration is registered; rolling it back is refused until its down script is fixed."),
				 errhint("Fix the down script and register the migration again.")));
}

/* before a rollback or a recovery runs the down script */
void
down_script_require_parsable(const char *down_sql, const char *version)
{
	char	   *problem = down_script_parse_error(down_sql, version);

	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("down script of migration \"%s\" does not parse: %s", version, problem),
				 errdetail("Nothing was undone."),
				 errhint("Fix the down script and register the migration again (schemamig migrate registers the folder's scripts).")));
}

/* validate(): a row (version, problem) for each registered down script that does not parse */
void
down_script_put_problems(ReturnSetInfo *rsinfo)
{
	ListCell   *lc;

	foreach(lc, catalog_load_all(true))
	{
		MigrationState *m = lfirst(lc);
		char	   *problem = m->registered ? down_script_parse_error(m->down_sql, m->version) : NULL;

		if (problem)
		{
			Datum		values[2];
			bool		nulls[2] = {false, false};

			values[0] = CStringGetTextDatum(m->version);
			values[1] = CStringGetTextDatum(psprintf("down script does not parse (%s): rolling back is refused until it is fixed",
													 problem));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
}
