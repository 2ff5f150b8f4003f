/* rcluster.h - the Redis cluster client: topology, routing, redirects.
 *
 * One rcluster per replication group. It starts from a seed (the
 * configuration endpoint, a node, or the primary endpoint of a
 * cluster-mode-disabled group), learns the topology (CLUSTER SHARDS,
 * falling back to CLUSTER SLOTS; ROLE per node when cluster mode is off),
 * and runs commands:
 *  - slot-routed (default): the key's slot (CRC16 with {hash tags}, key
 *    positions from COMMAND INFO / COMMAND GETKEYS, built-in table as a
 *    fallback) picks the primary; MOVED and ASK (with ASKING) are followed
 *    on connections that keep TLS and AUTH, the slot map is refreshed on
 *    MOVED, and after a dead node or a failover the map is refreshed and
 *    the command retried once on the new owner (writes only when they
 *    were certainly not sent). Without cluster mode everything goes to the
 *    primary endpoint and no CLUSTER command is ever sent.
 *  - one node, all primaries, all replicas, all nodes: one reply per node.
 * Every reply is labelled with the node (host:port, Redis node id, role,
 * and the caller's cache cluster id / node id when a name map is given),
 * the redirect path with per-hop latency, and the latency.
 *
 * Commands submitted in the same loop iteration are pipelined per node.
 * An optional safety policy (rsafety) is applied to every request.
 */
#ifndef ELCUI_CORE_RCLUSTER_H
#define ELCUI_CORE_RCLUSTER_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/loop.h"
#include "core/redis/rconn.h"
#include "core/redis/rsafety.h"

#define RCLUSTER_MAX_HOPS 8
#define RCLUSTER_NAME_MAX 300

enum rcluster_mode {
    RCLUSTER_AUTO = 0,   /* ask the seed (CLUSTER SHARDS, or "cluster support disabled") */
    RCLUSTER_CLUSTER,    /* cluster mode enabled */
    RCLUSTER_STANDALONE, /* cluster mode disabled: primary (+ reader) endpoint */
};

enum rcluster_role {
    RCLUSTER_ROLE_UNKNOWN = 0,
    RCLUSTER_ROLE_PRIMARY,
    RCLUSTER_ROLE_REPLICA,
};

const char *rcluster_role_name(enum rcluster_role r); /* "primary", "replica", "unknown" */
const char *rcluster_mode_name(enum rcluster_mode m); /* "auto", "cluster", "standalone" */

/* The caller's labels for nodes (from the AWS API), matched by host
 * (case-insensitive) and port. In standalone mode they are also the nodes
 * that "all primaries / replicas / nodes" reach. */
struct rcluster_name {
    const char *host;
    int port;
    const char *cache_cluster_id; /* e.g. "app-0001-001" */
    const char *cache_node_id;    /* e.g. "0001" */
};

enum rcluster_event {
    RCLUSTER_EV_READY,         /* topology known (or lazy: seed usable) */
    RCLUSTER_EV_TOPOLOGY,      /* the slot map or roles changed */
    RCLUSTER_EV_NODE_ERROR,    /* a node's connection failed (err, node) */
    RCLUSTER_EV_FAILED,        /* no seed or node could give a topology (err) */
    RCLUSTER_EV_REAUTH_FAILED, /* a node could not re-authenticate (err, node) */
};

struct rcluster;

typedef void (*rcluster_event_cb)(struct rcluster *cl, enum rcluster_event ev, const char *node,
                                  const struct rconn_error *err, void *arg);

struct rcluster_options {
    const char *host; /* seed */
    int port;
    enum rcluster_mode mode;
    const char *reader_host; /* standalone: reader endpoint (optional, a NODE target) */
    int reader_port;
    struct rconn_tls *tls;             /* NULL: plain TCP (a reference is taken) */
    const struct rconn_routes *routes; /* --connect-to (copied) */
    uint64_t connect_timeout_ms;       /* 0: rconn default */
    uint64_t command_timeout_ms;       /* 0: rconn default */
    const char *user;                  /* RBAC user */
    const char *password;              /* copied; wiped when the cluster is freed */
    rconn_cred_fn cred;                /* credential provider (IAM); overrides password */
    void *cred_arg;
    const char *client_name;
    size_t max_reply_bytes; /* per reply, in memory; 0: rconn default */
    int protocol;           /* 3: RESP3 (HELLO 3) on every connection; 0 or 2: RESP2 */
    bool lazy_map;          /* with mode RCLUSTER_CLUSTER: no map load up front; the first
                               MOVED teaches the slot and starts a full refresh */
    const struct rsafety_policy *safety; /* copied; NULL: no checks */
    int max_redirects;                   /* 0: 5 */
    const struct rcluster_name *names;   /* copied */
    size_t nnames;
    rcluster_event_cb on_event;
    void *event_arg;
};

