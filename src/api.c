/*-------------------------------------------------------------------------
 *
 * api.c
 *		The SQL API: register, apply, migrate, run, rollback, rollback_to,
 *		recover, status, registrations, validate, repair, baseline, and the
 *		steps of a client's deploy (deploy_plan, deploy_step, rollback_plan,
 *		rollback_step).
 *
 * Invariants:
 *	- every function that changes state connects to SPI, then takes the
 *	  migration lock, then reads the catalogs: so what it reads cannot
 *	  change under it, and a session that waited sees the work of the one
 *	  it waited for;
 *	- all checks that can refuse a request run before any script does, so
 *	  a refused request changes nothing; a script that fails aborts the
 *	  caller's transaction, which undoes everything the call did;
 *	- NULL for an optional script or description on re-registration means
 *	  "keep what is registered".
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "nodes/parsenodes.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/tuplestore.h"

#include "schemamig.h"
#include "deploy_run.h"
#include "jobs.h"
#include "worker_registry.h"
#include "version_rules.h"

PG_FUNCTION_INFO_V1(schemamig_register);
PG_FUNCTION_INFO_V1(schemamig_apply);
PG_FUNCTION_INFO_V1(schemamig_migrate);
PG_FUNCTION_INFO_V1(schemamig_run);
PG_FUNCTION_INFO_V1(schemamig_rollback);
PG_FUNCTION_INFO_V1(schemamig_rollback_to);
PG_FUNCTION_INFO_V1(schemamig_recover);
PG_FUNCTION_INFO_V1(schemamig_status);
PG_FUNCTION_INFO_V1(schemamig_registrations);
PG_FUNCTION_INFO_V1(schemamig_validate);
PG_FUNCTION_INFO_V1(schemamig_repair);
PG_FUNCTION_INFO_V1(schemamig_baseline);
PG_FUNCTION_INFO_V1(schemamig_deploy_plan);
PG_FUNCTION_INFO_V1(schemamig_deploy_step);
PG_FUNCTION_INFO_V1(schemamig_rollback_step);
PG_FUNCTION_INFO_V1(schemamig_rollback_plan);
PG_FUNCTION_INFO_V1(schemamig_adopt);

/* ---- arguments ---- */

static char *
required_text(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

static char *
optional_text(FunctionCallInfo fcinfo, int argno)
{
	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return NULL;
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

static bool
same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* ---- shared pieces ---- */

static void
api_begin(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

static void
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
static text *
api_end_returning_text(const char *result)
{
	text	   *copy = SPI_palloc(VARHDRSZ + strlen(result));

	SET_VARSIZE(copy, VARHDRSZ + strlen(result));
	memcpy(VARDATA(copy), result, strlen(result));
	api_end();
	return copy;
}

static void
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

static void
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
static void
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

static void
report_unknown(const char *version)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("migration \"%s\" is not registered", version),
			 errhint("See schemamig.status() for the known versions.")));
}

/*
 * A new version must not name the same place in the order as a registered
 * one ("1" beside "0001"): register() and baseline() refuse it here, before
 * the catalog's unique index on the sort key would, less clearly.
 */
static void
refuse_version_alias(const char *version)
{
	char	   *alias = catalog_version_alias(version);

	if (alias)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("version \"%s\" is the same as registered version \"%s\"", version, alias),
				 errdetail("Versions compare by numeric value, so both name the same place in the order."),
				 errhint("Use \"%s\" for this migration, or choose a different version.", alias)));
}

/*
 * The registered checksum must match the stored script (someone may have
 * edited the catalog by hand) and, once applied, the applied checksum.
 */
static bool
script_intact(MigrationState *m)
{
	return strcmp(m->current_checksum, m->checksum) == 0;
}

static bool
is_modified(MigrationState *m)
{
	return m->applied && m->registered &&
		(strcmp(m->applied_checksum, m->checksum) != 0 || !script_intact(m));
}

static char *
highest_applied(List *all)
{
	ListCell   *lc;
	char	   *highest = NULL;

	foreach(lc, all)
	{
		MigrationState *m = lfirst(lc);

		if (m->applied)
			highest = m->version;	/* the list is in version order */
	}
	return highest;
}

static void
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
static double
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
static bool
down_script_needs_worker(MigrationState *m)
{
	return !down_script_is_noop(m->down_sql) &&
		script_scan(m->down_sql, m->version, MIGRATION_DOWN)->top_level_only != NULL;
}

