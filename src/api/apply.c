/*-------------------------------------------------------------------------
 *
 * api/apply.c
 *		Applying migrations from SQL: apply (register and run one),
 *		migrate (every pending one, in one transaction) and CALL run
 *		(committing after each), recovering dirty migrations first.
 *
 * The invariants of every SQL API function are in api/api.h.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/xlog.h"
#include "executor/spi.h"
#include "nodes/execnodes.h"
#include "nodes/parsenodes.h"
#include "storage/lock.h"
#include "utils/builtins.h"

#include "fmgr.h"
#include "funcapi.h"
#include "schemamig.h"
#include "api/api.h"
#include "catalog.h"
#include "down_script.h"
#include "jobs.h"
#include "migration_lock.h"
#include "script.h"
#include "version.h"
#include "version_rules.h"
#include "repeatable.h"

PG_FUNCTION_INFO_V1(schemamig_apply);
PG_FUNCTION_INFO_V1(schemamig_migrate);
PG_FUNCTION_INFO_V1(schemamig_run);

/* ---- apply(version, up_sql, down_sql, description) → result ---- */

Datum
schemamig_apply(PG_FUNCTION_ARGS)
{
	char	   *version = required_text(fcinfo, 0, "version");
	char	   *up_sql = required_text(fcinfo, 1, "up_sql");
	char	   *down_sql = optional_text(fcinfo, 2);
	char	   *description = optional_text(fcinfo, 3);
	MigrationState *m;
	const char *result;

	api_begin();
	migration_lock_acquire();
	m = register_migration(version, up_sql, down_sql, description, true);
	if (m->applied)
	{
		if (m->dirty)
			report_dirty(m);
		catalog_log_event("info", "skipped", version, "up", NAN, NULL,
						  psprintf("migration %s is already applied", version), NULL);
		result = "skipped";
	}
	else
	{
		if (!schemamig_out_of_order)
		{
			char	   *highest = highest_applied(catalog_load_all(false));

			if (highest && version_compare(version, highest) < 0)
				refuse_out_of_order(version, highest);
		}
		if (m->transactional)
		{
			(void) run_up(m);
			result = "applied";
		}
		else
		{
			(void) jobs_enqueue(version, MIGRATION_UP, false);
			result = "queued";
		}
	}
	api_end();
	PG_RETURN_TEXT_P(cstring_to_text(result));
}

/* ---- migrate(target) → table(version, result, duration_ms) ---- */

/*
 * Dirty migrations come first: with schemamig.auto_recover on, undo them
 * with their down scripts, newest first: here if the down script can run
 * in a transaction, else by queueing it for the worker.  Returns false if
 * a recovery was queued (nothing else may run before it is done).  *all
 * is catalog_load_all(false); it is reloaded only if something was
 * recovered, so the common case reads the catalogs once.
 */
bool
recover_dirty(ReturnSetInfo *rsinfo, List **all)
{
	List	   *dirty = NIL;
	ListCell   *lc;

	foreach(lc, *all)
	{
		MigrationState *m = lfirst(lc);

		if (m->applied && m->dirty)
			dirty = lcons(m, dirty);
	}
	if (dirty == NIL)
		return true;
	foreach(lc, dirty)
	{
		MigrationState *m = catalog_load_one(((MigrationState *) lfirst(lc))->version);

		if (!schemamig_auto_recover || !m->registered || m->down_sql == NULL)
			report_dirty(m);
		down_script_require_parsable(m->down_sql, m->version);
		report_recovery_destroys_data(m);
		if (down_script_needs_worker(m))
		{
			(void) jobs_enqueue(m->version, MIGRATION_DOWN, true);
			put_result(rsinfo, m->version, "queued", NAN);
			return false;
		}
		put_result(rsinfo, m->version, "recovered", run_down(m, "recovered"));
	}
	*all = catalog_load_all(false);
	return true;
}

/*
 * Check the applied migrations before migrate() runs anything: none
 * modified (checksums recomputed from the stored scripts).
 */
