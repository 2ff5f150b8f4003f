/* screen_group.c - one replication group: what the API says about it,
 * where its nodes sit per AZ (with the risks that shows), and its nodes as
 * a sortable panel of their own, with the API and Redis disagreements
 * marked. The model is rebuilt in the background by the inventory engine;
 * the age of the data is always in the title. Tab moves between the two
 * panels. */
#include "tui/screen/screen_group.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/mem.h"
#include "core/config.h"
#include "core/model/inventory.h"
#include "core/model/placement.h"
#include "core/redis/observe.h"
#include "tui/screen/screen_failover.h"
#include "tui/screen/screen_inspect.h"
#include "core/stack/stack_spec.h"
#include "tui/cmdline.h"
#include "tui/screen/screen_console.h"
#include "tui/screen/screen_logs.h"
#include "tui/widget/listview.h"

#define SG_LABEL_W 24
#define SG_CELL_W 22
#define SG_OBSERVE_EVERY_MS 5000 /* Redis's roles and health */

enum {
    NCOL_ID,
    NCOL_SHARD,
    NCOL_AZ,
    NCOL_API_ROLE,
    NCOL_REDIS_ROLE,
    NCOL_HEALTH,
    NCOL_STATUS,
    NCOL_ENDPOINT,
    NCOL_AGE,
    NCOL_COUNT,
};

