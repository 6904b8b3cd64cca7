/*-------------------------------------------------------------------------
 *
 * sql_scan.h
 *		Comments and white space in SQL text, skipped as the server's
 *		scanner skips them, and bare words recognised at a token's offset:
 *		one definition for the script splitter (script.c), the batch
 *		directive (backfill_directive.c) and the linter's text rules
 *		(lint/text.c, lint/inner.c).
 *
 * Invariants:
 *	- block comments nest, as in PostgreSQL (a comment inside a comment
 *	  ends only where both are closed); a "--" comment ends at the end of
 *	  the line;
 *	- text ends at len or at a NUL byte, whichever comes first, so callers
 *	  with NUL-terminated text pass INT_MAX and never measure it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_SQL_SCAN_H
#define SCHEMAMIG_SQL_SCAN_H

/* white space, as the server's scanner sees it */
static inline bool
sql_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

extern int	sql_comment_end(const char *sql, int offset, int len, bool *closed);
extern int	sql_skip_blanks(const char *sql, int offset, int len);
extern bool sql_token_is(const char *sql, int offset, const char *word);

#endif							/* SCHEMAMIG_SQL_SCAN_H */
