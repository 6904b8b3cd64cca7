/*-------------------------------------------------------------------------
 *
 * executor.c
 *		Running an up or down script, statement by statement: through SPI
 *		in the caller's transaction, or one statement at top level for the
 *		background worker.
 *
 * Invariants:
 *	- the caller is connected to SPI and holds the migration lock; the
 *	  script runs in the caller's transaction, as the caller, with the
 *	  caller's search_path, so a failing statement aborts the whole
 *	  migration and leaves nothing behind;
 *	- lock_timeout and statement_timeout are set from schemamig.lock_timeout
 *	  and schemamig.statement_timeout in a GUC nest level of their own, so a
 *	  script's own SET overrides them for the statements that follow; when
 *	  the script ends, that nest level is unwound as on abort, which undoes
 *	  every setting the script changed (a plain SET would otherwise outlive
 *	  the migration), so each migration starts from the caller's settings;
 *	- statement_timeout is armed per statement here: the server arms it
 *	  only when a client statement starts.  The caller's own timer is put
 *	  back afterwards;
 *	- errors keep their SQLSTATE and gain a context line naming the
 *	  migration, direction, statement number, line and text;
 *	- schemamig_running says which migration is running, for the linter.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "pgstat.h"
#include "portability/instr_time.h"
#include "storage/proc.h"
#include "tcop/cmdtag.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/timeout.h"

#include "schemamig.h"

/* statement text kept in error context and in event details */
#define STATEMENT_ECHO_BYTES 200

RunningMigration *schemamig_running = NULL;

/* number of the statement started last; kept after an error */
int			executor_last_statement = 0;

typedef struct StatementErrorContext
{
	const char *version;
	MigrationDirection direction;
	ScriptStatement *statement;
} StatementErrorContext;

static char *
clip_statement(const char *text)
{
	const char *start = text;
	int			len;

	/* skip leading blank lines and comments for a readable echo */
	while (*start == ' ' || *start == '\n' || *start == '\t' || *start == '\r')
		start++;
	len = strlen(start);
	if (len <= STATEMENT_ECHO_BYTES)
		return pstrdup(start);
	len = pg_mbcliplen(start, len, STATEMENT_ECHO_BYTES);
	return psprintf("%.*s...", len, start);
}

static void
statement_error_callback(void *arg)
{
	StatementErrorContext *ctx = (StatementErrorContext *) arg;

	errcontext("schemamig migration \"%s\" (%s), statement %d at line %d: %s",
			   ctx->version, direction_name(ctx->direction),
			   ctx->statement->number, ctx->statement->line,
			   clip_statement(ctx->statement->text));
}

static void
set_timeout_guc(const char *name, int ms, GucAction action)
{
	char		value[32];

	snprintf(value, sizeof(value), "%d", ms);
	(void) set_config_option(name, value, PGC_USERSET, PGC_S_SESSION,
							 action, true, 0, false);
}

/* arm statement_timeout for one statement from the current GUC value */
static void
arm_statement_timeout(void)
{
	if (StatementTimeout > 0)
		enable_timeout_after(STATEMENT_TIMEOUT, StatementTimeout);
	else if (get_timeout_active(STATEMENT_TIMEOUT))
		disable_timeout(STATEMENT_TIMEOUT, false);
}

static void
append_statement_detail(StringInfo detail, ScriptStatement *s, double ms)
{
	if (detail->data[detail->len - 1] != '[')
		appendStringInfoChar(detail, ',');
	appendStringInfo(detail, "{\"n\": %d, \"line\": %d, \"tag\": ", s->number, s->line);
	escape_json(detail, GetCommandTagName(CreateCommandTag(s->parsetree)));
	appendStringInfo(detail, ", \"ms\": %.3f, \"sql\": ", ms);
	escape_json(detail, clip_statement(redact_secrets(s->text)));
	appendStringInfoChar(detail, '}');
}

/*
 * Run a script; returns its duration in milliseconds.  If detail_json is
 * given, a JSON array describing each statement (redacted) is appended.
 */
