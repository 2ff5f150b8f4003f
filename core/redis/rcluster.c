/* rcluster.c - cluster topology, slot routing, redirects, fan-out. */
#include "core/redis/rcluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/mem.h"
#include "core/redis/crc16.h"
#include "core/redis/rcluster_node.h"
#include "core/redis/rcluster_stream.h"
#include "core/redis/rcmd.h"

static void rcluster_free_mem(struct rcluster *cl);
static void rop_start(struct rop *op);
static void rop_dispatch(struct rop *op);
static void rop_fail(struct rop *op, const struct rconn_error *e,
                     const struct rsafety_verdict *refused);
static void rsub_send(struct rsub *s);
static void rcluster_boot(struct rcluster *cl);

const char *rcluster_role_name(enum rcluster_role r)
{
    switch (r) {
    case RCLUSTER_ROLE_PRIMARY:
        return "primary";
    case RCLUSTER_ROLE_REPLICA:
        return "replica";
    case RCLUSTER_ROLE_UNKNOWN:
        break;
    }
    return "unknown";
}

const char *rcluster_mode_name(enum rcluster_mode m)
{
    switch (m) {
    case RCLUSTER_CLUSTER:
        return "cluster";
    case RCLUSTER_STANDALONE:
        return "standalone";
    case RCLUSTER_AUTO:
        break;
    }
    return "auto";
}

const char *rcluster_hop_name(enum rcluster_hop_kind k)
{
    switch (k) {
    case RCLUSTER_HOP_MOVED:
        return "moved";
    case RCLUSTER_HOP_ASK:
        return "ask";
    case RCLUSTER_HOP_TRYAGAIN:
        return "tryagain";
    case RCLUSTER_HOP_RETRY:
        return "retry";
    }
    return "?";
}

void rcluster_enter(struct rcluster *cl)
{
    cl->depth++;
}

void rcluster_leave(struct rcluster *cl)
{
    if (--cl->depth == 0 && cl->freed)
        rcluster_free_mem(cl);
}

static void rcluster_emit(struct rcluster *cl, enum rcluster_event ev, const char *node,
                          const struct rconn_error *e)
{
    if (cl->on_event && !cl->closing)
        cl->on_event(cl, ev, node, e, cl->event_arg);
}

/* ---- nodes ---- */

static char *rcluster_node_name(const char *host, int port)
{
    if (strchr(host, ':'))
        return mem_xasprintf("[%s]:%d", host, port);
    return mem_xasprintf("%s:%d", host, port);
}

static void rnode_apply_names(struct rcluster *cl, struct rnode *n)
{
    for (size_t i = 0; i < cl->nnames; i++) {
        if (cl->names[i].port == n->port && cl->names[i].host &&
            strcasecmp(cl->names[i].host, n->host) == 0) {
            free(n->cc_id);
            free(n->cn_id);
            n->cc_id = mem_xstrdup(cl->names[i].cache_cluster_id);
            n->cn_id = mem_xstrdup(cl->names[i].cache_node_id);
            n->named = true;
            cl->names_gen++;
            return;
        }
    }
}

static struct rnode *rnode_find(struct rcluster *cl, const char *host, int port)
{
    for (size_t i = 0; i < cl->nnodes; i++)
        if (cl->nodes[i]->port == port && strcasecmp(cl->nodes[i]->host, host) == 0)
            return cl->nodes[i];
    return NULL;
}

static struct rnode *rnode_get(struct rcluster *cl, const char *host, int port)
{
    struct rnode *n = rnode_find(cl, host, port);
    if (n)
        return n;
    n = mem_xcalloc(1, sizeof(*n));
    n->cl = cl;
    n->host = mem_xstrdup(host);
    n->port = port;
    n->name = rcluster_node_name(host, port);
    n->shard = -1;
    rnode_apply_names(cl, n);
    cl->nodes = mem_xgrow(cl->nodes, &cl->capnodes, cl->nnodes + 1, sizeof(*cl->nodes));
    cl->nodes[cl->nnodes++] = n;
    cl->names_gen++;
    return n;
}

static void rnode_set_str(char **dst, const char *s, size_t len)
{
    free(*dst);
    *dst = mem_xstrndup(s, len);
}

/* A node's Redis id: what rcluster_find_target() matched may change. */
static void rnode_set_id(struct rcluster *cl, struct rnode *n, const char *s, size_t len)
{
    if (n->id && strlen(n->id) == len && memcmp(n->id, s, len) == 0)
        return;
    rnode_set_str(&n->id, s, len);
    cl->names_gen++;
}

/* A node elcui may connect to (and so send the credentials to): the seed
 * or reader endpoint it was given, a node the group's own topology names
 * (CLUSTER SHARDS/SLOTS, or ROLE without cluster mode), a node of the
 * caller's name map (the AWS API), or one the person chose with --node. */
static bool rnode_trusted(const struct rcluster *cl, const struct rnode *n)
{
    return n == cl->seed || n == cl->reader || n->in_map || n->named || n->chosen;
}

/* The node a redirect to host:port means: a trusted node at that address,
 * or the topology node a --connect-to rule sends to that address. NULL
 * when it is neither. */
struct rnode *rcluster_redirect_node(struct rcluster *cl, const char *host, int port)
{
    struct rnode *n = rnode_find(cl, host, port);
    if (n && rnode_trusted(cl, n))
        return n;
    if (!cl->routes)
        return NULL;
    for (size_t i = 0; i < cl->norder; i++) {
        struct rnode *m = cl->order[i];
        const char *addr;
        int aport;
        if (rconn_routes_lookup(cl->routes, m->host, m->port, &addr, &aport) && aport == port &&
            strcasecmp(addr, host) == 0)
            return m;
    }
    return NULL;
}

static void rnode_conn_event(struct rconn *c, enum rconn_event ev, const struct rconn_error *e,
                             void *arg)
{
    struct rnode *n = arg;
    struct rcluster *cl = n->cl;
    (void)c;
    if (cl->closing)
        return;
    rcluster_enter(cl);
    if (ev == RCONN_EV_CLOSED && e) {
        n->last_err = *e;
        n->has_err = true;
        rcluster_emit(cl, RCLUSTER_EV_NODE_ERROR, n->name, e);
        bool netfail = e->code == RCONN_ERR_CONNECT_REFUSED ||
                       e->code == RCONN_ERR_CONNECT_TIMEOUT || e->code == RCONN_ERR_CONNECT ||
                       e->code == RCONN_ERR_IO_RESET || e->code == RCONN_ERR_CLOSED ||
                       e->code == RCONN_ERR_DNS;
        if (netfail && cl->mode == RCLUSTER_CLUSTER && n->in_map &&
            n->role == RCLUSTER_ROLE_PRIMARY && cl->boot == RBOOT_DONE)
            rcluster_refresh_start(cl);
    } else if (ev == RCONN_EV_READY) {
        n->has_err = false;
    } else if (ev == RCONN_EV_REAUTH_FAILED) {
        rcluster_emit(cl, RCLUSTER_EV_REAUTH_FAILED, n->name, e);
    }
    rcluster_leave(cl);
}

/* A connection to node n as the cluster makes them: its TLS, rules,
 * timeouts, credentials, client name and protocol (no reply cap). */
void rcluster_conn_options(const struct rcluster *cl, const struct rnode *n,
                           rconn_event_cb on_event, void *arg, struct rconn_options *o)
{
    memset(o, 0, sizeof(*o));
    o->host = n->host;
    o->port = n->port;
    o->tls = cl->tls;
    o->routes = cl->routes;
    o->connect_timeout_ms = cl->connect_timeout_ms;
    o->command_timeout_ms = cl->command_timeout_ms;
    o->user = cl->user;
    o->password = cl->password;
    o->cred = cl->cred;
    o->cred_arg = cl->cred_arg;
    o->client_name = cl->client_name;
    o->protocol = cl->proto;
    o->on_event = on_event;
    o->event_arg = arg;
}

/* The node's connection, opened (again) when needed. */
static struct rconn *rnode_conn(struct rnode *n)
{
    struct rcluster *cl = n->cl;
    if (n->conn && rconn_state(n->conn) != RCONN_S_CLOSED)
        return n->conn;
    if (n->conn) {
        /* detach first: closing runs callbacks that may come back here
         * and open the node's next connection */
        struct rconn *old = n->conn;
        n->conn = NULL;
        rconn_close(old);
        if (n->conn && rconn_state(n->conn) != RCONN_S_CLOSED)
            return n->conn;
        if (n->conn) {
            old = n->conn;
            n->conn = NULL;
            rconn_close(old);
        }
    }
    if (!rnode_trusted(cl, n))
        return NULL; /* never: redirects are checked first; a guard for the credentials */
    n->readonly_on = false;
    struct rconn_options o;
    rcluster_conn_options(cl, n, rnode_conn_event, n, &o);
    o.max_reply_bytes = cl->max_reply;
    n->conn = rconn_open(cl->l, &o);
    cl->names_gen++; /* its address may differ */
    return n->conn;
}

/* ---- command metadata cache ---- */

static unsigned rcache_hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % RCLUSTER_CACHE_BUCKETS;
}

static struct rcache_entry *rcache_get(struct rcluster *cl, const char *name)
{
    for (struct rcache_entry *e = cl->cache[rcache_hash(name)]; e; e = e->next)
        if (strcmp(e->info.name, name) == 0)
            return e;
    return NULL;
}

static struct rcache_entry *rcache_put(struct rcluster *cl, const struct rcmd_info *info,
                                       bool unknown)
{
    struct rcache_entry *e = rcache_get(cl, info->name);
    if (!e) {
        unsigned h = rcache_hash(info->name);
        e = mem_xcalloc(1, sizeof(*e));
        e->next = cl->cache[h];
        cl->cache[h] = e;
    }
    e->info = *info;
    e->unknown = unknown;
    cl->cache_gen++;
    return e;
}

/* ---- requests: completion ---- */

