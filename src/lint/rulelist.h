/*-------------------------------------------------------------------------
 *
 * rulelist.h
 *		Every rule of the safety linter, one line each: the only place a
 *		rule id is spelled in the source.
 *
 * Like PostgreSQL's src/include/tcop/cmdtaglist.h, this file has no include
 * guard: it is included where PG_LINT_RULE is defined, and expands into
 * the LintRuleId enum (lint.h) and the rule table (registry.c).  Rules raise
 * findings through the enum, so a misspelt rule does not compile.
 *
 * Columns:
 *	symbol	the enum member the rules pass to add_finding()
 *	id		the id users see, in findings and "schemamig:allow" comments
 *			(doc/lint-rules.md describes each)
 *	tier	SAFETY (blocks in error mode) or ADVISORY (only with
 *			schemamig.lint_advisory; never blocks)
 *	class	the statement family, which names the file that raises it:
 *			ALTER_TABLE rules_alter_table.c, INDEX rules_index.c (also
 *			rebuilds: REINDEX, REFRESH, VACUUM FULL, CLUSTER), DROP_RENAME
 *			rules_drop.c, DML rules_dml.c, CREATE rules_create.c (also types
 *			and domains), TRANSACTION rules_transaction.c (locks and
 *			transactions across statements), SEQUENCE rules_sequence.c
 *			(ALTER SEQUENCE, identity RESTART), TEXT text.c (the statement's
 *			text), ANY (robust_stmts(), for every family)
 *	destructive	true: off in down scripts (marked D in doc/lint-rules.md)
 *
 * The order is that of doc/lint-rules.md; it is not visible to users.
 *
 *-------------------------------------------------------------------------
 */

