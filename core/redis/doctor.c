/* doctor.c - the connectivity doctor (see doctor.h). */
#include "core/redis/doctor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/mem.h"
#include "core/redis/crc16.h"
#include "core/redis/rcluster.h"
#include "core/redis/rdns.h"

#define DOCTOR_DEFAULT_TIMEOUT_MS 5000
#define DOCTOR_MAX_ADDRS 8

const char *doctor_step_name(enum doctor_step s)
{
    switch (s) {
    case DOCTOR_DNS:
        return "dns";
    case DOCTOR_CONNECT:
        return "connect";
    case DOCTOR_TLS:
        return "tls";
    case DOCTOR_AUTH:
        return "auth";
    case DOCTOR_PING:
        return "ping";
    case DOCTOR_STEPS:
        break;
    }
    return "?";
}

const char *doctor_status_name(enum doctor_status s)
{
    switch (s) {
    case DOCTOR_OK:
        return "ok";
    case DOCTOR_FAIL:
        return "fail";
    case DOCTOR_SKIP:
        return "skip";
    case DOCTOR_WARN:
        return "warn";
    case DOCTOR_PENDING:
        break;
    }
    return "pending";
}

const char *doctor_cause_name(enum doctor_cause c)
{
    switch (c) {
    case DOCTOR_CAUSE_NONE:
        return "none";
    case DOCTOR_CAUSE_DNS:
        return "dns";
    case DOCTOR_CAUSE_NETWORK_TIMEOUT:
        return "security-group-or-vpc";
    case DOCTOR_CAUSE_REFUSED:
        return "nothing-listening";
    case DOCTOR_CAUSE_NETWORK:
        return "network";
    case DOCTOR_CAUSE_TLS_ON_PLAIN:
        return "tls-to-plain-node";
    case DOCTOR_CAUSE_PLAIN_ON_TLS:
        return "plain-to-tls-node";
    case DOCTOR_CAUSE_TLS:
        return "tls";
    case DOCTOR_CAUSE_CERT:
        return "certificate";
    case DOCTOR_CAUSE_CA_FILE:
        return "ca-file";
    case DOCTOR_CAUSE_WRONGPASS:
        return "wrong-token";
    case DOCTOR_CAUSE_NOAUTH:
        return "no-token";
    case DOCTOR_CAUSE_AUTH:
        return "auth";
    case DOCTOR_CAUSE_UNRESPONSIVE:
        return "unresponsive";
    case DOCTOR_CAUSE_CLOSED:
        return "closed";
    case DOCTOR_CAUSE_PROTOCOL:
        return "protocol";
    }
    return "?";
}

const char *doctor_kind_name(enum doctor_kind k)
{
    switch (k) {
    case DOCTOR_KIND_CONFIG:
        return "configuration-endpoint";
    case DOCTOR_KIND_PRIMARY:
        return "primary-endpoint";
    case DOCTOR_KIND_READER:
        return "reader-endpoint";
    case DOCTOR_KIND_NODE:
        return "node";
    case DOCTOR_KIND_REDIS:
        return "redis-node";
    }
    return "?";
}

enum dphase {
    DP_QUEUED,
    DP_DNS,
    DP_CONN,
    DP_PING,
    DP_PROBE,
    DP_DONE,
};

enum dprobe {
    DPROBE_NONE,
    DPROBE_PLAIN, /* after a TLS failure: does a plain Redis answer? */
    DPROBE_TLS,   /* after a plain failure: does the node speak TLS? */
};

struct dstate {
    struct doctor *d;
    size_t idx;
    enum dphase phase;
    struct rdns_req *dns;
    struct rconn *conn;
    struct rconn *probe;
    enum dprobe probe_kind;
    bool probe_answered, probe_tls_up;
    enum rconn_err probe_err;
    uint64_t t0, step_t0;
    char addrs[DOCTOR_MAX_ADDRS][64];
    size_t naddrs;
    enum rconn_state failed_at;
};

struct doctor {
    struct loop *l;
    const struct discover_result *disc;
    char *token;
    char *user;
    rconn_cred_fn cred;
    void *cred_arg;
    bool use_tls;
    bool insecure;
    struct rconn_tls *tls;
    struct rconn_tls *probe_tls;
    struct rconn_error tls_err;
    bool tls_failed;
    struct rconn_routes *routes;
    uint64_t timeout_ms;
    size_t max_reply_bytes;
    doctor_progress_cb on_progress;
    doctor_done_cb on_done;
    void *arg;

    struct doctor_report rep;
    struct dstate **st; /* one allocation each: callbacks hold pointers */
    size_t cap;
    size_t next, inflight;
    struct rcluster *cl;
    uint64_t topo_t0;
    bool topo_done;
    struct loop_timer *finish;
    bool finished;
    uint64_t t0;
};

static void doctor_check_start(struct doctor *d, size_t i);
static void doctor_maybe_finish(struct doctor *d);

static void dcopy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

/* ---- building the list ---- */

