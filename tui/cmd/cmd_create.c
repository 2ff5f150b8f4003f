/* cmd_create.c - `elcui create --name NAME ... --plan|--apply`. */
#include "tui/cmd/cmd_create.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>
#include <unistd.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/stack/stack_spec.h"
#include "core/stack/stack_validate.h"

/* ---- shared helpers ---- */

void cmd_create_print_error(const char *cmd, const char *what, const struct aws_error *err)
{
    char *m = err ? aws_error_format(err) : NULL;
    fprintf(stderr, "elcui %s: %s%s%s\n", cmd, what, m ? ": " : "", m ? m : "");
    free(m);
}

void cmd_create_json_print(json_t *o)
{
    char *t = json_dumps(o, JSON_INDENT(2));
    if (t)
        printf("%s\n", t);
    free(t);
    json_decref(o);
}

int cmd_create_open_session(struct session *s, struct session_options *opts, const char *region,
                            struct aws_error *err)
{
    if (region)
        opts->region = region;
    if (session_open(s, opts, err) == 0)
        return 0;
    if (!aws_error_is(err, "NoRegion"))
        return -1;
    /* The seed's region when nothing names one. */
    session_close(s);
    aws_error_clear(err);
    opts->region = "us-east-2";
    return session_open(s, opts, err);
}

struct aws_client *cmd_create_once_client(struct session *s, struct aws_error *err)
{
    return session_client(s, 1, s->opts->timeout_ms, s->opts->verbose > 0, err);
}

/* SIGINT / SIGTERM: one watcher for the whole command (the loop keeps
 * every handler it is given, so each phase must not add its own). */
static struct {
    struct loop *loop;
    bool interrupted;
} cmd_create_sig;

static void cmd_create_on_signal(int signo, void *arg)
{
    (void)signo;
    (void)arg;
    cmd_create_sig.interrupted = true;
    loop_stop(cmd_create_sig.loop, 0);
}

static void cmd_create_watch_signals(struct loop *l)
{
    if (cmd_create_sig.loop == l)
        return;
    cmd_create_sig.loop = l;
    cmd_create_sig.interrupted = false;
    loop_on_signal(l, SIGINT, cmd_create_on_signal, NULL);
    loop_on_signal(l, SIGTERM, cmd_create_on_signal, NULL);
}

/* The engine's phase changes stop the loop: the command goes on from
 * its own top level (no loop runs inside a callback). */
static void cmd_create_on_phase(struct stack_run *run, enum stack_run_phase ph, void *arg)
{
    (void)run;
    (void)ph;
    struct cmd_create_run *cr = arg;
    loop_stop(cr->s->loop, 0);
}

static void cmd_create_on_state(struct stack_run *run, const struct stack_event *ev, void *arg);
static void cmd_create_on_retry(struct stack_run *run, const struct stack_event *ev,
                                uint64_t delay_ms, void *arg);

static uint64_t env_ms(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    return (*end || errno) ? 0 : (uint64_t)x;
}

void cmd_create_tunables(struct stack_run_options *o)
{
    /* Tests shorten the waits (the sandbox creates groups in seconds). */
    o->poll_first_ms = env_ms("ELCUI_POLL_MS");
    o->poll_max_ms = env_ms("ELCUI_POLL_MAX_MS");
    o->backoff_first_ms = env_ms("ELCUI_BACKOFF_MS");
}

/* Run the loop until the engine leaves phase `while_in`, or a signal. */
static void cmd_create_follow(struct cmd_create_run *cr, enum stack_run_phase while_in)
{
    while (stack_run_phase(cr->run) == while_in && !cmd_create_sig.interrupted)
        loop_run(cr->s->loop);
    if (stack_run_phase(cr->run) == while_in)
        cr->interrupted = true;
}

int cmd_create_parse_parallel(const char *cmd, const char *arg, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(arg, &end, 10);
    if (errno || end == arg || *end || arg[0] == '-' || v < 1 || v > CMD_CREATE_PARALLEL_MAX)
        return cli_usage_error(cmd, "--parallel wants a number of calls from 1 to %d, not '%s'",
                               CMD_CREATE_PARALLEL_MAX, arg),
               -1;
    *out = (unsigned)v;
    return 0;
}

