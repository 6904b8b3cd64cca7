/*-------------------------------------------------------------------------
 *
 * schemamig.h
 *		What every part of schemamig shares: limits, the advisory lock keys,
 *		the SQLSTATEs of class SM, the GUC variables, and one list helper.
 *
 * Each module declares what it offers in a header of its own (catalog.h,
 * executor.h, script.h, ...; src/README.md maps each concern to its
 * files), so a change to one module's interface rebuilds only its users.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_H
#define SCHEMAMIG_H

#include "nodes/pg_list.h"

/* Largest up or down script register() accepts, in bytes. */
#define SCHEMAMIG_MAX_SCRIPT_BYTES	(16 * 1024 * 1024)

/*
 * The advisory lock every apply/migrate/rollback/register holds until the
 * end of its transaction: the bigint form, pg_advisory_xact_lock(1936550247)
 * ('smig' in ASCII).  In pg_locks: locktype advisory, classid 0,
 * objid 1936550247, objsubid 1.
 */
#define SCHEMAMIG_LOCK_KEY			INT64CONST(1936550247)

/* enqueue() serialises on this one ('smiq'), so a busy worker never blocks it */
#define SCHEMAMIG_QUEUE_LOCK_KEY	INT64CONST(1936550257)

/* SQLSTATEs of our own (class SM); doc/errors.md lists every code. */
#define ERRCODE_SCHEMAMIG_CHECKSUM_MISMATCH	MAKE_SQLSTATE('S','M','0','0','1')
#define ERRCODE_SCHEMAMIG_DIRTY				MAKE_SQLSTATE('S','M','0','0','2')
#define ERRCODE_SCHEMAMIG_OUT_OF_ORDER		MAKE_SQLSTATE('S','M','0','0','3')
#define ERRCODE_SCHEMAMIG_NO_DOWN_SCRIPT	MAKE_SQLSTATE('S','M','0','0','4')
#define ERRCODE_SCHEMAMIG_JOB_FAILED		MAKE_SQLSTATE('S','M','0','0','5')
#define ERRCODE_SCHEMAMIG_WORKER_BUSY		MAKE_SQLSTATE('S','M','0','0','6')

/* is s one of a List of C strings? (list_member() compares nodes) */
static inline bool
list_member_cstring(const List *strings, const char *s)
{
	ListCell   *lc;

	foreach(lc, strings)
		if (strcmp(lfirst(lc), s) == 0)
			return true;
	return false;
}

/* schemamig.c: GUC variables */
extern int	schemamig_lock_wait_timeout;
extern int	schemamig_lock_timeout;
extern int	schemamig_statement_timeout;
extern bool schemamig_out_of_order;
extern bool schemamig_skip;
extern bool schemamig_debug;
extern bool schemamig_auto_recover;
extern int	schemamig_lock_retry_budget;
extern int	schemamig_worker_naptime;
extern int	schemamig_backfill_max_lag;
extern char *schemamig_database;

/*
 * Safety linter: src/lint/lint.h declares it (src/README.md maps its
 * files).  doc/lint.md lists the SQLSTATEs.
 */
#define ERRCODE_SCHEMAMIG_LINT_BLOCKED		MAKE_SQLSTATE('S','M','1','0','0')
#define ERRCODE_SCHEMAMIG_LINT_WARNING		MAKE_SQLSTATE('S','M','1','0','1')
#define ERRCODE_SCHEMAMIG_LINT_ADVISORY		MAKE_SQLSTATE('S','M','1','0','2')
#define ERRCODE_SCHEMAMIG_LINT_UNKNOWN_RULE	MAKE_SQLSTATE('S','M','1','0','3')

#endif							/* SCHEMAMIG_H */
