/*-------------------------------------------------------------------------
 *
 * rules_drop.c
 *		The rules of statements that remove or rename what running code
 *		uses: DROP, DROP OWNED, TRUNCATE, RENAME, SET SCHEMA, enum values.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_class.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "parser/parse_func.h"
#include "parser/parse_type.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_shdepend.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "lint/lint_internal.h"

/*
 * Hand each row of pg_depend that names (refclassid, refobjid) as what it
 * depends on to visit, until visit returns true; returns whether it did.
 * Read from pg_depend's reference index, as the server finds what a
 * CASCADE takes.
 */
bool
scan_dependents(LintState *st, Oid refclassid, Oid refobjid, DependentVisitor visit, void *arg)
{
	Relation	dep;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	dep = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(refclassid));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(refobjid));
	scan = systable_beginscan(dep, DependReferenceIndexId, true, NULL, 2, key);
	while (!found && HeapTupleIsValid(tup = systable_getnext(scan)))
		found = visit(st, (Form_pg_depend) GETSTRUCT(tup), arg);
	systable_endscan(scan);
	table_close(dep, AccessShareLock);
	return found;
}

/* a column (d) of a pre-existing table or materialized view */
static bool
column_of_preexisting_table(LintState *st, Form_pg_depend d, void *arg)
{
	FoundColumn *found = arg;
	char		kind;
	LintRel		r;

	if (d->classid != RelationRelationId || d->objsubid <= 0)
		return false;
	kind = get_rel_relkind(d->objid);
	if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE &&
		kind != RELKIND_MATVIEW)
		return false;
	r = lookup_oid(st, d->objid, NULL);
	if (!rel_preexisting(st, &r))
		return false;
	found->colname = get_attname(d->objid, d->objsubid, true);
	found->relname = r.name;
	return found->colname != NULL;
}

/*
 * The first column of a pre-existing table whose type or collation is the
 * object (classid, objid), or of its array type: DROP ... CASCADE drops
 * that column with its data.  Returns the table's name and sets *colname,
 * or NULL.
 */
const char *
dependent_column(LintState *st, Oid classid, Oid objid, char **colname)
{
	FoundColumn found = {NULL, NULL};
	Oid			array = classid == TypeRelationId ? get_array_type(objid) : InvalidOid;

	if (scan_dependents(st, classid, objid, column_of_preexisting_table, &found) ||
		(OidIsValid(array) &&
		 scan_dependents(st, classid, array, column_of_preexisting_table, &found)))
	{
		*colname = found.colname;
		return found.relname;
	}
	return NULL;
}

static bool schema_holds_relations(Oid nsp);
/* a stored generated column (d: its expression) of a pre-existing table */
static bool
generated_column_of_preexisting_table(LintState *st, Form_pg_depend d, void *arg)
{
	FoundColumn *found = arg;
	ObjectAddress column;
	LintRel		r;

	if (d->classid != AttrDefaultRelationId)
		return false;
	column = GetAttrDefaultColumnAddress(d->objid);
	if (!OidIsValid(column.objectId) || column.objectSubId <= 0 ||
		get_attgenerated(column.objectId, column.objectSubId) == '\0')
		return false;
	r = lookup_oid(st, column.objectId, NULL);
	if (!rel_preexisting(st, &r))
		return false;
	found->colname = get_attname(column.objectId, column.objectSubId, true);
	found->relname = r.name;
	return found->colname != NULL;
}

/*
 * The first generated column of a pre-existing table whose expression uses
 * the function: DROP FUNCTION ... CASCADE drops the column's expression
 * (pg_attrdef), and with it the column and its data.  Returns the table's
 * name and sets *colname, or NULL.
 */
static const char *
generated_column_using(LintState *st, Oid funcid, char **colname)
{
	FoundColumn found = {NULL, NULL};

	if (!scan_dependents(st, ProcedureRelationId, funcid, generated_column_of_preexisting_table, &found))
		return NULL;
	*colname = found.colname;
	return found.relname;
}

