/* console.c - a command session on one replication group (see console.h). */
#include "core/redis/console.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/redis/iamauth.h"
#include "core/redis/rdns.h"
#include "core/redis/rrender.h"

#define CONSOLE_MAX_SEEDS 64
#define CONSOLE_MAX_HOSTS 64

struct console_resolve {
    struct console *c;
    char *host;
    struct rdns_req *req;
};

struct console_seed {
    char *host;
    int port;
};

struct console_run {
    struct console *c;
    struct console_request req; /* argv, argvlen, node point into copies below */
    char **argv;
    size_t *argvlen;
    char *wire; /* argv formatted once for every run (wiped) */
    size_t wirelen;
    char *node;
    unsigned long iteration; /* runs started */
    struct console_done done;
    struct rsafety_verdict refused;
    bool has_refused;
    struct rconn_error err;
    bool has_err;
    unsigned in_flight; /* rcluster requests outstanding (--pipeline: several) */
    bool halted;        /* refused or failed: nothing more is started */
    bool seed_retry;    /* lazy map: the seed was unreachable, try the next one */
    bool node_resolved; /* a SHARD:ROLE node was turned into its node */
    bool user_done;     /* on_done delivered */
    bool cancelled;
    struct loop_timer *timer; /* interval wait, or the deferred on_done */
    struct console_run *prev, *next;
};

struct console_label_cache {
    bool valid;
    unsigned gen;      /* console.label_gen */
    const void *key;   /* rcluster_reply.node_key */
    unsigned node_gen; /* rcluster_reply.node_gen */
    bool has_addr;     /* its connection was up */
    const struct model_node *mn;
};

struct console {
    struct loop *l;
    struct aws_client *aws;
    struct creds_provider *creds;
    char *region;
    char *rg_id;
    struct model_group *given; /* the caller's model for discovery, or NULL */
    char *endpoint, *token_env, *secret_id, *user;
    bool iam, no_auth;
    creds_prompt_fn prompt;
    void *prompt_ctx;
    enum console_tls tls_mode;
    enum rcluster_mode mode;
    char *cafile;
    bool insecure;
    char **connect_to;
    size_t n_connect_to;
    bool read_only;
    bool lazy_map;
    uint64_t connect_timeout_ms, command_timeout_ms;
    char *client_name;
    size_t max_reply_bytes;
    int protocol;
    console_event_cb on_event;
    void *event_arg;

    enum console_state state;
    char error[700];
    struct discover_req *disc;
    struct discover_result *dres;
    struct model_group *model;
    /* the model node of the last reply's node, looked up once: a run's
     * replies come from the same node (valid while label_gen is unchanged:
     * bumped whenever the model changes) */
    struct console_label_cache lc;
    unsigned label_gen;
    char *token; /* SECRET: until the cluster client has its copy */

    struct console_resolve resolves[CONSOLE_MAX_HOSTS];
    size_t nresolves, resolving;
    struct loop_timer *resolve_timer;
    struct rcluster_name *names;
    size_t nnames;
    char **name_strs; /* owned address strings of names */
    size_t nname_strs;

    struct rconn_tls *tls;
    bool use_tls;
    struct rconn_routes *routes;
    struct iamauth *iamauth;
    struct console_seed seeds[CONSOLE_MAX_SEEDS];
    size_t nseeds, seed_i;
    char seed_name[RCLUSTER_NAME_MAX];
    struct rconn_error first_err;
    bool has_first_err;
    struct rcluster *cl;
    struct loop_timer *kick;
    bool any_answer; /* some node answered (lazy map: the seed is usable) */

    struct console_run *runs;
    bool closing;
};

static void console_start_cluster(struct console *c);
static void console_run_start(struct console_run *r);
static void console_run_finish(struct console_run *r);

const char *console_event_name(enum console_event ev)
{
    switch (ev) {
    case CONSOLE_EV_DISCOVERED:
        return "discovered";
    case CONSOLE_EV_READY:
        return "ready";
    case CONSOLE_EV_FAILED:
        return "failed";
    case CONSOLE_EV_TOPOLOGY:
        return "topology";
    case CONSOLE_EV_NODE_ERROR:
        return "node-error";
    case CONSOLE_EV_REAUTH_FAILED:
        return "reauth-failed";
    case CONSOLE_EV_NOTICE:
        return "notice";
    }
    return "?";
}

const char *console_state_name(enum console_state s)
{
    switch (s) {
    case CONSOLE_S_DISCOVERING:
        return "discovering";
    case CONSOLE_S_RESOLVING:
        return "resolving";
    case CONSOLE_S_CONNECTING:
        return "connecting";
    case CONSOLE_S_READY:
        return "ready";
    case CONSOLE_S_FAILED:
        return "failed";
    }
    return "?";
}

const char *console_target_name(enum rcluster_target_kind t)
{
    switch (t) {
    case RCLUSTER_T_SLOT:
        return "slot";
    case RCLUSTER_T_NODE:
        return "node";
    case RCLUSTER_T_PRIMARIES:
        return "primaries";
    case RCLUSTER_T_REPLICAS:
        return "replicas";
    case RCLUSTER_T_ALL:
        return "all";
    }
    return "?";
}

static void console_emit(struct console *c, enum console_event ev, const char *node,
                         const struct rconn_error *err, const char *text)
{
    if (c->closing || !c->on_event)
        return;
    struct console_event_info e = {.ev = ev, .node = node, .err = err, .text = text};
    c->on_event(c, &e, c->event_arg);
}

