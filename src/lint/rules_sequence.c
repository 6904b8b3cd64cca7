/*-------------------------------------------------------------------------
 *
 * rules_sequence.c
 *		The rules of a sequence a table takes its values from:
 *		restarting it (ALTER SEQUENCE ... RESTART, setval(), ALTER TABLE ...
 *		ALTER COLUMN ... RESTART of an identity column), and making a column
 *		that already holds values an identity (ADD GENERATED ... AS IDENTITY).
 *
 * Moving such a sequence back hands out values the table may already
 * hold: the next inserts fail with unique violations (23505), or, where
 * nothing is unique, duplicate keys the application relies on.  Nothing
 * in the statement says so, and it takes only a moment's lock, so every
 * other check lets it through; the catalog knows.
 *
 * A finding needs all of: the sequence is pre-existing; a pre-existing
 * table's column takes its values from it (owned by the column: serial,
 * OWNED BY, identity; or named in a column default); and the restart
 * value is not past what the sequence has handed out (last_value, read as
 * pg_sequences reads it).  A sequence that has handed out nothing yet
 * restarts harmlessly; one whose position the caller may not read is
 * judged by the worst case.  setval(seq, n) moves it as RESTART does: the
 * next value is n + increment (n when is_called is false).
 *
 * ADD GENERATED ... AS IDENTITY on a column of a pre-existing table that
 * holds rows creates a sequence that starts at 1 (or the START WITH the
 * statement names): the column's values are not looked at, so without a
 * START WITH past them the next inserts collide with them.  An explicit
 * START WITH is taken as the author's answer.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/dependency.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_class.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_sequence.h"
#include "commands/defrem.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/fmgrprotos.h"
#include "catalog/namespace.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "storage/bufmgr.h"
#include "utils/syscache.h"

#include "compat.h"
#include "lint/lint_internal.h"

/* a column default (d) of a pre-existing table that names the sequence */
static bool
default_of_preexisting_table(LintState *st, Form_pg_depend d, void *arg)
{
	FoundColumn *found = arg;
	ObjectAddress column;
	LintRel		r;

	if (d->classid != AttrDefaultRelationId)
		return false;
	column = GetAttrDefaultColumnAddress(d->objid);
	if (!OidIsValid(column.objectId) || column.objectSubId <= 0)
		return false;
	r = lookup_oid(st, column.objectId, NULL);
	if (!rel_preexisting(st, &r))
		return false;
	found->colname = get_attname(column.objectId, column.objectSubId, true);
	found->relname = r.name;
	return found->colname != NULL;
}

/* the pre-existing table column that takes its values from seq, if any */
static bool
sequence_column(LintState *st, Oid seq, FoundColumn *found)
{
	Oid			table;
	int32		attnum;

	if (sequenceIsOwned(seq, DEPENDENCY_AUTO, &table, &attnum) ||
		sequenceIsOwned(seq, DEPENDENCY_INTERNAL, &table, &attnum))
	{
		LintRel		r = lookup_oid(st, table, NULL);

		if (rel_preexisting(st, &r))
		{
			found->relname = r.name;
			found->colname = get_attname(table, (AttrNumber) attnum, true);
			if (found->colname != NULL)
				return true;
		}
	}
	return scan_dependents(st, RelationRelationId, seq, default_of_preexisting_table, found);
}

/*
 * The last value the sequence handed out, as pg_sequences.last_value says
 * it: false when it has handed out none.  *readable is false when the
 * caller may not read it (then the answer is unknown).
 */
static bool
sequence_last_value(Oid seq, int64 *last, bool *readable)
{
	LOCAL_FCINFO(fcinfo, 1);
	Datum		value;

	*readable = pg_class_aclcheck(seq, GetUserId(), ACL_SELECT | ACL_USAGE) == ACLCHECK_OK;
	if (!*readable)
		return false;
	InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = ObjectIdGetDatum(seq);
	fcinfo->args[0].isnull = false;
	value = pg_sequence_last_value(fcinfo);
	if (fcinfo->isnull)
		return false;
	*last = DatumGetInt64(value);
	return true;
}

#define RESTART_HINT \
	"Restart only past the largest value the column holds (RESTART WITH its max + 1), or leave the sequence alone; TRUNCATE ... RESTART IDENTITY resets a table emptied with it."

/*
 * restarting-sequence for a move of the sequence seq whose next value is
 * target (NULL: the options decide), with the statement's options: RESTART
 * (restart), INCREMENT and START count.
 */
