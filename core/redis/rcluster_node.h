/* rcluster_node.h - what rcluster.c shares with the parts of the cluster
 * engine in other files (rcluster_stream.c): the cluster, node and request
 * records and the few steps they call. Internal to core/redis/rcluster*.c;
 * everything else uses rcluster.h.
 */
#ifndef ELCUI_CORE_RCLUSTER_NODE_H
#define ELCUI_CORE_RCLUSTER_NODE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/redis/rcluster.h"
#include "core/redis/rconn.h"
#include "core/redis/rsafety.h"

#define RCLUSTER_DEFAULT_REDIRECTS 5
#define RCLUSTER_TRYAGAIN_MS 100
#define RCLUSTER_MAX_TRYAGAIN 5
#define RCLUSTER_REFRESH_TRIES 4
#define RCLUSTER_CACHE_BUCKETS 512

struct rcluster;
struct rop;

struct rnode {
    struct rcluster *cl;
    char *host;
    int port;
    char *name;
    char *id;
    char *primary_id;
    char *health;
    enum rcluster_role role;
    int shard;
    bool in_map;
    long long repl_offset;
    size_t nslots;
    struct rconn *conn;
    struct rconn_error last_err;
    bool has_err;
    char *cc_id;
    char *cn_id;
    unsigned refresh_mark;
    bool named;       /* in the caller's name map (the AWS API's nodes) */
    bool chosen;      /* named by the person as a --node host:port */
    bool readonly_on; /* its connection was sent READONLY (replica reads) */
};

struct rshard {
    int (*ranges)[2];
    size_t n, cap;
};

/* One attempt chain of one request on one node. */
struct rsub {
    struct rop *op;
    struct rnode *node;
    int slot;
    bool asking;
    bool retried;
    int tryagain;
    struct rcluster_hop *hops; /* RCLUSTER_MAX_HOPS, allocated on the first hop */
    size_t nhops;
    /* RESP3 pushes the node(s) sent before the reply, for the caller */
    redisReply **pushes; /* RCONN_MAX_PUSHES, allocated on the first */
    size_t npushes;
    uint64_t pushes_dropped;
    uint64_t last_latency;
    struct loop_timer *timer;
    struct rsub *next, *prev; /* cl->parked: waiting for a timer or a refresh */
    bool parked_refresh;
    /* a redirect to a node the topology did not name yet: checked again
     * once the topology is refreshed */
    char *redirect_host;
    int redirect_port;
    bool redirect_ask;
};

/* finished requests and attempts a cluster keeps for reuse */
#define RCLUSTER_FREE_KEEP 64

struct rop {
    struct rcluster *cl;
    int argc;
    char **argv;
    size_t *argvlen;
    bool borrowed;    /* argv, argvlen and wire are the caller's */
    bool vet_held;    /* counted in cl->vet_live: keeps the vetted argv alive */
    const char *wire; /* argv formatted, or NULL */
    size_t wirelen;
    enum rcluster_target_kind target;
    char *target_node;   /* target_buf, or allocated when longer */
    char target_buf[64]; /* a node spec: "app-4-0001-001", "10.0.0.5:6379" */
    bool confirmed;
    uint64_t timeout_ms;
    rcluster_reply_cb on_reply;
    rcluster_done_cb on_done;
    void *arg;
    struct rcmd_info info;
    bool has_info;
    bool info_from_cache; /* info (or its absence) from cl->cache */
    bool waited_map;      /* already waited once for the topology */
    int pending;
    size_t replies, errors;
    uint64_t started_us;
    struct rop *next; /* wait lists */
};

struct rcache_entry {
    struct rcmd_info info;
    bool unknown; /* COMMAND INFO said nil */
    struct rcache_entry *next;
};

struct rlookup {
    char name[RCMD_NAME_MAX];
    struct rop *ops;
    struct rlookup *next;
    struct rcluster *cl;
};

struct rgetkeys {
    struct rop *op;
};

enum rboot { RBOOT_IDLE, RBOOT_RUNNING, RBOOT_DONE, RBOOT_FAILED };

