/*-------------------------------------------------------------------------
 *
 * api/deploy.c
 *		The steps of a client's deploy: deploy_plan and deploy_step
 *		(one migration per transaction), rollback_plan and rollback_step.
 *
 * The invariants of every SQL API function are in api/api.h.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "nodes/execnodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "schemamig.h"
#include "api/api.h"
#include "catalog.h"
#include "deploy_run.h"
#include "jobs.h"
#include "migration_lock.h"
#include "script.h"
#include "version.h"
#include "version_rules.h"
#include "worker_registry.h"
#include "repeatable.h"

PG_FUNCTION_INFO_V1(schemamig_deploy_plan);
PG_FUNCTION_INFO_V1(schemamig_deploy_step);
PG_FUNCTION_INFO_V1(schemamig_rollback_step);
PG_FUNCTION_INFO_V1(schemamig_rollback_plan);

/* ---- the client's deploy: deploy_plan(), deploy_step(), rollback_step() ---- */

/*
 * A non-transactional migration goes to the worker: refuse before anything
 * is queued when no worker serves this database, since the job would wait
 * for ever.
 */
static void
require_worker(const char *version)
{
	if (worker_registry_database_worker_pid() != 0)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("no schemamig worker serves database \"%s\"", get_database_name(MyDatabaseId)),
			 errdetail("Migration %s cannot run inside a transaction block, so the worker must run it. Nothing was queued.",
					   version),
			 errhint("Add the database to schemamig.database (with schemamig in shared_preload_libraries), or run SELECT schemamig.start_worker().")));
}

static int
cstring_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * deploy_plan(versions text[], target text default null)
 *   → table(version, result, duration_ms)
 *
 * What a deploy of the folder holding versions would do, in order, after
 * the checks that refuse the whole deploy (the same as migrate(): dirty
 * migrations recovered first, applied ones unmodified, no pending one below
 * the highest applied, a known target).  Rows: "recovered"/"queued" for
 * dirty migrations (as migrate() reports them), then "pending" for each
 * migration to apply in a transaction and "pending_worker" for each the
 * worker must run.  Registered migrations whose version is not in versions
 * are not planned (the folder is the deploy): pending ones are reported as
 * "not_in_folder".  Refuses when the plan needs
 * the worker and none serves the database.
 */
Datum
schemamig_deploy_plan(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *target = optional_text(fcinfo, 1);
	Datum	   *elements;
	bool	   *element_nulls;
	int			nversions;
	char	  **versions;
	const char *needs_worker = NULL;
	bool		target_known = false;
	char	   *highest;
	List	   *all;
	ListCell   *lc;
	int			i;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("versions must not be null")));
	if (target)
		version_check_name(target);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(0), TEXTOID, -1, false, TYPALIGN_INT,
					  &elements, &element_nulls, &nversions);
	versions = palloc(sizeof(char *) * (nversions + 1));
	for (i = 0; i < nversions; i++)
		versions[i] = element_nulls[i] ? "" : TextDatumGetCString(elements[i]);
	qsort(versions, nversions, sizeof(char *), cstring_cmp);

	InitMaterializedSRF(fcinfo, 0);
	api_begin();
	migration_lock_acquire();
	deploy_run_start();
	all = catalog_load_all(false);
	if (skipping() || !recover_dirty(rsinfo, &all))
	{
		api_end();
		return (Datum) 0;
	}
	check_applied(all);
	highest = highest_applied(all);
	foreach(lc, all)
	{
		MigrationState *m = lfirst(lc);

		if (!m->registered)
			continue;
		if (bsearch(&m->version, versions, nversions, sizeof(char *), cstring_cmp) == NULL)
		{
			if (!m->applied)
				put_result(rsinfo, m->version, "not_in_folder", NAN);
			continue;
		}
		if (target && strcmp(m->version, target) == 0)
			target_known = true;
		if (m->applied || m->repeatable || (target && version_compare(m->version, target) > 0))
			continue;
		if (highest && !schemamig_out_of_order && version_compare(m->version, highest) < 0)
			refuse_out_of_order(m->version, highest);
		if (!m->transactional && needs_worker == NULL)
			needs_worker = m->version;
		put_result(rsinfo, m->version, m->transactional ? "pending" : "pending_worker", NAN);
	}
	if (target && !target_known)
		report_unknown(target);
	/* repeatable: the folder's pending and outdated ones, after every versioned one */
	foreach(lc, repeatable_pending(all))
		if (bsearch(&((MigrationState *) lfirst(lc))->version, versions, nversions, sizeof(char *), cstring_cmp))
			put_result(rsinfo, ((MigrationState *) lfirst(lc))->version, "pending", NAN);
	if (needs_worker)
		require_worker(needs_worker);
	api_end();
	return (Datum) 0;
}

/* the one result row of deploy_step() and rollback_step() */
static void
put_step_result(FunctionCallInfo fcinfo, const char *result, double ms, int64 job)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		values[3];
	bool		nulls[3] = {false, isnan(ms), job == 0};

	values[0] = CStringGetTextDatum(result);
	values[1] = Float8GetDatum(ms);
	values[2] = Int64GetDatum(job);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * deploy_step(version) → table(result, duration_ms, job)
 *
 * Apply one registered migration in the caller's transaction, so that it
 * commits with its history row: "applied"; "skipped" when it is applied
 * already (another deploy was quicker); "queued" with the job id when the
 * worker must run it.  Checks only this migration (and that no higher
 * version is applied), so a client that commits after each migration pays
 * for the whole-folder checks once, in deploy_plan().
 */