void
check_applied(List *all)
{
	ListCell   *lc;
	int			missing = 0;

	foreach(lc, all)
	{
		MigrationState *m = lfirst(lc);

		if (!m->applied)
			continue;
		if (m->dirty)
			report_dirty(m);
		if (!m->registered)
			missing++;
		else if (is_modified(m))
			report_checksum_mismatch(m->version, m->applied_checksum, m->current_checksum);
	}
	if (missing > 0)
		ereport(WARNING,
				(errmsg_plural("%d applied migration is not registered",
							   "%d applied migrations are not registered",
							   missing, missing),
				 errhint("See schemamig.validate(); their scripts are gone from schemamig.migrations.")));
}

/*
 * Pending migrations migrate() or run() would apply, after the checks that
 * refuse the whole request: applied ones modified, an unknown target,
 * out-of-order pending ones.  The list ends at the first migration that
 * cannot run in a transaction block.  all is catalog_load_all(false) with
 * no dirty migration left.
 */
static List *
pending_migrations(List *all, const char *target)
{
	List	   *pending = NIL;
	char	   *highest;
	bool		target_known = false;
	bool		ended = false;
	ListCell   *lc;

	if (target)
		version_check_name(target);
	check_applied(all);
	highest = highest_applied(all);

	foreach(lc, all)
	{
		MigrationState *m = lfirst(lc);

		if (target && m->registered && strcmp(m->version, target) == 0)
			target_known = true;
		/* past the end, only look for the target: a known one is no error */
		if (ended || m->applied || !m->registered || m->repeatable)
			continue;
		if (target && version_compare(m->version, target) > 0)
			continue;
		if (highest && !schemamig_out_of_order && version_compare(m->version, highest) < 0)
			refuse_out_of_order(m->version, highest);
		pending = lappend(pending, m);
		/* what follows depends on it: the worker runs it, then migrate() again */
		if (!m->transactional)
			ended = true;
	}
	if (target && !target_known)
		report_unknown(target);
	/* repeatable: after every versioned migration, unless one went to the worker */
	if (!ended)
		pending = list_concat(pending, repeatable_pending(all));
	return pending;
}

bool
skipping(void)
{
	if (!schemamig_skip)
		return false;
	ereport(NOTICE,
			(errmsg("schemamig.skip is on: nothing was applied")));
	catalog_log_event("warning", "skipped", NULL, "up", NAN, NULL,
					  "nothing was applied because schemamig.skip is on", NULL);
	return true;
}

/*
 * In a PG_CATCH of migrate(): re-throw the error of a migration, and when it
 * is one that only one transaction for all migrations causes, say so and
 * point to run(), which commits after each migration.  Lock slots run out
 * (53200, "out of shared memory") when thousands of migrations each lock
 * what they create; a new enum value cannot be used before it is committed
 * (55P04).  Any other error goes on unchanged.
 */
static void
explain_one_transaction_limit(MemoryContext context, const char *version, int applied, int pending)
{
	ErrorData  *edata;

	MemoryContextSwitchTo(context);
	edata = CopyErrorData();
	if (edata->sqlerrcode == ERRCODE_OUT_OF_MEMORY && strcmp(edata->message, _("out of shared memory")) == 0)
	{
		FlushErrorState();
		edata->detail = psprintf("migrate() runs every pending migration in one transaction, which holds "
								 "the locks of all of them until it ends; it had applied %d of %d pending "
								 "migration(s) and was running migration \"%s\" when the lock table was full "
								 "(max_locks_per_transaction = %d). Nothing was applied.",
								 applied, pending, version, max_locks_per_xact);
		edata->hint = pstrdup("Apply one transaction per migration: CALL schemamig.run(), or the "
							  "schemamig client without --single-transaction. Or increase "
							  "max_locks_per_transaction.");
	}
	else if (edata->sqlerrcode == ERRCODE_UNSAFE_NEW_ENUM_VALUE_USAGE)
	{
		FlushErrorState();
		edata->hint = pstrdup("New enum values must be committed before they can be used, and migrate() "
							  "runs every pending migration in one transaction. Add the value in a "
							  "migration of its own and apply one transaction per migration: "
							  "CALL schemamig.run(), or the schemamig client without --single-transaction.");
	}
	else
	{
		FreeErrorData(edata);
		PG_RE_THROW();
	}
	ReThrowError(edata);
}

