/*-------------------------------------------------------------------------
 *
 * executor.h
 *		Running an up or down script, statement by statement.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_EXECUTOR_H
#define SCHEMAMIG_EXECUTOR_H

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

#include "script.h"

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

/*
 * Number of the statement the executor started last: after an error, the
 * one that failed (the worker reports it).
 */
extern int	executor_last_statement;

/* lock_timeout (ms) in force when that statement started */
extern int	executor_last_lock_timeout;

/* statement_timeout (ms) in force for the last batch of a backfill */
extern int	executor_last_statement_timeout;

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
extern double executor_run_batch(const char *version, MigrationDirection direction,
								 ScriptStatement *statement, const char *sql,
								 ScriptSettings *settings);
extern void executor_restore_settings(ScriptSettings *settings);

#endif							/* SCHEMAMIG_EXECUTOR_H */