static size_t doctor_add(struct doctor *d, enum doctor_kind kind, const char *host, int port)
{
    if (!host || !*host || port <= 0 || d->rep.n_checks >= DOCTOR_MAX_CHECKS)
        return (size_t)-1;
    for (size_t i = 0; i < d->rep.n_checks; i++) {
        struct doctor_check *c = &d->rep.checks[i];
        if (c->port == port && strcasecmp(c->host, host) == 0 && c->kind == kind)
            return i;
    }
    if (d->rep.n_checks == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->rep.checks = mem_xrealloc(d->rep.checks, d->cap * sizeof(*d->rep.checks));
        d->st = mem_xrealloc(d->st, d->cap * sizeof(*d->st));
    }
    size_t i = d->rep.n_checks++;
    struct doctor_check *c = &d->rep.checks[i];
    memset(c, 0, sizeof(*c));
    d->st[i] = mem_xcalloc(1, sizeof(*d->st[i]));
    d->st[i]->d = d;
    d->st[i]->idx = i;
    c->kind = kind;
    dcopy(c->host, sizeof(c->host), host);
    c->port = port;
    const char *addr;
    int p;
    c->routed = d->routes && rconn_routes_lookup(d->routes, host, port, &addr, &p);
    return i;
}

static void doctor_label_from_model(struct doctor *d, size_t i, const struct model_node *n)
{
    const struct model_group *g = d->disc->model;
    struct doctor_check *c = &d->rep.checks[i];
    dcopy(c->cache_cluster_id, sizeof(c->cache_cluster_id), n->cache_cluster_id);
    dcopy(c->cache_node_id, sizeof(c->cache_node_id), n->cache_node_id);
    dcopy(c->az, sizeof(c->az), n->az);
    if (g && n->shard < g->n_shards)
        dcopy(c->shard, sizeof(c->shard), g->shards[n->shard].id);
    if (n->role != MODEL_ROLE_UNKNOWN)
        dcopy(c->role, sizeof(c->role), model_role_name(n->role));
}

/* ---- advice in words ---- */

static void doctor_token_words(const struct doctor *d, char *out, size_t n)
{
    const struct discover_result *r = d->disc;
    if (!r || r->token_source == DISCOVER_TOKEN_NONE) {
        snprintf(out, n, "no token");
        return;
    }
    switch (r->token_source) {
    case DISCOVER_TOKEN_ENV:
        snprintf(out, n, "the token from $%s", r->token_origin);
        break;
    case DISCOVER_TOKEN_SECRET:
        snprintf(out, n, "the token from secret %s (--secret)", r->token_origin);
        break;
    case DISCOVER_TOKEN_TAG:
        snprintf(out, n, "the token from secret %s (tag " DISCOVER_TAG_AUTH_SECRET ")",
                 r->token_origin);
        break;
    case DISCOVER_TOKEN_NAMING:
        snprintf(out, n, "the token from secret %s (found by name)", r->token_origin);
        break;
    case DISCOVER_TOKEN_PROMPT:
        snprintf(out, n, "the token typed at the prompt");
        break;
    case DISCOVER_TOKEN_IAM:
        snprintf(out, n, "the IAM authentication token");
        break;
    case DISCOVER_TOKEN_NONE:
        break;
    }
}

/* A name that does not resolve: through a --resolve rule that has no
 * address for it, or in the VPC's DNS. */
static void doctor_advise_dns(const struct doctor *d, struct doctor_check *c)
{
    const char *rule = NULL;
    const char *host = c->host;
    int port = c->port;
    if (d->routes)
        rconn_routes_lookup(d->routes, c->host, c->port, &host, &port);
    if (d->routes && rconn_routes_resolve_rule(d->routes, host, port, NULL, &rule))
        snprintf(c->advice, sizeof(c->advice),
                 "the name %.200s is answered by the rule --resolve %.300s, which has no "
                 "address for it: add the name to its file (or fix the rule), or check "
                 "whether the node still exists",
                 host, rule);
    else
        snprintf(c->advice, sizeof(c->advice),
                 "the name %s does not resolve: ElastiCache names resolve to private "
                 "addresses inside the VPC (check this machine's resolver, the VPC's DNS "
                 "settings, or whether the node still exists; from outside the VPC, "
                 "--resolve or --connect-to rules reach it through port forwards)",
                 c->host);
}

/* A certificate refused: issued for another name (the address serves
 * something else), or not trusted by the CA in use. */
static void doctor_advise_cert(const struct doctor *d, struct doctor_check *c)
{
    const char *tls_src = d->tls ? rconn_tls_ca_source(d->tls) : "";
    if (strstr(c->error, "does not match the name checked")) {
        snprintf(c->advice, sizeof(c->advice),
                 "the server's certificate is trusted but issued for another name than "
                 "%.200s: this address serves another node or cluster (a --resolve or "
                 "--connect-to rule, a hosts file or a port forward pointing at the wrong "
                 "place), or the endpoint name is mistyped",
                 c->host);
        return;
    }
    snprintf(c->advice, sizeof(c->advice),
             "the server certificate is not trusted or not issued for %.200s (checked against "
             "%.200s): give the right CA bundle with --redis-cacert FILE or ELCUI_REDIS_CACERT "
             "(ElastiCache's own certificates are trusted by the system store, so a "
             "private CA or a TLS proxy is in the way)",
             c->host, tls_src && *tls_src ? tls_src : "the CA in use");
}

