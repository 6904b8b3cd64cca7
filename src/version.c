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
 * Write the sort key of a version into buf (room for 3 bytes per input
 * byte: a one-digit run takes marker, length and digit) and return its
 * length.  A digit run is written as the marker, the count of significant
 * digits plus one, then the digits without leading zeros: longer numbers
 * sort later.
 */
int
version_build_sort_key(const char *version, char *buf)
{
	const char *p = version;
	char	   *out = buf;

	while (*p)
	{
		if (IS_DIGIT(*p))
		{
			const char *start = p;

			while (IS_DIGIT(*p))
				p++;
			while (start < p && *start == '0')
				start++;
			*out++ = SORT_KEY_DIGIT_RUN;
			*out++ = (char) (p - start + 1);
			memcpy(out, start, p - start);
			out += p - start;
		}
		else
			*out++ = *p++;
	}
	return out - buf;
}

int
version_compare_keys(const char *ka, int la, const char *kb, int lb)
{
	int			cmp = memcmp(ka, kb, Min(la, lb));

	return cmp != 0 ? cmp : (la > lb) - (la < lb);
}

int
version_compare(const char *a, const char *b)
{
	char	   *ka = palloc(VERSION_SORT_KEY_MAX(strlen(a)));
	char	   *kb = palloc(VERSION_SORT_KEY_MAX(strlen(b)));
	int			cmp = version_compare_keys(ka, version_build_sort_key(a, ka),
										   kb, version_build_sort_key(b, kb));

	pfree(ka);
	pfree(kb);
	return cmp;
}

/* schemamig.version_sort_key(version text) returns bytea */
Datum
schemamig_version_sort_key(PG_FUNCTION_ARGS)
{
	char	   *version = text_to_cstring(PG_GETARG_TEXT_PP(0));
	bytea	   *result = palloc(VARHDRSZ + VERSION_SORT_KEY_MAX(strlen(version)));

	SET_VARSIZE(result, VARHDRSZ + version_build_sort_key(version, VARDATA(result)));
	PG_RETURN_BYTEA_P(result);
}
