/*-------------------------------------------------------------------------
 *
 * recovery_guard.h
 *		Whether an automatic recovery's down script would destroy
 *		data.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_RECOVERY_GUARD_H
#define SCHEMAMIG_RECOVERY_GUARD_H

extern char *recovery_destroys_data(const char *version, const char *down_sql);
extern char *recovery_held_reason(const char *version);

#endif							/* SCHEMAMIG_RECOVERY_GUARD_H */
