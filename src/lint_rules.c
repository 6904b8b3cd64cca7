/*-------------------------------------------------------------------------
 *
 * lint_rules.c
 *		The safety linter's rules: raw parse tree + live catalog -> findings.
 *
 * The same code serves the hooks (live mode) and schemamig.lint() (script
 * mode); doc/lint-rules.md describes every rule.
 *
 * Invariants:
 *	- nothing here takes a heavyweight lock on a user relation or changes
 *	  anything: relations are looked up with NoLock and the relation cache
 *	  is read without opening the relation, so error mode can refuse a
 *	  statement before it locks anything;
 *	- a relation is "pre-existing" unless it is temporary, was created in
 *	  the current transaction (rd_createSubid) or, in script mode, was
 *	  created earlier in the script.  Size never matters: an empty table is
 *	  judged as it will be in production.  In script mode a relation that
 *	  is not in the catalog counts as pre-existing (as an offline linter
 *	  would assume); in live mode the statement is left to fail on its own;
 *	- lock levels are those of PostgreSQL 15 (AlterTableGetLockLevel for
 *	  ALTER TABLE, the reference pages for the rest), and rewrite decisions
 *	  repeat the server's own tests (the coercion built and simplified as
 *	  ATColumnChangeRequiresRewrite sees it, predicate_implied_by for
 *	  SET NOT NULL);
 *	- advisory findings are produced only when state->advisory is set and
 *	  never make a statement unsafe.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_type.h"
#include "parser/parsetree.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "schemamig.h"

/* ---- rule table ---- */

typedef struct LintRuleDef
{
	const char *id;
	LintSeverity severity;
	bool		destructive;	/* off in down scripts */
} LintRuleDef;

static const LintRuleDef lint_rule_defs[] = {
	{"require-concurrent-index-creation", LINT_SAFETY, false},
	{"require-concurrent-index-deletion", LINT_SAFETY, false},
	{"require-concurrent-reindex", LINT_SAFETY, false},
	{"require-concurrent-partition-detach", LINT_SAFETY, false},
	{"require-concurrent-refresh", LINT_SAFETY, false},
	{"constraint-missing-not-valid", LINT_SAFETY, false},
	{"adding-foreign-key-constraint", LINT_SAFETY, false},
	{"disallowed-unique-constraint", LINT_SAFETY, false},
	{"adding-serial-primary-key-field", LINT_SAFETY, false},
	{"adding-exclusion-constraint", LINT_SAFETY, false},
	{"adding-field-with-default", LINT_SAFETY, false},
	{"changing-column-type", LINT_SAFETY, false},
	{"adding-not-nullable-field", LINT_SAFETY, false},
	{"alter-table-rewrite", LINT_SAFETY, false},
	{"prefer-repack", LINT_SAFETY, false},
	{"ban-lock-table", LINT_SAFETY, false},
	{"ban-alter-domain-with-add-constraint", LINT_SAFETY, false},
	{"exclusive-lock-held-across-statements", LINT_SAFETY, false},
	{"require-lock-timeout", LINT_SAFETY, false},
	{"adding-required-field", LINT_SAFETY, false},
	{"ban-drop-column", LINT_SAFETY, true},
	{"ban-drop-table", LINT_SAFETY, true},
	{"ban-drop-database", LINT_SAFETY, true},
	{"ban-drop-schema", LINT_SAFETY, true},
	{"renaming-column", LINT_SAFETY, true},
	{"renaming-table", LINT_SAFETY, true},
	{"renaming-enum-value", LINT_SAFETY, true},
	{"ban-drop-not-null", LINT_SAFETY, true},
	{"ban-truncate", LINT_SAFETY, true},
	{"ban-truncate-cascade", LINT_SAFETY, true},
	{"require-where-clause", LINT_SAFETY, true},
	{"ban-concurrent-index-creation-in-transaction", LINT_SAFETY, false},
	{"transaction-nesting", LINT_SAFETY, false},
	{"ban-uncommitted-transaction", LINT_SAFETY, false},
	{"require-statement-timeout", LINT_ADVISORY, false},
	{"prefer-robust-stmts", LINT_ADVISORY, false},
	{"prefer-bigint-over-int", LINT_ADVISORY, false},
	{"prefer-bigint-over-smallint", LINT_ADVISORY, false},
	{"prefer-identity", LINT_ADVISORY, false},
	{"prefer-text-field", LINT_ADVISORY, false},
	{"prefer-timestamptz", LINT_ADVISORY, false},
	{"ban-char-field", LINT_ADVISORY, false},
	{"prefer-jsonb", LINT_ADVISORY, false},
	{"ban-create-domain-with-constraint", LINT_ADVISORY, false},
	{"identifier-too-long", LINT_ADVISORY, false},
	{"require-enum-value-ordering", LINT_ADVISORY, false},
	{"ban-duplicate-column-assignments", LINT_ADVISORY, false},
};

static const LintRuleDef *
lint_rule_def(const char *rule)
{
	int			i;

	for (i = 0; i < (int) lengthof(lint_rule_defs); i++)
		if (strcmp(lint_rule_defs[i].id, rule) == 0)
			return &lint_rule_defs[i];
	return NULL;
}

bool
lint_rule_known(const char *rule)
{
	return lint_rule_def(rule) != NULL;
}

bool
lint_rule_is_destructive(const char *rule)
{
	const LintRuleDef *def = lint_rule_def(rule);

	return def != NULL && def->destructive;
}

const char *
lint_severity_name(LintSeverity severity)
{
	return severity == LINT_SAFETY ? "safety" : "advisory";
}

/* ---- names tracked in script mode ---- */

typedef struct LintName
{
	char		kind;			/* 'r' relation, 'i' index, 't' type, 'n'
								 * schema, 'c' constraint, 'd' domain with
								 * constraints, 'v' validated constraint,
								 * 'a' added column */
	char	   *schema;			/* NULL when not written */
	char	   *name;
	char	   *owner;			/* for 'c': the relation */
} LintName;

typedef struct LintCheck
{
	char	   *relation;
	char	   *name;			/* NULL when unnamed */
	Node	   *expr;			/* raw expression */
	bool		valid;
} LintCheck;

typedef struct LintIndex
{
	char	   *name;
	char	   *relation;
	List	   *columns;		/* of char * (NULL for expressions) */
} LintIndex;

static void
remember_name(LintState *st, char kind, const char *schema, const char *name,
			  const char *owner)
{
	LintName   *n = palloc0(sizeof(LintName));

	n->kind = kind;
	n->schema = schema ? pstrdup(schema) : NULL;
	n->name = pstrdup(name);
	n->owner = owner ? pstrdup(owner) : NULL;
	if (kind == 'c')
		st->not_valid = lappend(st->not_valid, n);
	else if (kind == 'v')
		st->validated = lappend(st->validated, n);
	else if (kind == 'a')
		st->added_columns = lappend(st->added_columns, n);
	else
		st->created = lappend(st->created, n);
}

static bool
name_in(List *names, char kind, const char *schema, const char *name, const char *owner)
{
	ListCell   *lc;

	if (name == NULL)
		return false;
	foreach(lc, names)
	{
		LintName   *n = lfirst(lc);

		if (n->kind != kind || strcmp(n->name, name) != 0)
			continue;
		if (schema && n->schema && strcmp(schema, n->schema) != 0)
			continue;
		if (owner && n->owner && strcmp(owner, n->owner) != 0)
			continue;
		return true;
	}
	return false;
}

/* ---- findings ---- */

static bool findings_have_rule(LintState *st, const char *rule);

static void add_finding(LintState *st, const char *rule, const char *hint,
						const char *fmt,...) pg_attribute_printf(4, 5);

static void
add_finding(LintState *st, const char *rule, const char *hint, const char *fmt,...)
{
	const LintRuleDef *def = lint_rule_def(rule);
	LintFinding *f;
	StringInfoData buf;

	Assert(def != NULL);
	if (def->severity == LINT_ADVISORY && !st->advisory)
		return;
	if (def->destructive && st->down)
		return;
	if (findings_have_rule(st, rule))
		return;					/* one finding per rule and statement */

	initStringInfo(&buf);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	f = palloc0(sizeof(LintFinding));
	f->rule = def->id;
	f->severity = def->severity;
	f->message = buf.data;
	f->hint = pstrdup(hint);
	st->findings = lappend(st->findings, f);
}

/*
 * A CONCURRENTLY command ("CREATE INDEX CONCURRENTLY", ...) cannot run in a
 * transaction block: it fails there, whatever it touches.
 */
static void
ban_concurrent_in_transaction(LintState *st, const char *command)
{
	if (st->in_transaction_block)
		add_finding(st, "ban-concurrent-index-creation-in-transaction",
					psprintf("Run %s on its own, outside a transaction block (a migration of its own).", command),
					"%s cannot run inside a transaction block; the statement fails.", command);
}

static const char *
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

