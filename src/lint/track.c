/*-------------------------------------------------------------------------
 *
 * track.c
 *		Script-mode (and per-transaction) tracking: what earlier statements
 *		created, validated, added, set or locked, for the rules of later ones.
 *
 * Invariants:
 *	- live, the catalog is the truth: only the ACCESS EXCLUSIVE locks and the
 *	  columns added to pre-existing tables are tracked;
 *	- in script mode nothing runs, so names are remembered as written;
 *	  SET search_path and SET timezone are applied for real, at the GUC
 *	  nest level schemamig.lint() opened.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "commands/defrem.h"
#include "lib/stringinfo.h"
#include "catalog/pg_namespace.h"
#include "utils/lsyscache.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "parser/parse_target.h"
#include "utils/guc.h"

#include "compat.h"
#include "lint/lint_internal.h"

/*
 * The schema an unqualified CREATE of a relation puts it in: the first
 * schema of search_path that exists (the script's SET search_path is in
 * force), or NULL when none does yet (a schema the script creates: then
 * the name matches in any schema).
 */
static const char *
creation_schema(void)
{
	List	   *path = fetch_search_path(false);
	ListCell   *lc;

	foreach(lc, path)
	{
		Oid			nsp = lfirst_oid(lc);

		if (nsp != PG_CATALOG_NAMESPACE && !isAnyTempNamespace(nsp))
			return get_namespace_name(nsp);
	}
	return NULL;
}

static void
remember_name(LintState *st, LintNameKind kind, const char *schema, const char *name,
			  const char *owner)
{
	LintName   *n = palloc0(sizeof(LintName));

	if (kind == LINT_NAME_RELATION && schema == NULL)
		schema = creation_schema();

	n->kind = kind;
	n->schema = schema ? pstrdup(schema) : NULL;
	n->name = pstrdup(name);
	n->owner = owner ? pstrdup(owner) : NULL;
	if (kind == LINT_NAME_NOT_VALID)
		st->not_valid = lappend(st->not_valid, n);
	else if (kind == LINT_NAME_VALIDATED)
		st->validated = lappend(st->validated, n);
	else if (kind == LINT_NAME_ADDED_COLUMN)
		st->added_columns = lappend(st->added_columns, n);
	else
		st->created = lappend(st->created, n);
}

bool
name_in(List *names, LintNameKind kind, const char *schema, const char *name, const char *owner)
{
	ListCell   *lc;

	if (name == NULL)
		return false;
	foreach(lc, names)
	{
		LintName   *n = lfirst(lc);

		if (n->kind != kind || strcmp(n->name, name) != 0)
			continue;
		if (schema && n->schema && strcmp(schema, n->schema) != 0)
			continue;
		if (owner && n->owner && strcmp(owner, n->owner) != 0)
			continue;
		return true;
	}
	return false;
}

/* was the column added by an earlier statement (of the script, or live: of the transaction)? */
bool
column_is_new(LintState *st, LintRel *r, const char *colname)
{
	return colname != NULL && name_in(st->added_columns, LINT_NAME_ADDED_COLUMN, NULL, colname, r->name);
}

/* a CHECK constraint added by CREATE TABLE or ALTER TABLE, for not_null_implied() */
static void
remember_check(LintState *st, const char *relation, Constraint *con)
{
	LintCheck  *chk = palloc0(sizeof(LintCheck));

	chk->relation = pstrdup(relation);
	chk->name = con->conname ? pstrdup(con->conname) : NULL;
	chk->expr = copyObject(con->raw_expr);
	chk->valid = !con->skip_validation;
	st->checks = lappend(st->checks, chk);
}

/* ---- set_config and SET in a script ---- */

static int
timeout_value(Node *arg, int current)
{
	int			ms;

	if (arg == NULL)
		return current;
	if (IsA(arg, A_Const))
	{
		A_Const    *c = (A_Const *) arg;

		if (c->isnull)
			return current;
		if (IsA(&c->val, Integer))
			return intVal(&c->val);
		if (IsA(&c->val, String) && parse_int(strVal(&c->val), &ms, GUC_UNIT_MS, NULL))
			return ms;
		if (IsA(&c->val, Float) && parse_int(strVal(&c->val), &ms, GUC_UNIT_MS, NULL))
			return ms;
	}
	return current;
}

