/* cmd_latency.c - `elcui latency`: per-node PING latency with wall-clock
 * stamps, like redis-cli --latency / --latency-history. */
#include "tui/cmd/cmd_latency.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awstime.h"
#include "aws/buf.h"
#include "core/redis/latency.h"
#include "core/redis/rrender.h"
#include "tui/cmd/cmdout.h"
#include "tui/cmd/rcli.h"

struct cmd_latency {
    struct rcli r;
    enum rcluster_target_kind target;
    bool target_set; /* one of --node, --primaries, --replicas, --all given */
    const char *node;
    uint64_t interval_ms;
    bool history;
    unsigned long count;
    bool json;
    bool done;
    bool errors_seen;
    struct cmdout_pipe out; /* stdout: `| head -1` ends the command */
};

static void cmd_latency_usage(FILE *f)
{
    fprintf(f, "usage: elcui latency RG [--node ID|--primaries|--replicas|--all] [OPTIONS]\n"
               "\n"
               "Measures each node's PING round trip continuously (one PING as soon as the\n"
               "last answered, plus 10 ms) and prints, per node and interval, the wall-clock\n"
               "time and min/avg/max (and p99 with --history) in milliseconds. A node that\n"
               "stops answering shows its timeouts; the others keep being measured.\n"
               "\n"
               "  --node ID | --primaries | --replicas | --all   nodes to probe (default all)\n"
               "  --interval S            seconds per line (default 1; 15 with --history)\n"
               "  --history               each line covers its own interval (like redis-cli\n"
               "                          --latency-history); without it, the totals so far\n"
               "  --count N               stop after N intervals (default: until Ctrl-C)\n"
               "  --json                  one JSON object per node and interval\n"
               "\n");
    rcli_usage_options(f);
    fprintf(f, "\nExit status: 0 (also after Ctrl-C, and when the reader of a pipe goes\n"
               "away, as with | head -1), 1 when the session or a probe failed, 2 usage.\n");
}

static void cmd_latency_json_stats(struct buf *b, const char *key, const struct latency_stats *s,
                                   bool p99)
{
    buf_printf(b, ",\"%s\":{\"samples\":%llu,\"errors\":%llu", key, (unsigned long long)s->n,
               (unsigned long long)s->errors);
    if (s->n) {
        buf_printf(b, ",\"minUs\":%llu,\"avgUs\":%.1f,\"maxUs\":%llu",
                   (unsigned long long)s->min_us, s->avg_us, (unsigned long long)s->max_us);
        if (p99)
            buf_printf(b, ",\"p99Us\":%llu", (unsigned long long)s->p99_us);
    }
    buf_appendc(b, '}');
}

