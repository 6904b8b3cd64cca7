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

#include <pthread.h>
#include <signal.h>

#include "schemamig_cli.h"

static PGcancel *volatile cancel_handle = NULL;

/* the folder whose files name the migrations of server warnings, or NULL */
static const MigrationFolder *notice_folder = NULL;

void
notices_name_files_of(const MigrationFolder *folder)
{
	notice_folder = folder;
}

const MigrationFolder *
notices_folder(void)
{
	return notice_folder;
}

/*
 * The file of the down script a server warning is about, or NULL; *line
 * is the line in that file of the "line N" the warning gives in the
 * script (the script may start further down: a goose or dbmate section),
 * or 0.
 */
static const char *
down_file_of_warning(const char *primary, int *line)
{
	static const char prefix[] = "down script of migration \"";
	const char *version;
	const char *end;
	int			i;

	if (notice_folder == NULL || primary == NULL || strncmp(primary, prefix, strlen(prefix)) != 0)
		return NULL;
	version = primary + strlen(prefix);
	end = strchr(version, '"');
	if (end == NULL)
		return NULL;
	for (i = 0; i < notice_folder->nfiles; i++)
	{
		const MigrationFile *file = &notice_folder->files[i];

		if (file->down_path && strncmp(file->version, version, end - version) == 0 &&
			file->version[end - version] == '\0')
		{
			const char *at = strstr(end, ": line ");

			*line = at ? file->down_line + atoi(at + strlen(": line ")) - 1 : 0;
			return file->down_path;
		}
	}
	return NULL;
}

/*
 * Server NOTICEs and WARNINGs reach stderr, redacted like everything else;
 * a warning about a migration's down script names its file.
 */
static void
receive_notice(void *arg, const PGresult *res)
{
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	int			line = 0;
	const char *path = down_file_of_warning(primary, &line);

	if (path && line > 0)
		report_note("warning: %s:%d: %s%s%s", path, line, primary, detail ? " " : "", detail ? detail : "");
	else if (path)
		report_note("warning: %s: %s%s%s", path, primary, detail ? " " : "", detail ? detail : "");
	else
		print_redacted(stderr, PQresultErrorMessage(res));
}

/* Ctrl-C: ask the server to cancel, so the migration rolls back at once */
static void
handle_sigint(int signo)
{
	char		errbuf[256];

	if (cancel_handle != NULL)
		(void) PQcancel(cancel_handle, errbuf, sizeof(errbuf));
}

/* open the connection; reports nothing (it may run on the early thread) */
static PGconn *
connect_quiet(const CliOptions *opts)
{
	const char *keywords[3];
	const char *values[3];
	const char *dbname = opts->db;

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
	return PQconnectdbParams(keywords, values, true);
}

/* report a failed connection, or make a good one ready for use */
static PGconn *
connect_report(const CliOptions *opts, PGconn *conn)
{
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK)
	{
		char	   *message = conn ? pg_strdup(PQerrorMessage(conn)) : pg_strdup("out of memory");
		size_t		len = strlen(message);

		while (len > 0 && message[len - 1] == '\n')
			message[--len] = '\0';
		report_error("cannot connect to the database: %s", message);
		if (output_json())
			json_result_error(opts->command, NULL);	/* the message just reported */
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeReceiver(conn, receive_notice, NULL);
	cancel_handle = PQgetCancel(conn);
	signal(SIGINT, handle_sigint);
	signal(SIGTERM, handle_sigint);
	return conn;
}

