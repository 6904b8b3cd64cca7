/*-------------------------------------------------------------------------
 *
 * output.c
 *		What the client says: text on stdout/stderr, JSON documents for
 *		--json, JSON lines for --log-file, and progress on a terminal.
 *
 * Invariants:
 *	- every string that may come from the server, the environment or a
 *	  file goes through redact() before it is printed or logged;
 *	- what reaches a terminal carries no control characters from a file
 *	  name, a description or a server message (terminal_safe): they could
 *	  move the cursor, rewrite earlier lines or retitle the window;
 *	- with --json, stdout holds exactly one JSON document per run (the
 *	  command's result, or its error); human messages go to stderr;
 *	- the log file is opened for append and each record is one line,
 *	  flushed at once, so concurrent runs and a crash leave whole lines.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <errno.h>
#include <math.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "schemamig_cli.h"
#include "version_rules.h"

static const char *current_command = NULL;
static bool json_mode = false;
static FILE *log_file = NULL;
static bool progress_shown = false;
static char *last_error = NULL;	/* for the JSON document of a client-side error */

double
now_seconds(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

void
output_init(const CliOptions *opts)
{
	current_command = opts->command;
	json_mode = opts->json;
	if (opts->log_file)
	{
		log_file = fopen(opts->log_file, "a");
		if (log_file == NULL)
		{
			fprintf(stderr, "schemamig: error: cannot open log file \"%s\": %s\n",
					opts->log_file, strerror(errno));
			exit(EXIT_USAGE);
		}
	}
}

bool
output_json(void)
{
	return json_mode;
}

void
output_close(void)
{
	if (log_file)
		fclose(log_file);
	log_file = NULL;
}

/* ---- text for a terminal ---- */

/*
 * A copy of s (malloc'd) fit for a terminal: C0 control characters, DEL
 * and the UTF-8 encoded C1 controls (U+0080 to U+009F) are written as
 * \xNN, the bytes they are made of; newline and tab are kept when
 * multi_line.  Everything else, UTF-8 text included, is kept.
 */
char *
terminal_safe(const char *s, bool multi_line)
{
	PQExpBufferData out;
	const unsigned char *p;

	initPQExpBuffer(&out);
	for (p = (const unsigned char *) s; *p; p++)
	{
		if (multi_line && (*p == '\n' || *p == '\t'))
			appendPQExpBufferChar(&out, (char) *p);
		else if (*p < 0x20 || *p == 0x7f)
			appendPQExpBuffer(&out, "\\x%02x", *p);
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
		{
			appendPQExpBuffer(&out, "\\x%02x\\x%02x", p[0], p[1]);
			p++;
		}
		else
			appendPQExpBufferChar(&out, (char) *p);
	}
	return out.data;
}

/* ---- JSON ---- */

void
json_string(PQExpBuffer buf, const char *s)
{
	char	   *clean;
	const unsigned char *p;

	if (s == NULL)
	{
		appendPQExpBufferStr(buf, "null");
		return;
	}
	clean = redact(s);
	appendPQExpBufferChar(buf, '"');
	for (p = (const unsigned char *) clean; *p; p++)
	{
		switch (*p)
		{
			case '"':
				appendPQExpBufferStr(buf, "\\\"");
				break;
			case '\\':
				appendPQExpBufferStr(buf, "\\\\");
				break;
			case '\n':
				appendPQExpBufferStr(buf, "\\n");
				break;
			case '\r':
				appendPQExpBufferStr(buf, "\\r");
				break;
			case '\t':
				appendPQExpBufferStr(buf, "\\t");
				break;
			default:
				if (*p < 0x20)
					appendPQExpBuffer(buf, "\\u%04x", *p);
				else
					appendPQExpBufferChar(buf, (char) *p);
		}
	}
	appendPQExpBufferChar(buf, '"');
	free(clean);
}

void
json_key(PQExpBuffer buf, const char *key, bool first)
{
	if (!first)
		appendPQExpBufferStr(buf, ", ");
	json_string(buf, key);
	appendPQExpBufferStr(buf, ": ");
}

void
json_number(PQExpBuffer buf, double value)
{
	if (isnan(value) || isinf(value))
		appendPQExpBufferStr(buf, "null");
	else
		appendPQExpBuffer(buf, "%.3f", value);
}

/* the fields of a server error, as the members of a JSON object */
void
json_error_fields(PQExpBuffer buf, const PGresult *res)
{
	json_key(buf, "sqlstate", true);
	json_string(buf, PQresultErrorField(res, PG_DIAG_SQLSTATE));
	json_key(buf, "message", false);
	json_string(buf, res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : last_error);
	json_key(buf, "detail", false);
	json_string(buf, PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL));
	json_key(buf, "hint", false);
	json_string(buf, PQresultErrorField(res, PG_DIAG_MESSAGE_HINT));
	json_key(buf, "context", false);
	json_string(buf, PQresultErrorField(res, PG_DIAG_CONTEXT));
}

