/*-------------------------------------------------------------------------
 *
 * api/common.c
 *		What the SQL API's functions share: their arguments, the SPI
 *		connection, the errors several of them raise, and running an up or
 *		down script with its history row and event.
 *
 * The invariants of every SQL API function are in api/api.h.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "nodes/execnodes.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/tuplestore.h"

#include "fmgr.h"
#include "schemamig.h"
#include "api/api.h"
#include "catalog.h"
#include "executor.h"
#include "recovery_guard.h"
#include "script.h"
#include "repeatable.h"

/* ---- arguments ---- */

char *
required_text(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

char *
optional_text(FunctionCallInfo fcinfo, int argno)
{
	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return NULL;
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

bool
same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* ---- shared pieces ---- */

void
api_begin(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

void
api_end(void)
{
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");
}

/*
 * api_end() for a function that returns text built while connected:
 * SPI_finish frees everything palloc'd since api_begin(), so the result is
 * copied to the caller's context first.
 */
text *
api_end_returning_text(const char *result)
{
	text	   *copy = SPI_palloc(VARHDRSZ + strlen(result));

	SET_VARSIZE(copy, VARHDRSZ + strlen(result));
	memcpy(VARDATA(copy), result, strlen(result));
	api_end();
	return copy;
}

void
report_checksum_mismatch(const char *version, const char *applied, const char *current)
{
	ereport(ERROR,
			(errcode(ERRCODE_SCHEMAMIG_CHECKSUM_MISMATCH),
			 errmsg("checksum mismatch for applied migration \"%s\"", version),
			 errdetail("Applied checksum: %s. Current up script checksum: %s.", applied, current),
			 errhint("An applied migration must not change. Write a new migration for the change, "
					 "or call schemamig.repair('%s', new_up_sql) to accept the new text without running it.",
					 version)));
}

void
report_dirty(MigrationState *m)
{
	ereport(ERROR,
			(errcode(ERRCODE_SCHEMAMIG_DIRTY),
			 errmsg("migration \"%s\" is dirty", m->version),
			 m->dirty_statement > 0
			 ? errdetail("It stopped part-way, at statement %d.", m->dirty_statement)
			 : errdetail("It stopped part-way."),
			 errhint("Run schemamig.recover('%s') to undo it with its down script, "
					 "or fix the schema by hand and run schemamig.repair('%s').",
					 m->version, m->version)));
}

/* an automatic recovery whose down script would destroy data (recovery_guard.c) */
void
report_recovery_destroys_data(MigrationState *m)
{
	char	   *why = recovery_destroys_data(m->version, m->down_sql);

	if (why)
		ereport(ERROR,
				(errcode(ERRCODE_SCHEMAMIG_DIRTY),
				 errmsg("migration \"%s\" is dirty, and its automatic recovery would destroy data", m->version),
				 errdetail("Its down script would destroy data: %s.", why),
				 errhint("Run schemamig.recover('%s') to undo it on purpose, "
						 "or fix the schema by hand and run schemamig.repair('%s').",
						 m->version, m->version)));
}

void
report_unknown(const char *version)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("migration \"%s\" is not registered", version),
			 errhint("See schemamig.status() for the known versions.")));
}

/*
 * The registered checksum must match the stored script (someone may have
 * edited the catalog by hand) and, once applied, the applied checksum.
 */
bool
script_intact(MigrationState *m)
{
	return strcmp(m->current_checksum, m->checksum) == 0;
}

bool
is_modified(MigrationState *m)
{
	/* repeatable: a changed script is "outdated", applied again (repeatable.c) */
	return m->applied && m->registered &&
		(strcmp(m->applied_checksum, m->checksum) != 0 || !script_intact(m)) &&
		!m->repeatable;
}

char *
highest_applied(List *all)
{
	ListCell   *lc;
	char	   *highest = NULL;

	foreach(lc, all)
	{
		MigrationState *m = lfirst(lc);

		if (m->applied && !m->repeatable)	/* repeatable: no place in the order */
			highest = m->version;	/* the list is in version order */
	}
	return highest;
}

void
refuse_out_of_order(const char *version, const char *highest)
{
	ereport(ERROR,
			(errcode(ERRCODE_SCHEMAMIG_OUT_OF_ORDER),
			 errmsg("pending migration \"%s\" is lower than the highest applied version \"%s\"",
					version, highest),
			 errdetail("Applying it now would run migrations out of version order."),
			 errhint("Give it a version above \"%s\", or SET schemamig.out_of_order = on to apply it anyway.",
					 highest)));
}

/* run the up script and record it; returns the duration */
double
run_up(MigrationState *m)
{
	StringInfoData statements;
	StringInfoData detail;
	double		ms;

	initStringInfo(&statements);
	ms = executor_run_script(m->version, MIGRATION_UP, m->up_sql, &statements);
	initStringInfo(&detail);
	appendStringInfoString(&detail, "{\"checksum\": ");
	escape_json(&detail, m->checksum);
	appendStringInfo(&detail, ", %s}", statements.data);
	catalog_record_outcome(MIGRATION_OUTCOME_APPLIED, m->version, MIGRATION_UP, m->checksum, ms, 0,
						   psprintf("applied migration %s", m->version), detail.data);
	if (m->repeatable)			/* repeatable: applied again, at this time */
		repeatable_record_applied(m->version);
	return ms;
}

/*
 * A down script of only white space and comments means "nothing to undo"
 * (diesel's and golang-migrate's convention): rolling back runs nothing
 * and removes the history row.  A missing (NULL) down script is different:
 * the migration cannot be rolled back.
 */
static bool
down_script_is_noop(const char *down_sql)
{
	return down_sql[script_first_token_offset(down_sql, 0)] == '\0';
}

/* the down script must leave the transaction block: only the worker can run it */
bool
down_script_needs_worker(MigrationState *m)
{
	return !down_script_is_noop(m->down_sql) &&
		script_scan(m->down_sql, m->version, MIGRATION_DOWN)->top_level_only != NULL;
}

double
run_down(MigrationState *m, const char *event)
{
	StringInfoData statements;
	StringInfoData detail;
	double		ms = 0;

	initStringInfo(&statements);
	if (down_script_is_noop(m->down_sql))
		appendStringInfoString(&statements, "\"statement_count\": 0, \"statements\": []");
	else
		ms = executor_run_script(m->version, MIGRATION_DOWN, m->down_sql, &statements);
	initStringInfo(&detail);
	appendStringInfo(&detail, "{%s}", statements.data);
	catalog_record_outcome(strcmp(event, "recovered") == 0
						   ? MIGRATION_OUTCOME_RECOVERED : MIGRATION_OUTCOME_ROLLED_BACK,
						   m->version, MIGRATION_DOWN, NULL, ms, 0,
						   psprintf("%s migration %s",
									strcmp(event, "recovered") == 0 ? "recovered" : "rolled back",
									m->version),
						   detail.data);
	return ms;
}

/* a result row of migrate() and friends; a NOTICE for run(), which has no rows */
void
put_result(ReturnSetInfo *rsinfo, const char *version, const char *result, double ms)
{
	Datum		values[3];
	bool		nulls[3] = {false, false, isnan(ms)};

	if (rsinfo == NULL)
	{
		ereport(NOTICE, (errmsg("migration %s: %s", version, result)));
		return;
	}

	values[0] = CStringGetTextDatum(version);
	values[1] = CStringGetTextDatum(result);
	values[2] = Float8GetDatum(ms);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}