static const char *
lock_blocks(LOCKMODE mode)
{
	if (mode >= AccessExclusiveLock)
		return "reads and writes are blocked";
	if (mode >= ShareLock)
		return "writes are blocked";
	return "other schema changes are blocked";
}

/* ---- relations ---- */

typedef enum LintRelKind
{
	LINT_REL_MISSING,			/* not in the catalog, not created by the
								 * script */
	LINT_REL_NEW,				/* created in this transaction or script */
	LINT_REL_TEMP,				/* temporary */
	LINT_REL_EXISTING			/* pre-existing */
} LintRelKind;

typedef struct LintRel
{
	LintRelKind kind;
	Oid			relid;
	char		relkind;
	const char *name;
} LintRel;

static LintRel
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
	else if (rel->rd_createSubid != InvalidSubTransactionId)
		r.kind = LINT_REL_NEW;
	else
		r.kind = LINT_REL_EXISTING;
	RelationClose(rel);
	return r;
}

static LintRel
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
	if (!st->live && name_in(st->created, 'r', rv->schemaname, rv->relname, NULL))
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

static LintRel
lookup_names(LintState *st, List *names)
{
	return lookup_rangevar(st, makeRangeVarFromNameList(names));
}

/* the rules of a pre-existing relation apply */
static bool
rel_preexisting(LintState *st, LintRel *r)
{
	if (r->kind == LINT_REL_EXISTING)
		return true;
	return r->kind == LINT_REL_MISSING && !st->live;
}

/* record a lock the statement takes, for the lock rules */
static void
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

static AttrNumber
column_attnum(LintRel *r, const char *colname)
{
	if (!OidIsValid(r->relid) || colname == NULL)
		return InvalidAttrNumber;
	return get_attnum(r->relid, colname);
}

static bool
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
static bool
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
			if (!c->valid && !name_in(st->validated, 'v', NULL, c->name, r->name))
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
					!(!st->live && name_in(st->validated, 'v', NULL, check->ccname, r->name)))
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
static bool
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

/*
 * Would ALTER COLUMN TYPE rewrite the table?  Builds the coercion the
 * server builds (assignment cast, simplified by expression_planner so that
 * varchar(n) -> varchar(m >= n) becomes a RelabelType) and walks it as
 * ATColumnChangeRequiresRewrite does.  *known is false when the catalog
 * cannot tell (type unknown: created earlier in the script).
 */
static bool
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
static const char *
type_base_name(TypeName *tn)
{
	Node	   *last;

	if (tn == NULL || tn->names == NIL)
		return "";
	last = llast(tn->names);
	return IsA(last, String) ? strVal(last) : "";
}

static bool
type_is_serial(TypeName *tn)
{
	const char *n = type_base_name(tn);

	return list_length(tn->names) == 1 &&
		(strcmp(n, "serial") == 0 || strcmp(n, "serial4") == 0 ||
		 strcmp(n, "bigserial") == 0 || strcmp(n, "serial8") == 0 ||
		 strcmp(n, "smallserial") == 0 || strcmp(n, "serial2") == 0);
}

/* a domain with constraints makes ADD COLUMN rewrite, default or not */
static bool
type_is_constrained_domain(LintState *st, TypeName *tn)
{
	Type		t;
	Oid			typid;
	bool		result = false;

	if (tn == NULL)
		return false;
	if (!st->live && name_in(st->created, 'd', NULL, type_base_name(tn), NULL))
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
	if (node == NULL)
		return false;
	if (IsA(node, FuncCall))
	{
		FuncCall   *fc = (FuncCall *) node;
		FuncCandidateList cand;

		cand = FuncnameGetCandidates(fc->funcname, -1, NIL, false, false, false, true);
		for (; cand != NULL; cand = cand->next)
			if (func_volatile(cand->oid) == PROVOLATILE_VOLATILE)
				return true;
		/* functions created earlier in a script: judge by the usual names */
		if (cand == NULL)
		{
			const char *name = strVal(llast(fc->funcname));

			if (strcmp(name, "gen_random_uuid") == 0 || strcmp(name, "uuid_generate_v4") == 0 ||
				strcmp(name, "random") == 0 || strcmp(name, "clock_timestamp") == 0 ||
				strcmp(name, "nextval") == 0 || strcmp(name, "timeofday") == 0)
				return true;
		}
	}
	return raw_expression_tree_walker(node, raw_expr_volatile_walker, context);
}

static bool
raw_expr_volatile(Node *expr)
{
	return raw_expr_volatile_walker(expr, NULL);
}

/* ---- advisory column checks ---- */

static void
lint_column_type_advice(LintState *st, TypeName *tn, const char *colname)
{
	const char *n;
	bool		catalog_name;

	if (!st->advisory || tn == NULL)
		return;
	n = type_base_name(tn);
	catalog_name = list_length(tn->names) == 2 &&
		strcmp(strVal(linitial(tn->names)), "pg_catalog") == 0;
	if (!catalog_name && list_length(tn->names) != 1)
		return;
	if (strcmp(n, "int4") == 0 || strcmp(n, "serial") == 0 || strcmp(n, "serial4") == 0)
		add_finding(st, "prefer-bigint-over-int", "Use bigint (or bigserial/identity bigint): it costs 4 bytes more and never runs out.",
					"Column \"%s\" is a 32-bit integer, which can run out of values.", colname);
	if (strcmp(n, "int2") == 0 || strcmp(n, "smallserial") == 0 || strcmp(n, "serial2") == 0)
		add_finding(st, "prefer-bigint-over-smallint", "Use bigint.",
					"Column \"%s\" is a 16-bit integer, which can run out of values.", colname);
	if (type_is_serial(tn))
		add_finding(st, "prefer-identity", "Use bigint GENERATED BY DEFAULT AS IDENTITY.",
					"Column \"%s\" is a serial: its sequence has separate ownership and permissions.", colname);
	if (strcmp(n, "varchar") == 0 && tn->typmods != NIL)
		add_finding(st, "prefer-text-field", "Use text with a CHECK (length(col) <= n) constraint, which can be changed without a rewrite.",
					"Column \"%s\" is varchar(n): shrinking the limit later rewrites the table.", colname);
	if (strcmp(n, "timestamp") == 0)
		add_finding(st, "prefer-timestamptz", "Use timestamptz.",
					"Column \"%s\" is timestamp without time zone.", colname);
	if (strcmp(n, "bpchar") == 0)
		add_finding(st, "ban-char-field", "Use text (with a CHECK constraint if the length matters).",
					"Column \"%s\" is char(n), which pads with blanks.", colname);
	if (strcmp(n, "json") == 0)
		add_finding(st, "prefer-jsonb", "Use jsonb.",
					"Column \"%s\" is json, which has no equality operator and is reparsed on every access.", colname);
}

/* ---- the rules, by statement ---- */

static const char *HINT_CONCURRENT_INDEX =
"Use CREATE INDEX CONCURRENTLY in a migration of its own (it cannot run in a transaction block).";
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

