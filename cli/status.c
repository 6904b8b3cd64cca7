/*-------------------------------------------------------------------------
 *
 * status.c
 *		The commands that read migration state and change nothing: status
 *		(the server's migrations, and with --dir how the folder compares)
 *		and validate (the folder against what is applied).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <math.h>

#include "commands.h"

static const char *status_sql =
"SELECT version, description, state, checksum, applied_at, duration_ms FROM schemamig.status()";

/* ---- status ---- */

/* a status row of a folder's file the database holds nothing of */
static void
json_folder_only(PQExpBuffer json, const MigrationFile *file, const char *state, const char *where)
{
	if (json->data[json->len - 1] != '[')
		appendPQExpBufferStr(json, ", ");
	appendPQExpBufferChar(json, '{');
	json_key(json, "version", true);
	json_string(json, file->version);
	json_key(json, "description", false);
	json_string(json, file->description);
	json_key(json, "state", false);
	json_string(json, state);
	json_key(json, "checksum", false);
	json_string(json, file->checksum);
	json_key(json, "applied_at", false);
	appendPQExpBufferStr(json, "null");
	json_key(json, "duration_ms", false);
	appendPQExpBufferStr(json, "null");
	json_key(json, "file", false);
	json_string(json, where);
	appendPQExpBufferChar(json, '}');
}

