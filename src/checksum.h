/*-------------------------------------------------------------------------
 *
 * checksum.h
 *		SHA-256 of scripts, as text (the hashing is sha256_text.h's,
 *		shared with the client).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_CHECKSUM_H
#define SCHEMAMIG_CHECKSUM_H

extern char *checksum_sha256_hex(const char *data, Size len);
extern char *sha256_hex_raw(const char *data, Size len);

#endif							/* SCHEMAMIG_CHECKSUM_H */
