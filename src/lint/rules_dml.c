/*-------------------------------------------------------------------------
 *
 * rules_dml.c
 *		The rules of UPDATE, DELETE, INSERT and MERGE, as raw statements
 *		(lint()) and as analyzed queries (the post-parse-analyze hook).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "compat.h"
#include "lint/lint_internal.h"
#include "script.h"

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
	add_finding(st, LINT_RULE_REQUIRE_WHERE_CLAUSE,
				"Add a WHERE clause (WHERE true if every row is meant), and backfill large tables in batches.",
				"%s without WHERE changes every row of \"%s\".", what, r->name);
}

/*
 * MERGE whose ON condition is always true (ON true, ON 1 = 1) with an
 * unconditional WHEN MATCHED THEN DELETE or UPDATE: every row of the
 * target matches, so the action changes every row, as an UPDATE or DELETE
 * without WHERE.  On 17+ an unconditional WHEN NOT MATCHED BY SOURCE THEN
 * DELETE or UPDATE with such an ON is judged the same: it changes every
 * row whenever the source is empty.  action is the first such action's
 * command (CMD_UNKNOWN: none), clause how it is written.
 */
static void
lint_merge_every_row(LintState *st, LintRel *r, bool join_true, CmdType action,
					 const char *clause)
{
	if (!join_true || action == CMD_UNKNOWN || !rel_preexisting(st, r))
		return;
	add_finding(st, LINT_RULE_REQUIRE_WHERE_CLAUSE,
				"Join on a condition that selects the rows to change, or use UPDATE/DELETE with a WHERE clause in batches.",
				"MERGE ... ON true %s THEN %s changes every row of \"%s\" under a ROW EXCLUSIVE lock, each row locked until the transaction ends.",
				clause, action == CMD_DELETE ? "DELETE" : "UPDATE", r->name);
}

/* a raw ON condition that is true whatever the rows: true, or a constant = the same constant */
static bool
raw_always_true(Node *on)
{
	if (on == NULL)
		return false;
	if (IsA(on, A_Const))
		return !((A_Const *) on)->isnull && IsA(&((A_Const *) on)->val, Boolean) &&
			boolVal(&((A_Const *) on)->val);
	if (IsA(on, A_Expr))
	{
		A_Expr	   *e = (A_Expr *) on;

		return e->kind == AEXPR_OP && list_length(e->name) == 1 &&
			strcmp(strVal(linitial(e->name)), "=") == 0 &&
			e->lexpr != NULL && IsA(e->lexpr, A_Const) && e->rexpr != NULL && IsA(e->rexpr, A_Const) &&
			!((A_Const *) e->lexpr)->isnull &&
			equal(&((A_Const *) e->lexpr)->val, &((A_Const *) e->rexpr)->val);
	}
	return false;
}

/* an analyzed ON condition without columns that folds to true */
static bool
query_always_true(Node *on)
{
	if (on == NULL || contain_var_clause(on) || contain_volatile_functions(on))
		return false;
	on = eval_const_expressions(NULL, copyObject(on));
	return IsA(on, Const) && ((Const *) on)->consttype == BOOLOID &&
		!((Const *) on)->constisnull && DatumGetBool(((Const *) on)->constvalue);
}

/*
 * SELECT ... FOR UPDATE/NO KEY UPDATE/SHARE/KEY SHARE of one pre-existing
 * table without WHERE or LIMIT locks every row until the transaction ends:
 * from then on, writes to any row of it wait (require-where-clause).
 */
static void
lint_locking_every_row(LintState *st, LintRel *r, LockClauseStrength strength)
{
	static const char *const strengths[] = {"", "FOR KEY SHARE", "FOR SHARE", "FOR NO KEY UPDATE", "FOR UPDATE"};

	if (!rel_preexisting(st, r))
		return;
	add_finding(st, LINT_RULE_REQUIRE_WHERE_CLAUSE,
				"Lock only the rows the migration changes (a WHERE clause, or a LIMIT in batches), or none.",
				"SELECT ... %s without WHERE or LIMIT locks every row of \"%s\" until the transaction ends: writes to it wait until then.",
				strength >= LCS_FORKEYSHARE && strength <= LCS_FORUPDATE ? strengths[strength] : "FOR UPDATE",
				r->name);
}

/* the first unconditional WHEN MATCHED (17+: or NOT MATCHED BY SOURCE) UPDATE/DELETE of a raw MERGE */
static CmdType
raw_merge_every_row_action(MergeStmt *m, const char **clause)
{
	ListCell   *lc;

	foreach(lc, m->mergeWhenClauses)
	{
		MergeWhenClause *w = lfirst_node(MergeWhenClause, lc);

		if ((MergeClauseIsMatched(w) || MergeClauseIsNotMatchedBySource(w)) && w->condition == NULL &&
			(w->commandType == CMD_UPDATE || w->commandType == CMD_DELETE))
		{
			*clause = MergeClauseIsMatched(w) ? "WHEN MATCHED" : "WHEN NOT MATCHED BY SOURCE";
			return w->commandType;
		}
	}
	return CMD_UNKNOWN;
}

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
				add_finding(st, LINT_RULE_BAN_DUPLICATE_COLUMN_ASSIGNMENTS,
							"Assign each column once.",
							"Column \"%s\" is %s twice; the statement fails at run time.", ra->name, what);
				return;
			}
		}
	}
}

