/*-------------------------------------------------------------------------
 *
 * adopt.c
 *		"schemamig adopt --from TOOL": take over the history of the
 *		migration tool a team leaves.
 *
 * The other tool's history table is read (never written), each row
 * brought to one shape: version, when it was applied, its state, and the
 * tool's checksum.  It is compared with the folder; then, in one
 * transaction, the folder is registered and every migration the tool
 * applied is marked applied with schemamig.adopt() (without running it,
 * at the tool's time where it records one), so that the next migrate
 * applies only what is new.
 *
 * Invariants:
 *	- nothing is changed when the tool's state is dirty, failed or
 *	  unfinished, or when its history and the folder disagree (a version
 *	  it applied is not in the folder; a folder migration it did not apply
 *	  comes before one it did; a Flyway checksum differs): every such
 *	  problem is listed, and the exit code is 1;
 *	- versions are matched in natural order ("1" is "0001"); diesel's
 *	  history drops the dashes of its folder names, node-pg-migrate and
 *	  Prisma record whole names, whose version is the part before "_";
 *	  sqitch records change names, matched with the descriptions of the
 *	  sqitch layout, in the rows of the plan's %project only;
 *	- a tool checksum is compared only where it can be computed from the
 *	  file as the tool computes it (Flyway's CRC-32 of the lines, sqitch's
 *	  SHA-1 of the deploy script's bytes);
 *	- Flyway's repeatable migrations (rows without a version, type SQL,
 *	  matched with the folder's R__ files by description) are adopted as
 *	  Flyway last applied them: only when that application's checksum is
 *	  the file's, since the checksum is all that says which text ran; a
 *	  file changed since is not adopted, and the next migrate applies it
 *	  again, as Flyway would.  A failed last application is refused, as a
 *	  failed versioned row is.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <math.h>

#include "common/cryptohash.h"
#include "common/sha1.h"
#include "commands.h"
#include "version_rules.h"

typedef enum HistoryMeaning
{
	HISTORY_ROWS,				/* one row per applied migration */
	HISTORY_UP_TO				/* one row: everything up to its version */
} HistoryMeaning;

static char *flyway_checksum(const char *text);
static char *sqitch_script_hash(const char *text);

/*
 * How to read one tool's history.  The query returns (version, applied_at,
 * state, checksum), one row per migration as the tool sees it now; state
 * is "applied", "baseline" (Flyway: everything up to here),
 * "baseline_migration" (Flyway: a B file applied, standing for the V files
 * up to here), "gone"
 * (rolled back or undone: not applied), or a problem ("dirty", "failed",
 * "unfinished").  The first %s is the table, quoted; sqitch's query has a
 * second, the plan's project as a literal.
 */
typedef struct ToolHistory
{
	const char *name;
	const char *table;			/* default table */
	HistoryMeaning meaning;
	const char *query;
	bool		by_description; /* the history names migrations by description */
	char	   *(*checksum) (const char *text); /* the tool's checksum of an up file, or NULL */
	/* the last application of each repeatable migration (description, applied_at, success, checksum), or NULL */
	const char *repeatable_query;
} ToolHistory;

static const ToolHistory tools[] = {
	{"golang-migrate", "schema_migrations", HISTORY_UP_TO,
		"SELECT version::text, NULL::timestamptz, CASE WHEN dirty THEN 'dirty' ELSE 'applied' END, NULL FROM %s"},
	{"goose", "goose_db_version", HISTORY_ROWS,
		"SELECT DISTINCT ON (version_id) version_id::text, tstamp::timestamptz,"
		" CASE WHEN is_applied THEN 'applied' ELSE 'gone' END, NULL"
		" FROM %s WHERE version_id <> 0 ORDER BY version_id, id DESC"},
	{"dbmate", "schema_migrations", HISTORY_ROWS,
		"SELECT version::text, NULL::timestamptz, 'applied', NULL FROM %s"},
	{"flyway", "flyway_schema_history", HISTORY_ROWS,
		"SELECT DISTINCT ON (version) replace(version, '_', '.'), installed_on::timestamptz,"
		" CASE WHEN NOT success THEN 'failed' WHEN type = 'BASELINE' THEN 'baseline'"
		"      WHEN type = 'SQL_BASELINE' THEN 'baseline_migration'"
		"      WHEN type LIKE 'UNDO%%' THEN 'gone' ELSE 'applied' END, checksum::text"
		" FROM %s WHERE version IS NOT NULL ORDER BY version, installed_rank DESC",
		false, flyway_checksum,
		"SELECT DISTINCT ON (description) description, installed_on::timestamptz, success, checksum::text"
		" FROM %s WHERE version IS NULL AND type = 'SQL' ORDER BY description, installed_rank DESC"},
	{"node-pg-migrate", "pgmigrations", HISTORY_ROWS,
		"SELECT split_part(name, '_', 1), run_on::timestamptz, 'applied', NULL FROM %s"},
	{"diesel", "__diesel_schema_migrations", HISTORY_ROWS,
		"SELECT version::text, run_on::timestamptz, 'applied', NULL FROM %s"},
	{"sqlx", "_sqlx_migrations", HISTORY_ROWS,
		"SELECT version::text, installed_on, CASE WHEN success THEN 'applied' ELSE 'failed' END, NULL FROM %s"},
	{"prisma", "_prisma_migrations", HISTORY_ROWS,
		"SELECT DISTINCT ON (migration_name) split_part(migration_name, '_', 1), finished_at,"
		" CASE WHEN rolled_back_at IS NOT NULL THEN 'gone' WHEN finished_at IS NULL THEN 'unfinished'"
		"      ELSE 'applied' END, NULL"
		" FROM %s ORDER BY migration_name, started_at DESC"},
	{"sqitch", "sqitch.changes", HISTORY_ROWS,
		"SELECT change, committed_at, 'applied', script_hash FROM %s WHERE project = %s",
	true, sqitch_script_hash},
};