static void
lint_restart(LintState *st, Oid seq, DefElem *restart, const int64 *next_value,
			 List *options, const char *what)
{
	FoundColumn found = {NULL, NULL};
	LintRel		r = lookup_oid(st, seq, NULL);
	HeapTuple	tup;
	Form_pg_sequence form;
	int64		increment;
	int64		target;
	int64		last = 0;
	bool		readable;
	bool		used;
	ListCell   *lc;

	if (!rel_preexisting(st, &r) || r.relkind != RELKIND_SEQUENCE ||
		!sequence_column(st, seq, &found))
		return;
	tup = SearchSysCache1(SEQRELID, ObjectIdGetDatum(seq));
	if (!HeapTupleIsValid(tup))
		return;
	form = (Form_pg_sequence) GETSTRUCT(tup);
	increment = form->seqincrement;
	target = form->seqstart;
	ReleaseSysCache(tup);
	foreach(lc, options)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "increment") == 0 && opt->arg != NULL)
			increment = defGetInt64(opt);
		else if (strcmp(opt->defname, "start") == 0 && opt->arg != NULL &&
				 restart != NULL && restart->arg == NULL)
			target = defGetInt64(opt);	/* RESTART without WITH goes to the new START */
	}
	if (restart != NULL && restart->arg != NULL)
		target = defGetInt64(restart);
	if (next_value != NULL)
		target = *next_value;

	used = sequence_last_value(seq, &last, &readable);
	if (readable && !used)
		return;					/* nothing handed out yet: nothing to collide with */
	if (readable && (increment > 0 ? target > last : target < last))
		return;					/* forward, past every value handed out */

	if (readable)
		add_finding(st, LINT_RULE_RESTARTING_SEQUENCE,
					RESTART_HINT,
					"%s moves sequence \"%s\" of \"%s\".\"%s\" back to " INT64_FORMAT " after it handed out values up to " INT64_FORMAT ": new rows get values the table may already hold, and inserts fail with unique violations.",
					what, r.name, found.relname, found.colname, target, last);
	else
		add_finding(st, LINT_RULE_RESTARTING_SEQUENCE,
					RESTART_HINT,
					"%s moves sequence \"%s\" of \"%s\".\"%s\" to " INT64_FORMAT ", and you may not read how far it got: new rows may get values the table already holds, and inserts fail with unique violations.",
					what, r.name, found.relname, found.colname, target);
}

/* the RESTART option among a statement's options, or NULL */
static DefElem *
restart_option(List *options)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "restart") == 0)
			return opt;
	}
	return NULL;
}

void
lint_alter_sequence(LintState *st, AlterSeqStmt *stmt)
{
	DefElem    *restart = restart_option(stmt->options);
	LintRel		r;

	/* the ALTER TABLE an identity option came from is judged whole (lint_identity_restart) */
	if (restart == NULL || stmt->for_identity)
		return;
	r = lookup_rangevar(st, stmt->sequence);
	if (OidIsValid(r.relid))
		lint_restart(st, r.relid, restart, NULL, stmt->options, "ALTER SEQUENCE ... RESTART");
}

void
lint_identity_restart(LintState *st, LintRel *table, const char *colname, List *options)
{
	DefElem    *restart = restart_option(options);
	AttrNumber	attnum;
	ListCell   *lc;

	if (restart == NULL || !OidIsValid(table->relid) ||
		(attnum = get_attnum(table->relid, colname)) == InvalidAttrNumber)
		return;
	foreach(lc, getOwnedSequences(table->relid))
	{
		Oid			seq = lfirst_oid(lc);
		Oid			owner;
		int32		col;

		if (sequenceIsOwned(seq, DEPENDENCY_INTERNAL, &owner, &col) && col == attnum)
			lint_restart(st, seq, restart, NULL, options, "ALTER COLUMN ... RESTART");
	}
}

/*
 * setval(seq, value [, is_called]) of a constant value: the next value the
 * sequence hands out is value + increment, or value itself when is_called
 * is false.
 */
void
lint_setval(LintState *st, Oid seq, int64 value, bool is_called)
{
	HeapTuple	tup = SearchSysCache1(SEQRELID, ObjectIdGetDatum(seq));
	int64		next_value = value;

	if (!HeapTupleIsValid(tup))
		return;
	if (is_called)
		next_value = value + ((Form_pg_sequence) GETSTRUCT(tup))->seqincrement;
	ReleaseSysCache(tup);
	lint_restart(st, seq, NULL, &next_value, NIL, "setval()");
}

/*
 * adding-identity-to-existing-column: the column of a pre-existing table
 * that holds rows becomes an identity whose sequence starts where the
 * options say (1 by default), not past the values the column holds.
 */
