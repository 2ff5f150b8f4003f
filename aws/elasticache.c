/* elasticache.c - typed ElastiCache calls: builders, parsers, pagination. */
#include "aws/elasticache.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/awstime.h"
#include "aws/mem.h"
#include "aws/paging.h"
#include "aws/svc.h"
#include "aws/typedcall.h"

/* ================= XML readers ================= */

/* Text at path with surrounding white space removed; NULL when absent. */
static char *ec_trimmed(const xmlNode *n, const char *path)
{
    char *s = query_text(n, path);
    if (!s)
        return NULL;
    char *a = s;
    while (*a && isspace((unsigned char)*a))
        a++;
    size_t l = strlen(a);
    while (l && isspace((unsigned char)a[l - 1]))
        l--;
    memmove(s, a, l);
    s[l] = '\0';
    return s;
}

/* Integer in [min, max]; false when absent, malformed or out of range. */
static bool ec_ll(const xmlNode *n, const char *path, long long min, long long max, long long *out)
{
    char *s = ec_trimmed(n, path);
    if (!s)
        return false;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    bool ok = end != s && *end == '\0' && errno == 0 && v >= min && v <= max;
    free(s);
    if (ok)
        *out = v;
    return ok;
}

static void ec_opt_int(const xmlNode *n, const char *path, bool *has, int *v)
{
    long long x;
    *has = ec_ll(n, path, -2147483647LL - 1, 2147483647LL, &x);
    *v = *has ? (int)x : 0;
}

static bool ec_bool(const xmlNode *n, const char *path, bool *out)
{
    char *s = ec_trimmed(n, path);
    if (!s)
        return false;
    bool ok = true;
    if (strcmp(s, "true") == 0)
        *out = true;
    else if (strcmp(s, "false") == 0)
        *out = false;
    else
        ok = false;
    free(s);
    return ok;
}

static void ec_opt_bool(const xmlNode *n, const char *path, bool *has, bool *v)
{
    bool x = false;
    *has = ec_bool(n, path, &x);
    *v = *has && x;
}

static bool ec_double(const xmlNode *n, const char *path, double *out)
{
    char *s = ec_trimmed(n, path);
    if (!s)
        return false;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    bool ok = end != s && *end == '\0' && errno == 0 && isfinite(v);
    free(s);
    if (ok)
        *out = v;
    return ok;
}

/* Texts of the <item> children of the list at path; NULL when none. */
static char **ec_strings(const xmlNode *n, const char *path, const char *item, size_t *count)
{
    size_t cnt = 0;
    char **v = query_strings(n, path, item, &cnt);
    if (cnt == 0) {
        query_strings_free(v);
        v = NULL;
    }
    *count = cnt;
    return v;
}

static void ec_endpoint(const xmlNode *n, const char *name, struct elasticache_endpoint *e)
{
    xmlNode *ep = query_child(n, name);
    if (!ep)
        return;
    e->address = query_text(ep, "Address");
    long long port;
    if (ec_ll(ep, "Port", 0, 65535, &port))
        e->port = (int)port;
}

static void ec_endpoint_clear(struct elasticache_endpoint *e)
{
    free(e->address);
    e->address = NULL;
}

static bool ec_check_result(const xmlNode *result, const char *op, struct aws_error *err)
{
    char want[96];
    snprintf(want, sizeof(want), "%sResult", op);
    if (result && result->type == XML_ELEMENT_NODE && result->name &&
        strcmp((const char *)result->name, want) == 0)
        return true;
    if (err) {
        aws_error_set(err, AWS_ERR_PARSE, "MalformedResponse", "response has no <%s> element",
                      want);
        snprintf(err->service, sizeof(err->service), "%s", svc_elasticache.name);
        snprintf(err->operation, sizeof(err->operation), "%s", op);
    }
    return false;
}

static void ec_missing(struct aws_error *err, const char *op, const char *what)
{
    if (!err)
        return;
    aws_error_set(err, AWS_ERR_PARSE, "MalformedResponse", "%s response has no <%s> element", op,
                  what);
    snprintf(err->service, sizeof(err->service), "%s", svc_elasticache.name);
    snprintf(err->operation, sizeof(err->operation), "%s", op);
}

/* Count the items of a list, grow *v to hold them, return the count. */
static size_t ec_count(const xmlNode *list, const char *item)
{
    size_t n = 0;
    for (xmlNode *c = query_first(list, item); c; c = query_next(c, item))
        n++;
    return n;
}

/* Replace *marker with the page's <Marker> (NULL when absent or empty). */
static void ec_marker(const xmlNode *result, char **marker)
{
    free(*marker);
    *marker = query_text(result, "Marker");
    if (*marker && !**marker) {
        free(*marker);
        *marker = NULL;
    }
}

/* A listing past ELASTICACHE_ITEM_LIMIT items: an error, not a longer list. */
static bool ec_item_room(size_t n, const char *op, const char *what, struct aws_error *err)
{
    if (n < ELASTICACHE_ITEM_LIMIT)
        return true;
    if (err) {
        aws_error_set(err, AWS_ERR_PARSE, PAGING_LIMIT,
                      "the listing passed %d %s, far more than any real account holds; stopped",
                      ELASTICACHE_ITEM_LIMIT, what);
        snprintf(err->service, sizeof(err->service), "%s", svc_elasticache.name);
        snprintf(err->operation, sizeof(err->operation), "%s", op);
    }
    return false;
}

/* ================= shared shapes ================= */

static void ec_log_delivery_parse(const xmlNode *n, struct elasticache_log_delivery *d)
{
    d->log_type = query_text(n, "LogType");
    d->destination_type = query_text(n, "DestinationType");
    d->log_group = query_text(n, "DestinationDetails/CloudWatchLogsDetails/LogGroup");
    d->delivery_stream = query_text(n, "DestinationDetails/KinesisFirehoseDetails/DeliveryStream");
    d->log_format = query_text(n, "LogFormat");
    d->status = query_text(n, "Status");
    d->message = query_text(n, "Message");
}

static void ec_log_deliveries(const xmlNode *n, const char *path, const char *item,
                              struct elasticache_log_delivery **v, size_t *count)
{
    xmlNode *list = query_path(n, path);
    size_t cnt = ec_count(list, item);
    *count = cnt;
    *v = cnt ? mem_xcalloc(cnt, sizeof(**v)) : NULL;
    size_t i = 0;
    for (xmlNode *c = query_first(list, item); c && i < cnt; c = query_next(c, item))
        ec_log_delivery_parse(c, &(*v)[i++]);
}

static void ec_log_deliveries_free(struct elasticache_log_delivery *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].log_type);
        free(v[i].destination_type);
        free(v[i].log_group);
        free(v[i].delivery_stream);
        free(v[i].log_format);
        free(v[i].status);
        free(v[i].message);
    }
    free(v);
}

static void ec_tags_parse(const xmlNode *result, struct elasticache_tag_list *out)
{
    xmlNode *list = query_child(result, "TagList");
    size_t cnt = ec_count(list, "Tag");
    out->items = cnt ? mem_xcalloc(cnt, sizeof(*out->items)) : NULL;
    out->n = 0;
    for (xmlNode *c = query_first(list, "Tag"); c && out->n < cnt; c = query_next(c, "Tag")) {
        out->items[out->n].key = query_text(c, "Key");
        out->items[out->n].value = query_text(c, "Value");
        out->n++;
    }
}

void elasticache_tag_list_free(struct elasticache_tag_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].key);
        free(l->items[i].value);
    }
    free(l->items);
    free(l);
}

/* ================= replication groups ================= */

static void ec_rg_pending_parse(const xmlNode *p, struct elasticache_rg_pending *d)
{
    d->primary_cluster_id = query_text(p, "PrimaryClusterId");
    d->automatic_failover_status = query_text(p, "AutomaticFailoverStatus");
    d->has_slot_migration_progress =
        ec_double(p, "Resharding/SlotMigration/ProgressPercentage", &d->slot_migration_progress);
    d->auth_token_status = query_text(p, "AuthTokenStatus");
    d->user_group_ids_to_add =
        ec_strings(p, "UserGroups/UserGroupIdsToAdd", "member", &d->n_user_group_ids_to_add);
    d->user_group_ids_to_remove =
        ec_strings(p, "UserGroups/UserGroupIdsToRemove", "member", &d->n_user_group_ids_to_remove);
    ec_log_deliveries(p, "PendingLogDeliveryConfiguration", "member", &d->log_delivery,
                      &d->n_log_delivery);
    ec_opt_bool(p, "TransitEncryptionEnabled", &d->has_transit_encryption_enabled,
                &d->transit_encryption_enabled);
    d->transit_encryption_mode = query_text(p, "TransitEncryptionMode");
    d->cluster_mode = query_text(p, "ClusterMode");
}

static void ec_rg_pending_clear(struct elasticache_rg_pending *d)
{
    free(d->primary_cluster_id);
    free(d->automatic_failover_status);
    free(d->auth_token_status);
    query_strings_free(d->user_group_ids_to_add);
    query_strings_free(d->user_group_ids_to_remove);
    ec_log_deliveries_free(d->log_delivery, d->n_log_delivery);
    free(d->transit_encryption_mode);
    free(d->cluster_mode);
}

