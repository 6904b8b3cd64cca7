/*-------------------------------------------------------------------------
 *
 * backfill_directive.c
 *		The "-- schemamig:batch [size=N] [pause=DURATION]" directive: reading
 *		it from the comments before a statement, and checking that the
 *		statement under it can be batched.
 *
 * Invariants:
 *	- the directive is a "--" comment among those before the statement's
 *	  first token; its options are size (rows, 1 to BACKFILL_MAX_SIZE) and
 *	  pause (a duration in the units of the server's settings, "250ms",
 *	  "2s"; a bare number is milliseconds).  A malformed directive is a
 *	  syntax error wherever the script is read;
 *	- what is batched is a single-table UPDATE or DELETE with a WHERE
 *	  clause: no WITH, FROM, USING, RETURNING or WHERE CURRENT OF.  In a
 *	  migration anything else is refused (at registration, since register()
 *	  reads the script); lint() reads on and says why (refused);
 *	- the statement is cut where its own WHERE begins (the first WHERE
 *	  keyword outside parentheses): the worker keeps the text before it and
 *	  the condition after it and adds the batch's key range (backfill.c);
 *	- the key walked is the primary key, else a unique, immediate,
 *	  non-partial btree index without expressions on NOT NULL columns; a
 *	  key of several columns is walked as a row, in the index's column
 *	  order, each column compared in the index's collation.  An UPDATE may
 *	  not assign a key column, nor walk a generated one (the walk would
 *	  meet a row again); a temporary table (the worker cannot see it) and a
 *	  table with a rule for the statement's command (it rewrites the
 *	  batches) are refused.  A table that does not exist yet at
 *	  registration (a migration still to apply creates it) is checked when
 *	  the worker runs the statement.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "common/keywords.h"
#include "executor/spi.h"
#include "parser/scanner.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "backfill.h"
#include "compat.h"
#include "schemamig.h"
#include "script.h"
#include "sql_scan.h"

#define DIRECTIVE_MARKER "schemamig:batch"

static void
directive_error(ScriptStatement *s, const char *version, MigrationDirection direction,
				const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("invalid schemamig:batch directive: %s", what),
			 errdetail("Statement %d (line %d) of the %s script of migration \"%s\".",
					   s->number, s->line, direction_name(direction), version),
			 errhint("Write \"-- schemamig:batch\", optionally followed by size=ROWS (1 to %d) and pause=DURATION (for example pause=100ms).",
					 BACKFILL_MAX_SIZE)));
}

/* read the options of one directive line (the text after the marker) */
static void
read_options(BackfillDirective *batch, const char *options, ScriptStatement *s,
			 const char *version, MigrationDirection direction)
{
	char	   *copy = pstrdup(options);
	char	   *save = NULL;
	char	   *word;
	bool		size_given = false;
	bool		pause_given = false;

	for (word = strtok_r(copy, " \t\r\f\v", &save); word; word = strtok_r(NULL, " \t\r\f\v", &save))
	{
		size_t		name_len = strcspn(word, "=");
		const char *value = word[name_len] == '=' ? word + name_len + 1 : "";
		int			number;
		const char *hint = NULL;

		if (*value == '\0')
			directive_error(s, version, direction, psprintf("option \"%s\" has no value", word));
		word[name_len] = '\0';
		/* a second value would silently win over the first: say which was meant */
		if ((strcmp(word, "size") == 0 && size_given) || (strcmp(word, "pause") == 0 && pause_given))
			directive_error(s, version, direction,
							psprintf("option \"%s\" is given more than once", word));
		if (strcmp(word, "size") == 0)
		{
			size_given = true;
			if (!parse_int(value, &number, 0, &hint) || number < 1 || number > BACKFILL_MAX_SIZE)
				directive_error(s, version, direction,
								psprintf("size must be a number of rows from 1 to %d, not \"%s\"",
										 BACKFILL_MAX_SIZE, value));
			batch->size = number;
		}
		else if (strcmp(word, "pause") == 0)
		{
			pause_given = true;
			if (!parse_int(value, &number, GUC_UNIT_MS, &hint) || number < 0)
				directive_error(s, version, direction,
								psprintf("pause must be a duration such as 100ms or 2s, not \"%s\"", value));
			batch->pause_ms = number;
		}
		else
			directive_error(s, version, direction, psprintf("unknown option \"%s\"", word));
	}
}

