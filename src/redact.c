/*-------------------------------------------------------------------------
 *
 * redact.c
 *		Removing secrets from SQL before it is stored in schemamig.events.
 *
 * A small lexer of its own (it must never throw, whatever the text) finds
 * string literals ('...', E'...', $tag$...$tag$).  A literal that follows a
 * word naming a secret (PASSWORD, secret, token, key, ...), optionally
 * after "=", is replaced whole by '***'.  In every other literal,
 * conninfo pairs such as password=... and the password of a URI
 * (scheme://user:secret@host) are masked.  Everything else is kept.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "schemamig.h"

#define MASK "***"

static bool
is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_' || (unsigned char) c >= 0x80;
}

/* does this word name a secret? (password, passwd, secret, token, ..key) */
static bool
word_names_secret(const char *word, int len)
{
	static const char *const suffixes[] = {"password", "passwd", "secret", "token", "key"};
	size_t		i;

	for (i = 0; i < lengthof(suffixes); i++)
	{
		int			slen = strlen(suffixes[i]);

		if (len >= slen && pg_strncasecmp(word + len - slen, suffixes[i], slen) == 0)
			return true;
	}
	return false;
}

/*
 * Copy a literal's body, masking conninfo secrets: the value after
 * password= (or another secret-named key), and user:secret@ in URIs.
 */
static void
append_masked_body(StringInfo out, const char *body, int len)
{
	int			i = 0;

	while (i < len)
	{
		if (is_word_char(body[i]) && (i == 0 || !is_word_char(body[i - 1])))
		{
			int			start = i;
			int			j;

			while (i < len && is_word_char(body[i]))
				i++;
			appendBinaryStringInfo(out, body + start, i - start);
			j = i;
			while (j < len && body[j] == ' ')
				j++;
			if (j < len && body[j] == '=' && word_names_secret(body + start, i - start))
			{
				appendBinaryStringInfo(out, body + i, j + 1 - i);
				i = j + 1;
				while (i < len && body[i] == ' ')
					appendStringInfoChar(out, body[i++]);
				while (i < len && body[i] != ' ' && body[i] != '&' && body[i] != ';')
					i++;
				appendStringInfoString(out, MASK);
			}
			continue;
		}
		if (body[i] == ':' && i + 2 < len && body[i + 1] == '/' && body[i + 2] == '/')
		{
			/* scheme://user:password@host */
			int			auth = i + 3;
			int			end = auth;
			int			colon = -1;

			while (end < len && body[end] != '@' && body[end] != '/' && body[end] != ' ')
			{
				if (body[end] == ':' && colon < 0)
					colon = end;
				end++;
			}
			appendBinaryStringInfo(out, body + i, 3);
			i += 3;
			if (end < len && body[end] == '@' && colon > 0)
			{
				appendBinaryStringInfo(out, body + auth, colon + 1 - auth);
				appendStringInfoString(out, MASK);
				i = end;
			}
			continue;
		}
		appendStringInfoChar(out, body[i++]);
	}
}

/* length of a dollar-quote tag ($tag$) starting at p, or 0 */
static int
dollar_tag_length(const char *p)
{
	int			i = 1;

	if (p[0] != '$')
		return 0;
	while (is_word_char(p[i]) && !(i == 1 && p[i] >= '0' && p[i] <= '9'))
		i++;
	return p[i] == '$' ? i + 1 : 0;
}

char *
redact_secrets(const char *sql)
{
	StringInfoData out;
	const char *p = sql;
	bool		after_secret_word = false;

	initStringInfo(&out);
	while (*p)
	{
		int			tag;

		if (p[0] == '-' && p[1] == '-')
		{
			const char *eol = strchr(p, '\n');
			int			len = eol ? eol - p : (int) strlen(p);

			appendBinaryStringInfo(&out, p, len);
			p += len;
		}
		else if (p[0] == '/' && p[1] == '*')
		{
			int			depth = 0;
			const char *start = p;

			do
			{
				if (p[0] == '/' && p[1] == '*')
					depth++, p += 2;
				else if (p[0] == '*' && p[1] == '/')
					depth--, p += 2;
				else
					p++;
			} while (*p && depth > 0);
			appendBinaryStringInfo(&out, start, p - start);
		}
		else if (*p == '\'' || ((*p == 'E' || *p == 'e') && p[1] == '\'' &&
								(p == sql || !is_word_char(p[-1]))))
		{
			bool		backslash = (*p != '\'');
			const char *open = p + (backslash ? 2 : 1);
			const char *q = open;

			while (*q)
			{
				if (backslash && *q == '\\' && q[1])
					q += 2;
				else if (*q == '\'' && q[1] == '\'')
					q += 2;
				else if (*q == '\'')
					break;
				else
					q++;
			}
			appendBinaryStringInfo(&out, p, open - p);
			if (after_secret_word)
				appendStringInfoString(&out, MASK);
			else
				append_masked_body(&out, open, q - open);
			if (*q)
				appendStringInfoChar(&out, *q++);
			p = q;
			after_secret_word = false;
		}
		else if ((tag = dollar_tag_length(p)) > 0 && (p == sql || !is_word_char(p[-1])))
		{
			const char *open = p + tag;
			const char *close = open;

			while (*close && strncmp(close, p, tag) != 0)
				close++;
			appendBinaryStringInfo(&out, p, tag);
			if (after_secret_word)
				appendStringInfoString(&out, MASK);
			else
				append_masked_body(&out, open, close - open);
			if (*close)
				appendBinaryStringInfo(&out, close, tag);
			p = *close ? close + tag : close;
			after_secret_word = false;
		}
		else if (is_word_char(*p))
		{
			const char *start = p;

			while (is_word_char(*p))
				p++;
			appendBinaryStringInfo(&out, start, p - start);
			after_secret_word = word_names_secret(start, p - start);
		}
		else
		{
			/* white space and "=" keep a pending secret word alive */
			if (!(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '='))
				after_secret_word = false;
			appendStringInfoChar(&out, *p++);
		}
	}
	return out.data;
}