static void cmd_latency_on_window(struct latency *lt, const struct latency_window *w, void *arg)
{
    struct cmd_latency *c = arg;
    (void)lt;
    struct buf b;
    buf_init(&b, 0);
    char start[40], end[40];
    awstime_format_iso8601(w->start_wall_ms, start, sizeof(start));
    awstime_format_iso8601(w->end_wall_ms, end, sizeof(end));
    if (w->window.errors)
        c->errors_seen = true;
    if (c->json) {
        buf_printf(&b, "{\"start\":\"%s\",\"end\":\"%s\",\"interval\":%lu,\"node\":", start, end,
                   w->index);
        rrender_json_string(&b, w->node, strlen(w->node));
        const struct console_label *l = &w->label;
        buf_appends(&b, ",\"cacheClusterId\":");
        if (l->cache_cluster_id)
            rrender_json_string(&b, l->cache_cluster_id, strlen(l->cache_cluster_id));
        else
            buf_appends(&b, "null");
        buf_printf(&b, ",\"role\":\"%s\",\"shard\":", rcluster_role_name(l->role));
        if (l->shard)
            rrender_json_string(&b, l->shard, strlen(l->shard));
        else
            buf_appends(&b, "null");
        buf_appends(&b, ",\"az\":");
        if (l->az)
            rrender_json_string(&b, l->az, strlen(l->az));
        else
            buf_appends(&b, "null");
        cmd_latency_json_stats(&b, "window", &w->window, true);
        cmd_latency_json_stats(&b, "total", &w->total, false);
        buf_appends(&b, ",\"lastError\":");
        if (w->last_error)
            rrender_json_string(&b, w->last_error, strlen(w->last_error));
        else
            buf_appends(&b, "null");
        buf_appends(&b, "}\n");
    } else {
        char label[600];
        rcli_node_label(w->node, &w->label, label, sizeof(label));
        const struct latency_stats *s = c->history ? &w->window : &w->total;
        buf_printf(&b, "%s %s: ", c->history ? start : end, label);
        if (s->n)
            buf_printf(&b, "min: %.2f, avg: %.2f, max: %.2f", (double)s->min_us / 1000.0,
                       s->avg_us / 1000.0, (double)s->max_us / 1000.0);
        else
            buf_appends(&b, "no answer");
        if (c->history && s->n)
            buf_printf(&b, ", p99: %.2f", (double)s->p99_us / 1000.0);
        buf_printf(&b, " ms (%llu sample%s", (unsigned long long)s->n, s->n == 1 ? "" : "s");
        if (c->history)
            buf_printf(&b, " until %s", end);
        buf_appendc(&b, ')');
        if (w->window.errors) {
            buf_printf(&b, ", %llu failed: ", (unsigned long long)w->window.errors);
            rrender_safe(&b, w->last_error ? w->last_error : "",
                         strlen(w->last_error ? w->last_error : ""));
        }
        buf_appendc(&b, '\n');
    }
    cmdout_pipe_write(&c->out, b.data, b.len, true);
    buf_free(&b);
}

static void cmd_latency_out_closed(void *arg)
{
    /* the reader went away: stop quietly, like redis-cli --latency | head */
    ((struct cmd_latency *)arg)->done = true;
}

static void cmd_latency_on_done(struct latency *lt, void *arg)
{
    (void)lt;
    ((struct cmd_latency *)arg)->done = true;
}

enum {
    OPT_NODE = 300,
    OPT_PRIMARIES,
    OPT_REPLICAS,
    OPT_ALL,
    OPT_INTERVAL,
    OPT_HISTORY,
    OPT_COUNT,
    OPT_JSON,
};

static const struct option cmd_latency_options[] = {
    {"node", required_argument, NULL, OPT_NODE},
    {"primaries", no_argument, NULL, OPT_PRIMARIES},
    {"replicas", no_argument, NULL, OPT_REPLICAS},
    {"all", no_argument, NULL, OPT_ALL},
    {"interval", required_argument, NULL, OPT_INTERVAL},
    {"history", no_argument, NULL, OPT_HISTORY},
    {"count", required_argument, NULL, OPT_COUNT},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    RCLI_LONG_OPTIONS,
    {NULL, 0, NULL, 0},
};

