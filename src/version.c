/*-------------------------------------------------------------------------
 *
 * version.c
 *		Version names: what is a valid one, and their natural order.
 *
 * A version matches ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$.  Versions sort in
 * natural order: runs of digits compare by numeric value (2 before 10,
 * 0002 before 0010), everything else byte by byte, and a run of digits
 * sorts before any other character.  Two names of equal natural order
 * ("1" and "0001") would be ambiguous, so the catalog keeps a unique index
 * on version_sort_key(), whose bytea value sorts exactly like
 * version_compare().
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "schemamig.h"

PG_FUNCTION_INFO_V1(schemamig_version_sort_key);

#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')

/* marks a run of digits in a sort key: below every allowed character */
#define SORT_KEY_DIGIT_RUN	0x01

static bool
version_char_ok(char c, bool first)
{
	if (IS_DIGIT(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
		return true;
	return !first && (c == '_' || c == '.' || c == '-');
}

void
version_check_name(const char *version)
{
	size_t		len = strlen(version);
	size_t		i;

	for (i = 0; i < len; i++)
		if (!version_char_ok(version[i], i == 0))
			break;

	if (len == 0 || len > SCHEMAMIG_MAX_VERSION_LEN || i < len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid migration version \"%s\"", version),
				 errdetail("A version is 1 to %d characters: letters, digits, \"_\", \".\" and \"-\", starting with a letter or digit.",
						   SCHEMAMIG_MAX_VERSION_LEN),
				 errhint("Use names such as \"0001\", \"20261122093000\" or \"1.2.3\".")));
}

/*
 * Append one digit run to the key: marker, count of significant digits,
 * then the digits without leading zeros.  Longer numbers sort later.
 */
static void
append_digit_run(StringInfo key, const char *start, const char *end)
{
	while (start < end - 1 && *start == '0')
		start++;
	if (start == end - 1 && *start == '0')
		start = end;			/* zero: no significant digits */
	appendStringInfoChar(key, SORT_KEY_DIGIT_RUN);
	appendStringInfoChar(key, (char) (end - start + 1));
	appendBinaryStringInfo(key, start, end - start);
}

static void
version_build_sort_key(const char *version, StringInfo key)
{
	const char *p = version;

	while (*p)
	{
		if (IS_DIGIT(*p))
		{
			const char *start = p;

			while (IS_DIGIT(*p))
				p++;
			append_digit_run(key, start, p);
		}
		else
			appendStringInfoChar(key, *p++);
	}
}

int
version_compare(const char *a, const char *b)
{
	StringInfoData ka;
	StringInfoData kb;
	int			cmp;

	initStringInfo(&ka);
	initStringInfo(&kb);
	version_build_sort_key(a, &ka);
	version_build_sort_key(b, &kb);
	cmp = memcmp(ka.data, kb.data, Min(ka.len, kb.len));
	if (cmp == 0)
		cmp = (ka.len > kb.len) - (ka.len < kb.len);
	pfree(ka.data);
	pfree(kb.data);
	return cmp;
}

/* schemamig.version_sort_key(version text) returns bytea */
Datum
schemamig_version_sort_key(PG_FUNCTION_ARGS)
{
	char	   *version = text_to_cstring(PG_GETARG_TEXT_PP(0));
	StringInfoData key;
	bytea	   *result;

	initStringInfo(&key);
	version_build_sort_key(version, &key);
	result = palloc(VARHDRSZ + key.len);
	SET_VARSIZE(result, VARHDRSZ + key.len);
	memcpy(VARDATA(result), key.data, key.len);
	PG_RETURN_BYTEA_P(result);
}