/* a JSON array of strings */
void
text_array_json(PQExpBuffer buf, char *const *items, int n)
{
	int			i;

	appendPQExpBufferChar(buf, '[');
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendPQExpBufferStr(buf, ", ");
		json_string(buf, items[i]);
	}
	appendPQExpBufferChar(buf, ']');
}

/* start a command's document: {"command": ... (the caller adds the rest) */
void
json_document_open(PQExpBuffer buf, const char *command)
{
	initPQExpBuffer(buf);
	appendPQExpBufferChar(buf, '{');
	json_key(buf, "command", true);
	json_string(buf, command);
}

/* start an error document: {"command": ..., "ok": false, "error": { */
static void
json_error_open(PQExpBuffer buf, const char *command)
{
	json_document_open(buf, command);
	json_key(buf, "ok", false);
	appendPQExpBufferStr(buf, "false");
	json_key(buf, "error", false);
	appendPQExpBufferChar(buf, '{');
}

void
json_result_error(const char *command, const PGresult *res)
{
	PQExpBufferData buf;

	json_error_open(&buf, command);
	json_error_fields(&buf, res);
	appendPQExpBufferStr(&buf, "}}\n");
	fputs(buf.data, stdout);
	termPQExpBuffer(&buf);
}

void
json_folder_errors(const char *command, const MigrationFolder *folder)
{
	PQExpBufferData buf;
	int			i;

	json_error_open(&buf, command);
	json_key(&buf, "message", true);
	json_string(&buf, folder->missing ? "cannot open the migration folder"
				: "the migration folder has problems");
	json_key(&buf, "problems", false);
	appendPQExpBufferChar(&buf, '[');
	for (i = 0; i < folder->nerrors; i++)
	{
		if (i > 0)
			appendPQExpBufferStr(&buf, ", ");
		json_string(&buf, folder->errors[i]);
	}
	appendPQExpBufferStr(&buf, "]}}\n");
	fputs(buf.data, stdout);
	termPQExpBuffer(&buf);
}

/*
 * Report what folder_read() found wrong (each problem on stderr, and the
 * JSON error document); returns the exit code: usage when the folder
 * itself cannot be opened, failure otherwise.
 */
int
report_folder_problems(const CliOptions *opts, const MigrationFolder *folder)
{
	int			i;

	if (output_json())
		json_folder_errors(opts->command, folder);
	for (i = 0; i < folder->nerrors; i++)
		report_error("%s", folder->errors[i]);
	return folder->missing ? EXIT_USAGE : EXIT_FAILED;
}

/* ---- log file ---- */

void
log_event(const char *level, const char *message, const char *version,
		  const char *direction, const char *checksum, double duration_ms)
{
	PQExpBufferData buf;
	struct timeval tv;
	struct tm	tm;
	char		stamp[64];

	if (log_file == NULL)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp), ".%03dZ",
			 (int) (tv.tv_usec / 1000));

	initPQExpBuffer(&buf);
	appendPQExpBufferChar(&buf, '{');
	json_key(&buf, "timestamp", true);
	json_string(&buf, stamp);
	json_key(&buf, "level", false);
	json_string(&buf, level);
	json_key(&buf, "command", false);
	json_string(&buf, current_command);
	json_key(&buf, "message", false);
	json_string(&buf, message);
	json_key(&buf, "version", false);
	json_string(&buf, version);
	json_key(&buf, "direction", false);
	json_string(&buf, direction);
	json_key(&buf, "checksum", false);
	json_string(&buf, checksum);
	json_key(&buf, "duration_ms", false);
	json_number(&buf, duration_ms);
	appendPQExpBufferStr(&buf, "}\n");
	fputs(buf.data, log_file);
	fflush(log_file);
	termPQExpBuffer(&buf);
}

/* ---- messages ---- */

void
report_error(const char *fmt,...)
{
	va_list		ap;
	char		message[8192];

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	free(last_error);
	last_error = pg_strdup(message);
	progress_clear();
	fputs("schemamig: error: ", stderr);
	print_redacted(stderr, message);
	fputc('\n', stderr);
	log_event("error", message, NULL, NULL, NULL, NAN);
}

void
report_note(const char *fmt,...)
{
	va_list		ap;
	char		message[8192];

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	progress_clear();
	fputs("schemamig: ", stderr);
	print_redacted(stderr, message);
	fputc('\n', stderr);
	log_event("info", message, NULL, NULL, NULL, NAN);
}

/*
 * The version a server error is about, from the executor's context line
 * ("schemamig migration \"0003\" (up), statement ...") or the message.
 */
