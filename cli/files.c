/*-------------------------------------------------------------------------
 *
 * files.c
 *		Reading a migration folder: file names, layouts, natural order.
 *
 * Two layouts are understood, and may be mixed in one folder:
 *	- {version}_{description}.up.sql with an optional
 *	  {version}_{description}.down.sql of the same name;
 *	- a single {version}_{description}.sql holding a "-- migrate:up"
 *	  section and an optional "-- migrate:down" section.
 * The version is the name up to the first "_" (the whole name when there
 * is no "_"); it must be a valid schemamig version.  Files that do not end
 * in ".sql", hidden files and subfolders are ignored.
 *
 * Invariants:
 *	- every problem in the folder is collected, so the user sees all of
 *	  them at once; a folder with any problem is never sent to the server;
 *	- script text is passed on byte for byte (the checksum of record is the
 *	  server's, over exactly what is in the file or section);
 *	- the natural order here is the server's version order: digit runs
 *	  compare by numeric value, and sort before any other character.
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

typedef enum FileKind
{
	KIND_UP,					/* name.up.sql */
	KIND_DOWN,					/* name.down.sql */
	KIND_SINGLE					/* name.sql with sections */
} FileKind;

typedef struct FolderEntry
{
	char	   *name;
	char	   *stem;			/* name without .up.sql/.down.sql/.sql */
	char	   *version;
	char	   *description;
	FileKind	kind;
	bool		paired;			/* a down file that found its up file */
} FolderEntry;

#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')

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

