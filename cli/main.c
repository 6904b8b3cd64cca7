/*-------------------------------------------------------------------------
 *
 * main.c
 *		schemamig: command line, help, and dispatch to the commands.
 *
 * Usage: schemamig [OPTION]... COMMAND [ARG]... [OPTION]...
 * Options may come before or after the command; each command accepts only
 * the options that mean something to it, and anything else is a usage
 * error (exit 2) before any file is read or any connection is made.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "schemamig_cli.h"
#include "version_rules.h"

#define DEFAULT_DIR "migrations"

/* which commands take an option */
#define C_MIGRATE	(1 << 0)
#define C_STATUS	(1 << 1)
#define C_VALIDATE	(1 << 2)
#define C_ROLLBACK	(1 << 3)
#define C_REPAIR	(1 << 4)
#define C_BASELINE	(1 << 5)
#define C_LINT		(1 << 6)
#define C_NEW		(1 << 7)
#define C_ADOPT		(1 << 8)
#define C_ALL		0x1ff
#define C_DATABASE	(C_ALL & ~C_NEW)

typedef struct CommandDef
{
	const char *name;
	int			bit;
	int			min_args;
	int			max_args;		/* -1: any number */
	int			(*run) (const CliOptions *opts);
	const char *synopsis;
	const char *help;
} CommandDef;

static const CommandDef commands[] = {
	{"migrate", C_MIGRATE, 0, 0, cmd_migrate,
		"migrate [--dir DIR] [--target V] [--dry-run [--trace]] [--single-transaction]\n"
		"          [--no-wait] [--wait-timeout T] [--lock-wait-timeout T] [--no-auto-recover]",
		"Register every migration in DIR (default: migrations/) with its up and down\n"
		"scripts in one round trip, then apply the folder's pending migrations in\n"
		"version order, each in a transaction of its own (committed with its history\n"
		"row; a failure stops the run there and keeps what came before).  Migrations\n"
		"that cannot run in a transaction block go to the schemamig worker, and the\n"
		"deploy waits for each before it goes on.  Registered migrations that are not\n"
		"in DIR are reported, never applied.\n"
		"\n"
		"  --dir DIR           migration folder (default: migrations)\n"
		"  --target V          apply pending migrations up to and including V\n"
		"  --dry-run           do what the run would do, in one transaction that is\n"
		"                      rolled back: what would apply, go to the worker or\n"
		"                      fail, and the linter's findings; change nothing\n"
		"  --trace             with --dry-run: run each pending migration through\n"
		"                      schemamig.trace() first (after the ones before it)\n"
		"                      and print the locks, scans and rewrites it measured,\n"
		"                      with each table's size\n"
		"  --single-transaction  apply all in one transaction: all of them or none\n"
		"  --no-wait           queue worker migrations and stop there (exit 3)\n"
		"  --wait-timeout T    wait at most T for each worker job (default: no limit);\n"
		"                      then it stays queued, and migrate exits 3\n"
		"  --lock-wait-timeout T  wait at most T for the worker or another deploy\n"
		"                      (sets schemamig.lock_wait_timeout; default: its value)\n"
		"  --no-auto-recover   do not let migrate() recover dirty migrations first\n"
		"                      (sets schemamig.auto_recover = off where it exists)\n"
		"\n"
		"T is a number with a unit: ms, s, min or h (a bare number is seconds).\n"},
	{"status", C_STATUS, 0, 0, cmd_status,
		"status [--dir DIR]",
		"List every migration the database knows, with its state (pending, applied,\n"
		"dirty, modified, missing), when it was applied and how long it took.  With\n"
		"--dir, also compare with the folder: files not yet registered are listed as\n"
		"\"new\", and files that differ from what is registered are marked.\n"},
	{"validate", C_VALIDATE, 0, 0, cmd_validate,
		"validate [--dir DIR]",
		"Report problems (dirty, modified, missing, out of order, edited catalog).\n"
		"With --dir, also report applied migrations whose file changed or is gone.\n"
		"Exit code 1 when there is any problem.\n"},
	{"rollback", C_ROLLBACK, 0, 0, cmd_rollback,
		"rollback --steps N | --to V [--dir DIR] [--wait-timeout T]",
		"Run down scripts, newest first, in one transaction: the last N applied\n"
		"migrations, or every applied migration above V.  A down script that cannot\n"
		"run in a transaction block goes to the schemamig worker: what came before it\n"
		"commits, the deploy waits for the job, then goes on.  --dir names the\n"
		"folder (for descriptions in the report).\n"},
	{"repair", C_REPAIR, 1, 1, cmd_repair,
		"repair V [--dir DIR]",
		"Clear the dirty state of V after a manual fix, or accept its registered\n"
		"checksum.  With --dir, accept the up script now in the folder as V's text\n"
		"(without running it).\n"},
	{"baseline", C_BASELINE, 1, 1, cmd_baseline,
		"baseline V [--description TEXT]",
		"Mark an existing database as being at version V: V and every registered\n"
		"migration below it count as applied, without running anything.\n"},
	{"lint", C_LINT, 0, -1, cmd_lint,
		"lint [FILE...] [--dir DIR] [--format text|json|github] [--trace]",
		"Check scripts with the server's linter, schemamig.lint(), against the live\n"
		"catalog, running nothing.  FILEs are .up.sql, .down.sql, sectioned .sql or\n"
		"plain SQL files; without FILEs, every script in DIR.  Exit code 1 on any\n"
		"safety finding (severity other than advisory).  --format github prints\n"
		"GitHub Actions workflow annotations.  --trace also runs every up script\n"
		"through schemamig.trace() (in a transaction that is always rolled back)\n"
		"and prints the locks, scans and rewrites it measured, with each table's size.\n"},
	{"adopt", C_ADOPT, 0, 0, cmd_adopt,
		"adopt --from TOOL [--dir DIR] [--table NAME]",
		"Take over the history of TOOL (golang-migrate, goose, dbmate, flyway,\n"
		"node-pg-migrate, diesel, sqlx, prisma): register DIR and mark the\n"
		"migrations TOOL applied as applied, without running them, at TOOL's time.\n"
		"TOOL's table is read, never changed.  Nothing is changed when TOOL's state\n"
		"is dirty, failed or unfinished, or its history and DIR disagree.\n"
		"\n"
		"  --from TOOL         the tool whose history table to read\n"
		"  --table NAME        its table, when not the tool's default (schema.table)\n"},
	{"new", C_NEW, 1, 1, cmd_new,
		"new NAME [--dir DIR]",
		"Create the next NNNN_name.up.sql and NNNN_name.down.sql in DIR, numbered one\n"
		"above the highest numeric version, each with a header comment.\n"},
};

