/*-------------------------------------------------------------------------
 *
 * migration_lock.h
 *		The advisory lock that serialises every migration, and the
 *		isolation level it needs.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_MIGRATION_LOCK_H
#define SCHEMAMIG_MIGRATION_LOCK_H

extern void require_read_committed(const char *what_must, const char *unseen);
extern void migration_lock_acquire(void);

#endif							/* SCHEMAMIG_MIGRATION_LOCK_H */
