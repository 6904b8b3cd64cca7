/*-------------------------------------------------------------------------
 *
 * relations.c
 *		Relations as the rules see them (pre-existing, new, temporary,
 *		missing) and the locks a statement takes on them.
 *
 * Invariants:
 *	- nothing here takes a heavyweight lock on a user relation: relations
 *	  are looked up with NoLock and the relation cache is read without
 *	  opening the relation, so error mode can refuse a statement before it
 *	  locks anything;
 *	- a relation is "pre-existing" unless it is temporary, was created in
 *	  the current transaction (rd_createSubid) or, in script mode, was
 *	  created earlier in the script.  Size never matters.  In script mode a
 *	  relation that is not in the catalog counts as pre-existing (as an
 *	  offline linter would assume); in live mode the statement is left to
 *	  fail on its own.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "nodes/makefuncs.h"
#include "storage/lmgr.h"
#include "access/htup_details.h"
#include "access/sysattr.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "deploy_run.h"
#include "lint/lint_internal.h"

const char *
lock_mode_name(LOCKMODE mode)
{
	switch (mode)
	{
		case AccessShareLock:
			return "ACCESS SHARE";
		case RowShareLock:
			return "ROW SHARE";
		case RowExclusiveLock:
			return "ROW EXCLUSIVE";
		case ShareUpdateExclusiveLock:
			return "SHARE UPDATE EXCLUSIVE";
		case ShareLock:
			return "SHARE";
		case ShareRowExclusiveLock:
			return "SHARE ROW EXCLUSIVE";
		case ExclusiveLock:
			return "EXCLUSIVE";
		case AccessExclusiveLock:
			return "ACCESS EXCLUSIVE";
		default:
			return "unknown";
	}
}

/* "a" or "an", for "a SHARE lock", "an EXCLUSIVE lock" */
const char *
lock_mode_article(LOCKMODE mode)
{
	return mode == AccessExclusiveLock || mode == ExclusiveLock ? "an" : "a";
}

const char *
lock_blocks(LOCKMODE mode)
{
	if (mode >= AccessExclusiveLock)
		return "reads and writes are blocked";
	if (mode >= ShareLock)
		return "writes are blocked";
	return "other schema changes are blocked";
}

/* ---- relations ---- */

/*
 * Did an earlier migration of this session's deploy create the relation
 * (see deploy_run.c)?  Asked first of the pg_attribute row of its ctid
 * system column, which no ALTER rewrites (ALTER TABLE ... RENAME TO
 * rewrites the pg_class and pg_type rows: a table an earlier migration
 * created and this one renamed was called pre-existing by migrate, new by
 * lint --dir); then of its row type's pg_type row where it has one, which
 * later ALTER TABLEs other than RENAME leave alone (views have no system
 * columns); else of its pg_class row.
 */
static bool
created_by_deploy_run(Relation rel)
{
	Oid			reltype = rel->rd_rel->reltype;
	HeapTuple	tup;
	bool		result;

	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(RelationGetRelid(rel)),
						  Int16GetDatum(SelfItemPointerAttributeNumber));
	if (HeapTupleIsValid(tup))
	{
		result = deploy_run_created(HeapTupleHeaderGetXmin(tup->t_data));
		ReleaseSysCache(tup);
		if (result)
			return true;
	}
	tup = OidIsValid(reltype)
		? SearchSysCache1(TYPEOID, ObjectIdGetDatum(reltype))
		: SearchSysCache1(RELOID, ObjectIdGetDatum(RelationGetRelid(rel)));
	if (!HeapTupleIsValid(tup))
		return false;
	result = deploy_run_created(HeapTupleHeaderGetXmin(tup->t_data));
	ReleaseSysCache(tup);
	return result;
}

