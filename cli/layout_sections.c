/*-------------------------------------------------------------------------
 *
 * layout_sections.c
 *		Single-file migrations: the up and down sections of dbmate and
 *		goose files.
 *
 * dbmate: "-- migrate:up" and "-- migrate:down" lines, each optionally
 * followed by options; "transaction:false" makes that section run outside
 * a transaction block.
 *
 * goose: "-- +goose Up" and "-- +goose Down" lines; "-- +goose
 * NO TRANSACTION" anywhere makes the migration non-transactional;
 * "-- +goose StatementBegin" / "StatementEnd" are kept in the text as the
 * comments they are (the server splits statements with its own parser, so
 * a function body with semicolons is one statement either way).
 *
 * Invariants:
 *	- a section is the text between its marker line and the next section
 *	  marker (or the end), byte for byte;
 *	- one file uses one tool's markers; a second section of a kind, SQL
 *	  before the first marker or an unknown option are errors that name
 *	  the file and line;
 *	- goose's "-- +goose ENVSUB ON" ... "OFF" substitutes environment
 *	  variables ($VAR, ${VAR}, and "$$" for "$") in the lines between:
 *	  schemamig sends a script as it is written, so such a block is read
 *	  as it is when none of its lines holds a "$" (goose would change
 *	  nothing), and a line with one is an error naming the file and line.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "schemamig_cli.h"

typedef enum SectionMarker
{
	MARKER_NONE,
	MARKER_UP,
	MARKER_DOWN,
	MARKER_OTHER				/* a goose annotation that is not a section */
} SectionMarker;

/* the line, without trailing white space, as a NUL-terminated string */
static char *
line_text(const char *line, const char *end)
{
	while (end > line && isspace((unsigned char) end[-1]))
		end--;
	return pnstrdup(line, end - line);
}

/*
 * A dbmate marker: "--", optional space, "migrate:up" or "migrate:down",
 * then options separated by white space.  *error is set for an option
 * other than transaction:true/false.
 */
static SectionMarker
dbmate_marker(const char *line, bool *no_transaction, char **error)
{
	const char *p = line + 2;
	SectionMarker kind;

	while (*p == ' ' || *p == '\t')
		p++;
	if (pg_strncasecmp(p, "migrate:up", 10) == 0)
	{
		kind = MARKER_UP;
		p += 10;
	}
	else if (pg_strncasecmp(p, "migrate:down", 12) == 0)
	{
		kind = MARKER_DOWN;
		p += 12;
	}
	else
		return MARKER_NONE;
	if (*p != '\0' && !isspace((unsigned char) *p))
		return MARKER_NONE;
	*no_transaction = false;
	for (;;)
	{
		const char *end;
		char	   *option;

		while (isspace((unsigned char) *p))
			p++;
		if (*p == '\0')
			break;
		for (end = p; *end && !isspace((unsigned char) *end); end++)
			;
		option = pnstrdup(p, end - p);
		if (pg_strcasecmp(option, "transaction:false") == 0)
			*no_transaction = true;
		else if (pg_strcasecmp(option, "transaction:true") != 0)
			*error = psprintf("unknown dbmate option \"%s\" (schemamig knows transaction:false)", option);
		p = end;
	}
	return kind;
}

/*
 * A goose annotation "-- +goose WORDS"; *envsub follows ENVSUB ON and OFF;
 * *error for one schemamig cannot honour
 */
static SectionMarker
goose_marker(const char *line, bool *no_transaction, bool *envsub, char **error)
{
	const char *p = line + 2;

	while (*p == ' ' || *p == '\t')
		p++;
	if (pg_strncasecmp(p, "+goose", 6) != 0)
		return MARKER_NONE;
	p += 6;
	while (*p == ' ' || *p == '\t')
		p++;
	if (pg_strcasecmp(p, "Up") == 0)
		return MARKER_UP;
	if (pg_strcasecmp(p, "Down") == 0)
		return MARKER_DOWN;
	if (pg_strcasecmp(p, "NO TRANSACTION") == 0)
		*no_transaction = true;
	else if (pg_strcasecmp(p, "ENVSUB ON") == 0 || pg_strcasecmp(p, "ENVSUB OFF") == 0)
		*envsub = pg_strcasecmp(p, "ENVSUB ON") == 0;
	else if (pg_strcasecmp(p, "StatementBegin") != 0 && pg_strcasecmp(p, "StatementEnd") != 0)
		*error = psprintf("goose annotation \"%s\" is not supported", line);
	return MARKER_OTHER;
}