bool
version_name_valid(const char *version)
{
	size_t		len = strlen(version);
	size_t		i;

	if (len == 0 || len > MAX_VERSION_LEN)
		return false;
	for (i = 0; i < len; i++)
	{
		char		c = version[i];

		if (IS_DIGIT(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
			continue;
		if (i > 0 && (c == '_' || c == '.' || c == '-'))
			continue;
		return false;
	}
	return true;
}

/*
 * Compare the next digit runs of two versions by numeric value: fewer
 * significant digits first, then digit by digit.  Advances both cursors.
 */
static int
compare_digit_runs(const char **pa, const char **pb)
{
	const char *a = *pa;
	const char *b = *pb;
	const char *ea;
	const char *eb;
	size_t		la;
	size_t		lb;
	int			cmp = 0;

	while (*a == '0')
		a++;
	while (*b == '0')
		b++;
	for (ea = a; IS_DIGIT(*ea); ea++)
		;
	for (eb = b; IS_DIGIT(*eb); eb++)
		;
	la = ea - a;
	lb = eb - b;
	if (la != lb)
		cmp = la < lb ? -1 : 1;
	else if (la > 0)
		cmp = memcmp(a, b, la);
	*pa = ea;
	*pb = eb;
	return cmp < 0 ? -1 : (cmp > 0 ? 1 : 0);
}

int
version_compare(const char *a, const char *b)
{
	while (*a && *b)
	{
		bool		da = IS_DIGIT(*a);
		bool		db = IS_DIGIT(*b);

		if (da && db)
		{
			int			cmp = compare_digit_runs(&a, &b);

			if (cmp != 0)
				return cmp;
			continue;
		}
		if (da != db)
			return da ? -1 : 1; /* a digit run sorts before any character */
		if (*a != *b)
			return (unsigned char) *a < (unsigned char) *b ? -1 : 1;
		a++;
		b++;
	}
	if (*a == *b)
		return 0;
	return *a ? 1 : -1;
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

/* true when the text holds something other than white space */
static bool
has_content(const char *text)
{
	for (; *text; text++)
		if (!isspace((unsigned char) *text))
			return true;
	return false;
}

/* true when the text holds something other than white space and -- comments */
static bool
has_sql(const char *text)
{
	const char *p = text;

	while (*p)
	{
		if (isspace((unsigned char) *p))
			p++;
		else if (p[0] == '-' && p[1] == '-')
		{
			while (*p && *p != '\n')
				p++;
		}
		else
			return true;
	}
	return false;
}

/*
 * Is this line (up to its end) a section marker?  "-- migrate:up" or
 * "-- migrate:down", any case, trailing white space allowed.
 */
static const char *
section_marker(const char *line, const char *end)
{
	static const char *const markers[] = {"-- migrate:up", "-- migrate:down"};
	int			i;

	while (end > line && isspace((unsigned char) end[-1]))
		end--;
	for (i = 0; i < 2; i++)
	{
		size_t		len = strlen(markers[i]);

		if ((size_t) (end - line) == len && pg_strncasecmp(line, markers[i], len) == 0)
			return i == 0 ? "up" : "down";
	}
	return NULL;
}

/*
 * Split a single-file migration into its sections.  Each section is the
 * text between its marker line and the next marker (or the end).
 */
static bool
split_sections(const char *path, const char *text, MigrationFile *file, char **error)
{
	const char *p = text;
	const char *up_start = NULL;
	const char *down_start = NULL;
	const char *up_end = NULL;
	const char *down_end = NULL;
	const char **open_end = NULL;
	int			line = 1;

	while (*p)
	{
		const char *eol = strchr(p, '\n');
		const char *next = eol ? eol + 1 : p + strlen(p);
		const char *marker = section_marker(p, eol ? eol : next);

		if (marker)
		{
			bool		up = strcmp(marker, "up") == 0;

			if ((up && up_start) || (!up && down_start))
			{
				*error = psprintf("%s:%d: second \"-- migrate:%s\" section", path, line, marker);
				return false;
			}
			if (open_end)
				*open_end = p;
			else if (p > text)
			{
				char	   *before = pnstrdup(text, p - text);

				if (has_sql(before))
				{
					*error = psprintf("%s: SQL before the first \"-- migrate:\" section marker", path);
					return false;
				}
			}
			if (up)
			{
				up_start = next;
				file->up_line = line + 1;
				open_end = &up_end;
			}
			else
			{
				down_start = next;
				file->down_line = line + 1;
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
		*error = psprintf("%s: no \"-- migrate:up\" section (a single-file migration needs one; "
						  "or name the file .up.sql)", path);
		return false;
	}
	file->up_sql = pnstrdup(up_start, up_end - up_start);
	file->down_sql = NULL;
	if (down_start)
	{
		char	   *down = pnstrdup(down_start, down_end - down_start);

		if (has_sql(down))
			file->down_sql = down;
	}
	return true;
}

/*
 * Parse a file name: kind, stem, version and description.  Returns false
 * when the name is not a migration name.
 */
static bool
parse_name(const char *name, FolderEntry *entry)
{
	static const struct
	{
		const char *suffix;
		FileKind	kind;
	}			suffixes[] = {{".up.sql", KIND_UP}, {".down.sql", KIND_DOWN}, {".sql", KIND_SINGLE}};
	size_t		len = strlen(name);
	int			i;

	for (i = 0; i < (int) lengthof(suffixes); i++)
	{
		size_t		slen = strlen(suffixes[i].suffix);

		if (len > slen && pg_strcasecmp(name + len - slen, suffixes[i].suffix) == 0)
		{
			char	   *stem = pnstrdup(name, len - slen);
			char	   *underscore = strchr(stem, '_');

			entry->name = pstrdup(name);
			entry->stem = stem;
			entry->kind = suffixes[i].kind;
			entry->version = underscore ? pnstrdup(stem, underscore - stem) : pstrdup(stem);
			entry->description = (underscore && underscore[1]) ? pstrdup(underscore + 1) : NULL;
			return version_name_valid(entry->version);
		}
	}
	return false;
}

static bool
is_sql_name(const char *name)
{
	size_t		len = strlen(name);

	return len > 4 && pg_strcasecmp(name + len - 4, ".sql") == 0;
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
	FolderEntry entry;
	char	   *text;

	memset(file, 0, sizeof(*file));
	if (!file_read_text(path, &text, error))
		return false;
	if (!parse_name(name, &entry))
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
	if (entry.kind == KIND_SINGLE && (strstr(text, "migrate:up") || strstr(text, "migrate:down")))
	{
		file->up_path = pstrdup(path);
		file->down_path = pstrdup(path);
		return split_sections(path, text, file, error);
	}
	if (entry.kind == KIND_DOWN)
	{
		file->down_path = pstrdup(path);
		file->down_sql = text;
		file->down_line = 1;
		return true;
	}
	file->up_path = pstrdup(path);
	file->up_sql = text;
	return true;
}

static int
entry_name_cmp(const void *a, const void *b)
{
	return strcmp(((const FolderEntry *) a)->name, ((const FolderEntry *) b)->name);
}

static int
entry_ptr_stem_cmp(const void *a, const void *b)
{
	return strcmp((*(FolderEntry *const *) a)->stem, (*(FolderEntry *const *) b)->stem);
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

static void
add_error(MigrationFolder *folder, char *message)
{
	folder->errors = pg_realloc(folder->errors, sizeof(char *) * (folder->nerrors + 1));
	folder->errors[folder->nerrors++] = message;
}

/* list the migration-like names of an open folder, sorted by name */
static void
list_entries(DIR *d, const char *dir, MigrationFolder *folder, FolderEntry **entries_out, int *n_out)
{
	struct dirent *de;
	FolderEntry *entries = NULL;
	int			n = 0;
	int			cap = 0;

	for (;;)
	{
		FolderEntry entry;

		/* readdir() says an error only through errno: clear it each time */
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;

		if (de->d_name[0] == '.' || !is_sql_name(de->d_name))
			continue;
		/* subfolders are skipped; d_type saves a stat per file where the file system fills it */
		if (de->d_type == DT_DIR)
			continue;
		if (de->d_type == DT_UNKNOWN || de->d_type == DT_LNK)
		{
			struct stat st;

			if (fstatat(dirfd(d), de->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode))
				continue;
		}
		memset(&entry, 0, sizeof(entry));
		if (!parse_name(de->d_name, &entry))
		{
			add_error(folder, psprintf("%s: file name does not parse: expected {version}_{description}.up.sql, "
									   ".down.sql or .sql, where the version is 1 to %d letters, digits, "
									   "\"_\", \".\" or \"-\" starting with a letter or digit",
									   path_join(dir, de->d_name), MAX_VERSION_LEN));
			continue;
		}
		if (n == cap)
		{
			cap = cap ? cap * 2 : 64;
			entries = pg_realloc(entries, sizeof(FolderEntry) * cap);
		}
		entries[n++] = entry;
	}
	if (errno != 0)
		add_error(folder, psprintf("%s: cannot list the migration folder: %s", dir, strerror(errno)));
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
	char	   *checksum;		/* of text: up files, and down files with SQL */
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
	if (t->text != NULL &&
		(e->kind == KIND_UP || (e->kind == KIND_DOWN && has_sql(t->text))))
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

/*
 * Read a migration folder.  Returns true when it is free of problems;
 * otherwise folder->errors says what is wrong with which file.  Sorting
 * and binary search keep this O(n log n): folders of thousands of
 * migrations are read on every run.
 */
bool
folder_read(const char *dir, MigrationFolder *folder)
{
	DIR		   *d;
	int			dir_fd;
	FolderEntry *entries;
	EntryText  *texts;
	FolderEntry **ups;
	int			nups = 0;
	int			n;
	int			i;
	int			kept;

	memset(folder, 0, sizeof(*folder));
	d = opendir(dir);
	if (d == NULL)
	{
		folder->missing = true;
		add_error(folder, psprintf("%s: cannot open the migration folder: %s", dir, strerror(errno)));
		return false;
	}
	dir_fd = dirfd(d);
	list_entries(d, dir, folder, &entries, &n);
	texts = read_entries(dir_fd, entries, n);

	folder->files = pg_malloc0(sizeof(MigrationFile) * (n + 1));
	ups = pg_malloc(sizeof(FolderEntry *) * (n + 1));

	/* up and single files make the migrations */
	for (i = 0; i < n; i++)
	{
		FolderEntry *e = &entries[i];
		EntryText  *t = &texts[i];
		MigrationFile *file;
		char	   *path;
		char	   *error = NULL;

		if (e->kind == KIND_DOWN)
			continue;
		if (e->kind == KIND_UP)
			ups[nups++] = e;
		path = path_join(dir, e->name);
		file = &folder->files[folder->nfiles];
		memset(file, 0, sizeof(*file));
		file->version = e->version;
		file->description = e->description;
		file->up_path = path;
		file->up_line = 1;
		if (t->text == NULL)
		{
			add_error(folder, read_problem(path, t->error, t->nul));
			continue;
		}
		if (e->kind == KIND_SINGLE)
		{
			file->down_path = path;
			if (!split_sections(path, t->text, file, &error))
			{
				add_error(folder, error);
				continue;
			}
			file->checksum = checksum_script(file->up_sql);
			if (file->down_sql)
				file->down_checksum = checksum_script(file->down_sql);
		}
		else
		{
			file->up_sql = t->text;
			file->checksum = t->checksum;
		}
		if (!has_content(file->up_sql))
		{
			add_error(folder, psprintf("%s: the up script is empty", path));
			continue;
		}
		folder->nfiles++;
	}

	/* one migration per version: after sorting, equal versions are adjacent */
	if (folder->nfiles > 1)
		qsort(folder->files, folder->nfiles, sizeof(MigrationFile), file_version_cmp);
	kept = 0;
	for (i = 0; i < folder->nfiles; i++)
	{
		if (kept > 0 && version_compare(folder->files[kept - 1].version, folder->files[i].version) == 0)
		{
			add_error(folder, psprintf("%s: duplicate version \"%s\": %s has the same version",
									   folder->files[i].up_path, folder->files[i].version,
									   folder->files[kept - 1].up_path));
			continue;
		}
		folder->files[kept++] = folder->files[i];
	}
	folder->nfiles = kept;

	/* each down file needs the up file of the same name */
	if (nups > 1)
		qsort(ups, nups, sizeof(FolderEntry *), entry_ptr_stem_cmp);
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
		match = nups > 0 ? bsearch(&key, ups, nups, sizeof(FolderEntry *), entry_ptr_stem_cmp) : NULL;
		owner = find_by_version(folder, e->version);
		if (match == NULL)
		{
			if (owner && owner->down_path && strcmp(owner->down_path, owner->up_path) == 0)
				add_error(folder, psprintf("%s: duplicate version \"%s\": %s is a single-file migration "
										   "of the same version (put the down script in its "
										   "\"-- migrate:down\" section)",
										   path, e->version, owner->up_path));
			else if (owner)
				add_error(folder, psprintf("%s: down script without its up script: expected %s.up.sql, "
										   "found %s",
										   path, e->stem, owner->up_path + strlen(dir) +
										   (dir[strlen(dir) - 1] == '/' ? 0 : 1)));
			else
				add_error(folder, psprintf("%s: down script without its up script %s.up.sql",
										   path, e->stem));
			continue;
		}
		if (owner == NULL || strcmp(owner->up_path, path_join(dir, (*match)->name)) != 0)
			continue;			/* its up file already has a problem */
		if (t->text == NULL)
		{
			add_error(folder, read_problem(path, t->error, t->nul));
			continue;
		}
		owner->down_path = path;
		owner->down_line = 1;
		owner->down_sql = t->checksum ? t->text : NULL;
		owner->down_checksum = t->checksum;
	}

	closedir(d);
	free(ups);
	free(texts);
	return folder->nerrors == 0;
}
