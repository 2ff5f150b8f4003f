/* cmd_failover.c - `elcui failover RG --shard ID`: TestFailover with
 * confirmation, then the events followed until it completed. */
#include "tui/cmd/cmd_failover.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/elasticache.h"
#include "aws/mem.h"
#include "core/model/events.h"
#include "core/redis/rrender.h"
#include "tui/cmd/cmdout.h"
#include "tui/cmd/rcli.h"

#define FAILOVER_POLL_MS 2000
#define FAILOVER_SEEN_MAX 256

struct cmd_failover {
    struct session s;
    bool interrupted;
    const char *rg_id;
    char shard[8];
    bool yes;
    bool no_wait;
    bool json;
    uint64_t wait_ms;
    uint64_t poll_ms;
    /* steps */
    bool got;
    struct elasticache_replication_group_list *groups;
    struct elasticache_replication_group_out *fo;
    struct aws_error err;
    struct rcli_ask *ask;
    bool answered;
    char *answer;
    /* following */
    int64_t start_ms;
    uint64_t t0;
    char *seen[FAILOVER_SEEN_MAX];
    size_t nseen;
    bool completed, failed, available;
    char old_primary[128], new_primary[128];
    char failure[600];
    struct events_req *ev;
    bool ev_done;
    struct loop_timer *timer;
    bool tick;
};

static void cmd_failover_usage(FILE *f)
{
    fprintf(f, "usage: elcui failover RG --shard ID [--yes] [--no-wait] [--wait S] [--json]\n"
               "\n"
               "Tests automatic failover of one shard (TestFailover): its primary is\n"
               "replaced by a replica. Asks for confirmation (type the shard id) unless\n"
               "--yes is given; refused under the global --read-only. Then follows the\n"
               "group's events until the failover completed (or failed, or --wait ran\n"
               "out), showing each step. ElastiCache allows 15 shards per rolling 24 hours.\n"
               "\n"
               "  --shard ID              node group id: 0001, 2 (= 0002)\n"
               "  --yes                   do not ask\n"
               "  --no-wait               return once the failover was started\n"
               "  --wait S                give up following after S seconds (default 600)\n"
               "  --json                  one JSON object per event and one for the result\n"
               "\n"
               "Exit status: 0 completed (or started with --no-wait), 1 refused, failed or\n"
               "timed out, 2 usage, 130 cancelled with Ctrl-C at the question (nothing\n"
               "done).\n");
}

/* ---- describe / failover calls ---- */

static void cmd_failover_on_groups(struct elasticache_replication_group_list *out,
                                   const struct aws_error *err, void *arg)
{
    struct cmd_failover *c = arg;
    c->got = true;
    c->groups = out;
    if (err)
        aws_error_copy(&c->err, err);
}

static void cmd_failover_on_fo(struct elasticache_replication_group_out *out,
                               const struct aws_error *err, void *arg)
{
    struct cmd_failover *c = arg;
    c->got = true;
    c->fo = out;
    if (err)
        aws_error_copy(&c->err, err);
}

static void cmd_failover_on_answer(const char *answer, void *arg)
{
    struct cmd_failover *c = arg;
    c->ask = NULL;
    c->answered = true;
    c->answer = answer ? mem_xstrdup(answer) : NULL;
}

static bool cmd_failover_wait(struct cmd_failover *c, bool *flag)
{
    return cmdout_run(&c->s, flag, &c->interrupted);
}

/* ---- following the events ---- */

