/* screen_events.c - a group's failover timeline: the service's events for
 * the group and its member clusters (core/model/events.h) merged with the
 * role changes observed in the group's models (core/model/timeline.h),
 * shard by shard, newest first. Both are refreshed in the background; the
 * window keys choose how far back. */
#include "tui/screen/screen_events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awstime.h"
#include "aws/mem.h"
#include "core/config.h"
#include "core/model/events.h"
#include "core/model/inventory.h"
#include "core/model/timeline.h"
#include "core/redis/observe.h"
#include "tui/cmd/cmdout.h"
#include "tui/screen/screen_inspect.h"
#include "tui/widget/listview.h"

#define EV_DEFAULT_WINDOW_MS (3LL * 3600 * 1000)
#define EV_OBSERVE_EVERY_MS 5000 /* Redis's roles */

enum { COL_TIME, COL_SHARD, COL_WHAT, COL_SOURCE, COL_COUNT };

static const struct listview_col ev_cols[COL_COUNT] = {
    [COL_TIME] = {"TIME (UTC)", 0, 0, 100, 0},
    [COL_SHARD] = {"SHARD", 0, 0, 90, 0},
    [COL_WHAT] = {"WHAT HAPPENED", 24, 72, 80, 0},
    [COL_SOURCE] = {"SOURCE", 12, 0, 20, 0},
};

struct screen_events {
    char *rg_id;
    struct inventory *inv;
    struct observe *ob; /* Redis's roles: a failover shows within seconds */
    struct timeline_watch watch;
    struct events_req *req;
    struct events_result *ev; /* the last listing */
    struct loop_timer *timer;
    int64_t window_ms;
    int refresh_s;
    int64_t listed_ms; /* when the last listing completed */
    bool busy;
    char *error;
    struct listview lv;
    size_t n_failovers, n_roles, n_events;
    char title[400];
    char drawn_title[400];
};

static void ev_fetch(struct screen *s);

static void ev_fill(struct screen *s)
{
    struct screen_events *se = s->priv;
    struct model_group *g = inventory_group(se->inv);
    struct timeline *t = timeline_build(se->rg_id, se->ev, se->watch.facts, se->watch.n, g);
    int64_t from = app_now_ms(s->app) - se->window_ms;
    struct listview *lv = &se->lv;
    se->n_failovers = se->n_roles = se->n_events = 0;
    listview_begin(lv);
    for (size_t i = 0; i < t->n; i++) {
        const struct timeline_row *r = &t->rows[i];
        if (r->when_ms < from)
            continue;
        size_t row = listview_add(lv);
        /* milliseconds: events of one second still sort in their order */
        char when[40];
        awstime_format_iso8601(r->when_ms, when, sizeof(when));
        int role = THEME_NORMAL;
        if (r->kind == TIMELINE_ROLE) {
            role = THEME_PRIMARY;
            se->n_roles++;
        } else if (r->kind == TIMELINE_FAILOVER) {
            role = strstr(r->what, "failed")      ? THEME_ERROR
                   : strstr(r->what, "completed") ? THEME_OK
                                                  : THEME_WARNING;
            se->n_failovers++;
        } else {
            se->n_events++;
        }
        /* "2026-12-07T21:27:38.123Z" reads better with a space */
        char *tpos = strchr(when, 'T');
        if (tpos)
            *tpos = ' ';
        listview_set(lv, row, COL_TIME, THEME_DIM, "%s", when);
        listview_set(lv, row, COL_SHARD, r->shard[0] ? THEME_NORMAL : THEME_DIM, "%s",
                     r->shard[0] ? r->shard : "group");
        listview_set(lv, row, COL_WHAT, role, "%s", r->what);
        listview_set(lv, row, COL_SOURCE, r->kind == TIMELINE_ROLE ? THEME_PRIMARY : THEME_DIM,
                     "%s", r->source);
    }
    listview_end(lv);
    timeline_free(t);
}

static void ev_on_events(struct events_result *out, const struct aws_error *err, void *arg)
{
    struct screen *s = arg;
    struct screen_events *se = s->priv;
    se->req = NULL;
    se->busy = false;
    if (!out) {
        free(se->error);
        se->error = aws_error_format(err);
        app_message(s->app, THEME_ERROR, "events of %s: %s", se->rg_id, se->error);
    } else {
        events_result_free(se->ev);
        se->ev = out;
        free(se->error);
        se->error = NULL;
        se->listed_ms = app_now_ms(s->app);
    }
    ev_fill(s);
    app_dirty(s->app);
}

static void ev_on_timer(void *arg)
{
    struct screen *s = arg;
    struct screen_events *se = s->priv;
    se->timer = NULL;
    ev_fetch(s);
}

