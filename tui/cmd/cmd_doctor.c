/* cmd_doctor.c - `elcui doctor`: "network, TLS or auth?" for a group. */
#include "tui/cmd/cmd_doctor.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/redis/discover.h"
#include "core/redis/doctor.h"
#include "core/redis/iamauth.h"
#include "core/redis/rrender.h"
#include "tui/cmd/cmdout.h"
#include "tui/cmd/rcli.h"

struct cmd_doctor {
    struct rcli r;
    bool json;
    uint64_t timeout_ms;
    struct discover_req *disc_req;
    struct discover_result *disc;
    bool discovered;
    struct iamauth *iam;
    struct doctor *doc;
    const struct doctor_report *rep;
    bool done;
    bool forced_tls; /* --tls / --no-tls given */
};

static void cmd_doctor_usage(FILE *f)
{
    fprintf(f, "usage: elcui doctor RG [--json] [--timeout S] [OPTIONS]\n"
               "\n"
               "Checks every endpoint and node of the group step by step - DNS, TCP connect,\n"
               "TLS handshake and certificate name, AUTH, PING - with the time of each step,\n"
               "then the slot coverage (all 16384 slots served, no failed node), and names\n"
               "the usual cause of a failure: security group or not inside the VPC, TLS on\n"
               "one side only, the CA, the token.\n"
               "\n"
               "  --json                  the whole report as one JSON document\n"
               "  --timeout S             per step (default 5)\n"
               "\n");
    rcli_usage_options(f);
    fprintf(f, "\nExit status: 0 healthy, 1 a problem was found, 2 usage.\n");
}

static void cmd_doctor_on_disc(struct discover_result *res, void *arg)
{
    struct cmd_doctor *c = arg;
    c->disc_req = NULL;
    c->disc = res;
    c->discovered = true;
}

static void cmd_doctor_progress(struct doctor *d, size_t i, enum doctor_step step, void *arg)
{
    struct cmd_doctor *c = arg;
    if (!c->r.opts->verbose)
        return;
    const struct doctor_report *rep = doctor_report(d);
    const struct doctor_check *k = &rep->checks[i];
    const struct doctor_step_result *s = &k->steps[step];
    struct buf b;
    buf_init(&b, 0);
    rrender_safe(&b, s->detail, strlen(s->detail));
    fprintf(stderr, "elcui doctor: %s %s:%d %s %s %llu ms %s\n",
            k->cache_cluster_id[0] ? k->cache_cluster_id : doctor_kind_name(k->kind), k->host,
            k->port, doctor_step_name(step), doctor_status_name(s->status),
            (unsigned long long)s->ms, buf_str(&b));
    buf_free(&b);
}

static void cmd_doctor_done(struct doctor *d, const struct doctor_report *rep, void *arg)
{
    struct cmd_doctor *c = arg;
    (void)d;
    c->rep = rep;
    c->done = true;
}

/* ---- text ---- */

static void cmd_doctor_cell(char *out, size_t n, const struct doctor_step_result *s)
{
    switch (s->status) {
    case DOCTOR_OK:
    case DOCTOR_WARN:
        snprintf(out, n, "%s %llums", s->status == DOCTOR_OK ? "ok" : "WARN",
                 (unsigned long long)s->ms);
        break;
    case DOCTOR_FAIL:
        snprintf(out, n, "FAIL");
        break;
    case DOCTOR_SKIP:
        snprintf(out, n, "-");
        break;
    case DOCTOR_PENDING:
        snprintf(out, n, "?");
        break;
    }
}

