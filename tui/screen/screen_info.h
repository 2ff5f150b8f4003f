/* screen_info.h - the context screen (:context, `i`): every setting elcui
 * runs with and where each one comes from. */
#ifndef ELCUI_TUI_SCREEN_INFO_H
#define ELCUI_TUI_SCREEN_INFO_H

#include "tui/app.h"

struct screen *screen_info_new(struct app *a);

#endif