typedef enum OptionId
{
	OPT_DB,
	OPT_DIR,
	OPT_TARGET,
	OPT_DRY_RUN,
	OPT_NO_AUTO_RECOVER,
	OPT_SINGLE_TRANSACTION,
	OPT_NO_WAIT,
	OPT_WAIT_TIMEOUT,
	OPT_LOCK_WAIT_TIMEOUT,
	OPT_STEPS,
	OPT_TO,
	OPT_DESCRIPTION,
	OPT_FORMAT,
	OPT_TRACE,
	OPT_JSON,
	OPT_LOG_FILE,
	OPT_LAYOUT,
	OPT_FROM,
	OPT_TABLE,
	OPT_HELP,
	OPT_VERSION
} OptionId;

typedef struct OptionDef
{
	const char *name;
	OptionId	id;
	bool		has_arg;
	int			commands;		/* bitmask of commands that take it */
} OptionDef;

static const OptionDef options[] = {
	{"db", OPT_DB, true, C_DATABASE},
	{"dir", OPT_DIR, true, C_MIGRATE | C_STATUS | C_VALIDATE | C_ROLLBACK | C_REPAIR | C_LINT | C_NEW | C_ADOPT},
	{"from", OPT_FROM, true, C_ADOPT},
	{"table", OPT_TABLE, true, C_ADOPT},
	{"target", OPT_TARGET, true, C_MIGRATE},
	{"dry-run", OPT_DRY_RUN, false, C_MIGRATE},
	{"no-auto-recover", OPT_NO_AUTO_RECOVER, false, C_MIGRATE},
	{"single-transaction", OPT_SINGLE_TRANSACTION, false, C_MIGRATE},
	{"no-wait", OPT_NO_WAIT, false, C_MIGRATE},
	{"wait-timeout", OPT_WAIT_TIMEOUT, true, C_MIGRATE | C_ROLLBACK},
	{"lock-wait-timeout", OPT_LOCK_WAIT_TIMEOUT, true, C_MIGRATE | C_ROLLBACK},
	{"steps", OPT_STEPS, true, C_ROLLBACK},
	{"to", OPT_TO, true, C_ROLLBACK},
	{"description", OPT_DESCRIPTION, true, C_BASELINE},
	{"format", OPT_FORMAT, true, C_LINT},
	{"trace", OPT_TRACE, false, C_LINT | C_MIGRATE},
	{"json", OPT_JSON, false, C_ALL},
	{"log-file", OPT_LOG_FILE, true, C_ALL},
	{"layout", OPT_LAYOUT, true, C_ALL},
	{"help", OPT_HELP, false, C_ALL},
	{"version", OPT_VERSION, false, C_ALL},
};