static void ec_node_group_parse(const xmlNode *n, struct elasticache_node_group *g)
{
    g->node_group_id = query_text(n, "NodeGroupId");
    g->status = query_text(n, "Status");
    ec_endpoint(n, "PrimaryEndpoint", &g->primary_endpoint);
    ec_endpoint(n, "ReaderEndpoint", &g->reader_endpoint);
    g->slots = query_text(n, "Slots");
    xmlNode *list = query_child(n, "NodeGroupMembers");
    size_t cnt = ec_count(list, "NodeGroupMember");
    g->members = cnt ? mem_xcalloc(cnt, sizeof(*g->members)) : NULL;
    for (xmlNode *c = query_first(list, "NodeGroupMember"); c && g->n_members < cnt;
         c = query_next(c, "NodeGroupMember")) {
        struct elasticache_node_group_member *m = &g->members[g->n_members++];
        m->cache_cluster_id = query_text(c, "CacheClusterId");
        m->cache_node_id = query_text(c, "CacheNodeId");
        ec_endpoint(c, "ReadEndpoint", &m->read_endpoint);
        m->preferred_availability_zone = query_text(c, "PreferredAvailabilityZone");
        m->preferred_outpost_arn = query_text(c, "PreferredOutpostArn");
        m->current_role = query_text(c, "CurrentRole");
    }
}

static void ec_node_group_clear(struct elasticache_node_group *g)
{
    free(g->node_group_id);
    free(g->status);
    ec_endpoint_clear(&g->primary_endpoint);
    ec_endpoint_clear(&g->reader_endpoint);
    free(g->slots);
    for (size_t i = 0; i < g->n_members; i++) {
        struct elasticache_node_group_member *m = &g->members[i];
        free(m->cache_cluster_id);
        free(m->cache_node_id);
        ec_endpoint_clear(&m->read_endpoint);
        free(m->preferred_availability_zone);
        free(m->preferred_outpost_arn);
        free(m->current_role);
    }
    free(g->members);
}

static void ec_rg_parse(const xmlNode *n, struct elasticache_replication_group *g)
{
    g->id = query_text(n, "ReplicationGroupId");
    g->description = query_text(n, "Description");
    g->global_replication_group_id =
        query_text(n, "GlobalReplicationGroupInfo/GlobalReplicationGroupId");
    g->global_replication_group_member_role =
        query_text(n, "GlobalReplicationGroupInfo/GlobalReplicationGroupMemberRole");
    g->status = query_text(n, "Status");
    xmlNode *p = query_child(n, "PendingModifiedValues");
    if (p) {
        g->has_pending = true;
        ec_rg_pending_parse(p, &g->pending);
    }
    g->member_clusters = ec_strings(n, "MemberClusters", "ClusterId", &g->n_member_clusters);
    xmlNode *list = query_child(n, "NodeGroups");
    size_t cnt = ec_count(list, "NodeGroup");
    g->node_groups = cnt ? mem_xcalloc(cnt, sizeof(*g->node_groups)) : NULL;
    for (xmlNode *c = query_first(list, "NodeGroup"); c && g->n_node_groups < cnt;
         c = query_next(c, "NodeGroup"))
        ec_node_group_parse(c, &g->node_groups[g->n_node_groups++]);
    g->snapshotting_cluster_id = query_text(n, "SnapshottingClusterId");
    g->automatic_failover = query_text(n, "AutomaticFailover");
    g->multi_az = query_text(n, "MultiAZ");
    ec_endpoint(n, "ConfigurationEndpoint", &g->configuration_endpoint);
    ec_opt_int(n, "SnapshotRetentionLimit", &g->has_snapshot_retention_limit,
               &g->snapshot_retention_limit);
    g->snapshot_window = query_text(n, "SnapshotWindow");
    ec_opt_bool(n, "ClusterEnabled", &g->has_cluster_enabled, &g->cluster_enabled);
    g->cache_node_type = query_text(n, "CacheNodeType");
    ec_opt_bool(n, "AuthTokenEnabled", &g->has_auth_token_enabled, &g->auth_token_enabled);
    g->auth_token_last_modified_ms = query_time(n, "AuthTokenLastModifiedDate");
    ec_opt_bool(n, "TransitEncryptionEnabled", &g->has_transit_encryption_enabled,
                &g->transit_encryption_enabled);
    ec_opt_bool(n, "AtRestEncryptionEnabled", &g->has_at_rest_encryption_enabled,
                &g->at_rest_encryption_enabled);
    g->member_clusters_outpost_arns =
        ec_strings(n, "MemberClustersOutpostArns", "ReplicationGroupOutpostArn",
                   &g->n_member_clusters_outpost_arns);
    g->kms_key_id = query_text(n, "KmsKeyId");
    g->storage_encryption_type = query_text(n, "StorageEncryptionType");
    g->arn = query_text(n, "ARN");
    g->user_group_ids = ec_strings(n, "UserGroupIds", "member", &g->n_user_group_ids);
    ec_log_deliveries(n, "LogDeliveryConfigurations", "LogDeliveryConfiguration", &g->log_delivery,
                      &g->n_log_delivery);
    g->create_time_ms = query_time(n, "ReplicationGroupCreateTime");
    g->data_tiering = query_text(n, "DataTiering");
    ec_opt_bool(n, "AutoMinorVersionUpgrade", &g->has_auto_minor_version_upgrade,
                &g->auto_minor_version_upgrade);
    g->network_type = query_text(n, "NetworkType");
    g->ip_discovery = query_text(n, "IpDiscovery");
    g->transit_encryption_mode = query_text(n, "TransitEncryptionMode");
    g->cluster_mode = query_text(n, "ClusterMode");
    g->engine = query_text(n, "Engine");
    g->durability = query_text(n, "Durability");
    g->effective_durability = query_text(n, "EffectiveDurability");
}

void elasticache_replication_group_clear(struct elasticache_replication_group *g)
{
    if (!g)
        return;
    free(g->id);
    free(g->description);
    free(g->global_replication_group_id);
    free(g->global_replication_group_member_role);
    free(g->status);
    ec_rg_pending_clear(&g->pending);
    query_strings_free(g->member_clusters);
    for (size_t i = 0; i < g->n_node_groups; i++)
        ec_node_group_clear(&g->node_groups[i]);
    free(g->node_groups);
    free(g->snapshotting_cluster_id);
    free(g->automatic_failover);
    free(g->multi_az);
    ec_endpoint_clear(&g->configuration_endpoint);
    free(g->snapshot_window);
    free(g->cache_node_type);
    query_strings_free(g->member_clusters_outpost_arns);
    free(g->kms_key_id);
    free(g->storage_encryption_type);
    free(g->arn);
    query_strings_free(g->user_group_ids);
    ec_log_deliveries_free(g->log_delivery, g->n_log_delivery);
    free(g->data_tiering);
    free(g->network_type);
    free(g->ip_discovery);
    free(g->transit_encryption_mode);
    free(g->cluster_mode);
    free(g->engine);
    free(g->durability);
    free(g->effective_durability);
    free(g->engine_version);
    memset(g, 0, sizeof(*g));
}

void elasticache_replication_group_list_free(struct elasticache_replication_group_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        elasticache_replication_group_clear(&l->items[i]);
    free(l->items);
    free(l->marker);
    free(l);
}

void elasticache_replication_group_out_free(struct elasticache_replication_group_out *o)
{
    if (!o)
        return;
    elasticache_replication_group_clear(&o->group);
    free(o);
}

int elasticache_parse_describe_replication_groups(const xmlNode *result,
                                                  struct elasticache_replication_group_list *out,
                                                  struct aws_error *err)
{
    if (!ec_check_result(result, "DescribeReplicationGroups", err))
        return -1;
    xmlNode *list = query_child(result, "ReplicationGroups");
    size_t cnt = ec_count(list, "ReplicationGroup");
    if (!ec_item_room(out->n + cnt > 0 ? out->n + cnt - 1 : 0, "DescribeReplicationGroups",
                      "replication groups", err))
        return -1;
    size_t cap = out->n;
    out->items = mem_xgrow(out->items, &cap, out->n + cnt, sizeof(*out->items));
    size_t want = out->n + cnt;
    for (xmlNode *c = query_first(list, "ReplicationGroup"); c && out->n < want;
         c = query_next(c, "ReplicationGroup")) {
        memset(&out->items[out->n], 0, sizeof(out->items[out->n]));
        ec_rg_parse(c, &out->items[out->n++]);
    }
    ec_marker(result, &out->marker);
    return 0;
}

static int ec_parse_rg_result(const char *op, const xmlNode *result,
                              struct elasticache_replication_group_out *out, struct aws_error *err)
{
    if (!ec_check_result(result, op, err))
        return -1;
    xmlNode *g = query_child(result, "ReplicationGroup");
    if (!g) {
        ec_missing(err, op, "ReplicationGroup");
        return -1;
    }
    ec_rg_parse(g, &out->group);
    return 0;
}

