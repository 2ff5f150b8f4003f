/* observe.c - the Redis observation engine (see observe.h). */
#include "core/redis/observe.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/mem.h"
#include "core/redis/rcluster.h"

enum observe_cmd {
    OBSERVE_PING,
    OBSERVE_ROLE,
    OBSERVE_INFO,
    OBSERVE_CMDS,
};

#define OBSERVE_INFO_MAX (64 * 1024)

/* A node as the engine follows it across rounds (by "host:port"). */
struct observe_node {
    char name[RCLUSTER_NAME_MAX];
    int64_t down_since_ms; /* 0: answering */
    int64_t answered_ms;
    /* this round */
    bool asked;
    bool ping_done, ping_ok;
    int64_t ping_us;
    int64_t ping_wall_ms;
    char error[RCONN_ERRMSG_MAX + 32];
    bool role_ok;
    enum model_role role;
    char link[24];
    long long offset;
    char *info; /* INFO replication text, or NULL */
    size_t info_len;
    char ip[64]; /* the address its connection reached ("" unknown): a name's
                  * replicas are listed by address in the primary's INFO */
};

struct observe_req {
    struct observe *ob;
    unsigned round;
    size_t node;
    enum observe_cmd cmd;
    struct console_run *run;
    struct observe_req *prev, *next;
};

struct observe_view {
    struct model_redis_view v;
    struct model_redis_view *base; /* the topology, from the cluster client */
    struct model_redis_node *nodes;
    char **strs;
    size_t nstrs;
};

struct observe {
    struct loop *l;
    /* options (strings copied) */
    struct aws_client *aws;
    struct creds_provider *creds;
    char *region, *rg_id, *endpoint, *token_env, *secret_id, *user, *cafile;
    struct model_group *model; /* the caller's, for discovery; or NULL */
    bool iam, no_auth, insecure;
    creds_prompt_fn prompt;
    void *prompt_ctx;
    enum console_tls tls;
    char **connect_to;
    size_t n_connect_to;
    uint64_t interval_ms, timeout_ms, slow_ms;
    observe_cb cb;
    void *arg;

    struct console *con;
    bool ready;
    enum observe_state state;
    char reason[800];
    unsigned rounds;
    unsigned round; /* id of the latest round started */
    bool in_round;
    int64_t round_start_ms;
    size_t pending;
    struct loop_timer *deadline;
    struct loop_timer *next;   /* the next round, or reopening the session */
    struct loop_timer *reopen; /* closing a failed session outside its callback */
    struct loop_timer *notify; /* on_update, always from a timer of its own */
    struct observe_node *nodes;
    size_t nnodes;
    size_t *order; /* this round: console node i -> nodes[order[i]] */
    size_t norder;
    struct observe_req *reqs;
    struct observe_view *view;
    bool in_cb;
    bool dead;
};

static void observe_open(struct observe *ob);
static void observe_round_start(struct observe *ob);

const char *observe_state_name(enum observe_state s)
{
    switch (s) {
    case OBSERVE_S_STARTING:
        return "starting";
    case OBSERVE_S_OK:
        return "ok";
    case OBSERVE_S_UNREACHABLE:
        return "unreachable";
    }
    return "?";
}

/* ---- INFO ---- */

bool observe_info_field(const char *info, size_t len, const char *key, char *out, size_t outlen)
{
    if (!info || !key || !outlen)
        return false;
    size_t kl = strlen(key);
    const char *p = info, *end = info + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol ? eol : end;
        size_t ll = (size_t)(le - p);
        if (ll && p[ll - 1] == '\r')
            ll--;
        if (ll > kl && p[0] != '#' && memcmp(p, key, kl) == 0 && p[kl] == ':') {
            size_t vl = ll - kl - 1;
            if (vl >= outlen)
                return false;
            memcpy(out, p + kl + 1, vl);
            out[vl] = '\0';
            return true;
        }
        p = eol ? eol + 1 : end;
    }
    return false;
}

bool observe_info_item(const char *value, const char *key, char *out, size_t outlen)
{
    if (!value || !key || !outlen)
        return false;
    size_t kl = strlen(key);
    const char *p = value;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t il = comma ? (size_t)(comma - p) : strlen(p);
        if (il > kl && memcmp(p, key, kl) == 0 && p[kl] == '=') {
            size_t vl = il - kl - 1;
            if (vl >= outlen)
                return false;
            memcpy(out, p + kl + 1, vl);
            out[vl] = '\0';
            return true;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    return false;
}

static bool observe_ll(const char *s, long long *out)
{
    if (!s || !*s)
        return false;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || v < 0)
        return false;
    *out = v;
    return true;
}

