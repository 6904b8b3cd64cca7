/*-------------------------------------------------------------------------
 *
 * redact.c
 *		Removing secrets from text the extension stores, reports or logs:
 *		SQL in schemamig.events, and the fields of errors raised while a
 *		migration statement runs.
 *
 * The rules are those of redact_rules.h, shared with the command-line
 * client; this file only writes the text with each secret masked.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "redact.h"
#include "redact_rules.h"

char *
redact_secrets(const char *text)
{
	StringInfoData out;
	const char *p = text;
	const char *start;
	const char *end;

	initStringInfo(&out);
	while (redact_find_secret(text, p, &start, &end))
	{
		appendBinaryStringInfo(&out, p, start - p);
		appendStringInfoString(&out, REDACT_MASK);
		p = end;
	}
	appendStringInfoString(&out, p);
	return out.data;
}