static void
print_usage(FILE *out)
{
	size_t		i;

	fprintf(out,
			"schemamig - run the migrations of a folder inside PostgreSQL (schemamig extension)\n"
			"\n"
			"Usage:\n"
			"  schemamig [OPTION]... COMMAND [ARG]...\n"
			"\n"
			"Commands:\n");
	for (i = 0; i < lengthof(commands); i++)
		fprintf(out, "  %s\n", commands[i].synopsis);
	fprintf(out,
			"\n"
			"Options for every command:\n"
			"  --db CONNINFO       conninfo string or URI (postgresql://...); default:\n"
			"                      $DATABASE_URL, then the PG* variables and ~/.pgpass\n"
			"  --json              print one JSON document on stdout\n"
			"  --log-file PATH     append a JSON line per event to PATH (secrets redacted)\n"
			"  --layout NAME       read the folder as NAME lays it out: auto (default),\n"
			"                      schemamig, golang-migrate, sqlx, goose, dbmate, flyway,\n"
			"                      diesel, prisma, sqitch\n"
			"  --help              show help (schemamig COMMAND --help for a command)\n"
			"  --version           show the version\n"
			"\n"
			"Exit codes: 0 success; 1 a migration, a check or the folder failed;\n"
			"2 usage, connection or installation error; 3 migrate --no-wait queued\n"
			"a migration for the worker and did not wait for it.\n"
			"\n"
			"Migration files: {version}_{description}.up.sql with an optional .down.sql,\n"
			"or {version}_{description}.sql with \"-- migrate:up\" and \"-- migrate:down\"\n"
			"(or goose) sections; Flyway, diesel, Prisma and sqitch folders are recognised too.\n"
			"Full reference: doc/cli.md.\n");
}

static void
print_command_help(const CommandDef *cmd)
{
	printf("Usage: schemamig %s\n\n%s\n"
		   "Also: --db CONNINFO, --json, --log-file PATH, --layout NAME (see schemamig --help).\n",
		   cmd->synopsis, cmd->help);
}

static int
usage_error(const char *fmt, const char *arg)
{
	fputs("schemamig: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry \"schemamig --help\" for more information.\n", stderr);
	return EXIT_USAGE;
}