double
executor_run_script(const char *version, MigrationDirection direction,
					const char *sql, StringInfo detail_json)
{
	Script	   *script = script_split(sql, version, direction);

	return executor_run_statements(version, direction, script->statements, detail_json);
}

/*
 * Run some statements of a script (all transactional) through SPI in the
 * current transaction; returns their duration in milliseconds.
 */
double
executor_run_statements(const char *version, MigrationDirection direction,
						List *statements, StringInfo detail_json)
{
	RunningMigration running;
	RunningMigration *save_running = schemamig_running;
	bool		outer_timer = get_timeout_active(STATEMENT_TIMEOUT);
	TimestampTz outer_finish = outer_timer ? get_timeout_finish_time(STATEMENT_TIMEOUT) : 0;
	instr_time	script_start;
	instr_time	duration;
	int			nestlevel;
	ListCell   *lc;

	if (save_running != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("a migration cannot run another migration"),
				 errdetail("Migration \"%s\" called schemamig while migration \"%s\" was running.",
						   version, save_running->version)));

	running.version = version;
	running.direction = direction;
	running.statement_no = 0;

	INSTR_TIME_SET_CURRENT(script_start);
	nestlevel = NewGUCNestLevel();
	set_timeout_guc("lock_timeout", schemamig_lock_timeout, GUC_ACTION_SAVE);
	set_timeout_guc("statement_timeout", schemamig_statement_timeout, GUC_ACTION_SAVE);

	if (detail_json)
		appendStringInfoChar(detail_json, '[');

	schemamig_running = &running;
	PG_TRY();
	{
		foreach(lc, statements)
		{
			ScriptStatement *s = lfirst(lc);
			StatementErrorContext ctx = {version, direction, s};
			ErrorContextCallback callback;
			instr_time	start;
			instr_time	elapsed;
			int			rc;

			running.statement_no = s->number;
			executor_last_statement = s->number;
			callback.callback = statement_error_callback;
			callback.arg = &ctx;
			callback.previous = error_context_stack;
			error_context_stack = &callback;

			INSTR_TIME_SET_CURRENT(start);
			arm_statement_timeout();
			rc = SPI_execute(s->text, false, 0);
			if (rc < 0)
				elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
			SPI_freetuptable(SPI_tuptable);
			INSTR_TIME_SET_CURRENT(elapsed);
			INSTR_TIME_SUBTRACT(elapsed, start);

			error_context_stack = callback.previous;

			if (schemamig_debug)
				ereport(LOG,
						(errmsg("schemamig migration \"%s\" (%s), statement %d at line %d took %.3f ms",
								version, direction_name(direction), s->number, s->line,
								INSTR_TIME_GET_MILLISEC(elapsed)),
						 errhidestmt(true)));
			if (detail_json)
				append_statement_detail(detail_json, s, INSTR_TIME_GET_MILLISEC(elapsed));
		}
	}
	PG_FINALLY();
	{
		schemamig_running = save_running;
		if (outer_timer)
			enable_timeout_at(STATEMENT_TIMEOUT, outer_finish);
		else if (get_timeout_active(STATEMENT_TIMEOUT))
			disable_timeout(STATEMENT_TIMEOUT, false);
	}
	PG_END_TRY();

	AtEOXact_GUC(false, nestlevel);

	if (detail_json)
		appendStringInfoChar(detail_json, ']');

	INSTR_TIME_SET_CURRENT(duration);
	INSTR_TIME_SUBTRACT(duration, script_start);
	return INSTR_TIME_GET_MILLISEC(duration);
}

/*
 * Run one statement that cannot run in a transaction block, the way the
 * server runs a client's statement: parsed, planned and run through a
 * portal at top level (PROCESS_UTILITY_TOPLEVEL), so PreventInTransactionBlock
 * is satisfied and CREATE INDEX CONCURRENTLY may commit internally.  SPI,
 * functions and procedures cannot do this.
 *
 * The caller (the background worker) has started a transaction command,
 * is not connected to SPI, holds no snapshot, and commits afterwards.
 * lock_timeout and statement_timeout are set for the worker's session, with
 * a plain SET: nest levels and saved settings do not survive the
 * statement's own commits.  They stay set after it; the worker runs
 * nothing else that waits for other sessions' locks under them.
 */