static void rop_free(struct rop *op)
{
    if (op->vet_held && --op->cl->vet_live == 0)
        op->cl->vet_argv = NULL;
    for (int i = 0; i < op->argc && !op->borrowed; i++) {
        mem_wipe(op->argv[i], op->argvlen[i]);
        free(op->argv[i]);
    }
    if (!op->borrowed) {
        free(op->argv);
        free(op->argvlen);
    }
    if (op->target_node != op->target_buf)
        free(op->target_node);
    struct rcluster *cl = op->cl;
    if (!cl->freed && cl->nfree_ops < RCLUSTER_FREE_KEEP) {
        op->next = cl->free_ops;
        cl->free_ops = op;
        cl->nfree_ops++;
        return;
    }
    free(op);
}

static void rop_finish(struct rop *op, const struct rconn_error *e,
                       const struct rsafety_verdict *refused)
{
    struct rcluster *cl = op->cl;
    if (op->on_done) {
        struct rcluster_done d = {
            .replies = op->replies,
            .errors = op->errors,
            .refused = refused,
            .err = e,
        };
        op->on_done(cl, &d, op->arg);
    }
    rop_free(op);
}

static void rop_fail(struct rop *op, const struct rconn_error *e,
                     const struct rsafety_verdict *refused)
{
    rop_finish(op, e, refused);
}

static void rsub_free(struct rsub *s)
{
    for (size_t i = 0; i < s->npushes; i++)
        freeReplyObject(s->pushes[i]);
    free(s->pushes);
    free(s->hops);
    free(s->redirect_host);
    struct rcluster *cl = s->op->cl;
    if (!cl->freed && cl->nfree_subs < RCLUSTER_FREE_KEEP) {
        s->next = cl->free_subs;
        cl->free_subs = s;
        cl->nfree_subs++;
        return;
    }
    free(s);
}

/* Replies without hops still point at an array (never NULL). */
static const struct rcluster_hop rcluster_nohops[1];

static void rsub_deliver(struct rsub *s, struct rconn_result *res, const struct rconn_error *e)
{
    struct rop *op = s->op;
    struct rcluster *cl = op->cl;
    struct rnode *n = s->node;
    struct rcluster_reply r = {
        .node = n->name,
        .addr = n->conn ? rconn_addr(n->conn) : "",
        .node_key = n,
        .node_gen = cl->names_gen,
        .node_id = n->id ? n->id : "",
        .role = n->role,
        .cache_cluster_id = n->cc_id,
        .cache_node_id = n->cn_id,
        .reply = res ? res->reply : NULL,
        .trunc = res && !e ? res->trunc : NULL,
        .pushes = s->pushes,
        .npushes = s->npushes,
        .pushes_dropped = s->pushes_dropped,
        .err = e,
        .slot = s->slot,
        .hops = s->hops ? s->hops : rcluster_nohops,
        .nhops = s->nhops,
        .latency_us = res && !e ? res->latency_us : 0,
        .total_us = rconn_now_us() - op->started_us,
    };
    op->replies++;
    if (e)
        op->errors++;
    if (op->on_reply)
        op->on_reply(cl, &r, op->arg);
    if (res)
        res->reply = r.reply; /* NULL when stolen */
    rsub_free(s);
    if (--op->pending == 0)
        rop_finish(op, NULL, NULL);
}

redisReply *rcluster_reply_steal(struct rcluster_reply *r)
{
    redisReply *x = r->reply;
    r->reply = NULL;
    return x;
}

static void rsub_fail(struct rsub *s, const struct rconn_error *e)
{
    rsub_deliver(s, NULL, e);
}

/* ---- parking (timers and refreshes) ---- */

static void rsub_park(struct rsub *s)
{
    struct rcluster *cl = s->op->cl;
    s->prev = NULL;
    s->next = cl->parked;
    if (cl->parked)
        cl->parked->prev = s;
    cl->parked = s;
}

static void rsub_unpark(struct rsub *s)
{
    struct rcluster *cl = s->op->cl;
    if (s->prev)
        s->prev->next = s->next;
    else if (cl->parked == s)
        cl->parked = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
}

static void rsub_timer_fire(void *arg)
{
    struct rsub *s = arg;
    struct rcluster *cl = s->op->cl;
    s->timer = NULL;
    rsub_unpark(s);
    rcluster_enter(cl);
    rsub_send(s);
    rcluster_leave(cl);
}

static void rsub_resend_later(struct rsub *s, uint64_t ms)
{
    struct rcluster *cl = s->op->cl;
    s->timer = loop_timer(cl->l, ms, rsub_timer_fire, s);
    if (!s->timer) {
        rsub_send(s);
        return;
    }
    rsub_park(s);
}

/* Wait for the refresh in progress, then route again. */
static void rsub_after_refresh(struct rsub *s)
{
    struct rcluster *cl = s->op->cl;
    s->parked_refresh = true;
    rsub_park(s);
    rcluster_refresh_start(cl);
}

static void rsub_redirect_checked(struct rsub *s);

static void rcluster_release_parked(struct rcluster *cl)
{
    /* detach the list first: re-sending may park again */
    struct rsub *list = NULL;
    for (struct rsub *s = cl->parked, *next; s; s = next) {
        next = s->next;
        if (!s->parked_refresh)
            continue;
        rsub_unpark(s);
        s->next = list;
        list = s;
    }
    while (list) {
        struct rsub *s = list;
        list = s->next;
        s->next = NULL;
        s->parked_refresh = false;
        if (s->redirect_host) {
            rsub_redirect_checked(s);
            continue;
        }
        if (s->op->target == RCLUSTER_T_SLOT) {
            struct rnode *owner = NULL;
            if (cl->mode == RCLUSTER_CLUSTER && s->slot >= 0)
                owner = cl->slots[s->slot];
            if (!owner)
                owner = rcluster_home(cl);
            if (owner)
                s->node = owner;
        }
        rsub_send(s);
    }
}

/* ---- replies of user commands ---- */

bool rcluster_parse_redirect(const char *msg, int *slot, char *host, size_t hostsz, int *port)
{
    /* "MOVED 3999 127.0.0.1:6381" / "ASK 3999 host:6381" (IPv6 unbracketed) */
    const char *sp = strchr(msg, ' ');
    if (!sp)
        return false;
    char *end;
    long s = strtol(sp + 1, &end, 10);
    if (end == sp + 1 || *end != ' ' || s < 0 || s >= CRC16_SLOTS)
        return false;
    const char *ep = end + 1;
    const char *colon = strrchr(ep, ':');
    if (!colon)
        return false;
    long p = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || (*end && *end != ' ') || p <= 0 || p > 65535)
        return false;
    size_t hl = (size_t)(colon - ep);
    if (hl >= hostsz)
        return false;
    memcpy(host, ep, hl);
    host[hl] = '\0';
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = '\0';
    }
    *slot = (int)s;
    *port = (int)p;
    return true;
}

static void rsub_add_hop(struct rsub *s, enum rcluster_hop_kind kind, const char *to,
                         enum rconn_err err)
{
    if (s->nhops >= RCLUSTER_MAX_HOPS)
        return;
    if (!s->hops)
        s->hops = mem_xcalloc(RCLUSTER_MAX_HOPS, sizeof(*s->hops));
    struct rcluster_hop *h = &s->hops[s->nhops++];
    h->kind = kind;
    snprintf(h->node, sizeof(h->node), "%s", s->node->name);
    snprintf(h->to, sizeof(h->to), "%s", to ? to : s->node->name);
    h->slot = s->slot;
    h->latency_us = s->last_latency;
    h->err = err;
}

static bool rop_may_resend(const struct rop *op, enum rconn_err code)
{
    switch (code) {
    case RCONN_ERR_DNS:
    case RCONN_ERR_CONNECT_REFUSED:
    case RCONN_ERR_CONNECT_TIMEOUT:
    case RCONN_ERR_CONNECT:
        return true; /* never sent */
    case RCONN_ERR_IO_RESET:
    case RCONN_ERR_CLOSED: {
        /* maybe executed: only commands that do not write */
        const char *const *argv = (const char *const *)op->argv;
        return !rsafety_is_write(op->argc, argv, op->argvlen, op->has_info ? &op->info : NULL);
    }
    default:
        return false;
    }
}

/* Go where a MOVED or ASK pointed (a trusted node). */
static void rsub_follow(struct rsub *s, struct rnode *to, bool moved, bool refresh)
{
    struct rcluster *cl = s->op->cl;
    rsub_add_hop(s, moved ? RCLUSTER_HOP_MOVED : RCLUSTER_HOP_ASK, to->name, RCONN_OK);
    if (moved) {
        if (cl->mode != RCLUSTER_STANDALONE && s->slot >= 0) {
            cl->slots[s->slot] = to;
            if (!cl->map_loaded)
                cl->map_source = "MOVED";
            if (refresh)
                rcluster_refresh_start(cl);
        }
        s->asking = false;
    } else {
        s->asking = true;
    }
    s->node = to;
    rsub_send(s);
}

/* After the refresh a redirect waited for: follow it when the topology
 * now names its target, else refuse it (nothing is sent there). */
static void rsub_redirect_checked(struct rsub *s)
{
    struct rcluster *cl = s->op->cl;
    char *host = s->redirect_host;
    int port = s->redirect_port;
    bool ask = s->redirect_ask;
    s->redirect_host = NULL;
    struct rnode *to = cl->closing ? NULL : rcluster_redirect_node(cl, host, port);
    if (to) {
        rsub_follow(s, to, !ask, false);
    } else {
        char *target = rcluster_node_name(host, port);
        struct rconn_error e;
        rconn_error_set(&e, RCONN_ERR_REDIRECT,
                        "%s from %s to %s refused: %s is no node of the group's topology (%s, %zu "
                        "node%s) and no --connect-to mapping of one; nothing was sent to it",
                        ask ? "ASK" : "MOVED", s->node->name, target, target,
                        cl->map_source && *cl->map_source ? cl->map_source : "not loaded",
                        cl->norder, cl->norder == 1 ? "" : "s");
        free(target);
        rsub_fail(s, &e);
    }
    free(host);
}

/* Keep the pushes the node sent before a reply for the request's caller
 * (a redirected request keeps those of every hop; elcui's own commands on
 * the connection leave them for the next request). */
