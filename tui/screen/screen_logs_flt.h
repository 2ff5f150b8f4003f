/* screen_logs_flt.h - the log panel's filters (f): node, shard, role, AZ,
 * level, minimum duration, command name, client address. Each field takes
 * text, or one of the values the group's model and the records held offer
 * (C-n / C-p); Enter applies them all, Esc leaves without a change. */
#ifndef ELCUI_TUI_SCREEN_LOGS_FLT_H
#define ELCUI_TUI_SCREEN_LOGS_FLT_H

#include "core/logs/logstore.h"
#include "core/model/model.h"
#include "tui/app.h"

typedef void (*screen_logs_flt_fn)(void *ctx, const struct logstore_filter *f);

/* cur: the filters in effect (copied); store and model (may be NULL) give
 * the values offered; apply runs on Enter with the new filters. backref is
 * set to NULL when the dialog goes. */
struct screen *screen_logs_flt_new(struct app *a, const struct logstore_filter *cur,
                                   const struct logstore *store, const struct model_group *model,
                                   screen_logs_flt_fn apply, void *ctx, struct screen **backref);

#endif
