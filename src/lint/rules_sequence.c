/*-------------------------------------------------------------------------
 *
 * rules_sequence.c
 *		The rule of restarting a sequence a table takes its values from:
 *		ALTER SEQUENCE ... RESTART, and ALTER TABLE ... ALTER COLUMN ...
 *		RESTART of an identity column.
 *
 * Moving such a sequence back hands out values the table may already
 * hold: the next inserts fail with unique violations (23505), or, where
 * nothing is unique, duplicate keys the application relies on.  Nothing
 * in the statement says so, and it takes only a moment's lock, so every
 * other check lets it through; the catalog knows.
 *
 * A finding needs all of: the sequence is pre-existing; a pre-existing
 * table's column takes its values from it (owned by the column: serial,
 * OWNED BY, identity; or named in a column default); and the restart
 * value is not past what the sequence has handed out (last_value, read as
 * pg_sequences reads it).  A sequence that has handed out nothing yet
 * restarts harmlessly; one whose position the caller may not read is
 * judged by the worst case.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/dependency.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_class.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_sequence.h"
#include "commands/defrem.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "lint/lint_internal.h"

/* a column default (d) of a pre-existing table that names the sequence */
static bool
default_of_preexisting_table(LintState *st, Form_pg_depend d, void *arg)
{
	FoundColumn *found = arg;
	ObjectAddress column;
	LintRel		r;

	if (d->classid != AttrDefaultRelationId)
		return false;
	column = GetAttrDefaultColumnAddress(d->objid);
	if (!OidIsValid(column.objectId) || column.objectSubId <= 0)
		return false;
	r = lookup_oid(st, column.objectId, NULL);
	if (!rel_preexisting(st, &r))
		return false;
	found->colname = get_attname(column.objectId, column.objectSubId, true);
	found->relname = r.name;
	return found->colname != NULL;
}

/* the pre-existing table column that takes its values from seq, if any */
static bool
sequence_column(LintState *st, Oid seq, FoundColumn *found)
{
	Oid			table;
	int32		attnum;

	if (sequenceIsOwned(seq, DEPENDENCY_AUTO, &table, &attnum) ||
		sequenceIsOwned(seq, DEPENDENCY_INTERNAL, &table, &attnum))
	{
		LintRel		r = lookup_oid(st, table, NULL);

		if (rel_preexisting(st, &r))
		{
			found->relname = r.name;
			found->colname = get_attname(table, (AttrNumber) attnum, true);
			if (found->colname != NULL)
				return true;
		}
	}
	return scan_dependents(st, RelationRelationId, seq, default_of_preexisting_table, found);
}

/*
 * The last value the sequence handed out, as pg_sequences.last_value says
 * it: false when it has handed out none.  *readable is false when the
 * caller may not read it (then the answer is unknown).
 */
static bool
sequence_last_value(Oid seq, int64 *last, bool *readable)
{
	LOCAL_FCINFO(fcinfo, 1);
	Datum		value;

	*readable = pg_class_aclcheck(seq, GetUserId(), ACL_SELECT | ACL_USAGE) == ACLCHECK_OK;
	if (!*readable)
		return false;
	InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = ObjectIdGetDatum(seq);
	fcinfo->args[0].isnull = false;
	value = pg_sequence_last_value(fcinfo);
	if (fcinfo->isnull)
		return false;
	*last = DatumGetInt64(value);
	return true;
}

#define RESTART_HINT \
	"Restart only past the largest value the column holds (RESTART WITH its max + 1), or leave the sequence alone; TRUNCATE ... RESTART IDENTITY resets a table emptied with it."

/*
 * restarting-sequence for a RESTART option (restart) of the sequence seq,
 * with the statement's other options (an INCREMENT among them counts).
 */
static void
lint_restart(LintState *st, Oid seq, DefElem *restart, List *options, const char *what)
{
	FoundColumn found = {NULL, NULL};
	LintRel		r = lookup_oid(st, seq, NULL);
	HeapTuple	tup;
	Form_pg_sequence form;
	int64		increment;
	int64		target;
	int64		last = 0;
	bool		readable;
	bool		used;
	ListCell   *lc;

	if (!rel_preexisting(st, &r) || r.relkind != RELKIND_SEQUENCE ||
		!sequence_column(st, seq, &found))
		return;
	tup = SearchSysCache1(SEQRELID, ObjectIdGetDatum(seq));
	if (!HeapTupleIsValid(tup))
		return;
	form = (Form_pg_sequence) GETSTRUCT(tup);
	increment = form->seqincrement;
	target = form->seqstart;
	ReleaseSysCache(tup);
	foreach(lc, options)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "increment") == 0 && opt->arg != NULL)
			increment = defGetInt64(opt);
		else if (strcmp(opt->defname, "start") == 0 && opt->arg != NULL && restart->arg == NULL)
			target = defGetInt64(opt);	/* RESTART without WITH goes to the new START */
	}
	if (restart->arg != NULL)
		target = defGetInt64(restart);

	used = sequence_last_value(seq, &last, &readable);
	if (readable && !used)
		return;					/* nothing handed out yet: nothing to collide with */
	if (readable && (increment > 0 ? target > last : target < last))
		return;					/* forward, past every value handed out */

	if (readable)
		add_finding(st, LINT_RULE_RESTARTING_SEQUENCE,
					RESTART_HINT,
					"%s moves sequence \"%s\" of \"%s\".\"%s\" back to " INT64_FORMAT " after it handed out values up to " INT64_FORMAT ": new rows get values the table may already hold, and inserts fail with unique violations.",
					what, r.name, found.relname, found.colname, target, last);
	else
		add_finding(st, LINT_RULE_RESTARTING_SEQUENCE,
					RESTART_HINT,
					"%s moves sequence \"%s\" of \"%s\".\"%s\" to " INT64_FORMAT ", and you may not read how far it got: new rows may get values the table already holds, and inserts fail with unique violations.",
					what, r.name, found.relname, found.colname, target);
}

/* the RESTART option among a statement's options, or NULL */
static DefElem *
restart_option(List *options)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "restart") == 0)
			return opt;
	}
	return NULL;
}

void
lint_alter_sequence(LintState *st, AlterSeqStmt *stmt)
{
	DefElem    *restart = restart_option(stmt->options);
	LintRel		r;

	/* the ALTER TABLE an identity option came from is judged whole (lint_identity_restart) */
	if (restart == NULL || stmt->for_identity)
		return;
	r = lookup_rangevar(st, stmt->sequence);
	if (OidIsValid(r.relid))
		lint_restart(st, r.relid, restart, stmt->options, "ALTER SEQUENCE ... RESTART");
}

void
lint_identity_restart(LintState *st, LintRel *table, const char *colname, List *options)
{
	DefElem    *restart = restart_option(options);
	AttrNumber	attnum;
	ListCell   *lc;

	if (restart == NULL || !OidIsValid(table->relid) ||
		(attnum = get_attnum(table->relid, colname)) == InvalidAttrNumber)
		return;
	foreach(lc, getOwnedSequences(table->relid))
	{
		Oid			seq = lfirst_oid(lc);
		Oid			owner;
		int32		col;

		if (sequenceIsOwned(seq, DEPENDENCY_INTERNAL, &owner, &col) && col == attnum)
			lint_restart(st, seq, restart, options, "ALTER COLUMN ... RESTART");
	}
}
