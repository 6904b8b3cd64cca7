/*-------------------------------------------------------------------------
 *
 * recovery_guard.c
 *		Whether a down script may run as a recovery nobody asked for:
 *		automatic recovery never drops a table or a column that holds data.
 *
 * A dirty migration is undone automatically (schemamig.auto_recover) by the
 * worker and by migrate() and run().  Between the moment the migration
 * began and its recovery, the application may have written into what the
 * migration built; its down script would throw that away.  So before an
 * automatic recovery, the down script is read statement by statement:
 *
 *	- DROP TABLE, TRUNCATE: refused when the table has a row; DROP TABLE
 *	  ... CASCADE also when a column of another table whose type is the
 *	  table's row type (or an array or domain over it) has a value;
 *	- ALTER TABLE ... DROP COLUMN: refused when the column has a non-null
 *	  value; so is ALTER COLUMN ... TYPE without USING, unless the new type
 *	  keeps every value (a larger typmod, varchar to text, a wider integer);
 *	- TRUNCATE ... CASCADE (it empties the referencing tables too), a
 *	  DELETE, UPDATE or MERGE inside WITH, INSERT ... ON CONFLICT DO UPDATE,
 *	  and EXPLAIN ANALYZE of any of them: refused;
 *	- statements that run code the guard cannot see into are refused: a
 *	  SELECT, INSERT, CREATE TABLE AS, DECLARE or COPY (query), analysed
 *	  and rewritten, that calls a function (also through a view, default,
 *	  rule, operator, cast or aggregate) other than the harmless built-ins,
 *	  checks a domain with constraints, or inserts into a table with a user
 *	  trigger; an index expression or predicate, CHECK, new column default
 *	  or generation expression doing so (analysed as a SELECT of them from
 *	  the table), a CHECK on a new column naming such a function; COPY ... PROGRAM or FROM, REFRESH MATERIALIZED VIEW,
 *	  LOAD, CREATE or ALTER EXTENSION; a SELECT or INSERT after the script
 *	  created a trigger, rule or function; names resolve through the
 *	  search_path the script set (none after a RESET of it);
 *	- statements whose effect on data cannot be told from their parse tree
 *	  are refused: DELETE, UPDATE, MERGE, DO, CALL, EXECUTE, ALTER COLUMN
 *	  ... TYPE ... USING, DROP OWNED, DROP EXTENSION, DROP DATABASE, any
 *	  other DROP ... CASCADE (which may take columns with it), ALTER TYPE
 *	  ... CASCADE;
 *	  so is an unqualified name after the script changed search_path, a
 *	  table or column that does not exist after the script renamed or
 *	  moved objects, and a check that fails (say, a lock wait longer than
 *	  schemamig.lock_timeout);
 *	- everything else (creating, dropping indexes, constraints, views,
 *	  functions, renaming) passes.
 *
 * Tables and columns that do not exist pass (an IF EXISTS drop of them
 * does nothing).  Names resolve as the current user; the data is read as
 * the extension owner (catalog_enter), each check in a subtransaction so
 * that a failing one leaves the caller's transaction usable.  A person's
 * explicit recover() or rollback runs the down script without this guard.
 *
 * recovery_held_reason() reads back, for validate(), why the worker held
 * a recovery back: the newest recovery_held event since the migration was
 * applied.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "parser/parse_coerce.h"
#include "parser/parse_type.h"
#include "parser/parsetree.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/resowner.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "schemamig.h"
#include "catalog.h"
#include "recovery_guard.h"
#include "script.h"

/* what the statements before the one checked changed */
typedef struct GuardState
{
	bool		path_changed;	/* search_path set or reset */
	char	   *search_path;	/* the value it was set to, or NULL when
								 * reset (or not changed) */
	bool		names_changed;	/* a table, column or schema renamed or moved */
	bool		code_changed;	/* a trigger, rule or function created or
								 * enabled */
} GuardState;

static char *statement_destroys_data(Node *stmt, const char *text, GuardState *state);