static void cmd_doctor_text(struct cmd_doctor *c)
{
    const struct doctor_report *rep = c->rep;
    const struct discover_result *d = c->disc;
    char auth[400];
    rcli_describe_auth(d, auth, sizeof(auth));
    printf("Doctor for %s in %s\n", c->r.rg_id ? c->r.rg_id : "-", c->r.s.region);
    printf("  endpoint   %s:%d (%s)\n", d->host, d->port,
           discover_endpoint_source_name(d->endpoint_source));
    printf("  auth       %s\n", auth);
    const char *tls_text = c->r.tls == CONSOLE_TLS_OFF && c->forced_tls ? "off (--no-tls)"
                           : c->r.tls == CONSOLE_TLS_OFF
                               ? "off (the group has in-transit encryption off)"
                           : c->r.opts->insecure ? "on, certificates NOT verified (--insecure)"
                                                 : "on, certificates verified";
    printf("  tls        %s\n", tls_text);
    printf("\n");
    const char *titles[] = {"ENDPOINT", "SHARD", "ROLE", "AZ",   "DNS",
                            "CONNECT",  "TLS",   "AUTH", "PING", "VERDICT"};
    struct cmdout_table *t = cmdout_table_new(titles, 10);
    for (size_t i = 0; i < rep->n_checks; i++) {
        const struct doctor_check *k = &rep->checks[i];
        cmdout_table_row(t);
        if (k->cache_cluster_id[0])
            cmdout_table_cellf(t, "%s %s:%d", k->cache_cluster_id, k->host, k->port);
        else
            cmdout_table_cellf(t, "%s %s:%d", doctor_kind_name(k->kind), k->host, k->port);
        cmdout_table_cell(t, k->shard[0] ? k->shard : NULL);
        cmdout_table_cell(t, k->role[0] ? k->role : NULL);
        cmdout_table_cell(t, k->az[0] ? k->az : NULL);
        for (int s = 0; s < DOCTOR_STEPS; s++) {
            char cell[32];
            cmd_doctor_cell(cell, sizeof(cell), &k->steps[s]);
            cmdout_table_cell(t, cell);
        }
        cmdout_table_cell(t, k->ok ? "OK" : doctor_cause_name(k->cause));
    }
    cmdout_table_print(t, stdout);
    cmdout_table_free(t);
    for (size_t i = 0; i < rep->n_checks; i++) {
        const struct doctor_check *k = &rep->checks[i];
        if (k->ok)
            continue;
        struct buf b;
        buf_init(&b, 0);
        buf_printf(&b, "\n%s %s:%d: failed at %s: ",
                   k->cache_cluster_id[0] ? k->cache_cluster_id : doctor_kind_name(k->kind),
                   k->host, k->port, doctor_cause_name(k->cause));
        rrender_safe(&b, k->error, strlen(k->error));
        buf_appends(&b, "\n  cause: ");
        rrender_safe(&b, k->advice, strlen(k->advice));
        buf_appendc(&b, '\n');
        fputs(buf_str(&b), stdout);
        buf_free(&b);
    }
    struct buf b;
    buf_init(&b, 0);
    rrender_safe(&b, rep->topology.detail, strlen(rep->topology.detail));
    printf("\nslots: %s%s\n",
           rep->topology.checked ? (rep->topology.ok ? "ok: " : "PROBLEM: ") : "not checked: ",
           buf_str(&b));
    buf_reset(&b);
    rrender_safe(&b, rep->summary, strlen(rep->summary));
    printf("verdict: %s (%.2f s)\n", buf_str(&b), (double)rep->total_ms / 1000.0);
    buf_free(&b);
}

/* ---- JSON ---- */

