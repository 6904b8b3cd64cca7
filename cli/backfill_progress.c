/*-------------------------------------------------------------------------
 *
 * backfill_progress.c
 *		The progress of a worker job's batched backfill (doc/backfill.md),
 *		as one line for the client's wait (deploy.c).
 *
 * Servers without schemamig.backfill_progress (before 0.2.0) have no
 * backfills: the line is then never printed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "schemamig_cli.h"

/* the progress of job's running backfill, or NULL when it runs none (malloc'd) */
char *
backfill_progress_line(PGconn *conn, long long job)
{
	char		job_text[32];
	const char *params[1] = {job_text};
	PGresult   *res;
	char	   *line = NULL;

	res = db_query(conn, "SELECT pg_catalog.to_regclass('schemamig.backfill_progress') IS NOT NULL", 0, NULL);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || strcmp(PQgetvalue(res, 0, 0), "t") != 0)
	{
		PQclear(res);
		return NULL;
	}
	PQclear(res);
	snprintf(job_text, sizeof(job_text), "%lld", job);
	res = db_query(conn,
				   "SELECT command, relation, rows_changed, COALESCE('~' || estimated_rows, '?'), "
				   "  COALESCE(percent || '%', '?'), batches, COALESCE(last_key, '(none)'), "
				   "  pg_catalog.round(pg_catalog.date_part('epoch', elapsed)), state "
				   "FROM schemamig.backfill_progress "
				   "WHERE job OPERATOR(pg_catalog.=) $1::pg_catalog.int8 "
				   "  AND state OPERATOR(pg_catalog.=) ANY ('{running,waiting_for_replica}') "
				   "ORDER BY statement_no DESC LIMIT 1", 1, params);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
	{
		line = psprintf("job %lld: batched %s of %s: %s of %s rows (%s), %s batches, last key %s, %s s%s",
						job, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
						PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 5),
						terminal_safe(PQgetvalue(res, 0, 6), false), PQgetvalue(res, 0, 7),
						strcmp(PQgetvalue(res, 0, 8), "waiting_for_replica") == 0
						? "; waiting for a replica to catch up (schemamig.backfill_max_lag)" : "");
	}
	PQclear(res);
	return line;
}
