/*-------------------------------------------------------------------------
 *
 * schemamig_cli.h
 *		Declarations shared by the files of the schemamig command-line
 *		client.
 *
 * The client is a thin driver: everything that decides what a migration
 * does (checksums of record, order, locking, running scripts, recording
 * history) happens in the server, in the schemamig extension.  The client
 * reads a folder, sends it in one round trip, drives the deploy one
 * migration per transaction (deploy.c), and reports what the server
 * answered.
 *
 * Exit codes: 0 success; 1 a migration, a check or the migration folder
 * failed; 2 the command could not be attempted (usage, missing folder,
 * connection, extension not installed); 3 migrate --no-wait queued a
 * migration for the worker and did not wait for it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_CLI_H
#define SCHEMAMIG_CLI_H

#include "libpq-fe.h"
#include "pqexpbuffer.h"

#define SCHEMAMIG_CLI_VERSION "0.2.0"

#define EXIT_OK			0
#define EXIT_FAILED		1
#define EXIT_USAGE		2
#define EXIT_QUEUED		3

/* ---- options (main.c) ---- */

typedef enum OutputFormat
{
	FORMAT_TEXT,
	FORMAT_JSON,
	FORMAT_GITHUB
} OutputFormat;

typedef struct CliOptions
{
	const char *command;
	const char *db;				/* --db: conninfo or URI, may be NULL */
	const char *dir;			/* --dir, default "migrations" */
	bool		dir_given;		/* --dir was on the command line */
	const char *target;			/* migrate --target, rollback --to */
	int			steps;			/* rollback --steps, 0 when not given */
	const char *description;	/* baseline --description */
	const char *log_file;		/* --log-file */
	const char *from;			/* adopt --from */
	const char *table;			/* adopt --table */
	bool		dry_run;
	bool		no_auto_recover;
	bool		single_transaction; /* migrate --single-transaction */
	bool		no_wait;		/* migrate --no-wait */
	long		wait_timeout_ms;	/* --wait-timeout, -1 for no limit */
	long		lock_wait_timeout_ms;	/* --lock-wait-timeout, -1 when not given */
	bool		json;			/* --json, or --format json for lint */
	bool		trace;			/* lint --trace, migrate --dry-run --trace */
	OutputFormat format;
	char	  **args;			/* positional arguments after the command */
	int			nargs;
} CliOptions;

/* ---- migration folders (files.c) ---- */

typedef struct MigrationFile
{
	char	   *version;
	char	   *description;	/* NULL when the name has none */
	char	   *up_path;		/* file holding the up script */
	char	   *down_path;		/* file holding the down script, or NULL */
	char	   *up_sql;
	char	   *down_sql;		/* NULL when there is none */
	int			up_line;		/* line of up_path where up_sql starts */
	int			down_line;		/* line of down_path where down_sql starts */
	char	   *checksum;		/* SHA-256 hex of up_sql, as the server computes it */
	char	   *down_checksum;	/* the same of down_sql, NULL without one */
	bool		up_no_transaction;	/* the tool's marker: run outside a transaction */
	bool		down_no_transaction;
	bool		repeatable;		/* Flyway's R__{description}.sql: register_repeatable() */
	bool		baseline;		/* Flyway's B{version}__{description}.sql (layout_flyway.c) */
} MigrationFile;

/* ---- folder layouts (layouts.c, layout_*.c, script_text.c) ---- */

typedef enum MigrationLayout
{
	LAYOUT_AUTO,
	LAYOUT_SCHEMAMIG,
	LAYOUT_GOLANG_MIGRATE,
	LAYOUT_SQLX,
	LAYOUT_GOOSE,
	LAYOUT_DBMATE,
	LAYOUT_FLYWAY,
	LAYOUT_DIESEL,
	LAYOUT_PRISMA,
	LAYOUT_SQITCH
} MigrationLayout;

typedef enum FlywayKind
{
	FLYWAY_NOT_A_NAME,
	FLYWAY_VERSIONED,			/* V{version}__ */
	FLYWAY_UNDO,				/* U{version}__ */
	FLYWAY_REPEATABLE,			/* R__ */
	FLYWAY_BASELINE				/* B{version}__ */
} FlywayKind;

extern const char *layout_name(MigrationLayout layout);
extern bool layout_parse(const char *name, MigrationLayout *layout);
extern const char *layout_name_list(void);
extern void layout_force(MigrationLayout layout);
/* one name of a folder, as listed once (files.c) and looked at by detection */
typedef struct FolderName
{
	char	   *name;
	unsigned char type;			/* d_type: DT_REG, DT_DIR, DT_UNKNOWN, ... */
} FolderName;

