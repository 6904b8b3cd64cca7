/*-------------------------------------------------------------------------
 *
 * commands.c
 *		What the client's commands share: reading the folder (or reporting
 *		its problems), connecting to a server with the extension, reporting
 *		a failed query, a migration's result line and its JSON, and the
 *		deploy that deploy_plan() or rollback_plan() describes.
 *
 * The commands themselves: migrate.c (with register.c), status.c (status,
 * validate), rollback.c, repair.c (repair, baseline), lint.c, adopt.c and
 * scaffold.c (new).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <math.h>

#include "commands.h"

bool
read_folder_or_report(const CliOptions *opts, MigrationFolder *folder, int *exit_code)
{
	if (folder_read(opts->dir, folder))
	{
		notices_name_files_of(folder);
		return true;
	}
	*exit_code = report_folder_problems(opts, folder);
	if (!folder->missing)
		report_error("%d problem(s) in migration folder \"%s\"; nothing was sent to the database",
					 folder->nerrors, opts->dir);
	return false;
}

const MigrationFile *
folder_find(const MigrationFolder *folder, const char *version)
{
	int			i;

	for (i = 0; i < folder->nfiles; i++)
		if (strcmp(folder->files[i].version, version) == 0)
			return &folder->files[i];
	return NULL;
}

/* connect, probe, insist on the extension; NULL (exit code set) on failure */
PGconn *
connect_ready(const CliOptions *opts, ServerInfo *info, bool begin, int *exit_code)
{
	PGconn	   *conn = db_connect(opts);

	*exit_code = EXIT_USAGE;
	if (conn == NULL)
		return NULL;
	if (!db_probe(conn, info, begin))
	{
		if (output_json())
			json_result_error(opts->command, NULL);
		db_finish(conn);
		return NULL;
	}
	if (!db_require_extension(info))
	{
		if (output_json())
			json_result_error(opts->command, NULL);
		db_finish(conn);
		return NULL;
	}
	*exit_code = EXIT_OK;
	return conn;
}

/* a failed query: report it, print the JSON error, give the exit code */
static int
query_failed(const CliOptions *opts, PGresult *res, const char *context)
{
	int			code = report_server_error(res, context);

	if (output_json())
		json_result_error(opts->command, res);
	PQclear(res);
	return code;
}

/* the same, and the command ends: close the connection (rolling back) */
int
command_failed(const CliOptions *opts, PGconn *conn, PGresult *res, const char *context)
{
	int			code = query_failed(opts, res, context);

	db_finish(conn);
	return code;
}

void
print_result_line(const RunResult *r, const MigrationFolder *folder, const char *direction)
{
	const MigrationFile *file = folder ? folder_find(folder, r->version) : NULL;

	log_event("info", psprintf("%s migration %s", r->result, r->version), r->version,
			  direction, file ? file->checksum : NULL, r->duration_ms);
	if (output_json())
		return;
	progress_clear();
	printf("%-11s %s", r->result, r->version);
	if (file && file->description)
		printf("  %s", terminal_safe(file->description, false));
	if (!isnan(r->duration_ms))
		printf("  (%.1f ms)", r->duration_ms);
	putchar('\n');
	fflush(stdout);
}

void
json_results(PQExpBuffer buf, const RunResult *results, int n, const MigrationFolder *folder)
{
	int			i;

	appendPQExpBufferChar(buf, '[');
	for (i = 0; i < n; i++)
	{
		const MigrationFile *file = folder ? folder_find(folder, results[i].version) : NULL;

		if (i > 0)
			appendPQExpBufferStr(buf, ", ");
		appendPQExpBufferChar(buf, '{');
		json_key(buf, "version", true);
		json_string(buf, results[i].version);
		if (folder)
		{
			json_key(buf, "description", false);
			json_string(buf, file ? file->description : NULL);
			json_key(buf, "checksum", false);
			json_string(buf, file ? file->checksum : NULL);
		}
		json_key(buf, "result", false);
		json_string(buf, results[i].result);
		json_key(buf, "duration_ms", false);
		json_number(buf, results[i].duration_ms);
		appendPQExpBufferChar(buf, '}');
	}
	appendPQExpBufferChar(buf, ']');
}

/* read deploy_plan()'s rows; recoveries (already done) come with their result */
void
deploy_from_plan(PGresult *plan, Deploy *deploy)
{
	int			i;

	memset(deploy, 0, sizeof(*deploy));
	deploy->items = pg_malloc0(sizeof(DeployItem) * (PQntuples(plan) + 1));
	deploy->not_in_folder = pg_malloc0(sizeof(char *) * (PQntuples(plan) + 1));
	for (i = 0; i < PQntuples(plan); i++)
	{
		const char *result = PQgetvalue(plan, i, 1);
		DeployItem *item;

		if (strcmp(result, "not_in_folder") == 0)
		{
			deploy->not_in_folder[deploy->nnot_in_folder++] = pg_strdup(PQgetvalue(plan, i, 0));
			continue;
		}
		item = &deploy->items[deploy->nitems++];
		item->version = pg_strdup(PQgetvalue(plan, i, 0));
		item->duration_ms = PQgetisnull(plan, i, 2) ? NAN : strtod(PQgetvalue(plan, i, 2), NULL);
		item->worker = strcmp(result, "pending_worker") == 0;
		if (strcmp(result, "recovered") == 0)
			item->result = "recovered";
		else if (strcmp(result, "queued") == 0)
		{
			item->result = "queued";
			deploy->recovery_queued = true;
		}
	}
}
