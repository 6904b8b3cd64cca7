/*-------------------------------------------------------------------------
 *
 * checksum.c
 *		SHA-256 of migration scripts, computed in the server.
 *
 * The checksum is the lower-case hex SHA-256 of the script with every CRLF
 * replaced by LF, so a file checked out with Windows line endings has the
 * same checksum as the original.  Nothing else is normalised: any other
 * change to the text is a change to the migration.  The hashing itself is
 * in sha256_text.h, shared with the command-line client.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "compat.h"
#include "checksum.h"
#include "sha256_text.h"

PG_FUNCTION_INFO_V1(schemamig_checksum);

/* hex SHA-256 of data, palloc'd; a script's CRLF counts as LF */
static char *
hex_digest(const char *data, Size len, bool script)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	char	   *hex = palloc(SHA256_HEX_LENGTH + 1);

	if (script)
		sha256_script(data, len, digest);
	else
		sha256_bytes(data, len, digest);
	sha256_hex(digest, hex);
	return hex;
}

/* the checksum of a script */
char *
checksum_sha256_hex(const char *data, Size len)
{
	return hex_digest(data, len, true);
}

/* the SHA-256 of bytes as they are (registrations_digest()) */
char *
sha256_hex_raw(const char *data, Size len)
{
	return hex_digest(data, len, false);
}

/* schemamig.checksum(sql text) returns text */
Datum
schemamig_checksum(PG_FUNCTION_ARGS)
{
	text	   *sql = PG_GETARG_TEXT_PP(0);

	PG_RETURN_TEXT_P(cstring_to_text(checksum_sha256_hex(VARDATA_ANY(sql),
														 VARSIZE_ANY_EXHDR(sql))));
}
