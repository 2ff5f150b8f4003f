/* cmd_failover.c - `elcui failover RG --shard ID`: the failover engine
 * (core/model/failover.h) with a typed confirmation on the terminal, its
 * progress printed as it comes. */
#include "tui/cmd/cmd_failover.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/awstime.h"
#include "aws/buf.h"
#include "core/model/failover.h"
#include "core/redis/rrender.h"
#include "tui/cmd/cmdout.h"
#include "tui/cmd/rcli.h"

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
    struct failover *f;
    struct rcli_ask *ask;
    bool done;
    int rc;
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
               "The console does the same from a group's placement (key F).\n"
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

static void cmd_failover_finish(struct cmd_failover *c, int rc)
{
    c->rc = rc;
    c->done = true;
}

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

static void cmd_failover_result(struct cmd_failover *c, const struct failover_result *r,
                                const char *status)
{
    if (c->json) {
        struct buf b;
        buf_init(&b, 0);
        buf_printf(&b, "{\"type\":\"result\",\"status\":\"%s\",\"replicationGroupId\":", status);
        rrender_json_string(&b, c->rg_id, strlen(c->rg_id));
        buf_printf(&b, ",\"shard\":\"%s\",\"oldPrimary\":", c->shard);
        if (r->old_primary[0])
            rrender_json_string(&b, r->old_primary, strlen(r->old_primary));
        else
            buf_appends(&b, "null");
        buf_appends(&b, ",\"newPrimary\":");
        if (r->new_primary[0])
            rrender_json_string(&b, r->new_primary, strlen(r->new_primary));
        else
            buf_appends(&b, "null");
        buf_printf(&b, ",\"seconds\":%.1f,\"detail\":", r->seconds);
        rrender_json_string(&b, r->detail, strlen(r->detail));
        buf_appends(&b, "}\n");
        fputs(buf_str(&b), stdout);
        buf_free(&b);
    } else {
        struct buf b;
        buf_init(&b, 0);
        rrender_safe(&b, r->detail, strlen(r->detail));
        printf("%s (%.1f s)\n", buf_str(&b), r->seconds);
        buf_free(&b);
    }
    fflush(stdout);
}

/* ---- the engine's callbacks ---- */

static void cmd_failover_on_answer(const char *answer, void *arg)
{
    struct cmd_failover *c = arg;
    c->ask = NULL;
    char norm[8];
    if (!answer || !failover_shard_id(answer, norm, sizeof(norm)) || strcmp(norm, c->shard) != 0) {
        fprintf(stderr, "elcui failover: not confirmed; nothing was done\n");
        cmd_failover_finish(c, CLI_EXIT_FAIL);
        return;
    }
    failover_go(c->f);
}

static void cmd_failover_on_shard(struct failover *f, const struct elasticache_replication_group *g,
                                  const struct elasticache_node_group *ng, void *arg)
{
    (void)f;
    (void)g;
    struct cmd_failover *c = arg;
    if (!isatty(STDIN_FILENO)) {
        fprintf(stderr,
                "elcui failover: this replaces the primary of shard %s of %s: "
                "confirm with --yes\n",
                c->shard, c->rg_id);
        cmd_failover_finish(c, CLI_EXIT_FAIL);
        return;
    }
    char q[400];
    snprintf(q, sizeof(q),
             "Test failover of shard %s of %s (%zu node%s): its primary is replaced by a "
             "replica.\nType the shard id (%s) to go ahead: ",
             c->shard, c->rg_id, ng->n_members, ng->n_members == 1 ? "" : "s", c->shard);
    c->ask = rcli_ask(c->s.loop, q, true, cmd_failover_on_answer, c);
    if (!c->ask) {
        fprintf(stderr, "elcui failover: no terminal to confirm on: use --yes\n");
        cmd_failover_finish(c, CLI_EXIT_FAIL);
    }
}

static void cmd_failover_on_started(struct failover *f, const char *request_id,
                                    const char *group_status, void *arg)
{
    (void)f;
    struct cmd_failover *c = arg;
    if (!c->json)
        printf("TestFailover of shard %s of %s started (request %s); group %s\n", c->shard,
               c->rg_id, request_id && *request_id ? request_id : "-",
               group_status ? group_status : "-");
    fflush(stdout);
}

static void cmd_failover_on_event(struct failover *f, const struct events_event *e, void *arg)
{
    (void)f;
    cmd_failover_print_event(arg, e);
}

static void cmd_failover_on_phase(struct failover *f, enum failover_phase phase, void *arg)
{
    struct cmd_failover *c = arg;
    if (phase != FAILOVER_PHASE_AVAILABLE || c->json)
        return;
    const struct failover_result *r = failover_result_now(f);
    /* the group is available again when the replacement is done */
    printf("failover completed: %s is the primary of shard %s now (was %s); waiting "
           "for the group to be available\n",
           r->new_primary, c->shard, r->old_primary);
    fflush(stdout);
}

static void cmd_failover_on_trouble(struct failover *f, const char *text, void *arg)
{
    (void)f;
    (void)arg;
    struct buf b;
    buf_init(&b, 0);
    rrender_safe(&b, text, strlen(text));
    fprintf(stderr, "elcui failover: %s\n", buf_str(&b));
    buf_free(&b);
}