int elasticache_parse_create_replication_group(const xmlNode *result,
                                               struct elasticache_replication_group_out *out,
                                               struct aws_error *err)
{
    return ec_parse_rg_result("CreateReplicationGroup", result, out, err);
}

int elasticache_parse_modify_replication_group(const xmlNode *result,
                                               struct elasticache_replication_group_out *out,
                                               struct aws_error *err)
{
    return ec_parse_rg_result("ModifyReplicationGroup", result, out, err);
}

int elasticache_parse_delete_replication_group(const xmlNode *result,
                                               struct elasticache_replication_group_out *out,
                                               struct aws_error *err)
{
    return ec_parse_rg_result("DeleteReplicationGroup", result, out, err);
}

int elasticache_parse_test_failover(const xmlNode *result,
                                    struct elasticache_replication_group_out *out,
                                    struct aws_error *err)
{
    return ec_parse_rg_result("TestFailover", result, out, err);
}

/* ================= cache clusters ================= */

static void ec_cc_pending_parse(const xmlNode *p, struct elasticache_cc_pending *d)
{
    ec_opt_int(p, "NumCacheNodes", &d->has_num_cache_nodes, &d->num_cache_nodes);
    d->cache_node_ids_to_remove =
        ec_strings(p, "CacheNodeIdsToRemove", "CacheNodeId", &d->n_cache_node_ids_to_remove);
    d->engine_version = query_text(p, "EngineVersion");
    d->cache_node_type = query_text(p, "CacheNodeType");
    d->auth_token_status = query_text(p, "AuthTokenStatus");
    ec_log_deliveries(p, "PendingLogDeliveryConfiguration", "member", &d->log_delivery,
                      &d->n_log_delivery);
    ec_opt_bool(p, "TransitEncryptionEnabled", &d->has_transit_encryption_enabled,
                &d->transit_encryption_enabled);
    d->transit_encryption_mode = query_text(p, "TransitEncryptionMode");
}

static void ec_cc_pending_clear(struct elasticache_cc_pending *d)
{
    query_strings_free(d->cache_node_ids_to_remove);
    free(d->engine_version);
    free(d->cache_node_type);
    free(d->auth_token_status);
    ec_log_deliveries_free(d->log_delivery, d->n_log_delivery);
    free(d->transit_encryption_mode);
}

static void ec_cc_parse(const xmlNode *n, struct elasticache_cache_cluster *cc)
{
    cc->id = query_text(n, "CacheClusterId");
    ec_endpoint(n, "ConfigurationEndpoint", &cc->configuration_endpoint);
    cc->client_download_landing_page = query_text(n, "ClientDownloadLandingPage");
    cc->cache_node_type = query_text(n, "CacheNodeType");
    cc->engine = query_text(n, "Engine");
    cc->engine_version = query_text(n, "EngineVersion");
    cc->status = query_text(n, "CacheClusterStatus");
    ec_opt_int(n, "NumCacheNodes", &cc->has_num_cache_nodes, &cc->num_cache_nodes);
    cc->preferred_availability_zone = query_text(n, "PreferredAvailabilityZone");
    cc->preferred_outpost_arn = query_text(n, "PreferredOutpostArn");
    cc->create_time_ms = query_time(n, "CacheClusterCreateTime");
    cc->preferred_maintenance_window = query_text(n, "PreferredMaintenanceWindow");
    xmlNode *p = query_child(n, "PendingModifiedValues");
    if (p) {
        cc->has_pending = true;
        ec_cc_pending_parse(p, &cc->pending);
    }
    cc->notification_topic_arn = query_text(n, "NotificationConfiguration/TopicArn");
    cc->notification_topic_status = query_text(n, "NotificationConfiguration/TopicStatus");

    xmlNode *list = query_child(n, "CacheSecurityGroups");
    size_t cnt = ec_count(list, "CacheSecurityGroup");
    cc->cache_security_groups = cnt ? mem_xcalloc(cnt, sizeof(*cc->cache_security_groups)) : NULL;
    for (xmlNode *c = query_first(list, "CacheSecurityGroup");
         c && cc->n_cache_security_groups < cnt; c = query_next(c, "CacheSecurityGroup")) {
        struct elasticache_cache_security_group_membership *m =
            &cc->cache_security_groups[cc->n_cache_security_groups++];
        m->name = query_text(c, "CacheSecurityGroupName");
        m->status = query_text(c, "Status");
    }

    cc->cache_parameter_group_name = query_text(n, "CacheParameterGroup/CacheParameterGroupName");
    cc->parameter_apply_status = query_text(n, "CacheParameterGroup/ParameterApplyStatus");
    cc->cache_node_ids_to_reboot = ec_strings(n, "CacheParameterGroup/CacheNodeIdsToReboot",
                                              "CacheNodeId", &cc->n_cache_node_ids_to_reboot);
    cc->cache_subnet_group_name = query_text(n, "CacheSubnetGroupName");

    list = query_child(n, "CacheNodes");
    cnt = ec_count(list, "CacheNode");
    cc->nodes = cnt ? mem_xcalloc(cnt, sizeof(*cc->nodes)) : NULL;
    for (xmlNode *c = query_first(list, "CacheNode"); c && cc->n_nodes < cnt;
         c = query_next(c, "CacheNode")) {
        struct elasticache_cache_node *nd = &cc->nodes[cc->n_nodes++];
        nd->id = query_text(c, "CacheNodeId");
        nd->status = query_text(c, "CacheNodeStatus");
        nd->create_time_ms = query_time(c, "CacheNodeCreateTime");
        ec_endpoint(c, "Endpoint", &nd->endpoint);
        nd->parameter_group_status = query_text(c, "ParameterGroupStatus");
        nd->source_cache_node_id = query_text(c, "SourceCacheNodeId");
        nd->customer_availability_zone = query_text(c, "CustomerAvailabilityZone");
        nd->customer_outpost_arn = query_text(c, "CustomerOutpostArn");
    }

    ec_opt_bool(n, "AutoMinorVersionUpgrade", &cc->has_auto_minor_version_upgrade,
                &cc->auto_minor_version_upgrade);

    list = query_child(n, "SecurityGroups");
    cnt = ec_count(list, "member");
    cc->security_groups = cnt ? mem_xcalloc(cnt, sizeof(*cc->security_groups)) : NULL;
    for (xmlNode *c = query_first(list, "member"); c && cc->n_security_groups < cnt;
         c = query_next(c, "member")) {
        struct elasticache_security_group_membership *m =
            &cc->security_groups[cc->n_security_groups++];
        m->id = query_text(c, "SecurityGroupId");
        m->status = query_text(c, "Status");
    }

    cc->replication_group_id = query_text(n, "ReplicationGroupId");
    ec_opt_int(n, "SnapshotRetentionLimit", &cc->has_snapshot_retention_limit,
               &cc->snapshot_retention_limit);
    cc->snapshot_window = query_text(n, "SnapshotWindow");
    ec_opt_bool(n, "AuthTokenEnabled", &cc->has_auth_token_enabled, &cc->auth_token_enabled);
    cc->auth_token_last_modified_ms = query_time(n, "AuthTokenLastModifiedDate");
    ec_opt_bool(n, "TransitEncryptionEnabled", &cc->has_transit_encryption_enabled,
                &cc->transit_encryption_enabled);
    ec_opt_bool(n, "AtRestEncryptionEnabled", &cc->has_at_rest_encryption_enabled,
                &cc->at_rest_encryption_enabled);
    cc->arn = query_text(n, "ARN");
    ec_opt_bool(n, "ReplicationGroupLogDeliveryEnabled",
                &cc->has_replication_group_log_delivery_enabled,
                &cc->replication_group_log_delivery_enabled);
    ec_log_deliveries(n, "LogDeliveryConfigurations", "LogDeliveryConfiguration", &cc->log_delivery,
                      &cc->n_log_delivery);
    cc->network_type = query_text(n, "NetworkType");
    cc->ip_discovery = query_text(n, "IpDiscovery");
    cc->transit_encryption_mode = query_text(n, "TransitEncryptionMode");
}

static void ec_cc_clear(struct elasticache_cache_cluster *cc)
{
    free(cc->id);
    ec_endpoint_clear(&cc->configuration_endpoint);
    free(cc->client_download_landing_page);
    free(cc->cache_node_type);
    free(cc->engine);
    free(cc->engine_version);
    free(cc->status);
    free(cc->preferred_availability_zone);
    free(cc->preferred_outpost_arn);
    free(cc->preferred_maintenance_window);
    ec_cc_pending_clear(&cc->pending);
    free(cc->notification_topic_arn);
    free(cc->notification_topic_status);
    for (size_t i = 0; i < cc->n_cache_security_groups; i++) {
        free(cc->cache_security_groups[i].name);
        free(cc->cache_security_groups[i].status);
    }
    free(cc->cache_security_groups);
    free(cc->cache_parameter_group_name);
    free(cc->parameter_apply_status);
    query_strings_free(cc->cache_node_ids_to_reboot);
    free(cc->cache_subnet_group_name);
    for (size_t i = 0; i < cc->n_nodes; i++) {
        struct elasticache_cache_node *nd = &cc->nodes[i];
        free(nd->id);
        free(nd->status);
        ec_endpoint_clear(&nd->endpoint);
        free(nd->parameter_group_status);
        free(nd->source_cache_node_id);
        free(nd->customer_availability_zone);
        free(nd->customer_outpost_arn);
    }
    free(cc->nodes);
    for (size_t i = 0; i < cc->n_security_groups; i++) {
        free(cc->security_groups[i].id);
        free(cc->security_groups[i].status);
    }
    free(cc->security_groups);
    free(cc->replication_group_id);
    free(cc->snapshot_window);
    free(cc->arn);
    ec_log_deliveries_free(cc->log_delivery, cc->n_log_delivery);
    free(cc->network_type);
    free(cc->ip_discovery);
    free(cc->transit_encryption_mode);
}

