/* elasticache.h - typed ElastiCache calls, query protocol
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/Welcome.html).
 *
 * One function per operation, written once and used by every engine. Each
 * call is asynchronous: it returns a handle for aws_call_cancel() and later
 * calls its callback exactly once (never from inside the call itself) with
 * either an output (owned by the callback, freed with the matching _free)
 * or an error. Describe* calls follow Marker until the last page (or
 * max_pages) and deliver the concatenation once; the Marker of the last
 * page read is left in the output's marker so a caller can resume with it.
 *
 * Inputs: only the members elcui needs, named like the API; zero means
 * absent (NULL pointers, 0 counts), and "has_" flags mark booleans and
 * integers whose false/0 is meaningful. Outputs: heap strings (NULL when
 * the element was absent), "has_" flags for optional booleans and numbers,
 * times as epoch milliseconds (0 when absent or malformed).
 *
 * DescribeReplicationGroups and DescribeCacheClusters answers are read as
 * a stream (query_parse_stream: one group or cluster tree at a time), so a
 * large page costs about what is kept of it; the _stream parsers are the
 * ones the calls use, the tree parsers stay for callers holding a tree.
 *
 * Builders (elasticache_build_*) and parsers (elasticache_parse_*) are
 * separate, pure functions: the create engine shows the exact parameters of
 * its plan with query_describe() (AuthToken masked), and tests and fuzzers
 * feed them recorded bodies. Parsers tolerate missing, unknown and
 * malformed elements (a malformed value counts as absent) and fail (-1,
 * AWS_ERR_PARSE) only when the body as a whole is unusable: the <OpResult>
 * element is missing, or the one structure an operation returns is.
 */
#ifndef ELCUI_AWS_ELASTICACHE_H
#define ELCUI_AWS_ELASTICACHE_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
#include "aws/query.h"

/* Bounds on a listing, far above any real account (a region holds a few
 * hundred groups and a few thousand nodes; pages carry up to 100): a
 * server that keeps sending new markers, or items, cannot keep a call
 * alive or growing forever. Passing either is an error (PaginationLimit,
 * aws/paging.h); a marker sent twice is PaginationLoop. */
#define ELASTICACHE_PAGE_LIMIT 1000
#define ELASTICACHE_ITEM_LIMIT 100000

/* ---- shared input pieces ---- */

struct elasticache_tag_in {
    const char *key;
    const char *value; /* NULL: not sent */
};

/* LogDeliveryConfigurations.LogDeliveryConfigurationRequest.N.* */
struct elasticache_log_delivery_in {
    const char *log_type;         /* "slow-log" | "engine-log" */
    const char *destination_type; /* "cloudwatch-logs" | "kinesis-firehose" */
    const char *log_group;        /* DestinationDetails.CloudWatchLogsDetails.LogGroup */
    const char *delivery_stream;  /* DestinationDetails.KinesisFirehoseDetails.DeliveryStream */
    const char *log_format;       /* "json" | "text" */
    bool has_enabled;
    bool enabled; /* false disables the log type (Modify) */
};

/* NodeGroupConfiguration.NodeGroupConfiguration.N.* */
struct elasticache_node_group_config_in {
    const char *node_group_id; /* "0001" */
    const char *slots;         /* "0-5460" */
    bool has_replica_count;
    int replica_count;
    const char *primary_availability_zone;
    const char *const *replica_availability_zones; /* ReplicaAvailabilityZones.AvailabilityZone.M */
    size_t n_replica_availability_zones;
    const char *primary_outpost_arn;
    const char *const *replica_outpost_arns; /* ReplicaOutpostArns.OutpostArn.M */
    size_t n_replica_outpost_arns;
};

/* ---- shared output pieces ---- */

struct elasticache_endpoint {
    char *address; /* NULL when absent */
    int port;      /* 0 when absent */
};

/* LogDeliveryConfiguration (and PendingLogDeliveryConfiguration members,
 * which have no status/message). */
struct elasticache_log_delivery {
    char *log_type;
    char *destination_type;
    char *log_group;       /* DestinationDetails/CloudWatchLogsDetails/LogGroup */
    char *delivery_stream; /* DestinationDetails/KinesisFirehoseDetails/DeliveryStream */
    char *log_format;
    char *status; /* active | enabling | modifying | disabling | error */
    char *message;
};

