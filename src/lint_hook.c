/*-------------------------------------------------------------------------
 *
 * lint_hook.c
 *		The safety linter in every session: ProcessUtility_hook for DDL,
 *		post_parse_analyze_hook for UPDATE/DELETE, their GUCs and events.
 *
 * Invariants:
 *	- both hooks are installed once, from _PG_init, and always call the
 *	  previous hook (or the standard function) exactly once, whatever the
 *	  linter decides; the linter runs before the previous ProcessUtility
 *	  hook, so in error mode a statement fails before anything (ours or
 *	  another module's) locks a relation;
 *	- inert when schemamig.lint = off, during binary upgrade, while any
 *	  extension script runs (CREATE/ALTER EXTENSION), outside a valid
 *	  transaction, while we write our own events, in a database where
 *	  schemamig is not installed (two syscache probes: the schemamig schema
 *	  and its events table), and in the transaction that created (or
 *	  updated) the extension (pg_restore --single-transaction);
 *	- the hot path (pgbench -S, ordinary DML with a WHERE clause) returns
 *	  after a few comparisons, before any catalog access;
 *	- in schemamig.lint_scope = all, ad hoc DDL of any session is linted
 *	  (not subcommands), and ad hoc DML only when it is the client's own
 *	  statement, not one a function runs;
 *	- events (lint_warned, lint_allowed, ddl_outside_migration) of a
 *	  utility statement are written after it has run (see queue_event), in
 *	  a subtransaction: a failure to record becomes a WARNING and never
 *	  breaks the user's statement; nothing is recorded in read-only
 *	  transactions or during recovery;
 *	- per-transaction linter state (ACCESS EXCLUSIVE locks held) lives in
 *	  TopTransactionContext and is forgotten when the local transaction id
 *	  changes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "nodes/parsenodes.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "parser/analyze.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "schemamig.h"

/* statement text kept in events */
#define LINT_EVENT_STATEMENT_BYTES 200

int			schemamig_lint_mode = LINT_MODE_ERROR;
int			schemamig_lint_scope = LINT_SCOPE_ALL;
bool		schemamig_lint_advisory = false;

static const struct config_enum_entry lint_mode_options[] = {
	{"off", LINT_MODE_OFF, false},
	{"warning", LINT_MODE_WARNING, false},
	{"error", LINT_MODE_ERROR, false},
	{NULL, 0, false}
};

static const struct config_enum_entry lint_scope_options[] = {
	{"migrations", LINT_SCOPE_MIGRATIONS, false},
	{"all", LINT_SCOPE_ALL, false},
	{NULL, 0, false}
};

static ProcessUtility_hook_type prev_ProcessUtility = NULL;
static post_parse_analyze_hook_type prev_post_parse_analyze = NULL;

/* true while we write our own events: their statements are not linted */
static bool lint_busy = false;
static bool lint_in_plain_explain = false;	/* inside EXPLAIN without ANALYZE */

static LintState live_state;
static LocalTransactionId live_lxid = InvalidLocalTransactionId;

static bool
lint_extension_installed(void)
{
	Oid			nsp = get_namespace_oid("schemamig", true);

	return OidIsValid(nsp) && OidIsValid(get_relname_relid("events", nsp));
}

/*
 * Whether this transaction created the extension.  The statements around a
 * CREATE EXTENSION schemamig in its transaction set a database up, and are
 * not changes to live tables: pg_restore --single-transaction creates the
 * extension, then every table and index of the dump, then loads the
 * extension's catalogs with their own event ids, which events recorded by
 * the hooks meanwhile would collide with.
 */
static bool
lint_extension_created_here(void)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	bool		here = false;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum("schemamig"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
		here = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tuple->t_data));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return here;
}

static bool
lint_applies(bool in_migration)
{
	if (schemamig_lint_mode == LINT_MODE_OFF || lint_busy)
		return false;
	if (IsBinaryUpgrade || creating_extension)
		return false;
	if (!in_migration && schemamig_lint_scope == LINT_SCOPE_MIGRATIONS)
		return false;
	if (!IsTransactionState())
		return false;
	return lint_extension_installed() && !lint_extension_created_here();
}

