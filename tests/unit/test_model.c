/* test_model.c - the cluster model: built from recorded sandbox answers
 * (cluster mode on and off, Valkey, TLS/AUTH, log delivery, after a
 * failover), from partial answers, and from hand-made shapes; lookups
 * (cache cluster id, endpoint, address, slot, labels, rcluster names);
 * the merge of Redis's view with every kind of difference flagged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "core/logs/logrec.h"
#include "core/model/model.h"
#include "core/redis/rcluster.h"

#include "model_fixture.h"

#define T0 1700000000000LL

static const struct model_node *node(const struct model_group *g, const char *cc)
{
    const struct model_node *n = model_node_find(g, cc, NULL);
    if (!n)
        fail_msg("no node %s", cc);
    return n;
}

/* ---- recorded groups ---- */

static void test_cmd_group(void **state)
{
    (void)state;
    struct model_group *g = mfx_model("rgs.xml", "ccs.xml", "cmd3", T0);
    assert_string_equal(g->id, "cmd3");
    assert_string_equal(g->description, "cluster mode off, TLS, AUTH");
    assert_string_equal(g->status, "available");
    assert_string_equal(g->engine, "redis");
    assert_string_equal(g->engine_version, "7.1.0");
    assert_string_equal(g->node_type, "cache.r7g.large");
    assert_false(g->cluster_enabled);
    assert_string_equal(g->cluster_mode, "disabled");
    assert_null(g->configuration_endpoint.host);
    assert_non_null(g->primary_endpoint.host);
    assert_true(strncmp(g->primary_endpoint.host, "master.cmd3.", 12) == 0);
    assert_int_equal(g->primary_endpoint.port, 6379);
    assert_true(strncmp(g->reader_endpoint.host, "replica.cmd3.", 13) == 0);
    assert_true(g->multi_az_enabled);
    assert_string_equal(g->multi_az, "enabled");
    assert_true(g->automatic_failover_enabled);
    assert_true(g->has_transit_encryption && g->transit_encryption);
    assert_string_equal(g->transit_encryption_mode, "required");
    assert_true(g->has_at_rest_encryption && g->at_rest_encryption);
    assert_true(g->has_auth_token_enabled && g->auth_token_enabled);
    assert_true(g->auth_token_last_modified_ms > 0);
    assert_int_equal(g->n_log_delivery, 1);
    assert_string_equal(g->log_delivery[0].log_type, "slow-log");
    assert_string_equal(g->log_delivery[0].destination_type, "cloudwatch-logs");
    assert_string_equal(g->log_delivery[0].destination, "/elasticache/cmd3/slow-log");
    assert_string_equal(g->log_delivery[0].log_format, "json");
    assert_string_equal(g->log_delivery[0].status, "active");
    assert_true(g->has_snapshot_retention_limit);
    assert_int_equal(g->snapshot_retention_limit, 1);
    assert_string_equal(g->snapshotting_cluster_id, "cmd3-002");
    assert_true(g->has_auto_minor_version_upgrade && g->auto_minor_version_upgrade);
    assert_string_equal(g->arn, "arn:aws:elasticache:us-east-2:123456789012:replicationgroup:cmd3");
    assert_int_equal(g->n_member_clusters, 3);
    assert_string_equal(g->member_clusters[2], "cmd3-003");
    assert_int_equal(g->n_pending, 0);
    assert_true(g->create_time_ms > 0);
    assert_int_equal(g->fetched_ms, T0);
    assert_true(g->clusters_described);

    assert_int_equal(g->n_shards, 1);
    assert_string_equal(g->shards[0].id, "0001");
    assert_string_equal(g->shards[0].status, "available");
    assert_null(g->shards[0].slots);
    assert_int_equal(g->shards[0].n_nodes, 3);
    assert_string_equal(g->shards[0].primary_endpoint.host, g->primary_endpoint.host);
    assert_int_equal(g->n_nodes, 3);
    static const char *const az[] = {"us-east-2a", "us-east-2b", "us-east-2c"};
    for (size_t i = 0; i < 3; i++) {
        const struct model_node *n = &g->nodes[i];
        char cc[16];
        snprintf(cc, sizeof(cc), "cmd3-%03zu", i + 1);
        assert_string_equal(n->cache_cluster_id, cc);
        assert_string_equal(n->cache_node_id, "0001");
        assert_int_equal(n->shard, 0);
        assert_string_equal(n->az, az[i]);
        assert_int_equal(n->role, i == 0 ? MODEL_ROLE_PRIMARY : MODEL_ROLE_REPLICA);
        assert_int_equal(n->role_source, MODEL_ROLE_SRC_API);
        assert_non_null(n->endpoint.host);
        assert_true(strncmp(n->endpoint.host, cc, strlen(cc)) == 0);
        assert_int_equal(n->endpoint.port, 6379);
        assert_string_equal(n->read_endpoint.host, n->endpoint.host);
        assert_string_equal(n->status, "available");
        assert_string_equal(n->cluster_status, "available");
        assert_string_equal(n->engine, "redis");
        assert_string_equal(n->engine_version, "7.1.0");
        assert_string_equal(n->node_type, "cache.r7g.large");
        assert_string_equal(n->parameter_group, "default.redis7");
        assert_string_equal(n->parameter_apply_status, "in-sync");
        assert_true(n->create_time_ms > 0);
        assert_true(n->in_api && n->described && !n->in_redis);
    }
    size_t p, r, u;
    model_group_role_counts(g, &p, &r, &u);
    assert_int_equal(p, 1);
    assert_int_equal(r, 2);
    assert_int_equal(u, 0);
    assert_ptr_equal(model_shard_primary(g, 0), &g->nodes[0]);
    /* cluster mode off: every slot is the one shard's */
    assert_int_equal(model_shard_of_slot(g, 0), 0);
    assert_int_equal(model_shard_of_slot(g, 16383), 0);
    assert_int_equal(model_shard_of_slot(g, 16384), -1);
    assert_int_equal(model_shard_of_slot(g, -1), -1);
    model_group_unref(g);
}