static void doctor_advise(struct doctor *d, struct doctor_check *c)
{
    char tok[400];
    doctor_token_words(d, tok, sizeof(tok));
    switch (c->cause) {
    case DOCTOR_CAUSE_NONE:
        c->advice[0] = '\0';
        break;
    case DOCTOR_CAUSE_DNS:
        doctor_advise_dns(d, c);
        break;
    case DOCTOR_CAUSE_NETWORK_TIMEOUT:
        snprintf(c->advice, sizeof(c->advice),
                 "no answer to the TCP connect on port %d: a security group or network ACL "
                 "drops the traffic, or this machine is not inside the group's VPC (reach it "
                 "through an SSM or SSH port forward with --connect-to)",
                 c->port);
        break;
    case DOCTOR_CAUSE_REFUSED:
        snprintf(c->advice, sizeof(c->advice),
                 "connection refused: nothing listens on port %d there (wrong port, or the node "
                 "is down or restarting)",
                 c->port);
        break;
    case DOCTOR_CAUSE_NETWORK:
        snprintf(c->advice, sizeof(c->advice),
                 "the network path to %s:%d is broken (no route, unreachable)", c->host, c->port);
        break;
    case DOCTOR_CAUSE_TLS_ON_PLAIN:
        snprintf(c->advice, sizeof(c->advice),
                 "the TLS handshake failed and the node answers in plain text: the group has "
                 "in-transit encryption off; connect without TLS (--no-tls)");
        break;
    case DOCTOR_CAUSE_PLAIN_ON_TLS:
        snprintf(c->advice, sizeof(c->advice),
                 "the node closes plain-text connections but completes a TLS handshake: the "
                 "group has in-transit encryption on; connect with TLS (--tls)");
        break;
    case DOCTOR_CAUSE_TLS:
        snprintf(c->advice, sizeof(c->advice),
                 "the TLS handshake failed (protocol or cipher mismatch, or a middlebox in the "
                 "way)");
        break;
    case DOCTOR_CAUSE_CERT:
        doctor_advise_cert(d, c);
        break;
    case DOCTOR_CAUSE_CA_FILE:
        snprintf(c->advice, sizeof(c->advice),
                 "the CA bundle cannot be used: check the file given with --redis-cacert or "
                 "ELCUI_REDIS_CACERT");
        break;
    case DOCTOR_CAUSE_WRONGPASS:
        snprintf(c->advice, sizeof(c->advice),
                 "AUTH was rejected (WRONGPASS): %.300s is wrong or was rotated; check the secret "
                 "or give the right one with --secret NAME or --token-env VAR",
                 tok);
        break;
    case DOCTOR_CAUSE_NOAUTH:
        snprintf(c->advice, sizeof(c->advice),
                 "the node requires AUTH and no token was found: give it with --secret NAME, "
                 "--token-env VAR, or tag the group " DISCOVER_TAG_AUTH_SECRET "=SECRET");
        break;
    case DOCTOR_CAUSE_AUTH:
        snprintf(c->advice, sizeof(c->advice),
                 "AUTH failed with %.300s (user or ACL problem, or the credential provider failed)",
                 tok);
        break;
    case DOCTOR_CAUSE_UNRESPONSIVE:
        snprintf(c->advice, sizeof(c->advice),
                 "the node accepts connections but does not answer: it is frozen, overloaded, "
                 "or in the middle of a failover or replacement");
        break;
    case DOCTOR_CAUSE_CLOSED:
        snprintf(c->advice, sizeof(c->advice),
                 "the node closed the connection (restarting, or a proxy in the way)");
        break;
    case DOCTOR_CAUSE_PROTOCOL:
        snprintf(c->advice, sizeof(c->advice),
                 "the peer does not speak the Redis protocol (wrong port, or something else "
                 "listens there)");
        break;
    }
}

/* ---- one check ---- */

static void doctor_progress(struct doctor *d, size_t i, enum doctor_step s)
{
    if (d->on_progress)
        d->on_progress(d, i, s, d->arg);
}

static void doctor_set(struct doctor *d, size_t i, enum doctor_step s, enum doctor_status st,
                       uint64_t ms, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void doctor_set(struct doctor *d, size_t i, enum doctor_step s, enum doctor_status st,
                       uint64_t ms, const char *fmt, ...)
{
    struct doctor_step_result *r = &d->rep.checks[i].steps[s];
    r->status = st;
    r->ms = ms;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
        va_end(ap);
    }
    doctor_progress(d, i, s);
}

static void doctor_check_done(struct dstate *s)
{
    struct doctor *d = s->d;
    struct doctor_check *c = &d->rep.checks[s->idx];
    s->phase = DP_DONE;
    c->done = true;
    c->ok = c->cause == DOCTOR_CAUSE_NONE;
    c->total_ms = loop_now_ms(d->l) - s->t0;
    for (int k = 0; k < DOCTOR_STEPS; k++)
        if (c->steps[k].status == DOCTOR_PENDING)
            c->steps[k].status = DOCTOR_SKIP;
    doctor_advise(d, c);
    if (s->conn) {
        rconn_close(s->conn);
        s->conn = NULL;
    }
    if (s->probe) {
        rconn_close(s->probe);
        s->probe = NULL;
    }
    d->inflight--;
    while (d->inflight < DOCTOR_MAX_INFLIGHT && d->next < d->rep.n_checks)
        doctor_check_start(d, d->next++);
    doctor_maybe_finish(d);
}

static void doctor_fail(struct dstate *s, enum doctor_step step, enum doctor_cause cause,
                        const struct rconn_error *e, uint64_t ms)
{
    struct doctor *d = s->d;
    struct doctor_check *c = &d->rep.checks[s->idx];
    c->cause = cause;
    c->err = e ? e->code : RCONN_OK;
    dcopy(c->error, sizeof(c->error), e ? e->msg : "");
    doctor_set(d, s->idx, step, DOCTOR_FAIL, ms, "%s", e ? rconn_err_name(e->code) : "failed");
    doctor_check_done(s);
}

