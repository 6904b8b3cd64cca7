/*-------------------------------------------------------------------------
 *
 * script.h
 *		Migration scripts read with the server's parser: a script's
 *		statements, a chunk at a time, and which must leave the transaction
 *		block.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_SCRIPT_H
#define SCHEMAMIG_SCRIPT_H

#include "nodes/nodes.h"
#include "nodes/pg_list.h"

typedef enum MigrationDirection
{
	MIGRATION_UP,
	MIGRATION_DOWN
} MigrationDirection;

extern const char *direction_name(MigrationDirection direction);

struct BackfillDirective;		/* backfill.h */

typedef struct ScriptStatement
{
	int			number;			/* 1-based position in the script */
	int			line;			/* line of the statement's first token */
	char	   *text;			/* statement, with the comments before it */
	Node	   *parsetree;		/* raw parse tree */
	const char *top_level_only; /* why it cannot run in a transaction
								 * block, or NULL */
	struct BackfillDirective *batch;	/* "-- schemamig:batch" before it,
										 * or NULL */
} ScriptStatement;

typedef struct Script
{
	List	   *statements;		/* of ScriptStatement * */
	const char *top_level_only; /* first statement's reason, or NULL */
	int			top_level_statement;	/* its number, or 0 */
	int			batch_statement;	/* first batched statement, or 0 */
	int			statement_count;
} Script;

typedef struct ScriptReader ScriptReader;

extern void script_check_text(const char *sql, const char *version,
							  MigrationDirection direction);
extern Script *script_split(const char *sql, const char *version,
							MigrationDirection direction);
extern Script *script_scan(const char *sql, const char *version,
						   MigrationDirection direction);
extern ScriptReader *script_open(const char *sql, const char *version,
								 MigrationDirection direction,
								 bool migration, bool keep);
extern ScriptStatement *script_next(ScriptReader *reader);
extern void script_rewind(ScriptReader *reader);
extern void script_close(ScriptReader *reader);
extern const char *script_top_level_only(Node *stmt);
extern bool script_option_is_true(List *options, const char *name, bool if_absent);
extern int	script_first_token_offset(const char *sql, int offset);
extern int	script_statement_start(const char *sql, int location);
extern int	script_line_of_offset(const char *sql, int offset);
extern int	script_line_of_offset_from(const char *sql, int offset,
									   int *from_offset, int *from_line);

#endif							/* SCHEMAMIG_SCRIPT_H */
