/* screen_metrics.c - a group's nodes with their metrics (core/model/metrics.h):
 * one row per node with the latest value of eight metrics (sortable by any)
 * and a sparkline of the sorted metric over the window, all nodes on one
 * scale; below, the selected node's eight sparklines with min, avg, max
 * and the latest value. The node list comes from the group's model
 * (inventory), the series from GetMetricData, both refreshed in the
 * background; the window keys choose 1h, 3h, 12h or 24h. */
#include "tui/screen/screen_metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "core/config.h"
#include "core/model/inventory.h"
#include "core/model/metrics.h"
#include "tui/cmd/cmdout.h"
#include "tui/screen/screen_inspect.h"
#include "tui/widget/listview.h"
#include "tui/widget/sparkline.h"

/* CloudWatch keeps 1-minute points: asking more often only costs */
#define SM_REFRESH_MS 60000
#define SM_TREND_W 24
#define SM_N_METRICS 8

struct sm_metric {
    const char *name;
    const char *column; /* table heading, with the unit of the numbers */
    const char *label;  /* detail panel */
    int scale;          /* 0 as is; 1 per second (Sum / period) in KiB */
};

static const struct sm_metric sm_metrics[SM_N_METRICS] = {
    {"CPUUtilization", "CPU %", "CPU %", 0},
    {"EngineCPUUtilization", "ENGINE %", "engine CPU %", 0},
    {"DatabaseMemoryUsagePercentage", "MEM %", "memory %", 0},
    {"CurrConnections", "CONN", "connections", 0},
    {"ReplicationLag", "LAG s", "replication lag s", 0},
    {"CacheHitRate", "HIT %", "cache hit rate %", 0},
    {"NetworkBytesIn", "IN KiB/s", "network in KiB/s", 1},
    {"NetworkBytesOut", "OUT KiB/s", "network out KiB/s", 1},
};

/* the trend right after the node, so it is never the column cut off */
enum { COL_NODE, COL_SHARD, COL_ROLE, COL_TREND, COL_M0, COL_COUNT = COL_M0 + SM_N_METRICS };

