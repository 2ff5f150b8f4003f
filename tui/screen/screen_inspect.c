/* screen_inspect.c - open a group's inspection screens (see screen_inspect.h). */
#include "tui/screen/screen_inspect.h"

#include <string.h>

#include "tui/screen/screen_audit.h"
#include "tui/screen/screen_events.h"
#include "tui/screen/screen_keys.h"
#include "tui/screen/screen_metrics.h"
#include "tui/screen/screen_snapshot.h"

static const char *screen_inspect_name(int req)
{
    switch (req) {
    case REQ_EVENTS:
        return "events";
    case REQ_METRICS:
        return "metrics";
    case REQ_AUDIT:
        return "audit";
    case REQ_KEY_POLICY:
        return "keys";
    case REQ_SNAPSHOT:
        return "snapshot";
    default:
        return NULL;
    }
}

int screen_inspect_request(struct app *a, int req, const char *rg_id)
{
    const char *name = screen_inspect_name(req);
    if (!name)
        return APP_IGNORED;
    if (!rg_id || !*rg_id) {
        app_message(a, THEME_ERROR, "%s needs a group: select one first, or :%s NAME", name,
                    req == REQ_KEY_POLICY ? "keys" : name);
        return APP_REDRAW;
    }
    /* already open for this group (a snapshot is written again each time) */
    struct screen *open = req == REQ_SNAPSHOT ? NULL : app_find(a, name);
    if (open && open->ops->group && open->ops->group(open) &&
        strcmp(open->ops->group(open), rg_id) == 0) {
        app_raise(a, open);
        return APP_REDRAW;
    }
    struct screen *s = NULL;
    switch (req) {
    case REQ_EVENTS:
        s = screen_events_new(a, rg_id);
        break;
    case REQ_METRICS:
        s = screen_metrics_new(a, rg_id);
        break;
    case REQ_AUDIT:
        s = screen_audit_new(a, rg_id);
        break;
    case REQ_KEY_POLICY:
        s = screen_keys_new(a, rg_id);
        break;
    default:
        s = screen_snapshot_new(a, rg_id);
        break;
    }
    app_push(a, s);
    return APP_REDRAW;
}

int screen_inspect_command(struct app *a, int req, const char *arg)
{
    const char *rg = arg && *arg ? arg : app_current_group(a);
    if (!rg) {
        app_message(a, THEME_ERROR, ":%s needs a group: :%s NAME, or select one first",
                    req == REQ_KEY_POLICY ? "keys" : screen_inspect_name(req),
                    req == REQ_KEY_POLICY ? "keys" : screen_inspect_name(req));
        return -1;
    }
    screen_inspect_request(a, req, rg);
    return 0;
}
