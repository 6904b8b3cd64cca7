/*-------------------------------------------------------------------------
 *
 * scaffold.c
 *		The new command: the next NNNN_name.up.sql and .down.sql.
 *
 * The next version is one more than the highest all-digit version in the
 * folder, zero-padded to the width of that version (at least 4 digits), so
 * that plain name order and natural order agree.  Files are created with
 * O_EXCL: an existing file is never overwritten.  The folder must be free
 * of problems, the same check migrate makes, so a new migration does not
 * join a folder that migrate would refuse.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "schemamig_cli.h"

#define MIN_VERSION_WIDTH	4
#define MAX_NUMERIC_DIGITS	18

/* lower case, runs of anything but letters and digits become one "_" */
static char *
slug(const char *name)
{
	char	   *out = pg_malloc(strlen(name) + 1);
	char	   *o = out;
	const char *p;

	for (p = name; *p; p++)
	{
		if (isalnum((unsigned char) *p))
			*o++ = tolower((unsigned char) *p);
		else if (o > out && o[-1] != '_')
			*o++ = '_';
	}
	while (o > out && o[-1] == '_')
		o--;
	*o = '\0';
	return out;
}

static bool
all_digits(const char *s)
{
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool
write_new_file(const char *path, const char *text)
{
	int			fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	size_t		len = strlen(text);

	if (fd < 0)
	{
		report_error("cannot create \"%s\": %s", path, strerror(errno));
		return false;
	}
	if (write(fd, text, len) != (ssize_t) len || close(fd) != 0)
	{
		report_error("cannot write \"%s\": %s", path, strerror(errno));
		return false;
	}
	return true;
}

int
cmd_new(const CliOptions *opts)
{
	MigrationFolder folder;
	char	   *name = slug(opts->args[0]);
	unsigned long long highest = 0;
	int			width = MIN_VERSION_WIDTH;
	char	   *version;
	char	   *up_path;
	char	   *down_path;
	char		today[32];
	time_t		now = time(NULL);
	int			i;

	if (name[0] == '\0')
	{
		report_error("migration name \"%s\" has no letters or digits", opts->args[0]);
		return EXIT_USAGE;
	}
	if (mkdir(opts->dir, 0777) != 0 && errno != EEXIST)
	{
		report_error("cannot create folder \"%s\": %s", opts->dir, strerror(errno));
		return EXIT_USAGE;
	}
	if (!folder_read(opts->dir, &folder))
		return report_folder_problems(opts, &folder);
	for (i = 0; i < folder.nfiles; i++)
	{
		const char *v = folder.files[i].version;
		unsigned long long n;

		if (!all_digits(v))
			continue;
		if (strlen(v) > MAX_NUMERIC_DIGITS)
		{
			report_error("version \"%s\" has more than %d digits; choose the next version by hand",
						 v, MAX_NUMERIC_DIGITS);
			return EXIT_FAILED;
		}
		n = strtoull(v, NULL, 10);
		if (n >= highest)
		{
			highest = n;
			width = Max(width, (int) strlen(v));
		}
	}
	version = psprintf("%0*llu", width, highest + 1);
	up_path = path_join(opts->dir, psprintf("%s_%s.up.sql", version, name));
	down_path = path_join(opts->dir, psprintf("%s_%s.down.sql", version, name));
	strftime(today, sizeof(today), "%Y-%m-%d", localtime(&now));

	if (!write_new_file(up_path,
						psprintf("-- %s %s (up): created %s by schemamig new.\n"
								 "-- Write the SQL below; schemamig runs it in one transaction.\n\n",
								 version, name, today)))
		return EXIT_FAILED;
	if (!write_new_file(down_path,
						psprintf("-- %s %s (down): undoes the up script; created %s by schemamig new.\n"
								 "-- Leave only comments here if the migration cannot be undone.\n\n",
								 version, name, today)))
	{
		unlink(up_path);
		return EXIT_FAILED;
	}

	log_event("info", psprintf("created migration %s", version), version, NULL, NULL, NAN);
	if (output_json())
	{
		PQExpBufferData json;

		json_document_open(&json, "new");
		json_key(&json, "version", false);
		json_string(&json, version);
		json_key(&json, "up", false);
		json_string(&json, up_path);
		json_key(&json, "down", false);
		json_string(&json, down_path);
		json_key(&json, "ok", false);
		appendPQExpBufferStr(&json, "true}\n");
		fputs(json.data, stdout);
		termPQExpBuffer(&json);
	}
	else
		printf("created %s\ncreated %s\n", up_path, down_path);
	return EXIT_OK;
}
