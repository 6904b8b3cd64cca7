/*-------------------------------------------------------------------------
 *
 * layout_flyway.c
 *		Flyway file names: V{version}__{description}.sql (versioned),
 *		U{version}__{description}.sql (its undo script),
 *		R__{description}.sql (repeatable) and B{version}__{description}.sql
 *		(baseline migrations).
 *
 * A script configuration file beside a script, {script}.sql.conf, saying
 * executeInTransaction=false makes that migration non-transactional (the
 * worker runs it, statement by statement), as Flyway runs it outside a
 * transaction; its other settings do not change what schemamig runs.
 *
 * Flyway versions are dot- or underscore-separated numbers ("1.1",
 * "2_3"; Flyway reads "_" as "."), compared part by part as numbers.  They
 * become schemamig versions with every "_" written as ".", which the
 * natural order then compares the same way: "1" < "1.1" < "1.2" < "1.10"
 * < "2" < "2.3" (a digit run sorts before any other character, and runs
 * compare by value).  Descriptions have "_" written as " ", as Flyway
 * shows them.  A repeatable migration's schemamig name is the file name
 * without ".sql" ("R__views"); it is registered with
 * register_repeatable() (commands.c), and the server orders repeatables
 * by description.
 *
 * A baseline migration B{n} builds in one script what V{n} and every V
 * before it build.  As Flyway does, it is used only on a database where no
 * versioned migration is applied yet: there the newest B file at or below
 * the target is applied as version n (in place of V{n}), the V files at or
 * below n are passed over, and the V files after it follow.  On a database
 * with history the B files are ignored, except the one the database was
 * created from: a registered, applied version n whose checksum is its B
 * file's keeps standing for the V files at or below n.  The folder is read
 * with its B files aside (folder->baselines); the commands that know the
 * database choose (flyway_baseline_choice) and the folder then holds the
 * chosen B file in place of the files it stands for
 * (flyway_use_baseline).  Whether a registered migration is repeatable is
 * read from its name: a repeatable's name starts with "R__", which no
 * Flyway version does.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <errno.h>
#include <sys/stat.h>

#include "schemamig_cli.h"
#include "version_rules.h"

/* kind of a Flyway name from its prefix and "__", before the version is checked */
FlywayKind
flyway_name_kind(const char *name)
{
	size_t		len = strlen(name);
	const char *sep = strstr(name, "__");

	if (len < 4 || pg_strcasecmp(name + len - 4, ".sql") != 0 || sep == NULL)
		return FLYWAY_NOT_A_NAME;
	if (name[0] == 'R' && sep == name + 1)
		return FLYWAY_REPEATABLE;
	if ((name[0] == 'V' || name[0] == 'U' || name[0] == 'B') && isdigit((unsigned char) name[1]))
		return name[0] == 'V' ? FLYWAY_VERSIONED : name[0] == 'U' ? FLYWAY_UNDO : FLYWAY_BASELINE;
	return FLYWAY_NOT_A_NAME;
}

/* "_" written as c, in a copy of len bytes of s */
static char *
replace_underscores(const char *s, size_t len, char c)
{
	char	   *copy = pnstrdup(s, len);
	char	   *p;

	for (p = copy; *p; p++)
		if (*p == '_')
			*p = c;
	return copy;
}

bool
flyway_parse_name(const char *name, FlywayKind *kind, char **version, char **description)
{
	const char *sep = strstr(name, "__");
	const char *desc = sep ? sep + 2 : NULL;
	size_t		desc_len = desc ? strlen(desc) - 4 : 0;
	const char *p;

	*kind = flyway_name_kind(name);
	if (*kind == FLYWAY_NOT_A_NAME)
		return false;
	*description = desc_len > 0 ? replace_underscores(desc, desc_len, ' ') : NULL;
	if (*kind == FLYWAY_REPEATABLE)
	{
		/* "R__name": a valid version name of its own, sorting after every number */
		*version = pnstrdup(name, strlen(name) - 4);
		return desc_len > 0 && version_name_valid(*version);
	}
	for (p = name + 1; p < sep; p++)
		if (!isdigit((unsigned char) *p) &&
			!((*p == '.' || *p == '_') && isdigit((unsigned char) p[-1]) &&
			  p + 1 < sep && isdigit((unsigned char) p[1])))
			return false;
	*version = replace_underscores(name + 1, sep - name - 1, '.');
	return version_name_valid(*version);
}

/* the folder's B file of this version, or NULL */
const MigrationFile *
flyway_baseline_at(const MigrationFolder *folder, const char *version)
{
	int			i;

	for (i = 0; i < folder->nbaselines; i++)
		if (version_compare(folder->baselines[i].version, version) == 0)
			return &folder->baselines[i];
	return NULL;
}

