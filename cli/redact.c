/*-------------------------------------------------------------------------
 *
 * redact.c
 *		Masking secrets in everything the client prints or logs.
 *
 * Server messages can quote a failing statement (CREATE ROLE ... PASSWORD
 * '...'), and connection errors can echo a conninfo string, so every line
 * of output and every log record passes through redact() first.  Masked:
 *	- the value after a word ending in password, passwd, secret, token or
 *	  key, when it follows "=" or ":" (password=..., token: ...) or is a
 *	  quoted literal (PASSWORD '...');
 *	- the password of a URI, scheme://user:secret@host.
 * Masking errs on the side of hiding: "key = 'x'" in a query is masked too.
 * A value becomes "***"; everything else is kept byte for byte.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "schemamig_cli.h"

#define MASK "***"

static bool
is_word_char(char c)
{
	return isalnum((unsigned char) c) || c == '_' || (unsigned char) c >= 0x80;
}

static bool
word_names_secret(const char *word, size_t len)
{
	static const char *const suffixes[] = {"password", "passwd", "secret", "token", "key"};
	size_t		i;

	for (i = 0; i < lengthof(suffixes); i++)
	{
		size_t		slen = strlen(suffixes[i]);

		if (len >= slen && pg_strncasecmp(word + len - slen, suffixes[i], slen) == 0)
			return true;
	}
	return false;
}

/* end of a quoted value starting at p (a quote); doubled quotes stay inside */
static const char *
skip_quoted(const char *p)
{
	char		quote = *p++;

	while (*p)
	{
		if (*p == quote)
		{
			if (p[1] == quote)
			{
				p += 2;
				continue;
			}
			return p + 1;
		}
		if (*p == '\\' && p[1])
			p++;
		p++;
	}
	return p;
}

static const char *
skip_bare(const char *p)
{
	while (*p && !isspace((unsigned char) *p) && strchr(",;)&\"'}", *p) == NULL)
		p++;
	return p;
}

/*
 * After a secret-naming word at p: if a value follows, append the text up
 * to the value and the mask, and return where the value ends; otherwise
 * return NULL.
 */
static const char *
mask_value_after(PQExpBuffer out, const char *p)
{
	const char *q = p;
	const char *value;
	const char *end;

	if (*q == '"' || *q == '\'')
		q++;					/* closing quote of a quoted key: "password": */
	while (*q == ' ' || *q == '\t')
		q++;
	if (*q == '=' || *q == ':')
	{
		q++;
		while (*q == ' ' || *q == '\t')
			q++;
		value = q;
		if (*q == '\'' || *q == '"')
			end = skip_quoted(q);
		else if ((q[0] == 'E' || q[0] == 'e') && q[1] == '\'')
			end = skip_quoted(q + 1);
		else
			end = skip_bare(q);
		if (end == value)
			return NULL;
	}
	else if (q > p && (*q == '\'' || *q == '"'))
	{
		value = q;
		end = skip_quoted(q);
	}
	else if (q > p && (q[0] == 'E' || q[0] == 'e') && q[1] == '\'')
	{
		value = q;
		end = skip_quoted(q + 1);
	}
	else
		return NULL;

	appendBinaryPQExpBuffer(out, p, value - p);
	if (*value == '\'' || *value == '"')
		appendPQExpBuffer(out, "%c" MASK "%c", *value, *value);
	else if (*value == 'E' || *value == 'e')
		appendPQExpBufferStr(out, "'" MASK "'");
	else
		appendPQExpBufferStr(out, MASK);
	return end;
}

/* at "://": mask user:secret@ up to the host, return the end of it or NULL */
static const char *
mask_uri_password(PQExpBuffer out, const char *p)
{
	const char *start = p + 3;
	const char *q = start;
	const char *colon = NULL;

	while (*q && *q != '@' && *q != '/' && !isspace((unsigned char) *q) &&
		   *q != '\'' && *q != '"')
	{
		if (*q == ':' && colon == NULL)
			colon = q;
		q++;
	}
	if (*q != '@' || colon == NULL)
		return NULL;
	appendBinaryPQExpBuffer(out, p, colon + 1 - p);
	appendPQExpBufferStr(out, MASK);
	return q;
}

char *
redact(const char *text)
{
	PQExpBufferData out;
	const char *p = text;

	if (text == NULL)
		return NULL;
	initPQExpBuffer(&out);
	while (*p)
	{
		if (p[0] == ':' && p[1] == '/' && p[2] == '/')
		{
			const char *end = mask_uri_password(&out, p);

			if (end)
			{
				p = end;
				continue;
			}
		}
		if (is_word_char(*p) && (p == text || !is_word_char(p[-1])))
		{
			const char *w = p;
			const char *end;

			while (is_word_char(*p))
				p++;
			appendBinaryPQExpBuffer(&out, w, p - w);
			if (word_names_secret(w, p - w) && (end = mask_value_after(&out, p)) != NULL)
				p = end;
			continue;
		}
		appendPQExpBufferChar(&out, *p++);
	}
	return out.data;
}

void
print_redacted(FILE *out, const char *text)
{
	char	   *clean = redact(text);

	fputs(clean, out);
	free(clean);
}
