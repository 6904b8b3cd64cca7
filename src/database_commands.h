/*-------------------------------------------------------------------------
 *
 * database_commands.h
 *		The hook that names a schemamig worker running a job when
 *		DROP DATABASE and the like fail on it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_DATABASE_COMMANDS_H
#define SCHEMAMIG_DATABASE_COMMANDS_H

extern void database_commands_init(void);

#endif							/* SCHEMAMIG_DATABASE_COMMANDS_H */