/* the options text of the directive among the comments before the first token, or NULL */
static const char *
find_directive(const char *text, int first, ScriptStatement *s, const char *version,
			   MigrationDirection direction)
{
	const char *found = NULL;
	int			offset = 0;

	while (offset < first)
	{
		if (sql_is_blank(text[offset]))
			offset++;
		else if (text[offset] == '-' && text[offset + 1] == '-')
		{
			const char *body = text + offset + 2;
			const char *eol = strchr(body, '\n');
			int			len = eol ? (int) (eol - body) : (int) strlen(body);

			while (len > 0 && (*body == ' ' || *body == '\t'))
				body++, len--;
			if (len >= (int) strlen(DIRECTIVE_MARKER) && sql_token_is(body, 0, DIRECTIVE_MARKER))
			{
				if (found)
					directive_error(s, version, direction, "more than one before the same statement");
				found = pnstrdup(body + strlen(DIRECTIVE_MARKER), len - strlen(DIRECTIVE_MARKER));
			}
			offset = eol ? eol - text + 1 : first;
		}
		else
		{
			int			end = sql_comment_end(text, offset, first, NULL);

			offset = end > offset ? end : offset + 1;
		}
	}
	return found;
}

/* offset of the statement's own WHERE keyword (outside parentheses), or -1 */
static int
where_offset(const char *text)
{
	core_yy_extra_type extra;
	core_yyscan_t scanner = scanner_init(text, &extra, &ScanKeywords, ScanKeywordTokens);
	core_YYSTYPE lval;
	int			lloc;
	int			token;
	int			depth = 0;
	int			found = -1;

	extra.escape_string_warning = false;
	while (found < 0 && (token = core_yylex(&lval, &lloc, scanner)) != 0)
	{
		if (token == '(' || token == '[')
			depth++;
		else if (token == ')' || token == ']')
			depth--;
		else if (depth == 0 && text[lloc] != '"' && sql_token_is(text, lloc, "where"))
			found = lloc;
	}
	scanner_finish(scanner);
	return found;
}

/* why the statement's shape cannot be batched, or NULL */
static const char *
shape_refused(BackfillDirective *batch, Node *stmt)
{
	if (IsA(stmt, UpdateStmt))
	{
		UpdateStmt *u = (UpdateStmt *) stmt;

		batch->relation = u->relation;
		if (u->withClause)
			return "an UPDATE with a WITH clause is not batched";
		if (u->fromClause)
			return "an UPDATE ... FROM joins other tables; only a single-table UPDATE is batched";
		if (RawStmtHasReturning(u))
			return "a batched UPDATE cannot return rows (RETURNING)";
		if (u->whereClause == NULL)
			return "a batched UPDATE needs a WHERE clause (WHERE true when every row is meant)";
		if (IsA(u->whereClause, CurrentOfExpr))
			return "UPDATE ... WHERE CURRENT OF is not batched";
		return NULL;
	}
	if (IsA(stmt, DeleteStmt))
	{
		DeleteStmt *d = (DeleteStmt *) stmt;

		batch->is_delete = true;
		batch->relation = d->relation;
		if (d->withClause)
			return "a DELETE with a WITH clause is not batched";
		if (d->usingClause)
			return "a DELETE ... USING joins other tables; only a single-table DELETE is batched";
		if (RawStmtHasReturning(d))
			return "a batched DELETE cannot return rows (RETURNING)";
		if (d->whereClause == NULL)
			return "a batched DELETE needs a WHERE clause (WHERE true when every row is meant)";
		if (IsA(d->whereClause, CurrentOfExpr))
			return "DELETE ... WHERE CURRENT OF is not batched";
		return NULL;
	}
	return psprintf("only an UPDATE or DELETE is batched, not %s",
					GetCommandTagName(CreateCommandTag(stmt)));
}

