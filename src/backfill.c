/*-------------------------------------------------------------------------
 *
 * backfill.c
 *		Running a batched UPDATE or DELETE in the worker: the key walk, one
 *		transaction per batch, progress in schemamig.backfills, throttling
 *		and cancellation (doc/backfill.md).
 *
 * Invariants:
 *	- one pass along the key in ascending order, in its index's
 *	  collation: a batch first reads the next size keys after the last one
 *	  done (lo), the highest of them is hi, then the statement runs with its own WHERE and lo < key <= hi.
 *	  The key may not be assigned (backfill_directive.c), so a row is met
 *	  by one batch only and changed at most once, even if the statement's
 *	  WHERE still matches it afterwards.  A trigger that moves a row's key
 *	  out of the batch's range (RETURNING sees it) fails the batch;
 *	- last_key is written under fixed output settings (render_key), and a
 *	  resume refuses a key whose columns, types or collations changed;
 *	- a batch and its progress row (last key done, rows, batches) commit
 *	  in one transaction: after a crash, SIGKILL or restart the walk goes
 *	  on from the last committed batch, so no batch is applied twice and
 *	  none is skipped.  A job interrupted in its batched statement is
 *	  queued again at the worker's first pass
 *	  (jobs_requeue_interrupted_backfills) and resumes there
 *	  (backfill_resume_point);
 *	- a batch runs as the job's role, under schemamig.lock_timeout and
 *	  schemamig.statement_timeout and what the script has SET before it
 *	  (executor_run_batch).  A batch that gives up waiting for a lock is
 *	  tried again after the pauses of lock_retry.h, within
 *	  schemamig.lock_retry_budget counted from its first attempt; one that
 *	  hits statement_timeout is tried again at half the size (an event and
 *	  a LOG line say so), down to one row;
 *	- between batches the directive's pause; before each batch, with
 *	  schemamig.backfill_max_lag set, a wait while a streaming replica's
 *	  replay lag exceeds it.  The lag of a replica is the larger of its
 *	  replay_lag and the age of the oldest batch commit it has not replayed
 *	  (replay_lag goes stale while replay is paused);
 *	- schemamig.cancel(job) (jobs.c) asks the worker to stop: a backfill
 *	  stops before its next batch, during the pause between batches or
 *	  after a lock timeout (the cancel wakes it) or while it waits for a
 *	  replica, the
 *	  progress row says 'cancelled' and how far it got, and the job ends
 *	  cancelled (job_runner.c);
 *	- progress and events are written as the extension owner
 *	  (catalog_enter), replication is read as the worker's own role;
 *	- memory does not grow with the number of batches: what a batch (or a
 *	  look at the replicas) allocates is in a context reset before the
 *	  next one; only the last key and the unreplayed commits are kept.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/interrupt.h"
#include "storage/latch.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/pg_lsn.h"
#include "utils/snapmgr.h"

#include "backfill.h"
#include "catalog.h"
#include "executor.h"
#include "jobs.h"
#include "lock_retry.h"
#include "redact.h"
#include "schemamig.h"
#include "worker_pause.h"
#include "script.h"

/* how often a wait for a replica looks again */
#define LAG_POLL_MS 200

/* a batch's commit: where the WAL was, and when */
typedef struct WalMark
{
	XLogRecPtr	lsn;
	TimestampTz at;
} WalMark;

/* one backfill as it runs */
typedef struct Walk
{
	BackfillRun *run;
	ScriptStatement *s;
	BackfillDirective *batch;
	BackfillKey key;
	MemoryContext context;		/* what lasts the walk: the key, marks, errors */
	MemoryContext scratch;		/* the current batch's (or wait's) allocations */
	char	   *last_key;		/* text of the last key done, or NULL */
	int64		rows_changed;
	int64		batches;
	int			size;
	List	   *marks;			/* WalMark * not yet replayed everywhere */
	bool		waiting;		/* for a replica */
} Walk;

/* ---- transactions ---- */

static void
walk_begin(Walk *w, Oid role)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SetUserIdAndSecContext(role, SECURITY_LOCAL_USERID_CHANGE);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PushActiveSnapshot(GetTransactionSnapshot());
	MemoryContextSwitchTo(w->scratch);
}

static void
walk_commit(Walk *w)
{
	PopActiveSnapshot();
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");
	SetUserIdAndSecContext(w->run->worker_role, 0);
	CommitTransactionCommand();
	MemoryContextSwitchTo(w->scratch);
}

/* in PG_CATCH: the error, copied; the transaction aborted */
static ErrorData *
walk_abort(Walk *w)
{
	ErrorData  *edata;

	MemoryContextSwitchTo(w->context);
	EmitErrorReport();
	edata = CopyErrorData();
	FlushErrorState();
	AbortCurrentTransaction();
	SetUserIdAndSecContext(w->run->worker_role, 0);
	MemoryContextSwitchTo(w->scratch);
	return edata;
}