/* An integer element of a reply (RESP integer or a decimal string). */
static bool observe_reply_ll(const redisReply *r, long long *out)
{
    if (!r)
        return false;
    if (r->type == REDIS_REPLY_INTEGER) {
        *out = r->integer;
        return true;
    }
    if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) {
        char buf[32];
        if (r->len == 0 || r->len >= sizeof(buf))
            return false;
        memcpy(buf, r->str, r->len);
        buf[r->len] = '\0';
        return observe_ll(buf, out);
    }
    return false;
}

static bool observe_reply_is(const redisReply *r, const char *s)
{
    return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) &&
           r->len == strlen(s) && strncasecmp(r->str, s, r->len) == 0;
}

bool observe_parse_role(const redisReply *r, enum model_role *role, char *link, size_t linklen,
                        long long *offset)
{
    *role = MODEL_ROLE_UNKNOWN;
    *offset = -1;
    if (linklen)
        link[0] = '\0';
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 1)
        return false;
    if (observe_reply_is(r->element[0], "master")) {
        *role = MODEL_ROLE_PRIMARY;
        if (r->elements >= 2)
            observe_reply_ll(r->element[1], offset);
        return true;
    }
    if (!observe_reply_is(r->element[0], "slave") && !observe_reply_is(r->element[0], "replica"))
        return false;
    *role = MODEL_ROLE_REPLICA;
    if (r->elements >= 4 && r->element[3]->type == REDIS_REPLY_STRING && linklen) {
        size_t l = r->element[3]->len < linklen - 1 ? r->element[3]->len : linklen - 1;
        memcpy(link, r->element[3]->str, l);
        link[l] = '\0';
        for (size_t i = 0; i < l; i++)
            if ((unsigned char)link[i] < 0x20 || (unsigned char)link[i] >= 0x7f)
                link[i] = '?';
    }
    if (r->elements >= 5)
        observe_reply_ll(r->element[4], offset);
    return true;
}

/* ---- state, notification ---- */

static void observe_reason_set(struct observe *ob, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void observe_reason_set(struct observe *ob, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ob->reason, sizeof(ob->reason), fmt, ap);
    va_end(ap);
}

static void observe_destroy(struct observe *ob);

/* Tell the owner, from a timer of its own: never from inside an observe_*
 * call nor a callback of the session (the owner may free the engine). */
static void observe_notify_fire(void *arg)
{
    struct observe *ob = arg;
    ob->notify = NULL;
    if (!ob->cb || ob->dead)
        return;
    ob->in_cb = true;
    ob->cb(ob, ob->arg);
    ob->in_cb = false;
    if (ob->dead)
        observe_destroy(ob);
}

static void observe_notify(struct observe *ob)
{
    if (ob->cb && !ob->dead && !ob->notify)
        ob->notify = loop_timer(ob->l, 0, observe_notify_fire, ob);
}

/* ---- the view ---- */

static void observe_view_free(struct observe_view *v)
{
    if (!v)
        return;
    model_redis_view_free(v->base);
    free(v->nodes);
    for (size_t i = 0; i < v->nstrs; i++)
        free(v->strs[i]);
    free(v->strs);
    free(v);
}

static const char *observe_view_str(struct observe_view *v, const char *s)
{
    v->strs = mem_xrealloc(v->strs, (v->nstrs + 1) * sizeof(*v->strs));
    v->strs[v->nstrs] = mem_xstrdup(s ? s : "");
    return v->strs[v->nstrs++];
}

/* The follower of the view node vn (by its address), or NULL. */
static struct observe_node *observe_node_of(struct observe *ob, const struct model_redis_node *vn)
{
    char name[RCLUSTER_NAME_MAX];
    if (strchr(vn->host, ':'))
        snprintf(name, sizeof(name), "[%s]:%d", vn->host, vn->port);
    else
        snprintf(name, sizeof(name), "%s:%d", vn->host, vn->port);
    for (size_t k = 0; k < ob->norder; k++) {
        struct observe_node *n = &ob->nodes[ob->order[k]];
        if (strcasecmp(n->name, name) == 0)
            return n;
    }
    return NULL;
}

