/*-------------------------------------------------------------------------
 *
 * script.c
 *		Splitting and classifying migration scripts with the server's parser.
 *
 * A script is split by raw_parser(), so dollar quotes, E'' strings, nested
 * comments and semicolons inside literals behave exactly as they do in
 * psql and the server.  Each statement keeps the comments that precede it
 * (its text starts right after the previous statement's semicolon), which
 * is where "-- schemamig:allow" comments live.
 *
 * Classification: transaction control and COPY to or from the client are
 * rejected; a statement that PostgreSQL refuses inside a transaction block
 * (CREATE INDEX CONCURRENTLY, VACUUM, ...) makes the script
 * non-transactional.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/defrem.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "common/keywords.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"

#include "schemamig.h"

/* scripts larger than this are not echoed whole in syntax errors */
#define SCRIPT_ECHO_LIMIT	(64 * 1024)

typedef struct ScriptParseContext
{
	const char *sql;
	const char *version;
	MigrationDirection direction;
} ScriptParseContext;

const char *
direction_name(MigrationDirection direction)
{
	return direction == MIGRATION_UP ? "up" : "down";
}

/*
 * 1-based line of a byte offset, counted on from an earlier (offset, line)
 * pair (start with 0, 1): the statements of a script come in order, so
 * counting from the previous one keeps splitting linear in the script's
 * size (counting from the start for each statement made a 10 MB script of
 * short statements take hours).
 */
int
script_line_of_offset_from(const char *sql, int offset, int *from_offset, int *from_line)
{
	int			i;

	if (offset < *from_offset)
	{
		*from_offset = 0;
		*from_line = 1;
	}
	for (i = *from_offset; i < offset && sql[i]; i++)
		if (sql[i] == '\n')
			(*from_line)++;
	*from_offset = i;
	return *from_line;
}

/* 1-based line of a byte offset */
int
script_line_of_offset(const char *sql, int offset)
{
	int			from_offset = 0;
	int			from_line = 1;

	return script_line_of_offset_from(sql, offset, &from_offset, &from_line);
}

/* byte offset of a 1-based character position */
static int
offset_of_char_position(const char *sql, int position)
{
	int			offset = 0;

	while (--position > 0 && sql[offset])
		offset += pg_mblen(sql + offset);
	return offset;
}

/* offset of the first token at or after offset: white space and comments (nested block comments included) skipped */
int
script_first_token_offset(const char *sql, int offset)
{
	for (;;)
	{
		char		c = sql[offset];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
			offset++;
		else if (c == '-' && sql[offset + 1] == '-')
		{
			while (sql[offset] && sql[offset] != '\n')
				offset++;
		}
		else if (c == '/' && sql[offset + 1] == '*')
		{
			int			depth = 1;

			offset += 2;
			while (sql[offset] && depth > 0)
			{
				if (sql[offset] == '/' && sql[offset + 1] == '*')
				{
					depth++;
					offset += 2;
				}
				else if (sql[offset] == '*' && sql[offset + 1] == '/')
				{
					depth--;
					offset += 2;
				}
				else
					offset++;
			}
		}
		else
			return offset;
	}
}

/*
 * Offset just past a raw statement and its terminating semicolon: where the
 * next statement's text, the comments before it included, begins.  Up to 17
 * raw_parser put the next statement's stmt_location there too; 18 moved
 * stmt_location to the statement's first token, past those comments.
 */
int
script_statement_end(const char *sql, const RawStmt *rs)
{
	int			end = rs->stmt_len > 0 ? rs->stmt_location + rs->stmt_len : (int) strlen(sql);

	return sql[end] == ';' ? end + 1 : end;
}

/*
 * Where the text of the statement at location begins in a query string,
 * the comments before it included: just past the previous statement's
 * semicolon.  For the hooks, which see one statement's location at a time.
 */
int
script_statement_start(const char *sql, int location)
{
#if PG_VERSION_NUM >= 180000
	/*
	 * 18 starts stmt_location at the statement's first token: find the last
	 * semicolon token before it.  Only white space and comments lie between
	 * that semicolon and the statement, so it ends the previous statement.
	 */
	core_yy_extra_type extra;
	core_yyscan_t scanner;
	core_YYSTYPE lval;
	YYLTYPE		lloc;
	int			start = 0;
	int			token;

	if (location <= 0)
		return 0;
	scanner = scanner_init(sql, &extra, &ScanKeywords, ScanKeywordTokens);
	/* the parser has warned about backslashes in strings already */
	extra.escape_string_warning = false;
	while ((token = core_yylex(&lval, &lloc, scanner)) != 0 && lloc < location)
		if (token == ';')
			start = lloc + 1;
	scanner_finish(scanner);
	return start;
#else
	/* up to 17 stmt_location is already just past the previous semicolon */
	return location < 0 ? 0 : location;
#endif
}

