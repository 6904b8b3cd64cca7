/*-------------------------------------------------------------------------
 *
 * schemamig.h
 *		Declarations shared by the schemamig modules.
 *
 * Each module owns one concern: GUCs and module load (schemamig.c),
 * checksums (checksum.c), version names and their order (version.c),
 * splitting scripts with the server's parser (script.c), secret redaction
 * (redact.c), catalog access (catalog.c), the migration lock
 * (migration_lock.c), running scripts (executor.c) and the SQL API (api.c).
 *
 * Invariants every module relies on:
 *	- the SQL API functions connect to SPI once, take the migration lock,
 *	  and do all catalog work and script execution inside that connection;
 *	- catalog SQL runs as the extension owner with a pinned search_path
 *	  (catalog_enter/catalog_leave); migration scripts run as the caller
 *	  with the caller's own search_path.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_H
#define SCHEMAMIG_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "nodes/execnodes.h"
#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"
#include "utils/timestamp.h"

#include "compat.h"

/* Largest up or down script register() accepts, in bytes. */
#define SCHEMAMIG_MAX_SCRIPT_BYTES	(16 * 1024 * 1024)

/* Longest version name (the catalog CHECK says the same). */
#define SCHEMAMIG_MAX_VERSION_LEN	128

/*
 * The advisory lock every apply/migrate/rollback/register holds until the
 * end of its transaction: the bigint form, pg_advisory_xact_lock(1936550247)
 * ('smig' in ASCII).  In pg_locks: locktype advisory, classid 0,
 * objid 1936550247, objsubid 1.
 */
#define SCHEMAMIG_LOCK_KEY			INT64CONST(1936550247)

/* enqueue() serialises on this one ('smiq'), so a busy worker never blocks it */
#define SCHEMAMIG_QUEUE_LOCK_KEY	INT64CONST(1936550257)

/* backend_type of the workers in pg_stat_activity */
#define SCHEMAMIG_WORKER_TYPE		"schemamig worker"
#define SCHEMAMIG_LAUNCHER_TYPE		"schemamig launcher"

/* SQLSTATEs of our own (class SM); doc/errors.md lists every code. */
#define ERRCODE_SCHEMAMIG_CHECKSUM_MISMATCH	MAKE_SQLSTATE('S','M','0','0','1')
#define ERRCODE_SCHEMAMIG_DIRTY				MAKE_SQLSTATE('S','M','0','0','2')
#define ERRCODE_SCHEMAMIG_OUT_OF_ORDER		MAKE_SQLSTATE('S','M','0','0','3')
#define ERRCODE_SCHEMAMIG_NO_DOWN_SCRIPT	MAKE_SQLSTATE('S','M','0','0','4')
#define ERRCODE_SCHEMAMIG_JOB_FAILED		MAKE_SQLSTATE('S','M','0','0','5')
#define ERRCODE_SCHEMAMIG_WORKER_BUSY		MAKE_SQLSTATE('S','M','0','0','6')

/* schemamig.c: GUC variables */
extern int	schemamig_lock_wait_timeout;
extern int	schemamig_lock_timeout;
extern int	schemamig_statement_timeout;
extern bool schemamig_out_of_order;
extern bool schemamig_skip;
extern bool schemamig_debug;
extern bool schemamig_auto_recover;
extern int	schemamig_lock_retries;
extern int	schemamig_worker_naptime;
extern char *schemamig_database;

/* checksum.c */
extern char *checksum_sha256_hex(const char *data, Size len);
extern char *sha256_hex_raw(const char *data, Size len);

/* version.c */
/* room for a sort key: a one-digit run takes marker, length and digit */
#define VERSION_SORT_KEY_MAX(len)	(3 * (len) + 1)

extern void version_check_name(const char *version);
extern int	version_build_sort_key(const char *version, char *buf);
extern int	version_compare_keys(const char *ka, int la, const char *kb, int lb);
extern int	version_compare(const char *a, const char *b);

/* script.c */
typedef enum MigrationDirection
{
	MIGRATION_UP,
	MIGRATION_DOWN
} MigrationDirection;

extern const char *direction_name(MigrationDirection direction);

