/*-------------------------------------------------------------------------
 *
 * rules_alter_table.c
 *		The rules of ALTER TABLE: added columns and constraints, type
 *		changes, NOT NULL, drops of columns and constraints (CASCADE), rewrites,
 *		partitions.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/attmap.h"
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_index.h"
#include "catalog/pg_policy.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "commands/tablespace.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_node.h"
#include "parser/parse_utilcmd.h"
#include "partitioning/partbounds.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "compat.h"
#include "lint/lint_internal.h"

static bool attach_bound_implied(LintRel *parent_r, LintRel *part_r, PartitionBoundSpec *spec);
static void lint_attach_builds(LintState *st, LintRel *parent_r, LintRel *part_r);
static Oid	tablespace_as_stored(const char *name);

static const char *HINT_NOT_VALID =
"Add the constraint with NOT VALID, then run ALTER TABLE ... VALIDATE CONSTRAINT in a later transaction: validation takes only a SHARE UPDATE EXCLUSIVE lock.";
static const char *HINT_REQUIRED_FIELD =
"Add the column nullable (or with a non-volatile DEFAULT), backfill it in batches, add CHECK (col IS NOT NULL) NOT VALID, validate it, then SET NOT NULL.";
#if PG_VERSION_NUM >= 180000
/* 18: NOT NULL constraints can be added NOT VALID and validated later */
static const char *HINT_SET_NOT_NULL =
"Add the constraint NOT VALID (ALTER TABLE t ADD CONSTRAINT t_col_not_null NOT NULL col NOT VALID), then VALIDATE CONSTRAINT in a later transaction: validation takes only a SHARE UPDATE EXCLUSIVE lock, and once validated the column is NOT NULL (a later SET NOT NULL skips the scan).";
#else
static const char *HINT_SET_NOT_NULL =
"Add CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT in a later transaction, then SET NOT NULL (it uses the validated constraint and skips the scan) and drop the CHECK.";
#endif

/*
 * A CHECK or FOREIGN KEY validated while the statement's locks are held:
 * every way of breaking LINT_RULE_CONSTRAINT_MISSING_NOT_VALID comes here.
 */
static void
constraint_missing_not_valid(LintState *st, const char *hint, const char *message)
{
	add_finding(st, LINT_RULE_CONSTRAINT_MISSING_NOT_VALID, hint, "%s", message);
}

/*
 * Does PostgreSQL validate the inline REFERENCES of the columns this ALTER
 * TABLE adds?  transformAlterTableStmt skips the validation (the new
 * columns are NULL in every row) unless an added column has a default
 * (serial and GENERATED columns have one) or the statement also adds a
 * table FOREIGN KEY constraint.
 */
static bool
alter_validates_inline_references(AlterTableStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		if (alter_table_cmd_subtype(cmd) == AT_AddColumn &&
			IsA(cmd->def, ColumnDef))
		{
			ColumnDef  *col = (ColumnDef *) cmd->def;
			ListCell   *cc;

			if (col->raw_default != NULL || type_is_serial(col->typeName))
				return true;
			foreach(cc, col->constraints)
			{
				ConstrType	t = lfirst_node(Constraint, cc)->contype;

				if (t == CONSTR_DEFAULT || t == CONSTR_GENERATED)
					return true;
			}
		}
		else if (alter_table_cmd_subtype(cmd) == AT_AddConstraint &&
				 IsA(cmd->def, Constraint) &&
				 ((Constraint *) cmd->def)->contype == CONSTR_FOREIGN)
			return true;
	}
	return false;
}

static void
lint_column_def_added(LintState *st, LintRel *r, ColumnDef *col,
					  bool validates_references)
{
	ListCell   *lc;
	bool		has_default = false;
	bool		volatile_default = false;
	bool		not_null = false;
	bool		generated_stored = false;
	bool		identity = col->identity != 0;
	bool		primary = false;
	bool		existing = rel_preexisting(st, r);

	foreach(lc, col->constraints)
	{
		Constraint *c = lfirst_node(Constraint, lc);

		switch (c->contype)
		{
			case CONSTR_DEFAULT:
				has_default = true;
				if (raw_expr_volatile(st, c->raw_expr))
					volatile_default = true;
				break;
			case CONSTR_NOTNULL:
				not_null = true;
				break;
			case CONSTR_GENERATED:
				generated_stored = generated_constraint_is_stored(c);
				break;
			case CONSTR_IDENTITY:
				identity = true;
				break;
			case CONSTR_CHECK:
				if (existing && !c->skip_validation)
					constraint_missing_not_valid(st, HINT_NOT_VALID,
								psprintf("ADD COLUMN \"%s\" with a CHECK constraint scans \"%s\" under an ACCESS EXCLUSIVE lock to validate it; reads and writes are blocked.",
								col->colname, r->name));
				break;
			case CONSTR_FOREIGN:
				if (existing && !c->skip_validation && validates_references)
				{
					add_finding(st, LINT_RULE_ADDING_FOREIGN_KEY_CONSTRAINT,
								"Add the column first, then ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID and VALIDATE CONSTRAINT in a later transaction.",
								"ADD COLUMN \"%s\" with REFERENCES validates the key while holding a SHARE ROW EXCLUSIVE lock on \"%s\" and on the referenced table; writes to both are blocked.",
								col->colname, r->name);
					constraint_missing_not_valid(st, HINT_NOT_VALID,
								psprintf("ADD COLUMN \"%s\" with REFERENCES validates the foreign key against every row of \"%s\" while locks are held.",
								col->colname, r->name));
				}
				break;
			case CONSTR_UNIQUE:
				if (existing)
					add_finding(st, LINT_RULE_DISALLOWED_UNIQUE_CONSTRAINT,
								"Add the column, CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... UNIQUE USING INDEX.",
								"ADD COLUMN \"%s\" UNIQUE builds its index on \"%s\" under an ACCESS EXCLUSIVE lock; reads and writes are blocked for the whole build.",
								col->colname, r->name);
				break;
			case CONSTR_PRIMARY:
				primary = true;
				if (existing)
					add_finding(st, LINT_RULE_ADDING_SERIAL_PRIMARY_KEY_FIELD,
								"Add the column, CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... PRIMARY KEY USING INDEX.",
								"ADD COLUMN \"%s\" PRIMARY KEY builds its index on \"%s\" under an ACCESS EXCLUSIVE lock; reads and writes are blocked for the whole build.",
								col->colname, r->name);
				break;
			case CONSTR_EXCLUSION:
				if (existing)
					add_finding(st, LINT_RULE_ADDING_EXCLUSION_CONSTRAINT,
								"Create a new table with the constraint and move the data, or accept the outage in a maintenance window.",
								"An exclusion constraint builds its index on \"%s\" under an ACCESS EXCLUSIVE lock; reads and writes are blocked for the whole build.",
								r->name);
				break;
			default:
				break;
		}
	}

	if (existing)
	{
		if (volatile_default || type_is_serial(col->typeName) || generated_stored || identity ||
			type_is_constrained_domain(st, col->typeName))
			add_finding(st, LINT_RULE_ADDING_FIELD_WITH_DEFAULT,
						"Add the column without a default (or with a constant one), set the volatile default with ALTER COLUMN ... SET DEFAULT, and backfill existing rows in batches.",
						"ADD COLUMN \"%s\" %s rewrites \"%s\" under an ACCESS EXCLUSIVE lock; reads and writes are blocked for the whole rewrite.",
						col->colname,
						generated_stored ? "GENERATED ... STORED" :
						identity ? "with an identity" :
						type_is_serial(col->typeName) ? "of a serial type" :
						volatile_default ? "with a volatile default" : "of a domain type with constraints",
						r->name);
		if ((not_null || primary) && !has_default && !identity && !generated_stored &&
			!type_is_serial(col->typeName))
			add_finding(st, LINT_RULE_ADDING_REQUIRED_FIELD, HINT_REQUIRED_FIELD,
						"ADD COLUMN \"%s\" NOT NULL without a default fails if \"%s\" has rows, and INSERTs of the running application that omit the column break.",
						col->colname, r->name);
		if (volatile_default || type_is_serial(col->typeName) || generated_stored || identity)
			st->slow = true;
	}
	lint_column_type_advice(st, col->typeName, col->colname);
}