struct elasticache_tag {
    char *key;
    char *value;
};

/* ---- replication groups ---- */

struct elasticache_node_group_member {
    char *cache_cluster_id;
    char *cache_node_id;
    struct elasticache_endpoint read_endpoint; /* cluster mode disabled only */
    char *preferred_availability_zone;
    char *preferred_outpost_arn;
    char *current_role; /* "primary" | "replica"; cluster mode disabled only */
};

struct elasticache_node_group {
    char *node_group_id;
    char *status;
    struct elasticache_endpoint primary_endpoint; /* cluster mode disabled only */
    struct elasticache_endpoint reader_endpoint;  /* cluster mode disabled only */
    char *slots;                                  /* "0-8191"; cluster mode enabled */
    struct elasticache_node_group_member *members;
    size_t n_members;
};

struct elasticache_rg_pending {
    char *primary_cluster_id;
    char *automatic_failover_status;
    bool has_slot_migration_progress;
    double slot_migration_progress; /* Resharding/SlotMigration/ProgressPercentage */
    char *auth_token_status;        /* SETTING | ROTATING */
    char **user_group_ids_to_add;   /* NULL-terminated */
    size_t n_user_group_ids_to_add;
    char **user_group_ids_to_remove;
    size_t n_user_group_ids_to_remove;
    struct elasticache_log_delivery *log_delivery; /* PendingLogDeliveryConfiguration */
    size_t n_log_delivery;
    bool has_transit_encryption_enabled;
    bool transit_encryption_enabled;
    char *transit_encryption_mode;
    char *cluster_mode;
};

struct elasticache_replication_group {
    char *id;
    char *description;
    char *global_replication_group_id;
    char *global_replication_group_member_role;
    char *status;
    bool has_pending; /* PendingModifiedValues present (possibly empty) */
    struct elasticache_rg_pending pending;
    char **member_clusters; /* NULL-terminated ClusterId list */
    size_t n_member_clusters;
    struct elasticache_node_group *node_groups;
    size_t n_node_groups;
    char *snapshotting_cluster_id;
    char *automatic_failover; /* enabled | disabled | enabling | disabling */
    char *multi_az;           /* enabled | disabled */
    struct elasticache_endpoint configuration_endpoint; /* cluster mode enabled */
    bool has_snapshot_retention_limit;
    int snapshot_retention_limit;
    char *snapshot_window;
    bool has_cluster_enabled;
    bool cluster_enabled;
    char *cache_node_type;
    bool has_auth_token_enabled;
    bool auth_token_enabled;
    int64_t auth_token_last_modified_ms;
    bool has_transit_encryption_enabled;
    bool transit_encryption_enabled;
    bool has_at_rest_encryption_enabled;
    bool at_rest_encryption_enabled;
    char **member_clusters_outpost_arns;
    size_t n_member_clusters_outpost_arns;
    char *kms_key_id;
    char *storage_encryption_type;
    char *arn;
    char **user_group_ids;
    size_t n_user_group_ids;
    struct elasticache_log_delivery *log_delivery;
    size_t n_log_delivery;
    int64_t create_time_ms;
    char *data_tiering;
    bool has_auto_minor_version_upgrade;
    bool auto_minor_version_upgrade;
    char *network_type;
    char *ip_discovery;
    char *transit_encryption_mode;
    char *cluster_mode;
    char *engine; /* newer API; NULL from older services (see _fill_from_clusters) */
    char *durability;
    char *effective_durability;
    /* Not in DescribeReplicationGroups: filled from the member clusters by
     * elasticache_replication_groups_fill_from_clusters(). */
    char *engine_version;
};

struct elasticache_replication_group_list {
    char request_id[96]; /* of the last page read */
    struct elasticache_replication_group *items;
    size_t n;
    char *marker; /* non-NULL when more pages exist (max_pages reached) */
};
void elasticache_replication_group_list_free(struct elasticache_replication_group_list *l);