extern MigrationLayout layout_of_names(int dir_fd, const FolderName *names, int n);
extern FlywayKind flyway_name_kind(const char *name);
extern bool flyway_parse_name(const char *name, FlywayKind *kind, char **version,
							  char **description);
extern bool sections_present(const char *text);
extern bool sections_split(const char *path, const char *text, MigrationLayout layout,
						   MigrationFile *file, char **error);
extern const char *sql_skip_space(const char *p);
extern bool sql_has_statements(const char *text);
extern bool sql_strip_wrapper(char **sql, int *first_line);

typedef struct MigrationFolder
{
	MigrationFile *files;		/* in natural version order */
	int			nfiles;
	char	  **errors;			/* "path: what is wrong", one per problem */
	int			nerrors;
	bool		missing;		/* the folder itself cannot be opened */
	MigrationLayout layout;		/* the layout it was read in */
	char	   *project;		/* sqitch's %project, NULL in other layouts */
	MigrationFile *baselines;	/* Flyway's B files, in version order */
	int			nbaselines;
	MigrationFile *below_baseline;	/* V files the chosen B file stands for */
	int			nbelow_baseline;
	MigrationFile *versioned;	/* files as read, before a B file was chosen */
	int			nversioned;
} MigrationFolder;

/* what the server says of one registered migration, for choosing a B file */
typedef struct ServerMigration
{
	const char *version;
	const char *checksum;
	bool		applied;
} ServerMigration;

extern bool folder_read_subfolders(const char *dir, MigrationLayout layout,
								   MigrationFolder *folder);
extern void folder_add_error(MigrationFolder *folder, char *message);
extern char *diesel_version(const char *version);
extern const char *layout_target_version(const char *target, const MigrationFolder *folder);
extern bool folder_read_sqitch(const char *dir, MigrationFolder *folder);
extern const MigrationFile *flyway_baseline_choice(const MigrationFolder *folder,
												   const ServerMigration *server, int nserver,
												   const char *target);
extern void flyway_use_baseline(MigrationFolder *folder, const MigrationFile *baseline);
extern bool flyway_conf_outside_transaction(const char *path, MigrationFolder *folder);
extern const MigrationFile *flyway_baseline_at(const MigrationFolder *folder, const char *version);
extern void folder_choose_baseline(MigrationFolder *folder, PGresult *res, int version_col,
								   int checksum_col, int applied_col, const char *target);

extern bool folder_read(const char *dir, MigrationFolder *folder);
extern void folder_read_help(void);
extern bool file_read_text(const char *path, char **text, char **error);
extern bool migration_file_parse(const char *path, MigrationFile *file, char **error);
extern char *path_join(const char *dir, const char *name);

/* ---- checksums (checksum.c) ---- */

extern char *checksum_script(const char *sql);
extern char *folder_digest(const MigrationFolder *folder);

/* ---- connection and queries (connection.c) ---- */

typedef struct ServerInfo
{
	char	   *extversion;		/* NULL when the extension is not installed */
	bool		has_lint;		/* schemamig.lint(text) exists */
	bool		has_auto_recover;	/* the schemamig.auto_recover GUC exists */
	bool		has_registrations;	/* schemamig.registrations() exists and we may call it */
	char	   *database;
} ServerInfo;

extern void notices_name_files_of(const MigrationFolder *folder);
extern const MigrationFolder *notices_folder(void);

typedef struct EarlyConnection EarlyConnection;

extern PGconn *db_connect(const CliOptions *opts);
extern EarlyConnection *db_connect_early(const CliOptions *opts, void (*when_idle) (void));
extern PGconn *db_connect_finish(EarlyConnection *early, ServerInfo *info,
								 PGresult **digest, PGresult **registrations);
extern PGresult *db_registrations(PGconn *conn, const ServerInfo *info);
extern void db_connect_abandon(EarlyConnection *early);
extern bool db_probe(PGconn *conn, ServerInfo *info, bool begin);
extern bool db_require_extension(const ServerInfo *info);
extern PGresult *db_query(PGconn *conn, const char *sql, int nparams,
						  const char *const *params);
extern bool db_command(PGconn *conn, const char *sql);
extern void db_finish(PGconn *conn);
extern void text_array_literal(PQExpBuffer buf, char *const *items, int n);

/* ---- output, log file, redaction (output.c, redact.c) ---- */