static void cmd_doctor_json(struct cmd_doctor *c)
{
    const struct doctor_report *rep = c->rep;
    const struct discover_result *d = c->disc;
    json_t *root = json_object();
    json_object_set_new(root, "replicationGroupId", cmdout_jstr(c->r.rg_id));
    json_object_set_new(root, "region", cmdout_jstr(c->r.s.region));
    json_t *ep = json_object();
    json_object_set_new(ep, "host", cmdout_jstr(d->host));
    json_object_set_new(ep, "port", json_integer(d->port));
    json_object_set_new(ep, "source",
                        cmdout_jstr(discover_endpoint_source_name(d->endpoint_source)));
    json_object_set_new(root, "endpoint", ep);
    json_t *au = json_object();
    json_object_set_new(au, "source", cmdout_jstr(discover_token_source_name(d->token_source)));
    json_object_set_new(au, "origin", cmdout_jstr(d->token_origin[0] ? d->token_origin : NULL));
    json_object_set_new(au, "user", cmdout_jstr(d->user));
    json_object_set_new(root, "auth", au);
    json_object_set_new(root, "tls", json_boolean(c->r.tls != CONSOLE_TLS_OFF));
    json_object_set_new(root, "insecure", json_boolean(c->r.opts->insecure));
    json_t *checks = json_array();
    for (size_t i = 0; i < rep->n_checks; i++) {
        const struct doctor_check *k = &rep->checks[i];
        json_t *o = json_object();
        json_object_set_new(o, "kind", cmdout_jstr(doctor_kind_name(k->kind)));
        json_object_set_new(o, "host", cmdout_jstr(k->host));
        json_object_set_new(o, "port", json_integer(k->port));
        json_object_set_new(o, "cacheClusterId",
                            cmdout_jstr(k->cache_cluster_id[0] ? k->cache_cluster_id : NULL));
        json_object_set_new(o, "cacheNodeId",
                            cmdout_jstr(k->cache_node_id[0] ? k->cache_node_id : NULL));
        json_object_set_new(o, "shard", cmdout_jstr(k->shard[0] ? k->shard : NULL));
        json_object_set_new(o, "role", cmdout_jstr(k->role[0] ? k->role : NULL));
        json_object_set_new(o, "az", cmdout_jstr(k->az[0] ? k->az : NULL));
        json_object_set_new(o, "routed", json_boolean(k->routed));
        json_object_set_new(o, "ok", json_boolean(k->ok));
        json_object_set_new(o, "cause", cmdout_jstr(doctor_cause_name(k->cause)));
        json_object_set_new(o, "error", cmdout_jstr(k->error[0] ? k->error : NULL));
        json_object_set_new(o, "advice", cmdout_jstr(k->advice[0] ? k->advice : NULL));
        json_object_set_new(o, "totalMs", json_integer((json_int_t)k->total_ms));
        json_t *steps = json_object();
        for (int s = 0; s < DOCTOR_STEPS; s++) {
            json_t *so = json_object();
            json_object_set_new(so, "status", cmdout_jstr(doctor_status_name(k->steps[s].status)));
            json_object_set_new(so, "ms", json_integer((json_int_t)k->steps[s].ms));
            json_object_set_new(so, "detail", cmdout_jstr(k->steps[s].detail));
            json_object_set_new(steps, doctor_step_name((enum doctor_step)s), so);
        }
        json_object_set_new(o, "steps", steps);
        json_array_append_new(checks, o);
    }
    json_object_set_new(root, "checks", checks);
    const struct doctor_topology *tp = &rep->topology;
    json_t *to = json_object();
    json_object_set_new(to, "checked", json_boolean(tp->checked));
    json_object_set_new(to, "ok", json_boolean(tp->ok));
    json_object_set_new(to, "clusterMode", json_boolean(tp->cluster));
    json_object_set_new(to, "source", cmdout_jstr(tp->source[0] ? tp->source : NULL));
    json_object_set_new(to, "nodes", json_integer((json_int_t)tp->nodes));
    json_object_set_new(to, "shards", json_integer((json_int_t)tp->shards));
    json_object_set_new(to, "primaries", json_integer((json_int_t)tp->primaries));
    json_object_set_new(to, "slotsCovered", json_integer((json_int_t)tp->slots_covered));
    json_object_set_new(to, "failedNodes", json_integer((json_int_t)tp->failed_nodes));
    json_object_set_new(to, "detail", cmdout_jstr(tp->detail));
    json_object_set_new(root, "slots", to);
    json_object_set_new(root, "ok", json_boolean(rep->ok));
    json_object_set_new(root, "failed", json_integer((json_int_t)rep->failed));
    json_object_set_new(root, "summary", cmdout_jstr(rep->summary));
    json_object_set_new(root, "totalMs", json_integer((json_int_t)rep->total_ms));
    cmdout_json_print(root, stdout);
}

/* ---- options ---- */

enum {
    OPT_JSON = 300,
    OPT_TIMEOUT,
};