/*
 * Syntax errors carry a position in the script, not in the caller's query:
 * move it to the internal query, as SPI does, and say where it is.
 */
static void
script_parse_error_callback(void *arg)
{
	ScriptParseContext *ctx = (ScriptParseContext *) arg;
	int			position = geterrposition();

	if (position > 0)
	{
		int			offset = offset_of_char_position(ctx->sql, position);

		errposition(0);
		if (strlen(ctx->sql) <= SCRIPT_ECHO_LIMIT)
		{
			internalerrposition(position);
			internalerrquery(ctx->sql);
		}
		errcontext("%s script of migration \"%s\", line %d",
				   direction_name(ctx->direction), ctx->version,
				   script_line_of_offset(ctx->sql, offset));
	}
	else
		errcontext("%s script of migration \"%s\"",
				   direction_name(ctx->direction), ctx->version);
}

/* a boolean option of a utility statement (an option without a value is true) */
bool
script_option_is_true(List *options, const char *name, bool if_absent)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, name) == 0)
			return defGetBoolean(opt);
	}
	return if_absent;
}

/*
 * Why a statement cannot run inside a transaction block, or NULL.  Mirrors
 * the PreventInTransactionBlock() calls of PostgreSQL 15; the linter uses
 * it too.
 */
const char *
script_top_level_only(Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_IndexStmt:
			return ((IndexStmt *) stmt)->concurrent ? "CREATE INDEX CONCURRENTLY" : NULL;
		case T_DropStmt:
			return ((DropStmt *) stmt)->concurrent ? "DROP INDEX CONCURRENTLY" : NULL;
		case T_ReindexStmt:
			{
				ReindexStmt *reindex = (ReindexStmt *) stmt;

				if (script_option_is_true(reindex->params, "concurrently", false))
					return "REINDEX CONCURRENTLY";
				if (reindex->kind == REINDEX_OBJECT_SCHEMA ||
					reindex->kind == REINDEX_OBJECT_SYSTEM ||
					reindex->kind == REINDEX_OBJECT_DATABASE)
					return "REINDEX SCHEMA, SYSTEM or DATABASE";
				return NULL;
			}
		case T_VacuumStmt:
			return ((VacuumStmt *) stmt)->is_vacuumcmd ? "VACUUM" : NULL;
		case T_ClusterStmt:
			return ((ClusterStmt *) stmt)->relation == NULL ? "CLUSTER without a table" : NULL;
		case T_CreatedbStmt:
			return "CREATE DATABASE";
		case T_DropdbStmt:
			return "DROP DATABASE";
		case T_CreateTableSpaceStmt:
			return "CREATE TABLESPACE";
		case T_DropTableSpaceStmt:
			return "DROP TABLESPACE";
		case T_AlterSystemStmt:
			return "ALTER SYSTEM";
		case T_DiscardStmt:
			return ((DiscardStmt *) stmt)->target == DISCARD_ALL ? "DISCARD ALL" : NULL;
		case T_CreateSubscriptionStmt:
			return script_option_is_true(((CreateSubscriptionStmt *) stmt)->options,
								  "create_slot", true) ? "CREATE SUBSCRIPTION with create_slot" : NULL;
		case T_DropSubscriptionStmt:
			return "DROP SUBSCRIPTION";
		case T_AlterSubscriptionStmt:
			{
				AlterSubscriptionStmt *alter = (AlterSubscriptionStmt *) stmt;

				if (alter->kind == ALTER_SUBSCRIPTION_REFRESH ||
					((alter->kind == ALTER_SUBSCRIPTION_SET_PUBLICATION ||
					  alter->kind == ALTER_SUBSCRIPTION_ADD_PUBLICATION ||
					  alter->kind == ALTER_SUBSCRIPTION_DROP_PUBLICATION) &&
					 script_option_is_true(alter->options, "refresh", true)))
					return "ALTER SUBSCRIPTION with refresh";
				return NULL;
			}
		case T_AlterTableStmt:
			{
				ListCell   *lc;

				foreach(lc, ((AlterTableStmt *) stmt)->cmds)
				{
					AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

					if (cmd->subtype == AT_DetachPartition &&
						((PartitionCmd *) cmd->def)->concurrent)
						return "DETACH PARTITION CONCURRENTLY";
				}
				return NULL;
			}
		default:
			return NULL;
	}
}

