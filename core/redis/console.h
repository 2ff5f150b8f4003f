/* console.h - a command session on one replication group: the engine
 * behind `elcui exec`, `elcui latency` and the console's command screen.
 *
 * console_open() runs discovery (core/redis/discover.h: model, endpoint, token),
 * resolves the node endpoints the API lists (so replies and --node ids
 * can be matched with the nodes Redis reports by address), then starts a
 * cluster client (core/redis/rcluster.h) on the endpoint with TLS as the group
 * says (or as forced), the session's CA / --insecure / --connect-to, the
 * token or the IAM provider (core/redis/iamauth.h), and the safety policy
 * (blocked commands explained, dangerous ones needing confirmation,
 * --read-only refusing writes). When the seed cannot be used before the
 * topology is known (a dead configuration endpoint or first node), the
 * node endpoints of the model are tried in turn.
 *
 * Requests (console_exec) go slot-routed or to one node, all primaries,
 * all replicas or all nodes; every reply comes with the node's labels
 * (cache cluster id, node id, shard, AZ from the model; role from Redis),
 * the redirect path with per-hop latency, and the latency. A request can
 * repeat (N times or until cancelled) at an interval, like redis-cli -r/-i.
 * After a topology change the Redis view is merged into the model, so
 * labels follow a failover.
 *
 * Everything runs on the loop; callbacks never run from inside a console_*
 * call. The token is wiped from the discovery result as soon as the
 * cluster client has its own copy.
 */
#ifndef ELCUI_CORE_CONSOLE_H
#define ELCUI_CORE_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_client.h"
#include "aws/creds.h"
#include "core/redis/discover.h"
#include "core/loop.h"
#include "core/model/model.h"
#include "core/redis/rcluster.h"

#define CONSOLE_FOREVER ((unsigned long)-1)
#define CONSOLE_MAX_CONNECT_TO 64

enum console_tls {
    CONSOLE_TLS_AUTO = 0, /* as the group says (TransitEncryptionEnabled); TLS when unknown */
    CONSOLE_TLS_ON,
    CONSOLE_TLS_OFF,
};

enum console_state {
    CONSOLE_S_DISCOVERING,
    CONSOLE_S_RESOLVING,
    CONSOLE_S_CONNECTING,
    CONSOLE_S_READY,
    CONSOLE_S_FAILED,
};

enum console_event {
    CONSOLE_EV_DISCOVERED,    /* discovery finished (console_discovery) */
    CONSOLE_EV_READY,         /* topology known: requests run */
    CONSOLE_EV_FAILED,        /* could not start (text says why; err when Redis failed) */
    CONSOLE_EV_TOPOLOGY,      /* slot map or roles changed */
    CONSOLE_EV_NODE_ERROR,    /* a node's connection failed (node, err) */
    CONSOLE_EV_REAUTH_FAILED, /* a node could not re-authenticate (node, err) */
    CONSOLE_EV_NOTICE,        /* information for people (text): seed fallback, insecure... */
};

const char *console_event_name(enum console_event ev);

struct console_event_info {
    enum console_event ev;
    const char *node;              /* "host:port" or NULL */
    const struct rconn_error *err; /* or NULL */
    const char *text;              /* one line for people, or NULL */
};

struct console;
typedef void (*console_event_cb)(struct console *c, const struct console_event_info *e, void *arg);