void elasticache_cache_cluster_list_free(struct elasticache_cache_cluster_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        ec_cc_clear(&l->items[i]);
    free(l->items);
    free(l->marker);
    free(l->by_id);
    free(l);
}

int elasticache_parse_describe_cache_clusters(const xmlNode *result,
                                              struct elasticache_cache_cluster_list *out,
                                              struct aws_error *err)
{
    if (!ec_check_result(result, "DescribeCacheClusters", err))
        return -1;
    xmlNode *list = query_child(result, "CacheClusters");
    size_t cnt = ec_count(list, "CacheCluster");
    if (!ec_item_room(out->n + cnt > 0 ? out->n + cnt - 1 : 0, "DescribeCacheClusters",
                      "cache clusters", err))
        return -1;
    size_t cap = out->n;
    out->items = mem_xgrow(out->items, &cap, out->n + cnt, sizeof(*out->items));
    size_t want = out->n + cnt;
    for (xmlNode *c = query_first(list, "CacheCluster"); c && out->n < want;
         c = query_next(c, "CacheCluster")) {
        memset(&out->items[out->n], 0, sizeof(out->items[out->n]));
        ec_cc_parse(c, &out->items[out->n++]);
    }
    ec_marker(result, &out->marker);
    return 0;
}

/* By id (case-blind), then by position: the first of equal ids first. */
static int ec_cc_key_cmp(const void *a, const void *b)
{
    const struct elasticache_cc_key *x = a, *y = b;
    int c = strcasecmp(x->id, y->id);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

const struct elasticache_cache_cluster *
elasticache_cache_cluster_find(const struct elasticache_cache_cluster_list *l, const char *id)
{
    if (!l || !id)
        return NULL;
    if (l->n < 16) {
        for (size_t i = 0; i < l->n; i++)
            if (l->items[i].id && strcasecmp(l->items[i].id, id) == 0)
                return &l->items[i];
        return NULL;
    }
    /* the index is a cache of the list's own contents, kept with it */
    struct elasticache_cache_cluster_list *m = (struct elasticache_cache_cluster_list *)l;
    if (!m->by_id || m->by_id_n != l->n) {
        free(m->by_id);
        m->by_id = mem_xcalloc(l->n, sizeof(*m->by_id));
        size_t k = 0;
        for (size_t i = 0; i < l->n; i++)
            if (l->items[i].id)
                m->by_id[k++] = (struct elasticache_cc_key){l->items[i].id, i};
        qsort(m->by_id, k, sizeof(*m->by_id), ec_cc_key_cmp);
        m->by_id_n = l->n;
        m->by_id_keys = k;
    }
    /* the first key not below id */
    size_t lo = 0, hi = m->by_id_keys, end = m->by_id_keys;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcasecmp(m->by_id[mid].id, id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < end && strcasecmp(m->by_id[lo].id, id) == 0)
        return &l->items[m->by_id[lo].i];
    return NULL;
}

void elasticache_replication_groups_fill_from_clusters(
    struct elasticache_replication_group_list *groups,
    const struct elasticache_cache_cluster_list *clusters)
{
    if (!groups || !clusters)
        return;
    for (size_t i = 0; i < groups->n; i++) {
        struct elasticache_replication_group *g = &groups->items[i];
        for (size_t j = 0; j < g->n_member_clusters; j++) {
            const struct elasticache_cache_cluster *cc =
                elasticache_cache_cluster_find(clusters, g->member_clusters[j]);
            if (!cc)
                continue;
            if (!g->engine_version && cc->engine_version)
                g->engine_version = mem_xstrdup(cc->engine_version);
            if (!g->engine && cc->engine)
                g->engine = mem_xstrdup(cc->engine);
            if (g->engine_version && g->engine)
                break;
        }
    }
}

/* ================= subnet groups ================= */

static void ec_subnet_group_parse(const xmlNode *n, struct elasticache_cache_subnet_group *g)
{
    g->name = query_text(n, "CacheSubnetGroupName");
    g->description = query_text(n, "CacheSubnetGroupDescription");
    g->vpc_id = query_text(n, "VpcId");
    xmlNode *list = query_child(n, "Subnets");
    size_t cnt = ec_count(list, "Subnet");
    g->subnets = cnt ? mem_xcalloc(cnt, sizeof(*g->subnets)) : NULL;
    for (xmlNode *c = query_first(list, "Subnet"); c && g->n_subnets < cnt;
         c = query_next(c, "Subnet")) {
        struct elasticache_subnet *s = &g->subnets[g->n_subnets++];
        s->id = query_text(c, "SubnetIdentifier");
        s->availability_zone = query_text(c, "SubnetAvailabilityZone/Name");
        s->outpost_arn = query_text(c, "SubnetOutpost/SubnetOutpostArn");
        s->supported_network_types =
            ec_strings(c, "SupportedNetworkTypes", "member", &s->n_supported_network_types);
    }
    g->arn = query_text(n, "ARN");
    g->supported_network_types =
        ec_strings(n, "SupportedNetworkTypes", "member", &g->n_supported_network_types);
}

static void ec_subnet_group_clear(struct elasticache_cache_subnet_group *g)
{
    free(g->name);
    free(g->description);
    free(g->vpc_id);
    for (size_t i = 0; i < g->n_subnets; i++) {
        free(g->subnets[i].id);
        free(g->subnets[i].availability_zone);
        free(g->subnets[i].outpost_arn);
        query_strings_free(g->subnets[i].supported_network_types);
    }
    free(g->subnets);
    free(g->arn);
    query_strings_free(g->supported_network_types);
}

void elasticache_cache_subnet_group_out_free(struct elasticache_cache_subnet_group_out *o)
{
    if (!o)
        return;
    ec_subnet_group_clear(&o->group);
    free(o);
}

void elasticache_cache_subnet_group_list_free(struct elasticache_cache_subnet_group_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        ec_subnet_group_clear(&l->items[i]);
    free(l->items);
    free(l->marker);
    free(l);
}

int elasticache_parse_create_cache_subnet_group(const xmlNode *result,
                                                struct elasticache_cache_subnet_group_out *out,
                                                struct aws_error *err)
{
    if (!ec_check_result(result, "CreateCacheSubnetGroup", err))
        return -1;
    xmlNode *g = query_child(result, "CacheSubnetGroup");
    if (!g) {
        ec_missing(err, "CreateCacheSubnetGroup", "CacheSubnetGroup");
        return -1;
    }
    ec_subnet_group_parse(g, &out->group);
    return 0;
}

int elasticache_parse_describe_cache_subnet_groups(const xmlNode *result,
                                                   struct elasticache_cache_subnet_group_list *out,
                                                   struct aws_error *err)
{
    if (!ec_check_result(result, "DescribeCacheSubnetGroups", err))
        return -1;
    xmlNode *list = query_child(result, "CacheSubnetGroups");
    size_t cnt = ec_count(list, "CacheSubnetGroup");
    size_t cap = out->n;
    out->items = mem_xgrow(out->items, &cap, out->n + cnt, sizeof(*out->items));
    size_t want = out->n + cnt;
    for (xmlNode *c = query_first(list, "CacheSubnetGroup"); c && out->n < want;
         c = query_next(c, "CacheSubnetGroup")) {
        memset(&out->items[out->n], 0, sizeof(out->items[out->n]));
        ec_subnet_group_parse(c, &out->items[out->n++]);
    }
    ec_marker(result, &out->marker);
    return 0;
}

void elasticache_ack_free(struct elasticache_ack *a)
{
    free(a);
}

int elasticache_parse_delete_cache_subnet_group(const xmlNode *result, struct elasticache_ack *out,
                                                struct aws_error *err)
{
    (void)out;
    if (result && result->type == XML_ELEMENT_NODE && result->name &&
        strcmp((const char *)result->name, "DeleteCacheSubnetGroupResponse") == 0)
        return 0;
    return ec_check_result(result, "DeleteCacheSubnetGroup", err) ? 0 : -1;
}

/* ================= events ================= */

void elasticache_event_list_free(struct elasticache_event_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].source_identifier);
        free(l->items[i].source_type);
        free(l->items[i].message);
    }
    free(l->items);
    free(l->marker);
    free(l);
}

