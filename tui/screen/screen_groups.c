/* screen_groups.c - the region's replication groups, refreshed in the
 * background by the inventory engine; Enter opens one. */
#include "tui/screen/screen_groups.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "core/config.h"
#include "core/model/inventory.h"
#include "tui/screen/screen_group.h"
#include "tui/screen/screen_info.h"
#include "tui/widget/table.h"

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
    COL_ATREST,
    COL_TLS,
    COL_AUTH,
};

static const struct table_col screen_groups_cols[] = {
    {"ID", 0, false},       {"STATUS", 10, false}, {"ENGINE", 12, false}, {"NODE TYPE", 16, false},
    {"CLUSTER", 7, false},  {"SHARDS", 6, true},   {"NODES", 5, true},    {"MULTI-AZ", 8, false},
    {"FAILOVER", 9, false}, {"AT-REST", 7, false}, {"TLS", 4, false},     {"AUTH", 4, false},
};

struct screen_groups {
    struct screen base;
    struct inventory *inv;
    struct table table;
    char filter[128];
    bool filtering;
    bool complete;
    size_t total;
    int64_t listed_ms;
    char progress[160];
    char title[256];
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

static bool screen_groups_match(const struct screen_groups *sg, const struct model_group *g)
{
    return !sg->filter[0] || (g->id && strstr(g->id, sg->filter));
}

static void screen_groups_fill(struct screen_groups *sg)
{
    struct model_group *const *groups = NULL;
    size_t n = inventory_groups(sg->inv, &groups);
    char keep[256] = "";
    if (sg->table.nrows)
        snprintf(keep, sizeof(keep), "%s", table_get(&sg->table, sg->table.sel, COL_ID));
    table_clear(&sg->table);
    sg->total = n;
    for (size_t i = 0; i < n; i++) {
        const struct model_group *g = groups[i];
        if (!screen_groups_match(sg, g))
            continue;
        size_t r = table_add_row(&sg->table);
        table_set(&sg->table, r, COL_ID, THEME_NORMAL, "%s", g->id ? g->id : "?");
        table_set(&sg->table, r, COL_STATUS, screen_groups_status_role(g->status), "%s",
                  g->status ? g->status : "?");
        table_set(&sg->table, r, COL_ENGINE, THEME_NORMAL, "%s %s", g->engine ? g->engine : "?",
                  g->engine_version ? g->engine_version : "");
        table_set(&sg->table, r, COL_TYPE, THEME_NORMAL, "%s", g->node_type ? g->node_type : "?");
        table_set(&sg->table, r, COL_MODE, THEME_NORMAL, "%s", g->cluster_enabled ? "on" : "off");
        table_set(&sg->table, r, COL_SHARDS, THEME_NORMAL, "%zu", g->n_api_shards);
        table_set(&sg->table, r, COL_NODES, THEME_NORMAL, "%zu",
                  g->n_api_nodes ? g->n_api_nodes : g->n_member_clusters);
        table_set(&sg->table, r, COL_MULTIAZ, g->multi_az_enabled ? THEME_OK : THEME_WARNING, "%s",
                  g->multi_az ? g->multi_az : "?");
        table_set(&sg->table, r, COL_FAILOVER,
                  g->automatic_failover_enabled ? THEME_OK : THEME_WARNING, "%s",
                  g->automatic_failover ? g->automatic_failover : "?");
        table_set(&sg->table, r, COL_ATREST, g->at_rest_encryption ? THEME_OK : THEME_WARNING, "%s",
                  screen_groups_yn(g->has_at_rest_encryption, g->at_rest_encryption));
        table_set(&sg->table, r, COL_TLS, g->transit_encryption ? THEME_OK : THEME_WARNING, "%s",
                  screen_groups_yn(g->has_transit_encryption, g->transit_encryption));
        table_set(&sg->table, r, COL_AUTH, g->auth_token_enabled ? THEME_OK : THEME_WARNING, "%s",
                  screen_groups_yn(g->has_auth_token_enabled, g->auth_token_enabled));
    }
    table_select(&sg->table, COL_ID, keep[0] ? keep : NULL);
}

static void screen_groups_on_list(struct inventory *inv, struct model_group *const *groups,
                                  size_t n, bool complete, void *arg)
{
    (void)inv;
    (void)groups;
    (void)n;
    struct screen_groups *sg = arg;
    sg->complete = complete;
    if (complete) {
        sg->listed_ms = loop_wall_ms(app_session(sg->base.app)->loop);
        sg->progress[0] = '\0';
    }
    screen_groups_fill(sg);
    app_dirty(sg->base.app);
}

static void screen_groups_on_error(struct inventory *inv, enum inventory_op op,
                                   const struct aws_error *err, void *arg)
{
    (void)inv;
    (void)op;
    struct screen_groups *sg = arg;
    char *m = aws_error_format(err);
    app_message(sg->base.app, THEME_ERROR, "%s", m);
    free(m);
    sg->progress[0] = '\0';
}

static void screen_groups_on_progress(struct inventory *inv, enum inventory_op op, const char *text,
                                      void *arg)
{
    (void)inv;
    (void)op;
    struct screen_groups *sg = arg;
    snprintf(sg->progress, sizeof(sg->progress), "%s", text);
    app_dirty(sg->base.app);
}

static void screen_groups_age(int64_t ms, char *out, size_t n)
{
    int64_t s = ms / 1000;
    if (s < 60)
        snprintf(out, n, "%llds", (long long)s);
    else if (s < 3600)
        snprintf(out, n, "%lldm", (long long)(s / 60));
    else
        snprintf(out, n, "%lldh", (long long)(s / 3600));
}

static const char *screen_groups_title(struct screen *s)
{
    struct screen_groups *sg = (struct screen_groups *)s;
    size_t n = sizeof(sg->title), l;
    if (sg->filter[0])
        snprintf(sg->title, n, " Replication groups (%zu of %zu)", sg->table.nrows, sg->total);
    else
        snprintf(sg->title, n, " Replication groups (%zu)", sg->table.nrows);
    l = strlen(sg->title);
    if (sg->listed_ms) {
        char age[32];
        screen_groups_age(loop_wall_ms(app_session(s->app)->loop) - sg->listed_ms, age,
                          sizeof(age));
        snprintf(sg->title + l, n - l, "  updated %s ago", age);
        l = strlen(sg->title);
    }
    if (sg->progress[0])
        snprintf(sg->title + l, n - l, "  %s", sg->progress);
    else if (!sg->complete)
        snprintf(sg->title + l, n - l, "  loading...");
    l = strlen(sg->title);
    if (sg->filter[0] || sg->filtering)
        snprintf(sg->title + l, n - l, "  filter: %s%s", sg->filter, sg->filtering ? "_" : "");
    return sg->title;
}

static void screen_groups_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_groups *sg = (struct screen_groups *)s;
    if (sg->table.nrows == 0) {
        app_style(s->app, w, THEME_DIM);
        app_put(w, y0 + 1, 2, cols - 4,
                !sg->complete   ? "Listing replication groups..."
                : sg->filter[0] ? "No group matches the filter."
                                : "No replication groups in this region.",
                false);
        app_style(s->app, w, THEME_NORMAL);
        return;
    }
    table_draw(&sg->table, s->app, w, y0, rows, cols);
}