struct console_options {
    struct loop *loop;
    struct aws_client *aws;       /* discovery; NULL: endpoint and token must be given */
    struct creds_provider *creds; /* IAM tokens */
    const char *region;           /* IAM signing region (default: the client's) */
    const char *rg_id;
    /* the group as the caller has just described it (a reference is
     * taken): discovery does not describe it again */
    struct model_group *model;
    /* discovery (see discover.h) */
    const char *endpoint;
    const char *token_env;
    const char *secret_id;
    const char *user;
    bool iam;
    bool no_auth;
    creds_prompt_fn prompt;
    void *prompt_ctx;
    /* connection */
    enum console_tls tls;
    enum rcluster_mode mode; /* RCLUSTER_AUTO: as the group says, else ask the seed */
    const char *cafile;      /* NULL: $ELCUI_REDIS_CACERT, else the system store */
    bool insecure;
    const char *const *connect_to; /* HOST:PORT:ADDR:PORT rules */
    size_t n_connect_to;
    bool read_only;
    /* learn the slot map from MOVED instead of loading it first (one-shot
     * commands: one round trip less; fan-out targets load it anyway) */
    bool lazy_map;
    uint64_t connect_timeout_ms; /* 0: rconn default (5 s) */
    uint64_t command_timeout_ms; /* 0: rconn default (10 s) */
    const char *client_name;     /* CLIENT SETNAME; NULL: "elcui" */
    size_t max_reply_bytes;      /* what one reply may cost in memory; 0: 64 MiB */
    int protocol;                /* 3: RESP3 from the start (HELLO 3, like redis-cli -3) */
    console_event_cb on_event;
    void *event_arg;
};

/* Starts at once (discovery first). NULL for unusable options (no loop,
 * no group and no endpoint); problems found later arrive as
 * CONSOLE_EV_FAILED. */
struct console *console_open(const struct console_options *o);
/* Pending requests end (their on_done runs with cancelled set, from
 * here); no event afterwards. Safe from inside a callback; NULL is fine. */
void console_close(struct console *c);

enum console_state console_state(const struct console *c);
const char *console_state_name(enum console_state s);
/* The failure text once CONSOLE_S_FAILED ("" otherwise). */
const char *console_error(const struct console *c);
/* Discovery's result (token wiped), or NULL before CONSOLE_EV_DISCOVERED. */
const struct discover_result *console_discovery(const struct console *c);
/* The group model (Redis view merged on topology changes), or NULL. */
struct model_group *console_model(const struct console *c);
/* The cluster client, or NULL before connecting. */
struct rcluster *console_cluster(const struct console *c);
/* TLS in use, and whether verification is off (show it loudly). */
bool console_tls(const struct console *c);
bool console_insecure(const struct console *c);
/* The loop the session runs on. */
struct loop *console_loop(const struct console *c);
/* The seed in use ("host:port"), or "". */
const char *console_seed(const struct console *c);

/* ---- labels ---- */

struct console_label {
    const char *cache_cluster_id; /* NULL when unknown */
    const char *cache_node_id;
    const char *shard; /* NodeGroupId "0001", or NULL */
    const char *az;
    enum rcluster_role role; /* from Redis */
};

/* Labels of the node "host:port" (strings borrowed from the model and
 * valid until the next topology change). */
void console_label_node(const struct console *c, const char *node, struct console_label *out);

struct console_node {
    struct rcluster_node_info info; /* name, host, port, id, role, health, slots, connected */
    struct console_label label;
};

/* Nodes of the topology (Redis's order). */
size_t console_node_count(const struct console *c);
bool console_node_at(const struct console *c, size_t i, struct console_node *out);

/* ---- requests ---- */

struct console_reply {
    const struct rcluster_reply *r; /* node, role, reply or err, slot, hops, latency */
    struct console_label label;
    unsigned long iteration; /* 1-based */
    int64_t wall_ms;         /* when it arrived */
};

/* Take the reply of a console_reply (free it with freeReplyObject or
 * rsession_reply_free_later); NULL when it has none. */
redisReply *console_reply_steal(const struct console_reply *r);

struct console_done {
    unsigned long iterations;              /* runs that completed */
    size_t replies;                        /* on_reply calls */
    size_t failures;                       /* replies without an answer (connection errors) */
    size_t error_replies;                  /* Redis error replies */
    const struct rsafety_verdict *refused; /* refused before sending (safety) */
    const struct rconn_error *err;         /* no reply at all: why */
    bool cancelled;
};

