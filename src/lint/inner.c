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
 *	  of an IF or a loop is judged too; what still does not parse is passed
 *	  over, and so is what parses as transaction control (an inner block's
 *	  END reads as COMMIT);
 *	- EXECUTE runs the string its expression makes.  When that expression
 *	  is made of constants only (string literals, ||, format() with %s, %I,
 *	  %L and %%, quote_ident(), quote_literal(), concat()), the string is
 *	  computed here, without calling any function, and its statements are
 *	  judged; an expression that reads a variable, a column or any other
 *	  function is truly dynamic and passed over;
 *	- PERFORM query runs SELECT query, and is judged as that SELECT;
 *	- a piece is parsed in a subtransaction, so a syntax error is caught and
 *	  forgotten; nothing is executed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "access/xact.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "utils/builtins.h"
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

/* ---- EXECUTE of a constant string ---- */

static char *constant_string(Node *expr);

/* the name of a function call without its schema, when the schema is none or pg_catalog */
static const char *
catalog_function_name(FuncCall *fc)
{
	if (list_length(fc->funcname) == 2 &&
		strcmp(strVal(linitial(fc->funcname)), "pg_catalog") != 0)
		return NULL;
	if (list_length(fc->funcname) > 2 || fc->agg_order != NIL || fc->agg_filter != NULL ||
		fc->over != NULL || fc->agg_star || fc->agg_distinct || fc->func_variadic)
		return NULL;
	return strVal(llast(fc->funcname));
}

/*
 * format(fmt, args...) of constant arguments, for the conversions %s, %I,
 * %L and %%, each taking the next argument; NULL for anything else (a
 * width, a position, a NULL argument), which is left as dynamic.
 */
static char *
constant_format(List *args)
{
	StringInfoData out;
	char	   *fmt;
	ListCell   *next;
	const char *p;

	if (args == NIL || (fmt = constant_string(linitial(args))) == NULL)
		return NULL;
	initStringInfo(&out);
	next = list_second_cell(args);
	for (p = fmt; *p; p++)
	{
		char	   *arg;

		if (*p != '%')
		{
			appendStringInfoChar(&out, *p);
			continue;
		}
		p++;
		if (*p == '%')
		{
			appendStringInfoChar(&out, '%');
			continue;
		}
		if ((*p != 's' && *p != 'I' && *p != 'L') || next == NULL ||
			(arg = constant_string(lfirst(next))) == NULL)
			return NULL;
		next = lnext(args, next);
		if (*p == 's')
			appendStringInfoString(&out, arg);
		else if (*p == 'I')
			appendStringInfoString(&out, quote_identifier(arg));
		else
			appendStringInfoString(&out, quote_literal_cstr(arg));
	}
	return out.data;
}

/*
 * The string a raw expression made of constants only evaluates to, or NULL
 * when it reads anything else (a variable, a column, another function) or
 * is NULL.
 */
static char *
constant_string(Node *expr)
{
	if (expr == NULL)
		return NULL;
	if (IsA(expr, A_Const))
	{
		A_Const    *c = (A_Const *) expr;

		if (c->isnull)
			return NULL;
		if (IsA(&c->val, String))
			return pstrdup(strVal(&c->val));
		if (IsA(&c->val, Integer))
			return psprintf("%d", intVal(&c->val));
		if (IsA(&c->val, Float))
			return pstrdup(castNode(Float, &c->val)->fval);
		return NULL;
	}
	if (IsA(expr, TypeCast))
		return constant_string(((TypeCast *) expr)->arg);
	if (IsA(expr, A_Expr))
	{
		A_Expr	   *e = (A_Expr *) expr;
		char	   *left;
		char	   *right;

		if (e->kind != AEXPR_OP || list_length(e->name) != 1 ||
			strcmp(strVal(linitial(e->name)), "||") != 0 ||
			(left = constant_string(e->lexpr)) == NULL ||
			(right = constant_string(e->rexpr)) == NULL)
			return NULL;
		return psprintf("%s%s", left, right);
	}
	if (IsA(expr, FuncCall))
	{
		FuncCall   *fc = (FuncCall *) expr;
		const char *name = catalog_function_name(fc);
		char	   *arg;

		if (name == NULL)
			return NULL;
		if (strcmp(name, "format") == 0)
			return constant_format(fc->args);
		if (strcmp(name, "concat") == 0)
		{
			StringInfoData out;
			ListCell   *lc;

			initStringInfo(&out);
			foreach(lc, fc->args)
			{
				if ((arg = constant_string(lfirst(lc))) == NULL)
					return NULL;
				appendStringInfoString(&out, arg);
			}
			return out.data;
		}
		if (list_length(fc->args) != 1 || (arg = constant_string(linitial(fc->args))) == NULL)
			return NULL;
		if (strcmp(name, "quote_ident") == 0)
			return pstrdup(quote_identifier(arg));
		if (strcmp(name, "quote_literal") == 0)
			return quote_literal_cstr(arg);
	}
	return NULL;
}

