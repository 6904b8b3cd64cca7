/*-------------------------------------------------------------------------
 *
 * files.c
 *		Reading a migration folder: file names, pairing, natural order.
 *
 * The folder's layout (layouts.c) says how files are named: for the
 * one-file-per-script layouts,
 *	- {version}_{description}.up.sql with an optional .down.sql of the
 *	  same version (a different description is paired with a warning);
 *	- a single {version}_{description}.sql holding dbmate or goose
 *	  sections (layout_sections.c), or for sqlx the whole up script;
 *	- Flyway's V/U/R/B names (layout_flyway.c; the B files are kept
 *	  aside in folder->baselines until a command chooses one);
 * and diesel and Prisma folders are read by layout_folders.c.  The
 * version is the name up to the first "_" (the whole name when there is
 * none); it must be a valid schemamig version.  Files that do not end in
 * ".sql", hidden files and subfolders are ignored, except goose's Go
 * migrations ({version}_{name}.go), which are refused by name.
 *
 * Invariants:
 *	- every problem in the folder is collected, so the user sees all of
 *	  them at once, each naming its file; a folder with any problem is
 *	  never sent to the server;
 *	- script text is passed on byte for byte, except a leading UTF-8 byte
 *	  order mark and one outer BEGIN ... COMMIT wrapper (script_text.c);
 *	  the checksum of record is the server's, over exactly what is sent;
 *	- in the schemamig layout, a folder whose single .sql files have no
 *	  dbmate or goose markers at all is a sqlx folder of one-way scripts:
 *	  each file is its up script (one file with markers makes every
 *	  unmarked file a problem, as before); in these layouts an up script
 *	  whose first bytes are "-- no-transaction" (sqlx's marker) runs
 *	  outside a transaction;
 *	- a down script that is empty or only comments is sent as it is:
 *	  "nothing to undo", unlike a missing one (NULL: irreversible);
 *	- the natural order here is the server's version order, from one
 *	  definition (src/version_rules.h): digit runs compare by numeric
 *	  value, and sort before any other character.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schemamig_cli.h"
#include "version_rules.h"

typedef enum FileKind
{
	KIND_UP,					/* name.up.sql */
	KIND_DOWN,					/* name.down.sql */
	KIND_SINGLE					/* name.sql with sections */
} FileKind;

typedef struct FolderEntry
{
	char	   *name;
	char	   *version;
	char	   *description;
	FileKind	kind;
	bool		repeatable;		/* Flyway R__ */
	bool		baseline;		/* Flyway B{version}__ */
} FolderEntry;

/* dir/name, malloc'd (without printf: it is called for every file of a folder) */
char *
path_join(const char *dir, const char *name)
{
	size_t		dir_len = strlen(dir);
	size_t		name_len = strlen(name);
	bool		slash = dir_len > 0 && dir[dir_len - 1] == '/';
	char	   *path = pg_malloc(dir_len + !slash + name_len + 1);

	memcpy(path, dir, dir_len);
	if (!slash)
		path[dir_len++] = '/';
	memcpy(path + dir_len, name, name_len + 1);
	return path;
}

/*
 * Read a whole file.  name is opened relative to the directory dir_fd
 * (AT_FDCWD for a path).  Returns 0, or the errno that stopped it; *nul
 * says the text holds a NUL byte (and is then not returned).  Plain
 * open/read rather than stdio: a folder of thousands of migrations is read
 * on every run, and system calls are most of the cost (no fstat, no stdio
 * buffer, no walk of the folder's path for every file).  Safe to call from
 * several threads.
 */
static int
read_text_at(int dir_fd, const char *name, char **text, bool *nul)
{
	char		chunk[65536];
	char	   *buf = NULL;
	size_t		len = 0;
	int			fd;

	*text = NULL;
	*nul = false;
	fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	for (;;)
	{
		ssize_t		n = read(fd, chunk, sizeof(chunk));

		if (n == 0)
			break;
		if (n < 0)
		{
			int			error = errno;

			if (error == EINTR)
				continue;
			close(fd);
			free(buf);
			return error;
		}
		/* exactly sized: thousands of small scripts stay small in memory */
		buf = pg_realloc(buf, len + n + 1);
		memcpy(buf + len, chunk, n);
		len += n;
	}
	close(fd);
	if (buf == NULL)
		buf = pg_malloc(1);
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL)
	{
		*nul = true;
		free(buf);
		return 0;
	}
	/* a UTF-8 byte order mark is not SQL: editors on Windows write one, Flyway skips it */
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		memmove(buf, buf + 3, len - 2);
	*text = buf;
	return 0;
}