static const struct option cmd_doctor_options[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"help", no_argument, NULL, 'h'},
    RCLI_LONG_OPTIONS,
    {NULL, 0, NULL, 0},
};

static enum cli_opt cmd_doctor_option(void *ctx, int opt, char *arg)
{
    struct cmd_doctor *c = ctx;
    int rc = rcli_option(&c->r, opt, arg);
    if (rc < 0)
        return CLI_OPT_REFUSED;
    if (rc > 0)
        return CLI_OPT_TAKEN;
    switch (opt) {
    case OPT_JSON:
        c->json = true;
        break;
    case OPT_TIMEOUT:
        if (!rcli_parse_seconds(arg, 0.05, 600, &c->timeout_ms))
            return cli_refuse("doctor", "--timeout wants seconds (0.05 to 600)");
        break;
    default:
        return CLI_OPT_UNKNOWN;
    }
    return CLI_OPT_TAKEN;
}

static int cmd_doctor_parse(struct cmd_doctor *c, int argc, char **argv)
{
    int rc = cli_getopt(&cmd_doctor_entry, argc, argv, cmd_doctor_option, c);
    if (rc != 0)
        return rc;
    if (optind < argc)
        c->r.rg_id = argv[optind++];
    if (optind < argc)
        return cli_usage_error("doctor", "unexpected argument '%s'", argv[optind]), -1;
    if ((!c->r.rg_id || !*c->r.rg_id) && !c->r.endpoint)
        return cli_usage_error("doctor", "name a replication group"), -1;
    return 0;
}

/* Find the group's nodes (and its token): -1 when found, else the exit
 * status (an interrupted discovery ends quietly). The steps are listed
 * with -v, or when discovery failed. */
static int cmd_doctor_discover(struct cmd_doctor *c, const struct session_options *opts)
{
    struct discover_options dop = {
        .loop = c->r.s.loop,
        .aws = c->r.s.aws,
        .rg_id = c->r.rg_id,
        .endpoint = c->r.endpoint,
        .token_env = c->r.token_env,
        .secret_id = c->r.secret,
        .user = c->r.user,
        .iam = c->r.iam,
        .no_auth = c->r.no_auth,
        .prompt = rcli_token_prompt,
        .prompt_ctx = &c->r,
    };
    c->disc_req = discover_start(&dop, cmd_doctor_on_disc, c);
    if (!c->disc_req)
        return CLI_EXIT_FAIL;
    if (!cmdout_run(&c->r.s, &c->discovered, &c->r.interrupted))
        return CLI_EXIT_OK;
    if (opts->verbose || c->disc->failed)
        for (size_t i = 0; i < c->disc->n_steps; i++) {
            struct buf b;
            buf_init(&b, 0);
            rrender_safe(&b, c->disc->steps[i].what, strlen(c->disc->steps[i].what));
            buf_appends(&b, ": ");
            rrender_safe(&b, c->disc->steps[i].outcome, strlen(c->disc->steps[i].outcome));
            fprintf(stderr, "elcui doctor: discovery: %s\n", buf_str(&b));
            buf_free(&b);
        }
    if (c->disc->failed) {
        struct buf b;
        buf_init(&b, 0);
        rrender_safe(&b, c->disc->error, strlen(c->disc->error));
        fprintf(stderr, "elcui doctor: %s\n", buf_str(&b));
        buf_free(&b);
        return CLI_EXIT_FAIL;
    }
    return -1;
}

/* Check every node (IAM tokens minted when --iam), then report: the exit
 * status. */