/* was the column added by an earlier statement (of the script, or live: of the transaction)? */
static bool
column_is_new(LintState *st, LintRel *r, const char *colname)
{
	return colname != NULL && name_in(st->added_columns, 'a', NULL, colname, r->name);
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
				if (raw_expr_volatile(c->raw_expr))
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
					add_finding(st, "constraint-missing-not-valid", HINT_NOT_VALID,
								"ADD COLUMN \"%s\" with a CHECK constraint scans \"%s\" under an ACCESS EXCLUSIVE lock to validate it; reads and writes are blocked.",
								col->colname, r->name);
				break;
			case CONSTR_FOREIGN:
				if (existing && !c->skip_validation && validates_references)
				{
					add_finding(st, "adding-foreign-key-constraint",
								"Add the column first, then ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID and VALIDATE CONSTRAINT in a later transaction.",
								"ADD COLUMN \"%s\" with REFERENCES validates the key while holding a SHARE ROW EXCLUSIVE lock on \"%s\" and on the referenced table; writes to both are blocked.",
								col->colname, r->name);
					add_finding(st, "constraint-missing-not-valid", HINT_NOT_VALID,
								"ADD COLUMN \"%s\" with REFERENCES validates the foreign key against every row of \"%s\" while locks are held.",
								col->colname, r->name);
				}
				break;
			case CONSTR_UNIQUE:
				if (existing)
					add_finding(st, "disallowed-unique-constraint",
								"Add the column, CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... UNIQUE USING INDEX.",
								"ADD COLUMN \"%s\" UNIQUE builds its index on \"%s\" under an ACCESS EXCLUSIVE lock; reads and writes are blocked for the whole build.",
								col->colname, r->name);
				break;
			case CONSTR_PRIMARY:
				primary = true;
				if (existing)
					add_finding(st, "adding-serial-primary-key-field",
								"Add the column, CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... PRIMARY KEY USING INDEX.",
								"ADD COLUMN \"%s\" PRIMARY KEY builds its index on \"%s\" under an ACCESS EXCLUSIVE lock; reads and writes are blocked for the whole build.",
								col->colname, r->name);
				break;
			case CONSTR_EXCLUSION:
				if (existing)
					add_finding(st, "adding-exclusion-constraint",
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
			add_finding(st, "adding-field-with-default",
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
			add_finding(st, "adding-required-field", HINT_REQUIRED_FIELD,
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
				add_finding(st, "constraint-missing-not-valid", HINT_NOT_VALID,
							"ADD CONSTRAINT ... CHECK scans \"%s\" under an ACCESS EXCLUSIVE lock to validate it; reads and writes are blocked for the whole scan.",
							r->name);
				st->slow = true;
			}
			break;
		case CONSTR_FOREIGN:
			if (existing && !c->skip_validation)
			{
				add_finding(st, "constraint-missing-not-valid", HINT_NOT_VALID,
							"ADD CONSTRAINT ... FOREIGN KEY validates every row of \"%s\" while the locks are held.",
							r->name);
				add_finding(st, "adding-foreign-key-constraint",
							"Use ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then VALIDATE CONSTRAINT in a later transaction (SHARE UPDATE EXCLUSIVE on the table, ROW SHARE on the referenced one).",
							"ADD FOREIGN KEY takes a SHARE ROW EXCLUSIVE lock on \"%s\" and on \"%s\" while it scans \"%s\"; writes to both tables are blocked.",
							r->name, c->pktable ? c->pktable->relname : "?", r->name);
				st->slow = true;
			}
			break;
		case CONSTR_UNIQUE:
			if (existing && c->indexname == NULL)
			{
				add_finding(st, "disallowed-unique-constraint",
							"CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... UNIQUE USING INDEX.",
							"ADD CONSTRAINT ... UNIQUE builds its index on \"%s\" under an ACCESS EXCLUSIVE lock; reads and writes are blocked for the whole build.",
							r->name);
				st->slow = true;
			}
			break;
		case CONSTR_PRIMARY:
			if (existing && c->indexname == NULL)
			{
				add_finding(st, "adding-serial-primary-key-field",
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
					add_finding(st, "adding-not-nullable-field", HINT_SET_NOT_NULL,
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
				add_finding(st, "adding-not-nullable-field", HINT_SET_NOT_NULL,
							"ADD CONSTRAINT ... NOT NULL on \"%s\".\"%s\" scans the whole table under an ACCESS EXCLUSIVE lock; reads and writes are blocked for the whole scan.",
							r->name, col);
				st->slow = true;
			}
			break;
		case CONSTR_EXCLUSION:
			if (existing)
			{
				add_finding(st, "adding-exclusion-constraint",
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

/* was this constraint added NOT VALID in the current transaction? */
static bool
constraint_added_in_transaction(LintState *st, LintRel *r, const char *conname)
{
	if (!st->live)
		return name_in(st->not_valid, 'c', NULL, conname, r->name);
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
			result = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup->t_data));
			ReleaseSysCache(tup);
		}
		return result;
	}
	return false;
}

static void
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
				lint_column_def_added(st, &r, castNode(ColumnDef, cmd->def),
									  alter_validates_inline_references(stmt));
				if (st->advisory && !st->in_transaction && !cmd->missing_ok)
					add_finding(st, "prefer-robust-stmts", "Use ADD COLUMN IF NOT EXISTS so a re-run after a failure succeeds.",
								"ADD COLUMN without IF NOT EXISTS outside a transaction cannot be re-run.");
				break;
			case AT_AddConstraint:
				lint_add_constraint(st, &r, castNode(Constraint, cmd->def));
				break;
			case AT_ValidateConstraint:
				st->slow = true;
				if (existing && constraint_added_in_transaction(st, &r, cmd->name))
					add_finding(st, "constraint-missing-not-valid",
								"Commit after adding the constraint NOT VALID and run VALIDATE CONSTRAINT in a later transaction (a later migration).",
								"VALIDATE CONSTRAINT \"%s\" runs in the transaction that added it NOT VALID, so the scan of \"%s\" happens while the lock taken by the ADD is still held.",
								cmd->name, r.name);
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
						add_finding(st, "changing-column-type",
									"Add a new column of the new type, backfill it in batches, switch readers and writers over, then drop the old column.",
									"ALTER COLUMN \"%s\" TYPE rewrites \"%s\" and rebuilds its indexes under an ACCESS EXCLUSIVE lock; reads and writes are blocked for the whole rewrite.",
									cmd->name, r.name);
					else if (column_has_check(&r, attnum))
						add_finding(st, "changing-column-type",
									"Drop the CHECK constraint first, change the type, then re-add it NOT VALID and validate it in a later transaction.",
									"ALTER COLUMN \"%s\" TYPE re-validates the CHECK constraints on the column by scanning \"%s\" under an ACCESS EXCLUSIVE lock.",
									cmd->name, r.name);
					else
						rewrites = false;
					if (rewrites || findings_have_rule(st, "changing-column-type"))
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
					add_finding(st, "adding-not-nullable-field", HINT_SET_NOT_NULL,
								"SET NOT NULL on \"%s\".\"%s\" scans the whole table under an ACCESS EXCLUSIVE lock; reads and writes are blocked for the whole scan.",
								r.name, cmd->name);
					st->slow = true;
				}
				break;
			case AT_DropNotNull:
				if (existing && !column_is_new(st, &r, cmd->name) &&
					!(OidIsValid(r.relid) && column_attnum(&r, cmd->name) > 0 &&
					  !column_not_null(&r, column_attnum(&r, cmd->name))))
					add_finding(st, "ban-drop-not-null",
								"Keep the column NOT NULL until every reader handles NULLs, and deploy that first.",
								"DROP NOT NULL on \"%s\".\"%s\": readers that rely on the column being set may now get NULLs.",
								r.name, cmd->name);
				break;
			case AT_DropColumn:
				if (existing && !column_is_new(st, &r, cmd->name) &&
					!(cmd->missing_ok && OidIsValid(r.relid) &&
					  column_attnum(&r, cmd->name) == InvalidAttrNumber))
					add_finding(st, "ban-drop-column",
								"Stop using the column in the application first and deploy that; drop it in a later migration, with -- schemamig:allow ban-drop-column <reason>.",
								"DROP COLUMN \"%s\" on \"%s\" loses its data, and running code that still uses it fails.",
								cmd->name, r.name);
				if (st->advisory && !st->in_transaction && !cmd->missing_ok)
					add_finding(st, "prefer-robust-stmts", "Use DROP COLUMN IF EXISTS so a re-run after a failure succeeds.",
								"DROP COLUMN without IF EXISTS outside a transaction cannot be re-run.");
				break;
			case AT_DropConstraint:
				if (st->advisory && !st->in_transaction && !cmd->missing_ok)
					add_finding(st, "prefer-robust-stmts", "Use DROP CONSTRAINT IF EXISTS so a re-run after a failure succeeds.",
								"DROP CONSTRAINT without IF EXISTS outside a transaction cannot be re-run.");
				break;
			case AT_SetLogged:
			case AT_SetUnLogged:
			case AT_SetAccessMethod:
			case AT_SetTableSpace:
				if (existing)
				{
					add_finding(st, "alter-table-rewrite",
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
					add_finding(st, "alter-table-rewrite",
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
						add_finding(st, "require-concurrent-partition-detach",
									"Use ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY in a migration of its own.",
									"DETACH PARTITION takes an ACCESS EXCLUSIVE lock on \"%s\" and on \"%s\"; reads and writes are blocked on both.",
									r.name, pc->name->relname);
				}
				break;
			case AT_AttachPartition:
				{
					PartitionCmd *pc = (PartitionCmd *) cmd->def;
					LintRel		part = lookup_rangevar(st, pc->name);

					note_lock(st, &part, AccessExclusiveLock);
				}
				break;
			default:
				break;
		}
	}
}

static bool
findings_have_rule(LintState *st, const char *rule)
{
	ListCell   *lc;

	foreach(lc, st->findings)
		if (strcmp(((LintFinding *) lfirst(lc))->rule, rule) == 0)
			return true;
	return false;
}

static void
lint_index_stmt(LintState *st, IndexStmt *stmt)
{
	LintRel		r = lookup_rangevar(st, stmt->relation);

	if (r.kind == LINT_REL_MISSING && st->live)
		return;
	if (stmt->concurrent)
	{
		note_lock(st, &r, ShareUpdateExclusiveLock);
		ban_concurrent_in_transaction(st, "CREATE INDEX CONCURRENTLY");
	}
	else
	{
		note_lock(st, &r, ShareLock);
		if (rel_preexisting(st, &r))
		{
			bool		partitioned = r.relkind == RELKIND_PARTITIONED_TABLE;

			/* CREATE INDEX ON ONLY a partitioned table builds nothing */
			if (!(partitioned && !stmt->relation->inh))
			{
				add_finding(st, "require-concurrent-index-creation",
							partitioned
							? "Create the index ON ONLY the partitioned table, CREATE INDEX CONCURRENTLY on each partition, then ALTER INDEX ... ATTACH PARTITION each one."
							: HINT_CONCURRENT_INDEX,
							"CREATE %sINDEX takes a SHARE lock on \"%s\" for the whole build; writes are blocked.",
							stmt->unique ? "UNIQUE " : "", r.name);
				st->slow = true;
			}
		}
	}
	if (st->advisory && !st->in_transaction && !stmt->if_not_exists)
		add_finding(st, "prefer-robust-stmts", "Use CREATE INDEX CONCURRENTLY IF NOT EXISTS, and drop an INVALID leftover before a re-run.",
					"CREATE INDEX without IF NOT EXISTS outside a transaction cannot be re-run after a failure.");
}

/* the table of a DROP INDEX target */
static LintRel
lookup_index_table(LintState *st, List *names, bool *index_new)
{
	LintRel		ix;
	LintRel		r;
	Oid			heap;

	*index_new = false;
	memset(&r, 0, sizeof(r));
	ix = lookup_names(st, names);
	if (!st->live && name_in(st->created, 'i', NULL, strVal(llast(names)), NULL))
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

static void
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
						add_finding(st, "ban-drop-table",
									"Stop using the table in the application first; drop it in a later migration, with -- schemamig:allow ban-drop-table <reason>.",
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
							add_finding(st, "require-concurrent-index-deletion",
										"Use DROP INDEX CONCURRENTLY in a migration of its own.",
										"DROP INDEX takes an ACCESS EXCLUSIVE lock on \"%s\"; reads and writes are blocked until it commits.",
										r.name);
					}
					break;
				}
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

					if (!st->live && name_in(st->created, 'n', NULL, name, NULL))
						new_schema = true;
					nsp = get_namespace_oid(name, true);
					if (OidIsValid(nsp))
					{
						HeapTuple	tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nsp));

						if (HeapTupleIsValid(tup))
						{
							if (TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup->t_data)) ||
								isTempNamespace(nsp))
								new_schema = true;
							ReleaseSysCache(tup);
						}
					}
					else if (!new_schema && (st->live || stmt->missing_ok))
						skip = true;
					if (!new_schema && !skip)
						add_finding(st, "ban-drop-schema",
									"Drop the objects one by one in migrations that say why, after the application stopped using them.",
									"DROP SCHEMA \"%s\"%s drops everything in it, with its data.",
									name, stmt->behavior == DROP_CASCADE ? " CASCADE" : "");
					break;
				}
			default:
				break;
		}
	}
	if (st->advisory && !st->in_transaction && !stmt->missing_ok &&
		(stmt->removeType == OBJECT_TABLE || stmt->removeType == OBJECT_INDEX ||
		 stmt->removeType == OBJECT_TYPE))
		add_finding(st, "prefer-robust-stmts", "Use DROP ... IF EXISTS so a re-run after a failure succeeds.",
					"DROP without IF EXISTS outside a transaction cannot be re-run.");
}