static int screen_groups_key(struct screen *s, int key)
{
    struct screen_groups *sg = (struct screen_groups *)s;
    if (sg->filtering) {
        size_t l = strlen(sg->filter);
        if (key == '\n' || key == '\r' || key == KEY_ENTER) {
            sg->filtering = false;
        } else if (key == 27) {
            sg->filtering = false;
            sg->filter[0] = '\0';
        } else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
            if (l)
                sg->filter[l - 1] = '\0';
        } else if (key >= 0x20 && key < 0x7f && l + 1 < sizeof(sg->filter)) {
            sg->filter[l] = (char)key;
            sg->filter[l + 1] = '\0';
        }
        screen_groups_fill(sg);
        return APP_HANDLED | APP_REDRAW;
    }
    switch (key) {
    case '/':
        sg->filtering = true;
        return APP_REDRAW;
    case 'r':
        inventory_refresh(sg->inv);
        app_message(s->app, THEME_DIM, "refreshing...");
        return APP_REDRAW;
    case 'i':
        app_push(s->app, screen_info_new(s->app));
        return APP_REDRAW;
    case '\n':
    case '\r':
    case KEY_ENTER:
    case KEY_RIGHT:
    case 'l':
        if (sg->table.nrows) {
            app_push(s->app,
                     screen_group_new(s->app, table_get(&sg->table, sg->table.sel, COL_ID)));
            return APP_REDRAW;
        }
        return APP_HANDLED;
    case 27:
        if (sg->filter[0]) {
            sg->filter[0] = '\0';
            screen_groups_fill(sg);
            return APP_REDRAW;
        }
        return APP_HANDLED;
    default:
        return table_key(&sg->table, key);
    }
}

static void screen_groups_destroy(struct screen *s)
{
    struct screen_groups *sg = (struct screen_groups *)s;
    inventory_free(sg->inv);
    table_free(&sg->table);
    free(sg);
}

static const struct screen_ops screen_groups_ops = {
    .name = "groups",
    .draw = screen_groups_draw,
    .key = screen_groups_key,
    .destroy = screen_groups_destroy,
    .title = screen_groups_title,
    .hints = "enter open  / filter  r refresh  i context  j/k move",
};

struct screen *screen_groups_new(struct app *a)
{
    struct screen_groups *sg = mem_xcalloc(1, sizeof(*sg));
    sg->base.ops = &screen_groups_ops;
    sg->base.app = a;
    table_init(&sg->table, screen_groups_cols,
               sizeof(screen_groups_cols) / sizeof(*screen_groups_cols));
    struct session *ss = app_session(a);
    const struct config *cfg = ss->opts ? ss->opts->config : NULL;
    struct inventory_options o;
    memset(&o, 0, sizeof(o));
    o.loop = ss->loop;
    o.aws = ss->aws;
    o.refresh_ms = (uint64_t)(cfg && cfg->refresh_s ? cfg->refresh_s : 30) * 1000;
    o.list_clusters = true;
    o.cb.on_list = screen_groups_on_list;
    o.cb.on_error = screen_groups_on_error;
    o.cb.on_progress = screen_groups_on_progress;
    o.cb.arg = sg;
    sg->inv = inventory_new(&o);
    inventory_list(sg->inv);
    return &sg->base;
}