/* Record what a connection measured, up to the step it failed at. */
static void doctor_record_steps(struct dstate *s, const struct rconn_info *in, bool failed)
{
    struct doctor *d = s->d;
    size_t i = s->idx;
    enum rconn_state upto = failed ? in->failed_at : RCONN_S_READY;
    if (upto > RCONN_S_CONNECTING)
        doctor_set(d, i, DOCTOR_CONNECT, DOCTOR_OK, in->connect_ms, "%s%s", in->addr,
                   in->routed ? " (via --connect-to)" : "");
    if (upto > RCONN_S_TLS) {
        if (!in->tls)
            doctor_set(d, i, DOCTOR_TLS, DOCTOR_SKIP, 0, "plain TCP (no TLS)");
        else if (in->insecure)
            doctor_set(d, i, DOCTOR_TLS, DOCTOR_WARN, in->tls_ms,
                       "%s, certificate NOT verified (--insecure)", in->tls_version);
        else
            doctor_set(d, i, DOCTOR_TLS, DOCTOR_OK, in->tls_ms,
                       "%s, certificate verified for %s (issuer %.120s)", in->tls_version,
                       in->verify_name, in->peer_issuer);
    }
    if (upto > RCONN_S_AUTH) {
        if (in->authenticated)
            doctor_set(d, i, DOCTOR_AUTH, DOCTOR_OK, in->auth_ms, "as %s%s%s",
                       in->user && *in->user ? in->user : "the default user",
                       in->auth_warning && *in->auth_warning ? "; " : "",
                       in->auth_warning ? in->auth_warning : "");
        else
            doctor_set(d, i, DOCTOR_AUTH, DOCTOR_SKIP, in->auth_ms, "no AUTH (none needed)");
    }
}

static void doctor_probe_event(struct rconn *c, enum rconn_event ev, const struct rconn_error *e,
                               void *arg);

static bool doctor_spoke_resp(enum rconn_err e)
{
    return e == RCONN_ERR_AUTH_NOAUTH || e == RCONN_ERR_AUTH_WRONGPASS || e == RCONN_ERR_AUTH;
}

static void doctor_probe_reply(struct rconn *c, struct rconn_result *res, void *arg)
{
    struct dstate *s = arg;
    if (s->phase != DP_PROBE)
        return;
    struct doctor_check *ck = &s->d->rep.checks[s->idx];
    if (!res->err && res->reply) {
        s->probe_answered = true;
    } else if (res->err) {
        /* the PING fails when the connection does; an AUTH answer on the
         * way (NOAUTH, WRONGPASS) is a Redis speaking plain text all the same */
        struct rconn_info in;
        rconn_get_info(c, &in);
        s->probe_err = in.error ? in.error->code : res->err->code;
        s->probe_answered = doctor_spoke_resp(s->probe_err) || doctor_spoke_resp(res->err->code);
    }
    if (s->probe_answered)
        ck->cause = DOCTOR_CAUSE_TLS_ON_PLAIN;
    else if (s->probe_err == RCONN_ERR_TIMEOUT)
        ck->cause = DOCTOR_CAUSE_UNRESPONSIVE;
    else
        ck->cause = DOCTOR_CAUSE_TLS;
    doctor_check_done(s);
}

/* A plain PING after a failed TLS handshake, or a TLS handshake after a
 * failed plain connection: which side is the node on? */
static void doctor_start_probe(struct dstate *s, enum dprobe kind)
{
    struct doctor *d = s->d;
    struct doctor_check *c = &d->rep.checks[s->idx];
    if (kind == DPROBE_TLS && !d->probe_tls) {
        struct rconn_tls_options to = {.insecure = true};
        struct rconn_error e;
        d->probe_tls = rconn_tls_new(&to, &e);
    }
    struct rconn_options o = {
        .host = c->host,
        .port = c->port,
        .tls = kind == DPROBE_TLS ? d->probe_tls : NULL,
        .routes = d->routes,
        .connect_timeout_ms = d->timeout_ms,
        .command_timeout_ms = d->timeout_ms,
        .on_event = doctor_probe_event,
        .event_arg = s,
    };
    s->phase = DP_PROBE;
    s->probe_kind = kind;
    s->probe = rconn_open(d->l, &o);
    if (!s->probe) {
        doctor_check_done(s);
        return;
    }
    if (kind == DPROBE_PLAIN) {
        const char *argv[] = {"PING"};
        if (rconn_command_argv(s->probe, 1, argv, NULL, d->timeout_ms, doctor_probe_reply, s) != 0)
            doctor_check_done(s);
    }
}

static void doctor_probe_event(struct rconn *c, enum rconn_event ev, const struct rconn_error *e,
                               void *arg)
{
    struct dstate *s = arg;
    (void)c;
    if (s->phase != DP_PROBE)
        return;
    struct doctor_check *ck = &s->d->rep.checks[s->idx];
    if (s->probe_kind == DPROBE_TLS) {
        /* the handshake is the answer; AUTH is not attempted (no token) */
        struct rconn_info in;
        rconn_get_info(c, &in);
        bool tls_up = ev == RCONN_EV_READY || (ev == RCONN_EV_CLOSED && in.failed_at > RCONN_S_TLS);
        if (tls_up)
            ck->cause = DOCTOR_CAUSE_PLAIN_ON_TLS;
        doctor_check_done(s);
        return;
    }
    /* plain probe closed before the PING reply: an AUTH answer (NOAUTH,
     * WRONGPASS) is a Redis speaking plain text all the same */
    if (ev == RCONN_EV_CLOSED) {
        s->probe_err = e ? e->code : RCONN_ERR_CLOSED;
        bool spoke = doctor_spoke_resp(s->probe_err);
        ck->cause = spoke                               ? DOCTOR_CAUSE_TLS_ON_PLAIN
                    : s->probe_err == RCONN_ERR_TIMEOUT ? DOCTOR_CAUSE_UNRESPONSIVE
                                                        : DOCTOR_CAUSE_TLS;
        doctor_check_done(s);
    }
}