static void console_notice(struct console *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void console_notice(struct console *c, const char *fmt, ...)
{
    char text[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    console_emit(c, CONSOLE_EV_NOTICE, NULL, NULL, text);
}

/* ---- failure ---- */

static void console_fail_runs(struct console *c)
{
    struct console_run *r = c->runs;
    while (r) {
        struct console_run *next = r->next;
        if (!r->in_flight && !r->user_done && !r->timer) {
            rconn_error_set(&r->err, RCONN_ERR_CLOSED, "%s", c->error);
            r->has_err = true;
            r->timer = NULL;
            console_run_finish(r);
        }
        r = next;
    }
}

static void console_fail(struct console *c, const struct rconn_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void console_fail(struct console *c, const struct rconn_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->error, sizeof(c->error), fmt, ap);
    va_end(ap);
    c->state = CONSOLE_S_FAILED;
    if (c->token) {
        mem_free_secret(c->token);
        c->token = NULL;
    }
    console_emit(c, CONSOLE_EV_FAILED, NULL, err, c->error);
    console_fail_runs(c);
}

/* ---- labels ---- */

static const struct model_node *console_model_node(const struct console *c, const char *node,
                                                   const char *cc_id, const char *cn_id)
{
    const struct model_group *g = c->model;
    if (!g)
        return NULL;
    if (cc_id) {
        const struct model_node *n = model_node_find(g, cc_id, cn_id);
        if (n)
            return n;
    }
    if (!node)
        return NULL;
    const char *colon = strrchr(node, ':');
    if (!colon)
        return NULL;
    char host[RCLUSTER_NAME_MAX];
    size_t hl = (size_t)(colon - node);
    if (hl >= sizeof(host))
        return NULL;
    memcpy(host, node, hl);
    host[hl] = '\0';
    char *h = host;
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        h = host + 1;
    }
    int port = (int)strtol(colon + 1, NULL, 10);
    const struct model_node *n = model_node_by_endpoint(g, h, port);
    return n ? n : model_node_by_addr(g, h, port);
}

/* The model node of a reply's node: by the cluster client's names, else
 * by the address it reached; the last answer kept for the next reply. */
static const struct model_node *console_reply_node(struct console *c,
                                                   const struct rcluster_reply *rr)
{
    struct console_label_cache *lc = &c->lc;
    bool has_addr = rr->addr && *rr->addr;
    if (lc->valid && lc->gen == c->label_gen && rr->node_key && lc->key == rr->node_key &&
        lc->node_gen == rr->node_gen && lc->has_addr == has_addr)
        return lc->mn;
    const struct model_node *mn =
        console_model_node(c, rr->node, rr->cache_cluster_id, rr->cache_node_id);
    /* a name the model does not list (the configuration endpoint): the
     * node is the one at the address it reached */
    if (!mn && has_addr)
        mn = console_model_node(c, rr->addr, NULL, NULL);
    lc->valid = rr->node_key != NULL;
    lc->gen = c->label_gen;
    lc->key = rr->node_key;
    lc->node_gen = rr->node_gen;
    lc->has_addr = has_addr;
    lc->mn = mn;
    return mn;
}

static void console_fill_label(const struct console *c, const struct model_node *n,
                               struct console_label *out)
{
    if (!n)
        return;
    out->cache_cluster_id = n->cache_cluster_id;
    out->cache_node_id = n->cache_node_id;
    out->az = n->az;
    /* a name the cluster client does not know as a node (the configuration
     * endpoint) has no role of its own: the model's node has */
    if (out->role == RCLUSTER_ROLE_UNKNOWN)
        out->role = n->role == MODEL_ROLE_PRIMARY   ? RCLUSTER_ROLE_PRIMARY
                    : n->role == MODEL_ROLE_REPLICA ? RCLUSTER_ROLE_REPLICA
                                                    : RCLUSTER_ROLE_UNKNOWN;
    if (c->model && n->shard < c->model->n_shards)
        out->shard = c->model->shards[n->shard].id;
}

void console_label_node(const struct console *c, const char *node, struct console_label *out)
{
    memset(out, 0, sizeof(*out));
    if (!c || !node)
        return;
    const char *cc = NULL, *cn = NULL;
    if (c->cl) {
        size_t n = rcluster_node_count(c->cl);
        for (size_t i = 0; i < n; i++) {
            struct rcluster_node_info ni;
            if (rcluster_node_at(c->cl, i, &ni) && strcmp(ni.name, node) == 0) {
                out->role = ni.role;
                cc = ni.cache_cluster_id;
                cn = ni.cache_node_id;
                break;
            }
        }
    }
    console_fill_label(c, console_model_node(c, node, cc, cn), out);
}

size_t console_node_count(const struct console *c)
{
    return c && c->cl ? rcluster_node_count(c->cl) : 0;
}

bool console_node_at(const struct console *c, size_t i, struct console_node *out)
{
    memset(out, 0, sizeof(*out));
    if (!c || !c->cl || !rcluster_node_at(c->cl, i, &out->info))
        return false;
    out->label.role = out->info.role;
    console_fill_label(
        c,
        console_model_node(c, out->info.name, out->info.cache_cluster_id, out->info.cache_node_id),
        &out->label);
    return true;
}

/* ---- the cluster client ---- */

static void console_merge_view(struct console *c)
{
    if (!c->model || !c->cl)
        return;
    struct model_redis_view *v = model_redis_view_from_rcluster(c->cl, loop_wall_ms(c->l));
    if (v) {
        c->label_gen++;
        model_group_merge_redis(c->model, v);
        model_redis_view_free(v);
    }
}

static bool console_netfail(enum rconn_err e)
{
    return e == RCONN_ERR_DNS || e == RCONN_ERR_CONNECT_REFUSED || e == RCONN_ERR_CONNECT_TIMEOUT ||
           e == RCONN_ERR_CONNECT || e == RCONN_ERR_IO_RESET || e == RCONN_ERR_CLOSED ||
           e == RCONN_ERR_TIMEOUT;
}

/* The command certainly was not sent. */
static bool console_seed_unreachable(enum rconn_err e)
{
    return e == RCONN_ERR_DNS || e == RCONN_ERR_CONNECT_REFUSED || e == RCONN_ERR_CONNECT_TIMEOUT ||
           e == RCONN_ERR_CONNECT;
}

static void console_kick_fire(void *arg)
{
    struct console *c = arg;
    c->kick = NULL;
    console_start_cluster(c);
}

static void console_cluster_event(struct rcluster *cl, enum rcluster_event ev, const char *node,
                                  const struct rconn_error *err, void *arg)
{
    struct console *c = arg;
    (void)cl;
    switch (ev) {
    case RCLUSTER_EV_READY:
        if (c->state != CONSOLE_S_READY) {
            c->state = CONSOLE_S_READY;
            console_merge_view(c);
            /* with a lazy map nothing was verified yet: the token stays for
             * another seed until a node answered */
            if (c->token && !c->lazy_map) {
                mem_free_secret(c->token);
                c->token = NULL;
            }
            console_emit(c, CONSOLE_EV_READY, c->seed_name, NULL, NULL);
            struct console_run *r = c->runs;
            while (r) {
                struct console_run *next = r->next;
                if (!r->in_flight && !r->user_done && !r->timer)
                    console_run_start(r);
                r = next;
            }
        }
        break;
    case RCLUSTER_EV_TOPOLOGY:
        console_merge_view(c);
        console_emit(c, CONSOLE_EV_TOPOLOGY, node, err, NULL);
        break;
    case RCLUSTER_EV_NODE_ERROR:
        console_emit(c, CONSOLE_EV_NODE_ERROR, node, err, NULL);
        break;
    case RCLUSTER_EV_REAUTH_FAILED:
        console_emit(c, CONSOLE_EV_REAUTH_FAILED, node, err, NULL);
        break;
    case RCLUSTER_EV_FAILED:
        if (c->state == CONSOLE_S_READY) {
            console_emit(c, CONSOLE_EV_NODE_ERROR, node, err, NULL);
            break;
        }
        if (err && !c->has_first_err) {
            c->first_err = *err;
            c->has_first_err = true;
        }
        if (err && console_netfail(err->code) && c->seed_i + 1 < c->nseeds) {
            console_notice(c, "%s unusable (%s); trying %s:%d", c->seed_name,
                           rconn_err_name(err->code), c->seeds[c->seed_i + 1].host,
                           c->seeds[c->seed_i + 1].port);
            c->seed_i++;
            rcluster_free(c->cl);
            c->cl = NULL;
            c->label_gen++;
            if (!c->kick)
                c->kick = loop_timer(c->l, 0, console_kick_fire, c);
            break;
        }
        {
            const struct rconn_error *e = c->has_first_err ? &c->first_err : err;
            console_fail(c, e, "%s", e ? e->msg : "no node could give the cluster topology");
        }
        break;
    }
}

static void console_add_seed(struct console *c, const char *host, int port)
{
    if (!host || port <= 0 || c->nseeds >= CONSOLE_MAX_SEEDS)
        return;
    for (size_t i = 0; i < c->nseeds; i++)
        if (c->seeds[i].port == port && strcasecmp(c->seeds[i].host, host) == 0)
            return;
    c->seeds[c->nseeds].host = mem_xstrdup(host);
    c->seeds[c->nseeds].port = port;
    c->nseeds++;
}

static void console_start_cluster(struct console *c)
{
    if (c->seed_i >= c->nseeds) {
        console_fail(c, NULL, "no endpoint to connect to");
        return;
    }
    const struct discover_result *d = c->dres;
    const struct console_seed *s = &c->seeds[c->seed_i];
    if (strchr(s->host, ':'))
        snprintf(c->seed_name, sizeof(c->seed_name), "[%s]:%d", s->host, s->port);
    else
        snprintf(c->seed_name, sizeof(c->seed_name), "%s:%d", s->host, s->port);
    enum rcluster_mode mode = c->mode;
    if (mode == RCLUSTER_AUTO && d->cluster_known)
        mode = d->cluster ? RCLUSTER_CLUSTER : RCLUSTER_STANDALONE;
    struct rsafety_policy pol = {
        .read_only = c->read_only,
        .cluster = mode != RCLUSTER_STANDALONE,
    };
    struct rcluster_options o = {
        .host = s->host,
        .port = s->port,
        .mode = mode,
        .reader_host = d->reader_host,
        .reader_port = d->reader_port,
        .tls = c->use_tls ? c->tls : NULL,
        .routes = c->routes,
        .connect_timeout_ms = c->connect_timeout_ms,
        .command_timeout_ms = c->command_timeout_ms,
        .user = c->iam ? NULL : d->user,
        .password = c->token,
        .cred = c->iamauth ? iamauth_cred : NULL,
        .cred_arg = c->iamauth,
        .client_name = c->client_name,
        .max_reply_bytes = c->max_reply_bytes,
        .protocol = c->protocol,
        .lazy_map = c->lazy_map,
        .safety = &pol,
        .names = c->names,
        .nnames = c->nnames,
        .on_event = console_cluster_event,
        .event_arg = c,
    };
    c->state = CONSOLE_S_CONNECTING;
    c->cl = rcluster_new(c->l, &o);
    c->label_gen++; /* node keys are per cluster client */
    if (!c->cl) {
        console_fail(c, NULL, "cannot use endpoint %s", c->seed_name);
        return;
    }
}

/* The --connect-to and --resolve rules, once: -1 after console_fail. */
static int console_make_routes(struct console *c)
{
    if (c->routes || !c->n_connect_to)
        return 0;
    c->routes = rconn_routes_new();
    for (size_t i = 0; i < c->n_connect_to; i++) {
        struct rconn_error err;
        if (rconn_routes_add(c->routes, c->connect_to[i], &err) != 0) {
            console_fail(c, &err, "%s", err.msg);
            return -1;
        }
    }
    return 0;
}

/* Everything known: TLS, routes, IAM, seeds; then connect. */
static void console_connect(struct console *c)
{
    const struct discover_result *d = c->dres;
    c->use_tls = c->tls_mode == CONSOLE_TLS_ON ||
                 (c->tls_mode == CONSOLE_TLS_AUTO && (!d->tls_known || d->tls));
    if (c->use_tls) {
        struct rconn_error err;
        struct rconn_tls_options to = {.cafile = c->cafile, .insecure = c->insecure};
        c->tls = rconn_tls_new(&to, &err);
        if (!c->tls) {
            console_fail(c, &err, "%s", err.msg);
            return;
        }
        if (c->insecure)
            console_notice(c, "TLS certificate verification is OFF (--insecure): anyone on the "
                              "path can read the token and the data");
    }
    if (console_make_routes(c) != 0)
        return;
    if (c->iam) {
        if (!d->user) {
            console_fail(c, NULL, "IAM authentication needs the user: give --user");
            return;
        }
        char err[256] = "";
        struct iamauth_options io = {
            .loop = c->l,
            .creds = c->creds,
            .clock = c->aws,
            .params = {.cache_id = c->rg_id,
                       .user = d->user,
                       .region = c->region ? c->region
                                 : c->aws  ? aws_client_region(c->aws)
                                           : NULL},
        };
        c->iamauth = c->creds && c->rg_id ? iamauth_new(&io, err, sizeof(err)) : NULL;
        if (!c->iamauth) {
            console_fail(c, NULL, "IAM authentication: %s",
                         err[0] ? err : "needs AWS credentials and the group id");
            return;
        }
    }
    /* the endpoint first, then each node the API lists (primaries first) */
    console_add_seed(c, d->host, d->port);
    if (c->model) {
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < c->model->n_nodes; i++) {
                const struct model_node *n = &c->model->nodes[i];
                bool prim = n->role == MODEL_ROLE_PRIMARY;
                if ((pass == 0) == prim)
                    console_add_seed(c, n->endpoint.host, n->endpoint.port);
            }
    }
    c->seed_i = 0;
    /* the token stays (for another seed) until ready or failed */
    console_start_cluster(c);
}

