/*-------------------------------------------------------------------------
 *
 * worker_pause.c
 *		Pausing the background worker without losing a wake-up.
 *
 * Invariants:
 *	- the pause lasts its full length: a latch set meanwhile (enqueue()
 *	  waking the worker for a new job) does not cut it short, and is set
 *	  again afterwards so the wake-up is not lost;
 *	- interrupts are served during the pause (SIGTERM, cancel), and the
 *	  worker exits if the postmaster dies;
 *	- worker_pause_unless() asks its caller, at each wake-up, whether to
 *	  stop: schemamig.cancel() sets the worker's latch when it commits, so
 *	  a backfill's long pause between batches, or the pause before a
 *	  statement or batch is tried again after a lock timeout, ends at the
 *	  cancel, not after the pause.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/timestamp.h"

#include "worker_pause.h"

void
worker_pause(long ms)
{
	(void) worker_pause_unless(ms, NULL, NULL);
}

/*
 * Pause for ms, or until stop(arg), asked at each wake-up of the latch,
 * says true: then returns true.  The wake-up is not lost either way.
 */
bool
worker_pause_unless(long ms, bool (*stop) (void *arg), void *arg)
{
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);
	bool		woken = false;
	bool		stopped = false;

	while (!stopped)
	{
		long		remaining = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);

		if (remaining <= 0)
			break;
		if (WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					  remaining, PG_WAIT_EXTENSION) & WL_LATCH_SET)
		{
			ResetLatch(MyLatch);
			woken = true;
			CHECK_FOR_INTERRUPTS();
			stopped = stop != NULL && stop(arg);
		}
		CHECK_FOR_INTERRUPTS();
	}
	if (woken)
		SetLatch(MyLatch);
	return stopped;
}
