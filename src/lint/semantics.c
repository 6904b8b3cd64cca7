/*-------------------------------------------------------------------------
 *
 * semantics.c
 *		Catalog semantics: what the server will do with a statement (scan,
 *		rewrite, volatile default), decided as PostgreSQL 15 decides it.
 *
 * Invariants:
 *	- rewrite decisions repeat the server's own tests (the coercion built
 *	  and simplified as ATColumnChangeRequiresRewrite sees it,
 *	  predicate_implied_by for SET NOT NULL);
 *	- in script mode, what the script created or validated earlier counts
 *	  as the catalog would after it ran.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "lint/lint_internal.h"

AttrNumber
column_attnum(LintRel *r, const char *colname)
{
	if (!OidIsValid(r->relid) || colname == NULL)
		return InvalidAttrNumber;
	return get_attnum(r->relid, colname);
}

bool
column_not_null(LintRel *r, AttrNumber attnum)
{
	HeapTuple	tup;
	bool		result = false;

	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(r->relid), Int16GetDatum(attnum));
	if (HeapTupleIsValid(tup))
	{
		result = ((Form_pg_attribute) GETSTRUCT(tup))->attnotnull;
		ReleaseSysCache(tup);
	}
#if PG_VERSION_NUM >= 180000
	/* 18: attnotnull is set by a NOT VALID NOT NULL constraint too; SET NOT NULL still scans */
	if (result)
	{
		HeapTuple	con = findNotNullConstraintAttnum(r->relid, attnum);

		if (HeapTupleIsValid(con))
		{
			result = ((Form_pg_constraint) GETSTRUCT(con))->convalidated;
			heap_freetuple(con);
		}
	}
#endif
	return result;
}

/* raw expression: does it say "colname IS NOT NULL" (maybe among ANDs)? */
static bool
raw_expr_implies_not_null(Node *expr, const char *colname)
{
	if (expr == NULL)
		return false;
	if (IsA(expr, NullTest))
	{
		NullTest   *nt = (NullTest *) expr;

		if (nt->nulltesttype == IS_NOT_NULL && IsA(nt->arg, ColumnRef))
		{
			List	   *fields = ((ColumnRef *) nt->arg)->fields;
			Node	   *last = llast(fields);

			return IsA(last, String) && strcmp(strVal(last), colname) == 0;
		}
		return false;
	}
	if (IsA(expr, BoolExpr) && ((BoolExpr *) expr)->boolop == AND_EXPR)
	{
		ListCell   *lc;

		foreach(lc, ((BoolExpr *) expr)->args)
			if (raw_expr_implies_not_null(lfirst(lc), colname))
				return true;
	}
	return false;
}

/*
 * Would SET NOT NULL on this column skip its scan?  As in PostgreSQL 15
 * (NotNullImpliedByRelConstraints): a validated CHECK constraint implies
 * "col IS NOT NULL".  In script mode a constraint validated (or added
 * validated) earlier in the script counts too.
 */
bool
not_null_implied(LintState *st, LintRel *r, const char *colname)
{
	ListCell   *lc;

	if (!st->live)
	{
		foreach(lc, st->checks)
		{
			LintCheck  *c = lfirst(lc);

			if (strcmp(c->relation, r->name) != 0)
				continue;
			if (!c->valid && !name_in(st->validated, LINT_NAME_VALIDATED, NULL, c->name, r->name))
				continue;
			if (raw_expr_implies_not_null(c->expr, colname))
				return true;
		}
	}

	if (OidIsValid(r->relid))
	{
		AttrNumber	attnum = column_attnum(r, colname);
		Relation	rel;
		TupleDesc	desc;
		List	   *constraints = NIL;
		bool		result = false;
		int			i;

		if (attnum <= 0)
			return false;
		rel = RelationIdGetRelation(r->relid);
		if (rel == NULL)
			return false;
		desc = RelationGetDescr(rel);
		if (desc->constr)
		{
			for (i = 0; i < desc->constr->num_check; i++)
			{
				ConstrCheck *check = &desc->constr->check[i];
				Node	   *expr;

				if (!check->ccvalid &&
					!(!st->live && name_in(st->validated, LINT_NAME_VALIDATED, NULL, check->ccname, r->name)))
					continue;
				expr = stringToNode(check->ccbin);
				expr = eval_const_expressions(NULL, expr);
				expr = (Node *) canonicalize_qual((Expr *) expr, true);
				constraints = list_concat(constraints, make_ands_implicit((Expr *) expr));
			}
		}
		if (constraints != NIL)
		{
			Form_pg_attribute att = TupleDescAttr(desc, attnum - 1);
			NullTest   *nnulltest = makeNode(NullTest);

			nnulltest->arg = (Expr *) makeVar(1, attnum, att->atttypid, att->atttypmod,
											  att->attcollation, 0);
			nnulltest->nulltesttype = IS_NOT_NULL;
			nnulltest->argisrow = false;
			nnulltest->location = -1;
			/*
			 * Weak implication, as ConstraintImpliedByRelConstraint: a CHECK
			 * passes when it yields NULL, so CHECK (c <> '') proves nothing.
			 */
			result = predicate_implied_by(list_make1(nnulltest), constraints, true);
		}
		RelationClose(rel);
		return result;
	}
	return false;
}