static void test_cme_group(void **state)
{
    (void)state;
    struct model_group *g = mfx_model("rgs.xml", "ccs.xml", "cme", T0);
    assert_true(g->cluster_enabled);
    assert_string_equal(g->cluster_mode, "enabled");
    assert_non_null(g->configuration_endpoint.host);
    assert_true(strncmp(g->configuration_endpoint.host, "clustercfg.cme.", 15) == 0);
    assert_null(g->primary_endpoint.host);
    assert_null(g->reader_endpoint.host);
    assert_int_equal(g->n_shards, 3);
    assert_int_equal(g->n_nodes, 6);
    static const char *const slots[] = {"0-5461", "5462-10922", "10923-16383"};
    for (size_t s = 0; s < 3; s++) {
        char id[8];
        snprintf(id, sizeof(id), "%04zu", s + 1);
        assert_string_equal(g->shards[s].id, id);
        assert_string_equal(g->shards[s].slots, slots[s]);
        assert_int_equal(g->shards[s].n_ranges, 1);
        assert_int_equal(g->shards[s].n_nodes, 2);
        assert_null(g->shards[s].primary_endpoint.host);
    }
    assert_int_equal(g->shards[1].ranges[0].start, 5462);
    assert_int_equal(g->shards[1].ranges[0].end, 10922);
    assert_int_equal(model_shard_of_slot(g, 0), 0);
    assert_int_equal(model_shard_of_slot(g, 5461), 0);
    assert_int_equal(model_shard_of_slot(g, 5462), 1);
    assert_int_equal(model_shard_of_slot(g, 10923), 2);
    assert_int_equal(model_shard_of_slot(g, 16383), 2);
    /* no CurrentRole in cluster mode: roles are assumed from the naming */
    for (size_t i = 0; i < g->n_nodes; i++) {
        const struct model_node *n = &g->nodes[i];
        bool first = strcmp(n->cache_cluster_id + strlen(n->cache_cluster_id) - 3, "001") == 0;
        assert_int_equal(n->role, first ? MODEL_ROLE_PRIMARY : MODEL_ROLE_REPLICA);
        assert_int_equal(n->role_source, MODEL_ROLE_SRC_ASSUMED);
        assert_int_equal(n->api_role_source, MODEL_ROLE_SRC_ASSUMED);
        assert_non_null(n->az);
        assert_non_null(n->endpoint.host); /* from CacheNodes/Endpoint */
        assert_null(n->read_endpoint.host);
        assert_string_equal(n->parameter_group, "default.redis7.cluster.on");
        assert_int_equal(n->shard, i / 2);
    }
    /* a guessed role is no log label */
    struct logrec_labels lab;
    assert_true(model_label(g, "cme-0002-001", "0001", 0, &lab));
    assert_string_equal(lab.shard, "0002");
    assert_string_equal(lab.role, "");
    assert_string_equal(lab.az, node(g, "cme-0002-001")->az);
    /* IsMaster makes it one (and may contradict the naming) */
    assert_true(model_group_set_is_master(g, "cme-0002-001", "0001", 0.0, T0 + 5));
    assert_true(model_group_set_is_master(g, "cme-0002-002", "0001", 1.0, T0 + 5));
    assert_false(model_group_set_is_master(g, "cme-0009-001", "0001", 1.0, T0 + 5));
    assert_int_equal(g->role_metric_ms, T0 + 5);
    assert_int_equal(node(g, "cme-0002-002")->role, MODEL_ROLE_PRIMARY);
    assert_int_equal(node(g, "cme-0002-002")->role_source, MODEL_ROLE_SRC_METRIC);
    assert_int_equal(node(g, "cme-0002-001")->role, MODEL_ROLE_REPLICA);
    assert_ptr_equal(model_shard_primary(g, 1), node(g, "cme-0002-002"));
    assert_true(model_label(g, "cme-0002-002", "", 0, &lab));
    assert_string_equal(lab.role, "primary");
    model_group_unref(g);
}

static void test_valkey_and_weak(void **state)
{
    (void)state;
    struct model_group *g = mfx_model("rgs.xml", "ccs.xml", "vk", T0);
    assert_string_equal(g->engine, "valkey");
    assert_string_equal(g->engine_version, "8.0.1");
    assert_string_equal(g->nodes[0].engine, "valkey");
    assert_int_equal(g->n_nodes, 2);
    assert_false(g->cluster_enabled);
    assert_false(g->multi_az_enabled);
    assert_true(g->automatic_failover_enabled);
    model_group_unref(g);

    g = mfx_model("rgs.xml", "ccs.xml", "weak", T0);
    assert_string_equal(g->engine_version, "6.2.6");
    assert_false(g->automatic_failover_enabled);
    assert_string_equal(g->automatic_failover, "disabled");
    assert_false(g->multi_az_enabled);
    assert_true(g->has_transit_encryption);
    assert_false(g->transit_encryption);
    assert_null(g->transit_encryption_mode);
    assert_string_equal(g->nodes[0].az, "us-east-2a");
    assert_string_equal(g->nodes[1].az, "us-east-2a");
    model_group_unref(g);
}

static void test_after_failover(void **state)
{
    (void)state;
    struct model_group *g = mfx_model("rgs_cmd3_after_failover.xml", NULL, "cmd3", T0);
    assert_int_equal(node(g, "cmd3-001")->role, MODEL_ROLE_REPLICA);
    assert_int_equal(node(g, "cmd3-002")->role, MODEL_ROLE_PRIMARY);
    assert_int_equal(node(g, "cmd3-002")->role_source, MODEL_ROLE_SRC_API);
    /* without DescribeCacheClusters: what the group says, nothing more */
    assert_false(g->clusters_described);
    assert_false(g->nodes[0].described);
    assert_null(g->nodes[0].status);
    assert_null(g->nodes[0].engine_version);
    assert_null(g->engine_version);
    assert_string_equal(g->engine, "redis");
    assert_non_null(g->nodes[0].endpoint.host); /* the ReadEndpoint */
    assert_string_equal(g->nodes[1].az, "us-east-2b");
    model_group_unref(g);
}

/* The recorded region listing: every group builds, clusters of other
 * groups in the same listing are ignored. */
static void test_region_listing(void **state)
{
    (void)state;
    struct elasticache_replication_group_list *l = mfx_groups("rgs.xml");
    struct elasticache_cache_cluster_list *c = mfx_clusters("ccs.xml");
    assert_int_equal(l->n, 4);
    size_t nodes = 0;
    for (size_t i = 0; i < l->n; i++) {
        struct model_group *g = model_group_from_api(&l->items[i], c, T0);
        for (size_t k = 0; k < g->n_nodes; k++) {
            assert_true(g->nodes[k].described);
            assert_true(strncmp(g->nodes[k].cache_cluster_id, g->id, strlen(g->id)) == 0);
        }
        nodes += g->n_nodes;
        model_group_unref(g);
    }
    assert_int_equal(nodes, c->n);
    elasticache_replication_group_list_free(l);
    elasticache_cache_cluster_list_free(c);
}

/* ---- hand-made shapes ---- */

