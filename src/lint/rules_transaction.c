/*-------------------------------------------------------------------------
 *
 * rules_transaction.c
 *		Rules across statements: locks held or waited for, transaction
 *		structure, timeouts.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/proc.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "tcop/utility.h"
#include "utils/lsyscache.h"

#include "compat.h"
#include "lint/lint_internal.h"

void
lint_lock_stmt(LintState *st, LockStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->relations)
	{
		LintRel		r = lookup_rangevar(st, lfirst_node(RangeVar, lc));

		if (r.kind == LINT_REL_MISSING && st->live)
			continue;
		note_lock(st, &r, stmt->mode);
		if (stmt->mode >= ShareLock && rel_preexisting(st, &r))
			add_finding(st, LINT_RULE_BAN_LOCK_TABLE,
						"Do not lock tables explicitly; let each statement take the lock it needs, with lock_timeout set.",
						"LOCK TABLE takes %s %s lock on \"%s\" until the transaction ends; %s.",
						lock_mode_article(stmt->mode), lock_mode_name(stmt->mode), r.name,
						lock_blocks(stmt->mode));
	}
}

/*
 * BEGIN and COMMIT in a script.  A script's structure only: live, the
 * server already warns about both, and a client's "BEGIN; ..." string
 * opens an implicit block that IsTransactionBlock() cannot tell from an
 * explicit one.
 */
void
lint_transaction_stmt(LintState *st, TransactionStmt *t)
{
	bool		in_block = st->in_transaction_block;

	if (st->live)
		return;
	if ((t->kind == TRANS_STMT_BEGIN || t->kind == TRANS_STMT_START) && in_block)
		add_finding(st, LINT_RULE_TRANSACTION_NESTING,
					"Remove the inner BEGIN: PostgreSQL has no nested transactions (use SAVEPOINT).",
					"BEGIN inside an open transaction is ignored; the COMMIT that follows ends the outer transaction too.");
	if ((t->kind == TRANS_STMT_COMMIT || t->kind == TRANS_STMT_ROLLBACK) && !in_block)
		add_finding(st, LINT_RULE_TRANSACTION_NESTING,
					"Remove the COMMIT or ROLLBACK, or add the BEGIN it belongs to.",
					"%s without an open transaction does nothing; the statements before it were already committed.",
					t->kind == TRANS_STMT_COMMIT ? "COMMIT" : "ROLLBACK");
}

/*
 * The end of a script still inside the BEGIN at begin_line: the finding of
 * the BEGIN statement (lint() only: a hook cannot see the end of a file).
 */
List *
lint_script_end(LintState *st, int begin_line)
{
	st->findings = NIL;
	add_finding(st, LINT_RULE_BAN_UNCOMMITTED_TRANSACTION,
				"End the transaction with COMMIT.",
				"BEGIN at line %d has no matching COMMIT by the end of the script; the transaction and its locks stay open until the session ends.",
				begin_line);
	return st->findings;
}

/*
 * The pre-existing relation an earlier statement of this transaction holds
 * ACCESS EXCLUSIVE, or NULL.  Live mode asks the lock manager, so locks
 * released by a rolled-back subtransaction, and locks on tables dropped
 * since, do not count.
 */
static const char *
exclusive_lock_held(LintState *st)
{
	ListCell   *lc;

	if (!st->live)
		return st->exclusive != NIL ? (const char *) linitial(st->exclusive) : NULL;
	foreach(lc, st->exclusive_oids)
	{
		LOCKTAG		tag;
		Oid			relid = lfirst_oid(lc);

		SET_LOCKTAG_RELATION(tag, MyDatabaseId, relid);
		if (LockHeldByMeExactly(&tag, AccessExclusiveLock))
		{
			char	   *name = get_rel_name(relid);

			/* a table this transaction dropped blocks nobody's work */
			if (name)
				return name;
		}
	}
	return NULL;
}

/* slow work (st->slow, set by the statement's rules) under an earlier ACCESS EXCLUSIVE lock */
void
lint_exclusive_lock_held(LintState *st)
{
	const char *held;

	if (!st->slow)
		return;
	held = exclusive_lock_held(st);
	if (held)
		add_finding(st, LINT_RULE_EXCLUSIVE_LOCK_HELD_ACROSS_STATEMENTS,
					"Commit right after the statement that needs the ACCESS EXCLUSIVE lock, and do backfills and validations in later transactions.",
					"This statement does slow work while the transaction still holds the ACCESS EXCLUSIVE lock on \"%s\" taken by an earlier statement; reads and writes on it stay blocked.",
					held);
}

/*
 * The rules about the locks a statement takes (st->strongest_lock, noted
 * by its rules) and the work it does under them, after its own rules.
 */
void
lint_lock_rules(LintState *st, Node *stmt)
{
	if (st->strongest_lock >= ShareLock &&
		(st->live ? LockTimeout : st->lock_timeout_ms) == 0)
		add_finding(st, LINT_RULE_REQUIRE_LOCK_TIMEOUT,
					"SET lock_timeout (for example to '5s') before the statement and retry on timeout: a statement waiting for its lock blocks everything queued behind it.",
					"The statement waits for %s %s lock on \"%s\" with lock_timeout = 0; while it waits, %s.",
					lock_mode_article(st->strongest_lock), lock_mode_name(st->strongest_lock),
					st->strongest_lock_relation, lock_blocks(st->strongest_lock));
	lint_exclusive_lock_held(st);
	if (st->advisory && st->strongest_lock >= ShareUpdateExclusiveLock &&
		(st->live ? StatementTimeout : st->statement_timeout_ms) == 0 &&
		(st->live ? SessionTransactionTimeout : st->transaction_timeout_ms) == 0 &&
		GetCommandLogLevel(stmt) == LOGSTMT_DDL)
		add_finding(st, LINT_RULE_REQUIRE_STATEMENT_TIMEOUT,
					"SET statement_timeout for the migration so a runaway statement cannot hold its locks forever.",
					"DDL on \"%s\" runs with statement_timeout = 0.",
					st->strongest_lock_relation);
}
