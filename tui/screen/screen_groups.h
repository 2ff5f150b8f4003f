/* screen_groups.h - the console's home: the region's replication groups. */
#ifndef ELCUI_TUI_SCREEN_GROUPS_H
#define ELCUI_TUI_SCREEN_GROUPS_H

#include "tui/app.h"

struct screen *screen_groups_new(struct app *a);
/* The id of the selected group of a groups screen, or NULL (also for a
 * screen that is not the groups screen). */
const char *screen_groups_selected(struct screen *s);

#endif