struct rcluster {
    struct loop *l;
    enum rcluster_mode mode;
    struct rconn_tls *tls;
    struct rconn_routes *routes;
    uint64_t connect_timeout_ms, command_timeout_ms;
    char *user;
    char *password;
    rconn_cred_fn cred;
    void *cred_arg;
    char *client_name;
    size_t max_reply;
    int proto; /* 2, or 3: every connection speaks RESP3 */
    bool lazy;
    bool has_safety;
    /* The last borrowed argv the safety policy let through, with what the
     * verdict depended on. Valid while vet_live > 0: requests holding
     * that very argv are alive, so its memory cannot have been reused
     * (a repeated command is checked once, not once per run). */
    const char *const *vet_argv;
    int vet_argc;
    bool vet_confirmed, vet_has_info;
    enum rcluster_mode vet_mode;
    struct rcmd_info vet_info;
    size_t vet_live;
    bool vet_from_cache; /* its info came from the cache, as of cache_gen */
    unsigned vet_cache_gen;
    unsigned cache_gen; /* bumped when an entry of cache is put */
    struct rsafety_policy safety;
    int max_redirects;
    struct rcluster_name *names;
    size_t nnames;
    rcluster_event_cb on_event;
    void *event_arg;

    struct rnode **nodes; /* every node ever seen; never freed before the cluster */
    size_t nnodes, capnodes;
    struct rnode **order; /* topology order (in_map nodes) */
    size_t norder, caporder;
    struct rnode *seed;
    struct rnode *reader;
    struct rnode *slots[CRC16_SLOTS];
    struct rshard *shards;
    size_t nshards;
    bool map_loaded;
    uint64_t map_at;
    const char *map_source;

    enum rboot boot;
    struct rconn_error err;
    bool has_err;
    struct rop *waitq, *waitq_tail; /* until the bootstrap is done */
    struct rop *mapwait;            /* lazy map: fan-out waiting for the topology */

    bool refreshing, refresh_again;
    unsigned refresh_gen;
    int refresh_tries;
    int role_pending; /* standalone ROLE fan-out */
    bool role_any_ok;
    struct rsub *parked;
    /* finished requests and attempts kept for the next ones (one
     * allocation less each per command); at most RCLUSTER_FREE_KEEP */
    /* rcluster_find_target()'s last exact match, valid while names_gen
     * (bumped when a node is added or its id or names change) is ft_gen */
    unsigned names_gen, ft_gen;
    char ft_want[64];
    struct rnode *ft_node;
    bool ft_by_name;
    struct rop *free_ops;
    struct rsub *free_subs;
    size_t nfree_ops, nfree_subs;

    struct rcache_entry *cache[RCLUSTER_CACHE_BUCKETS];
    struct rlookup *lookups;
    bool cmdinfo_broken;

    unsigned refreshes, moved, asked, retries;
    struct loop_timer *kick;
    struct rcluster_stream *streams; /* message streams (SUBSCRIBE, MONITOR) */
    int depth;
    bool closing, freed;
};

/* Around a callback that may free the cluster: the memory goes when the
 * outermost leave runs. */
void rcluster_enter(struct rcluster *cl);
void rcluster_leave(struct rcluster *cl);
/* The node a redirect to host:port means: a trusted node at that address,
 * or the topology node a --connect-to rule sends to that address. NULL
 * when it is neither. */
struct rnode *rcluster_redirect_node(struct rcluster *cl, const char *host, int port);
/* A connection to node n as the cluster makes them: its TLS, rules,
 * timeouts, credentials, client name and protocol (no reply cap). */
void rcluster_conn_options(const struct rcluster *cl, const struct rnode *n,
                           rconn_event_cb on_event, void *arg, struct rconn_options *o);
/* A MOVED or ASK error: its slot, host and port. */
bool rcluster_parse_redirect(const char *msg, int *slot, char *host, size_t hostsz, int *port);
/* The node plain commands go to when no slot decides. */
struct rnode *rcluster_home(struct rcluster *cl);
/* Load the slot map again (one refresh at a time). */
void rcluster_refresh_start(struct rcluster *cl);
/* The node named by address, node id or cache cluster id, or NULL. */
struct rnode *rcluster_find_target(struct rcluster *cl, const char *want);

#endif
