/* stack_apply.c - run a plan's graph on the loop. */
#include "core/stack/stack_apply.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/mem.h"
#include "core/stack/stack_journal.h"
#include "core/stack/stack_ops.h"
#include "core/stack/stack_validate.h"

#define APPLY_MAX_THROTTLE_RETRIES 8
#define APPLY_BACKOFF_CAP_MS 20000

struct call_arg;
struct timer_arg;

struct node {
    enum stack_state st;
    size_t next_call;
    uint64_t started_ms;
    int attempt;
    uint64_t retry_until_ms;
    uint64_t poll_ms;
    uint64_t wait_deadline_ms;
    struct stack_ops_call *call;
    struct call_arg *call_arg;
    struct loop_timer *timer;
    struct timer_arg *timer_arg;
    char *last_status;
    char request_id[96];
    uint64_t queued; /* waits for a free slot to send its next call (order; 0: not) */
};

struct stack_apply {
    struct stack_plan *p;
    struct stack_apply_options o;
    struct stack_apply_callbacks cb;
    struct node *nodes;
    struct stack_ops_env env;
    char *journal_dir;
    uint64_t t0;
    unsigned in_flight;
    size_t n_queued;
    uint64_t queue_seq;
    bool finished;
    bool stopped;
    bool in_pump;
    bool repump;
    struct aws_error first_err;
    const char *first_failed;
    struct loop_timer *kick;
    const char *crash_after;
};

const char *stack_apply_state_name(enum stack_state s)
{
    switch (s) {
    case STACK_STATE_PENDING:
        return "pending";
    case STACK_STATE_RUNNING:
        return "running";
    case STACK_STATE_RETRYING:
        return "retrying";
    case STACK_STATE_WAITING:
        return "waiting";
    case STACK_STATE_DONE:
        return "done";
    case STACK_STATE_UNCHANGED:
        return "unchanged";
    case STACK_STATE_FAILED:
        return "failed";
    case STACK_STATE_BLOCKED:
        return "blocked";
    }
    return "?";
}

enum stack_state stack_apply_state(const struct stack_apply *a, size_t index)
{
    return a && index < a->p->n ? a->nodes[index].st : STACK_STATE_PENDING;
}

static uint64_t now(struct stack_apply *a)
{
    return loop_now_ms(a->o.loop);
}

static void emit(struct stack_apply *a, size_t i, enum stack_state st, const char *op,
                 const char *detail, const struct aws_error *err)
{
    struct node *n = &a->nodes[i];
    n->st = st;
    if (!a->cb.on_state)
        return;
    struct stack_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.plan = a->p;
    ev.index = i;
    ev.res = &a->p->res[i];
    ev.state = st;
    ev.operation = op;
    ev.detail = detail;
    uint64_t t = now(a);
    ev.elapsed_ms = n->started_ms ? t - n->started_ms : 0;
    ev.total_ms = t - a->t0;
    ev.attempt = n->attempt;
    ev.err = err;
    ev.request_id = n->request_id[0] ? n->request_id : NULL;
    a->cb.on_state(&ev, a->cb.arg);
}

static void journal(struct stack_apply *a, const char *state)
{
    if (!a->journal_dir || !*a->journal_dir)
        return;
    stack_journal_save(a->journal_dir, a->p, state, NULL, 0);
}

static void crash_hook(struct stack_apply *a, const struct stack_resource *r, const char *op)
{
    if (!a->crash_after)
        return;
    size_t kl = strlen(r->key);
    if (strncmp(a->crash_after, r->key, kl) != 0)
        return;
    const char *rest = a->crash_after + kl;
    if ((!op && !*rest) || (op && rest[0] == ':' && strcmp(rest + 1, op) == 0))
        _exit(137);
}

static void pump(struct stack_apply *a);
static void run_call(struct stack_apply *a, size_t i);
static void send_call(struct stack_apply *a, size_t i);

static void kick_cb(void *arg)
{
    struct stack_apply *a = arg;
    a->kick = NULL;
    pump(a);
}

/* Pump from the loop, not from inside a caller's stack. */
static void kick(struct stack_apply *a)
{
    if (!a->kick && !a->stopped)
        a->kick = loop_timer(a->o.loop, 0, kick_cb, a);
}