static void rsub_take_pushes(struct rsub *s, struct rconn *c)
{
    uint64_t dropped = 0;
    if (!s->pushes && rconn_pushes_waiting(c) == 0) {
        /* none (the usual case): no array for them, the drop count only */
        redisReply *none[1];
        rconn_take_pushes(c, none, 0, &dropped);
        s->pushes_dropped += dropped;
        return;
    }
    if (!s->pushes)
        s->pushes = mem_xcalloc(RCONN_MAX_PUSHES, sizeof(*s->pushes));
    s->npushes +=
        rconn_take_pushes(c, s->pushes + s->npushes, RCONN_MAX_PUSHES - s->npushes, &dropped);
    s->pushes_dropped += dropped;
}

/* A HELLO 2 or 3 a node accepted: the whole cluster speaks that protocol,
 * the connections open now and those opened later. */
static void rcluster_follow_hello(struct rcluster *cl, struct rconn *c, const struct rop *op,
                                  const redisReply *r)
{
    int v = rconn_hello_version(op->argc, (const char *const *)op->argv, op->argvlen);
    if (!v || !r || r->type == REDIS_REPLY_ERROR || rconn_protocol(c) != v || cl->proto == v)
        return;
    cl->proto = v;
    for (size_t i = 0; i < cl->nnodes; i++) {
        struct rnode *n = cl->nodes[i];
        if (n->conn && n->conn != c && rconn_state(n->conn) != RCONN_S_CLOSED)
            rconn_set_protocol(n->conn, v);
    }
}

int rcluster_protocol(const struct rcluster *cl)
{
    return cl ? cl->proto : 2;
}

static void rsub_on_reply(struct rconn *c, struct rconn_result *res, void *arg)
{
    struct rsub *s = arg;
    struct rop *op = s->op;
    struct rcluster *cl = op->cl;
    rcluster_enter(cl);
    if (!res->err) {
        rsub_take_pushes(s, c);
        rcluster_follow_hello(cl, c, op, res->reply);
    }
    if (res->err) {
        s->last_latency = 0;
        if (!cl->closing && !s->retried && op->target == RCLUSTER_T_SLOT &&
            rop_may_resend(op, res->err->code) && s->nhops < RCLUSTER_MAX_HOPS) {
            s->retried = true;
            cl->retries++;
            rsub_add_hop(s, RCLUSTER_HOP_RETRY, NULL, res->err->code);
            if (cl->mode == RCLUSTER_CLUSTER)
                rsub_after_refresh(s);
            else
                rsub_resend_later(s, 0);
        } else {
            struct rconn_error e = *res->err;
            if (res->err->code == RCONN_ERR_IO_RESET || res->err->code == RCONN_ERR_CLOSED) {
                size_t l = strlen(e.msg);
                if (rsafety_is_write(op->argc, (const char *const *)op->argv, op->argvlen,
                                     op->has_info ? &op->info : NULL))
                    snprintf(e.msg + l, sizeof(e.msg) - l,
                             " (the command may or may not have been applied)");
            }
            rsub_fail(s, &e);
        }
        rcluster_leave(cl);
        return;
    }
    s->last_latency = res->latency_us;
    redisReply *r = res->reply;
    if (r->type == REDIS_REPLY_ERROR && r->str && !cl->closing) {
        bool moved = strncmp(r->str, "MOVED ", 6) == 0;
        bool ask = strncmp(r->str, "ASK ", 4) == 0;
        if ((moved || ask) && (int)s->nhops < cl->max_redirects && s->nhops < RCLUSTER_MAX_HOPS) {
            int slot, port;
            char host[256];
            if (rcluster_parse_redirect(r->str, &slot, host, sizeof(host), &port)) {
                const char *th = host[0] ? host : s->node->host;
                struct rnode *to = rcluster_redirect_node(cl, th, port);
                s->slot = slot;
                if (moved)
                    cl->moved++;
                else
                    cl->asked++;
                if (to) {
                    rsub_follow(s, to, moved, true);
                } else {
                    /* not a node the topology names (yet): ask the topology
                     * again before anything is sent there */
                    free(s->redirect_host);
                    s->redirect_host = mem_xstrdup(th);
                    s->redirect_port = port;
                    s->redirect_ask = ask;
                    rsub_after_refresh(s);
                }
                rcluster_leave(cl);
                return;
            }
        }
        bool tryagain = strncmp(r->str, "TRYAGAIN", 8) == 0;
        bool down = strncmp(r->str, "CLUSTERDOWN", 11) == 0;
        if ((tryagain || down) && s->tryagain < RCLUSTER_MAX_TRYAGAIN &&
            s->nhops < RCLUSTER_MAX_HOPS) {
            s->tryagain++;
            rsub_add_hop(s, RCLUSTER_HOP_TRYAGAIN, NULL, RCONN_OK);
            if (down)
                rcluster_refresh_start(cl);
            rsub_resend_later(s, RCLUSTER_TRYAGAIN_MS * (uint64_t)s->tryagain);
            rcluster_leave(cl);
            return;
        }
        if (strncmp(r->str, "READONLY", 8) == 0 && cl->mode == RCLUSTER_STANDALONE &&
            op->target == RCLUSTER_T_SLOT && !s->retried) {
            /* the primary endpoint moved after a failover: reconnect (new
             * DNS answer) and retry once */
            s->retried = true;
            cl->retries++;
            rsub_add_hop(s, RCLUSTER_HOP_RETRY, NULL, RCONN_OK);
            if (s->node->conn) {
                struct rconn *old = s->node->conn;
                s->node->conn = NULL;
                rconn_close(old);
            }
            rcluster_refresh_start(cl);
            rsub_resend_later(s, RCLUSTER_TRYAGAIN_MS);
            rcluster_leave(cl);
            return;
        }
    }
    rsub_deliver(s, res, NULL);
    rcluster_leave(cl);
}

static void rcluster_asking_done(struct rconn *c, struct rconn_result *res, void *arg)
{
    /* the reply to ASKING / READONLY / READWRITE does not matter: the
     * command after it says it all */
    (void)c;
    (void)res;
    (void)arg;
}

static void rsub_send(struct rsub *s)
{
    struct rop *op = s->op;
    struct rcluster *cl = op->cl;
    if (cl->closing) {
        struct rconn_error e;
        rconn_error_set(&e, RCONN_ERR_CLOSED, "the cluster client was closed");
        rsub_fail(s, &e);
        return;
    }
    struct rconn *c = rnode_conn(s->node);
    if (!c) {
        struct rconn_error e;
        rconn_error_set(&e, RCONN_ERR_USAGE, "cannot connect to %s: bad address", s->node->name);
        rsub_fail(s, &e);
        return;
    }
    /* replica reads: a cluster replica answers for its slots only after
     * READONLY; slot-routed commands get READWRITE back, so a node demoted
     * by a failover redirects them instead of answering from a replica */
    bool want_ro = cl->mode == RCLUSTER_CLUSTER && op->target != RCLUSTER_T_SLOT &&
                   s->node->role == RCLUSTER_ROLE_REPLICA;
    if (want_ro != s->node->readonly_on) {
        static const char *const ro[] = {"READONLY"};
        static const char *const rw[] = {"READWRITE"};
        static const size_t ro_len[] = {8};
        static const size_t rw_len[] = {9};
        rconn_command_argv(c, 1, want_ro ? ro : rw, want_ro ? ro_len : rw_len, op->timeout_ms,
                           rcluster_asking_done, NULL);
        s->node->readonly_on = want_ro;
    }
    if (s->asking) {
        static const char *const asking[] = {"ASKING"};
        static const size_t asking_len[] = {6};
        rconn_command_argv(c, 1, asking, asking_len, op->timeout_ms, rcluster_asking_done, NULL);
    }
    int rc = op->wire ? rconn_command_wire(c, op->argc, (const char *const *)op->argv, op->argvlen,
                                           op->wire, op->wirelen, op->timeout_ms, rsub_on_reply, s)
                      : rconn_command_argv(c, op->argc, (const char *const *)op->argv, op->argvlen,
                                           op->timeout_ms, rsub_on_reply, s);
    if (rc != 0) {
        struct rconn_info ci;
        rconn_get_info(c, &ci);
        struct rconn_error e;
        if (ci.error)
            e = *ci.error;
        else
            rconn_error_set(&e, RCONN_ERR_CLOSED, "cannot queue the command on %s", s->node->name);
        rsub_fail(s, &e);
    }
}

static struct rsub *rsub_new(struct rop *op, struct rnode *n, int slot)
{
    struct rcluster *cl = op->cl;
    struct rsub *s = cl->free_subs;
    if (s) {
        cl->free_subs = s->next;
        cl->nfree_subs--;
        memset(s, 0, sizeof(*s));
    } else {
        s = mem_xcalloc(1, sizeof(*s));
    }
    s->op = op;
    s->node = n;
    s->slot = slot;
    op->pending++;
    return s;
}

/* ---- topology ---- */

static void rcluster_reset_map(struct rcluster *cl)
{
    for (size_t i = 0; i < cl->nnodes; i++) {
        struct rnode *n = cl->nodes[i];
        n->in_map = false;
        n->shard = -1;
        n->nslots = 0;
    }
    cl->norder = 0;
    memset(cl->slots, 0, sizeof(cl->slots));
    for (size_t i = 0; i < cl->nshards; i++)
        free(cl->shards[i].ranges);
    free(cl->shards);
    cl->shards = NULL;
    cl->nshards = 0;
}

static void rcluster_order_add(struct rcluster *cl, struct rnode *n)
{
    if (n->in_map)
        return;
    n->in_map = true;
    cl->order = mem_xgrow(cl->order, &cl->caporder, cl->norder + 1, sizeof(*cl->order));
    cl->order[cl->norder++] = n;
}

static struct rshard *rcluster_add_shard(struct rcluster *cl)
{
    cl->shards = mem_xrealloc(cl->shards, (cl->nshards + 1) * sizeof(*cl->shards));
    struct rshard *sh = &cl->shards[cl->nshards++];
    memset(sh, 0, sizeof(*sh));
    return sh;
}

static void rcluster_shard_range(struct rshard *sh, int a, int b)
{
    sh->ranges = mem_xgrow(sh->ranges, &sh->cap, sh->n + 1, sizeof(*sh->ranges));
    sh->ranges[sh->n][0] = a;
    sh->ranges[sh->n][1] = b;
    sh->n++;
}

