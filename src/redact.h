/*-------------------------------------------------------------------------
 *
 * redact.h
 *		Secrets removed from SQL before it reaches events, errors and
 *		logs (the rules are redact_rules.h's, shared with the client).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_REDACT_H
#define SCHEMAMIG_REDACT_H

extern char *redact_secrets(const char *sql);

#endif							/* SCHEMAMIG_REDACT_H */