LintRel
lookup_oid(LintState *st, Oid relid, const char *name)
{
	LintRel		r;
	Relation	rel;

	r.relid = relid;
	r.name = name;
	r.relkind = 0;
	r.kind = LINT_REL_MISSING;
	rel = RelationIdGetRelation(relid);
	if (rel == NULL)
		return r;
	r.relkind = rel->rd_rel->relkind;
	if (r.name == NULL)
		r.name = pstrdup(RelationGetRelationName(rel));
	if (rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
		r.kind = LINT_REL_TEMP;
	else if (rel->rd_createSubid != InvalidSubTransactionId || created_by_deploy_run(rel))
		r.kind = LINT_REL_NEW;
	else
		r.kind = LINT_REL_EXISTING;
	RelationClose(rel);
	return r;
}

/*
 * Did the script create a relation of this name in this schema (or in a
 * schema it could not tell, when it was created)?
 */
static bool
script_created_in(LintState *st, const char *schema, const char *relname)
{
	ListCell   *lc;

	foreach(lc, st->created)
	{
		LintName   *n = lfirst(lc);

		if (n->kind == LINT_NAME_RELATION && strcmp(n->name, relname) == 0 &&
			(n->schema == NULL || strcmp(n->schema, schema) == 0))
			return true;
	}
	return false;
}

LintRel
lookup_rangevar(LintState *st, RangeVar *rv)
{
	LintRel		r;
	Oid			relid;

	memset(&r, 0, sizeof(r));
	r.name = rv->relname;
	if (rv->relpersistence == RELPERSISTENCE_TEMP ||
		(rv->schemaname && strcmp(rv->schemaname, "pg_temp") == 0))
	{
		r.kind = LINT_REL_TEMP;
		return r;
	}
	if (!st->live && rv->schemaname == NULL)
	{
		/* as the server resolves it: the first schema of search_path that has it */
		ListCell   *lc;

		foreach(lc, fetch_search_path(false))
		{
			Oid			nsp = lfirst_oid(lc);
			const char *nspname = get_namespace_name(nsp);

			if (nspname && script_created_in(st, nspname, rv->relname))
			{
				r.kind = LINT_REL_NEW;
				return r;
			}
			relid = get_relname_relid(rv->relname, nsp);
			if (OidIsValid(relid))
				return lookup_oid(st, relid, rv->relname);
		}
	}
	if (!st->live && name_in(st->created, LINT_NAME_RELATION, rv->schemaname, rv->relname, NULL))
	{
		r.kind = LINT_REL_NEW;
		/* the script created it: the catalog cannot say more */
		return r;
	}
	relid = RangeVarGetRelid(rv, NoLock, true);
	if (!OidIsValid(relid))
	{
		r.kind = LINT_REL_MISSING;
		return r;
	}
	return lookup_oid(st, relid, rv->relname);
}

LintRel
lookup_names(LintState *st, List *names)
{
	return lookup_rangevar(st, makeRangeVarFromNameList(names));
}

/* a target that is no one relation ("every table"): pre-existing */
LintRel
lint_rel_everything(const char *what)
{
	LintRel		r;

	r.kind = LINT_REL_EXISTING;
	r.relid = InvalidOid;
	r.relkind = 0;
	r.name = what;
	return r;
}

/* the rules of a pre-existing relation apply */
bool
rel_preexisting(LintState *st, LintRel *r)
{
	if (r->kind == LINT_REL_EXISTING)
		return true;
	return r->kind == LINT_REL_MISSING && !st->live;
}

/* record a lock the statement takes, for the lock rules */
void
note_lock(LintState *st, LintRel *r, LOCKMODE mode)
{
	st->touched_relation = true;
	if (r->kind != LINT_REL_TEMP)
		st->only_temporary = false;
	if (r->kind == LINT_REL_EXISTING)
		st->touched_existing = true;
	else if (r->kind == LINT_REL_NEW && OidIsValid(r->relid))
		st->new_relid = r->relid;
	if (!rel_preexisting(st, r))
		return;
	if (mode > st->strongest_lock)
	{
		st->strongest_lock = mode;
		st->strongest_lock_relation = pstrdup(r->name);
	}
	if (mode == AccessExclusiveLock)
	{
		st->exclusive_now = lappend(st->exclusive_now, pstrdup(r->name));
		if (OidIsValid(r->relid))
			st->exclusive_now_oids = lappend_oid(st->exclusive_now_oids, r->relid);
	}
}

/* ---- catalog helpers ---- */

/* the table of a DROP INDEX target */
LintRel
lookup_index_table(LintState *st, List *names, bool *index_new)
{
	LintRel		ix;
	LintRel		r;
	Oid			heap;

	*index_new = false;
	memset(&r, 0, sizeof(r));
	ix = lookup_names(st, names);
	if (!st->live && name_in(st->created, LINT_NAME_INDEX, NULL, strVal(llast(names)), NULL))
		ix.kind = LINT_REL_NEW;
	if (ix.kind == LINT_REL_NEW || ix.kind == LINT_REL_TEMP)
	{
		*index_new = true;
		r.kind = ix.kind;
		r.name = ix.name;
		return r;
	}
	if (ix.kind == LINT_REL_MISSING)
	{
		r.kind = LINT_REL_MISSING;
		r.name = ix.name;
		return r;
	}
	heap = IndexGetRelation(ix.relid, true);
	if (!OidIsValid(heap))
		return ix;
	return lookup_oid(st, heap, NULL);
}

void
lint_relation_lock(LintState *st, RangeVar *rv, LOCKMODE mode)
{
	LintRel		r;

	if (rv == NULL)
		return;
	r = lookup_rangevar(st, rv);
	if (r.kind != LINT_REL_MISSING)
		note_lock(st, &r, mode);
}