/*
 * A piece that is PL/pgSQL's EXECUTE: its string judged when the
 * expression is constant (up to INTO or USING), passed over when it is
 * dynamic.  False when the piece is not an EXECUTE.
 */
static bool
lint_do_execute(LintState *st, const char *piece, List **findings)
{
	core_yy_extra_type extra;
	core_yyscan_t scanner;
	core_YYSTYPE lval;
	int			lloc;
	int			token;
	int			from;
	int			to = -1;
	int			depth = 0;
	List	   *stmts;
	SelectStmt *sel;
	char	   *sql;

	from = sql_skip_blanks(piece, 0, INT_MAX);
	if (!sql_token_is(piece, from, "execute"))
		return false;
	from += strlen("execute");
	scanner = scanner_init(piece + from, &extra, &ScanKeywords, ScanKeywordTokens);
	while ((token = core_yylex(&lval, &lloc, scanner)) != 0)
	{
		if (token == '(')
			depth++;
		else if (token == ')')
			depth--;
		else if (depth == 0 && (sql_token_is(piece + from, lloc, "into") ||
								 sql_token_is(piece + from, lloc, "using")))
		{
			to = from + lloc;
			break;
		}
	}
	scanner_finish(scanner);
	if (to < 0)
		to = strlen(piece);

	stmts = parse_quietly(psprintf("SELECT %.*s", to - from, piece + from));
	if (list_length(stmts) != 1)
		return true;
	sel = (SelectStmt *) linitial_node(RawStmt, stmts)->stmt;
	if (!IsA(sel, SelectStmt) || list_length(sel->targetList) != 1 ||
		sel->fromClause != NIL || sel->whereClause != NULL)
		return true;
	sql = constant_string(linitial_node(ResTarget, sel->targetList)->val);
	if (sql != NULL)
		lint_inner_text(st, sql, findings);
	return true;
}

/*
 * A piece that is PL/pgSQL's PERFORM query: run as SELECT query, and
 * judged so (setval() moving a sequence back, DML in a CTE).  False when
 * the piece is not a PERFORM.
 */
static bool
lint_do_perform(LintState *st, const char *piece, List **findings)
{
	int			at = sql_skip_blanks(piece, 0, INT_MAX);

	if (!sql_token_is(piece, at, "perform"))
		return false;
	lint_inner_text(st, psprintf("SELECT %s", piece + at + strlen("perform")), findings);
	return true;
}

/* one piece of a DO body, from start to end (exclusive) */
static void
lint_do_piece(LintState *st, const char *body, int start, int end, int retry_from,
			  List **findings)
{
	char	   *piece = pnstrdup(body + start, end - start);
	List	   *stmts;

	if (lint_do_execute(st, piece, findings) || lint_do_perform(st, piece, findings))
		return;
	if (retry_from > start &&
		(lint_do_execute(st, pnstrdup(body + retry_from, end - retry_from), findings) ||
		 lint_do_perform(st, pnstrdup(body + retry_from, end - retry_from), findings)))
		return;
	stmts = parse_quietly(piece);

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
