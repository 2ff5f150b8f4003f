/* model_fixture.h - recorded DescribeReplicationGroups / DescribeCache
 * Clusters answers (tests/unit/data/model/, written by record.py there from
 * the sandbox) turned into models, for test_model.c and test_placement.c.
 * Header-only; include once, after cmocka.h.
 */
#ifndef ELCUI_TESTS_MODEL_FIXTURE_H
#define ELCUI_TESTS_MODEL_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/elasticache.h"
#include "aws/mem.h"
#include "aws/query.h"
#include "core/model/model.h"

#define MFX_DIR "tests/unit/data/model/"

static __attribute__((unused)) char *mfx_load(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), MFX_DIR "%s", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("missing %s (run tests/unit/data/model/record.py)", path);
    size_t cap = 4096, n = 0, r;
    char *b = mem_xmalloc(cap);
    while ((r = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n < 2)
            b = mem_xgrow(b, &cap, cap * 2, 1);
    }
    fclose(f);
    b[n] = '\0';
    *len = n;
    return b;
}

static __attribute__((unused)) xmlDoc *mfx_parse(const char *name, const char *op, xmlNode **result)
{
    size_t len;
    char *body = mfx_load(name, &len);
    xmlDoc *doc = NULL;
    char rid[96];
    struct aws_error err;
    aws_error_init(&err);
    int rc = query_parse(body, len, 200, op, false, &doc, result, rid, sizeof(rid), &err);
    free(body);
    if (rc != 0)
        fail_msg("%s: %s", name, err.message ? err.message : err.code);
    aws_error_clear(&err);
    return doc;
}

/* Replication groups of a recorded DescribeReplicationGroups body. */
static __attribute__((unused)) struct elasticache_replication_group_list *
mfx_groups(const char *name)
{
    xmlNode *result;
    xmlDoc *doc = mfx_parse(name, "DescribeReplicationGroups", &result);
    struct elasticache_replication_group_list *l = mem_xcalloc(1, sizeof(*l));
    struct aws_error err;
    aws_error_init(&err);
    assert_int_equal(elasticache_parse_describe_replication_groups(result, l, &err), 0);
    xmlFreeDoc(doc);
    return l;
}

static __attribute__((unused)) struct elasticache_cache_cluster_list *mfx_clusters(const char *name)
{
    xmlNode *result;
    xmlDoc *doc = mfx_parse(name, "DescribeCacheClusters", &result);
    struct elasticache_cache_cluster_list *l = mem_xcalloc(1, sizeof(*l));
    struct aws_error err;
    aws_error_init(&err);
    assert_int_equal(elasticache_parse_describe_cache_clusters(result, l, &err), 0);
    xmlFreeDoc(doc);
    return l;
}

static __attribute__((unused)) const struct elasticache_replication_group *
mfx_find(const struct elasticache_replication_group_list *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i].id && strcmp(l->items[i].id, id) == 0)
            return &l->items[i];
    fail_msg("no group %s in the recording", id);
    return NULL;
}

/* The model of a recorded group, with the recorded clusters (or none). */
static __attribute__((unused)) struct model_group *mfx_model(const char *rgs, const char *ccs,
                                                             const char *id, int64_t fetched_ms)
{
    struct elasticache_replication_group_list *l = mfx_groups(rgs);
    struct elasticache_cache_cluster_list *c = ccs ? mfx_clusters(ccs) : NULL;
    struct model_group *g = model_group_from_api(mfx_find(l, id), c, fetched_ms);
    elasticache_replication_group_list_free(l);
    if (c)
        elasticache_cache_cluster_list_free(c);
    return g;
}

#endif