static void
lint_reindex_stmt(LintState *st, ReindexStmt *stmt)
{
	bool		concurrent = script_option_is_true(stmt->params, "concurrently", false);
	LintRel		r;
	bool		index_new = false;

	memset(&r, 0, sizeof(r));
	if (stmt->kind == REINDEX_OBJECT_INDEX)
		r = lookup_index_table(st, list_make1(makeString(stmt->relation->relname)), &index_new);
	else if (stmt->kind == REINDEX_OBJECT_TABLE)
		r = lookup_rangevar(st, stmt->relation);
	else
	{
		r.kind = LINT_REL_EXISTING;
		r.name = stmt->name ? stmt->name : "the database";
	}
	if (stmt->kind == REINDEX_OBJECT_INDEX && stmt->relation->schemaname)
		r = lookup_index_table(st, list_make2(makeString(stmt->relation->schemaname),
											  makeString(stmt->relation->relname)), &index_new);
	if (r.kind == LINT_REL_MISSING && st->live)
		return;
	if (concurrent)
	{
		note_lock(st, &r, ShareUpdateExclusiveLock);
		ban_concurrent_in_transaction(st, "REINDEX CONCURRENTLY");
		return;
	}
	note_lock(st, &r, ShareLock);
	if (!index_new && rel_preexisting(st, &r))
	{
		add_finding(st, "require-concurrent-reindex",
					"Use REINDEX ... CONCURRENTLY, outside a transaction block.",
					"REINDEX takes a SHARE lock on \"%s\" and an ACCESS EXCLUSIVE lock on the indexes it rebuilds; writes are blocked, and so are reads that use those indexes.",
					r.name);
		st->slow = true;
	}
}

static void
lint_lock_stmt(LintState *st, LockStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->relations)
	{
		LintRel		r = lookup_rangevar(st, lfirst_node(RangeVar, lc));

		if (r.kind == LINT_REL_MISSING && st->live)
			continue;
		note_lock(st, &r, stmt->mode);
		if (stmt->mode >= ShareLock && rel_preexisting(st, &r))
			add_finding(st, "ban-lock-table",
						"Do not lock tables explicitly; let each statement take the lock it needs, with lock_timeout set.",
						"LOCK TABLE takes a%s %s lock on \"%s\" until the transaction ends; %s.",
						stmt->mode == AccessExclusiveLock || stmt->mode == ExclusiveLock ? "n" : "",
						lock_mode_name(stmt->mode), r.name, lock_blocks(stmt->mode));
	}
}

static void
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
			add_finding(st, "ban-truncate",
						"Delete in batches with a WHERE clause, or allow it with -- schemamig:allow ban-truncate <reason>.",
						"TRUNCATE \"%s\" removes every row and takes an ACCESS EXCLUSIVE lock; reads and writes are blocked.",
						r.name);
	}
	if (stmt->behavior == DROP_CASCADE)
		add_finding(st, "ban-truncate-cascade",
					"Name every table to truncate and drop CASCADE.",
					"TRUNCATE ... CASCADE also empties every table that references the named ones, without naming them.");
}

static void
lint_rename_stmt(LintState *st, RenameStmt *stmt)
{
	LintRel		r;

	if (stmt->relation == NULL)
		return;
	r = lookup_rangevar(st, stmt->relation);
	if (r.kind == LINT_REL_MISSING && (st->live || stmt->missing_ok))
		return;
	note_lock(st, &r, stmt->renameType == OBJECT_INDEX ? ShareUpdateExclusiveLock : AccessExclusiveLock);
	if (!rel_preexisting(st, &r))
		return;
	if (stmt->renameType == OBJECT_COLUMN &&
		(stmt->relationType == OBJECT_TABLE || stmt->relationType == OBJECT_FOREIGN_TABLE) &&
		!column_is_new(st, &r, stmt->subname))
		add_finding(st, "renaming-column",
					"Add the new column, write both, backfill, move readers, then drop the old one; or rename behind a view.",
					"RENAME COLUMN \"%s\" on \"%s\" breaks running code that uses the old name.",
					stmt->subname, r.name);
	else if (stmt->renameType == OBJECT_TABLE &&
			 (r.relkind == 0 || r.relkind == RELKIND_RELATION ||
			  r.relkind == RELKIND_PARTITIONED_TABLE || r.relkind == RELKIND_FOREIGN_TABLE))
		add_finding(st, "renaming-table",
					"Create the new name as a view over the table (or the other way round) until every client uses the new name.",
					"RENAME TO on \"%s\" breaks running code that uses the old name.",
					r.name);
}

static void
lint_object_schema_stmt(LintState *st, AlterObjectSchemaStmt *stmt)
{
	LintRel		r;

	if (stmt->relation == NULL)
		return;
	r = lookup_rangevar(st, stmt->relation);
	if (r.kind == LINT_REL_MISSING && (st->live || stmt->missing_ok))
		return;
	note_lock(st, &r, AccessExclusiveLock);
	if (stmt->objectType == OBJECT_TABLE && rel_preexisting(st, &r))
		add_finding(st, "renaming-table",
					"Keep a view under the old name until every client uses the new schema.",
					"SET SCHEMA on \"%s\" breaks running code that uses the old qualified name.",
					r.name);
}

/* was a type created in this transaction or earlier in the script? */
static bool
type_is_new(LintState *st, List *names)
{
	TypeName   *tn = makeTypeNameFromNameList(names);
	Type		t;
	bool		result = false;

	if (!st->live && name_in(st->created, 't', NULL, type_base_name(tn), NULL))
		return true;
	t = LookupTypeName(NULL, tn, NULL, true);
	if (t == NULL)
		return st->live;
	result = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(((HeapTuple) t)->t_data));
	ReleaseSysCache(t);
	return result;
}