/* what is wrong with a file read_text_at() could not return, or NULL */
static char *
read_problem(const char *path, int error, bool nul)
{
	if (error != 0)
		return psprintf("%s: cannot read: %s", path, strerror(error));
	if (nul)
		return psprintf("%s: contains a NUL byte, which SQL text cannot hold", path);
	return NULL;
}

bool
file_read_text(const char *path, char **text, char **error)
{
	bool		nul;
	int			rc = read_text_at(AT_FDCWD, path, text, &nul);

	*error = read_problem(path, rc, nul);
	return *error == NULL;
}

/*
 * true when the text holds something other than white space (a script of
 * only comments is the server's to refuse, so "new" can scaffold one)
 */
static bool
has_content(const char *text)
{
	for (; *text; text++)
		if (!isspace((unsigned char) *text))
			return true;
	return false;
}

/*
 * Parse a file name: kind, stem, version and description, as the layout
 * names its files.  Returns false when the name is not a migration name.
 */
static bool
parse_name(const char *name, MigrationLayout layout, FolderEntry *entry)
{
	static const struct
	{
		const char *suffix;
		FileKind	kind;
	}			suffixes[] = {{".up.sql", KIND_UP}, {".down.sql", KIND_DOWN}, {".sql", KIND_SINGLE}};
	size_t		len = strlen(name);
	int			i;

	if (layout == LAYOUT_FLYWAY)
	{
		FlywayKind	kind;

		entry->name = pstrdup(name);
		if (!flyway_parse_name(name, &kind, &entry->version, &entry->description))
			return false;
		entry->kind = kind == FLYWAY_UNDO ? KIND_DOWN : KIND_UP;
		entry->repeatable = kind == FLYWAY_REPEATABLE;
		entry->baseline = kind == FLYWAY_BASELINE;
		return true;
	}
	for (i = 0; i < (int) lengthof(suffixes); i++)
	{
		size_t		slen = strlen(suffixes[i].suffix);

		if (len > slen && pg_strcasecmp(name + len - slen, suffixes[i].suffix) == 0)
		{
			char	   *stem = pnstrdup(name, len - slen);
			char	   *underscore = strchr(stem, '_');


			entry->name = pstrdup(name);
			entry->kind = suffixes[i].kind;
			entry->version = underscore ? pnstrdup(stem, underscore - stem) : pstrdup(stem);
			entry->description = (underscore && underscore[1]) ? pstrdup(underscore + 1) : NULL;
			return version_name_valid(entry->version);
		}
	}
	return false;
}

/* what a file name should look like in this layout, for errors */
static const char *
expected_names(MigrationLayout layout)
{
	switch (layout)
	{
		case LAYOUT_FLYWAY:
			return "V{version}__{description}.sql, U{version}__{description}.sql, "
				"B{version}__{description}.sql or R__{description}.sql, where the version is "
				"numbers separated by \".\" or \"_\"";
		case LAYOUT_GOLANG_MIGRATE:
			return "{version}_{description}.up.sql or .down.sql";
		default:
			return "{version}_{description}.up.sql, .down.sql or .sql";
	}
}

/*
 * Is this goose's Go migration, {version}_{name}.go with a numeric version
 * (goose's own rule; migrations.go, main.go and _test.go files are not)?
 * schemamig runs SQL only: such a file is a folder problem, never passed
 * over, since the migrations after it would run without it.
 */
static bool
is_goose_go_migration(const char *name)
{
	size_t		len = strlen(name);
	const char *p = name;

	if (len <= 3 || strcmp(name + len - 3, ".go") != 0 ||
		(len > 8 && strcmp(name + len - 8, "_test.go") == 0))
		return false;
	while (version_is_digit(*p))
		p++;
	return p > name && *p == '_';
}

static bool
is_sql_name(const char *name)
{
	size_t		len = strlen(name);

	return len > 4 && pg_strcasecmp(name + len - 4, ".sql") == 0;
}

/*
 * sqlx's marker: a script whose first bytes are "-- no-transaction" runs
 * outside a transaction (sqlx's own test, in the layouts that read sqlx
 * files)
 */