/* Starts connecting to the seed right away. NULL for unusable options. */
struct rcluster *rcluster_new(struct loop *l, const struct rcluster_options *o);
/* Every pending request completes (error "closed"), connections close.
 * Safe from inside a callback of this cluster. */
void rcluster_free(struct rcluster *cl);

/* ---- requests ---- */

enum rcluster_target_kind {
    RCLUSTER_T_SLOT = 0, /* by key slot (keyless: one primary) */
    RCLUSTER_T_NODE,     /* one node: "host:port", node id (or a unique prefix of 6+),
                            or a cache cluster id from the name map */
    RCLUSTER_T_PRIMARIES,
    RCLUSTER_T_REPLICAS,
    RCLUSTER_T_ALL,
};

enum rcluster_hop_kind {
    RCLUSTER_HOP_MOVED,
    RCLUSTER_HOP_ASK,
    RCLUSTER_HOP_TRYAGAIN, /* TRYAGAIN / CLUSTERDOWN: waited and retried */
    RCLUSTER_HOP_RETRY,    /* connection failed (or READONLY after a failover): retried */
};

const char *rcluster_hop_name(enum rcluster_hop_kind k); /* "moved", "ask", ... */

struct rcluster_hop {
    enum rcluster_hop_kind kind;
    char node[RCLUSTER_NAME_MAX]; /* the node that redirected us (or failed) */
    char to[RCLUSTER_NAME_MAX];   /* where we went next */
    int slot;
    uint64_t latency_us; /* of the attempt that ended in this hop */
    enum rconn_err err;  /* RETRY: why the attempt failed */
};

struct rcluster_reply {
    const char *node;    /* "host:port" that answered (or failed) */
    const char *addr;    /* "ip:port" its connection reached ("" when none) */
    const char *node_id; /* Redis node id, "" when unknown */
    enum rcluster_role role;
    const char *cache_cluster_id; /* from the name map, or NULL */
    const char *cache_node_id;
    redisReply *reply;               /* NULL when err; freed after the callback unless stolen */
    const struct rconn_trunc *trunc; /* non-NULL: reply cut at --max-reply-size */
    /* RESP3 push messages the node sent before the reply (CLIENT
     * TRACKING invalidations...), oldest first, redirects included; valid
     * during the callback */
    redisReply *const *pushes;
    size_t npushes;
    uint64_t pushes_dropped; /* not kept (rconn's bound) */
    const struct rconn_error *err;
    int slot; /* -1 when not routed by slot */
    const struct rcluster_hop *hops;
    size_t nhops;
    uint64_t latency_us; /* the last attempt */
    uint64_t total_us;   /* since rcluster_exec: lookups, connects and redirects included */
    /* the node, the same for every reply of that node while node_gen is
     * unchanged (it changes whenever a node is added, renamed or gets a
     * new connection): what a caller derives from node, addr and the
     * names may be kept under this key (for one rcluster) */
    const void *node_key;
    unsigned node_gen;
};

typedef void (*rcluster_reply_cb)(struct rcluster *cl, struct rcluster_reply *r, void *arg);

redisReply *rcluster_reply_steal(struct rcluster_reply *r);

struct rcluster_done {
    size_t replies;                        /* on_reply calls */
    size_t errors;                         /* of which with err set */
    const struct rsafety_verdict *refused; /* non-NULL: refused before sending */
    const struct rconn_error *err;         /* no reply at all: why (refused, unknown node...) */
};

typedef void (*rcluster_done_cb)(struct rcluster *cl, const struct rcluster_done *d, void *arg);

struct rcluster_request {
    enum rcluster_target_kind target;
    const char *node; /* RCLUSTER_T_NODE */
    int argc;
    const char *const *argv;
    const size_t *argvlen;      /* NULL: strlen */
    bool confirmed;             /* the person confirmed a dangerous command (--yes) */
    uint64_t timeout_ms;        /* per attempt; 0: default */
    rcluster_reply_cb on_reply; /* once per node reply */
    rcluster_done_cb on_done;   /* exactly once, after the last reply; never synchronously */
    void *arg;
    /* The caller keeps argv, argvlen (not NULL then) and wire valid and
     * unchanged until on_done: they are not copied (a repeated command
     * costs no copies per run). */
    bool borrowed;
    /* argv as redisFormatCommandArgv formats it, or NULL (formatted per send) */
    const char *wire;
    size_t wirelen;
};

/* Queue a request (arguments are copied unless borrowed). 0, or -1 when
 * the cluster is being freed or the request is empty (no callback then). */
int rcluster_exec(struct rcluster *cl, const struct rcluster_request *req);

/* Reload the topology now (the doctor, the model's refresh). */
void rcluster_refresh(struct rcluster *cl);

/* The protocol of the cluster's connections: 2, or 3 once a HELLO 3 was
 * accepted by a node (a request's, or the options'): every connection,
 * open or opened later, streams included, then speaks RESP3 (HELLO 3 of
 * elcui's own); a HELLO 2 accepted brings them all back. */
int rcluster_protocol(const struct rcluster *cl);

