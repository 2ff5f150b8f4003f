/* screen_confirm.h - a dialog that asks to type a name before a change
 * (turning read-only off, a failover, a destroy): the change runs only
 * when what was typed is exactly the name; Esc cancels. */
#ifndef ELCUI_TUI_SCREEN_CONFIRM_H
#define ELCUI_TUI_SCREEN_CONFIRM_H

#include "tui/app.h"

/* Called once confirmed, from the loop (never nested in it); the dialog
 * closes right after. */
typedef void (*screen_confirm_fn)(struct app *a, void *arg);

/* expect: the name to type (NULL or "": Enter alone confirms). title,
 * text and expect are copied; arg is the caller's. */
struct screen *screen_confirm_new(struct app *a, const char *title, const char *text,
                                  const char *expect, screen_confirm_fn fn, void *arg);

#endif