static void fail_node(struct stack_apply *a, size_t i, const char *op, const struct aws_error *err)
{
    if (a->first_err.kind == AWS_ERR_NONE && err) {
        aws_error_copy(&a->first_err, err);
        a->first_failed = a->p->res[i].key;
    }
    emit(a, i, STACK_STATE_FAILED, op, err && err->message ? err->message : NULL, err);
    kick(a);
}

/* Resources whose create answer carries no id are named by what
 * identifies them (log groups and parameters by name, key policies by
 * their key). */
static void name_ids(struct stack_plan *p, struct stack_resource *r)
{
    if (r->id || p->mode == STACK_PLAN_DESTROY)
        return;
    if (r->kind == STACK_KIND_LOG_GROUP || r->kind == STACK_KIND_SSM_PARAMETER) {
        r->id = mem_xstrdup(r->name);
    } else if (r->kind == STACK_KIND_KEY_POLICY) {
        const struct stack_resource *k =
            stack_plan_find(p, r->priv->secret_key ? "kms.secret" : "kms.rest");
        if (k && k->id) {
            r->id = mem_xstrdup(k->id);
            free(r->arn);
            r->arn = k->arn ? mem_xstrdup(k->arn) : NULL;
        }
    }
}

static void done_node(struct stack_apply *a, size_t i)
{
    struct stack_resource *r = &a->p->res[i];
    name_ids(a->p, r);
    crash_hook(a, r, NULL);
    stack_plan_describe_calls(a->p, i);
    journal(a, a->p->mode == STACK_PLAN_DESTROY ? "destroying" : "applying");
    emit(a, i, STACK_STATE_DONE, NULL, r->status, NULL);
    kick(a);
}

static void timer_cb(void *arg);

struct timer_arg {
    struct stack_apply *a;
    size_t i;
};

static void schedule(struct stack_apply *a, size_t i, uint64_t delay)
{
    struct node *n = &a->nodes[i];
    struct timer_arg *t = mem_xcalloc(1, sizeof(*t));
    t->a = a;
    t->i = i;
    n->timer_arg = t;
    n->timer = loop_timer(a->o.loop, delay, timer_cb, t);
}

static void timer_cb(void *arg)
{
    struct timer_arg *t = arg;
    struct stack_apply *a = t->a;
    size_t i = t->i;
    free(t);
    a->nodes[i].timer = NULL;
    a->nodes[i].timer_arg = NULL;
    run_call(a, i);
}

static uint64_t backoff(struct stack_apply *a, int attempt)
{
    uint64_t d = a->o.backoff_first_ms;
    for (int k = 1; k < attempt && d < APPLY_BACKOFF_CAP_MS; k++)
        d *= 2;
    return d < APPLY_BACKOFF_CAP_MS ? d : APPLY_BACKOFF_CAP_MS;
}

static void retry(struct stack_apply *a, size_t i, const char *op, const struct aws_error *err,
                  const char *why)
{
    struct node *n = &a->nodes[i];
    uint64_t d = backoff(a, n->attempt);
    n->attempt++;
    emit(a, i, STACK_STATE_RETRYING, op, why, err);
    if (a->cb.on_retry) {
        struct stack_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.plan = a->p;
        ev.index = i;
        ev.res = &a->p->res[i];
        ev.state = STACK_STATE_RETRYING;
        ev.operation = op;
        ev.detail = why;
        ev.elapsed_ms = now(a) - n->started_ms;
        ev.total_ms = now(a) - a->t0;
        ev.attempt = n->attempt;
        ev.err = err;
        ev.request_id = n->request_id[0] ? n->request_id : NULL;
        a->cb.on_retry(&ev, d, a->cb.arg);
    }
    schedule(a, i, d);
}

struct call_arg {
    struct stack_apply *a;
    size_t i;
};

/* The call of node i failed with err at t: retried (throttled, the key
 * policy still propagating, dependants still going) or the node failed;
 * true. False: the error means the call's work is done (already there,
 * already gone). */
