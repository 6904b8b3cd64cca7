/*-------------------------------------------------------------------------
 *
 * worker_pause.h
 *		Pausing the background worker without losing a wake-up
 *		(worker_pause.c).
 *
 * Used between lock-timeout retries (job_runner.c, backfill.c) and between
 * backfill batches; depends on no other schemamig module.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_WORKER_PAUSE_H
#define SCHEMAMIG_WORKER_PAUSE_H

extern void worker_pause(long ms);
extern bool worker_pause_unless(long ms, bool (*stop) (void *arg), void *arg);

#endif							/* SCHEMAMIG_WORKER_PAUSE_H */
