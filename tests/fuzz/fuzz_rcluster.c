/* fuzz_rcluster.c - Redis replies as the cluster client reads them:
 * CLUSTER SHARDS / CLUSTER SLOTS topologies, ROLE (cluster mode off),
 * MOVED / ASK / TRYAGAIN redirects, COMMAND GETKEYS, and any reply to a
 * user command, through rconn's reader (hiredis with elcui's caps) over a
 * real socket, then into the model (model_redis_view_from_rcluster ->
 * model_group_merge_redis).
 *
 * Input: the replies the fake node sends, one per request in the order
 * requests arrive, separated by FUZZ_SEP (see fuzz_redis.h). The input
 * length picks the mode (auto / cluster / standalone). Every connection
 * is routed to the fake node, so hosts named in replies are never
 * resolved. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "core/loop.h"
#include "core/model/model.h"
#include "core/redis/rcluster.h"
#include "core/redis/rconn.h"
#include "tests/fuzz/fuzz_redis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
    int pending;
    bool all_done;
    size_t replies;
};

static void on_reply(struct rcluster *cl, struct rcluster_reply *r, void *arg)
{
    struct fz *f = arg;
    (void)cl;
    f->replies++;
    if (r->reply && r->reply->type == REDIS_REPLY_STRING)
        (void)strlen(r->reply->str);
    for (size_t i = 0; i < r->nhops; i++)
        (void)rcluster_hop_name(r->hops[i].kind);
}

static void on_done(struct rcluster *cl, const struct rcluster_done *d, void *arg)
{
    struct fz *f = arg;
    (void)cl;
    (void)d;
    if (--f->pending == 0)
        f->all_done = true;
}

static void inspect(struct rcluster *cl)
{
    struct rcluster_info info;
    rcluster_get_info(cl, &info);
    size_t n = rcluster_node_count(cl);
    for (size_t i = 0; i < n; i++) {
        struct rcluster_node_info ni;
        if (rcluster_node_at(cl, i, &ni))
            (void)strlen(ni.name);
    }
    for (size_t s = 0; s < info.shards; s++) {
        const int(*ranges)[2];
        (void)rcluster_shard_ranges(cl, s, &ranges);
    }
    for (int slot = 0; slot < 16384; slot += 1000)
        (void)rcluster_slot_owner(cl, slot);
}

/* A three-shard group as the API describes it, to merge Redis's view in. */
static const char model_xml[] =
    "<DescribeReplicationGroupsResponse><DescribeReplicationGroupsResult><ReplicationGroups>"
    "<ReplicationGroup><ReplicationGroupId>app-4</ReplicationGroupId><Status>available</Status>"
    "<ClusterEnabled>true</ClusterEnabled><MemberClusters>"
    "<ClusterId>app-4-0001-001</ClusterId><ClusterId>app-4-0001-002</ClusterId>"
    "<ClusterId>app-4-0002-001</ClusterId></MemberClusters><NodeGroups>"
    "<NodeGroup><NodeGroupId>0001</NodeGroupId><Slots>0-8191</Slots><NodeGroupMembers>"
    "<NodeGroupMember><CacheClusterId>app-4-0001-001</CacheClusterId><CacheNodeId>0001"
    "</CacheNodeId><PreferredAvailabilityZone>us-east-2a</PreferredAvailabilityZone>"
    "<ReadEndpoint><Address>127.0.0.1</Address><Port>7000</Port></ReadEndpoint>"
    "</NodeGroupMember><NodeGroupMember><CacheClusterId>app-4-0001-002</CacheClusterId>"
    "<CacheNodeId>0001</CacheNodeId><PreferredAvailabilityZone>us-east-2b"
    "</PreferredAvailabilityZone><ReadEndpoint><Address>127.0.0.1</Address><Port>7001</Port>"
    "</ReadEndpoint></NodeGroupMember></NodeGroupMembers></NodeGroup>"
    "<NodeGroup><NodeGroupId>0002</NodeGroupId><Slots>8192-16383</Slots><NodeGroupMembers>"
    "<NodeGroupMember><CacheClusterId>app-4-0002-001</CacheClusterId><CacheNodeId>0001"
    "</CacheNodeId><PreferredAvailabilityZone>us-east-2c</PreferredAvailabilityZone>"
    "<ReadEndpoint><Address>127.0.0.1</Address><Port>7002</Port></ReadEndpoint>"
    "</NodeGroupMember></NodeGroupMembers></NodeGroup></NodeGroups>"
    "<ConfigurationEndpoint><Address>clustercfg.app-4.example</Address><Port>6379</Port>"
    "</ConfigurationEndpoint></ReplicationGroup></ReplicationGroups>"
    "</DescribeReplicationGroupsResult></DescribeReplicationGroupsResponse>";