/* ---- resolving node endpoints ---- */

static void console_add_name(struct console *c, const char *host, int port, const char *cc,
                             const char *cn)
{
    c->names = mem_xrealloc(c->names, (c->nnames + 1) * sizeof(*c->names));
    struct rcluster_name *nm = &c->names[c->nnames++];
    nm->host = host;
    nm->port = port;
    nm->cache_cluster_id = cc;
    nm->cache_node_id = cn;
}

static void console_resolved_all(struct console *c)
{
    if (c->resolve_timer) {
        loop_untimer(c->l, c->resolve_timer);
        c->resolve_timer = NULL;
    }
    for (size_t i = 0; i < c->nresolves; i++)
        if (c->resolves[i].req) {
            rdns_cancel(c->resolves[i].req);
            c->resolves[i].req = NULL;
        }
    console_connect(c);
}

static void console_on_resolved(const struct rdns_result *res, void *arg)
{
    struct console_resolve *rs = arg;
    struct console *c = rs->c;
    rs->req = NULL;
    if (res->gai_error == 0 && c->model) {
        for (size_t a = 0; a < res->naddrs; a++) {
            const char *addr = res->addrs[a].text;
            char *copy = mem_xstrdup(addr);
            c->name_strs = mem_xrealloc(c->name_strs, (c->nname_strs + 1) * sizeof(char *));
            c->name_strs[c->nname_strs++] = copy;
            for (size_t i = 0; i < c->model->n_nodes; i++) {
                const struct model_node *n = &c->model->nodes[i];
                if (!n->endpoint.host || strcasecmp(n->endpoint.host, rs->host) != 0)
                    continue;
                model_node_add_addr(c->model, n, addr);
                c->label_gen++;
                /* with cluster mode off the names are the nodes themselves:
                 * an address is no other node (labels match it through
                 * the model) */
                if (!c->dres || !c->dres->cluster_known || c->dres->cluster)
                    console_add_name(c, copy, n->endpoint.port, n->cache_cluster_id,
                                     n->cache_node_id);
            }
        }
    }
    if (--c->resolving == 0)
        console_resolved_all(c);
}