typedef struct ScriptStatement
{
	int			number;			/* 1-based position in the script */
	int			line;			/* line of the statement's first token */
	char	   *text;			/* statement, with the comments before it */
	Node	   *parsetree;		/* raw parse tree */
	const char *top_level_only; /* why it cannot run in a transaction
								 * block, or NULL */
} ScriptStatement;

typedef struct Script
{
	List	   *statements;		/* of ScriptStatement * */
	const char *top_level_only; /* first statement's reason, or NULL */
	int			top_level_statement;	/* its number, or 0 */
} Script;

extern void script_check_text(const char *sql, const char *version,
							  MigrationDirection direction);
extern Script *script_split(const char *sql, const char *version,
							MigrationDirection direction);
extern const char *script_top_level_only(Node *stmt);
extern bool script_option_is_true(List *options, const char *name, bool if_absent);
extern int	script_first_token_offset(const char *sql, int offset);
extern int	script_statement_end(const char *sql, const RawStmt *rs);
extern int	script_statement_start(const char *sql, int location);
extern int	script_line_of_offset(const char *sql, int offset);
extern int	script_line_of_offset_from(const char *sql, int offset,
									   int *from_offset, int *from_line);

/* redact.c */
extern char *redact_secrets(const char *sql);

/* catalog.c */
typedef struct MigrationState
{
	char	   *version;
	char	   *sort_key;		/* version_build_sort_key() of version, set
								 * by catalog_load_all() */
	int			sort_key_len;
	bool		registered;
	char	   *description;
	char	   *up_sql;			/* NULL unless loaded */
	char	   *down_sql;		/* NULL unless loaded, or none */
	char	   *checksum;		/* registered */
	char	   *current_checksum;	/* of the stored up script, recomputed */
	char	   *down_checksum;
	bool		transactional;
	bool		applied;
	char	   *applied_checksum;
	TimestampTz applied_at;
	double		duration_ms;
	bool		dirty;
	int			dirty_statement;	/* 0 when not recorded */
} MigrationState;

typedef struct CatalogAccess
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
} CatalogAccess;

extern void catalog_enter(CatalogAccess *access);
extern void catalog_leave(CatalogAccess *access);
extern List *catalog_load_all(bool with_scripts);
extern MigrationState *catalog_load_one(const char *version);
extern void catalog_put_invalid_indexes(ReturnSetInfo *rsinfo);
extern void catalog_put_registrations(ReturnSetInfo *rsinfo);
extern char *catalog_version_alias(const char *version);
extern void catalog_insert_migration(const char *version, const char *description,
									 const char *up_sql, const char *down_sql,
									 const char *checksum, const char *down_checksum,
									 bool transactional);
extern void catalog_update_migration(const char *version, const char *description,
									 const char *up_sql, const char *down_sql,
									 const char *checksum, const char *down_checksum,
									 bool transactional);
extern void catalog_insert_applied(const char *version, const char *checksum,
								   double duration_ms);
extern void catalog_delete_applied(const char *version);
extern void catalog_repair_applied(const char *version, const char *checksum);
extern void catalog_log_event(const char *level, const char *event,
							  const char *version, const char *direction,
							  double duration_ms, const char *sqlstate,
							  const char *message, const char *detail_json);

/* migration_lock.c */
extern void migration_lock_acquire(void);

/* jobs.c */
extern int64 jobs_enqueue(const char *version, MigrationDirection direction);
extern int	jobs_worker_pid(void);

/* job_runner.c (in the worker) */
extern void job_runner_pass(void);

/* worker.c */
extern void worker_register_launcher(void);
extern bool schemamig_worker_pid_p(int pid);

/* executor.c */
typedef struct RunningMigration
{
	const char *version;
	MigrationDirection direction;
	int			statement_no;
} RunningMigration;

/* Non-NULL while a migration script runs in this backend. */
extern RunningMigration *schemamig_running;

/*
 * Number of the statement the executor started last: after an error, the
 * one that failed (the worker reports it).
 */
extern int	executor_last_statement;

extern double executor_run_script(const char *version,
								  MigrationDirection direction,
								  const char *sql, StringInfo detail_json);
extern double executor_run_statements(const char *version,
									  MigrationDirection direction,
									  List *statements, StringInfo detail_json);
extern double executor_run_top_level(const char *version,
									 MigrationDirection direction,
									 ScriptStatement *statement);