/* A group that is still creating: members only in MemberClusters. */
static void test_members_without_node_groups(void **state)
{
    (void)state;
    char *members[] = {(char *)"new-0001-001", (char *)"new-0001-002", (char *)"new-0002-001",
                       (char *)"odd-name", NULL};
    struct elasticache_replication_group rg;
    memset(&rg, 0, sizeof(rg));
    rg.id = (char *)"new";
    rg.status = (char *)"creating";
    rg.has_cluster_enabled = true;
    rg.cluster_enabled = true;
    rg.member_clusters = members;
    rg.n_member_clusters = 4;
    struct model_group *g = model_group_from_api(&rg, NULL, T0);
    assert_int_equal(g->n_nodes, 4);
    assert_int_equal(g->n_shards, 3);
    assert_string_equal(g->shards[0].id, "0001");
    assert_int_equal(g->shards[0].n_nodes, 2);
    assert_string_equal(g->shards[1].id, "0002");
    assert_string_equal(g->shards[2].id, "?");
    assert_int_equal(node(g, "new-0001-001")->role, MODEL_ROLE_PRIMARY);
    assert_int_equal(node(g, "new-0001-001")->role_source, MODEL_ROLE_SRC_ASSUMED);
    /* a shard's only member is its primary; a member of no known shard has
     * no role */
    assert_int_equal(node(g, "new-0002-001")->role, MODEL_ROLE_PRIMARY);
    assert_int_equal(node(g, "new-0002-001")->role_source, MODEL_ROLE_SRC_API);
    assert_int_equal(node(g, "odd-name")->role, MODEL_ROLE_UNKNOWN);
    assert_null(node(g, "odd-name")->az);
    assert_null(g->engine);
    model_group_unref(g);

    /* cluster mode off: one shard "0001" whatever the names */
    char *m2[] = {(char *)"c-001", (char *)"c-002", NULL};
    memset(&rg, 0, sizeof(rg));
    rg.id = (char *)"c";
    rg.member_clusters = m2;
    rg.n_member_clusters = 2;
    g = model_group_from_api(&rg, NULL, T0);
    assert_false(g->cluster_enabled);
    assert_int_equal(g->n_shards, 1);
    assert_string_equal(g->shards[0].id, "0001");
    assert_int_equal(g->shards[0].n_nodes, 2);
    model_group_unref(g);
}

static void test_pending_and_empty(void **state)
{
    (void)state;
    struct elasticache_replication_group rg;
    memset(&rg, 0, sizeof(rg));
    rg.id = (char *)"pm";
    rg.has_pending = true;
    rg.pending.primary_cluster_id = (char *)"pm-002";
    rg.pending.auth_token_status = (char *)"ROTATING";
    rg.pending.has_slot_migration_progress = true;
    rg.pending.slot_migration_progress = 42.5;
    char *add[] = {(char *)"ug-a", (char *)"ug-b", NULL};
    rg.pending.user_group_ids_to_add = add;
    rg.pending.n_user_group_ids_to_add = 2;
    struct elasticache_log_delivery ld = {.log_type = (char *)"engine-log",
                                          .destination_type = (char *)"kinesis-firehose",
                                          .delivery_stream = (char *)"fh",
                                          .log_format = (char *)"text"};
    rg.pending.log_delivery = &ld;
    rg.pending.n_log_delivery = 1;
    rg.pending.has_transit_encryption_enabled = true;
    rg.pending.transit_encryption_enabled = true;
    rg.log_delivery = &ld;
    rg.n_log_delivery = 1;
    struct model_group *g = model_group_from_api(&rg, NULL, T0);
    assert_int_equal(g->n_pending, 6);
    assert_string_equal(g->pending[0].key, "PrimaryClusterId");
    assert_string_equal(g->pending[0].value, "pm-002");
    assert_string_equal(g->pending[1].key, "Resharding.SlotMigration.ProgressPercentage");
    assert_string_equal(g->pending[1].value, "42.5");
    assert_string_equal(g->pending[2].value, "ROTATING");
    assert_string_equal(g->pending[3].key, "UserGroups.UserGroupIdsToAdd");
    assert_string_equal(g->pending[3].value, "ug-a,ug-b");
    assert_string_equal(g->pending[4].value, "engine-log kinesis-firehose fh text");
    assert_string_equal(g->pending[5].key, "TransitEncryptionEnabled");
    assert_string_equal(g->pending[5].value, "true");
    assert_string_equal(g->log_delivery[0].destination, "fh");
    assert_int_equal(g->n_nodes, 0);
    assert_int_equal(g->n_shards, 0);
    assert_int_equal(model_shard_of_slot(g, 1), -1);
    assert_null(model_shard_primary(g, 0));
    assert_null(model_node_find(g, "x", NULL));
    assert_null(model_node_by_addr(g, "10.0.0.1", 6379));
    model_group_unref(g);
    model_group_unref(NULL);
}

static void test_refcount(void **state)
{
    (void)state;
    struct model_group *g = mfx_model("rgs.xml", "ccs.xml", "vk", T0);
    assert_int_equal(g->refs, 1);
    assert_ptr_equal(model_group_ref(g), g);
    assert_int_equal(g->refs, 2);
    model_group_unref(g);
    assert_int_equal(g->refs, 1);
    assert_string_equal(g->id, "vk");
    model_group_unref(g);
    assert_null(model_group_ref(NULL));
}

/* ---- slots ---- */

static void test_slots(void **state)
{
    (void)state;
    struct model_range *r;
    size_t n;
    assert_true(model_parse_slots("10923-16383, 0-5460;5461 5462-10922", &r, &n));
    assert_int_equal(n, 1);
    assert_int_equal(r[0].start, 0);
    assert_int_equal(r[0].end, 16383);
    free(r);
    assert_true(model_parse_slots("100-200,0-10,300", &r, &n));
    assert_int_equal(n, 3);
    char *s = model_format_ranges(r, n);
    assert_string_equal(s, "0-10,100-200,300");
    free(s);
    free(r);
    assert_true(model_parse_slots("", &r, &n));
    assert_int_equal(n, 0);
    assert_true(model_parse_slots(NULL, &r, &n));
    assert_int_equal(n, 0);
    static const char *const bad[] = {"16384", "5-1",          "a-b",     "1-", "-1",
                                      "1--2",  "99999-100000", "0-16384", "1x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(model_parse_slots(bad[i], &r, &n));
        assert_null(r);
        assert_int_equal(n, 0);
    }
    s = model_format_ranges(NULL, 0);
    assert_string_equal(s, "");
    free(s);
    /* an API answer with malformed slots: the shard keeps the text only */
    struct elasticache_node_group ng = {.node_group_id = (char *)"0001", .slots = (char *)"x-y"};
    struct elasticache_replication_group rg = {.id = (char *)"bs",
                                               .node_groups = &ng,
                                               .n_node_groups = 1,
                                               .has_cluster_enabled = true,
                                               .cluster_enabled = true};
    struct model_group *g = model_group_from_api(&rg, NULL, T0);
    assert_string_equal(g->shards[0].slots, "x-y");
    assert_int_equal(g->shards[0].n_ranges, 0);
    assert_int_equal(model_shard_of_slot(g, 5), -1);
    model_group_unref(g);
}

/* ---- lookups ---- */

