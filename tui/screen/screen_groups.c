/* screen_groups.c - the region's replication groups, refreshed in the
 * background by the inventory engine; Enter opens one. */
#include "tui/screen/screen_groups.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "core/config.h"
#include "core/model/inventory.h"
#include "core/stack/cost.h"
#include "tui/cmdline.h"
#include "tui/screen/screen_console.h"
#include "tui/screen/screen_group.h"
#include "tui/screen/screen_info.h"
#include "tui/screen/screen_inspect.h"
#include "tui/screen/screen_logs.h"
#include "tui/widget/listview.h"

enum {
    COL_ID,
    COL_STATUS,
    COL_ENGINE,
    COL_TYPE,
    COL_MODE,
    COL_SHARDS,
    COL_NODES,
    COL_MULTIAZ,
    COL_FAILOVER,
    COL_TLS,
    COL_ATREST,
    COL_AUTH,
    COL_COST,
    COL_COUNT,
};

static const struct listview_col screen_groups_cols[COL_COUNT] = {
    [COL_ID] = {"ID", 0, 0, 100, LISTVIEW_KEY},
    [COL_STATUS] = {"STATUS", 0, 0, 60, 0},
    [COL_ENGINE] = {"ENGINE", 9, 0, 40, 0},
    [COL_TYPE] = {"NODE TYPE", 0, 0, 50, 0},
    [COL_MODE] = {"CLUSTER", 0, 0, 20, 0},
    [COL_SHARDS] = {"SHARDS", 0, 0, 30, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [COL_NODES] = {"NODES", 0, 0, 30, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [COL_MULTIAZ] = {"MULTI-AZ", 0, 0, 25, 0},
    [COL_FAILOVER] = {"FAILOVER", 0, 0, 25, 0},
    [COL_TLS] = {"TLS", 0, 0, 25, 0},
    [COL_ATREST] = {"AT-REST", 0, 0, 25, 0},
    [COL_AUTH] = {"AUTH", 0, 0, 25, 0},
    [COL_COST] = {"$/MONTH", 0, 0, 35, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
};

struct screen_groups {
    struct inventory *inv;
    struct listview lv;
    bool complete;
    int64_t listed_ms;
    int refresh_s;
    char progress[160];
    char *error; /* the last failure, in full */
    char title[320];
    char drawn_title[320];
};

static int screen_groups_status_role(const char *status)
{
    if (!status)
        return THEME_DIM;
    if (!strcmp(status, "available"))
        return THEME_OK;
    if (!strcmp(status, "create-failed"))
        return THEME_FAILED;
    return THEME_BUSY;
}

static const char *screen_groups_yn(bool known, bool v)
{
    return known ? (v ? "yes" : "no") : "?";
}

/* Monthly node cost from the built-in list prices: "$1,234", or "?". */
static void screen_groups_cost(const char *region, const struct model_group *g, size_t nodes,
                               char *out, size_t n)
{
    double hourly;
    if (!g->node_type || !nodes ||
        cost_table_node_hourly(region, g->engine, g->node_type, &hourly) != 0) {
        snprintf(out, n, "?");
        return;
    }
    long usd = (long)(hourly * (double)nodes * COST_HOURS_PER_MONTH + 0.5);
    if (usd >= 1000)
        snprintf(out, n, "$%ld,%03ld", usd / 1000, usd % 1000);
    else
        snprintf(out, n, "$%ld", usd);
}

static void screen_groups_fill(struct screen *s)
{
    struct screen_groups *sg = s->priv;
    struct model_group *const *groups = NULL;
    size_t n = inventory_groups(sg->inv, &groups);
    const char *region = app_session(s->app)->region;
    struct listview *lv = &sg->lv;
    const char **ids = mem_xcalloc(n ? n : 1, sizeof(*ids));
    listview_begin(lv);
    for (size_t i = 0; i < n; i++) {
        const struct model_group *g = groups[i];
        size_t r = listview_add(lv);
        size_t nodes = g->n_api_nodes ? g->n_api_nodes : g->n_member_clusters;
        char cost[32];
        ids[i] = g->id ? g->id : "?";
        screen_groups_cost(region, g, nodes, cost, sizeof(cost));
        listview_set(lv, r, COL_ID, THEME_NORMAL, "%s", g->id ? g->id : "?");
        listview_set(lv, r, COL_STATUS, screen_groups_status_role(g->status), "%s",
                     g->status ? g->status : "?");
        listview_set(lv, r, COL_ENGINE, THEME_NORMAL, "%s%s%s", g->engine ? g->engine : "?",
                     g->engine_version ? " " : "", g->engine_version ? g->engine_version : "");
        listview_set(lv, r, COL_TYPE, THEME_NORMAL, "%s", g->node_type ? g->node_type : "?");
        listview_set(lv, r, COL_MODE, THEME_NORMAL, "%s", g->cluster_enabled ? "on" : "off");
        listview_set(lv, r, COL_SHARDS, THEME_NORMAL, "%zu", g->n_api_shards);
        listview_set(lv, r, COL_NODES, THEME_NORMAL, "%zu", nodes);
        listview_set(lv, r, COL_MULTIAZ, g->multi_az_enabled ? THEME_OK : THEME_WARNING, "%s",
                     g->multi_az ? g->multi_az : "?");
        listview_set(lv, r, COL_FAILOVER, g->automatic_failover_enabled ? THEME_OK : THEME_WARNING,
                     "%s", g->automatic_failover ? g->automatic_failover : "?");
        listview_set(lv, r, COL_TLS, g->transit_encryption ? THEME_OK : THEME_WARNING, "%s",
                     screen_groups_yn(g->has_transit_encryption, g->transit_encryption));
        listview_set(lv, r, COL_ATREST, g->at_rest_encryption ? THEME_OK : THEME_WARNING, "%s",
                     screen_groups_yn(g->has_at_rest_encryption, g->at_rest_encryption));
        listview_set(lv, r, COL_AUTH, g->auth_token_enabled ? THEME_OK : THEME_WARNING, "%s",
                     screen_groups_yn(g->has_auth_token_enabled, g->auth_token_enabled));
        listview_set(lv, r, COL_COST, cost[0] == '?' ? THEME_DIM : THEME_NORMAL, "%s", cost);
    }
    listview_end(lv);
    app_set_groups(s->app, ids, n);
    free(ids);
}

static void screen_groups_on_list(struct inventory *inv, struct model_group *const *groups,
                                  size_t n, bool complete, void *arg)
{
    (void)inv;
    (void)groups;
    (void)n;
    struct screen *s = arg;
    struct screen_groups *sg = s->priv;
    sg->complete = complete;
    if (complete) {
        sg->listed_ms = app_now_ms(s->app);
        sg->progress[0] = '\0';
        free(sg->error);
        sg->error = NULL;
    }
    screen_groups_fill(s);
    app_dirty(s->app);
}

static void screen_groups_on_error(struct inventory *inv, enum inventory_op op,
                                   const struct aws_error *err, void *arg)
{
    (void)inv;
    (void)op;
    struct screen *s = arg;
    struct screen_groups *sg = s->priv;
    free(sg->error);
    sg->error = aws_error_format(err);
    app_message(s->app, THEME_ERROR, "listing the groups failed: %s", sg->error);
    sg->progress[0] = '\0';
    app_dirty(s->app);
}

static void screen_groups_on_progress(struct inventory *inv, enum inventory_op op, const char *text,
                                      void *arg)
{
    (void)inv;
    (void)op;
    struct screen *s = arg;
    struct screen_groups *sg = s->priv;
    snprintf(sg->progress, sizeof(sg->progress), "%s", text);
    app_dirty(s->app);
}

static void screen_groups_age(int64_t ms, char *out, size_t n)
{
    int64_t s = ms / 1000;
    if (s < 0)
        s = 0;
    if (s < 60)
        snprintf(out, n, "%llds", (long long)s);
    else if (s < 3600)
        snprintf(out, n, "%lldm", (long long)(s / 60));
    else
        snprintf(out, n, "%lldh", (long long)(s / 3600));
}

static const char *screen_groups_title(struct screen *s)
{
    struct screen_groups *sg = s->priv;
    size_t n = sizeof(sg->title), l;
    size_t shown = listview_count(&sg->lv), total = listview_total(&sg->lv);
    if (shown != total)
        snprintf(sg->title, n, " Replication groups (%zu of %zu)", shown, total);
    else
        snprintf(sg->title, n, " Replication groups (%zu)", total);
    l = strlen(sg->title);
    if (sg->listed_ms) {
        char age[32];
        screen_groups_age(app_now_ms(s->app) - sg->listed_ms, age, sizeof(age));
        snprintf(sg->title + l, n - l, "  updated %s ago, every %ds", age, sg->refresh_s);
        l = strlen(sg->title);
    }
    if (sg->progress[0])
        snprintf(sg->title + l, n - l, "  %s", sg->progress);
    else if (sg->error)
        snprintf(sg->title + l, n - l, "  %s",
                 sg->listed_ms ? "refresh failed (:messages)" : "load failed (see below)");
    else if (!sg->complete)
        snprintf(sg->title + l, n - l, "  loading...");
    return sg->title;
}

struct screen_groups_wrap {
    WINDOW *w;
    int y, x, width, max_y;
};

static void screen_groups_line(void *ctx, const char *s, size_t n)
{
    struct screen_groups_wrap *c = ctx;
    if (c->y < c->max_y)
        app_put_span(c->w, c->y++, c->x, c->width, 0, s, n);
}

static void screen_groups_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_groups *sg = s->priv;
    struct app *a = s->app;
    if (listview_total(&sg->lv) == 0 && sg->error) {
        /* nothing listed: the error in full, wrapped */
        app_style(a, w, THEME_ERROR);
        app_put(w, y0 + 1, 2, cols - 4, "Listing the replication groups failed:", false);
        struct screen_groups_wrap c = {w, y0 + 2, 4, cols - 6, y0 + rows};
        app_wrap(sg->error, cols - 6, screen_groups_line, &c);
        app_style(a, w, THEME_DIM);
        if (c.y + 1 < y0 + rows)
            app_put(w, c.y + 1, 2, cols - 4,
                    "It is tried again on its own; r tries now, :messages keeps every error.",
                    false);
        app_style(a, w, THEME_NORMAL);
        return;
    }
    sg->lv.empty = !sg->complete                  ? "Listing replication groups..."
                   : listview_total(&sg->lv) == 0 ? "No replication groups in this region."
                                                  : "No group matches the filter.";
    int used = listview_draw(&sg->lv, a, w, y0, 0, rows - 1, cols, true);
    (void)used;
    app_style(a, w, THEME_DIM);
    char note[256];
    snprintf(note, sizeof(note),
             "$/MONTH: nodes only, on-demand list prices of %s x nodes x %.0f h "
             "(elcui cost RG: the full estimate)",
             COST_TABLE_DATE, COST_HOURS_PER_MONTH);
    app_put(w, y0 + rows - 1, 1, cols - 2, note, true);
    app_style(a, w, THEME_NORMAL);
}

static const char *screen_groups_group(struct screen *s)
{
    struct screen_groups *sg = s->priv;
    size_t row;
    return listview_selected(&sg->lv, &row) ? listview_get(&sg->lv, row, COL_ID) : NULL;
}

static int screen_groups_request(struct screen *s, int req)
{
    struct screen_groups *sg = s->priv;
    size_t row;
    switch (req) {
    case REQ_OPEN:
        if (listview_selected(&sg->lv, &row)) {
            app_push(s->app, screen_group_new(s->app, listview_get(&sg->lv, row, COL_ID)));
            return APP_REDRAW;
        }
        return APP_HANDLED;
    case REQ_REFRESH:
        inventory_refresh(sg->inv);
        app_message(s->app, THEME_DIM, "refreshing...");
        return APP_REDRAW;
    case REQ_CONTEXT:
        app_push(s->app, screen_info_new(s->app));
        return APP_REDRAW;
    case REQ_CONSOLE:
    case REQ_LATENCY:
    case REQ_DOCTOR:
        return screen_console_request(s->app, req, screen_groups_selected(s), NULL);
    case REQ_LOGS:
        if (listview_selected(&sg->lv, &row)) {
            app_push(s->app, screen_logs_new(s->app, listview_get(&sg->lv, row, COL_ID), NULL));
            return APP_REDRAW;
        }
        return APP_HANDLED;
    case REQ_CREATE:
        cmdline_run(s->app, "create");
        return APP_REDRAW;
    default: {
        int r = screen_inspect_request(s->app, req, screen_groups_group(s));
        return r != APP_IGNORED ? r : listview_request(&sg->lv, req);
    }
    }
}

static int screen_groups_input(struct screen *s, int key)
{
    struct screen_groups *sg = s->priv;
    return listview_input(&sg->lv, key);
}

static int screen_groups_tick(struct screen *s)
{
    struct screen_groups *sg = s->priv;
    const char *t = screen_groups_title(s);
    if (strcmp(t, sg->drawn_title) == 0)
        return APP_HANDLED;
    snprintf(sg->drawn_title, sizeof(sg->drawn_title), "%s", t);
    return APP_REDRAW;
}

static char *screen_groups_command(struct screen *s)
{
    (void)s;
    return mem_xstrdup("groups");
}

static void screen_groups_destroy(struct screen *s)
{
    struct screen_groups *sg = s->priv;
    inventory_free(sg->inv);
    listview_free(&sg->lv);
    free(sg->error);
    free(sg);
    free(s);
}

static const struct screen_ops screen_groups_ops = {
    .name = "groups",
    .draw = screen_groups_draw,
    .request = screen_groups_request,
    .input = screen_groups_input,
    .title = screen_groups_title,
    .tick = screen_groups_tick,
    .command = screen_groups_command,
    .group = screen_groups_group,
    .destroy = screen_groups_destroy,
};

const char *screen_groups_selected(struct screen *s)
{
    if (!s || s->ops != &screen_groups_ops)
        return NULL;
    struct screen_groups *sg = s->priv;
    size_t row;
    return listview_selected(&sg->lv, &row) ? listview_get(&sg->lv, row, COL_ID) : NULL;
}

struct screen *screen_groups_new(struct app *a)
{
    struct screen_groups *sg = mem_xcalloc(1, sizeof(*sg));
    listview_init(&sg->lv, screen_groups_cols, COL_COUNT);
    listview_sort(&sg->lv, COL_ID, false);
    struct screen *s = app_screen_new(a, &screen_groups_ops, sg);
    struct session *ss = app_session(a);
    const struct config *cfg = app_config(a);
    sg->refresh_s = cfg && cfg->refresh_s ? cfg->refresh_s : 30;
    struct inventory_options o;
    memset(&o, 0, sizeof(o));
    o.loop = ss->loop;
    o.aws = ss->aws;
    o.refresh_ms = (uint64_t)sg->refresh_s * 1000;
    o.list_clusters = true;
    o.cb.on_list = screen_groups_on_list;
    o.cb.on_error = screen_groups_on_error;
    o.cb.on_progress = screen_groups_on_progress;
    o.cb.arg = s;
    sg->inv = inventory_new(&o);
    inventory_list(sg->inv);
    return s;
}
