/*-------------------------------------------------------------------------
 *
 * events.c
 *		The linter's events (lint_warned, lint_allowed) and drift
 *		(ddl_outside_migration): queued while a statement runs, written to
 *		schemamig.events after it, drift when its transaction commits.
 *
 * Invariants:
 *	- an event is written in a subtransaction: a failure to record becomes
 *	  a WARNING and never breaks the user's statement; nothing is recorded
 *	  in read-only transactions or during recovery;
 *	- while an event is written, lint_writing_events is true and the hooks
 *	  leave our own statements alone;
 *	- queued events live in TopMemoryContext (a statement may commit
 *	  transactions of its own); the drift list lives in
 *	  TopTransactionContext and goes with the transaction.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "executor.h"
#include "lint/events.h"
#include "script.h"

/* true while we write our own events: their statements are not linted */
bool		lint_writing_events = false;

/* can events be written here: is schemamig (its events table) installed? */
bool
lint_extension_installed(void)
{
	Oid			nsp = get_namespace_oid("schemamig", true);

	return OidIsValid(nsp) && OidIsValid(get_relname_relid("events", nsp));
}

/*
 * Write one event; never lets a failure escape (except a cancel), so that
 * recording cannot break the statement being recorded.
 */
void
lint_record_event(const char *level, const char *event, const char *message,
				  const char *detail_json)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;

	if (XactReadOnly || RecoveryInProgress())
		return;

	lint_writing_events = true;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		catalog_log_event(level, event,
						  schemamig_running ? schemamig_running->version : NULL,
						  schemamig_running ? direction_name(schemamig_running->direction) : NULL,
						  NAN, NULL, message, detail_json);
		if (SPI_finish() != SPI_OK_FINISH)
			elog(ERROR, "SPI_finish failed");
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
		lint_writing_events = false;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
		lint_writing_events = false;
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
			ReThrowError(edata);
		ereport(WARNING,
				(errcode(edata->sqlerrcode),
				 errmsg("could not record schemamig event \"%s\"", event),
				 errdetail("%s", edata->message)));
	}
	PG_END_TRY();
}

/*
 * Events of a utility statement wait until it has run: a statement that
 * must be the first action of its transaction (DROP INDEX CONCURRENTLY)
 * would fail if we wrote a row before it, and only DDL that succeeded is
 * drift worth recording.  Kept in TopMemoryContext, because such
 * statements commit transactions of their own.
 */

List *
queue_event(List *queue, const char *level, const char *event,
			const char *message, const char *detail_json)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
	PendingEvent *e = palloc(sizeof(PendingEvent));

	e->level = pstrdup(level);
	e->event = pstrdup(event);
	e->message = message ? pstrdup(message) : NULL;
	e->detail = detail_json ? pstrdup(detail_json) : NULL;
	queue = lappend(queue, e);
	MemoryContextSwitchTo(old);
	return queue;
}

void
forget_events(List *queue)
{
	ListCell   *lc;

	foreach(lc, queue)
	{
		PendingEvent *e = lfirst(lc);

		pfree(e->level);
		pfree(e->event);
		if (e->message)
			pfree(e->message);
		if (e->detail)
			pfree(e->detail);
		pfree(e);
	}
	list_free(queue);
}

void
record_events(List *queue)
{
	ListCell   *lc;

	foreach(lc, queue)
	{
		PendingEvent *e = lfirst(lc);

		lint_record_event(e->level, e->event, e->message, e->detail);
	}
	forget_events(queue);
}

/*
 * Drift: persistent schema changes made outside migrations.  A transaction's
 * ddl_outside_migration events wait for its commit and are written then, in
 * one subtransaction; those of a subtransaction that rolls back are
 * forgotten, and so are those of DDL that touched only relations the
 * transaction created and dropped again (they changed nothing that lasts).
 * A DDL statement costs one row per transaction at most, and none for
 * scratch tables.  Kept in TopTransactionContext.
 */
typedef struct DriftEvent
{
	PendingEvent *event;
	Oid			new_relid;		/* relation created in this transaction that
								 * the statement created or touched, or
								 * InvalidOid */
	bool		only_new;		/* it touched no older relation */
	SubTransactionId subid;
} DriftEvent;

static List *drift_events = NIL;
static bool drift_callbacks_registered = false;

static void
drift_flush(void)
{
	List	   *keep = NIL;
	ListCell   *lc;

	foreach(lc, drift_events)
	{
		DriftEvent *d = lfirst(lc);

		if (d->only_new && OidIsValid(d->new_relid) &&
			!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(d->new_relid)))
			forget_events(list_make1(d->event));
		else
			keep = lappend(keep, d->event);
	}
	drift_events = NIL;
	/* DROP EXTENSION schemamig takes the event log with it: nothing to write */
	if (keep != NIL && !XactReadOnly && !RecoveryInProgress() && lint_extension_installed())
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		record_events(keep);
		PopActiveSnapshot();
	}
	else
		forget_events(keep);
}

static void
drift_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PRE_PREPARE)
	{
		if (drift_events != NIL)
			drift_flush();
	}
	else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_COMMIT ||
			 event == XACT_EVENT_PREPARE || event == XACT_EVENT_PARALLEL_ABORT)
	{
		ListCell   *lc;

		/* the list goes with TopTransactionContext, the events are ours */
		foreach(lc, drift_events)
			forget_events(list_make1(((DriftEvent *) lfirst(lc))->event));
		drift_events = NIL;
	}
}

static void
drift_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	ListCell   *lc;

	foreach(lc, drift_events)
	{
		DriftEvent *d = lfirst(lc);

		if (d->subid != mySubid)
			continue;
		if (event == SUBXACT_EVENT_COMMIT_SUB)
			d->subid = parentSubid;
		else if (event == SUBXACT_EVENT_ABORT_SUB)
		{
			forget_events(list_make1(d->event));
			drift_events = foreach_delete_current(drift_events, lc);
		}
	}
}

void
drift_note(PendingEvent *event, Oid new_relid, bool only_new)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	DriftEvent *d = palloc(sizeof(DriftEvent));

	if (!drift_callbacks_registered)
	{
		RegisterXactCallback(drift_xact_callback, NULL);
		RegisterSubXactCallback(drift_subxact_callback, NULL);
		drift_callbacks_registered = true;
	}
	d->event = event;
	d->new_relid = new_relid;
	d->only_new = only_new;
	d->subid = GetCurrentSubTransactionId();
	drift_events = lappend(drift_events, d);
	MemoryContextSwitchTo(old);
}