Datum
schemamig_deploy_step(PG_FUNCTION_ARGS)
{
	char	   *version = required_text(fcinfo, 0, "version");
	MigrationState *m;
	char	   *highest;

	version_check_name(version);
	InitMaterializedSRF(fcinfo, 0);
	api_begin();
	migration_lock_acquire();
	m = catalog_load_one(version);
	if (!m->registered)
		report_unknown(version);
	if (m->applied && !repeatable_needs_apply(m))	/* repeatable: outdated is applied again */
	{
		if (m->dirty)
			report_dirty(m);
		if (is_modified(m))
			report_checksum_mismatch(version, m->applied_checksum, m->current_checksum);
		put_step_result(fcinfo, "skipped", NAN, 0);
		api_end();
		return (Datum) 0;
	}
	highest = catalog_highest_applied();
	if (highest && !m->repeatable && !schemamig_out_of_order && version_compare(version, highest) < 0)
		refuse_out_of_order(version, highest);
	if (m->transactional)
	{
		deploy_run_note_step();
		put_step_result(fcinfo, "applied", run_up(m), 0);
	}
	else
	{
		require_worker(version);
		put_step_result(fcinfo, "queued", NAN, jobs_enqueue(version, MIGRATION_UP, false));
	}
	api_end();
	return (Datum) 0;
}

/*
 * rollback_step(version) → table(result, duration_ms, job)
 *
 * Roll back the newest applied migration, which must be version (so a
 * client's rollback goes newest first, one commit each): "rolled_back", or
 * "queued" with the job id when its down script must run in the worker.
 */
Datum
schemamig_rollback_step(PG_FUNCTION_ARGS)
{
	char	   *version = required_text(fcinfo, 0, "version");
	MigrationState *m;
	char	   *highest;

	version_check_name(version);
	InitMaterializedSRF(fcinfo, 0);
	api_begin();
	migration_lock_acquire();
	m = catalog_load_one(version);
	repeatable_refuse_rollback(m);	/* repeatable: not rolled back */
	if (!m->applied)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration \"%s\" is not applied", version),
				 errhint("See schemamig.status() for the applied versions.")));
	highest = catalog_highest_applied();
	if (strcmp(highest, version) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration \"%s\" is not the newest applied migration", version),
				 errdetail("Migrations are rolled back newest first; \"%s\" is applied above it.", highest),
				 errhint("Roll back \"%s\" first.", highest)));
	if (m->dirty)
		report_dirty(m);
	require_down_text(m);
	if (!down_script_needs_worker(m))
		put_step_result(fcinfo, "rolled_back", run_down(m, "rolled_back"), 0);
	else
	{
		require_worker(version);
		put_step_result(fcinfo, "queued", NAN, jobs_enqueue(version, MIGRATION_DOWN, false));
	}
	api_end();
	return (Datum) 0;
}

/*
 * rollback_plan(steps integer, target text) → table(version, result)
 *
 * The migrations a client's rollback would undo, newest first: the last
 * steps applied ones, or (steps null) every applied one above target,
 * after the checks that refuse the whole rollback, as rollback() makes
 * them (an unknown target, a dirty migration, a missing down script), so
 * that a refused rollback changes nothing.  result is "pending", or
 * "pending_worker" when the down script must run in the worker.
 */
Datum
schemamig_rollback_plan(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *target = optional_text(fcinfo, 1);
	int			steps = PG_ARGISNULL(0) ? 0 : PG_GETARG_INT32(0);
	List	   *victims = NIL;
	const char *needs_worker = NULL;
	bool		known = false;
	ListCell   *lc;

	if ((target == NULL) == PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("give either steps or target")));
	if (target)
		version_check_name(target);
	else if (steps < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("steps must be at least 1, not %d", steps)));
	InitMaterializedSRF(fcinfo, 0);
	api_begin();
	migration_lock_acquire();
	foreach(lc, catalog_load_all(true))
	{
		MigrationState *m = lfirst(lc);

		if (target && strcmp(m->version, target) == 0)
			known = true;
		if (m->applied && !m->repeatable &&	/* repeatable: not rolled back */
			(target == NULL || version_compare(m->version, target) > 0))
			victims = lcons(m, victims);
	}
	if (target && !known)
		report_unknown(target);
	if (target == NULL)
		victims = list_truncate(victims, steps);
	foreach(lc, victims)
	{
		MigrationState *m = lfirst(lc);

		if (m->dirty)
			report_dirty(m);
		require_down_text(m);
	}
	foreach(lc, victims)
	{
		MigrationState *m = lfirst(lc);
		bool		transactional = !down_script_needs_worker(m);

		if (!transactional && needs_worker == NULL)
			needs_worker = m->version;
		put_result(rsinfo, m->version, transactional ? "pending" : "pending_worker", NAN);
	}
	if (needs_worker)
		require_worker(needs_worker);
	api_end();
	return (Datum) 0;
}