/* SQL on schemamig.backfills as the extension owner: the rows, or -1 on error */
static uint64
progress_sql(Walk *w, const char *sql, int nargs, Oid *argtypes, Datum *values,
			 const char *nulls)
{
	CatalogAccess access;
	int			rc;

	catalog_enter(&access);
	rc = SPI_execute_with_args(sql, nargs, argtypes, values, nulls, false, 0);
	MemoryContextSwitchTo(w->scratch);
	catalog_leave(&access);
	if (rc < 0)
		elog(ERROR, "schemamig backfill bookkeeping failed: %s", sql);
	return SPI_processed;
}

/* the three columns that name a backfill's row */
#define ROW_ARGS 3
static void
row_key(Walk *w, Oid *argtypes, Datum *values)
{
	argtypes[0] = TEXTOID;
	argtypes[1] = TEXTOID;
	argtypes[2] = INT4OID;
	values[0] = CStringGetTextDatum(w->run->version);
	values[1] = CStringGetTextDatum(direction_name(w->run->direction));
	values[2] = Int32GetDatum(w->s->number);
}

#define ROW_WHERE "WHERE version OPERATOR(pg_catalog.=) $1 AND direction OPERATOR(pg_catalog.=) $2 " \
	"AND statement_no OPERATOR(pg_catalog.=) $3"

static void
set_state(Walk *w, const char *state)
{
	Oid			argtypes[ROW_ARGS + 1];
	Datum		values[ROW_ARGS + 1];

	row_key(w, argtypes, values);
	argtypes[ROW_ARGS] = TEXTOID;
	values[ROW_ARGS] = CStringGetTextDatum(state);
	(void) progress_sql(w, "UPDATE schemamig.backfills SET state = $4, updated_at = pg_catalog.clock_timestamp(), "
						"  finished_at = CASE WHEN $4 OPERATOR(pg_catalog.=) ANY ('{done,cancelled,failed}') "
						"    THEN pg_catalog.clock_timestamp() END " ROW_WHERE,
						ROW_ARGS + 1, argtypes, values, NULL);
}

/* whether schemamig.cancel() asked the job to stop (never a recovery's) */
static bool
cancel_requested(Walk *w)
{
	bool		requested;

	if (w->run->job == 0)
		return false;
	requested = jobs_cancel_requested(w->run->job);
	MemoryContextSwitchTo(w->scratch);
	return requested;
}

static void
walk_event(Walk *w, const char *level, const char *event, const char *sqlstate,
		   const char *message)
{
	catalog_log_event(level, event, w->run->version, direction_name(w->run->direction), NAN,
					  sqlstate, message,
					  psprintf("{\"job\": " INT64_FORMAT ", \"statement\": %d, \"batches\": " INT64_FORMAT
							   ", \"rows_changed\": " INT64_FORMAT ", \"batch_size\": %d}",
							   w->run->job, w->s->number, w->batches, w->rows_changed, w->size));
	MemoryContextSwitchTo(w->scratch);
}

/* ---- the start: the key, and a fresh or resumed progress row ---- */

/* the table's oid as the script names it, under the script's settings */
static Oid
resolve_table(Walk *w)
{
	RangeVar   *rv = w->batch->relation;
	char	   *sql = psprintf("SELECT pg_catalog.to_regclass(%s)::pg_catalog.oid",
							   quote_literal_cstr(quote_qualified_identifier(rv->schemaname, rv->relname)));
	bool		isnull;
	Datum		oid;

	(void) executor_run_batch(w->run->version, w->run->direction, w->s, sql, w->run->settings);
	MemoryContextSwitchTo(w->scratch);
	oid = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? InvalidOid : DatumGetObjectId(oid);
}