static enum cli_opt cmd_latency_option(void *ctx, int opt, char *arg)
{
    struct cmd_latency *c = ctx;
    int rc = rcli_option(&c->r, opt, arg);
    if (rc < 0)
        return CLI_OPT_REFUSED;
    if (rc > 0)
        return CLI_OPT_TAKEN;
    enum rcluster_target_kind t = RCLUSTER_T_ALL;
    switch (opt) {
    case OPT_NODE:
    case OPT_PRIMARIES:
    case OPT_REPLICAS:
    case OPT_ALL:
        t = opt == OPT_NODE        ? RCLUSTER_T_NODE
            : opt == OPT_PRIMARIES ? RCLUSTER_T_PRIMARIES
            : opt == OPT_REPLICAS  ? RCLUSTER_T_REPLICAS
                                   : RCLUSTER_T_ALL;
        if (c->target_set && c->target != t)
            return cli_refuse("latency", "give one of --node, --primaries, --replicas, --all");
        c->target_set = true;
        c->target = t;
        if (opt == OPT_NODE) {
            if (!*arg)
                return cli_refuse("latency", "--node wants a node");
            c->node = arg;
        }
        break;
    case OPT_INTERVAL:
        if (!rcli_parse_seconds(arg, 0.1, 3600, &c->interval_ms))
            return cli_refuse("latency", "--interval wants seconds (0.1 to 3600)");
        break;
    case OPT_HISTORY:
        c->history = true;
        break;
    case OPT_COUNT: {
        char *end;
        errno = 0;
        long v = strtol(arg, &end, 10);
        if (!*arg || *end || errno || v < 1 || v > 100000000)
            return cli_refuse("latency", "--count wants a positive number");
        c->count = (unsigned long)v;
        break;
    }
    case OPT_JSON:
        c->json = true;
        break;
    default:
        return CLI_OPT_UNKNOWN;
    }
    return CLI_OPT_TAKEN;
}

static int cmd_latency_parse(struct cmd_latency *c, int argc, char **argv)
{
    int rc = cli_getopt(&cmd_latency_entry, argc, argv, cmd_latency_option, c);
    if (rc != 0)
        return rc;
    if (optind < argc)
        c->r.rg_id = argv[optind++];
    if (optind < argc)
        return cli_usage_error("latency", "unexpected argument '%s'", argv[optind]), -1;
    if ((!c->r.rg_id || !*c->r.rg_id) && !c->r.endpoint)
        return cli_usage_error("latency", "name a replication group"), -1;
    if (!c->interval_ms)
        c->interval_ms = c->history ? 15000 : 1000;
    return 0;
}

static int cmd_latency_run(struct session_options *opts, int argc, char **argv)
{
    struct cmd_latency c;
    memset(&c, 0, sizeof(c));
    rcli_init(&c.r, "latency", opts);
    c.target = RCLUSTER_T_ALL;
    int rc = cmd_latency_parse(&c, argc, argv);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    rc = rcli_start(&c.r, false, RCLUSTER_AUTO);
    if (rc != 0) {
        rcli_finish(&c.r);
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    struct latency_options lo = {
        .console = c.r.con,
        .target = c.target,
        .node = c.node,
        .window_ms = c.interval_ms,
        .windows = c.count,
        .on_window = cmd_latency_on_window,
        .on_done = cmd_latency_on_done,
        .arg = &c,
    };
    cmdout_pipe_watch(&c.out, c.r.s.loop, cmd_latency_out_closed, &c);
    char err[400];
    struct latency *lt = latency_start(&lo, err, sizeof(err));
    if (!lt) {
        struct buf b;
        buf_init(&b, 0);
        rrender_safe(&b, err, strlen(err));
        fprintf(stderr, "elcui latency: %s\n", buf_str(&b));
        buf_free(&b);
        cmdout_pipe_unwatch(&c.out);
        rcli_finish(&c.r);
        return CLI_EXIT_FAIL;
    }
    if (opts->verbose)
        fprintf(stderr, "elcui latency: probing %zu node%s every %.1f s\n", latency_node_count(lt),
                latency_node_count(lt) == 1 ? "" : "s", (double)c.interval_ms / 1000.0);
    while (!c.done && !c.r.interrupted)
        loop_run_once(c.r.s.loop, 1000);
    latency_stop(lt);
    cmdout_pipe_unwatch(&c.out);
    rcli_finish(&c.r);
    if (c.r.interrupted || c.out.closed)
        return CLI_EXIT_OK;
    return c.errors_seen ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

const struct cli_command cmd_latency_entry = {
    .name = "latency",
    .args = "RG [--node ID|--all] [--history]",
    .summary = "per-node PING latency, wall-clock stamped",
    .run = cmd_latency_run,
    .options = cmd_latency_options,
    .shortopts = "h",
    .usage = cmd_latency_usage,
};
