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
 *	- the worker runs a script in stretches with commits between them, so
 *	  it hands in a ScriptSettings: what the script's SET, SET LOCAL and
 *	  RESET statements set in earlier stretches is set again before each
 *	  stretch or top-level statement, after schemamig's own timeouts, and
 *	  what this stretch's statements set is read back before its nest
 *	  level is unwound.  A setting therefore holds for the rest of the
 *	  script, as in apply(), where the script is one transaction; the
 *	  worker resets them all after the job (executor_restore_settings);
 *	- a statement that gives up waiting for a lock (55P03) inside a SQL
 *	  call (apply(), migrate(), run(), rollback()) fails at once, with a
 *	  hint naming the paths that retry: the worker and the client's deploy;
 *	- statement_timeout is armed per statement here: the server arms it
 *	  only when a client statement starts.  The caller's own timer is put
 *	  back afterwards;
 *	- errors keep their SQLSTATE and gain one context line naming the
 *	  migration, direction, statement number, line and text (without the
 *	  comments before it; SPI's own "SQL statement" line for it is
 *	  dropped); every field of an error raised by a statement is redacted
 *	  (redact_rules.h) before it reaches the client or the server log, as
 *	  is every NOTICE, WARNING or LOG it raises (an emit_log_hook), and
 *	  so is the statement text shown in pg_stat_activity and logged as the
 *	  worker's STATEMENT;
 *	- a batch of a batched statement (backfill.c) runs as a statement of
 *	  the script does, under the same timeouts and settings
 *	  (executor_run_batch);
 *	- schemamig_running says which migration is running, for the linter;
 *	- memory does not grow with the number of statements: the script is
 *	  read a chunk at a time (ScriptReader), each statement is parsed,
 *	  planned and run in a memory context reset after it, and the event
 *	  detail keeps a count and the DETAIL_STATEMENTS slowest statements.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "lib/stringinfo.h"
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
#include "utils/timestamp.h"

#include "schemamig.h"
#include "compat.h"
#include "executor.h"
#include "lint/lint.h"
#include "redact.h"
#include "script.h"

/* statement text kept in error context and in event details */
#define STATEMENT_ECHO_BYTES 200

/* statements an event detail lists: all of them up to this many, else the slowest */
#define DETAIL_STATEMENTS 100

RunningMigration *schemamig_running = NULL;

/* number of the statement started last; kept after an error */
int			executor_last_statement = 0;

/* lock_timeout in force when it started */
int			executor_last_lock_timeout = 0;

/* statement_timeout in force for the last batch (executor_run_batch) */
int			executor_last_statement_timeout = 0;

static emit_log_hook_type prev_emit_log_hook = NULL;

typedef struct StatementErrorContext
{
	const char *version;
	MigrationDirection direction;
	ScriptStatement *statement;
	bool		sql_call;		/* run by a SQL function, which does not retry */
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
	const char *text = ctx->statement->text;

	/* the statement alone: the comments before it are not what failed */
	errcontext("schemamig migration \"%s\" (%s), statement %d at line %d: %s",
			   ctx->version, direction_name(ctx->direction),
			   ctx->statement->number, ctx->statement->line,
			   clip_statement(redact_secrets(text + script_first_token_offset(text, 0))));
	if (ctx->sql_call && geterrcode() == ERRCODE_LOCK_NOT_AVAILABLE)
		errhint("A SQL call gives up at the first lock wait longer than lock_timeout. "
				"To retry with pauses within schemamig.lock_retry_budget, queue it for the worker "
				"(SELECT schemamig.enqueue('%s'%s)) or deploy with the schemamig client.",
				ctx->version, ctx->direction == MIGRATION_DOWN ? ", 'down'" : "");
}

/* a field of an error, redacted (NULL stays NULL) */
static char *
redact_field(char *field)
{
	return field ? redact_secrets(field) : NULL;
}

/*
 * Make a report raised by statement s fit to leave the backend: SPI's
 * context line for the statement itself dropped (ours says the same,
 * without comments), every field redacted.
 */
