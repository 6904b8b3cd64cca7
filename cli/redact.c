/*-------------------------------------------------------------------------
 *
 * redact.c
 *		Masking secrets in everything the client prints or logs.
 *
 * Server messages can quote a failing statement (CREATE ROLE ... PASSWORD
 * '...'), and connection errors can echo a conninfo string, so every line
 * of output and every log record passes through redact() first.  What is
 * a secret is defined once, in src/redact_rules.h, shared with the
 * extension; a secret becomes "***", everything else is kept byte for byte.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "redact_rules.h"
#include "schemamig_cli.h"

char *
redact(const char *text)
{
	PQExpBufferData out;
	const char *p = text;
	const char *start;
	const char *end;

	if (text == NULL)
		return NULL;
	initPQExpBuffer(&out);
	while (redact_find_secret(text, p, &start, &end))
	{
		appendBinaryPQExpBuffer(&out, p, start - p);
		appendPQExpBufferStr(&out, REDACT_MASK);
		p = end;
	}
	appendPQExpBufferStr(&out, p);
	return out.data;
}

/* print text redacted, and without control characters (terminal_safe) */
void
print_redacted(FILE *out, const char *text)
{
	char	   *clean = redact(text);
	char	   *shown = terminal_safe(clean, true);

	fputs(shown, out);
	free(shown);
	free(clean);
}