static void
report_refused(ScriptStatement *s, const char *version, MigrationDirection direction,
			   int sqlstate, const char *why)
{
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("statement %d of the %s script of migration \"%s\" cannot be batched",
					s->number, direction_name(direction), version),
			 errdetail("Line %d: %s.", s->line, why),
			 errhint("-- schemamig:batch runs a single-table UPDATE or DELETE with a WHERE clause, walking the table's primary key (or a unique NOT NULL key); see doc/backfill.md.")));
}

/*
 * The directive before statement s, or NULL if it has none.  In a migration
 * (migration true) a statement that cannot be batched is an error;
 * otherwise (lint()) the result says why in refused.
 */
BackfillDirective *
backfill_directive_read(ScriptStatement *s, bool migration, const char *version,
						MigrationDirection direction)
{
	const char *text = s->text;
	int			first = script_first_token_offset(text, 0);
	const char *options = find_directive(text, first, s, version, direction);
	BackfillDirective *batch;
	int			where;

	if (options == NULL)
		return NULL;
	batch = palloc0(sizeof(BackfillDirective));
	batch->size = BACKFILL_DEFAULT_SIZE;
	batch->pause_ms = BACKFILL_DEFAULT_PAUSE_MS;
	read_options(batch, options, s, version, direction);
	batch->refused = shape_refused(batch, s->parsetree);
	if (batch->refused == NULL)
	{
		Alias	   *alias = batch->relation->alias;

		batch->refname = alias ? alias->aliasname : batch->relation->relname;
		where = where_offset(text + first);
		if (where < 0)
			elog(ERROR, "could not find the WHERE of a batched statement");
		batch->head = pnstrdup(text + first, where);
		batch->condition = pstrdup(text + first + where + strlen("where"));
	}
	if (batch->refused && migration)
		report_refused(s, version, direction, ERRCODE_FEATURE_NOT_SUPPORTED, batch->refused);
	return batch;
}

/*
 * The key a batched statement walks on table relid (the caller is
 * connected to SPI): NULL with key filled in, or why it cannot be walked.
 */
