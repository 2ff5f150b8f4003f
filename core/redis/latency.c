/* latency.c - per-node latency probe (see latency.h). */
#include "core/redis/latency.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/mem.h"

static int latency_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void latency_stats_compute(uint64_t *samples, size_t n, uint64_t errors, struct latency_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->errors = errors;
    out->n = n;
    if (n == 0)
        return;
    qsort(samples, n, sizeof(*samples), latency_cmp);
    out->min_us = samples[0];
    out->max_us = samples[n - 1];
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)samples[i];
    out->avg_us = sum / (double)n;
    /* nearest rank: the smallest sample with at least 99% at or below it */
    size_t rank = (n * 99 + 99) / 100;
    if (rank < 1)
        rank = 1;
    out->p99_us = samples[rank - 1];
}

struct latency_node {
    struct latency *lt;
    char *name;
    struct console_run *run;
    struct loop_timer *retry;
    uint64_t *samples; /* this window */
    size_t n, cap;
    uint64_t errors;
    char last_error[RCONN_ERRMSG_MAX + 32];
    bool has_error;
    /* totals */
    uint64_t t_n, t_errors, t_min, t_max;
    double t_sum;
};

struct latency {
    struct console *c;
    struct loop *l;
    struct latency_node *nodes;
    size_t nnodes;
    uint64_t window_ms, gap_ms, timeout_ms;
    unsigned long windows, index;
    int64_t window_start;
    struct loop_timer *timer;
    latency_window_cb on_window;
    latency_done_cb on_done;
    void *arg;
    bool stopping;
    bool in_tick;
};

static void latency_fail(struct latency_node *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void latency_fail(struct latency_node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n->last_error, sizeof(n->last_error), fmt, ap);
    va_end(ap);
    n->has_error = true;
    n->errors++;
    n->t_errors++;
}

static void latency_on_reply(struct console *c, const struct console_reply *r, void *arg)
{
    struct latency_node *n = arg;
    (void)c;
    if (n->lt->stopping)
        return;
    if (r->r->err) {
        latency_fail(n, "%s: %s", rconn_err_name(r->r->err->code), r->r->err->msg);
        return;
    }
    if (r->r->reply && r->r->reply->type == REDIS_REPLY_ERROR) {
        latency_fail(n, "error reply: %.*s", (int)(r->r->reply->len > 300 ? 300 : r->r->reply->len),
                     r->r->reply->str);
        return;
    }
    uint64_t us = r->r->latency_us;
    if (n->n < LATENCY_MAX_WINDOW_SAMPLES) {
        n->samples = mem_xgrow(n->samples, &n->cap, n->n + 1, sizeof(*n->samples));
        n->samples[n->n++] = us;
    }
    if (n->t_n == 0 || us < n->t_min)
        n->t_min = us;
    if (us > n->t_max)
        n->t_max = us;
    n->t_n++;
    n->t_sum += (double)us;
}

static void latency_start_node(struct latency_node *n);

/* Once stopped, the memory goes with the last run's on_done. */
static void latency_maybe_free(struct latency *lt)
{
    if (lt->in_tick)
        return;
    for (size_t i = 0; i < lt->nnodes; i++)
        if (lt->nodes[i].run)
            return;
    free(lt->nodes);
    free(lt);
}

static void latency_retry_fire(void *arg)
{
    struct latency_node *n = arg;
    n->retry = NULL;
    latency_start_node(n);
}

static void latency_on_done(struct console *c, const struct console_done *d, void *arg)
{
    struct latency_node *n = arg;
    (void)c;
    n->run = NULL;
    if (n->lt->stopping) {
        latency_maybe_free(n->lt);
        return;
    }
    if (d->refused)
        latency_fail(n, "refused: %s", d->refused->why);
    else if (d->err)
        latency_fail(n, "%s: %s", rconn_err_name(d->err->code), d->err->msg);
    /* the run repeats forever and ends only when refused or failed as a
     * whole: try again after a pause, so a broken session never spins */
    n->retry = loop_timer(n->lt->l, 1000, latency_retry_fire, n);
}

static void latency_start_node(struct latency_node *n)
{
    struct latency *lt = n->lt;
    static const char *const argv[] = {"PING"};
    struct console_request q = {
        .target = RCLUSTER_T_NODE,
        .node = n->name,
        .argc = 1,
        .argv = argv,
        .repeat = CONSOLE_FOREVER,
        .interval_ms = lt->gap_ms,
        .timeout_ms = lt->timeout_ms,
        .on_reply = latency_on_reply,
        .on_done = latency_on_done,
        .arg = n,
    };
    n->run = console_exec(lt->c, &q);
    if (!n->run) {
        latency_fail(n, "closed: the session is closing");
        n->retry = loop_timer(lt->l, 1000, latency_retry_fire, n);
    }
}

