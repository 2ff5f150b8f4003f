/* screen_logs.h - the log panel: a group's slow log and engine log, live.
 *
 * The records come from a log feed (core/logs/logfeed.h) into a record
 * store (core/logs/logstore.h), both in core; the panel draws only the rows
 * on screen. Every panel of the session shares one FilterLogEvents request
 * budget ([logs] rate); closing a panel stops its requests.
 *
 * Screens on top of it: the slow-log summary (t, "log-summary"), one
 * record in full (e/Enter, "log-record"), the filters (f, "log-filters").
 */
#ifndef ELCUI_TUI_SCREEN_LOGS_H
#define ELCUI_TUI_SCREEN_LOGS_H

#include <stddef.h>
#include <stdint.h>

#include "tui/app.h"

/* What the panel opens scoped to (NULL fields: any). */
struct screen_logs_scope {
    const char *node; /* cache cluster id */
    const char *shard;
    const char *role;
    const char *az;
};

struct screen *screen_logs_new(struct app *a, const char *rg_id,
                               const struct screen_logs_scope *scope);

/* The last max records of the panel tailing rg_id (the topmost one), oldest
 * first, as the panel shows them: emit(ctx, time, source, text) per
 * record, the strings valid during the call. Returns how many; 0 when no
 * panel tails that group. For incident snapshots. */
size_t screen_logs_recent(struct app *a, const char *rg_id, size_t max,
                          void (*emit)(void *ctx, int64_t ts_ms, const char *source,
                                       const char *text),
                          void *ctx);

#endif
