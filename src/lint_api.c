/*-------------------------------------------------------------------------
 *
 * lint_api.c
 *		schemamig.lint(sql): the linter's rules over a script, executing
 *		nothing.
 *
 * Invariants:
 *	- the script is parsed with raw_parser() and never executed; the rules
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
 *	  left out, as the hook would let the statement run;
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

PG_FUNCTION_INFO_V1(schemamig_lint);

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

static bool
is_allowed(List *allows, const char *rule)
{
	ListCell   *lc;

	foreach(lc, allows)
		if (strcmp(((LintAllow *) lfirst(lc))->rule, rule) == 0)
			return true;
	return false;
}

Datum
schemamig_lint(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	List	   *raw;
	ListCell   *lc;
	LintState	st;
	bool		whole_transaction = true;
	bool		in_block = false;
	int			begin_no = 0;
	int			begin_line = 0;
	int			number = 0;
	int			guc_nest_level;
	int			line_offset = 0;
	int			next_start = 0;
	int			line_so_far = 1;

	InitMaterializedSRF(fcinfo, 0);
	script_check_text(sql, "lint", MIGRATION_UP);
	raw = raw_parser(sql, RAW_PARSE_DEFAULT);

	foreach(lc, raw)
	{
		Node	   *stmt = lfirst_node(RawStmt, lc)->stmt;

		if (IsA(stmt, TransactionStmt) || script_top_level_only(stmt) != NULL)
			whole_transaction = false;
	}

	/* SET search_path / timezone in the script apply until lint() returns */
	guc_nest_level = NewGUCNestLevel();

	memset(&st, 0, sizeof(st));
	st.live = false;
	st.down = false;
	st.advisory = schemamig_lint_advisory;
	st.lock_timeout_ms = schemamig_lock_timeout;
	st.statement_timeout_ms = schemamig_statement_timeout;
	st.transaction_timeout_ms = SessionTransactionTimeout;

	foreach(lc, raw)
	{
		RawStmt    *rs = lfirst_node(RawStmt, lc);
		Node	   *stmt = rs->stmt;
		int			start = next_start;
		int			len = (rs->stmt_len > 0 ? rs->stmt_location + rs->stmt_len : (int) strlen(sql)) - start;
		char	   *text = pnstrdup(sql + start, len);
		int			line;
		List	   *allows;
		ListCell   *fc;

		/* count lines on from the previous statement: linear in the script */
		CHECK_FOR_INTERRUPTS();
		next_start = script_statement_end(sql, rs);
		line = script_line_of_offset_from(sql, script_first_token_offset(sql, start),
										  &line_offset, &line_so_far);

		number++;
		st.in_transaction = whole_transaction || in_block;
		st.in_transaction_block = in_block;

		(void) lint_statement(&st, stmt);
		lint_identifiers(&st, text);
		allows = lint_parse_allows(text, len);
		foreach(fc, st.findings)
		{
			LintFinding *f = lfirst(fc);

			if (!is_allowed(allows, f->rule))
				emit_row(rsinfo, number, line, f);
		}
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
						begin_no = number;
						begin_line = line;
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
	}

	if (in_block)
	{
		LintFinding f;

		f.rule = "ban-uncommitted-transaction";
		f.severity = LINT_SAFETY;
		f.message = psprintf("BEGIN at line %d has no matching COMMIT by the end of the script; the transaction and its locks stay open until the session ends.",
							 begin_line);
		f.hint = pstrdup("End the transaction with COMMIT.");
		emit_row(rsinfo, begin_no, begin_line, &f);
	}
	AtEOXact_GUC(true, guc_nest_level);
	return (Datum) 0;
}
