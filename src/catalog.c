/*-------------------------------------------------------------------------
 *
 * catalog.c
 *		Reading and writing the schemamig catalogs through SPI.
 *
 * Invariants:
 *	- callers are connected to SPI;
 *	- every statement here is bracketed by catalog_enter()/catalog_leave():
 *	  it runs as the extension owner (so a deployer needs EXECUTE on the API
 *	  functions, not privileges on the tables, and an application role
 *	  cannot read stored scripts) under SECURITY_RESTRICTED_OPERATION, with
 *	  search_path pinned to pg_catalog, pg_temp; the SQL is schema-qualified
 *	  as well, operators included;
 *	- the role recorded in applied_by, registered_by and events is the
 *	  caller's, never the owner's;
 *	- how a migration ended is recorded in one place,
 *	  catalog_record_outcome(), whether the SQL API or the worker ran it:
 *	  its history row and its event;
 *	- plans are prepared once per backend and kept (SPI_keepplan); the
 *	  plan cache replans them if the catalogs change.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

#include "catalog.h"
#include "compat.h"
#include "script.h"
#include "version_rules.h"

static Oid	extension_owner(void);

/* owner of the schemamig extension in this database, cached per transaction */
static Oid
extension_owner(void)
{
	static LocalTransactionId cached_lxid = InvalidLocalTransactionId;
	static Oid	cached_owner = InvalidOid;
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	Oid			owner = InvalidOid;

	if (cached_lxid == MyProcLocalTransactionId && OidIsValid(cached_owner))
		return cached_owner;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum("schemamig"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
		owner = ((Form_pg_extension) GETSTRUCT(tuple))->extowner;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	if (!OidIsValid(owner))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"schemamig\" is not installed in database \"%s\"",
						get_database_name(MyDatabaseId)),
				 errhint("Run CREATE EXTENSION schemamig.")));

	cached_lxid = MyProcLocalTransactionId;
	cached_owner = owner;
	return owner;
}

