/*-------------------------------------------------------------------------
 *
 * jobs.h
 *		The worker's queue (jobs.c): every statement on schemamig.jobs.
 *
 * The SQL API queues jobs (jobs_enqueue); the worker's runner (job_runner.c)
 * claims one, runs it, and ends it (jobs_finish), and asks between stretches
 * whether it was cancelled (jobs_cancel_requested).  A job's states and
 * their transitions are in job_state.h.  jobs.c depends on worker_registry.c
 * (to wake the worker), never on worker.c or job_runner.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_JOBS_H
#define SCHEMAMIG_JOBS_H

#include "job_state.h"
#include "script.h"

/* a job as its row has it (or a recovery the worker starts itself: id 0) */
typedef struct JobRow
{
	int64		id;
	char	   *version;
	MigrationDirection direction;
	char	   *role;			/* who queued it (applied it, for recoveries) */
	char	   *role_oid;		/* the OID it recorded, as text, or NULL */
	char	   *cluster;		/* the cluster it was queued in, or NULL */
	bool		automatic;		/* a recovery migrate() or run() queued */
} JobRow;

/* the SQL API (the caller is connected to SPI) */
extern int64 jobs_enqueue(const char *version, MigrationDirection direction,
						  bool automatic);

/*
 * The worker's runner, in a transaction of its own connected to SPI;
 * results are allocated in the caller's memory context.
 */
extern bool jobs_claim_next(JobRow *job);
extern void jobs_finish(int64 id, JobState state, const char *error, int sqlerrcode);
extern bool jobs_cancel_requested(int64 id);
extern void jobs_requeue_interrupted_backfills(void);
extern void jobs_mark_interrupted(void);
extern bool jobs_queued(bool or_running);
extern List *jobs_dirty_without_open_job(void);
extern Oid	jobs_requester(const char *name, const char *oid_text,
						   const char *cluster_text, char **why,
						   int *sqlerrcode);

#endif							/* SCHEMAMIG_JOBS_H */
