/* screen_metrics.h - a group's nodes with sparklines of their metrics. */
#ifndef ELCUI_TUI_SCREEN_METRICS_H
#define ELCUI_TUI_SCREEN_METRICS_H

#include "tui/app.h"

struct screen *screen_metrics_new(struct app *a, const char *rg_id);

#endif