/* The primary's lag= for a replica at host:port from its INFO, or -1.
 * INFO lists replicas by address: host is the address the replica's own
 * connection reached when known (its endpoint may be a name), and a port
 * only one replica has settles it otherwise. */
static long long observe_slave_lag(const struct observe_node *p, const char *host, int port)
{
    if (!p->info)
        return -1;
    long long lag = -1;
    size_t port_hits = 0;
    long long port_lag = -1;
    for (int i = 0; i < 64; i++) {
        char key[16], val[512], ip[256], pt[16], lg[32];
        snprintf(key, sizeof(key), "slave%d", i);
        if (!observe_info_field(p->info, p->info_len, key, val, sizeof(val)))
            break;
        long long vport, vlag;
        if (!observe_info_item(val, "port", pt, sizeof(pt)) || !observe_ll(pt, &vport) ||
            vport != port || !observe_info_item(val, "lag", lg, sizeof(lg)) ||
            !observe_ll(lg, &vlag))
            continue;
        port_hits++;
        port_lag = vlag;
        if (observe_info_item(val, "ip", ip, sizeof(ip)) && strcasecmp(ip, host) == 0)
            lag = vlag;
    }
    if (lag < 0 && port_hits == 1)
        lag = port_lag;
    return lag;
}

static bool observe_same_shard(const struct model_redis_view *v, const struct model_redis_node *a,
                               const struct model_redis_node *b)
{
    if (!v->cluster)
        return true;
    return a->shard >= 0 && a->shard == b->shard;
}

/* One primary per shard. A node that did not answer keeps its peers' view
 * of its role only when no node of its shard answers as primary; two
 * nodes answering as primary in one round are a failover under way (the
 * promoted replica answers before the old primary has learned it): which
 * is the primary is not known until the next round, and two primaries
 * are never shown. */
static void observe_one_primary(struct observe_view *ov, size_t nn)
{
    /* a silent node's role as its peers see it yields to an answer */
    for (size_t i = 0; i < nn; i++) {
        struct model_redis_node *vn = &ov->nodes[i];
        if (vn->role != MODEL_ROLE_PRIMARY || vn->probe.role_own)
            continue;
        for (size_t k = 0; k < nn; k++)
            if (k != i && ov->nodes[k].probe.role_own && ov->nodes[k].role == MODEL_ROLE_PRIMARY &&
                observe_same_shard(&ov->v, vn, &ov->nodes[k]))
                vn->role = MODEL_ROLE_UNKNOWN;
    }
    /* two that answer as primary: neither is known to be */
    for (size_t i = 0; i < nn; i++) {
        struct model_redis_node *vn = &ov->nodes[i];
        if (vn->role != MODEL_ROLE_PRIMARY || !vn->probe.role_own)
            continue;
        for (size_t k = i + 1; k < nn; k++) {
            struct model_redis_node *other = &ov->nodes[k];
            if (other->probe.role_own && other->role == MODEL_ROLE_PRIMARY &&
                observe_same_shard(&ov->v, vn, other)) {
                vn->role = MODEL_ROLE_UNKNOWN;
                other->role = MODEL_ROLE_UNKNOWN;
            }
        }
    }
}