/* Output of CreateReplicationGroup, ModifyReplicationGroup,
 * DeleteReplicationGroup and TestFailover: the group as the service
 * describes it right after the change. */
struct elasticache_replication_group_out {
    char request_id[96];
    struct elasticache_replication_group group;
};
void elasticache_replication_group_out_free(struct elasticache_replication_group_out *o);
/* Release what a replication group holds (not the struct itself). */
void elasticache_replication_group_clear(struct elasticache_replication_group *g);

/* ---- cache clusters ---- */

struct elasticache_cache_node {
    char *id; /* CacheNodeId "0001" */
    char *status;
    int64_t create_time_ms;
    struct elasticache_endpoint endpoint;
    char *parameter_group_status;
    char *source_cache_node_id;
    char *customer_availability_zone;
    char *customer_outpost_arn;
};

struct elasticache_security_group_membership {
    char *id; /* SecurityGroupId */
    char *status;
};

struct elasticache_cache_security_group_membership {
    char *name;
    char *status;
};

struct elasticache_cc_pending {
    bool has_num_cache_nodes;
    int num_cache_nodes;
    char **cache_node_ids_to_remove;
    size_t n_cache_node_ids_to_remove;
    char *engine_version;
    char *cache_node_type;
    char *auth_token_status;
    struct elasticache_log_delivery *log_delivery;
    size_t n_log_delivery;
    bool has_transit_encryption_enabled;
    bool transit_encryption_enabled;
    char *transit_encryption_mode;
};

struct elasticache_cache_cluster {
    char *id;
    struct elasticache_endpoint configuration_endpoint; /* Memcached only */
    char *client_download_landing_page;
    char *cache_node_type;
    char *engine;
    char *engine_version;
    char *status; /* CacheClusterStatus */
    bool has_num_cache_nodes;
    int num_cache_nodes;
    char *preferred_availability_zone;
    char *preferred_outpost_arn;
    int64_t create_time_ms;
    char *preferred_maintenance_window;
    bool has_pending;
    struct elasticache_cc_pending pending;
    char *notification_topic_arn;
    char *notification_topic_status;
    struct elasticache_cache_security_group_membership *cache_security_groups;
    size_t n_cache_security_groups;
    char *cache_parameter_group_name;
    char *parameter_apply_status;
    char **cache_node_ids_to_reboot;
    size_t n_cache_node_ids_to_reboot;
    char *cache_subnet_group_name;
    struct elasticache_cache_node *nodes; /* only with ShowCacheNodeInfo */
    size_t n_nodes;
    bool has_auto_minor_version_upgrade;
    bool auto_minor_version_upgrade;
    struct elasticache_security_group_membership *security_groups;
    size_t n_security_groups;
    char *replication_group_id;
    bool has_snapshot_retention_limit;
    int snapshot_retention_limit;
    char *snapshot_window;
    bool has_auth_token_enabled;
    bool auth_token_enabled;
    int64_t auth_token_last_modified_ms;
    bool has_transit_encryption_enabled;
    bool transit_encryption_enabled;
    bool has_at_rest_encryption_enabled;
    bool at_rest_encryption_enabled;
    char *arn;
    bool has_replication_group_log_delivery_enabled;
    bool replication_group_log_delivery_enabled;
    struct elasticache_log_delivery *log_delivery;
    size_t n_log_delivery;
    char *network_type;
    char *ip_discovery;
    char *transit_encryption_mode;
};

/* One entry of a list's index by id (elasticache_cache_cluster_find). */
struct elasticache_cc_key {
    const char *id; /* items[i].id */
    size_t i;
};

struct elasticache_cache_cluster_list {
    char request_id[96];
    struct elasticache_cache_cluster *items;
    size_t n;
    char *marker;
    /* find's index: the items' positions sorted by id, made on the first
     * find after n changed (pages appended). Code that replaces items in
     * place without changing n frees it (free, NULL). */
    struct elasticache_cc_key *by_id;
    size_t by_id_n;    /* n when it was made */
    size_t by_id_keys; /* its entries (items with an id) */
};
void elasticache_cache_cluster_list_free(struct elasticache_cache_cluster_list *l);

