/*-------------------------------------------------------------------------
 *
 * version_rules.h
 *		The one definition of a migration version, for the extension and
 *		the command-line client: which names are valid, and their natural
 *		order.
 *
 * Header-only, like sha256_text.h, so that it compiles into the extension
 * (src/version.c, src/catalog.c and the SQL API, after postgres.h) and
 * into the client (cli/files.c and the files that check or compare a
 * version, after postgres_fe.h) from one text: a client that ordered a
 * folder otherwise than the server would pair, deduplicate and report
 * migrations in an order the server does not keep.
 *
 * A version matches ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$.  Versions sort in
 * natural order: runs of digits compare by numeric value (2 before 10,
 * 0002 before 0010), everything else byte by byte, and a run of digits
 * sorts before any other character.  The order is defined by the sort key
 * (version_build_sort_key): two versions compare as their keys do, byte
 * by byte, a key that is a prefix of the other first.  Two names of equal
 * natural order ("1" and "0001") would be ambiguous, so the catalog keeps
 * a unique index on version_sort_key(), which returns this key.
 *
 * Allocates only to compare a name longer than any valid version (palloc:
 * the server's, or libpgcommon's in the client), and is safe to call from
 * the client's reading threads.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_VERSION_RULES_H
#define SCHEMAMIG_VERSION_RULES_H

/* Longest version name (the catalog CHECK says the same). */
#define SCHEMAMIG_MAX_VERSION_LEN	128

/* room for a sort key: a one-digit run takes marker, length and digit */
#define VERSION_SORT_KEY_MAX(len)	(3 * (len) + 1)

/* marks a run of digits in a sort key: below every allowed character */
#define VERSION_SORT_KEY_DIGIT_RUN	0x01

static inline bool
version_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
version_char_ok(char c, bool first)
{
	if (version_is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
		return true;
	return !first && (c == '_' || c == '.' || c == '-');
}

/* is this a valid version name? */
static inline bool
version_name_valid(const char *version)
{
	size_t		len = strlen(version);
	size_t		i;

	if (len == 0 || len > SCHEMAMIG_MAX_VERSION_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!version_char_ok(version[i], i == 0))
			return false;
	return true;
}

/*
 * Write the sort key of a version into buf (VERSION_SORT_KEY_MAX bytes)
 * and return its length.  A digit run is written as the marker, the count
 * of significant digits plus one, then the digits without leading zeros:
 * longer numbers sort later.
 */
static inline int
version_build_sort_key(const char *version, char *buf)
{
	const char *p = version;
	char	   *out = buf;

	while (*p)
	{
		if (version_is_digit(*p))
		{
			const char *start = p;

			while (version_is_digit(*p))
				p++;
			while (start < p && *start == '0')
				start++;
			*out++ = VERSION_SORT_KEY_DIGIT_RUN;
			*out++ = (char) (p - start + 1);
			memcpy(out, start, p - start);
			out += p - start;
		}
		else
			*out++ = *p++;
	}
	return out - buf;
}

/* compare two sort keys: byte by byte, a prefix first */
static inline int
version_compare_keys(const char *ka, int la, const char *kb, int lb)
{
	int			cmp = memcmp(ka, kb, Min(la, lb));

	return cmp != 0 ? cmp : (la > lb) - (la < lb);
}

/* natural order of two versions: <0, 0 (the same version) or >0 */
static inline int
version_compare(const char *a, const char *b)
{
	char		stack_a[VERSION_SORT_KEY_MAX(SCHEMAMIG_MAX_VERSION_LEN)];
	char		stack_b[VERSION_SORT_KEY_MAX(SCHEMAMIG_MAX_VERSION_LEN)];
	size_t		len_a = strlen(a);
	size_t		len_b = strlen(b);
	char	   *ka = len_a <= SCHEMAMIG_MAX_VERSION_LEN ? stack_a : palloc(VERSION_SORT_KEY_MAX(len_a));
	char	   *kb = len_b <= SCHEMAMIG_MAX_VERSION_LEN ? stack_b : palloc(VERSION_SORT_KEY_MAX(len_b));
	int			cmp = version_compare_keys(ka, version_build_sort_key(a, ka),
										   kb, version_build_sort_key(b, kb));

	if (ka != stack_a)
		pfree(ka);
	if (kb != stack_b)
		pfree(kb);
	return cmp;
}

#endif							/* SCHEMAMIG_VERSION_RULES_H */