static void doctor_ping_reply(struct rconn *c, struct rconn_result *res, void *arg)
{
    struct dstate *s = arg;
    (void)c;
    if (s->phase != DP_PING)
        return;
    if (res->err) {
        enum doctor_cause cause =
            res->err->code == RCONN_ERR_TIMEOUT ? DOCTOR_CAUSE_UNRESPONSIVE : DOCTOR_CAUSE_CLOSED;
        doctor_fail(s, DOCTOR_PING, cause, res->err, 0);
        return;
    }
    const redisReply *r = res->reply;
    if (r && r->type == REDIS_REPLY_ERROR) {
        struct rconn_error e;
        rconn_error_set(&e, RCONN_ERR_AUTH, "PING answered %.200s", r->str);
        enum doctor_cause cause =
            strncmp(r->str, "NOAUTH", 6) == 0 ? DOCTOR_CAUSE_NOAUTH : DOCTOR_CAUSE_AUTH;
        doctor_fail(s, DOCTOR_PING, cause, &e, res->latency_us / 1000);
        return;
    }
    char lat[32];
    snprintf(lat, sizeof(lat), "%.2f ms", (double)res->latency_us / 1000.0);
    doctor_set(s->d, s->idx, DOCTOR_PING, DOCTOR_OK, res->latency_us / 1000, "%s (%s)",
               r && r->type == REDIS_REPLY_STATUS ? r->str : "answered", lat);
    doctor_check_done(s);
}

static void doctor_conn_event(struct rconn *c, enum rconn_event ev, const struct rconn_error *e,
                              void *arg)
{
    struct dstate *s = arg;
    struct doctor *d = s->d;
    if (s->phase != DP_CONN && s->phase != DP_PING)
        return;
    struct rconn_info in;
    rconn_get_info(c, &in);
    if (ev == RCONN_EV_READY && s->phase == DP_CONN) {
        doctor_record_steps(s, &in, false);
        s->phase = DP_PING;
        const char *argv[] = {"PING"};
        if (rconn_command_argv(c, 1, argv, NULL, d->timeout_ms, doctor_ping_reply, s) != 0) {
            struct rconn_error pe;
            rconn_error_set(&pe, RCONN_ERR_CLOSED, "PING could not be sent");
            doctor_fail(s, DOCTOR_PING, DOCTOR_CAUSE_CLOSED, &pe, 0);
        }
        return;
    }
    if (ev != RCONN_EV_CLOSED || s->phase != DP_CONN)
        return;
    doctor_record_steps(s, &in, true);
    struct rconn_error err;
    if (e)
        err = *e;
    else
        rconn_error_set(&err, RCONN_ERR_CLOSED, "closed");
    struct doctor_check *ck = &d->rep.checks[s->idx];
    ck->err = err.code;
    dcopy(ck->error, sizeof(ck->error), err.msg);
    switch (in.failed_at) {
    case RCONN_S_RESOLVING:
        doctor_fail(s, DOCTOR_DNS, DOCTOR_CAUSE_DNS, &err, in.dns_ms);
        return;
    case RCONN_S_CONNECTING: {
        enum doctor_cause cause = err.code == RCONN_ERR_CONNECT_TIMEOUT
                                      ? DOCTOR_CAUSE_NETWORK_TIMEOUT
                                  : err.code == RCONN_ERR_CONNECT_REFUSED ? DOCTOR_CAUSE_REFUSED
                                                                          : DOCTOR_CAUSE_NETWORK;
        doctor_fail(s, DOCTOR_CONNECT, cause, &err, in.connect_ms);
        return;
    }
    case RCONN_S_TLS:
        if (err.code == RCONN_ERR_TLS_VERIFY) {
            doctor_fail(s, DOCTOR_TLS, DOCTOR_CAUSE_CERT, &err, in.tls_ms);
            return;
        }
        if (err.code == RCONN_ERR_TLS_CONFIG) {
            doctor_fail(s, DOCTOR_TLS, DOCTOR_CAUSE_CA_FILE, &err, in.tls_ms);
            return;
        }
        /* handshake failed or got no answer: is the node plain, or frozen? */
        ck->cause = DOCTOR_CAUSE_TLS;
        doctor_set(d, s->idx, DOCTOR_TLS, DOCTOR_FAIL, in.tls_ms, "%s", rconn_err_name(err.code));
        s->conn = NULL;
        rconn_close(c);
        doctor_start_probe(s, DPROBE_PLAIN);
        return;
    case RCONN_S_AUTH:
        if (err.code == RCONN_ERR_AUTH_WRONGPASS) {
            doctor_fail(s, DOCTOR_AUTH, DOCTOR_CAUSE_WRONGPASS, &err, in.auth_ms);
            return;
        }
        if (err.code == RCONN_ERR_AUTH_NOAUTH) {
            doctor_fail(s, DOCTOR_AUTH, DOCTOR_CAUSE_NOAUTH, &err, in.auth_ms);
            return;
        }
        if (err.code == RCONN_ERR_AUTH) {
            doctor_fail(s, DOCTOR_AUTH, DOCTOR_CAUSE_AUTH, &err, in.auth_ms);
            return;
        }
        if (!in.tls) {
            /* plain text got no sensible answer: does the node speak TLS? */
            ck->cause = err.code == RCONN_ERR_TIMEOUT    ? DOCTOR_CAUSE_UNRESPONSIVE
                        : err.code == RCONN_ERR_PROTOCOL ? DOCTOR_CAUSE_PROTOCOL
                                                         : DOCTOR_CAUSE_CLOSED;
            doctor_set(d, s->idx, DOCTOR_AUTH, DOCTOR_FAIL, in.auth_ms, "%s",
                       rconn_err_name(err.code));
            s->conn = NULL;
            rconn_close(c);
            doctor_start_probe(s, DPROBE_TLS);
            return;
        }
        doctor_fail(s, DOCTOR_AUTH,
                    err.code == RCONN_ERR_TIMEOUT    ? DOCTOR_CAUSE_UNRESPONSIVE
                    : err.code == RCONN_ERR_PROTOCOL ? DOCTOR_CAUSE_PROTOCOL
                                                     : DOCTOR_CAUSE_CLOSED,
                    &err, in.auth_ms);
        return;
    default:
        doctor_fail(s, DOCTOR_PING,
                    err.code == RCONN_ERR_TIMEOUT ? DOCTOR_CAUSE_UNRESPONSIVE : DOCTOR_CAUSE_CLOSED,
                    &err, 0);
        return;
    }
}

