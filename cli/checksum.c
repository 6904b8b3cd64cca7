/*-------------------------------------------------------------------------
 *
 * checksum.c
 *		SHA-256 of migration scripts and of a whole folder, computed
 *		exactly as the server does.
 *
 * The checksum of a script is the lower-case hex SHA-256 of the script
 * with every CRLF replaced by LF (src/checksum.c).  The server's value is
 * the one of record; the client computes the same value so that it can
 * compare the folder with the database without sending the scripts, and
 * log it.  The folder digest is what schemamig.registrations_digest()
 * computes over the registered migrations (doc/functions.md): when the two
 * agree, the folder is exactly what is registered.
 *
 * OpenSSL's low-level SHA256_Init/Update/Final are used rather than EVP
 * (or the SHA256() shorthand, which goes through EVP in OpenSSL 3): they need
 * no library initialisation (EVP's first digest loads OpenSSL's
 * configuration and providers, over a millisecond at every start of the
 * client), and with the context on the stack they are safe to call from
 * the threads that read a folder.
 *
 *-------------------------------------------------------------------------
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "postgres_fe.h"

#include <openssl/sha.h>

#include "schemamig_cli.h"

static char *
digest_hex(const unsigned char *digest)
{
	static const char hex_digits[] = "0123456789abcdef";
	char	   *hex = pg_malloc(SHA256_DIGEST_LENGTH * 2 + 1);
	int			i;

	for (i = 0; i < SHA256_DIGEST_LENGTH; i++)
	{
		hex[i * 2] = hex_digits[digest[i] >> 4];
		hex[i * 2 + 1] = hex_digits[digest[i] & 0x0f];
	}
	hex[SHA256_DIGEST_LENGTH * 2] = '\0';
	return hex;
}

char *
checksum_script(const char *sql)
{
	SHA256_CTX	ctx;
	unsigned char digest[SHA256_DIGEST_LENGTH];
	const char *chunk = sql;
	const char *end = sql + strlen(sql);

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

/*
 * One field of the digest: "-" for NULL, else "length:bytes".  Written
 * without printf: a folder of thousands of migrations has four fields
 * each, and formatting them costs more than hashing them.
 */
static void
digest_field(PQExpBuffer buf, const char *value)
{
	char		digits[24];
	char	   *p = digits + sizeof(digits);
	size_t		len;

	if (value == NULL)
	{
		appendPQExpBufferChar(buf, '-');
		return;
	}
	len = strlen(value);
	*--p = ':';
	do
	{
		*--p = '0' + len % 10;
		len /= 10;
	} while (len > 0);
	appendBinaryPQExpBuffer(buf, p, digits + sizeof(digits) - p);
	appendBinaryPQExpBuffer(buf, value, strlen(value));
}

static int
file_ptr_version_cmp(const void *a, const void *b)
{
	return strcmp((*(MigrationFile *const *) a)->version, (*(MigrationFile *const *) b)->version);
}

/*
 * The digest schemamig.registrations_digest() would give if the folder
 * were exactly what is registered: every migration in byte order of
 * version, as version, up checksum, down checksum (NULL without a down
 * script) and description (NULL without one).
 */
char *
folder_digest(const MigrationFolder *folder)
{
	MigrationFile **order = pg_malloc(sizeof(MigrationFile *) * (folder->nfiles + 1));
	PQExpBufferData buf;
	SHA256_CTX	ctx;
	unsigned char digest[SHA256_DIGEST_LENGTH];
	int			i;

	for (i = 0; i < folder->nfiles; i++)
		order[i] = &folder->files[i];
	if (folder->nfiles > 1)
		qsort(order, folder->nfiles, sizeof(MigrationFile *), file_ptr_version_cmp);
	initPQExpBuffer(&buf);
	for (i = 0; i < folder->nfiles; i++)
	{
		digest_field(&buf, order[i]->version);
		digest_field(&buf, order[i]->checksum);
		digest_field(&buf, order[i]->down_checksum);
		digest_field(&buf, order[i]->description);
	}
	/* not SHA256(): in OpenSSL 3 that one-call form goes through EVP */
	SHA256_Init(&ctx);
	SHA256_Update(&ctx, buf.data, buf.len);
	SHA256_Final(digest, &ctx);
	termPQExpBuffer(&buf);
	free(order);
	return digest_hex(digest);
}
