/* metrics.c - per-node ElastiCache metrics (see metrics.h). */
#include "core/model/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/cloudwatch.h"
#include "aws/mem.h"

static const struct metrics_def metrics_table[] = {
    /* the default set, in display order */
    {"CPUUtilization", "Average", "Percent", false, true},
    {"EngineCPUUtilization", "Average", "Percent", false, true},
    {"DatabaseMemoryUsagePercentage", "Average", "Percent", false, true},
    {"CurrConnections", "Maximum", "Count", false, true},
    {"ReplicationLag", "Maximum", "Seconds", true, true},
    {"CacheHits", "Sum", "Count", false, true},
    {"CacheMisses", "Sum", "Count", false, true},
    {"NetworkBytesIn", "Sum", "Bytes", false, true},
    {"NetworkBytesOut", "Sum", "Bytes", false, true},
    {"IsMaster", "Average", "Count", false, true},
    /* on request */
    {"CacheHitRate", "Average", "Percent", false, false},
    {"Evictions", "Sum", "Count", false, false},
    {"CurrItems", "Average", "Count", false, false},
    {"NewConnections", "Sum", "Count", false, false},
    {"FreeableMemory", "Minimum", "Bytes", false, false},
    {"SwapUsage", "Maximum", "Bytes", false, false},
    {"ReplicationBytes", "Sum", "Bytes", false, false},
    {"BytesUsedForCache", "Maximum", "Bytes", false, false},
    {"MemoryFragmentationRatio", "Average", "Count", false, false},
    {"NetworkPacketsIn", "Sum", "Count", false, false},
    {"NetworkPacketsOut", "Sum", "Count", false, false},
};

#define METRICS_N_TABLE (sizeof(metrics_table) / sizeof(metrics_table[0]))

const struct metrics_def *metrics_defs(size_t *n)
{
    *n = METRICS_N_TABLE;
    return metrics_table;
}

const struct metrics_def *metrics_def_find(const char *name)
{
    for (size_t i = 0; name && i < METRICS_N_TABLE; i++)
        if (strcmp(metrics_table[i].name, name) == 0)
            return &metrics_table[i];
    return NULL;
}

bool metrics_name_valid(const char *name)
{
    if (!name || !*name || strlen(name) > 255)
        return false;
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

bool metrics_stat_valid(const char *stat)
{
    static const char *const names[] = {"Average", "Sum", "Minimum", "Maximum", "SampleCount"};
    if (!stat)
        return false;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(stat, names[i]) == 0)
            return true;
    /* percentiles: p0..p100 with an optional fraction */
    if (stat[0] != 'p' || !stat[1])
        return false;
    char *end;
    double v = strtod(stat + 1, &end);
    if (*end || stat[1] == '-' || stat[1] == '+' || stat[1] == '.' || !(v >= 0.0 && v <= 100.0))
        return false;
    for (const char *p = stat + 1; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.'))
            return false;
    return true;
}

int metrics_auto_period(int64_t start_ms, int64_t end_ms, int64_t now_ms)
{
    static const int steps[] = {60, 300, 900, 3600, 21600, 86400};
    int64_t span_s = end_ms > start_ms ? (end_ms - start_ms) / 1000 : 0;
    int64_t want = (span_s + 359) / 360;
    int floor_s = 60;
    int64_t age_s = now_ms > start_ms ? (now_ms - start_ms) / 1000 : 0;
    if (age_s > 63LL * 86400)
        floor_s = 3600;
    else if (age_s > 15LL * 86400)
        floor_s = 300;
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (steps[i] >= want && steps[i] >= floor_s)
            return steps[i];
    return 86400;
}

void metrics_result_free(struct metrics_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_series; i++) {
        struct metrics_series *s = &r->series[i];
        free(s->cache_cluster_id);
        free(s->cache_node_id);
        free(s->metric);
        free(s->stat);
        free(s->timestamps_ms);
        free(s->values);
        free(s->status);
        free(s->message);
    }
    free(r->series);
    free(r);
}