static const struct listview_col sg_node_cols[NCOL_COUNT] = {
    [NCOL_ID] = {"ID", 0, 0, 100, LISTVIEW_KEY},
    [NCOL_SHARD] = {"SHARD", 0, 0, 80, 0},
    [NCOL_AZ] = {"AZ", 0, 0, 70, 0},
    [NCOL_API_ROLE] = {"API ROLE", 7, 0, 75, 0},
    [NCOL_REDIS_ROLE] = {"REDIS ROLE", 0, 0, 75, 0},
    /* the live Redis observation (core/redis/observe): answering with its
     * PING time, slow, or not answering since when */
    [NCOL_HEALTH] = {"HEALTH", 0, 0, 60, 0},
    [NCOL_STATUS] = {"STATUS", 0, 0, 65, 0},
    [NCOL_ENDPOINT] = {"ENDPOINT", 12, 0, 10, 0},
    [NCOL_AGE] = {"AGE", 0, 0, 50, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
};

enum { SG_PANEL_FACTS, SG_PANEL_NODES, SG_PANELS };

struct screen_group {
    char *rg_id;
    struct inventory *inv;
    struct observe *ob; /* Redis's own view of roles and health, in the background */
    struct listview facts;
    struct listview nodes;
    int focus;
    int64_t fetched_ms;
    bool loaded;
    bool missing;
    char *error;
    char title[320];
    char node_pick[160];
};

static const char *sg_s(const char *s)
{
    return s && *s ? s : "-";
}

static int sg_flag_role(enum placement_severity s)
{
    return s == PLACEMENT_CRITICAL  ? THEME_ERROR
           : s == PLACEMENT_WARNING ? THEME_WARNING
                                    : THEME_DIM;
}

static size_t sg_line(struct screen_group *sg)
{
    return listview_add(&sg->facts);
}

static void sg_facts(struct screen_group *sg, const struct model_group *g)
{
    struct listview *lv = &sg->facts;
    size_t l = sg_line(sg);
    listview_seg(lv, l, THEME_TITLE, 0, "%s", sg_s(g->id));
    listview_seg(lv, l, !strcmp(sg_s(g->status), "available") ? THEME_OK : THEME_BUSY, 0, "  %s",
                 sg_s(g->status));
    listview_seg(lv, l, THEME_NORMAL, 0, "  %s %s  %s  cluster mode %s  %zu shard%s, %zu node%s",
                 sg_s(g->engine), g->engine_version ? g->engine_version : "", sg_s(g->node_type),
                 g->cluster_enabled ? "on" : "off", g->n_api_shards,
                 g->n_api_shards == 1 ? "" : "s", g->n_api_nodes, g->n_api_nodes == 1 ? "" : "s");
    if (g->description) {
        l = sg_line(sg);
        listview_seg(lv, l, THEME_DIM, 0, "%s", g->description);
    }
    l = sg_line(sg);
    if (g->configuration_endpoint.host) {
        listview_seg(lv, l, THEME_COLUMN, SG_LABEL_W, "Configuration endpoint");
        listview_seg(lv, l, THEME_NORMAL, 0, "%s:%d", g->configuration_endpoint.host,
                     g->configuration_endpoint.port);
    } else {
        listview_seg(lv, l, THEME_COLUMN, SG_LABEL_W, "Primary / reader");
        listview_seg(lv, l, THEME_NORMAL, 0, "%s:%d  /  %s:%d", sg_s(g->primary_endpoint.host),
                     g->primary_endpoint.port, sg_s(g->reader_endpoint.host),
                     g->reader_endpoint.port);
    }
    l = sg_line(sg);
    listview_seg(lv, l, THEME_COLUMN, SG_LABEL_W, "Availability");
    listview_seg(lv, l, g->multi_az_enabled ? THEME_OK : THEME_WARNING, 0, "Multi-AZ %s",
                 sg_s(g->multi_az));
    listview_seg(lv, l, g->automatic_failover_enabled ? THEME_OK : THEME_WARNING, 0,
                 "   automatic failover %s", sg_s(g->automatic_failover));
    l = sg_line(sg);
    listview_seg(lv, l, THEME_COLUMN, SG_LABEL_W, "Encryption");
    /* the key's id is enough here; `show` prints the whole ARN */
    const char *key = g->kms_key_id ? strrchr(g->kms_key_id, '/') : NULL;
    key = key ? key + 1 : g->kms_key_id;
    listview_seg(lv, l, g->at_rest_encryption ? THEME_OK : THEME_WARNING, 0, "at rest %s%s%s%s",
                 g->at_rest_encryption ? "yes" : "no", key ? " (key " : "", key ? key : "",
                 key ? ")" : "");
    listview_seg(lv, l, g->transit_encryption ? THEME_OK : THEME_WARNING, 0,
                 "   in transit %s%s%s%s", g->transit_encryption ? "yes" : "no",
                 g->transit_encryption_mode ? " (" : "",
                 g->transit_encryption_mode ? g->transit_encryption_mode : "",
                 g->transit_encryption_mode ? ")" : "");
    listview_seg(lv, l, g->auth_token_enabled ? THEME_OK : THEME_WARNING, 0, "   AUTH %s",
                 g->auth_token_enabled ? "yes" : "no");
    l = sg_line(sg);
    listview_seg(lv, l, THEME_COLUMN, SG_LABEL_W, "Backups");
    if (g->has_snapshot_retention_limit && g->snapshot_retention_limit > 0)
        listview_seg(lv, l, THEME_OK, 0, "kept %d day%s", g->snapshot_retention_limit,
                     g->snapshot_retention_limit == 1 ? "" : "s");
    else
        listview_seg(lv, l, THEME_WARNING, 0, "off");
    listview_seg(lv, l, THEME_NORMAL, 0, "   auto minor version upgrade %s",
                 g->has_auto_minor_version_upgrade ? (g->auto_minor_version_upgrade ? "on" : "off")
                                                   : "?");
    if (g->n_log_delivery == 0) {
        l = sg_line(sg);
        listview_seg(lv, l, THEME_COLUMN, SG_LABEL_W, "Log delivery");
        listview_seg(lv, l, THEME_WARNING, 0, "none (no slow log or engine log in CloudWatch)");
    }
    for (size_t i = 0; i < g->n_log_delivery; i++) {
        const struct model_log_delivery *d = &g->log_delivery[i];
        l = sg_line(sg);
        listview_seg(lv, l, THEME_COLUMN, SG_LABEL_W, "%s", i == 0 ? "Log delivery" : "");
        listview_seg(lv, l, !strcmp(sg_s(d->status), "active") ? THEME_OK : THEME_WARNING, 0,
                     "%s -> %s (%s, %s, %s)%s%s", sg_s(d->log_type), sg_s(d->destination),
                     sg_s(d->destination_type), sg_s(d->log_format), sg_s(d->status),
                     d->message ? ": " : "", d->message ? d->message : "");
    }
    if (g->tags_error) {
        l = sg_line(sg);
        listview_seg(lv, l, THEME_COLUMN, SG_LABEL_W, "Tags");
        listview_seg(lv, l, THEME_DIM, 0, "not read: %s", g->tags_error);
    } else if (g->tags_read) {
        struct buf b;
        buf_init(&b, 8192);
        for (size_t i = 0; i < g->n_tags; i++)
            buf_printf(&b, "%s%s=%s", i ? "  " : "", g->tags[i].key, g->tags[i].value);
        l = sg_line(sg);
        listview_seg(lv, l, THEME_COLUMN, SG_LABEL_W, "Tags");
        listview_seg(lv, l, THEME_NORMAL, 0, "%s", g->n_tags ? buf_str(&b) : "none");
        buf_free(&b);
    }
    for (size_t i = 0; i < g->n_pending; i++) {
        l = sg_line(sg);
        listview_seg(lv, l, THEME_COLUMN, SG_LABEL_W, "%s", i == 0 ? "Pending changes" : "");
        listview_seg(lv, l, THEME_BUSY, 0, "%s = %s", sg_s(g->pending[i].key),
                     sg_s(g->pending[i].value));
    }
}

static void sg_placement(struct screen_group *sg, const struct model_group *g, int64_t now)
{
    struct listview *lv = &sg->facts;
    struct placement *p = placement_build(g, now);
    sg_line(sg);
    size_t l = sg_line(sg);
    listview_seg(lv, l, THEME_TITLE, 10, "Placement");
    for (size_t a = 0; a < p->n_azs; a++)
        listview_seg(lv, l, THEME_COLUMN, SG_CELL_W, "%s (%zuP %zuR)", p->azs[a].name,
                     p->azs[a].primaries, p->azs[a].replicas);
    for (size_t s = 0; s < p->n_shards && s < g->n_shards; s++) {
        l = sg_line(sg);
        listview_seg(lv, l, THEME_NORMAL, 10, "%s", sg_s(g->shards[s].id));
        for (size_t a = 0; a < p->n_azs; a++) {
            const struct placement_cell *c = placement_cell(p, s, a);
            struct buf b;
            buf_init(&b, 1024);
            int role = THEME_DIM;
            for (size_t k = 0; c && k < c->n_nodes; k++) {
                const struct model_node *n = &g->nodes[c->nodes[k]];
                const char *id = n->cache_cluster_id ? n->cache_cluster_id : "?";
                /* the member suffix is enough inside a shard's row */
                const char *dash = strrchr(id, '-');
                buf_printf(&b, "%s%c %s", k ? " " : "",
                           n->role == MODEL_ROLE_PRIMARY   ? 'P'
                           : n->role == MODEL_ROLE_REPLICA ? 'R'
                                                           : '?',
                           dash ? dash + 1 : id);
                if (n->role == MODEL_ROLE_PRIMARY)
                    role = THEME_PRIMARY;
                else if (role != THEME_PRIMARY)
                    role = THEME_REPLICA;
            }
            listview_seg(lv, l, b.len ? role : THEME_DIM, SG_CELL_W, "%s",
                         b.len ? buf_str(&b) : ".");
            buf_free(&b);
        }
    }
    l = sg_line(sg);
    if (p->n_flags == 0) {
        listview_seg(lv, l, THEME_OK, 0, "No placement risks.");
    } else {
        listview_seg(lv, l, THEME_TITLE, 0, "Risks");
        for (size_t i = 0; i < p->n_flags; i++) {
            const struct placement_flag *f = &p->flags[i];
            l = sg_line(sg);
            listview_seg(lv, l, sg_flag_role(f->severity), 10, " %s",
                         placement_severity_name(f->severity));
            listview_seg(lv, l, THEME_DIM, 20, "%s", f->id);
            listview_seg(lv, l, THEME_NORMAL, 0, "%s", f->text ? f->text : "");
        }
    }
    placement_free(p);
    if (g->n_diffs) {
        sg_line(sg);
        l = sg_line(sg);
        listview_seg(lv, l, THEME_WARNING, 0, "Where the API and Redis disagree (%zu)", g->n_diffs);
    }
    for (size_t i = 0; i < g->n_diffs; i++) {
        l = sg_line(sg);
        listview_seg(lv, l, THEME_WARNING, 0, " %s", g->diffs[i].text ? g->diffs[i].text : "");
    }
}

static int sg_role_theme(enum model_role r)
{
    return r == MODEL_ROLE_PRIMARY   ? THEME_PRIMARY
           : r == MODEL_ROLE_REPLICA ? THEME_REPLICA
                                     : THEME_DIM;
}

/* Is this node named in an API-vs-Redis difference? */
static bool sg_node_differs(const struct model_group *g, const struct model_node *n)
{
    for (size_t i = 0; i < g->n_diffs; i++)
        if (g->diffs[i].node && n->cache_cluster_id &&
            !strcmp(g->diffs[i].node, n->cache_cluster_id))
            return true;
    return n->in_redis && n->redis_role != MODEL_ROLE_UNKNOWN && n->api_role != n->redis_role;
}

static void sg_age(int64_t ms, char *out, size_t n)
{
    int64_t s = ms / 1000;
    if (s < 0)
        s = 0;
    if (s < 120)
        snprintf(out, n, "%llds", (long long)s);
    else if (s < 7200)
        snprintf(out, n, "%lldm", (long long)(s / 60));
    else if (s < 172800)
        snprintf(out, n, "%lldh", (long long)(s / 3600));
    else
        snprintf(out, n, "%lldd", (long long)(s / 86400));
}

static void sg_node_row(struct listview *lv, const struct model_group *g,
                        const struct model_shard *sh, const struct model_node *n, int64_t now)
{
    bool differs = sg_node_differs(g, n);
    size_t r = listview_add(lv);
    listview_set(lv, r, NCOL_ID, differs ? THEME_WARNING : THEME_NORMAL, "%s%s%s",
                 n->cache_cluster_id ? n->cache_cluster_id : (n->redis_host ? n->redis_host : "?"),
                 n->cache_node_id && strcmp(n->cache_node_id, "0001") ? "/" : "",
                 n->cache_node_id && strcmp(n->cache_node_id, "0001") ? n->cache_node_id : "");
    listview_set(lv, r, NCOL_SHARD, THEME_NORMAL, "%s", sh ? sg_s(sh->id) : "-");
    listview_set(lv, r, NCOL_AZ, THEME_NORMAL, "%s", sg_s(n->az));
    if (n->in_api)
        listview_set(lv, r, NCOL_API_ROLE, differs ? THEME_WARNING : sg_role_theme(n->api_role),
                     "%s%s%s%s", model_role_name(n->api_role), n->api_role_source ? " (" : "",
                     n->api_role_source ? model_role_source_name(n->api_role_source) : "",
                     n->api_role_source ? ")" : "");
    else
        listview_set(lv, r, NCOL_API_ROLE, THEME_WARNING, "not in the API");
    if (n->in_redis && n->redis_role != MODEL_ROLE_UNKNOWN) {
        /* with the age of the observation: "primary (redis 2s)" */
        char origin[64] = "";
        if (n->role_source == MODEL_ROLE_SRC_REDIS)
            model_role_origin(n, now, origin, sizeof(origin));
        listview_set(lv, r, NCOL_REDIS_ROLE, differs ? THEME_WARNING : sg_role_theme(n->redis_role),
                     "%s%s%s%s", model_role_name(n->redis_role), origin[0] ? " (" : "", origin,
                     origin[0] ? ")" : "");
    } else {
        listview_set(lv, r, NCOL_REDIS_ROLE, THEME_DIM, "%s", n->in_redis ? "unknown" : "-");
    }
    char health[160] = "-";
    int hrole = THEME_DIM;
    if (n->probe.probed) {
        model_probe_text(&n->probe, now, health, sizeof(health));
        hrole = n->probe.health == MODEL_HEALTH_ANSWERING ? THEME_OK
                : n->probe.health == MODEL_HEALTH_SLOW    ? THEME_WARNING
                : n->probe.health == MODEL_HEALTH_DOWN    ? THEME_FAILED
                                                          : THEME_DIM;
    } else if (n->in_redis && n->redis_health && *n->redis_health) {
        /* what CLUSTER SHARDS said of it, before a probe reached it */
        snprintf(health, sizeof(health), "%s", n->redis_health);
        hrole = !strcmp(n->redis_health, "online")   ? THEME_OK
                : !strcmp(n->redis_health, "failed") ? THEME_FAILED
                                                     : THEME_WARNING;
    }
    listview_set(lv, r, NCOL_HEALTH, hrole, "%s", health);
    listview_set(lv, r, NCOL_STATUS, !strcmp(sg_s(n->status), "available") ? THEME_OK : THEME_BUSY,
                 "%s", sg_s(n->status));
    if (n->endpoint.host)
        listview_set(lv, r, NCOL_ENDPOINT, THEME_NORMAL, "%s:%d", n->endpoint.host,
                     n->endpoint.port);
    else
        listview_set(lv, r, NCOL_ENDPOINT, THEME_DIM, "-");
    char age[32] = "-";
    if (n->create_time_ms)
        sg_age(now - n->create_time_ms, age, sizeof(age));
    listview_set(lv, r, NCOL_AGE, THEME_DIM, "%s", age);
}

static void sg_nodes(struct screen_group *sg, const struct model_group *g, int64_t now)
{
    /* shard by shard: the natural order, until a column is sorted */
    for (size_t si = 0; si < g->n_shards; si++)
        for (size_t k = 0; k < g->shards[si].n_nodes; k++)
            sg_node_row(&sg->nodes, g, &g->shards[si], &g->nodes[g->shards[si].nodes[k]], now);
}

static void sg_rebuild(struct screen *s)
{
    struct screen_group *sg = s->priv;
    struct model_group *g = inventory_group(sg->inv);
    listview_begin(&sg->facts);
    listview_begin(&sg->nodes);
    if (g) {
        int64_t now = app_now_ms(s->app);
        sg->fetched_ms = g->fetched_ms;
        sg_facts(sg, g);
        sg_placement(sg, g, now);
        sg_nodes(sg, g, now);
    }
    listview_end(&sg->facts);
    listview_end(&sg->nodes);
}

static void sg_on_group(struct inventory *inv, struct model_group *g, void *arg)
{
    (void)inv;
    struct screen *s = arg;
    struct screen_group *sg = s->priv;
    /* a fresh model from the API: Redis's latest view goes into it too */
    if (sg->ob && g)
        observe_merge(sg->ob, g);
    sg->loaded = true;
    sg->missing = false;
    free(sg->error);
    sg->error = NULL;
    sg_rebuild(s);
    app_dirty(s->app);
}

/* A round of Redis observation ended (or could not start): its roles,
 * health and disagreements go into the model the screen shows. */
static void sg_on_observed(struct observe *ob, void *arg)
{
    struct screen *s = arg;
    struct screen_group *sg = s->priv;
    struct model_group *g = inventory_group(sg->inv);
    if (g && observe_merge(ob, g))
        sg_rebuild(s);
    app_dirty(s->app);
}

static void sg_on_error(struct inventory *inv, enum inventory_op op, const struct aws_error *err,
                        void *arg)
{
    (void)inv;
    (void)op;
    struct screen *s = arg;
    struct screen_group *sg = s->priv;
    free(sg->error);
    sg->error = aws_error_format(err);
    sg->missing = aws_error_is(err, "ReplicationGroupNotFoundFault");
    app_message(s->app, THEME_ERROR, "group %s: %s", sg->rg_id, sg->error);
    app_dirty(s->app);
}

static const char *sg_title(struct screen *s)
{
    struct screen_group *sg = s->priv;
    size_t n = sizeof(sg->title);
    snprintf(sg->title, n, " Replication group %s", sg->rg_id);
    size_t l = strlen(sg->title);
    if (sg->fetched_ms) {
        int64_t age = (app_now_ms(s->app) - sg->fetched_ms) / 1000;
        snprintf(sg->title + l, n - l, "  data from the API, %llds old%s%s", (long long)age,
                 inventory_busy(sg->inv, INVENTORY_OP_GROUP) ? ", refreshing..." : "",
                 sg->error ? ", last refresh failed (:messages)" : "");
        l = strlen(sg->title);
        if (sg->ob && l + 4 < n) {
            snprintf(sg->title + l, n - l, "  ");
            observe_status_text(sg->ob, app_now_ms(s->app), sg->title + l + 2, n - l - 2);
        }
    } else if (sg->error) {
        snprintf(sg->title + l, n - l, "  %s", sg->missing ? "not found" : "load failed");
    } else {
        snprintf(sg->title + l, n - l, "  loading...");
    }
    return sg->title;
}

struct sg_wrap {
    WINDOW *w;
    int y, x, width, max_y;
};

static void sg_wrap_line(void *ctx, const char *s, size_t n)
{
    struct sg_wrap *c = ctx;
    if (c->y < c->max_y)
        app_put_span(c->w, c->y++, c->x, c->width, 0, s, n);
}

static void sg_panel_bar(struct screen *s, WINDOW *w, int y, int cols, const char *text,
                         bool focused)
{
    app_style(s->app, w, focused ? THEME_TITLE : THEME_DIM);
    app_put(w, y, 0, cols, "", true);
    app_put(w, y, 1, cols - 2, text, false);
    app_style(s->app, w, THEME_NORMAL);
}

static void sg_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_group *sg = s->priv;
    struct app *a = s->app;
    if (!sg->loaded) {
        if (sg->missing) {
            app_style(a, w, THEME_ERROR);
            app_put(w, y0 + 1, 2, cols - 4, "This replication group does not exist (any more).",
                    false);
        } else if (sg->error) {
            app_style(a, w, THEME_ERROR);
            app_put(w, y0 + 1, 2, cols - 4, "Describing the group failed:", false);
            struct sg_wrap c = {w, y0 + 2, 4, cols - 6, y0 + rows};
            app_wrap(sg->error, cols - 6, sg_wrap_line, &c);
            app_style(a, w, THEME_DIM);
            if (c.y + 1 < y0 + rows)
                app_put(w, c.y + 1, 2, cols - 4,
                        "It is tried again on its own; r tries now, :messages keeps every error.",
                        false);
        } else {
            app_style(a, w, THEME_DIM);
            app_put(w, y0 + 1, 2, cols - 4, "Describing the group and its nodes...", false);
        }
        app_style(a, w, THEME_NORMAL);
        return;
    }
    /* the nodes panel: its heading and rows, at most half the screen */
    int want = (int)listview_total(&sg->nodes) + 3;
    int room = sg->focus == SG_PANEL_NODES ? rows - 6 : rows / 2;
    int nodes_h = want < room ? want : room;
    if (nodes_h < 5)
        nodes_h = rows > 10 ? 5 : rows / 2;
    int facts_h = rows - nodes_h;
    listview_draw(&sg->facts, a, w, y0, 0, facts_h, cols, sg->focus == SG_PANEL_FACTS);
    char bar[160];
    const char *sorted = sg->nodes.sort_col >= 0 ? sg_node_cols[sg->nodes.sort_col].title : NULL;
    snprintf(bar, sizeof(bar), "Nodes (%zu)%s%s%s%s", listview_total(&sg->nodes),
             sorted ? "  sorted by " : "", sorted ? sorted : "",
             sorted && sg->nodes.sort_desc ? " (reversed)" : "",
             sg->focus == SG_PANEL_NODES ? "" : "   Tab: this panel");
    sg_panel_bar(s, w, y0 + facts_h, cols, bar, sg->focus == SG_PANEL_NODES);
    listview_draw(&sg->nodes, a, w, y0 + facts_h + 1, 0, nodes_h - 1, cols,
                  sg->focus == SG_PANEL_NODES);
}