static void latency_tick(void *arg)
{
    struct latency *lt = arg;
    lt->timer = NULL;
    int64_t now = loop_wall_ms(lt->l);
    lt->index++;
    lt->in_tick = true;
    for (size_t i = 0; i < lt->nnodes && !lt->stopping; i++) {
        struct latency_node *n = &lt->nodes[i];
        struct latency_window w;
        memset(&w, 0, sizeof(w));
        w.node = n->name;
        console_label_node(lt->c, n->name, &w.label);
        w.index = lt->index;
        w.start_wall_ms = lt->window_start;
        w.end_wall_ms = now;
        latency_stats_compute(n->samples, n->n, n->errors, &w.window);
        w.total.n = n->t_n;
        w.total.errors = n->t_errors;
        w.total.min_us = n->t_min;
        w.total.max_us = n->t_max;
        w.total.avg_us = n->t_n ? n->t_sum / (double)n->t_n : 0;
        w.last_error = n->has_error ? n->last_error : NULL;
        if (lt->on_window)
            lt->on_window(lt, &w, lt->arg);
        n->n = 0;
        n->errors = 0;
        n->has_error = false;
    }
    lt->in_tick = false;
    if (lt->stopping) {
        latency_maybe_free(lt);
        return;
    }
    lt->window_start = now;
    if (lt->windows && lt->index >= lt->windows) {
        if (lt->on_done)
            lt->on_done(lt, lt->arg);
        return;
    }
    lt->timer = loop_timer(lt->l, lt->window_ms, latency_tick, lt);
}

static bool latency_match(const struct console_node *cn, const char *want)
{
    if (strcmp(cn->info.name, want) == 0)
        return true;
    if (cn->label.cache_cluster_id && strcasecmp(cn->label.cache_cluster_id, want) == 0)
        return true;
    size_t wl = strlen(want);
    return wl >= 6 && cn->info.id && strncmp(cn->info.id, want, wl) == 0;
}

struct latency *latency_start(const struct latency_options *o, char *errbuf, size_t errlen)
{
    if (!o || !o->console || console_state(o->console) != CONSOLE_S_READY) {
        snprintf(errbuf, errlen, "the session is not ready");
        return NULL;
    }
    size_t total = console_node_count(o->console);
    struct latency *lt = mem_xcalloc(1, sizeof(*lt));
    lt->c = o->console;
    lt->l = console_loop(o->console);
    lt->window_ms = o->window_ms ? o->window_ms : 1000;
    lt->gap_ms = o->gap_ms ? o->gap_ms : LATENCY_DEFAULT_GAP_MS;
    lt->timeout_ms = o->timeout_ms;
    lt->windows = o->windows;
    lt->on_window = o->on_window;
    lt->on_done = o->on_done;
    lt->arg = o->arg;
    lt->nodes = mem_xcalloc(total ? total : 1, sizeof(*lt->nodes));
    for (size_t i = 0; i < total && lt->nnodes < LATENCY_MAX_NODES; i++) {
        struct console_node cn;
        if (!console_node_at(o->console, i, &cn))
            continue;
        bool want;
        switch (o->target) {
        case RCLUSTER_T_NODE:
            want = o->node && latency_match(&cn, o->node);
            break;
        case RCLUSTER_T_PRIMARIES:
            want = cn.info.role == RCLUSTER_ROLE_PRIMARY;
            break;
        case RCLUSTER_T_REPLICAS:
            want = cn.info.role == RCLUSTER_ROLE_REPLICA;
            break;
        default:
            want = true;
        }
        if (!want)
            continue;
        struct latency_node *n = &lt->nodes[lt->nnodes++];
        n->lt = lt;
        n->name = mem_xstrdup(cn.info.name);
        if (o->target == RCLUSTER_T_NODE)
            break;
    }
    if (lt->nnodes == 0) {
        if (o->target == RCLUSTER_T_NODE)
            snprintf(errbuf, errlen,
                     "no node '%s' in the topology (give host:port, a cache "
                     "cluster id or a Redis node id)",
                     o->node ? o->node : "");
        else
            snprintf(errbuf, errlen, "no %s to probe", console_target_name(o->target));
        latency_stop(lt);
        return NULL;
    }
    lt->window_start = loop_wall_ms(lt->l);
    for (size_t i = 0; i < lt->nnodes; i++)
        latency_start_node(&lt->nodes[i]);
    lt->timer = loop_timer(lt->l, lt->window_ms, latency_tick, lt);
    return lt;
}

size_t latency_node_count(const struct latency *lt)
{
    return lt ? lt->nnodes : 0;
}

void latency_stop(struct latency *lt)
{
    if (!lt)
        return;
    lt->stopping = true;
    if (lt->timer)
        loop_untimer(lt->l, lt->timer);
    for (size_t i = 0; i < lt->nnodes; i++) {
        struct latency_node *n = &lt->nodes[i];
        if (n->retry)
            loop_untimer(lt->l, n->retry);
        free(n->samples);
        free(n->name);
        n->samples = NULL;
        n->name = NULL;
    }
    /* runs still going end from the loop (cancelled); the last one frees */
    for (size_t i = 0; i < lt->nnodes; i++)
        if (lt->nodes[i].run)
            console_run_cancel(lt->nodes[i].run);
    latency_maybe_free(lt);
}