static struct observe_view *observe_build_view(struct observe *ob, int64_t now)
{
    struct rcluster *cl = console_cluster(ob->con);
    if (!cl)
        return NULL;
    struct observe_view *ov = mem_xcalloc(1, sizeof(*ov));
    ov->base = model_redis_view_from_rcluster(cl, now);
    ov->v = *ov->base;
    size_t nn = ov->base->n_nodes;
    ov->nodes = mem_xcalloc(nn + 1, sizeof(*ov->nodes));
    memcpy(ov->nodes, ov->base->nodes, nn * sizeof(*ov->nodes));
    ov->v.nodes = ov->nodes;
    struct observe_node **follow = mem_xcalloc(nn + 1, sizeof(*follow));
    bool own = false;
    for (size_t i = 0; i < nn; i++) {
        struct model_redis_node *vn = &ov->nodes[i];
        struct observe_node *n = observe_node_of(ob, vn);
        follow[i] = n;
        if (!n || !n->asked)
            continue;
        struct model_probe *p = &vn->probe;
        memset(p, 0, sizeof(*p));
        p->probed = true;
        p->ping_us = -1;
        p->offset = p->lag_bytes = p->lag_s = -1;
        if (n->ping_ok) {
            p->health = n->ping_us >= (int64_t)ob->slow_ms * 1000 ? MODEL_HEALTH_SLOW
                                                                  : MODEL_HEALTH_ANSWERING;
            p->ping_us = n->ping_us;
            p->observed_ms = n->ping_wall_ms;
        } else {
            p->health = MODEL_HEALTH_DOWN;
            p->down_since_ms = n->down_since_ms;
            p->error = observe_view_str(ov, n->error);
            p->observed_ms = now;
        }
        p->answered_ms = n->answered_ms;
        if (n->role_ok) {
            own = true;
            vn->role = n->role;
            p->role_own = true;
            p->offset = n->offset;
            if (n->role == MODEL_ROLE_REPLICA)
                p->link = observe_view_str(ov, n->link);
        }
        if (!p->error)
            p->error = observe_view_str(ov, "");
        if (!p->link)
            p->link = observe_view_str(ov, "");
    }
    observe_one_primary(ov, nn);
    /* replicas: bytes behind their primary, and the lag Redis reports */
    for (size_t i = 0; i < nn; i++) {
        struct model_redis_node *vn = &ov->nodes[i];
        struct observe_node *n = follow[i];
        if (!n || !n->role_ok || n->role != MODEL_ROLE_REPLICA)
            continue;
        char st[32], down[32];
        long long secs;
        if (n->info &&
            observe_info_field(n->info, n->info_len, "master_link_status", st, sizeof(st)) &&
            strcmp(st, "down") == 0 &&
            observe_info_field(n->info, n->info_len, "master_link_down_since_seconds", down,
                               sizeof(down)) &&
            observe_ll(down, &secs))
            vn->probe.lag_s = secs;
        for (size_t k = 0; k < nn; k++) {
            struct observe_node *pn = follow[k];
            if (!pn || !pn->role_ok || pn->role != MODEL_ROLE_PRIMARY ||
                !observe_same_shard(&ov->v, vn, &ov->nodes[k]))
                continue;
            if (pn->offset >= 0 && n->offset >= 0)
                vn->probe.lag_bytes = pn->offset > n->offset ? pn->offset - n->offset : 0;
            if (vn->probe.lag_s < 0)
                vn->probe.lag_s = observe_slave_lag(pn, n->ip[0] ? n->ip : vn->host, vn->port);
            break;
        }
    }
    free(follow);
    if (own)
        ov->v.source = "ROLE";
    ov->v.fetched_ms = now;
    return ov;
}

/* ---- rounds ---- */

static void observe_req_unlink(struct observe_req *q)
{
    struct observe *ob = q->ob;
    if (q->prev)
        q->prev->next = q->next;
    else if (ob->reqs == q)
        ob->reqs = q->next;
    if (q->next)
        q->next->prev = q->prev;
    q->prev = q->next = NULL;
}

static void observe_next_fire(void *arg)
{
    struct observe *ob = arg;
    ob->next = NULL;
    if (ob->ready)
        observe_round_start(ob);
    else
        observe_open(ob);
}