static void
start_walk(Walk *w)
{
	Oid			argtypes[11];
	Datum		values[11];
	char		nulls[11];
	const char *why;
	Oid			relid;

	walk_begin(w, w->run->role);
	relid = resolve_table(w);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s\" of batched statement %d does not exist",
						w->batch->relation->relname, w->s->number)));
	why = backfill_key_of(w->batch, w->s, relid, &w->key);
	if (why)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("statement %d of migration \"%s\" cannot be batched", w->s->number, w->run->version),
				 errdetail("%s.", why)));
	{
		/* the key lasts the walk; backfill_key_of() made it in SPI's memory */
		MemoryContext old = MemoryContextSwitchTo(w->context);
		char	  **columns = palloc(sizeof(char *) * w->key.ncolumns);
		char	  **types = palloc(sizeof(char *) * w->key.ncolumns);
		char	  **collations = palloc(sizeof(char *) * w->key.ncolumns);
		int			i;

		for (i = 0; i < w->key.ncolumns; i++)
		{
			columns[i] = pstrdup(w->key.columns[i]);
			types[i] = pstrdup(w->key.types[i]);
			collations[i] = w->key.collations[i] ? pstrdup(w->key.collations[i]) : NULL;
		}
		w->key.columns = columns;
		w->key.types = types;
		w->key.collations = collations;
		w->key.definition = pstrdup(w->key.definition);
		w->key.relation = pstrdup(w->key.relation);
		w->key.column = pstrdup(w->key.column);
		MemoryContextSwitchTo(old);
	}

	row_key(w, argtypes, values);
	memset(nulls, ' ', sizeof(nulls));
	if (w->run->resume &&
		progress_sql(w, "SELECT last_key, rows_changed, batches, batch_size, state, key_definition "
					 "FROM schemamig.backfills " ROW_WHERE,
					 ROW_ARGS, argtypes, values, NULL) == 1)
	{
		HeapTuple	row = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		bool		done = strcmp(SPI_getvalue(row, desc, 5), "done") == 0;
		char	   *last_key = SPI_getvalue(row, desc, 1);
		char	   *definition = SPI_getvalue(row, desc, 6);

		/*
		 * The last key done means something only along the key it was
		 * taken from: another type, column or collation orders the rows
		 * otherwise, and the walk would skip some and repeat others.
		 */
		if (!done && definition && strcmp(definition, w->key.definition) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the key of %s changed since the backfill began: it was %s, it is %s",
							w->key.relation, definition, w->key.definition),
					 errdetail("Statement %d of migration \"%s\" walked %lld batches up to key %s; that position means nothing along the new key.",
							   w->s->number, w->run->version,
							   (long long) DatumGetInt64(SPI_getbinval(row, desc, 3, &isnull)),
							   last_key ? last_key : "(none)"),
					 errhint("Put the key back as it was and queue the migration again, or undo the batches with schemamig.recover('%s') (its down script) and apply it again from the start.",
							 w->run->version)));

		w->last_key = last_key ? MemoryContextStrdup(w->context, last_key) : NULL;
		w->rows_changed = DatumGetInt64(SPI_getbinval(row, desc, 2, &isnull));
		w->batches = DatumGetInt64(SPI_getbinval(row, desc, 3, &isnull));
		w->size = DatumGetInt32(SPI_getbinval(row, desc, 4, &isnull));
		w->run->took_effect = w->batches > 0;
		argtypes[ROW_ARGS] = INT8OID;
		values[ROW_ARGS] = Int64GetDatum(w->run->job);
		argtypes[ROW_ARGS + 1] = TEXTOID;
		values[ROW_ARGS + 1] = CStringGetTextDatum(w->key.definition);
		(void) progress_sql(w, "UPDATE schemamig.backfills SET job = $4, "
							"  key_definition = COALESCE(key_definition, $5), "
							"  state = CASE WHEN state OPERATOR(pg_catalog.=) 'done' THEN state ELSE 'running' END, "
							"  finished_at = CASE WHEN state OPERATOR(pg_catalog.=) 'done' THEN finished_at END, "
							"  updated_at = pg_catalog.clock_timestamp() " ROW_WHERE,
							ROW_ARGS + 2, argtypes, values, NULL);
		walk_event(w, "info", "backfill_resumed", NULL,
				   done
				   ? psprintf("statement %d: the batched %s of %s was done already", w->s->number,
							  w->batch->is_delete ? "DELETE" : "UPDATE", w->key.relation)
				   : psprintf("statement %d: the batched %s of %s resumes after key %s (%lld batches, %lld rows so far)",
							  w->s->number, w->batch->is_delete ? "DELETE" : "UPDATE", w->key.relation,
							  w->last_key ? w->last_key : "(none)",
							  (long long) w->batches, (long long) w->rows_changed));
		walk_commit(w);
		if (done)
			w->size = 0;		/* nothing left to do */
		return;
	}

	(void) progress_sql(w, "DELETE FROM schemamig.backfills " ROW_WHERE, ROW_ARGS, argtypes, values, NULL);
	argtypes[3] = INT8OID;
	values[3] = Int64GetDatum(w->run->job);
	nulls[3] = w->run->job != 0 ? ' ' : 'n';
	argtypes[4] = TEXTOID;
	values[4] = CStringGetTextDatum(w->key.relation);
	argtypes[5] = TEXTOID;
	values[5] = CStringGetTextDatum(w->key.column);
	argtypes[6] = TEXTOID;
	values[6] = CStringGetTextDatum(w->batch->is_delete ? "DELETE" : "UPDATE");
	argtypes[7] = INT4OID;
	values[7] = Int32GetDatum(w->size);
	argtypes[8] = INT4OID;
	values[8] = Int32GetDatum(w->batch->pause_ms);
	argtypes[9] = OIDOID;
	values[9] = ObjectIdGetDatum(w->key.relid);
	argtypes[10] = TEXTOID;
	values[10] = CStringGetTextDatum(w->key.definition);
	(void) progress_sql(w, "INSERT INTO schemamig.backfills (version, direction, statement_no, job, relation, "
						"  key_column, command, batch_size, pause_ms, estimated_rows, key_definition) "
						"SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, "
						"  (SELECT CASE WHEN pg_catalog.bool_and(c.reltuples OPERATOR(pg_catalog.>=) 0) "
						"     THEN pg_catalog.sum(c.reltuples)::pg_catalog.int8 END "
						"   FROM pg_catalog.pg_class c WHERE c.relkind OPERATOR(pg_catalog.=) 'r' "
						"     AND (c.oid OPERATOR(pg_catalog.=) $10 OR c.oid OPERATOR(pg_catalog.=) ANY ("
						"       SELECT p.relid FROM pg_catalog.pg_partition_tree($10::pg_catalog.regclass) p))), $11",
						11, argtypes, values, nulls);
	walk_event(w, "info", "backfill_started", NULL,
			   psprintf("statement %d: batched %s of %s by key %s, %d rows a batch, pause %d ms",
						w->s->number, w->batch->is_delete ? "DELETE" : "UPDATE", w->key.relation,
						w->key.column, w->size, w->batch->pause_ms));
	walk_commit(w);
}

