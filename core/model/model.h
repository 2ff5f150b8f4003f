/* model.h - the cluster model: replication group -> shards -> nodes.
 *
 * Built from what the API says (DescribeReplicationGroups + DescribeCache
 * Clusters with ShowCacheNodeInfo), then optionally refreshed from what
 * Redis says (CLUSTER SHARDS / ROLE through core/redis/rcluster): the model keeps
 * both views, picks the effective one and records every difference with
 * the time of each source (a failover Redis has seen before the API caught
 * up, a node the API lists that Redis does not know, slot ranges that
 * differ...).
 *
 * Cluster-mode-disabled groups have one shard ("0001") with primary and
 * reader endpoints and roles from NodeGroupMembers/CurrentRole. Cluster-
 * mode-enabled groups have one shard per node group with slot ranges; the
 * API gives no roles there, so roles come from the IsMaster metric (the
 * inventory asks CloudWatch), from Redis, from the shape (the only member
 * of a shard is its primary), or are assumed from the member naming ("<rg>-0001-001" was created as
 * the primary), and the source of every role is kept so nobody mistakes a guess for a fact. Valkey
 * groups are the same shape with engine "valkey".
 *
 * Redis's view may carry what the observation engine (core/redis/observe)
 * probed per node: its own answer to ROLE, the link to its primary, the
 * replication offset and lag, the PING time and whether it answers (and
 * since when it does not). Every effective role keeps its source and the
 * time that source said it (model_role_origin: "redis 1s", "metric 60s",
 * "name").
 *
 * Role history: the model keeps what it learnt about roles over time -
 * Redis observations, the API's and the metric's roles, and the failovers
 * DescribeEvents reported (model_group_note_events) - so a log record can
 * be labelled with the role its node had at the record's time
 * (model_role_at), and nothing is claimed where the history does not
 * reach back. The history and the Redis view go with every model of the
 * group (model_group_carry_redis).
 *
 * A model is reference counted (model_group_ref/unref): the inventory
 * hands the current one to its owner, who keeps a reference as long as it
 * shows it; a refresh builds a new one. Not thread-safe (one event loop).
 * Strings are heap copies owned by the model (NULL when the API said
 * nothing); times are epoch ms (0: unknown).
 */
#ifndef ELCUI_CORE_MODEL_H
#define ELCUI_CORE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/elasticache.h"
#include "core/logs/logrec.h"

struct rcluster;
struct rcluster_name;

/* How long a Redis view outranks a later API answer: the API lags behind
 * failovers by minutes, so Redis's roles and slots stay the effective ones
 * while the Redis view is at most this much older than the API data. */
#define MODEL_REDIS_TRUST_MS (5 * 60 * 1000)

enum model_role {
    MODEL_ROLE_UNKNOWN = 0,
    MODEL_ROLE_PRIMARY,
    MODEL_ROLE_REPLICA,
};

/* Where a role comes from, weakest first. */
enum model_role_source {
    MODEL_ROLE_SRC_NONE = 0, /* nobody said */
    MODEL_ROLE_SRC_ASSUMED,  /* member naming: "<rg>-NNNN-001" was created primary */
    MODEL_ROLE_SRC_METRIC,   /* CloudWatch IsMaster */
    MODEL_ROLE_SRC_API,      /* NodeGroupMember/CurrentRole */
    MODEL_ROLE_SRC_REDIS,    /* CLUSTER SHARDS / ROLE */
    MODEL_ROLE_SRC_EVENT,    /* a failover event (DescribeEvents); role history only */
};

/* Whether a node answers, as the observation engine found it. */
enum model_health {
    MODEL_HEALTH_UNKNOWN = 0, /* not probed */
    MODEL_HEALTH_ANSWERING,
    MODEL_HEALTH_SLOW, /* answered, at or above the slow threshold */
    MODEL_HEALTH_DOWN, /* no answer (since down_since_ms) */
};

/* What one probe of a node found (core/redis/observe.h); every field is
 * optional (probed false: nothing was asked). Strings are never NULL in a
 * model ("" when unknown). */