static void observe_round_end(struct observe *ob)
{
    if (!ob->in_round)
        return;
    ob->in_round = false;
    if (ob->deadline) {
        loop_untimer(ob->l, ob->deadline);
        ob->deadline = NULL;
    }
    /* what is still out belongs to a finished round */
    for (struct observe_req *q = ob->reqs; q; q = q->next)
        if (q->round == ob->round && q->run)
            console_run_cancel(q->run);
    int64_t now = loop_wall_ms(ob->l);
    size_t answered = 0, asked = 0;
    const char *first_err = NULL;
    for (size_t k = 0; k < ob->norder; k++) {
        struct observe_node *n = &ob->nodes[ob->order[k]];
        if (!n->asked)
            continue;
        asked++;
        if (n->ping_ok) {
            answered++;
            n->down_since_ms = 0;
            n->answered_ms = n->ping_wall_ms;
            continue;
        }
        if (!n->ping_done)
            snprintf(n->error, sizeof(n->error), "no answer within %.1f s",
                     (double)ob->timeout_ms / 1000.0);
        if (!n->down_since_ms)
            n->down_since_ms = ob->round_start_ms;
        if (!first_err)
            first_err = n->error;
    }
    struct observe_view *v = observe_build_view(ob, now);
    for (size_t k = 0; k < ob->norder; k++) {
        struct observe_node *n = &ob->nodes[ob->order[k]];
        free(n->info);
        n->info = NULL;
        n->info_len = 0;
    }
    if (v) {
        observe_view_free(ob->view);
        ob->view = v;
    }
    ob->rounds++;
    if (answered) {
        ob->state = OBSERVE_S_OK;
        ob->reason[0] = '\0';
    } else {
        ob->state = OBSERVE_S_UNREACHABLE;
        if (asked)
            observe_reason_set(ob, "none of the %zu nodes answered within %.1f s (%s)", asked,
                               (double)ob->timeout_ms / 1000.0, first_err ? first_err : "?");
        else
            observe_reason_set(ob, "the cluster reports no nodes");
    }
    if (ob->interval_ms && !ob->next)
        ob->next = loop_timer(ob->l, ob->interval_ms, observe_next_fire, ob);
    observe_notify(ob);
}

static void observe_deadline_fire(void *arg)
{
    struct observe *ob = arg;
    ob->deadline = NULL;
    observe_round_end(ob);
}

static void observe_on_reply(struct console *c, const struct console_reply *cr, void *arg)
{
    struct observe_req *q = arg;
    struct observe *ob = q->ob;
    (void)c;
    if (!ob || ob->dead || !ob->in_round || q->round != ob->round)
        return;
    struct observe_node *n = &ob->nodes[q->node];
    const struct rcluster_reply *r = cr->r;
    if (r->addr && *r->addr) {
        /* "ip:port" or "[v6]:port" */
        const char *a = r->addr, *end = strrchr(a, ':');
        if (*a == '[') {
            a++;
            end = strchr(a, ']');
        }
        if (end && (size_t)(end - a) < sizeof(n->ip))
            snprintf(n->ip, sizeof(n->ip), "%.*s", (int)(end - a), a);
    }
    switch (q->cmd) {
    case OBSERVE_PING:
        n->ping_done = true;
        if (r->err) {
            snprintf(n->error, sizeof(n->error), "%s: %s", rconn_err_name(r->err->code),
                     r->err->msg);
        } else if (r->reply && r->reply->type == REDIS_REPLY_ERROR &&
                   strncmp(r->reply->str, "NOAUTH", 6) == 0) {
            snprintf(n->error, sizeof(n->error), "auth-noauth: %.200s", r->reply->str);
        } else {
            /* any answer (LOADING included) is a node that answers */
            n->ping_ok = true;
            n->ping_us = (int64_t)r->latency_us;
            n->ping_wall_ms = cr->wall_ms;
        }
        break;
    case OBSERVE_ROLE:
        if (r->reply)
            n->role_ok =
                observe_parse_role(r->reply, &n->role, n->link, sizeof(n->link), &n->offset);
        break;
    case OBSERVE_INFO:
        if (r->reply && r->reply->type == REDIS_REPLY_STRING && r->reply->len <= OBSERVE_INFO_MAX) {
            free(n->info);
            n->info = mem_xmalloc(r->reply->len + 1);
            memcpy(n->info, r->reply->str, r->reply->len);
            n->info[r->reply->len] = '\0';
            n->info_len = r->reply->len;
        }
        break;
    case OBSERVE_CMDS:
        break;
    }
}

static void observe_on_done(struct console *c, const struct console_done *d, void *arg)
{
    struct observe_req *q = arg;
    struct observe *ob = q->ob;
    (void)c;
    q->run = NULL;
    if (!ob) {
        free(q);
        return;
    }
    observe_req_unlink(q);
    bool mine = !ob->dead && ob->in_round && q->round == ob->round;
    if (mine && q->cmd == OBSERVE_PING) {
        struct observe_node *n = &ob->nodes[q->node];
        if (!n->ping_done) {
            n->ping_done = true;
            if (d->err)
                snprintf(n->error, sizeof(n->error), "%s: %s", rconn_err_name(d->err->code),
                         d->err->msg);
            else
                snprintf(n->error, sizeof(n->error), "no answer");
        }
    }
    free(q);
    if (mine && ob->pending && --ob->pending == 0)
        observe_round_end(ob);
}