static const struct listview_col sm_cols[COL_COUNT] = {
    [COL_NODE] = {"NODE", 0, 0, 100, LISTVIEW_KEY},
    [COL_SHARD] = {"SHARD", 0, 0, 40, 0},
    [COL_ROLE] = {"ROLE", 0, 0, 50, 0},
    [COL_TREND] = {"TREND", 8, SM_TREND_W, 75, 0},
    [COL_M0 + 0] = {"CPU %", 0, 0, 70, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [COL_M0 + 1] = {"ENGINE %", 0, 0, 70, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [COL_M0 + 2] = {"MEM %", 0, 0, 70, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [COL_M0 + 3] = {"CONN", 0, 0, 65, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [COL_M0 + 4] = {"LAG s", 0, 0, 60, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [COL_M0 + 5] = {"HIT %", 0, 0, 60, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [COL_M0 + 6] = {"IN KiB/s", 0, 0, 55, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [COL_M0 + 7] = {"OUT KiB/s", 0, 0, 55, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
};

struct sm_node {
    char *cluster; /* cache cluster id */
    char *node_id;
    char shard[16];
    enum model_role role;
};

struct screen_metrics {
    char *rg_id;
    struct inventory *inv;
    struct sm_node *nodes; /* as asked in the last request */
    size_t n_nodes;
    struct metrics_req *req;
    struct metrics_result *res;
    struct loop_timer *timer;
    int64_t window_ms;
    int64_t fetched_ms;
    bool busy;
    bool utf8;
    int trend_w; /* the sparkline's columns, as the table lays it out */
    char *error;
    struct listview lv;
    char title[400];
    char drawn_title[400];
};

static void sm_fetch(struct screen *s);

/* The value as the table shows it (per second for byte counters). */
static double sm_scaled(const struct sm_metric *m, double v, int period_s)
{
    if (m->scale == 1)
        return period_s > 0 ? v / (double)period_s / 1024.0 : NAN;
    return v;
}

static void sm_num(double v, char *out, size_t n)
{
    if (!isfinite(v))
        snprintf(out, n, "-");
    else if (fabs(v) >= 100)
        snprintf(out, n, "%.0f", v);
    else if (fabs(v) >= 10)
        snprintf(out, n, "%.1f", v);
    else
        snprintf(out, n, "%.2f", v);
}

/* The metric whose sparkline the table shows: the sorted one, else CPU. */
static size_t sm_trend_metric(const struct screen_metrics *sm)
{
    int c = sm->lv.sort_col;
    return c >= COL_M0 && c < COL_M0 + SM_N_METRICS ? (size_t)(c - COL_M0) : 0;
}

static const struct metrics_series *sm_series(const struct screen_metrics *sm, size_t node,
                                              size_t metric)
{
    return sm->res && node < sm->res->n_nodes ? metrics_result_get(sm->res, node, metric) : NULL;
}

/* Lowest and highest point of a metric over every node (one scale). */
static void sm_range(const struct screen_metrics *sm, size_t metric, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < sm->n_nodes; i++) {
        const struct metrics_series *se = sm_series(sm, i, metric);
        for (size_t k = 0; se && k < se->n; k++)
            if (isfinite(se->values[k])) {
                *lo = fmin(*lo, se->values[k]);
                *hi = fmax(*hi, se->values[k]);
            }
    }
}

static void sm_fill(struct screen *s)
{
    struct screen_metrics *sm = s->priv;
    struct listview *lv = &sm->lv;
    size_t tm = sm_trend_metric(sm);
    double lo, hi;
    sm_range(sm, tm, &lo, &hi);
    listview_begin(lv);
    for (size_t i = 0; i < sm->n_nodes; i++) {
        const struct sm_node *nd = &sm->nodes[i];
        size_t r = listview_add(lv);
        listview_set(lv, r, COL_NODE, THEME_NORMAL, "%s", nd->cluster);
        listview_set(lv, r, COL_SHARD, THEME_NORMAL, "%s", nd->shard);
        listview_set(lv, r, COL_ROLE,
                     nd->role == MODEL_ROLE_PRIMARY   ? THEME_PRIMARY
                     : nd->role == MODEL_ROLE_REPLICA ? THEME_REPLICA
                                                      : THEME_DIM,
                     "%s", model_role_name(nd->role));
        for (size_t m = 0; m < SM_N_METRICS; m++) {
            const struct metrics_series *se = sm_series(sm, i, m);
            struct metrics_summary sum = {0};
            if (se)
                metrics_summarize(se, &sum);
            char num[32];
            sm_num(sum.n ? sm_scaled(&sm_metrics[m], sum.last, se->period_s) : NAN, num,
                   sizeof(num));
            listview_set(lv, r, COL_M0 + m, sum.n ? THEME_NORMAL : THEME_DIM, "%s", num);
        }
        const struct metrics_series *se = sm_series(sm, i, tm);
        char spark[SM_TREND_W * 4 + 1] = "";
        size_t got = 0;
        if (se && sm->res)
            got = sparkline_text(se->timestamps_ms, se->values, se->n, sm->res->start_ms,
                                 sm->res->end_ms, sm->trend_w, lo, hi, sm->utf8, spark,
                                 sizeof(spark));
        listview_set(lv, r, COL_TREND, got ? THEME_OK : THEME_DIM, "%-*s", sm->trend_w,
                     got ? spark : (sm->res ? "no data" : "..."));
    }
    listview_end(lv);
}

static void sm_on_metrics(struct metrics_result *out, const struct aws_error *err, void *arg)
{
    struct screen *s = arg;
    struct screen_metrics *sm = s->priv;
    sm->req = NULL;
    sm->busy = false;
    if (!out) {
        free(sm->error);
        sm->error = aws_error_format(err);
        app_message(s->app, THEME_ERROR, "metrics of %s: %s", sm->rg_id, sm->error);
    } else {
        metrics_result_free(sm->res);
        sm->res = out;
        free(sm->error);
        sm->error = NULL;
        sm->fetched_ms = app_now_ms(s->app);
    }
    sm_fill(s);
    app_dirty(s->app);
}

static void sm_on_timer(void *arg)
{
    struct screen *s = arg;
    struct screen_metrics *sm = s->priv;
    sm->timer = NULL;
    sm_fetch(s);
}

static void sm_fetch(struct screen *s)
{
    struct screen_metrics *sm = s->priv;
    struct session *ss = app_session(s->app);
    if (sm->timer)
        loop_untimer(ss->loop, sm->timer);
    sm->timer = loop_timer(ss->loop, SM_REFRESH_MS, sm_on_timer, s);
    if (sm->req || !sm->n_nodes)
        return;
    struct metrics_node_in *in = mem_xcalloc(sm->n_nodes, sizeof(*in));
    for (size_t i = 0; i < sm->n_nodes; i++) {
        in[i].cache_cluster_id = sm->nodes[i].cluster;
        in[i].cache_node_id = sm->nodes[i].node_id;
    }
    const char *names[SM_N_METRICS];
    for (size_t m = 0; m < SM_N_METRICS; m++)
        names[m] = sm_metrics[m].name;
    int64_t now = aws_client_now_ms(ss->aws);
    struct metrics_in mi = {
        .nodes = in,
        .n_nodes = sm->n_nodes,
        .metrics = names,
        .n_metrics = SM_N_METRICS,
        .start_ms = now - sm->window_ms,
        .end_ms = now,
        .now_ms = now,
    };
    sm->req = metrics_fetch(ss->aws, &mi, sm_on_metrics, s);
    sm->busy = sm->req != NULL;
    free(in);
}

static void sm_free_nodes(struct screen_metrics *sm)
{
    for (size_t i = 0; i < sm->n_nodes; i++) {
        free(sm->nodes[i].cluster);
        free(sm->nodes[i].node_id);
    }
    free(sm->nodes);
    sm->nodes = NULL;
    sm->n_nodes = 0;
}

static void sm_on_group(struct inventory *inv, struct model_group *g, void *arg)
{
    (void)inv;
    struct screen *s = arg;
    struct screen_metrics *sm = s->priv;
    /* the nodes shard by shard (a node only Redis reports has no
     * metrics); a new set of nodes asks again */
    size_t want = 0;
    bool same = true;
    for (size_t si = 0; si < g->n_shards; si++)
        for (size_t j = 0; j < g->shards[si].n_nodes; j++) {
            const struct model_node *n = &g->nodes[g->shards[si].nodes[j]];
            if (!n->cache_cluster_id)
                continue;
            same = same && want < sm->n_nodes &&
                   strcmp(sm->nodes[want].cluster, n->cache_cluster_id) == 0;
            want++;
        }
    same = same && want == sm->n_nodes;
    if (!same) {
        sm_free_nodes(sm);
        sm->nodes = mem_xcalloc(want ? want : 1, sizeof(*sm->nodes));
    }
    size_t k = 0;
    for (size_t si = 0; si < g->n_shards; si++)
        for (size_t j = 0; j < g->shards[si].n_nodes; j++) {
            const struct model_node *n = &g->nodes[g->shards[si].nodes[j]];
            if (!n->cache_cluster_id)
                continue;
            struct sm_node *d = &sm->nodes[k++];
            if (!same) {
                d->cluster = mem_xstrdup(n->cache_cluster_id);
                d->node_id = mem_xstrdup(n->cache_node_id ? n->cache_node_id : "0001");
            }
            snprintf(d->shard, sizeof(d->shard), "%s", g->shards[si].id ? g->shards[si].id : "?");
            d->role = n->role;
        }
    sm->n_nodes = k;
    if (!same) {
        if (sm->req)
            metrics_cancel(sm->req);
        sm->req = NULL;
        metrics_result_free(sm->res);
        sm->res = NULL;
        sm_fetch(s);
    }
    sm_fill(s);
    app_dirty(s->app);
}

static void sm_on_error(struct inventory *inv, enum inventory_op op, const struct aws_error *err,
                        void *arg)
{
    (void)inv;
    (void)op;
    struct screen *s = arg;
    struct screen_metrics *sm = s->priv;
    free(sm->error);
    sm->error = aws_error_format(err);
    app_message(s->app, THEME_ERROR, "group %s: %s", sm->rg_id, sm->error);
    app_dirty(s->app);
}

static const char *sm_window_name(int64_t ms)
{
    return ms <= 3600000LL        ? "1h"
           : ms <= 3 * 3600000LL  ? "3h"
           : ms <= 12 * 3600000LL ? "12h"
                                  : "24h";
}

static const char *sm_title(struct screen *s)
{
    struct screen_metrics *sm = s->priv;
    size_t n = sizeof(sm->title), l;
    snprintf(sm->title, n, " Metrics of %s: %zu node%s, last %s", sm->rg_id, sm->n_nodes,
             sm->n_nodes == 1 ? "" : "s", sm_window_name(sm->window_ms));
    l = strlen(sm->title);
    if (sm->res)
        snprintf(sm->title + l, n - l, ", %d-min points", sm->res->period_s / 60);
    l = strlen(sm->title);
    if (sm->fetched_ms) {
        char age[16];
        cmdout_age(app_now_ms(s->app) - sm->fetched_ms, age, sizeof(age));
        snprintf(sm->title + l, n - l, "  updated %s ago, every %ds%s%s", age, SM_REFRESH_MS / 1000,
                 sm->busy ? ", refreshing..." : "",
                 sm->error ? ", last refresh failed (:messages)" : "");
    } else if (sm->error) {
        snprintf(sm->title + l, n - l, "  load failed");
    } else {
        snprintf(sm->title + l, n - l, "  loading...");
    }
    return sm->title;
}

/* The selected node's eight metrics, one line each. */
static void sm_draw_detail(struct screen *s, WINDOW *w, int y, int rows, int cols)
{
    struct screen_metrics *sm = s->priv;
    struct app *a = s->app;
    size_t row;
    if (rows < 2 || !listview_selected(&sm->lv, &row))
        return;
    const char *node = listview_get(&sm->lv, row, COL_NODE);
    size_t idx = sm->n_nodes;
    for (size_t i = 0; i < sm->n_nodes; i++)
        if (strcmp(sm->nodes[i].cluster, node) == 0)
            idx = i;
    if (idx == sm->n_nodes)
        return;
    char head[256];
    snprintf(head, sizeof(head), "%s (shard %s, %s)%s", node, sm->nodes[idx].shard,
             model_role_name(sm->nodes[idx].role), sm->res ? "" : ": reading GetMetricData...");
    app_style(a, w, THEME_TITLE);
    app_put(w, y, 0, cols, "", true);
    app_put(w, y, 1, cols - 2, head, false);
    int label_w = 18, nums_w = 47;
    int spark_w = cols - label_w - nums_w - 3;
    if (spark_w < 8)
        spark_w = 8;
    int nums_x = 2 + label_w + spark_w;
    if (nums_w > cols - nums_x)
        nums_w = cols - nums_x; /* never past the edge (curses would wrap) */
    for (size_t m = 0; m < SM_N_METRICS && (int)m + 1 < rows; m++) {
        const struct sm_metric *mt = &sm_metrics[m];
        const struct metrics_series *se = sm_series(sm, idx, m);
        struct metrics_summary sum = {0};
        if (se)
            metrics_summarize(se, &sum);
        int yy = y + 1 + (int)m;
        app_style(a, w, THEME_COLUMN);
        app_put(w, yy, 0, cols, "", true);
        app_put(w, yy, 1, label_w, mt->label, false);
        char spark[512 * 4] = "";
        if (se && sum.n) {
            /* its own scale: min to max of this node's window */
            sparkline_text(se->timestamps_ms, se->values, se->n, sm->res->start_ms, sm->res->end_ms,
                           spark_w, sum.min, sum.max, sm->utf8, spark, sizeof(spark));
        }
        app_style(a, w, sum.n ? THEME_OK : THEME_DIM);
        app_put(w, yy, 1 + label_w, spark_w, sum.n ? spark : "no data in this window", false);
        char mn[24], av[24], mx[24], la[24], text[160];
        int p = se ? se->period_s : 60;
        sm_num(sum.n ? sm_scaled(mt, sum.min, p) : NAN, mn, sizeof(mn));
        sm_num(sum.n ? sm_scaled(mt, sum.avg, p) : NAN, av, sizeof(av));
        sm_num(sum.n ? sm_scaled(mt, sum.max, p) : NAN, mx, sizeof(mx));
        sm_num(sum.n ? sm_scaled(mt, sum.last, p) : NAN, la, sizeof(la));
        snprintf(text, sizeof(text), "min%7s  avg%7s  max%7s  last%7s", mn, av, mx, la);
        app_style(a, w, sum.n ? THEME_NORMAL : THEME_DIM);
        app_put(w, yy, nums_x, nums_w, text, false);
    }
    app_style(a, w, THEME_NORMAL);
}

static void sm_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_metrics *sm = s->priv;
    struct app *a = s->app;
    if (!sm->n_nodes && sm->error) {
        app_style(a, w, THEME_ERROR);
        app_put(w, y0 + 1, 2, cols - 4, "Describing the group failed:", false);
        app_put(w, y0 + 2, 4, cols - 6, sm->error, false);
        app_style(a, w, THEME_NORMAL);
        return;
    }
    sm->lv.empty = "Describing the group's nodes...";
    /* the sparkline as wide as its column is drawn (narrow terminals
     * shrink it): drawn again at that width */
    int cw[COL_COUNT];
    if (sm->trend_w != SM_TREND_W) {
        sm->trend_w = SM_TREND_W; /* the room it would take, then what it gets */
        sm_fill(s);
    }
    listview_layout(&sm->lv, cols, cw);
    if (cw[COL_TREND] >= 4 && cw[COL_TREND] < sm->trend_w) {
        sm->trend_w = cw[COL_TREND];
        sm_fill(s);
    }
    int detail = rows >= 20 ? SM_N_METRICS + 1 : 0;
    int table = rows - detail;
    int want = (int)listview_total(&sm->lv) + 2;
    if (detail && want < table)
        table = want;
    listview_draw(&sm->lv, a, w, y0, 0, table, cols, true);
    if (detail)
        sm_draw_detail(s, w, y0 + table, rows - table, cols);
}

static int sm_request(struct screen *s, int req)
{
    struct screen_metrics *sm = s->priv;
    int64_t h = 3600000LL;
    switch (req) {
    case REQ_REFRESH:
        inventory_refresh(sm->inv);
        if (sm->req)
            return APP_REDRAW;
        sm_fetch(s);
        return APP_REDRAW;
    case REQ_WINDOW_1H:
    case REQ_WINDOW_3H:
    case REQ_WINDOW_12H:
    case REQ_WINDOW_24H:
        sm->window_ms = req == REQ_WINDOW_1H    ? h
                        : req == REQ_WINDOW_3H  ? 3 * h
                        : req == REQ_WINDOW_12H ? 12 * h
                                                : 24 * h;
        if (sm->req)
            metrics_cancel(sm->req);
        sm->req = NULL;
        metrics_result_free(sm->res);
        sm->res = NULL;
        sm->fetched_ms = 0;
        sm_fetch(s);
        sm_fill(s);
        return APP_REDRAW;
    case REQ_SORT:
    case REQ_SORT_REVERSE: {
        int r = listview_request(&sm->lv, req);
        sm_fill(s); /* the trend follows the sorted metric */
        return r;
    }
    default: {
        int r = screen_inspect_request(s->app, req, sm->rg_id);
        return r != APP_IGNORED ? r : listview_request(&sm->lv, req);
    }
    }
}

static int sm_input(struct screen *s, int key)
{
    struct screen_metrics *sm = s->priv;
    return listview_input(&sm->lv, key);
}

static int sm_tick(struct screen *s)
{
    struct screen_metrics *sm = s->priv;
    const char *t = sm_title(s);
    if (strcmp(t, sm->drawn_title) == 0)
        return APP_HANDLED;
    snprintf(sm->drawn_title, sizeof(sm->drawn_title), "%s", t);
    return APP_REDRAW;
}

static char *sm_command(struct screen *s)
{
    struct screen_metrics *sm = s->priv;
    return mem_xasprintf("metrics %s", sm->rg_id);
}

static const char *sm_group(struct screen *s)
{
    struct screen_metrics *sm = s->priv;
    return sm->rg_id;
}

static void sm_destroy(struct screen *s)
{
    struct screen_metrics *sm = s->priv;
    if (sm->req)
        metrics_cancel(sm->req);
    if (sm->timer)
        loop_untimer(app_session(s->app)->loop, sm->timer);
    inventory_free(sm->inv);
    metrics_result_free(sm->res);
    sm_free_nodes(sm);
    listview_free(&sm->lv);
    free(sm->error);
    free(sm->rg_id);
    free(sm);
    free(s);
}

static const struct screen_ops screen_metrics_ops = {
    .name = "metrics",
    .draw = sm_draw,
    .request = sm_request,
    .input = sm_input,
    .title = sm_title,
    .tick = sm_tick,
    .command = sm_command,
    .group = sm_group,
    .destroy = sm_destroy,
};

struct screen *screen_metrics_new(struct app *a, const char *rg_id)
{
    struct screen_metrics *sm = mem_xcalloc(1, sizeof(*sm));
    sm->rg_id = mem_xstrdup(rg_id);
    sm->window_ms = 3600000LL;
    sm->utf8 = sparkline_utf8();
    sm->trend_w = SM_TREND_W;
    listview_init(&sm->lv, sm_cols, COL_COUNT);
    struct screen *s = app_screen_new(a, &screen_metrics_ops, sm);
    struct session *ss = app_session(a);
    const struct config *cfg = app_config(a);
    struct inventory_options o;
    memset(&o, 0, sizeof(o));
    o.loop = ss->loop;
    o.aws = ss->aws;
    o.refresh_ms = (uint64_t)(cfg && cfg->refresh_s ? cfg->refresh_s : 15) * 1000;
    o.roles_from_metrics = true;
    o.cb.on_group = sm_on_group;
    o.cb.on_error = sm_on_error;
    o.cb.arg = s;
    sm->inv = inventory_new(&o);
    inventory_open(sm->inv, rg_id);
    return s;
}