static void
lint_add_constraint(LintState *st, LintRel *r, Constraint *c)
{
	bool		existing = rel_preexisting(st, r);

	switch (c->contype)
	{
		case CONSTR_CHECK:
			if (existing && !c->skip_validation)
			{
				constraint_missing_not_valid(st, HINT_NOT_VALID,
							psprintf("ADD CONSTRAINT ... CHECK scans \"%s\" under an ACCESS EXCLUSIVE lock to validate it; reads and writes are blocked for the whole scan.",
							r->name));
				st->slow = true;
			}
			break;
		case CONSTR_FOREIGN:
			if (existing && !c->skip_validation)
			{
				constraint_missing_not_valid(st, HINT_NOT_VALID,
							psprintf("ADD CONSTRAINT ... FOREIGN KEY validates every row of \"%s\" while the locks are held.",
							r->name));
				add_finding(st, LINT_RULE_ADDING_FOREIGN_KEY_CONSTRAINT,
							"Use ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then VALIDATE CONSTRAINT in a later transaction (SHARE UPDATE EXCLUSIVE on the table, ROW SHARE on the referenced one).",
							"ADD FOREIGN KEY takes a SHARE ROW EXCLUSIVE lock on \"%s\" and on \"%s\" while it scans \"%s\"; writes to both tables are blocked.",
							r->name, c->pktable ? c->pktable->relname : "?", r->name);
				st->slow = true;
			}
			break;
		case CONSTR_UNIQUE:
			if (existing && c->indexname == NULL)
			{
				add_finding(st, LINT_RULE_DISALLOWED_UNIQUE_CONSTRAINT,
							"CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... UNIQUE USING INDEX.",
							"ADD CONSTRAINT ... UNIQUE builds its index on \"%s\" under an ACCESS EXCLUSIVE lock; reads and writes are blocked for the whole build.",
							r->name);
				st->slow = true;
			}
			break;
		case CONSTR_PRIMARY:
			if (existing && c->indexname == NULL)
			{
				add_finding(st, LINT_RULE_ADDING_SERIAL_PRIMARY_KEY_FIELD,
							"CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... PRIMARY KEY USING INDEX (on NOT NULL columns).",
							"ADD PRIMARY KEY builds its index on \"%s\" under an ACCESS EXCLUSIVE lock; reads and writes are blocked for the whole build.",
							r->name);
				st->slow = true;
			}
			else if (existing && c->indexname != NULL)
			{
				/* the index's columns become NOT NULL: scanned unless proven */
				List	   *columns = NIL;
				ListCell   *lc;
				Oid			indexoid = InvalidOid;

				if (!st->live)
				{
					foreach(lc, st->indexes)
					{
						LintIndex  *ix = lfirst(lc);

						if (strcmp(ix->name, c->indexname) == 0)
							columns = ix->columns;
					}
				}
				if (columns == NIL && OidIsValid(r->relid))
					indexoid = get_relname_relid(c->indexname, get_rel_namespace(r->relid));
				if (OidIsValid(indexoid))
				{
					HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));

					if (HeapTupleIsValid(tup))
					{
						Form_pg_index ix = (Form_pg_index) GETSTRUCT(tup);
						int			i;

						for (i = 0; i < ix->indnkeyatts; i++)
							if (ix->indkey.values[i] > 0)
								columns = lappend(columns,
												  get_attname(r->relid, ix->indkey.values[i], false));
						ReleaseSysCache(tup);
					}
				}
				foreach(lc, columns)
				{
					char	   *col = lfirst(lc);
					AttrNumber	attnum = column_attnum(r, col);

					if (col == NULL)
						continue;
					if (attnum > 0 && column_not_null(r, attnum))
						continue;
					if (not_null_implied(st, r, col))
						continue;
					add_finding(st, LINT_RULE_ADDING_NOT_NULLABLE_FIELD, HINT_SET_NOT_NULL,
								"PRIMARY KEY USING INDEX makes \"%s\".\"%s\" NOT NULL, which scans the table under an ACCESS EXCLUSIVE lock; reads and writes are blocked for the whole scan.",
								r->name, col);
					st->slow = true;
					break;
				}
			}
			break;
		case CONSTR_NOTNULL:
			/* ADD CONSTRAINT name NOT NULL col (18): SET NOT NULL by another name */
			if (existing && !c->skip_validation && list_length(c->keys) == 1)
			{
				char	   *col = strVal(linitial(c->keys));
				AttrNumber	attnum = column_attnum(r, col);

				if ((attnum > 0 && column_not_null(r, attnum)) || column_is_new(st, r, col) ||
					not_null_implied(st, r, col))
					break;
				add_finding(st, LINT_RULE_ADDING_NOT_NULLABLE_FIELD, HINT_SET_NOT_NULL,
							"ADD CONSTRAINT ... NOT NULL on \"%s\".\"%s\" scans the whole table under an ACCESS EXCLUSIVE lock; reads and writes are blocked for the whole scan.",
							r->name, col);
				st->slow = true;
			}
			break;
		case CONSTR_EXCLUSION:
			if (existing)
			{
				add_finding(st, LINT_RULE_ADDING_EXCLUSION_CONSTRAINT,
							"There is no NOT VALID or USING INDEX form: create the constraint on a new table and move the data, or schedule the outage.",
							"ADD CONSTRAINT ... EXCLUDE builds its index on \"%s\" under an ACCESS EXCLUSIVE lock; reads and writes are blocked for the whole build.",
							r->name);
				st->slow = true;
			}
			break;
		default:
			break;
	}
}

