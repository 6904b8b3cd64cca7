/*-------------------------------------------------------------------------
 *
 * version.c
 *		Version names on the server: an invalid one refused with an error,
 *		and the sort key of the catalog's unique index.
 *
 * The rules themselves (valid names, the sort key, natural order) are
 * those of version_rules.h, shared with the command-line client; this file
 * holds what only the server does with them: refusing a bad name with an
 * error, and version_sort_key() for the catalog's unique index.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "compat.h"
#include "version.h"
#include "version_rules.h"

PG_FUNCTION_INFO_V1(schemamig_version_sort_key);

void
version_check_name(const char *version)
{
	if (!version_name_valid(version))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid migration version \"%s\"", version),
				 errdetail("A version is 1 to %d characters: letters, digits, \"_\", \".\" and \"-\", starting with a letter or digit.",
						   SCHEMAMIG_MAX_VERSION_LEN),
				 errhint("Use names such as \"0001\", \"20261122093000\" or \"1.2.3\".")));
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
