/*-------------------------------------------------------------------------
 *
 * compat.h
 *		The server APIs that differ between the PostgreSQL releases
 *		schemamig builds against, each behind one name.
 *
 * The rest of the tree calls the names below and never tests
 * PG_VERSION_NUM for an API difference; an #if elsewhere marks a
 * behaviour that differs by release (doc/versions.md lists them).  Each
 * entry says which release changed what, checked against that release's
 * headers.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_COMPAT_H
#define SCHEMAMIG_COMPAT_H

#include "catalog/pg_attribute.h"
#include "nodes/parsenodes.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "tcop/pquery.h"

/*
 * The varlena macros (VARDATA, VARSIZE_ANY_EXHDR, SET_VARSIZE, ...): 16
 * moved them from postgres.h into varatt.h.
 */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/*
 * The local transaction id of this backend: 17 moved PGPROC.lxid into
 * PGPROC.vxid (as vxid.lxid, next to vxid.procNumber).
 */
#if PG_VERSION_NUM >= 170000
#define MyProcLocalTransactionId	(MyProc->vxid.lxid)
#else
#define MyProcLocalTransactionId	(MyProc->lxid)
#endif

/*
 * Whether this backend holds exactly this lock mode on the object: 17 added
 * LockHeldByMe's "orstronger" argument; false keeps the earlier meaning.
 */
#if PG_VERSION_NUM >= 170000
#define LockHeldByMeExactly(tag, mode)	LockHeldByMe((tag), (mode), false)
#else
#define LockHeldByMeExactly(tag, mode)	LockHeldByMe((tag), (mode))
#endif

/*
 * Run a portal to completion, once: 18 dropped PortalRun's run_once
 * argument (every caller ran a portal once).
 */
#if PG_VERSION_NUM >= 180000
#define PortalRunOnce(portal, count, isTopLevel, dest, altdest, qc) \
	PortalRun((portal), (count), (isTopLevel), (dest), (altdest), (qc))
#else
#define PortalRunOnce(portal, count, isTopLevel, dest, altdest, qc) \
	PortalRun((portal), (count), (isTopLevel), true, (dest), (altdest), (qc))
#endif

/*
 * The subcommand of an ALTER TABLE, with recursion to inheritance children
 * and partitions folded into the plain subtype.  Up to 15 the server could
 * mark a subcommand AT_AddColumnRecurse (and likewise for DropColumn,
 * AddConstraint, ValidateConstraint, DropConstraint); 16 removed those
 * values and keeps recursion in the statement instead.  Code that judges
 * a subcommand switches on this, so a verdict never depends on which form
 * a release uses.
 */
static inline AlterTableType
alter_table_cmd_subtype(const AlterTableCmd *cmd)
{
#if PG_VERSION_NUM < 160000
	switch (cmd->subtype)
	{
		case AT_AddColumnRecurse:
			return AT_AddColumn;
		case AT_DropColumnRecurse:
			return AT_DropColumn;
		case AT_AddConstraintRecurse:
			return AT_AddConstraint;
		case AT_ValidateConstraintRecurse:
			return AT_ValidateConstraint;
		case AT_DropConstraintRecurse:
			return AT_DropConstraint;
		default:
			break;
	}
#endif
	return cmd->subtype;
}

/*
 * The session's transaction_timeout in milliseconds: 17 added the setting;
 * before it no transaction had such a bound (0, as when it is off).
 */
#if PG_VERSION_NUM >= 170000
#define SessionTransactionTimeout	TransactionTimeout
#else
#define SessionTransactionTimeout	0
#endif

/*
 * Does this GENERATED constraint of a column definition store its values?
 * 18 added VIRTUAL generated columns (computed when read; the kind a column
 * gets when neither STORED nor VIRTUAL is written) and Constraint's
 * generated_kind; up to 17 every generated column is STORED.
 */
static inline bool
generated_constraint_is_stored(const Constraint *c)
{
#if PG_VERSION_NUM >= 180000
	return c->generated_kind == ATTRIBUTE_GENERATED_STORED;
#else
	return true;
#endif
}

/*
 * Does a MERGE WHEN clause (raw MergeWhenClause or analyzed MergeAction)
 * apply to matched rows?  17 replaced their "matched" flag by matchKind,
 * to add WHEN NOT MATCHED BY SOURCE.
 */
#if PG_VERSION_NUM >= 170000
#define MergeClauseIsMatched(clause)	((clause)->matchKind == MERGE_WHEN_MATCHED)
#define MergeClauseIsNotMatchedBySource(clause) \
	((clause)->matchKind == MERGE_WHEN_NOT_MATCHED_BY_SOURCE)
#else
#define MergeClauseIsMatched(clause)	((clause)->matched)
/* before 17 there is no WHEN NOT MATCHED BY SOURCE */
#define MergeClauseIsNotMatchedBySource(clause)	false
#endif

/*
 * The ON condition of an analyzed MERGE: up to 16 it is the quals of the
 * query's jointree, 17 moved it to Query.mergeJoinCondition (the jointree
 * keeps only the source relation).
 */
#if PG_VERSION_NUM >= 170000
#define MergeQueryJoinCondition(query)	((query)->mergeJoinCondition)
#else
#define MergeQueryJoinCondition(query) \
	((query)->jointree ? (query)->jointree->quals : NULL)
#endif

/*
 * The n-th entry (from 1) of this backend's copy of the backend status
 * array: 17 renamed the function (16.1 added the new name, where the old
 * one came to take a backend id instead of an index).
 */
#if PG_VERSION_NUM >= 160000
#define LocalBackendStatusByIndex(n)	pgstat_get_local_beentry_by_index(n)
#else
#define LocalBackendStatusByIndex(n)	pgstat_fetch_stat_local_beentry(n)
#endif

/*
 * Whether a raw UPDATE, DELETE or INSERT has a RETURNING clause: 18
 * replaced the statement's returningList by a ReturningClause (the list
 * in its exprs, beside RETURNING's WITH options).
 */
#if PG_VERSION_NUM >= 180000
#define RawStmtHasReturning(stmt)	((stmt)->returningClause != NULL)
#else
#define RawStmtHasReturning(stmt)	((stmt)->returningList != NIL)
#endif

/*
 * The map of a relation's columns onto another's, by name: 16 added
 * build_attrmap_by_name's missing_ok argument; false keeps the earlier
 * meaning (every column must be found).
 */
#if PG_VERSION_NUM >= 160000
#define AttrMapByName(indesc, outdesc)	build_attrmap_by_name((indesc), (outdesc), false)
#else
#define AttrMapByName(indesc, outdesc)	build_attrmap_by_name((indesc), (outdesc))
#endif

/*
 * The name list of a possibly qualified name in a string: 16 added
 * stringToQualifiedNameList's escontext argument; NULL keeps the earlier
 * meaning (a malformed name is an error).
 */
#if PG_VERSION_NUM >= 160000
#define QualifiedNameListFromString(string)	stringToQualifiedNameList((string), NULL)
#else
#define QualifiedNameListFromString(string)	stringToQualifiedNameList(string)
#endif

#endif							/* SCHEMAMIG_COMPAT_H */