int
cmd_status(const CliOptions *opts)
{
	MigrationFolder folder;
	const MigrationFile *baseline = NULL;
	bool		with_folder = opts->dir_given;
	ServerInfo	info;
	PGconn	   *conn;
	PGresult   *res;
	PQExpBufferData json;
	int			code;
	int			i;
	int			j;

	if (with_folder && !read_folder_or_report(opts, &folder, &code))
		return code;
	conn = connect_ready(opts, &info, false, &code);
	if (conn == NULL)
		return code;
	res = db_query(conn, status_sql, 0, NULL);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		return command_failed(opts, conn, res, NULL);
	}
	if (with_folder)
		folder_choose_baseline(&folder, res, 0, 3, 2, NULL);

	json_document_open(&json, "status");
	json_key(&json, "database", false);
	json_string(&json, info.database);
	json_key(&json, "migrations", false);
	appendPQExpBufferChar(&json, '[');
	if (!output_json())
		printf("%-20s %-9s %-23s %10s  %s\n", "version", "state", "applied at", "ms", "description");
	for (i = 0; i < PQntuples(res); i++)
	{
		const char *version = PQgetvalue(res, i, 0);
		const MigrationFile *file = with_folder ? folder_find(&folder, version) : NULL;
		const char *file_state = NULL;

		if (with_folder)
			file_state = file == NULL
				? (strcmp(PQgetvalue(res, i, 2), "pending") == 0 ? "registered, not in folder" : "not in folder")
				: strcmp(file->checksum, PQgetvalue(res, i, 3)) == 0 ? "same"
				: file->repeatable ? "file differs: migrate applies it again" : "file differs";
		if (i > 0)
			appendPQExpBufferStr(&json, ", ");
		appendPQExpBufferChar(&json, '{');
		json_key(&json, "version", true);
		json_string(&json, version);
		json_key(&json, "description", false);
		json_string(&json, PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1));
		json_key(&json, "state", false);
		json_string(&json, PQgetvalue(res, i, 2));
		json_key(&json, "checksum", false);
		json_string(&json, PQgetvalue(res, i, 3));
		json_key(&json, "applied_at", false);
		json_string(&json, PQgetisnull(res, i, 4) ? NULL : PQgetvalue(res, i, 4));
		json_key(&json, "duration_ms", false);
		json_number(&json, PQgetisnull(res, i, 5) ? NAN : strtod(PQgetvalue(res, i, 5), NULL));
		if (with_folder)
		{
			json_key(&json, "file", false);
			json_string(&json, file_state);
		}
		appendPQExpBufferChar(&json, '}');
		if (!output_json())
		{
			char		applied_at[24];

			snprintf(applied_at, sizeof(applied_at), "%s",
					 PQgetisnull(res, i, 4) ? "-" : PQgetvalue(res, i, 4));
			printf("%-20s %-9s %-23s %10s  %s%s%s%s\n", version, PQgetvalue(res, i, 2),
				   applied_at,
				   PQgetisnull(res, i, 5) ? "-" : psprintf("%.1f", strtod(PQgetvalue(res, i, 5), NULL)),
				   PQgetisnull(res, i, 1) ? "" : terminal_safe(PQgetvalue(res, i, 1), false),
				   file_state && strcmp(file_state, "same") != 0 ? " [" : "",
				   file_state && strcmp(file_state, "same") != 0 ? file_state : "",
				   file_state && strcmp(file_state, "same") != 0 ? "]" : "");
		}
	}
	/* files the database has never seen */
	for (j = 0; with_folder && j < folder.nfiles; j++)
	{
		const MigrationFile *file = &folder.files[j];

		for (i = 0; i < PQntuples(res); i++)
			if (strcmp(PQgetvalue(res, i, 0), file->version) == 0)
				break;
		if (i < PQntuples(res))
			continue;
		json_folder_only(&json, file, "unregistered", "only in folder");
		if (!output_json())
			printf("%-20s %-9s %-23s %10s  %s\n", file->version, "new", "-", "-",
				   file->description ? terminal_safe(file->description, false) : "");
	}
	/* Flyway: the V files a baseline migration stands for, which no deploy of the folder runs here */
	for (i = 0; with_folder && i < folder.nfiles && baseline == NULL; i++)
		if (folder.files[i].baseline)
			baseline = &folder.files[i];
	for (j = 0; with_folder && j < folder.nbelow_baseline; j++)
	{
		const MigrationFile *file = &folder.below_baseline[j];
		json_folder_only(&json, file, "below_baseline",
						 baseline ? psprintf("stood for by %s", baseline->up_path) : "only in folder");
		if (!output_json())
			printf("%-20s %-9s %-23s %10s  %s [below baseline migration %s: not run here]\n", file->version,
				   "ignored", "-", "-", file->description ? terminal_safe(file->description, false) : "",
				   baseline ? baseline->up_path : "");
	}
	appendPQExpBufferChar(&json, ']');
	json_key(&json, "ok", false);
	appendPQExpBufferStr(&json, "true}\n");
	if (output_json())
		fputs(json.data, stdout);
	log_event("info", psprintf("status: %d migration(s) known", PQntuples(res)), NULL, NULL, NULL, NAN);
	termPQExpBuffer(&json);
	PQclear(res);
	db_finish(conn);
	return EXIT_OK;
}

/* ---- validate ---- */

static void
add_problem(PQExpBuffer json, int *n, const char *version, const char *problem)
{
	if ((*n)++ > 0)
		appendPQExpBufferStr(json, ", ");
	appendPQExpBufferChar(json, '{');
	json_key(json, "version", true);
	json_string(json, version);
	json_key(json, "problem", false);
	json_string(json, problem);
	appendPQExpBufferChar(json, '}');
	log_event("error", problem, version, NULL, NULL, NAN);
	if (!output_json())
	{
		printf("%s: ", version);
		print_redacted(stdout, problem);
		putchar('\n');
	}
}

