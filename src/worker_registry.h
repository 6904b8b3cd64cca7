/*-------------------------------------------------------------------------
 *
 * worker_registry.h
 *		Which backend is the schemamig worker (worker_registry.c).
 *
 * The dependency goes one way: jobs.c (to wake the worker), worker.c
 * (start_worker()), migration_lock.c (to say who holds the lock) and the
 * SQL API ask this module; it asks nothing of them, only the server's
 * background worker registry and pg_stat_activity.
 *
 * A worker says what it is doing in its application_name ("schemamig job
 * 12: migration 0002 (up)"), so that pg_stat_activity shows it to
 * operators and a session of another database can name it
 * (database_commands.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_WORKER_REGISTRY_H
#define SCHEMAMIG_WORKER_REGISTRY_H

/* backend_type of the workers in pg_stat_activity */
#define SCHEMAMIG_WORKER_TYPE		"schemamig worker"
#define SCHEMAMIG_LAUNCHER_TYPE		"schemamig launcher"

extern bool worker_registry_is_worker(int pid);
extern int	worker_registry_database_worker_pid(void);

/* what the worker is doing, shown as its application_name (NULL: idle) */
extern void worker_registry_report_doing(const char *doing);
/* the worker connected to database dbid: its pid (0: none) and doing */
extern int	worker_registry_worker_of_database(Oid dbid, char **doing);

#endif							/* SCHEMAMIG_WORKER_REGISTRY_H */