const char *
adopt_tool_names(void)
{
	return "golang-migrate, goose, dbmate, flyway, node-pg-migrate, diesel, sqlx, prisma, sqitch";
}

bool
adopt_tool_known(const char *name)
{
	int			i;

	for (i = 0; i < (int) lengthof(tools); i++)
		if (strcmp(tools[i].name, name) == 0)
			return true;
	return false;
}

/* the folder's version as the tool writes it in its history */
static char *
tool_version(const ToolHistory *tool, const char *version)
{
	char	   *copy = pg_strdup(version);
	char	   *out = copy;
	const char *p;

	if (strcmp(tool->name, "diesel") != 0)
		return copy;
	for (p = version; *p; p++)
		if (*p != '-')
			*out++ = *p;
	*out = '\0';
	return copy;
}

/*
 * Flyway's checksum of a script: CRC-32 of its lines without their line
 * ends (and without a byte order mark), as a signed 32-bit number
 * (Flyway's ChecksumCalculator).
 */
static char *
flyway_checksum(const char *text)
{
	uint32		crc = 0xFFFFFFFF;
	const unsigned char *p = (const unsigned char *) text;
	int			bit;

	if (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		p += 3;
	for (; *p; p++)
	{
		if (*p == '\n' || *p == '\r')
			continue;
		crc ^= *p;
		for (bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0xEDB88320 & (0 - (crc & 1)));
	}
	return psprintf("%d", (int32) ~crc);
}

/*
 * sqitch's script_hash: lower-case hex SHA-1 of the deploy script's bytes
 * (a library that refuses SHA-1 gives a text no hash equals: a mismatch)
 */
static char *
sqitch_script_hash(const char *text)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA1);
	uint8		digest[SHA1_DIGEST_LENGTH];
	char	   *hex = pg_malloc(SHA1_DIGEST_LENGTH * 2 + 1);
	int			i;

	bool		ok = ctx != NULL && pg_cryptohash_init(ctx) == 0 &&
		pg_cryptohash_update(ctx, (const uint8 *) text, strlen(text)) == 0 &&
		pg_cryptohash_final(ctx, digest, sizeof(digest)) == 0;

	pg_cryptohash_free(ctx);
	if (!ok)
		return pstrdup("(SHA-1 unavailable)");
	for (i = 0; i < SHA1_DIGEST_LENGTH; i++)
		sprintf(hex + 2 * i, "%02x", digest[i]);
	return hex;
}

/* the table name, each dot-separated part quoted */
static char *
quoted_table(PGconn *conn, const char *table)
{
	PQExpBufferData buf;
	char	   *copy = pg_strdup(table);
	char	   *part;
	char	   *save = NULL;
	bool		first = true;

	initPQExpBuffer(&buf);
	for (part = strtok_r(copy, ".", &save); part; part = strtok_r(NULL, ".", &save))
	{
		char	   *quoted = PQescapeIdentifier(conn, part, strlen(part));

		appendPQExpBuffer(&buf, "%s%s", first ? "" : ".", quoted);
		PQfreemem(quoted);
		first = false;
	}
	return buf.data;
}

