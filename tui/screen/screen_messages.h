/* screen_messages.h - :messages, every message and error of the session
 * in full, wrapped, newest last. */
#ifndef ELCUI_TUI_SCREEN_MESSAGES_H
#define ELCUI_TUI_SCREEN_MESSAGES_H

#include "tui/app.h"

struct screen *screen_messages_new(struct app *a);

#endif
