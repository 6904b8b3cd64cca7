/*-------------------------------------------------------------------------
 *
 * text.c
 *		The statement's text: identifiers longer than NAMEDATALEN - 1 and
 *		the "schemamig:allow" comments before it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "schemamig.h"
#include "lint/lint_internal.h"
#include "sql_scan.h"


/* advisory: identifiers longer than NAMEDATALEN - 1, which the server truncates */
void
lint_identifiers(LintState *st, const char *text)
{
	const char *p = text;

	if (!st->advisory || text == NULL)
		return;
	while (*p)
	{
		int			comment_end = sql_comment_end(text, p - text, INT_MAX, NULL);

		if (comment_end > p - text)
			p = text + comment_end;
		else if (*p == '\'')
		{
			p++;
			while (*p && !(*p == '\'' && p[1] != '\''))
				p += (*p == '\'' ? 2 : 1);
			if (*p)
				p++;
		}
		else if (*p == '$')
		{
			/* dollar quote: skip to the matching tag */
			const char *tag_end = p + 1;

			while (*tag_end && (isalnum((unsigned char) *tag_end) || *tag_end == '_'))
				tag_end++;
			if (*tag_end == '$')
			{
				int			taglen = tag_end - p + 1;
				const char *close = strstr(tag_end + 1, pnstrdup(p, taglen));

				p = close ? close + taglen : tag_end + 1;
			}
			else
				p++;
		}
		else if (*p == '"' || isalpha((unsigned char) *p) || *p == '_' || IS_HIGHBIT_SET(*p))
		{
			const char *start = p;
			int			len;

			if (*p == '"')
			{
				p++;
				start = p;
				while (*p && !(*p == '"' && p[1] != '"'))
					p += (*p == '"' ? 2 : 1);
				len = p - start;
				if (*p)
					p++;
			}
			else
			{
				while (*p && (isalnum((unsigned char) *p) || *p == '_' || *p == '$' || IS_HIGHBIT_SET(*p)))
					p++;
				len = p - start;
			}
			if (len >= NAMEDATALEN)
			{
				add_finding(st, LINT_RULE_IDENTIFIER_TOO_LONG, "Use identifiers of at most 63 bytes.",
							"Identifier \"%.20s...\" has %d bytes; PostgreSQL silently truncates it to %d.",
							start, len, NAMEDATALEN - 1);
				return;
			}
		}
		else
			p++;
	}
}


/* one "schemamig:allow rule reason" directive inside a comment body */
static List *
parse_allow_directive(List *allows, const char *body, int len)
{
	static const char marker[] = "schemamig:allow";
	int			i = 0;
	int			start;
	LintAllow  *a;

	while (i < len && (body[i] == ' ' || body[i] == '\t'))
		i++;
	if (len - i < (int) strlen(marker) || strncmp(body + i, marker, strlen(marker)) != 0)
		return allows;
	i += strlen(marker);
	while (i < len && (body[i] == ' ' || body[i] == '\t'))
		i++;
	start = i;
	while (i < len && (isalnum((unsigned char) body[i]) || body[i] == '-'))
		i++;
	if (i == start)
		return allows;
	a = palloc0(sizeof(LintAllow));
	a->rule = pnstrdup(body + start, i - start);
	while (i < len && (body[i] == ' ' || body[i] == '\t'))
		i++;
	while (len > i && (body[len - 1] == ' ' || body[len - 1] == '\t' || body[len - 1] == '\r'))
		len--;
	a->reason = pnstrdup(body + i, len - i);
	return lappend(allows, a);
}

/*
 * The "-- schemamig:allow <rule-id> <reason>" (or the same inside a block
 * comment) directives in the comments that precede a statement.
 */
List *
lint_parse_allows(const char *text, int len)
{
	List	   *allows = NIL;
	int			offset = 0;

	if (text == NULL)
		return NIL;
	if (len <= 0)
		len = strlen(text);
	for (;;)
	{
		bool		closed;
		int			end;

		while (offset < len && sql_is_blank(text[offset]))
			offset++;
		end = sql_comment_end(text, offset, len, &closed);
		if (end == offset || !closed)
			break;
		/* the body: after "--" to the end of the line, or between slash-star and star-slash */
		allows = parse_allow_directive(allows, text + offset + 2,
									   end - offset - (text[offset] == '-' ? 2 : 4));
		offset = end;
	}
	return allows;
}

/* the allow comment for a rule, or NULL */
LintAllow *
lint_find_allow(List *allows, const char *rule)
{
	ListCell   *lc;

	foreach(lc, allows)
		if (strcmp(((LintAllow *) lfirst(lc))->rule, rule) == 0)
			return lfirst(lc);
	return NULL;
}

/*
 * A WARNING for each allow comment that names no rule: a misspelt rule id
 * would otherwise allow nothing, silently.
 */
void
lint_warn_unknown_allows(List *allows)
{
	ListCell   *lc;

	foreach(lc, allows)
	{
		LintAllow  *a = lfirst(lc);

		if (!lint_rule_known(a->rule))
			ereport(WARNING,
					(errcode(ERRCODE_SCHEMAMIG_LINT_UNKNOWN_RULE),
					 errmsg("schemamig:allow comment names unknown lint rule \"%s\"", a->rule),
					 errdetail("The comment allows nothing."),
					 errhint("doc/lint-rules.md lists the rule ids.")));
	}
}
