/* screen_logs_sum.h - the log panel's slow-log summary (t): by command
 * name, or by command and node (p): count, p50, p99 and the largest
 * duration, the total time, the top five client addresses and the nodes;
 * sortable by any column (s, S); built again as records arrive, over what
 * the panel shows (its window, streams and filters). */
#ifndef ELCUI_TUI_SCREEN_LOGS_SUM_H
#define ELCUI_TUI_SCREEN_LOGS_SUM_H

#include <stdint.h>

#include "core/logs/logstore.h"
#include "tui/app.h"

/* store must outlive the screen (the panel closes it first); backref is
 * set to NULL when the screen goes. context: "app-4, window 5m since
 * ...". Durations from warn_us / error_us are coloured. */
struct screen *screen_logs_sum_new(struct app *a, struct logstore *store,
                                   const struct logstore_filter *f, const char *context,
                                   int64_t warn_us, int64_t error_us, struct screen **backref);

#endif