/* a found typed table: the type it is OF (in), its name (out) */
typedef struct TypedTable
{
	Oid			typid;
	const char *relname;
} TypedTable;

/* a pre-existing table (d) CREATE TABLE ... OF the type */
static bool
preexisting_typed_table(LintState *st, Form_pg_depend d, void *arg)
{
	TypedTable *found = arg;
	HeapTuple	rel;
	bool		typed = false;
	LintRel		r;

	if (d->classid != RelationRelationId || d->objsubid != 0)
		return false;
	rel = SearchSysCache1(RELOID, ObjectIdGetDatum(d->objid));
	if (HeapTupleIsValid(rel))
	{
		Form_pg_class c = (Form_pg_class) GETSTRUCT(rel);

		typed = c->reloftype == found->typid &&
			(c->relkind == RELKIND_RELATION || c->relkind == RELKIND_PARTITIONED_TABLE);
		ReleaseSysCache(rel);
	}
	if (!typed)
		return false;
	r = lookup_oid(st, d->objid, NULL);
	found->relname = r.name;
	return rel_preexisting(st, &r);
}

/*
 * The first pre-existing typed table (CREATE TABLE ... OF the type): DROP
 * TYPE ... CASCADE drops the whole table with its data.  Returns the
 * table's name, or NULL.
 */
static const char *
typed_table_of(LintState *st, Oid typid)
{
	TypedTable	found = {typid, NULL};

	return scan_dependents(st, TypeRelationId, typid, preexisting_typed_table, &found)
		? found.relname : NULL;
}

/* DROP TYPE/DOMAIN/COLLATION ... CASCADE of (classid, objid) */
static void
lint_drop_cascade_columns(LintState *st, Oid classid, Oid objid, const char *what)
{
	char	   *colname = NULL;
	const char *relname = dependent_column(st, classid, objid, &colname);

	if (relname != NULL)
		add_finding(st, LINT_RULE_BAN_DROP_COLUMN,
					"Change or drop the columns that use it first, each in a migration that says why; then drop it without CASCADE.",
					"%s ... CASCADE drops column \"%s\" of \"%s\" (and every other column that uses it) with its data, under an ACCESS EXCLUSIVE lock on each table until the transaction ends.",
					what, colname, relname);
}

/* a type or collation (d) that belongs to the extension: add it to the list */
static bool
collect_extension_member(LintState *st, Form_pg_depend d, void *arg)
{
	List	  **members = arg;

	if (d->deptype == DEPENDENCY_EXTENSION &&
		(d->classid == TypeRelationId || d->classid == CollationRelationId))
		*members = lappend(*members, list_make2_oid(d->classid, d->objid));
	return false;
}

/* DROP EXTENSION ... CASCADE: the columns using the extension's types */
static void
lint_drop_extension_cascade(LintState *st, Oid ext)
{
	List	   *members = NIL;
	ListCell   *lc;

	scan_dependents(st, ExtensionRelationId, ext, collect_extension_member, &members);
	foreach(lc, members)
	{
		List	   *m = lfirst(lc);

		lint_drop_cascade_columns(st, linitial_oid(m), lsecond_oid(m), "DROP EXTENSION");
		if (findings_have_rule(st, LINT_RULE_BAN_DROP_COLUMN))
			break;
	}
}

