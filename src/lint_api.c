/*-------------------------------------------------------------------------
 *
 * lint_api.c
 *		schemamig.lint(sql): the linter's rules over a script, executing
 *		nothing; schemamig.lint_deploy(scripts): over a deploy's scripts.
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
 *	- a statement under "-- schemamig:batch" gets a row of severity 'info'
 *	  (rule "schemamig:batch") saying what the worker will do with it, or
 *	  why a migration holding it is refused; its batches are transactions
 *	  of their own, so no lock of an earlier statement is held across it;
 *	- rules allowed by a "schemamig:allow" comment before a statement are
 *	  left out, as the hook would let the statement run; a comment naming
 *	  no rule is a WARNING, as in the hook;
 *	- the script's SET search_path and SET timezone take effect for the
 *	  statements after them (names resolve, and timestamp type changes are
 *	  judged, as they will run) and are undone when lint() returns, like a
 *	  function's SET clause;
 *	- lint_deploy() judges each script as lint() does, with what the
 *	  earlier scripts created remembered as created (a deploy run's "new"),
 *	  and each script's settings undone when it ends.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "parser/parser.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/tuplestore.h"

#include "backfill.h"
#include "schemamig.h"
#include "compat.h"
#include "lint/lint.h"
#include "script.h"

PG_FUNCTION_INFO_V1(schemamig_lint);
PG_FUNCTION_INFO_V1(schemamig_lint_deploy);
PG_FUNCTION_INFO_V1(schemamig_lint_rule_destructive);

/* one finding; script_no > 0 for lint_deploy(), which names the script */
static void
emit_row(ReturnSetInfo *rsinfo, int script_no, int statement_no, int line, LintFinding *f)
{
	Datum		values[7];
	bool		nulls[7] = {false, false, false, false, false, false, false};
	int			i = 0;

	if (script_no > 0)
		values[i++] = Int32GetDatum(script_no);
	values[i++] = Int32GetDatum(statement_no);
	values[i++] = Int32GetDatum(line);
	values[i++] = CStringGetTextDatum(f->rule);
	values[i++] = CStringGetTextDatum(lint_severity_name(f->severity));
	values[i++] = CStringGetTextDatum(f->message);
	values[i++] = CStringGetTextDatum(f->hint);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* what the worker will do with a batched statement: a row of severity 'info' */
static void
emit_batch_explanation(ReturnSetInfo *rsinfo, int script_no, ScriptStatement *s)
{
	Datum		values[7];
	bool		nulls[7] = {false, false, false, false, false, false, false};
	const char *hint;
	int			i = 0;

	if (script_no > 0)
		values[i++] = Int32GetDatum(script_no);
	values[i++] = Int32GetDatum(s->number);
	values[i++] = Int32GetDatum(s->line);
	values[i++] = CStringGetTextDatum("schemamig:batch");
	values[i++] = CStringGetTextDatum("info");
	values[i++] = CStringGetTextDatum(backfill_explain(s, &hint));
	values[i++] = CStringGetTextDatum(hint);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* the state a migration starts in: schemamig's timeouts, no transaction state */
static void
lint_state_begin_migration(LintState *st)
{
	st->lock_timeout_ms = schemamig_lock_timeout;
	st->statement_timeout_ms = schemamig_statement_timeout;
	st->transaction_timeout_ms = SessionTransactionTimeout;
	st->added_columns = NIL;
	lint_reset_transaction(st);
}

/*
 * Lint one script (one migration) with st, whose remembered objects carry
 * over from earlier scripts; findings go to rsinfo.
 */
static void
lint_script(LintState *st, const char *sql, ReturnSetInfo *rsinfo, int script_no)
{
	ScriptReader *reader;
	ScriptStatement *s;
	MemoryContext state_context = CurrentMemoryContext;
	MemoryContext statement_context;
	bool		whole_transaction = true;
	bool		in_block = false;
	int			begin_no = 0;
	int			begin_line = 0;
	int			guc_nest_level;
	ListCell   *lc;

	script_check_text(sql, "lint", MIGRATION_UP);

	reader = script_open(sql, "lint", MIGRATION_UP, false, false);
	st->policies = NIL;
	while ((s = script_next(reader)) != NULL)
	{
		if (IsA(s->parsetree, TransactionStmt) || s->top_level_only != NULL)
			whole_transaction = false;
		lint_prescan_statement(st, s->parsetree);
	}
	script_rewind(reader);

	/* SET search_path / timezone in the script apply until the script ends */
	guc_nest_level = NewGUCNestLevel();
	lint_state_begin_migration(st);

	statement_context = AllocSetContextCreate(state_context, "schemamig lint statement",
											  ALLOCSET_DEFAULT_SIZES);
	st->track_context = state_context;
	while ((s = script_next(reader)) != NULL)
	{
		Node	   *stmt = s->parsetree;
		List	   *allows;
		ListCell   *fc;

		st->in_transaction = whole_transaction || in_block;
		st->in_transaction_block = in_block;

		/* what a statement's rules allocate is dropped after it */
		MemoryContextSwitchTo(statement_context);
		/* a batched statement holds no lock of an earlier one: its batches are transactions of their own */
		if (s->batch && s->batch->refused == NULL)
			lint_reset_transaction(st);
		(void) lint_statement(st, stmt);
		lint_identifiers(st, s->text);
		allows = lint_parse_allows(s->text, strlen(s->text));
		lint_warn_unknown_allows(allows);
		foreach(fc, st->findings)
		{
			LintFinding *f = lfirst(fc);

			if (lint_find_allow(allows, f->rule) == NULL)
				emit_row(rsinfo, script_no, s->number, s->line, f);
		}
		if (s->batch)
			emit_batch_explanation(rsinfo, script_no, s);
		MemoryContextSwitchTo(state_context);
		lint_track_statement(st, stmt);

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
						lint_reset_transaction(st);
					}
					break;
				case TRANS_STMT_COMMIT:
				case TRANS_STMT_ROLLBACK:
				case TRANS_STMT_PREPARE:
					in_block = false;
					lint_reset_transaction(st);
					break;
				default:
					break;
			}
		}
		else if (!whole_transaction && !in_block)
			lint_reset_transaction(st);
		MemoryContextReset(statement_context);
	}
	script_close(reader);
	MemoryContextDelete(statement_context);

	if (in_block)
	{
		foreach(lc, lint_script_end(st, begin_line))
			emit_row(rsinfo, script_no, begin_no, begin_line, lfirst(lc));
	}
	AtEOXact_GUC(true, guc_nest_level);
}

