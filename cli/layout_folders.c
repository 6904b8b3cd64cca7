/*-------------------------------------------------------------------------
 *
 * layout_folders.c
 *		Folder-per-migration layouts: diesel ({version}_{name}/up.sql and
 *		down.sql) and Prisma ({timestamp}_{name}/migration.sql).
 *
 * The version is the subfolder's name up to its first "_" (diesel's own
 * rule), e.g. "2024-02-01-101500" or "00000000000000".  diesel drops the
 * dashes of a version, so "2024-02-01-101500" and "20240201101500" are
 * one version to it, ordered by those digits: diesel_version() writes
 * both spellings one way, with diesel's dashes, so that they sort and
 * match alike (also for rollback --to and migrate --target).  Files in the
 * top folder (Prisma's migration_lock.toml, a README) are not migrations
 * and are passed over.  A diesel metadata.toml saying
 * "run_in_transaction = false" makes the migration non-transactional.
 *
 * Invariants: every problem names the subfolder or file it is about;
 * script text is passed on byte for byte.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "schemamig_cli.h"
#include "version_rules.h"

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* the file's text, or NULL when it does not exist (other read problems are reported) */
static char *
read_optional(MigrationFolder *folder, const char *path)
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

/*
 * A diesel version as schemamig keeps it.  diesel compares versions with
 * their dashes dropped; a version whose digits, dashes dropped, number 14
 * or more (a timestamp, YYYYMMDDHHMMSS and beyond) is written with
 * diesel's dashes, YYYY-MM-DD-HHMMSS and "-" before any further digits
 * (diesel 2's "2024-02-01-101500-0000"), so that "20170622180843" sorts
 * and matches as "2017-06-22-180843" does, and a longer version of the
 * same second after it, as diesel's comparison of the digits puts it.  The all-zero version of
 * diesel_initial_setup and any other name are kept as they are.
 */
char *
diesel_version(const char *version)
{
	char		digits[SCHEMAMIG_MAX_VERSION_LEN + 1];
	int			n = 0;
	bool		zeros = true;
	const char *p;

	for (p = version; *p; p++)
	{
		if (*p == '-')
			continue;
		if (!version_is_digit(*p) || n >= SCHEMAMIG_MAX_VERSION_LEN)
			return pstrdup(version);
		zeros = zeros && *p == '0';
		digits[n++] = *p;
	}
	digits[n] = '\0';
	if (n < 14 || zeros)
		return pstrdup(version);
	if (n == 14)
		return psprintf("%.4s-%.2s-%.2s-%s", digits, digits + 4, digits + 6, digits + 8);
	return psprintf("%.4s-%.2s-%.2s-%.6s-%s", digits, digits + 4, digits + 6, digits + 8, digits + 14);
}

/* does diesel's metadata.toml say run_in_transaction = false? */
static bool
diesel_outside_transaction(const char *toml)
{
	const char *p = toml ? strstr(toml, "run_in_transaction") : NULL;

	if (p == NULL)
		return false;
	p += strlen("run_in_transaction");
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p++ != '=')
		return false;
	while (*p == ' ' || *p == '\t')
		p++;
	return strncmp(p, "false", 5) == 0;
}

bool
folder_read_subfolders(const char *dir, MigrationLayout layout, MigrationFolder *folder)
{
	DIR		   *d = opendir(dir);
	struct dirent *de;
	char	  **names = NULL;
	int			n = 0;
	int			i;

	if (d == NULL)
	{
		folder->missing = true;
		folder_add_error(folder, psprintf("%s: cannot open the migration folder: %s", dir, strerror(errno)));
		return false;
	}
	while ((de = readdir(d)) != NULL)
	{
		struct stat st;
		char	   *sub = path_join(dir, de->d_name);

		if (de->d_name[0] == '.' || stat(sub, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		names = pg_realloc(names, sizeof(char *) * (n + 1));
		names[n++] = pg_strdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(char *), name_cmp);

	folder->files = pg_malloc0(sizeof(MigrationFile) * (n + 1));
	for (i = 0; i < n; i++)
	{
		char	   *sub = path_join(dir, names[i]);
		char	   *underscore = strchr(names[i], '_');
		MigrationFile *file = &folder->files[folder->nfiles];
		const char *up_name = layout == LAYOUT_DIESEL ? "up.sql" : "migration.sql";

		memset(file, 0, sizeof(*file));
		file->version = underscore ? pnstrdup(names[i], underscore - names[i]) : pstrdup(names[i]);
		if (layout == LAYOUT_DIESEL)
			file->version = diesel_version(file->version);
		file->description = underscore && underscore[1] ? pstrdup(underscore + 1) : NULL;
		file->up_path = path_join(sub, up_name);
		file->up_line = 1;
		if (!version_name_valid(file->version))
		{
			folder_add_error(folder, psprintf("%s: folder name does not parse: expected {version}_{name}, "
											  "where the version is 1 to %d letters, digits, \"_\", \".\" "
											  "or \"-\" starting with a letter or digit",
											  sub, SCHEMAMIG_MAX_VERSION_LEN));
			continue;
		}
		file->up_sql = read_optional(folder, file->up_path);
		if (file->up_sql == NULL)
		{
			folder_add_error(folder, psprintf("%s: no %s in this migration folder", sub, up_name));
			continue;
		}
		if (layout == LAYOUT_DIESEL)
		{
			char	   *down_path = path_join(sub, "down.sql");

			file->down_sql = read_optional(folder, down_path);
			if (file->down_sql)
			{
				file->down_path = down_path;
				file->down_line = 1;
			}
			file->up_no_transaction =
				diesel_outside_transaction(read_optional(folder, path_join(sub, "metadata.toml")));
		}
		folder->nfiles++;
	}
	return folder->nerrors == 0;
}
