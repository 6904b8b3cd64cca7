/*-------------------------------------------------------------------------
 *
 * job_state.h
 *		The states of a schemamig job (schemamig.jobs.status) and the
 *		transitions between them: the one place either is written down.
 *
 * The machine:
 *
 *		queued ──(worker claims it)──▶ running ──▶ done
 *		   ▲  │                           ├─────▶ failed
 *		   │  │                           ├─────▶ cancelled
 *		   │  └──(schemamig.cancel())──▶ cancelled
 *		   └──(interrupted in a batched statement)──┘
 *
 *	- queued: enqueue() inserted it (the column's default); at most one
 *	  open (queued or running) job per version and direction;
 *	- running: the worker claimed it (jobs_claim_next) and runs its script;
 *	- done: its script ran to the end, or there was nothing to do;
 *	- failed: its script failed, it could not run at all (role, migration),
 *	  or the worker or server stopped while it ran (found at the worker's
 *	  next start, jobs_mark_interrupted);
 *	- running -> queued: the worker or server stopped while an up job ran
 *	  a batched statement (-- schemamig:batch): found at the worker's next
 *	  start, it is queued again to resume after the last committed batch
 *	  (jobs_requeue_interrupted_backfills, backfill.c);
 *	- cancelled: schemamig.cancel() cancelled it while queued, or asked for
 *	  its cancellation while running and the runner stopped before its next
 *	  stretch, or in a batched statement its next batch
 *	  (jobs_cancel_requested); the migration is left as the job
 *	  left it (dirty if a stretch had committed).
 * done, failed and cancelled are final: nothing leaves them.
 *
 * Every write of a state goes through job_state_transition(), which
 * refuses a transition the machine does not have; every read names the
 * state through JOB_STATE_SQL() or job_state_name().  The catalog's CHECK
 * constraint (sql/schemamig--0.1.0.sql, frozen) lists the same names.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_JOB_STATE_H
#define SCHEMAMIG_JOB_STATE_H

typedef enum JobState
{
	JOB_QUEUED,
	JOB_RUNNING,
	JOB_DONE,
	JOB_FAILED,
	JOB_CANCELLED
} JobState;

/* each state's name, as schemamig.jobs.status holds it */
#define JOB_STATE_NAME_QUEUED		"queued"
#define JOB_STATE_NAME_RUNNING		"running"
#define JOB_STATE_NAME_DONE			"done"
#define JOB_STATE_NAME_FAILED		"failed"
#define JOB_STATE_NAME_CANCELLED	"cancelled"

/* a state as an SQL literal, for the text of a query: JOB_STATE_SQL(QUEUED) */
#define JOB_STATE_SQL(state)		"'" JOB_STATE_NAME_##state "'"

/* the open states, as an SQL list: status IN JOB_STATES_OPEN_SQL */
#define JOB_STATES_OPEN_SQL \
	"(" JOB_STATE_SQL(QUEUED) ", " JOB_STATE_SQL(RUNNING) ")"

static inline const char *
job_state_name(JobState state)
{
	switch (state)
	{
		case JOB_QUEUED:
			return JOB_STATE_NAME_QUEUED;
		case JOB_RUNNING:
			return JOB_STATE_NAME_RUNNING;
		case JOB_DONE:
			return JOB_STATE_NAME_DONE;
		case JOB_FAILED:
			return JOB_STATE_NAME_FAILED;
		case JOB_CANCELLED:
			return JOB_STATE_NAME_CANCELLED;
	}
	elog(ERROR, "unknown schemamig job state %d", (int) state);
	return NULL;				/* keep compiler quiet */
}

/* the state a status column holds */
static inline JobState
job_state_from_name(const char *name)
{
	JobState	state;

	for (state = JOB_QUEUED; state <= JOB_CANCELLED; state++)
		if (strcmp(name, job_state_name(state)) == 0)
			return state;
	elog(ERROR, "unknown schemamig job state \"%s\"", name);
	return JOB_FAILED;			/* keep compiler quiet */
}

static inline bool
job_state_is_final(JobState state)
{
	return state == JOB_DONE || state == JOB_FAILED || state == JOB_CANCELLED;
}

/* the machine above, as a predicate */
static inline bool
job_state_transition_legal(JobState from, JobState to)
{
	switch (from)
	{
		case JOB_QUEUED:
			return to == JOB_RUNNING || to == JOB_CANCELLED;
		case JOB_RUNNING:
			return to == JOB_DONE || to == JOB_FAILED || to == JOB_CANCELLED ||
				to == JOB_QUEUED;
		case JOB_DONE:
		case JOB_FAILED:
		case JOB_CANCELLED:
			return false;
	}
	return false;
}

/*
 * The name of the state a job goes to from "from": what a write puts in
 * the status column (its WHERE clause names "from" as well).  A transition
 * the machine does not have is a bug in schemamig.
 */
static inline const char *
job_state_transition(JobState from, JobState to)
{
	if (!job_state_transition_legal(from, to))
		elog(ERROR, "schemamig job cannot go from %s to %s",
			 job_state_name(from), job_state_name(to));
	return job_state_name(to);
}

#endif							/* SCHEMAMIG_JOB_STATE_H */