static int cmd_doctor_check(struct cmd_doctor *c, const struct session_options *opts)
{
    if (c->r.iam) {
        char err[256] = "";
        struct iamauth_options io = {
            .loop = c->r.s.loop,
            .creds = c->r.s.creds,
            .clock = c->r.s.aws,
            .params = {.cache_id = c->r.rg_id, .user = c->disc->user, .region = c->r.s.region},
        };
        c->iam = iamauth_new(&io, err, sizeof(err));
        if (!c->iam) {
            fprintf(stderr, "elcui doctor: IAM authentication: %s\n", err);
            return CLI_EXIT_FAIL;
        }
    }
    bool tls = c->r.tls == CONSOLE_TLS_ON ||
               (c->r.tls == CONSOLE_TLS_AUTO && (!c->disc->tls_known || c->disc->tls));
    struct doctor_options o = {
        .loop = c->r.s.loop,
        .disc = c->disc,
        .token = c->disc->token,
        .cred = c->iam ? iamauth_cred : NULL,
        .cred_arg = c->iam,
        .tls = tls,
        .cafile = opts->redis_cacert,
        .insecure = opts->insecure,
        .connect_to = opts->connect_to,
        .n_connect_to = opts->nconnect_to,
        .timeout_ms = c->timeout_ms ? c->timeout_ms : c->r.connect_timeout_ms,
        .max_reply_bytes = c->r.max_reply_bytes,
        .on_progress = cmd_doctor_progress,
        .on_done = cmd_doctor_done,
        .arg = c,
    };
    c->forced_tls = c->r.tls != CONSOLE_TLS_AUTO;
    c->r.tls = tls ? CONSOLE_TLS_ON : CONSOLE_TLS_OFF;
    c->doc = doctor_start(&o);
    /* the doctor has its own copy of the token */
    mem_free_secret(c->disc->token);
    c->disc->token = NULL;
    if (!c->doc) {
        fprintf(stderr, "elcui doctor: cannot start (bad --connect-to rule?)\n");
        return CLI_EXIT_FAIL;
    }
    if (!cmdout_run(&c->r.s, &c->done, &c->r.interrupted))
        return CLI_EXIT_OK;
    if (c->json)
        cmd_doctor_json(c);
    else
        cmd_doctor_text(c);
    fflush(stdout);
    return c->rep->ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* What the run leaves: the doctor, discovery, a pending token prompt and
 * the session. */
static void cmd_doctor_cleanup(struct cmd_doctor *c, const struct session_options *opts)
{
    doctor_free(c->doc);
    iamauth_free(c->iam);
    if (c->disc_req)
        discover_cancel(c->disc_req);
    if (c->r.prompt) {
        creds_prompt_done done = c->r.prompt_done;
        c->r.prompt_done = NULL;
        if (done)
            done(NULL, c->r.prompt_done_arg);
        rcli_ask_cancel(c->r.prompt);
        c->r.prompt = NULL;
    }
    discover_result_free(c->disc);
    if (c->r.session_open)
        session_close(&c->r.s);
    if (opts->insecure)
        fprintf(stderr, "elcui doctor: WARNING: this run used --insecure (TLS certificates NOT "
                        "verified)\n");
}

static int cmd_doctor_run(struct session_options *opts, int argc, char **argv)
{
    struct cmd_doctor c;
    memset(&c, 0, sizeof(c));
    rcli_init(&c.r, "doctor", opts);
    int rc = cmd_doctor_parse(&c, argc, argv);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (opts->insecure)
        fprintf(stderr, "elcui doctor: WARNING: --insecure: Redis TLS certificates are NOT "
                        "verified\n");
    rc = CLI_EXIT_FAIL;
    c.r.session_open = true; /* closed below even when opening failed half-way */
    if (cmdout_session("doctor", &c.r.s, opts, &c.r.interrupted) != 0)
        goto out;
    if (c.r.iam && !c.r.user) {
        fprintf(stderr, "elcui doctor: --iam needs --user\n");
        goto out;
    }
    rc = cmd_doctor_discover(&c, opts);
    if (rc < 0)
        rc = cmd_doctor_check(&c, opts);
out:
    cmd_doctor_cleanup(&c, opts);
    return rc;
}

const struct cli_command cmd_doctor_entry = {
    .name = "doctor",
    .args = "RG [--json]",
    .summary = "DNS, TCP, TLS, AUTH, PING and slots, with causes",
    .run = cmd_doctor_run,
    .options = cmd_doctor_options,
    .shortopts = "h",
    .usage = cmd_doctor_usage,
};