static char *
relation_name(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

/*
 * Whether relation relid (with a non-null column, if column is given) has
 * a row; NULL when it has none, else why it counts as holding data.
 */
static char *
holds_data(Oid relid, const char *column, const char *what)
{
	MemoryContext caller = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	char	   *relation = relation_name(relid);
	char	   *volatile why = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(caller);
	PG_TRY();
	{
		CatalogAccess access;
		char		lock_timeout[32];
		char	   *sql;
		int			rc;

		catalog_enter(&access);
		snprintf(lock_timeout, sizeof(lock_timeout), "%d", schemamig_lock_timeout);
		(void) set_config_option("lock_timeout", lock_timeout, PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_LOCAL, true, 0, false);
		sql = column
			? psprintf("SELECT FROM %s WHERE %s IS NOT NULL LIMIT 1", relation, quote_identifier(column))
			: psprintf("SELECT FROM %s LIMIT 1", relation);
		rc = SPI_execute(sql, true, 1);
		MemoryContextSwitchTo(caller);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
		if (SPI_processed > 0)
			why = column
				? psprintf("%s column %s.%s, which holds data", what, relation, quote_identifier(column))
				: psprintf("%s table %s, which holds data", what, relation);
		catalog_leave(&access);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(caller);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(caller);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(caller);
		CurrentResourceOwner = owner;
		why = column
			? psprintf("%s column %s.%s, and whether it holds data could not be checked: %s",
					   what, relation, quote_identifier(column), edata->message)
			: psprintf("%s table %s, and whether it holds data could not be checked: %s",
					   what, relation, edata->message);
	}
	PG_END_TRY();
	return why;
}

/*
 * Why DROP TABLE ... CASCADE of relid destroys data beyond its own rows:
 * a column of another table whose type is its row type (or an array or
 * domain over it), which CASCADE drops, holds data; or NULL.
 */
static char *
cascade_drops_columns(Oid relid)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			argtypes[2] = {OIDOID, OIDOID};
	Datum		values[2];
	List	   *columns = NIL;
	ListCell   *lc;

	values[0] = ObjectIdGetDatum(get_rel_type_id(relid));
	values[1] = ObjectIdGetDatum(relid);
	if (SPI_execute_with_args("SELECT d.objid, a.attname::pg_catalog.text FROM pg_catalog.pg_depend d "
							  "JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) d.objid "
							  " AND a.attnum OPERATOR(pg_catalog.=) d.objsubid "
							  "WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass "
							  "  AND d.objsubid OPERATOR(pg_catalog.>) 0 AND d.objid OPERATOR(pg_catalog.<>) $2 "
							  "  AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass "
							  "  AND d.refobjid IN (SELECT t.oid FROM pg_catalog.pg_type t "
							  "    WHERE t.oid OPERATOR(pg_catalog.=) $1 OR t.typelem OPERATOR(pg_catalog.=) $1 "
							  "       OR t.typbasetype OPERATOR(pg_catalog.=) $1)",
							  2, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_depend");
	MemoryContextSwitchTo(caller);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			column_relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));

		columns = lappend(columns, list_make2(makeInteger((int) column_relid),
											  makeString(SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2))));
	}
	foreach(lc, columns)
	{
		List	   *column = lfirst(lc);
		char	   *why = holds_data((Oid) intVal(linitial(column)), strVal(lsecond(column)),
									 psprintf("it drops with CASCADE the row type of %s, and with it", relation_name(relid)));

		if (why)
			return why;
	}
	return NULL;
}

/* the relation a name in the down script means now, or InvalidOid */
static Oid
resolve(RangeVar *rv)
{
	return RangeVarGetRelid(rv, NoLock, true);
}