static void
reject_statement(ScriptStatement *s, const char *version, MigrationDirection direction)
{
	Node	   *stmt = s->parsetree;

	if (IsA(stmt, TransactionStmt))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
				 errmsg("transaction control statements are not allowed in a migration"),
				 errdetail("Statement %d (line %d) of the %s script of migration \"%s\" is %s.",
						   s->number, s->line, direction_name(direction), version,
						   GetCommandTagName(CreateCommandTag(stmt))),
				 errhint("Remove it: schemamig runs each migration in one transaction. To commit after each migration, use CALL schemamig.run().")));

	if (IsA(stmt, CopyStmt) && ((CopyStmt *) stmt)->filename == NULL &&
		!((CopyStmt *) stmt)->is_program)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("COPY to or from the client is not allowed in a migration"),
				 errdetail("Statement %d (line %d) of the %s script of migration \"%s\" is COPY with STDIN or STDOUT.",
						   s->number, s->line, direction_name(direction), version),
				 errhint("Use INSERT statements, or COPY from a file on the server.")));
}

/*
 * Size and encoding checks, before the parser sees the text.  In a
 * SQL_ASCII database the server does not check encodings, so scripts must
 * at least be valid UTF-8 there; elsewhere the database encoding rules.
 */
void
script_check_text(const char *sql, const char *version, MigrationDirection direction)
{
	size_t		len = strlen(sql);

	if (len > SCHEMAMIG_MAX_SCRIPT_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s script of migration \"%s\" is too large", direction_name(direction), version),
				 errdetail("The script has %zu bytes; the limit is %d bytes.",
						   len, SCHEMAMIG_MAX_SCRIPT_BYTES),
				 errhint("Split the migration into several smaller ones.")));

	if (GetDatabaseEncoding() == PG_SQL_ASCII
		? !pg_verify_mbstr(PG_UTF8, sql, len, true)
		: !pg_verifymbstr(sql, len, true))
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("%s script of migration \"%s\" is not valid %s",
						direction_name(direction), version,
						GetDatabaseEncoding() == PG_SQL_ASCII ? "UTF8" : GetDatabaseEncodingName()),
				 errhint("Save the migration file in the database encoding.")));
}

Script *
script_split(const char *sql, const char *version, MigrationDirection direction)
{
	ScriptParseContext ctx;
	ErrorContextCallback callback;
	List	   *raw;
	ListCell   *lc;
	Script	   *script = palloc0(sizeof(Script));
	int			number = 0;
	int			next_start = 0;
	int			line_offset = 0;
	int			line = 1;

	ctx.sql = sql;
	ctx.version = version;
	ctx.direction = direction;
	callback.callback = script_parse_error_callback;
	callback.arg = &ctx;
	callback.previous = error_context_stack;
	error_context_stack = &callback;
	raw = raw_parser(sql, RAW_PARSE_DEFAULT);
	error_context_stack = callback.previous;

	foreach(lc, raw)
	{
		RawStmt    *rs = lfirst_node(RawStmt, lc);
		ScriptStatement *s = palloc0(sizeof(ScriptStatement));
		int			start = next_start;
		int			len;

		next_start = script_statement_end(sql, rs);
		len = (rs->stmt_len > 0 ? rs->stmt_location + rs->stmt_len : (int) strlen(sql)) - start;
		CHECK_FOR_INTERRUPTS();
		s->number = ++number;
		s->line = script_line_of_offset_from(sql, script_first_token_offset(sql, start),
											  &line_offset, &line);
		s->text = pnstrdup(sql + start, len);
		s->parsetree = rs->stmt;
		reject_statement(s, version, direction);
		s->top_level_only = script_top_level_only(rs->stmt);
		if (s->top_level_only && script->top_level_only == NULL)
		{
			script->top_level_only = s->top_level_only;
			script->top_level_statement = s->number;
		}
		script->statements = lappend(script->statements, s);
	}

	if (script->statements == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("migration is empty"),
				 errdetail("The %s script of migration \"%s\" has no statements, only white space or comments.",
						   direction_name(direction), version),
				 errhint(direction == MIGRATION_UP
						 ? "Put at least one SQL statement in the script."
						 : "Pass NULL as the down script if the migration cannot be undone.")));
	return script;
}
