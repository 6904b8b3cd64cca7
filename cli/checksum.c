/*-------------------------------------------------------------------------
 *
 * checksum.c
 *		SHA-256 of a migration script, computed exactly as the server does.
 *
 * The checksum is the lower-case hex SHA-256 of the script with every CRLF
 * replaced by LF (src/checksum.c).  The server's value is the one of
 * record; the client computes the same value so that it can compare the
 * folder with the database without sending the scripts, and log it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <openssl/evp.h>

#include "schemamig_cli.h"

#define SHA256_DIGEST_BYTES 32

static EVP_MD *sha256_md = NULL;
static EVP_MD_CTX *sha256_ctx = NULL;

char *
checksum_script(const char *sql)
{
	static const char hex_digits[] = "0123456789abcdef";
	EVP_MD_CTX *ctx;
	unsigned char digest[SHA256_DIGEST_BYTES];
	unsigned int digest_len = 0;
	const char *chunk = sql;
	const char *end = sql + strlen(sql);
	char	   *hex;
	bool		ok;
	int			i;

	/*
	 * One context and one fetched digest for the whole run: a folder of
	 * thousands of scripts is hashed on every run, and OpenSSL 3 looks the
	 * algorithm up (under locks) on each EVP_sha256() initialisation.
	 */
	if (sha256_ctx == NULL)
	{
		sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
		sha256_ctx = EVP_MD_CTX_new();
		if (sha256_md == NULL || sha256_ctx == NULL)
		{
			fprintf(stderr, "schemamig: OpenSSL cannot provide SHA-256\n");
			exit(EXIT_FAILED);
		}
	}
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
	{
		fprintf(stderr, "schemamig: OpenSSL failed to compute a SHA-256 digest\n");
		exit(EXIT_FAILED);
	}

	hex = pg_malloc(SHA256_DIGEST_BYTES * 2 + 1);
	for (i = 0; i < SHA256_DIGEST_BYTES; i++)
	{
		hex[i * 2] = hex_digits[digest[i] >> 4];
		hex[i * 2 + 1] = hex_digits[digest[i] & 0x0f];
	}
	hex[SHA256_DIGEST_BYTES * 2] = '\0';
	return hex;
}