/* The follower of node name (added when new). */
static size_t observe_node_slot(struct observe *ob, const char *name)
{
    for (size_t i = 0; i < ob->nnodes; i++)
        if (strcasecmp(ob->nodes[i].name, name) == 0)
            return i;
    ob->nodes = mem_xrealloc(ob->nodes, (ob->nnodes + 1) * sizeof(*ob->nodes));
    struct observe_node *n = &ob->nodes[ob->nnodes];
    memset(n, 0, sizeof(*n));
    snprintf(n->name, sizeof(n->name), "%s", name);
    return ob->nnodes++;
}

static void observe_ask(struct observe *ob, size_t node, enum observe_cmd cmd)
{
    static const char *const ping[] = {"PING"};
    static const char *const role[] = {"ROLE"};
    static const char *const info[] = {"INFO", "replication"};
    struct observe_req *q = mem_xcalloc(1, sizeof(*q));
    q->ob = ob;
    q->round = ob->round;
    q->node = node;
    q->cmd = cmd;
    struct console_request r = {
        .target = RCLUSTER_T_NODE,
        .node = ob->nodes[node].name,
        .argc = cmd == OBSERVE_INFO ? 2 : 1,
        .argv = cmd == OBSERVE_PING   ? ping
                : cmd == OBSERVE_ROLE ? role
                                      : info,
        .timeout_ms = ob->timeout_ms,
        .on_reply = observe_on_reply,
        .on_done = observe_on_done,
        .arg = q,
    };
    q->run = console_exec(ob->con, &r);
    if (!q->run) {
        free(q);
        return;
    }
    q->next = ob->reqs;
    if (ob->reqs)
        ob->reqs->prev = q;
    ob->reqs = q;
    ob->pending++;
}

static void observe_round_start(struct observe *ob)
{
    if (ob->dead || ob->in_round || !ob->ready || !ob->con)
        return;
    if (ob->next) {
        loop_untimer(ob->l, ob->next);
        ob->next = NULL;
    }
    size_t total = console_node_count(ob->con);
    if (total > OBSERVE_MAX_NODES)
        total = OBSERVE_MAX_NODES;
    ob->round++;
    ob->in_round = true;
    ob->round_start_ms = loop_wall_ms(ob->l);
    ob->pending = 0;
    free(ob->order);
    ob->order = mem_xcalloc(total + 1, sizeof(*ob->order));
    ob->norder = 0;
    for (size_t i = 0; i < ob->nnodes; i++)
        ob->nodes[i].asked = false;
    for (size_t i = 0; i < total; i++) {
        struct console_node cn;
        if (!console_node_at(ob->con, i, &cn))
            continue;
        size_t k = observe_node_slot(ob, cn.info.name);
        struct observe_node *n = &ob->nodes[k];
        if (n->asked)
            continue;
        n->asked = true;
        n->ping_done = n->ping_ok = n->role_ok = false;
        n->ping_us = -1;
        n->error[0] = n->link[0] = '\0';
        n->offset = -1;
        n->role = MODEL_ROLE_UNKNOWN;
        ob->order[ob->norder++] = k;
    }
    /* the slot map too, for the next round and for every command */
    if (ob->rounds > 0 && console_cluster(ob->con))
        rcluster_refresh(console_cluster(ob->con));
    for (size_t k = 0; k < ob->norder; k++)
        for (int c = 0; c < OBSERVE_CMDS; c++)
            observe_ask(ob, ob->order[k], (enum observe_cmd)c);
    ob->deadline = loop_timer(ob->l, ob->timeout_ms + 50, observe_deadline_fire, ob);
    if (ob->pending == 0)
        observe_round_end(ob);
}

/* ---- the session ---- */

static void observe_reopen_fire(void *arg)
{
    struct observe *ob = arg;
    ob->reopen = NULL;
    console_close(ob->con);
    ob->con = NULL;
    ob->ready = false;
    if (ob->interval_ms && !ob->next)
        ob->next = loop_timer(ob->l, ob->interval_ms, observe_next_fire, ob);
    observe_notify(ob);
}