/* start_walk(), or its error (its transaction aborted) */
static ErrorData *
start_walk_or_error(Walk *w)
{
	ErrorData  *volatile edata = NULL;

	PG_TRY();
	{
		start_walk(w);
	}
	PG_CATCH();
	{
		edata = walk_abort(w);
	}
	PG_END_TRY();
	return edata;
}

/* ---- one batch ---- */

/*
 * One key column as SQL, qualified by prefix (NULL: not qualified), in the
 * collation of the key's index: the walk's order and comparisons are the
 * index's, so the index serves them and the order is the one it keeps.
 */
static void
append_key_column(StringInfo buf, const BackfillKey *key, int i, const char *prefix)
{
	appendStringInfo(buf, "%s%s%s", prefix ? prefix : "", prefix ? "." : "", key->columns[i]);
	if (key->collations[i])
		appendStringInfo(buf, " COLLATE %s", key->collations[i]);
}

/*
 * The key's columns as one SQL expression: "t.id", or "(t.tenant, t.id)"
 * for a composite key, which compares as a row, in the order of its btree
 * index.
 */
static char *
key_expr(const BackfillKey *key, const char *prefix)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	if (key->ncolumns > 1)
		appendStringInfoChar(&buf, '(');
	for (i = 0; i < key->ncolumns; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		append_key_column(&buf, key, i, prefix);
	}
	if (key->ncolumns > 1)
		appendStringInfoChar(&buf, ')');
	return buf.data;
}

/*
 * A key as text (the progress row's last_key) back as an SQL value of the
 * key's type(s): "'42'::bigint", or, for a composite key, whose text is a
 * text[] of its columns, "(('{7,42}'::text[])[1]::integer, ...)".  The
 * text is in the formats render_key() writes, which read back the same
 * whatever the script has set (ISO dates, every digit of a float).
 */
static char *
key_value(const BackfillKey *key, const char *text)
{
	StringInfoData buf;
	int			i;

	if (key->ncolumns == 1)
		return psprintf("%s::%s", quote_literal_cstr(text), key->types[0]);
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '(');
	for (i = 0; i < key->ncolumns; i++)
		appendStringInfo(&buf, "%s(%s::pg_catalog.text[])[%d]::%s", i > 0 ? ", " : "",
						 quote_literal_cstr(text), i + 1, key->types[i]);
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/*
 * The text of the key in columns first .. first + ncolumns - 1 of row: the
 * value's output, or a text[] of the columns' outputs for a composite key.
 * Written under fixed output settings, not the script's (which SET
 * extra_float_digits = -3 would round a float key, and DateStyle would
 * spell a date in a way another setting reads otherwise): last_key means
 * the same key to every later batch and every resume.
 */