static char *
check_relations(List *relations, GuardState *state, bool cascade, const char *what)
{
	ListCell   *lc;

	foreach(lc, relations)
	{
		RangeVar   *rv = lfirst(lc);
		Oid			relid;

		if (state->path_changed && rv->schemaname == NULL)
			return psprintf("%s table %s after changing search_path, so which table it means cannot be told",
							what, quote_identifier(rv->relname));
		relid = resolve(rv);
		if (!OidIsValid(relid) && state->names_changed)
			return psprintf("%s table %s, which does not exist before the script renames or moves objects, so which table it means cannot be told",
							what, quote_identifier(rv->relname));
		if (OidIsValid(relid))
		{
			char	   *why = holds_data(relid, NULL, what);

			if (why == NULL && cascade)
				why = cascade_drops_columns(relid);
			if (why)
				return why;
		}
	}
	return NULL;
}

/*
 * Whether a change of a column's type from (oldtype, oldmod) to (newtype,
 * newmod) without USING keeps every value: the same type with a typmod at
 * least as large (or none), a binary-coercible type without a typmod
 * (varchar(n) to text), or a wider integer or float.  Anything else may
 * round or cut values (numeric(10,4) to numeric(10,1), timestamp(6) to
 * timestamp(0), float8 to float4) or cannot be told.
 */
static bool
type_change_keeps_values(Oid oldtype, int32 oldmod, Oid newtype, int32 newmod)
{
	if (oldtype == newtype)
		return newmod < 0 || (oldmod >= 0 && newmod >= oldmod);
	if (IsBinaryCoercible(oldtype, newtype) && newmod < 0)
		return true;
	return (oldtype == INT2OID && (newtype == INT4OID || newtype == INT8OID)) ||
		(oldtype == INT4OID && newtype == INT8OID) ||
		(oldtype == FLOAT4OID && newtype == FLOAT8OID);
}

/*
 * Why ALTER COLUMN ... TYPE without USING (cmd) of relation rv may destroy
 * data: the column holds data and the new type may not keep every value.
 */
static char *
type_change_destroys_data(RangeVar *rv, AlterTableCmd *cmd, GuardState *state)
{
	ColumnDef  *def = (ColumnDef *) cmd->def;
	Oid			relid;
	AttrNumber	attnum;
	Oid			oldtype;
	int32		oldmod;
	Oid			collation;
	Type		newtype;
	int32		newmod = -1;
	Oid			newtypid;

	if (state->path_changed && rv->schemaname == NULL)
		return psprintf("it changes the type of column %s of %s after changing search_path, so which table it means cannot be told",
						quote_identifier(cmd->name), quote_identifier(rv->relname));
	relid = resolve(rv);
	if (!OidIsValid(relid) || (attnum = get_attnum(relid, cmd->name)) == InvalidAttrNumber)
		return state->names_changed
			? psprintf("it changes the type of column %s of %s, which does not exist before the script renames or moves objects, so which column it means cannot be told",
					   quote_identifier(cmd->name), quote_identifier(rv->relname))
			: NULL;
	get_atttypetypmodcoll(relid, attnum, &oldtype, &oldmod, &collation);
	newtype = LookupTypeName(NULL, def->typeName, &newmod, true);
	if (newtype != NULL)
	{
		newtypid = typeTypeId(newtype);
		ReleaseSysCache(newtype);
		if (type_change_keeps_values(oldtype, oldmod, newtypid, newmod))
			return NULL;
	}
	return holds_data(relid, cmd->name, "it changes the type (which may round or cut values) of");
}

/*
 * Whether a DML statement's tree changes or removes rows that may be the
 * application's: a DELETE, UPDATE or MERGE anywhere in it (a data-modifying
 * WITH), or an INSERT ... ON CONFLICT DO UPDATE.  A plain INSERT only adds.
 */
static bool
modifies_rows_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, DeleteStmt) || IsA(node, UpdateStmt) || IsA(node, MergeStmt))
		return true;
	if (IsA(node, InsertStmt) && ((InsertStmt *) node)->onConflictClause != NULL &&
		((InsertStmt *) node)->onConflictClause->action == ONCONFLICT_UPDATE)
		return true;
	return raw_expression_tree_walker(node, modifies_rows_walker, context);
}

/*
 * The volatile built-in functions a down script may call: they wait, set a
 * setting, take an advisory lock, draw a number or a sequence value, or
 * notify, and change no table.  Every other volatile function (lo_unlink,
 * setval, ...) may change data.
 */