static void
live_state_forget_if_new_transaction(void)
{
	if (live_lxid != MyProcLocalTransactionId)
	{
		memset(&live_state, 0, sizeof(live_state));
		live_lxid = MyProcLocalTransactionId;
	}
}

static LintState *
live_state_begin(bool in_migration, bool top_level)
{
	live_state_forget_if_new_transaction();
	live_state.live = true;
	live_state.down = in_migration && schemamig_running->direction == MIGRATION_DOWN;
	live_state.advisory = schemamig_lint_advisory;
	live_state.in_transaction = in_migration || IsTransactionBlock();
	live_state.in_transaction_block = IsTransactionBlock() || !top_level;
	return &live_state;
}

static char *
statement_echo(const char *text, int len)
{
	const char *start = text + script_first_token_offset(text, 0);
	int			n = len - (start - text);

	if (n < 0)
		n = 0;
	if (n > LINT_EVENT_STATEMENT_BYTES)
		n = pg_mbcliplen(start, n, LINT_EVENT_STATEMENT_BYTES);
	return redact_secrets(pnstrdup(start, n));
}

/*
 * Write one event; never lets a failure escape (except a cancel), so that
 * recording cannot break the statement being recorded.
 */
static void
lint_record_event(const char *level, const char *event, const char *message,
				  const char *detail_json)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;

	if (XactReadOnly || RecoveryInProgress())
		return;

	lint_busy = true;
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
		lint_busy = false;
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
		lint_busy = false;
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
typedef struct PendingEvent
{
	char	   *level;
	char	   *event;
	char	   *message;
	char	   *detail;
} PendingEvent;

static List *
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

static void
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

static void
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

static void
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

/* the relation a CREATE statement made, once it has run */
static Oid
created_relation(Node *stmt)
{
	RangeVar   *rv = NULL;

	switch (nodeTag(stmt))
	{
		case T_CreateStmt:
			rv = ((CreateStmt *) stmt)->relation;
			break;
		case T_CreateTableAsStmt:
			rv = ((CreateTableAsStmt *) stmt)->into->rel;
			break;
		case T_ViewStmt:
			rv = ((ViewStmt *) stmt)->view;
			break;
		case T_CreateSeqStmt:
			rv = ((CreateSeqStmt *) stmt)->sequence;
			break;
		default:
			return InvalidOid;
	}
	return RangeVarGetRelid(rv, NoLock, true);
}

static char *
event_detail(LintFinding *f, const char *statement, const char *reason)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	if (f)
	{
		appendStringInfoString(&buf, "\"rule\": ");
		escape_json(&buf, f->rule);
		appendStringInfoString(&buf, ", \"severity\": ");
		escape_json(&buf, lint_severity_name(f->severity));
		appendStringInfoString(&buf, ", ");
	}
	if (reason)
	{
		appendStringInfoString(&buf, "\"reason\": ");
		escape_json(&buf, reason);
		appendStringInfoString(&buf, ", ");
	}
	if (schemamig_running)
		appendStringInfo(&buf, "\"statement_no\": %d, ", schemamig_running->statement_no);
	appendStringInfoString(&buf, "\"statement\": ");
	escape_json(&buf, statement);
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

static LintAllow *
find_allow(List *allows, const char *rule)
{
	ListCell   *lc;

	foreach(lc, allows)
		if (strcmp(((LintAllow *) lfirst(lc))->rule, rule) == 0)
			return lfirst(lc);
	return NULL;
}

/*
 * Act on the findings of one statement: in error mode refuse it (before
 * anything else happens), else warn; record warnings and overrides.
 */
