/*-------------------------------------------------------------------------
 *
 * api/api.h
 *		What the files of the SQL API share (src/api/).
 *
 * Invariants of every SQL API function:
 *	- a function connects to SPI once (api_begin), and does all catalog
 *	  work and script execution inside that connection;
 *	- every function that changes state connects to SPI, then takes the
 *	  migration lock, then reads the catalogs: so what it reads cannot
 *	  change under it, and a session that waited sees the work of the one
 *	  it waited for;
 *	- all checks that can refuse a request run before any script does, so
 *	  a refused request changes nothing; a script that fails aborts the
 *	  caller's transaction, which undoes everything the call did.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_API_H
#define SCHEMAMIG_API_H

#include "fmgr.h"
#include "nodes/execnodes.h"

#include "catalog.h"

/* common.c */
extern char *required_text(FunctionCallInfo fcinfo, int argno, const char *name);
extern char *optional_text(FunctionCallInfo fcinfo, int argno);
extern bool same_text(const char *a, const char *b);
extern void api_begin(void);
extern void api_end(void);
extern text *api_end_returning_text(const char *result);
extern void report_checksum_mismatch(const char *version, const char *applied, const char *current);
extern void report_dirty(MigrationState *m);
extern void report_recovery_destroys_data(MigrationState *m);
extern void report_unknown(const char *version);
extern bool script_intact(MigrationState *m);
extern bool is_modified(MigrationState *m);
extern char *highest_applied(List *all);
extern void refuse_out_of_order(const char *version, const char *highest);
extern double run_up(MigrationState *m);
extern bool down_script_needs_worker(MigrationState *m);
extern double run_down(MigrationState *m, const char *event);
extern void put_result(ReturnSetInfo *rsinfo, const char *version, const char *result, double ms);

/* register.c */
extern MigrationState *register_migration(const char *version, const char *up_sql, const char *down_sql,
										  const char *description, bool in_transaction);

/* apply.c */
extern bool recover_dirty(ReturnSetInfo *rsinfo, List **all);
extern void check_applied(List *all);
extern bool skipping(void);

/* rollback.c */
extern void require_down_text(MigrationState *m);

#endif							/* SCHEMAMIG_API_H */
