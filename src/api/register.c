/*-------------------------------------------------------------------------
 *
 * api/register.c
 *		Registering migrations and correcting their history without
 *		running them: register, repair, baseline, adopt.
 *
 * The invariants of every SQL API function are in api/api.h.
 *
 * Its own, besides those:
 *	- NULL for an optional script or description on re-registration means
 *	  "keep what is registered";
 *	- a version of the same natural order as a registered one ("1" beside
 *	  "0001") is refused, not registered beside it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/timestamp.h"

#include "fmgr.h"
#include "api/api.h"
#include "backfill.h"
#include "catalog.h"
#include "checksum.h"
#include "down_script.h"
#include "migration_lock.h"
#include "script.h"
#include "version.h"
#include "version_rules.h"
#include "repeatable.h"

PG_FUNCTION_INFO_V1(schemamig_register);
PG_FUNCTION_INFO_V1(schemamig_repair);
PG_FUNCTION_INFO_V1(schemamig_baseline);
PG_FUNCTION_INFO_V1(schemamig_adopt);

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
 * Validate and store a migration (the lock is held).  Returns its state
 * after registration.  Changing the up script of an applied migration is
 * a checksum mismatch.  in_transaction false says the migration must run
 * outside a transaction block (the worker runs it) even if every
 * statement could run inside one: a tool's "NO TRANSACTION" marker.
 */
MigrationState *
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
	if (up->batch_statement)
		backfill_check_script(up_sql, version, MIGRATION_UP);
	if (down_sql)
	{
		down_script_warn_unparsable(down_sql, version);
		/* the keys of its batched statements, if it parses (a cheap look first) */
		if (strstr(down_sql, "schemamig:batch") && down_script_parse_error(down_sql, version) == NULL)
			backfill_check_script(down_sql, version, MIGRATION_DOWN);
		down_checksum = checksum_sha256_hex(down_sql, strlen(down_sql));
	}
	checksum = checksum_sha256_hex(up_sql, strlen(up_sql));
	transactional = in_transaction && up->top_level_only == NULL;

	m = catalog_load_one(version);
	repeatable_refuse_versioned(m);	/* repeatable: register_repeatable() only */
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
		if (m->applied && !m->repeatable && version_compare(m->version, version) > 0)	/* repeatable */
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

		if (m->applied || !m->registered || m->repeatable ||	/* repeatable: not baselined */
			version_compare(m->version, version) > 0)
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
		if (strcmp(m->applied_checksum, m->checksum) != 0 && !m->repeatable)	/* repeatable: outdated */
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
