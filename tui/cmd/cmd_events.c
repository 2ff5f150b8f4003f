/* cmd_events.c - `elcui events RG [--since 24h] [--until T] [--json]`. */
#include "tui/cmd/cmd_events.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awstime.h"
#include "aws/mem.h"
#include "core/model/events.h"
#include "core/model/inventory.h"
#include "tui/cmd/cmdout.h"

struct cmd_events {
    struct session s;
    bool json;
    const char *rg_id;
    const char *since, *until;
    struct cmdout_wait w;
    struct events_result *res;
};

static void cmd_events_usage(FILE *f)
{
    fprintf(f, "usage: elcui events RG [--since WHEN] [--until WHEN] [--json]\n"
               "\n"
               "ElastiCache events of replication group RG and of its member clusters\n"
               "(DescribeEvents: creation, failovers, node recovery, snapshots,\n"
               "modifications), oldest first, with the shard and AZ of member events.\n"
               "The service keeps 14 days of events.\n"
               "\n"
               "  --since WHEN   start: 30m, 24h, 7d or ISO 8601 (default 24h)\n"
               "  --until WHEN   end, same forms (default now)\n"
               "  --json         {replicationGroupId, start, end, events: [{date,\n"
               "                 sourceType, sourceIdentifier, message, nodeGroupId,\n"
               "                 availabilityZone}]}\n"
               "\n"
               "Exit status: 0 ok, 1 failure, 2 usage.\n");
}

static void cmd_events_cb(struct events_result *out, const struct aws_error *err, void *arg)
{
    struct cmd_events *c = arg;
    c->w.done = true;
    c->res = out;
    if (!out)
        cmdout_wait_fail(&c->w, err);
}

static int cmd_events_print(struct cmd_events *c, const struct model_group *g)
{
    const struct events_result *r = c->res;
    if (c->json) {
        json_t *o = json_object();
        json_object_set_new(o, "replicationGroupId", cmdout_jstr(g->id));
        json_object_set_new(o, "start", cmdout_jtime(r->start_ms));
        json_object_set_new(o, "end", cmdout_jtime(r->end_ms));
        json_t *a = json_array();
        for (size_t i = 0; i < r->n; i++) {
            const struct events_event *e = &r->items[i];
            const struct model_node *n = model_node_find(g, e->source_id, NULL);
            json_t *x = json_object();
            json_object_set_new(x, "date", cmdout_jtime(e->date_ms));
            json_object_set_new(x, "sourceType", cmdout_jstr(e->source_type));
            json_object_set_new(x, "sourceIdentifier", cmdout_jstr(e->source_id));
            json_object_set_new(x, "message", cmdout_jstr(e->message));
            json_object_set_new(x, "nodeGroupId",
                                n ? cmdout_jstr(g->shards[n->shard].id) : json_null());
            json_object_set_new(x, "availabilityZone", n ? cmdout_jstr(n->az) : json_null());
            json_array_append_new(a, x);
        }
        json_object_set_new(o, "events", a);
        if (r->truncated)
            json_object_set_new(o, "truncated", json_true());
        return cmdout_json_print(o, stdout);
    }
    char from[40], to[40];
    awstime_format_iso8601(r->start_ms, from, sizeof(from));
    awstime_format_iso8601(r->end_ms, to, sizeof(to));
    char *id = cmdout_safe(g->id);
    printf("Events of %s from %s to %s: %zu\n", id, from, to, r->n);
    free(id);
    if (r->n) {
        static const char *const cols[] = {"DATE",  "SOURCE TYPE", "SOURCE",
                                           "SHARD", "AZ",          "MESSAGE"};
        struct cmdout_table *t = cmdout_table_new(cols, 6);
        char when[40];
        for (size_t i = 0; i < r->n; i++) {
            const struct events_event *e = &r->items[i];
            const struct model_node *n = model_node_find(g, e->source_id, NULL);
            awstime_format_iso8601(e->date_ms, when, sizeof(when));
            cmdout_table_row(t);
            cmdout_table_cell(t, when);
            cmdout_table_cell(t, e->source_type);
            cmdout_table_cell(t, e->source_id);
            cmdout_table_cell(t, n ? g->shards[n->shard].id : "");
            cmdout_table_cell(t, n && n->az ? n->az : "");
            cmdout_table_cell(t, e->message);
        }
        cmdout_table_print(t, stdout);
        cmdout_table_free(t);
    }
    if (r->truncated)
        printf("(more events than elcui reads in one go: narrow the window)\n");
    return fflush(stdout) == 0 ? 0 : -1;
}

