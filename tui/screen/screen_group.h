/* screen_group.h - one replication group: facts, placement, risks, nodes. */
#ifndef ELCUI_TUI_SCREEN_GROUP_H
#define ELCUI_TUI_SCREEN_GROUP_H

#include "tui/app.h"

struct screen *screen_group_new(struct app *a, const char *rg_id);

#endif