static void
lint_alter_enum(LintState *st, AlterEnumStmt *stmt)
{
	if (stmt->oldVal != NULL)
	{
		if (!type_is_new(st, stmt->typeName))
			add_finding(st, "renaming-enum-value",
						"Add the new value, move the data and the code to it, and keep the old value.",
						"RENAME VALUE '%s' breaks running code and stored queries that use the old label.",
						stmt->oldVal);
	}
	else if (stmt->newVal != NULL && stmt->newValNeighbor == NULL)
		add_finding(st, "require-enum-value-ordering",
					"Say where the value goes with BEFORE or AFTER.",
					"ADD VALUE '%s' without BEFORE or AFTER appends it, which may not be the order you want for comparisons.",
					stmt->newVal);
}

static void
lint_alter_domain(LintState *st, AlterDomainStmt *stmt)
{
	bool		scans = false;

	if (stmt->subtype == 'C')
	{
		Constraint *c = (Constraint *) stmt->def;

		scans = c != NULL && IsA(c, Constraint) && !c->skip_validation;
	}
	else if (stmt->subtype == 'O')
		scans = true;
	if (scans && !type_is_new(st, stmt->typeName))
	{
		add_finding(st, "ban-alter-domain-with-add-constraint",
					"Add the domain constraint NOT VALID, then ALTER DOMAIN ... VALIDATE CONSTRAINT in a later transaction.",
					"ALTER DOMAIN %s checks every column of the domain, holding a SHARE lock on each table that uses it; writes are blocked for the whole scan.",
					stmt->subtype == 'C' ? "ADD CONSTRAINT" : "SET NOT NULL");
		st->slow = true;
	}
}

static void
lint_refresh_stmt(LintState *st, RefreshMatViewStmt *stmt)
{
	LintRel		r = lookup_rangevar(st, stmt->relation);

	if (r.kind == LINT_REL_MISSING && st->live)
		return;
	note_lock(st, &r, stmt->concurrent ? ExclusiveLock : AccessExclusiveLock);
	st->slow = true;
	if (!stmt->concurrent && !stmt->skipData && rel_preexisting(st, &r))
		add_finding(st, "require-concurrent-refresh",
					"Use REFRESH MATERIALIZED VIEW CONCURRENTLY (it needs a unique index on the view).",
					"REFRESH MATERIALIZED VIEW takes an ACCESS EXCLUSIVE lock on \"%s\" for the whole query; reads are blocked.",
					r.name);
}

static void
lint_repack(LintState *st, RangeVar *rv, const char *what)
{
	LintRel		r;

	if (rv == NULL)
	{
		r.kind = LINT_REL_EXISTING;
		r.relid = InvalidOid;
		r.relkind = 0;
		r.name = "every table";
	}
	else
		r = lookup_rangevar(st, rv);
	if (r.kind == LINT_REL_MISSING && st->live)
		return;
	note_lock(st, &r, AccessExclusiveLock);
	if (rel_preexisting(st, &r))
	{
		add_finding(st, "prefer-repack",
					"Use pg_repack (PostgreSQL 19 and later: REPACK CONCURRENTLY), which holds the ACCESS EXCLUSIVE lock only briefly.",
					"%s rewrites \"%s\" under an ACCESS EXCLUSIVE lock; reads and writes are blocked for the whole rewrite.",
					what, r.name);
		st->slow = true;
	}
}

static void
lint_vacuum_stmt(LintState *st, VacuumStmt *stmt)
{
	ListCell   *lc;

	if (!stmt->is_vacuumcmd || !script_option_is_true(stmt->options, "full", false))
		return;
	if (stmt->rels == NIL)
		lint_repack(st, NULL, "VACUUM FULL");
	foreach(lc, stmt->rels)
		lint_repack(st, lfirst_node(VacuumRelation, lc)->relation, "VACUUM FULL");
}

/* ---- DML ---- */

/* does this EXPLAIN run its statement (ANALYZE)? */
bool
lint_explain_executes(Node *stmt)
{
	return IsA(stmt, ExplainStmt) &&
		script_option_is_true(((ExplainStmt *) stmt)->options, "analyze", false);
}

static void
lint_where(LintState *st, LintRel *r, bool has_where, const char *what)
{
	if (has_where || !rel_preexisting(st, r))
		return;
	add_finding(st, "require-where-clause",
				"Add a WHERE clause (WHERE true if every row is meant), and backfill large tables in batches.",
				"%s without WHERE changes every row of \"%s\".", what, r->name);
}

static void lint_raw_dml(LintState *st, Node *stmt);

static void
lint_with_clause(LintState *st, WithClause *with)
{
	ListCell   *lc;

	if (with == NULL)
		return;
	foreach(lc, with->ctes)
	{
		CommonTableExpr *cte = lfirst_node(CommonTableExpr, lc);

		if (IsA(cte->ctequery, UpdateStmt) || IsA(cte->ctequery, DeleteStmt) ||
			IsA(cte->ctequery, InsertStmt) || IsA(cte->ctequery, MergeStmt))
			lint_raw_dml(st, cte->ctequery);
	}
}

static void
lint_duplicate_targets(LintState *st, List *targets, const char *what)
{
	ListCell   *a;
	ListCell   *b;

	if (!st->advisory)
		return;
	foreach(a, targets)
	{
		ResTarget  *ra = lfirst(a);

		for_each_cell(b, targets, lnext(targets, a))
		{
			ResTarget  *rb = lfirst(b);

			if (ra->name && rb->name && strcmp(ra->name, rb->name) == 0 &&
				ra->indirection == NIL && rb->indirection == NIL)
			{
				add_finding(st, "ban-duplicate-column-assignments",
							"Assign each column once.",
							"Column \"%s\" is %s twice; the statement fails at run time.", ra->name, what);
				return;
			}
		}
	}
}

static void
lint_raw_dml(LintState *st, Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_UpdateStmt:
			{
				UpdateStmt *u = (UpdateStmt *) stmt;
				LintRel		r = lookup_rangevar(st, u->relation);

				st->slow = true;
				lint_with_clause(st, u->withClause);
				lint_where(st, &r, u->whereClause != NULL, "UPDATE");
				lint_duplicate_targets(st, u->targetList, "assigned");
				break;
			}
		case T_DeleteStmt:
			{
				DeleteStmt *d = (DeleteStmt *) stmt;
				LintRel		r = lookup_rangevar(st, d->relation);

				st->slow = true;
				lint_with_clause(st, d->withClause);
				lint_where(st, &r, d->whereClause != NULL, "DELETE");
				break;
			}
		case T_InsertStmt:
			{
				InsertStmt *i = (InsertStmt *) stmt;
				SelectStmt *sel = (SelectStmt *) i->selectStmt;

				lint_with_clause(st, i->withClause);
				if (sel && IsA(sel, SelectStmt))
				{
					lint_with_clause(st, sel->withClause);
					if (sel->valuesLists == NIL)
						st->slow = true;
				}
				lint_duplicate_targets(st, i->cols, "listed");
				break;
			}
		case T_MergeStmt:
			st->slow = true;
			lint_with_clause(st, ((MergeStmt *) stmt)->withClause);
			break;
		case T_SelectStmt:
			lint_with_clause(st, ((SelectStmt *) stmt)->withClause);
			break;
		default:
			break;
	}
}

/* UPDATE/DELETE without WHERE in an analyzed query (the hook's view) */
static void
lint_query_dml(LintState *st, Query *q)
{
	ListCell   *lc;

	foreach(lc, q->cteList)
	{
		CommonTableExpr *cte = lfirst_node(CommonTableExpr, lc);

		if (IsA(cte->ctequery, Query))
			lint_query_dml(st, (Query *) cte->ctequery);
	}
	if (q->commandType == CMD_UPDATE || q->commandType == CMD_DELETE ||
		q->commandType == CMD_MERGE)
		st->slow = true;
	if (q->commandType == CMD_INSERT)
	{
		foreach(lc, q->rtable)
			if (((RangeTblEntry *) lfirst(lc))->rtekind == RTE_SUBQUERY)
				st->slow = true;
	}
	if ((q->commandType == CMD_UPDATE || q->commandType == CMD_DELETE) &&
		q->resultRelation > 0)
	{
		RangeTblEntry *rte = rt_fetch(q->resultRelation, q->rtable);
		LintRel		r = lookup_oid(st, rte->relid, NULL);

		lint_where(st, &r, q->jointree && q->jointree->quals != NULL,
				   q->commandType == CMD_UPDATE ? "UPDATE" : "DELETE");
	}
}

/* ---- CREATE ---- */