static const char *const harmless_volatile[] = {
	"pg_sleep", "pg_sleep_for", "pg_sleep_until", "set_config",
	"random", "setseed", "clock_timestamp", "timeofday", "gen_random_uuid",
	"nextval", "currval", "lastval", "txid_current", "pg_current_xact_id",
	"pg_notify", "pg_advisory_lock", "pg_advisory_lock_shared",
	"pg_advisory_xact_lock", "pg_advisory_xact_lock_shared",
	"pg_try_advisory_lock", "pg_try_advisory_lock_shared",
	"pg_try_advisory_xact_lock", "pg_try_advisory_xact_lock_shared",
	"pg_advisory_unlock", "pg_advisory_unlock_shared", "pg_advisory_unlock_all",
	NULL
};

/*
 * Whether calling function funcid cannot change data: a built-in
 * (pg_catalog) function that is immutable or stable and runs no query text
 * it is given (query_to_xml and its kin, ts_stat, ts_rewrite), or one of
 * the harmless volatile built-ins.  A function of any other schema is
 * code the guard cannot see into.
 */
static bool
function_is_harmless(Oid funcid)
{
	HeapTuple	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	Form_pg_proc proc;
	bool		harmless = false;

	if (!HeapTupleIsValid(tuple))
		return false;
	proc = (Form_pg_proc) GETSTRUCT(tuple);
	if (proc->pronamespace == PG_CATALOG_NAMESPACE)
	{
		const char *name = NameStr(proc->proname);

		if (proc->provolatile != PROVOLATILE_VOLATILE)
			harmless = strstr(name, "_to_xml") == NULL &&
				strcmp(name, "ts_stat") != 0 && strcmp(name, "ts_rewrite") != 0;
		else
			for (int i = 0; harmless_volatile[i] != NULL && !harmless; i++)
				harmless = strcmp(name, harmless_volatile[i]) == 0;
	}
	ReleaseSysCache(tuple);
	return harmless;
}

static bool
function_check(Oid funcid, void *context)
{
	if (function_is_harmless(funcid))
		return false;
	*(Oid *) context = funcid;
	return true;
}

/* why code that inserts into relation relid runs may change data, or NULL */
static char *
insert_runs_triggers(Oid relid)
{
	ListCell   *lc;

	foreach(lc, find_all_inheritors(relid, AccessShareLock, NULL))
	{
		Relation	rel = relation_open(lfirst_oid(lc), NoLock);
		char	   *why = NULL;

		for (int i = 0; rel->trigdesc != NULL && i < rel->trigdesc->numtriggers && why == NULL; i++)
			if (!rel->trigdesc->triggers[i].tgisinternal &&
				rel->trigdesc->triggers[i].tgenabled != TRIGGER_DISABLED)
				why = psprintf("it inserts into %s, whose trigger %s runs code whose effect on data cannot be told",
							   relation_name(RelationGetRelid(rel)),
							   quote_identifier(rel->trigdesc->triggers[i].tgname));
		relation_close(rel, NoLock);
		if (why)
			return why;
	}
	return NULL;
}

/*
 * Walks analysed and rewritten queries (views expanded, defaults and rules
 * applied) for what may change data: a function, operator, cast or
 * aggregate that is not harmless, a domain check (its expression may call
 * anything), a trigger of a table inserted into, a command other than
 * SELECT or INSERT (a rule's).
 */
static bool
query_runs_code_walker(Node *node, char **why)
{
	Oid			funcid = InvalidOid;

	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		Query	   *query = (Query *) node;

		if (query->commandType == CMD_INSERT)
			*why = insert_runs_triggers(rt_fetch(query->resultRelation, query->rtable)->relid);
		else if (query->commandType != CMD_SELECT)
			*why = pstrdup("it runs a command (a rule's, or one inside a utility statement) whose effect on data cannot be told");
		if (*why)
			return true;
		return query_tree_walker(query, query_runs_code_walker, why, 0);
	}
	if (check_functions_in_node(node, function_check, &funcid))
	{
		*why = psprintf("it calls %s, which is not a built-in function known to leave data alone, so its effect on data cannot be told",
						format_procedure(funcid));
		return true;
	}
	if (IsA(node, CoerceToDomain) && DomainHasConstraints(((CoerceToDomain *) node)->resulttype))
	{
		*why = psprintf("it checks a value against the constraints of domain %s, whose effect on data cannot be told",
						format_type_be(((CoerceToDomain *) node)->resulttype));
		return true;
	}
	return expression_tree_walker(node, query_runs_code_walker, why);
}