static void cmd_failover_on_done(struct failover *f, const struct failover_result *r, void *arg)
{
    (void)f;
    struct cmd_failover *c = arg;
    switch (r->status) {
    case FAILOVER_COMPLETED:
        cmd_failover_result(c, r, "completed");
        cmd_failover_finish(c, CLI_EXIT_OK);
        return;
    case FAILOVER_STARTED:
        if (c->json)
            cmd_failover_result(c, r, "started");
        cmd_failover_finish(c, CLI_EXIT_OK);
        return;
    case FAILOVER_FAILED:
        cmd_failover_result(c, r, "failed");
        break;
    case FAILOVER_TIMEOUT:
        cmd_failover_result(c, r, "timeout");
        break;
    case FAILOVER_NOT_FOUND:
        fprintf(stderr, "elcui failover: replication group '%s' not found in %s\n", c->rg_id,
                c->s.region);
        break;
    case FAILOVER_NO_SHARD:
        fprintf(stderr, "elcui failover: %s has no shard %s (it has %s)\n", c->rg_id, c->shard,
                r->shards);
        break;
    case FAILOVER_ERROR:
        if (r->operation && !strcmp(r->operation, "TestFailover")) {
            cmdout_aws_error("failover", "TestFailover", &r->err);
            if (aws_error_is(&r->err, "APICallRateForCustomerExceeded"))
                fprintf(stderr,
                        "elcui failover: ElastiCache allows TestFailover on %d shards per "
                        "rolling 24 hours; try again later\n",
                        FAILOVER_DAILY_LIMIT);
        } else {
            cmdout_aws_error("failover", "cannot describe the group", &r->err);
        }
        break;
    }
    cmd_failover_finish(c, CLI_EXIT_FAIL);
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

static const struct option cmd_failover_options[] = {
    {"shard", required_argument, NULL, OPT_SHARD},
    {"yes", no_argument, NULL, OPT_YES},
    {"no-wait", no_argument, NULL, OPT_NO_WAIT},
    {"wait", required_argument, NULL, OPT_WAIT},
    {"poll", required_argument, NULL, OPT_POLL},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static enum cli_opt cmd_failover_option(void *ctx, int opt, char *arg)
{
    struct cmd_failover *c = ctx;
    switch (opt) {
    case OPT_SHARD:
        if (!failover_shard_id(arg, c->shard, sizeof(c->shard)))
            return cli_refuse("failover", "--shard wants a node group id (0001, 2)");
        break;
    case OPT_YES:
        c->yes = true;
        break;
    case OPT_NO_WAIT:
        c->no_wait = true;
        break;
    case OPT_WAIT:
        if (!rcli_parse_seconds(arg, 1, 86400, &c->wait_ms))
            return cli_refuse("failover", "--wait wants seconds (1 to 86400)");
        break;
    case OPT_POLL:
        if (!rcli_parse_seconds(arg, 0.1, 600, &c->poll_ms))
            return cli_refuse("failover", "--poll wants seconds (0.1 to 600)");
        break;
    case OPT_JSON:
        c->json = true;
        break;
    default:
        return CLI_OPT_UNKNOWN;
    }
    return CLI_OPT_TAKEN;
}

static int cmd_failover_parse(struct cmd_failover *c, int argc, char **argv)
{
    int rc = cli_getopt(&cmd_failover_entry, argc, argv, cmd_failover_option, c);
    if (rc != 0)
        return rc;
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

static int cmd_failover_run(struct session_options *opts, int argc, char **argv)
{
    struct cmd_failover c;
    memset(&c, 0, sizeof(c));
    c.wait_ms = FAILOVER_WAIT_MS;
    c.poll_ms = FAILOVER_POLL_MS;
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
    c.rc = CLI_EXIT_FAIL;
    if (cmdout_session("failover", &c.s, opts, &c.interrupted) != 0)
        goto out;
    struct failover_options fo = {
        .loop = c.s.loop,
        .aws = c.s.aws,
        .rg_id = c.rg_id,
        .shard = c.shard,
        .confirm = !c.yes,
        .no_wait = c.no_wait,
        .wait_ms = c.wait_ms,
        .poll_ms = c.poll_ms,
        .cb =
            {
                .on_shard = cmd_failover_on_shard,
                .on_started = cmd_failover_on_started,
                .on_event = cmd_failover_on_event,
                .on_phase = cmd_failover_on_phase,
                .on_trouble = cmd_failover_on_trouble,
                .on_done = cmd_failover_on_done,
                .arg = &c,
            },
    };
    c.f = failover_start(&fo);
    if (!c.f) {
        fprintf(stderr, "elcui failover: cannot start\n");
        goto out;
    }
    if (!cmdout_run(&c.s, &c.done, &c.interrupted)) {
        if (c.ask) {
            /* Ctrl-C at the question: nothing was asked of AWS yet */
            rcli_ask_interrupted(c.ask);
            c.ask = NULL;
            fprintf(stderr, "elcui failover: cancelled; nothing was done\n");
            c.rc = CLI_EXIT_CANCELLED;
            goto out;
        }
        enum failover_phase ph = failover_phase(c.f);
        if (ph == FAILOVER_PHASE_FOLLOW || ph == FAILOVER_PHASE_AVAILABLE)
            fprintf(stderr, "elcui failover: interrupted; the failover goes on (elcui events %s)\n",
                    c.rg_id);
        c.rc = CLI_EXIT_FAIL;
    }
out:
    if (c.ask)
        rcli_ask_cancel(c.ask);
    failover_free(c.f);
    session_close(&c.s);
    return c.rc;
}

const struct cli_command cmd_failover_entry = {
    .name = "failover",
    .args = "RG --shard ID [--yes]",
    .summary = "test a shard's failover and follow it",
    .run = cmd_failover_run,
    .options = cmd_failover_options,
    .shortopts = "h",
    .usage = cmd_failover_usage,
};