static void doctor_open_conn(struct dstate *s)
{
    struct doctor *d = s->d;
    struct doctor_check *c = &d->rep.checks[s->idx];
    if (d->use_tls && d->tls_failed) {
        doctor_set(d, s->idx, DOCTOR_CONNECT, DOCTOR_SKIP, 0, "not tried: no usable CA");
        doctor_fail(s, DOCTOR_TLS, DOCTOR_CAUSE_CA_FILE, &d->tls_err, 0);
        return;
    }
    struct rconn_options o = {
        .host = c->host,
        .port = c->port,
        .tls = d->use_tls ? d->tls : NULL,
        .routes = d->routes,
        .connect_timeout_ms = d->timeout_ms,
        .command_timeout_ms = d->timeout_ms,
        .user = d->user,
        .password = d->token,
        .cred = d->cred,
        .cred_arg = d->cred_arg,
        .client_name = "elcui-doctor",
        .max_reply_bytes = d->max_reply_bytes,
        .on_event = doctor_conn_event,
        .event_arg = s,
    };
    s->phase = DP_CONN;
    s->conn = rconn_open(d->l, &o);
    if (!s->conn) {
        struct rconn_error e;
        rconn_error_set(&e, RCONN_ERR_USAGE, "unusable endpoint %s:%d", c->host, c->port);
        doctor_fail(s, DOCTOR_CONNECT, DOCTOR_CAUSE_NETWORK, &e, 0);
    }
}

static void doctor_dns_done(const struct rdns_result *res, void *arg)
{
    struct dstate *s = arg;
    struct doctor *d = s->d;
    s->dns = NULL;
    struct doctor_check *c = &d->rep.checks[s->idx];
    if (res->gai_error) {
        struct rconn_error e;
        rconn_error_set(&e, RCONN_ERR_DNS, "%s does not resolve: %s", c->host,
                        res->error ? res->error : "unknown error");
        doctor_fail(s, DOCTOR_DNS, DOCTOR_CAUSE_DNS, &e, res->elapsed_ms);
        return;
    }
    char list[300] = "";
    size_t off = 0;
    for (size_t k = 0; k < res->naddrs; k++) {
        if (s->naddrs < DOCTOR_MAX_ADDRS)
            dcopy(s->addrs[s->naddrs++], sizeof(s->addrs[0]), res->addrs[k].text);
        if (off < sizeof(list))
            off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", k ? ", " : "",
                                    res->addrs[k].text);
    }
    doctor_set(d, s->idx, DOCTOR_DNS, DOCTOR_OK, res->elapsed_ms, "%s%s%s%s", list,
               c->routed ? " (connecting elsewhere: --connect-to)" : "",
               res->source ? " from " : "", res->source ? res->source : "");
    doctor_open_conn(s);
}

static void doctor_check_start(struct doctor *d, size_t i)
{
    struct dstate *s = d->st[i];
    struct doctor_check *c = &d->rep.checks[i];
    d->inflight++;
    s->t0 = loop_now_ms(d->l);
    s->phase = DP_DNS;
    /* with --connect-to, the name that matters is the one connected to */
    const char *host = c->host;
    int port = c->port;
    if (d->routes)
        rconn_routes_lookup(d->routes, c->host, c->port, &host, &port);
    s->dns = rconn_routes_resolve(d->routes, d->l, host, port, doctor_dns_done, s);
    if (!s->dns) {
        struct rconn_error e;
        rconn_error_set(&e, RCONN_ERR_DNS, "unusable host name");
        doctor_fail(s, DOCTOR_DNS, DOCTOR_CAUSE_DNS, &e, 0);
    }
}

/* ---- topology ---- */

static bool doctor_matches(const struct doctor *d, size_t i, const char *host, int port)
{
    const struct doctor_check *c = &d->rep.checks[i];
    if (c->port != port)
        return false;
    if (strcasecmp(c->host, host) == 0)
        return true;
    for (size_t k = 0; k < d->st[i]->naddrs; k++)
        if (strcmp(d->st[i]->addrs[k], host) == 0)
            return true;
    return false;
}

