/* rcluster_stream.c - message streams of a cluster (SUBSCRIBE,
 * PSUBSCRIBE, SSUBSCRIBE, MONITOR): one connection per node listened to,
 * following MOVED and moved slots, each leg ended once. */
#include "core/redis/rcluster_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/mem.h"
#include "core/redis/crc16.h"
#include "core/redis/rcluster_node.h"

#define RSTREAM_MAX_LEGS 1024
#define RSTREAM_MAX_FOLLOWS 10
#define RSTREAM_STOP_MS 3000
#define RSTREAM_FOLLOW_MS 300

enum rstream_kind { RSTREAM_SUB, RSTREAM_PSUB, RSTREAM_SSUB, RSTREAM_MONITOR };

struct rstream_leg {
    struct rcluster_stream *st;
    struct rnode *node; /* the cluster's (never freed before it) */
    struct rconn *conn;
    bool done;   /* no more messages from it */
    int follows; /* re-subscriptions after MOVED or a moved slot */
    struct loop_timer *timer;
};

struct rcluster_stream {
    struct rcluster *cl;
    struct rcluster_stream *next;
    enum rstream_kind kind;
    int argc;
    char **argv;
    size_t *argvlen;
    int slot; /* SSUBSCRIBE: the channels' slot */
    struct rstream_leg *legs;
    size_t nlegs;
    bool stopping;
    bool ended;
    struct rconn_error err;
    bool has_err;
    struct loop_timer *timer; /* the stop deadline, or the deferred end */
    rcluster_stream_msg_cb on_message;
    rcluster_stream_end_cb on_end;
    void *arg;
};

static void rstream_leg_open(struct rstream_leg *g);

static void rstream_free(struct rcluster_stream *st)
{
    struct rcluster *cl = st->cl;
    for (struct rcluster_stream **p = &cl->streams; *p; p = &(*p)->next)
        if (*p == st) {
            *p = st->next;
            break;
        }
    for (size_t i = 0; i < st->nlegs; i++) {
        struct rstream_leg *g = &st->legs[i];
        if (g->timer)
            loop_untimer(cl->l, g->timer);
        if (g->conn) {
            struct rconn *c = g->conn;
            g->conn = NULL;
            rconn_close(c);
        }
    }
    if (st->timer)
        loop_untimer(cl->l, st->timer);
    for (int i = 0; i < st->argc; i++) {
        mem_wipe(st->argv[i], st->argvlen[i]);
        free(st->argv[i]);
    }
    free(st->argv);
    free(st->argvlen);
    free(st->legs);
    free(st);
}

/* on_end, once, then the stream is gone. */
static void rstream_end(struct rcluster_stream *st)
{
    if (st->ended)
        return;
    st->ended = true;
    if (st->on_end)
        st->on_end(st, st->has_err ? &st->err : NULL, st->arg);
    rstream_free(st);
}

static void rstream_end_fire(void *arg)
{
    struct rcluster_stream *st = arg;
    st->timer = NULL;
    rstream_end(st);
}

static void rstream_check_end(struct rcluster_stream *st)
{
    for (size_t i = 0; i < st->nlegs; i++)
        if (!st->legs[i].done)
            return;
    if (st->timer)
        loop_untimer(st->cl->l, st->timer);
    /* from the loop: never inside the caller's own callback chain */
    st->timer = loop_timer(st->cl->l, 0, rstream_end_fire, st);
}

static void rstream_leg_done(struct rstream_leg *g, const struct rconn_error *e)
{
    if (g->done)
        return;
    g->done = true;
    if (g->timer) {
        loop_untimer(g->st->cl->l, g->timer);
        g->timer = NULL;
    }
    if (g->conn) {
        struct rconn *c = g->conn;
        g->conn = NULL;
        rconn_close(c);
    }
    if (e && !g->st->has_err && !g->st->stopping) {
        g->st->err = *e;
        g->st->has_err = true;
    }
    rstream_check_end(g->st);
}

static bool rstream_is(const redisReply *r, size_t i, const char *s)
{
    return r->type == REDIS_REPLY_ARRAY && i < r->elements && r->element[i] &&
           (r->element[i]->type == REDIS_REPLY_STRING ||
            r->element[i]->type == REDIS_REPLY_STATUS) &&
           strlen(s) == r->element[i]->len && strncasecmp(r->element[i]->str, s, strlen(s)) == 0;
}

static void rstream_follow_fire(void *arg)
{
    struct rstream_leg *g = arg;
    g->timer = NULL;
    if (g->st->stopping) {
        rstream_leg_done(g, NULL);
        return;
    }
    /* the channels' slot, as the map says now */
    struct rcluster *cl = g->st->cl;
    struct rnode *n = g->st->slot >= 0 ? cl->slots[g->st->slot] : NULL;
    if (n)
        g->node = n;
    rstream_leg_open(g);
}