static void observe_on_console(struct console *c, const struct console_event_info *e, void *arg)
{
    struct observe *ob = arg;
    (void)c;
    if (ob->dead)
        return;
    switch (e->ev) {
    case CONSOLE_EV_DISCOVERED:
        if (ob->state == OBSERVE_S_STARTING)
            observe_reason_set(ob, "connecting");
        break;
    case CONSOLE_EV_READY:
        ob->ready = true;
        if (!ob->next)
            ob->next = loop_timer(ob->l, 0, observe_next_fire, ob);
        break;
    case CONSOLE_EV_FAILED:
        ob->state = OBSERVE_S_UNREACHABLE;
        if (e->err)
            observe_reason_set(ob, "%s: %s", rconn_err_name(e->err->code),
                               e->text && *e->text ? e->text : e->err->msg);
        else
            observe_reason_set(ob, "%s", e->text && *e->text ? e->text : "failed");
        /* the session is closed (and opened again later) outside its
         * own callback */
        if (!ob->reopen)
            ob->reopen = loop_timer(ob->l, 0, observe_reopen_fire, ob);
        break;
    case CONSOLE_EV_TOPOLOGY:
    case CONSOLE_EV_NODE_ERROR:
    case CONSOLE_EV_REAUTH_FAILED:
    case CONSOLE_EV_NOTICE:
        break;
    }
}

static void observe_open(struct observe *ob)
{
    if (ob->dead)
        return;
    struct console_options o = {
        .loop = ob->l,
        .aws = ob->aws,
        .creds = ob->creds,
        .region = ob->region,
        .rg_id = ob->rg_id,
        .model = ob->model,
        .endpoint = ob->endpoint,
        .token_env = ob->token_env,
        .secret_id = ob->secret_id,
        .user = ob->user,
        .iam = ob->iam,
        .no_auth = ob->no_auth,
        .prompt = ob->prompt,
        .prompt_ctx = ob->prompt_ctx,
        .tls = ob->tls,
        .cafile = ob->cafile,
        .insecure = ob->insecure,
        .connect_to = (const char *const *)ob->connect_to,
        .n_connect_to = ob->n_connect_to,
        .read_only = true,
        .connect_timeout_ms = ob->timeout_ms,
        .command_timeout_ms = ob->timeout_ms,
        .client_name = "elcui-observe",
        .on_event = observe_on_console,
        .event_arg = ob,
    };
    ob->ready = false;
    if (ob->state != OBSERVE_S_OK)
        observe_reason_set(ob, "discovering the endpoint and token");
    ob->con = console_open(&o);
}

struct observe *observe_start(const struct observe_options *o)
{
    if (!o || !o->loop || (!o->rg_id && !o->endpoint))
        return NULL;
    struct observe *ob = mem_xcalloc(1, sizeof(*ob));
    ob->l = o->loop;
    ob->aws = o->aws;
    ob->creds = o->creds;
    ob->region = mem_xstrdup(o->region);
    ob->rg_id = mem_xstrdup(o->rg_id);
    ob->model = o->model ? model_group_ref(o->model) : NULL;
    ob->endpoint = mem_xstrdup(o->endpoint);
    ob->token_env = mem_xstrdup(o->token_env);
    ob->secret_id = mem_xstrdup(o->secret_id);
    ob->user = mem_xstrdup(o->user);
    ob->cafile = mem_xstrdup(o->cafile);
    ob->iam = o->iam;
    ob->no_auth = o->no_auth;
    ob->insecure = o->insecure;
    ob->prompt = o->prompt;
    ob->prompt_ctx = o->prompt_ctx;
    ob->tls = o->tls;
    if (o->n_connect_to) {
        ob->connect_to = mem_xcalloc(o->n_connect_to, sizeof(char *));
        for (size_t i = 0; i < o->n_connect_to; i++)
            ob->connect_to[i] = mem_xstrdup(o->connect_to[i]);
        ob->n_connect_to = o->n_connect_to;
    }
    ob->interval_ms = o->interval_ms;
    ob->timeout_ms = o->timeout_ms ? o->timeout_ms : OBSERVE_DEFAULT_TIMEOUT_MS;
    ob->slow_ms = o->slow_ms ? o->slow_ms : OBSERVE_DEFAULT_SLOW_MS;
    ob->cb = o->on_update;
    ob->arg = o->arg;
    ob->state = OBSERVE_S_STARTING;
    observe_open(ob);
    if (!ob->con) {
        observe_destroy(ob);
        return NULL;
    }
    return ob;
}

