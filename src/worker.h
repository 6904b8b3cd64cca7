/*-------------------------------------------------------------------------
 *
 * worker.h
 *		The background workers: a launcher, one worker per database.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_WORKER_H
#define SCHEMAMIG_WORKER_H

#include "utils/guc.h"

extern void worker_register_launcher(void);
extern bool worker_check_database_list(char **newval, void **extra, GucSource source);

#endif							/* SCHEMAMIG_WORKER_H */
