/*-------------------------------------------------------------------------
 *
 * lint_hook.c
 *		The safety linter in every session: ProcessUtility_hook for DDL,
 *		post_parse_analyze_hook for UPDATE/DELETE, their GUCs, and what is
 *		done with the findings (lint_act).
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
 *	  utility statement are queued and written after it has run, drift when
 *	  its transaction commits (lint/events.c, which owns the queue and its
 *	  transaction callbacks); a failure to record never breaks the user's
 *	  statement;
 *	- an allow comment before a DO statement allows the statements its
 *	  block runs (enclosing_allows), as lint() reads it;
 *	- per-transaction linter state (ACCESS EXCLUSIVE locks held) lives in
 *	  TopTransactionContext and is forgotten when the local transaction id
 *	  changes;
 *	- a row-security-without-policy finding of a statement that more
 *	  statements of the same transaction may follow (in a migration, a
 *	  transaction block or a function) is deferred: it is acted on when the
 *	  migration's script ends or the transaction commits, and only if row
 *	  security is still on and the table still has no policy, so a CREATE
 *	  POLICY later in the same migration makes it safe, as in lint().
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "optimizer/optimizer.h"
#include "parser/analyze.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "schemamig.h"
#include "compat.h"
#include "executor.h"
#include "lint/events.h"
#include "lint/lint.h"
#include "redact.h"
#include "script.h"

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

static bool lint_in_plain_explain = false;	/* inside EXPLAIN without ANALYZE */

static LintState live_state;
static LocalTransactionId live_lxid = InvalidLocalTransactionId;

/* a row-security-without-policy finding waiting for its migration or transaction to end */
typedef struct DeferredRowSecurity
{
	Oid			relid;
	LintFinding *finding;
	char	   *text;			/* the statement, for its allow comments */
	int			len;
} DeferredRowSecurity;

static List *deferred_row_security = NIL;	/* in TopTransactionContext */
static LocalTransactionId deferred_lxid = InvalidLocalTransactionId;
static bool deferred_callback_registered = false;

/*
 * The allow comments before the DO blocks being run (innermost first): a
 * statement of a block is allowed by the comments before its DO, as lint()
 * judges the statements of a block where the DO is.  Set while the DO
 * runs, in the memory of its statement.
 */
static List *enclosing_allows = NIL;

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
	if (schemamig_lint_mode == LINT_MODE_OFF || lint_writing_events)
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

/*
 * Act on the findings of one statement: in error mode refuse it (before
 * anything else happens), else warn; record warnings and overrides.  An
 * allow comment that names no rule is a WARNING first, findings or not.
 */