/* does a CHECK constraint of the relation mention the column? */
bool
column_has_check(LintRel *r, AttrNumber attnum)
{
	Relation	rel;
	TupleDesc	desc;
	bool		result = false;
	int			i;

	rel = RelationIdGetRelation(r->relid);
	if (rel == NULL)
		return false;
	desc = RelationGetDescr(rel);
	if (desc->constr)
	{
		for (i = 0; i < desc->constr->num_check && !result; i++)
		{
			Node	   *expr = stringToNode(desc->constr->check[i].ccbin);
			Bitmapset  *attrs = NULL;

			pull_varattnos(expr, 1, &attrs);
			result = bms_is_member(attnum - FirstLowInvalidHeapAttributeNumber, attrs);
		}
	}
	RelationClose(rel);
	return result;
}

/* the access method of an index */
static Oid
index_am(Oid indexrelid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(indexrelid));
	Oid			am = InvalidOid;

	if (HeapTupleIsValid(tup))
	{
		am = ((Form_pg_class) GETSTRUCT(tup))->relam;
		ReleaseSysCache(tup);
	}
	return am;
}

/*
 * Would a type change that keeps the heap rebuild an index on the column?
 * ALTER COLUMN TYPE re-creates every index on the column and keeps the old
 * one only when CheckIndexCompatible says so: same operator class, same
 * collation, no expressions or predicate.  The new collation is the COLLATE
 * clause or the new type's; an index keeps a collation or operator class
 * that differs from the column's default.  One pass over the relation's
 * index list (relcache), no catalog scan.
 */
bool
type_change_rebuilds_index(LintRel *r, AttrNumber attnum, ColumnDef *def)
{
	Relation	rel;
	HeapTuple	atttup;
	Form_pg_attribute att;
	Oid			oldtype;
	Oid			oldcoll;
	Oid			newtype;
	Oid			newcoll;
	int32		newtypmod;
	Type		target;
	List	   *indexes;
	ListCell   *lc;
	bool		result = false;

	target = LookupTypeName(NULL, def->typeName, &newtypmod, true);
	if (target == NULL)
		return false;
	newtype = typeTypeId(target);
	ReleaseSysCache(target);

	atttup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(r->relid), Int16GetDatum(attnum));
	if (!HeapTupleIsValid(atttup))
		return false;
	att = (Form_pg_attribute) GETSTRUCT(atttup);
	oldtype = att->atttypid;
	oldcoll = att->attcollation;
	ReleaseSysCache(atttup);
	/* as GetColumnDefCollation, without its errors (the server reports them) */
	if (def->collClause != NULL)
		newcoll = get_collation_oid(def->collClause->collname, true);
	else
		newcoll = get_typcollation(newtype);
	if (def->collClause != NULL && (!OidIsValid(newcoll) || !type_is_collatable(newtype)))
		return false;

	rel = RelationIdGetRelation(r->relid);
	if (rel == NULL)
		return false;
	indexes = RelationGetIndexList(rel);
	foreach(lc, indexes)
	{
		HeapTuple	idxtup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_index idx;
		oidvector  *indclass;
		oidvector  *indcoll;
		Datum		d;
		bool		isnull;
		Oid			am;
		int			i;

		if (!HeapTupleIsValid(idxtup))
			continue;
		idx = (Form_pg_index) GETSTRUCT(idxtup);
		d = SysCacheGetAttr(INDEXRELID, idxtup, Anum_pg_index_indclass, &isnull);
		indclass = (oidvector *) DatumGetPointer(d);
		d = SysCacheGetAttr(INDEXRELID, idxtup, Anum_pg_index_indcollation, &isnull);
		indcoll = (oidvector *) DatumGetPointer(d);
		am = index_am(idx->indexrelid);
		for (i = 0; i < idx->indnatts && !result; i++)
		{
			Oid			keepclass;

			if (idx->indkey.values[i] != attnum)
				continue;
			if (!heap_attisnull(idxtup, Anum_pg_index_indexprs, NULL) ||
				!heap_attisnull(idxtup, Anum_pg_index_indpred, NULL))
			{
				/* CheckIndexCompatible does not judge these: rebuilt */
				result = true;
				break;
			}
			if (i >= idx->indnkeyatts)
				continue;		/* INCLUDE column: no class, no collation */
			keepclass = indclass->values[i];
			if (keepclass == GetDefaultOpClass(oldtype, am))
				keepclass = GetDefaultOpClass(newtype, am);
			if (keepclass != indclass->values[i])
				result = true;
			else if (indcoll->values[i] == oldcoll && newcoll != oldcoll)
				result = true;
		}
		ReleaseSysCache(idxtup);
		if (result)
			break;
	}
	list_free(indexes);
	RelationClose(rel);
	return result;
}