void
lint_identity_added(LintState *st, LintRel *table, const char *colname, List *options)
{
	Relation	rel;
	BlockNumber blocks;
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "start") == 0 || strcmp(opt->defname, "restart") == 0)
			return;				/* the author chose where it starts */
	}
	if (!OidIsValid(table->relid) ||
		(table->relkind != RELKIND_RELATION && table->relkind != RELKIND_PARTITIONED_TABLE))
		return;
	if (table->relkind == RELKIND_RELATION)
	{
		/* an empty table has nothing to collide with (read without a lock, as the planner sizes it) */
		rel = RelationIdGetRelation(table->relid);
		if (rel == NULL)
			return;
		blocks = RelationGetNumberOfBlocks(rel);
		RelationClose(rel);
		if (blocks == 0)
			return;
	}
	add_finding(st, LINT_RULE_ADDING_IDENTITY_TO_EXISTING_COLUMN,
				"Start the identity past the values the column holds: ADD GENERATED ... AS IDENTITY (START WITH <max + 1>), or setval(pg_get_serial_sequence('<table>', '<column>'), max(<column>)) right after.",
				"ADD GENERATED ... AS IDENTITY makes \"%s\".\"%s\" an identity whose sequence starts at 1, not past the values the table's rows already hold: the next inserts get values it holds, and fail with unique violations.",
				table->name, colname);
}

/* ---- setval() in a SELECT's target list ---- */

/* a raw constant argument, under any casts: the A_Const, or NULL */
static A_Const *
raw_const_arg(Node *arg)
{
	while (arg != NULL && IsA(arg, TypeCast))
		arg = ((TypeCast *) arg)->arg;
	return arg != NULL && IsA(arg, A_Const) && !((A_Const *) arg)->isnull ? (A_Const *) arg : NULL;
}

/* setval('seq', n [, is_called]) as written (lint()): judged when every argument is a constant */
void
lint_raw_setval(LintState *st, SelectStmt *sel)
{
	ListCell   *lc;

	foreach(lc, sel->targetList)
	{
		ResTarget  *rt = lfirst_node(ResTarget, lc);
		FuncCall   *fc = (FuncCall *) rt->val;
		A_Const    *name;
		A_Const    *value;
		A_Const    *called = NULL;
		int64		n;
		LintRel		r;

		if (fc == NULL || !IsA(fc, FuncCall) || strcmp(strVal(llast(fc->funcname)), "setval") != 0 ||
			list_length(fc->args) < 2 || list_length(fc->args) > 3)
			continue;
		name = raw_const_arg(linitial(fc->args));
		value = raw_const_arg(lsecond(fc->args));
		if (list_length(fc->args) == 3 && (called = raw_const_arg(lthird(fc->args))) == NULL)
			continue;
		if (name == NULL || !IsA(&name->val, String) || value == NULL)
			continue;
		if (IsA(&value->val, Integer))
			n = intVal(&value->val);
		else
		{
			char	   *end;

			if (!IsA(&value->val, Float))
				continue;
			errno = 0;
			n = strtoi64(strVal(&value->val), &end, 10);
			if (errno != 0 || *end != '\0')
				continue;
		}
		r = lookup_names(st, QualifiedNameListFromString(strVal(&name->val)));
		if (OidIsValid(r.relid) && rel_preexisting(st, &r))
			lint_setval(st, r.relid, n,
						called == NULL || !IsA(&called->val, Boolean) || boolVal(&called->val));
	}
}

/* is this a call of setval(regclass, bigint [, boolean])? */
static bool
is_setval(Node *node)
{
	return node != NULL && IsA(node, FuncExpr) &&
		(((FuncExpr *) node)->funcid == F_SETVAL_REGCLASS_INT8 ||
		 ((FuncExpr *) node)->funcid == F_SETVAL_REGCLASS_INT8_BOOL);
}

/* does the SELECT call setval() in its target list?  (no catalog access: the hook's hot path) */
bool
lint_query_calls_setval(Query *q)
{
	ListCell   *lc;

	if (q->commandType != CMD_SELECT)
		return false;
	foreach(lc, q->targetList)
		if (is_setval((Node *) lfirst_node(TargetEntry, lc)->expr))
			return true;
	return false;
}

/* setval() of constants in an analyzed SELECT (the hook) */
void
lint_query_setval(LintState *st, Query *q)
{
	ListCell   *lc;

	foreach(lc, q->targetList)
	{
		Node	   *expr = (Node *) lfirst_node(TargetEntry, lc)->expr;
		List	   *args;
		Const	   *seq;
		Const	   *value;
		Const	   *called = NULL;

		if (!is_setval(expr))
			continue;
		args = (List *) eval_const_expressions(NULL, (Node *) ((FuncExpr *) expr)->args);
		seq = linitial(args);
		value = lsecond(args);
		if (list_length(args) == 3)
			called = lthird(args);
		if (!IsA(seq, Const) || seq->constisnull || !IsA(value, Const) || value->constisnull ||
			(called != NULL && (!IsA(called, Const) || called->constisnull)))
			continue;
		lint_setval(st, DatumGetObjectId(seq->constvalue), DatumGetInt64(value->constvalue),
					called == NULL || DatumGetBool(called->constvalue));
	}
}