/*
 * Does SET LOGGED, SET UNLOGGED, SET TABLESPACE or SET ACCESS METHOD
 * rewrite the relation?  Not when it already is what it is asked to
 * become: the server skips the rewrite (ATPrepChangePersistence,
 * ATExecSetTableSpace, ATPrepSetAccessMethod); and a partitioned table or
 * index has no storage: only its catalog row changes.
 */
static bool
storage_change_rewrites(LintRel *r, AlterTableCmd *cmd)
{
	HeapTuple	tup;
	Form_pg_class cls;
	bool		rewrites = true;

	if (!OidIsValid(r->relid))
		return true;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(r->relid));
	if (!HeapTupleIsValid(tup))
		return true;
	cls = (Form_pg_class) GETSTRUCT(tup);
	if (cls->relkind == RELKIND_PARTITIONED_TABLE || cls->relkind == RELKIND_PARTITIONED_INDEX)
		rewrites = false;
	else if (cmd->subtype == AT_SetLogged)
		rewrites = cls->relpersistence != RELPERSISTENCE_PERMANENT;
	else if (cmd->subtype == AT_SetUnLogged)
		rewrites = cls->relpersistence != RELPERSISTENCE_UNLOGGED;
	else if (cmd->subtype == AT_SetTableSpace)
	{
		if (OidIsValid(get_tablespace_oid(cmd->name, true)))
			rewrites = tablespace_as_stored(cmd->name) != cls->reltablespace;
	}
	else if (cmd->subtype == AT_SetAccessMethod)
	{
		Oid			am = get_table_am_oid(cmd->name ? cmd->name : default_table_access_method, true);

		if (OidIsValid(am))
			rewrites = am != cls->relam;
	}
	ReleaseSysCache(tup);
	return rewrites;
}

/*
 * The first foreign key, not created in this transaction, of a
 * pre-existing table that DROP CONSTRAINT ... CASCADE of conoid drops with
 * it.  A foreign key depends on the referenced unique index, which the
 * constraint owns, or on the constraint itself (pg_depend's reference
 * index, as the server finds what CASCADE takes).  In lint(), one that
 * the script dropped by name earlier is gone.  Returns the foreign
 * key's name and sets *fk_table, or NULL.
 */
static const char *
cascade_dropped_foreign_key(LintState *st, Oid conoid, LintRel *fk_table)
{
	HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
	Oid			refs[2][2];
	int			nrefs = 0;
	int			i;
	const char *result = NULL;
	Relation	dep;

	if (!HeapTupleIsValid(tup))
		return NULL;
	refs[nrefs][0] = ConstraintRelationId;
	refs[nrefs++][1] = conoid;
	if (OidIsValid(((Form_pg_constraint) GETSTRUCT(tup))->conindid))
	{
		refs[nrefs][0] = RelationRelationId;
		refs[nrefs++][1] = ((Form_pg_constraint) GETSTRUCT(tup))->conindid;
	}
	ReleaseSysCache(tup);

	dep = table_open(DependRelationId, AccessShareLock);
	for (i = 0; i < nrefs && result == NULL; i++)
	{
		ScanKeyData key[2];
		SysScanDesc scan;
		HeapTuple	dtup;

		ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
					ObjectIdGetDatum(refs[i][0]));
		ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
					ObjectIdGetDatum(refs[i][1]));
		scan = systable_beginscan(dep, DependReferenceIndexId, true, NULL, 2, key);
		while (result == NULL && HeapTupleIsValid(dtup = systable_getnext(scan)))
		{
			Form_pg_depend d = (Form_pg_depend) GETSTRUCT(dtup);
			HeapTuple	fk;

			if (d->classid != ConstraintRelationId || d->objid == conoid)
				continue;
			fk = SearchSysCache1(CONSTROID, ObjectIdGetDatum(d->objid));
			if (!HeapTupleIsValid(fk))
				continue;
			if (((Form_pg_constraint) GETSTRUCT(fk))->contype == CONSTRAINT_FOREIGN &&
				!catalog_row_created_here(fk, ConstraintRelationId, d->objid))
			{
				LintRel		r = lookup_oid(st, ((Form_pg_constraint) GETSTRUCT(fk))->conrelid, NULL);

				/* lint(): dropped by name earlier in the script */
				if (rel_preexisting(st, &r) &&
					!(!st->live && name_in(st->created, LINT_NAME_DROPPED_CONSTRAINT, NULL,
										   NameStr(((Form_pg_constraint) GETSTRUCT(fk))->conname),
										   get_rel_name(r.relid))))
				{
					*fk_table = r;
					result = pstrdup(NameStr(((Form_pg_constraint) GETSTRUCT(fk))->conname));
				}
			}
			ReleaseSysCache(fk);
		}
		systable_endscan(scan);
	}
	table_close(dep, AccessShareLock);
	return result;
}