/*
 * Would ALTER COLUMN TYPE rewrite the table?  Builds the coercion the
 * server builds (assignment cast, simplified by expression_planner so that
 * varchar(n) -> varchar(m >= n) becomes a RelabelType) and walks it as
 * ATColumnChangeRequiresRewrite does.  *known is false when the catalog
 * cannot tell (type unknown: created earlier in the script).
 */
bool
type_change_rewrites(LintRel *r, AttrNumber attnum, TypeName *typeName,
					 Node *using_expr, const char *colname, bool *known)
{
	HeapTuple	tup;
	Form_pg_attribute att;
	Oid			oldtype;
	int32		oldtypmod;
	Oid			oldcoll;
	Type		target;
	Oid			newtype;
	int32		newtypmod;
	Node	   *expr;

	List	   *using_casts = NIL;
	ListCell   *lc;

	*known = false;
	if (using_expr != NULL)
	{
		/*
		 * USING col, or col::type (what Django writes for every type
		 * change), possibly cast more than once: the casts are applied to
		 * the column as the server would, and the result judged like a
		 * change without USING.  Anything else computes new values.
		 */
		Node	   *e = using_expr;

		while (IsA(e, TypeCast))
		{
			using_casts = lcons(((TypeCast *) e)->typeName, using_casts);
			e = ((TypeCast *) e)->arg;
		}
		if (!(IsA(e, ColumnRef) &&
			  IsA(llast(((ColumnRef *) e)->fields), String) &&
			  list_length(((ColumnRef *) e)->fields) <= 2 &&
			  strcmp(strVal(llast(((ColumnRef *) e)->fields)), colname) == 0))
		{
			*known = true;
			return true;
		}
	}

	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(r->relid), Int16GetDatum(attnum));
	if (!HeapTupleIsValid(tup))
		return true;
	att = (Form_pg_attribute) GETSTRUCT(tup);
	oldtype = att->atttypid;
	oldtypmod = att->atttypmod;
	oldcoll = att->attcollation;
	ReleaseSysCache(tup);

	target = LookupTypeName(NULL, typeName, &newtypmod, true);
	if (target == NULL)
		return true;
	newtype = typeTypeId(target);
	ReleaseSysCache(target);

	*known = true;
	expr = (Node *) makeVar(1, attnum, oldtype, oldtypmod, oldcoll, 0);
	foreach(lc, using_casts)
	{
		int32		casttypmod;
		Type		cast = LookupTypeName(NULL, lfirst(lc), &casttypmod, true);
		Oid			casttype;

		if (cast == NULL)
			return true;
		casttype = typeTypeId(cast);
		ReleaseSysCache(cast);
		expr = coerce_to_target_type(NULL, expr, exprType(expr), casttype, casttypmod,
									 COERCION_EXPLICIT, COERCE_EXPLICIT_CAST, -1);
		if (expr == NULL)
			return true;
	}
	expr = coerce_to_target_type(NULL, expr, exprType(expr), newtype, newtypmod,
								 COERCION_ASSIGNMENT, COERCE_IMPLICIT_CAST, -1);
	if (expr == NULL)
		return true;			/* no cast: the statement fails anyway */
	expr = (Node *) expression_planner((Expr *) expr);

	for (;;)
	{
		if (IsA(expr, Var) && ((Var *) expr)->varattno == attnum)
			return false;
		else if (IsA(expr, RelabelType))
			expr = (Node *) ((RelabelType *) expr)->arg;
		else if (IsA(expr, CoerceToDomain))
		{
			CoerceToDomain *d = (CoerceToDomain *) expr;

			if (DomainHasConstraints(d->resulttype))
				return true;
			expr = (Node *) d->arg;
		}
		else if (IsA(expr, FuncExpr))
		{
			FuncExpr   *f = (FuncExpr *) expr;

			if ((f->funcid == F_TIMESTAMPTZ_TIMESTAMP ||
				 f->funcid == F_TIMESTAMP_TIMESTAMPTZ) &&
				!TimestampTimestampTzRequiresRewrite())
				expr = linitial(f->args);
			else
				return true;
		}
		else
			return true;
	}
}

