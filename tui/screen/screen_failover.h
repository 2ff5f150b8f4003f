/* screen_failover.h - the test-failover dialog over a group screen: pick a
 * shard, type its id, then its progress live. */
#ifndef ELCUI_TUI_SCREEN_FAILOVER_H
#define ELCUI_TUI_SCREEN_FAILOVER_H

#include "core/model/model.h"
#include "tui/app.h"

/* Over group (the group screen, refreshed while it runs) with the shards
 * of g (copied); shard: the one selected at first (NULL: the first).
 * NULL, with a message, while the shards are not known. */
struct screen *screen_failover_new(struct app *a, struct screen *group, const struct model_group *g,
                                   const char *shard);

#endif