/*
 * ALTER TABLE ... DROP CONSTRAINT ... CASCADE on a pre-existing table:
 * the foreign keys that reference the constraint's key go with it, each
 * under an ACCESS EXCLUSIVE lock on its own table.
 */
static void
lint_drop_constraint_cascade(LintState *st, LintRel *r, const char *conname)
{
	Oid			conoid;
	const char *fk;
	LintRel		fk_table;

	if (!OidIsValid(r->relid))
		return;
	conoid = get_relation_constraint_oid(r->relid, conname, true);
	if (!OidIsValid(conoid))
		return;
	fk = cascade_dropped_foreign_key(st, conoid, &fk_table);
	if (fk == NULL)
		return;
	note_lock(st, &fk_table, AccessExclusiveLock);
	add_finding(st, LINT_RULE_BAN_DROP_CONSTRAINT_CASCADE,
				"Drop the foreign keys that reference it by name first, each in a migration that says why; then drop the constraint without CASCADE.",
				"DROP CONSTRAINT \"%s\" ... CASCADE on \"%s\" also drops foreign key \"%s\" of \"%s\" (and every other that references it), under an ACCESS EXCLUSIVE lock on \"%s\" until the transaction ends; its rows are no longer checked.",
				conname, r->name, fk, fk_table.name, fk_table.name);
}


#if PG_VERSION_NUM >= 180000
/*
 * ALTER CONSTRAINT ... ENFORCED (new in 18) of a foreign key that is not
 * enforced: the server validates every row, scanning the table under the
 * ACCESS EXCLUSIVE lock the command takes (and the referenced table under
 * SHARE ROW EXCLUSIVE), and, unlike ADD CONSTRAINT, offers no NOT VALID
 * form ("constraints cannot be altered to be NOT VALID"; measured with
 * trace() on 18).  A constraint the catalog already shows enforced is left
 * as it is; one the catalog does not know yet (added NOT ENFORCED earlier in
 * the script) is judged by the worst case.
 */
static void
lint_alter_constraint_enforced(LintState *st, LintRel *r, ATAlterConstraint *ac)
{
	Oid			conoid;

	if (!ac->alterEnforceability || !ac->is_enforced)
		return;
	conoid = get_relation_constraint_oid(r->relid, ac->conname, true);
	if (OidIsValid(conoid))
	{
		HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
		bool		enforced;
		char		contype;

		if (!HeapTupleIsValid(tup))
			return;
		enforced = ((Form_pg_constraint) GETSTRUCT(tup))->conenforced;
		contype = ((Form_pg_constraint) GETSTRUCT(tup))->contype;
		ReleaseSysCache(tup);
		if (enforced || contype != CONSTRAINT_FOREIGN)
			return;
	}
	st->slow = true;
	constraint_missing_not_valid(st,
								 "Drop the NOT ENFORCED foreign key and add it again NOT VALID (SHARE ROW EXCLUSIVE, no scan), then VALIDATE CONSTRAINT in a later transaction (SHARE UPDATE EXCLUSIVE).",
								 psprintf("ALTER CONSTRAINT \"%s\" ENFORCED validates every row of \"%s\" while it holds an ACCESS EXCLUSIVE lock on it: reads and writes wait for the whole scan (a constraint cannot be altered to NOT VALID).",
										  ac->conname, r->name));
}
#endif

