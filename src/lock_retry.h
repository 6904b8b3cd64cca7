/*-------------------------------------------------------------------------
 *
 * lock_retry.h
 *		How long a migration pauses before trying again after a statement
 *		gave up waiting for its lock (lock_timeout, SQLSTATE 55P03): one
 *		policy for the worker (src/job_runner.c) and the client's deploy
 *		(cli/deploy.c).
 *
 * Header-only, so that it compiles into the extension and into the client
 * from one text, like sha256_text.h.
 *
 * Invariants:
 *	- While a statement waits for a lock it blocks every session queued
 *	  behind it, for at most the lock timeout in force (T).  Each pause
 *	  after a failed attempt is at least LOCK_RETRY_PAUSE_FACTOR * T, so
 *	  over any run of attempts other sessions are blocked at most
 *	  T / (T + factor * T) = 1 / (1 + factor) of the time: 1/16, 6.25%.
 *	  The bound is 10%; the margin is for what a reader measures on
 *	  top of the lock waits (its own catch-up after each stall, a loaded
 *	  machine): at a factor of 10 (bound 9.1%) a reader measured 14.7%
 *	  blocked while the full test suite loaded the machine.
 *	- Pauses grow exponentially from LOCK_RETRY_BASE_MS up to
 *	  LOCK_RETRY_CAP_MS, with jitter (up to half a step more) so that
 *	  several deployers retrying at once drift apart.
 *	- Retrying stops when the next attempt would start after the time
 *	  budget (schemamig.lock_retry_budget), not after a fixed count.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_LOCK_RETRY_H
#define SCHEMAMIG_LOCK_RETRY_H

/* a pause is at least this many lock timeouts long */
#define LOCK_RETRY_PAUSE_FACTOR 15
/* first step of the exponential growth, and its ceiling */
#define LOCK_RETRY_BASE_MS 500
#define LOCK_RETRY_CAP_MS 30000

/*
 * Pause in milliseconds after failed attempt number attempt (0 for the
 * first), when each attempt waits at most lock_timeout_ms for its lock.
 * random01 is a uniformly distributed number in [0, 1) from the caller's
 * random source (pg_prng in the server, the client's own elsewhere).
 */
static inline long
lock_retry_pause_ms(int attempt, long lock_timeout_ms, double random01)
{
	long		floor_ms = LOCK_RETRY_PAUSE_FACTOR * lock_timeout_ms;
	long		step = LOCK_RETRY_BASE_MS;
	int			i;

	for (i = 0; i < attempt && step < LOCK_RETRY_CAP_MS; i++)
		step *= 2;
	if (step > LOCK_RETRY_CAP_MS)
		step = LOCK_RETRY_CAP_MS;
	if (step < floor_ms)
		step = floor_ms;
	return step + (long) (random01 * (double) step / 2.0);
}

#endif							/* SCHEMAMIG_LOCK_RETRY_H */