static void
lint_create_stmt(LintState *st, CreateStmt *stmt)
{
	ListCell   *lc;
	List	   *names = NIL;

	if (stmt->relation->relpersistence != RELPERSISTENCE_TEMP)
		st->only_temporary = false;
	st->touched_relation = true;
	foreach(lc, stmt->tableElts)
	{
		Node	   *elt = lfirst(lc);

		if (IsA(elt, ColumnDef))
		{
			ColumnDef  *col = (ColumnDef *) elt;
			ListCell   *cc;

			lint_column_type_advice(st, col->typeName, col->colname);
			if (list_member(names, makeString(col->colname)))
				add_finding(st, "ban-duplicate-column-assignments", "Declare each column once.",
							"Column \"%s\" is declared twice; the statement fails.", col->colname);
			names = lappend(names, makeString(col->colname));
			foreach(cc, col->constraints)
			{
				Constraint *c = lfirst_node(Constraint, cc);

				if (c->contype == CONSTR_FOREIGN && c->pktable)
				{
					LintRel		ref = lookup_rangevar(st, c->pktable);

					if (ref.kind != LINT_REL_MISSING)
						note_lock(st, &ref, ShareRowExclusiveLock);
				}
			}
		}
		else if (IsA(elt, Constraint))
		{
			Constraint *c = (Constraint *) elt;

			if (c->contype == CONSTR_FOREIGN && c->pktable)
			{
				LintRel		ref = lookup_rangevar(st, c->pktable);

				if (ref.kind != LINT_REL_MISSING)
					note_lock(st, &ref, ShareRowExclusiveLock);
			}
		}
	}
	if (stmt->partbound != NULL)
	{
		foreach(lc, stmt->inhRelations)
		{
			LintRel		parent = lookup_rangevar(st, lfirst_node(RangeVar, lc));

			if (parent.kind != LINT_REL_MISSING)
				note_lock(st, &parent, AccessExclusiveLock);
		}
	}
	if (st->advisory && !st->in_transaction && !stmt->if_not_exists &&
		stmt->relation->relpersistence != RELPERSISTENCE_TEMP)
		add_finding(st, "prefer-robust-stmts", "Use CREATE TABLE IF NOT EXISTS so a re-run after a failure succeeds.",
					"CREATE TABLE without IF NOT EXISTS outside a transaction cannot be re-run.");
}

static void
lint_relation_lock(LintState *st, RangeVar *rv, LOCKMODE mode)
{
	LintRel		r;

	if (rv == NULL)
		return;
	r = lookup_rangevar(st, rv);
	if (r.kind != LINT_REL_MISSING)
		note_lock(st, &r, mode);
}

/* ---- identifiers longer than NAMEDATALEN - 1 (the scanner truncates) ---- */

void
lint_identifiers(LintState *st, const char *text)
{
	const char *p = text;

	if (!st->advisory || text == NULL)
		return;
	while (*p)
	{
		if (p[0] == '-' && p[1] == '-')
		{
			while (*p && *p != '\n')
				p++;
		}
		else if (p[0] == '/' && p[1] == '*')
		{
			p += 2;
			while (*p && !(p[0] == '*' && p[1] == '/'))
				p++;
			if (*p)
				p += 2;
		}
		else if (*p == '\'')
		{
			p++;
			while (*p && !(*p == '\'' && p[1] != '\''))
				p += (*p == '\'' ? 2 : 1);
			if (*p)
				p++;
		}
		else if (*p == '$')
		{
			/* dollar quote: skip to the matching tag */
			const char *tag_end = p + 1;

			while (*tag_end && (isalnum((unsigned char) *tag_end) || *tag_end == '_'))
				tag_end++;
			if (*tag_end == '$')
			{
				int			taglen = tag_end - p + 1;
				const char *close = strstr(tag_end + 1, pnstrdup(p, taglen));

				p = close ? close + taglen : tag_end + 1;
			}
			else
				p++;
		}
		else if (*p == '"' || isalpha((unsigned char) *p) || *p == '_' || IS_HIGHBIT_SET(*p))
		{
			const char *start = p;
			int			len;

			if (*p == '"')
			{
				p++;
				start = p;
				while (*p && !(*p == '"' && p[1] != '"'))
					p += (*p == '"' ? 2 : 1);
				len = p - start;
				if (*p)
					p++;
			}
			else
			{
				while (*p && (isalnum((unsigned char) *p) || *p == '_' || *p == '$' || IS_HIGHBIT_SET(*p)))
					p++;
				len = p - start;
			}
			if (len >= NAMEDATALEN)
			{
				add_finding(st, "identifier-too-long", "Use identifiers of at most 63 bytes.",
							"Identifier \"%.20s...\" has %d bytes; PostgreSQL silently truncates it to %d.",
							start, len, NAMEDATALEN - 1);
				return;
			}
		}
		else
			p++;
	}
}

/* ---- set_config and SET in a script ---- */

static int
timeout_value(Node *arg, int current)
{
	int			ms;

	if (arg == NULL)
		return current;
	if (IsA(arg, A_Const))
	{
		A_Const    *c = (A_Const *) arg;

		if (c->isnull)
			return current;
		if (IsA(&c->val, Integer))
			return intVal(&c->val);
		if (IsA(&c->val, String) && parse_int(strVal(&c->val), &ms, GUC_UNIT_MS, NULL))
			return ms;
		if (IsA(&c->val, Float) && parse_int(strVal(&c->val), &ms, GUC_UNIT_MS, NULL))
			return ms;
	}
	return current;
}

static int
timeout_reset_value(const char *name)
{
	const char *reset = GetConfigOptionResetString(name);
	int			ms = 0;

	if (reset && parse_int(reset, &ms, GUC_UNIT_MS, NULL))
		return ms;
	return 0;
}

static void
track_setting(LintState *st, const char *name, Node *value, bool reset)
{
	int		   *slot;

	if (name == NULL)
		return;
	if (strcmp(name, "lock_timeout") == 0)
		slot = &st->lock_timeout_ms;
	else if (strcmp(name, "statement_timeout") == 0)
		slot = &st->statement_timeout_ms;
	else if (PG_VERSION_NUM >= 170000 && strcmp(name, "transaction_timeout") == 0)
		slot = &st->transaction_timeout_ms;
	else
		return;
	*slot = reset ? timeout_reset_value(name) : timeout_value(value, *slot);
}

static bool
set_config_walker(Node *node, LintState *st)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncCall))
	{
		FuncCall   *fc = (FuncCall *) node;

		if (strcmp(strVal(llast(fc->funcname)), "set_config") == 0 &&
			list_length(fc->args) == 3 && IsA(linitial(fc->args), A_Const) &&
			IsA(&((A_Const *) linitial(fc->args))->val, String))
			track_setting(st, strVal(&((A_Const *) linitial(fc->args))->val),
						  lsecond(fc->args), false);
	}
	return raw_expression_tree_walker(node, set_config_walker, st);
}

/*
 * The pre-existing relation an earlier statement of this transaction holds
 * ACCESS EXCLUSIVE, or NULL.  Live mode asks the lock manager, so locks
 * released by a rolled-back subtransaction, and locks on tables dropped
 * since, do not count.
 */
static const char *
exclusive_lock_held(LintState *st)
{
	ListCell   *lc;

	if (!st->live)
		return st->exclusive != NIL ? (const char *) linitial(st->exclusive) : NULL;
	foreach(lc, st->exclusive_oids)
	{
		LOCKTAG		tag;
		Oid			relid = lfirst_oid(lc);

		SET_LOCKTAG_RELATION(tag, MyDatabaseId, relid);
		if (LockHeldByMeExactly(&tag, AccessExclusiveLock))
		{
			char	   *name = get_rel_name(relid);

			/* a table this transaction dropped blocks nobody's work */
			if (name)
				return name;
		}
	}
	return NULL;
}

/* ---- entry points ---- */

static bool
lint_lock_timeout_unset(LintState *st)
{
	return (st->live ? LockTimeout : st->lock_timeout_ms) == 0;
}

/*
 * Findings for one statement (a raw parse tree or a utility statement).
 * Also fills the per-statement fields of the state.
 */
