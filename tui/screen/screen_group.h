/* screen_group.h - one replication group: facts, placement, risks, and its
 * nodes as a panel of their own. */
#ifndef ELCUI_TUI_SCREEN_GROUP_H
#define ELCUI_TUI_SCREEN_GROUP_H

#include "tui/app.h"

struct screen *screen_group_new(struct app *a, const char *rg_id);
/* Give the nodes panel the focus (no-op for other screens). */
void screen_group_focus_nodes(struct screen *s);
/* For the failover dialog over it: the group's latest model (borrowed,
 * NULL until loaded or for other screens), and a refresh now. */
struct model_group *screen_group_model(struct screen *s);
void screen_group_refresh(struct screen *s);

#endif