/* a problem that stops the adoption */
static void
add_problem(char ***problems, int *n, char *problem)
{
	*problems = pg_realloc(*problems, sizeof(char *) * (*n + 1));
	(*problems)[(*n)++] = problem;
}

/* the history row of the folder migration's version, or -1 */
static int
history_row(const ToolHistory *tool, PGresult *res, const MigrationFile *file)
{
	char	   *version = tool_version(tool, file->version);
	int			i;
	int			found = -1;

	for (i = 0; i < PQntuples(res) && found < 0; i++)
		if (tool->by_description ? file->description && strcmp(PQgetvalue(res, i, 0), file->description) == 0 :
			version_compare(PQgetvalue(res, i, 0), version) == 0)
			found = i;
	free(version);
	return found;
}

/*
 * Which folder migrations the tool applied (applied[i]), and what is
 * wrong.  Each problem is added to *problems, *nproblems counting them.
 */
static void
compare_history(const ToolHistory *tool, const char *table, PGresult *res,
				const MigrationFolder *folder, bool *applied, int *row_of, char ***problems, int *nproblems)
{
	int			nrows = PQntuples(res);
	const char *up_to = NULL;
	int			last_applied = -1;
	int			i;

	for (i = 0; i < nrows; i++)
	{
		const char *version = PQgetvalue(res, i, 0);
		const char *state = PQgetvalue(res, i, 2);

		if (strcmp(state, "dirty") == 0 || strcmp(state, "failed") == 0 || strcmp(state, "unfinished") == 0)
			add_problem(problems, nproblems,
						psprintf("%s: version %s is %s: finish or undo it with %s first",
								 table, version, state, tool->name));
		else if (tool->meaning == HISTORY_UP_TO || strcmp(state, "baseline") == 0)
		{
			if (up_to == NULL || version_compare(version, up_to) > 0)
				up_to = version;
		}
	}

	for (i = 0; i < folder->nfiles; i++)
	{
		int			row = folder->files[i].repeatable ? -1 : history_row(tool, res, &folder->files[i]);

		row_of[i] = row;
		applied[i] = (row >= 0 && (strcmp(PQgetvalue(res, row, 2), "applied") == 0 ||
								   strcmp(PQgetvalue(res, row, 2), "baseline_migration") == 0)) ||
			(up_to != NULL && !folder->files[i].repeatable &&
			 version_compare(tool_version(tool, folder->files[i].version), up_to) <= 0);
		if (applied[i])
			last_applied = i;
	}

	/* applied there, missing here */
	for (i = 0; i < nrows; i++)
	{
		const char *version = PQgetvalue(res, i, 0);
		const char *state = PQgetvalue(res, i, 2);
		bool		found = false;
		int			j;

		if (strcmp(state, "gone") == 0 || strcmp(state, "baseline") == 0)
			continue;
		for (j = 0; j < folder->nfiles && !found; j++)
			found = row_of[j] == i ||
				(tool->meaning == HISTORY_UP_TO &&
				 version_compare(tool_version(tool, folder->files[j].version), version) == 0);
		if (!found)
			add_problem(problems, nproblems,
						psprintf("%s: version %s was applied by %s but has no migration in the folder",
								 table, version, tool->name));
	}

	/* not applied there, though a later one is */
	for (i = 0; i < last_applied; i++)
		if (!applied[i])
			add_problem(problems, nproblems,
						psprintf("%s: not applied by %s, but a later migration (%s) is: out of order",
								 folder->files[i].up_path, tool->name, folder->files[last_applied].version));

	/* the tool's checksums, where the file gives the same value */
	if (tool->checksum)
		for (i = 0; i < folder->nfiles; i++)
		{
			char	   *text;
			char	   *error;
			char	   *ours;

			if (row_of[i] < 0 || !applied[i] || PQgetisnull(res, row_of[i], 3))
				continue;
			if (!file_read_text(folder->files[i].up_path, &text, &error))
			{
				add_problem(problems, nproblems, error);
				continue;
			}
			ours = tool->checksum(text);
			if (strcmp(ours, PQgetvalue(res, row_of[i], 3)) != 0)
				add_problem(problems, nproblems,
							psprintf("%s: changed since %s applied it (%s checksum %s, the file's %s)",
									 folder->files[i].up_path, tool->name, tool->name,
									 PQgetvalue(res, row_of[i], 3), ours));
		}
}

/*
 * The repeatable migrations of the folder the tool applied as they stand
 * (applied[i], with rep_row[i] their history row in res), and what is
 * wrong: a failed last application, a repeatable row without a file.  A
 * file changed since the tool last applied it is not adopted: a note says
 * so.  Each problem is added to *problems, *nproblems counting them.
 */