struct model_probe {
    bool probed;
    enum model_health health;
    int64_t ping_us;       /* PING round trip; -1 when it did not answer */
    int64_t answered_ms;   /* when the node last answered (0: never) */
    int64_t down_since_ms; /* DOWN: since when it has not answered */
    const char *error;     /* DOWN: why ("timeout: ...", "connection refused") */
    bool role_own;         /* the role is the node's own answer to ROLE (else its peers') */
    const char *link;      /* replica: ROLE's link state to its primary ("connected",
                              "connecting", "sync", "connect", "handshake"); "" */
    long long offset;      /* replication offset as the node reports it; -1 */
    long long lag_bytes;   /* replica: how far behind its primary's offset; -1 */
    long long lag_s;       /* replica: seconds since its primary last spoke to it
                              (INFO master_last_io_seconds_ago, or the primary's lag=); -1 */
    int64_t observed_ms;   /* when these fields were observed */
};

struct model_endpoint {
    char *host; /* NULL: absent */
    int port;
};

/* Inclusive slot range. */
struct model_range {
    int start;
    int end;
};

struct model_node {
    char *cache_cluster_id; /* NULL only for a node that Redis alone reports */
    char *cache_node_id;    /* "0001" */
    size_t shard;           /* index into group->shards */
    char *az;               /* CustomerAvailabilityZone, else PreferredAvailabilityZone */
    /* effective role and its source (see MODEL_REDIS_TRUST_MS) */
    enum model_role role;
    enum model_role_source role_source;
    /* what the API side says (CurrentRole, IsMaster, or the naming guess) */
    enum model_role api_role;
    enum model_role_source api_role_source;
    struct model_endpoint endpoint;      /* CacheNodes/Endpoint, else ReadEndpoint */
    struct model_endpoint read_endpoint; /* NodeGroupMember/ReadEndpoint (cluster mode off) */
    char *status;                        /* CacheNodeStatus */
    char *cluster_status;                /* CacheClusterStatus */
    int64_t create_time_ms;              /* CacheNodeCreateTime, else CacheClusterCreateTime */
    char *engine;
    char *engine_version;
    char *node_type;
    char *parameter_group;
    char *parameter_apply_status;
    char *outpost_arn;
    bool in_api;    /* listed by DescribeReplicationGroups */
    bool described; /* DescribeCacheClusters described its cluster */
    /* addresses the endpoint resolved to, as registered by callers that
     * resolved it (model_node_add_addr); the model never resolves */
    char **addrs;
    size_t n_addrs;
    /* Redis's view (after model_group_merge_redis) */
    bool in_redis;
    char *redis_id;
    char *redis_host; /* as Redis reported it: an IP on ElastiCache */
    int redis_port;
    enum model_role redis_role;
    char *redis_health;       /* "online", "failed", "loading", "" */
    struct model_probe probe; /* the observation engine's probe (strings owned) */
    /* when the effective role's source said it (0: never, e.g. assumed) */
    int64_t role_ms;
    int64_t api_role_ms; /* when the API side's role was read */
};

struct model_shard {
    char *id;                   /* NodeGroupId "0001"; "?" for a shard only Redis knows */
    char *status;               /* node group status */
    char *slots;                /* as the API wrote it, "0-5460" (cluster mode) */
    struct model_range *ranges; /* parsed API slots, sorted, merged */
    size_t n_ranges;
    struct model_range *redis_ranges; /* Redis's slots of this shard */
    size_t n_redis_ranges;
    struct model_endpoint primary_endpoint; /* cluster mode off */
    struct model_endpoint reader_endpoint;  /* cluster mode off */
    size_t *nodes;                          /* indices into group->nodes */
    size_t n_nodes;
    bool in_api;
};

struct model_log_delivery {
    char *log_type;         /* slow-log | engine-log */
    char *destination_type; /* cloudwatch-logs | kinesis-firehose */
    char *destination;      /* log group or delivery stream */
    char *log_format;       /* json | text */
    char *status;           /* active | enabling | modifying | disabling | error */
    char *message;
};

/* One pending modification, named like the API ("PrimaryClusterId",
 * "Resharding.SlotMigration.ProgressPercentage", "PendingLogDelivery
 * Configuration"); list values are comma-separated. */
struct model_kv {
    char *key;
    char *value;
};

enum model_diff_kind {
    MODEL_DIFF_ROLE,          /* roles differ (a failover one side has not seen) */
    MODEL_DIFF_NOT_IN_REDIS,  /* the API lists a node Redis does not report */
    MODEL_DIFF_NOT_IN_API,    /* Redis reports a node the API does not list */
    MODEL_DIFF_SLOTS,         /* a shard's slot ranges differ */
    MODEL_DIFF_SHARD,         /* a node sits in another shard */
    MODEL_DIFF_HEALTH,        /* Redis reports a node unhealthy the API calls available */
    MODEL_DIFF_SHARD_UNKNOWN, /* Redis reports a shard none of whose nodes the API lists */
};

