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
 * (CREATE INDEX CONCURRENTLY, VACUUM, ...), or one batched by a
 * "-- schemamig:batch" directive (backfill_directive.c), makes the script
 * non-transactional.
 *
 * Memory: a script is read a chunk of statements at a time (ScriptReader),
 * so a script of hundreds of thousands of statements never has all its
 * parse trees in memory at once (they take some hundred times the text).
 * The server's scanner finds where a chunk may end: after a semicolon,
 * which ends a statement everywhere but inside a BEGIN ATOMIC routine body;
 * from the first BEGIN ATOMIC on, the rest of the script is one chunk.  A
 * chunk parses to exactly the statements (and syntax errors) the whole
 * script would, and its positions are moved back into the whole script.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "commands/defrem.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "common/keywords.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "utils/memutils.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"

#include "backfill.h"
#include "schemamig.h"
#include "script.h"
#include "sql_scan.h"

/* scripts larger than this are not echoed whole in syntax errors */
#define SCRIPT_ECHO_LIMIT	(64 * 1024)

/* a chunk ends at the first semicolon after this many statements or bytes */
#define SCRIPT_CHUNK_STATEMENTS	1000
#define SCRIPT_CHUNK_BYTES		(256 * 1024)

typedef struct ScriptParseContext
{
	const char *sql;			/* the whole script */
	int			base;			/* byte offset of the chunk being parsed */
	const char *version;
	MigrationDirection direction;
} ScriptParseContext;