int elasticache_parse_describe_events(const xmlNode *result, struct elasticache_event_list *out,
                                      struct aws_error *err)
{
    if (!ec_check_result(result, "DescribeEvents", err))
        return -1;
    xmlNode *list = query_child(result, "Events");
    size_t cnt = ec_count(list, "Event");
    size_t cap = out->n;
    out->items = mem_xgrow(out->items, &cap, out->n + cnt, sizeof(*out->items));
    size_t want = out->n + cnt;
    for (xmlNode *c = query_first(list, "Event"); c && out->n < want; c = query_next(c, "Event")) {
        struct elasticache_event *e = &out->items[out->n++];
        memset(e, 0, sizeof(*e));
        e->source_identifier = query_text(c, "SourceIdentifier");
        e->source_type = query_text(c, "SourceType");
        e->message = query_text(c, "Message");
        e->date_ms = query_time(c, "Date");
    }
    ec_marker(result, &out->marker);
    return 0;
}

/* ================= parameter groups, parameters ================= */

void elasticache_cache_parameter_group_list_free(struct elasticache_cache_parameter_group_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].name);
        free(l->items[i].family);
        free(l->items[i].description);
        free(l->items[i].arn);
    }
    free(l->items);
    free(l->marker);
    free(l);
}

int elasticache_parse_describe_cache_parameter_groups(
    const xmlNode *result, struct elasticache_cache_parameter_group_list *out,
    struct aws_error *err)
{
    if (!ec_check_result(result, "DescribeCacheParameterGroups", err))
        return -1;
    xmlNode *list = query_child(result, "CacheParameterGroups");
    size_t cnt = ec_count(list, "CacheParameterGroup");
    size_t cap = out->n;
    out->items = mem_xgrow(out->items, &cap, out->n + cnt, sizeof(*out->items));
    size_t want = out->n + cnt;
    for (xmlNode *c = query_first(list, "CacheParameterGroup"); c && out->n < want;
         c = query_next(c, "CacheParameterGroup")) {
        struct elasticache_cache_parameter_group *g = &out->items[out->n++];
        memset(g, 0, sizeof(*g));
        g->name = query_text(c, "CacheParameterGroupName");
        g->family = query_text(c, "CacheParameterGroupFamily");
        g->description = query_text(c, "Description");
        ec_opt_bool(c, "IsGlobal", &g->has_is_global, &g->is_global);
        g->arn = query_text(c, "ARN");
    }
    ec_marker(result, &out->marker);
    return 0;
}

static void ec_parameter_parse(const xmlNode *c, struct elasticache_cache_parameter *p)
{
    p->name = query_text(c, "ParameterName");
    p->value = query_text(c, "ParameterValue");
    p->description = query_text(c, "Description");
    p->source = query_text(c, "Source");
    p->data_type = query_text(c, "DataType");
    p->allowed_values = query_text(c, "AllowedValues");
    ec_opt_bool(c, "IsModifiable", &p->has_is_modifiable, &p->is_modifiable);
    p->minimum_engine_version = query_text(c, "MinimumEngineVersion");
    p->change_type = query_text(c, "ChangeType");
    xmlNode *list = query_child(c, "CacheNodeTypeSpecificValues");
    size_t cnt = ec_count(list, "CacheNodeTypeSpecificValue");
    p->node_type_values = cnt ? mem_xcalloc(cnt, sizeof(*p->node_type_values)) : NULL;
    for (xmlNode *v = query_first(list, "CacheNodeTypeSpecificValue");
         v && p->n_node_type_values < cnt; v = query_next(v, "CacheNodeTypeSpecificValue")) {
        struct elasticache_node_type_value *nv = &p->node_type_values[p->n_node_type_values++];
        nv->cache_node_type = query_text(v, "CacheNodeType");
        nv->value = query_text(v, "Value");
    }
}

void elasticache_cache_parameter_list_free(struct elasticache_cache_parameter_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        struct elasticache_cache_parameter *p = &l->items[i];
        free(p->name);
        free(p->value);
        free(p->description);
        free(p->source);
        free(p->data_type);
        free(p->allowed_values);
        free(p->minimum_engine_version);
        free(p->change_type);
        for (size_t j = 0; j < p->n_node_type_values; j++) {
            free(p->node_type_values[j].cache_node_type);
            free(p->node_type_values[j].value);
        }
        free(p->node_type_values);
    }
    free(l->items);
    free(l->marker);
    free(l);
}

int elasticache_parse_describe_cache_parameters(const xmlNode *result,
                                                struct elasticache_cache_parameter_list *out,
                                                struct aws_error *err)
{
    if (!ec_check_result(result, "DescribeCacheParameters", err))
        return -1;
    xmlNode *plist = query_child(result, "Parameters");
    xmlNode *slist = query_child(result, "CacheNodeTypeSpecificParameters");
    size_t cnt = ec_count(plist, "Parameter") + ec_count(slist, "CacheNodeTypeSpecificParameter");
    size_t cap = out->n;
    out->items = mem_xgrow(out->items, &cap, out->n + cnt, sizeof(*out->items));
    size_t want = out->n + cnt;
    for (xmlNode *c = query_first(plist, "Parameter"); c && out->n < want;
         c = query_next(c, "Parameter")) {
        memset(&out->items[out->n], 0, sizeof(out->items[out->n]));
        ec_parameter_parse(c, &out->items[out->n++]);
    }
    for (xmlNode *c = query_first(slist, "CacheNodeTypeSpecificParameter"); c && out->n < want;
         c = query_next(c, "CacheNodeTypeSpecificParameter")) {
        memset(&out->items[out->n], 0, sizeof(out->items[out->n]));
        ec_parameter_parse(c, &out->items[out->n++]);
    }
    ec_marker(result, &out->marker);
    return 0;
}

const struct elasticache_cache_parameter *
elasticache_cache_parameter_find(const struct elasticache_cache_parameter_list *l, const char *name)
{
    if (!l || !name)
        return NULL;
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i].name && strcmp(l->items[i].name, name) == 0)
            return &l->items[i];
    return NULL;
}

/* ================= tags ================= */

int elasticache_parse_add_tags_to_resource(const xmlNode *result, struct elasticache_tag_list *out,
                                           struct aws_error *err)
{
    if (!ec_check_result(result, "AddTagsToResource", err))
        return -1;
    ec_tags_parse(result, out);
    return 0;
}

int elasticache_parse_list_tags_for_resource(const xmlNode *result,
                                             struct elasticache_tag_list *out,
                                             struct aws_error *err)
{
    if (!ec_check_result(result, "ListTagsForResource", err))
        return -1;
    ec_tags_parse(result, out);
    return 0;
}

/* ================= request builders ================= */

static struct query_params *ec_params(const char *op)
{
    return query_params_new(op, svc_elasticache.api_version);
}

static void ec_add(struct query_params *p, const char *name, const char *v)
{
    if (v)
        query_add(p, name, v);
}

static void ec_add_bool(struct query_params *p, const char *name, bool has, bool v)
{
    if (has)
        query_add_bool(p, name, v);
}

static void ec_add_int(struct query_params *p, const char *name, bool has, long long v)
{
    if (has)
        query_add_int(p, name, v);
}

/* prefix.item.N for each string (query protocol, not flattened). */
static void ec_add_list(struct query_params *p, const char *prefix, const char *item,
                        const char *const *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        query_addf_name(p, v[i], "%s.%s.%zu", prefix, item, i + 1);
}

static void ec_add_tags(struct query_params *p, const struct elasticache_tag_in *tags, size_t n)
{
    for (size_t i = 0; tags && i < n; i++) {
        query_addf_name(p, tags[i].key, "Tags.Tag.%zu.Key", i + 1);
        if (tags[i].value)
            query_addf_name(p, tags[i].value, "Tags.Tag.%zu.Value", i + 1);
    }
}

static void ec_add_log_delivery(struct query_params *p, const struct elasticache_log_delivery_in *v,
                                size_t n)
{
    static const char pre[] = "LogDeliveryConfigurations.LogDeliveryConfigurationRequest";
    for (size_t i = 0; v && i < n; i++) {
        const struct elasticache_log_delivery_in *d = &v[i];
        if (d->log_type)
            query_addf_name(p, d->log_type, "%s.%zu.LogType", pre, i + 1);
        if (d->destination_type)
            query_addf_name(p, d->destination_type, "%s.%zu.DestinationType", pre, i + 1);
        if (d->log_group)
            query_addf_name(p, d->log_group,
                            "%s.%zu.DestinationDetails.CloudWatchLogsDetails.LogGroup", pre, i + 1);
        if (d->delivery_stream)
            query_addf_name(p, d->delivery_stream,
                            "%s.%zu.DestinationDetails.KinesisFirehoseDetails.DeliveryStream", pre,
                            i + 1);
        if (d->log_format)
            query_addf_name(p, d->log_format, "%s.%zu.LogFormat", pre, i + 1);
        if (d->has_enabled)
            query_addf_name(p, d->enabled ? "true" : "false", "%s.%zu.Enabled", pre, i + 1);
    }
}

