/*-------------------------------------------------------------------------
 *
 * api/rollback.c
 *		Undoing applied migrations with their down scripts: rollback
 *		(the last N), rollback_to (everything above a version) and recover
 *		(a dirty one).
 *
 * The invariants of every SQL API function are in api/api.h.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "nodes/execnodes.h"

#include "fmgr.h"
#include "funcapi.h"
#include "schemamig.h"
#include "api/api.h"
#include "catalog.h"
#include "down_script.h"
#include "migration_lock.h"
#include "version.h"
#include "version_rules.h"

PG_FUNCTION_INFO_V1(schemamig_rollback);
PG_FUNCTION_INFO_V1(schemamig_rollback_to);
PG_FUNCTION_INFO_V1(schemamig_recover);

/* ---- rollback(steps), rollback_to(target) ---- */

void
require_down_text(MigrationState *m)
{
	if (!m->registered || m->down_sql == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_SCHEMAMIG_NO_DOWN_SCRIPT),
					 errmsg("migration \"%s\" has no down script", m->version),
					 errdetail(m->registered
							   ? "Nothing was rolled back."
							   : "It is applied but not registered. Nothing was rolled back."),
					 errhint("Register the migration again with a down script, or undo it with a new migration.")));
	down_script_require_parsable(m->down_sql, m->version);
}

/* a down script that exists and can run here, in the caller's transaction */
static void
require_down_script(MigrationState *m)
{
	require_down_text(m);
	if (down_script_needs_worker(m))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("down script of migration \"%s\" cannot run inside a transaction block", m->version),
				 errhint("Queue it for the background worker: SELECT schemamig.enqueue('%s', 'down').",
						 m->version)));
}

/* roll back the given applied migrations, newest first, all or nothing */
static void
rollback_migrations(ReturnSetInfo *rsinfo, List *victims)
{
	ListCell   *lc;

	foreach(lc, victims)
	{
		MigrationState *m = lfirst(lc);

		if (m->dirty)
			report_dirty(m);
		require_down_script(m);
	}
	foreach(lc, victims)
	{
		MigrationState *m = lfirst(lc);

		put_result(rsinfo, m->version, "rolled_back", run_down(m, "rolled_back"));
	}
}

Datum
schemamig_rollback(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			steps;
	List	   *victims = NIL;
	ListCell   *lc;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("steps must not be null")));
	steps = PG_GETARG_INT32(0);
	if (steps < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("steps must be at least 1, not %d", steps)));

	InitMaterializedSRF(fcinfo, 0);
	api_begin();
	migration_lock_acquire();
	foreach(lc, catalog_load_all(true))
	{
		MigrationState *m = lfirst(lc);

		if (m->applied && !m->repeatable)	/* repeatable: not rolled back */
			victims = lcons(m, victims);
	}
	victims = list_truncate(victims, steps);
	rollback_migrations(rsinfo, victims);
	api_end();
	return (Datum) 0;
}

Datum
schemamig_rollback_to(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *target = required_text(fcinfo, 0, "target");
	List	   *victims = NIL;
	bool		known = false;
	ListCell   *lc;

	version_check_name(target);
	InitMaterializedSRF(fcinfo, 0);
	api_begin();
	migration_lock_acquire();
	foreach(lc, catalog_load_all(true))
	{
		MigrationState *m = lfirst(lc);

		if (strcmp(m->version, target) == 0)
			known = true;
		if (m->applied && !m->repeatable && version_compare(m->version, target) > 0)	/* repeatable */
			victims = lcons(m, victims);
	}
	if (!known)
		report_unknown(target);
	rollback_migrations(rsinfo, victims);
	api_end();
	return (Datum) 0;
}

/* ---- recover(version) → table(version, result, duration_ms) ---- */

/*
 * Undo dirty migrations with their down scripts, newest first: a down
 * script must be written to work on a partial state (IF EXISTS).
 */
Datum
schemamig_recover(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *version = optional_text(fcinfo, 0);
	List	   *victims = NIL;
	ListCell   *lc;

	if (version)
		version_check_name(version);
	InitMaterializedSRF(fcinfo, 0);
	api_begin();
	migration_lock_acquire();
	foreach(lc, catalog_load_all(true))
	{
		MigrationState *m = lfirst(lc);

		if (version && strcmp(m->version, version) != 0)
			continue;
		if (version && !m->dirty)
		{
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg(m->applied ? "migration \"%s\" is not dirty" : "migration \"%s\" is not applied",
							version),
					 errhint("To undo an applied migration, use schemamig.rollback_to().")));
		}
		if (m->applied && m->dirty)
			victims = lcons(m, victims);
	}
	if (version && victims == NIL)
		report_unknown(version);
	foreach(lc, victims)
		require_down_script(lfirst(lc));
	foreach(lc, victims)
	{
		MigrationState *m = lfirst(lc);

		put_result(rsinfo, m->version, "recovered", run_down(m, "recovered"));
	}
	api_end();
	return (Datum) 0;
}