/* The cluster of that id in l (case-insensitive, as the service matches
 * ids; the first in list order when two share it), or NULL. A binary
 * search in l's index: a model of a 500-shard group asks once per node. */
const struct elasticache_cache_cluster *
elasticache_cache_cluster_find(const struct elasticache_cache_cluster_list *l, const char *id);

/* Fill what DescribeReplicationGroups does not say from the member
 * clusters: engine_version (from the first member cluster found) and
 * engine when the group itself did not name it. Groups without a listed
 * member are left alone. */
void elasticache_replication_groups_fill_from_clusters(
    struct elasticache_replication_group_list *groups,
    const struct elasticache_cache_cluster_list *clusters);

/* ---- cache subnet groups ---- */

struct elasticache_subnet {
    char *id; /* SubnetIdentifier */
    char *availability_zone;
    char *outpost_arn;
    char **supported_network_types;
    size_t n_supported_network_types;
};

struct elasticache_cache_subnet_group {
    char *name;
    char *description;
    char *vpc_id;
    struct elasticache_subnet *subnets;
    size_t n_subnets;
    char *arn;
    char **supported_network_types;
    size_t n_supported_network_types;
};

struct elasticache_cache_subnet_group_out {
    char request_id[96];
    struct elasticache_cache_subnet_group group;
};
void elasticache_cache_subnet_group_out_free(struct elasticache_cache_subnet_group_out *o);

struct elasticache_cache_subnet_group_list {
    char request_id[96];
    struct elasticache_cache_subnet_group *items;
    size_t n;
    char *marker;
};
void elasticache_cache_subnet_group_list_free(struct elasticache_cache_subnet_group_list *l);

/* ---- events ---- */

struct elasticache_event {
    char *source_identifier;
    char *source_type;
    char *message;
    int64_t date_ms;
};

struct elasticache_event_list {
    char request_id[96];
    struct elasticache_event *items; /* in the service's order (newest first) */
    size_t n;
    char *marker;
};
void elasticache_event_list_free(struct elasticache_event_list *l);

/* ---- parameter groups and parameters (DescribeCacheParameters) ---- */

struct elasticache_cache_parameter_group {
    char *name;
    char *family;
    char *description;
    bool has_is_global;
    bool is_global;
    char *arn;
};

struct elasticache_cache_parameter_group_list {
    char request_id[96];
    struct elasticache_cache_parameter_group *items;
    size_t n;
    char *marker;
};
void elasticache_cache_parameter_group_list_free(struct elasticache_cache_parameter_group_list *l);

struct elasticache_node_type_value {
    char *cache_node_type;
    char *value;
};

struct elasticache_cache_parameter {
    char *name;  /* ParameterName: "slowlog-max-len" */
    char *value; /* ParameterValue; NULL for node-type-specific parameters */
    char *description;
    char *source; /* "system" | "user" | "engine-default" */
    char *data_type;
    char *allowed_values;
    bool has_is_modifiable;
    bool is_modifiable;
    char *minimum_engine_version;
    char *change_type; /* "immediate" | "requires-reboot" */
    /* CacheNodeTypeSpecificParameters entries only: */
    struct elasticache_node_type_value *node_type_values;
    size_t n_node_type_values;
};

struct elasticache_cache_parameter_list {
    char request_id[96];
    /* Parameters first, then CacheNodeTypeSpecificParameters. */
    struct elasticache_cache_parameter *items;
    size_t n;
    char *marker;
};
void elasticache_cache_parameter_list_free(struct elasticache_cache_parameter_list *l);
const struct elasticache_cache_parameter *
elasticache_cache_parameter_find(const struct elasticache_cache_parameter_list *l,
                                 const char *name);

/* ---- tags ---- */

struct elasticache_tag_list {
    char request_id[96];
    struct elasticache_tag *items;
    size_t n;
};
void elasticache_tag_list_free(struct elasticache_tag_list *l);

/* ================= operations ================= */