bool
sections_present(const char *text)
{
	return strstr(text, "migrate:up") || strstr(text, "migrate:down") ||
		strstr(text, "+goose");
}

/*
 * Split a single-file migration into its sections (see the header).  path
 * names the file in errors; allowed says whose markers the layout takes.
 */
bool
sections_split(const char *path, const char *text, MigrationLayout layout,
			   MigrationFile *file, char **error)
{
	const char *p = text;
	const char *up_start = NULL;
	const char *down_start = NULL;
	const char *up_end = NULL;
	const char *down_end = NULL;
	const char **open_end = NULL;
	const char *tool = NULL;
	bool		goose_no_transaction = false;
	bool		envsub = false;
	int			line = 1;

	while (*p)
	{
		const char *eol = strchr(p, '\n');
		const char *next = eol ? eol + 1 : p + strlen(p);
		SectionMarker marker = MARKER_NONE;
		const char *this_tool = NULL;
		bool		no_transaction = false;
		char	   *problem = NULL;

		if (p[0] == '-' && p[1] == '-')
		{
			char	   *l = line_text(p, eol ? eol : next);

			if ((marker = dbmate_marker(l, &no_transaction, &problem)) != MARKER_NONE)
				this_tool = "dbmate";
			else if ((marker = goose_marker(l, &goose_no_transaction, &envsub, &problem)) != MARKER_NONE)
				this_tool = "goose";
		}
		if (marker == MARKER_NONE && envsub && memchr(p, '$', next - p) != NULL)
			problem = pstrdup("goose substitutes environment variables in this line (-- +goose ENVSUB ON), "
							  "and schemamig sends a script as it is written: write the value into the "
							  "file, or end the block with -- +goose ENVSUB OFF before this line");
		if (this_tool)
		{
			if ((layout == LAYOUT_DBMATE || layout == LAYOUT_GOOSE) &&
				strcmp(this_tool, layout_name(layout)) != 0)
				problem = psprintf("a %s marker in a %s folder", this_tool, layout_name(layout));
			else if (tool && strcmp(tool, this_tool) != 0)
				problem = psprintf("%s and %s markers in one file", tool, this_tool);
			tool = this_tool;
		}
		if (problem)
		{
			*error = psprintf("%s:%d: %s", path, line, problem);
			return false;
		}
		if (marker == MARKER_UP || marker == MARKER_DOWN)
		{
			bool		up = marker == MARKER_UP;

			bool		goose = strcmp(this_tool, "goose") == 0;

			if ((up && up_start) || (!up && down_start))
			{
				*error = psprintf("%s:%d: second \"%s\" section", path, line,
								  goose ? (up ? "-- +goose Up" : "-- +goose Down")
								  : (up ? "-- migrate:up" : "-- migrate:down"));
				return false;
			}
			if (open_end)
				*open_end = p;
			else if (p > text && sql_has_statements(pnstrdup(text, p - text)))
			{
				*error = psprintf("%s: SQL before the first \"%s\" section marker", path,
								  goose ? "-- +goose" : "-- migrate:");
				return false;
			}
			if (up)
			{
				up_start = next;
				file->up_line = line + 1;
				file->up_no_transaction = no_transaction;
				open_end = &up_end;
			}
			else
			{
				down_start = next;
				file->down_line = line + 1;
				file->down_no_transaction = no_transaction;
				open_end = &down_end;
			}
		}
		p = next;
		line++;
	}
	if (open_end)
		*open_end = p;

	if (up_start == NULL)
	{
		*error = psprintf("%s: no \"-- migrate:up\" section (a single-file migration needs one, "
						  "or a \"-- +goose Up\" line; or name the file .up.sql; or, for sqlx's plain files, "
						  "use --layout sqlx)", path);
		return false;
	}
	if (goose_no_transaction)
		file->up_no_transaction = file->down_no_transaction = true;
	file->up_sql = pnstrdup(up_start, up_end - up_start);
	file->down_sql = down_start ? pnstrdup(down_start, down_end - down_start) : NULL;
	return true;
}