static void console_resolve_deadline(void *arg)
{
    struct console *c = arg;
    c->resolve_timer = NULL;
    console_notice(c, "some node names did not resolve in time; labels may be missing");
    console_resolved_all(c);
}

static void console_resolve_nodes(struct console *c)
{
    const struct model_group *g = c->model;
    if (!g) {
        console_connect(c);
        return;
    }
    /* node names resolve as connections resolve them (--resolve rules) */
    if (console_make_routes(c) != 0)
        return;
    size_t max = g->n_nodes;
    struct rcluster_name *tmp = mem_xcalloc(max ? max : 1, sizeof(*tmp));
    size_t n = model_rcluster_names(g, tmp, max);
    for (size_t i = 0; i < n; i++)
        console_add_name(c, tmp[i].host, tmp[i].port, tmp[i].cache_cluster_id,
                         tmp[i].cache_node_id);
    free(tmp);
    c->state = CONSOLE_S_RESOLVING;
    for (size_t i = 0; i < g->n_nodes && c->nresolves < CONSOLE_MAX_HOSTS; i++) {
        const char *h = g->nodes[i].endpoint.host;
        if (!h)
            continue;
        bool seen = false;
        for (size_t k = 0; k < c->nresolves; k++)
            if (strcasecmp(c->resolves[k].host, h) == 0)
                seen = true;
        if (seen)
            continue;
        struct console_resolve *rs = &c->resolves[c->nresolves++];
        rs->c = c;
        rs->host = mem_xstrdup(h);
        rs->req = rconn_routes_resolve(
            c->routes, c->l, h, g->nodes[i].endpoint.port > 0 ? g->nodes[i].endpoint.port : 6379,
            console_on_resolved, rs);
        if (rs->req)
            c->resolving++;
    }
    if (c->resolving == 0) {
        console_connect(c);
        return;
    }
    c->resolve_timer = loop_timer(c->l, c->connect_timeout_ms ? c->connect_timeout_ms : 5000,
                                  console_resolve_deadline, c);
}