void
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
			{
				MergeStmt  *m = (MergeStmt *) stmt;
				LintRel		r = lookup_rangevar(st, m->relation);
				const char *clause = NULL;
				CmdType		action = raw_merge_every_row_action(m, &clause);

				st->slow = true;
				lint_with_clause(st, m->withClause);
				lint_merge_every_row(st, &r, raw_always_true(m->joinCondition), action, clause);
				break;
			}
		case T_SelectStmt:
			{
				SelectStmt *sel = (SelectStmt *) stmt;

				lint_with_clause(st, sel->withClause);
				lint_raw_setval(st, sel);
				/* one table, locked row by row, every row */
				if (sel->lockingClause != NIL && sel->whereClause == NULL &&
					sel->limitCount == NULL && sel->op == SETOP_NONE &&
					list_length(sel->fromClause) == 1 && IsA(linitial(sel->fromClause), RangeVar))
				{
					LintRel		r = lookup_rangevar(st, linitial_node(RangeVar, sel->fromClause));

					lint_locking_every_row(st, &r,
										   linitial_node(LockingClause, sel->lockingClause)->strength);
				}
				break;
			}
		default:
			break;
	}
}

/* UPDATE/DELETE without WHERE in an analyzed query (the hook's view) */
void
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
	if (q->commandType == CMD_MERGE && q->resultRelation > 0)
	{
		RangeTblEntry *rte = rt_fetch(q->resultRelation, q->rtable);
		LintRel		r = lookup_oid(st, rte->relid, NULL);
		CmdType		action = CMD_UNKNOWN;
		const char *clause = NULL;

		foreach(lc, q->mergeActionList)
		{
			MergeAction *a = lfirst_node(MergeAction, lc);

			if ((MergeClauseIsMatched(a) || MergeClauseIsNotMatchedBySource(a)) && a->qual == NULL &&
				(a->commandType == CMD_UPDATE || a->commandType == CMD_DELETE))
			{
				action = a->commandType;
				clause = MergeClauseIsMatched(a) ? "WHEN MATCHED" : "WHEN NOT MATCHED BY SOURCE";
				break;
			}
		}
		lint_merge_every_row(st, &r, query_always_true(MergeQueryJoinCondition(q)), action, clause);
	}
	if (q->commandType == CMD_SELECT)
		lint_query_setval(st, q);
	/* the hook's view of SELECT ... FOR UPDATE of one table, every row */
	if (q->commandType == CMD_SELECT && q->rowMarks != NIL && q->limitCount == NULL &&
		q->setOperations == NULL && q->jointree != NULL && q->jointree->quals == NULL &&
		list_length(q->jointree->fromlist) == 1 && IsA(linitial(q->jointree->fromlist), RangeTblRef))
	{
		RangeTblEntry *rte = rt_fetch(linitial_node(RangeTblRef, q->jointree->fromlist)->rtindex, q->rtable);
		RowMarkClause *rmc = linitial_node(RowMarkClause, q->rowMarks);

		if (rte->rtekind == RTE_RELATION)
		{
			LintRel		r = lookup_oid(st, rte->relid, NULL);

			lint_locking_every_row(st, &r, rmc->strength);
		}
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


/*
 * An action of CREATE RULE (require-where-clause): an UPDATE or DELETE
 * without WHERE changes every row of its pre-existing table each time the
 * rule fires, whatever table the rule is on.
 */
void
lint_rule_action(LintState *st, const char *rulename, Node *action)
{
	RangeVar   *rv;
	bool		has_where;
	const char *what;
	LintRel		r;

	if (IsA(action, UpdateStmt))
	{
		rv = ((UpdateStmt *) action)->relation;
		has_where = ((UpdateStmt *) action)->whereClause != NULL;
		what = "UPDATE";
	}
	else if (IsA(action, DeleteStmt))
	{
		rv = ((DeleteStmt *) action)->relation;
		has_where = ((DeleteStmt *) action)->whereClause != NULL;
		what = "DELETE";
	}
	else
		return;
	r = lookup_rangevar(st, rv);
	if (has_where || !rel_preexisting(st, &r))
		return;
	add_finding(st, LINT_RULE_REQUIRE_WHERE_CLAUSE,
				"Give the action a WHERE clause that names the rows (WHERE id = OLD.id), or use a trigger.",
				"Rule \"%s\" runs %s without WHERE on \"%s\" each time it fires: every row of \"%s\" changes.",
				rulename, what, r.name, r.name);
}