PGconn *
db_connect(const CliOptions *opts)
{
	return connect_report(opts, connect_quiet(opts));
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

static const char *probe_sql =
"SELECT e.extversion,"
" pg_catalog.to_regprocedure('schemamig.lint(text)') IS NOT NULL,"
" pg_catalog.current_setting('schemamig.auto_recover', true) IS NOT NULL,"
" pg_catalog.current_database(),"
" COALESCE(pg_catalog.has_function_privilege("
"   pg_catalog.to_regprocedure('schemamig.registrations()'), 'EXECUTE'), false)"
" FROM (SELECT 1) AS one"
" LEFT JOIN pg_catalog.pg_extension e ON e.extname = 'schemamig'";

static PGresult *
probe_quiet(PGconn *conn, bool begin)
{
	return PQexec(conn, begin ? psprintf("BEGIN; %s", probe_sql) : probe_sql);
}

/* read the probe's answer into info (clears res); reports a failure */
static bool
probe_read(PGresult *res, ServerInfo *info)
{
	memset(info, 0, sizeof(*info));
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
	info->has_registrations = strcmp(PQgetvalue(res, 0, 4), "t") == 0;
	PQclear(res);
	return true;
}

/*
 * Ask the server what it has.  With begin, the probe also opens the
 * transaction the command will run in (one round trip for both).
 */
bool
db_probe(PGconn *conn, ServerInfo *info, bool begin)
{
	return probe_read(probe_quiet(conn, begin), info);
}

static const char *registrations_sql =
"SELECT version, checksum, down_checksum, description, applied FROM schemamig.registrations()";

/* registrations(), or NULL when this server has none for us */
PGresult *
db_registrations(PGconn *conn, const ServerInfo *info)
{
	return info->has_registrations ? PQexec(conn, registrations_sql) : NULL;
}

/*
 * The early connection: migrate starts connecting, and asks its read-only
 * questions, on a thread while the main thread reads the folder, so that
 * backend start-up and reading thousands of files overlap instead of
 * adding up.  The first question opens the transaction and asks
 * registrations_digest() (a few bytes that are all an unchanged folder
 * needs) together with the extension's version: one round trip, and
 * where the digest exists, the server has everything else the client
 * uses.  Where it does not (an older schemamig, no EXECUTE on it, no
 * extension at all) the client starts over with the probe and, if it may,
 * registrations().  The thread reports nothing; the main thread decides
 * what to say once the folder is read, so a folder problem is reported
 * alone, before any connection error, and nothing but those read-only
 * questions has reached the server.
 */
struct EarlyConnection
{
	const CliOptions *opts;
	void		(*when_idle) (void);	/* run once the questions are answered */
	bool		threaded;		/* the thread was started */
	pthread_t	thread;
	PGconn	   *conn;
	PGresult   *probe;			/* NULL when the digest answered */
	PGresult   *digest;			/* registrations_digest() (maybe an error), or NULL */
	PGresult   *registrations;	/* NULL if not asked (or not askable) */
};

static const char *digest_sql =
"BEGIN; SELECT d.migrations, d.digest, d.applied, pg_catalog.current_database(),"
" (SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'schemamig')"
" FROM schemamig.registrations_digest() d";

/* did registrations_digest() fail for want of it (not there, or not for us)? */
static bool
digest_unavailable(const PGresult *res)
{
	const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return sqlstate == NULL ||
		strcmp(sqlstate, "42883") == 0 ||	/* undefined_function */
		strcmp(sqlstate, "3F000") == 0 ||	/* invalid_schema_name */
		strcmp(sqlstate, "42501") == 0; /* insufficient_privilege */
}

static void
early_questions(EarlyConnection *early)
{
	early->conn = connect_quiet(early->opts);
	if (early->conn == NULL || PQstatus(early->conn) != CONNECTION_OK)
		return;
	early->digest = PQexec(early->conn, digest_sql);
	if (PQresultStatus(early->digest) == PGRES_TUPLES_OK)
		return;

	/*
	 * Start over in a new transaction.  A digest that failed for another
	 * reason (a lock timeout, say) is kept: it is the error to report.
	 */
	if (digest_unavailable(early->digest))
	{
		PQclear(early->digest);
		early->digest = NULL;
	}
	PQclear(PQexec(early->conn, "ROLLBACK"));
	early->probe = probe_quiet(early->conn, true);
	if (early->digest == NULL && PQresultStatus(early->probe) == PGRES_TUPLES_OK &&
		strcmp(PQgetvalue(early->probe, 0, 4), "t") == 0)
		early->registrations = PQexec(early->conn, registrations_sql);
}

static void *
early_connection_main(void *arg)
{
	EarlyConnection *early = arg;

	early_questions(early);
	/* the answers are in: lend a hand to the main thread meanwhile */
	if (early->when_idle)
		early->when_idle();
	return NULL;
}

/* what a successful registrations_digest() says of the server */
static void
digest_read_info(const PGresult *res, ServerInfo *info)
{
	memset(info, 0, sizeof(*info));
	info->database = pg_strdup(PQgetvalue(res, 0, 3));
	info->extversion = PQgetisnull(res, 0, 4) ? NULL : pg_strdup(PQgetvalue(res, 0, 4));
	/* registrations_digest() came after all of these */
	info->has_lint = info->has_auto_recover = info->has_registrations = true;
}

/*
 * Start the early connection.  when_idle (may be NULL) runs on its thread
 * once the server has answered, while the main thread may still be busy.
 */
EarlyConnection *
db_connect_early(const CliOptions *opts, void (*when_idle) (void))
{
	EarlyConnection *early = pg_malloc0(sizeof(EarlyConnection));

	early->opts = opts;
	early->when_idle = when_idle;
	early->threaded = pthread_create(&early->thread, NULL, early_connection_main, early) == 0;
	return early;
}

static void
early_join(EarlyConnection *early)
{
	if (early->threaded)
		pthread_join(early->thread, NULL);
	else
		early_questions(early); /* no thread: do it now */
}

/*
 * Wait for the early connection and report on it as connect + probe
 * would.  Returns the connection in a transaction, with info filled in,
 * *digest set to registrations_digest()'s answer and *registrations to
 * registrations()'s (each NULL when not asked); NULL when the connection
 * or the probe failed (reported).
 */
PGconn *
db_connect_finish(EarlyConnection *early, ServerInfo *info, PGresult **digest,
				  PGresult **registrations)
{
	PGconn	   *conn;

	early_join(early);
	*digest = early->digest;
	*registrations = early->registrations;
	conn = connect_report(early->opts, early->conn);
	if (conn != NULL && early->probe == NULL && early->digest != NULL)
	{
		digest_read_info(early->digest, info);
		return conn;
	}
	if (conn != NULL && probe_read(early->probe, info))
		return conn;
	if (conn != NULL)
	{
		if (output_json())
			json_result_error(early->opts->command, NULL);
		db_finish(conn);
	}
	PQclear(*digest);
	PQclear(*registrations);
	*digest = *registrations = NULL;
	return NULL;
}

/* the folder had problems: close the early connection, saying nothing */
void
db_connect_abandon(EarlyConnection *early)
{
	early_join(early);
	PQclear(early->digest);
	PQclear(early->registrations);
	PQclear(early->probe);
	PQfinish(early->conn);
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