/* ---- discovery ---- */

static void console_on_discovered(struct discover_result *res, void *arg)
{
    struct console *c = arg;
    c->disc = NULL;
    c->dres = res;
    /* the token moves to our copy; the result keeps no secret */
    c->token = res->token;
    res->token = NULL;
    if (res->model) {
        c->model = model_group_ref(res->model);
        c->label_gen++;
    }
    console_emit(c, CONSOLE_EV_DISCOVERED, NULL, NULL, NULL);
    if (c->closing)
        return;
    if (res->failed) {
        console_fail(c, NULL, "%s", res->error);
        return;
    }
    console_resolve_nodes(c);
}

struct console *console_open(const struct console_options *o)
{
    if (!o || !o->loop || (!o->rg_id && !o->endpoint))
        return NULL;
    struct console *c = mem_xcalloc(1, sizeof(*c));
    c->l = o->loop;
    c->aws = o->aws;
    c->creds = o->creds;
    c->region = mem_xstrdup(o->region);
    c->rg_id = mem_xstrdup(o->rg_id);
    c->given = o->model ? model_group_ref(o->model) : NULL;
    c->endpoint = mem_xstrdup(o->endpoint);
    c->token_env = mem_xstrdup(o->token_env);
    c->secret_id = mem_xstrdup(o->secret_id);
    c->user = mem_xstrdup(o->user);
    c->iam = o->iam;
    c->no_auth = o->no_auth;
    c->prompt = o->prompt;
    c->prompt_ctx = o->prompt_ctx;
    c->tls_mode = o->tls;
    c->mode = o->mode;
    c->cafile = mem_xstrdup(o->cafile);
    c->insecure = o->insecure;
    if (o->n_connect_to) {
        c->connect_to = mem_xcalloc(o->n_connect_to, sizeof(char *));
        for (size_t i = 0; i < o->n_connect_to; i++)
            c->connect_to[i] = mem_xstrdup(o->connect_to[i]);
        c->n_connect_to = o->n_connect_to;
    }
    c->read_only = o->read_only;
    c->lazy_map = o->lazy_map;
    c->connect_timeout_ms = o->connect_timeout_ms;
    c->command_timeout_ms = o->command_timeout_ms;
    c->client_name = mem_xstrdup(o->client_name ? o->client_name : "elcui");
    c->max_reply_bytes = o->max_reply_bytes;
    c->protocol = o->protocol;
    c->on_event = o->on_event;
    c->event_arg = o->event_arg;
    c->state = CONSOLE_S_DISCOVERING;
    struct discover_options d = {
        .loop = c->l,
        .aws = c->aws,
        .rg_id = c->rg_id,
        .model = c->given,
        .endpoint = c->endpoint,
        .token_env = c->token_env,
        .secret_id = c->secret_id,
        .user = c->user,
        .iam = c->iam,
        .no_auth = c->no_auth,
        .prompt = c->prompt,
        .prompt_ctx = c->prompt_ctx,
    };
    c->disc = discover_start(&d, console_on_discovered, c);
    if (!c->disc) {
        console_close(c);
        return NULL;
    }
    return c;
}

enum console_state console_state(const struct console *c)
{
    return c ? c->state : CONSOLE_S_FAILED;
}

const char *console_error(const struct console *c)
{
    return c && c->state == CONSOLE_S_FAILED ? c->error : "";
}

const struct discover_result *console_discovery(const struct console *c)
{
    return c ? c->dres : NULL;
}

struct model_group *console_model(const struct console *c)
{
    return c ? c->model : NULL;
}

struct rcluster *console_cluster(const struct console *c)
{
    return c ? c->cl : NULL;
}

bool console_tls(const struct console *c)
{
    return c && c->use_tls;
}

bool console_insecure(const struct console *c)
{
    return c && c->use_tls && c->insecure;
}

struct loop *console_loop(const struct console *c)
{
    return c ? c->l : NULL;
}

const char *console_seed(const struct console *c)
{
    return c ? c->seed_name : "";
}

/* ---- requests ---- */

static void console_run_unlink(struct console_run *r)
{
    struct console *c = r->c;
    if (r->prev)
        r->prev->next = r->next;
    else if (c->runs == r)
        c->runs = r->next;
    if (r->next)
        r->next->prev = r->prev;
    r->prev = r->next = NULL;
}

static void console_run_free(struct console_run *r)
{
    if (r->c)
        console_run_unlink(r);
    for (int i = 0; i < r->req.argc; i++) {
        mem_wipe(r->argv[i], r->argvlen[i]);
        free(r->argv[i]);
    }
    free(r->argv);
    free(r->argvlen);
    if (r->wire) {
        mem_wipe(r->wire, r->wirelen);
        redisFreeCommand(r->wire);
    }
    free(r->node);
    free(r);
}

/* Deliver on_done once; free when no rcluster request is outstanding. */
static void console_run_finish(struct console_run *r)
{
    if (r->user_done)
        return;
    r->user_done = true;
    if (r->timer) {
        loop_untimer(r->c->l, r->timer);
        r->timer = NULL;
    }
    r->done.refused = r->has_refused ? &r->refused : NULL;
    r->done.err = r->has_err ? &r->err : NULL;
    r->done.cancelled = r->cancelled;
    if (r->req.on_done)
        r->req.on_done(r->c, &r->done, r->req.arg);
    if (!r->in_flight)
        console_run_free(r);
}

