/*-------------------------------------------------------------------------
 *
 * statement.c
 *		lint_statement() and lint_query(): one dispatch on the node tag to
 *		the rules of the statement's family, then the rules across statements.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"

#include "lint/lint_internal.h"

/*
 * LINT_RULE_PREFER_ROBUST_STMTS, for every statement family: outside a
 * transaction a statement that fails half-way is re-run, and must succeed
 * the second time.
 */
void
robust_stmts(LintState *st, bool robust, const char *hint, const char *message)
{
	if (st->advisory && !st->in_transaction && !robust)
		add_finding(st, LINT_RULE_PREFER_ROBUST_STMTS, hint, "%s", message);
}

/*
 * Findings for one statement (a raw parse tree or a utility statement).
 * Also fills the per-statement fields of the state.
 */
List *
lint_statement(LintState *st, Node *stmt)
{
	st->findings = NIL;
	st->only_temporary = true;
	st->touched_relation = false;
	st->touched_existing = false;
	st->new_relid = InvalidOid;
	st->slow = false;
	st->strongest_lock = NoLock;
	st->strongest_lock_relation = NULL;
	st->exclusive_now = NIL;
	st->exclusive_now_oids = NIL;

	switch (nodeTag(stmt))
	{
		case T_AlterTableStmt:
			lint_alter_table(st, (AlterTableStmt *) stmt);
			break;
		case T_IndexStmt:
			lint_index_stmt(st, (IndexStmt *) stmt);
			break;
		case T_DropStmt:
			lint_drop_stmt(st, (DropStmt *) stmt);
			break;
		case T_ReindexStmt:
			lint_reindex_stmt(st, (ReindexStmt *) stmt);
			break;
		case T_RefreshMatViewStmt:
			lint_refresh_stmt(st, (RefreshMatViewStmt *) stmt);
			break;
		case T_VacuumStmt:
			lint_vacuum_stmt(st, (VacuumStmt *) stmt);
			break;
		case T_ClusterStmt:
			lint_repack(st, ((ClusterStmt *) stmt)->relation, "CLUSTER");
			break;
		case T_LockStmt:
			lint_lock_stmt(st, (LockStmt *) stmt);
			break;
		case T_TruncateStmt:
			lint_truncate_stmt(st, (TruncateStmt *) stmt);
			break;
		case T_DropdbStmt:
			lint_dropdb_stmt(st, (DropdbStmt *) stmt);
			break;
		case T_DropOwnedStmt:
			lint_drop_owned_stmt(st, (DropOwnedStmt *) stmt);
			break;
		case T_RenameStmt:
			lint_rename_stmt(st, (RenameStmt *) stmt);
			break;
		case T_AlterObjectSchemaStmt:
			lint_object_schema_stmt(st, (AlterObjectSchemaStmt *) stmt);
			break;
		case T_AlterEnumStmt:
			lint_alter_enum(st, (AlterEnumStmt *) stmt);
			break;
		case T_AlterDomainStmt:
			lint_alter_domain(st, (AlterDomainStmt *) stmt);
			break;
		case T_CreateStmt:
			lint_create_stmt(st, (CreateStmt *) stmt);
			break;
		case T_CreateDomainStmt:
			lint_create_domain(st, (CreateDomainStmt *) stmt);
			break;
		case T_CreateTrigStmt:
			lint_relation_lock(st, ((CreateTrigStmt *) stmt)->relation, ShareRowExclusiveLock);
			break;
		case T_RuleStmt:
			lint_create_rule(st, (RuleStmt *) stmt);
			break;
		case T_CreatePolicyStmt:
			lint_relation_lock(st, ((CreatePolicyStmt *) stmt)->table, AccessExclusiveLock);
			break;
		case T_AlterPolicyStmt:
			lint_relation_lock(st, ((AlterPolicyStmt *) stmt)->table, AccessExclusiveLock);
			break;
		case T_CreateTableAsStmt:
			st->slow = true;
			st->touched_relation = true;
			if (((CreateTableAsStmt *) stmt)->into->rel->relpersistence != RELPERSISTENCE_TEMP)
				st->only_temporary = false;
			break;
		case T_AlterTableMoveAllStmt:
			lint_alter_table_move_all(st, (AlterTableMoveAllStmt *) stmt);
			break;
		case T_AlterSeqStmt:
			lint_alter_sequence(st, (AlterSeqStmt *) stmt);
			break;
		case T_TransactionStmt:
			lint_transaction_stmt(st, (TransactionStmt *) stmt);
			return st->findings;
		case T_VariableSetStmt:
		case T_VariableShowStmt:
			return st->findings;
		case T_PrepareStmt:
		case T_DoStmt:
			{
				/* the statements they run, judged one by one (inner.c) */
				List	   *findings = lint_inner_statements(st, stmt);

				st->findings = findings;
				st->exclusive_now = NIL;
				st->exclusive_now_oids = NIL;
				return st->findings;
			}
		case T_UpdateStmt:
		case T_DeleteStmt:
		case T_InsertStmt:
		case T_MergeStmt:
		case T_SelectStmt:
			lint_raw_dml(st, stmt);
			break;
		case T_ExplainStmt:

			/*
			 * EXPLAIN ANALYZE runs the statement.  Live, ExplainQuery gives
			 * the explained query to the post-parse-analyze hook, which
			 * judges it there.
			 */
			if (!st->live && lint_explain_executes(stmt))
				lint_raw_dml(st, ((ExplainStmt *) stmt)->query);
			break;
		default:
			break;
	}

	/* rules about the locks the statement takes, and across statements */
	lint_lock_rules(st, stmt);
	return st->findings;
}

/* the hook's view of DML: an analyzed query */
List *
lint_query(LintState *st, Query *query)
{
	st->findings = NIL;
	st->slow = false;
	st->exclusive_now = NIL;
	st->exclusive_now_oids = NIL;
	lint_query_dml(st, query);
	lint_exclusive_lock_held(st);
	return st->findings;
}
