/*-------------------------------------------------------------------------
 *
 * created.c
 *		Was a catalog object created in the current transaction?  Decided by
 *		creation, not by the last change to its catalog row.
 *
 * A row's xmin names the transaction that wrote its current version: a
 * GRANT, ALTER ... OWNER TO or RENAME earlier in the same migration rewrites
 * the row of an old schema or type, and xmin alone would then call the old
 * object new (and let DROP SCHEMA ... CASCADE through).  So:
 *	- a row whose current version is an UPDATE (HEAP_UPDATED) counts as new
 *	  only if this backend saw the object created in this transaction: the
 *	  object-access hook (OAT_POST_CREATE) records each creation with the
 *	  local transaction id, and a record of an earlier transaction is
 *	  stale;
 *	- a row inserted in this transaction and never updated is new.
 * The record is a short list, cleared when the transaction changes; it
 * costs one list append per created object and no catalog access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/objectaccess.h"
#include "storage/proc.h"
#include "utils/memutils.h"

#include "compat.h"
#include "lint/lint_internal.h"

typedef struct CreatedObject
{
	Oid			classid;
	Oid			objid;
} CreatedObject;

static object_access_hook_type prev_object_access = NULL;
static LocalTransactionId created_lxid = InvalidLocalTransactionId;
static List *created_objects = NIL;		/* CreatedObject *, in TopMemoryContext */

/* forget what an earlier transaction created */
static void
created_reset_if_stale(void)
{
	if (created_lxid != MyProcLocalTransactionId)
	{
		list_free_deep(created_objects);
		created_objects = NIL;
		created_lxid = MyProcLocalTransactionId;
	}
}

static void
created_object_access(ObjectAccessType access, Oid classId, Oid objectId,
					  int subId, void *arg)
{
	if (prev_object_access)
		prev_object_access(access, classId, objectId, subId, arg);
	if (access == OAT_POST_CREATE && subId == 0)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
		CreatedObject *c = palloc(sizeof(CreatedObject));

		created_reset_if_stale();
		c->classid = classId;
		c->objid = objectId;
		created_objects = lappend(created_objects, c);
		MemoryContextSwitchTo(old);
	}
}

void
lint_created_init(void)
{
	prev_object_access = object_access_hook;
	object_access_hook = created_object_access;
}

/*
 * Was the object whose catalog row (class classid, oid objid) is tup
 * created in this transaction?
 */
bool
catalog_row_created_here(HeapTuple tup, Oid classid, Oid objid)
{
	ListCell   *lc;

	if (!TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup->t_data)))
		return false;
	if (!(tup->t_data->t_infomask & HEAP_UPDATED))
		return true;
	created_reset_if_stale();
	foreach(lc, created_objects)
	{
		CreatedObject *c = lfirst(lc);

		if (c->classid == classid && c->objid == objid)
			return true;
	}
	return false;
}
