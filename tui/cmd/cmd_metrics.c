/* cmd_metrics.c - `elcui metrics RG [--since 1h] [--period 60] [--metric NAME]... [--json]`. */
#include "tui/cmd/cmd_metrics.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/awstime.h"
#include "aws/mem.h"
#include "aws/nearname.h"
#include "core/model/inventory.h"
#include "core/model/metricnames.h"
#include "core/model/metrics.h"
#include "tui/cmd/cmdout.h"

#define CMD_METRICS_MAX 64

struct cmd_metrics {
    struct session s;
    bool json;
    const char *rg_id;
    const char *since, *until;
    const char *metrics[CMD_METRICS_MAX];
    size_t n_metrics;
    const char *nodes[CMD_METRICS_MAX];
    size_t n_nodes;
    const char *stat;
    int period;
    struct cmdout_wait w;
    struct metrics_result *res;
    const struct model_node **sel; /* the nodes asked for, in model order */
    size_t n_sel;
};

static void cmd_metrics_usage(FILE *f)
{
    size_t n;
    const struct metrics_def *d = metrics_defs(&n);
    fprintf(f, "usage: elcui metrics RG [--since WHEN] [--until WHEN] [--period S]\n"
               "                       [--metric NAME]... [--stat STAT] [--node ID]... [--json]\n"
               "\n"
               "CloudWatch metrics (namespace AWS/ElastiCache) of every node of replication\n"
               "group RG, one series per node and metric, with the node's shard, role and AZ.\n"
               "Text output summarises each series (last, min, avg, max); --json has the\n"
               "data points.\n"
               "\n"
               "  --since WHEN    start: 30m, 1h, 2d or ISO 8601 (default 1h)\n"
               "  --until WHEN    end (default now)\n"
               "  --period S      seconds per data point, a multiple of 60 (default: about\n"
               "                  360 points over the window, and what CloudWatch keeps)\n"
               "  --metric NAME   a metric (repeatable); default:");
    for (size_t i = 0; i < n; i++)
        if (d[i].by_default)
            fprintf(f, " %s", d[i].name);
    fprintf(f, "\n"
               "                  also known:");
    for (size_t i = 0; i < n; i++)
        if (!d[i].by_default)
            fprintf(f, " %s", d[i].name);
    fprintf(f, "\n"
               "                  (any metric of AWS/ElastiCache; a name it does not\n"
               "                  publish is an error naming the close ones)\n"
               "  --stat STAT     Average, Sum, Minimum, Maximum, SampleCount or pNN for every\n"
               "                  metric (default: per metric, e.g. Maximum for CurrConnections\n"
               "                  and ReplicationLag, Sum for counters and bytes)\n"
               "  --node ID       only this node: cache cluster id (repeatable)\n"
               "  --json          {replicationGroupId, start, end, period, nodes: [{\n"
               "                  cacheClusterId, cacheNodeId, nodeGroupId, role,\n"
               "                  availabilityZone, metrics: {NAME: {stat, unit, period,\n"
               "                  status, timestamps: [ISO 8601], values: [number|null]}}}]}\n"
               "\n"
               "Exit status: 0 ok, 1 failure, 2 usage.\n");
}

static void cmd_metrics_cb(struct metrics_result *out, const struct aws_error *err, void *arg)
{
    struct cmd_metrics *c = arg;
    c->w.done = true;
    c->res = out;
    if (!out)
        cmdout_wait_fail(&c->w, err);
}

static json_t *cmd_metrics_series_json(const struct metrics_series *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "stat", cmdout_jstr(s->stat));
    json_object_set_new(o, "unit", cmdout_jstr(s->unit));
    json_object_set_new(o, "period", json_integer(s->period_s));
    json_object_set_new(o, "status", cmdout_jstr(s->status));
    if (s->message)
        json_object_set_new(o, "message", cmdout_jstr(s->message));
    json_t *ts = json_array(), *vs = json_array();
    for (size_t i = 0; i < s->n; i++) {
        json_array_append_new(ts, cmdout_jtime(s->timestamps_ms[i]));
        json_array_append_new(vs, isfinite(s->values[i]) ? json_real(s->values[i]) : json_null());
    }
    json_object_set_new(o, "timestamps", ts);
    json_object_set_new(o, "values", vs);
    return o;
}