/* ---- state ---- */

struct rcluster_info {
    enum rcluster_mode mode; /* as resolved (AUTO until the seed answered) */
    bool ready;
    bool tls;
    bool insecure;
    size_t nodes; /* nodes of the topology */
    size_t shards;
    size_t slots_covered;   /* slots owned by a primary not reported failed */
    const char *map_source; /* "CLUSTER SHARDS", "CLUSTER SLOTS", "MOVED", "ROLE", "" */
    uint64_t map_age_ms;
    unsigned refreshes, moved, asked, retries;
    const struct rconn_error *error; /* the last topology failure, or NULL */
};

void rcluster_get_info(const struct rcluster *cl, struct rcluster_info *out);

struct rcluster_node_info {
    const char *name; /* host:port */
    const char *host;
    int port;
    const char *id; /* Redis node id ("" when unknown) */
    enum rcluster_role role;
    const char *primary_id;       /* a replica's primary ("" when unknown) */
    const char *health;           /* CLUSTER SHARDS health ("online", "failed", "loading") or "" */
    int shard;                    /* index of its shard, -1 */
    const char *cache_cluster_id; /* from the name map, or NULL */
    const char *cache_node_id;
    long long repl_offset;
    size_t nslots;                        /* slots it serves (primaries) */
    bool connected;                       /* a ready connection exists */
    const struct rconn_error *last_error; /* its last connection failure, or NULL */
};

/* Nodes of the topology, in the order Redis reported them. */
size_t rcluster_node_count(const struct rcluster *cl);
/* The mode alone (rcluster_get_info counts the covered slots too). */
enum rcluster_mode rcluster_mode(const struct rcluster *cl);
bool rcluster_node_at(const struct rcluster *cl, size_t i, struct rcluster_node_info *out);
/* The live connection details of node i (false when it has none). */
bool rcluster_node_conn(const struct rcluster *cl, size_t i, struct rconn_info *out);
/* Slot ranges of shard s: pairs (start, end) inclusive. */
size_t rcluster_shard_ranges(const struct rcluster *cl, size_t s, const int (**ranges)[2]);
/* Node index serving slot (its primary), or -1. */
int rcluster_slot_owner(const struct rcluster *cl, int slot);

/* ---- message streams (SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, MONITOR) ---- */

/* A stream gets connections of its own (TLS and AUTH as the cluster's):
 * slot-routed, SSUBSCRIBE goes to the owner of its channels' slot (they
 * must share one) and follows it (MOVED, or the node giving the slot away
 * after a failover or a migration: subscribed again on the new owner);
 * SUBSCRIBE, PSUBSCRIBE and MONITOR slot-routed go to one node (a classic
 * channel's messages reach every node); a node, or one stream per node
 * of all primaries, all replicas, all nodes. Messages arrive as the node
 * sends them, labelled with it. Stopping ends it on the server
 * (UNSUBSCRIBE, PUNSUBSCRIBE, SUNSUBSCRIBE, or RESET for MONITOR, then the
 * connection closes once confirmed, or after 3 s). */

struct rcluster_stream;

struct rcluster_stream_msg {
    const char *node;    /* host:port */
    const char *addr;    /* "ip:port" its connection reached ("" when none) */
    const char *node_id; /* Redis node id, "" when unknown */
    enum rcluster_role role;
    const char *cache_cluster_id; /* from the name map, or NULL */
    const redisReply *msg;        /* as the node sent it (valid during the callback) */
};

typedef void (*rcluster_stream_msg_cb)(struct rcluster_stream *st,
                                       const struct rcluster_stream_msg *m, void *arg);
/* Once, from the loop: err NULL after rcluster_stream_stop, else why it
 * ended (a refused command, a closed connection). The handle is gone when
 * it returns. */
typedef void (*rcluster_stream_end_cb)(struct rcluster_stream *st, const struct rconn_error *err,
                                       void *arg);

struct rcluster_stream_request {
    enum rcluster_target_kind target;
    const char *node; /* RCLUSTER_T_NODE */
    int argc;
    const char *const *argv;
    const size_t *argvlen; /* NULL: strlen */
    rcluster_stream_msg_cb on_message;
    rcluster_stream_end_cb on_end;
    void *arg;
};

/* Is argv a command that starts a stream? */
bool rcluster_stream_command(int argc, const char *const *argv, const size_t *argvlen);
/* NULL with err (usage) for what cannot stream: not a stream command, no
 * channel, SSUBSCRIBE channels in different slots, no such node. */
struct rcluster_stream *rcluster_stream_start(struct rcluster *cl,
                                              const struct rcluster_stream_request *q,
                                              struct rconn_error *err);
/* End it on the server; on_end follows. */
void rcluster_stream_stop(struct rcluster_stream *st);
/* The nodes it streams from. */
size_t rcluster_stream_legs(const struct rcluster_stream *st);
const char *rcluster_stream_leg_node(const struct rcluster_stream *st, size_t i);

#endif