/* CreateCacheSubnetGroup */
struct elasticache_create_cache_subnet_group_in {
    const char *name;        /* CacheSubnetGroupName */
    const char *description; /* CacheSubnetGroupDescription */
    const char *const *subnet_ids;
    size_t n_subnet_ids;
    const struct elasticache_tag_in *tags;
    size_t n_tags;
};
typedef void (*elasticache_create_cache_subnet_group_cb)(
    struct elasticache_cache_subnet_group_out *out, const struct aws_error *err, void *arg);
struct query_params *elasticache_build_create_cache_subnet_group(
    const struct elasticache_create_cache_subnet_group_in *in);
int elasticache_parse_create_cache_subnet_group(const xmlNode *result,
                                                struct elasticache_cache_subnet_group_out *out,
                                                struct aws_error *err);
struct aws_call *
elasticache_create_cache_subnet_group(struct aws_client *c,
                                      const struct elasticache_create_cache_subnet_group_in *in,
                                      elasticache_create_cache_subnet_group_cb cb, void *arg);

/* DescribeCacheSubnetGroups */
struct elasticache_describe_cache_subnet_groups_in {
    const char *name;   /* NULL: all */
    int max_records;    /* 0: service default (100) */
    int max_pages;      /* 0: all pages */
    const char *marker; /* resume from here */
};
typedef void (*elasticache_describe_cache_subnet_groups_cb)(
    struct elasticache_cache_subnet_group_list *out, const struct aws_error *err, void *arg);
struct query_params *elasticache_build_describe_cache_subnet_groups(
    const struct elasticache_describe_cache_subnet_groups_in *in);
/* Parsers of paginated operations append the page's items to out (zeroed
 * before the first page) and replace out->marker. */
int elasticache_parse_describe_cache_subnet_groups(const xmlNode *result,
                                                   struct elasticache_cache_subnet_group_list *out,
                                                   struct aws_error *err);
struct aws_call *elasticache_describe_cache_subnet_groups(
    struct aws_client *c, const struct elasticache_describe_cache_subnet_groups_in *in,
    elasticache_describe_cache_subnet_groups_cb cb, void *arg);

/* Output of operations without output members: the request id only. */
struct elasticache_ack {
    char request_id[96];
};
void elasticache_ack_free(struct elasticache_ack *a);

/* DeleteCacheSubnetGroup. The errors a caller tells apart (both HTTP 400):
 * CacheSubnetGroupNotFoundFault (already gone) and CacheSubnetGroupInUse
 * (a cluster still uses it, e.g. while its replication group is deleted). */
struct elasticache_delete_cache_subnet_group_in {
    const char *name; /* CacheSubnetGroupName */
};
typedef void (*elasticache_delete_cache_subnet_group_cb)(struct elasticache_ack *out,
                                                         const struct aws_error *err, void *arg);
struct query_params *elasticache_build_delete_cache_subnet_group(
    const struct elasticache_delete_cache_subnet_group_in *in);
/* Accepts the response without a <DeleteCacheSubnetGroupResult> (what AWS
 * sends: result is then the response element) or with an empty one. */
int elasticache_parse_delete_cache_subnet_group(const xmlNode *result, struct elasticache_ack *out,
                                                struct aws_error *err);
struct aws_call *
elasticache_delete_cache_subnet_group(struct aws_client *c,
                                      const struct elasticache_delete_cache_subnet_group_in *in,
                                      elasticache_delete_cache_subnet_group_cb cb, void *arg);

