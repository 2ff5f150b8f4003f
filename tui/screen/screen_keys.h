/* screen_keys.h - a group's KMS keys, their policies in words, whether
 * CloudWatch Logs may use them for exactly its log groups, and the log
 * groups' key, retention and delivery. */
#ifndef ELCUI_TUI_SCREEN_KEYS_H
#define ELCUI_TUI_SCREEN_KEYS_H

#include "tui/app.h"

struct screen *screen_keys_new(struct app *a, const char *rg_id);

#endif