/*
 * The B file a deploy of the folder uses on this database, or NULL (then
 * the B files are ignored).  server lists the registered migrations: the
 * B file the database was created from (applied, with its checksum), else
 * on a database where no versioned migration is applied, the newest B
 * file at or below target (NULL: no limit).
 */
const MigrationFile *
flyway_baseline_choice(const MigrationFolder *folder, const ServerMigration *server, int nserver,
					   const char *target)
{
	const MigrationFile *chosen = NULL;
	bool		history = false;
	int			i;

	for (i = 0; i < nserver; i++)
	{
		const MigrationFile *b;

		if (!server[i].applied || strncmp(server[i].version, "R__", 3) == 0)
			continue;
		history = true;
		b = flyway_baseline_at(folder, server[i].version);
		if (b != NULL && server[i].checksum != NULL && strcmp(server[i].checksum, b->checksum) == 0 &&
			(chosen == NULL || version_compare(b->version, chosen->version) > 0))
			chosen = b;
	}
	if (history)
		return chosen;
	for (i = 0; i < folder->nbaselines; i++)
		if (target == NULL || version_compare(folder->baselines[i].version, target) <= 0)
			chosen = &folder->baselines[i];
	return chosen;
}

/*
 * Put the B file baseline in the place of the V files it stands for (those
 * at or below its version), which move to folder->below_baseline; NULL
 * leaves the V files as read.  The folder stays in version order.  It
 * always starts from the files as read, so it may be called again.
 */
void
flyway_use_baseline(MigrationFolder *folder, const MigrationFile *baseline)
{
	int			i;
	int			n = 0;
	int			nbelow = 0;

	if (folder->versioned == NULL)
	{
		folder->versioned = folder->files;
		folder->nversioned = folder->nfiles;
	}
	folder->files = pg_malloc0(sizeof(MigrationFile) * (folder->nversioned + 2));
	folder->below_baseline = pg_malloc0(sizeof(MigrationFile) * (folder->nversioned + 1));
	for (i = 0; i < folder->nversioned; i++)
	{
		const MigrationFile *file = &folder->versioned[i];

		if (baseline != NULL && !file->repeatable &&
			version_compare(file->version, baseline->version) <= 0)
		{
			folder->below_baseline[nbelow++] = *file;
			continue;
		}
		folder->files[n++] = *file;
	}
	folder->nfiles = n;
	folder->nbelow_baseline = nbelow;
	if (baseline == NULL)
		return;
	/* the B file goes before the first file after it: the V files above it, or a repeatable */
	for (i = 0; i < n; i++)
		if (folder->files[i].repeatable || version_compare(folder->files[i].version, baseline->version) > 0)
			break;
	memmove(&folder->files[i + 1], &folder->files[i], sizeof(MigrationFile) * (n - i));
	folder->files[i] = *baseline;
	folder->nfiles++;
}

/*
 * Choose the folder's B file from a server answer (registrations() or
 * status()): version, checksum and whether it is applied in the given
 * columns; the applied column holds "t"/"f" or a state, where only "f"
 * and "pending" mean not applied.  Does nothing in a folder without B
 * files.
 */
void
folder_choose_baseline(MigrationFolder *folder, PGresult *res, int version_col,
					   int checksum_col, int applied_col, const char *target)
{
	ServerMigration *server;
	int			n = 0;
	int			i;

	if (folder->nbaselines == 0)
		return;
	server = pg_malloc0(sizeof(ServerMigration) * (PQntuples(res) + 1));
	for (i = 0; i < PQntuples(res); i++)
	{
		const char *applied = PQgetvalue(res, i, applied_col);

		server[n].version = PQgetvalue(res, i, version_col);
		server[n].checksum = PQgetisnull(res, i, checksum_col) ? NULL : PQgetvalue(res, i, checksum_col);
		server[n].applied = strcmp(applied, "f") != 0 && strcmp(applied, "pending") != 0;
		n++;
	}
	flyway_use_baseline(folder, flyway_baseline_choice(folder, server, n, target));
	free(server);
}

/*
 * Does the script configuration file of the script at path ({path}.conf)
 * say executeInTransaction=false?  A problem reading it is added to the
 * folder.
 */
bool
flyway_conf_outside_transaction(const char *path, MigrationFolder *folder)
{
	char	   *conf = psprintf("%s.conf", path);
	struct stat st;
	char	   *text;
	char	   *error;
	const char *line;

	if (stat(conf, &st) != 0 && errno == ENOENT)
		return false;
	if (!file_read_text(conf, &text, &error))
	{
		folder_add_error(folder, error);
		return false;
	}
	for (line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
	{
		const char *p = line;

		while (*p == ' ' || *p == '\t')
			p++;
		if (pg_strncasecmp(p, "executeInTransaction", 20) != 0)
			continue;
		p += 20;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=')
			continue;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (pg_strncasecmp(p, "false", 5) == 0)
			return true;
	}
	return false;
}