struct model_diff {
    enum model_diff_kind kind;
    char *shard; /* NodeGroupId, or NULL */
    char *node;  /* cache cluster id (or Redis host:port), or NULL */
    char *api;   /* the API's value ("primary", "0-8191"), or NULL */
    char *redis; /* Redis's value, or NULL */
    char *text;  /* one line for people */
    int64_t api_ms;
    int64_t redis_ms;
};

/* One fact of the role history. OBSERVED: the node had role over
 * [from_ms, to_ms] (consecutive observations of one source with the same
 * role extend it). CHANGE: at from_ms the node went from `before` to
 * `role` (a failover event). */
enum model_fact_kind {
    MODEL_FACT_OBSERVED,
    MODEL_FACT_CHANGE,
};

struct model_role_fact {
    enum model_fact_kind kind;
    char *node; /* cache cluster id */
    enum model_role role;
    enum model_role before; /* CHANGE only */
    enum model_role_source source;
    int64_t from_ms, to_ms;
};

/* Facts kept per group; the oldest go first (and the history's reach
 * moves up with them). */
#define MODEL_HISTORY_MAX 4096

struct model_redis_copy;

struct model_group {
    unsigned refs;
    char *id;
    char *description;
    char *status;
    char *engine; /* redis | valkey */
    char *engine_version;
    char *node_type;
    bool cluster_enabled;
    char *cluster_mode;                           /* enabled | disabled | compatible, or NULL */
    struct model_endpoint configuration_endpoint; /* cluster mode on */
    struct model_endpoint primary_endpoint;       /* cluster mode off */
    struct model_endpoint reader_endpoint;        /* cluster mode off */
    char *multi_az;                               /* enabled | disabled */
    char *automatic_failover;                     /* enabled | disabled | enabling | disabling */
    bool multi_az_enabled;
    bool automatic_failover_enabled;
    bool has_at_rest_encryption;
    bool at_rest_encryption;
    char *kms_key_id;
    bool has_transit_encryption;
    bool transit_encryption;
    char *transit_encryption_mode; /* preferred | required */
    bool has_auth_token_enabled;
    bool auth_token_enabled;
    int64_t auth_token_last_modified_ms;
    char **user_group_ids;
    size_t n_user_group_ids;
    struct model_log_delivery *log_delivery;
    size_t n_log_delivery;
    bool has_snapshot_retention_limit;
    int snapshot_retention_limit;
    char *snapshot_window;
    char *snapshotting_cluster_id;
    bool has_auto_minor_version_upgrade;
    bool auto_minor_version_upgrade;
    char *arn;
    char **member_clusters;
    size_t n_member_clusters;
    struct model_kv *pending;
    size_t n_pending;
    /* ListTagsForResource (when the inventory was asked for tags) */
    struct model_kv *tags;
    size_t n_tags;
    bool tags_read;   /* tags holds the group's tags */
    char *tags_error; /* why they could not be read, or NULL */
    int64_t create_time_ms;
    char *data_tiering;
    char *network_type;
    char *ip_discovery;
    char *global_replication_group_id;
    char *global_replication_group_role;

    struct model_shard *shards;
    size_t n_shards;
    struct model_node *nodes;
    size_t n_nodes;
    size_t n_api_shards; /* shards[0..n_api_shards) come from the API */
    size_t n_api_nodes;

    int64_t fetched_ms;       /* when the API data was fetched */
    bool clusters_described;  /* DescribeCacheClusters was merged in */
    int64_t role_metric_ms;   /* when IsMaster was read (0: never) */
    int64_t redis_fetched_ms; /* 0: no Redis view */
    char *redis_source;       /* "CLUSTER SHARDS", "ROLE", ... */
    bool redis_trusted;       /* the Redis view is the effective one */
    struct model_diff *diffs; /* API vs Redis */
    size_t n_diffs;
    /* why Redis could not be observed (the roles then come from the API,
     * the metric or the naming), or NULL; and when that was found */
    char *redis_error;
    int64_t redis_error_ms;
    /* role history (see above): facts, and the span over which every
     * failover is known (DescribeEvents read from..to; 0: never read) */
    struct model_role_fact *history;
    size_t n_history;
    int64_t history_from_ms, history_to_ms;
    struct model_redis_copy *redis; /* private */
};