/* a type name as written, last component */
const char *
type_base_name(TypeName *tn)
{
	Node	   *last;

	if (tn == NULL || tn->names == NIL)
		return "";
	last = llast(tn->names);
	return IsA(last, String) ? strVal(last) : "";
}

bool
type_is_serial(TypeName *tn)
{
	static const char *const serial_types[] = {
		"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2", NULL
	};

	return list_length(tn->names) == 1 && lint_string_in(type_base_name(tn), serial_types);
}

/* a domain with constraints makes ADD COLUMN rewrite, default or not */
bool
type_is_constrained_domain(LintState *st, TypeName *tn)
{
	Type		t;
	Oid			typid;
	bool		result = false;

	if (tn == NULL)
		return false;
	if (!st->live && name_in(st->created, LINT_NAME_CONSTRAINED_DOMAIN, NULL, type_base_name(tn), NULL))
		return true;
	t = LookupTypeName(NULL, tn, NULL, true);
	if (t == NULL)
		return false;
	typid = typeTypeId(t);
	if (((Form_pg_type) GETSTRUCT(t))->typtype == TYPTYPE_DOMAIN)
		result = DomainHasConstraints(typid);
	ReleaseSysCache(t);
	return result;
}

/* does a raw expression call a volatile function? */
static bool
raw_expr_volatile_walker(Node *node, void *context)
{
	LintState  *st = context;

	if (node == NULL)
		return false;
	if (IsA(node, FuncCall))
	{
		FuncCall   *fc = (FuncCall *) node;
		FuncCandidateList cand;

		/* a function the script creates: volatile unless it says IMMUTABLE or STABLE */
		if (!st->live && name_in(st->created, LINT_NAME_VOLATILE_FUNCTION, NULL,
								 strVal(llast(fc->funcname)), NULL))
			return true;
		cand = FuncnameGetCandidates(fc->funcname, -1, NIL, false, false, false, true);
		for (; cand != NULL; cand = cand->next)
			if (func_volatile(cand->oid) == PROVOLATILE_VOLATILE)
				return true;
		/* functions created earlier in a script: judge by the usual names */
		if (cand == NULL)
		{
			static const char *const volatile_functions[] = {
				"gen_random_uuid", "uuid_generate_v4", "random", "clock_timestamp",
				"nextval", "timeofday", NULL
			};

			if (lint_string_in(strVal(llast(fc->funcname)), volatile_functions))
				return true;
		}
	}
	return raw_expression_tree_walker(node, raw_expr_volatile_walker, context);
}

bool
raw_expr_volatile(LintState *st, Node *expr)
{
	return raw_expr_volatile_walker(expr, st);
}

/* ---- advisory column checks ---- */

/* was this constraint added NOT VALID in the current transaction? */
bool
constraint_added_in_transaction(LintState *st, LintRel *r, const char *conname)
{
	if (!st->live)
		return name_in(st->not_valid, LINT_NAME_NOT_VALID, NULL, conname, r->name);
	if (OidIsValid(r->relid))
	{
		Oid			conoid = get_relation_constraint_oid(r->relid, conname, true);
		HeapTuple	tup;
		bool		result = false;

		if (!OidIsValid(conoid))
			return false;
		tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
		if (HeapTupleIsValid(tup))
		{
			result = catalog_row_created_here(tup, ConstraintRelationId, conoid);
			ReleaseSysCache(tup);
		}
		return result;
	}
	return false;
}

bool
type_is_new(LintState *st, List *names)
{
	TypeName   *tn = makeTypeNameFromNameList(names);
	Type		t;
	bool		result = false;

	if (!st->live && name_in(st->created, LINT_NAME_TYPE, NULL, type_base_name(tn), NULL))
		return true;
	t = LookupTypeName(NULL, tn, NULL, true);
	if (t == NULL)
		return st->live;
	result = catalog_row_created_here((HeapTuple) t, TypeRelationId, typeTypeId(t));
	ReleaseSysCache(t);
	return result;
}
