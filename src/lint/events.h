/*-------------------------------------------------------------------------
 *
 * events.h
 *		The linter's event queue and drift (events.c), for the hooks.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCHEMAMIG_LINT_EVENTS_H
#define SCHEMAMIG_LINT_EVENTS_H

#include "nodes/pg_list.h"

/* an event to write once its statement has run */
typedef struct PendingEvent
{
	char	   *level;
	char	   *event;
	char	   *message;
	char	   *detail;
} PendingEvent;

extern bool lint_writing_events;

extern bool lint_extension_installed(void);
extern void lint_record_event(const char *level, const char *event, const char *message,
							  const char *detail_json);
extern List *queue_event(List *queue, const char *level, const char *event,
						 const char *message, const char *detail_json);
extern void forget_events(List *queue);
extern void record_events(List *queue);
extern void drift_note(PendingEvent *event, Oid new_relid, bool only_new);

#endif							/* SCHEMAMIG_LINT_EVENTS_H */