/* ---- building ---- */

/* A new model (refs = 1) from one DescribeReplicationGroups entry and,
 * optionally, DescribeCacheClusters output holding its member clusters
 * (other clusters in the list are ignored, so a region-wide listing works
 * too). fetched_ms: when the API answered. */
struct model_group *model_group_from_api(const struct elasticache_replication_group *rg,
                                         const struct elasticache_cache_cluster_list *clusters,
                                         int64_t fetched_ms);
struct model_group *model_group_ref(struct model_group *g);
/* NULL is fine. */
void model_group_unref(struct model_group *g);
/* Record the group's tags (copied), or why they could not be read. */
void model_group_set_tags(struct model_group *g, const char *const *keys, const char *const *values,
                          size_t n);
void model_group_set_tags_error(struct model_group *g, const char *why);

/* IsMaster of one node (value >= 0.5: primary) read at when_ms: sets the
 * API-side role unless CurrentRole already gave one. false: no such node. */
bool model_group_set_is_master(struct model_group *g, const char *cache_cluster_id,
                               const char *cache_node_id, double value, int64_t when_ms);

/* ---- Redis's view ---- */

struct model_redis_node {
    const char *id;   /* Redis node id, "" when unknown */
    const char *host; /* IP or host name as Redis (or the connection) has it */
    int port;
    enum model_role role;
    const char *health; /* CLUSTER SHARDS health, "" when unknown */
    int shard;          /* index into the view's shards, -1 */
    /* when the reporter already matched the node (rcluster's name map) */
    const char *cache_cluster_id;
    const char *cache_node_id;
    struct model_probe probe; /* the observation engine's probe, if any (copied) */
};

struct model_redis_shard {
    const struct model_range *ranges;
    size_t n_ranges;
};

struct model_redis_view {
    const char *source; /* "CLUSTER SHARDS", "CLUSTER SLOTS", "ROLE" */
    int64_t fetched_ms;
    bool cluster; /* slots are meaningful */
    const struct model_redis_node *nodes;
    size_t n_nodes;
    const struct model_redis_shard *shards;
    size_t n_shards;
};

/* Merge Redis's view (copied) into the model, replacing an earlier one:
 * nodes are matched by cache cluster id when the view names them, else by
 * endpoint host:port, else by a registered address and port, else by a
 * port only one node uses (on both sides); roles, health and slot ranges
 * are recorded; every difference becomes a model_diff. */
void model_group_merge_redis(struct model_group *g, const struct model_redis_view *v);
/* Carry the Redis view, the Redis error and the role history of an older
 * model of the same group into a fresh one (the inventory does this on
 * every refresh). */
void model_group_carry_redis(struct model_group *dst, const struct model_group *src);
/* Record why Redis could not be observed (NULL: it answers again). */
void model_group_set_redis_error(struct model_group *g, const char *why, int64_t at_ms);

/* ---- role history ---- */

/* Note an observation of a node's role (the merge of a Redis view, the
 * API and the metric do this themselves). */
void model_group_note_role(struct model_group *g, const char *cache_cluster_id,
                           enum model_role role, enum model_role_source source, int64_t at_ms);
/* Note a failover at at_ms: old_primary became a replica, new_primary the
 * primary (either may be NULL). */
void model_group_note_failover(struct model_group *g, int64_t at_ms, const char *old_primary,
                               const char *new_primary);
/* The events of the group over [from_ms, to_ms] (DescribeEvents: dates and
 * messages, any order): every failover message is noted, and from then on
 * the history knows every failover of that span. Returns the failovers
 * found. */
size_t model_group_note_events(struct model_group *g, const int64_t *dates,
                               const char *const *messages, size_t n, int64_t from_ms,
                               int64_t to_ms);
/* "Failover from primary node A to replica node B completed" (and
 * "Failover to replica node B completed"): the two ids (old may be "").
 * false for any other message. */
bool model_parse_failover(const char *message, char *old_primary, size_t old_len, char *new_primary,
                          size_t new_len);