static double
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

/*
 * Validate and store a migration (the lock is held).  Returns its state
 * after registration.  Changing the up script of an applied migration is
 * a checksum mismatch.  in_transaction false says the migration must run
 * outside a transaction block (the worker runs it) even if every
 * statement could run inside one: a tool's "NO TRANSACTION" marker.
 */
static MigrationState *
register_migration(const char *version, const char *up_sql, const char *down_sql,
				   const char *description, bool in_transaction)
{
	Script	   *up;
	char	   *checksum;
	char	   *down_checksum = NULL;
	MigrationState *m;
	bool		transactional;

	version_check_name(version);
	script_check_text(up_sql, version, MIGRATION_UP);
	if (down_sql)
		script_check_text(down_sql, version, MIGRATION_DOWN);
	up = script_scan(up_sql, version, MIGRATION_UP);
	if (down_sql)
	{
		down_script_warn_unparsable(down_sql, version);
		down_checksum = checksum_sha256_hex(down_sql, strlen(down_sql));
	}
	checksum = checksum_sha256_hex(up_sql, strlen(up_sql));
	transactional = in_transaction && up->top_level_only == NULL;

	m = catalog_load_one(version);
	if (m->applied && strcmp(m->applied_checksum, checksum) != 0)
		report_checksum_mismatch(version, m->applied_checksum, checksum);

	if (!m->registered)
	{
		refuse_version_alias(version);
		catalog_insert_migration(version, description, up_sql, down_sql,
								 checksum, down_checksum, transactional);
	}
	else
	{
		if (description == NULL)
			description = m->description;
		if (down_sql == NULL)
		{
			down_sql = m->down_sql;
			down_checksum = m->down_checksum;
		}
		if (!same_text(checksum, m->checksum) || !same_text(m->up_sql, up_sql) ||
			!same_text(down_sql, m->down_sql) || !same_text(description, m->description) ||
			transactional != m->transactional)
			catalog_update_migration(version, description, up_sql, down_sql,
									 checksum, down_checksum, transactional);
	}

	m->registered = true;
	m->description = description ? pstrdup(description) : NULL;
	m->up_sql = pstrdup(up_sql);
	m->down_sql = down_sql ? pstrdup(down_sql) : NULL;
	m->checksum = checksum;
	m->down_checksum = down_checksum;
	m->transactional = transactional;
	return m;
}

/*
 * ---- register(version, up_sql, down_sql, description [, in_transaction]) → checksum ----
 * The five-argument form (0.2.0) lets a client say a migration must not
 * run in a transaction block; NULL there means true.
 */

Datum
schemamig_register(PG_FUNCTION_ARGS)
{
	char	   *version = required_text(fcinfo, 0, "version");
	char	   *up_sql = required_text(fcinfo, 1, "up_sql");
	char	   *down_sql = optional_text(fcinfo, 2);
	char	   *description = optional_text(fcinfo, 3);
	bool		in_transaction = PG_NARGS() < 5 || PG_ARGISNULL(4) || PG_GETARG_BOOL(4);
	MigrationState *m;

	api_begin();
	migration_lock_acquire();
	m = register_migration(version, up_sql, down_sql, description, in_transaction);
	PG_RETURN_TEXT_P(api_end_returning_text(m->checksum));
}

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
			(void) jobs_enqueue(version, MIGRATION_UP);
			result = "queued";
		}
	}
	api_end();
	PG_RETURN_TEXT_P(cstring_to_text(result));
}

/* ---- migrate(target) → table(version, result, duration_ms) ---- */

/* a result row of migrate() and friends; a NOTICE for run(), which has no rows */
static void
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

/*
 * Dirty migrations come first: with schemamig.auto_recover on, undo them
 * with their down scripts, newest first: here if the down script can run
 * in a transaction, else by queueing it for the worker.  Returns false if
 * a recovery was queued (nothing else may run before it is done).  *all
 * is catalog_load_all(false); it is reloaded only if something was
 * recovered, so the common case reads the catalogs once.
 */
static bool
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
			(void) jobs_enqueue(m->version, MIGRATION_DOWN);
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
static void
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
		if (ended || m->applied || !m->registered)
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
	return pending;
}

static bool
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