static void ev_fetch(struct screen *s)
{
    struct screen_events *se = s->priv;
    struct session *ss = app_session(s->app);
    if (se->timer)
        loop_untimer(ss->loop, se->timer);
    se->timer = loop_timer(ss->loop, (uint64_t)se->refresh_s * 1000, ev_on_timer, s);
    if (se->req)
        return; /* the listing under way will do */
    struct model_group *g = inventory_group(se->inv);
    int64_t now = aws_client_now_ms(ss->aws);
    struct events_in in = {
        .replication_group_id = se->rg_id,
        .member_clusters = g ? (const char *const *)g->member_clusters : NULL,
        .n_member_clusters = g ? g->n_member_clusters : 0,
        .start_ms = now - se->window_ms,
        .end_ms = now + 60000,
    };
    se->req = events_fetch(ss->aws, &in, ev_on_events, s);
    se->busy = se->req != NULL;
}

static void ev_on_group(struct inventory *inv, struct model_group *g, void *arg)
{
    (void)inv;
    struct screen *s = arg;
    struct screen_events *se = s->priv;
    if (se->ob)
        observe_merge(se->ob, g);
    timeline_watch_note(&se->watch, g, g->fetched_ms);
    ev_fill(s);
    app_dirty(s->app);
}

/* Redis's view of the roles, every few seconds: a role change it sees
 * becomes a timeline row, dated when it was observed. */
static void ev_on_observed(struct observe *ob, void *arg)
{
    struct screen *s = arg;
    struct screen_events *se = s->priv;
    struct model_group *g = inventory_group(se->inv);
    if (!g || !observe_merge(ob, g))
        return;
    const struct model_redis_view *v = observe_view(ob);
    timeline_watch_note(&se->watch, g, v && v->fetched_ms ? v->fetched_ms : app_now_ms(s->app));
    ev_fill(s);
    app_dirty(s->app);
}

static void ev_on_error(struct inventory *inv, enum inventory_op op, const struct aws_error *err,
                        void *arg)
{
    (void)inv;
    (void)op;
    struct screen *s = arg;
    struct screen_events *se = s->priv;
    char *m = aws_error_format(err);
    /* the events do not need the model; say it once in the messages */
    app_message(s->app, THEME_WARNING, "group %s (roles for the timeline): %s", se->rg_id, m);
    free(m);
}

static const char *ev_window_name(int64_t ms)
{
    return ms <= 3600000LL        ? "1h"
           : ms <= 3 * 3600000LL  ? "3h"
           : ms <= 12 * 3600000LL ? "12h"
                                  : "24h";
}

static const char *ev_title(struct screen *s)
{
    struct screen_events *se = s->priv;
    size_t n = sizeof(se->title), l;
    size_t shown = listview_count(&se->lv), total = listview_total(&se->lv);
    /* the age first: a narrow terminal cuts the end */
    snprintf(se->title, n, " Events of %s, last %s", se->rg_id, ev_window_name(se->window_ms));
    l = strlen(se->title);
    if (se->listed_ms) {
        char age[16];
        cmdout_age(app_now_ms(s->app) - se->listed_ms, age, sizeof(age));
        snprintf(se->title + l, n - l, ", updated %s ago (every %ds%s%s)", age, se->refresh_s,
                 se->busy ? ", refreshing..." : "",
                 se->error ? ", last refresh failed: :messages" : "");
    } else {
        snprintf(se->title + l, n - l, ", %s", se->error ? "load failed" : "loading...");
    }
    l = strlen(se->title);
    snprintf(se->title + l, n - l, ": %zu failover event%s, %zu role change%s, %zu other",
             se->n_failovers, se->n_failovers == 1 ? "" : "s", se->n_roles,
             se->n_roles == 1 ? "" : "s", se->n_events);
    l = strlen(se->title);
    if (shown != total)
        snprintf(se->title + l, n - l, " (%zu shown)", shown);
    return se->title;
}

struct ev_wrap {
    WINDOW *w;
    int y, x, width, max_y;
};

static void ev_wrap_line(void *ctx, const char *s, size_t n)
{
    struct ev_wrap *c = ctx;
    if (c->y < c->max_y)
        app_put_span(c->w, c->y++, c->x, c->width, 0, s, n);
}