/* CreateReplicationGroup */
struct elasticache_create_replication_group_in {
    const char *id;          /* ReplicationGroupId */
    const char *description; /* ReplicationGroupDescription */
    const char *global_replication_group_id;
    const char *primary_cluster_id;
    bool has_automatic_failover_enabled;
    bool automatic_failover_enabled;
    bool has_multi_az_enabled;
    bool multi_az_enabled;
    int num_cache_clusters;                         /* 0: absent */
    const char *const *preferred_cache_cluster_azs; /* .AvailabilityZone.N */
    size_t n_preferred_cache_cluster_azs;
    int num_node_groups; /* 0: absent */
    bool has_replicas_per_node_group;
    int replicas_per_node_group;
    const struct elasticache_node_group_config_in *node_group_configuration;
    size_t n_node_group_configuration;
    const char *cache_node_type;
    const char *engine;
    const char *engine_version;
    const char *cache_parameter_group_name;
    const char *cache_subnet_group_name;
    const char *const *security_group_ids; /* .SecurityGroupId.N */
    size_t n_security_group_ids;
    const struct elasticache_tag_in *tags;
    size_t n_tags;
    const char *snapshot_name;
    const char *preferred_maintenance_window;
    int port; /* 0: absent */
    const char *notification_topic_arn;
    bool has_auto_minor_version_upgrade;
    bool auto_minor_version_upgrade;
    bool has_snapshot_retention_limit;
    int snapshot_retention_limit;
    const char *snapshot_window;
    const char *auth_token; /* SECRET: sent with query_add_secret, masked in plans */
    bool has_transit_encryption_enabled;
    bool transit_encryption_enabled;
    bool has_at_rest_encryption_enabled;
    bool at_rest_encryption_enabled;
    const char *kms_key_id;
    const char *const *user_group_ids; /* .member.N */
    size_t n_user_group_ids;
    const struct elasticache_log_delivery_in *log_delivery;
    size_t n_log_delivery;
    bool has_data_tiering_enabled;
    bool data_tiering_enabled;
    const char *network_type;
    const char *ip_discovery;
    const char *transit_encryption_mode;
    const char *cluster_mode;
};
typedef void (*elasticache_create_replication_group_cb)(
    struct elasticache_replication_group_out *out, const struct aws_error *err, void *arg);
struct query_params *elasticache_build_create_replication_group(
    const struct elasticache_create_replication_group_in *in);
int elasticache_parse_create_replication_group(const xmlNode *result,
                                               struct elasticache_replication_group_out *out,
                                               struct aws_error *err);
struct aws_call *
elasticache_create_replication_group(struct aws_client *c,
                                     const struct elasticache_create_replication_group_in *in,
                                     elasticache_create_replication_group_cb cb, void *arg);

/* DescribeReplicationGroups */
struct elasticache_describe_replication_groups_in {
    const char *id;  /* NULL: all */
    int max_records; /* 0: service default */
    int max_pages;   /* 0: all pages */
    const char *marker;
};
typedef void (*elasticache_describe_replication_groups_cb)(
    struct elasticache_replication_group_list *out, const struct aws_error *err, void *arg);
struct query_params *elasticache_build_describe_replication_groups(
    const struct elasticache_describe_replication_groups_in *in);
int elasticache_parse_describe_replication_groups(const xmlNode *result,
                                                  struct elasticache_replication_group_list *out,
                                                  struct aws_error *err);
struct aws_call *
elasticache_describe_replication_groups(struct aws_client *c,
                                        const struct elasticache_describe_replication_groups_in *in,
                                        elasticache_describe_replication_groups_cb cb, void *arg);

/* DescribeCacheClusters */
struct elasticache_describe_cache_clusters_in {
    const char *id; /* CacheClusterId; NULL: all */
    int max_records;
    int max_pages;
    const char *marker;
    bool show_cache_node_info;
    bool show_not_in_replication_groups; /* ShowCacheClustersNotInReplicationGroups */
};
/* The streaming forms of the two large listings (see above). */
int elasticache_parse_describe_replication_groups_stream(
    const char *body, size_t len, struct elasticache_replication_group_list *out,
    struct aws_error *err, char *request_id, size_t request_id_len);
int elasticache_parse_describe_cache_clusters_stream(const char *body, size_t len,
                                                     struct elasticache_cache_cluster_list *out,
                                                     struct aws_error *err, char *request_id,
                                                     size_t request_id_len);

typedef void (*elasticache_describe_cache_clusters_cb)(struct elasticache_cache_cluster_list *out,
                                                       const struct aws_error *err, void *arg);
struct query_params *
elasticache_build_describe_cache_clusters(const struct elasticache_describe_cache_clusters_in *in);
int elasticache_parse_describe_cache_clusters(const xmlNode *result,
                                              struct elasticache_cache_cluster_list *out,
                                              struct aws_error *err);
struct aws_call *
elasticache_describe_cache_clusters(struct aws_client *c,
                                    const struct elasticache_describe_cache_clusters_in *in,
                                    elasticache_describe_cache_clusters_cb cb, void *arg);