static const CommandDef *
find_command(const char *name)
{
	size_t		i;

	for (i = 0; i < lengthof(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static bool
parse_steps(const char *value, int *steps)
{
	char	   *end;
	long		n;

	errno = 0;
	n = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || n < 1 || n > INT_MAX)
		return false;
	*steps = (int) n;
	return true;
}

/* "90s", "5min", "500ms", "2h", or a bare number of seconds */
static bool
parse_duration_ms(const char *value, long *ms)
{
	static const struct
	{
		const char *unit;
		double		ms;
	}			units[] = {{"", 1000}, {"ms", 1}, {"s", 1000}, {"min", 60000}, {"h", 3600000}};
	char	   *end;
	double		n;
	size_t		i;

	errno = 0;
	n = strtod(value, &end);
	if (errno != 0 || end == value || n < 0)
		return false;
	for (i = 0; i < lengthof(units); i++)
		if (strcmp(end, units[i].unit) == 0 && n * units[i].ms < (double) LONG_MAX)
		{
			*ms = (long) (n * units[i].ms);
			return true;
		}
	return false;
}

int
main(int argc, char **argv)
{
	CliOptions	opts;
	const CommandDef *cmd = NULL;
	const OptionDef *given[lengthof(options)];
	int			ngiven = 0;
	bool		help = false;
	int			i;
	int			code;

	memset(&opts, 0, sizeof(opts));
	opts.dir = DEFAULT_DIR;
	opts.format = FORMAT_TEXT;
	opts.wait_timeout_ms = -1;
	opts.lock_wait_timeout_ms = -1;
	opts.args = pg_malloc0(sizeof(char *) * (argc + 1));

	for (i = 1; i < argc; i++)
	{
		const char *arg = argv[i];

		if (strncmp(arg, "--", 2) == 0 && arg[2] != '\0')
		{
			const char *name = arg + 2;
			const char *eq = strchr(name, '=');
			size_t		len = eq ? (size_t) (eq - name) : strlen(name);
			const char *value = eq ? eq + 1 : NULL;
			const OptionDef *opt = NULL;
			size_t		j;

			for (j = 0; j < lengthof(options); j++)
				if (strlen(options[j].name) == len && strncmp(options[j].name, name, len) == 0)
					opt = &options[j];
			if (opt == NULL)
				return usage_error("unknown option \"%s\"", arg);
			if (opt->has_arg && value == NULL)
			{
				if (i + 1 >= argc)
					return usage_error("option \"%s\" needs a value", arg);
				value = argv[++i];
			}
			else if (!opt->has_arg && value != NULL)
				return usage_error("option \"%s\" takes no value", arg);
			for (j = 0; j < (size_t) ngiven; j++)
				if (given[j] == opt)
					return usage_error("option \"--%s\" given twice", opt->name);
			given[ngiven++] = opt;

			switch (opt->id)
			{
				case OPT_DB:
					opts.db = value;
					break;
				case OPT_DIR:
					opts.dir = value;
					opts.dir_given = true;
					break;
				case OPT_TARGET:
				case OPT_TO:
					if (opts.target)
						return usage_error("%s", "give either --steps or --to, not both");
					opts.target = value;
					break;
				case OPT_DRY_RUN:
					opts.dry_run = true;
					break;
				case OPT_TRACE:
					opts.trace = true;
					break;
				case OPT_NO_AUTO_RECOVER:
					opts.no_auto_recover = true;
					break;
				case OPT_SINGLE_TRANSACTION:
					opts.single_transaction = true;
					break;
				case OPT_NO_WAIT:
					opts.no_wait = true;
					break;
				case OPT_WAIT_TIMEOUT:
					if (!parse_duration_ms(value, &opts.wait_timeout_ms))
						return usage_error("--wait-timeout needs a duration such as 90s or 10min, not \"%s\"", value);
					break;
				case OPT_LOCK_WAIT_TIMEOUT:
					if (!parse_duration_ms(value, &opts.lock_wait_timeout_ms))
						return usage_error("--lock-wait-timeout needs a duration such as 90s or 10min, not \"%s\"", value);
					break;
				case OPT_STEPS:
					if (!parse_steps(value, &opts.steps))
						return usage_error("--steps needs a whole number of at least 1, not \"%s\"", value);
					break;
				case OPT_DESCRIPTION:
					opts.description = value;
					break;
				case OPT_FORMAT:
					if (strcmp(value, "text") == 0)
						opts.format = FORMAT_TEXT;
					else if (strcmp(value, "json") == 0)
						opts.format = FORMAT_JSON;
					else if (strcmp(value, "github") == 0)
						opts.format = FORMAT_GITHUB;
					else
						return usage_error("--format must be text, json or github, not \"%s\"", value);
					break;
				case OPT_JSON:
					opts.json = true;
					break;
				case OPT_LOG_FILE:
					opts.log_file = value;
					break;
				case OPT_FROM:
					if (!adopt_tool_known(value))
						return usage_error("%s", psprintf("--from must be one of %s, not \"%s\"",
														  adopt_tool_names(), value));
					opts.from = value;
					break;
				case OPT_TABLE:
					opts.table = value;
					break;
				case OPT_LAYOUT:
					{
						MigrationLayout layout;

						if (!layout_parse(value, &layout))
							return usage_error("%s", psprintf("--layout must be one of %s, not \"%s\"",
															  layout_name_list(), value));
						layout_force(layout);
					}
					break;
				case OPT_HELP:
					help = true;
					break;
				case OPT_VERSION:
					printf("schemamig %s\n", SCHEMAMIG_CLI_VERSION);
					return EXIT_OK;
			}
		}
		else if (strcmp(arg, "-h") == 0)
			help = true;
		else if (arg[0] == '-' && arg[1] != '\0')
			return usage_error("unknown option \"%s\"", arg);
		else if (cmd == NULL && opts.command == NULL)
		{
			if (strcmp(arg, "help") == 0)
			{
				help = true;
				opts.command = "help";
				continue;
			}
			cmd = find_command(arg);
			if (cmd == NULL)
				return usage_error("unknown command \"%s\"", arg);
			opts.command = cmd->name;
		}
		else if (cmd == NULL)
		{
			/* "help COMMAND" */
			cmd = find_command(arg);
			if (cmd == NULL)
				return usage_error("unknown command \"%s\"", arg);
		}
		else
			opts.args[opts.nargs++] = argv[i];
	}

	if (help)
	{
		if (cmd)
			print_command_help(cmd);
		else
			print_usage(stdout);
		return EXIT_OK;
	}
	if (cmd == NULL)
	{
		print_usage(stderr);
		return EXIT_USAGE;
	}
	opts.command = cmd->name;

	for (i = 0; i < ngiven; i++)
		if ((given[i]->commands & cmd->bit) == 0)
			return usage_error("%s", psprintf("option \"--%s\" does not apply to %s",
											  given[i]->name, cmd->name));
	if (opts.nargs < cmd->min_args)
		return usage_error("%s", psprintf("%s needs an argument: schemamig %s",
										  cmd->name, cmd->synopsis));
	if (cmd->max_args >= 0 && opts.nargs > cmd->max_args)
		return usage_error("unexpected argument \"%s\"", opts.args[cmd->max_args]);
	if (cmd->bit == C_ROLLBACK && opts.steps == 0 && opts.target == NULL)
		return usage_error("%s", "rollback needs --steps N or --to V");
	if (cmd->bit == C_ROLLBACK && opts.steps != 0 && opts.target != NULL)
		return usage_error("%s", "give either --steps or --to, not both");
	if (opts.target && !version_name_valid(opts.target))
		return usage_error("invalid version \"%s\"", opts.target);
	if ((cmd->bit & (C_REPAIR | C_BASELINE)) && !version_name_valid(opts.args[0]))
		return usage_error("invalid version \"%s\"", opts.args[0]);
	if (cmd->bit == C_ADOPT && opts.from == NULL)
		return usage_error("%s", "adopt needs --from TOOL");
	if (cmd->bit == C_LINT && opts.nargs > 0 && opts.dir_given)
		return usage_error("%s", "give either FILEs or --dir, not both");
	if (cmd->bit == C_MIGRATE && opts.trace && !opts.dry_run)
		return usage_error("%s", "--trace needs --dry-run: only a dry run's migrations are traced "
						   "(trace() runs each one and rolls it back)");
	if (cmd->bit == C_LINT && opts.json)
		opts.format = FORMAT_JSON;
	if (cmd->bit == C_LINT && opts.format == FORMAT_JSON)
		opts.json = true;

	output_init(&opts);
	code = cmd->run(&opts);
	output_close();

	/*
	 * Everything is written and the connection closed: leave without the
	 * libraries' exit handlers (OpenSSL's cleanup alone costs milliseconds,
	 * a third of a no-op run's own work).
	 */
	fflush(NULL);
	_exit(code);
}