List *
lint_statement(LintState *st, Node *stmt)
{
	st->findings = NIL;
	st->only_temporary = true;
	st->touched_relation = false;
	st->touched_existing = false;
	st->new_relid = InvalidOid;
	st->slow = false;
	st->strongest_lock = NoLock;
	st->strongest_lock_relation = NULL;
	st->exclusive_now = NIL;
	st->exclusive_now_oids = NIL;

	switch (nodeTag(stmt))
	{
		case T_AlterTableStmt:
			lint_alter_table(st, (AlterTableStmt *) stmt);
			break;
		case T_IndexStmt:
			lint_index_stmt(st, (IndexStmt *) stmt);
			break;
		case T_DropStmt:
			lint_drop_stmt(st, (DropStmt *) stmt);
			break;
		case T_ReindexStmt:
			lint_reindex_stmt(st, (ReindexStmt *) stmt);
			break;
		case T_RefreshMatViewStmt:
			lint_refresh_stmt(st, (RefreshMatViewStmt *) stmt);
			break;
		case T_VacuumStmt:
			lint_vacuum_stmt(st, (VacuumStmt *) stmt);
			break;
		case T_ClusterStmt:
			lint_repack(st, ((ClusterStmt *) stmt)->relation, "CLUSTER");
			break;
		case T_LockStmt:
			lint_lock_stmt(st, (LockStmt *) stmt);
			break;
		case T_TruncateStmt:
			lint_truncate_stmt(st, (TruncateStmt *) stmt);
			break;
		case T_DropdbStmt:
			add_finding(st, "ban-drop-database",
						"Drop databases by hand, never from a migration or an application.",
						"DROP DATABASE \"%s\" deletes the whole database.",
						((DropdbStmt *) stmt)->dbname);
			break;
		case T_RenameStmt:
			lint_rename_stmt(st, (RenameStmt *) stmt);
			break;
		case T_AlterObjectSchemaStmt:
			lint_object_schema_stmt(st, (AlterObjectSchemaStmt *) stmt);
			break;
		case T_AlterEnumStmt:
			lint_alter_enum(st, (AlterEnumStmt *) stmt);
			break;
		case T_AlterDomainStmt:
			lint_alter_domain(st, (AlterDomainStmt *) stmt);
			break;
		case T_CreateStmt:
			lint_create_stmt(st, (CreateStmt *) stmt);
			break;
		case T_CreateDomainStmt:
			{
				ListCell   *lc;

				foreach(lc, ((CreateDomainStmt *) stmt)->constraints)
					if (lfirst_node(Constraint, lc)->contype == CONSTR_CHECK)
						add_finding(st, "ban-create-domain-with-constraint",
									"Put the CHECK constraint on the table columns instead: domain constraints cannot be changed without scanning every use.",
									"CREATE DOMAIN with a CHECK constraint: changing it later scans every column of the domain.");
				break;
			}
		case T_CreateTrigStmt:
			lint_relation_lock(st, ((CreateTrigStmt *) stmt)->relation, ShareRowExclusiveLock);
			break;
		case T_RuleStmt:
			lint_relation_lock(st, ((RuleStmt *) stmt)->relation, AccessExclusiveLock);
			break;
		case T_CreatePolicyStmt:
			lint_relation_lock(st, ((CreatePolicyStmt *) stmt)->table, AccessExclusiveLock);
			break;
		case T_AlterPolicyStmt:
			lint_relation_lock(st, ((AlterPolicyStmt *) stmt)->table, AccessExclusiveLock);
			break;
		case T_CreateTableAsStmt:
			st->slow = true;
			st->touched_relation = true;
			if (((CreateTableAsStmt *) stmt)->into->rel->relpersistence != RELPERSISTENCE_TEMP)
				st->only_temporary = false;
			break;
		case T_AlterTableMoveAllStmt:
			{
				LintRel		r;

				r.kind = LINT_REL_EXISTING;
				r.relid = InvalidOid;
				r.relkind = 0;
				r.name = "every table in the tablespace";
				note_lock(st, &r, AccessExclusiveLock);
				add_finding(st, "alter-table-rewrite",
							"Move tables one at a time in a maintenance window, or copy them with pg_repack.",
							"ALTER TABLE ALL IN TABLESPACE copies every table under an ACCESS EXCLUSIVE lock; reads and writes are blocked.");
				st->slow = true;
				break;
			}
		case T_TransactionStmt:
			{
				TransactionStmt *t = (TransactionStmt *) stmt;
				bool		in_block = st->in_transaction_block;

				/*
				 * A script's structure only: live, the server already warns
				 * about both, and a client's "BEGIN; ..." string opens an
				 * implicit block that IsTransactionBlock() cannot tell from
				 * an explicit one.
				 */
				if (st->live)
					return st->findings;
				if ((t->kind == TRANS_STMT_BEGIN || t->kind == TRANS_STMT_START) && in_block)
					add_finding(st, "transaction-nesting",
								"Remove the inner BEGIN: PostgreSQL has no nested transactions (use SAVEPOINT).",
								"BEGIN inside an open transaction is ignored; the COMMIT that follows ends the outer transaction too.");
				if ((t->kind == TRANS_STMT_COMMIT || t->kind == TRANS_STMT_ROLLBACK) && !in_block)
					add_finding(st, "transaction-nesting",
								"Remove the COMMIT or ROLLBACK, or add the BEGIN it belongs to.",
								"%s without an open transaction does nothing; the statements before it were already committed.",
								t->kind == TRANS_STMT_COMMIT ? "COMMIT" : "ROLLBACK");
			}
			return st->findings;
		case T_VariableSetStmt:
		case T_VariableShowStmt:
			return st->findings;
		case T_UpdateStmt:
		case T_DeleteStmt:
		case T_InsertStmt:
		case T_MergeStmt:
		case T_SelectStmt:
			lint_raw_dml(st, stmt);
			break;
		case T_ExplainStmt:

			/*
			 * EXPLAIN ANALYZE runs the statement.  Live, ExplainQuery gives
			 * the explained query to the post-parse-analyze hook, which
			 * judges it there.
			 */
			if (!st->live && lint_explain_executes(stmt))
				lint_raw_dml(st, ((ExplainStmt *) stmt)->query);
			break;
		default:
			break;
	}

	/* rules about the locks the statement takes */
	if (st->strongest_lock >= ShareLock && lint_lock_timeout_unset(st))
		add_finding(st, "require-lock-timeout",
					"SET lock_timeout (for example to '5s') before the statement and retry on timeout: a statement waiting for its lock blocks everything queued behind it.",
					"The statement waits for a%s %s lock on \"%s\" with lock_timeout = 0; while it waits, %s.",
					st->strongest_lock == AccessExclusiveLock || st->strongest_lock == ExclusiveLock ? "n" : "",
					lock_mode_name(st->strongest_lock), st->strongest_lock_relation,
					lock_blocks(st->strongest_lock));
	if (st->slow)
	{
		const char *held = exclusive_lock_held(st);

		if (held)
			add_finding(st, "exclusive-lock-held-across-statements",
						"Commit right after the statement that needs the ACCESS EXCLUSIVE lock, and do backfills and validations in later transactions.",
						"This statement does slow work while the transaction still holds the ACCESS EXCLUSIVE lock on \"%s\" taken by an earlier statement; reads and writes on it stay blocked.",
						held);
	}
	if (st->advisory && st->strongest_lock >= ShareUpdateExclusiveLock &&
		(st->live ? StatementTimeout : st->statement_timeout_ms) == 0 &&
		(st->live ? SessionTransactionTimeout : st->transaction_timeout_ms) == 0 &&
		GetCommandLogLevel(stmt) == LOGSTMT_DDL)
		add_finding(st, "require-statement-timeout",
					"SET statement_timeout for the migration so a runaway statement cannot hold its locks forever.",
					"DDL on \"%s\" runs with statement_timeout = 0.",
					st->strongest_lock_relation);
	return st->findings;
}

/* the hook's view of DML: an analyzed query */
List *
lint_query(LintState *st, Query *query)
{
	st->findings = NIL;
	st->slow = false;
	st->exclusive_now = NIL;
	st->exclusive_now_oids = NIL;
	lint_query_dml(st, query);
	if (st->slow)
	{
		const char *held = exclusive_lock_held(st);

		if (held)
			add_finding(st, "exclusive-lock-held-across-statements",
						"Commit right after the statement that needs the ACCESS EXCLUSIVE lock, and do backfills and validations in later transactions.",
						"This statement does slow work while the transaction still holds the ACCESS EXCLUSIVE lock on \"%s\" taken by an earlier statement; reads and writes on it stay blocked.",
						held);
	}
	if (st->advisory && query->commandType == CMD_UPDATE)
	{
		/* duplicate SET targets are an analysis error already; nothing to add */
	}
	return st->findings;
}

void
lint_reset_transaction(LintState *st)
{
	st->exclusive = NIL;
	st->exclusive_oids = NIL;
	st->not_valid = NIL;
}

static List *
index_columns(IndexStmt *stmt)
{
	List	   *cols = NIL;
	ListCell   *lc;

	foreach(lc, stmt->indexParams)
	{
		IndexElem  *e = lfirst_node(IndexElem, lc);

		cols = lappend(cols, e->name ? pstrdup(e->name) : NULL);
	}
	return cols;
}

/*
 * After a statement passed: remember what it changed that later
 * statements of the same transaction or script depend on.  Call with the
 * state's memory context current.
 */