static const struct option cmd_events_options[] = {
    {"json", no_argument, NULL, 'j'},
    {"since", required_argument, NULL, 's'},
    {"until", required_argument, NULL, 'u'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static enum cli_opt cmd_events_option(void *ctx, int opt, char *arg)
{
    struct cmd_events *c = ctx;
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
    default:
        return CLI_OPT_UNKNOWN;
    }
    return CLI_OPT_TAKEN;
}

static int cmd_events_run(struct session_options *opts, int argc, char **argv)
{
    struct cmd_events c;
    memset(&c, 0, sizeof(c));
    aws_error_init(&c.w.err);
    c.since = "24h";
    int prc = cli_getopt(&cmd_events_entry, argc, argv, cmd_events_option, &c);
    if (prc != 0)
        return cli_getopt_exit(prc);
    if (optind >= argc)
        return cli_usage_error("events", "name a replication group (elcui ls lists them)");
    c.rg_id = argv[optind++];
    if (optind < argc)
        return cli_usage_error("events", "unexpected argument '%s'", argv[optind]);
    if (!*c.rg_id)
        return cli_usage_error("events", "the replication group id is empty");
    int64_t now, start, end;
    int wrc =
        cmdout_window("events", c.since, c.until, "30m, 24h, 7d, ISO 8601", &now, &start, &end);
    if (wrc)
        return wrc;
    if (start < now - EVENTS_RETENTION_MS) {
        fprintf(stderr, "elcui events: note: ElastiCache keeps 14 days of events; reading from "
                        "14 days ago\n");
        start = now - EVENTS_RETENTION_MS + 60000;
        if (end <= start)
            return cli_usage_error("events", "the window ends more than 14 days ago");
    }
    int rc = CLI_EXIT_FAIL;
    struct inventory *inv = NULL;
    if (cmdout_session("events", &c.s, opts, &c.w.interrupted) == 0) {
        struct inventory_options io;
        memset(&io, 0, sizeof(io));
        bool ok = cmdout_open_group(&c.s, &io, c.rg_id, &c.w, &inv);
        struct model_group *g = inventory_group(inv);
        if (ok && !c.w.failed) {
            c.w.done = false;
            struct events_in in;
            memset(&in, 0, sizeof(in));
            in.replication_group_id = g->id;
            in.member_clusters = (const char *const *)g->member_clusters;
            in.n_member_clusters = g->n_member_clusters;
            in.start_ms = start;
            in.end_ms = end;
            struct events_req *q = events_fetch(c.s.aws, &in, cmd_events_cb, &c);
            if (!q) {
                c.w.failed = true;
                aws_error_set(&c.w.err, AWS_ERR_INTERNAL, "BadWindow", "no events window");
            } else {
                ok = cmdout_run(&c.s, &c.w.done, &c.w.interrupted);
                if (!ok)
                    events_cancel(q);
            }
        }
        if (!ok) {
            fprintf(stderr, "elcui events: interrupted\n");
        } else if (c.w.failed) {
            cmdout_group_error("events", "cannot read the events of", c.rg_id, c.s.region,
                               &c.w.err);
        } else if (cmd_events_print(&c, g) == 0) {
            rc = CLI_EXIT_OK;
        }
    }
    events_result_free(c.res);
    inventory_free(inv);
    aws_error_clear(&c.w.err);
    session_close(&c.s);
    return rc;
}

const struct cli_command cmd_events_entry = {
    .name = "events",
    .args = "RG [--since 24h] [--json]",
    .summary = "ElastiCache events of a group and its nodes",
    .run = cmd_events_run,
    .options = cmd_events_options,
    .shortopts = "h",
    .usage = cmd_events_usage,
};