const char *
backfill_key_of(BackfillDirective *batch, ScriptStatement *s, Oid relid, BackfillKey *key)
{
	Oid			argtypes[2] = {OIDOID, CHAROID};
	Datum		values[2];
	char		relkind;
	HeapTuple	tuple;
	TupleDesc	desc;

	memset(key, 0, sizeof(BackfillKey));
	key->relid = relid;
	relkind = get_rel_relkind(key->relid);
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		return psprintf("\"%s\" is not a table", batch->relation->relname);
	if (relkind == RELKIND_RELATION && batch->relation->inh && has_subclass(key->relid))
		return psprintf("table \"%s\" has inheritance children, whose keys its key does not cover; batch UPDATE ONLY or DELETE FROM ONLY, once per table",
						batch->relation->relname);
	/* the registering session's temporary table is not the worker's */
	if (get_rel_persistence(key->relid) == RELPERSISTENCE_TEMP)
		return psprintf("\"%s\" is a temporary table, which the worker's session cannot see; batch a permanent or unlogged table",
						batch->relation->relname);
	key->relation = quote_qualified_identifier(get_namespace_name(get_rel_namespace(key->relid)),
											   get_rel_name(key->relid));

	/*
	 * A rule ON UPDATE (ON DELETE) rewrites each batch's statement into
	 * others the walk knows nothing of (DO INSTEAD may even change no row).
	 */
	values[0] = ObjectIdGetDatum(key->relid);
	values[1] = CharGetDatum(batch->is_delete ? '4' : '2');
	if (SPI_execute_with_args("SELECT pg_catalog.string_agg(pg_catalog.quote_ident(r.rulename::pg_catalog.text), ', ' "
							  "  ORDER BY r.rulename) FROM pg_catalog.pg_rewrite r "
							  "WHERE r.ev_class OPERATOR(pg_catalog.=) $1 AND r.ev_type OPERATOR(pg_catalog.=) $2",
							  2, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not look up the rules of a batched statement's table");
	{
		char	   *rules = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		if (rules)
			return psprintf("table \"%s\" has a rule ON %s (%s), which rewrites the batches' %s; batching cannot tell which rows it changes",
							batch->relation->relname, batch->is_delete ? "DELETE" : "UPDATE", rules,
							batch->is_delete ? "DELETE" : "UPDATE");
	}

	/*
	 * The primary key, else the first unique, immediate, non-partial btree
	 * index without expressions whose key columns are all NOT NULL: its
	 * key columns in index order (a composite key is walked as a row).
	 */
	if (SPI_execute_with_args("WITH k AS (SELECT i.indexrelid, i.indisprimary, i.indkey, i.indnkeyatts, i.indcollation "
							  "  FROM pg_catalog.pg_index i "
							  "  JOIN pg_catalog.pg_class ic ON ic.oid OPERATOR(pg_catalog.=) i.indexrelid "
							  "  JOIN pg_catalog.pg_am am ON am.oid OPERATOR(pg_catalog.=) ic.relam "
							  "  WHERE i.indrelid OPERATOR(pg_catalog.=) $1 AND i.indisunique AND i.indimmediate "
							  "    AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL "
							  "    AND am.amname OPERATOR(pg_catalog.=) 'btree' "
							  "    AND NOT EXISTS (SELECT FROM pg_catalog.generate_series(0, i.indnkeyatts OPERATOR(pg_catalog.-) 1) n "
							  "      JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) $1 "
							  "        AND a.attnum OPERATOR(pg_catalog.=) i.indkey[n] "
							  "      WHERE NOT a.attnotnull) "
							  "  ORDER BY i.indisprimary DESC, i.indexrelid LIMIT 1) "
							  "SELECT a.attname::pg_catalog.text, pg_catalog.format_type(a.atttypid, a.atttypmod), "
							  "  a.attgenerated OPERATOR(pg_catalog.<>) '', "
							  "  (SELECT pg_catalog.format('%I.%I', cn.nspname, co.collname) "
							  "     FROM pg_catalog.pg_collation co "
							  "     JOIN pg_catalog.pg_namespace cn ON cn.oid OPERATOR(pg_catalog.=) co.collnamespace "
							  "     WHERE co.oid OPERATOR(pg_catalog.=) k.indcollation[n]) "
							  "FROM k, pg_catalog.generate_series(0, k.indnkeyatts OPERATOR(pg_catalog.-) 1) n "
							  "JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) $1 "
							  "WHERE a.attnum OPERATOR(pg_catalog.=) k.indkey[n] ORDER BY n",
							  1, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not look up the key of a batched statement");
	if (SPI_processed == 0)
		return psprintf("table \"%s\" has no primary key or unique NOT NULL key to walk",
						batch->relation->relname);
	desc = SPI_tuptable->tupdesc;
	key->ncolumns = (int) SPI_processed;
	key->columns = palloc(sizeof(char *) * key->ncolumns);
	key->types = palloc(sizeof(char *) * key->ncolumns);
	key->collations = palloc(sizeof(char *) * key->ncolumns);
	{
		StringInfoData list;
		StringInfoData definition;
		int			i;

		initStringInfo(&list);
		initStringInfo(&definition);
		for (i = 0; i < key->ncolumns; i++)
		{
			char	   *column;

			tuple = SPI_tuptable->vals[i];
			column = SPI_getvalue(tuple, desc, 1);
			if (!batch->is_delete)
			{
				ListCell   *lc;

				foreach(lc, ((UpdateStmt *) s->parsetree)->targetList)
				{
					ResTarget  *target = lfirst_node(ResTarget, lc);

					if (strcmp(target->name, column) == 0)
						return psprintf("the UPDATE assigns the key column \"%s\" that the batches walk", column);
				}
			}
			/* an UPDATE of the columns it is generated from moves the row along the walk */
			if (!batch->is_delete && strcmp(SPI_getvalue(tuple, desc, 3), "t") == 0)
				return psprintf("the key column \"%s\" that the batches walk is generated (GENERATED ALWAYS AS ... STORED): the UPDATE may change it",
								column);
			key->columns[i] = pstrdup(quote_identifier(column));
			key->types[i] = SPI_getvalue(tuple, desc, 2);
			key->collations[i] = SPI_getvalue(tuple, desc, 4);
			appendStringInfo(&list, "%s%s", i > 0 ? ", " : "", key->columns[i]);
			appendStringInfo(&definition, "%s%s %s", i > 0 ? ", " : "", key->columns[i], key->types[i]);
			if (key->collations[i])
				appendStringInfo(&definition, " COLLATE %s", key->collations[i]);
		}
		key->column = list.data;
		key->definition = definition.data;
	}
	return NULL;
}

/*
 * register(): every batched statement of a script walks a key of its
 * table, if the table exists already (the caller is connected to SPI).
 */
void
backfill_check_script(const char *sql, const char *version, MigrationDirection direction)
{
	ScriptReader *reader = script_open(sql, version, direction, true, false);
	ScriptStatement *s;

	while ((s = script_next(reader)) != NULL)
	{
		BackfillKey key;
		Oid			relid;
		const char *why;

		if (s->batch == NULL)
			continue;
		/* a table a migration still to apply creates is checked when it runs */
		relid = RangeVarGetRelid(s->batch->relation, NoLock, true);
		if (!OidIsValid(relid))
			continue;
		why = backfill_key_of(s->batch, s, relid, &key);
		if (why)
			report_refused(s, version, direction, ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, why);
	}
	script_close(reader);
}

/*
 * What lint() says of a batched statement: what the worker will do with
 * it, or why a migration holding it is refused.  *hint says where to look.
 */
char *
backfill_explain(ScriptStatement *s, const char **hint)
{
	BackfillDirective *batch = s->batch;
	MemoryContext caller = CurrentMemoryContext;
	BackfillKey key;
	const char *why = batch->refused;
	char	   *message;
	Oid			relid = InvalidOid;

	*hint = "See doc/backfill.md: the key walk, progress (schemamig.backfill_progress), throttling and schemamig.cancel().";
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (why == NULL)
	{
		relid = RangeVarGetRelid(batch->relation, NoLock, true);
		if (OidIsValid(relid))
			why = backfill_key_of(batch, s, relid, &key);
	}
	MemoryContextSwitchTo(caller);
	if (why)
	{
		*hint = "-- schemamig:batch runs a single-table UPDATE or DELETE with a WHERE clause along a primary key or unique NOT NULL key; see doc/backfill.md.";
		message = psprintf("A migration holding this statement is refused at registration: %s.", why);
	}
	else
		message = psprintf("The schemamig worker runs this %s in batches of %d rows along %s, "
						   "each batch in its own transaction (no lock is held from one batch to the next), "
						   "pausing %d ms between batches%s; progress is committed with each batch and a crash resumes after the last one.",
						   batch->is_delete ? "DELETE" : "UPDATE", batch->size,
						   OidIsValid(relid)
						   ? psprintf("the key %s of %s", key.column, key.relation)
						   : psprintf("the key of \"%s\" (it does not exist yet; its key is checked when the worker runs the statement)",
									  batch->relation->relname),
						   batch->pause_ms,
						   schemamig_backfill_max_lag > 0
						   ? psprintf(" and while a replica lags more than %d ms", schemamig_backfill_max_lag)
						   : "");
	SPI_finish();
	return message;
}