static int cmd_metrics_print(struct cmd_metrics *c, const struct model_group *g)
{
    const struct metrics_result *r = c->res;
    if (c->json) {
        json_t *o = json_object();
        json_object_set_new(o, "replicationGroupId", cmdout_jstr(g->id));
        json_object_set_new(o, "start", cmdout_jtime(r->start_ms));
        json_object_set_new(o, "end", cmdout_jtime(r->end_ms));
        json_object_set_new(o, "period", json_integer(r->period_s));
        json_t *nodes = json_array();
        for (size_t ni = 0; ni < r->n_nodes; ni++) {
            const struct model_node *n = c->sel[ni];
            json_t *x = json_object();
            json_object_set_new(x, "cacheClusterId", cmdout_jstr(n->cache_cluster_id));
            json_object_set_new(x, "cacheNodeId", cmdout_jstr(n->cache_node_id));
            json_object_set_new(x, "nodeGroupId", cmdout_jstr(g->shards[n->shard].id));
            cmdout_jrole(x, n);
            json_object_set_new(x, "availabilityZone", cmdout_jstr(n->az));
            json_t *m = json_object();
            for (size_t mi = 0; mi < r->n_metrics; mi++) {
                const struct metrics_series *s = metrics_result_get(r, ni, mi);
                json_object_set_new(m, s->metric, cmd_metrics_series_json(s));
            }
            json_object_set_new(x, "metrics", m);
            json_array_append_new(nodes, x);
        }
        json_object_set_new(o, "nodes", nodes);
        return cmdout_json_print(o, stdout);
    }
    char from[40], to[40];
    awstime_format_iso8601(r->start_ms, from, sizeof(from));
    awstime_format_iso8601(r->end_ms, to, sizeof(to));
    char *id = cmdout_safe(g->id);
    printf("Metrics of %s from %s to %s, %d s per point\n", id, from, to, r->period_s);
    free(id);
    static const char *const cols[] = {"NODE", "SHARD", "ROLE", "AZ",    "LAST",
                                       "MIN",  "AVG",   "MAX",  "POINTS"};
    for (size_t mi = 0; mi < r->n_metrics; mi++) {
        const struct metrics_series *s0 = metrics_result_get(r, 0, mi);
        char *name = cmdout_safe(s0->metric);
        printf("\n%s (%s%s%s)\n", name, s0->stat, s0->unit ? ", " : "", s0->unit ? s0->unit : "");
        free(name);
        struct cmdout_table *t = cmdout_table_new(cols, 9);
        for (size_t k = 4; k < 9; k++)
            cmdout_table_right(t, k);
        for (size_t ni = 0; ni < r->n_nodes; ni++) {
            const struct model_node *n = c->sel[ni];
            const struct metrics_series *s = metrics_result_get(r, ni, mi);
            struct metrics_summary sum;
            metrics_summarize(s, &sum);
            char v[4][32];
            if (sum.n) {
                cmdout_value(sum.last, s->unit, v[0], sizeof(v[0]));
                cmdout_value(sum.min, s->unit, v[1], sizeof(v[1]));
                cmdout_value(sum.avg, s->unit, v[2], sizeof(v[2]));
                cmdout_value(sum.max, s->unit, v[3], sizeof(v[3]));
            } else {
                for (int k = 0; k < 4; k++)
                    snprintf(v[k], sizeof(v[k]), "-");
            }
            cmdout_table_row(t);
            cmdout_table_cell(t, n->cache_cluster_id);
            cmdout_table_cell(t, g->shards[n->shard].id);
            cmdout_table_cell(t, model_role_name(n->role));
            cmdout_table_cell(t, n->az);
            for (int k = 0; k < 4; k++)
                cmdout_table_cell(t, v[k]);
            cmdout_table_cellf(t, "%zu", sum.n);
        }
        cmdout_table_print(t, stdout);
        cmdout_table_free(t);
    }
    return fflush(stdout) == 0 ? 0 : -1;
}

