/* screen_latency.h - latency per node of a group (`:latency`, `L` on the
 * groups and group screens): every node PINGed continuously (core/redis/
 * latency.h), one window per second; a sortable table with each node's
 * last window (min/avg/max/p99 in ms, samples, errors, its wall-clock
 * stamp) and a sparkline of its recent windows, and under it the selected
 * node's windows one per line with their stamps, like redis-cli
 * --latency-history. A node that stops answering shows its timeouts while
 * the others keep being measured. */
#ifndef ELCUI_TUI_SCREEN_LATENCY_H
#define ELCUI_TUI_SCREEN_LATENCY_H

#include "tui/app.h"

struct screen *screen_latency_new(struct app *a, const char *rg_id);

#endif