/*
 * Why a SELECT or INSERT (raw statement stmt of text) may change data
 * through the code it calls, or NULL.  It is analysed and rewritten as the
 * current user, under the search_path the script set before it (if any),
 * in a subtransaction rolled back afterwards; when that fails (a table the
 * script creates first), what it runs cannot be told.
 */
static char *
query_runs_code(Node *stmt, const char *text, const char *search_path)
{
	MemoryContext caller = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	char	   *volatile why = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(caller);
	PG_TRY();
	{
		RawStmt    *raw = makeNode(RawStmt);
		char		lock_timeout[32];
		List	   *queries;
		ListCell   *lc;
		char	   *found = NULL;

		snprintf(lock_timeout, sizeof(lock_timeout), "%d", schemamig_lock_timeout);
		(void) set_config_option("lock_timeout", lock_timeout, PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_LOCAL, true, 0, false);
		if (search_path)
			(void) set_config_option("search_path", search_path, PGC_USERSET, PGC_S_SESSION,
									 GUC_ACTION_LOCAL, true, 0, false);
		raw->stmt = copyObject(stmt);
		raw->stmt_location = -1;
		queries = pg_analyze_and_rewrite_fixedparams(raw, text, NULL, 0, NULL);
		foreach(lc, queries)
			if (query_runs_code_walker(lfirst(lc), &found))
				break;
		MemoryContextSwitchTo(caller);
		why = found;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(caller);
		edata = CopyErrorData();
		FlushErrorState();
		why = psprintf("what it runs could not be checked: %s", edata->message);
	}
	PG_END_TRY();
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(caller);
	CurrentResourceOwner = owner;
	return why;
}

/*
 * Walks a raw expression a utility statement evaluates on existing rows
 * (an index expression, a new column's default, a CHECK constraint) for a
 * call of a function that is not harmless: every function of that name
 * counts, the argument types not being known yet; after the script changed
 * search_path, an unqualified name cannot be told.
 */
typedef struct RawCalls
{
	bool		path_changed;
	char	   *why;
} RawCalls;

static bool
raw_calls_walker(Node *node, RawCalls *calls)
{
	char	  **why = &calls->why;

	if (node == NULL)
		return false;
	if (IsA(node, FuncCall))
	{
		List	   *name = ((FuncCall *) node)->funcname;
		FuncCandidateList candidates = FuncnameGetCandidates(name, -1, NIL, false, false, false, true);

		if (calls->path_changed && list_length(name) == 1)
			*why = psprintf("it calls %s after the script changed search_path, so which function it means cannot be told",
							NameListToString(name));
		else if (candidates == NULL)
			*why = psprintf("it calls %s, a function that does not exist before the script runs, so its effect on data cannot be told",
							NameListToString(name));
		for (; candidates != NULL && *why == NULL; candidates = candidates->next)
			if (!function_is_harmless(candidates->oid))
				*why = psprintf("it calls %s, which is not a built-in function known to leave data alone, so its effect on data cannot be told",
								format_procedure(candidates->oid));
		if (*why)
			return true;
	}
	return raw_expression_tree_walker(node, raw_calls_walker, calls);
}

static char *
raw_calls(Node *expr, GuardState *state)
{
	RawCalls	calls = {state->path_changed, NULL};

	(void) raw_calls_walker(expr, &calls);
	return calls.why;
}

static char *query_destroys_data(Node *stmt, const char *text, GuardState *state);