struct ScriptReader
{
	ScriptParseContext parse;
	bool		migration;		/* reject what a migration may not contain */
	bool		keep;			/* statements live as long as the reader */
	MemoryContext chunk_context;	/* the current chunk's statements */
	MemoryContext scan_context; /* tokens the chunk finder reads */
	core_yy_extra_type yyextra;
	core_yyscan_t scanner;		/* NULL once the rest is one chunk */
	int			length;			/* of the script, in bytes */
	int			next_chunk;		/* offset of the next chunk; -1 at the end */
	int			text_start;		/* where the next statement's text begins */
	List	   *chunk;			/* RawStmt * of the current chunk */
	ListCell   *next;			/* the next of them */
	int			number;
	int			line_offset;
	int			line;
	Script		summary;		/* statements stays NIL */
};

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
	return sql_skip_blanks(sql, offset, INT_MAX);
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
		int			offset = ctx->base + offset_of_char_position(ctx->sql + ctx->base, position);

		errposition(0);
		if (strlen(ctx->sql) <= SCRIPT_ECHO_LIMIT)
		{
			internalerrposition(pg_mbstrlen_with_len(ctx->sql, ctx->base) + position);
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

/*
 * Where the chunk that starts at start ends: just after a semicolon, once
 * the chunk holds enough statements or bytes, or at the end of the script
 * (also from the first BEGIN ATOMIC on, whose body holds semicolons that
 * end no statement).  The scanner reads on from where it stopped.
 */
static int
find_chunk_end(ScriptReader *reader, int start)
{
	const char *sql = reader->parse.sql;
	int			statements = 0;
	bool		after_begin = false;
	ErrorContextCallback callback;
	MemoryContext caller;
	int			end = -1;

	/*
	 * What fits in one chunk is not scanned: the scanner reports an
	 * identifier it truncates, so the parser would report it a second time.
	 */
	if (reader->length - start <= SCRIPT_CHUNK_BYTES)
		return reader->length;
	/* the scanner's errors (an unterminated string) point into the script */
	reader->parse.base = 0;
	callback.callback = script_parse_error_callback;
	callback.arg = &reader->parse;
	callback.previous = error_context_stack;
	error_context_stack = &callback;
	caller = MemoryContextSwitchTo(reader->scan_context);
	while (reader->scanner != NULL && end < 0)
	{
		core_YYSTYPE yylval;
		int			yylloc;
		int			token = core_yylex(&yylval, &yylloc, reader->scanner);

		if (token == 0)
			break;
		if (token == ';' && ++statements >= SCRIPT_CHUNK_STATEMENTS)
			end = yylloc + 1;
		else if (token == ';' && yylloc + 1 - start >= SCRIPT_CHUNK_BYTES)
			end = yylloc + 1;
		else if (after_begin && sql_token_is(sql, yylloc, "atomic"))
		{
			scanner_finish(reader->scanner);
			reader->scanner = NULL;
		}
		after_begin = sql_token_is(sql, yylloc, "begin");
	}
	MemoryContextSwitchTo(caller);
	error_context_stack = callback.previous;
	MemoryContextReset(reader->scan_context);
	return end < 0 ? reader->length : end;
}

/* parse the next chunk; false at the end of the script */
static bool
read_chunk(ScriptReader *reader)
{
	ScriptParseContext *ctx = &reader->parse;
	ErrorContextCallback callback;
	MemoryContext caller;
	int			start = reader->next_chunk;
	int			end;

	if (start < 0)
		return false;
	end = find_chunk_end(reader, start);
	reader->next_chunk = end == reader->length ? -1 : end;

	if (!reader->keep)
		MemoryContextReset(reader->chunk_context);
	caller = MemoryContextSwitchTo(reader->chunk_context);
	ctx->base = start;
	callback.callback = script_parse_error_callback;
	callback.arg = ctx;
	callback.previous = error_context_stack;
	error_context_stack = &callback;
	reader->chunk = raw_parser(pnstrdup(ctx->sql + start, end - start), RAW_PARSE_DEFAULT);
	error_context_stack = callback.previous;
	MemoryContextSwitchTo(caller);
	reader->next = list_head(reader->chunk);
	return true;
}

/*
 * Read a script statement by statement.  With migration, what a migration
 * may not contain is an error (transaction control, COPY from the client),
 * else every statement is returned.  With keep, every statement stays
 * valid as long as the caller's memory context; without, a statement is
 * valid only until the next script_next() call.
 */
ScriptReader *
script_open(const char *sql, const char *version, MigrationDirection direction,
			bool migration, bool keep)
{
	ScriptReader *reader = palloc0(sizeof(ScriptReader));

	reader->parse.sql = sql;
	reader->length = strlen(sql);
	reader->parse.version = version;
	reader->parse.direction = direction;
	reader->migration = migration;
	reader->keep = keep;
	reader->chunk_context = keep ? CurrentMemoryContext
		: AllocSetContextCreate(CurrentMemoryContext, "schemamig script chunk",
								ALLOCSET_DEFAULT_SIZES);
	reader->scan_context = AllocSetContextCreate(CurrentMemoryContext, "schemamig script scan",
												 ALLOCSET_SMALL_SIZES);
	reader->scanner = scanner_init(sql, &reader->yyextra, &ScanKeywords, ScanKeywordTokens);
	reader->line = 1;
	return reader;
}

/* the next statement, or NULL after the last */
ScriptStatement *
script_next(ScriptReader *reader)
{
	const char *sql = reader->parse.sql;
	RawStmt    *rs;
	ScriptStatement *s;
	MemoryContext caller;
	int			start;
	int			stop;
	int			len;

	while (reader->next == NULL)
		if (!read_chunk(reader))
			return NULL;
	rs = lfirst_node(RawStmt, reader->next);
	reader->next = lnext(reader->chunk, reader->next);

	CHECK_FOR_INTERRUPTS();
	caller = MemoryContextSwitchTo(reader->chunk_context);
	/*
	 * The statement's text runs from just past the previous statement's
	 * semicolon (the comments before it included: allow comments live
	 * there) to its end.  Up to 17 stmt_location is that place already;
	 * 18 moved it to the statement's first token.
	 */
	start = reader->text_start;
	stop = rs->stmt_len > 0 ? reader->parse.base + rs->stmt_location + rs->stmt_len : reader->length;
	len = stop - start;
	reader->text_start = sql[stop] == ';' ? stop + 1 : stop;
	s = palloc0(sizeof(ScriptStatement));
	s->number = ++reader->number;
	s->line = script_line_of_offset_from(sql, script_first_token_offset(sql, start),
										 &reader->line_offset, &reader->line);
	s->text = pnstrdup(sql + start, len);
	s->parsetree = rs->stmt;
	MemoryContextSwitchTo(caller);
	if (reader->migration)
		reject_statement(s, reader->parse.version, reader->parse.direction);
	s->top_level_only = script_top_level_only(rs->stmt);
	/* a batched statement runs in transactions of its own (backfill.c) */
	caller = MemoryContextSwitchTo(reader->chunk_context);
	s->batch = backfill_directive_read(s, reader->migration, reader->parse.version,
									   reader->parse.direction);
	MemoryContextSwitchTo(caller);
	if (s->batch && s->batch->refused == NULL)
	{
		s->top_level_only = BACKFILL_TOP_LEVEL_REASON;
		if (reader->summary.batch_statement == 0)
			reader->summary.batch_statement = s->number;
	}
	if (s->top_level_only && reader->summary.top_level_only == NULL)
	{
		reader->summary.top_level_only = s->top_level_only;
		reader->summary.top_level_statement = s->number;
	}
	reader->summary.statement_count = s->number;
	return s;
}

/*
 * Read the script again from its first statement.  A script read in one
 * chunk is not parsed again.
 */
void
script_rewind(ScriptReader *reader)
{
	reader->number = 0;
	reader->line_offset = 0;
	reader->line = 1;
	reader->text_start = 0;
	if (reader->parse.base == 0 && reader->next_chunk < 0)
	{
		reader->next = list_head(reader->chunk);
		return;
	}
	if (reader->scanner)
		scanner_finish(reader->scanner);
	reader->scanner = scanner_init(reader->parse.sql, &reader->yyextra,
								   &ScanKeywords, ScanKeywordTokens);
	reader->next_chunk = 0;
	reader->chunk = NIL;
	reader->next = NULL;
}

void
script_close(ScriptReader *reader)
{
	if (reader->scanner)
		scanner_finish(reader->scanner);
	if (!reader->keep)
		MemoryContextDelete(reader->chunk_context);
	MemoryContextDelete(reader->scan_context);
	pfree(reader);
}

static void
report_empty(const char *version, MigrationDirection direction)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("migration is empty"),
			 errdetail("The %s script of migration \"%s\" has no statements, only white space or comments.",
					   direction_name(direction), version),
			 errhint(direction == MIGRATION_UP
					 ? "Put at least one SQL statement in the script."
					 : "Pass NULL as the down script if the migration cannot be undone.")));
}

/* every statement of a migration's script, with its parse tree */
Script *
script_split(const char *sql, const char *version, MigrationDirection direction)
{
	ScriptReader *reader = script_open(sql, version, direction, true, true);
	Script	   *script = palloc0(sizeof(Script));
	ScriptStatement *s;

	while ((s = script_next(reader)) != NULL)
		script->statements = lappend(script->statements, s);
	script->top_level_only = reader->summary.top_level_only;
	script->top_level_statement = reader->summary.top_level_statement;
	script->batch_statement = reader->summary.batch_statement;
	script->statement_count = reader->summary.statement_count;
	script_close(reader);
	if (script->statements == NIL)
		report_empty(version, direction);
	return script;
}

/*
 * A migration's script checked as script_split() checks it, a chunk at a
 * time, keeping no statement: statements is NIL.
 */
Script *
script_scan(const char *sql, const char *version, MigrationDirection direction)
{
	ScriptReader *reader = script_open(sql, version, direction, true, false);
	Script	   *script = palloc(sizeof(Script));

	while (script_next(reader) != NULL)
		;
	*script = reader->summary;
	script_close(reader);
	if (script->statement_count == 0)
		report_empty(version, direction);
	return script;
}
