/*-------------------------------------------------------------------------
 *
 * backfill.h
 *		Batched backfills: a migration's UPDATE or DELETE preceded by
 *		"-- schemamig:batch [size=N] [pause=DURATION]", run by the worker
 *		in batches along the table's key (doc/backfill.md).
 *
 * Two files: backfill_directive.c reads the directive and checks the
 * statement under it (at registration, in lint() and when the worker runs
 * it); backfill.c runs it, batch by batch, with its progress in
 * schemamig.backfills.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_BACKFILL_H
#define SCHEMAMIG_BACKFILL_H

#include "nodes/primnodes.h"

#include "executor.h"
#include "script.h"

/* what script.c's top_level_only says of a batched statement */
#define BACKFILL_TOP_LEVEL_REASON "a batched UPDATE or DELETE (-- schemamig:batch)"

#define BACKFILL_DEFAULT_SIZE		5000
#define BACKFILL_MAX_SIZE			1000000
#define BACKFILL_DEFAULT_PAUSE_MS	0

/* the directive and the statement under it, as its text says */
typedef struct BackfillDirective
{
	int			size;			/* rows per batch */
	int			pause_ms;		/* between batches */
	bool		is_delete;
	RangeVar   *relation;
	const char *refname;		/* what the statement calls the table */
	char	   *head;			/* statement text up to its WHERE */
	char	   *condition;		/* the text after WHERE */
	const char *refused;		/* why it cannot be batched (lint() shows
								 * it; a migration is refused), or NULL */
} BackfillDirective;

/* the key a backfill walks */
typedef struct BackfillKey
{
	Oid			relid;
	char	   *relation;		/* schema-qualified, quoted */
	int			ncolumns;		/* 1, or more for a composite key */
	char	  **columns;		/* quoted, in the index's order */
	char	  **types;			/* format_type of each */
	char	  **collations;		/* the index's collation of each, quoted, or
								 * NULL (a type without collation) */
	char	   *definition;		/* "id integer", "code text COLLATE pg_catalog.\"C\"":
								 * a resume refuses a key that differs */
	char	   *column;			/* the columns, ", "-separated (progress, events) */
} BackfillKey;

/* backfill_directive.c */
extern BackfillDirective *backfill_directive_read(ScriptStatement *s, bool migration,
												  const char *version,
												  MigrationDirection direction);
extern char *backfill_explain(ScriptStatement *s, const char **hint);
extern void backfill_check_script(const char *sql, const char *version,
								  MigrationDirection direction);
extern const char *backfill_key_of(BackfillDirective *batch, ScriptStatement *s,
								   Oid relid, BackfillKey *key);

/* backfill.c */
typedef enum BackfillOutcome
{
	BACKFILL_DONE,
	BACKFILL_FAILED,
	BACKFILL_CANCELLED
} BackfillOutcome;

typedef struct BackfillRun
{
	int64		job;
	const char *version;
	MigrationDirection direction;
	Oid			role;			/* runs the batches */
	Oid			worker_role;	/* the worker's own: reads replication, and
								 * is put back after each transaction */
	ScriptSettings *settings;	/* what the script has SET so far */
	bool		resume;			/* go on from the recorded progress */
	/* results */
	ErrorData  *error;			/* BACKFILL_FAILED */
	bool		took_effect;	/* a batch committed, now or before */
	char	   *summary;		/* what it did, for events and the job */
} BackfillRun;

extern BackfillOutcome backfill_run(BackfillRun *run, ScriptStatement *s);
extern int	backfill_resume_point(const char *version, int dirty_statement);

#endif							/* SCHEMAMIG_BACKFILL_H */