/*
 * Why expressions a utility statement evaluates on the rows of relation
 * (an index's expressions and predicate, a CHECK, a generated column) may
 * change data, or NULL: they are judged as SELECT exprs FROM relation
 * WHERE where, analysed like any SELECT (operators, casts and functions
 * resolved by type).  A relation that does not exist yet has no rows to
 * evaluate them on, unless the script renamed or moved objects before.
 */
static char *
expressions_destroy_data(RangeVar *relation, List *exprs, Node *where,
						 const char *text, GuardState *state)
{
	SelectStmt *select;
	ListCell   *lc;

	if (exprs == NIL && where == NULL)
		return NULL;
	if (relation != NULL && !(state->path_changed && relation->schemaname == NULL) &&
		!OidIsValid(resolve(relation)))
		return state->names_changed
			? psprintf("it evaluates expressions on table %s, which does not exist before the script renames or moves objects, so what they run cannot be told",
					   quote_identifier(relation->relname))
			: NULL;
	select = makeNode(SelectStmt);
	foreach(lc, exprs)
	{
		ResTarget  *target = makeNode(ResTarget);

		target->val = lfirst(lc);
		target->location = -1;
		select->targetList = lappend(select->targetList, target);
	}
	select->fromClause = relation ? list_make1(relation) : NIL;
	select->whereClause = where;
	return query_destroys_data((Node *) select, text, state);
}

/*
 * Why a new column's default, generated expression or constraints may
 * change data, or NULL: the default (evaluated once, or for every row if
 * volatile) and the generation expression are analysed; a CHECK on the new
 * column is judged by its function names.
 */
static char *
column_calls(RangeVar *relation, ColumnDef *def, const char *text, GuardState *state)
{
	char	   *why = NULL;
	ListCell   *lc;

	if (def->raw_default != NULL)
		why = expressions_destroy_data(NULL, list_make1(def->raw_default), NULL, text, state);
	foreach(lc, def->constraints)
	{
		Constraint *constraint = lfirst(lc);

		if (why != NULL)
			break;
		if (constraint->contype == CONSTR_GENERATED || constraint->contype == CONSTR_DEFAULT)
			why = expressions_destroy_data(constraint->contype == CONSTR_GENERATED ? relation : NULL,
										   list_make1(constraint->raw_expr), NULL, text, state);
		else
			why = raw_calls(constraint->raw_expr, state);
	}
	return why;
}

/* why an ALTER TABLE (or ALTER TYPE) may destroy data, or NULL */
static char *
alter_destroys_data(AlterTableStmt *alter, const char *text, GuardState *state)
{
	ListCell   *lc;
	Oid			relid;

	foreach(lc, alter->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);
		char	   *why = NULL;

		if (alter->objtype == OBJECT_TYPE && cmd->behavior == DROP_CASCADE)
			return pstrdup("it changes a composite type with CASCADE, which changes the tables of that type and their data too");
		if (alter->objtype != OBJECT_TABLE)
			continue;
		switch (cmd->subtype)
		{
			case AT_AlterColumnType:
				if (((ColumnDef *) cmd->def)->raw_default != NULL)
					return psprintf("it changes the type of column %s with USING, which may rewrite its data",
									quote_identifier(cmd->name));
				why = type_change_destroys_data(alter->relation, cmd, state);
				break;
			case AT_AddColumn:
				why = column_calls(alter->relation, (ColumnDef *) cmd->def, text, state);
				break;
			case AT_AddConstraint:
				if (((Constraint *) cmd->def)->raw_expr != NULL)
					why = expressions_destroy_data(alter->relation, NIL,
												   ((Constraint *) cmd->def)->raw_expr, text, state);
				break;
			case AT_DropColumn:
				if (state->path_changed && alter->relation->schemaname == NULL)
					return psprintf("it drops column %s of %s after changing search_path, so which table it means cannot be told",
									quote_identifier(cmd->name), quote_identifier(alter->relation->relname));
				relid = resolve(alter->relation);
				if (OidIsValid(relid) && get_attnum(relid, cmd->name) != InvalidAttrNumber)
					why = holds_data(relid, cmd->name, "it drops");
				else if (state->names_changed)
					return psprintf("it drops column %s of %s, which does not exist before the script renames or moves objects, so which column it means cannot be told",
									quote_identifier(cmd->name), quote_identifier(alter->relation->relname));
				break;
			case AT_EnableTrig:
			case AT_EnableAlwaysTrig:
			case AT_EnableReplicaTrig:
			case AT_EnableTrigAll:
			case AT_EnableTrigUser:
			case AT_EnableRule:
			case AT_EnableAlwaysRule:
			case AT_EnableReplicaRule:
				state->code_changed = true;
				break;
			default:
				break;
		}
		if (why)
			return why;
	}
	return NULL;
}

