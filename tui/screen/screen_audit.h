/* screen_audit.h - a group's audit findings by severity. */
#ifndef ELCUI_TUI_SCREEN_AUDIT_H
#define ELCUI_TUI_SCREEN_AUDIT_H

#include "tui/app.h"

struct screen *screen_audit_new(struct app *a, const char *rg_id);

#endif
