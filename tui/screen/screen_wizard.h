/* screen_wizard.h - the guided create wizard (`:create`, or `c` on the
 * groups screen): nine pages - account and region, name and sizing,
 * network, security, logs, best practices (forms over core's
 * stack_form), review (the plan with its exact API parameters, the
 * audit of the plan, the monthly cost, exports), apply (live progress of
 * core's stack_run engine) and summary (endpoints, the secret, the SSM
 * parameters, how to connect). Back and next keep what was typed; next
 * is refused while a page has an error; leaving before apply changes
 * nothing in AWS. */
#ifndef ELCUI_TUI_SCREEN_WIZARD_H
#define ELCUI_TUI_SCREEN_WIZARD_H

#include "tui/app.h"

struct screen *screen_wizard_new(struct app *a);
/* When an apply of this region did not finish (the journal says so), a
 * dialog over the wizard offers to resume it. Call once pushed. */
void screen_wizard_offer_resume(struct screen *s);

#endif
