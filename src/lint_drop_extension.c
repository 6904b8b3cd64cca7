/*-------------------------------------------------------------------------
 *
 * lint_drop_extension.c
 *		The linter's guard of the history itself: DROP EXTENSION schemamig
 *		while schemamig.migrations, applied, events or jobs hold rows
 *		(rule drop-extension-with-history).
 *
 * DROP EXTENSION drops the extension's catalogs with it: every migration,
 * the event log and the queue are gone, silently.  Like any safety rule
 * the finding blocks in schemamig.lint = error, warns in warning, and an
 * allow comment (-- schemamig:allow drop-extension-with-history) or
 * schemamig.lint = off lets the statement through.  The rule is judged by
 * the hook only (lint_hook.c calls it for every utility statement): it is
 * about the live catalogs, not about a migration script, and lives apart
 * from the rules of lint_rules.c until their registry can hold it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "nodes/parsenodes.h"

#include "schemamig.h"

/* does this DROP EXTENSION name schemamig? */
static bool
drops_schemamig(Node *stmt)
{
	DropStmt   *drop;
	ListCell   *lc;

	if (!IsA(stmt, DropStmt))
		return false;
	drop = (DropStmt *) stmt;
	if (drop->removeType != OBJECT_EXTENSION)
		return false;
	foreach(lc, drop->objects)
		if (strcmp(strVal(lfirst(lc)), "schemamig") == 0)
			return true;
	return false;
}

/*
 * Add the finding to state->findings if stmt drops schemamig while its
 * catalogs hold history.  The caller has checked the extension is installed.
 */
void
lint_drop_extension(LintState *state, Node *stmt)
{
	CatalogAccess access;
	LintFinding *f;
	int64		migrations;
	int64		applied;
	int64		events;
	int64		jobs;
	bool		isnull;

	if (!drops_schemamig(stmt))
		return;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	catalog_enter(&access);
	if (SPI_execute("SELECT (SELECT count(*) FROM schemamig.migrations), "
					"       (SELECT count(*) FROM schemamig.applied), "
					"       (SELECT count(*) FROM schemamig.events), "
					"       (SELECT count(*) FROM schemamig.jobs)", true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not count the schemamig history");
	catalog_leave(&access);
	migrations = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	applied = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	events = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
	jobs = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull));
	SPI_finish();
	if (migrations + applied + events + jobs == 0)
		return;

	f = palloc0(sizeof(LintFinding));
	f->rule = "drop-extension-with-history";
	f->severity = LINT_SAFETY;
	f->message = psprintf("DROP EXTENSION schemamig deletes the migration history with it: "
						  INT64_FORMAT " registered and " INT64_FORMAT " applied migrations, "
						  INT64_FORMAT " events and " INT64_FORMAT " jobs.",
						  migrations, applied, events, jobs);
	f->hint = pstrdup("Dump the history first (pg_dump of the database carries the schemamig catalogs, "
					  "or pg_dump --data-only --table='schemamig.*').");
	state->findings = lappend(state->findings, f);
}