static void ev_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_events *se = s->priv;
    struct app *a = s->app;
    if (!se->listed_ms && se->error) {
        app_style(a, w, THEME_ERROR);
        app_put(w, y0 + 1, 2, cols - 4, "Reading the events failed:", false);
        struct ev_wrap c = {w, y0 + 2, 4, cols - 6, y0 + rows};
        app_wrap(se->error, cols - 6, ev_wrap_line, &c);
        app_style(a, w, THEME_NORMAL);
        return;
    }
    se->lv.empty =
        !se->listed_ms ? "Reading DescribeEvents for the group and its clusters..."
        : listview_total(&se->lv) == 0
            ? "No event in this window (2, 3, 4: a longer one; the service keeps 14 days)."
            : "No row matches the filter.";
    /* the selected row in full at the bottom: messages are long */
    int detail = rows > 12 ? 3 : 0;
    listview_draw(&se->lv, a, w, y0, 0, rows - detail, cols, true);
    if (!detail)
        return;
    size_t row;
    app_style(a, w, THEME_DIM);
    app_put(w, y0 + rows - detail, 0, cols, "", true);
    if (listview_selected(&se->lv, &row)) {
        char *text = mem_xasprintf("%s  %s: %s  (%s)", listview_get(&se->lv, row, COL_TIME),
                                   listview_get(&se->lv, row, COL_SHARD),
                                   listview_get(&se->lv, row, COL_WHAT),
                                   listview_get(&se->lv, row, COL_SOURCE));
        app_style(a, w, THEME_NORMAL);
        struct ev_wrap c = {w, y0 + rows - detail + 1, 1, cols - 2, y0 + rows};
        app_wrap(text, cols - 2, ev_wrap_line, &c);
        free(text);
    }
    app_style(a, w, THEME_NORMAL);
}

static int ev_request(struct screen *s, int req)
{
    struct screen_events *se = s->priv;
    int64_t h = 3600000LL;
    switch (req) {
    case REQ_REFRESH:
        inventory_refresh(se->inv);
        observe_refresh(se->ob);
        ev_fetch(s);
        return APP_REDRAW;
    case REQ_WINDOW_1H:
    case REQ_WINDOW_3H:
    case REQ_WINDOW_12H:
    case REQ_WINDOW_24H:
        se->window_ms = req == REQ_WINDOW_1H    ? h
                        : req == REQ_WINDOW_3H  ? 3 * h
                        : req == REQ_WINDOW_12H ? 12 * h
                                                : 24 * h;
        if (se->req)
            events_cancel(se->req);
        se->req = NULL;
        ev_fill(s);
        ev_fetch(s);
        return APP_REDRAW;
    default: {
        int r = screen_inspect_request(s->app, req, se->rg_id);
        return r != APP_IGNORED ? r : listview_request(&se->lv, req);
    }
    }
}

static int ev_input(struct screen *s, int key)
{
    struct screen_events *se = s->priv;
    return listview_input(&se->lv, key);
}

static int ev_tick(struct screen *s)
{
    struct screen_events *se = s->priv;
    const char *t = ev_title(s);
    if (strcmp(t, se->drawn_title) == 0)
        return APP_HANDLED;
    snprintf(se->drawn_title, sizeof(se->drawn_title), "%s", t);
    return APP_REDRAW;
}

static char *ev_command(struct screen *s)
{
    struct screen_events *se = s->priv;
    return mem_xasprintf("events %s", se->rg_id);
}

static const char *ev_group(struct screen *s)
{
    struct screen_events *se = s->priv;
    return se->rg_id;
}

static void ev_destroy(struct screen *s)
{
    struct screen_events *se = s->priv;
    if (se->req)
        events_cancel(se->req);
    if (se->timer)
        loop_untimer(app_session(s->app)->loop, se->timer);
    observe_free(se->ob);
    inventory_free(se->inv);
    events_result_free(se->ev);
    timeline_watch_free(&se->watch);
    listview_free(&se->lv);
    free(se->error);
    free(se->rg_id);
    free(se);
    free(s);
}

static const struct screen_ops screen_events_ops = {
    .name = "events",
    .draw = ev_draw,
    .request = ev_request,
    .input = ev_input,
    .title = ev_title,
    .tick = ev_tick,
    .command = ev_command,
    .group = ev_group,
    .destroy = ev_destroy,
};

struct screen *screen_events_new(struct app *a, const char *rg_id)
{
    struct screen_events *se = mem_xcalloc(1, sizeof(*se));
    se->rg_id = mem_xstrdup(rg_id);
    se->window_ms = EV_DEFAULT_WINDOW_MS;
    timeline_watch_init(&se->watch);
    listview_init(&se->lv, ev_cols, COL_COUNT);
    listview_sort(&se->lv, COL_TIME, true); /* newest first */
    struct screen *s = app_screen_new(a, &screen_events_ops, se);
    struct session *ss = app_session(a);
    const struct config *cfg = app_config(a);
    se->refresh_s = cfg && cfg->refresh_s ? cfg->refresh_s : 15;
    struct inventory_options o;
    memset(&o, 0, sizeof(o));
    o.loop = ss->loop;
    o.aws = ss->aws;
    o.refresh_ms = (uint64_t)se->refresh_s * 1000;
    o.roles_from_metrics = true;
    o.cb.on_group = ev_on_group;
    o.cb.on_error = ev_on_error;
    o.cb.arg = s;
    se->inv = inventory_new(&o);
    inventory_open(se->inv, rg_id);
    struct observe_options ob;
    app_observe_options(a, rg_id, &ob);
    ob.interval_ms = EV_OBSERVE_EVERY_MS;
    ob.on_update = ev_on_observed;
    ob.arg = s;
    se->ob = observe_start(&ob);
    ev_fetch(s);
    return s;
}
