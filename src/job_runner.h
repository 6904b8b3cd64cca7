/*-------------------------------------------------------------------------
 *
 * job_runner.h
 *		What the background worker does with the queue.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_JOB_RUNNER_H
#define SCHEMAMIG_JOB_RUNNER_H

extern void job_runner_pass(void);

#endif							/* SCHEMAMIG_JOB_RUNNER_H */
