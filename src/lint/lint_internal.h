/*-------------------------------------------------------------------------
 *
 * lint_internal.h
 *		What the files of the linter share among themselves: the rule
 *		enum, findings, relations as the rules see them, catalog semantics
 *		and the names tracked in script mode.  Not for use outside src/lint/.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_LINT_INTERNAL_H
#define SCHEMAMIG_LINT_INTERNAL_H

#include "access/htup.h"
#include "catalog/pg_depend.h"
#include "storage/lockdefs.h"

#include "lint/lint.h"

#define PG_LINT_RULE(symbol, id, tier, class, destructive) symbol,

typedef enum LintRuleId
{
#include "lint/rulelist.h"
	LINT_RULE_COUNT
} LintRuleId;

#undef PG_LINT_RULE

/* ---- registry.c: findings ---- */

extern void add_finding(LintState *st, LintRuleId rule, const char *hint,
						const char *fmt,...) pg_attribute_printf(4, 5);
extern bool findings_have_rule(LintState *st, LintRuleId rule);
extern const char *lint_rule_id(LintRuleId rule);
extern bool lint_rule_known(const char *rule);
extern bool lint_string_in(const char *s, const char *const *strings);

/* ---- relations.c: relations as the rules see them, and their locks ---- */

typedef enum LintRelKind
{
	LINT_REL_MISSING,			/* not in the catalog, not created by the
								 * script */
	LINT_REL_NEW,				/* created in this transaction or script */
	LINT_REL_TEMP,				/* temporary */
	LINT_REL_EXISTING			/* pre-existing */
} LintRelKind;

typedef struct LintRel
{
	LintRelKind kind;
	Oid			relid;
	char		relkind;
	const char *name;
} LintRel;

extern LintRel lookup_oid(LintState *st, Oid relid, const char *name);
extern LintRel lookup_rangevar(LintState *st, RangeVar *rv);
extern LintRel lookup_names(LintState *st, List *names);
extern LintRel lookup_index_table(LintState *st, List *names, bool *index_new);
extern LintRel lint_rel_everything(const char *what);
extern bool rel_preexisting(LintState *st, LintRel *r);
extern void note_lock(LintState *st, LintRel *r, LOCKMODE mode);
extern void lint_relation_lock(LintState *st, RangeVar *rv, LOCKMODE mode);
extern const char *lock_mode_name(LOCKMODE mode);
extern const char *lock_mode_article(LOCKMODE mode);
extern const char *lock_blocks(LOCKMODE mode);

/* ---- rules_drop.c: what depends on an object, from pg_depend ---- */

/* a column found by a visitor: its table's name and its own */
typedef struct FoundColumn
{
	const char *relname;
	char	   *colname;
} FoundColumn;

typedef bool (*DependentVisitor) (LintState *st, Form_pg_depend d, void *arg);

extern bool scan_dependents(LintState *st, Oid refclassid, Oid refobjid,
							DependentVisitor visit, void *arg);

/* ---- created.c: created in this transaction, by creation ---- */

extern bool catalog_row_created_here(HeapTuple tup, Oid classid, Oid objid);

/* ---- semantics.c: what the server will do, read from the catalog ---- */

extern AttrNumber column_attnum(LintRel *r, const char *colname);
extern bool column_not_null(LintRel *r, AttrNumber attnum);
extern bool not_null_implied(LintState *st, LintRel *r, const char *colname);
extern bool column_has_check(LintRel *r, AttrNumber attnum);
extern bool type_change_rewrites(LintRel *r, AttrNumber attnum, TypeName *typeName,
								 Node *using_expr, const char *colname, bool *known);
extern bool lint_partition_default_scan(LintState *st, LintRel *parent, bool is_default, const char *what);
extern bool type_change_rebuilds_index(LintRel *r, AttrNumber attnum, ColumnDef *def);
extern const char *type_base_name(TypeName *tn);
extern bool type_is_serial(TypeName *tn);
extern bool type_is_constrained_domain(LintState *st, TypeName *tn);
extern bool type_is_new(LintState *st, List *names);
extern bool raw_expr_volatile(LintState *st, Node *expr);
extern bool constraint_added_in_transaction(LintState *st, LintRel *r, const char *conname);

/* ---- track.c: names remembered in script mode ---- */

