/* screen_events.h - a group's failover timeline (events and observed role
 * changes, shard by shard). */
#ifndef ELCUI_TUI_SCREEN_EVENTS_H
#define ELCUI_TUI_SCREEN_EVENTS_H

#include "tui/app.h"

struct screen *screen_events_new(struct app *a, const char *rg_id);

#endif
