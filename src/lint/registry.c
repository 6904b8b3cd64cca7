/*-------------------------------------------------------------------------
 *
 * registry.c
 *		The rule table, expanded from rulelist.h, and add_finding(): the
 *		one way a rule reports a finding.
 *
 * Invariants:
 *	- a rule is named by its LintRuleId; its id, tier and destructiveness
 *	  come from the one line of rulelist.h;
 *	- add_finding() drops advisory findings unless the state asks for them,
 *	  destructive ones in down scripts, and a rule's second finding for the
 *	  same statement.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "lint/lint_internal.h"

typedef struct LintRuleDef
{
	const char *id;
	LintSeverity severity;
	bool		destructive;	/* off in down scripts */
} LintRuleDef;

#define PG_LINT_RULE(symbol, id, tier, class, destructive) \
	[symbol] = {id, LINT_##tier, destructive},

static const LintRuleDef lint_rule_defs[LINT_RULE_COUNT] = {
#include "lint/rulelist.h"
};

#undef PG_LINT_RULE

const char *
lint_rule_id(LintRuleId rule)
{
	return lint_rule_defs[rule].id;
}

/* is this the id of a rule?  (an allow comment may name anything) */
bool
lint_rule_known(const char *rule)
{
	int			i;

	for (i = 0; i < LINT_RULE_COUNT; i++)
		if (strcmp(lint_rule_defs[i].id, rule) == 0)
			return true;
	return false;
}

/* is this the id of a rule that is off in down scripts?  (false if unknown) */
bool
lint_rule_is_destructive(const char *rule)
{
	int			i;

	for (i = 0; i < LINT_RULE_COUNT; i++)
		if (strcmp(lint_rule_defs[i].id, rule) == 0)
			return lint_rule_defs[i].destructive;
	return false;
}

const char *
lint_severity_name(LintSeverity severity)
{
	return severity == LINT_SAFETY ? "safety" : "advisory";
}

/* is s one of the strings of a NULL-terminated array? */
bool
lint_string_in(const char *s, const char *const *strings)
{
	for (; *strings != NULL; strings++)
		if (strcmp(*strings, s) == 0)
			return true;
	return false;
}

bool
findings_have_rule(LintState *st, LintRuleId rule)
{
	ListCell   *lc;

	foreach(lc, st->findings)
		if (((LintFinding *) lfirst(lc))->rule == lint_rule_defs[rule].id)
			return true;
	return false;
}

void
add_finding(LintState *st, LintRuleId rule, const char *hint, const char *fmt,...)
{
	const LintRuleDef *def = &lint_rule_defs[rule];
	LintFinding *f;
	StringInfoData buf;

	if (def->severity == LINT_ADVISORY && !st->advisory)
		return;
	if (def->destructive && st->down)
		return;
	if (findings_have_rule(st, rule))
		return;					/* one finding per rule and statement */

	initStringInfo(&buf);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	f = palloc0(sizeof(LintFinding));
	f->rule = def->id;
	f->severity = def->severity;
	f->message = buf.data;
	f->hint = pstrdup(hint);
	st->findings = lappend(st->findings, f);
}