/* does pg_policy hold a policy for the relation (created earlier, or in this transaction)? */
static bool
relation_has_policy(Oid relid)
{
	Relation	catalog;
	SysScanDesc scan;
	ScanKeyData key;
	bool		found;

	catalog = table_open(PolicyRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_policy_polrelid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(catalog, PolicyPolrelidPolnameIndexId, true, NULL, 1, &key);
	found = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(catalog, AccessShareLock);
	return found;
}

/*
 * row-security-without-policy: ENABLE ROW LEVEL SECURITY on a pre-existing
 * table that has no policy, or FORCE on one whose row security is on and
 * has none.  From the commit on, a role the table's policies must let in
 * (every role but the owner, superusers and BYPASSRLS roles; with FORCE,
 * the owner too) reads no rows and its UPDATE and DELETE touch none: the
 * server's default is deny.  A policy counts when it is in the catalog
 * (created earlier, or earlier in the transaction) or, in lint(), when a
 * CREATE POLICY of the script names the table.  The hook, where more
 * statements may follow in the same transaction, asks again when the
 * migration ends or the transaction commits (lint_row_security_lacks_policy),
 * so a policy created later in the same migration counts there too.
 * Turning on what is already on changes nothing.
 */
static void
lint_row_security(LintState *st, LintRel *r, bool force)
{
	HeapTuple	tup;
	bool		enabled = false;
	bool		forced = false;

	if (!rel_preexisting(st, r) ||
		(r->relkind != 0 && r->relkind != RELKIND_RELATION && r->relkind != RELKIND_PARTITIONED_TABLE))
		return;
	if (OidIsValid(r->relid))
	{
		tup = SearchSysCache1(RELOID, ObjectIdGetDatum(r->relid));
		if (HeapTupleIsValid(tup))
		{
			enabled = ((Form_pg_class) GETSTRUCT(tup))->relrowsecurity;
			forced = ((Form_pg_class) GETSTRUCT(tup))->relforcerowsecurity;
			ReleaseSysCache(tup);
		}
		if (relation_has_policy(r->relid))
			return;
	}
	if (force ? (!enabled || forced) : enabled)
		return;
	if (!st->live && name_in(st->policies, LINT_NAME_RELATION, NULL, r->name, NULL))
		return;
	add_finding(st, LINT_RULE_ROW_SECURITY_WITHOUT_POLICY,
				"Create the table's policies (CREATE POLICY ... ON the table) in the same migration that turns row level security on, before or after it.",
				force
				? "FORCE ROW LEVEL SECURITY makes the policies of \"%s\" apply to its owner, and it has none: once this commits, the owner's queries return no rows and its updates and deletes change none."
				: "ENABLE ROW LEVEL SECURITY on \"%s\", which has no policy: once this commits, every role that does not own the table (and is neither superuser nor BYPASSRLS) reads no rows, and its updates and deletes change none.",
				r->name);
}

/*
 * Row security is on for the table and it still has no policy: the hook's
 * second look at a row-security-without-policy finding, when the migration
 * or transaction that turned it on ends.  False when the table is gone.
 */
bool
lint_row_security_lacks_policy(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	bool		enabled;

	if (!HeapTupleIsValid(tup))
		return false;
	enabled = ((Form_pg_class) GETSTRUCT(tup))->relrowsecurity;
	ReleaseSysCache(tup);
	return enabled && !relation_has_policy(relid);
}

/* is this finding one of row-security-without-policy?  (the hook defers them) */
bool
lint_finding_is_row_security(LintFinding *f)
{
	return strcmp(f->rule, lint_rule_id(LINT_RULE_ROW_SECURITY_WITHOUT_POLICY)) == 0;
}

void
lint_alter_table(LintState *st, AlterTableStmt *stmt)
{
	LintRel		r = lookup_rangevar(st, stmt->relation);
	bool		existing = rel_preexisting(st, &r);
	LOCKMODE	mode = AlterTableGetLockLevel(stmt->cmds);
	ListCell   *lc;

	/* ALTER TABLE IF EXISTS of a table that is not there does nothing */
	if (r.kind == LINT_REL_MISSING && (st->live || stmt->missing_ok))
		return;
	note_lock(st, &r, mode);

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		switch (alter_table_cmd_subtype(cmd))
		{
			case AT_AddColumn:
				/* ADD COLUMN IF NOT EXISTS of a column that is there does nothing */
				if (!(cmd->missing_ok && OidIsValid(r.relid) &&
					  column_attnum(&r, castNode(ColumnDef, cmd->def)->colname) > 0))
					lint_column_def_added(st, &r, castNode(ColumnDef, cmd->def),
										  alter_validates_inline_references(stmt));
				robust_stmts(st, cmd->missing_ok, "Use ADD COLUMN IF NOT EXISTS so a re-run after a failure succeeds.",
								 "ADD COLUMN without IF NOT EXISTS outside a transaction cannot be re-run.");
				break;
			case AT_AddConstraint:
				lint_add_constraint(st, &r, castNode(Constraint, cmd->def));
				break;
			case AT_ValidateConstraint:
				st->slow = true;
				if (existing && constraint_added_in_transaction(st, &r, cmd->name))
					constraint_missing_not_valid(st,
								"Commit after adding the constraint NOT VALID and run VALIDATE CONSTRAINT in a later transaction (a later migration).",
								psprintf("VALIDATE CONSTRAINT \"%s\" runs in the transaction that added it NOT VALID, so the scan of \"%s\" happens while the lock taken by the ADD is still held.",
								cmd->name, r.name));
				break;
			case AT_AlterColumnType:
				if (existing)
				{
					ColumnDef  *def = castNode(ColumnDef, cmd->def);
					AttrNumber	attnum = column_attnum(&r, cmd->name);
					bool		known = false;
					bool		rewrites = true;

					if (attnum > 0)
						rewrites = type_change_rewrites(&r, attnum, def->typeName, def->raw_default,
														cmd->name, &known);
					if (rewrites)
						add_finding(st, LINT_RULE_CHANGING_COLUMN_TYPE,
									"Add a new column of the new type, backfill it in batches, switch readers and writers over, then drop the old column.",
									"ALTER COLUMN \"%s\" TYPE rewrites \"%s\" and rebuilds its indexes under an ACCESS EXCLUSIVE lock; reads and writes are blocked for the whole rewrite.",
									cmd->name, r.name);
					else if (column_has_check(&r, attnum))
						add_finding(st, LINT_RULE_CHANGING_COLUMN_TYPE,
									"Drop the CHECK constraint first, change the type, then re-add it NOT VALID and validate it in a later transaction.",
									"ALTER COLUMN \"%s\" TYPE re-validates the CHECK constraints on the column by scanning \"%s\" under an ACCESS EXCLUSIVE lock.",
									cmd->name, r.name);
					else if (attnum > 0 && known && type_change_rebuilds_index(&r, attnum, def))
						add_finding(st, LINT_RULE_CHANGING_COLUMN_TYPE,
									"Build an index for the new type or collation CONCURRENTLY on a new column, backfill it, then switch over; or drop the index CONCURRENTLY first and re-create it CONCURRENTLY after the change.",
									"ALTER COLUMN \"%s\" TYPE keeps the rows of \"%s\" but rebuilds every index on the column (new collation or operator class), scanning the table under an ACCESS EXCLUSIVE lock held until the transaction ends.",
									cmd->name, r.name);
					else
						rewrites = false;
					if (rewrites || findings_have_rule(st, LINT_RULE_CHANGING_COLUMN_TYPE))
						st->slow = true;
				}
				lint_column_type_advice(st, castNode(ColumnDef, cmd->def)->typeName, cmd->name);
				break;
			case AT_SetNotNull:
				if (existing)
				{
					AttrNumber	attnum = column_attnum(&r, cmd->name);

					if (attnum > 0 && column_not_null(&r, attnum))
						break;
					if (not_null_implied(st, &r, cmd->name))
						break;
					add_finding(st, LINT_RULE_ADDING_NOT_NULLABLE_FIELD, HINT_SET_NOT_NULL,
								"SET NOT NULL on \"%s\".\"%s\" scans the whole table under an ACCESS EXCLUSIVE lock; reads and writes are blocked for the whole scan.",
								r.name, cmd->name);
					st->slow = true;
				}
				break;
			case AT_DropNotNull:
				if (existing && !column_is_new(st, &r, cmd->name) &&
					!(OidIsValid(r.relid) && column_attnum(&r, cmd->name) > 0 &&
					  !column_not_null(&r, column_attnum(&r, cmd->name))))
					add_finding(st, LINT_RULE_BAN_DROP_NOT_NULL,
								"Keep the column NOT NULL until every reader handles NULLs, and deploy that first.",
								"DROP NOT NULL on \"%s\".\"%s\": readers that rely on the column being set may now get NULLs.",
								r.name, cmd->name);
				break;
			case AT_DropColumn:
				if (existing && !column_is_new(st, &r, cmd->name) &&
					!(cmd->missing_ok && OidIsValid(r.relid) &&
					  column_attnum(&r, cmd->name) == InvalidAttrNumber))
					add_finding(st, LINT_RULE_BAN_DROP_COLUMN,
								psprintf("Stop using the column in the application first and deploy that; drop it in a later migration, with -- schemamig:allow %s <reason>.", lint_rule_id(LINT_RULE_BAN_DROP_COLUMN)),
								"DROP COLUMN \"%s\" on \"%s\" loses its data, and running code that still uses it fails.",
								cmd->name, r.name);
				robust_stmts(st, cmd->missing_ok, "Use DROP COLUMN IF EXISTS so a re-run after a failure succeeds.",
								 "DROP COLUMN without IF EXISTS outside a transaction cannot be re-run.");
				break;
			case AT_DropConstraint:
				if (existing && cmd->behavior == DROP_CASCADE)
					lint_drop_constraint_cascade(st, &r, cmd->name);
				robust_stmts(st, cmd->missing_ok, "Use DROP CONSTRAINT IF EXISTS so a re-run after a failure succeeds.",
								 "DROP CONSTRAINT without IF EXISTS outside a transaction cannot be re-run.");
				break;
			case AT_SetLogged:
			case AT_SetUnLogged:
			case AT_SetAccessMethod:
			case AT_SetTableSpace:
				if (existing && storage_change_rewrites(&r, cmd))
				{
					add_finding(st, LINT_RULE_ALTER_TABLE_REWRITE,
								"Create a new table with the wanted properties, copy the data in batches and swap the tables, or schedule the outage.",
								"%s rewrites \"%s\" under an ACCESS EXCLUSIVE lock; reads and writes are blocked for the whole rewrite.",
								cmd->subtype == AT_SetLogged ? "SET LOGGED" :
								cmd->subtype == AT_SetUnLogged ? "SET UNLOGGED" :
								cmd->subtype == AT_SetAccessMethod ? "SET ACCESS METHOD" : "SET TABLESPACE",
								r.name);
					st->slow = true;
				}
				break;
#if PG_VERSION_NUM >= 170000
			case AT_SetExpression:
				/* 17: SET EXPRESSION recomputes a STORED column by rewriting the table; a VIRTUAL one (18) is not stored */
				if (existing)
				{
					AttrNumber	attnum = column_attnum(&r, cmd->name);

					if (attnum > 0 && get_attgenerated(r.relid, attnum) != ATTRIBUTE_GENERATED_STORED)
						break;
					add_finding(st, LINT_RULE_ALTER_TABLE_REWRITE,
								"Add a new STORED generated column with the new expression, switch readers over, then drop the old column (or schedule the outage).",
								"ALTER COLUMN \"%s\" SET EXPRESSION rewrites \"%s\" under an ACCESS EXCLUSIVE lock; reads and writes are blocked for the whole rewrite.",
								cmd->name, r.name);
					st->slow = true;
				}
				break;
#endif
			case AT_DetachPartition:
				{
					PartitionCmd *pc = (PartitionCmd *) cmd->def;
					LintRel		part = lookup_rangevar(st, pc->name);

					note_lock(st, &part, pc->concurrent ? ShareUpdateExclusiveLock : AccessExclusiveLock);
					if (pc->concurrent)
						ban_concurrent_in_transaction(st, "DETACH PARTITION CONCURRENTLY");
					if (!pc->concurrent && existing)
						add_finding(st, LINT_RULE_REQUIRE_CONCURRENT_PARTITION_DETACH,
									"Use ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY in a migration of its own.",
									"DETACH PARTITION takes an ACCESS EXCLUSIVE lock on \"%s\" and on \"%s\"; reads and writes are blocked on both.",
									r.name, pc->name->relname);
				}
				break;
#if PG_VERSION_NUM >= 180000
			case AT_AlterConstraint:
				/* 18 added [NOT] ENFORCED to ALTER CONSTRAINT (an ATAlterConstraint node) */
				if (existing && IsA(cmd->def, ATAlterConstraint))
					lint_alter_constraint_enforced(st, &r, (ATAlterConstraint *) cmd->def);
				break;
#endif
			case AT_SetIdentity:
				if (existing)
					lint_identity_restart(st, &r, cmd->name, castNode(List, cmd->def));
				break;
			case AT_AddIdentity:
				if (existing)
					lint_identity_added(st, &r, cmd->name, castNode(Constraint, cmd->def)->options);
				break;
			case AT_EnableRowSecurity:
			case AT_ForceRowSecurity:
				lint_row_security(st, &r, alter_table_cmd_subtype(cmd) == AT_ForceRowSecurity);
				break;
			case AT_AttachPartition:
				{
					PartitionCmd *pc = (PartitionCmd *) cmd->def;
					LintRel		part = lookup_rangevar(st, pc->name);

					note_lock(st, &part, AccessExclusiveLock);
					if (existing && pc->bound != NULL &&
						!lint_partition_default_scan(st, &r, pc->bound->is_default, "ATTACH PARTITION") &&
						rel_preexisting(st, &part) && OidIsValid(part.relid) &&
						!attach_bound_implied(&r, &part, pc->bound))
					{
						add_finding(st, LINT_RULE_PARTITION_SCAN,
									"Add a CHECK constraint that matches the bound NOT VALID, validate it in an earlier transaction (SHARE UPDATE EXCLUSIVE only), then attach.",
									"ATTACH PARTITION scans \"%s\" to prove its rows fit the bound, holding an ACCESS EXCLUSIVE lock on it until the transaction ends: no CHECK constraint implies the bound.",
									part.name);
						st->slow = true;
					}
					if (existing && rel_preexisting(st, &part) && OidIsValid(part.relid))
						lint_attach_builds(st, &r, &part);
				}
				break;
			default:
				break;
		}
	}
}

