/*-------------------------------------------------------------------------
 *
 * checksum.c
 *		SHA-256 of migration scripts and of a whole folder, computed
 *		exactly as the server does.
 *
 * The checksum of a script is the lower-case hex SHA-256 of the script
 * with every CRLF replaced by LF.  The server's value is the one of
 * record; the client computes the same value so that it can compare the
 * folder with the database without sending the scripts, and log it.  The
 * folder digest is what schemamig.registrations_digest() computes over the
 * registered migrations (doc/functions.md): when the two agree, the folder
 * is exactly what is registered.  The hashing itself is in
 * src/sha256_text.h, shared with the server so the two cannot drift apart.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "schemamig_cli.h"
#include "sha256_text.h"

static char *
digest_hex(const unsigned char *digest)
{
	char	   *hex = pg_malloc(SHA256_HEX_LENGTH + 1);

	sha256_hex(digest, hex);
	return hex;
}

/* safe to call from several threads */
char *
checksum_script(const char *sql)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];

	sha256_script(sql, strlen(sql), digest);
	return digest_hex(digest);
}

/* one field of the digest: "-" for NULL, else "length:bytes" */
static void
digest_field(PQExpBuffer buf, const char *value)
{
	char		prefix[DIGEST_FIELD_PREFIX_MAX];
	size_t		prefix_len;
	const char *start = digest_field_prefix(value, prefix, &prefix_len);

	appendBinaryPQExpBuffer(buf, start, prefix_len);
	if (value != NULL)
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
	sha256_bytes(buf.data, buf.len, digest);
	termPQExpBuffer(&buf);
	free(order);
	return digest_hex(digest);
}
