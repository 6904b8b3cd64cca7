/*-------------------------------------------------------------------------
 *
 * repeatable.c
 *		Repeatable migrations: registered with register_repeatable(),
 *		applied after every versioned migration of a run, and applied
 *		again whenever their registered script changes.
 *
 * A repeatable migration (Flyway's R__{description}.sql, typically CREATE
 * OR REPLACE VIEW / FUNCTION) has a name instead of a version and is
 * marked by schemamig.migrations.repeatable.  The rules the SQL API
 * follows for it (doc/functions.md, "Repeatable migrations"):
 *	- registering it again with a changed up script is allowed (a
 *	  versioned migration's would be SM001): once applied, it is then
 *	  "outdated" until a deploy applies the new text;
 *	- migrate(), run() and deploy_plan() apply the pending and outdated
 *	  ones after every versioned migration of the run, ordered by
 *	  description (as Flyway does; the name when there is none), and
 *	  only when no versioned migration of the run went to the worker;
 *	- it is never "out of order" (SM003), never the highest applied
 *	  version, and rollback, rollback_to, rollback_plan and rollback_step
 *	  pass it by (it has no down script);
 *	- it must run inside a transaction block: one that needs the worker
 *	  (CREATE INDEX CONCURRENTLY, ...) is refused at registration;
 *	- each application leaves its history row (schemamig.applied holds
 *	  the last one: checksum, applied_at, applied_by, duration) and an
 *	  "applied" event, as for any migration.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "checksum.h"
#include "migration_lock.h"
#include "repeatable.h"
#include "script.h"
#include "version.h"

PG_FUNCTION_INFO_V1(schemamig_register_repeatable);

/* applied, clean, and registered since with another up script */
bool
repeatable_is_outdated(const MigrationState *m)
{
	return m->repeatable && m->registered && m->applied && !m->dirty &&
		strcmp(m->applied_checksum, m->checksum) != 0;
}

/* a repeatable migration the next deploy applies: never applied, or outdated */
bool
repeatable_needs_apply(const MigrationState *m)
{
	return m->repeatable && m->registered && (!m->applied || repeatable_is_outdated(m));
}

/* its state in status(): pending, outdated or applied (dirty and missing as any migration) */
const char *
repeatable_state(const MigrationState *m)
{
	if (!m->applied)
		return "pending";
	if (m->dirty)
		return "dirty";
	if (repeatable_is_outdated(m))
		return "outdated";
	return "applied";
}

/* validate()'s row for an outdated repeatable migration */
char *
repeatable_outdated_problem(const MigrationState *m)
{
	return psprintf("outdated: repeatable migration changed since it was applied "
					"(applied checksum %s, registered checksum %s); the next migrate applies it again",
					m->applied_checksum, m->checksum);
}

static const char *
order_name(const MigrationState *m)
{
	return m->description ? m->description : m->version;
}

static int
repeatable_order(const ListCell *a, const ListCell *b)
{
	const MigrationState *ma = lfirst(a);
	const MigrationState *mb = lfirst(b);
	int			c = strcmp(order_name(ma), order_name(mb));

	return c != 0 ? c : strcmp(ma->version, mb->version);
}

/*
 * The repeatable migrations of all (catalog_load_all()) a deploy applies,
 * in the order it applies them: by description, byte by byte (Flyway's
 * order), then by name.
 */
List *
repeatable_pending(List *all)
{
	List	   *pending = NIL;
	ListCell   *lc;

	foreach(lc, all)
	{
		MigrationState *m = lfirst(lc);

		if (repeatable_needs_apply(m))
			pending = lappend(pending, m);
	}
	list_sort(pending, repeatable_order);
	return pending;
}

/* register() and apply() on a name registered as repeatable */
void
repeatable_refuse_versioned(const MigrationState *m)
{
	if (m->registered && m->repeatable)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration \"%s\" is registered as a repeatable migration", m->version),
				 errhint("Register it again with schemamig.register_repeatable(), or give the versioned migration another version.")));
}

/* rollback_step() on a repeatable migration */
void
repeatable_refuse_rollback(const MigrationState *m)
{
	if (m->repeatable)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration \"%s\" is repeatable and is not rolled back", m->version),
				 errdetail("Rollbacks pass repeatable migrations by: they have no down script."),
				 errhint("Change or remove what it created with a new migration.")));
}