void
lint_drop_stmt(LintState *st, DropStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->objects)
	{
		switch (stmt->removeType)
		{
			case OBJECT_TABLE:
				{
					LintRel		r = lookup_names(st, lfirst(lc));

					if (r.kind == LINT_REL_MISSING && (st->live || stmt->missing_ok))
						break;
					note_lock(st, &r, AccessExclusiveLock);
					if (rel_preexisting(st, &r))
						add_finding(st, LINT_RULE_BAN_DROP_TABLE,
									psprintf("Stop using the table in the application first; drop it in a later migration, with -- schemamig:allow %s <reason>.", lint_rule_id(LINT_RULE_BAN_DROP_TABLE)),
									"DROP TABLE \"%s\" loses its data and takes an ACCESS EXCLUSIVE lock; running code that still uses it fails.",
									r.name);
					break;
				}
			case OBJECT_VIEW:
			case OBJECT_MATVIEW:
			case OBJECT_SEQUENCE:
			case OBJECT_FOREIGN_TABLE:
				{
					LintRel		r = lookup_names(st, lfirst(lc));

					if (r.kind != LINT_REL_MISSING)
						note_lock(st, &r, AccessExclusiveLock);
					break;
				}
			case OBJECT_INDEX:
				{
					bool		index_new;
					LintRel		r = lookup_index_table(st, lfirst(lc), &index_new);

					if (r.kind == LINT_REL_MISSING && (st->live || stmt->missing_ok))
						break;
					if (stmt->concurrent)
					{
						note_lock(st, &r, ShareUpdateExclusiveLock);
						ban_concurrent_in_transaction(st, "DROP INDEX CONCURRENTLY");
					}
					else
					{
						note_lock(st, &r, AccessExclusiveLock);
						if (!index_new && rel_preexisting(st, &r))
							add_finding(st, LINT_RULE_REQUIRE_CONCURRENT_INDEX_DELETION,
										"Use DROP INDEX CONCURRENTLY in a migration of its own.",
										"DROP INDEX takes an ACCESS EXCLUSIVE lock on \"%s\"; reads and writes are blocked until it commits.",
										r.name);
					}
					break;
				}
			case OBJECT_TYPE:
			case OBJECT_DOMAIN:
				if (stmt->behavior == DROP_CASCADE)
				{
					Type		t = LookupTypeName(NULL, lfirst_node(TypeName, lc), NULL, true);

					if (t != NULL)
					{
						Oid			typid = typeTypeId(t);
						bool		is_new = catalog_row_created_here((HeapTuple) t, TypeRelationId, typid);

						ReleaseSysCache(t);
						if (!is_new)
						{
							const char *typed = typed_table_of(st, typid);

							lint_drop_cascade_columns(st, TypeRelationId, typid,
													  stmt->removeType == OBJECT_TYPE ? "DROP TYPE" : "DROP DOMAIN");
							if (typed != NULL)
								add_finding(st, LINT_RULE_BAN_DROP_TABLE,
											"Drop the typed table in a migration of its own that says why, after the application stopped using it; then drop the type without CASCADE.",
											"DROP TYPE ... CASCADE drops the typed table \"%s\" (CREATE TABLE ... OF the type) with its data, under an ACCESS EXCLUSIVE lock.",
											typed);
						}
					}
				}
				break;
			case OBJECT_COLLATION:
				if (stmt->behavior == DROP_CASCADE)
				{
					Oid			coll = get_collation_oid(lfirst(lc), true);

					if (OidIsValid(coll))
						lint_drop_cascade_columns(st, CollationRelationId, coll, "DROP COLLATION");
				}
				break;
			case OBJECT_EXTENSION:
				if (stmt->behavior == DROP_CASCADE)
				{
					Oid			ext = get_extension_oid(strVal(lfirst(lc)), true);

					if (OidIsValid(ext))
						lint_drop_extension_cascade(st, ext);
				}
				break;
			case OBJECT_FUNCTION:
			case OBJECT_ROUTINE:
				if (stmt->behavior == DROP_CASCADE)
				{
					Oid			funcid = LookupFuncWithArgs(stmt->removeType,
															lfirst_node(ObjectWithArgs, lc), true);
					char	   *colname = NULL;
					const char *relname = OidIsValid(funcid) ? generated_column_using(st, funcid, &colname) : NULL;

					if (relname != NULL)
						add_finding(st, LINT_RULE_BAN_DROP_COLUMN,
									"Drop or change the generated columns that use the function first, each in a migration that says why; then drop it without CASCADE.",
									"DROP FUNCTION ... CASCADE drops the generated column \"%s\" of \"%s\" (and every other generated column that uses the function) with its data, under an ACCESS EXCLUSIVE lock on each table until the transaction ends.",
									colname, relname);
				}
				break;
			case OBJECT_TRIGGER:
			case OBJECT_RULE:
			case OBJECT_POLICY:
				{
					List	   *names = lfirst(lc);

					if (list_length(names) >= 2)
					{
						LintRel		r = lookup_names(st, list_truncate(list_copy(names), list_length(names) - 1));

						if (r.kind != LINT_REL_MISSING)
							note_lock(st, &r, AccessExclusiveLock);
					}
					break;
				}
			case OBJECT_SCHEMA:
				{
					const char *name = strVal(lfirst(lc));
					Oid			nsp;
					bool		new_schema = false;
					bool		skip = false;

					if (!st->live && name_in(st->created, LINT_NAME_SCHEMA, NULL, name, NULL))
						new_schema = true;
					nsp = get_namespace_oid(name, true);
					if (OidIsValid(nsp))
					{
						HeapTuple	tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nsp));

						if (HeapTupleIsValid(tup))
						{
							if (catalog_row_created_here(tup, NamespaceRelationId, nsp) ||
								isTempNamespace(nsp))
								new_schema = true;
							ReleaseSysCache(tup);
						}
					}
					else if (!new_schema && (st->live || stmt->missing_ok))
						skip = true;
					if (!new_schema && !skip)
						add_finding(st, LINT_RULE_BAN_DROP_SCHEMA,
									"Drop the objects one by one in migrations that say why, after the application stopped using them.",
									"DROP SCHEMA \"%s\"%s drops everything in it, with its data.",
									name, stmt->behavior == DROP_CASCADE ? " CASCADE" : "");
					break;
				}
			default:
				break;
		}
	}
	if (stmt->removeType == OBJECT_TABLE || stmt->removeType == OBJECT_INDEX ||
		stmt->removeType == OBJECT_TYPE)
		robust_stmts(st, stmt->missing_ok,
					 "Use DROP ... IF EXISTS so a re-run after a failure succeeds.",
					 "DROP without IF EXISTS outside a transaction cannot be re-run.");
}