int cmd_create_plan(struct cmd_create_run *cr, struct session *s, const struct stack_spec *spec,
                    enum stack_plan_mode mode, bool json, unsigned parallel, struct aws_error *err)
{
    memset(cr, 0, sizeof(*cr));
    cr->s = s;
    cr->json = json;
    cr->once = cmd_create_once_client(s, err);
    if (!cr->once)
        return -1;
    cmd_create_watch_signals(s->loop);
    struct stack_run_options o;
    memset(&o, 0, sizeof(o));
    o.loop = s->loop;
    o.client = s->aws;
    o.once = cr->once;
    o.mode = mode;
    o.max_in_flight = parallel;
    cmd_create_tunables(&o);
    struct stack_run_callbacks cb = {cmd_create_on_phase, cmd_create_on_state, cmd_create_on_retry,
                                     cr};
    cr->run = stack_run_new(spec, &o, &cb);
    stack_run_start(cr->run);
    cmd_create_follow(cr, STACK_RUN_PLANNING);
    if (cr->interrupted) {
        stack_run_stop(cr->run);
        return -1;
    }
    if (stack_run_phase(cr->run) != STACK_RUN_PLANNED) {
        aws_error_copy(err, stack_run_error(cr->run));
        return -1;
    }
    return 0;
}

void cmd_create_run_free(struct cmd_create_run *cr)
{
    stack_run_free(cr->run);
    cr->run = NULL;
    aws_client_free(cr->once);
    cr->once = NULL;
}

static volatile sig_atomic_t cmd_create_sigint;

static void cmd_create_on_sigint(int signo)
{
    (void)signo;
    cmd_create_sigint = 1;
}

int cmd_create_confirm(const char *question, const char *expect)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return 0;
    /* Ctrl-C must end the question: the loop's handler restarts reads
     * (SA_RESTART), so this one, without, stands in while asking. SIGINT
     * stays blocked except inside pselect, so a Ctrl-C pressed as soon as
     * the question shows (before the wait began) still ends it. */
    struct sigaction sa, old_int;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = cmd_create_on_sigint;
    sigemptyset(&sa.sa_mask);
    sigset_t block, orig, waitmask;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &orig);
    waitmask = orig;
    sigdelset(&waitmask, SIGINT);
    cmd_create_sigint = 0;
    sigaction(SIGINT, &sa, &old_int);
    int rc = 0;
    char line[256];
    size_t len = 0;
    bool ok = write(fd, question, strlen(question)) >= 0;
    while (ok) {
        fd_set rd;
        FD_ZERO(&rd);
        FD_SET(fd, &rd);
        int r = pselect(fd + 1, &rd, NULL, NULL, NULL, &waitmask);
        if (cmd_create_sigint) {
            rc = -1;
            break;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        char ch;
        ssize_t n = read(fd, &ch, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || ch == '\n' || ch == '\r')
            break;
        if (len + 1 < sizeof(line))
            line[len++] = ch;
    }
    line[len] = '\0';
    if (rc == 0 && ok)
        rc = strcmp(line, expect) == 0 ? 1 : 0;
    if (rc < 0 && write(fd, "\n", 1) < 0) {
        /* the terminal is gone: nothing to tidy */
    }
    sigaction(SIGINT, &old_int, NULL);
    sigprocmask(SIG_SETMASK, &orig, NULL);
    close(fd);
    return rc;
}

/* ---- progress ---- */

static void cmd_create_event_json(const struct stack_event *ev, const char *kind, uint64_t delay_ms)
{
    json_t *o = json_object();
    json_object_set_new(o, "event", json_string(kind));
    json_object_set_new(o, "key", json_string(ev->res->key));
    json_object_set_new(o, "name", json_string(ev->res->name));
    json_object_set_new(o, "state", json_string(stack_apply_state_name(ev->state)));
    if (ev->operation)
        json_object_set_new(o, "operation", json_string(ev->operation));
    if (ev->detail)
        json_object_set_new(o, "detail", json_string(ev->detail));
    json_object_set_new(o, "elapsed_ms", json_integer((json_int_t)ev->elapsed_ms));
    json_object_set_new(o, "total_ms", json_integer((json_int_t)ev->total_ms));
    json_object_set_new(o, "attempt", json_integer(ev->attempt));
    if (delay_ms)
        json_object_set_new(o, "delay_ms", json_integer((json_int_t)delay_ms));
    if (ev->res->id)
        json_object_set_new(o, "id", json_string(ev->res->id));
    if (ev->request_id)
        json_object_set_new(o, "request_id", json_string(ev->request_id));
    if (ev->err) {
        json_t *e = json_object();
        json_object_set_new(e, "code", json_string(ev->err->code));
        json_object_set_new(e, "message", json_string(ev->err->message ? ev->err->message : ""));
        json_object_set_new(e, "http_status", json_integer(ev->err->http_status));
        json_object_set_new(e, "request_id", json_string(ev->err->request_id));
        json_object_set_new(o, "error", e);
    }
    char *t = json_dumps(o, JSON_COMPACT);
    if (t)
        fprintf(stderr, "%s\n", t);
    free(t);
    json_decref(o);
}