/*
 * After an up script of a repeatable migration ran (its history row
 * written by catalog_record_outcome(), which keeps applied_at and
 * applied_by of an existing row): the row says when and by whom it was
 * applied this time.
 */
void
repeatable_record_applied(const char *version)
{
	Oid			argtypes[2] = {TEXTOID, NAMEOID};
	Datum		values[2];
	CatalogAccess access;

	catalog_enter(&access);
	values[0] = CStringGetTextDatum(version);
	values[1] = CStringGetDatum(GetUserNameFromId(access.save_userid, false));
	if (SPI_execute_with_args("UPDATE schemamig.applied SET applied_at = pg_catalog.now(), applied_by = $2 "
							  "WHERE version OPERATOR(pg_catalog.=) $1",
							  2, argtypes, values, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not record when repeatable migration %s was applied", version);
	catalog_leave(&access);
}

static void
mark_repeatable(const char *version)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	CatalogAccess access;

	catalog_enter(&access);
	values[0] = CStringGetTextDatum(version);
	if (SPI_execute_with_args("UPDATE schemamig.migrations SET repeatable = true "
							  "WHERE version OPERATOR(pg_catalog.=) $1",
							  1, argtypes, values, NULL, false, 0) != SPI_OK_UPDATE ||
		SPI_processed != 1)
		elog(ERROR, "could not mark migration %s as repeatable", version);
	catalog_leave(&access);
}

/*
 * register_repeatable(name, up_sql, description) → checksum
 *
 * Store a repeatable migration, or its new up script (then, if it was
 * applied, it is outdated until the next deploy applies it again).  A
 * NULL description on re-registration keeps the registered one.  Refused:
 * a name registered or applied as a versioned migration, and a script that
 * cannot run inside a transaction block.
 */
Datum
schemamig_register_repeatable(PG_FUNCTION_ARGS)
{
	char	   *version;
	char	   *up_sql;
	char	   *description = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	Script	   *up;
	char	   *checksum;
	MigrationState *m;
	text	   *result;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", PG_ARGISNULL(0) ? "version" : "up_sql")));
	version = text_to_cstring(PG_GETARG_TEXT_PP(0));
	up_sql = text_to_cstring(PG_GETARG_TEXT_PP(1));
	version_check_name(version);
	script_check_text(up_sql, version, MIGRATION_UP);
	up = script_scan(up_sql, version, MIGRATION_UP);
	if (up->top_level_only)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("repeatable migration \"%s\" cannot run inside a transaction block", version),
				 errdetail("Statement %d: %s.", up->top_level_statement, up->top_level_only),
				 errhint("Repeatable migrations run in the deploy's transaction; put the statement in a versioned migration, which the worker runs.")));
	checksum = checksum_sha256_hex(up_sql, strlen(up_sql));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	migration_lock_acquire();
	m = catalog_load_one(version);
	if ((m->registered && !m->repeatable) || (!m->registered && m->applied))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration \"%s\" is %s as a versioned migration", version,
						m->registered ? "registered" : "applied"),
				 errhint("Give the repeatable migration another name.")));
	if (!m->registered)
	{
		char	   *alias = catalog_version_alias(version);

		if (alias)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("name \"%s\" is the same as registered version \"%s\"", version, alias),
					 errhint("Give the repeatable migration another name.")));
		catalog_insert_migration(version, description, up_sql, NULL, checksum, NULL, true);
		mark_repeatable(version);
	}
	else
	{
		if (description == NULL)
			description = m->description;
		if (strcmp(checksum, m->checksum) != 0 || strcmp(m->current_checksum, checksum) != 0 ||
			(description == NULL) != (m->description == NULL) ||
			(description && strcmp(description, m->description) != 0))
			catalog_update_migration(version, description, up_sql, NULL, checksum, NULL, true);
	}
	result = cstring_to_text(checksum);
	{
		text	   *copy = SPI_palloc(VARSIZE(result));

		memcpy(copy, result, VARSIZE(result));
		result = copy;
	}
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");
	PG_RETURN_TEXT_P(result);
}