static void ec_add_node_groups(struct query_params *p,
                               const struct elasticache_node_group_config_in *v, size_t n)
{
    static const char pre[] = "NodeGroupConfiguration.NodeGroupConfiguration";
    for (size_t i = 0; v && i < n; i++) {
        const struct elasticache_node_group_config_in *g = &v[i];
        char base[96];
        snprintf(base, sizeof(base), "%s.%zu", pre, i + 1);
        if (g->node_group_id)
            query_addf_name(p, g->node_group_id, "%s.NodeGroupId", base);
        if (g->slots)
            query_addf_name(p, g->slots, "%s.Slots", base);
        if (g->has_replica_count) {
            char num[24];
            snprintf(num, sizeof(num), "%d", g->replica_count);
            query_addf_name(p, num, "%s.ReplicaCount", base);
        }
        if (g->primary_availability_zone)
            query_addf_name(p, g->primary_availability_zone, "%s.PrimaryAvailabilityZone", base);
        for (size_t j = 0; g->replica_availability_zones && j < g->n_replica_availability_zones;
             j++)
            query_addf_name(p, g->replica_availability_zones[j],
                            "%s.ReplicaAvailabilityZones.AvailabilityZone.%zu", base, j + 1);
        if (g->primary_outpost_arn)
            query_addf_name(p, g->primary_outpost_arn, "%s.PrimaryOutpostArn", base);
        for (size_t j = 0; g->replica_outpost_arns && j < g->n_replica_outpost_arns; j++)
            query_addf_name(p, g->replica_outpost_arns[j], "%s.ReplicaOutpostArns.OutpostArn.%zu",
                            base, j + 1);
    }
}

static void ec_add_time(struct query_params *p, const char *name, int64_t ms)
{
    char out[48];
    awstime_format_iso8601_query(ms, out, sizeof(out));
    query_add(p, name, out);
}

static void ec_add_paging(struct query_params *p, int max_records, const char *marker)
{
    ec_add_int(p, "MaxRecords", max_records > 0, max_records);
    ec_add(p, "Marker", marker);
}

struct query_params *elasticache_build_create_cache_subnet_group(
    const struct elasticache_create_cache_subnet_group_in *in)
{
    struct query_params *p = ec_params("CreateCacheSubnetGroup");
    ec_add(p, "CacheSubnetGroupName", in->name);
    ec_add(p, "CacheSubnetGroupDescription", in->description);
    ec_add_list(p, "SubnetIds", "SubnetIdentifier", in->subnet_ids, in->n_subnet_ids);
    ec_add_tags(p, in->tags, in->n_tags);
    return p;
}

struct query_params *elasticache_build_describe_cache_subnet_groups(
    const struct elasticache_describe_cache_subnet_groups_in *in)
{
    struct query_params *p = ec_params("DescribeCacheSubnetGroups");
    ec_add(p, "CacheSubnetGroupName", in->name);
    ec_add_paging(p, in->max_records, in->marker);
    return p;
}

struct query_params *elasticache_build_delete_cache_subnet_group(
    const struct elasticache_delete_cache_subnet_group_in *in)
{
    struct query_params *p = ec_params("DeleteCacheSubnetGroup");
    ec_add(p, "CacheSubnetGroupName", in->name);
    return p;
}

struct query_params *
elasticache_build_create_replication_group(const struct elasticache_create_replication_group_in *in)
{
    struct query_params *p = ec_params("CreateReplicationGroup");
    ec_add(p, "ReplicationGroupId", in->id);
    ec_add(p, "ReplicationGroupDescription", in->description);
    ec_add(p, "GlobalReplicationGroupId", in->global_replication_group_id);
    ec_add(p, "PrimaryClusterId", in->primary_cluster_id);
    ec_add_bool(p, "AutomaticFailoverEnabled", in->has_automatic_failover_enabled,
                in->automatic_failover_enabled);
    ec_add_bool(p, "MultiAZEnabled", in->has_multi_az_enabled, in->multi_az_enabled);
    ec_add_int(p, "NumCacheClusters", in->num_cache_clusters > 0, in->num_cache_clusters);
    ec_add_list(p, "PreferredCacheClusterAZs", "AvailabilityZone", in->preferred_cache_cluster_azs,
                in->n_preferred_cache_cluster_azs);
    ec_add_int(p, "NumNodeGroups", in->num_node_groups > 0, in->num_node_groups);
    ec_add_int(p, "ReplicasPerNodeGroup", in->has_replicas_per_node_group,
               in->replicas_per_node_group);
    ec_add_node_groups(p, in->node_group_configuration, in->n_node_group_configuration);
    ec_add(p, "CacheNodeType", in->cache_node_type);
    ec_add(p, "Engine", in->engine);
    ec_add(p, "EngineVersion", in->engine_version);
    ec_add(p, "CacheParameterGroupName", in->cache_parameter_group_name);
    ec_add(p, "CacheSubnetGroupName", in->cache_subnet_group_name);
    ec_add_list(p, "SecurityGroupIds", "SecurityGroupId", in->security_group_ids,
                in->n_security_group_ids);
    ec_add_tags(p, in->tags, in->n_tags);
    ec_add(p, "SnapshotName", in->snapshot_name);
    ec_add(p, "PreferredMaintenanceWindow", in->preferred_maintenance_window);
    ec_add_int(p, "Port", in->port > 0, in->port);
    ec_add(p, "NotificationTopicArn", in->notification_topic_arn);
    ec_add_bool(p, "AutoMinorVersionUpgrade", in->has_auto_minor_version_upgrade,
                in->auto_minor_version_upgrade);
    ec_add_int(p, "SnapshotRetentionLimit", in->has_snapshot_retention_limit,
               in->snapshot_retention_limit);
    ec_add(p, "SnapshotWindow", in->snapshot_window);
    if (in->auth_token)
        query_add_secret(p, "AuthToken", in->auth_token);
    ec_add_bool(p, "TransitEncryptionEnabled", in->has_transit_encryption_enabled,
                in->transit_encryption_enabled);
    ec_add_bool(p, "AtRestEncryptionEnabled", in->has_at_rest_encryption_enabled,
                in->at_rest_encryption_enabled);
    ec_add(p, "KmsKeyId", in->kms_key_id);
    ec_add_list(p, "UserGroupIds", "member", in->user_group_ids, in->n_user_group_ids);
    ec_add_log_delivery(p, in->log_delivery, in->n_log_delivery);
    ec_add_bool(p, "DataTieringEnabled", in->has_data_tiering_enabled, in->data_tiering_enabled);
    ec_add(p, "NetworkType", in->network_type);
    ec_add(p, "IpDiscovery", in->ip_discovery);
    ec_add(p, "TransitEncryptionMode", in->transit_encryption_mode);
    ec_add(p, "ClusterMode", in->cluster_mode);
    return p;
}

struct query_params *elasticache_build_describe_replication_groups(
    const struct elasticache_describe_replication_groups_in *in)
{
    struct query_params *p = ec_params("DescribeReplicationGroups");
    ec_add(p, "ReplicationGroupId", in->id);
    ec_add_paging(p, in->max_records, in->marker);
    return p;
}

struct query_params *
elasticache_build_describe_cache_clusters(const struct elasticache_describe_cache_clusters_in *in)
{
    struct query_params *p = ec_params("DescribeCacheClusters");
    ec_add(p, "CacheClusterId", in->id);
    ec_add_paging(p, in->max_records, in->marker);
    ec_add_bool(p, "ShowCacheNodeInfo", in->show_cache_node_info, true);
    ec_add_bool(p, "ShowCacheClustersNotInReplicationGroups", in->show_not_in_replication_groups,
                true);
    return p;
}

struct query_params *
elasticache_build_modify_replication_group(const struct elasticache_modify_replication_group_in *in)
{
    struct query_params *p = ec_params("ModifyReplicationGroup");
    ec_add(p, "ReplicationGroupId", in->id);
    ec_add(p, "ReplicationGroupDescription", in->description);
    ec_add(p, "PrimaryClusterId", in->primary_cluster_id);
    ec_add(p, "SnapshottingClusterId", in->snapshotting_cluster_id);
    ec_add_bool(p, "AutomaticFailoverEnabled", in->has_automatic_failover_enabled,
                in->automatic_failover_enabled);
    ec_add_bool(p, "MultiAZEnabled", in->has_multi_az_enabled, in->multi_az_enabled);
    ec_add_list(p, "SecurityGroupIds", "SecurityGroupId", in->security_group_ids,
                in->n_security_group_ids);
    ec_add(p, "PreferredMaintenanceWindow", in->preferred_maintenance_window);
    ec_add(p, "NotificationTopicArn", in->notification_topic_arn);
    ec_add(p, "CacheParameterGroupName", in->cache_parameter_group_name);
    ec_add(p, "NotificationTopicStatus", in->notification_topic_status);
    ec_add_bool(p, "ApplyImmediately", in->has_apply_immediately, in->apply_immediately);
    ec_add(p, "Engine", in->engine);
    ec_add(p, "EngineVersion", in->engine_version);
    ec_add_bool(p, "AutoMinorVersionUpgrade", in->has_auto_minor_version_upgrade,
                in->auto_minor_version_upgrade);
    ec_add_int(p, "SnapshotRetentionLimit", in->has_snapshot_retention_limit,
               in->snapshot_retention_limit);
    ec_add(p, "SnapshotWindow", in->snapshot_window);
    ec_add(p, "CacheNodeType", in->cache_node_type);
    if (in->auth_token)
        query_add_secret(p, "AuthToken", in->auth_token);
    ec_add(p, "AuthTokenUpdateStrategy", in->auth_token_update_strategy);
    ec_add_list(p, "UserGroupIdsToAdd", "member", in->user_group_ids_to_add,
                in->n_user_group_ids_to_add);
    ec_add_list(p, "UserGroupIdsToRemove", "member", in->user_group_ids_to_remove,
                in->n_user_group_ids_to_remove);
    ec_add_bool(p, "RemoveUserGroups", in->has_remove_user_groups, in->remove_user_groups);
    ec_add_log_delivery(p, in->log_delivery, in->n_log_delivery);
    ec_add(p, "IpDiscovery", in->ip_discovery);
    ec_add_bool(p, "TransitEncryptionEnabled", in->has_transit_encryption_enabled,
                in->transit_encryption_enabled);
    ec_add(p, "TransitEncryptionMode", in->transit_encryption_mode);
    ec_add(p, "ClusterMode", in->cluster_mode);
    return p;
}

