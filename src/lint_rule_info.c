/*-------------------------------------------------------------------------
 *
 * lint_rule_info.c
 *		schemamig.lint_rule_destructive(rule): what a client needs to know
 *		about a rule to judge a script as schemamig will run it.
 *
 * The rules' table lives with the rules (lint_rules.c); this file only
 * answers for it at the SQL level, so that "schemamig lint --dir" can judge
 * down scripts as rollback runs them: the destructive rules do not apply
 * there (doc/lint.md, "Down scripts").
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "schemamig.h"

PG_FUNCTION_INFO_V1(schemamig_lint_rule_destructive);

Datum
schemamig_lint_rule_destructive(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(lint_rule_is_destructive(text_to_cstring(PG_GETARG_TEXT_PP(0))));
}