/* Subscribe again on the slot's owner (after MOVED, or after the node
 * said the slot moved): the map is refreshed meanwhile. */
static void rstream_follow(struct rstream_leg *g, struct rnode *to)
{
    struct rcluster *cl = g->st->cl;
    if (g->follows++ >= RSTREAM_MAX_FOLLOWS) {
        struct rconn_error e;
        rconn_error_set(&e, RCONN_ERR_PROTOCOL,
                        "the channel's slot moved %d times: the subscription stopped",
                        RSTREAM_MAX_FOLLOWS);
        rstream_leg_done(g, &e);
        return;
    }
    if (g->conn) {
        struct rconn *c = g->conn;
        g->conn = NULL;
        rconn_close(c);
    }
    if (to)
        g->node = to;
    rcluster_refresh_start(cl);
    g->timer = loop_timer(cl->l, to ? 0 : RSTREAM_FOLLOW_MS, rstream_follow_fire, g);
}

static void rstream_on_push(struct rconn *c, const redisReply *msg, void *arg)
{
    struct rstream_leg *g = arg;
    struct rcluster_stream *st = g->st;
    struct rcluster *cl = st->cl;
    (void)c;
    rcluster_enter(cl);
    if (msg->type == REDIS_REPLY_ERROR && msg->str && !rconn_pushing(g->conn)) {
        int slot, port;
        char host[RCLUSTER_NAME_MAX];
        if (strncmp(msg->str, "MOVED ", 6) == 0 &&
            rcluster_parse_redirect(msg->str, &slot, host, sizeof(host), &port)) {
            cl->moved++;
            /* only to a node of the group's topology: else the map is
             * loaded again and the slot's owner is asked */
            rstream_follow(g, rcluster_redirect_node(cl, host, port));
            rcluster_leave(cl);
            return;
        }
    }
    struct rconn_info ci;
    bool have_ci = g->conn != NULL;
    if (have_ci)
        rconn_get_info(g->conn, &ci);
    struct rcluster_stream_msg m = {
        .node = g->node->name,
        .addr = have_ci && ci.addr ? ci.addr : "",
        .node_id = g->node->id ? g->node->id : "",
        .role = g->node->role,
        .cache_cluster_id = g->node->cc_id,
        .msg = msg,
    };
    bool unsub = rstream_is(msg, 0, "unsubscribe") || rstream_is(msg, 0, "punsubscribe") ||
                 rstream_is(msg, 0, "sunsubscribe");
    bool last = unsub && msg->elements >= 3 && msg->element[2]->type == REDIS_REPLY_INTEGER &&
                msg->element[2]->integer == 0;
    bool moved = st->kind == RSTREAM_SSUB && last && !st->stopping;
    if (st->on_message && !st->ended)
        st->on_message(st, &m, st->arg);
    /* the callback may have closed the cluster (and every stream with it) */
    if (cl->closing || st->ended || !g->conn) {
        rcluster_leave(cl);
        return;
    }
    if (msg->type == REDIS_REPLY_ERROR && !rconn_pushing(g->conn)) {
        /* refused (NOAUTH, an unknown command, CROSSSLOT...): said above */
        struct rconn_error e;
        rconn_error_set(&e, RCONN_ERR_USAGE, "%s refused it: %.400s", g->node->name,
                        msg->str ? msg->str : "error");
        rstream_leg_done(g, &e);
    } else if (moved) {
        /* the node gave the shard channel's slot away: follow it */
        rstream_follow(g, NULL);
    } else if (st->stopping &&
               (last || (st->kind == RSTREAM_MONITOR &&
                         (msg->type == REDIS_REPLY_STATUS || msg->type == REDIS_REPLY_ERROR) &&
                         msg->str && strcasecmp(msg->str, "RESET") == 0))) {
        /* ended on the server */
        rstream_leg_done(g, NULL);
    }
    rcluster_leave(cl);
}

static void rstream_on_conn(struct rconn *c, enum rconn_event ev, const struct rconn_error *e,
                            void *arg)
{
    struct rstream_leg *g = arg;
    (void)c;
    if (ev != RCONN_EV_CLOSED)
        return;
    struct rcluster *cl = g->st->cl;
    rcluster_enter(cl);
    g->conn = NULL; /* closed: released by itself */
    rconn_close(c);
    rstream_leg_done(g, e);
    rcluster_leave(cl);
}

