/*-------------------------------------------------------------------------
 *
 * down_script.h
 *		Down scripts the server's parser refuses: a warning at
 *		registration, a problem in validate(), a refusal before a rollback
 *		or a recovery runs one.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_DOWN_SCRIPT_H
#define SCHEMAMIG_DOWN_SCRIPT_H

#include "nodes/execnodes.h"

extern char *down_script_parse_error(const char *down_sql, const char *version);
extern void down_script_warn_unparsable(const char *down_sql, const char *version);
extern void down_script_require_parsable(const char *down_sql, const char *version);
extern void down_script_put_problems(ReturnSetInfo *rsinfo);

#endif							/* SCHEMAMIG_DOWN_SCRIPT_H */