static bool rcluster_is_str(const redisReply *r)
{
    return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) && r->str;
}

static const redisReply *rcluster_kv(const redisReply *flat, const char *key)
{
    if (!flat || flat->type != REDIS_REPLY_ARRAY)
        return NULL;
    for (size_t i = 0; i + 1 < flat->elements; i += 2)
        if (rcluster_is_str(flat->element[i]) && strcasecmp(flat->element[i]->str, key) == 0)
            return flat->element[i + 1];
    return NULL;
}

/* CLUSTER SHARDS (Redis 7). -1 when malformed. */
static int rcluster_apply_shards(struct rcluster *cl, const redisReply *r)
{
    if (r->type != REDIS_REPLY_ARRAY)
        return -1;
    /* validate before touching the map */
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *slots = rcluster_kv(r->element[i], "slots");
        const redisReply *nodes = rcluster_kv(r->element[i], "nodes");
        if (!slots || !nodes || slots->type != REDIS_REPLY_ARRAY ||
            nodes->type != REDIS_REPLY_ARRAY || slots->elements % 2)
            return -1;
        for (size_t k = 0; k < slots->elements; k++)
            if (slots->element[k]->type != REDIS_REPLY_INTEGER || slots->element[k]->integer < 0 ||
                slots->element[k]->integer >= CRC16_SLOTS)
                return -1;
    }
    rcluster_reset_map(cl);
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *slots = rcluster_kv(r->element[i], "slots");
        const redisReply *nodes = rcluster_kv(r->element[i], "nodes");
        struct rshard *sh = rcluster_add_shard(cl);
        int shard = (int)cl->nshards - 1;
        struct rnode *primary = NULL;
        struct rnode *members[64];
        size_t nmembers = 0;
        for (size_t k = 0; k < nodes->elements; k++) {
            const redisReply *nd = nodes->element[k];
            const redisReply *ep = rcluster_kv(nd, "endpoint");
            const redisReply *ip = rcluster_kv(nd, "ip");
            const redisReply *hn = rcluster_kv(nd, "hostname");
            const redisReply *port = rcluster_kv(nd, "port");
            const redisReply *tport = rcluster_kv(nd, "tls-port");
            const redisReply *id = rcluster_kv(nd, "id");
            const redisReply *role = rcluster_kv(nd, "role");
            const redisReply *health = rcluster_kv(nd, "health");
            const redisReply *off = rcluster_kv(nd, "replication-offset");
            const char *host = NULL;
            if (rcluster_is_str(ep) && ep->len > 0 && strcmp(ep->str, "?") != 0)
                host = ep->str;
            else if (rcluster_is_str(hn) && hn->len > 0)
                host = hn->str;
            else if (rcluster_is_str(ip) && ip->len > 0)
                host = ip->str;
            const redisReply *pp = cl->tls ? (tport ? tport : port) : (port ? port : tport);
            if (!host || !pp || pp->type != REDIS_REPLY_INTEGER || pp->integer <= 0 ||
                pp->integer > 65535)
                continue;
            struct rnode *n = rnode_get(cl, host, (int)pp->integer);
            if (rcluster_is_str(id))
                rnode_set_id(cl, n, id->str, id->len);
            if (rcluster_is_str(health))
                rnode_set_str(&n->health, health->str, health->len);
            else
                rnode_set_str(&n->health, "", 0);
            n->role = rcluster_is_str(role) && strcasecmp(role->str, "master") == 0
                          ? RCLUSTER_ROLE_PRIMARY
                          : RCLUSTER_ROLE_REPLICA;
            n->repl_offset = off && off->type == REDIS_REPLY_INTEGER ? off->integer : 0;
            n->shard = shard;
            rcluster_order_add(cl, n);
            if (n->role == RCLUSTER_ROLE_PRIMARY && !primary)
                primary = n;
            if (nmembers < sizeof(members) / sizeof(members[0]))
                members[nmembers++] = n;
        }
        for (size_t k = 0; k < nmembers; k++) {
            if (members[k] == primary)
                rnode_set_str(&members[k]->primary_id, "", 0);
            else if (primary && primary->id)
                rnode_set_str(&members[k]->primary_id, primary->id, strlen(primary->id));
        }
        for (size_t k = 0; k + 1 < slots->elements; k += 2) {
            int a = (int)slots->element[k]->integer, b = (int)slots->element[k + 1]->integer;
            if (b < a)
                continue;
            rcluster_shard_range(sh, a, b);
            if (primary) {
                for (int s = a; s <= b; s++)
                    cl->slots[s] = primary;
                primary->nslots += (size_t)(b - a + 1);
            }
        }
    }
    return 0;
}

/* CLUSTER SLOTS (before Redis 7). -1 when malformed. */
static int rcluster_apply_slots(struct rcluster *cl, const redisReply *r)
{
    if (r->type != REDIS_REPLY_ARRAY)
        return -1;
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 ||
            e->element[0]->type != REDIS_REPLY_INTEGER ||
            e->element[1]->type != REDIS_REPLY_INTEGER || e->element[0]->integer < 0 ||
            e->element[1]->integer >= CRC16_SLOTS)
            return -1;
        for (size_t k = 2; k < e->elements; k++) {
            const redisReply *nd = e->element[k];
            if (nd->type != REDIS_REPLY_ARRAY || nd->elements < 2 ||
                !rcluster_is_str(nd->element[0]) || nd->element[1]->type != REDIS_REPLY_INTEGER)
                return -1;
        }
    }
    rcluster_reset_map(cl);
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        int a = (int)e->element[0]->integer, b = (int)e->element[1]->integer;
        struct rnode *primary = NULL;
        int shard = -1;
        for (size_t k = 2; k < e->elements; k++) {
            const redisReply *nd = e->element[k];
            const char *host = nd->element[0]->str;
            long long port = nd->element[1]->integer;
            if (!*host || port <= 0 || port > 65535)
                continue;
            struct rnode *n = rnode_get(cl, host, (int)port);
            if (nd->elements > 2 && rcluster_is_str(nd->element[2]))
                rnode_set_id(cl, n, nd->element[2]->str, nd->element[2]->len);
            n->role = k == 2 ? RCLUSTER_ROLE_PRIMARY : RCLUSTER_ROLE_REPLICA;
            if (k == 2) {
                primary = n;
                /* a primary with several ranges keeps one shard */
                shard = n->in_map ? n->shard : -1;
                if (shard < 0) {
                    rcluster_add_shard(cl);
                    shard = (int)cl->nshards - 1;
                }
                rnode_set_str(&n->primary_id, "", 0);
            } else if (primary && primary->id) {
                rnode_set_str(&n->primary_id, primary->id, strlen(primary->id));
            }
            n->shard = shard;
            rcluster_order_add(cl, n);
        }
        if (primary && b >= a) {
            rcluster_shard_range(&cl->shards[shard], a, b);
            for (int s = a; s <= b; s++)
                cl->slots[s] = primary;
            primary->nslots += (size_t)(b - a + 1);
        }
    }
    return 0;
}

struct rnode *rcluster_home(struct rcluster *cl)
{
    if (cl->mode == RCLUSTER_STANDALONE) {
        /* the primary endpoint; else a node that says it is primary */
        if (cl->seed && cl->seed->role != RCLUSTER_ROLE_REPLICA)
            return cl->seed;
        for (size_t i = 0; i < cl->norder; i++)
            if (cl->order[i]->role == RCLUSTER_ROLE_PRIMARY)
                return cl->order[i];
        return cl->seed;
    }
    for (size_t s = 0; s < CRC16_SLOTS; s++) {
        struct rnode *n = cl->slots[s];
        if (n && (!n->health || strcmp(n->health, "failed") != 0))
            return n;
    }
    return cl->seed;
}

static void rcluster_boot_done(struct rcluster *cl, bool ok, const struct rconn_error *e)
{
    if (cl->boot != RBOOT_RUNNING)
        return;
    cl->boot = ok ? RBOOT_DONE : RBOOT_FAILED;
    struct rop *q = cl->waitq;
    cl->waitq = cl->waitq_tail = NULL;
    if (ok) {
        cl->has_err = false;
        rcluster_emit(cl, RCLUSTER_EV_READY, NULL, NULL);
    } else {
        cl->err = *e;
        cl->has_err = true;
        rcluster_emit(cl, RCLUSTER_EV_FAILED, cl->seed ? cl->seed->name : NULL, e);
    }
    while (q) {
        struct rop *op = q;
        q = op->next;
        op->next = NULL;
        if (ok)
            rop_start(op);
        else
            rop_fail(op, e, NULL);
    }
}

static void rcluster_refresh_finish(struct rcluster *cl, bool ok, const struct rconn_error *e)
{
    cl->refreshing = false;
    if (ok) {
        cl->map_loaded = true;
        cl->map_at = loop_now_ms(cl->l);
        cl->refreshes++;
        cl->has_err = false;
    } else if (e) {
        cl->err = *e;
        cl->has_err = true;
    }
    if (cl->boot == RBOOT_RUNNING)
        rcluster_boot_done(cl, ok, e);
    else if (ok)
        rcluster_emit(cl, RCLUSTER_EV_TOPOLOGY, NULL, NULL);
    rcluster_release_parked(cl);
    struct rop *mw = cl->mapwait;
    cl->mapwait = NULL;
    while (mw) {
        struct rop *op = mw;
        mw = op->next;
        op->next = NULL;
        rop_dispatch(op);
    }
    if (cl->refresh_again && !cl->closing) {
        cl->refresh_again = false;
        rcluster_refresh_start(cl);
    }
}

static void rcluster_try_refresh(struct rcluster *cl, const struct rconn_error *last);
static void rcluster_standalone_refresh(struct rcluster *cl);