/* The nodes to ask about: all, or those named by --node. -1: a name that
 * is not a member (reported). */
static int cmd_metrics_select(struct cmd_metrics *c, const struct model_group *g)
{
    c->sel = mem_xcalloc(g->n_nodes + 1, sizeof(*c->sel));
    for (size_t i = 0; i < c->n_nodes; i++)
        if (!model_node_find(g, c->nodes[i], NULL)) {
            char *n = cmdout_safe(c->nodes[i]);
            char *id = cmdout_safe(g->id);
            fprintf(stderr, "elcui metrics: %s is not a node of %s\n", n, id);
            free(n);
            free(id);
            return -1;
        }
    for (size_t s = 0; s < g->n_shards; s++)
        for (size_t k = 0; k < g->shards[s].n_nodes; k++) {
            const struct model_node *n = &g->nodes[g->shards[s].nodes[k]];
            if (!n->cache_cluster_id)
                continue;
            bool want = c->n_nodes == 0;
            for (size_t i = 0; i < c->n_nodes && !want; i++)
                want = strcasecmp(c->nodes[i], n->cache_cluster_id) == 0;
            if (want)
                c->sel[c->n_sel++] = n;
        }
    return 0;
}

static const struct option cmd_metrics_options[] = {
    {"json", no_argument, NULL, 'j'},
    {"since", required_argument, NULL, 's'},
    {"until", required_argument, NULL, 'u'},
    {"period", required_argument, NULL, 'p'},
    {"metric", required_argument, NULL, 'm'},
    {"stat", required_argument, NULL, 't'},
    {"node", required_argument, NULL, 'n'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static enum cli_opt cmd_metrics_option(void *ctx, int opt, char *arg)
{
    struct cmd_metrics *c = ctx;
    switch (opt) {
    case 'j':
        c->json = true;
        break;
    case 's':
        c->since = arg;
        break;
    case 'u':
        c->until = arg;
        break;
    case 'p': {
        char *end;
        long v = strtol(arg, &end, 10);
        if (!*arg || *end || v < 60 || v > 86400 * 7 || v % 60 != 0)
            return cli_refuse("metrics", "--period wants seconds, a multiple of 60");
        c->period = (int)v;
        break;
    }
    case 'm':
        if (!metrics_name_valid(arg))
            return cli_refuse("metrics", "--metric: '%s' is not a metric name", arg);
        if (!metricnames_known(arg)) {
            /* CloudWatch has no data for a name it does not know: no
             * error, only an empty series; say so here instead */
            const char *close[4];
            char list[400];
            size_t nc = metricnames_close(arg, close, 4);
            nearname_join(close, nc, list, sizeof(list));
            char *safe = cmdout_safe(arg);
            enum cli_opt rc = nc ? cli_refuse("metrics",
                                              "--metric: '%s' is not an ElastiCache metric; "
                                              "did you mean %s?",
                                              safe, list)
                                 : cli_refuse("metrics",
                                              "--metric: '%s' is not an ElastiCache metric "
                                              "(elcui metrics --help lists the usual ones)",
                                              safe);
            free(safe);
            return rc;
        }
        if (c->n_metrics >= CMD_METRICS_MAX)
            return cli_refuse("metrics", "at most %d --metric options", CMD_METRICS_MAX);
        c->metrics[c->n_metrics++] = arg;
        break;
    case 't':
        if (!metrics_stat_valid(arg))
            return cli_refuse("metrics", "--stat wants Average, Sum, Minimum, Maximum, "
                                         "SampleCount or pNN");
        c->stat = arg;
        break;
    case 'n':
        if (c->n_nodes >= CMD_METRICS_MAX)
            return cli_refuse("metrics", "at most %d --node options", CMD_METRICS_MAX);
        c->nodes[c->n_nodes++] = arg;
        break;
    default:
        return CLI_OPT_UNKNOWN;
    }
    return CLI_OPT_TAKEN;
}

/* 1: --help; 0: ok; else a usage error (reported). */
static int cmd_metrics_parse(struct cmd_metrics *c, int argc, char **argv)
{
    int rc = cli_getopt(&cmd_metrics_entry, argc, argv, cmd_metrics_option, c);
    if (rc != 0)
        return rc;
    if (optind >= argc)
        return cli_usage_error("metrics", "name a replication group (elcui ls lists them)");
    c->rg_id = argv[optind++];
    if (optind < argc)
        return cli_usage_error("metrics", "unexpected argument '%s'", argv[optind]);
    if (!*c->rg_id)
        return cli_usage_error("metrics", "the replication group id is empty");
    return 0;
}

static int cmd_metrics_run(struct session_options *opts, int argc, char **argv)
{
    struct cmd_metrics c;
    memset(&c, 0, sizeof(c));
    aws_error_init(&c.w.err);
    c.since = "1h";
    int prc = cmd_metrics_parse(&c, argc, argv);
    if (prc)
        return prc == 1 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    int64_t now, start, end;
    int wrc =
        cmdout_window("metrics", c.since, c.until, "30m, 1h, 2d, ISO 8601", &now, &start, &end);
    if (wrc)
        return wrc;
    if (start <= 0)
        return cli_usage_error("metrics", "--until must be after --since");
    int rc = CLI_EXIT_FAIL;
    struct inventory *inv = NULL;
    if (cmdout_session("metrics", &c.s, opts, &c.w.interrupted) == 0) {
        struct inventory_options io;
        memset(&io, 0, sizeof(io));
        io.roles_from_metrics = true;
        bool ok = cmdout_open_group(&c.s, &io, c.rg_id, &c.w, &inv);
        struct model_group *g = inventory_group(inv);
        bool usage = false;
        if (ok && !c.w.failed) {
            if (cmd_metrics_select(&c, g) != 0) {
                usage = true;
            } else if (c.n_sel == 0) {
                char *id = cmdout_safe(g->id);
                fprintf(stderr, "elcui metrics: %s has no nodes yet\n", id);
                free(id);
                ok = false;
                c.w.interrupted = false;
            } else {
                struct metrics_node_in *nodes = mem_xcalloc(c.n_sel, sizeof(*nodes));
                for (size_t i = 0; i < c.n_sel; i++) {
                    nodes[i].cache_cluster_id = c.sel[i]->cache_cluster_id;
                    nodes[i].cache_node_id = c.sel[i]->cache_node_id;
                }
                struct metrics_in in;
                memset(&in, 0, sizeof(in));
                in.nodes = nodes;
                in.n_nodes = c.n_sel;
                in.metrics = c.n_metrics ? c.metrics : NULL;
                in.n_metrics = c.n_metrics;
                in.stat = c.stat;
                in.period_s = c.period;
                in.start_ms = start;
                in.end_ms = end;
                in.now_ms = now;
                c.w.done = false;
                struct metrics_req *q = metrics_fetch(c.s.aws, &in, cmd_metrics_cb, &c);
                free(nodes);
                if (!q) {
                    c.w.failed = true;
                    aws_error_set(&c.w.err, AWS_ERR_INTERNAL, "BadQuery", "no usable query");
                } else {
                    ok = cmdout_run(&c.s, &c.w.done, &c.w.interrupted);
                    if (!ok)
                        metrics_cancel(q);
                }
            }
        }
        if (usage) {
            rc = CLI_EXIT_USAGE;
        } else if (!ok) {
            if (c.w.interrupted)
                fprintf(stderr, "elcui metrics: interrupted\n");
        } else if (c.w.failed) {
            cmdout_group_error("metrics", "cannot read the metrics of", c.rg_id, c.s.region,
                               &c.w.err);
        } else if (cmd_metrics_print(&c, g) == 0) {
            rc = CLI_EXIT_OK;
        }
    }
    metrics_result_free(c.res);
    free(c.sel);
    inventory_free(inv);
    aws_error_clear(&c.w.err);
    session_close(&c.s);
    return rc;
}

const struct cli_command cmd_metrics_entry = {
    .name = "metrics",
    .args = "RG [--since 1h] [--metric M]...",
    .summary = "CloudWatch metrics per node",
    .run = cmd_metrics_run,
    .options = cmd_metrics_options,
    .shortopts = "h",
    .usage = cmd_metrics_usage,
};
