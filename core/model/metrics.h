/* metrics.h - per-node ElastiCache metrics (CloudWatch GetMetricData:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html)
 * as series.
 *
 * For a set of nodes (member cache cluster id + cache node id) and metrics,
 * one GetMetricData query per node and metric in namespace AWS/ElastiCache
 * with the node-level dimensions, sent CacheClusterId first, then
 * CacheNodeId (moto only matches dimensions in that order). Queries go in
 * batches of up to 500 per request, each batch paged by NextToken; the
 * series come back in time order with the stat, unit and period used.
 *
 * Each metric has a default stat chosen for what on-call wants to see
 * (metrics_defs: Average for utilisation percentages, Maximum for
 * connections and replication lag, Sum for counters and bytes). Metric
 * names outside the table are allowed (stat Average). The period, unless
 * given, follows the window: about 360 points at most, rounded up to 60 s,
 * 5 min, 15 min, 1 h, 6 h or 1 day, and never finer than CloudWatch keeps
 * data that old (1-minute points for 15 days, 5-minute for 63 days, then
 * hourly). The window is widened to whole periods (start rounded down,
 * end up), as CloudWatch rounds it, so every point stands for a whole
 * period and repeated queries see the same buckets.
 */
#ifndef ELCUI_CORE_METRICS_H
#define ELCUI_CORE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"

#define METRICS_NAMESPACE "AWS/ElastiCache"
#define METRICS_MAX_QUERIES 500 /* per GetMetricData request */
#define METRICS_MAX_PAGES 100   /* per batch */

struct metrics_def {
    const char *name;
    const char *stat;
    const char *unit;
    bool replica_only; /* primaries publish no data */
    bool by_default;   /* in the default set of `elcui metrics` */
};

/* The table, default set first (in display order). */
const struct metrics_def *metrics_defs(size_t *n);
const struct metrics_def *metrics_def_find(const char *name);
/* CloudWatch metric name: 1..255 of [A-Za-z0-9_.-]. */
bool metrics_name_valid(const char *name);
/* Average, Sum, Minimum, Maximum, SampleCount, pNN / pNN.N. */
bool metrics_stat_valid(const char *stat);
/* The period (s) for a window, see above. */
int metrics_auto_period(int64_t start_ms, int64_t end_ms, int64_t now_ms);

struct metrics_node_in {
    const char *cache_cluster_id;
    const char *cache_node_id; /* "0001" when NULL */
};

struct metrics_in {
    const struct metrics_node_in *nodes;
    size_t n_nodes;
    const char *const *metrics; /* NULL: the default set */
    size_t n_metrics;
    const char *stat; /* NULL: each metric's default */
    int period_s;     /* 0: metrics_auto_period; else a multiple of 60 */
    int64_t start_ms; /* inclusive */
    int64_t end_ms;   /* exclusive */
    int64_t now_ms;   /* for the automatic period */
};

struct metrics_series {
    char *cache_cluster_id;
    char *cache_node_id;
    char *metric;
    char *stat;
    const char *unit; /* from the table, or NULL */
    int period_s;
    int64_t *timestamps_ms; /* ascending */
    double *values;
    size_t n;
    char *status;  /* Complete | PartialData | InternalError | Forbidden | NULL */
    char *message; /* the result's messages, "; "-joined, or NULL */
};

struct metrics_result {
    struct metrics_series *series; /* node-major: [node * n_metrics + metric] */
    size_t n_series;
    size_t n_nodes;
    size_t n_metrics;
    int period_s;
    int64_t start_ms;
    int64_t end_ms;
    size_t requests; /* GetMetricData requests made */
    char request_id[96];
};
void metrics_result_free(struct metrics_result *r);
const struct metrics_series *metrics_result_get(const struct metrics_result *r, size_t node,
                                                size_t metric);

struct metrics_summary {
    size_t n;
    double last, min, max, avg;
    int64_t last_ms;
};
/* Over the finite values of a series (n = 0 when it has none). */
void metrics_summarize(const struct metrics_series *s, struct metrics_summary *out);

/* out is owned by the callback (metrics_result_free); exactly one of
 * out / err is non-NULL. */
typedef void (*metrics_cb)(struct metrics_result *out, const struct aws_error *err, void *arg);
struct metrics_req;
/* Start; the callback runs later from the loop, never from here. NULL (and
 * no callback) when the input is unusable: no nodes, a bad metric name or
 * stat, a period that is not a multiple of 60, an empty window. */
struct metrics_req *metrics_fetch(struct aws_client *c, const struct metrics_in *in, metrics_cb cb,
                                  void *arg);
/* Until the callback has run; it is not called afterwards. */
void metrics_cancel(struct metrics_req *r);

#endif