static void console_run_on_reply(struct rcluster *cl, struct rcluster_reply *rr, void *arg)
{
    struct console_run *r = arg;
    (void)cl;
    if (r->user_done)
        return;
    struct console *c = r->c;
    if (!c->any_answer && c->lazy_map && rr->err && console_seed_unreachable(rr->err->code) &&
        c->seed_i + 1 < c->nseeds && strcmp(rr->node, c->seed_name) == 0 && c->runs == r &&
        !r->next) {
        /* the command was never sent: try it through the next seed */
        r->seed_retry = true;
        return;
    }
    if (rr->reply && !c->any_answer) {
        c->any_answer = true;
        if (c->token) {
            mem_free_secret(c->token);
            c->token = NULL;
        }
    }
    /* pipelined, the reply is the oldest run's in flight (one node answers
     * in order) */
    unsigned long it = r->req.pipeline > 1 ? r->done.iterations + 1 : r->iteration;
    struct console_reply cr = {.r = rr, .iteration = it, .wall_ms = loop_wall_ms(c->l)};
    cr.label.role = rr->role;
    /* a node that took a keyed command without redirecting owns the slot */
    if (cr.label.role == RCLUSTER_ROLE_UNKNOWN && r->req.target == RCLUSTER_T_SLOT && rr->reply &&
        !(rr->reply->type == REDIS_REPLY_ERROR &&
          (strncmp(rr->reply->str, "MOVED", 5) == 0 || strncmp(rr->reply->str, "ASK", 3) == 0)))
        cr.label.role = RCLUSTER_ROLE_PRIMARY;
    console_fill_label(c, console_reply_node(c, rr), &cr.label);
    r->done.replies++;
    if (rr->err)
        r->done.failures++;
    else if (rr->reply && rr->reply->type == REDIS_REPLY_ERROR)
        r->done.error_replies++;
    if (r->req.on_reply)
        r->req.on_reply(c, &cr, r->req.arg);
}

static void console_run_next(void *arg)
{
    struct console_run *r = arg;
    r->timer = NULL;
    console_run_start(r);
}

static void console_run_on_done(struct rcluster *cl, const struct rcluster_done *d, void *arg)
{
    struct console_run *r = arg;
    (void)cl;
    r->in_flight--;
    if (r->user_done) {
        if (r->in_flight == 0)
            console_run_free(r);
        return;
    }
    struct console *c = r->c;
    if (r->seed_retry && r->done.replies == 0 && !c->closing) {
        if (r->in_flight > 0)
            return; /* the others in flight went to the same seed */
        r->seed_retry = false;
        r->iteration = r->done.iterations;
        console_notice(c, "%s unreachable; trying %s:%d", c->seed_name,
                       c->seeds[c->seed_i + 1].host, c->seeds[c->seed_i + 1].port);
        c->seed_i++;
        rcluster_free(c->cl);
        c->cl = NULL;
        c->label_gen++;
        c->state = CONSOLE_S_CONNECTING;
        if (!c->kick)
            c->kick = loop_timer(c->l, 0, console_kick_fire, c);
        return; /* started again when the new client is ready */
    }
    r->done.iterations++;
    if (d->refused && !r->halted) {
        r->refused = *d->refused;
        r->has_refused = true;
        r->halted = true;
    }
    if (d->err && d->replies == 0 && !r->halted) {
        r->err = *d->err;
        r->has_err = true;
        r->halted = true;
    }
    unsigned long want = r->req.repeat == 0 ? 1 : r->req.repeat;
    if (r->halted || r->cancelled || r->c->closing ||
        (want != CONSOLE_FOREVER && r->iteration >= want)) {
        /* pipelined: the replies of the runs still in flight come first */
        if (r->in_flight == 0)
            console_run_finish(r);
        return;
    }
    if (r->req.interval_ms == 0) {
        /* from the reply's own callback: the next run goes out in this
         * wake-up (with the others queued in it), not after a timer's */
        console_run_start(r);
        return;
    }
    if (r->in_flight == 0)
        r->timer = loop_timer(r->c->l, r->req.interval_ms, console_run_next, r);
}

/* "0003:primary", "3:replica" -> shard and role; false for other names. */
static bool console_parse_shard_role(const char *spec, char shard[8], enum model_role *role)
{
    const char *colon = spec ? strchr(spec, ':') : NULL;
    if (!colon || colon == spec || colon - spec > 4)
        return false;
    for (const char *p = spec; p < colon; p++)
        if (*p < '0' || *p > '9')
            return false;
    if (strcasecmp(colon + 1, "primary") == 0)
        *role = MODEL_ROLE_PRIMARY;
    else if (strcasecmp(colon + 1, "replica") == 0)
        *role = MODEL_ROLE_REPLICA;
    else
        return false;
    snprintf(shard, 8, "%04d", (int)strtol(spec, NULL, 10));
    return true;
}

bool console_resolve_node(const struct console *c, const char *spec, char *out, size_t outlen,
                          char *err, size_t errlen)
{
    char shard[8];
    enum model_role role;
    if (!console_parse_shard_role(spec, shard, &role)) {
        snprintf(out, outlen, "%s", spec ? spec : "");
        return true;
    }
    const struct model_group *g = c ? c->model : NULL;
    if (!g) {
        snprintf(err, errlen, "%s: the group's nodes are not known (no model of the group)", spec);
        return false;
    }
    for (size_t s = 0; s < g->n_shards; s++) {
        const struct model_shard *sh = &g->shards[s];
        if (!sh->in_api || strcmp(sh->id, shard) != 0)
            continue;
        for (size_t k = 0; k < sh->n_nodes; k++) {
            const struct model_node *n = &g->nodes[sh->nodes[k]];
            if (n->role != role || n->role_source < MODEL_ROLE_SRC_METRIC)
                continue;
            if (n->cache_cluster_id)
                snprintf(out, outlen, "%s", n->cache_cluster_id);
            else if (n->redis_host)
                snprintf(out, outlen, "%s:%d", n->redis_host, n->redis_port);
            else
                continue;
            return true;
        }
        snprintf(err, errlen, "shard %s has no %s known%s", shard, model_role_name(role),
                 g->redis_fetched_ms ? "" : " (no role from Redis yet)");
        return false;
    }
    struct buf b;
    buf_init(&b, 0);
    for (size_t s = 0; s < g->n_api_shards; s++)
        buf_printf(&b, "%s%s", s ? " " : "", g->shards[s].id);
    snprintf(err, errlen, "%s has no shard %s (shards: %s)", g->id, shard, buf_str(&b));
    buf_free(&b);
    return false;
}

