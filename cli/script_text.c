/*-------------------------------------------------------------------------
 *
 * script_text.c
 *		What the client must see in a script's text without a parser:
 *		whether it holds any SQL, and one outer BEGIN ... COMMIT wrapper.
 *
 * The server's parser is the judge of every statement; the client only
 * skips white space, "--" comments, nested block comments, and (to find
 * where statements end) quoted strings, quoted identifiers and dollar
 * quotes, as PostgreSQL's lexer does.
 *
 * Invariants:
 *	- a script "has no SQL" when it is only white space and comments: a
 *	  down script like that means "nothing to undo";
 *	- a wrapper is stripped only when the script's first statement is
 *	  BEGIN [WORK | TRANSACTION] or START TRANSACTION, its last is COMMIT or
 *	  END [WORK | TRANSACTION], and something lies between: the migration
 *	  then runs as its own transaction, as the wrapper meant.  Any other
 *	  transaction control stays in the text, for the server to refuse.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "schemamig_cli.h"

#define IS_IDENT_CHAR(c) (isalnum((unsigned char) (c)) || (c) == '_' || (c) == '$' || \
						  ((unsigned char) (c)) >= 0x80)

/* past white space, "--" comments and nested block comments */
const char *
sql_skip_space(const char *p)
{
	for (;;)
	{
		if (isspace((unsigned char) *p))
			p++;
		else if (p[0] == '-' && p[1] == '-')
		{
			while (*p && *p != '\n')
				p++;
		}
		else if (p[0] == '/' && p[1] == '*')
		{
			int			depth = 1;

			p += 2;
			while (*p && depth > 0)
			{
				if (p[0] == '/' && p[1] == '*')
				{
					depth++;
					p += 2;
				}
				else if (p[0] == '*' && p[1] == '/')
				{
					depth--;
					p += 2;
				}
				else
					p++;
			}
		}
		else
			return p;
	}
}

bool
sql_has_statements(const char *text)
{
	return *sql_skip_space(text) != '\0';
}

/* past a quoted string or identifier that starts at p (p[0] is the quote) */
static const char *
skip_quoted(const char *p, bool backslash_escapes)
{
	char		quote = *p++;

	while (*p)
	{
		if (backslash_escapes && *p == '\\' && p[1])
			p += 2;
		else if (*p == quote && p[1] == quote)
			p += 2;
		else if (*p == quote)
			return p + 1;
		else
			p++;
	}
	return p;
}

/* past a dollar-quoted string at p, or NULL when p does not start one */
static const char *
skip_dollar_quoted(const char *p)
{
	const char *tag_end = p + 1;
	size_t		tag_len;
	const char *q;

	while (*tag_end && *tag_end != '$' && IS_IDENT_CHAR(*tag_end) && !isdigit((unsigned char) p[1]))
		tag_end++;
	if (*tag_end != '$')
		return NULL;
	tag_len = tag_end - p + 1;
	for (q = tag_end + 1; *q; q++)
		if (*q == '$' && strncmp(q, p, tag_len) == 0)
			return q + tag_len;
	return q;
}

/* past the statement that starts at p: after its ";", or at the end */
static const char *
statement_end(const char *p)
{
	while (*p)
	{
		const char *next = sql_skip_space(p);

		if (next != p)
			p = next;
		else if (*p == ';')
			return p + 1;
		else if (*p == '\'')
			p = skip_quoted(p, false);
		else if ((*p == 'E' || *p == 'e') && p[1] == '\'')
			p = skip_quoted(p + 1, true);
		else if (*p == '"')
			p = skip_quoted(p, false);
		else if (*p == '$' && (next = skip_dollar_quoted(p)) != NULL)
			p = next;
		else if (IS_IDENT_CHAR(*p))
		{
			while (IS_IDENT_CHAR(*p))
				p++;
		}
		else
			p++;
	}
	return p;
}

/* the keyword at p (any case, a whole word): the text after it, or NULL */
static const char *
keyword(const char *p, const char *word)
{
	size_t		len = strlen(word);

	if (pg_strncasecmp(p, word, len) != 0 || IS_IDENT_CHAR(p[len]))
		return NULL;
	return sql_skip_space(p + len);
}

/* does the statement at p consist of the given keywords, then ";" or the end? */
static bool
is_statement(const char *p, const char *first, const char *second, bool second_optional)
{
	const char *after = keyword(p, first);
	const char *more;

	if (after == NULL)
		return false;
	if (second && (more = keyword(after, second)) != NULL)
		after = more;
	else if (second && !second_optional)
		return false;
	return *after == ';' || *after == '\0';
}

static bool
is_begin(const char *p)
{
	return is_statement(p, "BEGIN", "WORK", true) ||
		is_statement(p, "BEGIN", "TRANSACTION", true) ||
		is_statement(p, "START", "TRANSACTION", false);
}

static bool
is_commit(const char *p)
{
	return is_statement(p, "COMMIT", "WORK", true) ||
		is_statement(p, "COMMIT", "TRANSACTION", true) ||
		is_statement(p, "END", "WORK", true) ||
		is_statement(p, "END", "TRANSACTION", true);
}

bool
sql_strip_wrapper(char **sql, int *first_line)
{
	const char *text = *sql;
	const char *start = sql_skip_space(text);
	const char *body;
	const char *last = NULL;
	const char *p;
	int			i;

	if (!is_begin(start))
		return false;
	body = statement_end(start);
	for (p = sql_skip_space(body); *p; p = sql_skip_space(statement_end(p)))
		last = p;
	if (last == NULL || !is_commit(last) || !sql_has_statements(pnstrdup(body, last - body)))
		return false;
	for (i = 0; text + i < body; i++)
		if (text[i] == '\n')
			(*first_line)++;
	*sql = pnstrdup(body, last - body);
	return true;
}
