/*-------------------------------------------------------------------------
 *
 * rules_index.c
 *		The rules of statements that build or rebuild indexes and tables:
 *		CREATE INDEX, REINDEX, REFRESH MATERIALIZED VIEW, VACUUM FULL, CLUSTER.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "commands/defrem.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "lint/lint_internal.h"
#include "script.h"

void
ban_concurrent_in_transaction(LintState *st, const char *command)
{
	if (st->in_transaction_block)
		add_finding(st, LINT_RULE_BAN_CONCURRENT_INDEX_CREATION_IN_TRANSACTION,
					psprintf("Run %s on its own, outside a transaction block (a migration of its own).", command),
					"%s cannot run inside a transaction block; the statement fails.", command);
}

static const char *HINT_CONCURRENT_INDEX =
"Use CREATE INDEX CONCURRENTLY in a migration of its own (it cannot run in a transaction block).";

/*
 * CREATE INDEX IF NOT EXISTS whose name a relation of the table's schema
 * already has: the server skips the statement after taking its lock,
 * building nothing.
 */
static bool
index_name_taken(LintRel *r, IndexStmt *stmt)
{
	return stmt->if_not_exists && stmt->idxname != NULL && OidIsValid(r->relid) &&
		OidIsValid(get_relname_relid(stmt->idxname, get_rel_namespace(r->relid)));
}

void
lint_index_stmt(LintState *st, IndexStmt *stmt)
{
	LintRel		r = lookup_rangevar(st, stmt->relation);

	if (r.kind == LINT_REL_MISSING && st->live)
		return;
	if (stmt->concurrent)
	{
		note_lock(st, &r, ShareUpdateExclusiveLock);
		ban_concurrent_in_transaction(st, "CREATE INDEX CONCURRENTLY");
	}
	else
	{
		note_lock(st, &r, ShareLock);
		if (rel_preexisting(st, &r) && !index_name_taken(&r, stmt))
		{
			bool		partitioned = r.relkind == RELKIND_PARTITIONED_TABLE;

			/* CREATE INDEX ON ONLY a partitioned table builds nothing */
			if (!(partitioned && !stmt->relation->inh))
			{
				add_finding(st, LINT_RULE_REQUIRE_CONCURRENT_INDEX_CREATION,
							partitioned
							? "Create the index ON ONLY the partitioned table, CREATE INDEX CONCURRENTLY on each partition, then ALTER INDEX ... ATTACH PARTITION each one."
							: HINT_CONCURRENT_INDEX,
							"CREATE %sINDEX takes a SHARE lock on \"%s\" for the whole build; writes are blocked.",
							stmt->unique ? "UNIQUE " : "", r.name);
				st->slow = true;
			}
		}
	}
	robust_stmts(st, stmt->if_not_exists, "Use CREATE INDEX CONCURRENTLY IF NOT EXISTS, and drop an INVALID leftover before a re-run.",
					 "CREATE INDEX without IF NOT EXISTS outside a transaction cannot be re-run after a failure.");
}


void
lint_reindex_stmt(LintState *st, ReindexStmt *stmt)
{
	bool		concurrent = script_option_is_true(stmt->params, "concurrently", false);
	LintRel		r;
	bool		index_new = false;

	if (stmt->kind == REINDEX_OBJECT_INDEX)
	{
		List	   *names = list_make1(makeString(stmt->relation->relname));

		if (stmt->relation->schemaname)
			names = lcons(makeString(stmt->relation->schemaname), names);
		r = lookup_index_table(st, names, &index_new);
	}
	else if (stmt->kind == REINDEX_OBJECT_TABLE)
		r = lookup_rangevar(st, stmt->relation);
	else
		r = lint_rel_everything(stmt->name ? stmt->name : "the database");
	if (r.kind == LINT_REL_MISSING && st->live)
		return;
	if (concurrent)
	{
		note_lock(st, &r, ShareUpdateExclusiveLock);
		ban_concurrent_in_transaction(st, "REINDEX CONCURRENTLY");
		return;
	}
	note_lock(st, &r, ShareLock);
	if (!index_new && rel_preexisting(st, &r))
	{
		add_finding(st, LINT_RULE_REQUIRE_CONCURRENT_REINDEX,
					"Use REINDEX ... CONCURRENTLY, outside a transaction block.",
					"REINDEX takes a SHARE lock on \"%s\" and an ACCESS EXCLUSIVE lock on the indexes it rebuilds; writes are blocked, and so are reads that use those indexes.",
					r.name);
		st->slow = true;
	}
}


/* does the materialized view hold data its readers get (relispopulated)? */
static bool
matview_populated(Oid relid)
{
	HeapTuple	tup;
	bool		result = false;

	if (!OidIsValid(relid))
		return false;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (HeapTupleIsValid(tup))
	{
		result = ((Form_pg_class) GETSTRUCT(tup))->relispopulated;
		ReleaseSysCache(tup);
	}
	return result;
}

void
lint_refresh_stmt(LintState *st, RefreshMatViewStmt *stmt)
{
	LintRel		r = lookup_rangevar(st, stmt->relation);

	if (r.kind == LINT_REL_MISSING && st->live)
		return;
	note_lock(st, &r, stmt->concurrent ? ExclusiveLock : AccessExclusiveLock);
	st->slow = true;
	if (!stmt->concurrent && !stmt->skipData && rel_preexisting(st, &r))
		add_finding(st, LINT_RULE_REQUIRE_CONCURRENT_REFRESH,
					"Use REFRESH MATERIALIZED VIEW CONCURRENTLY (it needs a unique index on the view).",
					"REFRESH MATERIALIZED VIEW takes an ACCESS EXCLUSIVE lock on \"%s\" for the whole query; reads are blocked.",
					r.name);
	else if (!stmt->concurrent && stmt->skipData && rel_preexisting(st, &r) &&
			 matview_populated(r.relid))
		add_finding(st, LINT_RULE_REQUIRE_CONCURRENT_REFRESH,
					"Keep the view populated while anything reads it: refresh it with REFRESH MATERIALIZED VIEW CONCURRENTLY, and drop it once no reader is left.",
					"REFRESH MATERIALIZED VIEW ... WITH NO DATA empties \"%s\" under an ACCESS EXCLUSIVE lock: every query of it fails until the next REFRESH.",
					r.name);
}

void
lint_repack(LintState *st, RangeVar *rv, const char *what)
{
	LintRel		r;

	if (rv == NULL)
		r = lint_rel_everything("every table");
	else
		r = lookup_rangevar(st, rv);
	if (r.kind == LINT_REL_MISSING && st->live)
		return;
	note_lock(st, &r, AccessExclusiveLock);
	if (rel_preexisting(st, &r))
	{
		add_finding(st, LINT_RULE_PREFER_REPACK,
					"Use pg_repack (PostgreSQL 19 and later: REPACK CONCURRENTLY), which holds the ACCESS EXCLUSIVE lock only briefly.",
					"%s rewrites \"%s\" under an ACCESS EXCLUSIVE lock; reads and writes are blocked for the whole rewrite.",
					what, r.name);
		st->slow = true;
	}
}

void
lint_vacuum_stmt(LintState *st, VacuumStmt *stmt)
{
	ListCell   *lc;

	if (!stmt->is_vacuumcmd || !script_option_is_true(stmt->options, "full", false))
		return;
	if (stmt->rels == NIL)
		lint_repack(st, NULL, "VACUUM FULL");
	foreach(lc, stmt->rels)
		lint_repack(st, lfirst_node(VacuumRelation, lc)->relation, "VACUUM FULL");
}

/* ---- DML ---- */