static bool console_run_send(struct console_run *r);

static void console_run_start(struct console_run *r)
{
    struct console *c = r->c;
    if (r->user_done || r->cancelled)
        return;
    if (c->state == CONSOLE_S_READY && r->req.target == RCLUSTER_T_NODE && r->node &&
        !r->node_resolved) {
        /* a node by shard and role: the role the group's model has now
         * (Redis's, as every command and screen shows it) */
        char node[RCLUSTER_NAME_MAX], why[400];
        r->node_resolved = true;
        if (!console_resolve_node(c, r->node, node, sizeof(node), why, sizeof(why))) {
            rconn_error_set(&r->err, RCONN_ERR_USAGE, "%s", why);
            r->has_err = true;
            console_run_finish(r);
            return;
        }
        free(r->node);
        r->node = mem_xstrdup(node);
    }
    if (c->state == CONSOLE_S_FAILED) {
        rconn_error_set(&r->err, RCONN_ERR_CLOSED, "%s", c->error);
        r->has_err = true;
        console_run_finish(r);
        return;
    }
    if (c->state != CONSOLE_S_READY || !c->cl)
        return; /* started when the session is ready */
    unsigned long want = r->req.repeat == 0 ? 1 : r->req.repeat;
    unsigned depth = r->req.pipeline > 1 && r->req.interval_ms == 0 ? r->req.pipeline : 1;
    while (!r->user_done && !r->halted && r->in_flight < depth &&
           (want == CONSOLE_FOREVER || r->iteration < want)) {
        if (!console_run_send(r))
            return;
    }
}

/* One run of the request to the cluster client; false when the run ended. */
static bool console_run_send(struct console_run *r)
{
    struct console *c = r->c;
    r->iteration++;
    struct rcluster_request q = {
        .target = r->req.target,
        .node = r->node,
        .argc = r->req.argc,
        .argv = (const char *const *)r->argv,
        .argvlen = r->argvlen,
        .confirmed = r->req.confirmed,
        .timeout_ms = r->req.timeout_ms,
        .on_reply = console_run_on_reply,
        .on_done = console_run_on_done,
        .arg = r,
        /* the run outlives its requests in flight (freed when none is) */
        .borrowed = true,
        .wire = r->wire,
        .wirelen = r->wirelen,
    };
    r->in_flight++;
    if (rcluster_exec(c->cl, &q) != 0) {
        r->in_flight--;
        rconn_error_set(&r->err, RCONN_ERR_CLOSED, "the session is closing");
        r->has_err = true;
        console_run_finish(r);
        return false;
    }
    return true;
}

static void console_run_deferred(void *arg)
{
    struct console_run *r = arg;
    r->timer = NULL;
    console_run_start(r);
}

struct console_run *console_exec(struct console *c, const struct console_request *req)
{
    if (!c || !req || req->argc <= 0 || !req->argv || !req->on_done || c->closing)
        return NULL;
    struct console_run *r = mem_xcalloc(1, sizeof(*r));
    r->c = c;
    r->req = *req;
    r->argv = mem_xcalloc((size_t)req->argc, sizeof(char *));
    r->argvlen = mem_xcalloc((size_t)req->argc, sizeof(size_t));
    for (int i = 0; i < req->argc; i++) {
        size_t n = req->argvlen ? req->argvlen[i] : strlen(req->argv[i]);
        r->argv[i] = mem_xmalloc(n + 1);
        memcpy(r->argv[i], req->argv[i], n);
        r->argv[i][n] = '\0';
        r->argvlen[i] = n;
    }
    if (r->req.repeat > 1) {
        /* formatted once, not once per run */
        int len = redisFormatCommandArgv(&r->wire, req->argc, (const char **)r->argv, r->argvlen);
        if (len < 0) {
            r->wire = NULL;
            len = 0;
        }
        r->wirelen = (size_t)len;
    }
    r->node = mem_xstrdup(req->node);
    r->req.argv = NULL;
    r->req.argvlen = NULL;
    r->req.node = NULL;
    r->next = c->runs;
    if (c->runs)
        c->runs->prev = r;
    c->runs = r;
    /* never from inside this call */
    r->timer = loop_timer(c->l, 0, console_run_deferred, r);
    return r;
}

static void console_run_cancel_fire(void *arg)
{
    struct console_run *r = arg;
    r->timer = NULL;
    console_run_finish(r);
}

void console_run_cancel(struct console_run *r)
{
    if (!r || r->user_done || r->cancelled)
        return;
    r->cancelled = true;
    if (r->timer)
        loop_untimer(r->c->l, r->timer);
    r->timer = loop_timer(r->c->l, 0, console_run_cancel_fire, r);
}