static void rstream_leg_open(struct rstream_leg *g)
{
    struct rcluster_stream *st = g->st;
    struct rcluster *cl = st->cl;
    struct rnode *n = g->node;
    struct rconn_options o;
    rcluster_conn_options(cl, n, rstream_on_conn, g, &o);
    g->conn = rconn_open(cl->l, &o);
    struct rconn_error e;
    if (!g->conn) {
        rconn_error_set(&e, RCONN_ERR_USAGE, "cannot connect to %s", n->name);
        rstream_leg_done(g, &e);
        return;
    }
    if (rconn_push_start(g->conn, st->argc, (const char *const *)st->argv, st->argvlen,
                         rstream_on_push, g) != 0) {
        rconn_error_set(&e, RCONN_ERR_USAGE, "cannot start the stream on %s", n->name);
        rstream_leg_done(g, &e);
    }
}

static void rstream_stop_deadline(void *arg)
{
    struct rcluster_stream *st = arg;
    st->timer = NULL;
    /* what did not confirm in time is closed: that ends it on the server too */
    for (size_t i = 0; i < st->nlegs; i++)
        rstream_leg_done(&st->legs[i], NULL);
}

static bool rstream_word(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

bool rcluster_stream_command(int argc, const char *const *argv, const size_t *argvlen)
{
    if (argc < 1)
        return false;
    size_t n = argvlen ? argvlen[0] : strlen(argv[0]);
    return rstream_word(argv[0], n, "SUBSCRIBE") || rstream_word(argv[0], n, "PSUBSCRIBE") ||
           rstream_word(argv[0], n, "SSUBSCRIBE") || rstream_word(argv[0], n, "MONITOR");
}

/* What a stream request asks for: its kind and, for SSUBSCRIBE, the
 * channels' one slot (-1 otherwise). False with err when it is not a
 * stream command, lacks channels, or spreads over slots. */
static bool rstream_check(const struct rcluster *cl, const struct rcluster_stream_request *q,
                          enum rstream_kind *kindp, int *slotp, struct rconn_error *err)
{
    if (!cl || cl->closing || !q || q->argc < 1 || !q->argv ||
        !rcluster_stream_command(q->argc, q->argv, q->argvlen)) {
        rconn_error_set(err, RCONN_ERR_USAGE,
                        "a stream is SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE or MONITOR");
        return false;
    }
    size_t n0 = q->argvlen ? q->argvlen[0] : strlen(q->argv[0]);
    enum rstream_kind kind = rstream_word(q->argv[0], n0, "SUBSCRIBE")    ? RSTREAM_SUB
                             : rstream_word(q->argv[0], n0, "PSUBSCRIBE") ? RSTREAM_PSUB
                             : rstream_word(q->argv[0], n0, "SSUBSCRIBE") ? RSTREAM_SSUB
                                                                          : RSTREAM_MONITOR;
    if (kind != RSTREAM_MONITOR && q->argc < 2) {
        rconn_error_set(err, RCONN_ERR_USAGE, "%.*s wants at least one channel", (int)n0,
                        q->argv[0]);
        return false;
    }
    if (kind == RSTREAM_MONITOR && q->argc != 1) {
        rconn_error_set(err, RCONN_ERR_USAGE, "MONITOR takes no argument");
        return false;
    }
    int slot = -1;
    if (kind == RSTREAM_SSUB) {
        for (int i = 1; i < q->argc; i++) {
            size_t l = q->argvlen ? q->argvlen[i] : strlen(q->argv[i]);
            int s = crc16_keyslot(q->argv[i], l);
            if (slot >= 0 && s != slot) {
                rconn_error_set(err, RCONN_ERR_USAGE,
                                "SSUBSCRIBE channels must share a slot ({hash tags}): %d and %d",
                                slot, s);
                return false;
            }
            slot = s;
        }
    }
    *kindp = kind;
    *slotp = slot;
    return true;
}

/* The nodes a stream listens on: the slot's node (any node for a classic
 * channel), the node named, or every primary, replica or node. Returns
 * how many (at most RSTREAM_MAX_LEGS). */
static size_t rstream_pick(struct rcluster *cl, const struct rcluster_stream_request *q, int slot,
                           struct rnode **pick)
{
    size_t np = 0;
    switch (q->target) {
    case RCLUSTER_T_SLOT: {
        struct rnode *n = slot >= 0 && cl->mode == RCLUSTER_CLUSTER ? cl->slots[slot] : NULL;
        if (!n)
            n = rcluster_home(cl); /* a classic channel reaches every node: any one will do */
        if (n)
            pick[np++] = n;
        break;
    }
    case RCLUSTER_T_NODE: {
        struct rnode *n = rcluster_find_target(cl, q->node);
        if (n)
            pick[np++] = n;
        break;
    }
    case RCLUSTER_T_PRIMARIES:
    case RCLUSTER_T_REPLICAS:
    case RCLUSTER_T_ALL:
        for (size_t i = 0; i < cl->norder && np < RSTREAM_MAX_LEGS; i++) {
            struct rnode *n = cl->order[i];
            if (q->target == RCLUSTER_T_PRIMARIES && n->role != RCLUSTER_ROLE_PRIMARY)
                continue;
            if (q->target == RCLUSTER_T_REPLICAS && n->role != RCLUSTER_ROLE_REPLICA)
                continue;
            pick[np++] = n;
        }
        break;
    }
    return np;
}

struct rcluster_stream *rcluster_stream_start(struct rcluster *cl,
                                              const struct rcluster_stream_request *q,
                                              struct rconn_error *err)
{
    enum rstream_kind kind;
    int slot;
    if (!rstream_check(cl, q, &kind, &slot, err))
        return NULL;
    struct rnode **pick = mem_xcalloc(RSTREAM_MAX_LEGS, sizeof(*pick));
    size_t np = rstream_pick(cl, q, slot, pick);
    if (np == 0) {
        free(pick);
        if (q->target == RCLUSTER_T_NODE)
            rconn_error_set(err, RCONN_ERR_USAGE, "no node '%s'", q->node ? q->node : "");
        else
            rconn_error_set(err, RCONN_ERR_USAGE,
                            "no node to stream from (the topology is "
                            "not known yet)");
        return NULL;
    }
    struct rcluster_stream *st = mem_xcalloc(1, sizeof(*st));
    st->cl = cl;
    st->kind = kind;
    st->slot = slot;
    st->argc = q->argc;
    st->argv = mem_xcalloc((size_t)q->argc, sizeof(char *));
    st->argvlen = mem_xcalloc((size_t)q->argc, sizeof(size_t));
    for (int i = 0; i < q->argc; i++) {
        size_t l = q->argvlen ? q->argvlen[i] : strlen(q->argv[i]);
        st->argv[i] = mem_xmalloc(l + 1);
        memcpy(st->argv[i], q->argv[i], l);
        st->argv[i][l] = '\0';
        st->argvlen[i] = l;
    }
    st->on_message = q->on_message;
    st->on_end = q->on_end;
    st->arg = q->arg;
    st->legs = mem_xcalloc(np, sizeof(*st->legs));
    st->nlegs = np;
    st->next = cl->streams;
    cl->streams = st;
    for (size_t i = 0; i < np; i++) {
        st->legs[i].st = st;
        st->legs[i].node = pick[i];
    }
    free(pick);
    /* connections open from the loop: no callback from inside this call */
    for (size_t i = 0; i < st->nlegs; i++)
        st->legs[i].timer = loop_timer(cl->l, 0, rstream_follow_fire, &st->legs[i]);
    return st;
}

void rcluster_stream_stop(struct rcluster_stream *st)
{
    if (!st || st->stopping || st->ended)
        return;
    st->stopping = true;
    static const char *const unsub[] = {"UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "RESET"};
    const char *argv[1] = {unsub[st->kind]};
    for (size_t i = 0; i < st->nlegs; i++) {
        struct rstream_leg *g = &st->legs[i];
        if (g->done)
            continue;
        /* ended on the server: UNSUBSCRIBE (RESET for MONITOR), then closed
         * once it confirms; a connection not subscribed yet just closes */
        if (!g->conn || !rconn_pushing(g->conn) || rconn_push_send(g->conn, 1, argv, NULL) != 0) {
            if (g->timer) {
                loop_untimer(st->cl->l, g->timer);
                g->timer = NULL;
            }
            g->done = true;
            if (g->conn) {
                struct rconn *c = g->conn;
                g->conn = NULL;
                rconn_close(c);
            }
        }
    }
    bool all = true;
    for (size_t i = 0; i < st->nlegs; i++)
        all = all && st->legs[i].done;
    if (all) {
        rstream_check_end(st);
        return;
    }
    st->timer = loop_timer(st->cl->l, RSTREAM_STOP_MS, rstream_stop_deadline, st);
}

size_t rcluster_stream_legs(const struct rcluster_stream *st)
{
    return st ? st->nlegs : 0;
}

const char *rcluster_stream_leg_node(const struct rcluster_stream *st, size_t i)
{
    return st && i < st->nlegs ? st->legs[i].node->name : NULL;
}

void rcluster_stream_close_all(struct rcluster *cl)
{
    struct rconn_error e;
    rconn_error_set(&e, RCONN_ERR_CLOSED, "the cluster client was closed");
    while (cl->streams) {
        struct rcluster_stream *st = cl->streams;
        if (!st->has_err) {
            st->err = e;
            st->has_err = true;
        }
        rstream_end(st);
    }
}