static bool on_call_error(struct stack_apply *a, size_t i, const struct aws_error *err, uint64_t t)
{
    struct node *n = &a->nodes[i];
    struct stack_call *c = &a->p->res[i].calls[n->next_call];
    enum stack_op op = (enum stack_op)c->op;
    bool destroy = a->p->mode == STACK_PLAN_DESTROY;
    if (!n->retry_until_ms)
        n->retry_until_ms = t + a->o.retry_window_ms * (destroy ? 5 : 1);
    if (op == STACK_OP_CREATE_LOG_GROUP && stack_ops_is_kms_propagation(err) &&
        t < n->retry_until_ms) {
        retry(a, i, c->operation, err, "the key policy is still reaching CloudWatch Logs");
        kick(a);
        return true;
    }
    if (op == STACK_OP_CREATE_LOG_GROUP && aws_error_is(err, "ResourceAlreadyExistsException"))
        return false; /* an earlier attempt of this run went through */
    if (stack_ops_is_gone(op, err) && (destroy || op == STACK_OP_DELETE_POLICY_VERSION))
        return false; /* already gone: destroy is idempotent */
    if (stack_ops_is_busy(op, err) && t < n->retry_until_ms) {
        retry(a, i, c->operation, err, "waiting for what depends on it to go");
        kick(a);
        return true;
    }
    if (err->throttling && n->attempt < APPLY_MAX_THROTTLE_RETRIES) {
        /* Throttled: the request was not executed; safe to resend. */
        retry(a, i, c->operation, err, err->code);
        kick(a);
        return true;
    }
    if (stack_ops_send_once(op) && (err->kind == AWS_ERR_TRANSPORT || err->http_status >= 500)) {
        struct aws_error e;
        aws_error_init(&e);
        aws_error_copy(&e, err);
        char *m = mem_xasprintf("%s (the outcome is unknown: run the same command again; it finds "
                                "what was created by its tag or name instead of creating it twice)",
                                err->message ? err->message : err->code);
        free(e.message);
        e.message = m;
        fail_node(a, i, c->operation, &e);
        aws_error_clear(&e);
    } else {
        fail_node(a, i, c->operation, err);
    }
    return true;
}

/* A wait's answer is "not yet" at t: poll again with back-off, report
 * status changes, fail after the wait timeout. */
static void on_call_pending(struct stack_apply *a, size_t i, uint64_t t)
{
    struct node *n = &a->nodes[i];
    struct stack_resource *r = &a->p->res[i];
    struct stack_call *c = &r->calls[n->next_call];
    /* a wait: poll again with back-off, report status changes */
    if (!n->wait_deadline_ms)
        n->wait_deadline_ms = t + a->o.wait_timeout_ms;
    if (t >= n->wait_deadline_ms) {
        struct aws_error e;
        aws_error_init(&e);
        aws_error_set(&e, AWS_ERR_INTERNAL, "WaitTimeout",
                      "%s is still %s after %llu s; run the command again to keep waiting", r->name,
                      r->status ? r->status : "?",
                      (unsigned long long)(a->o.wait_timeout_ms / 1000));
        fail_node(a, i, c->operation, &e);
        aws_error_clear(&e);
        return;
    }
    if (!n->last_status || !r->status || strcmp(n->last_status, r->status) != 0) {
        free(n->last_status);
        n->last_status = mem_xstrdup(r->status);
        char detail[128];
        snprintf(detail, sizeof(detail), "status %s", r->status ? r->status : "?");
        emit(a, i, STACK_STATE_WAITING, c->operation, detail, NULL);
    } else {
        n->st = STACK_STATE_WAITING;
    }
    uint64_t d = n->poll_ms ? n->poll_ms : a->o.poll_first_ms;
    n->poll_ms = d * 2 < a->o.poll_max_ms ? d * 2 : a->o.poll_max_ms;
    schedule(a, i, d);
    kick(a);
}

/* The call of node i went through: on to its next call, or the node is
 * done. */
static void on_call_ok(struct stack_apply *a, size_t i)
{
    struct node *n = &a->nodes[i];
    struct stack_resource *r = &a->p->res[i];
    struct stack_call *c = &r->calls[n->next_call];
    enum stack_op op = (enum stack_op)c->op;
    crash_hook(a, r, c->operation);
    if (op == STACK_OP_CREATE_REPLICATION_GROUP) {
        /* The token is in the group and the secret now: forget it. */
        mem_free_secret(a->env.token);
        a->env.token = NULL;
    }
    n->next_call++;
    n->attempt = 1;
    n->retry_until_ms = 0;
    n->poll_ms = 0;
    n->wait_deadline_ms = 0;
    n->st = STACK_STATE_RUNNING;
    if (op == STACK_OP_CREATE_KEY || op == STACK_OP_CREATE_VPC || op == STACK_OP_CREATE_SUBNET ||
        op == STACK_OP_CREATE_ROUTE_TABLE || op == STACK_OP_CREATE_SECURITY_GROUP ||
        op == STACK_OP_CREATE_SECRET || op == STACK_OP_CREATE_REPLICATION_GROUP)
        journal(a, a->p->mode == STACK_PLAN_DESTROY ? "destroying" : "applying");
    if (n->next_call >= r->n_calls)
        done_node(a, i);
    else
        run_call(a, i);
}

