/*-------------------------------------------------------------------------
 *
 * redact_rules.h
 *		The one definition of what a secret looks like in text, for the
 *		extension (schemamig.events, error fields, the server log) and the
 *		command-line client (everything it prints or logs).
 *
 * Header-only, like sha256_text.h, so that it compiles into the extension
 * (src/redact.c, after postgres.h) and into the client (cli/redact.c,
 * after postgres_fe.h) from one text: the two cannot drift apart.  It
 * allocates nothing and never throws: it only says where the next secret
 * is, and each side writes the text with "***" (REDACT_MASK) in its place.
 *
 * Rules (matched in any text: SQL, a server message, a conninfo string,
 * JSON; errs on the side of hiding):
 *	- a word ending in password, passwd, secret, token or key (any case)
 *	  followed, possibly across white space, by a quoted literal ('...',
 *	  E'...', $tag$...$tag$, or "..." after white space): the literal's
 *	  body is a secret (PASSWORD 'x', OPTIONS (password 'x'));
 *	- such a word followed by "=" or ":" (not "::"), possibly after the
 *	  closing quote of a quoted key ("password": "x"), then a quoted
 *	  literal (its body) or a bare value up to white space or one of
 *	  ,;)&"'} (password=x in a conninfo, token: x);
 *	- the password of a URI: scheme://user:secret@host.
 * White space (form feed and vertical tab too) and SQL comments may stand
 * between a word and its value, as the SQL scanner allows; U&'...' is a
 * literal like '...'.
 * Backslash escapes a quote only in E'...' and "..." literals, as in SQL
 * with standard_conforming_strings; an unterminated literal is a secret up
 * to the end of the text.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_REDACT_RULES_H
#define SCHEMAMIG_REDACT_RULES_H

#define REDACT_MASK "***"

static inline bool
redact_is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_' || (unsigned char) c >= 0x80;
}

static inline bool
redact_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/*
 * Past white space and SQL comments (-- to the end of the line, nested
 * slash-star comments) at q: what the SQL scanner skips between a word
 * and its value.
 */
static inline const char *
redact_skip_blank(const char *q)
{
	for (;;)
	{
		if (redact_is_space(*q))
			q++;
		else if (q[0] == '-' && q[1] == '-')
		{
			while (*q && *q != '\n')
				q++;
		}
		else if (q[0] == '/' && q[1] == '*')
		{
			int			depth = 1;

			q += 2;
			while (*q && depth > 0)
			{
				if (q[0] == '/' && q[1] == '*')
					depth++, q += 2;
				else if (q[0] == '*' && q[1] == '/')
					depth--, q += 2;
				else
					q++;
			}
		}
		else
			return q;
	}
}

/* does this word name a secret? (password, passwd, secret, token, ...key) */
static inline bool
redact_word_names_secret(const char *word, size_t len)
{
	static const char *const suffixes[] = {"password", "passwd", "secret", "token", "key"};
	size_t		i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
	{
		size_t		slen = strlen(suffixes[i]);

		if (len >= slen && pg_strncasecmp(word + len - slen, suffixes[i], slen) == 0)
			return true;
	}
	return false;
}

/* length of a dollar-quote tag ($tag$ or $$) at p, or 0 */
static inline size_t
redact_dollar_tag_length(const char *p)
{
	size_t		i = 1;

	if (p[0] != '$')
		return 0;
	while (redact_is_word_char(p[i]) && !(i == 1 && p[i] >= '0' && p[i] <= '9'))
		i++;
	return p[i] == '$' ? i + 1 : 0;
}

/*
 * If a quoted literal starts at q, set [*start, *end) to its body and
 * return true.  double_quote_ok says whether "..." counts here.
 */
static inline bool
redact_literal_body(const char *q, bool double_quote_ok, const char **start, const char **end)
{
	char		quote;
	bool		backslash;
	size_t		tag;
	const char *p;

	if ((tag = redact_dollar_tag_length(q)) > 0)
	{
		const char *close = strstr(q + tag, "$");

		*start = q + tag;
		while (close != NULL && strncmp(close, q, tag) != 0)
			close = strstr(close + 1, "$");
		*end = close ? close : *start + strlen(*start);
		return true;
	}
	if ((q[0] == 'E' || q[0] == 'e') && q[1] == '\'')
		q++, backslash = true;
	else if ((q[0] == 'U' || q[0] == 'u') && q[1] == '&' && q[2] == '\'')
		q += 2, backslash = false;
	else if (q[0] == '\'')
		backslash = false;
	else if (q[0] == '"' && double_quote_ok)
		backslash = true;
	else
		return false;
	quote = *q;
	*start = p = q + 1;
	while (*p)
	{
		if (backslash && *p == '\\' && p[1])
			p += 2;
		else if (*p == quote && p[1] == quote)
			p += 2;
		else if (*p == quote)
			break;
		else
			p++;
	}
	*end = p;
	return true;
}

/* a bare value at q: up to white space or one of ,;)&"'} */
static inline const char *
redact_bare_value_end(const char *q)
{
	while (*q && !redact_is_space(*q) && strchr(",;)&\"'}", *q) == NULL)
		q++;
	return q;
}

/* after a secret-naming word ending at q: the secret that follows, if any */
static inline bool
redact_value_after(const char *q, const char **start, const char **end)
{
	const char *word_end = q;
	const char *r;

	/*
	 * the closing quote of a quoted key: "password": "x", or a quoted SQL
	 * name before its value: OPTIONS ("password" 'x')
	 */
	if (*q == '"' || *q == '\'')
	{
		r = redact_skip_blank(q + 1);
		if (*r == '=' || (*r == ':' && r[1] != ':') || (*q == '"' && *r == '\''))
			q++;
	}
	q = redact_skip_blank(q);
	if (*q == '=' || (*q == ':' && q[1] != ':'))
	{
		q++;
		q = redact_skip_blank(q);
		if (redact_literal_body(q, true, start, end))
			return true;
		*start = q;
		*end = redact_bare_value_end(q);
		return *end > q;
	}
	return redact_literal_body(q, q > word_end, start, end);
}

/* at "://": the password of user:password@host, if there is one */
static inline bool
redact_uri_password(const char *p, const char **start, const char **end)
{
	const char *q = p + 3;
	const char *colon = NULL;

	while (*q && *q != '@' && *q != '/' && !redact_is_space(*q) && *q != '\'' && *q != '"')
	{
		if (*q == ':' && colon == NULL)
			colon = q;
		q++;
	}
	if (*q != '@' || colon == NULL)
		return false;
	*start = colon + 1;
	*end = q;
	return true;
}

/*
 * The next secret in text at or after p: sets [*start, *end) to the bytes
 * to write as REDACT_MASK and returns true, or returns false when there
 * is none.  The caller writes p..*start, the mask, and goes on from *end
 * (always past p, so a loop over the text ends).
 */
static inline bool
redact_find_secret(const char *text, const char *p, const char **start, const char **end)
{
	while (*p)
	{
		if (p[0] == ':' && p[1] == '/' && p[2] == '/' && redact_uri_password(p, start, end))
			return true;
		if (redact_is_word_char(*p) && (p == text || !redact_is_word_char(p[-1])))
		{
			const char *word = p;

			while (redact_is_word_char(*p))
				p++;
			if (redact_word_names_secret(word, p - word) && redact_value_after(p, start, end))
				return true;
			continue;
		}
		p++;
	}
	return false;
}

#endif							/* SCHEMAMIG_REDACT_RULES_H */