static bool
sqlx_no_transaction(const char *text, MigrationLayout layout)
{
	return (layout == LAYOUT_SQLX || layout == LAYOUT_SCHEMAMIG) &&
		strncmp(text, "-- no-transaction", 17) == 0;
}

/*
 * The scripts of a single .sql file: its sections, or (sqlx) the whole
 * file as the up script.  path names the file in errors.
 */
static bool
single_file_scripts(const char *path, char *text, MigrationLayout layout,
					MigrationFile *file, char **error)
{
	if (layout == LAYOUT_SQLX && !sections_present(text))
	{
		file->up_sql = text;
		file->up_no_transaction = sqlx_no_transaction(text, layout);
		return true;
	}
	if (layout == LAYOUT_GOLANG_MIGRATE)
	{
		*error = psprintf("%s: a golang-migrate folder holds only .up.sql and .down.sql files", path);
		return false;
	}
	file->down_path = (char *) path;
	return sections_split(path, text, layout, file, error);
}

/*
 * Strip one outer BEGIN ... COMMIT wrapper, check the up script has SQL,
 * and compute the checksums of what is sent (the text after stripping).
 */
static bool
finish_file(MigrationFolder *folder, MigrationFile *file)
{
	bool		stripped = sql_strip_wrapper(&file->up_sql, &file->up_line);

	if (stripped || file->checksum == NULL)
		file->checksum = checksum_script(file->up_sql);
	if (file->down_sql)
	{
		if (sql_strip_wrapper(&file->down_sql, &file->down_line) || file->down_checksum == NULL)
			file->down_checksum = checksum_script(file->down_sql);
	}
	if (!has_content(file->up_sql))
	{
		folder_add_error(folder, psprintf("%s: the up script is empty", file->up_path));
		return false;
	}
	return true;
}

/*
 * Read one migration file given by path (for "lint FILE"): layout from the
 * name, script text from the file.
 */
bool
migration_file_parse(const char *path, MigrationFile *file, char **error)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	MigrationLayout layout = flyway_name_kind(name) != FLYWAY_NOT_A_NAME ? LAYOUT_FLYWAY : LAYOUT_SCHEMAMIG;
	FolderEntry entry;
	char	   *text;

	memset(file, 0, sizeof(*file));
	if (!file_read_text(path, &text, error))
		return false;
	if (!parse_name(name, layout, &entry))
	{
		/* not a migration name: the whole file is one script */
		file->up_path = pstrdup(path);
		file->up_sql = text;
		file->up_line = 1;
		return true;
	}
	file->version = entry.version;
	file->description = entry.description;
	file->up_line = 1;
	if (entry.kind == KIND_SINGLE && sections_present(text))
	{
		file->up_path = pstrdup(path);
		if (!single_file_scripts(file->up_path, text, LAYOUT_SCHEMAMIG, file, error))
			return false;
	}
	else if (entry.kind == KIND_DOWN)
	{
		file->down_path = pstrdup(path);
		file->down_sql = text;
		file->down_line = 1;
		(void) sql_strip_wrapper(&file->down_sql, &file->down_line);
		return true;
	}
	else
	{
		file->up_path = pstrdup(path);
		file->up_sql = text;
	}
	(void) sql_strip_wrapper(&file->up_sql, &file->up_line);
	if (file->down_sql)
		(void) sql_strip_wrapper(&file->down_sql, &file->down_line);
	return true;
}

static int
entry_name_cmp(const void *a, const void *b)
{
	return strcmp(((const FolderEntry *) a)->name, ((const FolderEntry *) b)->name);
}

/* natural version order; equal versions in file name order */
static int
file_version_cmp(const void *a, const void *b)
{
	const MigrationFile *fa = (const MigrationFile *) a;
	const MigrationFile *fb = (const MigrationFile *) b;
	int			cmp = version_compare(fa->version, fb->version);

	return cmp != 0 ? cmp : strcmp(fa->up_path, fb->up_path);
}