static void cmd_failover_print_event(struct cmd_failover *c, const struct events_event *e)
{
    char t[40];
    awstime_format_iso8601(e->date_ms, t, sizeof(t));
    struct buf b;
    buf_init(&b, 0);
    if (c->json) {
        buf_printf(&b, "{\"type\":\"event\",\"time\":\"%s\",\"sourceType\":", t);
        rrender_json_string(&b, e->source_type ? e->source_type : "",
                            strlen(e->source_type ? e->source_type : ""));
        buf_appends(&b, ",\"sourceId\":");
        rrender_json_string(&b, e->source_id ? e->source_id : "",
                            strlen(e->source_id ? e->source_id : ""));
        buf_appends(&b, ",\"message\":");
        rrender_json_string(&b, e->message ? e->message : "", strlen(e->message ? e->message : ""));
        buf_appends(&b, "}\n");
    } else {
        buf_printf(&b, "%s  %-17s ", t, e->source_type ? e->source_type : "-");
        rrender_safe(&b, e->source_id ? e->source_id : "-",
                     strlen(e->source_id ? e->source_id : "-"));
        buf_appends(&b, ": ");
        rrender_safe(&b, e->message ? e->message : "", strlen(e->message ? e->message : ""));
        buf_appendc(&b, '\n');
    }
    fputs(buf_str(&b), stdout);
    fflush(stdout);
    buf_free(&b);
}

static bool cmd_failover_seen(struct cmd_failover *c, const struct events_event *e)
{
    char key[700];
    snprintf(key, sizeof(key), "%lld|%s|%s|%s", (long long)e->date_ms,
             e->source_type ? e->source_type : "", e->source_id ? e->source_id : "",
             e->message ? e->message : "");
    for (size_t i = 0; i < c->nseen; i++)
        if (strcmp(c->seen[i], key) == 0)
            return true;
    if (c->nseen < FAILOVER_SEEN_MAX)
        c->seen[c->nseen++] = mem_xstrdup(key);
    return false;
}

/* "Failover from primary node X to replica node Y completed" */
static bool cmd_failover_parse_done(const char *msg, char *old, size_t on, char *new_, size_t nn)
{
    static const char from[] = "Failover from primary node ";
    const char *p = strstr(msg, from);
    if (!p || !strstr(msg, "completed"))
        return false;
    p += sizeof(from) - 1;
    const char *sp = strchr(p, ' ');
    if (!sp)
        return false;
    snprintf(old, on, "%.*s", (int)(sp - p), p);
    static const char to[] = " to replica node ";
    const char *q = strstr(sp, to);
    if (!q)
        return false;
    q += sizeof(to) - 1;
    const char *sp2 = strchr(q, ' ');
    snprintf(new_, nn, "%.*s", (int)(sp2 ? sp2 - q : (long)strlen(q)), q);
    return true;
}

static void cmd_failover_on_events(struct events_result *out, const struct aws_error *err,
                                   void *arg)
{
    struct cmd_failover *c = arg;
    c->ev = NULL;
    c->ev_done = true;
    if (!out) {
        char *m = aws_error_format(err);
        struct buf b;
        buf_init(&b, 0);
        rrender_safe(&b, m ? m : "", strlen(m ? m : ""));
        fprintf(stderr, "elcui failover: reading events: %s (trying again)\n", buf_str(&b));
        buf_free(&b);
        free(m);
        return;
    }
    for (size_t i = 0; i < out->n; i++) {
        const struct events_event *e = &out->items[i];
        if (e->date_ms < c->start_ms || cmd_failover_seen(c, e))
            continue;
        cmd_failover_print_event(c, e);
        const char *msg = e->message ? e->message : "";
        bool rg = e->source_type && strcmp(e->source_type, "replication-group") == 0;
        if (rg && !c->completed &&
            cmd_failover_parse_done(msg, c->old_primary, sizeof(c->old_primary), c->new_primary,
                                    sizeof(c->new_primary)))
            c->completed = true;
        if (rg && strstr(msg, "Failover of node group") && strstr(msg, "failed")) {
            c->failed = true;
            snprintf(c->failure, sizeof(c->failure), "%s", msg);
        }
    }
    events_result_free(out);
}

static void cmd_failover_tick(void *arg)
{
    struct cmd_failover *c = arg;
    c->timer = NULL;
    c->tick = true;
}

static const struct elasticache_node_group *
cmd_failover_find_shard(const struct elasticache_replication_group *g, const char *shard)
{
    for (size_t i = 0; i < g->n_node_groups; i++)
        if (g->node_groups[i].node_group_id && strcmp(g->node_groups[i].node_group_id, shard) == 0)
            return &g->node_groups[i];
    return NULL;
}