struct query_params *
elasticache_build_delete_replication_group(const struct elasticache_delete_replication_group_in *in)
{
    struct query_params *p = ec_params("DeleteReplicationGroup");
    ec_add(p, "ReplicationGroupId", in->id);
    ec_add_bool(p, "RetainPrimaryCluster", in->has_retain_primary_cluster,
                in->retain_primary_cluster);
    ec_add(p, "FinalSnapshotIdentifier", in->final_snapshot_identifier);
    return p;
}

struct query_params *elasticache_build_test_failover(const struct elasticache_test_failover_in *in)
{
    struct query_params *p = ec_params("TestFailover");
    ec_add(p, "ReplicationGroupId", in->replication_group_id);
    ec_add(p, "NodeGroupId", in->node_group_id);
    return p;
}

struct query_params *
elasticache_build_describe_events(const struct elasticache_describe_events_in *in)
{
    struct query_params *p = ec_params("DescribeEvents");
    ec_add(p, "SourceIdentifier", in->source_identifier);
    ec_add(p, "SourceType", in->source_type);
    if (in->start_time_ms > 0)
        ec_add_time(p, "StartTime", in->start_time_ms);
    if (in->end_time_ms > 0)
        ec_add_time(p, "EndTime", in->end_time_ms);
    ec_add_int(p, "Duration", in->duration_minutes > 0, in->duration_minutes);
    ec_add_paging(p, in->max_records, in->marker);
    return p;
}

struct query_params *elasticache_build_describe_cache_parameter_groups(
    const struct elasticache_describe_cache_parameter_groups_in *in)
{
    struct query_params *p = ec_params("DescribeCacheParameterGroups");
    ec_add(p, "CacheParameterGroupName", in->name);
    ec_add_paging(p, in->max_records, in->marker);
    return p;
}

struct query_params *elasticache_build_describe_cache_parameters(
    const struct elasticache_describe_cache_parameters_in *in)
{
    struct query_params *p = ec_params("DescribeCacheParameters");
    ec_add(p, "CacheParameterGroupName", in->group_name);
    ec_add(p, "Source", in->source);
    ec_add_paging(p, in->max_records, in->marker);
    return p;
}

struct query_params *
elasticache_build_add_tags_to_resource(const struct elasticache_add_tags_to_resource_in *in)
{
    struct query_params *p = ec_params("AddTagsToResource");
    ec_add(p, "ResourceName", in->resource_name);
    ec_add_tags(p, in->tags, in->n_tags);
    return p;
}

struct query_params *
elasticache_build_list_tags_for_resource(const struct elasticache_list_tags_for_resource_in *in)
{
    struct query_params *p = ec_params("ListTagsForResource");
    ec_add(p, "ResourceName", in->resource_name);
    return p;
}

/* ================= calls (aws/typedcall.h runs them) ================= */

/* ---- the two large listings, read as a stream ---- */

struct ec_stream {
    void *out;
    size_t cap;
};

static int ec_rg_item(const xmlNode *n, void *arg, struct aws_error *err)
{
    struct ec_stream *st = arg;
    struct elasticache_replication_group_list *out = st->out;
    if (!ec_item_room(out->n, "DescribeReplicationGroups", "replication groups", err))
        return -1;
    out->items = mem_xgrow(out->items, &st->cap, out->n + 1, sizeof(*out->items));
    memset(&out->items[out->n], 0, sizeof(out->items[out->n]));
    ec_rg_parse(n, &out->items[out->n++]);
    return 0;
}

static int ec_rg_rest(const xmlNode *result, void *arg, struct aws_error *err)
{
    struct ec_stream *st = arg;
    struct elasticache_replication_group_list *out = st->out;
    (void)err;
    ec_marker(result, &out->marker);
    return 0;
}

int elasticache_parse_describe_replication_groups_stream(
    const char *body, size_t len, struct elasticache_replication_group_list *out,
    struct aws_error *err, char *request_id, size_t request_id_len)
{
    struct ec_stream st = {.out = out, .cap = out->n};
    struct query_stream qs = {
        .op = "DescribeReplicationGroups",
        .list = "ReplicationGroups",
        .item = "ReplicationGroup",
        .on_item = ec_rg_item,
        .on_rest = ec_rg_rest,
        .arg = &st,
    };
    int rc = query_parse_stream(body, len, &qs, request_id, request_id_len, err);
    if (rc != 0 && !err->operation[0]) {
        snprintf(err->service, sizeof(err->service), "%s", svc_elasticache.name);
        snprintf(err->operation, sizeof(err->operation), "%s", qs.op);
    }
    return rc;
}

static int ec_cc_item(const xmlNode *n, void *arg, struct aws_error *err)
{
    struct ec_stream *st = arg;
    struct elasticache_cache_cluster_list *out = st->out;
    if (!ec_item_room(out->n, "DescribeCacheClusters", "cache clusters", err))
        return -1;
    out->items = mem_xgrow(out->items, &st->cap, out->n + 1, sizeof(*out->items));
    memset(&out->items[out->n], 0, sizeof(out->items[out->n]));
    ec_cc_parse(n, &out->items[out->n++]);
    return 0;
}

static int ec_cc_rest(const xmlNode *result, void *arg, struct aws_error *err)
{
    struct ec_stream *st = arg;
    struct elasticache_cache_cluster_list *out = st->out;
    (void)err;
    ec_marker(result, &out->marker);
    return 0;
}

int elasticache_parse_describe_cache_clusters_stream(const char *body, size_t len,
                                                     struct elasticache_cache_cluster_list *out,
                                                     struct aws_error *err, char *request_id,
                                                     size_t request_id_len)
{
    struct ec_stream st = {.out = out, .cap = out->n};
    struct query_stream qs = {
        .op = "DescribeCacheClusters",
        .list = "CacheClusters",
        .item = "CacheCluster",
        .on_item = ec_cc_item,
        .on_rest = ec_cc_rest,
        .arg = &st,
    };
    int rc = query_parse_stream(body, len, &qs, request_id, request_id_len, err);
    if (rc != 0 && !err->operation[0]) {
        snprintf(err->service, sizeof(err->service), "%s", svc_elasticache.name);
        snprintf(err->operation, sizeof(err->operation), "%s", qs.op);
    }
    return rc;
}

static int ec_rg_stream(const char *body, size_t len, void *out, struct aws_error *err, char *rid,
                        size_t rid_len)
{
    return elasticache_parse_describe_replication_groups_stream(body, len, out, err, rid, rid_len);
}

static int ec_cc_stream(const char *body, size_t len, void *out, struct aws_error *err, char *rid,
                        size_t rid_len)
{
    return elasticache_parse_describe_cache_clusters_stream(body, len, out, err, rid, rid_len);
}

/* Describe* calls follow Marker (ELASTICACHE_PAGE_LIMIT pages at most). */
#define EC_PAGED(type)                                                                             \
    TYPEDCALL_PAGED(TYPEDCALL_QUERY_MARKER, type, marker), .page_limit = ELASTICACHE_PAGE_LIMIT

TYPEDCALL_OP(ec_op_create_cache_subnet_group, &svc_elasticache, "CreateCacheSubnetGroup",
             struct elasticache_cache_subnet_group_out, elasticache_create_cache_subnet_group_cb,
             XML, elasticache_parse_create_cache_subnet_group,
             elasticache_cache_subnet_group_out_free);
TYPEDCALL_OP(ec_op_describe_cache_subnet_groups, &svc_elasticache, "DescribeCacheSubnetGroups",
             struct elasticache_cache_subnet_group_list,
             elasticache_describe_cache_subnet_groups_cb, XML,
             elasticache_parse_describe_cache_subnet_groups,
             elasticache_cache_subnet_group_list_free,
             EC_PAGED(struct elasticache_cache_subnet_group_list));
TYPEDCALL_OP(ec_op_delete_cache_subnet_group, &svc_elasticache, "DeleteCacheSubnetGroup",
             struct elasticache_ack, elasticache_delete_cache_subnet_group_cb, XML,
             elasticache_parse_delete_cache_subnet_group, elasticache_ack_free);