/*
 * Do the attached table's validated constraints (CHECK, NOT NULL) imply
 * the partition bound?  Built as ATExecAttachPartition builds it: the
 * bound transformed against the parent, its qual with the parent's own,
 * simplified and mapped to the table's columns, then the server's own
 * PartConstraintImpliedByRelConstraint.
 */
static bool
attach_bound_implied(LintRel *parent_r, LintRel *part_r, PartitionBoundSpec *spec)
{
	Relation	parent = RelationIdGetRelation(parent_r->relid);
	Relation	part;
	ParseState *pstate;
	PartitionBoundSpec *bound;
	List	   *qual;
	bool		result = false;

	if (parent == NULL)
		return true;
	part = RelationIdGetRelation(part_r->relid);
	if (part == NULL || parent->rd_rel->relkind != RELKIND_PARTITIONED_TABLE)
	{
		if (part)
			RelationClose(part);
		RelationClose(parent);
		return true;			/* the server refuses the statement */
	}
	pstate = make_parsestate(NULL);
	bound = transformPartitionBound(pstate, parent, copyObject(spec));
	qual = list_concat(get_qual_from_partbound(parent, bound), RelationGetPartitionQual(parent));
	if (qual == NIL)
		result = true;
	else
	{
		qual = (List *) eval_const_expressions(NULL, (Node *) qual);
		qual = list_make1(make_ands_explicit(qual));
		qual = map_partition_varattnos(qual, 1, part, parent);
		result = PartConstraintImpliedByRelConstraint(part, qual);
	}
	free_parsestate(pstate);
	RelationClose(part);
	RelationClose(parent);
	return result;
}