static void cmd_failover_result(struct cmd_failover *c, const char *status, const char *text)
{
    double secs = (double)(loop_now_ms(c->s.loop) - c->t0) / 1000.0;
    if (c->json) {
        struct buf b;
        buf_init(&b, 0);
        buf_printf(&b, "{\"type\":\"result\",\"status\":\"%s\",\"replicationGroupId\":", status);
        rrender_json_string(&b, c->rg_id, strlen(c->rg_id));
        buf_printf(&b, ",\"shard\":\"%s\",\"oldPrimary\":", c->shard);
        if (c->old_primary[0])
            rrender_json_string(&b, c->old_primary, strlen(c->old_primary));
        else
            buf_appends(&b, "null");
        buf_appends(&b, ",\"newPrimary\":");
        if (c->new_primary[0])
            rrender_json_string(&b, c->new_primary, strlen(c->new_primary));
        else
            buf_appends(&b, "null");
        buf_printf(&b, ",\"seconds\":%.1f,\"detail\":", secs);
        rrender_json_string(&b, text, strlen(text));
        buf_appends(&b, "}\n");
        fputs(buf_str(&b), stdout);
        buf_free(&b);
    } else {
        struct buf b;
        buf_init(&b, 0);
        rrender_safe(&b, text, strlen(text));
        printf("%s (%.1f s)\n", buf_str(&b), secs);
        buf_free(&b);
    }
    fflush(stdout);
}

static int cmd_failover_follow(struct cmd_failover *c)
{
    uint64_t deadline = loop_now_ms(c->s.loop) + c->wait_ms;
    bool announced_wait = false;
    while (!c->interrupted) {
        if (loop_now_ms(c->s.loop) >= deadline) {
            char text[400];
            snprintf(text, sizeof(text),
                     "gave up following after %.0f s: the failover may still be under way "
                     "(elcui events %s)",
                     (double)c->wait_ms / 1000.0, c->rg_id);
            cmd_failover_result(c, "timeout", text);
            return CLI_EXIT_FAIL;
        }
        if (c->failed) {
            cmd_failover_result(c, "failed", c->failure);
            return CLI_EXIT_FAIL;
        }
        if (c->completed) {
            /* the group is available again when the replacement is done */
            if (!announced_wait && !c->json) {
                printf("failover completed: %s is the primary of shard %s now (was %s); waiting "
                       "for the group to be available\n",
                       c->new_primary, c->shard, c->old_primary);
                fflush(stdout);
                announced_wait = true;
            }
            c->got = false;
            elasticache_replication_group_list_free(c->groups);
            c->groups = NULL;
            aws_error_clear(&c->err);
            struct elasticache_describe_replication_groups_in in = {.id = c->rg_id};
            elasticache_describe_replication_groups(c->s.aws, &in, cmd_failover_on_groups, c);
            if (!cmd_failover_wait(c, &c->got))
                break;
            bool avail = c->groups && c->groups->n == 1 && c->groups->items[0].status &&
                         strcmp(c->groups->items[0].status, "available") == 0;
            elasticache_replication_group_list_free(c->groups);
            c->groups = NULL;
            if (avail) {
                char text[400];
                snprintf(text, sizeof(text),
                         "failover of shard %s completed: new primary %s (was %s); group "
                         "available",
                         c->shard, c->new_primary, c->old_primary);
                cmd_failover_result(c, "completed", text);
                return CLI_EXIT_OK;
            }
        } else {
            c->ev_done = false;
            int64_t now = aws_client_now_ms(c->s.aws);
            struct events_in in = {
                .replication_group_id = c->rg_id,
                .start_ms = c->start_ms - 60000,
                .end_ms = now + 60000,
            };
            c->ev = events_fetch(c->s.aws, &in, cmd_failover_on_events, c);
            if (!c->ev || !cmd_failover_wait(c, &c->ev_done))
                break;
            if (c->completed || c->failed)
                continue;
        }
        c->tick = false;
        c->timer = loop_timer(c->s.loop, c->poll_ms, cmd_failover_tick, c);
        if (!cmd_failover_wait(c, &c->tick))
            break;
    }
    if (c->ev)
        events_cancel(c->ev);
    c->ev = NULL;
    if (c->timer)
        loop_untimer(c->s.loop, c->timer);
    c->timer = NULL;
    fprintf(stderr, "elcui failover: interrupted; the failover goes on (elcui events %s)\n",
            c->rg_id);
    return CLI_EXIT_FAIL;
}

