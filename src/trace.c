/*-------------------------------------------------------------------------
 *
 * trace.c
 *		schemamig.trace(sql): run a script in a transaction that is always
 *		rolled back and measure, per statement and relation, the lock it
 *		took, whether it scanned or rewrote the relation, and how long it
 *		ran.
 *
 * Invariants:
 *	- everything runs inside one internal subtransaction that is rolled
 *	  back whatever happens (normal end, a statement's error, a cancel), so
 *	  nothing the script does persists except what PostgreSQL never rolls
 *	  back (nextval() of sequences);
 *	- each statement runs in a subtransaction of its own inside that one:
 *	  it is released when the statement succeeds, so later statements see
 *	  its effects, and rolled back when it fails, so the trace goes on;
 *	- statements run through SPI as the caller, with the caller's
 *	  search_path; lock_timeout is at most TRACE_LOCK_TIMEOUT (also after a
 *	  SET in the script), so a statement that would queue behind another
 *	  session's lock is reported as "lock_timeout" after that long instead
 *	  of waiting;
 *	- the safety linter's hook does not block the traced statements
 *	  (schemamig.lint = off inside the trace); each statement's findings
 *	  come from schemamig.lint() over the whole script, as the user would
 *	  see them;
 *	- a relation's lock is the strongest mode this backend holds on it
 *	  after the statement that it did not hold before (read from the lock
 *	  manager); "rewritten" compares pg_class.relfilenode seen by a
 *	  snapshot taken before the statement with the one after it; "scanned"
 *	  compares this backend's pending statistics counters of sequential
 *	  scans (table) and index scans (index) before and after the statement;
 *	- a relation the statement already held in the mode it needed (an
 *	  earlier statement of the script took it) is still reported when the
 *	  statement changed its pg_class row, scanned or rewrote it, with a
 *	  NULL lock_mode and the mode held in detail; detail also names a
 *	  stronger mode held before when the statement took a weaker new one;
 *	- relations of the system catalogs (OIDs below FirstNormalObjectId) are
 *	  left out, as every DDL statement writes to them; so are TOAST tables
 *	  (their table's row speaks for them) and the transient relations of a
 *	  rewrite (absent before and after the statement);
 *	- statements that cannot run in a transaction block are not run; they
 *	  are reported as "not_traced" with the lock PostgreSQL documents for
 *	  them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "pgstat.h"
#include "portability/instr_time.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "backfill.h"
#include "script.h"

/*
 * The longest a traced statement waits for a lock.  Short enough that a
 * statement queued behind another session's lock does not hold up that
 * table's readers for long (everything queued behind the trace waits too),
 * long enough that a lock free a moment later is still taken.
 */
#define TRACE_LOCK_TIMEOUT_MS	100
#define TRACE_LOCK_TIMEOUT		"100ms"

#define TRACE_COLUMNS			11

PG_FUNCTION_INFO_V1(schemamig_trace);

/* one result row; scanned and rewritten are -1 when not measured */
typedef struct TraceRow
{
	int			statement_no;
	int			line;
	Oid			relid;			/* InvalidOid: no relation */
	char	   *relation_name;
	const char *lock_mode;		/* NULL: none */
	int			scanned;
	int			rewritten;
	double		duration_ms;	/* < 0: not run */
	const char *outcome;
	char	   *detail;
	Datum		lint_rules;		/* text[] */
} TraceRow;

/* relation locks this backend holds: relid -> mask of modes */
typedef struct HeldLocks
{
	Oid			relid;
	LOCKMASK	mask;
} HeldLocks;

/* pending statistics counter of scans: relid -> count */
typedef struct ScanCount
{
	Oid			relid;
	int64		scans;
} ScanCount;

typedef struct TraceState
{
	MemoryContext mcxt;			/* where rows live: the function's context */
	ResourceOwner owner;		/* the outer subtransaction's */
	List	   *rows;			/* TraceRow * */
	Datum	   *lint_rules;		/* per statement number, text[] */
} TraceState;