static void on_call_done(const struct stack_ops_result *res, void *arg)
{
    struct call_arg *ca = arg;
    struct stack_apply *a = ca->a;
    size_t i = ca->i;
    free(ca);
    struct node *n = &a->nodes[i];
    n->call = NULL;
    n->call_arg = NULL;
    a->in_flight--;
    snprintf(n->request_id, sizeof(n->request_id), "%s", res->request_id ? res->request_id : "");
    uint64_t t = now(a);
    if (res->err && on_call_error(a, i, res->err, t))
        return;
    if (res->pending)
        on_call_pending(a, i, t);
    else
        on_call_ok(a, i);
}

/* The AUTH token for a new secret: the token file, or a fresh one. */
static int make_token(struct stack_apply *a, size_t i)
{
    const struct stack_spec *s = &a->p->spec;
    struct aws_error e;
    aws_error_init(&e);
    if (s->token_file) {
        int fd = open(s->token_file, O_RDONLY | O_CLOEXEC);
        char buf[4097];
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
        if (fd >= 0)
            close(fd);
        size_t len = n > 0 ? (size_t)n : 0;
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            len--;
        buf[len] = '\0';
        char msg[256];
        if (n < 0 || stack_validate_token(buf, len, msg, sizeof(msg)) != 0) {
            aws_error_set(&e, AWS_ERR_CONFIG, "InvalidAuthToken", "secret.token_file %s: %s",
                          s->token_file, n < 0 ? strerror(errno) : msg);
            mem_wipe(buf, sizeof(buf));
            fail_node(a, i, "CreateSecret", &e);
            aws_error_clear(&e);
            return -1;
        }
        mem_replace_secret(&a->env.token, buf);
        mem_wipe(buf, sizeof(buf));
        return 0;
    }
    size_t len = (size_t)s->token_length;
    char *tok = mem_xmalloc(len + 1);
    if (stack_spec_generate_token(tok, len) != 0) {
        free(tok);
        aws_error_set(&e, AWS_ERR_INTERNAL, "RandomFailure",
                      "the random generator failed; no AUTH token was made");
        fail_node(a, i, "CreateSecret", &e);
        aws_error_clear(&e);
        return -1;
    }
    mem_free_secret(a->env.token);
    a->env.token = tok;
    return 0;
}

/* Node i's next call: sent now when a slot is free and no call waits
 * before it, else queued in order; the pump sends it when a call ends.
 * So at most max_in_flight calls of the plan are ever in flight,
 * whatever sends them (a start, a next call, a retry, a poll). */
static void run_call(struct stack_apply *a, size_t i)
{
    struct node *n = &a->nodes[i];
    if (a->in_flight < a->o.max_in_flight && !a->n_queued) {
        send_call(a, i);
        return;
    }
    if (!n->queued) {
        n->queued = ++a->queue_seq;
        a->n_queued++;
    }
    kick(a);
}

/* The queued node that waited longest, or SIZE_MAX. */
static size_t first_queued(const struct stack_apply *a)
{
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < a->p->n; i++)
        if (a->nodes[i].queued && (best == SIZE_MAX || a->nodes[i].queued < a->nodes[best].queued))
            best = i;
    return best;
}

static void send_queued(struct stack_apply *a)
{
    while (a->n_queued && a->in_flight < a->o.max_in_flight && !a->stopped) {
        size_t i = first_queued(a);
        if (i == SIZE_MAX)
            break;
        a->nodes[i].queued = 0;
        a->n_queued--;
        send_call(a, i);
    }
}