void
catalog_enter(CatalogAccess *access)
{
	Oid			owner = extension_owner();

	GetUserIdAndSecContext(&access->save_userid, &access->save_sec_context);
	SetUserIdAndSecContext(owner, access->save_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	access->save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
}

void
catalog_leave(CatalogAccess *access)
{
	AtEOXact_GUC(true, access->save_nestlevel);
	SetUserIdAndSecContext(access->save_userid, access->save_sec_context);
}

static SPIPlanPtr
plan_once(SPIPlanPtr *slot, const char *sql, int nargs, Oid *argtypes)
{
	if (*slot == NULL)
	{
		MemoryContext caller = CurrentMemoryContext;
		SPIPlanPtr	plan = SPI_prepare(sql, nargs, argtypes);

		MemoryContextSwitchTo(caller);
		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for schemamig catalog query: %s",
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		*slot = plan;
	}
	return *slot;
}

/*
 * Execute a kept plan.  SPI leaves CurrentMemoryContext at its procedure
 * context; go back to the caller's, so what we build from the result
 * lives as long as the caller wants (the worker keeps it across commits).
 */
static void
run_plan(SPIPlanPtr plan, Datum *values, const char *nulls, int expected)
{
	MemoryContext caller = CurrentMemoryContext;
	int			rc = SPI_execute_plan(plan, values, nulls, false, 0);

	MemoryContextSwitchTo(caller);
	if (rc != expected)
		elog(ERROR, "schemamig catalog statement failed: %s", SPI_result_code_string(rc));
}

static Datum
text_or_null(const char *s, char *null)
{
	*null = s ? ' ' : 'n';
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

/*
 * The columns of a MigrationState.  Scripts are returned only when asked
 * for ($1), except the up script of a pending migration, which migrate()
 * runs (and a repeatable one's, which a deploy may run again); the
 * checksum of the stored up script is computed here, so status()
 * and migrate() need not fetch every script to check it.
 */
#define STATE_COLUMNS(REPEATABLE) \
	"SELECT COALESCE(m.version, a.version), m.version IS NOT NULL, " \
	"       m.description, " \
	"       CASE WHEN $1 OR a.version IS NULL OR " REPEATABLE " THEN m.up_sql END, " \
	"       CASE WHEN $1 THEN m.down_sql END, " \
	"       m.checksum, m.down_checksum, " \
	"       m.transactional, a.version IS NOT NULL, a.checksum, a.applied_at, " \
	"       a.duration_ms, a.dirty, a.dirty_statement, schemamig.checksum(m.up_sql), " \
	"       " REPEATABLE " "

/*
 * STATE_COLUMNS' REPEATABLE: schemamig.migrations.repeatable (0.2.0), or
 * false in 0.1.0 catalogs, which the library meets until ALTER EXTENSION
 * schemamig UPDATE runs.
 */
#define REPEATABLE_0_2 "COALESCE(m.repeatable, false)"
#define REPEATABLE_0_1 "false"

static bool
migrations_have_repeatable(void)
{
	Oid			namespace = get_namespace_oid("schemamig", true);
	Oid			relid = OidIsValid(namespace) ? get_relname_relid("migrations", namespace) : InvalidOid;

	return OidIsValid(relid) && get_attnum(relid, "repeatable") != InvalidAttrNumber;
}

/*
 * One row of STATE_COLUMNS.  The tuple is deformed once: fetching its 16
 * columns one by one would walk the varlena columns again for each, and
 * status() reads tens of thousands of rows.
 */
#define STATE_NCOLUMNS 16

static char *
text_value(Datum *values, bool *nulls, int i)
{
	return nulls[i] ? NULL : TextDatumGetCString(values[i]);
}

static MigrationState *
state_from_tuple(HeapTuple tuple, TupleDesc desc)
{
	MigrationState *m = palloc0(sizeof(MigrationState));
	Datum		values[STATE_NCOLUMNS];
	bool		nulls[STATE_NCOLUMNS];

	Assert(desc->natts == STATE_NCOLUMNS);
	heap_deform_tuple(tuple, desc, values, nulls);
	m->version = text_value(values, nulls, 0);
	m->registered = DatumGetBool(values[1]);
	m->description = text_value(values, nulls, 2);
	m->up_sql = text_value(values, nulls, 3);
	m->down_sql = text_value(values, nulls, 4);
	m->checksum = text_value(values, nulls, 5);
	m->down_checksum = text_value(values, nulls, 6);
	m->transactional = nulls[7] ? true : DatumGetBool(values[7]);
	m->applied = DatumGetBool(values[8]);
	m->applied_checksum = text_value(values, nulls, 9);
	m->applied_at = nulls[10] ? 0 : DatumGetTimestampTz(values[10]);
	m->duration_ms = nulls[11] ? NAN : DatumGetFloat8(values[11]);
	m->dirty = nulls[12] ? false : DatumGetBool(values[12]);
	m->dirty_statement = nulls[13] ? 0 : DatumGetInt32(values[13]);
	m->current_checksum = text_value(values, nulls, 14);
	m->repeatable = DatumGetBool(values[15]);
	return m;
}

static int
state_order(const ListCell *a, const ListCell *b)
{
	MigrationState *ma = lfirst(a);
	MigrationState *mb = lfirst(b);

	return version_compare_keys(ma->sort_key, ma->sort_key_len,
								mb->sort_key, mb->sort_key_len);
}

/*
 * Every registered or applied migration, in natural version order (sorted
 * here on keys built once per row: cheaper than sorting the rows in SQL);
 * the scripts of applied migrations only if with_scripts.
 */
List *
catalog_load_all(bool with_scripts)
{
	static SPIPlanPtr plan = NULL;
	static SPIPlanPtr plan_0_1 = NULL;
	Oid			argtypes[1] = {BOOLOID};
	Datum		values[1];
	CatalogAccess access;
	List	   *result = NIL;
	uint64		i;

	values[0] = BoolGetDatum(with_scripts);
	catalog_enter(&access);
	if (migrations_have_repeatable())
		run_plan(plan_once(&plan,
						   STATE_COLUMNS(REPEATABLE_0_2)
						   "FROM schemamig.migrations m FULL JOIN schemamig.applied a "
						   "  ON a.version OPERATOR(pg_catalog.=) m.version",
						   1, argtypes),
				 values, NULL, SPI_OK_SELECT);
	else
		run_plan(plan_once(&plan_0_1,
						   STATE_COLUMNS(REPEATABLE_0_1)
						   "FROM schemamig.migrations m FULL JOIN schemamig.applied a "
						   "  ON a.version OPERATOR(pg_catalog.=) m.version",
						   1, argtypes),
				 values, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		MigrationState *m = state_from_tuple(SPI_tuptable->vals[i], SPI_tuptable->tupdesc);

		m->sort_key = palloc(VERSION_SORT_KEY_MAX(strlen(m->version)));
		m->sort_key_len = version_build_sort_key(m->version, m->sort_key);
		result = lappend(result, m);
	}
	SPI_freetuptable(SPI_tuptable);
	catalog_leave(&access);
	list_sort(result, state_order);
	return result;
}

/* copy the rows of the last SPI result, as they are, into a set-returning function's result */
static void
put_result_rows(ReturnSetInfo *rsinfo)
{
	TupleDesc	desc = SPI_tuptable->tupdesc;
	Datum	   *values = palloc(desc->natts * sizeof(Datum));
	bool	   *nulls = palloc(desc->natts * sizeof(bool));
	uint64		i;

	for (i = 0; i < SPI_processed; i++)
	{
		heap_deform_tuple(SPI_tuptable->vals[i], desc, values, nulls);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_freetuptable(SPI_tuptable);
}

/*
 * The registered migrations as a client compares them with its files,
 * straight into the caller's tuplestore: version, the checksums of the
 * stored up and down scripts (recomputed, so a catalog edited by hand
 * does not look unchanged), description, and whether it is applied as it
 * stands (not dirty, the applied, registered and recomputed checksums
 * agree): when every row says so, migrate() would have nothing to do.  No order, no state: this is the
 * cheap question a client asks before sending a folder.
 */
void
catalog_put_registrations(ReturnSetInfo *rsinfo)
{
	static SPIPlanPtr plan = NULL;
	CatalogAccess access;

	catalog_enter(&access);
	run_plan(plan_once(&plan,
					   "SELECT r.version, r.checksum, r.down_checksum, r.description, "
					   "  a.version IS NOT NULL AND NOT a.dirty "
					   "    AND a.checksum OPERATOR(pg_catalog.=) r.checksum AND r.checksum OPERATOR(pg_catalog.=) r.registered "
					   "FROM (SELECT version, schemamig.checksum(up_sql) AS checksum, "
					   "        schemamig.checksum(down_sql) AS down_checksum, description, checksum AS registered "
					   "      FROM schemamig.migrations) r "
					   "LEFT JOIN schemamig.applied a ON a.version OPERATOR(pg_catalog.=) r.version",
					   0, NULL),
			 NULL, NULL, SPI_OK_SELECT);
	put_result_rows(rsinfo);
	catalog_leave(&access);
}

/*
 * validate() rows for INVALID indexes outside the system schemas (a failed
 * CREATE INDEX CONCURRENTLY leaves one, still maintained on every write
 * and never used), each with the newest migration whose up script names it.
 */
void
catalog_put_invalid_indexes(ReturnSetInfo *rsinfo)
{
	static SPIPlanPtr plan = NULL;
	CatalogAccess access;

	catalog_enter(&access);
	run_plan(plan_once(&plan,
					   "SELECT (SELECT m.version FROM schemamig.migrations m "
					   "         WHERE pg_catalog.strpos(m.up_sql, c.relname::pg_catalog.text) OPERATOR(pg_catalog.>) 0 "
					   "         ORDER BY schemamig.version_sort_key(m.version) DESC LIMIT 1), "
					   "  pg_catalog.format('INVALID index %I.%I (a failed or running CREATE INDEX CONCURRENTLY): "
					   "drop it with DROP INDEX CONCURRENTLY', n.nspname, c.relname) "
					   "FROM pg_catalog.pg_index i "
					   "JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.indexrelid "
					   "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
					   "WHERE NOT i.indisvalid "
					   "  AND n.nspname OPERATOR(pg_catalog.<>) ALL ('{pg_catalog,information_schema,pg_toast}') "
					   "ORDER BY 2",
					   0, NULL),
			 NULL, NULL, SPI_OK_SELECT);
	put_result_rows(rsinfo);
	catalog_leave(&access);
}

/* one migration; registered and applied are both false if unknown */
MigrationState *
catalog_load_one(const char *version)
{
	static SPIPlanPtr plan = NULL;
	static SPIPlanPtr plan_0_1 = NULL;
	Oid			argtypes[2] = {BOOLOID, TEXTOID};
	Datum		values[2];
	CatalogAccess access;
	MigrationState *m;

	values[0] = BoolGetDatum(true);
	values[1] = CStringGetTextDatum(version);
	catalog_enter(&access);
	if (migrations_have_repeatable())
		run_plan(plan_once(&plan,
						   STATE_COLUMNS(REPEATABLE_0_2)
						   "FROM (SELECT $2 AS version) v "
						   "LEFT JOIN schemamig.migrations m ON m.version OPERATOR(pg_catalog.=) v.version "
						   "LEFT JOIN schemamig.applied a ON a.version OPERATOR(pg_catalog.=) v.version",
						   2, argtypes),
				 values, NULL, SPI_OK_SELECT);
	else
		run_plan(plan_once(&plan_0_1,
						   STATE_COLUMNS(REPEATABLE_0_1)
						   "FROM (SELECT $2 AS version) v "
						   "LEFT JOIN schemamig.migrations m ON m.version OPERATOR(pg_catalog.=) v.version "
						   "LEFT JOIN schemamig.applied a ON a.version OPERATOR(pg_catalog.=) v.version",
						   2, argtypes),
				 values, NULL, SPI_OK_SELECT);
	m = state_from_tuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc);
	m->version = pstrdup(version);
	SPI_freetuptable(SPI_tuptable);
	catalog_leave(&access);
	return m;
}

/*
 * The highest applied version in natural order, or NULL (repeatable
 * migrations have no place in the order): one step down
 * the index on version_sort_key(version) of schemamig.applied, so that a
 * deploy asking once per migration does not read the whole history each
 * time.
 */
char *
catalog_highest_applied(void)
{
	static SPIPlanPtr plan = NULL;
	static SPIPlanPtr plan_0_1 = NULL;
	CatalogAccess access;
	char	   *highest = NULL;

	catalog_enter(&access);
	if (migrations_have_repeatable())
		run_plan(plan_once(&plan,
						   "SELECT a.version FROM schemamig.applied a "
						   "WHERE NOT EXISTS (SELECT FROM schemamig.migrations m "
						   "                  WHERE m.version OPERATOR(pg_catalog.=) a.version AND m.repeatable) "
						   "ORDER BY schemamig.version_sort_key(a.version) DESC LIMIT 1",
						   0, NULL),
				 NULL, NULL, SPI_OK_SELECT);
	else
		run_plan(plan_once(&plan_0_1,
						   "SELECT version FROM schemamig.applied "
						   "ORDER BY schemamig.version_sort_key(version) DESC LIMIT 1",
						   0, NULL),
				 NULL, NULL, SPI_OK_SELECT);
	if (SPI_processed == 1)
		highest = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	SPI_freetuptable(SPI_tuptable);
	catalog_leave(&access);
	return highest;
}

/* a registered version of the same natural order but another spelling */
char *
catalog_version_alias(const char *version)
{
	static SPIPlanPtr plan = NULL;
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	CatalogAccess access;
	char	   *alias = NULL;

	values[0] = CStringGetTextDatum(version);
	catalog_enter(&access);
	run_plan(plan_once(&plan,
					   "SELECT version FROM schemamig.migrations "
					   "WHERE schemamig.version_sort_key(version) OPERATOR(pg_catalog.=) schemamig.version_sort_key($1) "
					   "  AND version OPERATOR(pg_catalog.<>) $1",
					   1, argtypes),
			 values, NULL, SPI_OK_SELECT);
	if (SPI_processed > 0)
		alias = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	SPI_freetuptable(SPI_tuptable);
	catalog_leave(&access);
	return alias;
}

static void
write_migration(SPIPlanPtr *slot, const char *sql, int expected,
				const char *version, const char *description,
				const char *up_sql, const char *down_sql,
				const char *checksum, const char *down_checksum,
				bool transactional)
{
	Oid			argtypes[8] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, BOOLOID, NAMEOID};
	Datum		values[8];
	char		nulls[8];
	CatalogAccess access;

	catalog_enter(&access);
	values[0] = text_or_null(version, &nulls[0]);
	values[1] = text_or_null(description, &nulls[1]);
	values[2] = text_or_null(up_sql, &nulls[2]);
	values[3] = text_or_null(down_sql, &nulls[3]);
	values[4] = text_or_null(checksum, &nulls[4]);
	values[5] = text_or_null(down_checksum, &nulls[5]);
	values[6] = BoolGetDatum(transactional);
	nulls[6] = ' ';
	values[7] = CStringGetDatum(GetUserNameFromId(access.save_userid, false));
	nulls[7] = ' ';
	run_plan(plan_once(slot, sql, 8, argtypes), values, nulls, expected);
	catalog_leave(&access);
}

void
catalog_insert_migration(const char *version, const char *description,
						 const char *up_sql, const char *down_sql,
						 const char *checksum, const char *down_checksum,
						 bool transactional)
{
	static SPIPlanPtr plan = NULL;

	write_migration(&plan,
					"INSERT INTO schemamig.migrations (version, description, up_sql, down_sql, "
					"  checksum, down_checksum, transactional, registered_by) "
					"VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
					SPI_OK_INSERT, version, description, up_sql, down_sql,
					checksum, down_checksum, transactional);
}

void
catalog_update_migration(const char *version, const char *description,
						 const char *up_sql, const char *down_sql,
						 const char *checksum, const char *down_checksum,
						 bool transactional)
{
	static SPIPlanPtr plan = NULL;

	write_migration(&plan,
					"UPDATE schemamig.migrations SET description = $2, up_sql = $3, "
					"  down_sql = $4, checksum = $5, down_checksum = $6, transactional = $7, "
					"  registered_by = $8, registered_at = pg_catalog.now() "
					"WHERE version OPERATOR(pg_catalog.=) $1",
					SPI_OK_UPDATE, version, description, up_sql, down_sql,
					checksum, down_checksum, transactional);
}

void
catalog_insert_applied(const char *version, const char *checksum, double duration_ms)
{
	static SPIPlanPtr plan = NULL;
	Oid			argtypes[4] = {TEXTOID, TEXTOID, NAMEOID, FLOAT8OID};
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	CatalogAccess access;

	catalog_enter(&access);
	values[0] = CStringGetTextDatum(version);
	values[1] = CStringGetTextDatum(checksum);
	values[2] = CStringGetDatum(GetUserNameFromId(access.save_userid, false));
	values[3] = Float8GetDatum(duration_ms);
	run_plan(plan_once(&plan,
					   "INSERT INTO schemamig.applied (version, checksum, applied_by, duration_ms) "
					   "VALUES ($1, $2, $3, $4)",
					   4, argtypes),
			 values, nulls, SPI_OK_INSERT);
	catalog_leave(&access);
}

/*
 * Whether the catalogs have schemamig.backfills (0.2.0): the library can
 * meet 0.1.0 catalogs until ALTER EXTENSION schemamig UPDATE.
 */
bool
catalog_has_backfills(void)
{
	Oid			schema = get_namespace_oid("schemamig", true);

	return OidIsValid(schema) && OidIsValid(get_relname_relid("backfills", schema));
}

/*
 * A migration no longer applied (or pending again): its history row goes,
 * and the progress of its batched statements (a later run starts them
 * over, and a stale row must not make it resume: backfill.c).
 */
static void
delete_applied(const char *version)
{
	static SPIPlanPtr plan = NULL;
	static SPIPlanPtr backfills_plan = NULL;
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	CatalogAccess access;

	catalog_enter(&access);
	values[0] = CStringGetTextDatum(version);
	run_plan(plan_once(&plan,
					   "DELETE FROM schemamig.applied WHERE version OPERATOR(pg_catalog.=) $1",
					   1, argtypes),
			 values, NULL, SPI_OK_DELETE);
	if (catalog_has_backfills())
		run_plan(plan_once(&backfills_plan,
						   "DELETE FROM schemamig.backfills WHERE version OPERATOR(pg_catalog.=) $1",
						   1, argtypes),
				 values, NULL, SPI_OK_DELETE);
	catalog_leave(&access);
}

/*
 * The history row of a migration whose script is running (dirty, and how
 * far it got: statement_done, the last statement committed, NULL in the
 * row when 0) or ran to the end (clean).  The first write inserts it as
 * the current role, at the current time; later ones keep applied_by and
 * applied_at.
 */
static void
write_applied(const char *version, const char *checksum, bool dirty, int statement_done,
			  double duration_ms)
{
	static SPIPlanPtr plan = NULL;
	Oid			argtypes[6] = {TEXTOID, TEXTOID, BOOLOID, INT4OID, FLOAT8OID, NAMEOID};
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	CatalogAccess access;

	catalog_enter(&access);
	values[0] = CStringGetTextDatum(version);
	values[1] = CStringGetTextDatum(checksum);
	values[2] = BoolGetDatum(dirty);
	values[3] = Int32GetDatum(statement_done);
	nulls[3] = dirty ? ' ' : 'n';
	values[4] = Float8GetDatum(duration_ms);
	values[5] = CStringGetDatum(GetUserNameFromId(access.save_userid, false));
	run_plan(plan_once(&plan,
					   "INSERT INTO schemamig.applied AS a (version, checksum, applied_by, duration_ms, "
					   "  dirty, dirty_statement) "
					   "VALUES ($1, $2, $6, $5, $3, $4) "
					   "ON CONFLICT (version) DO UPDATE SET dirty = $3, dirty_statement = $4, "
					   "  duration_ms = $5, checksum = $2",
					   6, argtypes),
			 values, nulls, SPI_OK_INSERT);
	catalog_leave(&access);
}

/*
 * How far the worker got in a script that runs stretch by stretch: the
 * migration is applied and dirty, stopped after statement_done (a down
 * script keeps the up script's count).  Not an outcome: the script goes on.
 */
void
catalog_record_progress(const char *version, const char *checksum, int statement_done,
						double duration_ms)
{
	write_applied(version, checksum, true, statement_done, duration_ms);
}

/*
 * Record how a migration ended, wherever it ran (the SQL API in the
 * caller's transaction, the worker in its own): the history row the
 * outcome leaves, and its event.
 *	- MIGRATION_OUTCOME_APPLIED: the up script ran to the end: applied,
 *	  clean, checksum and duration_ms recorded;
 *	- MIGRATION_OUTCOME_ROLLED_BACK, MIGRATION_OUTCOME_RECOVERED: the down
 *	  script ran: no longer applied;
 *	- MIGRATION_OUTCOME_FAILED: a script failed, or a job could not run;
 *	  the row stays as the last stretch left it (dirty if one committed);
 *	- MIGRATION_OUTCOME_FAILED_WITHOUT_EFFECT: an up script failed before
 *	  anything of it took effect: pending again, nothing to recover;
 *	- MIGRATION_OUTCOME_CANCELLED, MIGRATION_OUTCOME_CANCELLED_WITHOUT_EFFECT:
 *	  the same when schemamig.cancel() stopped the worker's job between
 *	  stretches.
 * sqlerrcode (0 for none), message and detail_json go to the event.
 */
void
catalog_record_outcome(MigrationOutcome outcome, const char *version,
					   MigrationDirection direction, const char *checksum,
					   double duration_ms, int sqlerrcode,
					   const char *message, const char *detail_json)
{
	const char *level = "info";
	const char *event = NULL;

	switch (outcome)
	{
		case MIGRATION_OUTCOME_APPLIED:
			write_applied(version, checksum, false, 0, duration_ms);
			event = "applied";
			break;
		case MIGRATION_OUTCOME_ROLLED_BACK:
			delete_applied(version);
			event = "rolled_back";
			break;
		case MIGRATION_OUTCOME_RECOVERED:
			delete_applied(version);
			event = "recovered";
			break;
		case MIGRATION_OUTCOME_FAILED_WITHOUT_EFFECT:
			delete_applied(version);
			/* FALLTHROUGH */
		case MIGRATION_OUTCOME_FAILED:
			level = "error";
			event = "failed";
			break;
		case MIGRATION_OUTCOME_CANCELLED_WITHOUT_EFFECT:
			delete_applied(version);
			/* FALLTHROUGH */
		case MIGRATION_OUTCOME_CANCELLED:
			level = "warning";
			event = "cancelled";
			break;
	}
	catalog_log_event(level, event, version, direction_name(direction), duration_ms,
					  sqlerrcode != 0 ? unpack_sql_state(sqlerrcode) : NULL,
					  message, detail_json);
}

/* accept a checksum for an applied migration and clear its dirty state */
void
catalog_repair_applied(const char *version, const char *checksum)
{
	static SPIPlanPtr plan = NULL;
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	CatalogAccess access;

	catalog_enter(&access);
	values[0] = CStringGetTextDatum(version);
	values[1] = CStringGetTextDatum(checksum);
	run_plan(plan_once(&plan,
					   "UPDATE schemamig.applied SET checksum = $2, dirty = false, dirty_statement = NULL "
					   "WHERE version OPERATOR(pg_catalog.=) $1",
					   2, argtypes),
			 values, NULL, SPI_OK_UPDATE);
	catalog_leave(&access);
}

/*
 * Append a row to schemamig.events.  duration_ms may be NaN (stored as
 * NULL); detail_json, if given, is a JSON object; the caller's role is
 * added to it.
 */
void
catalog_log_event(const char *level, const char *event,
				  const char *version, const char *direction,
				  double duration_ms, const char *sqlstate,
				  const char *message, const char *detail_json)
{
	static SPIPlanPtr plan = NULL;
	Oid			argtypes[9] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, FLOAT8OID,
	TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[9];
	char		nulls[9];
	CatalogAccess access;

	catalog_enter(&access);
	values[0] = text_or_null(level, &nulls[0]);
	values[1] = text_or_null(event, &nulls[1]);
	values[2] = text_or_null(version, &nulls[2]);
	values[3] = text_or_null(direction, &nulls[3]);
	values[4] = Float8GetDatum(duration_ms);
	nulls[4] = isnan(duration_ms) ? 'n' : ' ';
	values[5] = text_or_null(sqlstate, &nulls[5]);
	values[6] = text_or_null(message, &nulls[6]);
	values[7] = text_or_null(detail_json, &nulls[7]);
	values[8] = text_or_null(GetUserNameFromId(access.save_userid, false), &nulls[8]);
	run_plan(plan_once(&plan,
					   "INSERT INTO schemamig.events (level, event, version, direction, "
					   "  duration_ms, sqlstate, message, detail) "
					   "VALUES ($1, $2, $3, $4, $5, $6, $7, "
					   "  pg_catalog.jsonb_build_object('role', $9) OPERATOR(pg_catalog.||) "
					   "  COALESCE(CAST($8 AS pg_catalog.jsonb), '{}'))",
					   9, argtypes),
			 values, nulls, SPI_OK_INSERT);
	catalog_leave(&access);
}
