/*-------------------------------------------------------------------------
 *
 * sql_scan.c
 *		Comments and white space in SQL text (see sql_scan.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "sql_scan.h"

#define AT_END(sql, offset, len) ((offset) >= (len) || (sql)[offset] == '\0')

/*
 * Offset just past the comment that starts at offset, or offset itself when
 * no comment starts there.  *closed (if not NULL) says whether a block
 * comment was closed before the text ended (a line comment always is).
 */
int
sql_comment_end(const char *sql, int offset, int len, bool *closed)
{
	if (closed)
		*closed = true;
	if (AT_END(sql, offset, len) || AT_END(sql, offset + 1, len))
		return offset;
	if (sql[offset] == '-' && sql[offset + 1] == '-')
	{
		while (!AT_END(sql, offset, len) && sql[offset] != '\n')
			offset++;
		return offset;
	}
	if (sql[offset] == '/' && sql[offset + 1] == '*')
	{
		int			depth = 1;

		offset += 2;
		while (!AT_END(sql, offset, len) && depth > 0)
		{
			if (!AT_END(sql, offset + 1, len) && sql[offset] == '/' && sql[offset + 1] == '*')
			{
				depth++;
				offset += 2;
			}
			else if (!AT_END(sql, offset + 1, len) && sql[offset] == '*' && sql[offset + 1] == '/')
			{
				depth--;
				offset += 2;
			}
			else
				offset++;
		}
		if (closed)
			*closed = depth == 0;
	}
	return offset;
}

/* offset of the first token at or after offset: white space and comments skipped */
int
sql_skip_blanks(const char *sql, int offset, int len)
{
	while (!AT_END(sql, offset, len))
	{
		int			end;

		if (sql_is_blank(sql[offset]))
		{
			offset++;
			continue;
		}
		end = sql_comment_end(sql, offset, len, NULL);
		if (end == offset)
			break;
		offset = end;
	}
	return offset;
}

/*
 * Does the token at offset spell word, case-insensitively, as a keyword or
 * bare identifier (not quoted, not a longer word)?  The server's scanner
 * reports keywords by token numbers that only the grammar's generated header
 * defines, and that header is not installed from PostgreSQL 16 on, so
 * callers recognise keywords by their text at the token's offset.
 */
bool
sql_token_is(const char *sql, int offset, const char *word)
{
	int			len = strlen(word);
	char		next;

	/* sql[offset + len] is read only when the word matched: no read past the end */
	if (pg_strncasecmp(sql + offset, word, len) != 0)
		return false;
	next = sql[offset + len];
	return !(IS_HIGHBIT_SET(next) || isalnum((unsigned char) next) || next == '_' || next == '$');
}
