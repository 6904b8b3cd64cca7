/*-------------------------------------------------------------------------
 *
 * layouts.c
 *		Which migration tool's folder layout a folder follows: the names
 *		of --layout, and detection when it is not given.
 *
 * Layouts (doc/cli.md has a section per layout):
 *	- schemamig: {version}_{name}.up.sql (+ .down.sql), and single .sql
 *	  files with dbmate or goose sections, mixed;
 *	- golang-migrate: .up.sql / .down.sql only;
 *	- sqlx: .up.sql / .down.sql, or a plain {version}_{name}.sql that is
 *	  the whole up script;
 *	- goose, dbmate: single .sql files with that tool's markers;
 *	- flyway: V{version}__{description}.sql, U{version}__... (down),
 *	  R__{description}.sql (repeatable), B{version}__... (baseline);
 *	- diesel: {version}_{name}/up.sql and down.sql;
 *	- prisma: {timestamp}_{name}/migration.sql;
 *	- sqitch: sqitch.plan, deploy/{change}.sql, revert/{change}.sql.
 *
 * Detection looks only at names (one pass over the folder, no file is
 * opened): a sqitch.plan makes it sqitch, subfolders holding up.sql diesel, subfolders holding
 * migration.sql (or a migration_lock.toml) prisma, V/U/R/B names with "__"
 * flyway; anything else is the schemamig layout, which reads golang-migrate,
 * sqlx's reversible files, dbmate and goose folders as they are.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <dirent.h>
#include <sys/stat.h>

#include "schemamig_cli.h"

static const char *const layout_names[] = {
	[LAYOUT_AUTO] = "auto",
	[LAYOUT_SCHEMAMIG] = "schemamig",
	[LAYOUT_GOLANG_MIGRATE] = "golang-migrate",
	[LAYOUT_SQLX] = "sqlx",
	[LAYOUT_GOOSE] = "goose",
	[LAYOUT_DBMATE] = "dbmate",
	[LAYOUT_FLYWAY] = "flyway",
	[LAYOUT_DIESEL] = "diesel",
	[LAYOUT_PRISMA] = "prisma",
	[LAYOUT_SQITCH] = "sqitch",
};

static MigrationLayout forced_layout = LAYOUT_AUTO;

const char *
layout_name(MigrationLayout layout)
{
	return layout_names[layout];
}

bool
layout_parse(const char *name, MigrationLayout *layout)
{
	int			i;

	for (i = 0; i < (int) lengthof(layout_names); i++)
		if (strcmp(name, layout_names[i]) == 0)
		{
			*layout = (MigrationLayout) i;
			return true;
		}
	return false;
}

const char *
layout_name_list(void)
{
	return "auto, schemamig, golang-migrate, sqlx, goose, dbmate, flyway, diesel, prisma, sqitch";
}

void
layout_force(MigrationLayout layout)
{
	forced_layout = layout;
}

static bool
file_exists_at(int dir_fd, const char *sub, const char *name)
{
	struct stat st;
	char	   *path = path_join(sub, name);
	bool		exists = fstatat(dir_fd, path, &st, 0) == 0 && S_ISREG(st.st_mode);

	free(path);
	return exists;
}

static bool
is_subfolder(int dir_fd, const FolderName *entry)
{
	struct stat st;

	if (entry->type == DT_DIR)
		return true;
	if (entry->type != DT_UNKNOWN && entry->type != DT_LNK)
		return false;
	return fstatat(dir_fd, entry->name, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

/*
 * The layout of a folder, from the names folder_read listed (it lists a
 * folder once: listing thousands of names costs as much as reading a
 * tenth of the files).  dir_fd is the folder, for looking into subfolders.
 */
MigrationLayout
layout_of_names(int dir_fd, const FolderName *names, int n)
{
	int			i;

	if (forced_layout != LAYOUT_AUTO)
		return forced_layout;
	for (i = 0; i < n; i++)
	{
		const FolderName *entry = &names[i];

		if (entry->name[0] == '.')
			continue;
		if (strcmp(entry->name, "sqitch.plan") == 0)
			return LAYOUT_SQITCH;
		if (strcmp(entry->name, "migration_lock.toml") == 0)
			return LAYOUT_PRISMA;
		if (is_subfolder(dir_fd, entry))
		{
			if (file_exists_at(dir_fd, entry->name, "up.sql"))
				return LAYOUT_DIESEL;
			if (file_exists_at(dir_fd, entry->name, "migration.sql"))
				return LAYOUT_PRISMA;
			continue;
		}
		if (flyway_name_kind(entry->name) != FLYWAY_NOT_A_NAME)
			return LAYOUT_FLYWAY;
	}
	return LAYOUT_SCHEMAMIG;
}

/*
 * A --target or --to version as the folder's layout spells versions: in a
 * diesel folder (read, or forced with --layout diesel) "20170622180843"
 * names the migration of "2017-06-22-180843_..." (diesel_version).  NULL
 * stays NULL.
 */
const char *
layout_target_version(const char *target, const MigrationFolder *folder)
{
	MigrationLayout layout = folder ? folder->layout : forced_layout;

	if (target == NULL || layout != LAYOUT_DIESEL)
		return target;
	return diesel_version(target);
}