const struct metrics_series *metrics_result_get(const struct metrics_result *r, size_t node,
                                                size_t metric)
{
    if (!r || node >= r->n_nodes || metric >= r->n_metrics)
        return NULL;
    return &r->series[node * r->n_metrics + metric];
}

void metrics_summarize(const struct metrics_series *s, struct metrics_summary *out)
{
    memset(out, 0, sizeof(*out));
    double sum = 0;
    for (size_t i = 0; s && i < s->n; i++) {
        double v = s->values[i];
        if (!isfinite(v))
            continue;
        if (out->n == 0 || v < out->min)
            out->min = v;
        if (out->n == 0 || v > out->max)
            out->max = v;
        sum += v;
        out->n++;
        if (s->timestamps_ms[i] >= out->last_ms) {
            out->last = v;
            out->last_ms = s->timestamps_ms[i];
        }
    }
    if (out->n)
        out->avg = sum / (double)out->n;
}

/* ---- fetching ---- */

struct metrics_req {
    struct aws_client *c;
    metrics_cb cb;
    void *arg;
    struct aws_call *call;
    struct metrics_result *res;
    /* input, copied */
    char **nodes_cc;
    char **nodes_id;
    size_t n_nodes;
    char **names;
    char **stats;
    size_t n_metrics;
    /* batching */
    size_t total;                              /* queries */
    size_t next;                               /* first query of the current batch */
    size_t pages;                              /* of the current batch */
    struct cloudwatch_get_metric_data_out acc; /* current batch, merged */
    char *token;
};

static void metrics_reset_acc(struct metrics_req *q)
{
    struct cloudwatch_get_metric_data_out *a = mem_xcalloc(1, sizeof(*a));
    *a = q->acc;
    cloudwatch_get_metric_data_out_free(a);
    memset(&q->acc, 0, sizeof(q->acc));
}

static void metrics_req_free(struct metrics_req *q)
{
    for (size_t i = 0; i < q->n_nodes; i++) {
        free(q->nodes_cc[i]);
        free(q->nodes_id[i]);
    }
    free(q->nodes_cc);
    free(q->nodes_id);
    for (size_t i = 0; i < q->n_metrics; i++) {
        free(q->names[i]);
        free(q->stats[i]);
    }
    free(q->names);
    free(q->stats);
    metrics_result_free(q->res);
    metrics_reset_acc(q);
    free(q->token);
    free(q);
}

static void metrics_send(struct metrics_req *q);

/* Move the current batch's series into the result. */
static void metrics_take_batch(struct metrics_req *q, size_t end)
{
    struct metrics_result *r = q->res;
    for (size_t k = q->next; k < end; k++) {
        size_t ni = k / q->n_metrics, mi = k % q->n_metrics;
        struct metrics_series *s = &r->series[k];
        char id[48];
        snprintf(id, sizeof(id), "m%zu_%zu", mi, ni);
        struct cloudwatch_metric_data_result *d = cloudwatch_get_metric_data_find(&q->acc, id);
        if (!d)
            continue;
        /* ascending time (insertion sort: pages arrive mostly ordered) */
        for (size_t i = 1; i < d->n; i++) {
            int64_t t = d->timestamps_ms[i];
            double v = d->values[i];
            size_t j = i;
            while (j > 0 && d->timestamps_ms[j - 1] > t) {
                d->timestamps_ms[j] = d->timestamps_ms[j - 1];
                d->values[j] = d->values[j - 1];
                j--;
            }
            d->timestamps_ms[j] = t;
            d->values[j] = v;
        }
        s->timestamps_ms = d->timestamps_ms;
        s->values = d->values;
        s->n = d->n;
        d->timestamps_ms = NULL;
        d->values = NULL;
        d->n = 0;
        s->status = d->status_code ? mem_xstrdup(d->status_code) : NULL;
        if (d->n_messages) {
            struct buf b;
            buf_init(&b, 0);
            for (size_t m = 0; m < d->n_messages; m++)
                buf_printf(&b, "%s%s: %s", m ? "; " : "",
                           d->messages[m].code ? d->messages[m].code : "?",
                           d->messages[m].value ? d->messages[m].value : "");
            s->message = buf_steal(&b);
            buf_free(&b);
        }
    }
}