static void
compare_repeatables(const ToolHistory *tool, const char *table, PGresult *res,
					const MigrationFolder *folder, bool *applied, int *rep_row, char ***problems, int *nproblems)
{
	int			i;

	for (i = 0; i < PQntuples(res); i++)
	{
		const char *description = PQgetvalue(res, i, 0);
		int			file = -1;
		int			j;

		for (j = 0; j < folder->nfiles && file < 0; j++)
			if (folder->files[j].repeatable && folder->files[j].description &&
				strcmp(folder->files[j].description, description) == 0)
				file = j;
		if (file < 0)
		{
			add_problem(problems, nproblems,
						psprintf("%s: repeatable migration \"%s\" was applied by %s but has no R__ file in the folder",
								 table, description, tool->name));
			continue;
		}
		rep_row[file] = i;
		if (strcmp(PQgetvalue(res, i, 2), "t") != 0)
			add_problem(problems, nproblems,
						psprintf("%s: repeatable migration \"%s\" failed: finish or undo it with %s first",
								 table, description, tool->name));
		else if (PQgetisnull(res, i, 3))
			report_note("%s: %s recorded no checksum for it: not adopted; migrate applies it again",
						folder->files[file].up_path, tool->name);
		else
		{
			char	   *text;
			char	   *error;
			char	   *ours;

			if (!file_read_text(folder->files[file].up_path, &text, &error))
			{
				add_problem(problems, nproblems, error);
				continue;
			}
			ours = tool->checksum(text);
			if (strcmp(ours, PQgetvalue(res, i, 3)) == 0)
				applied[file] = true;
			else
				report_note("%s: changed since %s last applied it (%s checksum %s, the file's %s): "
							"not adopted; migrate applies it again",
							folder->files[file].up_path, tool->name, tool->name,
							PQgetvalue(res, i, 3), ours);
		}
	}
}

/*
 * Flyway's baseline migrations: the folder as Flyway's history says it was
 * deployed.  A SQL_BASELINE row says which B file built the database (it
 * then stands for the V files up to its version; a missing B file is a
 * problem); a history with versioned rows but none of those ignores the B
 * files, and one without versioned rows keeps them for the next migrate
 * (flyway_baseline_choice).  A problem is added to *problems, *nproblems
 * counting them.
 */
static void
choose_baseline(const char *table, PGresult *res, MigrationFolder *folder, char ***problems, int *nproblems)
{
	ServerMigration *history = pg_malloc0(sizeof(ServerMigration) * (PQntuples(res) + 1));
	const char *built_from = NULL;
	int			nhistory = 0;
	int			i;

	for (i = 0; i < PQntuples(res); i++)
	{
		const char *version = PQgetvalue(res, i, 0);
		const char *state = PQgetvalue(res, i, 2);

		if (strcmp(state, "baseline_migration") == 0 &&
			(built_from == NULL || version_compare(version, built_from) > 0))
			built_from = version;
		if (strcmp(state, "gone") == 0)
			continue;
		/* no schemamig checksum: only whether versioned rows exist matters here */
		history[nhistory].version = version;
		history[nhistory].applied = true;
		nhistory++;
	}
	if (built_from == NULL)
		flyway_use_baseline(folder, flyway_baseline_choice(folder, history, nhistory, NULL));
	else if (flyway_baseline_at(folder, built_from) == NULL)
		add_problem(problems, nproblems,
					psprintf("%s: version %s was applied by flyway from a baseline migration "
							 "(B%s__...sql) that is not in the folder", table, built_from, built_from));
	else
		flyway_use_baseline(folder, flyway_baseline_at(folder, built_from));
	free(history);
}