static char *
error_version(const PGresult *res)
{
	const char *fields[] = {
		PQresultErrorField(res, PG_DIAG_CONTEXT),
		PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
	};
	int			i;

	for (i = 0; i < 2; i++)
	{
		const char *p = fields[i] ? strstr(fields[i], "migration \"") : NULL;
		const char *end;

		if (p == NULL)
			continue;
		p += strlen("migration \"");
		end = strchr(p, '"');
		if (end && end - p <= SCHEMAMIG_MAX_VERSION_LEN)
			return pnstrdup(p, end - p);
	}
	return NULL;
}

/*
 * The line of the script a server error is at, from the parser's context
 * ("up script of migration \"V\", line N") or the executor's ("schemamig
 * migration \"V\" (up), statement K at line N"): lines of the script as
 * sent, which a goose or dbmate section or a stripped wrapper starts
 * further down its file.  *down says which script.  0 when neither says.
 */
int
server_error_script_line(const PGresult *res, bool *down)
{
	const char *errcontext = res ? PQresultErrorField(res, PG_DIAG_CONTEXT) : NULL;
	const char *p;
	const char *line;

	*down = false;
	if (errcontext == NULL)
		return 0;
	if ((p = strstr(errcontext, " script of migration \"")) != NULL)
	{
		*down = p - errcontext >= 4 && strncmp(p - 4, "down", 4) == 0;
		line = strstr(p, "\", line ");
		return line ? atoi(line + strlen("\", line ")) : 0;
	}
	if ((p = strstr(errcontext, "schemamig migration \"")) != NULL)
	{
		*down = strstr(p, "\" (down)") != NULL;
		line = strstr(p, " at line ");
		return line ? atoi(line + strlen(" at line ")) : 0;
	}
	return 0;
}

/*
 * "path:line" of a server error about a script of the folder's migration
 * (the folder whose files name the migrations, notices_folder()), or NULL.
 */
static char *
server_error_file_line(const PGresult *res, const char *version)
{
	const MigrationFolder *folder = notices_folder();
	bool		down;
	int			line = server_error_script_line(res, &down);
	int			i;

	if (folder == NULL || version == NULL || line <= 0)
		return NULL;
	for (i = 0; i < folder->nfiles; i++)
	{
		const MigrationFile *file = &folder->files[i];

		if (strcmp(file->version, version) != 0)
			continue;
		if (down && file->down_path)
			return psprintf("%s:%d", file->down_path, file->down_line + line - 1);
		if (!down && file->up_path)
			return psprintf("%s:%d", file->up_path, file->up_line + line - 1);
	}
	return NULL;
}

/*
 * Print a server error (message, SQLSTATE, detail, hint, context) to
 * stderr and the log.  Returns the exit code it calls for: 2 when the
 * connection broke, else 1.
 */
int
report_server_error(const PGresult *res, const char *context)
{
	const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	const char *errcontext = PQresultErrorField(res, PG_DIAG_CONTEXT);
	PQExpBufferData msg;
	char	   *version = error_version(res);
	char	   *file_line = server_error_file_line(res, version);

	progress_clear();
	initPQExpBuffer(&msg);
	if (context)
		appendPQExpBuffer(&msg, "%s: ", context);
	if (file_line)
		appendPQExpBuffer(&msg, "%s: ", file_line);
	if (primary)
		appendPQExpBufferStr(&msg, primary);
	else
		appendPQExpBufferStr(&msg, res ? PQresultErrorMessage(res) : "no answer from the server");
	if (sqlstate)
		appendPQExpBuffer(&msg, " (SQLSTATE %s)", sqlstate);
	free(last_error);
	last_error = pg_strdup(msg.data);
	fputs("schemamig: error: ", stderr);
	print_redacted(stderr, msg.data);
	fputc('\n', stderr);
	if (detail)
	{
		fputs("DETAIL:  ", stderr);
		print_redacted(stderr, detail);
		fputc('\n', stderr);
	}
	if (hint)
	{
		fputs("HINT:  ", stderr);
		print_redacted(stderr, hint);
		fputc('\n', stderr);
	}
	if (errcontext)
	{
		fputs("CONTEXT:  ", stderr);
		print_redacted(stderr, errcontext);
		fputc('\n', stderr);
	}
	log_event("error", msg.data, version, NULL, NULL, NAN);
	termPQExpBuffer(&msg);
	if (sqlstate == NULL || strncmp(sqlstate, "08", 2) == 0)
		return EXIT_USAGE;
	return EXIT_FAILED;
}

/* ---- progress on a terminal ---- */

bool
progress_wanted(void)
{
	return !json_mode && isatty(fileno(stderr));
}

void
progress_update(int done, int total, const char *version, double seconds)
{
	if (!progress_wanted())
		return;
	fprintf(stderr, "\r\033[K[%*d/%d] %s  %.1f s", (int) strlen(psprintf("%d", total)),
			done, total, version ? version : "", seconds);
	fflush(stderr);
	progress_shown = true;
}

void
progress_clear(void)
{
	if (!progress_shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	progress_shown = false;
}