/*
 * The role a DROP OWNED BY or REASSIGN OWNED BY names, by name; NULL for
 * PUBLIC (which owns nothing) and for a role that does not exist.
 */
const char *
lint_rolespec_name(RoleSpec *rs)
{
	Oid			roleid;

	if (rs->roletype == ROLESPEC_PUBLIC)
		return NULL;
	if (rs->roletype == ROLESPEC_CSTRING)
		return rs->rolename;
	roleid = get_rolespec_oid(rs, true);
	return OidIsValid(roleid) ? GetUserNameFromId(roleid, true) : NULL;
}

/* lint(): did ALTER TABLE ... OWNER TO earlier in the script hand the table to another role? */
static bool
owner_changed_in_script(LintState *st, Oid relid, const char *rolename)
{
	char	   *relname = get_rel_name(relid);

	return !st->live && relname != NULL &&
		name_in(st->created, LINT_NAME_OWNER_CHANGED, NULL, relname, NULL) &&
		!name_in(st->created, LINT_NAME_OWNER_CHANGED, NULL, relname, rolename);
}

/*
 * lint(): the pre-existing tables ALTER TABLE ... OWNER TO handed to the
 * role earlier in the script (and to no other role after), which DROP
 * OWNED BY drops as well; the catalog does not know them as its yet, and
 * the role may be one the script creates.
 */