/* symbol, id, tier, class, destructive */
PG_LINT_RULE(LINT_RULE_REQUIRE_CONCURRENT_INDEX_CREATION, "require-concurrent-index-creation", SAFETY, INDEX, false)
PG_LINT_RULE(LINT_RULE_REQUIRE_CONCURRENT_INDEX_DELETION, "require-concurrent-index-deletion", SAFETY, INDEX, false)
PG_LINT_RULE(LINT_RULE_REQUIRE_CONCURRENT_REINDEX, "require-concurrent-reindex", SAFETY, INDEX, false)
PG_LINT_RULE(LINT_RULE_REQUIRE_CONCURRENT_PARTITION_DETACH, "require-concurrent-partition-detach", SAFETY, ALTER_TABLE, false)
PG_LINT_RULE(LINT_RULE_PARTITION_SCAN, "partition-scan", SAFETY, ALTER_TABLE, false)
PG_LINT_RULE(LINT_RULE_REQUIRE_CONCURRENT_REFRESH, "require-concurrent-refresh", SAFETY, INDEX, false)
PG_LINT_RULE(LINT_RULE_CONSTRAINT_MISSING_NOT_VALID, "constraint-missing-not-valid", SAFETY, ALTER_TABLE, false)
PG_LINT_RULE(LINT_RULE_ADDING_FOREIGN_KEY_CONSTRAINT, "adding-foreign-key-constraint", SAFETY, ALTER_TABLE, false)
PG_LINT_RULE(LINT_RULE_DISALLOWED_UNIQUE_CONSTRAINT, "disallowed-unique-constraint", SAFETY, ALTER_TABLE, false)
PG_LINT_RULE(LINT_RULE_ADDING_SERIAL_PRIMARY_KEY_FIELD, "adding-serial-primary-key-field", SAFETY, ALTER_TABLE, false)
PG_LINT_RULE(LINT_RULE_ADDING_EXCLUSION_CONSTRAINT, "adding-exclusion-constraint", SAFETY, ALTER_TABLE, false)
PG_LINT_RULE(LINT_RULE_ADDING_FIELD_WITH_DEFAULT, "adding-field-with-default", SAFETY, ALTER_TABLE, false)
PG_LINT_RULE(LINT_RULE_CHANGING_COLUMN_TYPE, "changing-column-type", SAFETY, ALTER_TABLE, false)
PG_LINT_RULE(LINT_RULE_ADDING_NOT_NULLABLE_FIELD, "adding-not-nullable-field", SAFETY, ALTER_TABLE, false)
PG_LINT_RULE(LINT_RULE_ALTER_TABLE_REWRITE, "alter-table-rewrite", SAFETY, ALTER_TABLE, false)
PG_LINT_RULE(LINT_RULE_PREFER_REPACK, "prefer-repack", SAFETY, INDEX, false)
PG_LINT_RULE(LINT_RULE_BAN_LOCK_TABLE, "ban-lock-table", SAFETY, TRANSACTION, false)
PG_LINT_RULE(LINT_RULE_BAN_ALTER_DOMAIN_WITH_ADD_CONSTRAINT, "ban-alter-domain-with-add-constraint", SAFETY, CREATE, false)
PG_LINT_RULE(LINT_RULE_BAN_CREATE_RULE, "ban-create-rule", SAFETY, CREATE, false)
PG_LINT_RULE(LINT_RULE_RESTARTING_SEQUENCE, "restarting-sequence", SAFETY, SEQUENCE, false)
PG_LINT_RULE(LINT_RULE_ADDING_IDENTITY_TO_EXISTING_COLUMN, "adding-identity-to-existing-column", SAFETY, SEQUENCE, false)
PG_LINT_RULE(LINT_RULE_ROW_SECURITY_WITHOUT_POLICY, "row-security-without-policy", SAFETY, ALTER_TABLE, false)
PG_LINT_RULE(LINT_RULE_EXCLUSIVE_LOCK_HELD_ACROSS_STATEMENTS, "exclusive-lock-held-across-statements", SAFETY, TRANSACTION, false)
PG_LINT_RULE(LINT_RULE_REQUIRE_LOCK_TIMEOUT, "require-lock-timeout", SAFETY, TRANSACTION, false)
PG_LINT_RULE(LINT_RULE_ADDING_REQUIRED_FIELD, "adding-required-field", SAFETY, ALTER_TABLE, false)
PG_LINT_RULE(LINT_RULE_BAN_DROP_COLUMN, "ban-drop-column", SAFETY, ALTER_TABLE, true)
PG_LINT_RULE(LINT_RULE_BAN_DROP_TABLE, "ban-drop-table", SAFETY, DROP_RENAME, true)
PG_LINT_RULE(LINT_RULE_BAN_DROP_DATABASE, "ban-drop-database", SAFETY, DROP_RENAME, true)
PG_LINT_RULE(LINT_RULE_DROP_EXTENSION_WITH_HISTORY, "drop-extension-with-history", SAFETY, DROP_RENAME, true)
PG_LINT_RULE(LINT_RULE_BAN_DROP_SCHEMA, "ban-drop-schema", SAFETY, DROP_RENAME, true)
PG_LINT_RULE(LINT_RULE_RENAMING_COLUMN, "renaming-column", SAFETY, DROP_RENAME, true)
PG_LINT_RULE(LINT_RULE_RENAMING_TABLE, "renaming-table", SAFETY, DROP_RENAME, true)
PG_LINT_RULE(LINT_RULE_RENAMING_ENUM_VALUE, "renaming-enum-value", SAFETY, DROP_RENAME, true)
PG_LINT_RULE(LINT_RULE_BAN_DROP_NOT_NULL, "ban-drop-not-null", SAFETY, ALTER_TABLE, true)
PG_LINT_RULE(LINT_RULE_BAN_DROP_CONSTRAINT_CASCADE, "ban-drop-constraint-cascade", SAFETY, ALTER_TABLE, true)
PG_LINT_RULE(LINT_RULE_BAN_TRUNCATE, "ban-truncate", SAFETY, DROP_RENAME, true)
PG_LINT_RULE(LINT_RULE_BAN_TRUNCATE_CASCADE, "ban-truncate-cascade", SAFETY, DROP_RENAME, true)
PG_LINT_RULE(LINT_RULE_REQUIRE_WHERE_CLAUSE, "require-where-clause", SAFETY, DML, true)
PG_LINT_RULE(LINT_RULE_BAN_CONCURRENT_INDEX_CREATION_IN_TRANSACTION, "ban-concurrent-index-creation-in-transaction", SAFETY, TRANSACTION, false)
PG_LINT_RULE(LINT_RULE_TRANSACTION_NESTING, "transaction-nesting", SAFETY, TRANSACTION, false)
PG_LINT_RULE(LINT_RULE_BAN_UNCOMMITTED_TRANSACTION, "ban-uncommitted-transaction", SAFETY, TRANSACTION, false)
PG_LINT_RULE(LINT_RULE_REQUIRE_STATEMENT_TIMEOUT, "require-statement-timeout", ADVISORY, TRANSACTION, false)
PG_LINT_RULE(LINT_RULE_PREFER_ROBUST_STMTS, "prefer-robust-stmts", ADVISORY, ANY, false)
PG_LINT_RULE(LINT_RULE_PREFER_BIGINT_OVER_INT, "prefer-bigint-over-int", ADVISORY, CREATE, false)
PG_LINT_RULE(LINT_RULE_PREFER_BIGINT_OVER_SMALLINT, "prefer-bigint-over-smallint", ADVISORY, CREATE, false)
PG_LINT_RULE(LINT_RULE_PREFER_IDENTITY, "prefer-identity", ADVISORY, CREATE, false)
PG_LINT_RULE(LINT_RULE_PREFER_TEXT_FIELD, "prefer-text-field", ADVISORY, CREATE, false)
PG_LINT_RULE(LINT_RULE_PREFER_TIMESTAMPTZ, "prefer-timestamptz", ADVISORY, CREATE, false)
PG_LINT_RULE(LINT_RULE_BAN_CHAR_FIELD, "ban-char-field", ADVISORY, CREATE, false)
PG_LINT_RULE(LINT_RULE_PREFER_JSONB, "prefer-jsonb", ADVISORY, CREATE, false)
PG_LINT_RULE(LINT_RULE_BAN_CREATE_DOMAIN_WITH_CONSTRAINT, "ban-create-domain-with-constraint", ADVISORY, CREATE, false)
PG_LINT_RULE(LINT_RULE_IDENTIFIER_TOO_LONG, "identifier-too-long", ADVISORY, TEXT, false)
PG_LINT_RULE(LINT_RULE_REQUIRE_ENUM_VALUE_ORDERING, "require-enum-value-ordering", ADVISORY, DROP_RENAME, false)
PG_LINT_RULE(LINT_RULE_BAN_DUPLICATE_COLUMN_ASSIGNMENTS, "ban-duplicate-column-assignments", ADVISORY, DML, false)
