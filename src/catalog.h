/*-------------------------------------------------------------------------
 *
 * catalog.h
 *		Reading and writing the schemamig catalogs through SPI.
 *
 * Catalog SQL runs as the extension owner with a pinned search_path
 * (catalog_enter/catalog_leave); migration scripts run as the caller with
 * the caller's own search_path.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_CATALOG_H
#define SCHEMAMIG_CATALOG_H

#include "nodes/execnodes.h"
#include "nodes/pg_list.h"
#include "utils/timestamp.h"

#include "script.h"

typedef struct MigrationState
{
	char	   *version;
	char	   *sort_key;		/* version_build_sort_key() of version, set
								 * by catalog_load_all() */
	int			sort_key_len;
	bool		registered;
	char	   *description;
	char	   *up_sql;			/* NULL unless loaded */
	char	   *down_sql;		/* NULL unless loaded, or none */
	char	   *checksum;		/* registered */
	char	   *current_checksum;	/* of the stored up script, recomputed */
	char	   *down_checksum;
	bool		transactional;
	bool		applied;
	char	   *applied_checksum;
	TimestampTz applied_at;
	double		duration_ms;
	bool		dirty;
	int			dirty_statement;	/* 0 when not recorded */
	bool		repeatable;		/* registered by register_repeatable(): src/repeatable.c */
} MigrationState;

typedef struct CatalogAccess
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
} CatalogAccess;

extern bool catalog_has_backfills(void);
extern void catalog_enter(CatalogAccess *access);
extern void catalog_leave(CatalogAccess *access);
extern List *catalog_load_all(bool with_scripts);
extern MigrationState *catalog_load_one(const char *version);
extern void catalog_put_invalid_indexes(ReturnSetInfo *rsinfo);
extern void catalog_put_registrations(ReturnSetInfo *rsinfo);
extern char *catalog_version_alias(const char *version);
extern char *catalog_highest_applied(void);
extern void catalog_insert_migration(const char *version, const char *description,
									 const char *up_sql, const char *down_sql,
									 const char *checksum, const char *down_checksum,
									 bool transactional);
extern void catalog_update_migration(const char *version, const char *description,
									 const char *up_sql, const char *down_sql,
									 const char *checksum, const char *down_checksum,
									 bool transactional);
extern void catalog_insert_applied(const char *version, const char *checksum,
								   double duration_ms);

/* how a migration ended: catalog_record_outcome() */
typedef enum MigrationOutcome
{
	MIGRATION_OUTCOME_APPLIED,
	MIGRATION_OUTCOME_ROLLED_BACK,
	MIGRATION_OUTCOME_RECOVERED,
	MIGRATION_OUTCOME_FAILED,
	MIGRATION_OUTCOME_FAILED_WITHOUT_EFFECT,
	MIGRATION_OUTCOME_CANCELLED,
	MIGRATION_OUTCOME_CANCELLED_WITHOUT_EFFECT
} MigrationOutcome;

extern void catalog_record_progress(const char *version, const char *checksum,
									int statement_done, double duration_ms);
extern void catalog_record_outcome(MigrationOutcome outcome, const char *version,
								   MigrationDirection direction, const char *checksum,
								   double duration_ms, int sqlerrcode,
								   const char *message, const char *detail_json);
extern void catalog_repair_applied(const char *version, const char *checksum);
extern void catalog_log_event(const char *level, const char *event,
							  const char *version, const char *direction,
							  double duration_ms, const char *sqlstate,
							  const char *message, const char *detail_json);

#endif							/* SCHEMAMIG_CATALOG_H */