int
cmd_adopt(const CliOptions *opts)
{
	const ToolHistory *tool = NULL;
	MigrationFolder folder;
	ServerInfo	info;
	PGconn	   *conn;
	PGresult   *res;
	PQExpBufferData sql;
	PQExpBufferData json;
	const char *table;
	bool	   *applied;
	int		   *row_of;
	int		   *rep_row;
	PGresult   *repeatables = NULL;
	char	  **problems = NULL;
	int			nproblems;
	int			adopted = 0;
	int			code;
	int			i;

	for (i = 0; i < (int) lengthof(tools); i++)
		if (strcmp(tools[i].name, opts->from) == 0)
			tool = &tools[i];
	table = opts->table ? opts->table : tool->table;
	if (!read_folder_or_report(opts, &folder, &code))
		return code;
	conn = connect_ready(opts, &info, true, &code);
	if (conn == NULL)
		return code;

	initPQExpBuffer(&sql);
	if (tool->by_description)
	{
		char	   *project;

		if (folder.layout != LAYOUT_SQITCH)
		{
			report_error("adopt --from %s needs a %s folder: \"%s\" is read as the %s layout",
						 tool->name, tool->name, opts->dir, layout_name(folder.layout));
			db_finish(conn);
			return EXIT_USAGE;
		}
		project = PQescapeLiteral(conn, folder.project, strlen(folder.project));
		appendPQExpBuffer(&sql, tool->query, quoted_table(conn, table), project);
		PQfreemem(project);
	}
	else
		appendPQExpBuffer(&sql, tool->query, quoted_table(conn, table));
	res = db_query(conn, sql.data, 0, NULL);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return command_failed(opts, conn, res, psprintf("cannot read the %s history in table %s",
														 tool->name, table));

	nproblems = 0;
	if (strcmp(tool->name, "flyway") == 0)
		choose_baseline(table, res, &folder, &problems, &nproblems);
	applied = pg_malloc0(sizeof(bool) * (folder.nfiles + 1));
	row_of = pg_malloc0(sizeof(int) * (folder.nfiles + 1));
	/* a missing B file explains the rest: its V files would all look wrong */
	if (nproblems == 0)
		compare_history(tool, table, res, &folder, applied, row_of, &problems, &nproblems);
	rep_row = pg_malloc0(sizeof(int) * (folder.nfiles + 1));
	for (i = 0; i < folder.nfiles; i++)
		rep_row[i] = -1;
	if (tool->repeatable_query)
	{
		resetPQExpBuffer(&sql);
		appendPQExpBuffer(&sql, tool->repeatable_query, quoted_table(conn, table));
		repeatables = db_query(conn, sql.data, 0, NULL);
		if (PQresultStatus(repeatables) != PGRES_TUPLES_OK)
			return command_failed(opts, conn, repeatables,
								  psprintf("cannot read the %s repeatable migrations in table %s",
										   tool->name, table));
		compare_repeatables(tool, table, repeatables, &folder, applied, rep_row, &problems, &nproblems);
	}
	if (nproblems > 0)
	{
		MigrationFolder report = {0};

		report.errors = problems;
		report.nerrors = nproblems;
		(void) report_folder_problems(opts, &report);
		report_error("%d problem(s) between the %s history and folder \"%s\"; nothing was changed",
					 nproblems, tool->name, opts->dir);
		PQclear(res);
		PQclear(repeatables);
		db_finish(conn);
		return EXIT_FAILED;
	}

	{
		PGresult   *failed;

		if (register_folder(conn, NULL, &folder, &failed) < 0)
			return command_failed(opts, conn, failed, "cannot register the migrations");
	}

	json_document_open(&json, opts->command);
	json_key(&json, "from", false);
	json_string(&json, tool->name);
	json_key(&json, "adopted", false);
	appendPQExpBufferChar(&json, '[');
	for (i = 0; i < folder.nfiles; i++)
	{
		const char *params[3];
		PGresult   *r;

		if (!applied[i])
			continue;
		params[0] = folder.files[i].version;
		if (rep_row[i] >= 0)
			params[1] = PQgetvalue(repeatables, rep_row[i], 1);
		else
			params[1] = row_of[i] >= 0 && !PQgetisnull(res, row_of[i], 1) ? PQgetvalue(res, row_of[i], 1) : NULL;
		params[2] = tool->name;
		r = db_query(conn, "SELECT schemamig.adopt($1, $2::pg_catalog.timestamptz, $3)", 3, params);
		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			return command_failed(opts, conn, r, psprintf("cannot adopt migration %s", params[0]));
		if (strcmp(PQgetvalue(r, 0, 0), "t") == 0)
		{
			if (adopted++ > 0)
				appendPQExpBufferChar(&json, ',');
			json_string(&json, params[0]);
			if (!output_json())
				printf("adopted     %s\n", params[0]);
			log_event("info", psprintf("adopted migration %s from %s", params[0], tool->name),
					  params[0], "up", folder.files[i].checksum, NAN);
		}
		PQclear(r);
	}
	if (!db_command(conn, "COMMIT"))
	{
		db_finish(conn);
		return EXIT_FAILED;
	}
	db_finish(conn);
	appendPQExpBufferStr(&json, "]");
	json_key(&json, "ok", false);
	appendPQExpBufferStr(&json, "true}\n");
	if (output_json())
		fputs(json.data, stdout);
	else
		printf("adopted %d migration(s) from %s; migrate applies the rest\n", adopted, tool->name);
	return EXIT_OK;
}
