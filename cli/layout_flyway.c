/*-------------------------------------------------------------------------
 *
 * layout_flyway.c
 *		Flyway file names: V{version}__{description}.sql (versioned),
 *		U{version}__{description}.sql (its undo script) and
 *		R__{description}.sql (repeatable).
 *
 * Flyway versions are dot- or underscore-separated numbers ("1.1",
 * "2_3"; Flyway reads "_" as "."), compared part by part as numbers.  They
 * become schemamig versions with every "_" written as ".", which the
 * natural order then compares the same way: "1" < "1.1" < "1.2" < "1.10"
 * < "2" < "2.3" (a digit run sorts before any other character, and runs
 * compare by value).  Descriptions have "_" written as " ", as Flyway
 * shows them.  A repeatable migration's schemamig name is the file name
 * without ".sql" ("R__views"); it is registered with
 * register_repeatable() (commands.c), and the server orders repeatables
 * by description.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "schemamig_cli.h"
#include "version_rules.h"

/* kind of a Flyway name from its prefix and "__", before the version is checked */
FlywayKind
flyway_name_kind(const char *name)
{
	size_t		len = strlen(name);
	const char *sep = strstr(name, "__");

	if (len < 4 || pg_strcasecmp(name + len - 4, ".sql") != 0 || sep == NULL)
		return FLYWAY_NOT_A_NAME;
	if (name[0] == 'R' && sep == name + 1)
		return FLYWAY_REPEATABLE;
	if ((name[0] == 'V' || name[0] == 'U') && isdigit((unsigned char) name[1]))
		return name[0] == 'V' ? FLYWAY_VERSIONED : FLYWAY_UNDO;
	return FLYWAY_NOT_A_NAME;
}

/* "_" written as c, in a copy of len bytes of s */
static char *
replace_underscores(const char *s, size_t len, char c)
{
	char	   *copy = pnstrdup(s, len);
	char	   *p;

	for (p = copy; *p; p++)
		if (*p == '_')
			*p = c;
	return copy;
}

bool
flyway_parse_name(const char *name, FlywayKind *kind, char **version, char **description)
{
	const char *sep = strstr(name, "__");
	const char *desc = sep ? sep + 2 : NULL;
	size_t		desc_len = desc ? strlen(desc) - 4 : 0;
	const char *p;

	*kind = flyway_name_kind(name);
	if (*kind == FLYWAY_NOT_A_NAME)
		return false;
	*description = desc_len > 0 ? replace_underscores(desc, desc_len, ' ') : NULL;
	if (*kind == FLYWAY_REPEATABLE)
	{
		/* "R__name": a valid version name of its own, sorting after every number */
		*version = pnstrdup(name, strlen(name) - 4);
		return desc_len > 0 && version_name_valid(*version);
	}
	for (p = name + 1; p < sep; p++)
		if (!isdigit((unsigned char) *p) &&
			!((*p == '.' || *p == '_') && isdigit((unsigned char) p[-1]) &&
			  p + 1 < sep && isdigit((unsigned char) p[1])))
			return false;
	*version = replace_underscores(name + 1, sep - name - 1, '.');
	return version_name_valid(*version);
}