/* The role node n had at at_ms per the history, and the source of the
 * fact that says so; MODEL_ROLE_UNKNOWN when the history does not reach
 * back that far (no fact, or a span where a failover could have gone
 * unseen). After the newest fact the newest role holds. */
enum model_role model_role_at(const struct model_group *g, const struct model_node *n,
                              int64_t at_ms, enum model_role_source *source);

/* A view of what an rcluster knows now (its nodes, roles, health, shard
 * slot ranges); owned by the caller, freed with model_redis_view_free. */
struct model_redis_view *model_redis_view_from_rcluster(const struct rcluster *cl, int64_t now_ms);
void model_redis_view_free(struct model_redis_view *v);

/* ---- lookups ---- */

/* By cache cluster id (case-insensitive) and node id; cache_node_id NULL
 * or "": the cluster's first node. */
const struct model_node *model_node_find(const struct model_group *g, const char *cache_cluster_id,
                                         const char *cache_node_id);
/* By endpoint host name (case-insensitive; endpoint or read endpoint)
 * and port. */
const struct model_node *model_node_by_endpoint(const struct model_group *g, const char *host,
                                                int port);
/* By address and port, as MOVED replies name nodes: a literal endpoint
 * host, an address registered with model_node_add_addr, the address Redis
 * reported for the node, or else the only node using that port. */
const struct model_node *model_node_by_addr(const struct model_group *g, const char *addr,
                                            int port);
/* Register an address an endpoint resolved to (doctor, Redis client). */
void model_node_add_addr(struct model_group *g, const struct model_node *n, const char *addr);
size_t model_node_index(const struct model_group *g, const struct model_node *n);
/* The shard serving a slot (Redis's slots when trusted, else the API's),
 * or -1. Cluster mode off: shard 0 for every slot. */
int model_shard_of_slot(const struct model_group *g, int slot);
/* The primary of shard s, or NULL. */
const struct model_node *model_shard_primary(const struct model_group *g, size_t s);
/* Counts over the nodes: by effective role. */
void model_group_role_counts(const struct model_group *g, size_t *primaries, size_t *replicas,
                             size_t *unknown);
/* logrec_label_fn over a model (ctx: const struct model_group *): shard,
 * role and AZ of a member cluster. at_ms 0: the effective role now (when
 * its source is a fact, not the naming); else the role at that time from
 * the history, MODEL_ROLE_AT_UNKNOWN ("role?") where the history does not
 * reach back. */
#define MODEL_ROLE_AT_UNKNOWN "role?"
bool model_label(void *ctx, const char *cache_cluster_id, const char *cache_node_id, int64_t at_ms,
                 struct logrec_labels *out);
/* Name map for rcluster (exec's node labels): one entry per node with an
 * endpoint; strings borrowed from the model. Returns how many were
 * written (at most max). */
size_t model_rcluster_names(const struct model_group *g, struct rcluster_name *out, size_t max);

/* ---- helpers ---- */

/* "0-5460,5461" / "0-5460 10923-16383" -> sorted, merged ranges; false on
 * malformed text (nothing allocated then). Empty text: true, none. */
bool model_parse_slots(const char *text, struct model_range **out, size_t *n);
/* "0-5460,10923-16383" (caller frees); "" for none. */
char *model_format_ranges(const struct model_range *r, size_t n);
const char *model_role_name(enum model_role r); /* primary, replica, unknown */
const char *
model_role_source_name(enum model_role_source s);         /* none, assumed, metric, api, redis */
const char *model_diff_kind_name(enum model_diff_kind k); /* role, not-in-redis, ... */
/* "answering", "slow", "not-answering", "unknown" */
const char *model_health_name(enum model_health h);
/* Where node n's effective role comes from and how old it is, for people:
 * "redis 1s", "metric 60s", "api 5m", "name" (assumed from the naming),
 * "none". */
void model_role_origin(const struct model_node *n, int64_t now_ms, char *out, size_t len);
/* A node's health for people: "answering 0.4 ms", "slow 250 ms", "not
 * answering since 12:03:04Z (35s)", "-" when it was not probed. */
void model_probe_text(const struct model_probe *p, int64_t now_ms, char *out, size_t len);
/* A PING time for people: "0.4 ms", "12 ms", "1.2 s". */
void model_ping_text(int64_t us, char *out, size_t len);
/* A duration for people: "0s", "45s", "3m", "2h", "4d". */
void model_age_text(int64_t ms, char *out, size_t len);

#endif
