/*-------------------------------------------------------------------------
 *
 * sha256_text.h
 *		The hashing that the server and the command-line client must do
 *		byte for byte alike: the checksum of a script (CRLF counted as LF),
 *		hex digests, and the fields of the registrations digest.
 *
 * Header-only, so that it compiles into the extension (src/checksum.c,
 * src/registrations_digest.c, after postgres.h) and into the client
 * (cli/checksum.c, after postgres_fe.h) from one text: a difference
 * between the two would make every folder look changed, or worse,
 * unchanged.
 *
 * OpenSSL's low-level SHA256_Init/Update/Final are used rather than EVP
 * (or the SHA256() shorthand, which goes through EVP in OpenSSL 3): EVP's
 * first digest in a process loads OpenSSL's configuration and providers
 * (over a millisecond, paid by every new backend and every run of the
 * client), and each EVP digest has a fixed cost that registrations() and
 * the client pay thousands of times.  With the context on the stack they
 * are also safe to call from the client's reading threads.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_SHA256_TEXT_H
#define SCHEMAMIG_SHA256_TEXT_H

#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED
#endif
#include <openssl/sha.h>

/* lower-case hex of a SHA-256 digest, with room for the terminating NUL */
#define SHA256_HEX_LENGTH (SHA256_DIGEST_LENGTH * 2)

/* longest "length:" prefix of a digest field (20 digits and a colon) */
#define DIGEST_FIELD_PREFIX_MAX 24

/*
 * SHA-256 of a script with every CRLF hashed as LF, in chunks between
 * carriage returns, so a CRLF script needs no normalised copy.
 */
static inline void
sha256_script(const char *data, size_t len, unsigned char *digest)
{
	SHA256_CTX	ctx;
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
}

/* SHA-256 of bytes as they are */
static inline void
sha256_bytes(const char *data, size_t len, unsigned char *digest)
{
	SHA256_CTX	ctx;

	SHA256_Init(&ctx);
	SHA256_Update(&ctx, data, len);
	SHA256_Final(digest, &ctx);
}

/* hex must hold SHA256_HEX_LENGTH + 1 bytes */
static inline void
sha256_hex(const unsigned char *digest, char *hex)
{
	static const char hex_digits[] = "0123456789abcdef";
	int			i;

	for (i = 0; i < SHA256_DIGEST_LENGTH; i++)
	{
		hex[i * 2] = hex_digits[digest[i] >> 4];
		hex[i * 2 + 1] = hex_digits[digest[i] & 0x0f];
	}
	hex[SHA256_HEX_LENGTH] = '\0';
}

/*
 * The registrations digest writes each field as "-" when NULL, else as its
 * length in bytes, ":", and its bytes.  This gives what goes before the
 * bytes ("-", or the "length:" prefix, written at the end of buf, which
 * holds DIGEST_FIELD_PREFIX_MAX bytes) and its length in *prefix_len; the
 * caller appends it, then the value's bytes if it has any.  No printf: for
 * thousands of fields it would cost more than the hashing.
 */
static inline const char *
digest_field_prefix(const char *value, char *buf, size_t *prefix_len)
{
	char	   *p = buf + DIGEST_FIELD_PREFIX_MAX;
	size_t		len;

	if (value == NULL)
	{
		*prefix_len = 1;
		return "-";
	}
	len = strlen(value);
	*--p = ':';
	do
	{
		*--p = '0' + len % 10;
		len /= 10;
	} while (len > 0);
	*prefix_len = buf + DIGEST_FIELD_PREFIX_MAX - p;
	return p;
}

#endif							/* SCHEMAMIG_SHA256_TEXT_H */
