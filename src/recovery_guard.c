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
 *	- DROP TABLE, TRUNCATE: refused when the table has a row;
 *	- ALTER TABLE ... DROP COLUMN: refused when the column has a non-null
 *	  value; so is ALTER COLUMN ... TYPE without USING, unless the new type
 *	  keeps every value (a larger typmod, varchar to text, a wider integer);
 *	- TRUNCATE ... CASCADE (it empties the referencing tables too), a
 *	  DELETE, UPDATE or MERGE inside WITH, INSERT ... ON CONFLICT DO UPDATE,
 *	  and EXPLAIN ANALYZE of any of them: refused;
 *	- statements whose effect on data cannot be told from their parse tree
 *	  are refused: DELETE, UPDATE, MERGE, DO, CALL, EXECUTE, ALTER COLUMN
 *	  ... TYPE ... USING, DROP OWNED, DROP EXTENSION, and any other DROP
 *	  ... CASCADE (which may take columns with it); so is an unqualified
 *	  name after the script changed search_path, and a check that fails
 *	  (say, a lock wait longer than schemamig.lock_timeout);
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

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "parser/parse_coerce.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/resowner.h"
#include "utils/syscache.h"

#include "schemamig.h"
#include "catalog.h"
#include "recovery_guard.h"
#include "script.h"

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

/* the relation a name in the down script means now, or InvalidOid */
static Oid
resolve(RangeVar *rv)
{
	return RangeVarGetRelid(rv, NoLock, true);
}

static char *
check_relations(List *relations, bool path_changed, const char *what)
{
	ListCell   *lc;

	foreach(lc, relations)
	{
		RangeVar   *rv = lfirst(lc);
		Oid			relid;

		if (path_changed && rv->schemaname == NULL)
			return psprintf("%s table %s after changing search_path, so which table it means cannot be told",
							what, quote_identifier(rv->relname));
		relid = resolve(rv);
		if (OidIsValid(relid))
		{
			char	   *why = holds_data(relid, NULL, what);

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
type_change_destroys_data(RangeVar *rv, AlterTableCmd *cmd, bool path_changed)
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

	if (path_changed && rv->schemaname == NULL)
		return psprintf("it changes the type of column %s of %s after changing search_path, so which table it means cannot be told",
						quote_identifier(cmd->name), quote_identifier(rv->relname));
	relid = resolve(rv);
	if (!OidIsValid(relid) || (attnum = get_attnum(relid, cmd->name)) == InvalidAttrNumber)
		return NULL;
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

/* why one statement of a down script may destroy data, or NULL */
static char *
statement_destroys_data(Node *stmt, bool path_changed)
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
				return check_relations(relations, path_changed, "it drops");
			}
		case T_TruncateStmt:
			if (((TruncateStmt *) stmt)->behavior == DROP_CASCADE)
				return pstrdup("it empties with CASCADE, which empties every table that references them too");
			return check_relations(((TruncateStmt *) stmt)->relations, path_changed, "it empties");
		case T_AlterTableStmt:
			{
				AlterTableStmt *alter = (AlterTableStmt *) stmt;
				ListCell   *lc;
				Oid			relid;

				if (alter->objtype != OBJECT_TABLE)
					return NULL;
				foreach(lc, alter->cmds)
				{
					AlterTableCmd *cmd = lfirst(lc);

					if (cmd->subtype == AT_AlterColumnType &&
						((ColumnDef *) cmd->def)->raw_default != NULL)
						return psprintf("it changes the type of column %s with USING, which may rewrite its data",
										quote_identifier(cmd->name));
					if (cmd->subtype == AT_AlterColumnType)
					{
						char	   *why = type_change_destroys_data(alter->relation, cmd, path_changed);

						if (why)
							return why;
						continue;
					}
					if (cmd->subtype != AT_DropColumn)
						continue;
					if (path_changed && alter->relation->schemaname == NULL)
						return psprintf("it drops column %s of %s after changing search_path, so which table it means cannot be told",
										quote_identifier(cmd->name), quote_identifier(alter->relation->relname));
					relid = resolve(alter->relation);
					if (OidIsValid(relid) && get_attnum(relid, cmd->name) != InvalidAttrNumber)
					{
						char	   *why = holds_data(relid, cmd->name, "it drops");

						if (why)
							return why;
					}
				}
				return NULL;
			}
		case T_DeleteStmt:
		case T_UpdateStmt:
		case T_MergeStmt:
			return pstrdup("it changes rows, and which of them were written after the migration began cannot be told");
		case T_InsertStmt:
		case T_SelectStmt:
			/* a data-modifying WITH, or INSERT ... ON CONFLICT DO UPDATE */
			return modifies_rows_walker(stmt, NULL)
				? pstrdup("it changes rows (a DELETE, UPDATE or MERGE in WITH, or ON CONFLICT DO UPDATE), and which of them were written after the migration began cannot be told")
				: NULL;
		case T_ExplainStmt:
			/* EXPLAIN ANALYZE runs its statement */
			return statement_destroys_data(((ExplainStmt *) stmt)->query, path_changed);
		case T_DoStmt:
		case T_CallStmt:
		case T_ExecuteStmt:
			return pstrdup("it runs code whose effect on data cannot be told");
		case T_DropOwnedStmt:
			return pstrdup("it drops every object a role owns");
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
	bool		path_changed = false;
	ListCell   *lc;

	foreach(lc, script->statements)
	{
		ScriptStatement *s = lfirst(lc);
		char	   *why = statement_destroys_data(s->parsetree, path_changed);

		if (why)
			return psprintf("statement %d (line %d): %s", s->number, s->line, why);
		if (IsA(s->parsetree, VariableSetStmt) &&
			(((VariableSetStmt *) s->parsetree)->kind == VAR_RESET_ALL ||
			 (((VariableSetStmt *) s->parsetree)->name != NULL &&
			  strcmp(((VariableSetStmt *) s->parsetree)->name, "search_path") == 0)))
			path_changed = true;
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