static void
clean_statement_report(ErrorData *edata, const ScriptStatement *s)
{
	char	   *spi_line;
	char	   *found;

	spi_line = psprintf("SQL statement \"%s\"", s->text);
	if (edata->context && (found = strstr(edata->context, spi_line)) != NULL &&
		(found[strlen(spi_line)] == '\n' || found[strlen(spi_line)] == '\0'))
	{
		const char *rest = found + strlen(spi_line);

		if (*rest == '\n')
			rest++;
		edata->context = psprintf("%.*s%s", (int) (found - edata->context), edata->context, rest);
	}
	pfree(spi_line);
	edata->message = redact_field(edata->message);
	edata->detail = redact_field(edata->detail);
	edata->detail_log = redact_field(edata->detail_log);
	edata->hint = redact_field(edata->hint);
	edata->context = redact_field(edata->context);
	if (edata->internalquery)
	{
		char	   *clean = redact_secrets(edata->internalquery);

		/* a position in the text as it was would point elsewhere now */
		if (strcmp(clean, edata->internalquery) != 0)
			edata->internalpos = 0;
		edata->internalquery = clean;
	}
}

/*
 * Re-throw the error a statement raised, cleaned (clean_statement_report).
 * Called in PG_CATCH; the error is not reported yet, so neither the client
 * nor the server log has seen it.
 */
static void
rethrow_statement_error(ScriptStatement *s, MemoryContext cxt)
{
	ErrorData  *edata;

	MemoryContextSwitchTo(cxt);
	edata = CopyErrorData();
	FlushErrorState();
	clean_statement_report(edata, s);
	ReThrowError(edata);
}

/*
 * emit_log_hook: a report below ERROR (NOTICE, WARNING, LOG) raised while
 * a migration statement runs is cleaned as its errors are.  Its context
 * holds the statement (SPI's line for it, and the lines of the statements
 * a DO block or a function runs), its message may quote it.  The running
 * statement is the one whose context callback is on the stack: the hook
 * runs inside the report, before the stack is popped.  Errors are cleaned
 * where they are caught, before any hook sees them.
 */
