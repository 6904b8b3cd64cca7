/*-------------------------------------------------------------------------
 *
 * schemamig.h
 *		Declarations shared by the schemamig modules.
 *
 * Each module owns one concern: GUCs and module load (schemamig.c),
 * checksums (checksum.c), version names and their order (version.c),
 * splitting scripts with the server's parser (script.c), secret redaction
 * (redact.c), catalog access (catalog.c), the migration lock
 * (migration_lock.c), running scripts (executor.c) and the SQL API (api/).
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
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "compat.h"

/* Largest up or down script register() accepts, in bytes. */
#define SCHEMAMIG_MAX_SCRIPT_BYTES	(16 * 1024 * 1024)

/*
 * The advisory lock every apply/migrate/rollback/register holds until the
 * end of its transaction: the bigint form, pg_advisory_xact_lock(1936550247)
 * ('smig' in ASCII).  In pg_locks: locktype advisory, classid 0,
 * objid 1936550247, objsubid 1.
 */
#define SCHEMAMIG_LOCK_KEY			INT64CONST(1936550247)

/* enqueue() serialises on this one ('smiq'), so a busy worker never blocks it */
#define SCHEMAMIG_QUEUE_LOCK_KEY	INT64CONST(1936550257)

/* SQLSTATEs of our own (class SM); doc/errors.md lists every code. */
#define ERRCODE_SCHEMAMIG_CHECKSUM_MISMATCH	MAKE_SQLSTATE('S','M','0','0','1')
#define ERRCODE_SCHEMAMIG_DIRTY				MAKE_SQLSTATE('S','M','0','0','2')
#define ERRCODE_SCHEMAMIG_OUT_OF_ORDER		MAKE_SQLSTATE('S','M','0','0','3')
#define ERRCODE_SCHEMAMIG_NO_DOWN_SCRIPT	MAKE_SQLSTATE('S','M','0','0','4')
#define ERRCODE_SCHEMAMIG_JOB_FAILED		MAKE_SQLSTATE('S','M','0','0','5')
#define ERRCODE_SCHEMAMIG_WORKER_BUSY		MAKE_SQLSTATE('S','M','0','0','6')

/* is s one of a List of C strings? (list_member() compares nodes) */
static inline bool
list_member_cstring(const List *strings, const char *s)
{
	ListCell   *lc;

	foreach(lc, strings)
		if (strcmp(lfirst(lc), s) == 0)
			return true;
	return false;
}

/* schemamig.c: GUC variables */
extern int	schemamig_lock_wait_timeout;
extern int	schemamig_lock_timeout;
extern int	schemamig_statement_timeout;
extern bool schemamig_out_of_order;
extern bool schemamig_skip;
extern bool schemamig_debug;
extern bool schemamig_auto_recover;
extern int	schemamig_lock_retry_budget;
extern int	schemamig_worker_naptime;
extern char *schemamig_database;

/* checksum.c */
extern char *checksum_sha256_hex(const char *data, Size len);
extern char *sha256_hex_raw(const char *data, Size len);

/* version.c (the rules themselves: version_rules.h) */
extern void version_check_name(const char *version);

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
	int			statement_count;
} Script;

typedef struct ScriptReader ScriptReader;

extern void script_check_text(const char *sql, const char *version,
							  MigrationDirection direction);
extern Script *script_split(const char *sql, const char *version,
							MigrationDirection direction);
extern Script *script_scan(const char *sql, const char *version,
						   MigrationDirection direction);
extern ScriptReader *script_open(const char *sql, const char *version,
								 MigrationDirection direction,
								 bool migration, bool keep);
extern ScriptStatement *script_next(ScriptReader *reader);
extern void script_rewind(ScriptReader *reader);
extern void script_close(ScriptReader *reader);
extern const char *script_top_level_only(Node *stmt);
extern bool script_option_is_true(List *options, const char *name, bool if_absent);
extern int	script_first_token_offset(const char *sql, int offset);
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
extern char *catalog_highest_applied(void);
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