static struct listview *sg_focused(struct screen_group *sg)
{
    return sg->focus == SG_PANEL_NODES ? &sg->nodes : &sg->facts;
}

/* The cache cluster id of a row of the nodes panel (its ID column is the
 * id, or id/node). */
static const char *sg_node_id(struct screen_group *sg, size_t row)
{
    const char *id = listview_get(&sg->nodes, row, NCOL_ID);
    if (!id || !*id)
        return NULL;
    snprintf(sg->node_pick, sizeof(sg->node_pick), "%s", id);
    char *slash = strchr(sg->node_pick, '/');
    if (slash)
        *slash = '\0';
    return sg->node_pick;
}

static int sg_request(struct screen *s, int req)
{
    struct screen_group *sg = s->priv;
    switch (req) {
    case REQ_REFRESH:
        inventory_refresh(sg->inv);
        observe_refresh(sg->ob);
        return APP_REDRAW;
    case REQ_NEXT_PANEL:
    case REQ_PREV_PANEL:
        if (!sg->loaded)
            return APP_HANDLED;
        sg->focus = (sg->focus + 1) % SG_PANELS;
        return APP_REDRAW;
    case REQ_CONSOLE:
    case REQ_LATENCY:
    case REQ_DOCTOR:
        return screen_console_request(s->app, req, sg->rg_id, screen_group_selected_node(s));
    case REQ_LOGS: {
        /* from the nodes panel: the selected node's records */
        struct screen_logs_scope scope = {0};
        size_t row;
        if (sg->focus == SG_PANEL_NODES && listview_selected(&sg->nodes, &row))
            scope.node = sg_node_id(sg, row);
        app_push(s->app, screen_logs_new(s->app, sg->rg_id, scope.node ? &scope : NULL));
        return APP_REDRAW;
    }
    case REQ_DESTROY: {
        /* the stack elcui made around the group, as its tag says */
        const struct model_group *g = inventory_group(sg->inv);
        const char *stack = NULL;
        for (size_t i = 0; g && i < g->n_tags; i++)
            if (g->tags[i].key && !strcmp(g->tags[i].key, STACK_SPEC_TAG_KEY))
                stack = g->tags[i].value;
        if (!stack) {
            app_message(s->app, THEME_ERROR,
                        "%s was not made by elcui create (no %s tag%s): there is no stack to "
                        "destroy here",
                        sg->rg_id, STACK_SPEC_TAG_KEY, g && g->tags_read ? "" : " read yet");
            return APP_REDRAW;
        }
        char *cmd = mem_xasprintf("destroy %s", stack);
        cmdline_run(s->app, cmd);
        free(cmd);
        return APP_REDRAW;
    }
    case REQ_SORT:
    case REQ_SORT_REVERSE:
        if (sg->focus != SG_PANEL_NODES) {
            app_message(s->app, THEME_DIM, "the facts cannot be sorted; Tab: the nodes panel");
            return APP_REDRAW;
        }
        return listview_request(&sg->nodes, req);
    case REQ_FAILOVER: {
        /* the shard of the node selected in the nodes panel, else the first */
        size_t row;
        const char *shard = NULL;
        if (sg->focus == SG_PANEL_NODES && listview_selected(&sg->nodes, &row))
            shard = listview_get(&sg->nodes, row, NCOL_SHARD);
        app_push(s->app, screen_failover_new(s->app, s, inventory_group(sg->inv), shard));
        return APP_REDRAW;
    }
    default: {
        int r = screen_inspect_request(s->app, req, sg->rg_id);
        return r != APP_IGNORED ? r : listview_request(sg_focused(sg), req);
    }
    }
}