static void doctor_topology(struct doctor *d)
{
    struct doctor_topology *t = &d->rep.topology;
    struct rcluster_info info;
    rcluster_get_info(d->cl, &info);
    t->checked = true;
    t->ms = loop_now_ms(d->l) - d->topo_t0;
    t->cluster = info.mode == RCLUSTER_CLUSTER;
    dcopy(t->source, sizeof(t->source), info.map_source);
    t->shards = info.shards;
    t->slots_covered = info.slots_covered;
    size_t n = rcluster_node_count(d->cl);
    t->nodes = n;
    char failed[300] = "";
    size_t foff = 0;
    for (size_t i = 0; i < n; i++) {
        struct rcluster_node_info ni;
        if (!rcluster_node_at(d->cl, i, &ni))
            continue;
        if (ni.role == RCLUSTER_ROLE_PRIMARY)
            t->primaries++;
        if (ni.health && strcmp(ni.health, "failed") == 0) {
            t->failed_nodes++;
            if (foff < sizeof(failed))
                foff += (size_t)snprintf(failed + foff, sizeof(failed) - foff, "%s%s",
                                         foff ? ", " : "", ni.name);
        }
        /* label the listed nodes with Redis's role; add nodes only Redis knows */
        size_t hit = (size_t)-1;
        for (size_t k = 0; k < d->rep.n_checks; k++)
            if ((d->rep.checks[k].kind == DOCTOR_KIND_NODE ||
                 d->rep.checks[k].kind == DOCTOR_KIND_REDIS) &&
                doctor_matches(d, k, ni.host, ni.port)) {
                hit = k;
                break;
            }
        if (hit == (size_t)-1)
            hit = doctor_add(d, DOCTOR_KIND_REDIS, ni.host, ni.port);
        if (hit != (size_t)-1)
            dcopy(d->rep.checks[hit].role, sizeof(d->rep.checks[hit].role),
                  rcluster_role_name(ni.role));
    }
    while (d->inflight < DOCTOR_MAX_INFLIGHT && d->next < d->rep.n_checks)
        doctor_check_start(d, d->next++);
    if (t->cluster) {
        t->ok = t->slots_covered == CRC16_SLOTS && t->failed_nodes == 0;
        if (t->ok)
            snprintf(t->detail, sizeof(t->detail),
                     "all %d slots served by %zu %s in %zu shard%s, no failed nodes (%s)",
                     CRC16_SLOTS, t->primaries, t->primaries == 1 ? "primary" : "primaries",
                     t->shards, t->shards == 1 ? "" : "s", t->source);
        else
            snprintf(t->detail, sizeof(t->detail), "%zu of %d slots served%s%s%s (%s)",
                     t->slots_covered, CRC16_SLOTS, t->failed_nodes ? "; reported failed: " : "",
                     failed,
                     t->slots_covered < CRC16_SLOTS ? "; the cluster is down for the rest" : "",
                     t->source);
    } else {
        t->ok = t->primaries == 1;
        snprintf(t->detail, sizeof(t->detail), "%zu %s, %zu replica%s (%s)%s", t->primaries,
                 t->primaries == 1 ? "primary" : "primaries", n - t->primaries,
                 n - t->primaries == 1 ? "" : "s", t->source,
                 t->primaries == 1 ? "" : ": expected exactly one primary");
    }
}

static void doctor_cluster_event(struct rcluster *cl, enum rcluster_event ev, const char *node,
                                 const struct rconn_error *err, void *arg)
{
    struct doctor *d = arg;
    (void)node;
    (void)cl;
    if (d->topo_done)
        return;
    if (ev == RCLUSTER_EV_READY || ev == RCLUSTER_EV_TOPOLOGY) {
        struct rcluster_info info;
        rcluster_get_info(d->cl, &info);
        if (!info.ready)
            return;
        d->topo_done = true;
        doctor_topology(d);
    } else if (ev == RCLUSTER_EV_FAILED) {
        d->topo_done = true;
        struct doctor_topology *t = &d->rep.topology;
        t->checked = true;
        t->ok = false;
        t->ms = loop_now_ms(d->l) - d->topo_t0;
        snprintf(t->detail, sizeof(t->detail), "could not read the topology: %s",
                 err ? err->msg : "no node answered");
    } else {
        return;
    }
    doctor_maybe_finish(d);
}

/* ---- finishing ---- */

static void doctor_finish_fire(void *arg)
{
    struct doctor *d = arg;
    d->finish = NULL;
    struct doctor_report *r = &d->rep;
    r->total_ms = loop_now_ms(d->l) - d->t0;
    r->failed = 0;
    for (size_t i = 0; i < r->n_checks; i++)
        if (!r->checks[i].ok)
            r->failed++;
    r->ok = r->failed == 0 && r->topology.ok;
    if (r->ok) {
        snprintf(r->summary, sizeof(r->summary),
                 "healthy: %zu of %zu endpoints and nodes OK; %.600s", r->n_checks, r->n_checks,
                 r->topology.detail);
    } else {
        /* the first failure's cause names the problem */
        const struct doctor_check *first = NULL;
        for (size_t i = 0; i < r->n_checks && !first; i++)
            if (!r->checks[i].ok)
                first = &r->checks[i];
        if (first)
            snprintf(r->summary, sizeof(r->summary), "%zu of %zu failed; first: %s %s:%d: %s",
                     r->failed, r->n_checks,
                     first->cache_cluster_id[0] ? first->cache_cluster_id
                                                : doctor_kind_name(first->kind),
                     first->host, first->port, doctor_cause_name(first->cause));
        else
            snprintf(r->summary, sizeof(r->summary), "every endpoint answers, but: %.600s",
                     r->topology.detail);
    }
    d->finished = true;
    if (d->cl) {
        rcluster_free(d->cl);
        d->cl = NULL;
    }
    if (d->on_done)
        d->on_done(d, r, d->arg);
}