/* how a migration ended: catalog_record_outcome() */
typedef enum MigrationOutcome
{
	MIGRATION_OUTCOME_APPLIED,
	MIGRATION_OUTCOME_ROLLED_BACK,
	MIGRATION_OUTCOME_RECOVERED,
	MIGRATION_OUTCOME_FAILED,
	MIGRATION_OUTCOME_FAILED_WITHOUT_EFFECT,
	MIGRATION_OUTCOME_CANCELLED,
	MIGRATION_OUTCOME_CANCELLED_WITHOUT_EFFECT
} MigrationOutcome;

extern void catalog_record_progress(const char *version, const char *checksum,
									int statement_done, double duration_ms);
extern void catalog_record_outcome(MigrationOutcome outcome, const char *version,
								   MigrationDirection direction, const char *checksum,
								   double duration_ms, int sqlerrcode,
								   const char *message, const char *detail_json);
extern void catalog_repair_applied(const char *version, const char *checksum);
extern void catalog_log_event(const char *level, const char *event,
							  const char *version, const char *direction,
							  double duration_ms, const char *sqlstate,
							  const char *message, const char *detail_json);

/* down_script.c */
extern char *down_script_parse_error(const char *down_sql, const char *version);
extern void down_script_warn_unparsable(const char *down_sql, const char *version);
extern void down_script_require_parsable(const char *down_sql, const char *version);
extern void down_script_put_problems(ReturnSetInfo *rsinfo);

/* recovery_guard.c */
extern char *recovery_destroys_data(const char *version, const char *down_sql);
extern char *recovery_held_reason(const char *version);

/* migration_lock.c */
extern void require_read_committed(const char *what_must, const char *unseen);
extern void migration_lock_acquire(void);

/* jobs.c: jobs.h; which backend is the worker: worker_registry.h */

/* job_runner.c (in the worker) */
extern void job_runner_pass(void);

/* worker.c */
extern void worker_register_launcher(void);
extern bool worker_check_database_list(char **newval, void **extra, GucSource source);

/* executor.c */
typedef struct RunningMigration
{
	const char *version;
	MigrationDirection direction;
	int			statement_no;
} RunningMigration;

/* Non-NULL while a migration script runs in this backend. */
extern RunningMigration *schemamig_running;

/* installs the hook that redacts reports raised by migration statements */
extern void executor_init(void);

/* database_commands.c: installs the hook naming a worker that holds a database */
extern void database_commands_init(void);

/*
 * Number of the statement the executor started last: after an error, the
 * one that failed (the worker reports it).
 */
extern int	executor_last_statement;

/* lock_timeout (ms) in force when that statement started */
extern int	executor_last_lock_timeout;

/*
 * What the SET, SET LOCAL and RESET statements of a worker job's script
 * have set so far, carried from one stretch of the script to the next
 * (the worker commits between them): a List of ScriptSetting *, allocated
 * in context.
 */
typedef struct ScriptSetting
{
	char	   *name;
	char	   *value;
} ScriptSetting;

typedef struct ScriptSettings
{
	MemoryContext context;
	List	   *settings;
} ScriptSettings;

extern double executor_run_script(const char *version,
								  MigrationDirection direction,
								  const char *sql, StringInfo detail_json);
extern double executor_run_statements(const char *version,
									  MigrationDirection direction,
									  List *statements, StringInfo detail_json,
									  ScriptSettings *settings);
extern double executor_run_top_level(const char *version,
									 MigrationDirection direction,
									 ScriptStatement *statement,
									 ScriptSettings *settings);
extern void executor_restore_settings(ScriptSettings *settings);

/*
 * Safety linter: src/lint/lint.h declares it (src/README.md maps its
 * files).  doc/lint.md lists the SQLSTATEs.
 */
#define ERRCODE_SCHEMAMIG_LINT_BLOCKED		MAKE_SQLSTATE('S','M','1','0','0')
#define ERRCODE_SCHEMAMIG_LINT_WARNING		MAKE_SQLSTATE('S','M','1','0','1')
#define ERRCODE_SCHEMAMIG_LINT_ADVISORY		MAKE_SQLSTATE('S','M','1','0','2')
#define ERRCODE_SCHEMAMIG_LINT_UNKNOWN_RULE	MAKE_SQLSTATE('S','M','1','0','3')

#endif							/* SCHEMAMIG_H */