static void cmd_create_on_state(struct stack_run *run, const struct stack_event *ev, void *arg)
{
    (void)run;
    struct cmd_create_run *r = arg;
    if (r->json) {
        cmd_create_event_json(ev, "state", 0);
        return;
    }
    if (ev->state == STACK_STATE_UNCHANGED || ev->state == STACK_STATE_PENDING)
        return;
    fprintf(stderr, "[%7.1fs] %-22s %-8s", (double)ev->total_ms / 1000.0, ev->res->key,
            stack_apply_state_name(ev->state));
    switch (ev->state) {
    case STACK_STATE_RUNNING:
        fprintf(stderr, " %s", ev->operation ? ev->operation : "");
        if (ev->attempt > 1)
            fprintf(stderr, " (attempt %d)", ev->attempt);
        break;
    case STACK_STATE_WAITING:
        fprintf(stderr, " %s (%.1fs)", ev->detail ? ev->detail : "",
                (double)ev->elapsed_ms / 1000.0);
        break;
    case STACK_STATE_DONE:
        fprintf(stderr, " %s%s(%.1fs)", ev->res->id ? ev->res->id : "", ev->res->id ? " " : "",
                (double)ev->elapsed_ms / 1000.0);
        break;
    case STACK_STATE_FAILED: {
        char *m = ev->err ? aws_error_format(ev->err) : NULL;
        fprintf(stderr, " %s: %s", ev->operation ? ev->operation : "",
                m ? m : (ev->detail ? ev->detail : "failed"));
        free(m);
        break;
    }
    case STACK_STATE_BLOCKED:
        fprintf(stderr, " %s", ev->detail ? ev->detail : "");
        break;
    default:
        break;
    }
    fputc('\n', stderr);
}

static void cmd_create_on_retry(struct stack_run *run, const struct stack_event *ev,
                                uint64_t delay_ms, void *arg)
{
    (void)run;
    struct cmd_create_run *r = arg;
    if (r->json) {
        cmd_create_event_json(ev, "retry", delay_ms);
        return;
    }
    char *m = ev->err ? aws_error_format(ev->err) : NULL;
    fprintf(stderr, "[%7.1fs] %-22s %-8s %s attempt %d in %.1fs: %s%s%s\n",
            (double)ev->total_ms / 1000.0, ev->res->key, "retrying",
            ev->operation ? ev->operation : "", ev->attempt, (double)delay_ms / 1000.0,
            ev->detail ? ev->detail : "", m ? " - " : "", m ? m : "");
    free(m);
}