static void metrics_page(struct cloudwatch_get_metric_data_out *out, const struct aws_error *err,
                         void *arg)
{
    struct metrics_req *q = arg;
    q->call = NULL;
    if (!out) {
        metrics_cb cb = q->cb;
        void *cb_arg = q->arg;
        struct aws_error e;
        aws_error_init(&e);
        aws_error_copy(&e, err);
        metrics_req_free(q);
        cb(NULL, &e, cb_arg);
        aws_error_clear(&e);
        return;
    }
    q->res->requests++;
    snprintf(q->res->request_id, sizeof(q->res->request_id), "%s", out->request_id);
    cloudwatch_get_metric_data_merge(&q->acc, out);
    cloudwatch_get_metric_data_out_free(out);
    q->pages++;
    free(q->token);
    q->token = q->acc.next_token ? mem_xstrdup(q->acc.next_token) : NULL;
    size_t end = q->next + METRICS_MAX_QUERIES;
    if (end > q->total)
        end = q->total;
    if (q->token && q->pages < METRICS_MAX_PAGES) {
        metrics_send(q);
        return;
    }
    metrics_take_batch(q, end);
    metrics_reset_acc(q);
    free(q->token);
    q->token = NULL;
    q->pages = 0;
    q->next = end;
    if (q->next < q->total) {
        metrics_send(q);
        return;
    }
    struct metrics_result *res = q->res;
    q->res = NULL;
    metrics_cb cb = q->cb;
    void *cb_arg = q->arg;
    metrics_req_free(q);
    cb(res, NULL, cb_arg);
}

static void metrics_send(struct metrics_req *q)
{
    size_t end = q->next + METRICS_MAX_QUERIES;
    if (end > q->total)
        end = q->total;
    size_t n = end - q->next;
    struct cloudwatch_metric_data_query_in *qs = mem_xcalloc(n, sizeof(*qs));
    struct cloudwatch_dimension_in *dims = mem_xcalloc(2 * n, sizeof(*dims));
    char(*ids)[48] = mem_xcalloc(n, sizeof(*ids));
    for (size_t k = 0; k < n; k++) {
        size_t g = q->next + k, ni = g / q->n_metrics, mi = g % q->n_metrics;
        snprintf(ids[k], sizeof(ids[k]), "m%zu_%zu", mi, ni);
        /* CacheClusterId first: moto matches dimensions in order */
        dims[2 * k].name = "CacheClusterId";
        dims[2 * k].value = q->nodes_cc[ni];
        dims[2 * k + 1].name = "CacheNodeId";
        dims[2 * k + 1].value = q->nodes_id[ni];
        qs[k].id = ids[k];
        qs[k].metric_namespace = METRICS_NAMESPACE;
        qs[k].metric_name = q->names[mi];
        qs[k].dimensions = &dims[2 * k];
        qs[k].n_dimensions = 2;
        qs[k].period = q->res->period_s;
        qs[k].stat = q->stats[mi];
        qs[k].has_return_data = true;
        qs[k].return_data = true;
    }
    struct cloudwatch_get_metric_data_in in;
    memset(&in, 0, sizeof(in));
    in.queries = qs;
    in.n_queries = n;
    in.start_time_ms = q->res->start_ms;
    in.end_time_ms = q->res->end_ms;
    in.next_token = q->token;
    in.scan_by = "TimestampAscending";
    q->call = cloudwatch_get_metric_data(q->c, &in, metrics_page, q);
    free(ids);
    free(dims);
    free(qs);
}