Datum
schemamig_migrate(PG_FUNCTION_ARGS)
{
	char	   *target = optional_text(fcinfo, 0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *all;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	api_begin();
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
				(void) jobs_enqueue(m->version, MIGRATION_UP);
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
		if (m->applied || !m->registered || strcmp(m->checksum, planned->checksum) != 0)
		{
			ereport(NOTICE,
					(errmsg("migration %s changed while run() was working; stopping", m->version),
					 errhint("Call schemamig.run() again to continue from the current state.")));
			break;
		}
		if (!m->transactional)
		{
			(void) jobs_enqueue(m->version, MIGRATION_UP);
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

/* ---- rollback(steps), rollback_to(target) ---- */

static void
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

		if (m->applied)
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
		if (m->applied && version_compare(m->version, target) > 0)
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

/* ---- status(), validate() ---- */

static const char *
migration_state(MigrationState *m)
{
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

/* ---- repair(version, up_sql) → what was done ---- */

Datum
schemamig_repair(PG_FUNCTION_ARGS)
{
	char	   *version = required_text(fcinfo, 0, "version");
	char	   *new_up_sql = optional_text(fcinfo, 1);
	MigrationState *m;
	char	   *checksum;
	StringInfoData done;
	StringInfoData detail;

	version_check_name(version);
	api_begin();
	migration_lock_acquire();
	m = catalog_load_one(version);
	if (!m->registered && !m->applied)
		report_unknown(version);
	if (!m->registered)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration \"%s\" is applied but not registered", version),
				 errhint("Register its script with schemamig.register() first, passing the text that was applied.")));

	initStringInfo(&done);
	if (new_up_sql)
	{
		Script	   *up;

		script_check_text(new_up_sql, version, MIGRATION_UP);
		up = script_scan(new_up_sql, version, MIGRATION_UP);
		checksum = checksum_sha256_hex(new_up_sql, strlen(new_up_sql));
		if (strcmp(new_up_sql, m->up_sql) != 0)
		{
			catalog_update_migration(version, m->description, new_up_sql, m->down_sql,
									 checksum, m->down_checksum, up->top_level_only == NULL);
			appendStringInfoString(&done, "replaced the registered up script; ");
		}
	}
	else
	{
		checksum = m->current_checksum;
		if (!script_intact(m))
		{
			catalog_update_migration(version, m->description, m->up_sql, m->down_sql,
									 checksum, m->down_checksum, m->transactional);
			appendStringInfoString(&done, "recomputed the registered checksum; ");
		}
	}

	if (m->applied && m->dirty)
		appendStringInfo(&done, "cleared the dirty state (statement %d); ", m->dirty_statement);
	if (m->applied && strcmp(m->applied_checksum, checksum) != 0)
		appendStringInfo(&done, "accepted checksum %s; ", checksum);
	if (m->applied)
		catalog_repair_applied(version, checksum);

	if (done.len == 0)
		appendStringInfoString(&done, "nothing to repair");
	else
	{
		done.data[done.len - 2] = '\0';
		done.len -= 2;
		initStringInfo(&detail);
		appendStringInfoString(&detail, "{\"old_checksum\": ");
		escape_json(&detail, m->applied ? m->applied_checksum : m->checksum);
		appendStringInfoString(&detail, ", \"new_checksum\": ");
		escape_json(&detail, checksum);
		appendStringInfo(&detail, ", \"was_dirty\": %s}", m->dirty ? "true" : "false");
		catalog_log_event("info", "repaired", version, NULL, NAN, NULL, done.data, detail.data);
	}
	PG_RETURN_TEXT_P(api_end_returning_text(done.data));
}

/* ---- baseline(version, description) → how many were marked applied ---- */

#define BASELINE_SCRIPT "-- schemamig baseline: the schema was already at this version\n"

Datum
schemamig_baseline(PG_FUNCTION_ARGS)
{
	char	   *version = required_text(fcinfo, 0, "version");
	char	   *description = optional_text(fcinfo, 1);
	List	   *all;
	ListCell   *lc;
	int			count = 0;
	bool		known = false;

	version_check_name(version);
	api_begin();
	migration_lock_acquire();
	all = catalog_load_all(false);
	foreach(lc, all)
	{
		MigrationState *m = lfirst(lc);

		if (strcmp(m->version, version) == 0)
			known = m->registered;
		if (m->applied && version_compare(m->version, version) > 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot baseline at \"%s\": migration \"%s\" is already applied", version, m->version),
					 errhint("A baseline marks where an existing database starts; use it before applying later migrations.")));
	}

	if (!known)
	{
		refuse_version_alias(version);
		catalog_insert_migration(version, description ? description : "baseline",
								 BASELINE_SCRIPT, NULL,
								 checksum_sha256_hex(BASELINE_SCRIPT, strlen(BASELINE_SCRIPT)),
								 NULL, true);
		all = catalog_load_all(false);
	}

	foreach(lc, all)
	{
		MigrationState *m = lfirst(lc);

		if (m->applied || !m->registered || version_compare(m->version, version) > 0)
			continue;
		catalog_insert_applied(m->version, m->checksum, 0);
		catalog_log_event("info", "baseline", m->version, "up", 0, NULL,
						  psprintf("marked migration %s as applied by baseline %s", m->version, version),
						  NULL);
		count++;
	}
	api_end();
	PG_RETURN_INT32(count);
}

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
		if (m->applied || (target && version_compare(m->version, target) > 0))
			continue;
		if (highest && !schemamig_out_of_order && version_compare(m->version, highest) < 0)
			refuse_out_of_order(m->version, highest);
		if (!m->transactional && needs_worker == NULL)
			needs_worker = m->version;
		put_result(rsinfo, m->version, m->transactional ? "pending" : "pending_worker", NAN);
	}
	if (target && !target_known)
		report_unknown(target);
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
	if (m->applied)
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
	if (highest && !schemamig_out_of_order && version_compare(version, highest) < 0)
		refuse_out_of_order(version, highest);
	if (m->transactional)
	{
		deploy_run_note_step();
		put_step_result(fcinfo, "applied", run_up(m), 0);
	}
	else
	{
		require_worker(version);
		put_step_result(fcinfo, "queued", NAN, jobs_enqueue(version, MIGRATION_UP));
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
		put_step_result(fcinfo, "queued", NAN, jobs_enqueue(version, MIGRATION_DOWN));
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
		if (m->applied && (target == NULL || version_compare(m->version, target) > 0))
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

/*
 * ---- adopt(version, applied_at, source) → whether it was marked applied ----
 * Takes over one migration that another tool applied: the registered
 * migration is marked applied without running it, at the time that tool
 * recorded (now() when NULL), and an "adopted" event names the tool.
 * Already applied with the same checksum: nothing to do (false).
 */
Datum
schemamig_adopt(PG_FUNCTION_ARGS)
{
	char	   *version = required_text(fcinfo, 0, "version");
	char	   *source = required_text(fcinfo, 2, "source");
	TimestampTz applied_at = PG_ARGISNULL(1) ? GetCurrentTransactionStartTimestamp() : PG_GETARG_TIMESTAMPTZ(1);
	MigrationState *m;
	CatalogAccess access;
	Datum		values[2];
	Oid			types[2] = {TEXTOID, TIMESTAMPTZOID};
	StringInfoData detail;

	version_check_name(version);
	api_begin();
	migration_lock_acquire();
	m = catalog_load_one(version);
	if (!m->registered)
		report_unknown(version);
	if (m->applied)
	{
		if (strcmp(m->applied_checksum, m->checksum) != 0)
			report_checksum_mismatch(version, m->applied_checksum, m->checksum);
		api_end();
		PG_RETURN_BOOL(false);
	}
	catalog_insert_applied(m->version, m->checksum, 0);
	catalog_enter(&access);
	values[0] = CStringGetTextDatum(m->version);
	values[1] = TimestampTzGetDatum(applied_at);
	if (SPI_execute_with_args("UPDATE schemamig.applied SET applied_at = $2 "
							  "WHERE version OPERATOR(pg_catalog.=) $1",
							  2, types, values, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not set applied_at of migration %s", m->version);
	catalog_leave(&access);

	initStringInfo(&detail);
	appendStringInfoString(&detail, "{\"source\": ");
	escape_json(&detail, source);
	appendStringInfoString(&detail, ", \"applied_at\": ");
	escape_json(&detail, timestamptz_to_str(applied_at));
	appendStringInfoChar(&detail, '}');
	catalog_log_event("info", "adopted", m->version, "up", 0, NULL,
					  psprintf("marked migration %s as applied: %s applied it", m->version, source),
					  detail.data);
	api_end();
	PG_RETURN_BOOL(true);
}
