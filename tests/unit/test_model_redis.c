/* test_model_redis.c - the model's Redis refresh against real Redis: the
 * sandbox farm (2 shards x 1 replica, TLS + AUTH, cluster mode) read by
 * core/redis/rcluster (CLUSTER SHARDS), turned into a view with
 * model_redis_view_from_rcluster and merged into a model built the way the
 * API describes the same group: nodes matched without a name map (by the
 * port only one node uses) and with one (by cache cluster id); a failover
 * Redis sees before the API is flagged and wins; a stopped node is
 * reported by Redis's health.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "aws/elasticache.h"
#include "aws/mem.h"
#include "core/loop.h"
#include "core/model/model.h"
#include "core/redis/rcluster.h"
#include "core/redis/rconn.h"

#include "redis_fixture.h"

static struct rfx_farm farm;
static struct rconn_tls *tls;

static int group_setup(void **state)
{
    (void)state;
    static const char *const args[] = {"--shards",        "2",      "--replicas", "1",
                                       "--keep-commands", "--name", "mr",         NULL};
    if (rfx_farm_start(&farm, args) != 0 || rfx_farm_wait(&farm) != 0)
        return -1;
    struct rconn_error err;
    struct rconn_tls_options to = {.cafile = farm.ca_file};
    tls = rconn_tls_new(&to, &err);
    return tls ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    rconn_tls_unref(tls);
    rfx_farm_down(&farm);
    return 0;
}

/* The group as DescribeReplicationGroups + DescribeCacheClusters would
 * describe the farm: member ids from the farm's names, endpoints its
 * host:port, the slots its even split. */
struct api {
    struct elasticache_replication_group rg;
    struct elasticache_node_group ng[2];
    struct elasticache_node_group_member m[2][2];
    struct elasticache_cache_cluster_list cl;
    struct elasticache_cache_cluster cc[4];
    struct elasticache_cache_node cn[4];
    char *members[5];
};

static struct model_group *api_model(struct api *a, int64_t now)
{
    memset(a, 0, sizeof(*a));
    static const char *const slots[] = {"0-8191", "8192-16383"};
    static const char *const ngid[] = {"0001", "0002"};
    static const char *const az[] = {"us-east-2a", "us-east-2b"};
    a->rg.id = (char *)"mr";
    a->rg.status = (char *)"available";
    a->rg.has_cluster_enabled = true;
    a->rg.cluster_enabled = true;
    a->rg.node_groups = a->ng;
    a->rg.n_node_groups = 2;
    a->rg.member_clusters = a->members;
    a->rg.n_member_clusters = 4;
    a->cl.items = a->cc;
    a->cl.n = 4;
    for (int s = 0; s < 2; s++) {
        a->ng[s].node_group_id = (char *)ngid[s];
        a->ng[s].slots = (char *)slots[s];
        a->ng[s].members = a->m[s];
        a->ng[s].n_members = 2;
        for (int k = 0; k < 2; k++) {
            const struct rfx_node *n = rfx_node(&farm, s, k);
            assert_non_null(n);
            int i = s * 2 + k;
            a->members[i] = (char *)n->name;
            a->m[s][k].cache_cluster_id = (char *)n->name;
            a->m[s][k].cache_node_id = (char *)"0001";
            a->m[s][k].preferred_availability_zone = (char *)az[(s + k) % 2];
            a->cc[i].id = (char *)n->name;
            a->cc[i].status = (char *)"available";
            a->cc[i].engine = (char *)"redis";
            a->cc[i].nodes = &a->cn[i];
            a->cc[i].n_nodes = 1;
            a->cn[i].id = (char *)"0001";
            a->cn[i].status = (char *)"available";
            a->cn[i].endpoint.address = (char *)n->host;
            a->cn[i].endpoint.port = n->port;
            a->cn[i].customer_availability_zone = (char *)az[(s + k) % 2];
        }
    }
    return model_group_from_api(&a->rg, &a->cl, now);
}

static struct rcluster *cluster(struct loop *l, const struct rcluster_name *names, size_t n)
{
    const struct rfx_node *seed = rfx_node(&farm, 0, 0);
    struct rcluster_options o = {
        .host = seed->host,
        .port = seed->port,
        .tls = farm.tls ? tls : NULL,
        .password = farm.token,
        .connect_timeout_ms = rfx_scale(3000),
        .names = names,
        .nnames = n,
    };
    struct rcluster *cl = rcluster_new(l, &o);
    assert_non_null(cl);
    uint64_t deadline = loop_now_ms(l) + rfx_scale(10000);
    struct rcluster_info i;
    rcluster_get_info(cl, &i);
    while (!i.ready && loop_now_ms(l) < deadline) {
        loop_run_once(l, 20);
        rcluster_get_info(cl, &i);
    }
    assert_true(i.ready);
    return cl;
}

