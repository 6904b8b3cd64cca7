/*-------------------------------------------------------------------------
 *
 * checksum.c
 *		SHA-256 of migration scripts, computed in the server with OpenSSL.
 *
 * The checksum is the lower-case hex SHA-256 of the script with every CRLF
 * replaced by LF, so a file checked out with Windows line endings has the
 * same checksum as the original.  Nothing else is normalised: any other
 * change to the text is a change to the migration.
 *
 * OpenSSL's low-level SHA256_Init/Update/Final are used rather than EVP
 * (or the SHA256() shorthand, which goes through EVP in OpenSSL 3): EVP's
 * first digest in a process loads OpenSSL's configuration and providers
 * (about a millisecond in every new backend that asks for a checksum), and
 * each EVP digest has a fixed cost that registrations() and status(),
 * which hash every stored script, pay thousands of times.
 *
 *-------------------------------------------------------------------------
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "postgres.h"

#include <openssl/sha.h>

#include "fmgr.h"
#include "utils/builtins.h"

#include "schemamig.h"

PG_FUNCTION_INFO_V1(schemamig_checksum);

static char *
digest_hex(const unsigned char *digest)
{
	char	   *hex = palloc(SHA256_DIGEST_LENGTH * 2 + 1);

	hex_encode((const char *) digest, SHA256_DIGEST_LENGTH, hex);
	hex[SHA256_DIGEST_LENGTH * 2] = '\0';
	return hex;
}

/*
 * The checksum of a script: CRLF counts as LF.  The text is hashed in
 * chunks between carriage returns, so a CRLF script needs no normalised
 * copy.
 */
char *
checksum_sha256_hex(const char *data, Size len)
{
	SHA256_CTX	ctx;
	unsigned char digest[SHA256_DIGEST_LENGTH];
	const char *chunk = data;
	const char *end = data + len;

	SHA256_Init(&ctx);
	while (chunk < end)
	{
		const char *cr = memchr(chunk, '\r', end - chunk);

		if (cr == NULL)
		{
			SHA256_Update(&ctx, chunk, end - chunk);
			break;
		}
		/* hash up to the CR; drop the CR only when an LF follows */
		SHA256_Update(&ctx, chunk, cr - chunk);
		if (cr + 1 >= end || cr[1] != '\n')
			SHA256_Update(&ctx, cr, 1);
		chunk = cr + 1;
	}
	SHA256_Final(digest, &ctx);
	return digest_hex(digest);
}

/* the SHA-256 of bytes as they are (registrations_digest()) */
char *
sha256_hex_raw(const char *data, Size len)
{
	SHA256_CTX	ctx;
	unsigned char digest[SHA256_DIGEST_LENGTH];

	/* not SHA256(): in OpenSSL 3 that one-call form goes through EVP */
	SHA256_Init(&ctx);
	SHA256_Update(&ctx, data, len);
	SHA256_Final(digest, &ctx);
	return digest_hex(digest);
}

/* schemamig.checksum(sql text) returns text */
Datum
schemamig_checksum(PG_FUNCTION_ARGS)
{
	text	   *sql = PG_GETARG_TEXT_PP(0);

	PG_RETURN_TEXT_P(cstring_to_text(checksum_sha256_hex(VARDATA_ANY(sql),
														 VARSIZE_ANY_EXHDR(sql))));
}
