/* screen_latency.c - latency per node (see screen_latency.h). */
#include "tui/screen/screen_latency.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/redis/console.h"
#include "core/redis/latency.h"
#include "core/redis/rsession.h"
#include "tui/widget/listview.h"

#define SL_HIST 120 /* windows kept per node */
#define SL_SPARK 24 /* windows in a sparkline */
#define SL_WINDOW_MS 1000

enum {
    LCOL_NODE,
    LCOL_SHARD,
    LCOL_ROLE,
    LCOL_AZ,
    LCOL_MIN,
    LCOL_AVG,
    LCOL_MAX,
    LCOL_P99,
    LCOL_SAMPLES,
    LCOL_ERRORS,
    LCOL_AT,
    LCOL_SPARK,
    LCOL_COUNT,
};

static const struct listview_col sl_cols[LCOL_COUNT] = {
    [LCOL_NODE] = {"NODE", 0, 0, 100, LISTVIEW_KEY},
    [LCOL_SHARD] = {"SHARD", 0, 0, 60, 0},
    [LCOL_ROLE] = {"ROLE", 0, 0, 60, 0},
    [LCOL_AZ] = {"AZ", 0, 0, 40, 0},
    [LCOL_MIN] = {"MIN ms", 0, 0, 80, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [LCOL_AVG] = {"AVG ms", 0, 0, 90, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [LCOL_MAX] = {"MAX ms", 0, 0, 85, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [LCOL_P99] = {"P99 ms", 0, 0, 85, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [LCOL_SAMPLES] = {"SAMPLES", 0, 0, 50, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [LCOL_ERRORS] = {"ERRORS", 0, 0, 70, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [LCOL_AT] = {"WINDOW", 0, 0, 45, 0},
    [LCOL_SPARK] = {"AVG, LAST 24 s", 14, 0, 30, 0},
};

struct sl_win {
    int64_t start_ms, end_ms;
    struct latency_stats st;
    char err[160];
};

struct sl_node {
    char node[RCLUSTER_NAME_MAX];
    char id[80];
    char shard[32], role[16], az[48];
    struct sl_win hist[SL_HIST]; /* a ring */
    size_t nhist, head;          /* head: the next slot */
    struct latency_stats total;
};

struct screen_latency {
    struct app *a;
    char *rg_id;
    struct console *con;
    struct latency *lt;
    struct sl_node *nodes;
    size_t nnodes;
    struct listview table;
    struct listview history;
    bool dirty;
    bool failed;
    char state[700];
    int64_t started_wall;
    unsigned long windows;
    char title[900];
};

static void sl_clock(int64_t ms, char *out, size_t n, bool millis)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm)) {
        snprintf(out, n, "-");
        return;
    }
    char hms[16];
    strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
    if (millis)
        snprintf(out, n, "%s.%03d", hms, (int)(ms % 1000));
    else
        snprintf(out, n, "%s", hms);
}

static const struct sl_win *sl_win_at(const struct sl_node *n, size_t back)
{
    if (back >= n->nhist)
        return NULL;
    return &n->hist[(n->head + SL_HIST - 1 - back) % SL_HIST];
}

/* The node's recent window averages as bars, oldest first. */
static void sl_spark(const struct sl_node *n, struct buf *b)
{
    static const char *const bars[] = {"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83",
                                       "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
                                       "\xe2\x96\x87", "\xe2\x96\x88"};
    static const char ascii[] = "_.:-=+*#";
    bool utf8 = MB_CUR_MAX > 1;
    size_t k = n->nhist < SL_SPARK ? n->nhist : SL_SPARK;
    double top = 0;
    for (size_t i = 0; i < k; i++) {
        const struct sl_win *w = sl_win_at(n, i);
        if (w->st.n && w->st.avg_us > top)
            top = w->st.avg_us;
    }
    for (size_t i = k; i-- > 0;) {
        const struct sl_win *w = sl_win_at(n, i);
        if (!w->st.n) {
            buf_appendc(b, w->st.errors ? '!' : ' ');
            continue;
        }
        int lvl = top > 0 ? (int)(w->st.avg_us / top * 7.0 + 0.5) : 0;
        if (lvl < 0)
            lvl = 0;
        if (lvl > 7)
            lvl = 7;
        if (w->st.errors)
            buf_appendc(b, '!');
        else if (utf8)
            buf_appends(b, bars[lvl]);
        else
            buf_appendc(b, ascii[lvl]);
    }
}

static void sl_ms(struct listview *lv, size_t r, int col, int role, uint64_t us, bool have)
{
    if (have)
        listview_set(lv, r, (size_t)col, role, "%.2f", (double)us / 1000.0);
    else
        listview_set(lv, r, (size_t)col, THEME_DIM, "-");
}

static void sl_rebuild(struct screen_latency *l)
{
    listview_begin(&l->table);
    for (size_t i = 0; i < l->nnodes; i++) {
        const struct sl_node *n = &l->nodes[i];
        const struct sl_win *w = sl_win_at(n, 0);
        size_t r = listview_add(&l->table);
        bool bad = w && w->st.errors;
        listview_set(&l->table, r, LCOL_NODE, bad ? THEME_FAILED : THEME_NORMAL, "%s", n->id);
        listview_set(&l->table, r, LCOL_SHARD, THEME_NORMAL, "%s", n->shard[0] ? n->shard : "-");
        listview_set(&l->table, r, LCOL_ROLE,
                     !strcmp(n->role, "primary")   ? THEME_PRIMARY
                     : !strcmp(n->role, "replica") ? THEME_REPLICA
                                                   : THEME_DIM,
                     "%s", n->role[0] ? n->role : "-");
        listview_set(&l->table, r, LCOL_AZ, THEME_NORMAL, "%s", n->az[0] ? n->az : "-");
        bool have = w && w->st.n;
        sl_ms(&l->table, r, LCOL_MIN, THEME_NORMAL, have ? w->st.min_us : 0, have);
        if (have)
            listview_set(&l->table, r, LCOL_AVG, THEME_NORMAL, "%.2f", w->st.avg_us / 1000.0);
        else
            listview_set(&l->table, r, LCOL_AVG, THEME_DIM, "-");
        sl_ms(&l->table, r, LCOL_MAX, THEME_NORMAL, have ? w->st.max_us : 0, have);
        sl_ms(&l->table, r, LCOL_P99, THEME_NORMAL, have ? w->st.p99_us : 0, have);
        listview_set(&l->table, r, LCOL_SAMPLES, THEME_NORMAL, "%llu",
                     w ? (unsigned long long)w->st.n : 0ULL);
        listview_set(&l->table, r, LCOL_ERRORS, bad ? THEME_FAILED : THEME_DIM, "%llu",
                     w ? (unsigned long long)w->st.errors : 0ULL);
        char at[32] = "-";
        if (w)
            sl_clock(w->end_ms, at, sizeof(at), false);
        listview_set(&l->table, r, LCOL_AT, THEME_DIM, "%s", at);
        struct buf sp;
        buf_init(&sp, 0);
        sl_spark(n, &sp);
        listview_set(&l->table, r, LCOL_SPARK, bad ? THEME_FAILED : THEME_OK, "%s", buf_str(&sp));
        buf_free(&sp);
    }
    listview_end(&l->table);
    /* the selected node's windows, newest first, like --latency-history */
    bool at_top = l->history.top == 0;
    listview_begin(&l->history);
    size_t row;
    const struct sl_node *sel = NULL;
    if (listview_selected(&l->table, &row)) {
        const char *id = listview_get(&l->table, row, LCOL_NODE);
        for (size_t i = 0; i < l->nnodes && !sel; i++)
            if (strcmp(l->nodes[i].id, id) == 0)
                sel = &l->nodes[i];
    }
    for (size_t k = 0; sel && k < sel->nhist; k++) {
        const struct sl_win *w = sl_win_at(sel, k);
        char a[32], b[32];
        sl_clock(w->start_ms, a, sizeof(a), true);
        sl_clock(w->end_ms, b, sizeof(b), true);
        size_t r = listview_add(&l->history);
        listview_seg(&l->history, r, THEME_DIM, 27, "%s - %s", a, b);
        if (w->st.n)
            listview_seg(&l->history, r, THEME_NORMAL, 0,
                         "min %.2f  avg %.2f  max %.2f  p99 %.2f ms  (%llu samples)",
                         (double)w->st.min_us / 1000.0, w->st.avg_us / 1000.0,
                         (double)w->st.max_us / 1000.0, (double)w->st.p99_us / 1000.0,
                         (unsigned long long)w->st.n);
        else
            listview_seg(&l->history, r, THEME_DIM, 0, "no sample");
        if (w->st.errors)
            listview_seg(&l->history, r, THEME_FAILED, 0, "  %llu error%s: %s",
                         (unsigned long long)w->st.errors, w->st.errors == 1 ? "" : "s", w->err);
    }
    listview_end(&l->history);
    if (at_top)
        listview_request(&l->history, REQ_FIRST);
    l->dirty = false;
}

static struct sl_node *sl_node_for(struct screen_latency *l, const struct latency_window *w)
{
    for (size_t i = 0; i < l->nnodes; i++)
        if (strcmp(l->nodes[i].node, w->node) == 0)
            return &l->nodes[i];
    l->nodes = mem_xrealloc(l->nodes, (l->nnodes + 1) * sizeof(*l->nodes));
    struct sl_node *n = &l->nodes[l->nnodes++];
    memset(n, 0, sizeof(*n));
    snprintf(n->node, sizeof(n->node), "%s", w->node);
    snprintf(n->id, sizeof(n->id), "%s",
             w->label.cache_cluster_id ? w->label.cache_cluster_id : w->node);
    snprintf(n->shard, sizeof(n->shard), "%s", w->label.shard ? w->label.shard : "");
    snprintf(n->az, sizeof(n->az), "%s", w->label.az ? w->label.az : "");
    return n;
}

static void sl_on_window(struct latency *lt, const struct latency_window *w, void *arg)
{
    struct screen_latency *l = arg;
    (void)lt;
    struct sl_node *n = sl_node_for(l, w);
    if (w->label.role != RCLUSTER_ROLE_UNKNOWN)
        snprintf(n->role, sizeof(n->role), "%s", rcluster_role_name(w->label.role));
    struct sl_win *h = &n->hist[n->head];
    h->start_ms = w->start_wall_ms;
    h->end_ms = w->end_wall_ms;
    h->st = w->window;
    snprintf(h->err, sizeof(h->err), "%s", w->last_error ? w->last_error : "");
    n->head = (n->head + 1) % SL_HIST;
    if (n->nhist < SL_HIST)
        n->nhist++;
    n->total = w->total;
    if (w->index > l->windows)
        l->windows = w->index;
    l->dirty = true;
    app_dirty(l->a);
}

static void sl_start(struct screen_latency *l)
{
    char err[300] = "";
    struct latency_options o = {
        .console = l->con,
        .target = RCLUSTER_T_ALL,
        .window_ms = SL_WINDOW_MS,
        .on_window = sl_on_window,
        .arg = l,
    };
    l->lt = latency_start(&o, err, sizeof(err));
    if (!l->lt) {
        l->failed = true;
        snprintf(l->state, sizeof(l->state), "cannot measure: %s", err);
        app_message(l->a, THEME_ERROR, "latency %s: %s", l->rg_id, err);
        return;
    }
    l->started_wall = app_now_ms(l->a);
    char since[32];
    sl_clock(l->started_wall, since, sizeof(since), false);
    snprintf(l->state, sizeof(l->state), "%zu nodes, PING every 10 ms, 1 s windows since %s",
             latency_node_count(l->lt), since);
}

static void sl_on_event(struct console *con, const struct console_event_info *e, void *arg)
{
    struct screen_latency *l = arg;
    (void)con;
    if (e->ev == CONSOLE_EV_READY && !l->lt)
        sl_start(l);
    else if (e->ev == CONSOLE_EV_FAILED) {
        l->failed = true;
        snprintf(l->state, sizeof(l->state), "the session did not open: %s",
                 e->text ? e->text : "failed");
        app_message(l->a, THEME_ERROR, "latency %s: %s", l->rg_id, e->text ? e->text : "failed");
    }
    app_dirty(l->a);
}

static void sl_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_latency *l = s->priv;
    struct app *a = s->app;
    if (l->dirty)
        sl_rebuild(l);
    if (l->nnodes == 0) {
        app_style(a, w, l->failed ? THEME_ERROR : THEME_DIM);
        app_put(w, y0 + 1, 2, cols - 4,
                l->failed ? l->state : "Connecting and taking the first samples...", false);
        app_style(a, w, THEME_NORMAL);
        return;
    }
    int table_h = (int)l->nnodes + 2;
    if (table_h > rows / 2 + 2)
        table_h = rows / 2 + 2;
    listview_draw(&l->table, a, w, y0, 0, table_h, cols, true);
    size_t row;
    const char *id = listview_selected(&l->table, &row) ? listview_get(&l->table, row, 0) : "-";
    char bar[200];
    snprintf(bar, sizeof(bar), "Windows of %s, newest first (wall-clock)", id);
    app_style(a, w, THEME_TITLE);
    app_put(w, y0 + table_h, 0, cols, "", true);
    app_put(w, y0 + table_h, 1, cols - 1, bar, false);
    app_style(a, w, THEME_NORMAL);
    listview_draw(&l->history, a, w, y0 + table_h + 1, 0, rows - table_h - 1, cols, false);
}

static int sl_request(struct screen *s, int req)
{
    struct screen_latency *l = s->priv;
    if (req == REQ_REFRESH) {
        if (!l->lt)
            return APP_HANDLED;
        latency_stop(l->lt);
        l->lt = NULL;
        free(l->nodes);
        l->nodes = NULL;
        l->nnodes = 0;
        l->windows = 0;
        sl_start(l);
        l->dirty = true;
        app_message(s->app, THEME_DIM, "measuring again");
        return APP_REDRAW;
    }
    int r = listview_request(&l->table, req);
    if (r & APP_REDRAW)
        l->dirty = true; /* the history follows the selection */
    return r;
}

static int sl_input(struct screen *s, int key)
{
    struct screen_latency *l = s->priv;
    return listview_input(&l->table, key);
}

static const char *sl_title(struct screen *s)
{
    struct screen_latency *l = s->priv;
    snprintf(l->title, sizeof(l->title), " Latency %s  %s", l->rg_id,
             l->state[0] ? l->state : "discovering...");
    return l->title;
}

static char *sl_command(struct screen *s)
{
    struct screen_latency *l = s->priv;
    return mem_xasprintf("latency %s", l->rg_id);
}

static void sl_destroy(struct screen *s)
{
    struct screen_latency *l = s->priv;
    latency_stop(l->lt);
    console_close(l->con);
    listview_free(&l->table);
    listview_free(&l->history);
    free(l->nodes);
    free(l->rg_id);
    free(l);
    free(s);
}

static const char *sl_group(struct screen *s)
{
    struct screen_latency *l = s->priv;
    return l->rg_id;
}

static const struct screen_ops screen_latency_ops = {
    .group = sl_group,
    .name = "latency",
    .draw = sl_draw,
    .request = sl_request,
    .input = sl_input,
    .title = sl_title,
    .command = sl_command,
    .destroy = sl_destroy,
};

struct screen *screen_latency_new(struct app *a, const char *rg_id)
{
    struct screen_latency *l = mem_xcalloc(1, sizeof(*l));
    l->a = a;
    l->rg_id = mem_xstrdup(rg_id);
    listview_init(&l->table, sl_cols, LCOL_COUNT);
    listview_init_pager(&l->history);
    l->history.empty = "No window yet.";
    struct session *ss = app_session(a);
    const struct session_options *so = ss->opts;
    struct console_options o = {
        .loop = ss->loop,
        .aws = ss->aws,
        .creds = ss->creds,
        .region = ss->region,
        .rg_id = rg_id,
        .cafile = so ? so->redis_cacert : NULL,
        .insecure = so && so->insecure,
        .connect_to = so ? so->connect_to : NULL,
        .n_connect_to = so ? so->nconnect_to : 0,
        .read_only = true,
        .client_name = "elcui-latency",
        .on_event = sl_on_event,
        .event_arg = l,
    };
    l->con = console_open(&o);
    if (!l->con) {
        l->failed = true;
        snprintf(l->state, sizeof(l->state), "cannot open a session on %s", rg_id);
    } else {
        snprintf(l->state, sizeof(l->state), "discovering the endpoint and the token...");
    }
    return app_screen_new(a, &screen_latency_ops, l);
}