static void test_lookups(void **state)
{
    (void)state;
    struct model_group *g = mfx_model("rgs.xml", "ccs.xml", "cmd3", T0);
    const struct model_node *n2 = node(g, "cmd3-002");
    assert_ptr_equal(model_node_find(g, "CMD3-002", NULL), n2);
    assert_ptr_equal(model_node_find(g, "cmd3-002", "0001"), n2);
    assert_ptr_equal(model_node_find(g, "cmd3-002", ""), n2);
    assert_null(model_node_find(g, "cmd3-002", "0002"));
    assert_null(model_node_find(g, "cmd3-009", NULL));
    assert_null(model_node_find(g, NULL, NULL));
    assert_int_equal(model_node_index(g, n2), 1);

    /* endpoint names, case-insensitive, port must match */
    char upper[256];
    snprintf(upper, sizeof(upper), "%s", n2->endpoint.host);
    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    assert_ptr_equal(model_node_by_endpoint(g, upper, 6379), n2);
    assert_null(model_node_by_endpoint(g, n2->endpoint.host, 6380));
    assert_null(model_node_by_endpoint(g, "", 6379));

    /* MOVED names an IP: unknown until someone registers it (every node
     * listens on 6379, so the port alone says nothing) */
    assert_null(model_node_by_addr(g, "10.1.2.3", 6379));
    model_node_add_addr(g, n2, "10.1.2.3");
    model_node_add_addr(g, n2, "10.1.2.3"); /* once */
    model_node_add_addr(g, n2, "");
    assert_int_equal(n2->n_addrs, 1);
    assert_ptr_equal(model_node_by_addr(g, "10.1.2.3", 6379), n2);
    assert_null(model_node_by_addr(g, "10.1.2.3", 6380));
    assert_ptr_equal(model_node_by_addr(g, n2->endpoint.host, 6379), n2);
    assert_null(model_node_by_addr(g, NULL, 6379));

    struct logrec_labels lab;
    assert_true(model_label(g, "cmd3-001", "0001", 0, &lab));
    assert_string_equal(lab.shard, "0001");
    assert_string_equal(lab.role, "primary");
    assert_string_equal(lab.az, "us-east-2a");
    assert_true(model_label(g, "cmd3-003", "", 0, &lab));
    assert_string_equal(lab.role, "replica");
    assert_false(model_label(g, "other-001", "0001", 0, &lab));
    assert_false(model_label(NULL, "cmd3-001", "0001", 0, &lab));

    struct rcluster_name names[8];
    assert_int_equal(model_rcluster_names(g, names, 8), 3);
    assert_string_equal(names[1].cache_cluster_id, "cmd3-002");
    assert_string_equal(names[1].cache_node_id, "0001");
    assert_string_equal(names[1].host, n2->endpoint.host);
    assert_int_equal(names[1].port, 6379);
    assert_int_equal(model_rcluster_names(g, names, 2), 2);
    model_group_unref(g);
}

/* The sandbox gives every node its own port on one host: then the port
 * alone identifies a node. */
static void test_lookup_unique_port(void **state)
{
    (void)state;
    struct elasticache_node_group_member m[2] = {
        {.cache_cluster_id = (char *)"sb-001",
         .cache_node_id = (char *)"0001",
         .read_endpoint = {(char *)"localhost", 7001},
         .current_role = (char *)"primary"},
        {.cache_cluster_id = (char *)"sb-002",
         .cache_node_id = (char *)"0001",
         .read_endpoint = {(char *)"localhost", 7002},
         .current_role = (char *)"replica"},
    };
    struct elasticache_node_group ng = {
        .node_group_id = (char *)"0001", .members = m, .n_members = 2};
    struct elasticache_replication_group rg = {
        .id = (char *)"sb", .node_groups = &ng, .n_node_groups = 1};
    struct model_group *g = model_group_from_api(&rg, NULL, T0);
    assert_ptr_equal(model_node_by_addr(g, "127.0.0.1", 7002), &g->nodes[1]);
    assert_ptr_equal(model_node_by_addr(g, "::1", 7001), &g->nodes[0]);
    assert_null(model_node_by_addr(g, "127.0.0.1", 7003));
    assert_ptr_equal(model_node_by_endpoint(g, "LOCALHOST", 7002), &g->nodes[1]);
    model_group_unref(g);
}

/* ---- Redis's view ---- */

struct rv {
    struct model_redis_node nodes[16];
    struct model_redis_shard shards[8];
    struct model_range ranges[8][2];
    struct model_redis_view v;
};

/* Redis's view of the recorded cme group, as it stands: node names as the
 * rcluster name map gives them, primaries "-001". */
static void rv_cme(struct rv *x, const struct model_group *g, bool names)
{
    memset(x, 0, sizeof(*x));
    static const int bounds[3][2] = {{0, 5461}, {5462, 10922}, {10923, 16383}};
    static const char *const ids[] = {"a1", "a2", "b1", "b2", "c1", "c2"};
    for (size_t s = 0; s < 3; s++) {
        x->ranges[s][0].start = bounds[s][0];
        x->ranges[s][0].end = bounds[s][1];
        x->shards[s].ranges = x->ranges[s];
        x->shards[s].n_ranges = 1;
    }
    for (size_t i = 0; i < 6; i++) {
        const struct model_node *n = &g->nodes[i];
        struct model_redis_node *r = &x->nodes[i];
        r->id = ids[i];
        r->host = n->endpoint.host;
        r->port = n->endpoint.port;
        r->role = i % 2 == 0 ? MODEL_ROLE_PRIMARY : MODEL_ROLE_REPLICA;
        r->health = "online";
        r->shard = (int)(i / 2);
        r->cache_cluster_id = names ? n->cache_cluster_id : NULL;
        r->cache_node_id = names ? "0001" : NULL;
    }
    x->v.source = "CLUSTER SHARDS";
    x->v.fetched_ms = T0 + 1000;
    x->v.cluster = true;
    x->v.nodes = x->nodes;
    x->v.n_nodes = 6;
    x->v.shards = x->shards;
    x->v.n_shards = 3;
}

static size_t diffs_of(const struct model_group *g, enum model_diff_kind k)
{
    size_t n = 0;
    for (size_t i = 0; i < g->n_diffs; i++)
        if (g->diffs[i].kind == k)
            n++;
    return n;
}

static const struct model_diff *diff_of(const struct model_group *g, enum model_diff_kind k)
{
    for (size_t i = 0; i < g->n_diffs; i++)
        if (g->diffs[i].kind == k)
            return &g->diffs[i];
    fail_msg("no %s difference", model_diff_kind_name(k));
    return NULL;
}

static void test_redis_agrees(void **state)
{
    (void)state;
    struct model_group *g = mfx_model("rgs.xml", "ccs.xml", "cme", T0);
    struct rv x;
    for (int names = 0; names < 2; names++) {
        rv_cme(&x, g, names);
        model_group_merge_redis(g, &x.v);
        assert_int_equal(g->n_diffs, 0);
        assert_int_equal(g->redis_fetched_ms, T0 + 1000);
        assert_string_equal(g->redis_source, "CLUSTER SHARDS");
        assert_true(g->redis_trusted);
        assert_int_equal(g->n_nodes, 6);
        assert_int_equal(g->n_shards, 3);
        for (size_t i = 0; i < 6; i++) {
            const struct model_node *n = &g->nodes[i];
            assert_true(n->in_redis);
            assert_int_equal(n->role_source, MODEL_ROLE_SRC_REDIS);
            assert_string_equal(n->redis_health, "online");
            assert_int_equal(n->redis_port, n->endpoint.port);
        }
        assert_string_equal(g->nodes[2].redis_id, "b1");
        assert_int_equal(g->shards[2].n_redis_ranges, 1);
        assert_int_equal(g->shards[2].redis_ranges[0].start, 10923);
    }
    /* Redis's roles are facts: labels carry them */
    struct logrec_labels lab;
    assert_true(model_label(g, "cme-0003-002", "0001", 0, &lab));
    assert_string_equal(lab.role, "replica");
    model_group_unref(g);
}

