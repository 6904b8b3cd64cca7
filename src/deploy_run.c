/*-------------------------------------------------------------------------
 *
 * deploy_run.c
 *		The run of a client's deploy: which committed transactions of this
 *		session applied its migrations, so that the linter judges what an
 *		earlier migration of the same run created as new.
 *
 * A deploy commits one migration at a time, so a table that migration 1
 * created is, for migration 2, a table of another transaction: without
 * this, the linter would call it pre-existing and demand the slow-but-safe
 * pattern (CREATE INDEX CONCURRENTLY on a table created a moment ago), which
 * the same migrations run in one transaction do not need.
 *
 * Invariants:
 *	- a run starts with deploy_plan() and lasts until the next one or the
 *	  end of the session; it lives in backend memory only, so no other
 *	  session (and no SQL call) can make an object count as new;
 *	- only transactions that committed a deploy_step() are listed: an
 *	  aborted step is forgotten at abort;
 *	- the list is in xid order (a session's transactions get increasing
 *	  xids), so a lookup is a binary search.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xact.h"
#include "utils/memutils.h"

#include "deploy_run.h"

static TransactionId *run_xids = NULL;
static int	run_nxids = 0;
static int	run_capacity = 0;
static TransactionId pending_xid = InvalidTransactionId;
static bool callback_registered = false;

static void
deploy_run_xact_callback(XactEvent event, void *arg)
{
	if (!TransactionIdIsValid(pending_xid))
		return;
	if (event == XACT_EVENT_COMMIT)
	{
		if (run_nxids == run_capacity)
		{
			run_capacity = run_capacity == 0 ? 64 : run_capacity * 2;
			run_xids = run_xids == NULL
				? MemoryContextAlloc(TopMemoryContext, sizeof(TransactionId) * run_capacity)
				: repalloc(run_xids, sizeof(TransactionId) * run_capacity);
		}
		run_xids[run_nxids++] = pending_xid;
		pending_xid = InvalidTransactionId;
	}
	else if (event == XACT_EVENT_ABORT)
		pending_xid = InvalidTransactionId;
}

/* a new plan: what earlier runs of this session created is old now */
void
deploy_run_start(void)
{
	run_nxids = 0;
}

/* the current transaction applies a migration of the run (it has an xid) */
void
deploy_run_note_step(void)
{
	if (!callback_registered)
	{
		RegisterXactCallback(deploy_run_xact_callback, NULL);
		callback_registered = true;
	}
	pending_xid = GetCurrentTransactionId();
}

/* did a committed step of this session's run write a catalog row with this xmin? */
bool
deploy_run_created(TransactionId xmin)
{
	int			low = 0;
	int			high = run_nxids - 1;

	if (!TransactionIdIsNormal(xmin))
		return false;
	while (low <= high)
	{
		int			mid = (low + high) / 2;

		if (run_xids[mid] == xmin)
			return true;
		if (TransactionIdPrecedes(run_xids[mid], xmin))
			low = mid + 1;
		else
			high = mid - 1;
	}
	return false;
}