int
cmd_validate(const CliOptions *opts)
{
	MigrationFolder folder;
	bool		with_folder = opts->dir_given;
	ServerInfo	info;
	PGconn	   *conn;
	PGresult   *res;
	PGresult   *status = NULL;
	PQExpBufferData json;
	char	  **not_in_folder = NULL;
	int			nnot_in_folder = 0;
	char	  **outdated = NULL;
	int			noutdated = 0;
	int			problems = 0;
	int			code;
	int			i;

	if (with_folder && !read_folder_or_report(opts, &folder, &code))
		return code;
	conn = connect_ready(opts, &info, false, &code);
	if (conn == NULL)
		return code;
	res = db_query(conn, "SELECT version, problem FROM schemamig.validate()", 0, NULL);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		return command_failed(opts, conn, res, NULL);
	}
	if (with_folder)
	{
		status = db_query(conn, status_sql, 0, NULL);
		if (PQresultStatus(status) != PGRES_TUPLES_OK)
		{
			PQclear(res);
			return command_failed(opts, conn, status, NULL);
		}
		not_in_folder = pg_malloc0(sizeof(char *) * (PQntuples(status) + 1));
		folder_choose_baseline(&folder, status, 0, 3, 2, NULL);
	}
	outdated = pg_malloc0(sizeof(char *) * (PQntuples(res) + 1));

	json_document_open(&json, "validate");
	json_key(&json, "problems", false);
	appendPQExpBufferChar(&json, '[');
	for (i = 0; i < PQntuples(res); i++)
	{
		const char *problem = PQgetvalue(res, i, 1);
		const MigrationFile *file = with_folder ? folder_find(&folder, PQgetvalue(res, i, 0)) : NULL;

		/* a down script that does not parse: name its file */
		if (file && file->down_path && strncmp(problem, "down script", 11) == 0)
			problem = psprintf("%s: %s", file->down_path, problem);
		/* not a problem: an outdated repeatable migration is what the next migrate applies */
		if (strncmp(problem, "outdated:", 9) == 0)
		{
			outdated[noutdated++] = PQgetvalue(res, i, 0);
			if (!output_json())
				printf("%s: %s\n", PQgetvalue(res, i, 0), problem);
			continue;
		}
		add_problem(&json, &problems, PQgetvalue(res, i, 0), problem);
	}

	/* the folder against the database: applied scripts must not change */
	for (i = 0; status && i < PQntuples(status); i++)
	{
		const char *version = PQgetvalue(status, i, 0);
		const char *state = PQgetvalue(status, i, 2);
		const MigrationFile *file = folder_find(&folder, version);
		bool		applied = strcmp(state, "pending") != 0;

		/* not a problem: a deploy of the folder leaves it alone, and says so */
		if (file == NULL && !applied)
		{
			not_in_folder[nnot_in_folder++] = PQgetvalue(status, i, 0);
			if (!output_json())
				printf("%s: registered, not in folder %s (a deploy of the folder does not apply it)\n",
					   version, opts->dir);
		}
		else if (file == NULL && applied)
			add_problem(&json, &problems, version,
						psprintf("applied, but there is no file for it in %s", opts->dir));
		else if (file && applied && file->repeatable && strcmp(file->checksum, PQgetvalue(status, i, 3)) != 0)
		{
			/* not a problem either: a changed repeatable file is applied again */
			if (!output_json())
				printf("%s: %s changed: the next migrate applies it again\n", version, file->up_path);
		}
		else if (file && applied && strcmp(file->checksum, PQgetvalue(status, i, 3)) != 0)
			add_problem(&json, &problems, version,
						psprintf("%s differs from the applied migration (file checksum %s, registered %s)",
								 file->up_path, file->checksum, PQgetvalue(status, i, 3)));
	}
	appendPQExpBufferChar(&json, ']');
	if (with_folder)
	{
		json_key(&json, "not_in_folder", false);
		text_array_json(&json, not_in_folder, nnot_in_folder);
	}
	json_key(&json, "outdated", false);
	text_array_json(&json, outdated, noutdated);
	json_key(&json, "ok", false);
	appendPQExpBufferStr(&json, problems == 0 ? "true}\n" : "false}\n");
	if (output_json())
		fputs(json.data, stdout);
	else if (problems == 0)
		printf("valid: no problems found in %s\n", info.database);
	else
		printf("%d problem(s) found\n", problems);
	termPQExpBuffer(&json);
	PQclear(res);
	if (status)
		PQclear(status);
	db_finish(conn);
	return problems == 0 ? EXIT_OK : EXIT_FAILED;
}