static void
lint_drop_owned_handed_over(LintState *st, const char *rolename, const char *what)
{
	ListCell   *lc;

	if (st->live || findings_have_rule(st, LINT_RULE_BAN_DROP_TABLE))
		return;
	foreach(lc, st->created)
	{
		LintName   *n = lfirst(lc);
		ListCell   *later;
		bool		handed_on = false;
		LintRel		r;

		if (n->kind != LINT_NAME_OWNER_CHANGED || n->owner == NULL ||
			strcmp(n->owner, rolename) != 0)
			continue;
		for_each_from(later, st->created, foreach_current_index(lc) + 1)
		{
			LintName   *m = lfirst(later);

			if (m->kind == LINT_NAME_OWNER_CHANGED && strcmp(m->name, n->name) == 0 &&
				m->owner != NULL && strcmp(m->owner, rolename) != 0)
				handed_on = true;
		}
		r = lookup_rangevar(st, makeRangeVar(n->schema, n->name, -1));
		if (handed_on || !OidIsValid(r.relid) || !rel_preexisting(st, &r) ||
			(r.relkind != RELKIND_RELATION && r.relkind != RELKIND_PARTITIONED_TABLE &&
			 r.relkind != RELKIND_MATVIEW))
			continue;
		note_lock(st, &r, AccessExclusiveLock);
		add_finding(st, LINT_RULE_BAN_DROP_TABLE,
					psprintf("Hand its objects over first with REASSIGN OWNED BY %s TO <role>; DROP OWNED BY then only revokes its privileges. Drop the tables you mean to drop one by one, with -- schemamig:allow %s <reason>.",
							 quote_identifier(rolename), lint_rule_id(LINT_RULE_BAN_DROP_TABLE)),
					"%s drops table \"%s\" with its data, which ALTER TABLE ... OWNER TO handed to the role earlier in the script, under an ACCESS EXCLUSIVE lock; running code that uses it fails.",
					what, r.name);
		return;
	}
}

/*
 * DROP OWNED BY one role: everything it owns in this database goes (the
 * server's own list: pg_shdepend's owner entries, as shdepDropOwned reads
 * them), each relation under an ACCESS EXCLUSIVE lock.  Tables and
 * materialized views go with their data (ban-drop-table); with CASCADE,
 * the columns of other tables that use its types or collations
 * (ban-drop-column) and everything in its schemas (ban-drop-schema) go too.
 * Objects created in this transaction, and in lint() those created or
 * handed over (REASSIGN OWNED, ALTER TABLE ... OWNER TO) earlier in the
 * script, are not judged.
 */