static int
timeout_reset_value(const char *name)
{
	const char *reset = GetConfigOptionResetString(name);
	int			ms = 0;

	if (reset && parse_int(reset, &ms, GUC_UNIT_MS, NULL))
		return ms;
	return 0;
}

static void
track_setting(LintState *st, const char *name, Node *value, bool reset)
{
	int		   *slot;

	if (name == NULL)
		return;
	if (strcmp(name, "lock_timeout") == 0)
		slot = &st->lock_timeout_ms;
	else if (strcmp(name, "statement_timeout") == 0)
		slot = &st->statement_timeout_ms;
	else if (PG_VERSION_NUM >= 170000 && strcmp(name, "transaction_timeout") == 0)
		slot = &st->transaction_timeout_ms;
	else
		return;
	*slot = reset ? timeout_reset_value(name) : timeout_value(value, *slot);
}

static bool
set_config_walker(Node *node, LintState *st)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncCall))
	{
		FuncCall   *fc = (FuncCall *) node;

		if (strcmp(strVal(llast(fc->funcname)), "set_config") == 0 &&
			list_length(fc->args) == 3 && IsA(linitial(fc->args), A_Const) &&
			IsA(&((A_Const *) linitial(fc->args))->val, String))
			track_setting(st, strVal(&((A_Const *) linitial(fc->args))->val),
						  lsecond(fc->args), false);
	}
	return raw_expression_tree_walker(node, set_config_walker, st);
}

void
lint_reset_transaction(LintState *st)
{
	st->exclusive = NIL;
	st->exclusive_oids = NIL;
	st->not_valid = NIL;
}

static List *
index_columns(IndexStmt *stmt)
{
	List	   *cols = NIL;
	ListCell   *lc;

	foreach(lc, stmt->indexParams)
	{
		IndexElem  *e = lfirst_node(IndexElem, lc);

		cols = lappend(cols, e->name ? pstrdup(e->name) : NULL);
	}
	return cols;
}

/*
 * The name the server gives an index created without one, as
 * ChooseIndexName() chooses it when no relation of that name exists:
 * table, column names (an expression's as FigureIndexColname() calls it)
 * and "idx", joined by "_" and truncated as makeObjectName() does.  A
 * later statement of the script that drops or alters the index by that
 * name then finds the index the script created.
 */
static char *
generated_index_name(IndexStmt *stmt)
{
	StringInfoData cols;
	ListCell   *lc;

	initStringInfo(&cols);
	foreach(lc, stmt->indexParams)
	{
		IndexElem  *e = lfirst_node(IndexElem, lc);
		const char *name = e->indexcolname ? e->indexcolname
			: e->name ? e->name
			: e->expr ? FigureIndexColname(e->expr) : NULL;

		if (name == NULL)
			name = "expr";
		if (cols.len > 0)
			appendStringInfoChar(&cols, '_');
		appendStringInfoString(&cols, name);
		if (cols.len >= NAMEDATALEN)
			break;
	}
	return makeObjectName(stmt->relation->relname, cols.data, "idx");
}

/*
 * After a statement passed: remember what it changed that later
 * statements of the same transaction or script depend on.  Call with the
 * state's memory context current.
 */
