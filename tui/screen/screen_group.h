/* screen_group.h - one replication group: facts, placement, risks, and its
 * nodes as a panel of their own. */
#ifndef ELCUI_TUI_SCREEN_GROUP_H
#define ELCUI_TUI_SCREEN_GROUP_H

#include "tui/app.h"

struct screen *screen_group_new(struct app *a, const char *rg_id);
/* The group of a group screen (NULL for another screen). */
const char *screen_group_id(struct screen *s);
/* The node selected in the nodes panel while it has the focus (its cache
 * cluster id), else NULL. */
const char *screen_group_selected_node(struct screen *s);
/* Give the nodes panel the focus (no-op for other screens). */
void screen_group_focus_nodes(struct screen *s);
/* For the failover dialog over it: the group's latest model (borrowed,
 * NULL until loaded or for other screens), and a refresh now. */
struct model_group *screen_group_model(struct screen *s);
void screen_group_refresh(struct screen *s);
/* The group a group screen shows (NULL for another screen). */
const char *screen_group_id(struct screen *s);

#endif