static void rcluster_topology_reply(struct rconn *c, struct rconn_result *res, void *arg)
{
    struct rnode *n = arg;
    struct rcluster *cl = n->cl;
    if (cl->closing || !cl->refreshing)
        return;
    rcluster_enter(cl);
    if (res->err) {
        rcluster_try_refresh(cl, res->err);
        rcluster_leave(cl);
        return;
    }
    const redisReply *r = res->reply;
    bool shards_cmd = strcmp(cl->map_source ? cl->map_source : "", "CLUSTER SLOTS") != 0;
    if (res->trunc) {
        struct rconn_error e;
        rconn_error_set(&e, RCONN_ERR_TOO_LARGE,
                        "the topology from %s does not fit --max-reply-size", n->name);
        rcluster_try_refresh(cl, &e);
        rcluster_leave(cl);
        return;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        const char *s = r->str ? r->str : "";
        if (strstr(s, "cluster support disabled")) {
            /* a cluster-mode-disabled group: never send CLUSTER again */
            cl->mode = RCLUSTER_STANDALONE;
            cl->refreshing = false;
            rcluster_standalone_refresh(cl);
        } else if (shards_cmd && strstr(s, "nknown subcommand")) {
            static const char *const argv[] = {"CLUSTER", "SLOTS"};
            static const size_t argvlen[] = {7, 5};
            cl->map_source = "CLUSTER SLOTS";
            if (rconn_command_argv(c, 2, argv, argvlen, 0, rcluster_topology_reply, n) != 0)
                rcluster_try_refresh(cl, NULL);
        } else {
            struct rconn_error e;
            rconn_error_set(&e, RCONN_ERR_PROTOCOL, "%s refused the topology query: %s", n->name,
                            s);
            rcluster_try_refresh(cl, &e);
        }
        rcluster_leave(cl);
        return;
    }
    int rc = shards_cmd ? rcluster_apply_shards(cl, r) : rcluster_apply_slots(cl, r);
    if (rc != 0) {
        struct rconn_error e;
        rconn_error_set(&e, RCONN_ERR_PROTOCOL, "%s sent a malformed %s reply", n->name,
                        shards_cmd ? "CLUSTER SHARDS" : "CLUSTER SLOTS");
        rcluster_try_refresh(cl, &e);
        rcluster_leave(cl);
        return;
    }
    cl->mode = RCLUSTER_CLUSTER;
    if (shards_cmd)
        cl->map_source = "CLUSTER SHARDS";
    rcluster_refresh_finish(cl, true, NULL);
    rcluster_leave(cl);
}

/* Pick the next node to ask for the topology. */
static struct rnode *rcluster_refresh_candidate(struct rcluster *cl)
{
    /* nodes with a live connection first, primaries before replicas */
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = 0; i < cl->norder; i++) {
            struct rnode *n = cl->order[i];
            if (n->refresh_mark == cl->refresh_gen)
                continue;
            bool live = n->conn && rconn_ready(n->conn);
            if (pass == 0 && !(live && n->role == RCLUSTER_ROLE_PRIMARY))
                continue;
            if (pass == 1 && !live)
                continue;
            if (pass == 2 && n->has_err && !live)
                continue;
            return n;
        }
        if (pass == 1 && cl->seed && cl->seed->refresh_mark != cl->refresh_gen)
            return cl->seed;
    }
    if (cl->seed && cl->seed->refresh_mark != cl->refresh_gen)
        return cl->seed;
    for (size_t i = 0; i < cl->norder; i++)
        if (cl->order[i]->refresh_mark != cl->refresh_gen)
            return cl->order[i];
    return NULL;
}

static void rcluster_try_refresh(struct rcluster *cl, const struct rconn_error *last)
{
    struct rnode *n = NULL;
    if (cl->refresh_tries < RCLUSTER_REFRESH_TRIES)
        n = rcluster_refresh_candidate(cl);
    if (!n) {
        struct rconn_error e;
        if (last)
            e = *last;
        else
            rconn_error_set(&e, RCONN_ERR_CLOSED, "no node answered the topology query");
        rcluster_refresh_finish(cl, false, &e);
        return;
    }
    cl->refresh_tries++;
    n->refresh_mark = cl->refresh_gen;
    struct rconn *c = rnode_conn(n);
    static const char *const shards[] = {"CLUSTER", "SHARDS"};
    static const size_t shards_len[] = {7, 6};
    static const char *const slots[] = {"CLUSTER", "SLOTS"};
    static const size_t slots_len[] = {7, 5};
    bool use_slots = cl->map_source && strcmp(cl->map_source, "CLUSTER SLOTS") == 0;
    if (!c ||
        rconn_command_argv(c, 2, use_slots ? slots : shards, use_slots ? slots_len : shards_len, 0,
                           rcluster_topology_reply, n) != 0) {
        struct rconn_error e;
        rconn_error_set(&e, RCONN_ERR_CLOSED, "cannot query %s", n->name);
        rcluster_try_refresh(cl, &e);
    }
}

/* ---- standalone (cluster mode disabled): ROLE per node ---- */

struct rrole {
    struct rcluster *cl;
    struct rnode *n;
};

static void rcluster_role_reply(struct rconn *c, struct rconn_result *res, void *arg)
{
    struct rrole *rr = arg;
    struct rcluster *cl = rr->cl;
    struct rnode *n = rr->n;
    (void)c;
    free(rr);
    if (cl->closing)
        return;
    rcluster_enter(cl);
    const redisReply *r = res->reply;
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements >= 1 && rcluster_is_str(r->element[0])) {
        cl->role_any_ok = true;
        bool master = strcasecmp(r->element[0]->str, "master") == 0;
        n->role = master ? RCLUSTER_ROLE_PRIMARY : RCLUSTER_ROLE_REPLICA;
        if (master && r->elements >= 2 && r->element[1]->type == REDIS_REPLY_INTEGER)
            n->repl_offset = r->element[1]->integer;
        /* without a name map, the primary's replica list is the topology */
        if (master && cl->nnames == 0 && r->elements >= 3 &&
            r->element[2]->type == REDIS_REPLY_ARRAY) {
            const redisReply *reps = r->element[2];
            for (size_t i = 0; i < reps->elements; i++) {
                const redisReply *e = reps->element[i];
                if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 ||
                    !rcluster_is_str(e->element[0]) || !rcluster_is_str(e->element[1]))
                    continue;
                char *end;
                long port = strtol(e->element[1]->str, &end, 10);
                if (*end || port <= 0 || port > 65535)
                    continue;
                struct rnode *rep = rnode_get(cl, e->element[0]->str, (int)port);
                rep->role = RCLUSTER_ROLE_REPLICA;
                rep->shard = 0;
                rcluster_order_add(cl, rep);
            }
        }
    } else if (res->err) {
        n->last_err = *res->err;
        n->has_err = true;
        if (!cl->has_err || n == cl->seed) {
            cl->err = *res->err;
            cl->has_err = true;
        }
    }
    if (--cl->role_pending == 0) {
        cl->map_source = "ROLE";
        if (cl->role_any_ok)
            rcluster_refresh_finish(cl, true, NULL);
        else
            rcluster_refresh_finish(cl, false, &cl->err);
    }
    rcluster_leave(cl);
}

static void rcluster_role_query(struct rcluster *cl, struct rnode *n)
{
    struct rconn *c = rnode_conn(n);
    struct rrole *rr = mem_xcalloc(1, sizeof(*rr));
    rr->cl = cl;
    rr->n = n;
    static const char *const argv[] = {"ROLE"};
    static const size_t argvlen[] = {4};
    cl->role_pending++;
    if (!c || rconn_command_argv(c, 1, argv, argvlen, 0, rcluster_role_reply, rr) != 0) {
        cl->role_pending--;
        free(rr);
    }
}

static void rcluster_standalone_refresh(struct rcluster *cl)
{
    cl->refreshing = true;
    cl->role_pending = 0;
    cl->role_any_ok = false;
    cl->has_err = false;
    /* a hold so that synchronous failures cannot finish early */
    cl->role_pending++;
    if (cl->nnames == 0) {
        rcluster_reset_map(cl);
        cl->seed->shard = 0;
        rcluster_order_add(cl, cl->seed);
        rcluster_add_shard(cl);
        rcluster_role_query(cl, cl->seed);
    } else {
        if (cl->norder == 0) {
            rcluster_add_shard(cl);
            for (size_t i = 0; i < cl->nnames; i++) {
                if (!cl->names[i].host || cl->names[i].port <= 0)
                    continue;
                struct rnode *n = rnode_get(cl, cl->names[i].host, cl->names[i].port);
                n->shard = 0;
                rcluster_order_add(cl, n);
            }
        }
        for (size_t i = 0; i < cl->norder; i++)
            rcluster_role_query(cl, cl->order[i]);
        if (!cl->seed->in_map)
            rcluster_role_query(cl, cl->seed);
    }
    if (--cl->role_pending == 0) {
        struct rconn_error e;
        rconn_error_set(&e, RCONN_ERR_CLOSED, "no node could be asked for its role");
        cl->map_source = "ROLE";
        rcluster_refresh_finish(cl, false, &e);
    }
}

void rcluster_refresh_start(struct rcluster *cl)
{
    if (cl->closing)
        return;
    if (cl->refreshing) {
        cl->refresh_again = true;
        return;
    }
    if (cl->mode == RCLUSTER_STANDALONE) {
        rcluster_standalone_refresh(cl);
        return;
    }
    cl->refreshing = true;
    cl->refresh_gen++;
    cl->refresh_tries = 0;
    rcluster_try_refresh(cl, NULL);
}

static void rcluster_boot(struct rcluster *cl)
{
    cl->boot = RBOOT_RUNNING;
    if (cl->mode == RCLUSTER_CLUSTER && cl->lazy) {
        rcluster_boot_done(cl, true, NULL);
        return;
    }
    rcluster_refresh_start(cl);
}

void rcluster_refresh(struct rcluster *cl)
{
    if (!cl || cl->closing)
        return;
    rcluster_enter(cl);
    if (cl->boot == RBOOT_DONE)
        rcluster_refresh_start(cl);
    else if (cl->boot != RBOOT_RUNNING)
        rcluster_boot(cl);
    rcluster_leave(cl);
}

/* ---- requests: routing ---- */

