/* screen_snapshot.h - writes an incident snapshot of a group (core/snapshot.h)
 * and shows each section as it comes in, then where the files are. The log
 * records come from the log hook (app_set_log_source). */
#ifndef ELCUI_TUI_SCREEN_SNAPSHOT_H
#define ELCUI_TUI_SCREEN_SNAPSHOT_H

#include "tui/app.h"

struct screen *screen_snapshot_new(struct app *a, const char *rg_id);

#endif
