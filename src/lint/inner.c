/*-------------------------------------------------------------------------
 *
 * inner.c
 *		The statements a script runs without writing them at top level:
 *		PREPARE name AS <statement>, and the static SQL statements of a DO
 *		block in PL/pgSQL.  lint() judges them as if they were written
 *		where the PREPARE or DO is, in order, each remembered for the next.
 *
 * Invariants:
 *	- script mode only: live, the hooks see these statements when they run
 *	  (the post-parse-analyze hook when PREPARE analyzes its statement, the
 *	  hooks when PL/pgSQL runs the block's statements);
 *	- a DO block is not compiled: its body, from the first BEGIN to its
 *	  last END, is cut at the semicolons the core scanner sees (strings,
 *	  quoted names and comments are skipped as the server skips them), and
 *	  each piece that parses as SQL is judged.  A piece that does not
 *	  (RAISE, assignments, IF ... THEN with a statement, loops) is parsed
 *	  again from after its last THEN, ELSE, LOOP or BEGIN, so the statement
 *	  of an IF or a loop is judged too; what still does not parse, and
 *	  dynamic SQL (EXECUTE), is passed over, and so is what parses as
 *	  transaction control (an inner block's END reads as COMMIT);
 *	- a piece is parsed in a subtransaction, so a syntax error is caught and
 *	  forgotten; nothing is executed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "lint/lint_internal.h"
#include "sql_scan.h"

/* the raw statements of text, or NIL when it is not SQL */
static List *
parse_quietly(const char *text)
{
	MemoryContext caller = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	List	   *volatile stmts = NIL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(caller);
	PG_TRY();
	{
		stmts = raw_parser(text, RAW_PARSE_DEFAULT);
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(caller);
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		stmts = NIL;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(caller);
	CurrentResourceOwner = owner;
	return stmts;
}

/* one statement, judged and then remembered in the state's own memory */
static void
lint_inner_statement(LintState *st, Node *stmt, List **findings)
{
	MemoryContext caller;

	*findings = list_concat(*findings, lint_statement(st, stmt));
	caller = MemoryContextSwitchTo(st->track_context ? st->track_context : CurrentMemoryContext);
	lint_track_statement(st, stmt);
	MemoryContextSwitchTo(caller);
}

/*
 * Judge the statements of text as top-level statements of the script:
 * findings added to *findings, each statement remembered for the next.
 */
static void
lint_inner_text(LintState *st, const char *text, List **findings)
{
	ListCell   *lc;

	foreach(lc, parse_quietly(text))
	{
		Node	   *stmt = lfirst_node(RawStmt, lc)->stmt;

		/* a block's own END parses as COMMIT: PL/pgSQL keywords, not transaction control */
		if (!IsA(stmt, TransactionStmt))
			lint_inner_statement(st, stmt, findings);
	}
}

/* one piece of a DO body, from start to end (exclusive) */
static void
lint_do_piece(LintState *st, const char *body, int start, int end, int retry_from,
			  List **findings)
{
	char	   *piece = pnstrdup(body + start, end - start);
	List	   *stmts = parse_quietly(piece);

	if (stmts == NIL && retry_from > start)
	{
		pfree(piece);
		piece = pnstrdup(body + retry_from, end - retry_from);
		stmts = parse_quietly(piece);
	}
	if (stmts != NIL)
		lint_inner_text(st, piece, findings);
}

/* the static SQL statements of a PL/pgSQL DO body */
static List *
lint_do_body(LintState *st, const char *body)
{
	core_yy_extra_type extra;
	core_yyscan_t scanner;
	core_YYSTYPE lval;
	int			lloc;
	int			token;
	int			start = -1;
	int			retry_from = -1;
	int			last_end = -1;
	List	   *findings = NIL;

	scanner = scanner_init(body, &extra, &ScanKeywords, ScanKeywordTokens);
	extra.escape_string_warning = false;
	while ((token = core_yylex(&lval, &lloc, scanner)) != 0)
	{
		/* the words that open a statement of their own: THEN, ELSE, LOOP, BEGIN */
		bool		is_begin = sql_token_is(body, lloc, "begin");
		bool		opens = is_begin || sql_token_is(body, lloc, "then") ||
			sql_token_is(body, lloc, "else") || sql_token_is(body, lloc, "loop");
		int			after = lloc + (is_begin ? 5 : opens ? 4 : 0);

		if (start < 0)
		{
			/* the body starts after the first BEGIN (DECLARE comes before it) */
			if (is_begin)
				start = retry_from = after;
			continue;
		}
		if (sql_token_is(body, lloc, "end"))
			last_end = lloc;
		else if (opens)
			retry_from = after; /* where the statement of an IF, a loop or a block starts */
		else if (token == ';')
		{
			lint_do_piece(st, body, start, lloc, retry_from, &findings);
			start = retry_from = lloc + 1;
			last_end = -1;
		}
	}
	/* a last statement without its semicolon, before the block's END */
	if (start >= 0 && last_end > start)
		lint_do_piece(st, body, start, last_end, retry_from, &findings);
	scanner_finish(scanner);
	return findings;
}

/*
 * The findings of a DO block's or a PREPARE's statements (script mode);
 * NIL live, where the hooks judge them as they run.
 */
List *
lint_inner_statements(LintState *st, Node *stmt)
{
	List	   *findings = NIL;
	ListCell   *lc;

	if (st->live)
		return NIL;
	if (IsA(stmt, PrepareStmt))
	{
		lint_inner_statement(st, ((PrepareStmt *) stmt)->query, &findings);
		return findings;
	}
	if (IsA(stmt, DoStmt))
	{
		const char *body = NULL;
		const char *language = "plpgsql";

		foreach(lc, ((DoStmt *) stmt)->args)
		{
			DefElem    *arg = lfirst_node(DefElem, lc);

			if (strcmp(arg->defname, "as") == 0)
				body = strVal(arg->arg);
			else if (strcmp(arg->defname, "language") == 0)
				language = strVal(arg->arg);
		}
		if (body != NULL && strcmp(language, "plpgsql") == 0)
			findings = lint_do_body(st, body);
	}
	return findings;
}