/* why a SELECT or INSERT may change data, or NULL */
static char *
query_destroys_data(Node *stmt, const char *text, GuardState *state)
{
	/* a data-modifying WITH, or INSERT ... ON CONFLICT DO UPDATE */
	if (modifies_rows_walker(stmt, NULL))
		return pstrdup("it changes rows (a DELETE, UPDATE or MERGE in WITH, or ON CONFLICT DO UPDATE), and which of them were written after the migration began cannot be told");
	if (state->code_changed)
		return pstrdup("it runs after the script created or enabled a trigger, rule or function, so what it runs cannot be told");
	if (state->path_changed && state->search_path == NULL)
		return pstrdup("it runs after the script reset search_path, so which tables and functions it means cannot be told");
	return query_runs_code(stmt, text, state->search_path);
}

/* why one statement (of text) of a down script may destroy data, or NULL */
static char *
statement_destroys_data(Node *stmt, const char *text, GuardState *state)
{
	switch (nodeTag(stmt))
	{
		case T_DropStmt:
			{
				DropStmt   *drop = (DropStmt *) stmt;
				List	   *relations = NIL;
				ListCell   *lc;

				if (drop->removeType == OBJECT_EXTENSION)
					return pstrdup("it drops an extension, with any table the extension owns");
				if (drop->removeType != OBJECT_TABLE)
					return drop->behavior == DROP_CASCADE
						? pstrdup("it drops with CASCADE, which may take columns or tables with it")
						: NULL;
				foreach(lc, drop->objects)
					relations = lappend(relations, makeRangeVarFromNameList(lfirst(lc)));
				return check_relations(relations, state, drop->behavior == DROP_CASCADE, "it drops");
			}
		case T_TruncateStmt:
			if (((TruncateStmt *) stmt)->behavior == DROP_CASCADE)
				return pstrdup("it empties with CASCADE, which empties every table that references them too");
			return check_relations(((TruncateStmt *) stmt)->relations, state, false, "it empties");
		case T_AlterTableStmt:
			return alter_destroys_data((AlterTableStmt *) stmt, text, state);
		case T_IndexStmt:
			{
				IndexStmt  *index = (IndexStmt *) stmt;
				List	   *exprs = NIL;
				ListCell   *lc;

				foreach(lc, index->indexParams)
					if (((IndexElem *) lfirst(lc))->expr != NULL)
						exprs = lappend(exprs, ((IndexElem *) lfirst(lc))->expr);
				return expressions_destroy_data(index->relation, exprs, index->whereClause, text, state);
			}
		case T_DeleteStmt:
		case T_UpdateStmt:
		case T_MergeStmt:
			return pstrdup("it changes rows, and which of them were written after the migration began cannot be told");
		case T_InsertStmt:
		case T_SelectStmt:
			return query_destroys_data(stmt, text, state);
		case T_ExplainStmt:
			/* EXPLAIN ANALYZE runs its statement */
			return statement_destroys_data(((ExplainStmt *) stmt)->query, text, state);
		case T_CreateTableAsStmt:
			/* CREATE TABLE AS, SELECT INTO, CREATE MATERIALIZED VIEW run their query */
			return ((CreateTableAsStmt *) stmt)->into->skipData
				? NULL
				: statement_destroys_data(((CreateTableAsStmt *) stmt)->query, text, state);
		case T_DeclareCursorStmt:
			return statement_destroys_data(((DeclareCursorStmt *) stmt)->query, text, state);
		case T_CopyStmt:
			{
				CopyStmt   *copy = (CopyStmt *) stmt;

				if (copy->is_program)
					return pstrdup("it runs a program (COPY ... PROGRAM) whose effect on data cannot be told");
				if (copy->query != NULL)
					return statement_destroys_data(copy->query, text, state);
				if (copy->is_from)
					return pstrdup("it loads rows with COPY ... FROM, which runs the table's triggers, whose effect on data cannot be told");
				return NULL;
			}
		case T_RefreshMatViewStmt:
			return pstrdup("it refreshes a materialized view, running its query, whose effect on data cannot be told");
		case T_DoStmt:
		case T_CallStmt:
		case T_ExecuteStmt:
			return pstrdup("it runs code whose effect on data cannot be told");
		case T_LoadStmt:
			return pstrdup("it loads a shared library, whose effect on data cannot be told");
		case T_CreateExtensionStmt:
		case T_AlterExtensionStmt:
			return pstrdup("it runs an extension's script, whose effect on data cannot be told");
		case T_DropOwnedStmt:
			return pstrdup("it drops every object a role owns");
		case T_DropdbStmt:
			return pstrdup("it drops a database");
		case T_CreateTrigStmt:
		case T_RuleStmt:
		case T_CreateFunctionStmt:
			state->code_changed = true;
			return NULL;
		case T_RenameStmt:
		case T_AlterObjectSchemaStmt:
			state->names_changed = true;
			return NULL;
		default:
			return NULL;
	}
}