static void send_call(struct stack_apply *a, size_t i)
{
    struct node *n = &a->nodes[i];
    struct stack_resource *r = &a->p->res[i];
    while (n->next_call < r->n_calls) {
        enum stack_op op = (enum stack_op)r->calls[n->next_call].op;
        /* Revoking nothing is no call. */
        if ((op == STACK_OP_REVOKE_DEFAULT_INGRESS && !r->priv->n_ingress) ||
            (op == STACK_OP_REVOKE_DEFAULT_EGRESS && !r->priv->n_egress)) {
            n->next_call++;
            continue;
        }
        break;
    }
    if (n->next_call >= r->n_calls) {
        done_node(a, i);
        return;
    }
    struct stack_call *c = &r->calls[n->next_call];
    enum stack_op op = (enum stack_op)c->op;
    if (op == STACK_OP_CREATE_SECRET && !a->env.token && make_token(a, i) != 0)
        return;
    if (op == STACK_OP_CREATE_REPLICATION_GROUP && a->p->spec.auth_token && !a->env.token) {
        struct aws_error e;
        aws_error_init(&e);
        aws_error_set(&e, AWS_ERR_INTERNAL, "NoAuthToken",
                      "the AUTH token is not known (the secret was neither created nor read)");
        fail_node(a, i, c->operation, &e);
        aws_error_clear(&e);
        return;
    }
    if (op == STACK_OP_CREATE_KEY && !r->priv->creating) {
        /* A key is found by its alias; until it has one, the journal says
         * a CreateKey may have gone out, so a resumed plan looks for it by
         * tag (the one search that lists every key of the account). */
        r->priv->creating = true;
        journal(a, "applying");
    }
    if (n->st != STACK_STATE_WAITING)
        emit(a, i, STACK_STATE_RUNNING, c->operation, NULL, NULL);
    struct call_arg *ca = mem_xcalloc(1, sizeof(*ca));
    ca->a = a;
    ca->i = i;
    a->in_flight++;
    n->call_arg = ca;
    n->call = stack_ops_run(&a->env, a->p, i, n->next_call, on_call_done, ca);
    if (!n->call) {
        n->call_arg = NULL;
        a->in_flight--;
        free(ca);
        struct aws_error e;
        aws_error_init(&e);
        aws_error_set(&e, AWS_ERR_INTERNAL, "NotStarted", "the call could not be started");
        fail_node(a, i, c->operation, &e);
        aws_error_clear(&e);
    }
}

static bool terminal(enum stack_state s)
{
    return s == STACK_STATE_DONE || s == STACK_STATE_UNCHANGED || s == STACK_STATE_FAILED ||
           s == STACK_STATE_BLOCKED;
}

static bool has_work(const struct stack_resource *r)
{
    return r->n_calls > 0 && (r->action == STACK_ACT_CREATE || r->action == STACK_ACT_CHANGE ||
                              r->action == STACK_ACT_DELETE || r->action == STACK_ACT_KEEP);
}

static void finish(struct stack_apply *a)
{
    a->finished = true;
    struct stack_apply_result res;
    memset(&res, 0, sizeof(res));
    res.destroy = a->p->mode == STACK_PLAN_DESTROY;
    for (size_t i = 0; i < a->p->n; i++)
        switch (a->nodes[i].st) {
        case STACK_STATE_DONE:
            res.done++;
            break;
        case STACK_STATE_UNCHANGED:
            res.unchanged++;
            break;
        case STACK_STATE_FAILED:
            res.failed++;
            break;
        default:
            res.blocked++;
            break;
        }
    res.ok = !res.failed && !res.blocked;
    res.elapsed_ms = now(a) - a->t0;
    res.first_error = a->first_err.kind != AWS_ERR_NONE ? &a->first_err : NULL;
    res.first_failed = a->first_failed;
    mem_free_secret(a->env.token);
    a->env.token = NULL;
    if (res.ok)
        journal(a, res.destroy ? "destroyed" : "applied");
    else
        journal(a, res.destroy ? "destroying" : "applying");
    if (a->cb.on_done)
        a->cb.on_done(&res, a->cb.arg);
}