struct rnode *rcluster_find_target(struct rcluster *cl, const char *want)
{
    if (!want || !*want)
        return NULL;
    /* the last exact match, while no node was added or renamed (a
     * repeated request names the same node every time) */
    if (cl->ft_node && cl->ft_gen == cl->names_gen && strcmp(cl->ft_want, want) == 0) {
        if (cl->ft_by_name)
            cl->ft_node->chosen = true;
        return cl->ft_node;
    }
    for (size_t i = 0; i < cl->nnodes; i++) {
        struct rnode *n = cl->nodes[i];
        bool by_name = strcasecmp(n->name, want) == 0;
        if (by_name || (n->id && strcasecmp(n->id, want) == 0) ||
            (n->cc_id && strcasecmp(n->cc_id, want) == 0)) {
            if (by_name)
                n->chosen = true; /* named by the person: theirs to reach */
            size_t wl = strlen(want);
            if (wl < sizeof(cl->ft_want)) {
                memcpy(cl->ft_want, want, wl + 1);
                cl->ft_node = n;
                cl->ft_by_name = by_name;
                cl->ft_gen = cl->names_gen;
            }
            return n;
        }
    }
    size_t wl = strlen(want);
    if (wl >= 6) {
        struct rnode *hit = NULL;
        for (size_t i = 0; i < cl->nnodes; i++) {
            struct rnode *n = cl->nodes[i];
            if (n->id && strncasecmp(n->id, want, wl) == 0) {
                if (hit)
                    return NULL; /* ambiguous */
                hit = n;
            }
        }
        if (hit)
            return hit;
    }
    /* "host:port" of a node not seen yet (e.g. a port-forwarded name) */
    const char *colon = strrchr(want, ':');
    if (colon && colon != want) {
        char *end;
        long port = strtol(colon + 1, &end, 10);
        if (!*end && port > 0 && port <= 65535) {
            char host[256];
            size_t hl = (size_t)(colon - want);
            if (hl < sizeof(host)) {
                memcpy(host, want, hl);
                host[hl] = '\0';
                if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
                    memmove(host, host + 1, hl - 2);
                    host[hl - 2] = '\0';
                }
                struct rnode *n = rnode_get(cl, host, (int)port);
                n->chosen = true;
                return n;
            }
        }
    }
    return NULL;
}

static void rop_route_slot(struct rop *op, int slot)
{
    struct rcluster *cl = op->cl;
    struct rnode *n = NULL;
    if (cl->mode == RCLUSTER_CLUSTER && slot >= 0)
        n = cl->slots[slot];
    if (!n)
        n = rcluster_home(cl);
    if (!n) {
        struct rconn_error e;
        rconn_error_set(&e, RCONN_ERR_USAGE, "no node is known to serve slot %d", slot);
        rop_fail(op, &e, NULL);
        return;
    }
    struct rsub *s = rsub_new(op, n, slot);
    rsub_send(s);
}

static int rop_slot_of(const struct rop *op, int idx)
{
    return crc16_keyslot(op->argv[idx], op->argvlen[idx]);
}

static void rop_getkeys_reply(struct rconn *c, struct rconn_result *res, void *arg)
{
    struct rgetkeys *g = arg;
    struct rop *op = g->op;
    struct rcluster *cl = op->cl;
    (void)c;
    free(g);
    rcluster_enter(cl);
    int slot = -1;
    const redisReply *r = res->reply;
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements > 0 && rcluster_is_str(r->element[0])) {
        slot = crc16_keyslot(r->element[0]->str, r->element[0]->len);
    } else {
        int idx[4];
        int n = rcmd_movable_keys(op->argc, (const char *const *)op->argv, op->argvlen, idx, 4);
        if (n > 0)
            slot = rop_slot_of(op, idx[0]);
    }
    if (cl->closing) {
        struct rconn_error e;
        rconn_error_set(&e, RCONN_ERR_CLOSED, "the cluster client was closed");
        rop_fail(op, &e, NULL);
    } else {
        rop_route_slot(op, slot);
    }
    rcluster_leave(cl);
}

/* Any node with a live connection (for COMMAND INFO / GETKEYS). */
static struct rconn *rcluster_any_conn(struct rcluster *cl)
{
    for (size_t i = 0; i < cl->norder; i++)
        if (cl->order[i]->conn && rconn_ready(cl->order[i]->conn))
            return cl->order[i]->conn;
    if (cl->seed && cl->seed->conn && rconn_state(cl->seed->conn) != RCONN_S_CLOSED)
        return cl->seed->conn;
    struct rnode *h = rcluster_home(cl);
    return h ? rnode_conn(h) : NULL;
}

/* The safety policy refuses op: it fails with why (true). */
static bool rop_refused(struct rop *op)
{
    struct rcluster *cl = op->cl;
    if (!cl->has_safety)
        return false;
    const char *const *argv = (const char *const *)op->argv;
    if (op->borrowed && cl->vet_live > 0 && argv == cl->vet_argv && op->argc == cl->vet_argc &&
        op->confirmed == cl->vet_confirmed && cl->mode == cl->vet_mode &&
        op->has_info == cl->vet_has_info &&
        (!op->has_info || memcmp(&op->info, &cl->vet_info, sizeof(op->info)) == 0)) {
        /* the same argv, alive since it was let through; its info now
         * from the cache (resolved just now: as of cache_gen) */
        if (op->info_from_cache && !cl->vet_from_cache) {
            cl->vet_from_cache = true;
            cl->vet_cache_gen = cl->cache_gen;
        }
        return false;
    }
    struct rsafety_verdict v;
    struct rsafety_policy p = cl->safety;
    p.cluster = p.cluster || cl->mode == RCLUSTER_CLUSTER;
    if (rsafety_check(&p, op->argc, argv, op->argvlen, op->has_info ? &op->info : NULL,
                      op->confirmed, &v) == RSAFETY_OK) {
        if (op->borrowed && !op->vet_held) {
            if (argv != cl->vet_argv || cl->vet_live == 0) {
                cl->vet_argv = argv;
                cl->vet_argc = op->argc;
                cl->vet_confirmed = op->confirmed;
                cl->vet_mode = cl->mode;
                cl->vet_has_info = op->has_info;
                cl->vet_from_cache = op->info_from_cache;
                cl->vet_cache_gen = cl->cache_gen;
                memset(&cl->vet_info, 0, sizeof(cl->vet_info));
                if (op->has_info)
                    cl->vet_info = op->info;
                cl->vet_live = 0;
            }
            op->vet_held = true;
            cl->vet_live++;
        }
        return false;
    }
    struct rconn_error e;
    rconn_error_set(&e, RCONN_ERR_REFUSED, "%s %s: %s", v.command, rsafety_kind_name(v.kind),
                    v.why);
    rop_fail(op, &e, &v);
    return true;
}

/* op waits for the slot map (asked for now), and is dispatched again
 * when it comes. */
static void rop_wait_map(struct rop *op)
{
    struct rcluster *cl = op->cl;
    op->waited_map = true;
    op->next = cl->mapwait;
    cl->mapwait = op;
    rcluster_refresh_start(cl);
}

/* To the node serving the slot of op's first key (COMMAND GETKEYS asked
 * for commands whose keys move). */
static void rop_dispatch_slot(struct rop *op)
{
    struct rcluster *cl = op->cl;
    const char *const *argv = (const char *const *)op->argv;
    if (cl->mode != RCLUSTER_CLUSTER) {
        rop_route_slot(op, -1);
        return;
    }
    if (op->has_info && (op->info.flags & RCMD_F_MOVABLEKEYS)) {
        struct rconn *c = cl->cmdinfo_broken ? NULL : rcluster_any_conn(cl);
        if (c) {
            const char **gv = mem_xcalloc((size_t)op->argc + 2, sizeof(*gv));
            size_t *gl = mem_xcalloc((size_t)op->argc + 2, sizeof(*gl));
            gv[0] = "COMMAND";
            gl[0] = 7;
            gv[1] = "GETKEYS";
            gl[1] = 7;
            for (int i = 0; i < op->argc; i++) {
                gv[i + 2] = op->argv[i];
                gl[i + 2] = op->argvlen[i];
            }
            struct rgetkeys *g = mem_xcalloc(1, sizeof(*g));
            g->op = op;
            int rc = rconn_command_argv(c, op->argc + 2, gv, gl, 0, rop_getkeys_reply, g);
            free(gv);
            free(gl);
            if (rc == 0)
                return;
            free(g);
        }
        int idx[4];
        int n = rcmd_movable_keys(op->argc, argv, op->argvlen, idx, 4);
        rop_route_slot(op, n > 0 ? rop_slot_of(op, idx[0]) : -1);
        return;
    }
    int idx[1];
    int n = 0;
    if (op->has_info)
        n = rcmd_keys(&op->info, op->argc, idx, 1);
    rop_route_slot(op, n > 0 ? rop_slot_of(op, idx[0]) : -1);
}

/* To one node, named by address, node id or cache cluster id. */
static void rop_dispatch_node(struct rop *op)
{
    struct rcluster *cl = op->cl;
    struct rnode *n = rcluster_find_target(cl, op->target_node);
    if (!n && !cl->map_loaded && cl->mode == RCLUSTER_CLUSTER && !op->waited_map) {
        rop_wait_map(op);
        return;
    }
    if (!n) {
        struct rconn_error e;
        rconn_error_set(&e, RCONN_ERR_USAGE,
                        "no node '%s' (give host:port, a node id, or a cache cluster id)",
                        op->target_node ? op->target_node : "");
        rop_fail(op, &e, NULL);
        return;
    }
    rsub_send(rsub_new(op, n, -1));
}

/* To every primary, replica or node - of the keys' shard for a command on
 * keys - each attempt made before any is sent. */