static struct elasticache_replication_group_list *model_groups(void)
{
    static struct elasticache_replication_group_list *l;
    if (l)
        return l;
    xmlDoc *doc;
    xmlNode *res;
    char rid[96];
    struct aws_error err;
    aws_error_init(&err);
    l = mem_xcalloc(1, sizeof(*l));
    if (query_parse(model_xml, sizeof(model_xml) - 1, 200, "DescribeReplicationGroups", false, &doc,
                    &res, rid, sizeof(rid), &err) != 0 ||
        elasticache_parse_describe_replication_groups(res, l, &err) != 0 || l->n != 1)
        abort();
    xmlFreeDoc(doc);
    return l;
}

static void merge(struct rcluster *cl)
{
    struct model_group *g = model_group_from_api(&model_groups()->items[0], NULL, 1);
    struct model_redis_view *v = model_redis_view_from_rcluster(cl, 2);
    if (v) {
        model_group_merge_redis(g, v);
        model_redis_view_free(v);
    }
    (void)model_shard_of_slot(g, 100);
    (void)model_node_by_addr(g, "127.0.0.1", 7001);
    model_group_unref(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum rcluster_mode modes[] = {RCLUSTER_CLUSTER, RCLUSTER_AUTO,
                                               RCLUSTER_STANDALONE};
    struct loop *l = loop_new();
    struct fzr srv;
    if (fzr_start(&srv, l, data, size) != 0)
        abort();
    char rule[64];
    snprintf(rule, sizeof(rule), "::127.0.0.1:%d", srv.port);
    struct rconn_routes *routes = rconn_routes_new();
    struct rconn_error rerr;
    if (rconn_routes_add(routes, rule, &rerr) != 0)
        abort();
    static const struct rsafety_policy safety = {.cluster = true};
    struct rcluster_name names[] = {
        {"127.0.0.1", 7000, "app-4-0001-001", "0001"},
        {"127.0.0.1", 7001, "app-4-0001-002", "0001"},
    };
    struct rcluster_options o = {
        .host = "clustercfg.app-4.example",
        .port = 6379,
        .mode = modes[size % 3],
        .reader_host = "replica.app-4.example",
        .reader_port = 6379,
        .routes = routes,
        .connect_timeout_ms = 200,
        .command_timeout_ms = 200,
        .lazy_map = (size & 4) != 0,
        .safety = &safety,
        .names = names,
        .nnames = 2,
    };
    struct rcluster *cl = rcluster_new(l, &o);
    struct fz f = {0};
    static const char *const get[] = {"GET", "user:{42}"};
    static const char *const set[] = {"SET", "k", "v"};
    static const char *const ping[] = {"PING"};
    static const char *const eval[] = {"EVAL", "return 1", "1", "k"};
    const struct rcluster_request reqs[] = {
        {.target = RCLUSTER_T_SLOT, .argc = 2, .argv = get},
        {.target = RCLUSTER_T_SLOT, .argc = 3, .argv = set},
        {.target = RCLUSTER_T_ALL, .argc = 1, .argv = ping},
        {.target = RCLUSTER_T_SLOT, .argc = 4, .argv = eval},
        {.target = RCLUSTER_T_NODE, .node = "app-4-0001-002", .argc = 1, .argv = ping},
    };
    for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
        struct rcluster_request r = reqs[i];
        r.on_reply = on_reply;
        r.on_done = on_done;
        r.arg = &f;
        if (rcluster_exec(cl, &r) == 0)
            f.pending++;
    }
    if (f.pending)
        (void)loop_run_until(l, &f.all_done, loop_now_ms(l) + 5000);
    inspect(cl);
    merge(cl);
    rcluster_free(cl);
    /* let closed connections and their callbacks finish */
    bool never = false;
    (void)loop_run_until(l, &never, loop_now_ms(l) + 1);
    rconn_routes_free(routes);
    fzr_stop(&srv);
    loop_free(l);
    return 0;
}
