/*-------------------------------------------------------------------------
 *
 * api/status.c
 *		Reading migration state, changing nothing: status,
 *		registrations (what the client compares its folder with) and
 *		validate.
 *
 * The invariants of every SQL API function are in api/api.h.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "nodes/execnodes.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "fmgr.h"
#include "funcapi.h"
#include "schemamig.h"
#include "api/api.h"
#include "catalog.h"
#include "down_script.h"
#include "recovery_guard.h"
#include "version_rules.h"
#include "repeatable.h"

PG_FUNCTION_INFO_V1(schemamig_status);
PG_FUNCTION_INFO_V1(schemamig_registrations);
PG_FUNCTION_INFO_V1(schemamig_validate);

/* ---- status(), validate() ---- */

static const char *
migration_state(MigrationState *m)
{
	if (m->repeatable)
		return repeatable_state(m); /* repeatable: pending, applied, outdated */
	if (!m->applied)
		return "pending";
	if (m->dirty)
		return "dirty";
	if (!m->registered)
		return "missing";
	if (is_modified(m))
		return "modified";
	return "applied";
}

Datum
schemamig_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	api_begin();
	foreach(lc, catalog_load_all(false))
	{
		MigrationState *m = lfirst(lc);
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};
		const char *checksum = m->registered ? m->checksum : m->applied_checksum;

		values[0] = CStringGetTextDatum(m->version);
		nulls[1] = (m->description == NULL);
		values[1] = nulls[1] ? (Datum) 0 : CStringGetTextDatum(m->description);
		values[2] = CStringGetTextDatum(migration_state(m));
		values[3] = CStringGetTextDatum(checksum);
		nulls[4] = !m->applied;
		values[4] = TimestampTzGetDatum(m->applied_at);
		nulls[5] = !m->applied || isnan(m->duration_ms);
		values[5] = Float8GetDatum(m->duration_ms);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	api_end();
	return (Datum) 0;
}

/*
 * registrations() → table(version, checksum, down_checksum, description):
 * what a client needs to send only the migrations whose text differs from
 * what is registered.  Read-only and lock-free, like status().
 */
Datum
schemamig_registrations(PG_FUNCTION_ARGS)
{
	InitMaterializedSRF(fcinfo, 0);
	api_begin();
	catalog_put_registrations((ReturnSetInfo *) fcinfo->resultinfo);
	api_end();
	return (Datum) 0;
}

Datum
schemamig_validate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *all;
	char	   *highest;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	api_begin();
	all = catalog_load_all(false);
	highest = highest_applied(all);
	foreach(lc, all)
	{
		MigrationState *m = lfirst(lc);
		char	   *problem = NULL;

		if (m->registered && !script_intact(m))
			problem = psprintf("the stored up script no longer matches its registered checksum %s (the catalog was edited)",
							   m->checksum);
		else if (m->applied && m->dirty)
		{
			char	   *held = recovery_held_reason(m->version);

			problem = m->dirty_statement > 0
				? psprintf("dirty: stopped part-way, at statement %d", m->dirty_statement)
				: pstrdup("dirty: stopped part-way");
			if (held)
				problem = psprintf("%s; %s", problem, held);
		}
		else if (m->applied && !m->registered)
			problem = pstrdup("missing: applied but not registered");
		else if (m->repeatable)	/* repeatable: outdated, never modified nor out of order */
			problem = repeatable_is_outdated(m) ? repeatable_outdated_problem(m) : NULL;
		else if (m->applied && strcmp(m->applied_checksum, m->checksum) != 0)
			problem = psprintf("modified: applied checksum %s differs from registered checksum %s",
							   m->applied_checksum, m->checksum);
		else if (!m->applied && highest && !schemamig_out_of_order &&
				 version_compare(m->version, highest) < 0)
			problem = psprintf("out of order: pending, but lower than the highest applied version %s",
							   highest);

		if (problem)
		{
			Datum		values[2];
			bool		nulls[2] = {false, false};

			values[0] = CStringGetTextDatum(m->version);
			values[1] = CStringGetTextDatum(problem);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	down_script_put_problems(rsinfo);
	catalog_put_invalid_indexes(rsinfo);
	api_end();
	return (Datum) 0;
}
