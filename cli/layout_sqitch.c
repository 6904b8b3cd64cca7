/*-------------------------------------------------------------------------
 *
 * layout_sqitch.c
 *		sqitch projects: sqitch.plan naming the changes in deploy order,
 *		deploy/{change}.sql (up), revert/{change}.sql (down).
 *
 * sqitch changes are named, not numbered: the plan's order is the deploy
 * order.  The n-th change of the plan becomes schemamig version "n" (so
 * natural order is plan order) with the change's name as its description;
 * a plan only grows at its end, so a change keeps its version.  Read from
 * the plan: "%project=NAME" (kept for adopt, which matches sqitch's history
 * by project and change name), change lines "name [deps] time planner
 * <email> # note" (only the name is used: the plan already orders
 * dependencies before their dependents), tags ("@name ...") and notes
 * ("# ...") passed over.  verify/ scripts are not run.
 *
 * Invariants: every problem names sqitch.plan and its line, or the script
 * file; what sqitch plans schemamig cannot do as sqitch would (a reworked
 * change, whose earlier text lives in deploy/{change}@{tag}.sql, and a
 * planned revert "-name") is refused, never approximated.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <errno.h>
#include <sys/stat.h>

#include "schemamig_cli.h"

/* the text of path, or NULL when it does not exist (other read problems are reported) */
static char *
read_if_present(MigrationFolder *folder, const char *path)
{
	struct stat st;
	char	   *text;
	char	   *error;

	if (stat(path, &st) != 0 && errno == ENOENT)
		return NULL;
	if (!file_read_text(path, &text, &error))
	{
		folder_add_error(folder, error);
		return NULL;
	}
	return text;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* the change named on line lineno of the plan, or NULL with a problem added */
static char *
change_name(MigrationFolder *folder, const char *plan_path, int lineno, const char *line)
{
	const char *p = line;
	const char *end;

	if (*p == '+')
		p++;
	else if (*p == '-')
	{
		folder_add_error(folder, psprintf("%s:%d: a planned revert (\"-change\") cannot be read: "
										  "remove the line and the change it reverts, or plan a new "
										  "change that undoes it", plan_path, lineno));
		return NULL;
	}
	while (is_blank(*p))
		p++;
	for (end = p; *end && !is_blank(*end) && *end != '[' && *end != '#'; end++)
		;
	if (end == p)
	{
		folder_add_error(folder, psprintf("%s:%d: no change name on this line", plan_path, lineno));
		return NULL;
	}
	return pnstrdup(p, end - p);
}

/* the change's version: its place in the plan (1 for the first) */
static void
add_change(MigrationFolder *folder, const char *dir, const char *name, int position)
{
	MigrationFile *file = &folder->files[folder->nfiles];
	char	   *script = psprintf("%s.sql", name);
	char	   *down_path = path_join(path_join(dir, "revert"), script);

	memset(file, 0, sizeof(*file));
	file->version = psprintf("%d", position);
	file->description = pstrdup(name);
	file->up_path = path_join(path_join(dir, "deploy"), script);
	file->up_line = 1;
	file->up_sql = read_if_present(folder, file->up_path);
	if (file->up_sql == NULL)
	{
		folder_add_error(folder, psprintf("%s: no deploy script for change \"%s\" of sqitch.plan",
										  file->up_path, name));
		return;
	}
	file->down_sql = read_if_present(folder, down_path);
	if (file->down_sql)
	{
		file->down_path = down_path;
		file->down_line = 1;
	}
	folder->nfiles++;
}

bool
folder_read_sqitch(const char *dir, MigrationFolder *folder)
{
	char	   *plan_path = path_join(dir, "sqitch.plan");
	char	   *plan;
	char	   *error;
	char	   *line;
	char	   *save = NULL;
	char	  **names = NULL;
	int			nnames = 0;
	int			lineno = 0;
	int			i;
	struct stat st;

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
	{
		folder->missing = true;
		folder_add_error(folder, psprintf("%s: cannot open the migration folder: %s", dir,
										  stat(dir, &st) != 0 ? strerror(errno) : "not a folder"));
		return false;
	}
	if (!file_read_text(plan_path, &plan, &error))
	{
		folder_add_error(folder, error);
		return false;
	}
	/* strtok_r would merge blank lines and lose the line numbers: split by hand */
	for (line = plan; line != NULL; line = save)
	{
		char	   *nl = strchr(line, '\n');
		char	   *p;
		size_t		len;

		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\r')
			line[len - 1] = '\0';
		for (p = line; is_blank(*p); p++)
			;
		if (*p == '\0' || *p == '#' || *p == '@')
			continue;			/* blank, note, tag */
		if (*p == '%')
		{
			if (strncmp(p, "%project", 8) == 0)
			{
				char	   *value = strchr(p, '=');
				char	   *end;

				if (value == NULL)
					continue;
				for (value++; is_blank(*value); value++)
					;
				for (end = value; *end && !is_blank(*end) && *end != '#'; end++)
					;
				folder->project = pnstrdup(value, end - value);
			}
			continue;
		}
		{
			char	   *name = change_name(folder, plan_path, lineno, p);

			if (name == NULL)
				continue;
			for (i = 0; i < nnames; i++)
				if (strcmp(names[i], name) == 0)
					break;
			if (i < nnames)
			{
				folder_add_error(folder, psprintf("%s:%d: change \"%s\" is reworked (planned again): "
												  "schemamig cannot tell its earlier and later scripts "
												  "apart; plan the new text as a change of its own name",
												  plan_path, lineno, name));
				continue;
			}
			names = pg_realloc(names, sizeof(char *) * (nnames + 1));
			names[nnames++] = name;
		}
	}
	if (folder->project == NULL)
		folder_add_error(folder, psprintf("%s: no %%project pragma: not a sqitch plan", plan_path));

	folder->files = pg_malloc0(sizeof(MigrationFile) * (nnames + 1));
	for (i = 0; i < nnames; i++)
		add_change(folder, dir, names[i], i + 1);
	return folder->nerrors == 0;
}