static void
lint_drop_owned_role(LintState *st, RoleSpec *rs, bool cascade)
{
	const char *rolename = lint_rolespec_name(rs);
	Oid			roleid;
	Relation	sdep;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *owned = NIL;
	ListCell   *lc;
	char	   *what;

	if (rolename == NULL)
		return;
	if (!st->live && name_in(st->created, LINT_NAME_REASSIGNED_ROLE, NULL, rolename, NULL))
		return;
	what = psprintf("DROP OWNED BY \"%s\"", rolename);
	lint_drop_owned_handed_over(st, rolename, what);
	roleid = get_role_oid(rolename, true);
	if (!OidIsValid(roleid))
		return;

	sdep = table_open(SharedDependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_shdepend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(AuthIdRelationId));
	ScanKeyInit(&key[1], Anum_pg_shdepend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(roleid));
	scan = systable_beginscan(sdep, SharedDependReferenceIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_shdepend d = (Form_pg_shdepend) GETSTRUCT(tup);

		if (d->dbid == MyDatabaseId && d->deptype == SHARED_DEPENDENCY_OWNER)
			owned = lappend(owned, list_make2_oid(d->classid, d->objid));
	}
	systable_endscan(scan);
	table_close(sdep, AccessShareLock);

	foreach(lc, owned)
	{
		Oid			classid = linitial_oid(lfirst(lc));
		Oid			objid = lsecond_oid(lfirst(lc));

		if (classid == RelationRelationId)
		{
			char		kind = get_rel_relkind(objid);
			LintRel		r;

			if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE &&
				kind != RELKIND_MATVIEW)
				continue;
			r = lookup_oid(st, objid, NULL);
			if (!rel_preexisting(st, &r) || owner_changed_in_script(st, objid, rolename))
				continue;
			note_lock(st, &r, AccessExclusiveLock);
			if (!findings_have_rule(st, LINT_RULE_BAN_DROP_TABLE))
				add_finding(st, LINT_RULE_BAN_DROP_TABLE,
							psprintf("Hand its objects over first with REASSIGN OWNED BY %s TO <role>; DROP OWNED BY then only revokes its privileges. Drop the tables you mean to drop one by one, with -- schemamig:allow %s <reason>.",
									 quote_identifier(rolename), lint_rule_id(LINT_RULE_BAN_DROP_TABLE)),
							"%s drops table \"%s\" with its data (and every other table it owns in this database), under an ACCESS EXCLUSIVE lock; running code that uses them fails.",
							what, r.name);
		}
		else if (cascade && (classid == TypeRelationId || classid == CollationRelationId))
		{
			HeapTuple	obj = SearchSysCache1(classid == TypeRelationId ? TYPEOID : COLLOID,
											  ObjectIdGetDatum(objid));
			bool		is_new;

			if (!HeapTupleIsValid(obj))
				continue;
			is_new = catalog_row_created_here(obj, classid, objid);
			ReleaseSysCache(obj);
			if (!is_new && !findings_have_rule(st, LINT_RULE_BAN_DROP_COLUMN))
				lint_drop_cascade_columns(st, classid, objid, what);
		}
		else if (cascade && classid == NamespaceRelationId)
		{
			HeapTuple	obj = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(objid));
			bool		is_new;

			if (!HeapTupleIsValid(obj))
				continue;
			is_new = catalog_row_created_here(obj, NamespaceRelationId, objid);
			ReleaseSysCache(obj);
			if (!is_new && !findings_have_rule(st, LINT_RULE_BAN_DROP_SCHEMA) &&
				schema_holds_relations(objid))
				add_finding(st, LINT_RULE_BAN_DROP_SCHEMA,
							"Hand the schema over first with REASSIGN OWNED, or drop its objects one by one in migrations that say why.",
							"%s CASCADE drops schema \"%s\", which it owns, with everything in it and its data, whoever owns the tables.",
							what, get_namespace_name(objid));
		}
	}
}

void
lint_drop_owned_stmt(LintState *st, DropOwnedStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->roles)
		lint_drop_owned_role(st, lfirst_node(RoleSpec, lc), stmt->behavior == DROP_CASCADE);
}

void
lint_dropdb_stmt(LintState *st, DropdbStmt *stmt)
{
	add_finding(st, LINT_RULE_BAN_DROP_DATABASE,
				"Drop databases by hand, never from a migration or an application.",
				"DROP DATABASE \"%s\" deletes the whole database.",
				stmt->dbname);
}


void
lint_truncate_stmt(LintState *st, TruncateStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->relations)
	{
		LintRel		r = lookup_rangevar(st, lfirst_node(RangeVar, lc));

		if (r.kind == LINT_REL_MISSING && st->live)
			continue;
		note_lock(st, &r, AccessExclusiveLock);
		if (rel_preexisting(st, &r))
			add_finding(st, LINT_RULE_BAN_TRUNCATE,
						psprintf("Delete in batches with a WHERE clause, or allow it with -- schemamig:allow %s <reason>.", lint_rule_id(LINT_RULE_BAN_TRUNCATE)),
						"TRUNCATE \"%s\" removes every row and takes an ACCESS EXCLUSIVE lock; reads and writes are blocked.",
						r.name);
	}
	if (stmt->behavior == DROP_CASCADE)
		add_finding(st, LINT_RULE_BAN_TRUNCATE_CASCADE,
					"Name every table to truncate and drop CASCADE.",
					"TRUNCATE ... CASCADE also empties every table that references the named ones, without naming them.");
}