struct metrics_req *metrics_fetch(struct aws_client *c, const struct metrics_in *in, metrics_cb cb,
                                  void *arg)
{
    if (!c || !in || !cb || !in->n_nodes || in->end_ms <= in->start_ms)
        return NULL;
    if (in->period_s < 0 || in->period_s % 60 != 0)
        return NULL;
    if (in->stat && !metrics_stat_valid(in->stat))
        return NULL;
    for (size_t i = 0; i < in->n_nodes; i++)
        if (!in->nodes[i].cache_cluster_id || !*in->nodes[i].cache_cluster_id)
            return NULL;
    size_t n_def = 0;
    const struct metrics_def *defs = metrics_defs(&n_def);
    size_t n_metrics = 0;
    if (in->metrics && in->n_metrics) {
        for (size_t i = 0; i < in->n_metrics; i++)
            if (!metrics_name_valid(in->metrics[i]))
                return NULL;
        n_metrics = in->n_metrics;
    } else {
        for (size_t i = 0; i < n_def; i++)
            if (defs[i].by_default)
                n_metrics++;
    }
    struct metrics_req *q = mem_xcalloc(1, sizeof(*q));
    q->c = c;
    q->cb = cb;
    q->arg = arg;
    q->n_nodes = in->n_nodes;
    q->nodes_cc = mem_xcalloc(q->n_nodes, sizeof(char *));
    q->nodes_id = mem_xcalloc(q->n_nodes, sizeof(char *));
    for (size_t i = 0; i < q->n_nodes; i++) {
        q->nodes_cc[i] = mem_xstrdup(in->nodes[i].cache_cluster_id);
        q->nodes_id[i] = mem_xstrdup(in->nodes[i].cache_node_id && *in->nodes[i].cache_node_id
                                         ? in->nodes[i].cache_node_id
                                         : "0001");
    }
    q->n_metrics = n_metrics;
    q->names = mem_xcalloc(n_metrics, sizeof(char *));
    q->stats = mem_xcalloc(n_metrics, sizeof(char *));
    for (size_t i = 0, k = 0; k < n_metrics; i++) {
        const char *name;
        if (in->metrics && in->n_metrics)
            name = in->metrics[i];
        else if (defs[i].by_default)
            name = defs[i].name;
        else
            continue;
        const struct metrics_def *d = metrics_def_find(name);
        q->names[k] = mem_xstrdup(name);
        q->stats[k] = mem_xstrdup(in->stat ? in->stat : d ? d->stat : "Average");
        k++;
    }
    struct metrics_result *r = mem_xcalloc(1, sizeof(*r));
    r->n_nodes = q->n_nodes;
    r->n_metrics = n_metrics;
    r->n_series = q->n_nodes * n_metrics;
    r->series = mem_xcalloc(r->n_series, sizeof(*r->series));
    r->period_s =
        in->period_s ? in->period_s : metrics_auto_period(in->start_ms, in->end_ms, in->now_ms);
    /* whole periods, as CloudWatch rounds them: stable buckets */
    int64_t pm = (int64_t)r->period_s * 1000;
    r->start_ms = in->start_ms / pm * pm;
    r->end_ms = (in->end_ms + pm - 1) / pm * pm;
    for (size_t ni = 0; ni < q->n_nodes; ni++)
        for (size_t mi = 0; mi < n_metrics; mi++) {
            struct metrics_series *s = &r->series[ni * n_metrics + mi];
            const struct metrics_def *d = metrics_def_find(q->names[mi]);
            s->cache_cluster_id = mem_xstrdup(q->nodes_cc[ni]);
            s->cache_node_id = mem_xstrdup(q->nodes_id[ni]);
            s->metric = mem_xstrdup(q->names[mi]);
            s->stat = mem_xstrdup(q->stats[mi]);
            s->unit = d ? d->unit : NULL;
            s->period_s = r->period_s;
        }
    q->res = r;
    q->total = r->n_series;
    metrics_send(q);
    return q;
}

void metrics_cancel(struct metrics_req *r)
{
    if (!r)
        return;
    if (r->call)
        aws_call_cancel(r->call);
    metrics_req_free(r);
}
