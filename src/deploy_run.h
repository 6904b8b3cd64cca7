/*-------------------------------------------------------------------------
 *
 * deploy_run.h
 *		What this session's deploy has created: the transactions in which
 *		deploy_step() committed a migration.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_DEPLOY_RUN_H
#define SCHEMAMIG_DEPLOY_RUN_H

extern void deploy_run_start(void);
extern void deploy_run_note_step(void);
extern bool deploy_run_created(TransactionId xmin);

#endif							/* SCHEMAMIG_DEPLOY_RUN_H */
