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
 *	  worker exits if the postmaster dies.
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
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);
	bool		woken = false;

	for (;;)
	{
		long		remaining = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);

		if (remaining <= 0)
			break;
		if (WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					  remaining, PG_WAIT_EXTENSION) & WL_LATCH_SET)
		{
			ResetLatch(MyLatch);
			woken = true;
		}
		CHECK_FOR_INTERRUPTS();
	}
	if (woken)
		SetLatch(MyLatch);
}