static void rop_dispatch_fanout(struct rop *op)
{
    struct rcluster *cl = op->cl;
    const char *const *argv = (const char *const *)op->argv;
    /* a command on keys goes to the nodes of the keys' shard: "the
     * replicas" of GET k are the replicas holding k */
    int kslot = -1;
    if (cl->mode == RCLUSTER_CLUSTER && op->has_info) {
        int idx[4];
        int nk = (op->info.flags & RCMD_F_MOVABLEKEYS)
                     ? rcmd_movable_keys(op->argc, argv, op->argvlen, idx, 4)
                     : rcmd_keys(&op->info, op->argc, idx, 1);
        if (nk > 0)
            kslot = rop_slot_of(op, idx[0]);
    }
    if (kslot >= 0 && !cl->map_loaded && !op->waited_map) {
        rop_wait_map(op);
        return;
    }
    int kshard = kslot >= 0 && cl->slots[kslot] ? cl->slots[kslot]->shard : -1;
    if (kslot >= 0 && kshard < 0) {
        struct rconn_error e;
        rconn_error_set(&e, RCONN_ERR_USAGE, "no shard is known to serve slot %d", kslot);
        rop_fail(op, &e, NULL);
        return;
    }
    struct rnode *pick[1024];
    size_t np = 0;
    for (size_t i = 0; i < cl->norder && np < sizeof(pick) / sizeof(pick[0]); i++) {
        struct rnode *n = cl->order[i];
        if (op->target == RCLUSTER_T_PRIMARIES && n->role != RCLUSTER_ROLE_PRIMARY)
            continue;
        if (op->target == RCLUSTER_T_REPLICAS && n->role != RCLUSTER_ROLE_REPLICA)
            continue;
        if (kshard >= 0 && n->shard != kshard)
            continue;
        pick[np++] = n;
    }
    if (np == 0 && !cl->map_loaded && cl->mode == RCLUSTER_CLUSTER && !op->waited_map) {
        rop_wait_map(op);
        return;
    }
    if (np == 0) {
        struct rconn_error e;
        rconn_error_set(&e, RCONN_ERR_USAGE, "no %s known in the topology%s",
                        op->target == RCLUSTER_T_REPLICAS    ? "replicas"
                        : op->target == RCLUSTER_T_PRIMARIES ? "primaries"
                                                             : "nodes",
                        kshard >= 0 ? " for the key's shard" : "");
        rop_fail(op, &e, NULL);
        return;
    }
    /* create every attempt before sending any: a synchronous failure
     * must not complete the request early */
    struct rsub *subs[1024];
    for (size_t i = 0; i < np; i++)
        subs[i] = rsub_new(op, pick[i], kslot);
    for (size_t i = 0; i < np; i++)
        rsub_send(subs[i]);
}

static void rop_dispatch(struct rop *op)
{
    if (rop_refused(op))
        return;
    switch (op->target) {
    case RCLUSTER_T_SLOT:
        rop_dispatch_slot(op);
        return;
    case RCLUSTER_T_NODE:
        rop_dispatch_node(op);
        return;
    case RCLUSTER_T_PRIMARIES:
    case RCLUSTER_T_REPLICAS:
    case RCLUSTER_T_ALL:
        rop_dispatch_fanout(op);
        return;
    }
}

/* Resolve the command's metadata, then dispatch. */
static void rop_with_info(struct rop *op, const struct rcmd_info *info)
{
    if (info) {
        op->info = *info;
        op->has_info = true;
    }
    rop_dispatch(op);
}

static void rop_resolve(struct rop *op);

/* The built-in entry for op's command (its subcommand when there is one). */
static const struct rcmd_info *rop_builtin_info(const struct rop *op)
{
    char name[RCMD_NAME_MAX];
    const char *const *argv = (const char *const *)op->argv;
    rcmd_lookup_name(op->argc, argv, op->argvlen, false, name, sizeof(name));
    const struct rcmd_info *b = rcmd_builtin(name);
    if (b && (b->flags & RCMD_F_SUBCOMMANDS) && op->argc > 1) {
        rcmd_lookup_name(op->argc, argv, op->argvlen, true, name, sizeof(name));
        const struct rcmd_info *sb = rcmd_builtin(name);
        if (sb)
            b = sb;
    }
    return b;
}

struct rlookup_fill {
    struct rcluster *cl;
    struct rcmd_info first;
    bool got;
};

static void rlookup_each(const struct rcmd_info *info, void *arg)
{
    struct rlookup_fill *f = arg;
    rcache_put(f->cl, info, false);
    if (!f->got) {
        f->first = *info;
        f->got = true;
    }
}

static void rlookup_reply(struct rconn *c, struct rconn_result *res, void *arg)
{
    struct rlookup *lk = arg;
    struct rcluster *cl = lk->cl;
    (void)c;
    for (struct rlookup **pp = &cl->lookups; *pp; pp = &(*pp)->next) {
        if (*pp == lk) {
            *pp = lk->next;
            break;
        }
    }
    rcluster_enter(cl);
    const redisReply *r = res->reply;
    bool failed = res->err != NULL;
    if (!failed) {
        if (r->type == REDIS_REPLY_ARRAY && r->elements == 1) {
            struct rlookup_fill f = {.cl = cl};
            int n = rcmd_parse(r->element[0], rlookup_each, &f);
            if (n == 0) {
                struct rcmd_info unk;
                memset(&unk, 0, sizeof(unk));
                snprintf(unk.name, sizeof(unk.name), "%s", lk->name);
                rcache_put(cl, &unk, true);
            } else if (n < 0) {
                cl->cmdinfo_broken = true;
            } else if (!rcache_get(cl, lk->name)) {
                /* the server calls it by another name: remember ours too */
                struct rcmd_info alias = f.first;
                snprintf(alias.name, sizeof(alias.name), "%s", lk->name);
                rcache_put(cl, &alias, false);
            }
        } else {
            cl->cmdinfo_broken = true; /* COMMAND refused or renamed: built-in table */
        }
    }
    struct rop *ops = lk->ops;
    free(lk);
    while (ops) {
        struct rop *op = ops;
        ops = op->next;
        op->next = NULL;
        if (cl->closing) {
            struct rconn_error e;
            rconn_error_set(&e, RCONN_ERR_CLOSED, "the cluster client was closed");
            rop_fail(op, &e, NULL);
        } else if (failed) {
            rop_with_info(op, rop_builtin_info(op));
        } else {
            rop_resolve(op);
        }
    }
    rcluster_leave(cl);
}

static void rop_resolve(struct rop *op)
{
    struct rcluster *cl = op->cl;
    const char *const *argv = (const char *const *)op->argv;
    /* the argv the safety policy let through, alive since: its command
     * resolved from the cache as it was then, if the cache is unchanged */
    if (op->borrowed && cl->vet_live > 0 && argv == cl->vet_argv && op->argc == cl->vet_argc &&
        cl->vet_from_cache && cl->vet_cache_gen == cl->cache_gen && !cl->cmdinfo_broken) {
        op->info_from_cache = true;
        rop_with_info(op, cl->vet_has_info ? &cl->vet_info : NULL);
        return;
    }
    char name[RCMD_NAME_MAX];
    rcmd_lookup_name(op->argc, argv, op->argvlen, false, name, sizeof(name));
    if (!cl->cmdinfo_broken) {
        struct rcache_entry *e = rcache_get(cl, name);
        if (e) {
            op->info_from_cache = true;
            if (e->unknown) {
                rop_with_info(op, NULL);
                return;
            }
            if ((e->info.flags & RCMD_F_SUBCOMMANDS) && op->argc > 1) {
                char sub[RCMD_NAME_MAX];
                rcmd_lookup_name(op->argc, argv, op->argvlen, true, sub, sizeof(sub));
                struct rcache_entry *se = rcache_get(cl, sub);
                if (se && !se->unknown) {
                    rop_with_info(op, &se->info);
                    return;
                }
            }
            rop_with_info(op, &e->info);
            return;
        }
        /* ask the server once per name; later requests wait on the same lookup */
        for (struct rlookup *lk = cl->lookups; lk; lk = lk->next) {
            if (strcmp(lk->name, name) == 0) {
                op->next = lk->ops;
                lk->ops = op;
                return;
            }
        }
        struct rconn *c = rcluster_any_conn(cl);
        if (c) {
            struct rlookup *lk = mem_xcalloc(1, sizeof(*lk));
            snprintf(lk->name, sizeof(lk->name), "%s", name);
            lk->cl = cl;
            const char *argvq[] = {"COMMAND", "INFO", lk->name};
            size_t lenq[] = {7, 4, strlen(lk->name)};
            if (rconn_command_argv(c, 3, argvq, lenq, 0, rlookup_reply, lk) == 0) {
                lk->next = cl->lookups;
                cl->lookups = lk;
                op->next = NULL;
                lk->ops = op;
                return;
            }
            free(lk);
        }
    }
    rop_with_info(op, rop_builtin_info(op));
}

static void rop_start(struct rop *op)
{
    struct rcluster *cl = op->cl;
    if (cl->closing) {
        struct rconn_error e;
        rconn_error_set(&e, RCONN_ERR_CLOSED, "the cluster client was closed");
        rop_fail(op, &e, NULL);
        return;
    }
    rop_resolve(op);
}

/* Start what waits for the bootstrap, or start the bootstrap. Runs from a
 * 0 ms timer so that no callback runs inside rcluster_new/_exec. */
static void rcluster_kick(void *arg)
{
    struct rcluster *cl = arg;
    cl->kick = NULL;
    rcluster_enter(cl);
    if (cl->boot == RBOOT_DONE) {
        struct rop *q = cl->waitq;
        cl->waitq = cl->waitq_tail = NULL;
        while (q && !cl->closing) {
            struct rop *op = q;
            q = op->next;
            op->next = NULL;
            rop_start(op);
        }
        while (q) {
            struct rop *op = q;
            q = op->next;
            op->next = NULL;
            struct rconn_error e;
            rconn_error_set(&e, RCONN_ERR_CLOSED, "the cluster client was closed");
            rop_fail(op, &e, NULL);
        }
    } else if (cl->boot != RBOOT_RUNNING) {
        rcluster_boot(cl);
    }
    rcluster_leave(cl);
}

static void rcluster_schedule_kick(struct rcluster *cl)
{
    if (!cl->kick)
        cl->kick = loop_timer(cl->l, 0, rcluster_kick, cl);
}

/* ---- public ---- */