/* a table, view or sequence (d) others may name */
static bool
relation_others_name(LintState *st, Form_pg_depend d, void *arg)
{
	char		kind;

	if (d->classid != RelationRelationId || d->objsubid != 0)
		return false;
	kind = get_rel_relkind(d->objid);
	return kind == RELKIND_RELATION || kind == RELKIND_PARTITIONED_TABLE ||
		kind == RELKIND_FOREIGN_TABLE || kind == RELKIND_VIEW ||
		kind == RELKIND_MATVIEW || kind == RELKIND_SEQUENCE;
}

/*
 * Does the schema hold a table, view or sequence others may name?  Each
 * relation depends on its schema: stops at the first one, no scan of
 * pg_class.
 */
static bool
schema_holds_relations(Oid nsp)
{
	return scan_dependents(NULL, NamespaceRelationId, nsp, relation_others_name, NULL);
}

/* ALTER SCHEMA s RENAME TO: every relation in s gets a new qualified name */
static void
lint_rename_schema(LintState *st, RenameStmt *stmt)
{
	Oid			nsp;
	HeapTuple	tup;
	bool		is_new = false;

	if (!st->live && name_in(st->created, LINT_NAME_SCHEMA, NULL, stmt->subname, NULL))
		return;
	nsp = get_namespace_oid(stmt->subname, true);
	if (!OidIsValid(nsp))
		return;
	tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nsp));
	if (HeapTupleIsValid(tup))
	{
		is_new = catalog_row_created_here(tup, NamespaceRelationId, nsp);
		ReleaseSysCache(tup);
	}
	if (!is_new && schema_holds_relations(nsp))
		add_finding(st, LINT_RULE_RENAMING_TABLE,
					"Create the new schema and move or wrap the tables one by one (views under the old names), or keep the old name.",
					"ALTER SCHEMA \"%s\" RENAME TO locks no table and is instant, but renames every table in it for running code: queries that name the old schema fail from the commit on.",
					stmt->subname);
}

/*
 * Is the relation one whose name and columns running code reads: a table
 * (also partitioned or foreign), a view or a materialized view, named by
 * ALTER TABLE, VIEW, MATERIALIZED VIEW or FOREIGN TABLE?  (relkind 0: not
 * in the catalog.)  ALTER TABLE naming an index or a sequence is not.
 */
static bool
read_by_name(ObjectType type, char relkind)
{
	if (type != OBJECT_TABLE && type != OBJECT_FOREIGN_TABLE && type != OBJECT_VIEW &&
		type != OBJECT_MATVIEW)
		return false;
	return relkind == 0 || relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE ||
		relkind == RELKIND_FOREIGN_TABLE || relkind == RELKIND_VIEW || relkind == RELKIND_MATVIEW;
}

void
lint_rename_stmt(LintState *st, RenameStmt *stmt)
{
	LintRel		r;

	if (stmt->renameType == OBJECT_SCHEMA)
	{
		lint_rename_schema(st, stmt);
		return;
	}
	if (stmt->relation == NULL)
		return;
	r = lookup_rangevar(st, stmt->relation);
	if (r.kind == LINT_REL_MISSING && (st->live || stmt->missing_ok))
		return;
	note_lock(st, &r, stmt->renameType == OBJECT_INDEX ? ShareUpdateExclusiveLock : AccessExclusiveLock);
	if (!rel_preexisting(st, &r))
		return;
	if (stmt->renameType == OBJECT_COLUMN && read_by_name(stmt->relationType, r.relkind) &&
		!column_is_new(st, &r, stmt->subname))
		add_finding(st, LINT_RULE_RENAMING_COLUMN,
					"Add the new column, write both, backfill, move readers, then drop the old one; or rename behind a view.",
					"RENAME COLUMN \"%s\" on \"%s\" breaks running code that uses the old name.",
					stmt->subname, r.name);
	else if (read_by_name(stmt->renameType, r.relkind))
		add_finding(st, LINT_RULE_RENAMING_TABLE,
					"Create the new name as a view over the table (or the other way round) until every client uses the new name.",
					"RENAME TO on \"%s\" breaks running code that uses the old name.",
					r.name);
}