void
lint_track_statement(LintState *st, Node *stmt)
{
	ListCell   *lc;

	/* ACCESS EXCLUSIVE locks on pre-existing relations stay until commit */
	foreach(lc, st->exclusive_now)
		st->exclusive = lappend(st->exclusive, pstrdup(lfirst(lc)));
	foreach(lc, st->exclusive_now_oids)
		st->exclusive_oids = lappend_oid(st->exclusive_oids, lfirst_oid(lc));

	/* columns added to pre-existing tables hold no data anyone relies on yet */
	if (IsA(stmt, AlterTableStmt) && ((AlterTableStmt *) stmt)->relation)
	{
		AlterTableStmt *at = (AlterTableStmt *) stmt;

		foreach(lc, at->cmds)
		{
			AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

			if (alter_table_cmd_subtype(cmd) == AT_AddColumn &&
				IsA(cmd->def, ColumnDef))
				remember_name(st, LINT_NAME_ADDED_COLUMN, NULL, ((ColumnDef *) cmd->def)->colname,
							  at->relation->relname);
		}
	}

	if (st->live)
		return;

	switch (nodeTag(stmt))
	{
		case T_CreateStmt:
			{
				CreateStmt *c = (CreateStmt *) stmt;
				ListCell   *ec;

				if (!(c->if_not_exists && OidIsValid(RangeVarGetRelid(c->relation, NoLock, true))))
					remember_name(st, LINT_NAME_RELATION, c->relation->schemaname, c->relation->relname, NULL);
				foreach(ec, c->tableElts)
				{
					Constraint *con = NULL;

					if (IsA(lfirst(ec), Constraint))
						con = lfirst(ec);
					if (con && con->contype == CONSTR_CHECK)
						remember_check(st, c->relation->relname, con);
				}
				break;
			}
		case T_CreateTableAsStmt:
			{
				IntoClause *into = ((CreateTableAsStmt *) stmt)->into;

				remember_name(st, LINT_NAME_RELATION, into->rel->schemaname, into->rel->relname, NULL);
				break;
			}
		case T_ViewStmt:
			remember_name(st, LINT_NAME_RELATION, ((ViewStmt *) stmt)->view->schemaname,
						  ((ViewStmt *) stmt)->view->relname, NULL);
			break;
		case T_CreateSeqStmt:
			remember_name(st, LINT_NAME_RELATION, ((CreateSeqStmt *) stmt)->sequence->schemaname,
						  ((CreateSeqStmt *) stmt)->sequence->relname, NULL);
			break;
		case T_IndexStmt:
			{
				IndexStmt  *ix = (IndexStmt *) stmt;

				if (ix->idxname)
				{
					LintIndex  *li = palloc0(sizeof(LintIndex));

					remember_name(st, LINT_NAME_INDEX, NULL, ix->idxname, NULL);
					li->name = pstrdup(ix->idxname);
					li->relation = pstrdup(ix->relation->relname);
					li->columns = index_columns(ix);
					st->indexes = lappend(st->indexes, li);
				}
				else if (!ix->primary && !ix->isconstraint && ix->excludeOpNames == NIL)
					remember_name(st, LINT_NAME_INDEX, NULL, generated_index_name(ix), NULL);
				break;
			}
		case T_ReassignOwnedStmt:
			foreach(lc, ((ReassignOwnedStmt *) stmt)->roles)
			{
				const char *role = lint_rolespec_name(lfirst_node(RoleSpec, lc));

				if (role != NULL)
					remember_name(st, LINT_NAME_REASSIGNED_ROLE, NULL, role, NULL);
			}
			break;
		case T_CreateSchemaStmt:
			if (((CreateSchemaStmt *) stmt)->schemaname)
				remember_name(st, LINT_NAME_SCHEMA, NULL, ((CreateSchemaStmt *) stmt)->schemaname, NULL);
			break;
		case T_CreateFunctionStmt:
			{
				CreateFunctionStmt *f = (CreateFunctionStmt *) stmt;
				bool		is_volatile = !f->is_procedure;

				foreach(lc, f->options)
				{
					DefElem    *opt = lfirst_node(DefElem, lc);

					if (strcmp(opt->defname, "volatility") == 0 &&
						strcmp(strVal(opt->arg), "volatile") != 0)
						is_volatile = false;
				}
				if (is_volatile)
					remember_name(st, LINT_NAME_VOLATILE_FUNCTION, NULL, strVal(llast(f->funcname)), NULL);
				break;
			}
		case T_CreateEnumStmt:
			remember_name(st, LINT_NAME_TYPE, NULL, strVal(llast(((CreateEnumStmt *) stmt)->typeName)), NULL);
			break;
		case T_CompositeTypeStmt:
			remember_name(st, LINT_NAME_TYPE, NULL, ((CompositeTypeStmt *) stmt)->typevar->relname, NULL);
			break;
		case T_CreateDomainStmt:
			{
				CreateDomainStmt *d = (CreateDomainStmt *) stmt;
				const char *name = strVal(llast(d->domainname));

				remember_name(st, LINT_NAME_TYPE, NULL, name, NULL);
				foreach(lc, d->constraints)
				{
					ConstrType	t = lfirst_node(Constraint, lc)->contype;

					if (t == CONSTR_CHECK || t == CONSTR_NOTNULL)
						remember_name(st, LINT_NAME_CONSTRAINED_DOMAIN, NULL, name, NULL);
				}
				break;
			}
		case T_RenameStmt:
			{
				RenameStmt *r = (RenameStmt *) stmt;

				if (r->relation && (r->renameType == OBJECT_TABLE || r->renameType == OBJECT_VIEW) &&
					name_in(st->created, LINT_NAME_RELATION, r->relation->schemaname, r->relation->relname, NULL))
					remember_name(st, LINT_NAME_RELATION, r->relation->schemaname, r->newname, NULL);
				break;
			}
		case T_AlterTableStmt:
			{
				AlterTableStmt *at = (AlterTableStmt *) stmt;

				foreach(lc, at->cmds)
				{
					AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

					if (alter_table_cmd_subtype(cmd) == AT_AddConstraint &&
						IsA(cmd->def, Constraint))
					{
						Constraint *con = (Constraint *) cmd->def;

						if (con->skip_validation && con->conname)
							remember_name(st, LINT_NAME_NOT_VALID, NULL, con->conname, at->relation->relname);
						if (con->contype == CONSTR_CHECK)
							remember_check(st, at->relation->relname, con);
					}
					else if (alter_table_cmd_subtype(cmd) == AT_ValidateConstraint)
						remember_name(st, LINT_NAME_VALIDATED, NULL, cmd->name, at->relation->relname);
					else if (alter_table_cmd_subtype(cmd) == AT_DropConstraint)
						remember_name(st, LINT_NAME_DROPPED_CONSTRAINT, NULL, cmd->name,
									  at->relation->relname);
					else if (alter_table_cmd_subtype(cmd) == AT_ChangeOwner &&
							 lint_rolespec_name(cmd->newowner) != NULL)
						remember_name(st, LINT_NAME_OWNER_CHANGED, at->relation->schemaname,
									  at->relation->relname, lint_rolespec_name(cmd->newowner));
				}
				break;
			}
		case T_VariableSetStmt:
			{
				VariableSetStmt *v = (VariableSetStmt *) stmt;

				if (v->kind == VAR_SET_VALUE && v->args != NIL)
					track_setting(st, v->name, linitial(v->args), false);
				else if (v->kind == VAR_SET_DEFAULT || v->kind == VAR_RESET)
					track_setting(st, v->name, NULL, true);
				else if (v->kind == VAR_RESET_ALL)
				{
					st->lock_timeout_ms = timeout_reset_value("lock_timeout");
					st->statement_timeout_ms = timeout_reset_value("statement_timeout");
				}

				/*
				 * Settings that change what later statements mean: where
				 * names resolve, and whether timestamp <-> timestamptz
				 * rewrites.  Applied for real, at the GUC nest level that
				 * schemamig.lint() opened and unwinds when it returns.
				 */
				if (v->name &&
					(strcmp(v->name, "search_path") == 0 || strcmp(v->name, "timezone") == 0) &&
					(v->kind == VAR_SET_VALUE || v->kind == VAR_SET_DEFAULT || v->kind == VAR_RESET))
					(void) set_config_option(v->name,
											 v->kind == VAR_SET_VALUE ? ExtractSetVariableArgs(v) : NULL,
											 superuser() ? PGC_SUSET : PGC_USERSET, PGC_S_SESSION,
											 GUC_ACTION_SAVE, true, DEBUG1, false);
				break;
			}
		case T_SelectStmt:
			raw_expression_tree_walker(stmt, set_config_walker, st);
			/* SELECT ... INTO creates a table */
			if (((SelectStmt *) stmt)->intoClause)
			{
				RangeVar   *rel = ((SelectStmt *) stmt)->intoClause->rel;

				remember_name(st, LINT_NAME_RELATION, rel->schemaname, rel->relname, NULL);
			}
			break;
		default:
			break;
	}
}

/*
 * What a statement anywhere in the script says about the others, read
 * before the first one is judged (script mode): the relations a CREATE
 * POLICY names, for row-security-without-policy.
 */
void
lint_prescan_statement(LintState *st, Node *stmt)
{
	if (IsA(stmt, CreatePolicyStmt))
	{
		RangeVar   *rv = ((CreatePolicyStmt *) stmt)->table;
		LintName   *n = palloc0(sizeof(LintName));

		n->kind = LINT_NAME_RELATION;
		n->schema = rv->schemaname ? pstrdup(rv->schemaname) : NULL;
		n->name = pstrdup(rv->relname);
		st->policies = lappend(st->policies, n);
	}
}

/* ---- text helpers ---- */