extern void output_init(const CliOptions *opts);
extern bool output_json(void);
extern void output_close(void);
extern void log_event(const char *level, const char *message, const char *version,
					  const char *direction, const char *checksum, double duration_ms);
extern void report_error(const char *fmt,...) pg_attribute_printf(1, 2);
extern void report_note(const char *fmt,...) pg_attribute_printf(1, 2);
extern int	report_server_error(const PGresult *res, const char *context);
extern int	server_error_script_line(const PGresult *res, bool *down);
extern void json_error_fields(PQExpBuffer buf, const PGresult *res);
extern void json_string(PQExpBuffer buf, const char *s);
extern void json_key(PQExpBuffer buf, const char *key, bool first);
extern void json_number(PQExpBuffer buf, double value);
extern void text_array_json(PQExpBuffer buf, char *const *items, int n);
extern void json_document_open(PQExpBuffer buf, const char *command);
extern void json_result_error(const char *command, const PGresult *res);
extern void json_folder_errors(const char *command, const MigrationFolder *folder);
extern int	report_folder_problems(const CliOptions *opts, const MigrationFolder *folder);
extern void print_redacted(FILE *out, const char *text);
extern char *terminal_safe(const char *s, bool multi_line);
extern char *redact(const char *text);
/* backfill_progress.c */
extern char *backfill_progress_line(PGconn *conn, long long job);

extern void progress_update(int done, int total, const char *version, double seconds);
extern void progress_clear(void);
extern bool progress_wanted(void);
extern double now_seconds(void);

/* ---- commands (migrate.c, status.c, rollback.c, repair.c, lint.c, scaffold.c, adopt.c) ---- */

extern int	cmd_migrate(const CliOptions *opts);
extern int	cmd_status(const CliOptions *opts);
extern int	cmd_validate(const CliOptions *opts);
extern int	cmd_rollback(const CliOptions *opts);
extern int	cmd_repair(const CliOptions *opts);
extern int	cmd_baseline(const CliOptions *opts);
extern int	cmd_lint(const CliOptions *opts);
extern int	cmd_new(const CliOptions *opts);
extern int	cmd_adopt(const CliOptions *opts);
extern bool adopt_tool_known(const char *name);
extern const char *adopt_tool_names(void);

typedef struct LintInput
{
	const char *path;			/* file the script came from */
	const char *version;		/* migration version, or NULL */
	const char *direction;		/* "up", "down", or NULL for a plain file */
	const char *sql;
	int			first_line;		/* line of path where sql starts */
} LintInput;

/* ---- running a deploy (deploy.c) ---- */

typedef struct DeployItem
{
	char	   *version;
	bool		worker;			/* the worker must run it */
	const char *result;			/* NULL while pending; applied, skipped, queued,
								 * failed, rolled_back, recovered */
	double		duration_ms;
	long long	job;			/* worker job, 0 if none */
	const char *reason;			/* --dry-run: why it is "unchecked", else NULL */
} DeployItem;

typedef struct DeployLimits
{
	long		lock_timeout_ms;	/* schemamig.lock_timeout */
	long		lock_wait_ms;	/* schemamig.lock_wait_timeout, 0 for no limit */
	long		retry_budget_ms;	/* schemamig.lock_retry_budget, or 5 min */
	long		wait_timeout_ms;	/* --wait-timeout, -1 for no limit */
	bool		no_wait;
} DeployLimits;

typedef struct DeployRun
{
	DeployItem *items;			/* the plan, in order */
	int			nitems;
	const DeployLimits *limits;
	void		(*on_result) (const DeployItem *item, void *arg);	/* as each commits */
	void	   *arg;
} DeployRun;

extern PGresult *deploy_read_limits(PGconn *conn, const CliOptions *opts, DeployLimits *limits);
extern bool deploy_busy_pause(const PGresult *res, const DeployLimits *limits, double *since,
							  int *pauses);
extern PGresult *deploy_wait_job(PGconn *conn, const char *version, const char *direction,
								 long long job, const DeployLimits *limits);
extern int	deploy_run(PGconn *conn, DeployRun *run, bool single, PGresult **failed);

extern int	lint_run(PGconn *conn, const LintInput *inputs, int ninputs, bool as_deploy,
					 OutputFormat format, PQExpBuffer json, int *findings);
extern int	trace_run(PGconn *conn, const LintInput *inputs, int ninputs,
					  OutputFormat format, PQExpBuffer json);

#endif							/* SCHEMAMIG_CLI_H */