/* ModifyReplicationGroup */
struct elasticache_modify_replication_group_in {
    const char *id;
    const char *description;
    const char *primary_cluster_id;
    const char *snapshotting_cluster_id;
    bool has_automatic_failover_enabled;
    bool automatic_failover_enabled;
    bool has_multi_az_enabled;
    bool multi_az_enabled;
    const char *const *security_group_ids;
    size_t n_security_group_ids;
    const char *preferred_maintenance_window;
    const char *notification_topic_arn;
    const char *cache_parameter_group_name;
    const char *notification_topic_status;
    bool has_apply_immediately;
    bool apply_immediately; /* must be true for log delivery changes */
    const char *engine;
    const char *engine_version;
    bool has_auto_minor_version_upgrade;
    bool auto_minor_version_upgrade;
    bool has_snapshot_retention_limit;
    int snapshot_retention_limit;
    const char *snapshot_window;
    const char *cache_node_type;
    const char *auth_token;                 /* SECRET */
    const char *auth_token_update_strategy; /* SET | ROTATE | DELETE */
    const char *const *user_group_ids_to_add;
    size_t n_user_group_ids_to_add;
    const char *const *user_group_ids_to_remove;
    size_t n_user_group_ids_to_remove;
    bool has_remove_user_groups;
    bool remove_user_groups;
    const struct elasticache_log_delivery_in *log_delivery;
    size_t n_log_delivery;
    const char *ip_discovery;
    bool has_transit_encryption_enabled;
    bool transit_encryption_enabled;
    const char *transit_encryption_mode;
    const char *cluster_mode;
};
typedef void (*elasticache_modify_replication_group_cb)(
    struct elasticache_replication_group_out *out, const struct aws_error *err, void *arg);
struct query_params *elasticache_build_modify_replication_group(
    const struct elasticache_modify_replication_group_in *in);
int elasticache_parse_modify_replication_group(const xmlNode *result,
                                               struct elasticache_replication_group_out *out,
                                               struct aws_error *err);
struct aws_call *
elasticache_modify_replication_group(struct aws_client *c,
                                     const struct elasticache_modify_replication_group_in *in,
                                     elasticache_modify_replication_group_cb cb, void *arg);

/* DeleteReplicationGroup */
struct elasticache_delete_replication_group_in {
    const char *id;
    bool has_retain_primary_cluster;
    bool retain_primary_cluster;
    const char *final_snapshot_identifier;
};
typedef void (*elasticache_delete_replication_group_cb)(
    struct elasticache_replication_group_out *out, const struct aws_error *err, void *arg);
struct query_params *elasticache_build_delete_replication_group(
    const struct elasticache_delete_replication_group_in *in);
int elasticache_parse_delete_replication_group(const xmlNode *result,
                                               struct elasticache_replication_group_out *out,
                                               struct aws_error *err);
struct aws_call *
elasticache_delete_replication_group(struct aws_client *c,
                                     const struct elasticache_delete_replication_group_in *in,
                                     elasticache_delete_replication_group_cb cb, void *arg);

/* TestFailover */
struct elasticache_test_failover_in {
    const char *replication_group_id;
    const char *node_group_id; /* "0001" for cluster mode disabled */
};
typedef void (*elasticache_test_failover_cb)(struct elasticache_replication_group_out *out,
                                             const struct aws_error *err, void *arg);
struct query_params *elasticache_build_test_failover(const struct elasticache_test_failover_in *in);
int elasticache_parse_test_failover(const xmlNode *result,
                                    struct elasticache_replication_group_out *out,
                                    struct aws_error *err);
struct aws_call *elasticache_test_failover(struct aws_client *c,
                                           const struct elasticache_test_failover_in *in,
                                           elasticache_test_failover_cb cb, void *arg);

/* DescribeEvents */
struct elasticache_describe_events_in {
    const char *source_identifier;
    const char *source_type; /* "replication-group", "cache-cluster", ... */
    int64_t start_time_ms;   /* 0: absent */
    int64_t end_time_ms;     /* 0: absent */
    int duration_minutes;    /* Duration; 0: absent (service default 60) */
    int max_records;
    int max_pages;
    const char *marker;
};
typedef void (*elasticache_describe_events_cb)(struct elasticache_event_list *out,
                                               const struct aws_error *err, void *arg);
