/* screen_help.h - `?`: the keys of the screen below, as the keymap has
 * them now (rebindings included; write keys greyed when read-only), then
 * the `:` commands and the editing keys of fields. */
#ifndef ELCUI_TUI_SCREEN_HELP_H
#define ELCUI_TUI_SCREEN_HELP_H

#include "tui/app.h"

/* for_screen: the ops name of the screen whose keys are listed. */
struct screen *screen_help_new(struct app *a, const char *for_screen);

#endif