static void
lint_act(List *findings, const char *text, int len, List **queue)
{
	List	   *allows;
	List	   *blocked = NIL;
	ListCell   *lc;
	char	   *echo;

	allows = lint_parse_allows(text, len);
	lint_warn_unknown_allows(allows);
	if (findings == NIL)
		return;
	allows = list_concat_copy(allows, enclosing_allows);
	foreach(lc, findings)
	{
		LintFinding *f = lfirst(lc);

		if (f->severity == LINT_SAFETY && lint_find_allow(allows, f->rule) == NULL)
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
		LintAllow  *allow = f->severity == LINT_SAFETY ? lint_find_allow(allows, f->rule) : NULL;

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
 * Act on the deferred row-security-without-policy findings whose table
 * still has row security on and no policy (error mode: the error aborts the
 * migration or the commit); forget the others.
 */
void
lint_check_deferred(void)
{
	List	   *deferred;
	ListCell   *lc;

	if (deferred_lxid != MyProcLocalTransactionId)
		deferred_row_security = NIL;
	deferred = deferred_row_security;
	deferred_row_security = NIL;
	foreach(lc, deferred)
	{
		DeferredRowSecurity *d = lfirst(lc);

		if (lint_row_security_lacks_policy(d->relid))
			lint_act(list_make1(d->finding), d->text, d->len, NULL);
	}
}

static void
deferred_xact_callback(XactEvent event, void *arg)
{
	if ((event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PRE_PREPARE) &&
		deferred_row_security != NIL && deferred_lxid == MyProcLocalTransactionId)
	{
		/* the events of warning mode are written through SPI, which needs a snapshot */
		bool		push = !ActiveSnapshotSet();

		if (push)
			PushActiveSnapshot(GetTransactionSnapshot());
		lint_check_deferred();
		if (push)
			PopActiveSnapshot();
	}
	else if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
			 event == XACT_EVENT_PREPARE)
		deferred_row_security = NIL;
}

/*
 * Take the statement's row-security-without-policy findings out of the
 * state, to be acted on when the migration or transaction ends.
 */
static void
defer_row_security(LintState *st, Node *stmt, const char *text, int len)
{
	ListCell   *lc;
	Oid			relid;
	MemoryContext old;

	if (!IsA(stmt, AlterTableStmt))
		return;
	relid = RangeVarGetRelid(((AlterTableStmt *) stmt)->relation, NoLock, true);
	if (!OidIsValid(relid))
		return;
	if (deferred_lxid != MyProcLocalTransactionId)
	{
		deferred_row_security = NIL;
		deferred_lxid = MyProcLocalTransactionId;
	}
	if (!deferred_callback_registered)
	{
		RegisterXactCallback(deferred_xact_callback, NULL);
		deferred_callback_registered = true;
	}
	foreach(lc, st->findings)
	{
		LintFinding *f = lfirst(lc);
		DeferredRowSecurity *d;

		if (!lint_finding_is_row_security(f))
			continue;
		old = MemoryContextSwitchTo(TopTransactionContext);
		d = palloc(sizeof(DeferredRowSecurity));
		d->relid = relid;
		d->finding = palloc(sizeof(LintFinding));
		d->finding->rule = f->rule;
		d->finding->severity = f->severity;
		d->finding->message = pstrdup(f->message);
		d->finding->hint = pstrdup(f->hint);
		d->text = pnstrdup(text, len);
		d->len = len;
		deferred_row_security = lappend(deferred_row_security, d);
		MemoryContextSwitchTo(old);
		st->findings = foreach_delete_current(st->findings, lc);
	}
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
	/* a policy may still come later in the same migration or transaction */
	if (in_migration || IsTransactionBlock() || context != PROCESS_UTILITY_TOPLEVEL)
		defer_row_security(st, stmt, text, len);
	lint_drop_extension(st, stmt);
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
	List	   *save_enclosing_allows = enclosing_allows;
	Oid			new_relid = InvalidOid;
	bool		only_new = false;

	if (context != PROCESS_UTILITY_SUBCOMMAND &&
		lint_applies(schemamig_running != NULL))
	{
		PendingEvent *d = NULL;

		events = lint_utility(pstmt, queryString, context, &d, &new_relid, &only_new);
		drift = d;
		if (IsA(pstmt->utilityStmt, DoStmt))
		{
			const char *text;
			int			len;

			statement_text(queryString, pstmt->stmt_location, pstmt->stmt_len, &text, &len);
			enclosing_allows = list_concat_copy(lint_parse_allows(text, len), enclosing_allows);
		}
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
		enclosing_allows = save_enclosing_allows;
		forget_events(events);
		if (drift)
			forget_events(list_make1(drift));
		PG_RE_THROW();
	}
	PG_END_TRY();
	lint_in_plain_explain = save_in_plain_explain;
	enclosing_allows = save_enclosing_allows;
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
			/* MERGE ... ON true or ON 1 = 1: every row matches (rules_dml.c) */
			if (query->commandType == CMD_MERGE &&
				MergeQueryJoinCondition(query) != NULL &&
				!contain_var_clause(MergeQueryJoinCondition(query)))
				return true;
			/* slow work while an ACCESS EXCLUSIVE lock is held */
			return live_lxid == MyProcLocalTransactionId &&
				(live_state.exclusive != NIL || live_state.exclusive_oids != NIL);
		case CMD_SELECT:
			/* FOR UPDATE ... of every row (rules_dml.c); setval() (rules_sequence.c) */
			return (query->rowMarks != NIL && query->limitCount == NULL &&
					query->jointree != NULL && query->jointree->quals == NULL) ||
				lint_query_calls_setval(query);
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

	if (schemamig_lint_mode == LINT_MODE_OFF || lint_writing_events || lint_in_plain_explain)
		return;
	if (query->commandType == CMD_SELECT || query->commandType == CMD_UTILITY)
	{
		/*
		 * A SELECT matters only with a data-modifying CTE, or, in a
		 * migration, when it locks rows (FOR UPDATE ...): an application's
		 * own row locks are its business.  One that calls setval() may move
		 * a sequence back (restarting-sequence).
		 */
		if (!query->hasModifyingCTE &&
			!(query->commandType == CMD_SELECT && query->rowMarks != NIL && schemamig_running != NULL) &&
			!lint_query_calls_setval(query))
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

	lint_created_init();
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = lint_ProcessUtility;
	prev_post_parse_analyze = post_parse_analyze_hook;
	post_parse_analyze_hook = lint_post_parse_analyze;
}
