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
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <openssl/evp.h>

#include "fmgr.h"
#include "utils/builtins.h"

#include "schemamig.h"

PG_FUNCTION_INFO_V1(schemamig_checksum);

#define SHA256_DIGEST_BYTES 32

/*
 * The digest and its context are fetched once per backend and reused:
 * status() and migrate() hash every stored script, and OpenSSL 3 makes a
 * fresh fetch per digest expensive.
 */
static EVP_MD *sha256_md = NULL;
static EVP_MD_CTX *sha256_ctx = NULL;

static void
checksum_prepare(void)
{
	if (sha256_md == NULL)
		sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (sha256_ctx == NULL)
		sha256_ctx = EVP_MD_CTX_new();
	if (sha256_md == NULL || sha256_ctx == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while computing a checksum")));
}

/*
 * Hash in chunks between carriage returns, so a CRLF script needs no
 * normalised copy.
 */
char *
checksum_sha256_hex(const char *data, Size len)
{
	EVP_MD_CTX *ctx;
	unsigned char digest[SHA256_DIGEST_BYTES];
	unsigned int digest_len = 0;
	char	   *hex;
	const char *chunk = data;
	const char *end = data + len;
	bool		ok;

	checksum_prepare();
	ctx = sha256_ctx;
	ok = EVP_DigestInit_ex(ctx, sha256_md, NULL) == 1;
	while (ok && chunk < end)
	{
		const char *cr = memchr(chunk, '\r', end - chunk);

		if (cr == NULL)
		{
			ok = EVP_DigestUpdate(ctx, chunk, end - chunk) == 1;
			break;
		}
		/* hash up to the CR; drop the CR only when an LF follows */
		ok = EVP_DigestUpdate(ctx, chunk, cr - chunk) == 1;
		if (ok && (cr + 1 >= end || cr[1] != '\n'))
			ok = EVP_DigestUpdate(ctx, cr, 1) == 1;
		chunk = cr + 1;
	}
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, digest, &digest_len) == 1;
	EVP_MD_CTX_reset(ctx);

	if (!ok || digest_len != SHA256_DIGEST_BYTES)
		elog(ERROR, "OpenSSL failed to compute a SHA-256 digest");

	hex = palloc(SHA256_DIGEST_BYTES * 2 + 1);
	hex_encode((const char *) digest, SHA256_DIGEST_BYTES, hex);
	hex[SHA256_DIGEST_BYTES * 2] = '\0';
	return hex;
}

/* schemamig.checksum(sql text) returns text */
Datum
schemamig_checksum(PG_FUNCTION_ARGS)
{
	text	   *sql = PG_GETARG_TEXT_PP(0);

	PG_RETURN_TEXT_P(cstring_to_text(checksum_sha256_hex(VARDATA_ANY(sql),
														 VARSIZE_ANY_EXHDR(sql))));
}