/* are the parent's columns all in the table (else ATTACH fails)? */
static bool
attach_columns_match(Relation parent, Relation part)
{
	TupleDesc	desc = RelationGetDescr(parent);
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped &&
			get_attnum(RelationGetRelid(part), NameStr(att->attname)) == InvalidAttrNumber)
			return false;
	}
	return true;
}

/* the kind of a constraint (get_constraint_type() is 17+) */
static char
constraint_kind(Oid conoid)
{
	HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
	char		kind = '\0';

	if (HeapTupleIsValid(tup))
	{
		kind = ((Form_pg_constraint) GETSTRUCT(tup))->contype;
		ReleaseSysCache(tup);
	}
	return kind;
}

/*
 * The first index of the partitioned parent that ATTACH PARTITION builds
 * on the attached table, matched as AttachPartitionEnsureIndexes matches:
 * the table has no valid, unattached index of the same definition
 * (CompareIndexInfo, columns mapped by name) that, for an index behind a
 * PRIMARY KEY, UNIQUE or EXCLUDE constraint, backs a constraint of the
 * same kind (a plain unique index does not stand for a PRIMARY KEY).
 * NULL when every index is there.
 */
static char *
attach_index_to_build(Relation parent, Relation part)
{
	List	   *parent_indexes = RelationGetIndexList(parent);
	List	   *part_indexes = RelationGetIndexList(part);
	int			n = list_length(part_indexes);
	Relation   *part_rels = palloc0(sizeof(Relation) * (n + 1));
	IndexInfo **part_infos = palloc0(sizeof(IndexInfo *) * (n + 1));
	bool	   *used = palloc0(sizeof(bool) * (n + 1));
	AttrMap    *attmap = AttrMapByName(RelationGetDescr(part), RelationGetDescr(parent));
	char	   *result = NULL;
	ListCell   *lc;
	int			i = 0;

	foreach(lc, part_indexes)
	{
		part_rels[i] = RelationIdGetRelation(lfirst_oid(lc));
		if (part_rels[i] != NULL)
			part_infos[i] = BuildIndexInfo(part_rels[i]);
		i++;
	}
	foreach(lc, parent_indexes)
	{
		Relation	idx = RelationIdGetRelation(lfirst_oid(lc));
		IndexInfo  *info;
		Oid			conoid;
		bool		found = false;

		if (idx == NULL)
			continue;
		if (idx->rd_rel->relkind != RELKIND_PARTITIONED_INDEX)
		{
			RelationClose(idx);
			continue;
		}
		info = BuildIndexInfo(idx);
		conoid = get_relation_idx_constraint_oid(RelationGetRelid(parent), RelationGetRelid(idx));
		for (i = 0; i < n && !found; i++)
		{
			Oid			part_con;

			if (part_rels[i] == NULL || used[i] || part_rels[i]->rd_rel->relispartition ||
				!part_rels[i]->rd_index->indisvalid ||
				!CompareIndexInfo(part_infos[i], info,
								  part_rels[i]->rd_indcollation, idx->rd_indcollation,
								  part_rels[i]->rd_opfamily, idx->rd_opfamily, attmap))
				continue;
			if (OidIsValid(conoid))
			{
				part_con = get_relation_idx_constraint_oid(RelationGetRelid(part),
														   RelationGetRelid(part_rels[i]));
				if (!OidIsValid(part_con) || constraint_kind(part_con) != constraint_kind(conoid))
					continue;
			}
			used[i] = found = true;
		}
		if (!found && result == NULL)
			result = pstrdup(RelationGetRelationName(idx));
		RelationClose(idx);
	}
	for (i = 0; i < n; i++)
		if (part_rels[i] != NULL)
			RelationClose(part_rels[i]);
	return result;
}

/*
 * Does the table have a validated foreign key that ATTACH PARTITION can
 * take as the clone of the parent's key fk (tryAttachPartitionForeignKey):
 * the same referenced table and columns, the same referencing columns by
 * name, the same actions, match type and deferrability?
 */
static bool
attach_foreign_key_present(Relation parent, Relation part, ForeignKeyCacheInfo *fk,
						   Form_pg_constraint pcon)
{
	ListCell   *lc;

	foreach(lc, RelationGetFKeyList(part))
	{
		ForeignKeyCacheInfo *cfk = lfirst(lc);
		HeapTuple	tup;
		bool		same;
		int			k;

		if (cfk->confrelid != fk->confrelid || cfk->nkeys != fk->nkeys)
			continue;
		same = true;
		for (k = 0; k < fk->nkeys && same; k++)
		{
			char	   *pname = get_attname(RelationGetRelid(parent), fk->conkey[k], true);
			char	   *cname = get_attname(RelationGetRelid(part), cfk->conkey[k], true);

			same = cfk->confkey[k] == fk->confkey[k] && pname != NULL && cname != NULL &&
				strcmp(pname, cname) == 0;
		}
		if (!same)
			continue;
		tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(cfk->conoid));
		if (HeapTupleIsValid(tup))
		{
			Form_pg_constraint ccon = (Form_pg_constraint) GETSTRUCT(tup);

			same = ccon->convalidated && !OidIsValid(ccon->conparentid) &&
				ccon->confupdtype == pcon->confupdtype && ccon->confdeltype == pcon->confdeltype &&
				ccon->confmatchtype == pcon->confmatchtype &&
				ccon->condeferrable == pcon->condeferrable && ccon->condeferred == pcon->condeferred;
			ReleaseSysCache(tup);
			if (same)
				return true;
		}
	}
	return false;
}