static void pump(struct stack_apply *a)
{
    if (a->finished || a->stopped)
        return;
    struct stack_plan *p = a->p;
    bool progress = true;
    while (progress) {
        progress = false;
        send_queued(a);
        for (size_t i = 0; i < p->n; i++) {
            struct node *n = &a->nodes[i];
            if (n->st != STACK_STATE_PENDING)
                continue;
            const struct stack_resource *r = &p->res[i];
            bool ready = true, blocked = false;
            for (size_t k = 0; k < r->n_deps; k++) {
                enum stack_state d = a->nodes[r->deps[k]].st;
                if (d == STACK_STATE_FAILED || d == STACK_STATE_BLOCKED)
                    blocked = true;
                else if (d != STACK_STATE_DONE && d != STACK_STATE_UNCHANGED)
                    ready = false;
            }
            if (blocked) {
                emit(a, i, STACK_STATE_BLOCKED, NULL, "something it needs failed", NULL);
                progress = true;
                continue;
            }
            if (!ready)
                continue;
            if (!has_work(r)) {
                emit(a, i, STACK_STATE_UNCHANGED, NULL, stack_plan_action_name(r->action), NULL);
                progress = true;
                continue;
            }
            if (a->in_flight >= a->o.max_in_flight || a->n_queued)
                continue;
            n->started_ms = now(a);
            n->attempt = 1;
            run_call(a, i);
            progress = true;
        }
    }
    for (size_t i = 0; i < p->n; i++)
        if (!terminal(a->nodes[i].st))
            return;
    finish(a);
}

struct stack_apply *stack_apply_start(struct stack_plan *plan, const struct stack_apply_options *o,
                                      const struct stack_apply_callbacks *cb, char *err,
                                      size_t errlen)
{
    if (!plan || !o || !o->loop || !o->client) {
        if (err && errlen)
            snprintf(err, errlen, "missing plan, loop or client");
        return NULL;
    }
    if (plan->n_conflict) {
        if (err && errlen)
            snprintf(err, errlen,
                     "the plan has %zu conflict%s; resolve %s before applying (see the plan)",
                     plan->n_conflict, plan->n_conflict == 1 ? "" : "s",
                     plan->n_conflict == 1 ? "it" : "them");
        return NULL;
    }
    struct stack_apply *a = mem_xcalloc(1, sizeof(*a));
    a->p = plan;
    a->o = *o;
    if (!a->o.max_in_flight)
        a->o.max_in_flight = 8;
    if (!a->o.poll_first_ms)
        a->o.poll_first_ms = 2000;
    if (!a->o.poll_max_ms)
        a->o.poll_max_ms = 15000;
    if (a->o.poll_max_ms < a->o.poll_first_ms)
        a->o.poll_max_ms = a->o.poll_first_ms;
    if (!a->o.wait_timeout_ms)
        a->o.wait_timeout_ms = 90ull * 60 * 1000;
    if (!a->o.backoff_first_ms)
        a->o.backoff_first_ms = 1000;
    if (!a->o.retry_window_ms)
        a->o.retry_window_ms = 180000;
    if (cb)
        a->cb = *cb;
    a->env.c = o->client;
    a->env.once = o->once ? o->once : o->client;
    a->o.token = NULL; /* only the copy below is kept */
    if (o->token)
        mem_replace_secret(&a->env.token, o->token);
    a->journal_dir = o->journal_dir ? mem_xstrdup(o->journal_dir) : stack_journal_default_dir();
    a->nodes = mem_xcalloc(plan->n ? plan->n : 1, sizeof(*a->nodes));
    aws_error_init(&a->first_err);
    a->crash_after = getenv("ELCUI_TEST_CRASH_AFTER");
    if (a->crash_after && !*a->crash_after)
        a->crash_after = NULL;
    a->t0 = now(a);
    /* The spec goes to the journal before anything exists, so a destroy
     * after a crash knows every name. */
    journal(a, plan->mode == STACK_PLAN_DESTROY ? "destroying" : "applying");
    kick(a);
    return a;
}

void stack_apply_stop(struct stack_apply *a)
{
    if (!a || a->stopped)
        return;
    a->stopped = true;
    for (size_t i = 0; i < a->p->n; i++) {
        struct node *n = &a->nodes[i];
        if (n->call) {
            stack_ops_cancel(n->call);
            n->call = NULL;
            free(n->call_arg);
            n->call_arg = NULL;
        }
        if (n->timer) {
            loop_untimer(a->o.loop, n->timer);
            n->timer = NULL;
            free(n->timer_arg);
            n->timer_arg = NULL;
        }
    }
    if (a->kick) {
        loop_untimer(a->o.loop, a->kick);
        a->kick = NULL;
    }
    mem_free_secret(a->env.token);
    a->env.token = NULL;
}

void stack_apply_free(struct stack_apply *a)
{
    if (!a)
        return;
    stack_apply_stop(a);
    for (size_t i = 0; i < a->p->n; i++)
        free(a->nodes[i].last_status);
    free(a->nodes);
    free(a->journal_dir);
    aws_error_clear(&a->first_err);
    free(a);
}