double
executor_run_top_level(const char *version, MigrationDirection direction,
					   ScriptStatement *statement)
{
	StatementErrorContext ctx = {version, direction, statement};
	ErrorContextCallback callback;
	RunningMigration running = {version, direction, statement->number};
	RunningMigration *save_running = schemamig_running;
	const char *save_query_string = debug_query_string;
	List	   *parsetrees;
	RawStmt    *parsetree;
	List	   *querytrees;
	List	   *plantrees;
	Portal		portal;
	DestReceiver *receiver;
	QueryCompletion qc;
	instr_time	start;
	instr_time	elapsed;

	/*
	 * The statement may commit and start transactions itself (CREATE INDEX
	 * CONCURRENTLY does): its parse and plan trees must not live in a
	 * transaction's memory, as the server keeps them in MessageContext.
	 * Like MessageContext, the context is reset when the next statement
	 * starts, not when this one ends: after an error, the aborted portal
	 * still points into it until the caller's abort drops the portal.
	 */
	static MemoryContext statement_context = NULL;
	MemoryContext caller_context = CurrentMemoryContext;

	if (statement_context == NULL)
		statement_context = AllocSetContextCreate(TopMemoryContext,
												  "schemamig top-level statement",
												  ALLOCSET_DEFAULT_SIZES);
	else
		MemoryContextReset(statement_context);

	/*
	 * A plain SET: a saved (function-style) setting would be undone by the
	 * statement's first internal commit, leaving CREATE INDEX CONCURRENTLY's
	 * later lock waits without schemamig.lock_timeout.
	 */
	set_timeout_guc("lock_timeout", schemamig_lock_timeout, GUC_ACTION_SET);
	set_timeout_guc("statement_timeout", schemamig_statement_timeout, GUC_ACTION_SET);

	callback.callback = statement_error_callback;
	callback.arg = &ctx;
	callback.previous = error_context_stack;
	error_context_stack = &callback;
	debug_query_string = statement->text;
	pgstat_report_activity(STATE_RUNNING, statement->text);
	schemamig_running = &running;
	executor_last_statement = statement->number;
	INSTR_TIME_SET_CURRENT(start);

	PG_TRY();
	{
		MemoryContextSwitchTo(statement_context);
		arm_statement_timeout();
		parsetrees = pg_parse_query(statement->text);
		if (list_length(parsetrees) != 1)
			elog(ERROR, "expected one statement, found %d", list_length(parsetrees));
		parsetree = linitial_node(RawStmt, parsetrees);
		querytrees = pg_analyze_and_rewrite_fixedparams(parsetree, statement->text,
														NULL, 0, NULL);
		plantrees = pg_plan_queries(querytrees, statement->text, CURSOR_OPT_PARALLEL_OK, NULL);

		portal = CreatePortal("schemamig", true, true);
		portal->visible = false;
		PortalDefineQuery(portal, NULL, statement->text,
						  CreateCommandTag(parsetree->stmt), plantrees, NULL);
		PortalStart(portal, NULL, 0, InvalidSnapshot);
		receiver = CreateDestReceiver(DestNone);
		(void) PortalRunOnce(portal, FETCH_ALL, true, receiver, receiver, &qc);
		receiver->rDestroy(receiver);
		PortalDrop(portal, false);
	}
	PG_FINALLY();
	{
		if (get_timeout_active(STATEMENT_TIMEOUT))
			disable_timeout(STATEMENT_TIMEOUT, false);
		schemamig_running = save_running;
		debug_query_string = save_query_string;
		error_context_stack = callback.previous;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(caller_context);

	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, start);
	return INSTR_TIME_GET_MILLISEC(elapsed);
}