/*
 * The first validated foreign key of the parent that ATTACH PARTITION
 * clones onto the attached table and validates by scanning it (the table
 * has no key of its own to stand for it).  NULL when there is none.
 */
static char *
attach_foreign_key_to_validate(Relation parent, Relation part)
{
	ListCell   *lc;

	foreach(lc, RelationGetFKeyList(parent))
	{
		ForeignKeyCacheInfo *fk = lfirst(lc);
		HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(fk->conoid));
		char	   *result = NULL;

		if (!HeapTupleIsValid(tup))
			continue;
		if (((Form_pg_constraint) GETSTRUCT(tup))->convalidated &&
			!attach_foreign_key_present(parent, part, fk, (Form_pg_constraint) GETSTRUCT(tup)))
			result = pstrdup(NameStr(((Form_pg_constraint) GETSTRUCT(tup))->conname));
		ReleaseSysCache(tup);
		if (result != NULL)
			return result;
	}
	return NULL;
}

/*
 * What ATTACH PARTITION does to the attached table besides checking the
 * bound: it builds every index of the parent the table does not have, and
 * clones and validates every foreign key of the parent the table does not
 * have, scanning the table under its ACCESS EXCLUSIVE lock.
 */
static void
lint_attach_builds(LintState *st, LintRel *parent_r, LintRel *part_r)
{
	Relation	parent = RelationIdGetRelation(parent_r->relid);
	Relation	part = RelationIdGetRelation(part_r->relid);
	char	   *index = NULL;
	char	   *fkey = NULL;

	if (parent != NULL && part != NULL &&
		parent->rd_rel->relkind == RELKIND_PARTITIONED_TABLE &&
		(part->rd_rel->relkind == RELKIND_RELATION ||
		 part->rd_rel->relkind == RELKIND_PARTITIONED_TABLE) &&
		attach_columns_match(parent, part))
	{
		index = attach_index_to_build(parent, part);
		fkey = attach_foreign_key_to_validate(parent, part);
	}
	if (part)
		RelationClose(part);
	if (parent)
		RelationClose(parent);
	if (index != NULL)
	{
		add_finding(st, LINT_RULE_PARTITION_SCAN,
					"Create the parent's indexes on the table first, each with CREATE INDEX CONCURRENTLY and the same definition (for a PRIMARY KEY or UNIQUE constraint, then ADD CONSTRAINT ... USING INDEX), so ATTACH PARTITION adopts them instead of building them.",
					"ATTACH PARTITION builds the index \"%s\" of \"%s\" on \"%s\", which has no matching index, scanning it under an ACCESS EXCLUSIVE lock held until the transaction ends.",
					index, parent_r->name, part_r->name);
		st->slow = true;
	}
	if (fkey != NULL)
	{
		add_finding(st, LINT_RULE_PARTITION_SCAN,
					"Add the same FOREIGN KEY to the table NOT VALID and VALIDATE it in an earlier transaction, so ATTACH PARTITION adopts it instead of validating a copy.",
					"ATTACH PARTITION copies the foreign key \"%s\" of \"%s\" onto \"%s\" and validates it, scanning \"%s\" under an ACCESS EXCLUSIVE lock held until the transaction ends.",
					fkey, parent_r->name, part_r->name, part_r->name);
		st->slow = true;
	}
}

/*
 * A new partition of a parent with a DEFAULT partition: the server scans
 * the default partition for rows of the new bound under ACCESS EXCLUSIVE
 * (ATTACH PARTITION, CREATE TABLE ... PARTITION OF).  A table is never
 * exempt for being small or empty, so a DEFAULT partition counts as
 * populated; its own CHECK excluding the bound is not looked for.
 */
bool
lint_partition_default_scan(LintState *st, LintRel *parent, bool is_default, const char *what)
{
	Oid			def;
	LintRel		d;

	if (is_default || !OidIsValid(parent->relid) || !rel_preexisting(st, parent))
		return false;
	if (get_rel_relkind(parent->relid) != RELKIND_PARTITIONED_TABLE)
		return false;
	def = get_default_partition_oid(parent->relid);
	if (!OidIsValid(def))
		return false;
	d = lookup_oid(st, def, NULL);
	if (!rel_preexisting(st, &d))
		return false;
	note_lock(st, &d, AccessExclusiveLock);
	add_finding(st, LINT_RULE_PARTITION_SCAN,
				"Detach the DEFAULT partition (CONCURRENTLY), move its rows of the new range into the new partition, add the partition, then re-attach the default with a CHECK that excludes the new range (validated beforehand).",
				"%s scans the DEFAULT partition \"%s\" of \"%s\" for rows of the new bound, holding an ACCESS EXCLUSIVE lock on it until the transaction ends.",
				what, d.name, parent->name);
	st->slow = true;
	return true;
}

/* a tablespace by name, the database's default as InvalidOid (as pg_class stores it) */
static Oid
tablespace_as_stored(const char *name)
{
	Oid			ts = get_tablespace_oid(name, true);

	return ts == MyDatabaseTableSpace ? InvalidOid : ts;
}

/*
 * ALTER TABLE ALL IN TABLESPACE ... SET TABLESPACE: moving a tablespace
 * onto itself is a no-op (AlterTableMoveAll returns before locking).
 */
void
lint_alter_table_move_all(LintState *st, AlterTableMoveAllStmt *stmt)
{
	LintRel		r = lint_rel_everything("every table in the tablespace");

	if (stmt->orig_tablespacename != NULL && stmt->new_tablespacename != NULL &&
		OidIsValid(get_tablespace_oid(stmt->orig_tablespacename, true)) &&
		tablespace_as_stored(stmt->orig_tablespacename) == tablespace_as_stored(stmt->new_tablespacename))
		return;

	note_lock(st, &r, AccessExclusiveLock);
	add_finding(st, LINT_RULE_ALTER_TABLE_REWRITE,
				"Move tables one at a time in a maintenance window, or copy them with pg_repack.",
				"ALTER TABLE ALL IN TABLESPACE copies every table under an ACCESS EXCLUSIVE lock; reads and writes are blocked.");
	st->slow = true;
}
