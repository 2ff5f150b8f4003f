/* screen_logs_rec.h - one log record in full (the log panel's e/Enter):
 * every field as pretty JSON, escaped to plain ASCII, scrolled as a
 * pager. */
#ifndef ELCUI_TUI_SCREEN_LOGS_REC_H
#define ELCUI_TUI_SCREEN_LOGS_REC_H

#include "tui/app.h"

/* title and text (lines separated by '\n') are copied. */
struct screen *screen_logs_rec_new(struct app *a, const char *title, const char *text);

#endif