/* ---- options ---- */

enum {
    OPT_SHARD = 300,
    OPT_YES,
    OPT_NO_WAIT,
    OPT_WAIT,
    OPT_JSON,
    OPT_POLL,
};

const struct option cmd_failover_options[] = {
    {"shard", required_argument, NULL, OPT_SHARD},
    {"yes", no_argument, NULL, OPT_YES},
    {"no-wait", no_argument, NULL, OPT_NO_WAIT},
    {"wait", required_argument, NULL, OPT_WAIT},
    {"poll", required_argument, NULL, OPT_POLL},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static bool cmd_failover_shard(const char *in, char *out, size_t n)
{
    size_t len = strlen(in);
    if (len == 0 || len > 4)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)in[i]))
            return false;
    long v = strtol(in, NULL, 10);
    if (v < 1 || v > 9999)
        return false;
    snprintf(out, n, "%04ld", v);
    return true;
}

static int cmd_failover_parse(struct cmd_failover *c, int argc, char **argv)
{
    int opt;
    opterr = 0;
    optind = 0;
    while ((opt = getopt_long(argc, argv, CMD_FAILOVER_SHORTOPTS, cmd_failover_options, NULL)) !=
           -1) {
        switch (opt) {
        case OPT_SHARD:
            if (!cmd_failover_shard(optarg, c->shard, sizeof(c->shard)))
                return cli_usage_error("failover", "--shard wants a node group id (0001, 2)"), -1;
            break;
        case OPT_YES:
            c->yes = true;
            break;
        case OPT_NO_WAIT:
            c->no_wait = true;
            break;
        case OPT_WAIT:
            if (!rcli_parse_seconds(optarg, 1, 86400, &c->wait_ms))
                return cli_usage_error("failover", "--wait wants seconds (1 to 86400)"), -1;
            break;
        case OPT_POLL:
            if (!rcli_parse_seconds(optarg, 0.1, 600, &c->poll_ms))
                return cli_usage_error("failover", "--poll wants seconds (0.1 to 600)"), -1;
            break;
        case OPT_JSON:
            c->json = true;
            break;
        case 'h':
            cmd_failover_usage(stdout);
            return 1;
        default:
            return cli_bad_option("failover", argv), -1;
        }
    }
    if (optind < argc)
        c->rg_id = argv[optind++];
    if (optind < argc)
        return cli_usage_error("failover", "unexpected argument '%s'", argv[optind]), -1;
    if (!c->rg_id || !*c->rg_id)
        return cli_usage_error("failover", "name a replication group"), -1;
    if (!c->shard[0])
        return cli_usage_error("failover", "give the shard with --shard ID"), -1;
    return 0;
}