static void doctor_maybe_finish(struct doctor *d)
{
    if (d->finished || d->finish || !d->topo_done || d->inflight > 0 || d->next < d->rep.n_checks)
        return;
    d->finish = loop_timer(d->l, 0, doctor_finish_fire, d);
}

struct doctor *doctor_start(const struct doctor_options *o)
{
    if (!o || !o->loop || !o->disc || !o->disc->host || o->disc->port <= 0)
        return NULL;
    struct doctor *d = mem_xcalloc(1, sizeof(*d));
    d->l = o->loop;
    d->disc = o->disc;
    d->token = mem_xstrdup(o->token);
    d->user = mem_xstrdup(o->disc->user);
    d->cred = o->cred;
    d->cred_arg = o->cred_arg;
    d->use_tls = o->tls;
    d->insecure = o->insecure;
    d->timeout_ms = o->timeout_ms ? o->timeout_ms : DOCTOR_DEFAULT_TIMEOUT_MS;
    d->max_reply_bytes = o->max_reply_bytes;
    d->on_progress = o->on_progress;
    d->on_done = o->on_done;
    d->arg = o->arg;
    d->t0 = loop_now_ms(d->l);
    if (o->tls) {
        struct rconn_tls_options to = {.cafile = o->cafile, .insecure = o->insecure};
        d->tls = rconn_tls_new(&to, &d->tls_err);
        d->tls_failed = d->tls == NULL;
    }
    if (o->n_connect_to) {
        d->routes = rconn_routes_new();
        for (size_t i = 0; i < o->n_connect_to; i++) {
            struct rconn_error e;
            if (rconn_routes_add(d->routes, o->connect_to[i], &e) != 0) {
                doctor_free(d);
                return NULL;
            }
        }
    }
    const struct discover_result *r = d->disc;
    const struct model_group *g = r->model;
    enum doctor_kind main_kind = r->endpoint_source == DISCOVER_EP_PRIMARY ? DOCTOR_KIND_PRIMARY
                                 : r->cluster_known && !r->cluster         ? DOCTOR_KIND_PRIMARY
                                                                           : DOCTOR_KIND_CONFIG;
    doctor_add(d, main_kind, r->host, r->port);
    if (r->reader_host)
        doctor_add(d, DOCTOR_KIND_READER, r->reader_host, r->reader_port);
    if (g) {
        for (size_t i = 0; i < g->n_nodes; i++) {
            const struct model_node *n = &g->nodes[i];
            size_t k = doctor_add(d, DOCTOR_KIND_NODE, n->endpoint.host, n->endpoint.port);
            if (k != (size_t)-1)
                doctor_label_from_model(d, k, n);
        }
    }
    /* the topology, through the cluster client on the same endpoint */
    if (!(d->use_tls && d->tls_failed)) {
        struct rcluster_options co = {
            .host = r->host,
            .port = r->port,
            .mode = r->cluster_known ? (r->cluster ? RCLUSTER_CLUSTER : RCLUSTER_STANDALONE)
                                     : RCLUSTER_AUTO,
            .reader_host = r->reader_host,
            .reader_port = r->reader_port,
            .tls = d->use_tls ? d->tls : NULL,
            .routes = d->routes,
            .connect_timeout_ms = d->timeout_ms,
            .command_timeout_ms = d->timeout_ms,
            .user = d->user,
            .password = d->token,
            .cred = d->cred,
            .cred_arg = d->cred_arg,
            .client_name = "elcui-doctor",
            .max_reply_bytes = d->max_reply_bytes,
            .on_event = doctor_cluster_event,
            .event_arg = d,
        };
        struct rcluster_name *names = mem_xcalloc(g && g->n_nodes ? g->n_nodes : 1, sizeof(*names));
        size_t nn = g ? model_rcluster_names(g, names, g->n_nodes) : 0;
        co.names = names;
        co.nnames = nn;
        d->topo_t0 = loop_now_ms(d->l);
        d->cl = rcluster_new(d->l, &co);
        free(names);
    }
    if (!d->cl) {
        d->topo_done = true;
        d->rep.topology.checked = false;
        snprintf(d->rep.topology.detail, sizeof(d->rep.topology.detail),
                 "not checked: no connection could be set up");
    }
    while (d->inflight < DOCTOR_MAX_INFLIGHT && d->next < d->rep.n_checks)
        doctor_check_start(d, d->next++);
    doctor_maybe_finish(d);
    return d;
}

const struct doctor_report *doctor_report(const struct doctor *d)
{
    return d ? &d->rep : NULL;
}

void doctor_free(struct doctor *d)
{
    if (!d)
        return;
    d->finished = true;
    if (d->finish)
        loop_untimer(d->l, d->finish);
    for (size_t i = 0; i < d->rep.n_checks; i++) {
        struct dstate *s = d->st[i];
        s->phase = DP_DONE;
        if (s->dns)
            rdns_cancel(s->dns);
        if (s->conn)
            rconn_close(s->conn);
        if (s->probe)
            rconn_close(s->probe);
    }
    d->topo_done = true;
    rcluster_free(d->cl);
    rconn_tls_unref(d->tls);
    rconn_tls_unref(d->probe_tls);
    rconn_routes_free(d->routes);
    mem_free_secret(d->token);
    free(d->user);
    free(d->rep.checks);
    for (size_t i = 0; i < d->rep.n_checks; i++)
        free(d->st[i]);
    free(d->st);
    free(d);
}