static void test_redis_failover_seen_first(void **state)
{
    (void)state;
    struct model_group *g = mfx_model("rgs.xml", "ccs.xml", "cme", T0);
    /* the API side knows the roles (IsMaster) */
    for (size_t i = 0; i < g->n_nodes; i++)
        model_group_set_is_master(g, g->nodes[i].cache_cluster_id, "0001", i % 2 == 0 ? 1 : 0, T0);
    struct rv x;
    rv_cme(&x, g, true);
    /* shard 0002 failed over: Redis knows, the API not yet */
    x.nodes[2].role = MODEL_ROLE_REPLICA;
    x.nodes[3].role = MODEL_ROLE_PRIMARY;
    model_group_merge_redis(g, &x.v);
    assert_int_equal(diffs_of(g, MODEL_DIFF_ROLE), 2);
    const struct model_diff *d = diff_of(g, MODEL_DIFF_ROLE);
    assert_string_equal(d->shard, "0002");
    assert_string_equal(d->node, "cme-0002-001");
    assert_string_equal(d->api, "primary");
    assert_string_equal(d->redis, "replica");
    assert_int_equal(d->api_ms, T0);
    assert_int_equal(d->redis_ms, T0 + 1000);
    assert_non_null(strstr(g->diffs[1].text, "failover"));
    /* Redis wins while its view is recent */
    assert_int_equal(node(g, "cme-0002-002")->role, MODEL_ROLE_PRIMARY);
    assert_int_equal(node(g, "cme-0002-002")->role_source, MODEL_ROLE_SRC_REDIS);
    assert_ptr_equal(model_shard_primary(g, 1), node(g, "cme-0002-002"));

    /* the API refreshes (still behind): the Redis view carries over */
    struct model_group *g2 = mfx_model("rgs.xml", "ccs.xml", "cme", T0 + 60000);
    for (size_t i = 0; i < g2->n_nodes; i++)
        model_group_set_is_master(g2, g2->nodes[i].cache_cluster_id, "0001", i % 2 == 0 ? 1 : 0,
                                  T0 + 60000);
    model_group_carry_redis(g2, g);
    assert_int_equal(diffs_of(g2, MODEL_DIFF_ROLE), 2);
    assert_int_equal(node(g2, "cme-0002-002")->role, MODEL_ROLE_PRIMARY);
    model_group_unref(g2);
    /* ... but an old Redis view gives way to a much newer API answer */
    g2 = mfx_model("rgs.xml", "ccs.xml", "cme", T0 + 1000 + MODEL_REDIS_TRUST_MS + 1);
    for (size_t i = 0; i < g2->n_nodes; i++)
        model_group_set_is_master(g2, g2->nodes[i].cache_cluster_id, "0001", i % 2 == 0 ? 1 : 0,
                                  T0);
    model_group_carry_redis(g2, g);
    assert_false(g2->redis_trusted);
    assert_int_equal(node(g2, "cme-0002-002")->role, MODEL_ROLE_REPLICA);
    assert_int_equal(node(g2, "cme-0002-002")->role_source, MODEL_ROLE_SRC_METRIC);
    assert_int_equal(diffs_of(g2, MODEL_DIFF_ROLE), 2); /* still flagged */
    /* carrying between different groups does nothing */
    struct model_group *other = mfx_model("rgs.xml", "ccs.xml", "vk", T0);
    model_group_carry_redis(other, g);
    assert_int_equal(other->redis_fetched_ms, 0);
    model_group_unref(other);
    model_group_unref(g2);

    /* a fresh view where Redis and the API agree again clears it */
    rv_cme(&x, g, true);
    model_group_merge_redis(g, &x.v);
    assert_int_equal(g->n_diffs, 0);
    model_group_unref(g);
}

static void test_redis_missing_extra_slots_health(void **state)
{
    (void)state;
    struct model_group *g = mfx_model("rgs.xml", "ccs.xml", "cme", T0);
    struct rv x;
    rv_cme(&x, g, false); /* matched by endpoint host:port */
    /* cme-0003-002 unknown to Redis; a node the API does not list in its
     * place (replaced node with an IP); shard 0001 migrating slots; a
     * failed node */
    x.nodes[5].host = "10.9.9.9";
    x.nodes[5].id = "ffff00001111";
    x.ranges[0][0].end = 5000;
    x.ranges[1][0].start = 5001;
    x.nodes[1].health = "failed";
    model_group_merge_redis(g, &x.v);
    assert_int_equal(diffs_of(g, MODEL_DIFF_NOT_IN_REDIS), 1);
    assert_string_equal(diff_of(g, MODEL_DIFF_NOT_IN_REDIS)->node, "cme-0003-002");
    assert_string_equal(diff_of(g, MODEL_DIFF_NOT_IN_REDIS)->shard, "0003");
    assert_int_equal(diffs_of(g, MODEL_DIFF_NOT_IN_API), 1);
    const struct model_diff *d = diff_of(g, MODEL_DIFF_NOT_IN_API);
    assert_string_equal(d->node, "10.9.9.9:6379");
    assert_string_equal(d->shard, "0003");
    assert_string_equal(d->redis, "replica");
    assert_int_equal(diffs_of(g, MODEL_DIFF_SLOTS), 2);
    d = diff_of(g, MODEL_DIFF_SLOTS);
    assert_string_equal(d->shard, "0001");
    assert_string_equal(d->api, "0-5461");
    assert_string_equal(d->redis, "0-5000");
    assert_int_equal(diffs_of(g, MODEL_DIFF_HEALTH), 1);
    assert_string_equal(diff_of(g, MODEL_DIFF_HEALTH)->node, "cme-0001-002");
    assert_string_equal(diff_of(g, MODEL_DIFF_HEALTH)->redis, "failed");
    assert_string_equal(diff_of(g, MODEL_DIFF_HEALTH)->api, "available");
    /* the Redis-only node joined the model, in its shard */
    assert_int_equal(g->n_nodes, 7);
    assert_int_equal(g->n_api_nodes, 6);
    const struct model_node *extra = &g->nodes[6];
    assert_null(extra->cache_cluster_id);
    assert_false(extra->in_api);
    assert_true(extra->in_redis);
    assert_int_equal(extra->shard, 2);
    assert_int_equal(g->shards[2].n_nodes, 3);
    assert_ptr_equal(model_node_by_addr(g, "10.9.9.9", 6379), extra);
    /* slots: Redis's are the effective ones */
    assert_int_equal(model_shard_of_slot(g, 5100), 1);
    assert_int_equal(model_shard_of_slot(g, 5000), 0);
    /* merging again replaces everything from the first merge */
    rv_cme(&x, g, false);
    model_group_merge_redis(g, &x.v);
    assert_int_equal(g->n_diffs, 0);
    assert_int_equal(g->n_nodes, 6);
    assert_int_equal(g->shards[2].n_nodes, 2);
    assert_int_equal(model_shard_of_slot(g, 5100), 0);
    model_group_unref(g);
}