static void observe_destroy(struct observe *ob)
{
    /* every run of the session ends now (their on_done from here) */
    for (struct observe_req *q = ob->reqs; q; q = q->next)
        q->ob = NULL;
    ob->reqs = NULL;
    console_close(ob->con);
    ob->con = NULL;
    if (ob->deadline)
        loop_untimer(ob->l, ob->deadline);
    if (ob->next)
        loop_untimer(ob->l, ob->next);
    if (ob->reopen)
        loop_untimer(ob->l, ob->reopen);
    if (ob->notify)
        loop_untimer(ob->l, ob->notify);
    for (size_t i = 0; i < ob->nnodes; i++)
        free(ob->nodes[i].info);
    free(ob->nodes);
    free(ob->order);
    observe_view_free(ob->view);
    for (size_t i = 0; i < ob->n_connect_to; i++)
        free(ob->connect_to[i]);
    free(ob->connect_to);
    free(ob->region);
    free(ob->rg_id);
    model_group_unref(ob->model);
    free(ob->endpoint);
    free(ob->token_env);
    free(ob->secret_id);
    free(ob->user);
    free(ob->cafile);
    free(ob);
}

void observe_free(struct observe *ob)
{
    if (!ob || ob->dead)
        return;
    ob->dead = true;
    if (ob->in_cb)
        return; /* observe_notify frees it when the callback returns */
    observe_destroy(ob);
}

void observe_refresh(struct observe *ob)
{
    if (!ob || ob->dead || ob->in_round || !ob->ready)
        return;
    if (ob->next)
        loop_untimer(ob->l, ob->next);
    ob->next = loop_timer(ob->l, 0, observe_next_fire, ob);
}

enum observe_state observe_state(const struct observe *ob)
{
    return ob ? ob->state : OBSERVE_S_UNREACHABLE;
}

const char *observe_reason(const struct observe *ob)
{
    return ob ? ob->reason : "";
}

unsigned observe_rounds(const struct observe *ob)
{
    return ob ? ob->rounds : 0;
}

const struct model_redis_view *observe_view(const struct observe *ob)
{
    return ob && ob->view ? &ob->view->v : NULL;
}

struct console *observe_console(const struct observe *ob)
{
    return ob ? ob->con : NULL;
}

bool observe_merge(const struct observe *ob, struct model_group *g)
{
    if (!ob || !g)
        return false;
    int64_t now = loop_wall_ms(ob->l);
    if (ob->state == OBSERVE_S_UNREACHABLE)
        model_group_set_redis_error(g, ob->reason, now);
    else if (ob->state == OBSERVE_S_OK)
        model_group_set_redis_error(g, NULL, 0);
    if (!ob->view)
        return ob->state == OBSERVE_S_UNREACHABLE;
    model_group_merge_redis(g, &ob->view->v);
    return true;
}

void observe_status_text(const struct observe *ob, int64_t now_ms, char *out, size_t len)
{
    if (!ob) {
        snprintf(out, len, "redis: not observed");
        return;
    }
    if (ob->state == OBSERVE_S_STARTING) {
        snprintf(out, len, "redis: %s", ob->reason[0] ? ob->reason : "starting");
        return;
    }
    if (ob->state == OBSERVE_S_UNREACHABLE) {
        snprintf(out, len, "redis: unreachable (%s)", ob->reason);
        return;
    }
    size_t down = 0, slow = 0, n = 0;
    const struct model_redis_view *v = observe_view(ob);
    for (size_t i = 0; v && i < v->n_nodes; i++) {
        if (!v->nodes[i].probe.probed)
            continue;
        n++;
        if (v->nodes[i].probe.health == MODEL_HEALTH_DOWN)
            down++;
        else if (v->nodes[i].probe.health == MODEL_HEALTH_SLOW)
            slow++;
    }
    char age[16];
    model_age_text(v ? now_ms - v->fetched_ms : 0, age, sizeof(age));
    char extra[64] = "";
    if (down && slow)
        snprintf(extra, sizeof(extra), ", %zu not answering, %zu slow", down, slow);
    else if (down)
        snprintf(extra, sizeof(extra), ", %zu not answering", down);
    else if (slow)
        snprintf(extra, sizeof(extra), ", %zu slow", slow);
    snprintf(out, len, "redis: %zu node%s%s, observed %s ago", n, n == 1 ? "" : "s", extra, age);
}