static void
lint_state_init(LintState *st)
{
	memset(st, 0, sizeof(*st));
	st->live = false;
	st->down = false;
	st->advisory = schemamig_lint_advisory;
}

Datum
schemamig_lint(PG_FUNCTION_ARGS)
{
	LintState	st;

	InitMaterializedSRF(fcinfo, 0);
	lint_state_init(&st);
	lint_script(&st, text_to_cstring(PG_GETARG_TEXT_PP(0)), (ReturnSetInfo *) fcinfo->resultinfo, 0);
	return (Datum) 0;
}

/*
 * schemamig.lint_deploy(scripts text[]): the up scripts of a deploy, in
 * order, each judged as lint() judges it, and what an earlier script
 * created (relations, indexes, types, schemas, constraints validated)
 * counts for the later ones as a deploy run counts it (deploy_run.c): as
 * new.  Each script starts as a migration does: schemamig's timeouts, its
 * own transaction, settings of the script before it undone, columns added
 * by earlier scripts no longer new.  NULL elements are passed over.
 */
Datum
schemamig_lint_deploy(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum	   *scripts;
	bool	   *nulls;
	int			n;
	int			i;
	LintState	st;

	InitMaterializedSRF(fcinfo, 0);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(0), TEXTOID, -1, false, TYPALIGN_INT,
					  &scripts, &nulls, &n);
	lint_state_init(&st);
	for (i = 0; i < n; i++)
		if (!nulls[i])
			lint_script(&st, TextDatumGetCString(scripts[i]), rsinfo, i + 1);
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