static void test_redis_unknown_shard_and_moves(void **state)
{
    (void)state;
    struct model_group *g = mfx_model("rgs.xml", "ccs.xml", "cme", T0);
    struct rv x;
    rv_cme(&x, g, true);
    /* a fourth shard of nodes the API does not know yet (scaling out),
     * and a node that Redis puts into another shard */
    x.nodes[6] = (struct model_redis_node){.id = "d1",
                                           .host = "10.0.0.40",
                                           .port = 6379,
                                           .role = MODEL_ROLE_PRIMARY,
                                           .health = "online",
                                           .shard = 3};
    x.nodes[7] = (struct model_redis_node){.id = "d2",
                                           .host = "10.0.0.41",
                                           .port = 6379,
                                           .role = MODEL_ROLE_REPLICA,
                                           .health = "",
                                           .shard = 3};
    x.ranges[3][0] = (struct model_range){16000, 16383};
    x.ranges[2][0].end = 15999;
    x.shards[3].ranges = x.ranges[3];
    x.shards[3].n_ranges = 1;
    x.v.n_nodes = 8;
    x.v.n_shards = 4;
    x.nodes[1].shard = 1; /* cme-0001-002 reported with shard 0002 */
    x.nodes[0].role = MODEL_ROLE_PRIMARY;
    model_group_merge_redis(g, &x.v);
    assert_int_equal(diffs_of(g, MODEL_DIFF_SHARD_UNKNOWN), 1);
    assert_int_equal(diffs_of(g, MODEL_DIFF_NOT_IN_API), 2);
    assert_int_equal(diffs_of(g, MODEL_DIFF_SHARD), 1);
    assert_string_equal(diff_of(g, MODEL_DIFF_SHARD)->node, "cme-0001-002");
    assert_string_equal(diff_of(g, MODEL_DIFF_SHARD)->redis, "0002");
    assert_int_equal(g->n_shards, 4);
    assert_false(g->shards[3].in_api);
    assert_string_equal(g->shards[3].id, "?");
    assert_int_equal(g->shards[3].n_nodes, 2);
    assert_int_equal(model_shard_of_slot(g, 16100), 3);
    assert_null(diff_of(g, MODEL_DIFF_NOT_IN_API)->shard);
    /* shard 0003 lost 16000-16383 */
    assert_int_equal(diffs_of(g, MODEL_DIFF_SLOTS), 1);
    assert_string_equal(diff_of(g, MODEL_DIFF_SLOTS)->redis, "10923-15999");
    /* labels: the extra nodes have no cache cluster id, so no label */
    struct logrec_labels lab;
    assert_true(model_label(g, "cme-0001-002", "0001", 0, &lab));
    /* names for rcluster: only nodes the API names */
    struct rcluster_name names[16];
    assert_int_equal(model_rcluster_names(g, names, 16), 6);
    model_group_unref(g);
}

/* Cluster mode off: Redis's ROLE view has no slots; two nodes share a
 * port, so matching needs an address registered for a node. */
static void test_redis_standalone(void **state)
{
    (void)state;
    struct model_group *g = mfx_model("rgs.xml", "ccs.xml", "cmd3", T0);
    model_node_add_addr(g, node(g, "cmd3-002"), "10.0.1.2");
    struct model_redis_node rn[3] = {
        {.id = "", .host = "10.0.1.2", .port = 6379, .role = MODEL_ROLE_PRIMARY, .shard = 0},
        {.id = "",
         .host = g->nodes[0].endpoint.host,
         .port = 6379,
         .role = MODEL_ROLE_REPLICA,
         .shard = 0},
        {.id = "", .host = "10.0.1.3", .port = 6379, .role = MODEL_ROLE_REPLICA, .shard = 0},
    };
    struct model_redis_shard rs = {0};
    struct model_redis_view v = {.source = "ROLE",
                                 .fetched_ms = T0 + 10,
                                 .cluster = false,
                                 .nodes = rn,
                                 .n_nodes = 3,
                                 .shards = &rs,
                                 .n_shards = 1};
    model_group_merge_redis(g, &v);
    /* cmd3-002 by its address, cmd3-001 by name; 10.0.1.3 unknown and
     * cmd3-003 not reported (nobody registered its address) */
    assert_true(node(g, "cmd3-002")->in_redis);
    assert_true(node(g, "cmd3-001")->in_redis);
    assert_false(node(g, "cmd3-003")->in_redis);
    assert_int_equal(diffs_of(g, MODEL_DIFF_ROLE), 2);
    assert_int_equal(diffs_of(g, MODEL_DIFF_NOT_IN_REDIS), 1);
    assert_int_equal(diffs_of(g, MODEL_DIFF_NOT_IN_API), 1);
    assert_string_equal(diff_of(g, MODEL_DIFF_NOT_IN_API)->shard, "0001");
    assert_int_equal(diffs_of(g, MODEL_DIFF_SLOTS), 0);
    assert_int_equal(g->n_shards, 1);
    assert_int_equal(g->shards[0].n_nodes, 4);
    assert_ptr_equal(model_shard_primary(g, 0), node(g, "cmd3-002"));
    assert_int_equal(model_shard_of_slot(g, 77), 0);
    model_group_unref(g);
}

/* ---- role history: labels as of a record's time ---- */

#define MIN_MS (60 * 1000LL)

static enum model_role role_at(const struct model_group *g, const char *id, int64_t t,
                               enum model_role_source *src)
{
    const struct model_node *n = model_node_find(g, id, NULL);
    assert_non_null(n);
    return model_role_at(g, n, t, src);
}

static const char *label_at(struct model_group *g, const char *id, int64_t t,
                            struct logrec_labels *lab)
{
    assert_true(model_label(g, id, "0001", t, lab));
    return lab->role;
}

static void test_failover_message_parse(void **state)
{
    (void)state;
    char a[64], b[64];
    assert_true(model_parse_failover(
        "Failover from primary node app-4-0003-001 to replica node app-4-0003-002 completed", a,
        sizeof(a), b, sizeof(b)));
    assert_string_equal(a, "app-4-0003-001");
    assert_string_equal(b, "app-4-0003-002");
    assert_true(model_parse_failover("Failover to replica node app-4-0001-002 completed", a,
                                     sizeof(a), b, sizeof(b)));
    assert_string_equal(a, "");
    assert_string_equal(b, "app-4-0001-002");
    assert_false(model_parse_failover("Test Failover API called for node group 0003", a, sizeof(a),
                                      b, sizeof(b)));
    assert_false(model_parse_failover("Failover of node group 0002 failed: no replica", a,
                                      sizeof(a), b, sizeof(b)));
    assert_false(model_parse_failover("Failover from primary node x to replica node y", a,
                                      sizeof(a), b, sizeof(b)));
    /* an id too long for the buffer is no id */
    assert_false(model_parse_failover(
        "Failover to replica node abcdefghijklmnopqrstuvwxyz0123456789 completed", a, 8, b, 8));
}

