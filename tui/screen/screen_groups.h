/* screen_groups.h - the console's home: the region's replication groups. */
#ifndef ELCUI_TUI_SCREEN_GROUPS_H
#define ELCUI_TUI_SCREEN_GROUPS_H

#include "tui/app.h"

struct screen *screen_groups_new(struct app *a);

#endif