static void assert_agrees(struct model_group *g, const struct model_redis_view *v, int64_t now)
{
    assert_string_equal(v->source, "CLUSTER SHARDS");
    assert_true(v->cluster);
    assert_int_equal(v->n_nodes, 4);
    assert_int_equal(v->n_shards, 2);
    assert_true(v->fetched_ms <= now && v->fetched_ms > now - 60000);
    model_group_merge_redis(g, v);
    for (size_t i = 0; i < g->n_diffs; i++)
        print_message("unexpected difference: %s\n", g->diffs[i].text);
    assert_int_equal(g->n_diffs, 0);
    assert_int_equal(g->n_nodes, 4);
    for (size_t i = 0; i < 4; i++) {
        const struct model_node *n = &g->nodes[i];
        assert_true(n->in_redis);
        assert_int_equal(n->role_source, MODEL_ROLE_SRC_REDIS);
        assert_int_equal(n->role, i % 2 == 0 ? MODEL_ROLE_PRIMARY : MODEL_ROLE_REPLICA);
        assert_string_equal(n->redis_health, "online");
        assert_true(strlen(n->redis_id) == 40);
    }
    assert_int_equal(g->shards[1].n_redis_ranges, 1);
    assert_int_equal(g->shards[1].redis_ranges[0].start, 8192);
    assert_int_equal(model_shard_of_slot(g, 8191), 0);
    assert_int_equal(model_shard_of_slot(g, 8192), 1);
}

static void test_view_without_names(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rcluster *cl = cluster(l, NULL, 0);
    struct api a;
    int64_t now = loop_wall_ms(l);
    struct model_group *g = api_model(&a, now);
    struct model_redis_view *v = model_redis_view_from_rcluster(cl, now);
    /* no name map: the view does not know the cache cluster ids */
    for (size_t i = 0; i < v->n_nodes; i++)
        assert_null(v->nodes[i].cache_cluster_id);
    assert_agrees(g, v, now);
    model_redis_view_free(v);
    /* what MOVED names (the address Redis reports) finds the node */
    const struct rfx_node *n = rfx_node(&farm, 1, 1);
    const struct model_node *m = model_node_by_addr(g, g->nodes[3].redis_host, n->port);
    assert_non_null(m);
    assert_string_equal(m->cache_cluster_id, n->name);
    model_group_unref(g);
    rcluster_free(cl);
    loop_free(l);
}

static void test_view_with_names_and_failover(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct api a;
    int64_t now = loop_wall_ms(l);
    struct model_group *g = api_model(&a, now);
    /* exec's name map, straight from the model */
    struct rcluster_name names[8];
    size_t nn = model_rcluster_names(g, names, 8);
    assert_int_equal(nn, 4);
    struct rcluster *cl = cluster(l, names, nn);
    struct model_redis_view *v = model_redis_view_from_rcluster(cl, now);
    for (size_t i = 0; i < v->n_nodes; i++)
        assert_non_null(v->nodes[i].cache_cluster_id);
    /* the API side says the roles too (IsMaster as last read) */
    for (size_t i = 0; i < g->n_nodes; i++)
        model_group_set_is_master(g, g->nodes[i].cache_cluster_id, "0001", i % 2 == 0, now);
    assert_agrees(g, v, now);
    model_redis_view_free(v);

    /* fail over shard 0002 from its replica */
    const struct rfx_node *rep = rfx_node(&farm, 1, 1);
    struct rconn *c = rfx_connect(l, &farm, tls, rep->host, rep->port);
    assert_non_null(c);
    const char *fo[] = {"CLUSTER", "FAILOVER"};
    struct rfx_wait w;
    rfx_cmdv(l, c, &w, 2, fo);
    assert_false(w.has_err);
    assert_string_equal(w.reply->str, "OK");
    rfx_wait_free(&w);
    uint64_t deadline = loop_now_ms(l) + rfx_scale(20000);
    bool seen = false;
    while (!seen && loop_now_ms(l) < deadline) {
        rcluster_refresh(cl);
        bool never = false;
        rfx_run(l, &never, 200);
        v = model_redis_view_from_rcluster(cl, loop_wall_ms(l));
        /* both ends of the failover visible: new primary, old replica */
        int done = 0;
        for (size_t i = 0; i < v->n_nodes; i++) {
            const struct model_redis_node *rn = &v->nodes[i];
            if (strcmp(rn->cache_cluster_id, rep->name) == 0 && rn->role == MODEL_ROLE_PRIMARY)
                done++;
            if (strcmp(rn->cache_cluster_id, rfx_node(&farm, 1, 0)->name) == 0 &&
                rn->role == MODEL_ROLE_REPLICA)
                done++;
        }
        seen = done == 2;
        if (!seen)
            model_redis_view_free(v);
    }
    assert_true(seen);
    model_group_merge_redis(g, v);
    model_redis_view_free(v);
    size_t roles = 0;
    for (size_t i = 0; i < g->n_diffs; i++) {
        print_message("difference: %s\n", g->diffs[i].text);
        if (g->diffs[i].kind == MODEL_DIFF_ROLE) {
            roles++;
            assert_string_equal(g->diffs[i].shard, "0002");
        }
    }
    assert_int_equal(roles, 2);
    const struct model_node *np = model_node_find(g, rep->name, NULL);
    assert_int_equal(np->role, MODEL_ROLE_PRIMARY);
    assert_int_equal(np->role_source, MODEL_ROLE_SRC_REDIS);
    assert_ptr_equal(model_shard_primary(g, 1), np);
    /* (runs last: the farm is left failed over) */
    rconn_close(c);
    model_group_unref(g);
    rcluster_free(cl);
    loop_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_without_names),
        cmocka_unit_test(test_view_with_names_and_failover),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