/* Cluster mode: the API gives no roles. The metric read at T0, a failover
 * of shard 0001 at T0+5m, events read over [T0-1h, T0+10m], Redis at T0+10m. */
static void test_role_history_across_a_failover(void **state)
{
    (void)state;
    struct model_group *g = mfx_model("rgs.xml", "ccs.xml", "cme", T0);
    struct logrec_labels lab;
    /* nothing known yet: no claim at any time, not even the naming's */
    assert_int_equal(role_at(g, "cme-0001-001", T0, NULL), MODEL_ROLE_UNKNOWN);
    assert_string_equal(label_at(g, "cme-0001-001", T0 - MIN_MS, &lab), MODEL_ROLE_AT_UNKNOWN);
    for (size_t i = 0; i < g->n_nodes; i++)
        model_group_set_is_master(g, g->nodes[i].cache_cluster_id, "0001", i % 2 == 0, T0);
    const char *const msgs[] = {
        "Test Failover API called for node group 0001",
        "Failover from primary node cme-0001-001 to replica node cme-0001-002 completed",
        /* the same event from the replication group's source */
        "Failover from primary node cme-0001-001 to replica node cme-0001-002 completed",
        "Recovering cache nodes 0001",
    };
    const int64_t dates[] = {T0 + 4 * MIN_MS, T0 + 5 * MIN_MS, T0 + 5 * MIN_MS, T0 + 5 * MIN_MS};
    assert_int_equal(model_group_note_events(g, dates, msgs, 4, T0 - 60 * MIN_MS, T0 + 10 * MIN_MS),
                     2);
    size_t facts = g->n_history;
    /* read again (a refresh): nothing twice */
    model_group_note_events(g, dates, msgs, 4, T0 - 60 * MIN_MS, T0 + 10 * MIN_MS);
    assert_int_equal(g->n_history, facts);
    struct rv x;
    rv_cme(&x, g, true);
    x.v.fetched_ms = T0 + 10 * MIN_MS;
    x.nodes[0].role = MODEL_ROLE_REPLICA;
    x.nodes[1].role = MODEL_ROLE_PRIMARY;
    model_group_merge_redis(g, &x.v);

    enum model_role_source src;
    /* before the failover: 001 was the primary (the event says so) */
    assert_int_equal(role_at(g, "cme-0001-001", T0 - 30 * MIN_MS, &src), MODEL_ROLE_PRIMARY);
    assert_string_equal(label_at(g, "cme-0001-001", T0 - 30 * MIN_MS, &lab), "primary");
    assert_string_equal(label_at(g, "cme-0001-002", T0 - 30 * MIN_MS, &lab), "replica");
    assert_string_equal(label_at(g, "cme-0001-001", T0 + 4 * MIN_MS, &lab), "primary");
    /* after it: the other way round */
    assert_string_equal(label_at(g, "cme-0001-001", T0 + 7 * MIN_MS, &lab), "replica");
    assert_string_equal(label_at(g, "cme-0001-002", T0 + 7 * MIN_MS, &lab), "primary");
    assert_int_equal(role_at(g, "cme-0001-002", T0 + 5 * MIN_MS, &src), MODEL_ROLE_PRIMARY);
    /* the lagging metric (001 primary at T0 + 1m, a point inside the
     * metric's minute) loses to the event and Redis after the failover */
    model_group_set_is_master(g, "cme-0001-001", "0001", 1, T0 + 6 * MIN_MS);
    assert_string_equal(label_at(g, "cme-0001-001", T0 + 8 * MIN_MS, &lab), "replica");
    /* a shard without failover: what Redis and the metric say, all along */
    assert_string_equal(label_at(g, "cme-0002-001", T0 - 50 * MIN_MS, &lab), "primary");
    assert_string_equal(label_at(g, "cme-0002-002", T0 + 9 * MIN_MS, &lab), "replica");
    /* where the history does not reach: before the events were read */
    assert_string_equal(label_at(g, "cme-0001-001", T0 - 61 * MIN_MS, &lab), MODEL_ROLE_AT_UNKNOWN);
    assert_int_equal(role_at(g, "cme-0002-001", T0 - 2 * 60 * MIN_MS, &src), MODEL_ROLE_UNKNOWN);
    assert_int_equal(src, MODEL_ROLE_SRC_NONE);
    /* after the newest fact the newest role holds (records of a live tail) */
    assert_int_equal(role_at(g, "cme-0001-002", T0 + 30 * MIN_MS, &src), MODEL_ROLE_PRIMARY);
    assert_int_equal(src, MODEL_ROLE_SRC_REDIS);
    /* at_ms 0: the effective role now */
    assert_string_equal(label_at(g, "cme-0001-001", 0, &lab), "replica");

    /* a fresh model of the group (a refresh) keeps all of it */
    struct model_group *g2 = mfx_model("rgs.xml", "ccs.xml", "cme", T0 + 11 * MIN_MS);
    model_group_carry_redis(g2, g);
    assert_true(g2->n_history >= facts);
    assert_int_equal(g2->history_from_ms, T0 - 60 * MIN_MS);
    assert_string_equal(label_at(g2, "cme-0001-001", T0 - 30 * MIN_MS, &lab), "primary");
    assert_string_equal(label_at(g2, "cme-0001-001", T0 + 7 * MIN_MS, &lab), "replica");
    model_group_unref(g2);
    model_group_unref(g);
}

/* Without DescribeEvents only what was observed counts: a failover could
 * hide between two observations. */
static void test_role_history_without_events(void **state)
{
    (void)state;
    struct model_group *g = mfx_model("rgs.xml", "ccs.xml", "cme", T0);
    struct rv x;
    rv_cme(&x, g, true);
    x.v.fetched_ms = T0 + MIN_MS;
    model_group_merge_redis(g, &x.v);
    x.v.fetched_ms = T0 + 3 * MIN_MS;
    model_group_merge_redis(g, &x.v);
    struct logrec_labels lab;
    assert_string_equal(label_at(g, "cme-0003-001", T0 + 2 * MIN_MS, &lab), "primary");
    assert_string_equal(label_at(g, "cme-0003-002", T0 + 3 * MIN_MS, &lab), "replica");
    assert_string_equal(label_at(g, "cme-0003-001", T0 + 30 * MIN_MS, &lab), "primary");
    assert_string_equal(label_at(g, "cme-0003-001", T0, &lab), MODEL_ROLE_AT_UNKNOWN);
    /* one fact per node and role: the two observations made one span */
    size_t of_node = 0;
    for (size_t i = 0; i < g->n_history; i++)
        if (strcmp(g->history[i].node, "cme-0003-001") == 0)
            of_node++;
    assert_int_equal(of_node, 1);
    /* a role change seen by Redis: a new fact, no claim between the two */
    x.nodes[4].role = MODEL_ROLE_REPLICA;
    x.nodes[5].role = MODEL_ROLE_PRIMARY;
    x.v.fetched_ms = T0 + 5 * MIN_MS;
    model_group_merge_redis(g, &x.v);
    assert_string_equal(label_at(g, "cme-0003-001", T0 + 3 * MIN_MS, &lab), "primary");
    assert_string_equal(label_at(g, "cme-0003-001", T0 + 4 * MIN_MS, &lab), MODEL_ROLE_AT_UNKNOWN);
    assert_string_equal(label_at(g, "cme-0003-001", T0 + 6 * MIN_MS, &lab), "replica");
    model_group_unref(g);
}