/*
 * Safety linter (lint_rules.c: the rules; lint_hook.c: the hooks and their
 * GUCs; lint_api.c: schemamig.lint()).  doc/lint.md lists the SQLSTATEs.
 */
#define ERRCODE_SCHEMAMIG_LINT_BLOCKED		MAKE_SQLSTATE('S','M','1','0','0')
#define ERRCODE_SCHEMAMIG_LINT_WARNING		MAKE_SQLSTATE('S','M','1','0','1')
#define ERRCODE_SCHEMAMIG_LINT_ADVISORY		MAKE_SQLSTATE('S','M','1','0','2')

typedef enum LintMode
{
	LINT_MODE_OFF,
	LINT_MODE_WARNING,
	LINT_MODE_ERROR
} LintMode;

typedef enum LintScope
{
	LINT_SCOPE_MIGRATIONS,
	LINT_SCOPE_ALL
} LintScope;

extern int	schemamig_lint_mode;
extern int	schemamig_lint_scope;
extern bool schemamig_lint_advisory;

extern void lint_hook_init(void);

typedef enum LintSeverity
{
	LINT_SAFETY,
	LINT_ADVISORY
} LintSeverity;

typedef struct LintFinding
{
	const char *rule;			/* rule id, as in doc/lint-rules.md */
	LintSeverity severity;
	char	   *message;		/* which lock on which table, and why it hurts */
	char	   *hint;			/* the safe pattern */
} LintFinding;

typedef struct LintAllow
{
	char	   *rule;
	char	   *reason;			/* may be empty */
} LintAllow;

/*
 * What the rules know besides the statement.  In live mode (the hooks) the
 * catalog and the session are the truth: earlier statements have run.  In
 * script mode (schemamig.lint()) nothing runs, so what earlier statements
 * of the script created, set or locked is tracked here.
 */
typedef struct LintState
{
	bool		live;
	bool		down;			/* a down script: destructive rules are off */
	bool		advisory;		/* report advisory rules too */
	bool		in_transaction; /* statement shares a transaction with others */
	bool		in_transaction_block;	/* explicit block, or not top level */
	int			lock_timeout_ms;	/* script mode only */
	int			statement_timeout_ms;	/* script mode only */
	int			transaction_timeout_ms; /* script mode only; 17+ */
	List	   *created;		/* script mode: LintName * created earlier */
	List	   *validated;		/* script mode: LintName * constraints
								 * validated earlier */
	List	   *checks;			/* script mode: LintCheck * added earlier */
	List	   *indexes;		/* script mode: LintIndex * created earlier */
	List	   *added_columns;	/* LintName * of columns added to
								 * pre-existing tables earlier in the script
								 * (live: in this transaction) */
	/* per transaction */
	List	   *exclusive;		/* names (script) or Oids (live) of
								 * pre-existing relations held ACCESS
								 * EXCLUSIVE */
	List	   *exclusive_oids;
	List	   *not_valid;		/* script mode: LintName * added NOT VALID */
	/* per statement, filled by lint_statement() */
	List	   *findings;		/* LintFinding * */
	bool		only_temporary; /* statement touches temporary objects only */
	bool		touched_relation;
	bool		touched_existing;	/* ... and a relation older than this
									 * transaction */
	Oid			new_relid;		/* a relation it touches that this
								 * transaction created (live) */
	bool		slow;			/* scans or rewrites, or runs DML */
	int			strongest_lock;
	char	   *strongest_lock_relation;
	List	   *exclusive_now;	/* pre-existing relations this statement
								 * locks ACCESS EXCLUSIVE (names) */
	List	   *exclusive_now_oids;
} LintState;

extern List *lint_statement(LintState *state, Node *stmt);
extern List *lint_query(LintState *state, Query *query);
extern void lint_identifiers(LintState *state, const char *text);
extern bool lint_explain_executes(Node *stmt);
extern void lint_track_statement(LintState *state, Node *stmt);
extern void lint_reset_transaction(LintState *state);
extern List *lint_parse_allows(const char *text, int len);
extern bool lint_rule_is_destructive(const char *rule);
extern bool lint_rule_known(const char *rule);
extern const char *lint_severity_name(LintSeverity severity);

#endif							/* SCHEMAMIG_H */