/* the migration of this version (natural order equality), or NULL */
static MigrationFile *
find_by_version(MigrationFolder *folder, const char *version)
{
	int			lo = 0;
	int			hi = folder->nfiles - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			cmp = version_compare(folder->files[mid].version, version);

		if (cmp == 0)
			return &folder->files[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

void
folder_add_error(MigrationFolder *folder, char *message)
{
	folder->errors = pg_realloc(folder->errors, sizeof(char *) * (folder->nerrors + 1));
	folder->errors[folder->nerrors++] = message;
}

/*
 * Every name of an open folder but "." and "..", in the order readdir()
 * gives them; an error listing it is added to the folder.
 */
static FolderName *
list_folder(DIR *d, const char *dir, MigrationFolder *folder, int *n_out)
{
	FolderName *names = NULL;
	int			n = 0;
	int			cap = 0;

	for (;;)
	{
		struct dirent *de;

		/* readdir() says an error only through errno: clear it each time */
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap)
		{
			cap = cap ? cap * 2 : 64;
			names = pg_realloc(names, sizeof(FolderName) * cap);
		}
		names[n].name = pg_strdup(de->d_name);
		names[n].type = de->d_type;
		n++;
	}
	if (errno != 0)
		folder_add_error(folder, psprintf("%s: cannot list the migration folder: %s", dir, strerror(errno)));
	*n_out = n;
	return names;
}

/* the migration-like names of a folder's listing, sorted by name */
static void
list_entries(int dir_fd, const char *dir, const FolderName *names, int nnames,
			 MigrationLayout layout, MigrationFolder *folder,
			 FolderEntry **entries_out, int *n_out)
{
	FolderEntry *entries = NULL;
	int			n = 0;
	int			cap = 0;
	int			i;

	for (i = 0; i < nnames; i++)
	{
		const FolderName *name = &names[i];
		FolderEntry entry;

		if (name->name[0] != '.' && (layout == LAYOUT_SCHEMAMIG || layout == LAYOUT_GOOSE) &&
			is_goose_go_migration(name->name))
		{
			folder_add_error(folder, psprintf("%s: a goose Go migration: schemamig runs SQL only; "
											  "write it as a .sql migration of the same version "
											  "(-- +goose Up / -- +goose Down), or remove it from the folder",
											  path_join(dir, name->name)));
			continue;
		}
		if (name->name[0] == '.' || !is_sql_name(name->name))
			continue;
		/* subfolders are skipped; d_type saves a stat per file where the file system fills it */
		if (name->type == DT_DIR)
			continue;
		if (name->type == DT_UNKNOWN || name->type == DT_LNK)
		{
			struct stat st;

			if (fstatat(dir_fd, name->name, &st, 0) == 0 && S_ISDIR(st.st_mode))
				continue;
		}
		memset(&entry, 0, sizeof(entry));
		if (!parse_name(name->name, layout, &entry))
		{
			folder_add_error(folder, psprintf("%s: file name does not parse: expected %s, where the "
											  "version is 1 to %d letters, digits, \"_\", \".\" or "
											  "\"-\" starting with a letter or digit",
											  path_join(dir, name->name), expected_names(layout),
											  SCHEMAMIG_MAX_VERSION_LEN));
			continue;
		}
		if (n == cap)
		{
			cap = cap ? cap * 2 : 64;
			entries = pg_realloc(entries, sizeof(FolderEntry) * cap);
		}
		entries[n++] = entry;
	}
	if (n > 1)
		qsort(entries, n, sizeof(FolderEntry), entry_name_cmp);
	*entries_out = entries;
	*n_out = n;
}

/* the text of one folder entry, as the reading threads leave it */
typedef struct EntryText
{
	char	   *text;			/* NULL when it could not be read */
	int			error;			/* errno, or 0 */
	bool		nul;			/* holds a NUL byte */
	char	   *checksum;		/* of text */
} EntryText;

/*
 * The files of the folder being read, handed out one at a time to every
 * thread that reads: the calling thread, the extra reading threads, and
 * any thread that has nothing else to do meanwhile (folder_read_help: the
 * connection's thread, once the server has answered).  One lock guards the
 * queue; a file is read outside it.  While a read is published as
 * current_read, folder_read waits for every file handed out to be done
 * before it goes on, so no helper ever touches a finished read.
 */
typedef struct FolderReadQueue
{
	int			dir_fd;
	const FolderEntry *entries;
	EntryText  *texts;
	int			n;
	int			next;			/* next entry to hand out */
	int			busy;			/* handed out, not yet done */
} FolderReadQueue;

static pthread_mutex_t read_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t read_done = PTHREAD_COND_INITIALIZER;
static FolderReadQueue *current_read = NULL;

static void
read_entry(const FolderReadQueue *q, int i)
{
	const FolderEntry *e = &q->entries[i];
	EntryText  *t = &q->texts[i];

	t->error = read_text_at(q->dir_fd, e->name, &t->text, &t->nul);
	if (t->text != NULL)
		t->checksum = checksum_script(t->text);
}

/*
 * Read files of the current folder read until none are left to hand out.
 * Safe to call from any thread at any time; does nothing when no folder is
 * being read.
 */
void
folder_read_help(void)
{
	for (;;)
	{
		FolderReadQueue *q;
		int			i;

		pthread_mutex_lock(&read_lock);
		q = current_read;
		if (q == NULL || q->next >= q->n)
		{
			pthread_mutex_unlock(&read_lock);
			return;
		}
		i = q->next++;
		q->busy++;
		pthread_mutex_unlock(&read_lock);

		read_entry(q, i);

		pthread_mutex_lock(&read_lock);
		if (--q->busy == 0)
			pthread_cond_broadcast(&read_done);
		pthread_mutex_unlock(&read_lock);
	}
}

static void *
read_thread_main(void *arg)
{
	folder_read_help();
	return NULL;
}

/*
 * Read (and hash) every entry's file.  Opening, reading and closing
 * thousands of small files is most of the time a large folder takes.  The
 * calling thread reads, and so does any thread that calls
 * folder_read_help() meanwhile; on machines with 4 CPUs or more, up to
 * READ_THREADS - 1 extra threads read too, one per two CPUs, because the
 * other half is wanted by the connection and, often, by the server on the
 * same machine (on 2 CPUs, an extra reading thread made the no-op run
 * slower; the connection's thread, which helps once it is idle, made it
 * faster).  Small folders get no extra threads.
 */
#define READ_THREADS			4
#define READ_THREADS_MIN_FILES	64

static EntryText *
read_entries(int dir_fd, const FolderEntry *entries, int n)
{
	FolderReadQueue q;
	pthread_t	threads[READ_THREADS];
	bool		started[READ_THREADS] = {false};
	long		cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int			nthreads = 1;
	int			k;

	q.dir_fd = dir_fd;
	q.entries = entries;
	q.texts = pg_malloc0(sizeof(EntryText) * (n + 1));
	q.n = n;
	q.next = 0;
	q.busy = 0;
	pthread_mutex_lock(&read_lock);
	current_read = &q;
	pthread_mutex_unlock(&read_lock);

	if (n >= READ_THREADS_MIN_FILES && cpus >= 4)
		nthreads = cpus / 2 < READ_THREADS ? (int) (cpus / 2) : READ_THREADS;
	for (k = 1; k < nthreads; k++)
		started[k] = pthread_create(&threads[k], NULL, read_thread_main, NULL) == 0;
	folder_read_help();

	/* every file is handed out: wait for those still being read, then retire the queue */
	pthread_mutex_lock(&read_lock);
	while (q.busy > 0)
		pthread_cond_wait(&read_done, &read_lock);
	current_read = NULL;
	pthread_mutex_unlock(&read_lock);
	for (k = 1; k < nthreads; k++)
		if (started[k])
			pthread_join(threads[k], NULL);
	return q.texts;
}

/* up files by version, to pair down files with */
static int
entry_ptr_version_cmp(const void *a, const void *b)
{
	return version_compare((*(FolderEntry *const *) a)->version, (*(FolderEntry *const *) b)->version);
}

/* "migrate:" or "+goose" anywhere in the text, in any case (markers are read in any case) */
static bool
has_marker_any_case(const char *text)
{
	const char *p;

	for (p = text; *p; p++)
		if (pg_strncasecmp(p, "migrate:", 8) == 0 || pg_strncasecmp(p, "+goose", 6) == 0)
			return true;
	return false;
}

/*
 * Are there single .sql files, none with dbmate or goose markers?  Then
 * the folder is sqlx's one-way layout ({version}_{name}.sql, the whole
 * file the up script), read as --layout sqlx reads it.
 */
static bool
plain_single_files(const FolderEntry *entries, const EntryText *texts, int n)
{
	bool		any = false;
	int			i;

	for (i = 0; i < n; i++)
	{
		if (entries[i].kind != KIND_SINGLE || texts[i].text == NULL)
			continue;
		if (has_marker_any_case(texts[i].text))
			return false;
		any = true;
	}
	return any;
}

/*
 * Read the files of a one-file-per-script folder: up files and single
 * files make the migrations; down files are paired with them afterwards.
 */
static void
read_files(const char *dir, int dir_fd, const FolderName *names, int nnames,
		   MigrationLayout layout, MigrationFolder *folder,
		   FolderEntry **entries_out, EntryText **texts_out, int *n_out)
{
	FolderEntry *entries;
	EntryText  *texts;
	int			n;
	int			i;

	list_entries(dir_fd, dir, names, nnames, layout, folder, &entries, &n);
	texts = read_entries(dir_fd, entries, n);
	if (layout == LAYOUT_SCHEMAMIG && plain_single_files(entries, texts, n))
		layout = folder->layout = LAYOUT_SQLX;
	folder->files = pg_malloc0(sizeof(MigrationFile) * (n + 1));
	for (i = 0; i < n; i++)
	{
		FolderEntry *e = &entries[i];
		EntryText  *t = &texts[i];
		MigrationFile *file;
		char	   *path;
		char	   *error = NULL;

		if (e->kind == KIND_DOWN)
			continue;
		path = path_join(dir, e->name);
		file = &folder->files[folder->nfiles];
		memset(file, 0, sizeof(*file));
		file->repeatable = e->repeatable;
		file->baseline = e->baseline;
		file->version = e->version;
		file->description = e->description;
		file->up_path = path;
		file->up_line = 1;
		if (t->text == NULL)
		{
			folder_add_error(folder, read_problem(path, t->error, t->nul));
			continue;
		}
		if (e->kind == KIND_SINGLE)
		{
			if (!single_file_scripts(path, t->text, layout, file, &error))
			{
				folder_add_error(folder, error);
				continue;
			}
		}
		else
		{
			file->up_sql = t->text;
			file->checksum = t->checksum;
			if (layout == LAYOUT_FLYWAY)
				file->up_no_transaction = flyway_conf_outside_transaction(path, folder);
			else
				file->up_no_transaction = sqlx_no_transaction(t->text, layout);
		}
		folder->nfiles++;
	}
	*entries_out = entries;
	*texts_out = texts;
	*n_out = n;
}

/*
 * Pair each down file with the up file of its version.  A description
 * that differs is a warning (some tools pair by version alone); a down
 * file without an up file of its version is an error.
 */
static void
pair_down_files(const char *dir, MigrationFolder *folder, FolderEntry *entries,
				EntryText *texts, int n)
{
	FolderEntry **ups = pg_malloc(sizeof(FolderEntry *) * (n + 1));
	int			nups = 0;
	int			i;

	for (i = 0; i < n; i++)
		if (entries[i].kind != KIND_DOWN)
			ups[nups++] = &entries[i];
	if (nups > 1)
		qsort(ups, nups, sizeof(FolderEntry *), entry_ptr_version_cmp);
	for (i = 0; i < n; i++)
	{
		FolderEntry *e = &entries[i];
		EntryText  *t = &texts[i];
		FolderEntry *key = e;
		FolderEntry **match;
		MigrationFile *owner;
		char	   *path;

		if (e->kind != KIND_DOWN)
			continue;
		path = path_join(dir, e->name);
		match = nups > 0 ? bsearch(&key, ups, nups, sizeof(FolderEntry *), entry_ptr_version_cmp) : NULL;
		owner = find_by_version(folder, e->version);
		if (match == NULL)
		{
			folder_add_error(folder, psprintf("%s: down script without an up script of version \"%s\"",
											  path, e->version));
			continue;
		}
		if (owner == NULL || strcmp(owner->up_path, path_join(dir, (*match)->name)) != 0)
			continue;			/* its up file already has a problem */
		if (owner->down_path != NULL && strcmp(owner->down_path, owner->up_path) == 0)
		{
			folder_add_error(folder, psprintf("%s: duplicate version \"%s\": %s is a single-file migration "
											  "of the same version (put the down script in its down section)",
											  path, e->version, owner->up_path));
			continue;
		}
		if (owner->down_path != NULL)
		{
			folder_add_error(folder, psprintf("%s: duplicate down script of version \"%s\": %s is one too",
											  path, e->version, owner->down_path));
			continue;
		}
		if (t->text == NULL)
		{
			folder_add_error(folder, read_problem(path, t->error, t->nul));
			continue;
		}
		if (strcmp(e->description ? e->description : "",
				   owner->description ? owner->description : "") != 0)
			report_note("warning: %s: paired with %s by version \"%s\", though the descriptions differ",
						path, owner->up_path, e->version);
		owner->down_path = path;
		owner->down_line = 1;
		owner->down_sql = t->text;
		owner->down_checksum = t->checksum;
	}
	free(ups);
}

/*
 * Move Flyway's B files out of folder->files into folder->baselines, in
 * version order: a B file shares its version with a V file, and stands in
 * for it only where a command chooses it (flyway_use_baseline).  Two B
 * files of one version are a problem.
 */
static void
set_baselines_aside(MigrationFolder *folder)
{
	int			kept = 0;
	int			i;

	for (i = 0; i < folder->nfiles; i++)
	{
		if (!folder->files[i].baseline)
		{
			folder->files[kept++] = folder->files[i];
			continue;
		}
		folder->baselines = pg_realloc(folder->baselines, sizeof(MigrationFile) * (folder->nbaselines + 1));
		folder->baselines[folder->nbaselines++] = folder->files[i];
	}
	folder->nfiles = kept;
	if (folder->nbaselines > 1)
		qsort(folder->baselines, folder->nbaselines, sizeof(MigrationFile), file_version_cmp);
	for (i = 1; i < folder->nbaselines; i++)
		if (version_compare(folder->baselines[i - 1].version, folder->baselines[i].version) == 0)
			folder_add_error(folder, psprintf("%s: duplicate version \"%s\": %s is a baseline migration of the same version",
											  folder->baselines[i].up_path, folder->baselines[i].version,
											  folder->baselines[i - 1].up_path));
}

/*
 * Read a migration folder in its layout (layout_of_names).  Returns true
 * when it is free of problems; otherwise folder->errors says what is wrong
 * with which file.  Sorting and binary search keep this O(n log n):
 * folders of thousands of migrations are read on every run.
 */
bool
folder_read(const char *dir, MigrationFolder *folder)
{
	MigrationLayout layout;
	FolderName *names;
	FolderEntry *entries = NULL;
	EntryText  *texts = NULL;
	DIR		   *d;
	int			nnames;
	int			n = 0;
	int			i;
	int			kept;

	memset(folder, 0, sizeof(*folder));
	d = opendir(dir);
	if (d == NULL)
	{
		folder->missing = true;
		folder->layout = layout_of_names(-1, NULL, 0);
		folder_add_error(folder, psprintf("%s: cannot open the migration folder: %s", dir, strerror(errno)));
		return false;
	}
	names = list_folder(d, dir, folder, &nnames);
	layout = layout_of_names(dirfd(d), names, nnames);
	folder->layout = layout;
	if (layout == LAYOUT_DIESEL || layout == LAYOUT_PRISMA)
		(void) folder_read_subfolders(dir, layout, folder);
	else if (layout == LAYOUT_SQITCH)
		(void) folder_read_sqitch(dir, folder);
	else
		read_files(dir, dirfd(d), names, nnames, layout, folder, &entries, &texts, &n);
	set_baselines_aside(folder);

	/* one migration per version: after sorting, equal versions are adjacent */
	if (folder->nfiles > 1)
		qsort(folder->files, folder->nfiles, sizeof(MigrationFile), file_version_cmp);
	kept = 0;
	for (i = 0; i < folder->nfiles; i++)
	{
		if (kept > 0 && version_compare(folder->files[kept - 1].version, folder->files[i].version) == 0)
		{
			folder_add_error(folder, psprintf("%s: duplicate version \"%s\": %s has the same version",
											  folder->files[i].up_path, folder->files[i].version,
											  folder->files[kept - 1].up_path));
			continue;
		}
		folder->files[kept++] = folder->files[i];
	}
	folder->nfiles = kept;

	if (texts != NULL)
	{
		pair_down_files(dir, folder, entries, texts, n);
		free(texts);
	}
	closedir(d);
	for (i = 0; i < nnames; i++)
		free(names[i].name);
	free(names);

	kept = 0;
	for (i = 0; i < folder->nfiles; i++)
		if (finish_file(folder, &folder->files[i]))
			folder->files[kept++] = folder->files[i];
	folder->nfiles = kept;
	kept = 0;
	for (i = 0; i < folder->nbaselines; i++)
		if (finish_file(folder, &folder->baselines[i]))
			folder->baselines[kept++] = folder->baselines[i];
	folder->nbaselines = kept;
	return folder->nerrors == 0;
}