struct rcluster *rcluster_new(struct loop *l, const struct rcluster_options *o)
{
    if (!o || !o->host || !*o->host || o->port <= 0 || o->port > 65535)
        return NULL;
    struct rcluster *cl = mem_xcalloc(1, sizeof(*cl));
    cl->l = l;
    cl->mode = o->mode;
    cl->tls = rconn_tls_ref(o->tls);
    cl->routes = rconn_routes_dup(o->routes);
    cl->connect_timeout_ms = o->connect_timeout_ms;
    cl->command_timeout_ms = o->command_timeout_ms;
    cl->user = mem_xstrdup(o->user);
    cl->password = mem_xstrdup(o->password);
    cl->cred = o->cred;
    cl->cred_arg = o->cred_arg;
    cl->client_name = mem_xstrdup(o->client_name);
    cl->max_reply = o->max_reply_bytes;
    cl->proto = o->protocol == 3 ? 3 : 2;
    cl->lazy = o->lazy_map;
    if (o->safety) {
        cl->has_safety = true;
        cl->safety = *o->safety;
    }
    cl->max_redirects = o->max_redirects > 0 ? o->max_redirects : RCLUSTER_DEFAULT_REDIRECTS;
    if (cl->max_redirects > RCLUSTER_MAX_HOPS)
        cl->max_redirects = RCLUSTER_MAX_HOPS;
    if (o->nnames) {
        cl->names = mem_xcalloc(o->nnames, sizeof(*cl->names));
        for (size_t i = 0; i < o->nnames; i++) {
            cl->names[i].host = mem_xstrdup(o->names[i].host);
            cl->names[i].port = o->names[i].port;
            cl->names[i].cache_cluster_id = mem_xstrdup(o->names[i].cache_cluster_id);
            cl->names[i].cache_node_id = mem_xstrdup(o->names[i].cache_node_id);
        }
        cl->nnames = o->nnames;
    }
    cl->on_event = o->on_event;
    cl->event_arg = o->event_arg;
    cl->map_source = "";
    cl->seed = rnode_get(cl, o->host, o->port);
    if (o->reader_host && *o->reader_host && o->reader_port > 0 && o->reader_port <= 65535)
        cl->reader = rnode_get(cl, o->reader_host, o->reader_port);
    rcluster_schedule_kick(cl);
    return cl;
}

int rcluster_exec(struct rcluster *cl, const struct rcluster_request *req)
{
    if (!cl || cl->closing || !req || req->argc <= 0 || !req->argv)
        return -1;
    struct rop *op = cl->free_ops;
    if (op) {
        cl->free_ops = op->next;
        cl->nfree_ops--;
        memset(op, 0, sizeof(*op));
    } else {
        op = mem_xcalloc(1, sizeof(*op));
    }
    op->cl = cl;
    op->argc = req->argc;
    if (req->borrowed && req->argvlen) {
        op->borrowed = true;
        op->argv = (char **)req->argv;
        op->argvlen = (size_t *)req->argvlen;
        op->wire = req->wire;
        op->wirelen = req->wire ? req->wirelen : 0;
        if (cl->vet_live > 0 && op->argv == (char **)cl->vet_argv) {
            op->vet_held = true; /* keeps the vetted argv alive */
            cl->vet_live++;
        }
    } else {
        op->argv = mem_xcalloc((size_t)req->argc, sizeof(*op->argv));
        op->argvlen = mem_xcalloc((size_t)req->argc, sizeof(*op->argvlen));
        for (int i = 0; i < req->argc; i++) {
            size_t n = req->argvlen ? req->argvlen[i] : strlen(req->argv[i]);
            op->argv[i] = mem_xmalloc(n + 1);
            memcpy(op->argv[i], req->argv[i], n);
            op->argv[i][n] = '\0';
            op->argvlen[i] = n;
        }
    }
    op->target = req->target;
    size_t tl = req->node ? strlen(req->node) : 0;
    if (req->node && tl < sizeof(op->target_buf)) {
        memcpy(op->target_buf, req->node, tl + 1);
        op->target_node = op->target_buf;
    } else {
        op->target_node = mem_xstrdup(req->node);
    }
    op->confirmed = req->confirmed;
    op->timeout_ms = req->timeout_ms;
    op->on_reply = req->on_reply;
    op->on_done = req->on_done;
    op->arg = req->arg;
    op->started_us = rconn_now_us();
    /* always through the wait queue: on_done never runs synchronously */
    if (cl->waitq_tail)
        cl->waitq_tail->next = op;
    else
        cl->waitq = op;
    cl->waitq_tail = op;
    if (cl->boot != RBOOT_RUNNING)
        rcluster_schedule_kick(cl);
    return 0;
}

void rcluster_free(struct rcluster *cl)
{
    if (!cl || cl->closing)
        return;
    rcluster_enter(cl);
    cl->closing = true;
    struct rconn_error e;
    rconn_error_set(&e, RCONN_ERR_CLOSED, "the cluster client was closed");
    if (cl->kick) {
        loop_untimer(cl->l, cl->kick);
        cl->kick = NULL;
    }
    struct rop *q = cl->waitq;
    cl->waitq = cl->waitq_tail = NULL;
    while (q) {
        struct rop *op = q;
        q = op->next;
        op->next = NULL;
        rop_fail(op, &e, NULL);
    }
    q = cl->mapwait;
    cl->mapwait = NULL;
    while (q) {
        struct rop *op = q;
        q = op->next;
        op->next = NULL;
        rop_fail(op, &e, NULL);
    }
    while (cl->parked) {
        struct rsub *s = cl->parked;
        rsub_unpark(s);
        if (s->timer) {
            loop_untimer(cl->l, s->timer);
            s->timer = NULL;
        }
        rsub_fail(s, &e);
    }
    rcluster_stream_close_all(cl);
    /* closing the connections completes what is in flight (lookups,
     * GETKEYS and attempts see "closing" and finish their requests) */
    for (size_t i = 0; i < cl->nnodes; i++) {
        struct rnode *n = cl->nodes[i];
        if (n->conn) {
            struct rconn *c = n->conn;
            n->conn = NULL;
            rconn_close(c);
        }
    }
    cl->freed = true;
    rcluster_leave(cl);
}

static void rcluster_free_mem(struct rcluster *cl)
{
    while (cl->free_ops) {
        struct rop *op = cl->free_ops;
        cl->free_ops = op->next;
        free(op);
    }
    while (cl->free_subs) {
        struct rsub *s = cl->free_subs;
        cl->free_subs = s->next;
        free(s);
    }
    for (size_t i = 0; i < cl->nnodes; i++) {
        struct rnode *n = cl->nodes[i];
        if (n->conn)
            rconn_close(n->conn);
        free(n->host);
        free(n->name);
        free(n->id);
        free(n->primary_id);
        free(n->health);
        free(n->cc_id);
        free(n->cn_id);
        free(n);
    }
    free(cl->nodes);
    free(cl->order);
    for (size_t i = 0; i < cl->nshards; i++)
        free(cl->shards[i].ranges);
    free(cl->shards);
    for (size_t b = 0; b < RCLUSTER_CACHE_BUCKETS; b++) {
        struct rcache_entry *e = cl->cache[b];
        while (e) {
            struct rcache_entry *next = e->next;
            free(e);
            e = next;
        }
    }
    for (size_t i = 0; i < cl->nnames; i++) {
        free((char *)cl->names[i].host);
        free((char *)cl->names[i].cache_cluster_id);
        free((char *)cl->names[i].cache_node_id);
    }
    free(cl->names);
    rconn_tls_unref(cl->tls);
    rconn_routes_free(cl->routes);
    free(cl->user);
    mem_free_secret(cl->password);
    free(cl->client_name);
    free(cl);
}

void rcluster_get_info(const struct rcluster *cl, struct rcluster_info *out)
{
    memset(out, 0, sizeof(*out));
    out->mode = cl->mode;
    out->ready = cl->boot == RBOOT_DONE;
    out->tls = cl->tls != NULL;
    out->insecure = rconn_tls_insecure(cl->tls);
    out->nodes = cl->norder;
    out->shards = cl->nshards;
    for (size_t s = 0; s < CRC16_SLOTS; s++) {
        const struct rnode *n = cl->slots[s];
        if (n && (!n->health || strcmp(n->health, "failed") != 0))
            out->slots_covered++;
    }
    out->map_source = cl->map_source ? cl->map_source : "";
    out->map_age_ms = cl->map_loaded ? loop_now_ms(cl->l) - cl->map_at : 0;
    out->refreshes = cl->refreshes;
    out->moved = cl->moved;
    out->asked = cl->asked;
    out->retries = cl->retries;
    out->error = cl->has_err ? &cl->err : NULL;
}

enum rcluster_mode rcluster_mode(const struct rcluster *cl)
{
    return cl->mode;
}

size_t rcluster_node_count(const struct rcluster *cl)
{
    return cl->norder;
}

bool rcluster_node_at(const struct rcluster *cl, size_t i, struct rcluster_node_info *out)
{
    memset(out, 0, sizeof(*out));
    if (i >= cl->norder)
        return false;
    const struct rnode *n = cl->order[i];
    out->name = n->name;
    out->host = n->host;
    out->port = n->port;
    out->id = n->id ? n->id : "";
    out->role = n->role;
    out->primary_id = n->primary_id ? n->primary_id : "";
    out->health = n->health ? n->health : "";
    out->shard = n->shard;
    out->cache_cluster_id = n->cc_id;
    out->cache_node_id = n->cn_id;
    out->repl_offset = n->repl_offset;
    out->nslots = n->nslots;
    out->connected = n->conn && rconn_ready(n->conn);
    out->last_error = n->has_err ? &n->last_err : NULL;
    return true;
}

bool rcluster_node_conn(const struct rcluster *cl, size_t i, struct rconn_info *out)
{
    if (i >= cl->norder || !cl->order[i]->conn)
        return false;
    rconn_get_info(cl->order[i]->conn, out);
    return true;
}

size_t rcluster_shard_ranges(const struct rcluster *cl, size_t s, const int (**ranges)[2])
{
    if (s >= cl->nshards) {
        *ranges = NULL;
        return 0;
    }
    *ranges = (const int(*)[2])cl->shards[s].ranges;
    return cl->shards[s].n;
}

int rcluster_slot_owner(const struct rcluster *cl, int slot)
{
    if (slot < 0 || slot >= CRC16_SLOTS || !cl->slots[slot])
        return -1;
    for (size_t i = 0; i < cl->norder; i++)
        if (cl->order[i] == cl->slots[slot])
            return (int)i;
    return -1;
}