int cmd_create_apply(struct cmd_create_run *cr, const char *verb)
{
    struct stack_plan *p = stack_run_plan(cr->run);
    char msg[512];
    if (stack_run_confirm(cr->run, msg, sizeof(msg)) != 0) {
        fprintf(stderr, "elcui %s: %s\n", verb, msg);
        return CLI_EXIT_FAIL;
    }
    cmd_create_follow(cr, STACK_RUN_APPLYING);
    int rc;
    bool done = !cr->interrupted;
    if (!done) {
        stack_run_stop(cr->run);
        fprintf(stderr,
                "elcui %s: interrupted; what was made is tagged and kept: run the same command "
                "again to continue\n",
                verb);
        rc = CLI_EXIT_FAIL;
    }
    const struct stack_apply_result *res = stack_run_result(cr->run);
    if (done)
        rc = res->ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    const struct aws_error *first_err = done ? res->first_error : NULL;
    const char *first_failed = done ? res->first_failed : NULL;
    if (cr->json) {
        json_t *o = json_object();
        json_t *jr = json_object();
        json_object_set_new(jr, "ok", json_boolean(done && res->ok));
        json_object_set_new(jr, "interrupted", json_boolean(!done));
        json_object_set_new(jr, "done", json_integer((json_int_t)(done ? res->done : 0)));
        json_object_set_new(jr, "unchanged", json_integer((json_int_t)(done ? res->unchanged : 0)));
        json_object_set_new(jr, "failed", json_integer((json_int_t)(done ? res->failed : 0)));
        json_object_set_new(jr, "blocked", json_integer((json_int_t)(done ? res->blocked : 0)));
        json_object_set_new(jr, "elapsed_ms",
                            json_integer((json_int_t)(done ? res->elapsed_ms : 0)));
        if (first_failed)
            json_object_set_new(jr, "first_failed", json_string(first_failed));
        if (first_err) {
            char *m = aws_error_format(first_err);
            json_object_set_new(jr, "error", json_string(m));
            json_object_set_new(jr, "request_id", json_string(first_err->request_id));
            free(m);
        }
        json_object_set_new(o, "result", jr);
        json_t *pj = stack_plan_to_json(p);
        json_t *arr = json_object_get(pj, "resources");
        for (size_t i = 0; i < p->n; i++) {
            const struct stack_run_item *it = stack_run_item(cr->run, i);
            json_object_set_new(
                json_array_get(arr, i), "state",
                json_string(stack_apply_state_name(it ? it->state : STACK_STATE_PENDING)));
        }
        json_object_set_new(o, "plan", pj);
        cmd_create_json_print(o);
    } else if (done) {
        if (res->ok) {
            printf("%s: %s of stack %s finished in %.1fs: %zu done, %zu unchanged.\n", verb,
                   p->mode == STACK_PLAN_DESTROY ? "destroy" : "apply", p->spec.name,
                   (double)res->elapsed_ms / 1000.0, res->done, res->unchanged);
            struct stack_resource *rg = stack_plan_find(p, "replication-group");
            if (p->mode == STACK_PLAN_APPLY && rg && rg->endpoint)
                printf("configuration endpoint: %s:%d\n", rg->endpoint, rg->port);
            for (size_t i = 0; p->mode == STACK_PLAN_DESTROY && i < p->n; i++) {
                const struct stack_run_item *it = stack_run_item(cr->run, i);
                if (p->res[i].kind == STACK_KIND_KMS_KEY && it && it->state == STACK_STATE_DONE)
                    printf("key %s is pending deletion (%d-day window)\n", p->res[i].id,
                           p->spec.key_deletion_window);
            }
        } else {
            printf("%s: %s of stack %s failed: %zu done, %zu failed, %zu not started.\n", verb,
                   p->mode == STACK_PLAN_DESTROY ? "destroy" : "apply", p->spec.name, res->done,
                   res->failed, res->blocked);
            if (first_err) {
                char *m = aws_error_format(first_err);
                printf("first error (%s): %s\n", first_failed ? first_failed : "?", m);
                free(m);
            }
            printf("Fix the cause and run the same command again: it continues where it "
                   "stopped.\n");
        }
    }
    fflush(stdout);
    return rc;
}

/* ---- the command ---- */

static void cmd_create_usage(FILE *f)
{
    fprintf(f,
            "usage: elcui create --name NAME [--spec FILE] [OPTIONS] --plan|--apply [--yes] "
            "[--json]\n"
            "\n"
            "Plan or build the production stack of an ElastiCache replication group: VPC,\n"
            "subnets, route tables, subnet group, security group, KMS keys and policies,\n"
            "log groups, AUTH token secret, the group itself, SSM parameters and IAM read\n"
            "policies, every name derived from NAME (see elcui-spec(5)).\n"
            "\n"
            "  --name NAME             name stem of every resource (also name = in the spec)\n"
            "  --spec FILE             read the spec from FILE; options below override it\n"
            "  --plan                  show what exists and what apply would do (default)\n"
            "  --apply                 show the plan, ask, then build (refused with --read-only)\n"
            "  --yes                   do not ask (scripts)\n"
            "  --json                  plan and result as JSON on stdout, progress as JSON\n"
            "                          lines on stderr\n"
            "  --print-spec            print the effective spec file and exit\n"
            "  --parallel N            at most N AWS calls of the apply in flight (1-16; 8)\n"
            "  --vpc-cidr CIDR         VPC range (10.20.32.0/25)\n"
            "  --private-subnets LIST  cache subnet CIDRs, comma-separated\n"
            "  --public-subnets LIST   \"public\" subnet CIDRs ('' for none)\n"
            "  --zones LIST            zones in subnet order (default: the region's first)\n"
            "  --shards N              node groups (3)\n"
            "  --replicas N            replicas per shard (2)\n"
            "  --node-type TYPE        cache node type (cache.t2.small)\n"
            "  --engine redis|valkey   engine (redis)\n"
            "  --engine-version V      pin the engine version (default: AWS's)\n"
            "  --parameter-group NAME  parameter group (default.redis7.cluster.on)\n"
            "  --port N                port (6379)\n"
            "  --no-multi-az           Multi-AZ off\n"
            "  --log-retention DAYS    log retention (365)\n"
            "  --token-file FILE       AUTH token from FILE instead of a generated one\n"
            "  --reuse-vpc ID          use this VPC (no VPC, route tables or lock-down made)\n"
            "  --reuse-subnets LIST    use these subnets for the cache (needs --reuse-vpc)\n"
            "  --reuse-security-group ID   use this security group\n"
            "  --reuse-kms KEY         at-rest key to use (id, ARN or alias/NAME)\n"
            "  --reuse-secret-kms KEY  key for the secret\n"
            "  --reuse-secret ID       secret holding the AUTH token (id, ARN or name)\n"
            "  --set SECTION.KEY=VALUE any spec value (repeatable), e.g. --set cache.port=6380\n"
            "\n"
            "The console's create wizard (elcui, then :create or c) builds the same spec,\n"
            "page by page, and runs the same engine.\n"
            "\n"
            "The global --region chooses the region (else the spec's region, the usual AWS\n"
            "chain, or us-east-2). Progress goes to stderr, results to stdout. Exit status:\n"
            "0 ok, 1 failure (or conflicts), 2 usage error or an invalid spec, 130\n"
            "cancelled with Ctrl-C at the question (nothing changed).\n");
}

