/*-------------------------------------------------------------------------
 *
 * schemamig_cli.h
 *		Declarations shared by the files of the schemamig command-line
 *		client.
 *
 * The client is a thin driver: everything that decides what a migration
 * does (checksums of record, order, locking, running scripts, recording
 * history) happens in the server, in the schemamig extension.  The client
 * reads a folder, sends it in one round trip, and reports what the server
 * answered.
 *
 * Exit codes: 0 success; 1 a migration, a check or the migration folder
 * failed; 2 the command could not be attempted (usage, missing folder,
 * connection, extension not installed).
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

#define MAX_VERSION_LEN 128

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
	bool		dry_run;
	bool		no_auto_recover;
	bool		json;			/* --json, or --format json for lint */
	bool		trace;			/* lint --trace */
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
} MigrationFile;

typedef struct MigrationFolder
{
	MigrationFile *files;		/* in natural version order */
	int			nfiles;
	char	  **errors;			/* "path: what is wrong", one per problem */
	int			nerrors;
	bool		missing;		/* the folder itself cannot be opened */
} MigrationFolder;

extern bool folder_read(const char *dir, MigrationFolder *folder);
extern void folder_read_help(void);
extern bool file_read_text(const char *path, char **text, char **error);
extern bool migration_file_parse(const char *path, MigrationFile *file, char **error);
extern bool version_name_valid(const char *version);
extern int	version_compare(const char *a, const char *b);
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
extern void json_error_fields(PQExpBuffer buf, const PGresult *res);
extern void json_string(PQExpBuffer buf, const char *s);
extern void json_key(PQExpBuffer buf, const char *key, bool first);
extern void json_number(PQExpBuffer buf, double value);
extern void json_document_open(PQExpBuffer buf, const char *command);
extern void json_result_error(const char *command, const PGresult *res);
extern void json_folder_errors(const char *command, const MigrationFolder *folder);
extern int	report_folder_problems(const CliOptions *opts, const MigrationFolder *folder);
extern void print_redacted(FILE *out, const char *text);
extern char *redact(const char *text);
extern void progress_update(int done, int total, const char *version, double seconds);
extern void progress_clear(void);
extern bool progress_wanted(void);
extern double now_seconds(void);

/* ---- commands (commands.c, lint.c, scaffold.c) ---- */

extern int	cmd_migrate(const CliOptions *opts);
extern int	cmd_status(const CliOptions *opts);
extern int	cmd_validate(const CliOptions *opts);
extern int	cmd_rollback(const CliOptions *opts);
extern int	cmd_repair(const CliOptions *opts);
extern int	cmd_baseline(const CliOptions *opts);
extern int	cmd_lint(const CliOptions *opts);
extern int	cmd_new(const CliOptions *opts);

typedef struct LintInput
{
	const char *path;			/* file the script came from */
	const char *version;		/* migration version, or NULL */
	const char *direction;		/* "up", "down", or NULL for a plain file */
	const char *sql;
	int			first_line;		/* line of path where sql starts */
} LintInput;

extern int	lint_run(PGconn *conn, const LintInput *inputs, int ninputs,
					 OutputFormat format, PQExpBuffer json, int *findings);

#endif							/* SCHEMAMIG_CLI_H */
