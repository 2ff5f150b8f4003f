/* cmd_ls.c - `elcui ls [--json]`. */
#include "tui/cmd/cmd_ls.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "core/model/inventory.h"
#include "tui/cmd/cmdout.h"

struct cmd_ls {
    struct session s;
    bool json;
    bool done, interrupted, failed;
    struct aws_error err;
};

static void cmd_ls_usage(FILE *f)
{
    fprintf(f, "usage: elcui ls [--json]\n"
               "\n"
               "The replication groups of the region (DescribeReplicationGroups, all pages,\n"
               "with DescribeCacheClusters for the engine versions): id, status, engine and\n"
               "version, node type, cluster mode, shard and node counts, Multi-AZ, automatic\n"
               "failover, encryption at rest and in transit, AUTH.\n"
               "\n"
               "  --json   {\"region\": ..., \"replicationGroups\": [{replicationGroupId, status,\n"
               "           engine, engineVersion, cacheNodeType, clusterEnabled, clusterMode,\n"
               "           shards, nodes, multiAZ, automaticFailover, atRestEncryptionEnabled,\n"
               "           transitEncryptionEnabled, transitEncryptionMode, authTokenEnabled}]}\n"
               "\n"
               "Exit status: 0 ok, 1 failure, 2 usage.\n");
}

static void cmd_ls_on_list(struct inventory *inv, struct model_group *const *groups, size_t n,
                           bool complete, void *arg)
{
    (void)inv;
    (void)groups;
    (void)n;
    struct cmd_ls *c = arg;
    if (complete)
        c->done = true;
}

static void cmd_ls_on_error(struct inventory *inv, enum inventory_op op,
                            const struct aws_error *err, void *arg)
{
    (void)inv;
    (void)op;
    struct cmd_ls *c = arg;
    c->done = true;
    c->failed = true;
    aws_error_copy(&c->err, err);
}

static const char *cmd_ls_onoff(const char *s)
{
    if (!s)
        return "-";
    if (strcmp(s, "enabled") == 0)
        return "on";
    if (strcmp(s, "disabled") == 0)
        return "off";
    return s;
}

static const char *cmd_ls_yesno(bool has, bool v)
{
    return !has ? "-" : v ? "yes" : "no";
}

static int cmd_ls_print(struct cmd_ls *c, struct model_group *const *v, size_t n)
{
    if (c->json) {
        json_t *o = json_object();
        json_object_set_new(o, "region", cmdout_jstr(c->s.region));
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, cmdout_group_summary_json(v[i]));
        json_object_set_new(o, "replicationGroups", a);
        return cmdout_json_print(o, stdout);
    }
    if (n == 0) {
        char *r = cmdout_safe(c->s.region);
        printf("No replication groups in %s.\n", r);
        free(r);
        return fflush(stdout) == 0 ? 0 : -1;
    }
    static const char *const cols[] = {"ID",       "STATUS",  "ENGINE",     "NODE TYPE",
                                       "CLUSTER",  "SHARDS",  "NODES",      "MULTI-AZ",
                                       "FAILOVER", "AT-REST", "IN-TRANSIT", "AUTH"};
    struct cmdout_table *t = cmdout_table_new(cols, sizeof(cols) / sizeof(cols[0]));
    cmdout_table_right(t, 5);
    cmdout_table_right(t, 6);
    for (size_t i = 0; i < n; i++) {
        const struct model_group *g = v[i];
        cmdout_table_row(t);
        cmdout_table_cell(t, g->id);
        cmdout_table_cell(t, g->status);
        cmdout_table_cellf(t, "%s %s", g->engine ? g->engine : "?",
                           g->engine_version ? g->engine_version : "");
        cmdout_table_cell(t, g->node_type);
        cmdout_table_cell(t, g->cluster_mode      ? cmd_ls_onoff(g->cluster_mode)
                             : g->cluster_enabled ? "on"
                                                  : "off");
        cmdout_table_cellf(t, "%zu", g->n_api_shards);
        cmdout_table_cellf(t, "%zu", g->n_api_nodes);
        cmdout_table_cell(t, cmd_ls_onoff(g->multi_az));
        cmdout_table_cell(t, cmd_ls_onoff(g->automatic_failover));
        cmdout_table_cell(t, cmd_ls_yesno(g->has_at_rest_encryption, g->at_rest_encryption));
        if (g->has_transit_encryption && g->transit_encryption)
            cmdout_table_cell(t, g->transit_encryption_mode ? g->transit_encryption_mode : "yes");
        else
            cmdout_table_cell(t, cmd_ls_yesno(g->has_transit_encryption, g->transit_encryption));
        cmdout_table_cell(t, cmd_ls_yesno(g->has_auth_token_enabled, g->auth_token_enabled));
    }
    cmdout_table_print(t, stdout);
    cmdout_table_free(t);
    return fflush(stdout) == 0 ? 0 : -1;
}

static const struct option cmd_ls_options[] = {
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static enum cli_opt cmd_ls_option(void *ctx, int opt, char *arg)
{
    struct cmd_ls *c = ctx;
    (void)arg;
    switch (opt) {
    case 'j':
        c->json = true;
        break;
    default:
        return CLI_OPT_UNKNOWN;
    }
    return CLI_OPT_TAKEN;
}

static int cmd_ls_run(struct session_options *opts, int argc, char **argv)
{
    struct cmd_ls c;
    memset(&c, 0, sizeof(c));
    aws_error_init(&c.err);
    int prc = cli_getopt(&cmd_ls_entry, argc, argv, cmd_ls_option, &c);
    if (prc != 0)
        return cli_getopt_exit(prc);
    if (optind < argc)
        return cli_usage_error("ls",
                               "unexpected argument '%s' (ls lists every group; see "
                               "elcui show RG)",
                               argv[optind]);
    int rc = CLI_EXIT_FAIL;
    struct inventory *inv = NULL;
    if (cmdout_session("ls", &c.s, opts, &c.interrupted) == 0) {
        struct inventory_options io;
        memset(&io, 0, sizeof(io));
        io.loop = c.s.loop;
        io.aws = c.s.aws;
        io.list_clusters = true;
        io.cb.on_list = cmd_ls_on_list;
        io.cb.on_error = cmd_ls_on_error;
        io.cb.arg = &c;
        inv = inventory_new(&io);
        inventory_list(inv);
        if (!cmdout_run(&c.s, &c.done, &c.interrupted)) {
            fprintf(stderr, "elcui ls: interrupted\n");
        } else if (c.failed) {
            cmdout_aws_error("ls", "cannot list the replication groups", &c.err);
        } else {
            struct model_group *const *v;
            size_t n = inventory_groups(inv, &v);
            if (cmd_ls_print(&c, v, n) == 0)
                rc = CLI_EXIT_OK;
        }
    }
    inventory_free(inv);
    aws_error_clear(&c.err);
    session_close(&c.s);
    return rc;
}

const struct cli_command cmd_ls_entry = {
    .name = "ls",
    .args = "[--json]",
    .summary = "replication groups of the region",
    .run = cmd_ls_run,
    .options = cmd_ls_options,
    .shortopts = "h",
    .usage = cmd_ls_usage,
};