int cmd_failover_run(struct session_options *opts, int argc, char **argv)
{
    struct cmd_failover c;
    memset(&c, 0, sizeof(c));
    c.wait_ms = 600000;
    c.poll_ms = FAILOVER_POLL_MS;
    aws_error_init(&c.err);
    int rc = cmd_failover_parse(&c, argc, argv);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (session_read_only(opts)) {
        fprintf(stderr,
                "elcui failover: refused: --read-only is set (a test failover replaces "
                "the primary of shard %s)\n",
                c.shard);
        return CLI_EXIT_FAIL;
    }
    rc = CLI_EXIT_FAIL;
    if (cmdout_session("failover", &c.s, opts, &c.interrupted) != 0)
        goto out;
    /* the shard must exist: say what is about to happen */
    struct elasticache_describe_replication_groups_in din = {.id = c.rg_id};
    elasticache_describe_replication_groups(c.s.aws, &din, cmd_failover_on_groups, &c);
    if (!cmd_failover_wait(&c, &c.got))
        goto out;
    if (!c.groups || c.groups->n != 1) {
        if (aws_error_is(&c.err, "ReplicationGroupNotFoundFault"))
            fprintf(stderr, "elcui failover: replication group '%s' not found in %s\n", c.rg_id,
                    c.s.region);
        else
            cmdout_aws_error("failover", "cannot describe the group", &c.err);
        goto out;
    }
    const struct elasticache_replication_group *g = &c.groups->items[0];
    const struct elasticache_node_group *ng = cmd_failover_find_shard(g, c.shard);
    if (!ng) {
        fprintf(stderr, "elcui failover: %s has no shard %s (it has", c.rg_id, c.shard);
        for (size_t i = 0; i < g->n_node_groups; i++)
            fprintf(stderr, " %s", g->node_groups[i].node_group_id);
        fprintf(stderr, ")\n");
        goto out;
    }
    if (!c.yes) {
        if (!isatty(STDIN_FILENO)) {
            fprintf(stderr,
                    "elcui failover: this replaces the primary of shard %s of %s: "
                    "confirm with --yes\n",
                    c.shard, c.rg_id);
            goto out;
        }
        char q[400];
        snprintf(q, sizeof(q),
                 "Test failover of shard %s of %s (%zu node%s): its primary is replaced by a "
                 "replica.\nType the shard id (%s) to go ahead: ",
                 c.shard, c.rg_id, ng->n_members, ng->n_members == 1 ? "" : "s", c.shard);
        c.ask = rcli_ask(c.s.loop, q, true, cmd_failover_on_answer, &c);
        if (!c.ask) {
            fprintf(stderr, "elcui failover: no terminal to confirm on: use --yes\n");
            goto out;
        }
        if (!cmd_failover_wait(&c, &c.answered)) {
            /* Ctrl-C at the question: nothing was asked of AWS yet */
            rcli_ask_interrupted(c.ask);
            c.ask = NULL;
            fprintf(stderr, "elcui failover: cancelled; nothing was done\n");
            rc = CLI_EXIT_CANCELLED;
            goto out;
        }
        char norm[8];
        if (!c.answer || !cmd_failover_shard(c.answer, norm, sizeof(norm)) ||
            strcmp(norm, c.shard) != 0) {
            fprintf(stderr, "elcui failover: not confirmed; nothing was done\n");
            goto out;
        }
    }
    c.start_ms = aws_client_now_ms(c.s.aws);
    c.t0 = loop_now_ms(c.s.loop);
    c.got = false;
    aws_error_clear(&c.err);
    struct elasticache_test_failover_in fin = {.replication_group_id = c.rg_id,
                                               .node_group_id = c.shard};
    elasticache_test_failover(c.s.aws, &fin, cmd_failover_on_fo, &c);
    if (!cmd_failover_wait(&c, &c.got))
        goto out;
    if (!c.fo) {
        cmdout_aws_error("failover", "TestFailover", &c.err);
        if (aws_error_is(&c.err, "APICallRateForCustomerExceeded"))
            fprintf(stderr, "elcui failover: ElastiCache allows TestFailover on 15 shards per "
                            "rolling 24 hours; try again later\n");
        goto out;
    }
    if (!c.json)
        printf("TestFailover of shard %s of %s started (request %s); group %s\n", c.shard, c.rg_id,
               c.fo->request_id[0] ? c.fo->request_id : "-",
               c.fo->group.status ? c.fo->group.status : "-");
    fflush(stdout);
    if (c.no_wait) {
        if (c.json)
            cmd_failover_result(&c, "started", "started; not followed (--no-wait)");
        rc = CLI_EXIT_OK;
        goto out;
    }
    rc = cmd_failover_follow(&c);
out:
    if (c.ask)
        rcli_ask_cancel(c.ask);
    free(c.answer);
    elasticache_replication_group_list_free(c.groups);
    elasticache_replication_group_out_free(c.fo);
    for (size_t i = 0; i < c.nseen; i++)
        free(c.seen[i]);
    aws_error_clear(&c.err);
    session_close(&c.s);
    return rc;
}
