/*-------------------------------------------------------------------------
 *
 * rollback.c
 *		The rollback command: rollback_plan() says which migrations, newest
 *		first; their down scripts run in one transaction, up to one the
 *		worker must run.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <math.h>

#include "commands.h"

/*
 * End the document of a command that ran migrations: the results, their
 * count under count_key, the duration and "ok"; print it under --json.
 */
static void
json_finish_results(PQExpBuffer buf, const RunResult *results, int n,
					const MigrationFolder *folder, const char *count_key, double started)
{
	json_key(buf, "migrations", false);
	json_results(buf, results, n, folder);
	json_key(buf, count_key, false);
	appendPQExpBuffer(buf, "%d", n);
	json_key(buf, "duration_ms", false);
	json_number(buf, (now_seconds() - started) * 1000.0);
	json_key(buf, "ok", false);
	appendPQExpBufferStr(buf, "true}\n");
	if (output_json())
		fputs(buf->data, stdout);
}

/*
 * Roll back the planned migrations, newest first, in one transaction up
 * to a down script the worker must run: what came before it commits, the
 * job is queued and waited for, and a new transaction goes on.  Returns
 * NULL, or the error that stopped it (the items' results say how far it
 * got).
 */
static PGresult *
rollback_run(PGconn *conn, Deploy *deploy, const DeployLimits *limits)
{
	const char *step_sql = "SELECT result, duration_ms, job FROM schemamig.rollback_step($1)";
	int			tx_start = 0;
	int			i;

	for (i = 0; i < deploy->nitems; i++)
	{
		DeployItem *item = &deploy->items[i];
		const char *params[1] = {item->version};
		PGresult   *res;

		if (item->worker)
		{
			res = PQexec(conn, "COMMIT");
			if (PQresultStatus(res) != PGRES_COMMAND_OK)
				goto failed;
			PQclear(res);
			res = db_query(conn, step_sql, 1, params);
			if (PQresultStatus(res) != PGRES_TUPLES_OK)
				goto failed;
			item->job = atoll(PQgetvalue(res, 0, 2));
			PQclear(res);
			res = deploy_wait_job(conn, item->version, "down", item->job, limits);
			if (res != NULL)
				goto failed;
			item->result = "rolled_back";
			PQclear(PQexec(conn, "BEGIN"));
			tx_start = i + 1;
			continue;
		}
		res = db_query(conn, step_sql, 1, params);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			goto failed;
		item->result = "rolled_back";
		item->duration_ms = PQgetisnull(res, 0, 1) ? NAN : strtod(PQgetvalue(res, 0, 1), NULL);
		PQclear(res);
		continue;

failed:
		item->result = "failed";
		/* the open transaction is lost: what it rolled back is applied again */
		for (; tx_start < i; tx_start++)
			deploy->items[tx_start].result = NULL;
		return res;
	}
	return NULL;
}

int
cmd_rollback(const CliOptions *opts)
{
	MigrationFolder folder;
	ServerInfo	info;
	PGconn	   *conn;
	PGresult   *res;
	PQExpBufferData json;
	DeployLimits limits = {0, 0, 0, -1, false};
	Deploy		deploy;
	RunResult  *results;
	const char *params[2] = {NULL, opts->target};
	char		steps[32];
	int			nresults = 0;
	int			code;
	int			i;
	double		started = now_seconds();

	if (opts->dir_given && !read_folder_or_report(opts, &folder, &code))
		return code;
	conn = connect_ready(opts, &info, true, &code);
	if (conn == NULL)
		return code;
	res = deploy_read_limits(conn, opts, &limits);
	if (res != NULL)
		return command_failed(opts, conn, res, NULL);
	params[1] = layout_target_version(opts->target, opts->dir_given ? &folder : NULL);
	if (opts->target == NULL)
	{
		snprintf(steps, sizeof(steps), "%d", opts->steps);
		params[0] = steps;
	}
	res = db_query(conn, "SELECT version, result, duration_ms"
				   " FROM schemamig.rollback_plan($1::pg_catalog.int4, $2)", 2, params);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return command_failed(opts, conn, res, "rollback failed; nothing was rolled back");
	deploy_from_plan(res, &deploy);
	PQclear(res);

	res = rollback_run(conn, &deploy, &limits);
	if (res == NULL)
	{
		res = PQexec(conn, "COMMIT");
		if (PQresultStatus(res) == PGRES_COMMAND_OK)
		{
			PQclear(res);
			res = NULL;
		}
	}
	if (res != NULL)
	{
		report_server_error(res, "rollback failed");
		if (output_json())
			json_result_error(opts->command, res);
		PQclear(res);
		code = EXIT_FAILED;
	}
	db_finish(conn);

	results = pg_malloc0(sizeof(RunResult) * (deploy.nitems + 1));
	for (i = 0; i < deploy.nitems; i++)
		if (deploy.items[i].result && strcmp(deploy.items[i].result, "rolled_back") == 0)
		{
			RunResult  *r = &results[nresults++];

			r->version = deploy.items[i].version;
			r->result = "rolled_back";
			r->duration_ms = deploy.items[i].duration_ms;
			print_result_line(r, opts->dir_given ? &folder : NULL, "down");
		}
	if (code == EXIT_FAILED)
	{
		if (!output_json())
			printf("rolled back %d migration(s) before the failure\n", nresults);
		return code;
	}
	json_document_open(&json, "rollback");
	json_finish_results(&json, results, nresults, opts->dir_given ? &folder : NULL, "rolled_back", started);
	if (!output_json() && nresults == 0)
		printf("nothing to roll back\n");
	else if (!output_json())
		printf("rolled back %d migration(s) in %.3f s\n", nresults, now_seconds() - started);
	termPQExpBuffer(&json);
	return EXIT_OK;
}