TYPEDCALL_OP(ec_op_create_replication_group, &svc_elasticache, "CreateReplicationGroup",
             struct elasticache_replication_group_out, elasticache_create_replication_group_cb, XML,
             elasticache_parse_create_replication_group, elasticache_replication_group_out_free);
TYPEDCALL_OP(ec_op_describe_replication_groups, &svc_elasticache, "DescribeReplicationGroups",
             struct elasticache_replication_group_list, elasticache_describe_replication_groups_cb,
             XML, elasticache_parse_describe_replication_groups,
             elasticache_replication_group_list_free,
             EC_PAGED(struct elasticache_replication_group_list), .parse_xml_stream = ec_rg_stream);
TYPEDCALL_OP(ec_op_describe_cache_clusters, &svc_elasticache, "DescribeCacheClusters",
             struct elasticache_cache_cluster_list, elasticache_describe_cache_clusters_cb, XML,
             elasticache_parse_describe_cache_clusters, elasticache_cache_cluster_list_free,
             EC_PAGED(struct elasticache_cache_cluster_list), .parse_xml_stream = ec_cc_stream);
TYPEDCALL_OP(ec_op_modify_replication_group, &svc_elasticache, "ModifyReplicationGroup",
             struct elasticache_replication_group_out, elasticache_modify_replication_group_cb, XML,
             elasticache_parse_modify_replication_group, elasticache_replication_group_out_free);
TYPEDCALL_OP(ec_op_delete_replication_group, &svc_elasticache, "DeleteReplicationGroup",
             struct elasticache_replication_group_out, elasticache_delete_replication_group_cb, XML,
             elasticache_parse_delete_replication_group, elasticache_replication_group_out_free);
TYPEDCALL_OP(ec_op_test_failover, &svc_elasticache, "TestFailover",
             struct elasticache_replication_group_out, elasticache_test_failover_cb, XML,
             elasticache_parse_test_failover, elasticache_replication_group_out_free);
TYPEDCALL_OP(ec_op_describe_events, &svc_elasticache, "DescribeEvents",
             struct elasticache_event_list, elasticache_describe_events_cb, XML,
             elasticache_parse_describe_events, elasticache_event_list_free,
             EC_PAGED(struct elasticache_event_list));
TYPEDCALL_OP(ec_op_describe_cache_parameter_groups, &svc_elasticache,
             "DescribeCacheParameterGroups", struct elasticache_cache_parameter_group_list,
             elasticache_describe_cache_parameter_groups_cb, XML,
             elasticache_parse_describe_cache_parameter_groups,
             elasticache_cache_parameter_group_list_free,
             EC_PAGED(struct elasticache_cache_parameter_group_list));
TYPEDCALL_OP(ec_op_describe_cache_parameters, &svc_elasticache, "DescribeCacheParameters",
             struct elasticache_cache_parameter_list, elasticache_describe_cache_parameters_cb, XML,
             elasticache_parse_describe_cache_parameters, elasticache_cache_parameter_list_free,
             EC_PAGED(struct elasticache_cache_parameter_list));
TYPEDCALL_OP(ec_op_add_tags_to_resource, &svc_elasticache, "AddTagsToResource",
             struct elasticache_tag_list, elasticache_add_tags_to_resource_cb, XML,
             elasticache_parse_add_tags_to_resource, elasticache_tag_list_free);
TYPEDCALL_OP(ec_op_list_tags_for_resource, &svc_elasticache, "ListTagsForResource",
             struct elasticache_tag_list, elasticache_list_tags_for_resource_cb, XML,
             elasticache_parse_list_tags_for_resource, elasticache_tag_list_free);

struct aws_call *
elasticache_create_cache_subnet_group(struct aws_client *c,
                                      const struct elasticache_create_cache_subnet_group_in *in,
                                      elasticache_create_cache_subnet_group_cb cb, void *arg)
{
    return typedcall_query(c, &ec_op_create_cache_subnet_group,
                           elasticache_build_create_cache_subnet_group(in), 0, (typedcall_fn)cb,
                           arg);
}

struct aws_call *elasticache_describe_cache_subnet_groups(
    struct aws_client *c, const struct elasticache_describe_cache_subnet_groups_in *in,
    elasticache_describe_cache_subnet_groups_cb cb, void *arg)
{
    return typedcall_query(c, &ec_op_describe_cache_subnet_groups,
                           elasticache_build_describe_cache_subnet_groups(in), in->max_pages,
                           (typedcall_fn)cb, arg);
}

struct aws_call *
elasticache_delete_cache_subnet_group(struct aws_client *c,
                                      const struct elasticache_delete_cache_subnet_group_in *in,
                                      elasticache_delete_cache_subnet_group_cb cb, void *arg)
{
    return typedcall_query(c, &ec_op_delete_cache_subnet_group,
                           elasticache_build_delete_cache_subnet_group(in), 0, (typedcall_fn)cb,
                           arg);
}

struct aws_call *
elasticache_create_replication_group(struct aws_client *c,
                                     const struct elasticache_create_replication_group_in *in,
                                     elasticache_create_replication_group_cb cb, void *arg)
{
    return typedcall_query(c, &ec_op_create_replication_group,
                           elasticache_build_create_replication_group(in), 0, (typedcall_fn)cb,
                           arg);
}

struct aws_call *
elasticache_describe_replication_groups(struct aws_client *c,
                                        const struct elasticache_describe_replication_groups_in *in,
                                        elasticache_describe_replication_groups_cb cb, void *arg)
{
    return typedcall_query(c, &ec_op_describe_replication_groups,
                           elasticache_build_describe_replication_groups(in), in->max_pages,
                           (typedcall_fn)cb, arg);
}

struct aws_call *
elasticache_describe_cache_clusters(struct aws_client *c,
                                    const struct elasticache_describe_cache_clusters_in *in,
                                    elasticache_describe_cache_clusters_cb cb, void *arg)
{
    return typedcall_query(c, &ec_op_describe_cache_clusters,
                           elasticache_build_describe_cache_clusters(in), in->max_pages,
                           (typedcall_fn)cb, arg);
}

struct aws_call *
elasticache_modify_replication_group(struct aws_client *c,
                                     const struct elasticache_modify_replication_group_in *in,
                                     elasticache_modify_replication_group_cb cb, void *arg)
{
    return typedcall_query(c, &ec_op_modify_replication_group,
                           elasticache_build_modify_replication_group(in), 0, (typedcall_fn)cb,
                           arg);
}

struct aws_call *
elasticache_delete_replication_group(struct aws_client *c,
                                     const struct elasticache_delete_replication_group_in *in,
                                     elasticache_delete_replication_group_cb cb, void *arg)
{
    return typedcall_query(c, &ec_op_delete_replication_group,
                           elasticache_build_delete_replication_group(in), 0, (typedcall_fn)cb,
                           arg);
}

struct aws_call *elasticache_test_failover(struct aws_client *c,
                                           const struct elasticache_test_failover_in *in,
                                           elasticache_test_failover_cb cb, void *arg)
{
    return typedcall_query(c, &ec_op_test_failover, elasticache_build_test_failover(in), 0,
                           (typedcall_fn)cb, arg);
}

struct aws_call *elasticache_describe_events(struct aws_client *c,
                                             const struct elasticache_describe_events_in *in,
                                             elasticache_describe_events_cb cb, void *arg)
{
    return typedcall_query(c, &ec_op_describe_events, elasticache_build_describe_events(in),
                           in->max_pages, (typedcall_fn)cb, arg);
}

struct aws_call *elasticache_describe_cache_parameter_groups(
    struct aws_client *c, const struct elasticache_describe_cache_parameter_groups_in *in,
    elasticache_describe_cache_parameter_groups_cb cb, void *arg)
{
    return typedcall_query(c, &ec_op_describe_cache_parameter_groups,
                           elasticache_build_describe_cache_parameter_groups(in), in->max_pages,
                           (typedcall_fn)cb, arg);
}

struct aws_call *
elasticache_describe_cache_parameters(struct aws_client *c,
                                      const struct elasticache_describe_cache_parameters_in *in,
                                      elasticache_describe_cache_parameters_cb cb, void *arg)
{
    return typedcall_query(c, &ec_op_describe_cache_parameters,
                           elasticache_build_describe_cache_parameters(in), in->max_pages,
                           (typedcall_fn)cb, arg);
}

struct aws_call *
elasticache_add_tags_to_resource(struct aws_client *c,
                                 const struct elasticache_add_tags_to_resource_in *in,
                                 elasticache_add_tags_to_resource_cb cb, void *arg)
{
    return typedcall_query(c, &ec_op_add_tags_to_resource,
                           elasticache_build_add_tags_to_resource(in), 0, (typedcall_fn)cb, arg);
}

struct aws_call *
elasticache_list_tags_for_resource(struct aws_client *c,
                                   const struct elasticache_list_tags_for_resource_in *in,
                                   elasticache_list_tags_for_resource_cb cb, void *arg)
{
    return typedcall_query(c, &ec_op_list_tags_for_resource,
                           elasticache_build_list_tags_for_resource(in), 0, (typedcall_fn)cb, arg);
}
