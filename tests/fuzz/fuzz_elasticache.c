/* fuzz_elasticache.c - ElastiCache query responses through the typed
 * parsers (elasticache_parse_*), and what the engines build from them:
 * the cluster model (model_group_from_api) and the placement matrix.
 *
 * The two large listings are also read by the streaming parsers
 * (elasticache_parse_*_stream, the ones the calls use): they must agree
 * with the tree parsers on what they accept and on the items' count and
 * ids (the target aborts otherwise).
 *
 * Input: one recorded response (the root element picks the operation), or
 * a DescribeReplicationGroups body, FUZZ_SEP, a DescribeCacheClusters body
 * (the pair the model is built from).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/elasticache.h"
#include "aws/mem.h"
#include "aws/query.h"
#include "core/model/model.h"
#include "core/model/placement.h"
#include "core/redis/rcluster.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parse one body as op; NULL on failure (err cleared). */
static xmlDoc *parse_body(const uint8_t *body, size_t len, const char *op, xmlNode **res)
{
    xmlDoc *doc = NULL;
    char rid[96];
    struct aws_error err;
    aws_error_init(&err);
    if (query_parse((const char *)body, len, 200, op, false, &doc, res, rid, sizeof(rid), &err) !=
        0) {
        free(aws_error_format(&err));
        aws_error_clear(&err);
        /* error envelopes are answers with a 4xx status */
        if (query_parse((const char *)body, len, 400, op, false, &doc, res, rid, sizeof(rid),
                        &err) == 0)
            xmlFreeDoc(doc);
        free(aws_error_format(&err));
        aws_error_clear(&err);
        return NULL;
    }
    return doc;
}

static void use_group(const struct elasticache_replication_group *g,
                      const struct elasticache_cache_cluster_list *cl)
{
    struct model_group *m = model_group_from_api(g, cl, 1714564805000LL);
    if (!m)
        return;
    size_t p, r, u;
    model_group_role_counts(m, &p, &r, &u);
    for (int slot = 0; slot < 16384; slot += 4093)
        (void)model_shard_of_slot(m, slot);
    (void)model_node_by_addr(m, "127.0.0.1", 6379);
    (void)model_node_by_endpoint(m, "clustercfg.app-4.ab12cd.use2.cache.amazonaws.com", 6379);
    (void)model_node_find(m, "app-4-0001-001", "0001");
    struct logrec_labels lab;
    (void)model_label(m, "app-4-0001-001", "0001", 0, &lab);
    (void)model_label(m, "app-4-0001-001", "0001", 1714564805000, &lab);
    struct rcluster_name names[64];
    (void)model_rcluster_names(m, names, 64);
    struct placement *pl = placement_build(m, 1714564805000LL);
    if (pl) {
        (void)placement_worst(pl);
        (void)placement_cell(pl, 0, 0);
        placement_free(pl);
    }
    model_group_unref(m);
}

/* The streaming parser against the tree parser: same verdict, same items. */
static void stream_agrees(const uint8_t *body, size_t len, bool rgs)
{
    const char *op = rgs ? "DescribeReplicationGroups" : "DescribeCacheClusters";
    xmlNode *res;
    xmlDoc *doc = parse_body(body, len, op, &res);
    struct aws_error e1, e2;
    aws_error_init(&e1);
    aws_error_init(&e2);
    char rid[96] = "";
    if (rgs) {
        struct elasticache_replication_group_list *t = mem_xcalloc(1, sizeof(*t));
        struct elasticache_replication_group_list *st = mem_xcalloc(1, sizeof(*st));
        int rt = doc ? elasticache_parse_describe_replication_groups(res, t, &e1) : -1;
        int rs = elasticache_parse_describe_replication_groups_stream((const char *)body, len, st,
                                                                      &e2, rid, sizeof(rid));
        if (rt == 0 && rs == 0) {
            if (t->n != st->n)
                abort();
            for (size_t i = 0; i < t->n; i++)
                if ((t->items[i].id == NULL) != (st->items[i].id == NULL) ||
                    (t->items[i].id && strcmp(t->items[i].id, st->items[i].id) != 0))
                    abort();
            if ((t->marker == NULL) != (st->marker == NULL))
                abort();
        }
        elasticache_replication_group_list_free(t);
        elasticache_replication_group_list_free(st);
    } else {
        struct elasticache_cache_cluster_list *t = mem_xcalloc(1, sizeof(*t));
        struct elasticache_cache_cluster_list *st = mem_xcalloc(1, sizeof(*st));
        int rt = doc ? elasticache_parse_describe_cache_clusters(res, t, &e1) : -1;
        int rs = elasticache_parse_describe_cache_clusters_stream((const char *)body, len, st, &e2,
                                                                  rid, sizeof(rid));
        if (rt == 0 && rs == 0 && t->n != st->n)
            abort();
        elasticache_cache_cluster_list_free(t);
        elasticache_cache_cluster_list_free(st);
    }
    if (doc)
        xmlFreeDoc(doc);
    free(aws_error_format(&e1));
    free(aws_error_format(&e2));
    aws_error_clear(&e1);
    aws_error_clear(&e2);
}

