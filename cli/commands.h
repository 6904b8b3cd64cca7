/*-------------------------------------------------------------------------
 *
 * commands.h
 *		What the client's commands share (commands.c), and the
 *		registration of a folder (register.c).
 *
 * Included by the files of the commands that read a folder, talk to the
 * server and report migrations: migrate.c, status.c, rollback.c,
 * repair.c and adopt.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_CLI_COMMANDS_H
#define SCHEMAMIG_CLI_COMMANDS_H

#include "schemamig_cli.h"

/* a migration's result, as a command reports it */
typedef struct RunResult
{
	char	   *version;
	char	   *result;
	double		duration_ms;
} RunResult;

/* what a deploy did, or would do, and the registrations it leaves alone */
typedef struct Deploy
{
	DeployItem *items;			/* recoveries first, then the plan */
	int			nitems;
	char	  **not_in_folder;	/* registered, pending, not in the folder */
	int			nnot_in_folder;
	bool		recovery_queued;	/* a dirty migration's down script went to the worker */
} Deploy;

/* commands.c */
extern bool read_folder_or_report(const CliOptions *opts, MigrationFolder *folder, int *exit_code);
extern const MigrationFile *folder_find(const MigrationFolder *folder, const char *version);
extern PGconn *connect_ready(const CliOptions *opts, ServerInfo *info, bool begin, int *exit_code);
extern int	command_failed(const CliOptions *opts, PGconn *conn, PGresult *res, const char *context);
extern void print_result_line(const RunResult *r, const MigrationFolder *folder, const char *direction);
extern void json_results(PQExpBuffer buf, const RunResult *results, int n, const MigrationFolder *folder);
extern void deploy_from_plan(PGresult *plan, Deploy *deploy);

/* register.c */
extern int	register_folder(PGconn *conn, PGresult *registrations, const MigrationFolder *folder,
							PGresult **failed);

#endif							/* SCHEMAMIG_CLI_COMMANDS_H */