static int sg_input(struct screen *s, int key)
{
    struct screen_group *sg = s->priv;
    return listview_input(sg_focused(sg), key);
}

static int sg_tick(struct screen *s)
{
    struct screen_group *sg = s->priv;
    if (!sg->fetched_ms)
        return APP_HANDLED;
    /* the title's age moves every second; node ages with it */
    sg_rebuild(s);
    return APP_REDRAW;
}

static char *sg_command(struct screen *s)
{
    struct screen_group *sg = s->priv;
    return mem_xasprintf("group %s", sg->rg_id);
}

static void sg_destroy(struct screen *s)
{
    struct screen_group *sg = s->priv;
    observe_free(sg->ob);
    inventory_free(sg->inv);
    listview_free(&sg->facts);
    listview_free(&sg->nodes);
    free(sg->error);
    free(sg->rg_id);
    free(sg);
    free(s);
}

static const char *sg_group(struct screen *s)
{
    struct screen_group *sg = s->priv;
    return sg->rg_id;
}

static const struct screen_ops screen_group_ops = {
    .name = "group",
    .draw = sg_draw,
    .request = sg_request,
    .input = sg_input,
    .title = sg_title,
    .tick = sg_tick,
    .command = sg_command,
    .group = sg_group,
    .destroy = sg_destroy,
};