static char *
render_key(const BackfillKey *key, HeapTuple row, TupleDesc desc, int first)
{
	static const char *const fixed[][2] = {
		{"DateStyle", "ISO, YMD"},
		{"IntervalStyle", "postgres"},
		{"extra_float_digits", "3"},
		{"bytea_output", "hex"},
	};
	Datum	   *texts = palloc(sizeof(Datum) * key->ncolumns);
	char	   *result = NULL;
	int			nestlevel = NewGUCNestLevel();
	int			i;

	for (i = 0; i < (int) lengthof(fixed); i++)
		(void) set_config_option(fixed[i][0], fixed[i][1], PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	for (i = 0; i < key->ncolumns; i++)
	{
		bool		isnull;
		Datum		value = SPI_getbinval(row, desc, first + i, &isnull);
		Oid			output;
		bool		varlena;

		if (isnull)
			elog(ERROR, "a batched statement's key column %s is NULL", key->columns[i]);
		getTypeOutputInfo(SPI_gettypeid(desc, first + i), &output, &varlena);
		result = OidOutputFunctionCall(output, value);
		texts[i] = CStringGetTextDatum(result);
	}
	if (key->ncolumns > 1)
		result = OidOutputFunctionCall(F_ARRAY_OUT,
									   PointerGetDatum(construct_array(texts, key->ncolumns, TEXTOID,
																	   -1, false, TYPALIGN_INT)));
	AtEOXact_GUC(false, nestlevel);
	return result;
}

/* "key > lo" for the batch (true before the first batch) */
static char *
lower_bound(Walk *w, const char *prefix)
{
	if (w->last_key == NULL)
		return pstrdup("true");
	return psprintf("%s > %s", key_expr(&w->key, prefix), key_value(&w->key, w->last_key));
}

/*
 * The batch's keys as the CTE schemamig_batch holds them (k1, k2, ...),
 * ordered: one row, the count of keys and the last key's columns (none
 * when there are no keys left).
 */
static char *
batch_keys_sql(Walk *w)
{
	StringInfoData select;
	StringInfoData order;
	StringInfoData desc;
	StringInfoData last;
	int			i;

	initStringInfo(&select);
	initStringInfo(&order);
	initStringInfo(&desc);
	initStringInfo(&last);
	for (i = 0; i < w->key.ncolumns; i++)
	{
		const char *sep = i > 0 ? ", " : "";

		appendStringInfo(&select, "%s%s AS k%d", sep, w->key.columns[i], i + 1);
		appendStringInfoString(&order, sep);
		append_key_column(&order, &w->key, i, NULL);
		appendStringInfo(&desc, "%sk%d", sep, i + 1);
		if (w->key.collations[i])
			appendStringInfo(&desc, " COLLATE %s", w->key.collations[i]);
		appendStringInfoString(&desc, " DESC");
		appendStringInfo(&last, ", k%d", i + 1);
	}
	return psprintf("WITH schemamig_batch AS MATERIALIZED ("
					"SELECT %s FROM %s%s WHERE %s ORDER BY %s LIMIT %d) "
					"SELECT (SELECT pg_catalog.count(*) FROM schemamig_batch)%s "
					"FROM schemamig_batch ORDER BY %s LIMIT 1",
					select.data, w->batch->relation->inh ? "" : "ONLY ", w->key.relation,
					lower_bound(w, NULL), order.data, w->size, last.data, desc.data);
}

/*
 * Run one batch in its own transaction: the keys after the last one done,
 * the statement over them, the progress row.  Returns the keys it walked
 * (0: the walk is over, or cancel was asked: *cancelled), or -1 with
 * *edata after an error (the transaction is aborted).
 */
static int64
run_batch(Walk *w, ErrorData **edata, bool *cancelled)
{
	int64		volatile walked = 0;

	*edata = NULL;
	*cancelled = false;
	MemoryContextSwitchTo(w->scratch);
	MemoryContextReset(w->scratch);
	PG_TRY();
	{
		const char *ref = quote_identifier(w->batch->refname);
		char	   *keys_sql;
		char	   *sql;
		char	   *hi = NULL;
		int64		changed = 0;
		bool		isnull;
		Oid			argtypes[ROW_ARGS + 3];
		Datum		values[ROW_ARGS + 3];
		char		nulls[ROW_ARGS + 3];

		walk_begin(w, w->run->role);
		if (cancel_requested(w))
		{
			*cancelled = true;
			walk_commit(w);
		}
		else
		{
			keys_sql = batch_keys_sql(w);
			(void) executor_run_batch(w->run->version, w->run->direction, w->s, keys_sql,
									  w->run->settings);
			MemoryContextSwitchTo(w->scratch);
			if (SPI_processed == 1)
			{
				walked = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
				hi = render_key(&w->key, SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
			}
			if (walked > 0)
			{
				char	   *range = psprintf("%s AND %s <= %s", lower_bound(w, ref),
											 key_expr(&w->key, ref), key_value(&w->key, hi));
				int64		moved;

				/*
				 * RETURNING sees a row as the UPDATE left it: a key out of the
				 * batch's range was moved (by a trigger) to where the walk
				 * would meet it again, or never.
				 */
				sql = psprintf("WITH schemamig_changed AS (%s WHERE (\n%s\n) AND %s "
							   "RETURNING %s AS schemamig_kept) "
							   "SELECT pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE NOT schemamig_kept) "
							   "FROM schemamig_changed",
							   w->batch->head, w->batch->condition, range,
							   w->batch->is_delete ? "true" : range);
				(void) executor_run_batch(w->run->version, w->run->direction, w->s, sql,
										  w->run->settings);
				MemoryContextSwitchTo(w->scratch);
				changed = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
				moved = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
				if (moved > 0)
					ereport(ERROR,
							(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
							 errmsg("the key of a row of %s changed during batch %lld (keys %s%s up to %s)",
									w->key.relation, (long long) w->batches + 1,
									w->last_key ? "after " : "", w->last_key ? w->last_key : "", hi),
							 errdetail("%lld row(s) updated by statement %d of migration \"%s\" left the batch's key range: a trigger changed the key %s the batches walk. The batch is rolled back; the batches before it stay committed.",
									   (long long) moved, w->s->number, w->run->version, w->key.column),
							 errhint("Make the table's triggers leave %s alone during the backfill, then queue the migration again: it goes on after the last committed batch.",
									 w->key.column)));

				row_key(w, argtypes, values);
				memset(nulls, ' ', sizeof(nulls));
				argtypes[ROW_ARGS] = TEXTOID;
				values[ROW_ARGS] = CStringGetTextDatum(hi);
				argtypes[ROW_ARGS + 1] = INT8OID;
				values[ROW_ARGS + 1] = Int64GetDatum(changed);
				argtypes[ROW_ARGS + 2] = INT4OID;
				values[ROW_ARGS + 2] = Int32GetDatum(w->size);
				(void) progress_sql(w, "UPDATE schemamig.backfills SET last_key = $4, "
									"  rows_changed = rows_changed OPERATOR(pg_catalog.+) $5, "
									"  batches = batches OPERATOR(pg_catalog.+) 1, batch_size = $6, "
									"  updated_at = pg_catalog.clock_timestamp() " ROW_WHERE,
									ROW_ARGS + 3, argtypes, values, nulls);
			}
			walk_commit(w);
			if (walked > 0)
			{
				if (w->last_key)
					pfree(w->last_key);
				w->last_key = MemoryContextStrdup(w->context, hi);
				w->rows_changed += changed;
				w->batches++;
				w->run->took_effect = true;
			}
		}
	}
	PG_CATCH();
	{
		*edata = walk_abort(w);
		walked = -1;
	}
	PG_END_TRY();
	return walked;
}

/* ---- throttling ---- */

/*
 * The largest replay lag of the streaming replicas, in milliseconds (0
 * without any): the larger of each one's replay_lag and the age of the
 * oldest batch commit it has not replayed.  Marks every replica has
 * replayed are dropped.  Runs in the caller's transaction.
 */
static double
replica_lag_ms(Walk *w)
{
	TimestampTz now = GetCurrentTimestamp();
	XLogRecPtr	oldest_replayed = InvalidXLogRecPtr;
	double		lag = 0;
	uint64		i;
	uint64		replicas;

	if (SPI_execute("SELECT replay_lsn, "
					"  COALESCE(pg_catalog.date_part('epoch', replay_lag) OPERATOR(pg_catalog.*) 1000, 0) "
					"FROM pg_catalog.pg_stat_replication WHERE state OPERATOR(pg_catalog.=) 'streaming'",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_stat_replication");
	MemoryContextSwitchTo(w->scratch);
	replicas = SPI_processed;
	for (i = 0; i < replicas; i++)
	{
		bool		isnull;
		Datum		lsn_datum = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
		XLogRecPtr	replayed = isnull ? InvalidXLogRecPtr : DatumGetLSN(lsn_datum);
		double		reported = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
		ListCell   *lc;

		lag = Max(lag, reported);
		foreach(lc, w->marks)
		{
			WalMark    *mark = lfirst(lc);

			if (mark->lsn > replayed)
			{
				lag = Max(lag, (double) TimestampDifferenceMilliseconds(mark->at, now));
				break;
			}
		}
		if (i == 0 || replayed < oldest_replayed)
			oldest_replayed = replayed;
	}
	while (w->marks != NIL &&
		   (replicas == 0 || ((WalMark *) linitial(w->marks))->lsn <= oldest_replayed))
	{
		pfree(linitial(w->marks));
		w->marks = list_delete_first(w->marks);
	}
	return lag;
}

/*
 * With schemamig.backfill_max_lag set, wait while a replica lags more.
 * Returns false if a cancel was asked meanwhile.
 */
static bool
wait_for_replicas(Walk *w)
{
	for (;;)
	{
		double		lag;
		bool		cancel;

		MemoryContextReset(w->scratch);
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (schemamig_backfill_max_lag <= 0 && !w->waiting)
			return true;
		walk_begin(w, w->run->worker_role);
		lag = schemamig_backfill_max_lag > 0 ? replica_lag_ms(w) : 0;
		cancel = cancel_requested(w);
		if (lag <= schemamig_backfill_max_lag || cancel)
		{
			if (w->waiting && !cancel)
			{
				set_state(w, "running");
				walk_event(w, "info", "backfill_lag_resumed", NULL,
						   psprintf("statement %d: replicas caught up (lag %.0f ms); the batches go on",
									w->s->number, lag));
				w->waiting = false;
			}
			walk_commit(w);
			return !cancel;
		}
		if (!w->waiting)
		{
			set_state(w, "waiting_for_replica");
			walk_event(w, "warning", "backfill_lag_wait", NULL,
					   psprintf("statement %d: a streaming replica lags %.0f ms, more than schemamig.backfill_max_lag (%d ms); the batches wait",
								w->s->number, lag, schemamig_backfill_max_lag));
			w->waiting = true;
		}
		walk_commit(w);
		worker_pause(LAG_POLL_MS);
	}
}

static void
remember_commit(Walk *w)
{
	MemoryContext old;
	WalMark    *mark;

	if (schemamig_backfill_max_lag <= 0)
		return;
	old = MemoryContextSwitchTo(w->context);
	mark = palloc(sizeof(WalMark));
	mark->lsn = GetXLogInsertRecPtr();
	mark->at = GetCurrentTimestamp();
	w->marks = lappend(w->marks, mark);
	MemoryContextSwitchTo(old);
}

/* worker_pause_unless(): was the job cancelled during the pause? */
static bool
cancelled_during_pause(void *arg)
{
	Walk	   *w = (Walk *) arg;
	bool		cancel;

	walk_begin(w, w->run->worker_role);
	cancel = cancel_requested(w);
	walk_commit(w);
	return cancel;
}

/* ---- after an error ---- */

/*
 * Whether a batch that failed with edata is tried again (after a pause for
 * a lock wait, at half the size after statement_timeout); records why.
 * first_failure is when the current run of lock waits began (0: none).
 */
static bool
retry_batch(Walk *w, ErrorData *edata, long batch_ms, TimestampTz *first_failure, int *attempt)
{
	if (edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE)
	{
		long		elapsed;
		long		pause;

		if (*first_failure == 0)
			*first_failure = GetCurrentTimestamp();
		elapsed = TimestampDifferenceMilliseconds(*first_failure, GetCurrentTimestamp());
		pause = lock_retry_pause_ms(*attempt, executor_last_lock_timeout,
									pg_prng_double(&pg_global_prng_state));
		walk_begin(w, w->run->role);
		walk_event(w, "warning", "lock_retry", unpack_sql_state(edata->sqlerrcode),
				   elapsed + pause > schemamig_lock_retry_budget
				   ? psprintf("statement %d: batch %lld gave up waiting for a lock (lock_timeout %d ms); attempt %d, no more: schemamig.lock_retry_budget (%d ms) is spent",
							  w->s->number, (long long) w->batches + 1, executor_last_lock_timeout,
							  *attempt + 1, schemamig_lock_retry_budget)
				   : psprintf("statement %d: batch %lld gave up waiting for a lock (lock_timeout %d ms); attempt %d, next in %ld ms",
							  w->s->number, (long long) w->batches + 1, executor_last_lock_timeout,
							  *attempt + 1, pause));
		walk_commit(w);
		if (elapsed + pause > schemamig_lock_retry_budget)
			return false;
		(*attempt)++;
		/* a cancel ends the pause; the next batch's check stops the walk */
		(void) worker_pause_unless(pause, cancelled_during_pause, w);
		return true;
	}
	/* a cancel of the statement that took the whole statement_timeout is the timeout's */
	if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED && executor_last_statement_timeout > 0 &&
		batch_ms >= executor_last_statement_timeout && w->size > 1)
	{
		int			old_size = w->size;
		int			timeout = executor_last_statement_timeout;

		w->size = Max(1, w->size / 2);
		ereport(LOG,
				(errmsg("schemamig: batch %lld of statement %d of migration \"%s\" hit statement_timeout (%d ms) at %d rows; trying again with %d rows",
						(long long) w->batches + 1, w->s->number, w->run->version, timeout,
						old_size, w->size)));
		walk_begin(w, w->run->role);
		walk_event(w, "warning", "backfill_batch_halved", unpack_sql_state(edata->sqlerrcode),
				   psprintf("statement %d: batch %lld hit statement_timeout (%d ms) at %d rows; the batches go on with %d rows",
							w->s->number, (long long) w->batches + 1, timeout, old_size, w->size));
		walk_commit(w);
		return true;
	}
	return false;
}

/* ---- the walk ---- */

static char *
summary_of(Walk *w, const char *how)
{
	return psprintf("batched %s of %s %s after %lld batches, %lld rows changed, last key %s",
					w->batch->is_delete ? "DELETE" : "UPDATE", w->key.relation, how,
					(long long) w->batches, (long long) w->rows_changed,
					w->last_key ? w->last_key : "(none)");
}

/*
 * Run batched statement s of a worker job (the worker holds the migration
 * lock; no transaction is open).  Returns what became of it; run->error
 * holds a failure, run->summary what it did.
 */
BackfillOutcome
backfill_run(BackfillRun *run, ScriptStatement *s)
{
	MemoryContext caller = CurrentMemoryContext;
	Walk		w;
	TimestampTz first_failure = 0;
	int			attempt = 0;
	BackfillOutcome outcome = BACKFILL_DONE;

	memset(&w, 0, sizeof(w));
	w.run = run;
	w.s = s;
	w.batch = s->batch;
	w.size = s->batch->size;
	w.context = caller;
	w.scratch = AllocSetContextCreate(caller, "schemamig backfill batch", ALLOCSET_DEFAULT_SIZES);
	run->took_effect = false;
	run->error = NULL;

	run->error = start_walk_or_error(&w);
	if (run->error || w.size == 0)
	{
		/* failed, or resumed after its last batch had committed */
		MemoryContextSwitchTo(caller);
		if (run->error == NULL)
			run->summary = summary_of(&w, "done");
		MemoryContextDelete(w.scratch);
		return run->error ? BACKFILL_FAILED : BACKFILL_DONE;
	}

	while (w.size > 0)
	{
		ErrorData  *edata;
		bool		cancelled;
		TimestampTz start;
		int64		walked;

		if (!wait_for_replicas(&w))
		{
			outcome = BACKFILL_CANCELLED;
			break;
		}
		start = GetCurrentTimestamp();
		pgstat_report_activity(STATE_RUNNING, redact_secrets(s->text));
		walked = run_batch(&w, &edata, &cancelled);
		if (walked < 0)
		{
			if (retry_batch(&w, edata, TimestampDifferenceMilliseconds(start, GetCurrentTimestamp()),
							&first_failure, &attempt))
				continue;
			run->error = edata;
			outcome = BACKFILL_FAILED;
			break;
		}
		first_failure = 0;
		attempt = 0;
		if (cancelled)
		{
			outcome = BACKFILL_CANCELLED;
			break;
		}
		remember_commit(&w);
		if (walked < w.size)
			break;
		if (w.batch->pause_ms > 0 && worker_pause_unless(w.batch->pause_ms, cancelled_during_pause, &w))
		{
			outcome = BACKFILL_CANCELLED;
			break;
		}
		CHECK_FOR_INTERRUPTS();
	}

	MemoryContextSwitchTo(caller);
	run->summary = summary_of(&w, outcome == BACKFILL_DONE ? "done"
							  : outcome == BACKFILL_CANCELLED ? "cancelled" : "stopped");
	walk_begin(&w, run->role);
	set_state(&w, outcome == BACKFILL_DONE ? "done"
			  : outcome == BACKFILL_CANCELLED ? "cancelled" : "failed");
	if (outcome == BACKFILL_DONE)
		walk_event(&w, "info", "backfill_done", NULL, psprintf("statement %d: %s", s->number, run->summary));
	walk_commit(&w);
	list_free_deep(w.marks);
	MemoryContextSwitchTo(caller);
	MemoryContextDelete(w.scratch);
	return outcome;
}

/* ---- the worker's bookkeeping around a backfill ---- */

/*
 * The statement an up job on a dirty migration resumes at: the batched
 * statement right after the last one recorded done (dirty_statement), if
 * it has a progress row; else 0 (the migration needs recovery).  The
 * caller is in a transaction, connected to SPI.
 */
int
backfill_resume_point(const char *version, int dirty_statement)
{
	Oid			argtypes[2] = {TEXTOID, INT4OID};
	Datum		values[2];
	CatalogAccess access;
	int			rc;

	values[0] = CStringGetTextDatum(version);
	values[1] = Int32GetDatum(dirty_statement + 1);
	catalog_enter(&access);
	rc = SPI_execute_with_args("SELECT FROM schemamig.backfills WHERE version OPERATOR(pg_catalog.=) $1 "
							   "  AND direction OPERATOR(pg_catalog.=) 'up' AND statement_no OPERATOR(pg_catalog.=) $2",
							   2, argtypes, values, NULL, true, 1);
	catalog_leave(&access);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not look for a backfill to resume");
	return SPI_processed == 1 ? dirty_statement + 1 : 0;
}