/*
 * A standby cannot write, and migration_lock_acquire() refuses there; but a
 * migrate() or run() that has nothing to do (the application calling it at
 * start on a replica) is answered as on the primary: with nothing.
 */
static bool
nothing_to_do_on_standby(const char *target)
{
	List	   *all;
	ListCell   *lc;

	if (!RecoveryInProgress())
		return false;
	all = catalog_load_all(false);
	foreach(lc, all)
		if (((MigrationState *) lfirst(lc))->dirty)
			return false;
	return pending_migrations(all, target) == NIL;
}

Datum
schemamig_migrate(PG_FUNCTION_ARGS)
{
	char	   *target = optional_text(fcinfo, 0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *all;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	api_begin();
	if (nothing_to_do_on_standby(target))
	{
		api_end();
		return (Datum) 0;
	}
	migration_lock_acquire();
	all = catalog_load_all(false);
	if (!skipping() && recover_dirty(rsinfo, &all))
	{
		List	   *pending = pending_migrations(all, target);
		MemoryContext context = CurrentMemoryContext;
		volatile int applied = 0;

		foreach(lc, pending)
		{
			MigrationState *m = lfirst(lc);

			if (m->transactional)
			{
				PG_TRY();
				{
					put_result(rsinfo, m->version, "applied", run_up(m));
				}
				PG_CATCH();
				{
					explain_one_transaction_limit(context, m->version, applied, list_length(pending));
				}
				PG_END_TRY();
				applied++;
			}
			else
			{
				(void) jobs_enqueue(m->version, MIGRATION_UP, false);
				put_result(rsinfo, m->version, "queued", NAN);
			}
		}
	}
	api_end();
	return (Datum) 0;
}

/* ---- CALL run(target): like migrate(), committing after each migration ---- */

Datum
schemamig_run(PG_FUNCTION_ARGS)
{
	char	   *target = optional_text(fcinfo, 0);
	bool		nonatomic = fcinfo->context && IsA(fcinfo->context, CallContext) &&
		!castNode(CallContext, fcinfo->context)->atomic;
	List	   *all;
	List	   *pending;
	ListCell   *lc;
	int			applied = 0;

	if (!nonatomic)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
				 errmsg("schemamig.run() cannot run inside a transaction block"),
				 errdetail("It commits after each migration."),
				 errhint("Call it on its own (CALL schemamig.run()), or use SELECT * FROM schemamig.migrate() to apply everything in one transaction.")));

	if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (nothing_to_do_on_standby(target))
	{
		api_end();
		PG_RETURN_VOID();
	}
	migration_lock_acquire();
	all = catalog_load_all(false);
	if (skipping() || !recover_dirty(NULL, &all))
	{
		api_end();
		PG_RETURN_VOID();
	}
	pending = pending_migrations(all, target);
	SPI_commit();

	foreach(lc, pending)
	{
		MigrationState *planned = lfirst(lc);
		MigrationState *m;

		/* the lock went with the last commit: someone may have been quicker */
		migration_lock_acquire();
		m = catalog_load_one(planned->version);
		if ((m->repeatable ? !repeatable_needs_apply(m) : m->applied) ||	/* repeatable */
			!m->registered || strcmp(m->checksum, planned->checksum) != 0)
		{
			ereport(NOTICE,
					(errmsg("migration %s changed while run() was working; stopping", m->version),
					 errhint("Call schemamig.run() again to continue from the current state.")));
			break;
		}
		if (!m->transactional)
		{
			(void) jobs_enqueue(m->version, MIGRATION_UP, false);
			SPI_commit();
			break;
		}
		(void) run_up(m);
		SPI_commit();
		applied++;
		ereport(NOTICE,
				(errmsg("applied migration %s", m->version)));
	}
	ereport(NOTICE,
			(errmsg_plural("run() applied %d migration", "run() applied %d migrations",
						   applied, applied)));
	api_end();
	PG_RETURN_VOID();
}