const char *screen_group_id(struct screen *s)
{
    if (!s || s->ops != &screen_group_ops)
        return NULL;
    struct screen_group *sg = s->priv;
    return sg->rg_id;
}

const char *screen_group_selected_node(struct screen *s)
{
    if (!s || s->ops != &screen_group_ops)
        return NULL;
    struct screen_group *sg = s->priv;
    size_t row;
    if (sg->focus != SG_PANEL_NODES || !listview_selected(&sg->nodes, &row))
        return NULL;
    return listview_get(&sg->nodes, row, NCOL_ID);
}

void screen_group_focus_nodes(struct screen *s)
{
    if (!s || s->ops != &screen_group_ops)
        return;
    struct screen_group *sg = s->priv;
    sg->focus = SG_PANEL_NODES;
    app_dirty(s->app);
}

struct model_group *screen_group_model(struct screen *s)
{
    if (!s || s->ops != &screen_group_ops)
        return NULL;
    struct screen_group *sg = s->priv;
    return inventory_group(sg->inv);
}

void screen_group_refresh(struct screen *s)
{
    if (!s || s->ops != &screen_group_ops)
        return;
    struct screen_group *sg = s->priv;
    inventory_refresh(sg->inv);
}

struct screen *screen_group_new(struct app *a, const char *rg_id)
{
    struct screen_group *sg = mem_xcalloc(1, sizeof(*sg));
    sg->rg_id = mem_xstrdup(rg_id);
    listview_init_pager(&sg->facts);
    listview_init(&sg->nodes, sg_node_cols, NCOL_COUNT);
    struct screen *s = app_screen_new(a, &screen_group_ops, sg);
    struct session *ss = app_session(a);
    const struct config *cfg = app_config(a);
    struct inventory_options o;
    memset(&o, 0, sizeof(o));
    o.loop = ss->loop;
    o.aws = ss->aws;
    o.refresh_ms = (uint64_t)(cfg && cfg->refresh_s ? cfg->refresh_s : 15) * 1000;
    o.roles_from_metrics = true;
    o.tags = true;
    o.cb.on_group = sg_on_group;
    o.cb.on_error = sg_on_error;
    o.cb.arg = s;
    sg->inv = inventory_new(&o);
    inventory_open(sg->inv, rg_id);
    /* Redis itself, through the group's endpoint and AUTH token: roles,
     * PING, replication links and health, every few seconds */
    struct observe_options ob;
    app_observe_options(a, rg_id, &ob);
    ob.interval_ms = SG_OBSERVE_EVERY_MS;
    ob.on_update = sg_on_observed;
    ob.arg = s;
    sg->ob = observe_start(&ob);
    return s;
}
