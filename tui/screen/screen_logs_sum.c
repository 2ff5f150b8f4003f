/* screen_logs_sum.c - the slow-log summary of the log panel. */
#include "tui/screen/screen_logs_sum.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/logs/logsum.h"
#include "tui/widget/listview.h"

enum {
    SUM_COMMAND,
    SUM_NODE,
    SUM_COUNT,
    SUM_P50,
    SUM_P99,
    SUM_MAX,
    SUM_TOTAL,
    SUM_CLIENTS,
    SUM_NODES,
    SUM_NCOLS,
};

static const struct listview_col sum_cols[SUM_NCOLS] = {
    [SUM_COMMAND] = {"COMMAND", 0, 24, 100, LISTVIEW_KEY},
    [SUM_NODE] = {"", 0, 0, 0, 0}, /* empty: a row per command */
    [SUM_COUNT] = {"COUNT", 0, 0, 90, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [SUM_P50] = {"P50 ms", 0, 0, 85, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [SUM_P99] = {"P99 ms", 0, 0, 85, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [SUM_MAX] = {"MAX ms", 0, 0, 85, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [SUM_TOTAL] = {"TOTAL ms", 0, 0, 88, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [SUM_CLIENTS] = {"TOP CLIENTS", 16, 0, 40, 0},
    [SUM_NODES] = {"NODES", 12, 0, 30, 0},
};

/* by node: the node is a column of its own, and no column is a key */
static const struct listview_col sum_cols_node[SUM_NCOLS] = {
    [SUM_COMMAND] = {"COMMAND", 0, 24, 100, 0},
    [SUM_NODE] = {"NODE", 0, 0, 95, 0}, /* never cut: the table scrolls */
    [SUM_COUNT] = {"COUNT", 0, 0, 90, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [SUM_P50] = {"P50 ms", 0, 0, 85, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [SUM_P99] = {"P99 ms", 0, 0, 85, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [SUM_MAX] = {"MAX ms", 0, 0, 85, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [SUM_TOTAL] = {"TOTAL ms", 0, 0, 88, LISTVIEW_NUMERIC | LISTVIEW_RIGHT},
    [SUM_CLIENTS] = {"TOP CLIENTS", 16, 0, 40, 0},
    [SUM_NODES] = {"NODES", 12, 0, 30, 0},
};

struct screen_logs_sum {
    struct logstore *store;
    struct logstore_view *view;
    struct listview lv;
    bool by_node;
    uint64_t built_pushed, built_dropped;
    char *context;
    int64_t warn_us, error_us;
    struct screen **backref;
    size_t records, unparsed;
    int64_t total_us;
    struct app *app;
    int64_t built_ms, build_cost_ms; /* when, and how long it took */
    char title[512];
};

static void sum_ms(struct listview *lv, size_t row, size_t col, int role, int64_t us)
{
    listview_set(lv, row, col, role, "%lld.%03lld", (long long)(us / 1000), (long long)(us % 1000));
}

static int sum_role(const struct screen_logs_sum *m, int64_t us)
{
    return us >= m->error_us ? THEME_ERROR : us >= m->warn_us ? THEME_WARNING : THEME_NORMAL;
}

static void sum_build(struct screen_logs_sum *m)
{
    int64_t t0 = app_now_ms(m->app);
    struct logsum *s = logsum_build(m->view, m->by_node);
    listview_begin(&m->lv);
    struct buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < s->n; i++) {
        const struct logsum_row *r = &s->rows[i];
        size_t row = listview_add(&m->lv);
        buf_reset(&b);
        logrec_safe_appends(&b, r->command[0] ? r->command : "(none)");
        listview_set(&m->lv, row, SUM_COMMAND, THEME_SLOW, "%s", buf_str(&b));
        buf_reset(&b);
        logrec_safe_appends(&b, r->node ? r->node : "");
        listview_set(&m->lv, row, SUM_NODE, THEME_NORMAL, "%s", buf_str(&b));
        listview_set(&m->lv, row, SUM_COUNT, THEME_NORMAL, "%zu", r->count);
        sum_ms(&m->lv, row, SUM_P50, sum_role(m, r->p50_us), r->p50_us);
        sum_ms(&m->lv, row, SUM_P99, sum_role(m, r->p99_us), r->p99_us);
        sum_ms(&m->lv, row, SUM_MAX, sum_role(m, r->max_us), r->max_us);
        sum_ms(&m->lv, row, SUM_TOTAL, THEME_NORMAL, r->total_us);
        buf_reset(&b);
        for (size_t k = 0; k < r->nclients; k++) {
            buf_appends(&b, k ? "  " : "");
            logrec_safe_appends(&b, r->clients[k].name);
            buf_printf(&b, " x%zu", r->clients[k].n);
        }
        if (r->clients_total > r->nclients)
            buf_printf(&b, "  (+%zu more)", r->clients_total - r->nclients);
        listview_set(&m->lv, row, SUM_CLIENTS, THEME_NORMAL, "%s", buf_str(&b));
        buf_reset(&b);
        for (size_t k = 0; k < r->nnodes; k++) {
            buf_appends(&b, k ? "  " : "");
            logrec_safe_appends(&b, r->nodes[k].name);
            buf_printf(&b, " x%zu", r->nodes[k].n);
        }
        if (r->nodes_total > r->nnodes)
            buf_printf(&b, "  (+%zu more)", r->nodes_total - r->nnodes);
        listview_set(&m->lv, row, SUM_NODES, THEME_DIM, "%s", buf_str(&b));
    }
    buf_free(&b);
    listview_end(&m->lv);
    m->records = s->records;
    m->unparsed = s->unparsed;
    m->total_us = s->total_us;
    m->built_pushed = logstore_pushed(m->store);
    m->built_dropped = logstore_dropped(m->store);
    logsum_free(s);
    m->built_ms = app_now_ms(m->app);
    m->build_cost_ms = m->built_ms - t0;
}

static void sum_draw(struct screen *s, WINDOW *w, int y0, int rows, int cols)
{
    struct screen_logs_sum *m = s->priv;
    struct buf b;
    buf_init(&b, 0);
    buf_printf(&b, "%zu slow-log record%s, %lld.%03lld s in all", m->records,
               m->records == 1 ? "" : "s", (long long)(m->total_us / 1000000),
               (long long)(m->total_us / 1000 % 1000));
    if (m->unparsed) /* said apart: they have no duration to count */
        buf_printf(&b, ", %zu that did not parse (not counted)", m->unparsed);
    buf_printf(&b, "; p: %s", m->by_node ? "per command" : "per command and node");
    app_style(s->app, w, THEME_DIM);
    app_put(w, y0, 0, cols, "", true);
    app_put(w, y0, 1, cols - 1, buf_str(&b), false);
    buf_free(&b);
    app_style(s->app, w, THEME_NORMAL);
    m->lv.empty = "No slow-log record in the window shown (with these filters).";
    listview_draw(&m->lv, s->app, w, y0 + 1, 0, rows - 1, cols, true);
}

static void sum_set_mode(struct screen_logs_sum *m, bool by_node)
{
    int sc = m->lv.sort_col;
    bool desc = m->lv.sort_desc;
    listview_free(&m->lv);
    m->by_node = by_node;
    listview_init(&m->lv, by_node ? sum_cols_node : sum_cols, SUM_NCOLS);
    sum_build(m);
    if (sc >= 0)
        listview_sort(&m->lv, sc, desc);
}

static int sum_request(struct screen *s, int req)
{
    struct screen_logs_sum *m = s->priv;
    switch (req) {
    case REQ_LOG_RECORDS:
        return APP_CLOSE;
    case REQ_LOG_BY_NODE:
        sum_set_mode(m, !m->by_node);
        return APP_REDRAW;
    default:
        return listview_request(&m->lv, req);
    }
}

static int sum_input(struct screen *s, int key)
{
    struct screen_logs_sum *m = s->priv;
    return listview_input(&m->lv, key);
}

static int sum_tick(struct screen *s)
{
    struct screen_logs_sum *m = s->priv;
    if (logstore_pushed(m->store) == m->built_pushed &&
        logstore_dropped(m->store) == m->built_dropped)
        return APP_HANDLED;
    /* live, but never more than a twentieth of the time on it */
    int64_t gap = m->build_cost_ms * 20 > 1000 ? m->build_cost_ms * 20 : 1000;
    if (app_now_ms(s->app) - m->built_ms < gap - 100)
        return APP_HANDLED;
    sum_build(m);
    return APP_REDRAW;
}

static const char *sum_title(struct screen *s)
{
    struct screen_logs_sum *m = s->priv;
    struct buf b;
    buf_init(&b, 0);
    buf_printf(&b, " Slow log by command%s  %s", m->by_node ? " and node" : "", m->context);
    const struct logstore_filter *f = logstore_view_filter(m->view);
    if (logstore_filter_active(f))
        buf_appends(&b, "  (filtered as the panel)");
    snprintf(m->title, sizeof(m->title), "%s", buf_str(&b));
    buf_free(&b);
    return m->title;
}

static void sum_destroy(struct screen *s)
{
    struct screen_logs_sum *m = s->priv;
    if (m->backref && *m->backref == s)
        *m->backref = NULL;
    logstore_view_free(m->view);
    listview_free(&m->lv);
    free(m->context);
    free(m);
    free(s);
}

static const struct screen_ops screen_logs_sum_ops = {
    .name = "log-summary",
    .draw = sum_draw,
    .request = sum_request,
    .input = sum_input,
    .title = sum_title,
    .tick = sum_tick,
    .destroy = sum_destroy,
};

struct screen *screen_logs_sum_new(struct app *a, struct logstore *store,
                                   const struct logstore_filter *f, const char *context,
                                   int64_t warn_us, int64_t error_us, struct screen **backref)
{
    struct screen_logs_sum *m = mem_xcalloc(1, sizeof(*m));
    m->store = store;
    m->view = logstore_view_new(store);
    /* the slow log only, filtered as the panel */
    struct logstore_filter sf = *f;
    sf.types = 1u << LOGREC_SLOW;
    logstore_view_set_filter(m->view, &sf);
    m->context = mem_xstrdup(context ? context : "");
    m->warn_us = warn_us;
    m->error_us = error_us;
    m->backref = backref;
    m->app = a;
    listview_init(&m->lv, sum_cols, SUM_NCOLS);
    sum_build(m);
    return app_screen_new(a, &screen_logs_sum_ops, m);
}
