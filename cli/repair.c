/*-------------------------------------------------------------------------
 *
 * repair.c
 *		The commands that correct the history without running a script:
 *		repair (clear a dirty state, or accept a changed script) and
 *		baseline (mark an existing database as being at a version).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <math.h>

#include "commands.h"

static int
single_value_command(const CliOptions *opts, const char *sql, int nparams,
					 const char *const *params, const char *json_field, const char *text_format)
{
	ServerInfo	info;
	PGconn	   *conn;
	PGresult   *res;
	PQExpBufferData json;
	int			code;
	char	   *value;

	conn = connect_ready(opts, &info, false, &code);
	if (conn == NULL)
		return code;
	res = db_query(conn, sql, nparams, params);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		return command_failed(opts, conn, res, NULL);
	}
	value = pg_strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	db_finish(conn);

	log_event("info", psprintf("%s %s: %s", opts->command, params[0], value), params[0],
			  NULL, NULL, NAN);
	json_document_open(&json, opts->command);
	json_key(&json, "version", false);
	json_string(&json, params[0]);
	json_key(&json, json_field, false);
	if (strcmp(json_field, "marked") == 0)
		appendPQExpBufferStr(&json, value);
	else
		json_string(&json, value);
	json_key(&json, "ok", false);
	appendPQExpBufferStr(&json, "true}\n");
	if (output_json())
		fputs(json.data, stdout);
	else
	{
		char	   *line = psprintf(text_format, params[0], value);

		print_redacted(stdout, line);
		putchar('\n');
	}
	termPQExpBuffer(&json);
	return EXIT_OK;
}

int
cmd_repair(const CliOptions *opts)
{
	const char *params[2] = {opts->args[0], NULL};

	if (opts->dir_given)
	{
		MigrationFolder folder;
		const MigrationFile *file;
		int			code;

		if (!read_folder_or_report(opts, &folder, &code))
			return code;
		file = folder_find(&folder, opts->args[0]);
		if (file == NULL)
		{
			report_error("migration \"%s\" is not in folder \"%s\"", opts->args[0], opts->dir);
			if (output_json())
				json_result_error(opts->command, NULL);
			return EXIT_FAILED;
		}
		params[1] = file->up_sql;
	}
	return single_value_command(opts, "SELECT schemamig.repair($1, $2)", 2, params,
								"result", "repair %s: %s");
}

int
cmd_baseline(const CliOptions *opts)
{
	const char *params[2] = {opts->args[0], opts->description ? opts->description : "baseline"};

	return single_value_command(opts, "SELECT schemamig.baseline($1, $2)", 2, params,
								"marked", "baseline %s: %s migration(s) marked as applied");
}
