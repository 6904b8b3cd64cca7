/*-------------------------------------------------------------------------
 *
 * lint.h
 *		What the safety linter offers the rest of schemamig: the rule ids,
 *		a finding, the state the rules read, and the entry points used by
 *		the hooks (lint_hook.c) and schemamig.lint() (lint_api.c).
 *
 * The rules themselves are listed in rulelist.h; src/README.md maps every
 * part of the linter to its file.  The linter's SQLSTATEs are in
 * schemamig.h with the others.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_LINT_H
#define SCHEMAMIG_LINT_H

#include "nodes/parsenodes.h"

typedef enum LintMode
{
	LINT_MODE_OFF,
	LINT_MODE_WARNING,
	LINT_MODE_ERROR
} LintMode;

typedef enum LintScope
{
	LINT_SCOPE_MIGRATIONS,
	LINT_SCOPE_ALL
} LintScope;

/* GUCs, defined in lint_hook.c */
extern int	schemamig_lint_mode;
extern int	schemamig_lint_scope;
extern bool schemamig_lint_advisory;

extern void lint_hook_init(void);
/* lint_hook.c: act on the findings deferred to the end of a migration's script */
extern void lint_check_deferred(void);
extern void lint_created_init(void);

typedef enum LintSeverity
{
	LINT_SAFETY,
	LINT_ADVISORY
} LintSeverity;

typedef struct LintFinding
{
	const char *rule;			/* rule id, as in doc/lint-rules.md */
	LintSeverity severity;
	char	   *message;		/* which lock on which table, and why it hurts */
	char	   *hint;			/* the safe pattern */
} LintFinding;

typedef struct LintAllow
{
	char	   *rule;
	char	   *reason;			/* may be empty */
} LintAllow;

/*
 * What the rules know besides the statement.  In live mode (the hooks) the
 * catalog and the session are the truth: earlier statements have run.  In
 * script mode (schemamig.lint()) nothing runs, so what earlier statements
 * of the script created, set or locked is tracked here (track.c).
 */
typedef struct LintState
{
	bool		live;
	bool		down;			/* a down script: destructive rules are off */
	bool		advisory;		/* report advisory rules too */
	bool		in_transaction; /* statement shares a transaction with others */
	bool		in_transaction_block;	/* explicit block, or not top level */
	int			lock_timeout_ms;	/* script mode only */
	int			statement_timeout_ms;	/* script mode only */
	int			transaction_timeout_ms; /* script mode only; 17+ */
	List	   *created;		/* script mode: LintName * created earlier */
	List	   *validated;		/* script mode: LintName * constraints
								 * validated earlier */
	List	   *checks;			/* script mode: LintCheck * added earlier */
	List	   *indexes;		/* script mode: LintIndex * created earlier */
	MemoryContext track_context;	/* script mode: where lint_track_statement()
									 * keeps what it remembers */
	List	   *policies;		/* script mode: LintName * of the relations
								 * a CREATE POLICY of the script names,
								 * anywhere in the script */
	List	   *added_columns;	/* LintName * of columns added to
								 * pre-existing tables earlier in the script
								 * (live: in this transaction) */
	/* per transaction */
	List	   *exclusive;		/* names (script) or Oids (live) of
								 * pre-existing relations held ACCESS
								 * EXCLUSIVE */
	List	   *exclusive_oids;
	List	   *not_valid;		/* script mode: LintName * added NOT VALID */
	/* per statement, filled by lint_statement() */
	List	   *findings;		/* LintFinding * */
	bool		only_temporary; /* statement touches temporary objects only */
	bool		touched_relation;
	bool		touched_existing;	/* ... and a relation older than this
									 * transaction */
	Oid			new_relid;		/* a relation it touches that this
								 * transaction created (live) */
	bool		slow;			/* scans or rewrites, or runs DML */
	int			strongest_lock;
	char	   *strongest_lock_relation;
	List	   *exclusive_now;	/* pre-existing relations this statement
								 * locks ACCESS EXCLUSIVE (names) */
	List	   *exclusive_now_oids;
} LintState;

/* statement.c: the findings of one statement */
extern List *lint_statement(LintState *state, Node *stmt);
extern List *lint_query(LintState *state, Query *query);
extern bool lint_explain_executes(Node *stmt);

/* rules_sequence.c: may the hook's SELECT move a sequence (setval)? */
extern bool lint_query_calls_setval(Query *query);

/* rules_transaction.c: a script that ends inside BEGIN (lint() only) */
extern List *lint_script_end(LintState *state, int begin_line);

/* rules_alter_table.c: the hook's second look at row-security-without-policy */
extern bool lint_row_security_lacks_policy(Oid relid);
extern bool lint_finding_is_row_security(LintFinding *finding);

/* rules_drop.c: the hook's guard of the history (drop-extension-with-history) */
extern void lint_drop_extension(LintState *state, Node *stmt);

/* track.c: what a statement leaves behind for the next ones */
extern void lint_track_statement(LintState *state, Node *stmt);
extern void lint_reset_transaction(LintState *state);
extern void lint_prescan_statement(LintState *state, Node *stmt);

/* text.c: the statement's text */
extern void lint_identifiers(LintState *state, const char *text);
extern List *lint_parse_allows(const char *text, int len);
extern LintAllow *lint_find_allow(List *allows, const char *rule);
extern void lint_warn_unknown_allows(List *allows);

/* registry.c */
extern const char *lint_severity_name(LintSeverity severity);
extern bool lint_rule_is_destructive(const char *rule);

#endif							/* SCHEMAMIG_LINT_H */