void
lint_track_statement(LintState *st, Node *stmt)
{
	ListCell   *lc;

	/* ACCESS EXCLUSIVE locks on pre-existing relations stay until commit */
	foreach(lc, st->exclusive_now)
		st->exclusive = lappend(st->exclusive, pstrdup(lfirst(lc)));
	foreach(lc, st->exclusive_now_oids)
		st->exclusive_oids = lappend_oid(st->exclusive_oids, lfirst_oid(lc));

	/* columns added to pre-existing tables hold no data anyone relies on yet */
	if (IsA(stmt, AlterTableStmt) && ((AlterTableStmt *) stmt)->relation)
	{
		AlterTableStmt *at = (AlterTableStmt *) stmt;

		foreach(lc, at->cmds)
		{
			AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

			if (alter_table_cmd_subtype(cmd) == AT_AddColumn &&
				IsA(cmd->def, ColumnDef))
				remember_name(st, 'a', NULL, ((ColumnDef *) cmd->def)->colname,
							  at->relation->relname);
		}
	}

	if (st->live)
		return;

	switch (nodeTag(stmt))
	{
		case T_CreateStmt:
			{
				CreateStmt *c = (CreateStmt *) stmt;
				ListCell   *ec;

				if (!(c->if_not_exists && OidIsValid(RangeVarGetRelid(c->relation, NoLock, true))))
					remember_name(st, 'r', c->relation->schemaname, c->relation->relname, NULL);
				foreach(ec, c->tableElts)
				{
					Constraint *con = NULL;

					if (IsA(lfirst(ec), Constraint))
						con = lfirst(ec);
					if (con && con->contype == CONSTR_CHECK)
					{
						LintCheck  *chk = palloc0(sizeof(LintCheck));

						chk->relation = pstrdup(c->relation->relname);
						chk->name = con->conname ? pstrdup(con->conname) : NULL;
						chk->expr = copyObject(con->raw_expr);
						chk->valid = !con->skip_validation;
						st->checks = lappend(st->checks, chk);
					}
				}
				break;
			}
		case T_CreateTableAsStmt:
			{
				IntoClause *into = ((CreateTableAsStmt *) stmt)->into;

				remember_name(st, 'r', into->rel->schemaname, into->rel->relname, NULL);
				break;
			}
		case T_ViewStmt:
			remember_name(st, 'r', ((ViewStmt *) stmt)->view->schemaname,
						  ((ViewStmt *) stmt)->view->relname, NULL);
			break;
		case T_CreateSeqStmt:
			remember_name(st, 'r', ((CreateSeqStmt *) stmt)->sequence->schemaname,
						  ((CreateSeqStmt *) stmt)->sequence->relname, NULL);
			break;
		case T_IndexStmt:
			{
				IndexStmt  *ix = (IndexStmt *) stmt;

				if (ix->idxname)
				{
					LintIndex  *li = palloc0(sizeof(LintIndex));

					remember_name(st, 'i', NULL, ix->idxname, NULL);
					li->name = pstrdup(ix->idxname);
					li->relation = pstrdup(ix->relation->relname);
					li->columns = index_columns(ix);
					st->indexes = lappend(st->indexes, li);
				}
				break;
			}
		case T_CreateSchemaStmt:
			if (((CreateSchemaStmt *) stmt)->schemaname)
				remember_name(st, 'n', NULL, ((CreateSchemaStmt *) stmt)->schemaname, NULL);
			break;
		case T_CreateEnumStmt:
			remember_name(st, 't', NULL, strVal(llast(((CreateEnumStmt *) stmt)->typeName)), NULL);
			break;
		case T_CompositeTypeStmt:
			remember_name(st, 't', NULL, ((CompositeTypeStmt *) stmt)->typevar->relname, NULL);
			break;
		case T_CreateDomainStmt:
			{
				CreateDomainStmt *d = (CreateDomainStmt *) stmt;
				const char *name = strVal(llast(d->domainname));

				remember_name(st, 't', NULL, name, NULL);
				foreach(lc, d->constraints)
				{
					ConstrType	t = lfirst_node(Constraint, lc)->contype;

					if (t == CONSTR_CHECK || t == CONSTR_NOTNULL)
						remember_name(st, 'd', NULL, name, NULL);
				}
				break;
			}
		case T_RenameStmt:
			{
				RenameStmt *r = (RenameStmt *) stmt;

				if (r->relation && (r->renameType == OBJECT_TABLE || r->renameType == OBJECT_VIEW) &&
					name_in(st->created, 'r', r->relation->schemaname, r->relation->relname, NULL))
					remember_name(st, 'r', r->relation->schemaname, r->newname, NULL);
				break;
			}
		case T_AlterTableStmt:
			{
				AlterTableStmt *at = (AlterTableStmt *) stmt;

				foreach(lc, at->cmds)
				{
					AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

					if (alter_table_cmd_subtype(cmd) == AT_AddConstraint &&
						IsA(cmd->def, Constraint))
					{
						Constraint *con = (Constraint *) cmd->def;

						if (con->skip_validation && con->conname)
							remember_name(st, 'c', NULL, con->conname, at->relation->relname);
						if (con->contype == CONSTR_CHECK)
						{
							LintCheck  *chk = palloc0(sizeof(LintCheck));

							chk->relation = pstrdup(at->relation->relname);
							chk->name = con->conname ? pstrdup(con->conname) : NULL;
							chk->expr = copyObject(con->raw_expr);
							chk->valid = !con->skip_validation;
							st->checks = lappend(st->checks, chk);
						}
					}
					else if (alter_table_cmd_subtype(cmd) == AT_ValidateConstraint)
						remember_name(st, 'v', NULL, cmd->name, at->relation->relname);
				}
				break;
			}
		case T_VariableSetStmt:
			{
				VariableSetStmt *v = (VariableSetStmt *) stmt;

				if (v->kind == VAR_SET_VALUE && v->args != NIL)
					track_setting(st, v->name, linitial(v->args), false);
				else if (v->kind == VAR_SET_DEFAULT || v->kind == VAR_RESET)
					track_setting(st, v->name, NULL, true);
				else if (v->kind == VAR_RESET_ALL)
				{
					st->lock_timeout_ms = timeout_reset_value("lock_timeout");
					st->statement_timeout_ms = timeout_reset_value("statement_timeout");
				}

				/*
				 * Settings that change what later statements mean: where
				 * names resolve, and whether timestamp <-> timestamptz
				 * rewrites.  Applied for real, at the GUC nest level that
				 * schemamig.lint() opened and unwinds when it returns.
				 */
				if (v->name &&
					(strcmp(v->name, "search_path") == 0 || strcmp(v->name, "timezone") == 0) &&
					(v->kind == VAR_SET_VALUE || v->kind == VAR_SET_DEFAULT || v->kind == VAR_RESET))
					(void) set_config_option(v->name,
											 v->kind == VAR_SET_VALUE ? ExtractSetVariableArgs(v) : NULL,
											 superuser() ? PGC_SUSET : PGC_USERSET, PGC_S_SESSION,
											 GUC_ACTION_SAVE, true, DEBUG1, false);
				break;
			}
		case T_SelectStmt:
			raw_expression_tree_walker(stmt, set_config_walker, st);
			/* SELECT ... INTO creates a table */
			if (((SelectStmt *) stmt)->intoClause)
			{
				RangeVar   *rel = ((SelectStmt *) stmt)->intoClause->rel;

				remember_name(st, 'r', rel->schemaname, rel->relname, NULL);
			}
			break;
		default:
			break;
	}
}

/* ---- text helpers ---- */

/* one "schemamig:allow rule reason" directive inside a comment body */
static List *
parse_allow_directive(List *allows, const char *body, int len)
{
	static const char marker[] = "schemamig:allow";
	int			i = 0;
	int			start;
	LintAllow  *a;

	while (i < len && (body[i] == ' ' || body[i] == '\t'))
		i++;
	if (len - i < (int) strlen(marker) || strncmp(body + i, marker, strlen(marker)) != 0)
		return allows;
	i += strlen(marker);
	while (i < len && (body[i] == ' ' || body[i] == '\t'))
		i++;
	start = i;
	while (i < len && (isalnum((unsigned char) body[i]) || body[i] == '-'))
		i++;
	if (i == start)
		return allows;
	a = palloc0(sizeof(LintAllow));
	a->rule = pnstrdup(body + start, i - start);
	while (i < len && (body[i] == ' ' || body[i] == '\t'))
		i++;
	while (len > i && (body[len - 1] == ' ' || body[len - 1] == '\t' || body[len - 1] == '\r'))
		len--;
	a->reason = pnstrdup(body + i, len - i);
	return lappend(allows, a);
}

/*
 * The "-- schemamig:allow <rule-id> <reason>" (or the same inside a block
 * comment) directives in the comments that precede a statement.
 */
List *
lint_parse_allows(const char *text, int len)
{
	List	   *allows = NIL;
	int			offset = 0;

	if (text == NULL)
		return NIL;
	if (len <= 0)
		len = strlen(text);
	while (offset < len)
	{
		char		c = text[offset];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
			offset++;
		else if (c == '-' && offset + 1 < len && text[offset + 1] == '-')
		{
			int			start = offset + 2;

			while (offset < len && text[offset] != '\n')
				offset++;
			allows = parse_allow_directive(allows, text + start, offset - start);
		}
		else if (c == '/' && offset + 1 < len && text[offset + 1] == '*')
		{
			int			start = offset + 2;
			int			end = start;

			while (end + 1 < len && !(text[end] == '*' && text[end + 1] == '/'))
				end++;
			if (end + 1 >= len)
				break;
			allows = parse_allow_directive(allows, text + start, end - start);
			offset = end + 2;
		}
		else
			break;
	}
	return allows;
}