enum {
    OPT_NAME = 300,
    OPT_SPEC,
    OPT_PLAN,
    OPT_APPLY,
    OPT_YES,
    OPT_JSON,
    OPT_PRINT_SPEC,
    OPT_SET,
    OPT_VPC_CIDR,
    OPT_PRIVATE,
    OPT_PUBLIC,
    OPT_ZONES,
    OPT_SHARDS,
    OPT_REPLICAS,
    OPT_NODE_TYPE,
    OPT_ENGINE,
    OPT_ENGINE_VERSION,
    OPT_PARAM_GROUP,
    OPT_PORT,
    OPT_NO_MULTI_AZ,
    OPT_LOG_RETENTION,
    OPT_TOKEN_FILE,
    OPT_REUSE_VPC,
    OPT_REUSE_SUBNETS,
    OPT_REUSE_SG,
    OPT_REUSE_KMS,
    OPT_REUSE_SECRET_KMS,
    OPT_REUSE_SECRET,
    OPT_PARALLEL,
};

static const struct option cmd_create_options[] = {
    {"name", required_argument, NULL, OPT_NAME},
    {"spec", required_argument, NULL, OPT_SPEC},
    {"plan", no_argument, NULL, OPT_PLAN},
    {"apply", no_argument, NULL, OPT_APPLY},
    {"yes", no_argument, NULL, OPT_YES},
    {"json", no_argument, NULL, OPT_JSON},
    {"print-spec", no_argument, NULL, OPT_PRINT_SPEC},
    {"set", required_argument, NULL, OPT_SET},
    {"vpc-cidr", required_argument, NULL, OPT_VPC_CIDR},
    {"private-subnets", required_argument, NULL, OPT_PRIVATE},
    {"public-subnets", required_argument, NULL, OPT_PUBLIC},
    {"zones", required_argument, NULL, OPT_ZONES},
    {"shards", required_argument, NULL, OPT_SHARDS},
    {"replicas", required_argument, NULL, OPT_REPLICAS},
    {"node-type", required_argument, NULL, OPT_NODE_TYPE},
    {"engine", required_argument, NULL, OPT_ENGINE},
    {"engine-version", required_argument, NULL, OPT_ENGINE_VERSION},
    {"parameter-group", required_argument, NULL, OPT_PARAM_GROUP},
    {"port", required_argument, NULL, OPT_PORT},
    {"no-multi-az", no_argument, NULL, OPT_NO_MULTI_AZ},
    {"log-retention", required_argument, NULL, OPT_LOG_RETENTION},
    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
    {"reuse-vpc", required_argument, NULL, OPT_REUSE_VPC},
    {"reuse-subnets", required_argument, NULL, OPT_REUSE_SUBNETS},
    {"reuse-security-group", required_argument, NULL, OPT_REUSE_SG},
    {"reuse-kms", required_argument, NULL, OPT_REUSE_KMS},
    {"reuse-secret-kms", required_argument, NULL, OPT_REUSE_SECRET_KMS},
    {"reuse-secret", required_argument, NULL, OPT_REUSE_SECRET},
    {"parallel", required_argument, NULL, OPT_PARALLEL},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Option -> spec field. */
static const struct {
    int opt;
    const char *section;
    const char *key;
} cmd_create_map[] = {
    {OPT_VPC_CIDR, "network", "vpc_cidr"},
    {OPT_PRIVATE, "network", "private_subnets"},
    {OPT_PUBLIC, "network", "public_subnets"},
    {OPT_ZONES, "network", "availability_zones"},
    {OPT_SHARDS, "cache", "shards"},
    {OPT_REPLICAS, "cache", "replicas"},
    {OPT_NODE_TYPE, "cache", "node_type"},
    {OPT_ENGINE, "cache", "engine"},
    {OPT_ENGINE_VERSION, "cache", "engine_version"},
    {OPT_PARAM_GROUP, "cache", "parameter_group"},
    {OPT_PORT, "cache", "port"},
    {OPT_LOG_RETENTION, "logs", "retention_days"},
    {OPT_TOKEN_FILE, "secret", "token_file"},
    {OPT_REUSE_VPC, "reuse", "vpc"},
    {OPT_REUSE_SUBNETS, "reuse", "subnets"},
    {OPT_REUSE_SG, "reuse", "security_group"},
    {OPT_REUSE_KMS, "reuse", "kms_key"},
    {OPT_REUSE_SECRET_KMS, "reuse", "secret_kms_key"},
    {OPT_REUSE_SECRET, "reuse", "secret"},
};

struct cmd_create {
    const char *name;
    const char *spec_file;
    bool plan, apply, yes, json, print_spec;
    unsigned parallel; /* 0: the engine's default */
    /* flags in order, applied after the file */
    struct {
        const char *section, *key;
        char *value;
    } sets[64];
    size_t n_sets;
};

static int cmd_create_add_set(struct cmd_create *c, const char *section, const char *key,
                              const char *value)
{
    if (c->n_sets >= sizeof(c->sets) / sizeof(c->sets[0]))
        return cli_usage_error("create", "too many spec options"), -1;
    c->sets[c->n_sets].section = section;
    c->sets[c->n_sets].key = key;
    c->sets[c->n_sets].value = mem_xstrdup(value);
    c->n_sets++;
    return 0;
}

/* What the option handler fills: the command, and the section and key
 * strings of --set (freed by the caller). */
struct cmd_create_args {
    struct cmd_create *c;
    char **setbuf;
    size_t *n_setbuf;
};

static enum cli_opt cmd_create_option(void *ctx, int opt, char *arg)
{
    struct cmd_create_args *a = ctx;
    struct cmd_create *c = a->c;
    switch (opt) {
    case OPT_NAME:
        c->name = arg;
        break;
    case OPT_SPEC:
        c->spec_file = arg;
        break;
    case OPT_PLAN:
        c->plan = true;
        break;
    case OPT_APPLY:
        c->apply = true;
        break;
    case OPT_YES:
        c->yes = true;
        break;
    case OPT_JSON:
        c->json = true;
        break;
    case OPT_PRINT_SPEC:
        c->print_spec = true;
        break;
    case OPT_PARALLEL:
        if (cmd_create_parse_parallel("create", arg, &c->parallel) != 0)
            return CLI_OPT_REFUSED;
        break;
    case OPT_NO_MULTI_AZ:
        if (cmd_create_add_set(c, "cache", "multi_az", "no") != 0)
            return CLI_OPT_REFUSED;
        break;
    case OPT_SET: {
        const char *dot = strchr(arg, '.');
        const char *eq = strchr(arg, '=');
        if (!dot || !eq || eq < dot || dot == arg || eq == dot + 1)
            return cli_refuse("create", "--set wants SECTION.KEY=VALUE, e.g. "
                                        "cache.port=6380");
        char *sec = mem_xstrndup(arg, (size_t)(dot - arg));
        char *key = mem_xstrndup(dot + 1, (size_t)(eq - dot - 1));
        a->setbuf[(*a->n_setbuf)++] = sec;
        a->setbuf[(*a->n_setbuf)++] = key;
        if (cmd_create_add_set(c, sec, key, eq + 1) != 0)
            return CLI_OPT_REFUSED;
        break;
    }
    default: {
        bool mapped = false;
        for (size_t i = 0; i < sizeof(cmd_create_map) / sizeof(cmd_create_map[0]); i++)
            if (cmd_create_map[i].opt == opt) {
                if (cmd_create_add_set(c, cmd_create_map[i].section, cmd_create_map[i].key, arg) !=
                    0)
                    return CLI_OPT_REFUSED;
                mapped = true;
            }
        if (mapped)
            break;
        return CLI_OPT_UNKNOWN;
    }
    }
    return CLI_OPT_TAKEN;
}

/* 1: --help; 0: ok; -1: usage error (reported). */
static int cmd_create_parse(struct cmd_create *c, int argc, char **argv, char *setbuf[],
                            size_t *n_setbuf)
{
    struct cmd_create_args a = {c, setbuf, n_setbuf};
    int rc = cli_getopt(&cmd_create_entry, argc, argv, cmd_create_option, &a);
    if (rc != 0)
        return rc;
    if (optind < argc)
        return cli_usage_error("create", "unexpected argument '%s'", argv[optind]), -1;
    if (c->plan && c->apply)
        return cli_usage_error("create", "--plan and --apply exclude each other"), -1;
    if (!c->apply)
        c->plan = true;
    return 0;
}

static void cmd_create_print_problems(const struct stack_problems *pr, bool json)
{
    for (size_t i = 0; i < pr->n; i++)
        fprintf(stderr, "elcui create: %s: %s: %s\n",
                pr->items[i].severity == STACK_SEV_ERROR ? "error" : "warning", pr->items[i].field,
                pr->items[i].message);
    if (json && pr->n_errors) {
        json_t *o = json_object();
        json_t *a = json_array();
        for (size_t i = 0; i < pr->n; i++)
            json_array_append_new(
                a, json_pack("{s:s,s:s,s:s}", "severity",
                             pr->items[i].severity == STACK_SEV_ERROR ? "error" : "warning",
                             "field", pr->items[i].field, "message", pr->items[i].message));
        json_object_set_new(o, "valid", json_false());
        json_object_set_new(o, "problems", a);
        cmd_create_json_print(o);
    }
}

/* The spec the command line asks for: --spec, --name, the --set options
 * and --region over it. 0, or -1 after a usage error. */
static int cmd_create_spec(const struct cmd_create *c, const struct session_options *opts,
                           struct stack_spec *spec)
{
    char msg[1024];
    if (c->spec_file && stack_spec_load_file(spec, c->spec_file, msg, sizeof(msg)) != 0) {
        fprintf(stderr, "elcui create: %s\n", msg);
        return -1;
    }
    if (c->name && stack_spec_set_name(spec, c->name, msg, sizeof(msg)) != 0) {
        fprintf(stderr, "elcui create: %s\n", msg);
        return -1;
    }
    if (!spec->name) {
        cli_usage_error("create", "name the stack: --name NAME (or name = in the spec's [stack])");
        return -1;
    }
    for (size_t i = 0; i < c->n_sets; i++)
        if (stack_spec_set(spec, c->sets[i].section, c->sets[i].key, c->sets[i].value, msg,
                           sizeof(msg)) != 0) {
            fprintf(stderr, "elcui create: %s\n", msg);
            return -1;
        }
    if (opts->region && spec->region && strcmp(opts->region, spec->region) != 0) {
        cli_usage_error("create", "--region %s differs from the spec's region %s", opts->region,
                        spec->region);
        return -1;
    }
    if (opts->region) {
        free(spec->region);
        spec->region = mem_xstrdup(opts->region);
    }
    return 0;
}

/* The plan shown (with --plan, that is all), then what apply needs: no
 * conflict, something to do and, without --yes, the stack name typed.
 * -1 to apply, else the exit status. */
static int cmd_create_decide(const struct cmd_create *c, const struct session *s,
                             const struct stack_spec *spec, struct stack_plan *plan)
{
    bool noop = stack_plan_is_noop(plan);
    if (c->json && c->plan)
        cmd_create_json_print(stack_plan_to_json(plan));
    if (!c->json || (c->apply && !c->yes && !noop)) {
        /* the plan is shown before the question, also with --json */
        char *t = stack_plan_format(plan, !noop);
        fputs(t, c->apply ? stderr : stdout);
        free(t);
    }
    if (c->plan)
        return plan->n_conflict ? CLI_EXIT_FAIL : CLI_EXIT_OK;
    if (plan->n_conflict) {
        fprintf(stderr, "elcui create: %zu conflict%s (see the plan); nothing was changed\n",
                plan->n_conflict, plan->n_conflict == 1 ? "" : "s");
        if (c->json)
            cmd_create_json_print(stack_plan_to_json(plan));
        return CLI_EXIT_FAIL;
    }
    if (noop) {
        if (c->json) {
            json_t *pj = stack_plan_to_json(plan);
            json_t *o = json_pack("{s:{s:b,s:b},s:o}", "result", "ok", 1, "noop", 1, "plan", pj);
            cmd_create_json_print(o);
        } else {
            printf("create: stack %s is as the spec says; nothing to do.\n", spec->name);
        }
        return CLI_EXIT_OK;
    }
    if (!c->yes) {
        char q[512];
        snprintf(q, sizeof(q),
                 "Apply this plan to stack %s in %s (%zu to create, %zu to change)?\n"
                 "Type the stack name to go on: ",
                 spec->name, s->region, plan->n_create, plan->n_change);
        int yes = cmd_create_confirm(q, spec->name);
        if (yes < 0) {
            fprintf(stderr, "elcui create: cancelled; nothing was changed\n");
            return CLI_EXIT_CANCELLED;
        }
        if (!yes) {
            fprintf(stderr, "elcui create: not confirmed (no terminal, or the name was not "
                            "typed); nothing was changed. Scripts pass --yes.\n");
            return CLI_EXIT_FAIL;
        }
    }
    return -1;
}

static int cmd_create_run(struct session_options *opts, int argc, char **argv)
{
    struct cmd_create c;
    memset(&c, 0, sizeof(c));
    char *setbuf[2 * 64];
    size_t n_setbuf = 0;
    struct stack_spec spec;
    stack_spec_init(&spec);
    struct session s;
    memset(&s, 0, sizeof(s));
    struct cmd_create_run cr;
    memset(&cr, 0, sizeof(cr));
    struct stack_plan *plan = NULL;
    struct stack_problems problems;
    memset(&problems, 0, sizeof(problems));
    struct aws_error err;
    aws_error_init(&err);
    int rc = cmd_create_parse(&c, argc, argv, setbuf, &n_setbuf);
    if (rc != 0) {
        rc = rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
        goto out;
    }
    rc = CLI_EXIT_USAGE;
    if (cmd_create_spec(&c, opts, &spec) != 0)
        goto out;
    if (c.print_spec) {
        char *t = stack_spec_write(&spec);
        fputs(t, stdout);
        free(t);
        rc = CLI_EXIT_OK;
        goto out;
    }
    if (c.apply && session_read_only(opts)) {
        fprintf(stderr, "elcui create: --apply changes AWS resources and --read-only is set; "
                        "use --plan, or drop --read-only\n");
        goto out;
    }
    /* The session only reads configuration: the region it resolves (flag,
     * spec, environment, profile) is what the rules check against. */
    if (cmd_create_open_session(&s, opts, spec.region, &err) != 0) {
        rc = CLI_EXIT_FAIL;
        cmd_create_print_error("create", "cannot start", &err);
        goto out;
    }
    free(spec.region);
    spec.region = mem_xstrdup(s.region);
    /* Every rule before the first AWS call. */
    if (stack_validate(&spec, &problems) > 0) {
        cmd_create_print_problems(&problems, c.json);
        fprintf(stderr, "elcui create: the spec has %zu error%s; nothing was sent to AWS\n",
                problems.n_errors, problems.n_errors == 1 ? "" : "s");
        goto out;
    }
    cmd_create_print_problems(&problems, false);
    rc = CLI_EXIT_FAIL;
    session_print_warnings(&s, stderr);
    signal(SIGPIPE, SIG_IGN);
    if (cmd_create_plan(&cr, &s, &spec, STACK_PLAN_APPLY, c.json, c.parallel, &err) != 0) {
        if (cr.interrupted)
            fprintf(stderr, "elcui create: interrupted while planning; nothing was changed\n");
        else
            cmd_create_print_error("create", "cannot plan", &err);
        goto out;
    }
    plan = stack_run_plan(cr.run);
    rc = cmd_create_decide(&c, &s, &spec, plan);
    if (rc >= 0)
        goto out;
    rc = cmd_create_apply(&cr, "create");
out:
    stack_validate_problems_free(&problems);
    cmd_create_run_free(&cr);
    stack_spec_free(&spec);
    for (size_t i = 0; i < c.n_sets; i++)
        free(c.sets[i].value);
    for (size_t i = 0; i < n_setbuf; i++)
        free(setbuf[i]);
    aws_error_clear(&err);
    if (s.loop)
        session_close(&s);
    fflush(stdout);
    return rc;
}

const struct cli_command cmd_create_entry = {
    .name = "create",
    .args = "--name NAME [--spec FILE] --plan|--apply",
    .summary = "plan or build the production stack",
    .run = cmd_create_run,
    .options = cmd_create_options,
    .shortopts = "h",
    .usage = cmd_create_usage,
};