void
lint_object_schema_stmt(LintState *st, AlterObjectSchemaStmt *stmt)
{
	LintRel		r;

	if (stmt->relation == NULL)
		return;
	r = lookup_rangevar(st, stmt->relation);
	if (r.kind == LINT_REL_MISSING && (st->live || stmt->missing_ok))
		return;
	note_lock(st, &r, AccessExclusiveLock);
	if (read_by_name(stmt->objectType, r.relkind) && rel_preexisting(st, &r))
		add_finding(st, LINT_RULE_RENAMING_TABLE,
					"Keep a view under the old name until every client uses the new schema.",
					"SET SCHEMA on \"%s\" breaks running code that uses the old qualified name.",
					r.name);
}

/* was a type created in this transaction or earlier in the script? */

void
lint_alter_enum(LintState *st, AlterEnumStmt *stmt)
{
	if (stmt->oldVal != NULL)
	{
		if (!type_is_new(st, stmt->typeName))
			add_finding(st, LINT_RULE_RENAMING_ENUM_VALUE,
						"Add the new value, move the data and the code to it, and keep the old value.",
						"RENAME VALUE '%s' breaks running code and stored queries that use the old label.",
						stmt->oldVal);
	}
	else if (stmt->newVal != NULL && stmt->newValNeighbor == NULL)
		add_finding(st, LINT_RULE_REQUIRE_ENUM_VALUE_ORDERING,
					"Say where the value goes with BEFORE or AFTER.",
					"ADD VALUE '%s' without BEFORE or AFTER appends it, which may not be the order you want for comparisons.",
					stmt->newVal);
}

/* does this DROP EXTENSION name schemamig? */
static bool
drops_schemamig(Node *stmt)
{
	DropStmt   *drop;

	if (!IsA(stmt, DropStmt))
		return false;
	drop = (DropStmt *) stmt;
	if (drop->removeType != OBJECT_EXTENSION)
		return false;
	return list_member(drop->objects, makeString(pstrdup("schemamig")));
}

/*
 * The linter's guard of the history itself (drop-extension-with-history):
 * DROP EXTENSION drops the extension's catalogs with it, so every
 * migration, the event log and the queue would be gone, silently.  Judged
 * by the hook only (lint_hook.c calls it for every utility statement): it
 * is about the live catalogs, not about a script.  The caller has checked
 * the extension is installed.
 */
void
lint_drop_extension(LintState *state, Node *stmt)
{
	CatalogAccess access;
	int64		migrations;
	int64		applied;
	int64		events;
	int64		jobs;
	bool		isnull;

	if (!drops_schemamig(stmt))
		return;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	catalog_enter(&access);
	if (SPI_execute("SELECT (SELECT count(*) FROM schemamig.migrations), "
					"       (SELECT count(*) FROM schemamig.applied), "
					"       (SELECT count(*) FROM schemamig.events), "
					"       (SELECT count(*) FROM schemamig.jobs)", true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not count the schemamig history");
	catalog_leave(&access);
	migrations = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	applied = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	events = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
	jobs = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull));
	SPI_finish();
	if (migrations + applied + events + jobs == 0)
		return;

	add_finding(state, LINT_RULE_DROP_EXTENSION_WITH_HISTORY,
				"Dump the history first (pg_dump of the database carries the schemamig catalogs, "
				"or pg_dump --data-only --table='schemamig.*').",
				"DROP EXTENSION schemamig deletes the migration history with it: "
				INT64_FORMAT " registered and " INT64_FORMAT " applied migrations, "
				INT64_FORMAT " events and " INT64_FORMAT " jobs.",
				migrations, applied, events, jobs);
}
