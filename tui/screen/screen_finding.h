/* screen_finding.h - one audit result in full: the rule, its Checkov and
 * Security Hub ids, what was seen and the fix, wrapped to the terminal. */
#ifndef ELCUI_TUI_SCREEN_FINDING_H
#define ELCUI_TUI_SCREEN_FINDING_H

#include "core/stack/audit.h"
#include "tui/app.h"

/* The result is copied. */
struct screen *screen_finding_new(struct app *a, const char *rg_id, const struct audit_result *r);

#endif