static bool
user_relation(Oid relid)
{
	return relid >= FirstNormalObjectId;
}

/* the relation locks this backend holds now, in a hash table by relid */
static HTAB *
held_relation_locks(void)
{
	HASHCTL		ctl;
	HTAB	   *held;
	LockData   *data;
	int			i;

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(HeldLocks);
	ctl.hcxt = CurrentMemoryContext;
	held = hash_create("schemamig trace locks", 64, &ctl,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	data = GetLockStatusData();
	for (i = 0; i < data->nelements; i++)
	{
		LockInstanceData *lock = &data->locks[i];
		HeldLocks  *entry;
		bool		found;

		if (lock->pid != MyProcPid || lock->holdMask == 0 ||
			lock->locktag.locktag_type != LOCKTAG_RELATION ||
			lock->locktag.locktag_field1 != MyDatabaseId ||
			!user_relation(lock->locktag.locktag_field2))
			continue;
		entry = hash_search(held, &lock->locktag.locktag_field2, HASH_ENTER, &found);
		if (!found)
			entry->mask = 0;
		entry->mask |= lock->holdMask;
	}
	pfree(data->locks);
	pfree(data);
	return held;
}

static LOCKMASK
held_mask(HTAB *held, Oid relid)
{
	HeldLocks  *entry = hash_search(held, &relid, HASH_FIND, NULL);

	return entry ? entry->mask : 0;
}

static int64
pending_scans(Oid relid)
{
	return DatumGetInt64(DirectFunctionCall1(pg_stat_get_xact_numscans,
											 ObjectIdGetDatum(relid)));
}

/*
 * This backend's pending scan counters of every user table, index,
 * materialized view and TOAST table that has one.  The relations a
 * statement will touch are not known before it runs, and a counter can
 * hold scans of earlier transactions that are not yet flushed, so the
 * before-values are read for all of them.
 */
static HTAB *
scan_counts(void)
{
	HASHCTL		ctl;
	HTAB	   *counts;
	Relation	pg_class;
	SysScanDesc scan;
	HeapTuple	tuple;

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(ScanCount);
	ctl.hcxt = CurrentMemoryContext;
	counts = hash_create("schemamig trace scans", 64, &ctl,
						 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	pg_class = table_open(RelationRelationId, AccessShareLock);
	scan = systable_beginscan(pg_class, InvalidOid, false, NULL, 0, NULL);
	while ((tuple = systable_getnext(scan)) != NULL)
	{
		Form_pg_class form = (Form_pg_class) GETSTRUCT(tuple);
		int64		scans;

		if (!user_relation(form->oid) || !RELKIND_HAS_STORAGE(form->relkind))
			continue;
		scans = pending_scans(form->oid);
		if (scans != 0)
		{
			ScanCount  *entry = hash_search(counts, &form->oid, HASH_ENTER, NULL);

			entry->scans = scans;
		}
	}
	systable_endscan(scan);
	table_close(pg_class, AccessShareLock);
	return counts;
}

static bool
scanned_since(HTAB *before, Oid relid)
{
	ScanCount  *entry = hash_search(before, &relid, HASH_FIND, NULL);

	return pending_scans(relid) > (entry ? entry->scans : 0);
}

/* a relation's pg_class row as one snapshot sees it */
typedef struct ClassRow
{
	bool		exists;
	Oid			relfilenode;
	ItemPointerData tid;		/* changes with every update of the row */
	Oid			relnamespace;
	char	   *name;			/* qualified and quoted */
} ClassRow;

/* relid's pg_class row as the snapshot sees it (NULL: the catalog now) */
static ClassRow
class_row_as_of(Oid relid, Snapshot snapshot)
{
	Relation	pg_class;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	ClassRow	row;

	memset(&row, 0, sizeof(row));
	pg_class = table_open(RelationRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_class_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(pg_class, ClassOidIndexId, true, snapshot, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		Form_pg_class form = (Form_pg_class) GETSTRUCT(tuple);
		char	   *nspname = get_namespace_name(form->relnamespace);

		row.exists = true;
		row.relfilenode = form->relfilenode;
		row.tid = tuple->t_self;
		row.relnamespace = form->relnamespace;
		row.name = nspname
			? quote_qualified_identifier(nspname, NameStr(form->relname))
			: pstrdup(quote_identifier(NameStr(form->relname)));
	}
	systable_endscan(scan);
	table_close(pg_class, AccessShareLock);
	return row;
}

static LOCKMODE
strongest_mode(LOCKMASK mask)
{
	LOCKMODE	mode;

	for (mode = MaxLockMode; mode > NoLock; mode--)
		if (mask & LOCKBIT_ON(mode))
			return mode;
	return NoLock;
}

static TraceRow *
new_row(TraceState *ts, ScriptStatement *s, const char *outcome)
{
	TraceRow   *row = MemoryContextAllocZero(ts->mcxt, sizeof(TraceRow));

	row->statement_no = s->number;
	row->line = s->line;
	row->relid = InvalidOid;
	row->scanned = -1;
	row->rewritten = -1;
	row->duration_ms = -1;
	row->outcome = outcome;
	row->lint_rules = ts->lint_rules[s->number];
	ts->rows = lappend(ts->rows, row);
	return row;
}

/*
 * After a statement ran, inside its subtransaction: one row per user
 * relation it locked anew, scanned or rewrote.  An index scan counts as a
 * scan of the index and of its table.
 */
static void
measure_statement(TraceState *ts, ScriptStatement *s, HTAB *locks_before,
				  HTAB *scans_before, Snapshot before, double duration_ms)
{
	HTAB	   *locks_after = held_relation_locks();
	HASH_SEQ_STATUS seq;
	HeldLocks  *held;
	List	   *scanned_tables = NIL;
	MemoryContext old;
	int			nrows = 0;

	hash_seq_init(&seq, locks_after);
	while ((held = hash_seq_search(&seq)) != NULL)
		if (pgstat_track_counts && get_rel_relkind(held->relid) == RELKIND_INDEX &&
			scanned_since(scans_before, held->relid))
			scanned_tables = lappend_oid(scanned_tables, IndexGetRelation(held->relid, false));

	hash_seq_init(&seq, locks_after);
	while ((held = hash_seq_search(&seq)) != NULL)
	{
		LOCKMASK	held_before = held_mask(locks_before, held->relid);
		LOCKMASK	acquired = held->mask & ~held_before;
		ClassRow	was = class_row_as_of(held->relid, before);
		ClassRow	is = class_row_as_of(held->relid, NULL);
		bool		rewritten = was.exists && is.exists && was.relfilenode != is.relfilenode;
		bool		changed = was.exists && (!is.exists || !ItemPointerEquals(&was.tid, &is.tid));
		int			scanned = -1;
		TraceRow   *row;

		/* transient relations of a rewrite, and TOAST (its table's row says it) */
		if ((!was.exists && !is.exists) ||
			(is.exists ? is.relnamespace : was.relnamespace) == PG_TOAST_NAMESPACE)
			continue;
		if (pgstat_track_counts)
			scanned = (is.exists && scanned_since(scans_before, held->relid)) ||
				list_member_oid(scanned_tables, held->relid);
		if (acquired == 0 && !rewritten && !changed && scanned != 1)
			continue;

		old = MemoryContextSwitchTo(ts->mcxt);
		row = new_row(ts, s, "ok");
		row->relid = held->relid;
		row->relation_name = pstrdup(is.exists ? is.name : was.name);
		if (acquired)
			row->lock_mode = GetLockmodeName(DEFAULT_LOCKMETHOD, strongest_mode(acquired));
		if (!acquired)
			row->detail = psprintf("no lock it did not already hold: an earlier statement took %s",
								   GetLockmodeName(DEFAULT_LOCKMETHOD, strongest_mode(held->mask)));
		else if (strongest_mode(held_before) > strongest_mode(acquired))
			row->detail = psprintf("a stronger lock was already held: an earlier statement took %s",
								   GetLockmodeName(DEFAULT_LOCKMETHOD, strongest_mode(held_before)));
		row->scanned = scanned;
		row->rewritten = rewritten;
		row->duration_ms = duration_ms;
		MemoryContextSwitchTo(old);
		nrows++;
	}

	if (nrows == 0)
	{
		old = MemoryContextSwitchTo(ts->mcxt);
		new_row(ts, s, "ok")->duration_ms = duration_ms;
		MemoryContextSwitchTo(old);
	}
	hash_destroy(locks_after);
}

/* a row for a relation a not-traced statement names, with its documented lock */
static void
not_traced_row(TraceState *ts, ScriptStatement *s, RangeVar *rv, List *names,
			   LOCKMODE mode, const char *detail)
{
	TraceRow   *row = new_row(ts, s, "not_traced");
	Oid			relid = InvalidOid;

	if (rv == NULL && names != NIL)
		rv = makeRangeVarFromNameList(names);
	if (rv != NULL)
		relid = RangeVarGetRelid(rv, NoLock, true);
	row->relid = relid;
	if (OidIsValid(relid))
		row->relation_name = MemoryContextStrdup(ts->mcxt,
												 quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
																			get_rel_name(relid)));
	else if (rv != NULL)
		row->relation_name = MemoryContextStrdup(ts->mcxt, quote_identifier(rv->relname));
	row->lock_mode = mode != NoLock ? GetLockmodeName(DEFAULT_LOCKMETHOD, mode) : NULL;
	row->detail = MemoryContextStrdup(ts->mcxt, detail);
}

/*
 * A statement that cannot run in a transaction block: the relations it
 * names with the lock the PostgreSQL documentation gives for it (for a
 * batched statement, the lock each of its batches takes).
 */
static void
report_not_traced(TraceState *ts, ScriptStatement *s)
{
	Node	   *stmt = s->parsetree;
	char	   *detail = psprintf("%s cannot run inside a transaction block; the lock shown is the one PostgreSQL documents for it",
								  s->top_level_only);
	ListCell   *lc;

	/* a batched statement (backfill.c): many short transactions, each with its rows */
	if (s->batch)
	{
		not_traced_row(ts, s, s->batch->relation, NIL, RowExclusiveLock,
					   psprintf("the schemamig worker runs it in batches of %d rows along the table's key, each batch a transaction of its own holding ROW EXCLUSIVE and its rows' locks until it commits",
								s->batch->size));
		return;
	}
	switch (nodeTag(stmt))
	{
		case T_IndexStmt:
			not_traced_row(ts, s, ((IndexStmt *) stmt)->relation, NIL,
						   ShareUpdateExclusiveLock, detail);
			return;
		case T_DropStmt:
			foreach(lc, ((DropStmt *) stmt)->objects)
				not_traced_row(ts, s, NULL, lfirst(lc), ShareUpdateExclusiveLock, detail);
			return;
		case T_ReindexStmt:
			{
				ReindexStmt *reindex = (ReindexStmt *) stmt;
				bool		concurrently = script_option_is_true(reindex->params, "concurrently", false);

				/* without CONCURRENTLY: SHARE on each table, ACCESS EXCLUSIVE on its indexes */
				if (!concurrently)
					not_traced_row(ts, s, reindex->relation, NIL, ShareLock, detail);
				not_traced_row(ts, s, reindex->relation, NIL,
							   concurrently ? ShareUpdateExclusiveLock : AccessExclusiveLock,
							   detail);
				return;
			}
		case T_VacuumStmt:
			{
				VacuumStmt *vacuum = (VacuumStmt *) stmt;
				LOCKMODE	mode = script_option_is_true(vacuum->options, "full", false)
				? AccessExclusiveLock : ShareUpdateExclusiveLock;

				if (vacuum->rels == NIL)
					not_traced_row(ts, s, NULL, NIL, mode, detail);
				foreach(lc, vacuum->rels)
					not_traced_row(ts, s, lfirst_node(VacuumRelation, lc)->relation, NIL,
								   mode, detail);
				return;
			}
		case T_ClusterStmt:
			not_traced_row(ts, s, NULL, NIL, AccessExclusiveLock, detail);
			return;
		case T_AlterTableStmt:
			{
				AlterTableStmt *alter = (AlterTableStmt *) stmt;

				/* DETACH PARTITION CONCURRENTLY */
				not_traced_row(ts, s, alter->relation, NIL, ShareUpdateExclusiveLock, detail);
				foreach(lc, alter->cmds)
				{
					AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

					if (cmd->subtype == AT_DetachPartition)
						not_traced_row(ts, s, ((PartitionCmd *) cmd->def)->name, NIL,
									   ShareUpdateExclusiveLock, detail);
				}
				return;
			}
		default:
			/* databases, tablespaces, subscriptions, ALTER SYSTEM: no relation */
			not_traced_row(ts, s, NULL, NIL, NoLock, detail);
			return;
	}
}

/* lock_timeout no longer than the trace's, and the hook not blocking */
static void
trace_settings(void)
{
	if (LockTimeout == 0 || LockTimeout > TRACE_LOCK_TIMEOUT_MS)
		(void) set_config_option("lock_timeout", TRACE_LOCK_TIMEOUT,
								 PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("schemamig.lint", "off",
							 PGC_SUSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
}

static double
elapsed_ms(instr_time start)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, start);
	return INSTR_TIME_GET_MILLISEC(now);
}

/*
 * Run one statement in a subtransaction of its own and measure it.  Errors
 * of the statement become a row; a cancel (statement_timeout, the user)
 * ends the trace.
 */
static void
trace_statement(TraceState *ts, ScriptStatement *s)
{
	HTAB	   *locks_before;
	HTAB	   *scans_before;
	Snapshot	before;
	instr_time	start;

	if (s->top_level_only)
	{
		report_not_traced(ts, s);
		return;
	}

	trace_settings();
	CommandCounterIncrement();
	locks_before = held_relation_locks();
	scans_before = scan_counts();
	before = RegisterSnapshot(GetLatestSnapshot());

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(ts->mcxt);
	INSTR_TIME_SET_CURRENT(start);
	PG_TRY();
	{
		int			rc = SPI_execute(s->text, false, 0);
		double		duration_ms = elapsed_ms(start);

		if (rc < 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("statement cannot be traced"),
					 errdetail("%s", SPI_result_code_string(rc))));
		SPI_freetuptable(SPI_tuptable);
		CommandCounterIncrement();
		measure_statement(ts, s, locks_before, scans_before, before, duration_ms);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(ts->mcxt);
		CurrentResourceOwner = ts->owner;
	}
	PG_CATCH();
	{
		double		duration_ms = elapsed_ms(start);
		ErrorData  *edata;
		TraceRow   *row;

		MemoryContextSwitchTo(ts->mcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(ts->mcxt);
		CurrentResourceOwner = ts->owner;

		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN)
			ReThrowError(edata);

		row = new_row(ts, s, edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE
					  ? "lock_timeout" : "failed");
		row->duration_ms = duration_ms;
		row->detail = psprintf("%s: %s", unpack_sql_state(edata->sqlerrcode), edata->message);
		FreeErrorData(edata);
	}
	PG_END_TRY();
	UnregisterSnapshot(before);
	hash_destroy(locks_before);
	hash_destroy(scans_before);
}

/* each statement's lint() rule ids, as text[], indexed by statement number */
static Datum *
lint_rules_by_statement(const char *sql, int nstatements, MemoryContext mcxt)
{
	Datum	   *rules = MemoryContextAlloc(mcxt, sizeof(Datum) * (nstatements + 1));
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	uint64		i;
	int			n;

	for (n = 0; n <= nstatements; n++)
		rules[n] = PointerGetDatum(construct_empty_array(TEXTOID));

	args[0] = CStringGetTextDatum(sql);
	if (SPI_execute_with_args("SELECT l.statement_no, pg_catalog.array_agg(l.rule ORDER BY l.rule)"
							  " FROM schemamig.lint($1) AS l GROUP BY l.statement_no",
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not run schemamig.lint() for the trace");

	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		int			no = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		Datum		array = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull);
		MemoryContext old;

		if (no < 1 || no > nstatements || isnull)
			continue;
		old = MemoryContextSwitchTo(mcxt);
		rules[no] = PointerGetDatum(DatumGetArrayTypePCopy(array));
		MemoryContextSwitchTo(old);
	}
	SPI_freetuptable(SPI_tuptable);
	return rules;
}

static void
emit_rows(ReturnSetInfo *rsinfo, List *rows)
{
	ListCell   *lc;

	foreach(lc, rows)
	{
		TraceRow   *row = lfirst(lc);
		Datum		values[TRACE_COLUMNS];
		bool		nulls[TRACE_COLUMNS];

		memset(nulls, 0, sizeof(nulls));
		values[0] = Int32GetDatum(row->statement_no);
		values[1] = Int32GetDatum(row->line);
		values[2] = ObjectIdGetDatum(row->relid);
		nulls[2] = !OidIsValid(row->relid);
		values[3] = row->relation_name ? CStringGetTextDatum(row->relation_name) : (Datum) 0;
		nulls[3] = row->relation_name == NULL;
		values[4] = row->lock_mode ? CStringGetTextDatum(row->lock_mode) : (Datum) 0;
		nulls[4] = row->lock_mode == NULL;
		values[5] = BoolGetDatum(row->scanned == 1);
		nulls[5] = row->scanned < 0;
		values[6] = BoolGetDatum(row->rewritten == 1);
		nulls[6] = row->rewritten < 0;
		values[7] = Float8GetDatum(row->duration_ms);
		nulls[7] = row->duration_ms < 0;
		values[8] = CStringGetTextDatum(row->outcome);
		values[9] = row->detail ? CStringGetTextDatum(row->detail) : (Datum) 0;
		nulls[9] = row->detail == NULL;
		values[10] = row->lint_rules;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

Datum
schemamig_trace(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ResourceOwner caller_owner = CurrentResourceOwner;
	TraceState	ts;
	Script	   *script;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	script_check_text(sql, "trace", MIGRATION_UP);
	script = script_split(sql, "trace", MIGRATION_UP);

	memset(&ts, 0, sizeof(ts));
	ts.mcxt = CurrentMemoryContext;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(ts.mcxt);

	/* the outer subtransaction: always rolled back */
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(ts.mcxt);
	ts.owner = CurrentResourceOwner;
	PG_TRY();
	{
		trace_settings();
		ts.lint_rules = lint_rules_by_statement(sql, list_length(script->statements), ts.mcxt);
		foreach(lc, script->statements)
		{
			CHECK_FOR_INTERRUPTS();
			trace_statement(&ts, lfirst(lc));
		}
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(ts.mcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(ts.mcxt);
		CurrentResourceOwner = caller_owner;
		ReThrowError(edata);
	}
	PG_END_TRY();

	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(ts.mcxt);
	CurrentResourceOwner = caller_owner;
	SPI_finish();

	emit_rows(rsinfo, ts.rows);
	return (Datum) 0;
}