static void rgs_and_clusters(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    stream_agrees(a, alen, true);
    if (b)
        stream_agrees(b, blen, false);
    xmlNode *res;
    struct aws_error err;
    aws_error_init(&err);
    struct elasticache_replication_group_list *l = mem_xcalloc(1, sizeof(*l));
    struct elasticache_cache_cluster_list *cl = NULL;
    xmlDoc *doc = parse_body(a, alen, "DescribeReplicationGroups", &res);
    if (doc) {
        (void)elasticache_parse_describe_replication_groups(res, l, &err);
        xmlFreeDoc(doc);
        aws_error_clear(&err);
    }
    if (b) {
        doc = parse_body(b, blen, "DescribeCacheClusters", &res);
        if (doc) {
            cl = mem_xcalloc(1, sizeof(*cl));
            if (elasticache_parse_describe_cache_clusters(res, cl, &err) != 0) {
                elasticache_cache_cluster_list_free(cl);
                cl = NULL;
            }
            xmlFreeDoc(doc);
            aws_error_clear(&err);
        }
    }
    if (cl) {
        elasticache_replication_groups_fill_from_clusters(l, cl);
        for (size_t i = 0; i < cl->n; i++)
            if (cl->items[i].id)
                (void)elasticache_cache_cluster_find(cl, cl->items[i].id);
    }
    for (size_t i = 0; i < l->n && i < 8; i++)
        use_group(&l->items[i], cl);
    elasticache_cache_cluster_list_free(cl);
    elasticache_replication_group_list_free(l);
}

static void one(const char *op, xmlNode *res)
{
    struct aws_error err;
    aws_error_init(&err);
    if (strcmp(op, "CreateCacheSubnetGroup") == 0) {
        struct elasticache_cache_subnet_group_out *o = mem_xcalloc(1, sizeof(*o));
        (void)elasticache_parse_create_cache_subnet_group(res, o, &err);
        elasticache_cache_subnet_group_out_free(o);
    } else if (strcmp(op, "DescribeCacheSubnetGroups") == 0) {
        struct elasticache_cache_subnet_group_list *l = mem_xcalloc(1, sizeof(*l));
        (void)elasticache_parse_describe_cache_subnet_groups(res, l, &err);
        elasticache_cache_subnet_group_list_free(l);
    } else if (strcmp(op, "CreateReplicationGroup") == 0 ||
               strcmp(op, "ModifyReplicationGroup") == 0 ||
               strcmp(op, "DeleteReplicationGroup") == 0 || strcmp(op, "TestFailover") == 0) {
        struct elasticache_replication_group_out *o = mem_xcalloc(1, sizeof(*o));
        int rc = op[0] == 'C'   ? elasticache_parse_create_replication_group(res, o, &err)
                 : op[0] == 'M' ? elasticache_parse_modify_replication_group(res, o, &err)
                 : op[0] == 'D' ? elasticache_parse_delete_replication_group(res, o, &err)
                                : elasticache_parse_test_failover(res, o, &err);
        if (rc == 0)
            use_group(&o->group, NULL);
        elasticache_replication_group_out_free(o);
    } else if (strcmp(op, "DescribeEvents") == 0) {
        struct elasticache_event_list *l = mem_xcalloc(1, sizeof(*l));
        (void)elasticache_parse_describe_events(res, l, &err);
        elasticache_event_list_free(l);
    } else if (strcmp(op, "DescribeCacheParameterGroups") == 0) {
        struct elasticache_cache_parameter_group_list *l = mem_xcalloc(1, sizeof(*l));
        (void)elasticache_parse_describe_cache_parameter_groups(res, l, &err);
        elasticache_cache_parameter_group_list_free(l);
    } else if (strcmp(op, "DescribeCacheParameters") == 0) {
        struct elasticache_cache_parameter_list *l = mem_xcalloc(1, sizeof(*l));
        if (elasticache_parse_describe_cache_parameters(res, l, &err) == 0)
            (void)elasticache_cache_parameter_find(l, "slowlog-max-len");
        elasticache_cache_parameter_list_free(l);
    } else if (strcmp(op, "AddTagsToResource") == 0) {
        struct elasticache_tag_list *l = mem_xcalloc(1, sizeof(*l));
        (void)elasticache_parse_add_tags_to_resource(res, l, &err);
        elasticache_tag_list_free(l);
    } else if (strcmp(op, "ListTagsForResource") == 0) {
        struct elasticache_tag_list *l = mem_xcalloc(1, sizeof(*l));
        (void)elasticache_parse_list_tags_for_resource(res, l, &err);
        elasticache_tag_list_free(l);
    }
    free(aws_error_format(&err));
    aws_error_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t pos = 0;
    const uint8_t *a, *b = NULL;
    size_t alen, blen = 0;
    (void)fuzz_next_part(data, size, &pos, &a, &alen);
    bool two = fuzz_next_part(data, size, &pos, &b, &blen);
    char op[128];
    fuzz_xml_root(a, alen, op, sizeof(op));
    fuzz_strip_response(op);
    if (two || strcmp(op, "DescribeReplicationGroups") == 0 ||
        strcmp(op, "DescribeCacheClusters") == 0) {
        if (strcmp(op, "DescribeCacheClusters") == 0 && !two)
            rgs_and_clusters((const uint8_t *)"", 0, a, alen);
        else
            rgs_and_clusters(a, alen, two ? b : NULL, blen);
        return 0;
    }
    xmlNode *res;
    xmlDoc *doc = parse_body(a, alen, op[0] ? op : "X", &res);
    if (doc) {
        one(op, res);
        xmlFreeDoc(doc);
    }
    return 0;
}
