/* screen_destroy.h - the destroy dialog (`D` on the group screen of a
 * stack elcui made, or `:destroy NAME`): what the destroy deletes, in the
 * order it goes, and what it leaves alone and why; the stack's name typed
 * to confirm; then progress like the wizard's apply, on core's stack_run
 * engine. Refused (and its key hidden) in read-only. */
#ifndef ELCUI_TUI_SCREEN_DESTROY_H
#define ELCUI_TUI_SCREEN_DESTROY_H

#include "tui/app.h"

/* NULL (with a message) in read-only or for a name no stack can have. */
struct screen *screen_destroy_new(struct app *a, const char *stack);

#endif