struct query_params *
elasticache_build_describe_events(const struct elasticache_describe_events_in *in);
int elasticache_parse_describe_events(const xmlNode *result, struct elasticache_event_list *out,
                                      struct aws_error *err);
struct aws_call *elasticache_describe_events(struct aws_client *c,
                                             const struct elasticache_describe_events_in *in,
                                             elasticache_describe_events_cb cb, void *arg);

/* DescribeCacheParameterGroups */
struct elasticache_describe_cache_parameter_groups_in {
    const char *name;
    int max_records;
    int max_pages;
    const char *marker;
};
typedef void (*elasticache_describe_cache_parameter_groups_cb)(
    struct elasticache_cache_parameter_group_list *out, const struct aws_error *err, void *arg);
struct query_params *elasticache_build_describe_cache_parameter_groups(
    const struct elasticache_describe_cache_parameter_groups_in *in);
int elasticache_parse_describe_cache_parameter_groups(
    const xmlNode *result, struct elasticache_cache_parameter_group_list *out,
    struct aws_error *err);
struct aws_call *elasticache_describe_cache_parameter_groups(
    struct aws_client *c, const struct elasticache_describe_cache_parameter_groups_in *in,
    elasticache_describe_cache_parameter_groups_cb cb, void *arg);

/* DescribeCacheParameters */
struct elasticache_describe_cache_parameters_in {
    const char *group_name; /* CacheParameterGroupName (required) */
    const char *source;     /* "user" | "system" | "engine-default"; NULL: all */
    int max_records;
    int max_pages;
    const char *marker;
};
typedef void (*elasticache_describe_cache_parameters_cb)(
    struct elasticache_cache_parameter_list *out, const struct aws_error *err, void *arg);
struct query_params *elasticache_build_describe_cache_parameters(
    const struct elasticache_describe_cache_parameters_in *in);
int elasticache_parse_describe_cache_parameters(const xmlNode *result,
                                                struct elasticache_cache_parameter_list *out,
                                                struct aws_error *err);
struct aws_call *
elasticache_describe_cache_parameters(struct aws_client *c,
                                      const struct elasticache_describe_cache_parameters_in *in,
                                      elasticache_describe_cache_parameters_cb cb, void *arg);

/* AddTagsToResource: answers with the resource's full tag list. */
struct elasticache_add_tags_to_resource_in {
    const char *resource_name; /* ARN */
    const struct elasticache_tag_in *tags;
    size_t n_tags;
};
typedef void (*elasticache_add_tags_to_resource_cb)(struct elasticache_tag_list *out,
                                                    const struct aws_error *err, void *arg);
struct query_params *
elasticache_build_add_tags_to_resource(const struct elasticache_add_tags_to_resource_in *in);
int elasticache_parse_add_tags_to_resource(const xmlNode *result, struct elasticache_tag_list *out,
                                           struct aws_error *err);
struct aws_call *
elasticache_add_tags_to_resource(struct aws_client *c,
                                 const struct elasticache_add_tags_to_resource_in *in,
                                 elasticache_add_tags_to_resource_cb cb, void *arg);

/* ListTagsForResource */
struct elasticache_list_tags_for_resource_in {
    const char *resource_name; /* ARN */
};
typedef void (*elasticache_list_tags_for_resource_cb)(struct elasticache_tag_list *out,
                                                      const struct aws_error *err, void *arg);
struct query_params *
elasticache_build_list_tags_for_resource(const struct elasticache_list_tags_for_resource_in *in);
int elasticache_parse_list_tags_for_resource(const xmlNode *result,
                                             struct elasticache_tag_list *out,
                                             struct aws_error *err);
struct aws_call *
elasticache_list_tags_for_resource(struct aws_client *c,
                                   const struct elasticache_list_tags_for_resource_in *in,
                                   elasticache_list_tags_for_resource_cb cb, void *arg);

#endif