static void
lint_act(List *findings, const char *text, int len, List **queue)
{
	List	   *allows;
	List	   *blocked = NIL;
	ListCell   *lc;
	char	   *echo;

	if (findings == NIL)
		return;
	allows = lint_parse_allows(text, len);
	foreach(lc, findings)
	{
		LintFinding *f = lfirst(lc);

		if (f->severity == LINT_SAFETY && find_allow(allows, f->rule) == NULL)
			blocked = lappend(blocked, f);
	}

	if (blocked != NIL && schemamig_lint_mode == LINT_MODE_ERROR)
	{
		LintFinding *first = linitial(blocked);
		StringInfoData others;

		initStringInfo(&others);
		for_each_from(lc, blocked, 1)
			appendStringInfo(&others, "%s\"%s\"", others.len ? ", " : "",
							 ((LintFinding *) lfirst(lc))->rule);
		ereport(ERROR,
				(errcode(ERRCODE_SCHEMAMIG_LINT_BLOCKED),
				 errmsg("statement blocked by schemamig lint rule \"%s\"", first->rule),
				 others.len
				 ? errdetail("%s It also breaks rule%s %s.", first->message,
							 list_length(blocked) > 2 ? "s" : "", others.data)
				 : errdetail("%s", first->message),
				 errhint("%s To run it anyway, put \"-- schemamig:allow %s <reason>\" before it.",
						 first->hint, first->rule)));
	}

	echo = statement_echo(text, len);
	foreach(lc, findings)
	{
		LintFinding *f = lfirst(lc);
		LintAllow  *allow = f->severity == LINT_SAFETY ? find_allow(allows, f->rule) : NULL;

		if (allow)
		{
			if (queue)
				*queue = queue_event(*queue, "info", "lint_allowed", f->message,
									 event_detail(f, echo, allow->reason));
			else
				lint_record_event("info", "lint_allowed", f->message,
								  event_detail(f, echo, allow->reason));
			continue;
		}
		ereport(f->severity == LINT_SAFETY ? WARNING : NOTICE,
				(errcode(f->severity == LINT_SAFETY ? ERRCODE_SCHEMAMIG_LINT_WARNING
						 : ERRCODE_SCHEMAMIG_LINT_ADVISORY),
				 errmsg("statement breaks schemamig lint rule \"%s\"", f->rule),
				 errdetail("%s", f->message),
				 errhint("%s", f->hint)));
		if (queue)
			*queue = queue_event(*queue, f->severity == LINT_SAFETY ? "warning" : "notice",
								 "lint_warned", f->message, event_detail(f, echo, NULL));
		else
			lint_record_event(f->severity == LINT_SAFETY ? "warning" : "notice",
							  "lint_warned", f->message, event_detail(f, echo, NULL));
	}
}

/* the part of a query string that is this statement, comments before it included */
static void
statement_text(const char *query_string, int location, int length,
			   const char **text, int *len)
{
	int			start;

	if (query_string == NULL)
	{
		*text = "";
		*len = 0;
		return;
	}
	if (location < 0)
		location = 0;
	start = script_statement_start(query_string, location);
	*text = query_string + start;
	*len = length > 0 ? length + (location - start) : (int) strlen(*text);
}

/*
 * Lint a utility statement; returns the events to record once it has run,
 * and the drift event (if any) to note for the transaction.
 */
static List *
lint_utility(PlannedStmt *pstmt, const char *query_string, ProcessUtilityContext context,
			 PendingEvent **drift, Oid *new_relid, bool *only_new)
{
	List	   *queue = NIL;
	Node	   *stmt = pstmt->utilityStmt;
	bool		in_migration = schemamig_running != NULL;
	LintState  *st = live_state_begin(in_migration, context == PROCESS_UTILITY_TOPLEVEL);
	const char *text;
	int			len;
	MemoryContext old;

	statement_text(query_string, pstmt->stmt_location, pstmt->stmt_len, &text, &len);
	(void) lint_statement(st, stmt);
	if (st->advisory)
		lint_identifiers(st, pnstrdup(text, len));
	lint_act(st->findings, text, len, &queue);

	old = MemoryContextSwitchTo(TopTransactionContext);
	lint_track_statement(st, stmt);
	MemoryContextSwitchTo(old);

	/* drift: persistent schema changes made outside migrations */
	if (!in_migration && GetCommandLogLevel(stmt) == LOGSTMT_DDL &&
		!(st->touched_relation && st->only_temporary))
	{
		List	   *one = queue_event(NIL, "info", "ddl_outside_migration",
									  GetCommandTagName(CreateCommandTag(stmt)),
									  event_detail(NULL, statement_echo(text, len), NULL));

		*drift = linitial(one);
		list_free(one);
		*new_relid = st->new_relid;
		*only_new = !st->touched_existing;
	}
	return queue;
}