static void test_role_history_bounded(void **state)
{
    (void)state;
    struct model_group *g = mfx_model("rgs.xml", "ccs.xml", "cme", T0);
    /* a console refreshing for hours: the API, the metric and Redis say
     * the same roles again and again: one span per source and node */
    for (int64_t i = 0; i < 5000; i++) {
        model_group_note_role(g, "cme-0002-001", MODEL_ROLE_PRIMARY, MODEL_ROLE_SRC_METRIC,
                              T0 + i * 10000);
        model_group_note_role(g, "cme-0002-001", MODEL_ROLE_PRIMARY, MODEL_ROLE_SRC_API,
                              T0 + i * 10000 + 1);
        model_group_note_role(g, "cme-0002-001", MODEL_ROLE_PRIMARY, MODEL_ROLE_SRC_REDIS,
                              T0 + i * 10000 + 2);
    }
    assert_int_equal(g->n_history, 3);
    model_group_unref(g);
    g = mfx_model("rgs.xml", "ccs.xml", "cme", T0);
    model_group_note_events(g, NULL, NULL, 0, T0, T0 + 100000000);
    for (int64_t i = 0; i < MODEL_HISTORY_MAX + 10; i++)
        model_group_note_failover(g, T0 + 1 + i * 10, i % 2 ? "cme-0001-002" : "cme-0001-001",
                                  NULL);
    assert_int_equal(g->n_history, MODEL_HISTORY_MAX);
    /* the oldest facts went, and the history's reach with them */
    assert_true(g->history_from_ms > T0 + 1 + 9 * 10);
    enum model_role_source src;
    assert_int_equal(role_at(g, "cme-0001-001", T0 + 5, &src), MODEL_ROLE_UNKNOWN);
    model_group_unref(g);
}

/* Redis names shard 0001's primary; the API side (a metric a minute
 * behind) still says the old one, which does not answer: never two
 * primaries in the shard, and each role says where it comes from. */
static void test_one_primary_per_shard(void **state)
{
    (void)state;
    struct model_group *g = mfx_model("rgs.xml", "ccs.xml", "cme", T0);
    for (size_t i = 0; i < g->n_nodes; i++)
        model_group_set_is_master(g, g->nodes[i].cache_cluster_id, "0001", i % 2 == 0, T0 - MIN_MS);
    struct rv x;
    rv_cme(&x, g, true);
    x.v.source = "ROLE";
    x.v.fetched_ms = T0 + 1000;
    for (size_t i = 0; i < 6; i++) {
        x.nodes[i].probe.probed = true;
        x.nodes[i].probe.health = MODEL_HEALTH_ANSWERING;
        x.nodes[i].probe.role_own = true;
        x.nodes[i].probe.observed_ms = T0 + 1000;
        x.nodes[i].probe.ping_us = 400;
    }
    /* 001 frozen: its peers still call it master (failed) */
    x.nodes[0].health = "failed";
    x.nodes[0].probe.health = MODEL_HEALTH_DOWN;
    x.nodes[0].probe.role_own = false;
    x.nodes[0].probe.down_since_ms = T0;
    x.nodes[0].probe.error = "timeout";
    x.nodes[1].role = MODEL_ROLE_PRIMARY;
    model_group_merge_redis(g, &x.v);
    size_t p = 0;
    model_group_role_counts(g, &p, NULL, NULL);
    assert_int_equal(p, 3);
    const struct model_node *a = model_node_find(g, "cme-0001-001", NULL);
    const struct model_node *b = model_node_find(g, "cme-0001-002", NULL);
    assert_int_equal(a->role, MODEL_ROLE_UNKNOWN);
    assert_int_equal(b->role, MODEL_ROLE_PRIMARY);
    assert_int_equal(b->role_source, MODEL_ROLE_SRC_REDIS);
    assert_int_equal(a->probe.health, MODEL_HEALTH_DOWN);
    assert_string_equal(a->probe.error, "timeout");
    assert_ptr_equal(model_shard_primary(g, 0), b);
    char o[32];
    model_role_origin(b, T0 + 2500, o, sizeof(o));
    assert_string_equal(o, "redis 1s");
    /* Redis out of trust (the API data much newer): the metric's roles */
    struct model_group *g2 = mfx_model("rgs.xml", "ccs.xml", "cme", T0 + 20 * MIN_MS);
    model_group_set_is_master(g2, "cme-0002-001", "0001", 1, T0 + 19 * MIN_MS);
    model_role_origin(model_node_find(g2, "cme-0002-001", NULL), T0 + 20 * MIN_MS, o, sizeof(o));
    assert_string_equal(o, "metric 60s");
    model_role_origin(model_node_find(g2, "cme-0003-001", NULL), T0 + 20 * MIN_MS, o, sizeof(o));
    assert_string_equal(o, "name");
    model_group_set_redis_error(g, "WRONGPASS invalid username-password pair", T0 + 2000);
    model_group_carry_redis(g2, g);
    assert_string_equal(g2->redis_error, "WRONGPASS invalid username-password pair");
    model_group_unref(g2);
    model_group_unref(g);
    char age[16];
    model_age_text(59999, age, sizeof(age));
    assert_string_equal(age, "59s");
    model_age_text(3 * 3600 * 1000LL, age, sizeof(age));
    assert_string_equal(age, "3h");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmd_group),
        cmocka_unit_test(test_cme_group),
        cmocka_unit_test(test_valkey_and_weak),
        cmocka_unit_test(test_after_failover),
        cmocka_unit_test(test_region_listing),
        cmocka_unit_test(test_members_without_node_groups),
        cmocka_unit_test(test_pending_and_empty),
        cmocka_unit_test(test_refcount),
        cmocka_unit_test(test_slots),
        cmocka_unit_test(test_lookups),
        cmocka_unit_test(test_lookup_unique_port),
        cmocka_unit_test(test_redis_agrees),
        cmocka_unit_test(test_redis_failover_seen_first),
        cmocka_unit_test(test_redis_missing_extra_slots_health),
        cmocka_unit_test(test_redis_unknown_shard_and_moves),
        cmocka_unit_test(test_redis_standalone),
        cmocka_unit_test(test_failover_message_parse),
        cmocka_unit_test(test_role_history_across_a_failover),
        cmocka_unit_test(test_role_history_without_events),
        cmocka_unit_test(test_role_history_bounded),
        cmocka_unit_test(test_one_primary_per_shard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