/*
 * Why the down script of migration version must not run as an automatic
 * recovery, as "statement N (line L): reason", or NULL when it may.  The
 * caller is connected to SPI, in a transaction, as the role the recovery
 * runs as.
 */
char *
recovery_destroys_data(const char *version, const char *down_sql)
{
	Script	   *script = script_split(down_sql, version, MIGRATION_DOWN);
	GuardState	state = {0};
	ListCell   *lc;

	foreach(lc, script->statements)
	{
		ScriptStatement *s = lfirst(lc);
		char	   *why = statement_destroys_data(s->parsetree, s->text, &state);

		if (why)
			return psprintf("statement %d (line %d): %s", s->number, s->line, why);
		if (IsA(s->parsetree, VariableSetStmt) &&
			(((VariableSetStmt *) s->parsetree)->kind == VAR_RESET_ALL ||
			 (((VariableSetStmt *) s->parsetree)->name != NULL &&
			  strcmp(((VariableSetStmt *) s->parsetree)->name, "search_path") == 0)))
		{
			VariableSetStmt *set = (VariableSetStmt *) s->parsetree;

			state.path_changed = true;
			state.search_path = set->kind == VAR_SET_VALUE ? ExtractSetVariableArgs(set) : NULL;
		}
	}
	return NULL;
}

/*
 * Why the worker held back the recovery of dirty migration version (the
 * message of its newest recovery_held event since the migration was
 * applied), or NULL.
 */
char *
recovery_held_reason(const char *version)
{
	MemoryContext caller = CurrentMemoryContext;
	CatalogAccess access;
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	char	   *reason = NULL;

	values[0] = CStringGetTextDatum(version);
	catalog_enter(&access);
	if (SPI_execute_with_args("SELECT e.message FROM schemamig.events e "
							  "JOIN schemamig.applied a ON a.version OPERATOR(pg_catalog.=) e.version "
							  "WHERE e.version OPERATOR(pg_catalog.=) $1 "
							  "  AND e.event OPERATOR(pg_catalog.=) 'recovery_held' "
							  "  AND e.at OPERATOR(pg_catalog.>=) a.applied_at "
							  "ORDER BY e.id DESC LIMIT 1",
							  1, argtypes, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read schemamig.events");
	MemoryContextSwitchTo(caller);
	if (SPI_processed == 1)
		reason = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	catalog_leave(&access);
	return reason;
}