static void
clean_running_statement_report(ErrorData *edata)
{
	if (edata->elevel < ERROR)
	{
		ErrorContextCallback *cb;

		for (cb = error_context_stack; cb != NULL; cb = cb->previous)
			if (cb->callback == statement_error_callback)
			{
				clean_statement_report(edata, ((StatementErrorContext *) cb->arg)->statement);
				break;
			}
	}
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

void
executor_init(void)
{
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = clean_running_statement_report;
}

/*
 * SPI_execute one statement; its error is re-thrown redacted and with one
 * context line (rethrow_statement_error).  A function of its own so that
 * its PG_TRY is not nested in the caller's.
 */
static int
execute_statement(ScriptStatement *s, MemoryContext cxt)
{
	int			rc = 0;

	PG_TRY();
	{
		rc = SPI_execute(s->text, false, 0);
	}
	PG_CATCH();
	{
		rethrow_statement_error(s, cxt);
	}
	PG_END_TRY();
	return rc;
}

static void
set_timeout_guc(const char *name, int ms, GucAction action)
{
	char		value[32];

	snprintf(value, sizeof(value), "%d", ms);
	(void) set_config_option(name, value, PGC_USERSET, PGC_S_SESSION,
							 action, true, 0, false);
}

/*
 * Set again what the script set in earlier stretches, checked as the
 * script's own SET was (the role running the script is the current user).
 */
static void
apply_script_settings(ScriptSettings *settings, GucAction action)
{
	ListCell   *lc;

	if (settings == NULL)
		return;
	foreach(lc, settings->settings)
	{
		ScriptSetting *setting = lfirst(lc);

		(void) set_config_option(setting->name, setting->value,
								 superuser() ? PGC_SUSET : PGC_USERSET, PGC_S_SESSION,
								 action, true, 0, false);
	}
}

static void
remember_setting_name(ScriptSettings *settings, const char *name)
{
	ListCell   *lc;
	ScriptSetting *setting;

	foreach(lc, settings->settings)
		if (strcmp(((ScriptSetting *) lfirst(lc))->name, name) == 0)
			return;
	setting = MemoryContextAllocZero(settings->context, sizeof(ScriptSetting));
	setting->name = MemoryContextStrdup(settings->context, name);
	settings->settings = lappend(settings->settings, setting);
}

/*
 * After a stretch ran, before its nest level is unwound: note the settings
 * its SET, SET LOCAL and RESET statements named (RESET ALL names the
 * timeouts schemamig sets), and read the current value of every setting
 * the script has named so far.
 */
static void
capture_script_settings(ScriptSettings *settings, List *statements)
{
	MemoryContext old = MemoryContextSwitchTo(settings->context);
	ListCell   *lc;

	foreach(lc, statements)
	{
		ScriptStatement *s = lfirst(lc);
		VariableSetStmt *set;

		if (!IsA(s->parsetree, VariableSetStmt))
			continue;
		set = (VariableSetStmt *) s->parsetree;
		if (set->kind == VAR_RESET_ALL)
		{
			remember_setting_name(settings, "lock_timeout");
			remember_setting_name(settings, "statement_timeout");
		}
		else if (set->kind != VAR_SET_MULTI && set->name != NULL)
			remember_setting_name(settings, set->name);
	}
	foreach(lc, settings->settings)
	{
		ScriptSetting *setting = lfirst(lc);

		setting->value = GetConfigOptionByName(setting->name, NULL, true);
	}
	MemoryContextSwitchTo(old);
}

/*
 * After a worker job: put back the worker's own value of every setting
 * the job's script changed, and of the timeouts that executor_run_top_level
 * set for the session.
 */
void
executor_restore_settings(ScriptSettings *settings)
{
	ListCell   *lc;

	(void) set_config_option("lock_timeout", NULL, PGC_SUSET, PGC_S_SESSION,
							 GUC_ACTION_SET, true, 0, false);
	(void) set_config_option("statement_timeout", NULL, PGC_SUSET, PGC_S_SESSION,
							 GUC_ACTION_SET, true, 0, false);
	foreach(lc, settings->settings)
		(void) set_config_option(((ScriptSetting *) lfirst(lc))->name, NULL,
								 PGC_SUSET, PGC_S_SESSION, GUC_ACTION_SET, true, 0, false);
	list_free_deep(settings->settings);
	settings->settings = NIL;
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

typedef struct StatementRecord
{
	int			number;
	int			line;
	const char *tag;
	double		ms;
	char	   *sql;			/* clipped, redacted */
} StatementRecord;

/* what the event detail says about the statements of a script */
typedef struct StatementLog
{
	MemoryContext context;		/* the records' texts */
	int			count;
	int			kept;
	StatementRecord records[DETAIL_STATEMENTS];
} StatementLog;

/* remember a statement that ran, if it is among the slowest so far */
static void
remember_statement(StatementLog *log, ScriptStatement *s, double ms)
{
	StatementRecord *r;
	char	   *sql;

	log->count++;
	if (log->kept < DETAIL_STATEMENTS)
		r = &log->records[log->kept++];
	else
	{
		int			fastest = 0;

		for (int i = 1; i < DETAIL_STATEMENTS; i++)
			if (log->records[i].ms < log->records[fastest].ms)
				fastest = i;
		if (ms <= log->records[fastest].ms)
			return;
		r = &log->records[fastest];
		pfree(r->sql);
	}
	sql = clip_statement(redact_secrets(s->text));
	r->number = s->number;
	r->line = s->line;
	r->tag = GetCommandTagName(CreateCommandTag(s->parsetree));
	r->ms = ms;
	r->sql = MemoryContextStrdup(log->context, sql);
}

static int
compare_record_numbers(const void *a, const void *b)
{
	return ((const StatementRecord *) a)->number - ((const StatementRecord *) b)->number;
}

/* "statement_count": n, "statements": [the kept ones, in script order] */
static void
append_statement_log(StringInfo detail, StatementLog *log)
{
	qsort(log->records, log->kept, sizeof(StatementRecord), compare_record_numbers);
	appendStringInfo(detail, "\"statement_count\": %d, \"statements\": [", log->count);
	for (int i = 0; i < log->kept; i++)
	{
		StatementRecord *r = &log->records[i];

		if (i > 0)
			appendStringInfoChar(detail, ',');
		appendStringInfo(detail, "{\"n\": %d, \"line\": %d, \"tag\": ", r->number, r->line);
		escape_json(detail, r->tag);
		appendStringInfo(detail, ", \"ms\": %.3f, \"sql\": ", r->ms);
		escape_json(detail, r->sql);
		appendStringInfoChar(detail, '}');
	}
	appendStringInfoChar(detail, ']');
}

/*
 * Run statements, read from a script (reader) or given (statements), through
 * SPI in the current transaction; returns their duration in milliseconds.
 */
static double
run_statements(const char *version, MigrationDirection direction,
			   ScriptReader *reader, List *statements, StringInfo detail_json,
			   ScriptSettings *settings)
{
	RunningMigration running;
	RunningMigration *save_running = schemamig_running;
	bool		outer_timer = get_timeout_active(STATEMENT_TIMEOUT);
	TimestampTz outer_finish = outer_timer ? get_timeout_finish_time(STATEMENT_TIMEOUT) : 0;
	MemoryContext caller_context = CurrentMemoryContext;
	MemoryContext statement_context;
	StatementLog *log = NULL;
	ListCell   *volatile lc = list_head(statements);
	instr_time	script_start;
	instr_time	duration;
	int			nestlevel;

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
	apply_script_settings(settings, GUC_ACTION_SAVE);

	statement_context = AllocSetContextCreate(caller_context, "schemamig statement",
											  ALLOCSET_DEFAULT_SIZES);
	if (detail_json)
	{
		log = palloc0(sizeof(StatementLog));
		log->context = AllocSetContextCreate(caller_context, "schemamig statement log",
											 ALLOCSET_SMALL_SIZES);
	}

	schemamig_running = &running;
	PG_TRY();
	{
		for (;;)
		{
			ScriptStatement *s;
			StatementErrorContext ctx;
			ErrorContextCallback callback;
			instr_time	start;
			instr_time	elapsed;
			int			rc;

			if (reader)
				s = script_next(reader);
			else if (lc)
			{
				s = lfirst(lc);
				lc = lnext(statements, lc);
			}
			else
				s = NULL;
			if (s == NULL)
				break;

			ctx.version = version;
			ctx.direction = direction;
			ctx.statement = s;
			ctx.sql_call = (settings == NULL);
			running.statement_no = s->number;
			executor_last_statement = s->number;
			executor_last_lock_timeout = LockTimeout;
			callback.callback = statement_error_callback;
			callback.arg = &ctx;
			callback.previous = error_context_stack;
			error_context_stack = &callback;

			/* SPI parses and plans in the current context: reset after each */
			MemoryContextSwitchTo(statement_context);
			INSTR_TIME_SET_CURRENT(start);
			arm_statement_timeout();
			rc = execute_statement(s, caller_context);
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
			if (log)
				remember_statement(log, s, INSTR_TIME_GET_MILLISEC(elapsed));
			MemoryContextSwitchTo(caller_context);
			MemoryContextReset(statement_context);
		}
		if (settings)
			capture_script_settings(settings, statements);
	}
	PG_FINALLY();
	{
		MemoryContextSwitchTo(caller_context);
		schemamig_running = save_running;
		if (outer_timer)
			enable_timeout_at(STATEMENT_TIMEOUT, outer_finish);
		else if (get_timeout_active(STATEMENT_TIMEOUT))
			disable_timeout(STATEMENT_TIMEOUT, false);
	}
	PG_END_TRY();

	AtEOXact_GUC(false, nestlevel);
	MemoryContextDelete(statement_context);
	/* row security turned on without a policy: the script had its chance to add one */
	lint_check_deferred();
	if (log)
	{
		append_statement_log(detail_json, log);
		MemoryContextDelete(log->context);
		pfree(log);
	}

	INSTR_TIME_SET_CURRENT(duration);
	INSTR_TIME_SUBTRACT(duration, script_start);
	return INSTR_TIME_GET_MILLISEC(duration);
}

/*
 * Run one batch of a batched statement (backfill.c) through SPI in the
 * current transaction, as run_statements() runs a statement of the script:
 * under schemamig's timeouts and what the script has SET so far
 * (settings), with the statement's error context and redaction.  sql is
 * the batch's query; its rows are left in SPI_tuptable.  Returns its
 * duration in milliseconds.
 */
double
executor_run_batch(const char *version, MigrationDirection direction,
				   ScriptStatement *statement, const char *sql, ScriptSettings *settings)
{
	StatementErrorContext ctx = {version, direction, statement, false};
	ErrorContextCallback callback;
	RunningMigration running = {version, direction, statement->number};
	RunningMigration *save_running = schemamig_running;
	MemoryContext caller_context = CurrentMemoryContext;
	ScriptStatement batch = *statement;
	instr_time	start;
	instr_time	elapsed;
	int			nestlevel;
	int			rc;

	batch.text = (char *) sql;
	nestlevel = NewGUCNestLevel();
	set_timeout_guc("lock_timeout", schemamig_lock_timeout, GUC_ACTION_SAVE);
	set_timeout_guc("statement_timeout", schemamig_statement_timeout, GUC_ACTION_SAVE);
	apply_script_settings(settings, GUC_ACTION_SAVE);
	executor_last_statement = statement->number;
	executor_last_lock_timeout = LockTimeout;
	executor_last_statement_timeout = StatementTimeout;
	callback.callback = statement_error_callback;
	callback.arg = &ctx;
	callback.previous = error_context_stack;
	error_context_stack = &callback;
	schemamig_running = &running;
	INSTR_TIME_SET_CURRENT(start);
	PG_TRY();
	{
		arm_statement_timeout();
		rc = execute_statement(&batch, caller_context);
		if (rc < 0)
			elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
	}
	PG_FINALLY();
	{
		if (get_timeout_active(STATEMENT_TIMEOUT))
			disable_timeout(STATEMENT_TIMEOUT, false);
		schemamig_running = save_running;
	}
	PG_END_TRY();
	/* after PG_END_TRY, which puts back the stack as PG_TRY found it */
	error_context_stack = callback.previous;
	AtEOXact_GUC(false, nestlevel);
	MemoryContextSwitchTo(caller_context);
	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, start);
	return INSTR_TIME_GET_MILLISEC(elapsed);
}

/* what executor_run_top_level puts back, whether the statement failed or not */
static void
end_top_level_statement(RunningMigration *save_running, const char *save_query_string,
						ErrorContextCallback *save_context)
{
	if (get_timeout_active(STATEMENT_TIMEOUT))
		disable_timeout(STATEMENT_TIMEOUT, false);
	schemamig_running = save_running;
	debug_query_string = save_query_string;
	error_context_stack = save_context;
}

/*
 * Run a script through SPI in the current transaction; returns its
 * duration in milliseconds.  If detail_json is given, the statements part
 * of the event detail is appended: "statement_count": n, "statements":
 * [...] (all statements up to DETAIL_STATEMENTS, else the slowest; text
 * redacted and clipped).
 */
double
executor_run_script(const char *version, MigrationDirection direction,
					const char *sql, StringInfo detail_json)
{
	ScriptReader *reader = script_open(sql, version, direction, true, false);
	double		ms = run_statements(version, direction, reader, NIL, detail_json, NULL);

	script_close(reader);
	return ms;
}

/*
 * Run some statements of a script (all transactional) through SPI in the
 * current transaction, as executor_run_script() does.  settings is NULL for
 * a SQL call; the worker hands in what the script set so far, and gets back
 * what it has set now.
 */
double
executor_run_statements(const char *version, MigrationDirection direction,
						List *statements, StringInfo detail_json,
						ScriptSettings *settings)
{
	return run_statements(version, direction, NULL, statements, detail_json, settings);
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
 * lock_timeout and statement_timeout, then what the script set before the
 * statement (settings), are set for the worker's session, with a plain
 * SET: nest levels and saved settings do not survive the statement's own
 * commits.  They stay set after it, until the worker's job ends
 * (executor_restore_settings).
 */
double
executor_run_top_level(const char *version, MigrationDirection direction,
					   ScriptStatement *statement, ScriptSettings *settings)
{
	StatementErrorContext ctx = {version, direction, statement, false};
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
	apply_script_settings(settings, GUC_ACTION_SET);

	callback.callback = statement_error_callback;
	callback.arg = &ctx;
	callback.previous = error_context_stack;
	error_context_stack = &callback;
	/* what the server log and pg_stat_activity show: redacted */
	debug_query_string = redact_secrets(statement->text);
	pgstat_report_activity(STATE_RUNNING, debug_query_string);
	schemamig_running = &running;
	executor_last_statement = statement->number;
	executor_last_lock_timeout = LockTimeout;
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
	PG_CATCH();
	{
		end_top_level_statement(save_running, save_query_string, callback.previous);
		rethrow_statement_error(statement, caller_context);
	}
	PG_END_TRY();
	end_top_level_statement(save_running, save_query_string, callback.previous);
	MemoryContextSwitchTo(caller_context);

	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, start);
	return INSTR_TIME_GET_MILLISEC(elapsed);
}