struct console_run;
typedef void (*console_reply_cb)(struct console *c, const struct console_reply *r, void *arg);
typedef void (*console_done_cb)(struct console *c, const struct console_done *d, void *arg);

struct console_request {
    enum rcluster_target_kind target;
    /* RCLUSTER_T_NODE: cache cluster id, host:port, Redis node id, or
     * SHARD:ROLE ("0003:primary", "2:replica": the shard's primary, its
     * first replica) by the roles of the group's model at the time the
     * request starts (Redis's when it answers) */
    const char *node;
    int argc;
    const char *const *argv;
    const size_t *argvlen; /* NULL: strlen */
    bool confirmed;        /* the person confirmed a dangerous command */
    unsigned long repeat;  /* 0 or 1: once; CONSOLE_FOREVER: until cancelled */
    uint64_t interval_ms;  /* between the end of one run and the next */
    /* with repeat and no interval: keep this many runs in flight at once
     * (like redis-benchmark -P); 0 or 1: one at a time. Replies come in
     * order per node; console_reply.iteration is the oldest run's */
    unsigned pipeline;
    uint64_t timeout_ms; /* per attempt; 0: default */
    console_reply_cb on_reply;
    console_done_cb on_done; /* exactly once */
    void *arg;
};

/* Queue a request (arguments copied). Before CONSOLE_EV_READY it waits
 * for the session; on a failed session it ends with err. NULL only for an
 * unusable request (no arguments, no on_done), with no callback. */
struct console_run *console_exec(struct console *c, const struct console_request *req);
/* Stop a run: no more replies; on_done runs (cancelled) from the loop.
 * After on_done the handle is gone. */
void console_run_cancel(struct console_run *r);

/* A node name for requests: SHARD:ROLE turned into the node's cache
 * cluster id by the model's effective roles; any other name is copied.
 * false (err says why) for an unknown shard or a role nobody knows. */
bool console_resolve_node(const struct console *c, const char *spec, char *out, size_t outlen,
                          char *err, size_t errlen);

/* ---- message streams (SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, MONITOR) ---- */

struct console_stream;

struct console_stream_msg {
    const struct rcluster_stream_msg *m; /* node, reply (valid during the callback) */
    struct console_label label;
    int64_t wall_ms; /* when it arrived */
};

typedef void (*console_stream_msg_cb)(struct console *c, const struct console_stream_msg *m,
                                      void *arg);
/* Once: err NULL after console_stream_stop. The handle is gone after it. */
typedef void (*console_stream_end_cb)(struct console *c, const struct rconn_error *err, void *arg);

struct console_stream_request {
    enum rcluster_target_kind target;
    const char *node;
    int argc;
    const char *const *argv;
    const size_t *argvlen;
    console_stream_msg_cb on_message;
    console_stream_end_cb on_end;
    void *arg;
};

/* A stream on the session's cluster client (see rcluster_stream_start):
 * its messages labelled like replies. NULL with err when it cannot start
 * (the session is not ready, not a stream command, no such node). */
struct console_stream *console_stream_start(struct console *c,
                                            const struct console_stream_request *q,
                                            struct rconn_error *err);
/* End it on the server; on_end follows from the loop. */
void console_stream_stop(struct console_stream *st);
/* The nodes it streams from ("host:port"). */
size_t console_stream_nodes(const struct console_stream *st);
const char *console_stream_node(const struct console_stream *st, size_t i);

/* ---- pure helpers ---- */

/* What an interactive history may keep of a command line: the line cut
 * before the first argument that may carry a secret (AUTH/AUTH2 and
 * everything after, HELLO ... AUTH, ACL SETUSER, CONFIG SET
 * requirepass/masterauth/masteruser, MIGRATE ... AUTH/AUTH2), trimmed;
 * NULL for a line that should not be kept at all (unparsable, empty).
 * Caller frees. */
char *console_history_entry(const char *line);

/* Target names for people: "slot", "node", "primaries", "replicas", "all". */
const char *console_target_name(enum rcluster_target_kind t);

#endif
