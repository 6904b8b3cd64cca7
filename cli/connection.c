/*-------------------------------------------------------------------------
 *
 * connection.c
 *		Connecting to the database and talking to it.
 *
 * Where the connection comes from, first match wins: --db (a conninfo
 * string or a URI), $DATABASE_URL, then libpq's own defaults (PG* variables,
 * the service file, ~/.pgpass).  libpq reads a password from ~/.pgpass or
 * PGPASSWORD itself; the client never prints the connection string.
 *
 * Invariants:
 *	- every query is parameterised (PQexecParams): file contents are never
 *	  pasted into SQL text;
 *	- one probe query tells what the server has (extension version, the
 *	  linter, the auto_recover setting), so optional features are detected
 *	  rather than failing obscurely.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <signal.h>

#include "schemamig_cli.h"

static PGcancel *volatile cancel_handle = NULL;

/* server NOTICEs and WARNINGs reach stderr, redacted like everything else */
static void
print_notice(void *arg, const char *message)
{
	print_redacted(stderr, message);
}

/* Ctrl-C: ask the server to cancel, so the migration rolls back at once */
static void
handle_sigint(int signo)
{
	char		errbuf[256];

	if (cancel_handle != NULL)
		(void) PQcancel(cancel_handle, errbuf, sizeof(errbuf));
}

PGconn *
db_connect(const CliOptions *opts)
{
	const char *keywords[3];
	const char *values[3];
	const char *dbname = opts->db;
	PGconn	   *conn;

	if (dbname == NULL)
		dbname = getenv("DATABASE_URL");
	if (dbname != NULL && dbname[0] == '\0')
		dbname = NULL;

	keywords[0] = "dbname";
	values[0] = dbname;
	keywords[1] = "fallback_application_name";
	values[1] = "schemamig";
	keywords[2] = NULL;
	values[2] = NULL;
	if (dbname == NULL)
	{
		keywords[0] = keywords[1];
		values[0] = values[1];
		keywords[1] = NULL;
		values[1] = NULL;
	}

	conn = PQconnectdbParams(keywords, values, true);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK)
	{
		char	   *message = conn ? pg_strdup(PQerrorMessage(conn)) : pg_strdup("out of memory");
		size_t		len = strlen(message);

		while (len > 0 && message[len - 1] == '\n')
			message[--len] = '\0';
		if (output_json())
		{
			PQExpBufferData buf;

			initPQExpBuffer(&buf);
			appendPQExpBufferStr(&buf, "{");
			json_key(&buf, "command", true);
			json_string(&buf, opts->command);
			json_key(&buf, "ok", false);
			appendPQExpBufferStr(&buf, "false");
			json_key(&buf, "error", false);
			appendPQExpBufferStr(&buf, "{");
			json_key(&buf, "message", true);
			json_string(&buf, psprintf("cannot connect to the database: %s", message));
			appendPQExpBufferStr(&buf, "}}\n");
			fputs(buf.data, stdout);
		}
		report_error("cannot connect to the database: %s", message);
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, print_notice, NULL);
	cancel_handle = PQgetCancel(conn);
	signal(SIGINT, handle_sigint);
	signal(SIGTERM, handle_sigint);
	return conn;
}

void
db_finish(PGconn *conn)
{
	PGcancel   *handle = cancel_handle;

	cancel_handle = NULL;
	if (handle)
		PQfreeCancel(handle);
	PQfinish(conn);
}

/*
 * Ask the server what it has.  With begin, the probe also opens the
 * transaction the command will run in (one round trip for both).
 */
bool
db_probe(PGconn *conn, ServerInfo *info, bool begin)
{
	PGresult   *res;
	const char *probe =
		"SELECT e.extversion,"
		" pg_catalog.to_regprocedure('schemamig.lint(text)') IS NOT NULL,"
		" pg_catalog.current_setting('schemamig.auto_recover', true) IS NOT NULL,"
		" pg_catalog.current_database()"
		" FROM (SELECT 1) AS one"
		" LEFT JOIN pg_catalog.pg_extension e ON e.extname = 'schemamig'";

	memset(info, 0, sizeof(*info));
	res = PQexec(conn, begin ? psprintf("BEGIN; %s", probe) : probe);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		report_server_error(res, "cannot read the server's settings");
		PQclear(res);
		return false;
	}
	info->extversion = PQgetisnull(res, 0, 0) ? NULL : pg_strdup(PQgetvalue(res, 0, 0));
	info->has_lint = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	info->has_auto_recover = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
	info->database = pg_strdup(PQgetvalue(res, 0, 3));
	PQclear(res);
	return true;
}

bool
db_require_extension(const ServerInfo *info)
{
	if (info->extversion != NULL)
		return true;
	report_error("the schemamig extension is not installed in database \"%s\"; "
				 "run CREATE EXTENSION schemamig as a superuser first", info->database);
	return false;
}

/* run a parameterised query; the caller checks the status and clears it */
PGresult *
db_query(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
	return PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
}

/* run a command that returns nothing; reports and returns false on error */
bool
db_command(PGconn *conn, const char *sql)
{
	PGresult   *res = PQexec(conn, sql);
	bool		ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		report_server_error(res, NULL);
	PQclear(res);
	return ok;
}

/* append a text[] literal: {"a","b",NULL}, quoting every element */
void
text_array_literal(PQExpBuffer buf, char *const *items, int n)
{
	int			i;

	appendPQExpBufferChar(buf, '{');
	for (i = 0; i < n; i++)
	{
		const char *p;

		if (i > 0)
			appendPQExpBufferChar(buf, ',');
		if (items[i] == NULL)
		{
			appendPQExpBufferStr(buf, "NULL");
			continue;
		}
		appendPQExpBufferChar(buf, '"');
		for (p = items[i]; *p; p++)
		{
			if (*p == '"' || *p == '\\')
				appendPQExpBufferChar(buf, '\\');
			appendPQExpBufferChar(buf, *p);
		}
		appendPQExpBufferChar(buf, '"');
	}
	appendPQExpBufferChar(buf, '}');
}