static void
lint_ProcessUtility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
					ProcessUtilityContext context, ParamListInfo params,
					QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	bool		plain_explain = IsA(pstmt->utilityStmt, ExplainStmt) &&
		!lint_explain_executes(pstmt->utilityStmt);
	bool		save_in_plain_explain = lint_in_plain_explain;
	List	   *volatile events = NIL;
	PendingEvent *volatile drift = NULL;
	Oid			new_relid = InvalidOid;
	bool		only_new = false;

	if (context != PROCESS_UTILITY_SUBCOMMAND &&
		lint_applies(schemamig_running != NULL))
	{
		PendingEvent *d = NULL;

		events = lint_utility(pstmt, queryString, context, &d, &new_relid, &only_new);
		drift = d;
	}

	/*
	 * ExplainQuery hands the explained query to post_parse_analyze_hook;
	 * without ANALYZE it does not run, so the DML rules stay quiet.
	 */
	lint_in_plain_explain = lint_in_plain_explain || plain_explain;
	PG_TRY();
	{
		if (prev_ProcessUtility)
			prev_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
								queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
									queryEnv, dest, qc);
	}
	PG_CATCH();
	{
		lint_in_plain_explain = save_in_plain_explain;
		forget_events(events);
		if (drift)
			forget_events(list_make1(drift));
		PG_RE_THROW();
	}
	PG_END_TRY();
	lint_in_plain_explain = save_in_plain_explain;
	if (!IsTransactionState())
	{
		forget_events(events);
		if (drift)
			forget_events(list_make1(drift));
		return;
	}
	if (events != NIL)
		record_events(events);
	if (drift)
	{
		Oid			created = created_relation(pstmt->utilityStmt);

		if (OidIsValid(created))
			drift_note(drift, created, true);
		else
			drift_note(drift, new_relid, only_new);
	}
}

/* can this query give a finding?  (no catalog access: the hot path) */
static bool
query_may_matter(Query *query)
{
	if (query->hasModifyingCTE)
		return true;
	switch (query->commandType)
	{
		case CMD_UPDATE:
		case CMD_DELETE:
			if (query->jointree == NULL || query->jointree->quals == NULL)
				return true;
			/* FALLTHROUGH */
		case CMD_INSERT:
		case CMD_MERGE:
			/* slow work while an ACCESS EXCLUSIVE lock is held */
			return live_lxid == MyProcLocalTransactionId &&
				(live_state.exclusive != NIL || live_state.exclusive_oids != NIL);
		default:
			return false;
	}
}

static void
lint_post_parse_analyze(ParseState *pstate, Query *query, JumbleState *jstate)
{
	bool		in_migration;
	LintState  *st;
	const char *text;
	int			len;

	if (prev_post_parse_analyze)
		prev_post_parse_analyze(pstate, query, jstate);

	if (schemamig_lint_mode == LINT_MODE_OFF || lint_busy || lint_in_plain_explain)
		return;
	if (query->commandType == CMD_SELECT || query->commandType == CMD_UTILITY)
	{
		if (!query->hasModifyingCTE)
			return;
	}
	in_migration = schemamig_running != NULL;
	if (!in_migration &&
		(schemamig_lint_scope == LINT_SCOPE_MIGRATIONS ||
		 pstate->p_sourcetext != debug_query_string))
		return;
	if (!query_may_matter(query) || !lint_applies(in_migration))
		return;

	st = live_state_begin(in_migration, true);
	(void) lint_query(st, query);
	statement_text(pstate->p_sourcetext, query->stmt_location, query->stmt_len, &text, &len);
	lint_act(st->findings, text, len, NULL);
}

void
lint_hook_init(void)
{
	DefineCustomEnumVariable("schemamig.lint",
							 "Sets what the safety linter does with an unsafe statement.",
							 NULL,
							 &schemamig_lint_mode,
							 LINT_MODE_ERROR, lint_mode_options,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);

	DefineCustomEnumVariable("schemamig.lint_scope",
							 "Sets whose statements the safety linter checks: migrations only, or every session's.",
							 NULL,
							 &schemamig_lint_scope,
							 LINT_SCOPE_ALL, lint_scope_options,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("schemamig.lint_advisory",
							 "Makes the safety linter report advisory (style) rules too.",
							 NULL,
							 &schemamig_lint_advisory,
							 false,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);

	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = lint_ProcessUtility;
	prev_post_parse_analyze = post_parse_analyze_hook;
	post_parse_analyze_hook = lint_post_parse_analyze;
}