typedef enum LintNameKind
{
	LINT_NAME_RELATION = 'r',
	LINT_NAME_INDEX = 'i',
	LINT_NAME_TYPE = 't',
	LINT_NAME_SCHEMA = 'n',
	LINT_NAME_NOT_VALID = 'c',	/* constraint added NOT VALID; owner: its
								 * relation */
	LINT_NAME_CONSTRAINED_DOMAIN = 'd',
	LINT_NAME_VALIDATED = 'v',	/* constraint validated */
	LINT_NAME_ADDED_COLUMN = 'a',
	LINT_NAME_REASSIGNED_ROLE = 'o',	/* REASSIGN OWNED BY: owns nothing here
									 * any more */
	LINT_NAME_OWNER_CHANGED = 'w',	/* ALTER TABLE ... OWNER TO; owner: the
									 * new owner */
	LINT_NAME_DROPPED_CONSTRAINT = 'x',	/* owner: its relation */
	LINT_NAME_VOLATILE_FUNCTION = 'f'	/* created without IMMUTABLE or
										 * STABLE */
} LintNameKind;

typedef struct LintName
{
	LintNameKind kind;
	char	   *schema;			/* NULL when not written */
	char	   *name;
	char	   *owner;			/* constraints and columns: the relation */
} LintName;

typedef struct LintCheck
{
	char	   *relation;
	char	   *name;			/* NULL when unnamed */
	Node	   *expr;			/* raw expression */
	bool		valid;
} LintCheck;

typedef struct LintIndex
{
	char	   *name;
	char	   *relation;
	List	   *columns;		/* of char * (NULL for expressions) */
} LintIndex;

extern bool name_in(List *names, LintNameKind kind, const char *schema,
					const char *name, const char *owner);
extern bool column_is_new(LintState *st, LintRel *r, const char *colname);

/* ---- the rules, by statement family (rules_*.c) ---- */

extern void robust_stmts(LintState *st, bool robust, const char *hint, const char *message);
extern void ban_concurrent_in_transaction(LintState *st, const char *command);
extern void lint_column_type_advice(LintState *st, TypeName *tn, const char *colname);

extern void lint_alter_table(LintState *st, AlterTableStmt *stmt);
extern void lint_index_stmt(LintState *st, IndexStmt *stmt);
extern void lint_reindex_stmt(LintState *st, ReindexStmt *stmt);
extern void lint_refresh_stmt(LintState *st, RefreshMatViewStmt *stmt);
extern void lint_vacuum_stmt(LintState *st, VacuumStmt *stmt);
extern void lint_repack(LintState *st, RangeVar *rv, const char *what);
extern void lint_drop_stmt(LintState *st, DropStmt *stmt);
extern const char *dependent_column(LintState *st, Oid classid, Oid objid, char **colname);
extern void lint_dropdb_stmt(LintState *st, DropdbStmt *stmt);
extern void lint_drop_owned_stmt(LintState *st, DropOwnedStmt *stmt);
extern const char *lint_rolespec_name(RoleSpec *rs);
extern void lint_truncate_stmt(LintState *st, TruncateStmt *stmt);
extern void lint_rename_stmt(LintState *st, RenameStmt *stmt);
extern void lint_object_schema_stmt(LintState *st, AlterObjectSchemaStmt *stmt);
extern void lint_alter_enum(LintState *st, AlterEnumStmt *stmt);
extern void lint_create_stmt(LintState *st, CreateStmt *stmt);
extern void lint_create_domain(LintState *st, CreateDomainStmt *stmt);
extern void lint_alter_domain(LintState *st, AlterDomainStmt *stmt);
extern void lint_create_rule(LintState *st, RuleStmt *stmt);
extern void lint_alter_table_move_all(LintState *st, AlterTableMoveAllStmt *stmt);
extern void lint_alter_sequence(LintState *st, AlterSeqStmt *stmt);
extern void lint_identity_restart(LintState *st, LintRel *table, const char *colname, List *options);
extern void lint_identity_added(LintState *st, LintRel *table, const char *colname, List *options);
extern void lint_setval(LintState *st, Oid seq, int64 value, bool is_called);
extern void lint_raw_setval(LintState *st, SelectStmt *sel);
extern void lint_query_setval(LintState *st, Query *q);
extern void lint_raw_dml(LintState *st, Node *stmt);
extern List *lint_inner_statements(LintState *st, Node *stmt);
extern void lint_query_dml(LintState *st, Query *q);
extern void lint_rule_action(LintState *st, const char *rulename, Node *action);
extern void lint_lock_stmt(LintState *st, LockStmt *stmt);
extern void lint_transaction_stmt(LintState *st, TransactionStmt *stmt);
extern void lint_lock_rules(LintState *st, Node *stmt);
extern void lint_exclusive_lock_held(LintState *st);

#endif							/* SCHEMAMIG_LINT_INTERNAL_H */
