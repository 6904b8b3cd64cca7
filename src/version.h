/*-------------------------------------------------------------------------
 *
 * version.h
 *		Refusing an invalid version name (the rules themselves are
 *		version_rules.h's, shared with the client).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_VERSION_H
#define SCHEMAMIG_VERSION_H

extern void version_check_name(const char *version);

#endif							/* SCHEMAMIG_VERSION_H */
