/*-------------------------------------------------------------------------
 *
 * repeatable.h
 *		Repeatable migrations (Flyway's R__{description}.sql): what the
 *		rest of the SQL API asks about them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_REPEATABLE_H
#define SCHEMAMIG_REPEATABLE_H

#include "catalog.h"

extern bool repeatable_is_outdated(const MigrationState *m);
extern bool repeatable_needs_apply(const MigrationState *m);
extern const char *repeatable_state(const MigrationState *m);
extern char *repeatable_outdated_problem(const MigrationState *m);
extern List *repeatable_pending(List *all);
extern void repeatable_refuse_versioned(const MigrationState *m);
extern void repeatable_refuse_rollback(const MigrationState *m);
extern void repeatable_record_applied(const char *version);

#endif							/* SCHEMAMIG_REPEATABLE_H */