void console_close(struct console *c)
{
    if (!c || c->closing)
        return;
    c->closing = true;
    /* every run ends now, cancelled; one still inside the cluster client
     * is detached and freed when the client completes it */
    struct console_run *r = c->runs;
    while (r) {
        struct console_run *next = r->next;
        r->cancelled = true;
        console_run_finish(r);
        r = next;
    }
    for (r = c->runs; r; r = r->next)
        r->c = NULL;
    c->runs = NULL;
    if (c->disc)
        discover_cancel(c->disc);
    if (c->kick)
        loop_untimer(c->l, c->kick);
    if (c->resolve_timer)
        loop_untimer(c->l, c->resolve_timer);
    for (size_t i = 0; i < c->nresolves; i++) {
        if (c->resolves[i].req)
            rdns_cancel(c->resolves[i].req);
        free(c->resolves[i].host);
    }
    /* completes what the cluster client still had (runs free themselves) */
    rcluster_free(c->cl);
    iamauth_free(c->iamauth);
    rconn_tls_unref(c->tls);
    rconn_routes_free(c->routes);
    mem_free_secret(c->token);
    discover_result_free(c->dres);
    model_group_unref(c->model);
    for (size_t i = 0; i < c->nseeds; i++)
        free(c->seeds[i].host);
    free(c->names);
    for (size_t i = 0; i < c->nname_strs; i++)
        free(c->name_strs[i]);
    free(c->name_strs);
    for (size_t i = 0; i < c->n_connect_to; i++)
        free(c->connect_to[i]);
    free(c->connect_to);
    free(c->region);
    free(c->rg_id);
    model_group_unref(c->given);
    free(c->endpoint);
    free(c->token_env);
    free(c->secret_id);
    free(c->user);
    free(c->cafile);
    free(c->client_name);
    free(c);
}

redisReply *console_reply_steal(const struct console_reply *r)
{
    /* the reply belongs to the cluster client's attempt until stolen */
    return r && r->r ? rcluster_reply_steal((struct rcluster_reply *)r->r) : NULL;
}

/* ---- message streams ---- */

struct console_stream {
    struct console *c;
    struct rcluster_stream *st;
    console_stream_msg_cb on_message;
    console_stream_end_cb on_end;
    void *arg;
};

static void console_stream_on_msg(struct rcluster_stream *rs, const struct rcluster_stream_msg *m,
                                  void *arg)
{
    struct console_stream *cs = arg;
    (void)rs;
    struct console_stream_msg cm = {.m = m, .wall_ms = loop_wall_ms(cs->c->l)};
    cm.label.role = m->role;
    const struct model_node *mn = console_model_node(cs->c, m->node, m->cache_cluster_id, NULL);
    /* through a name that is no one node (the configuration endpoint) the
     * node is the one at the address the connection reached */
    if (!mn && m->addr && *m->addr)
        mn = console_model_node(cs->c, m->addr, NULL, NULL);
    console_fill_label(cs->c, mn, &cm.label);
    if (cs->on_message)
        cs->on_message(cs->c, &cm, cs->arg);
}

static void console_stream_on_end(struct rcluster_stream *rs, const struct rconn_error *err,
                                  void *arg)
{
    struct console_stream *cs = arg;
    (void)rs;
    if (cs->on_end)
        cs->on_end(cs->c, err, cs->arg);
    free(cs);
}

struct console_stream *console_stream_start(struct console *c,
                                            const struct console_stream_request *q,
                                            struct rconn_error *err)
{
    if (!c || c->closing || c->state != CONSOLE_S_READY || !c->cl) {
        rconn_error_set(err, RCONN_ERR_USAGE, "the session is not ready yet");
        return NULL;
    }
    struct console_stream *cs = mem_xcalloc(1, sizeof(*cs));
    cs->c = c;
    cs->on_message = q->on_message;
    cs->on_end = q->on_end;
    cs->arg = q->arg;
    struct rcluster_stream_request r = {
        .target = q->target,
        .node = q->node,
        .argc = q->argc,
        .argv = q->argv,
        .argvlen = q->argvlen,
        .on_message = console_stream_on_msg,
        .on_end = console_stream_on_end,
        .arg = cs,
    };
    cs->st = rcluster_stream_start(c->cl, &r, err);
    if (!cs->st) {
        free(cs);
        return NULL;
    }
    return cs;
}

void console_stream_stop(struct console_stream *st)
{
    if (st)
        rcluster_stream_stop(st->st);
}

size_t console_stream_nodes(const struct console_stream *st)
{
    return st ? rcluster_stream_legs(st->st) : 0;
}

const char *console_stream_node(const struct console_stream *st, size_t i)
{
    return st ? rcluster_stream_leg_node(st->st, i) : NULL;
}

/* ---- history ---- */

static bool console_eq(const struct rrender_args *a, int i, const char *word)
{
    return i < a->argc && strlen(word) == a->argvlen[i] && strcasecmp(a->argv[i], word) == 0;
}

char *console_history_entry(const char *line)
{
    struct rrender_args a;
    if (!line || rrender_split(line, &a) != 0)
        return NULL;
    if (a.argc == 0) {
        rrender_args_free(&a);
        return NULL;
    }
    /* index of the first argument that may carry a secret (a.argc: none) */
    int cut = a.argc;
    if (console_eq(&a, 0, "AUTH") || console_eq(&a, 0, "AUTH2")) {
        cut = 1;
    } else if (console_eq(&a, 0, "HELLO")) {
        for (int i = 1; i < a.argc; i++)
            if (console_eq(&a, i, "AUTH")) {
                cut = i + 1;
                break;
            }
    } else if (console_eq(&a, 0, "ACL") && console_eq(&a, 1, "SETUSER")) {
        cut = 2;
    } else if (console_eq(&a, 0, "CONFIG") && console_eq(&a, 1, "SET")) {
        for (int i = 2; i < a.argc; i++)
            if (console_eq(&a, i, "requirepass") || console_eq(&a, i, "masterauth") ||
                console_eq(&a, i, "masteruser")) {
                cut = i + 1;
                break;
            }
    } else if (console_eq(&a, 0, "MIGRATE")) {
        for (int i = 1; i < a.argc; i++)
            if (console_eq(&a, i, "AUTH") || console_eq(&a, i, "AUTH2")) {
                cut = i + 1;
                break;
            }
    }
    size_t end = cut < a.argc ? a.offset[cut] : strlen(line);
    rrender_args_free(&a);
    while (end > 0 && isspace((unsigned char)line[end - 1]))
        end--;
    size_t start = 0;
    while (start < end && isspace((unsigned char)line[start]))
        start++;
    if (start >= end)
        return NULL;
    return mem_xstrndup(line + start, end - start);
}
