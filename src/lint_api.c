/*-------------------------------------------------------------------------
 *
 * lint_api.c
 *		schemamig.lint(sql): the linter's rules over a script, executing
 *		nothing.
 *
 * Invariants:
 *	- the script is parsed a chunk at a time (ScriptReader) and never
 *	  executed, and each statement is judged in a memory context reset
 *	  after it, so memory does not grow with the script's length; the rules
 *	  read the live catalog and lint_track_statement() remembers what
 *	  earlier statements of the script created, validated, set or locked;
 *	- the script is judged as schemamig would run it: without transaction
 *	  control and without statements that must run outside a transaction
 *	  block it is one transaction (a migration); otherwise every statement
 *	  outside an explicit BEGIN ... COMMIT is a transaction of its own;
 *	- it starts with lock_timeout and statement_timeout at
 *	  schemamig.lock_timeout and schemamig.statement_timeout, the values a
 *	  migration starts with;
 *	- rules allowed by a "schemamig:allow" comment before a statement are
 *	  left out, as the hook would let the statement run; a comment naming
 *	  no rule is a WARNING, as in the hook;
 *	- the script's SET search_path and SET timezone take effect for the
 *	  statements after them (names resolve, and timestamp type changes are
 *	  judged, as they will run) and are undone when lint() returns, like a
 *	  function's SET clause.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/defrem.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/tuplestore.h"

#include "schemamig.h"
#include "lint/lint.h"

PG_FUNCTION_INFO_V1(schemamig_lint);
PG_FUNCTION_INFO_V1(schemamig_lint_rule_destructive);

static void
emit_row(ReturnSetInfo *rsinfo, int statement_no, int line, LintFinding *f)
{
	Datum		values[6];
	bool		nulls[6] = {false, false, false, false, false, false};

	values[0] = Int32GetDatum(statement_no);
	values[1] = Int32GetDatum(line);
	values[2] = CStringGetTextDatum(f->rule);
	values[3] = CStringGetTextDatum(lint_severity_name(f->severity));
	values[4] = CStringGetTextDatum(f->message);
	values[5] = CStringGetTextDatum(f->hint);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

Datum
schemamig_lint(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ScriptReader *reader;
	ScriptStatement *s;
	MemoryContext state_context = CurrentMemoryContext;
	MemoryContext statement_context;
	LintState	st;
	bool		whole_transaction = true;
	bool		in_block = false;
	int			begin_no = 0;
	int			begin_line = 0;
	int			guc_nest_level;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	script_check_text(sql, "lint", MIGRATION_UP);

	reader = script_open(sql, "lint", MIGRATION_UP, false, false);
	while ((s = script_next(reader)) != NULL)
		if (IsA(s->parsetree, TransactionStmt) || s->top_level_only != NULL)
			whole_transaction = false;
	script_rewind(reader);

	/* SET search_path / timezone in the script apply until lint() returns */
	guc_nest_level = NewGUCNestLevel();

	memset(&st, 0, sizeof(st));
	st.live = false;
	st.down = false;
	st.advisory = schemamig_lint_advisory;
	st.lock_timeout_ms = schemamig_lock_timeout;
	st.statement_timeout_ms = schemamig_statement_timeout;
	st.transaction_timeout_ms = SessionTransactionTimeout;

	statement_context = AllocSetContextCreate(state_context, "schemamig lint statement",
											  ALLOCSET_DEFAULT_SIZES);
	while ((s = script_next(reader)) != NULL)
	{
		Node	   *stmt = s->parsetree;
		List	   *allows;
		ListCell   *fc;

		st.in_transaction = whole_transaction || in_block;
		st.in_transaction_block = in_block;

		/* what a statement's rules allocate is dropped after it */
		MemoryContextSwitchTo(statement_context);
		(void) lint_statement(&st, stmt);
		lint_identifiers(&st, s->text);
		allows = lint_parse_allows(s->text, strlen(s->text));
		lint_warn_unknown_allows(allows);
		foreach(fc, st.findings)
		{
			LintFinding *f = lfirst(fc);

			if (lint_find_allow(allows, f->rule) == NULL)
				emit_row(rsinfo, s->number, s->line, f);
		}
		MemoryContextSwitchTo(state_context);
		lint_track_statement(&st, stmt);

		if (IsA(stmt, TransactionStmt))
		{
			TransactionStmt *t = (TransactionStmt *) stmt;

			switch (t->kind)
			{
				case TRANS_STMT_BEGIN:
				case TRANS_STMT_START:
					if (!in_block)
					{
						in_block = true;
						begin_no = s->number;
						begin_line = s->line;
						lint_reset_transaction(&st);
					}
					break;
				case TRANS_STMT_COMMIT:
				case TRANS_STMT_ROLLBACK:
				case TRANS_STMT_PREPARE:
					in_block = false;
					lint_reset_transaction(&st);
					break;
				default:
					break;
			}
		}
		else if (!whole_transaction && !in_block)
			lint_reset_transaction(&st);
		MemoryContextReset(statement_context);
	}
	script_close(reader);
	MemoryContextDelete(statement_context);

	if (in_block)
	{
		foreach(lc, lint_script_end(&st, begin_line))
			emit_row(rsinfo, begin_no, begin_line, lfirst(lc));
	}
	AtEOXact_GUC(true, guc_nest_level);
	return (Datum) 0;
}

/*
 * schemamig.lint_rule_destructive(rule): whether a rule is off in down
 * scripts, so that "schemamig lint --dir" judges down scripts as rollback
 * runs them (doc/lint.md, "Down scripts").
 */
Datum
schemamig_lint_rule_destructive(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(lint_rule_is_destructive(text_to_cstring(PG_GETARG_TEXT_PP(0))));
}
