/* test_placement.c - the shards x AZs matrix and every risk flag, on the
 * recorded sandbox groups and on hand-made layouts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "core/model/model.h"
#include "core/model/placement.h"

#include "model_fixture.h"

#define T0 1700000000000LL

/* ---- hand-made layouts ----
 * spec: shards separated by ';', members by ',', each "AZ:ROLE" with AZ a
 * letter (a -> us-east-1a, '-' none) and ROLE P, R or ? (no CurrentRole). */

#define SY_MAX 32

struct sy {
    struct elasticache_replication_group rg;
    struct elasticache_node_group ng[SY_MAX];
    struct elasticache_node_group_member m[SY_MAX][8];
    char ids[SY_MAX][8][32];
    char ngid[SY_MAX][8];
    char az[SY_MAX][8][16];
};

static struct model_group *sy_model(const char *spec, bool cluster, bool maz, bool af,
                                    int64_t fetched)
{
    struct sy *s = mem_xcalloc(1, sizeof(*s));
    s->rg.id = (char *)"sy";
    s->rg.has_cluster_enabled = true;
    s->rg.cluster_enabled = cluster;
    s->rg.multi_az = (char *)(maz ? "enabled" : "disabled");
    s->rg.automatic_failover = (char *)(af ? "enabled" : "disabled");
    size_t shard = 0, mem = 0;
    for (const char *p = spec; *p;) {
        if (*p == ';') {
            shard++;
            mem = 0;
            p++;
            continue;
        }
        if (*p == ',') {
            p++;
            continue;
        }
        char azc = p[0], role = p[2];
        p += 3;
        struct elasticache_node_group *ng = &s->ng[shard];
        snprintf(s->ngid[shard], sizeof(s->ngid[shard]), "%04zu", shard + 1);
        ng->node_group_id = s->ngid[shard];
        ng->members = s->m[shard];
        struct elasticache_node_group_member *m = &s->m[shard][mem];
        snprintf(s->ids[shard][mem], sizeof(s->ids[shard][mem]), "sy-%04zu-%03zu", shard + 1,
                 mem + 1);
        m->cache_cluster_id = s->ids[shard][mem];
        m->cache_node_id = (char *)"0001";
        if (azc != '-') {
            snprintf(s->az[shard][mem], sizeof(s->az[shard][mem]), "us-east-1%c", azc);
            m->preferred_availability_zone = s->az[shard][mem];
        }
        m->current_role = role == 'P' ? (char *)"primary" : role == 'R' ? (char *)"replica" : NULL;
        ng->n_members = ++mem;
        if (s->rg.n_node_groups < shard + 1)
            s->rg.n_node_groups = shard + 1;
    }
    s->rg.node_groups = s->ng;
    struct model_group *g = model_group_from_api(&s->rg, NULL, fetched);
    free(s);
    return g;
}

static size_t count(const struct placement *p, const char *id)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_flags; i++)
        if (strcmp(p->flags[i].id, id) == 0)
            n++;
    return n;
}

static void dump(const struct placement *p)
{
    for (size_t i = 0; i < p->n_flags; i++)
        print_message("  flag %s %s shard=%s az=%s: %s\n",
                      placement_severity_name(p->flags[i].severity), p->flags[i].id,
                      p->flags[i].shard ? p->flags[i].shard : "-",
                      p->flags[i].az ? p->flags[i].az : "-", p->flags[i].text);
}

/* ---- recorded groups ---- */

static void test_recorded_cmd(void **state)
{
    (void)state;
    struct model_group *g = mfx_model("rgs.xml", "ccs.xml", "cmd3", T0);
    struct placement *p = placement_build(g, T0 + 1500);
    dump(p);
    assert_int_equal(p->n_azs, 3);
    assert_string_equal(p->azs[0].name, "us-east-2a");
    assert_string_equal(p->azs[2].name, "us-east-2c");
    assert_int_equal(p->n_shards, 1);
    const struct placement_cell *c = placement_cell(p, 0, 0);
    assert_int_equal(c->n_nodes, 1);
    assert_int_equal(c->primaries, 1);
    assert_int_equal(c->nodes[0], 0);
    assert_int_equal(placement_cell(p, 0, 1)->replicas, 1);
    assert_null(placement_cell(p, 1, 0));
    assert_null(placement_cell(p, 0, 3));
    assert_int_equal(p->azs[1].nodes, 1);
    assert_int_equal(p->azs[1].replicas, 1);
    assert_int_equal(p->age_ms, 1500);
    assert_int_equal(p->fetched_ms, T0);
    assert_true(p->roles_known);
    /* a healthy spread: only the read locality note for the primary's AZ */
    assert_int_equal(p->n_flags, 1);
    assert_string_equal(p->flags[0].id, "az-no-replica");
    assert_string_equal(p->flags[0].az, "us-east-2a");
    assert_int_equal(p->flags[0].severity, PLACEMENT_INFO);
    assert_int_equal(placement_worst(p), PLACEMENT_INFO);
    placement_free(p);
    model_group_unref(g);
}

static void test_recorded_cme(void **state)
{
    (void)state;
    struct model_group *g = mfx_model("rgs.xml", "ccs.xml", "cme", T0);
    struct placement *p = placement_build(g, T0);
    dump(p);
    assert_int_equal(p->n_azs, 3);
    assert_int_equal(p->n_shards, 3);
    /* shard i: primary in AZ i, its replica in the next */
    for (size_t s = 0; s < 3; s++) {
        assert_int_equal(placement_cell(p, s, s)->primaries, 1);
        assert_int_equal(placement_cell(p, s, (s + 1) % 3)->replicas, 1);
        assert_int_equal(placement_cell(p, s, (s + 2) % 3)->n_nodes, 0);
    }
    /* roles are only assumed from the naming: said so, nothing else */
    assert_false(p->roles_known);
    assert_int_equal(p->n_flags, 1);
    assert_string_equal(p->flags[0].id, "roles-unknown");
    placement_free(p);
    for (size_t i = 0; i < g->n_nodes; i++)
        model_group_set_is_master(g, g->nodes[i].cache_cluster_id, "0001", i % 2 == 0, T0);
    p = placement_build(g, T0);
    assert_true(p->roles_known);
    assert_int_equal(p->n_flags, 0);
    assert_int_equal(placement_worst(p), -1);
    placement_free(p);
    model_group_unref(g);
}

static void test_recorded_weak(void **state)
{
    (void)state;
    struct model_group *g = mfx_model("rgs.xml", "ccs.xml", "weak", T0);
    struct placement *p = placement_build(g, T0);
    dump(p);
    assert_int_equal(p->n_azs, 1);
    assert_int_equal(placement_cell(p, 0, 0)->n_nodes, 2);
    const struct placement_flag *f = placement_find(p, "single-az", NULL, "us-east-2a");
    assert_non_null(f);
    assert_int_equal(f->severity, PLACEMENT_CRITICAL);
    assert_non_null(strstr(f->text, "all 2 nodes are in us-east-2a"));
    assert_non_null(placement_find(p, "multi-az-off", NULL, NULL));
    assert_non_null(placement_find(p, "auto-failover-off", NULL, NULL));
    /* implied by single-az: not repeated */
    assert_int_equal(count(p, "replica-same-az"), 0);
    assert_int_equal(count(p, "az-no-replica"), 0);
    assert_int_equal(p->n_flags, 3);
    assert_string_equal(p->flags[0].id, "single-az"); /* most severe first */
    assert_int_equal(placement_worst(p), PLACEMENT_CRITICAL);
    placement_free(p);
    model_group_unref(g);

    g = mfx_model("rgs.xml", "ccs.xml", "vk", T0);
    p = placement_build(g, T0);
    dump(p);
    assert_non_null(placement_find(p, "multi-az-off", NULL, NULL));
    assert_null(placement_find(p, "auto-failover-off", NULL, NULL));
    assert_non_null(placement_find(p, "az-no-replica", NULL, "us-east-2a"));
    assert_int_equal(p->n_flags, 2);
    assert_string_equal(p->flags[0].id, "multi-az-off");
    placement_free(p);
    model_group_unref(g);
}

/* ---- hand-made layouts ---- */

static void test_primaries_one_az(void **state)
{
    (void)state;
    struct model_group *g = sy_model("a:P,b:R;a:P,c:R;a:P,b:R", true, true, true, T0);
    struct placement *p = placement_build(g, T0);
    dump(p);
    const struct placement_flag *f = placement_find(p, "primaries-one-az", NULL, "us-east-1a");
    assert_non_null(f);
    assert_int_equal(f->severity, PLACEMENT_WARNING);
    assert_non_null(strstr(f->text, "all 3 primaries"));
    /* a holds only primaries, b and c only replicas; 3 vs 2 vs 1 nodes */
    assert_non_null(placement_find(p, "az-no-replica", NULL, "us-east-1a"));
    assert_non_null(placement_find(p, "uneven-spread", NULL, NULL));
    assert_int_equal(p->n_flags, 3);
    assert_int_equal(p->azs[0].primaries, 3);
    assert_int_equal(p->azs[1].replicas, 2);
    placement_free(p);
    model_group_unref(g);
    /* one shard: one primary is not "all in one AZ" */
    g = sy_model("a:P,b:R", true, true, true, T0);
    p = placement_build(g, T0);
    assert_null(placement_find(p, "primaries-one-az", NULL, NULL));
    placement_free(p);
    model_group_unref(g);
}

static void test_replica_same_az(void **state)
{
    (void)state;
    /* 0001: one of two replicas with the primary; 0002: its only replica
     * with the primary; 0003: fine */
    struct model_group *g = sy_model("a:P,a:R,b:R;b:P,b:R;c:P,a:R", true, true, true, T0);
    struct placement *p = placement_build(g, T0);
    dump(p);
    const struct placement_flag *f = placement_find(p, "replica-same-az", "0001", NULL);
    assert_non_null(f);
    assert_int_equal(f->severity, PLACEMENT_WARNING);
    assert_string_equal(f->az, "us-east-1a");
    assert_non_null(strstr(f->text, "1 of 2 replicas"));
    f = placement_find(p, "replica-same-az", "0002", "us-east-1b");
    assert_non_null(f);
    assert_int_equal(f->severity, PLACEMENT_CRITICAL);
    assert_null(placement_find(p, "replica-same-az", "0003", NULL));
    assert_string_equal(p->flags[0].id, "replica-same-az"); /* the critical one first */
    assert_string_equal(p->flags[0].shard, "0002");
    /* cell of shard 0001 in a: primary listed first */
    const struct placement_cell *c =
        placement_cell(p, 0, (size_t)placement_az_index(p, "us-east-1a"));
    assert_int_equal(c->n_nodes, 2);
    assert_int_equal(g->nodes[c->nodes[0]].role, MODEL_ROLE_PRIMARY);
    assert_int_equal(c->primaries, 1);
    assert_int_equal(c->replicas, 1);
    placement_free(p);
    model_group_unref(g);
}

static void test_no_replicas(void **state)
{
    (void)state;
    struct model_group *g = sy_model("a:P;b:P,c:R;c:P", true, true, true, T0);
    struct placement *p = placement_build(g, T0);
    dump(p);
    assert_int_equal(count(p, "no-replicas"), 2);
    assert_non_null(placement_find(p, "no-replicas", "0001", NULL));
    assert_non_null(placement_find(p, "no-replicas", "0003", NULL));
    assert_null(placement_find(p, "no-replicas", "0002", NULL));
    placement_free(p);
    model_group_unref(g);
    /* no shard has one: one flag for the group */
    g = sy_model("a:P;b:P;c:P", true, false, true, T0);
    p = placement_build(g, T0);
    dump(p);
    assert_int_equal(count(p, "no-replicas"), 1);
    assert_null(placement_find(p, "no-replicas", NULL, NULL)->shard);
    assert_non_null(strstr(placement_find(p, "no-replicas", NULL, NULL)->text, "3 shards"));
    assert_null(placement_find(p, "az-no-replica", NULL, NULL)); /* no replicas at all */
    assert_non_null(placement_find(p, "multi-az-off", NULL, NULL));
    placement_free(p);
    model_group_unref(g);
    /* a single node */
    g = sy_model("b:P", false, false, false, T0);
    p = placement_build(g, T0);
    dump(p);
    const struct placement_flag *f = placement_find(p, "single-az", NULL, "us-east-1b");
    assert_non_null(f);
    assert_int_equal(f->severity, PLACEMENT_WARNING);
    assert_non_null(placement_find(p, "no-replicas", "0001", NULL));
    assert_non_null(placement_find(p, "auto-failover-off", NULL, NULL));
    placement_free(p);
    model_group_unref(g);
}

static void test_spread_unknowns_age(void **state)
{
    (void)state;
    /* 3 in a, 1 in b; one node without an AZ; one role unknown */
    struct model_group *g = sy_model("a:P,a:R,b:R;a:P,-:R,a:?", true, true, true, T0);
    struct placement *p = placement_build(g, T0 + PLACEMENT_STALE_MS + 60000);
    dump(p);
    assert_int_equal(p->n_azs, 3);
    assert_string_equal(p->azs[2].name, "?"); /* unknown AZ last */
    assert_int_equal(p->azs[2].nodes, 1);
    assert_non_null(placement_find(p, "az-unknown", NULL, NULL));
    assert_non_null(placement_find(p, "uneven-spread", NULL, NULL));
    assert_non_null(
        strstr(placement_find(p, "uneven-spread", NULL, NULL)->text, "4 in us-east-1a"));
    assert_non_null(placement_find(p, "roles-unknown", NULL, NULL));
    assert_false(p->roles_known);
    assert_non_null(placement_find(p, "stale-data", NULL, NULL));
    assert_non_null(strstr(placement_find(p, "stale-data", NULL, NULL)->text, "16 minutes"));
    /* shard 0002: primary in a, its known replica elsewhere is unknown */
    const struct placement_flag *f = placement_find(p, "replica-same-az", "0002", NULL);
    assert_null(f);
    assert_non_null(placement_find(p, "replica-same-az", "0001", NULL));
    long q = placement_az_index(p, "?");
    assert_int_equal(q, 2);
    assert_int_equal(placement_cell(p, 1, (size_t)q)->replicas, 1);
    assert_int_equal(placement_cell(p, 1, 0)->unknown, 1);
    assert_int_equal(placement_az_index(p, "us-east-1z"), -1);
    /* flags are sorted by severity, stable within one severity */
    for (size_t i = 1; i < p->n_flags; i++)
        assert_true(p->flags[i - 1].severity >= p->flags[i].severity);
    placement_free(p);
    model_group_unref(g);
}

static void test_empty_and_names(void **state)
{
    (void)state;
    struct placement *p = placement_build(NULL, T0);
    assert_int_equal(p->n_azs, 0);
    assert_int_equal(p->n_flags, 0);
    placement_free(p);
    placement_free(NULL);
    struct elasticache_replication_group rg = {.id = (char *)"e"};
    struct model_group *g = model_group_from_api(&rg, NULL, 0);
    p = placement_build(g, T0);
    assert_int_equal(p->age_ms, 0); /* unknown fetch time */
    assert_int_equal(p->n_azs, 0);
    assert_int_equal(p->n_shards, 0);
    /* nothing to place, but the settings are still what they are */
    assert_non_null(placement_find(p, "multi-az-off", NULL, NULL));
    assert_non_null(strstr(placement_find(p, "multi-az-off", NULL, NULL)->text, "not reported"));
    placement_free(p);
    model_group_unref(g);
    assert_string_equal(placement_severity_name(PLACEMENT_INFO), "info");
    assert_string_equal(placement_severity_name(PLACEMENT_WARNING), "warning");
    assert_string_equal(placement_severity_name(PLACEMENT_CRITICAL), "critical");
}

/* Redis's roles drive the matrix once merged. */
static void test_with_redis_roles(void **state)
{
    (void)state;
    struct model_group *g = mfx_model("rgs.xml", "ccs.xml", "cme", T0);
    struct model_redis_node rn[6];
    struct model_range rr[3] = {{0, 5461}, {5462, 10922}, {10923, 16383}};
    struct model_redis_shard rs[3];
    for (size_t i = 0; i < 6; i++) {
        rn[i] = (struct model_redis_node){.id = "",
                                          .host = g->nodes[i].endpoint.host,
                                          .port = g->nodes[i].endpoint.port,
                                          .role = i % 2 ? MODEL_ROLE_PRIMARY : MODEL_ROLE_REPLICA,
                                          .health = "online",
                                          .shard = (int)(i / 2)};
    }
    for (size_t s = 0; s < 3; s++)
        rs[s] = (struct model_redis_shard){&rr[s], 1};
    struct model_redis_view v = {.source = "CLUSTER SHARDS",
                                 .fetched_ms = T0 + 5,
                                 .cluster = true,
                                 .nodes = rn,
                                 .n_nodes = 6,
                                 .shards = rs,
                                 .n_shards = 3};
    model_group_merge_redis(g, &v);
    struct placement *p = placement_build(g, T0 + 10);
    dump(p);
    assert_true(p->roles_known);
    assert_int_equal(p->redis_fetched_ms, T0 + 5);
    /* every shard failed over: primaries now in b, c, a */
    for (size_t s = 0; s < 3; s++)
        assert_int_equal(placement_cell(p, s, (s + 1) % 3)->primaries, 1);
    assert_int_equal(p->n_flags, 0);
    placement_free(p);
    model_group_unref(g);
}

/* Failovers leave two primaries in one AZ and none in another. */
static void test_primaries_crowded(void **state)
{
    (void)state;
    /* as created: one primary per AZ */
    struct model_group *g = sy_model("a:P,b:R,c:R;b:P,c:R,a:R;c:P,a:R,b:R", true, true, true, T0);
    struct placement *p = placement_build(g, T0);
    assert_null(placement_find(p, "primaries-crowded", NULL, NULL));
    placement_free(p);
    model_group_unref(g);
    /* shard 0002 failed over to its replica in a */
    g = sy_model("a:P,b:R,c:R;b:R,c:R,a:P;c:P,a:R,b:R", true, true, true, T0);
    p = placement_build(g, T0);
    dump(p);
    const struct placement_flag *f = placement_find(p, "primaries-crowded", NULL, "us-east-1a");
    assert_non_null(f);
    assert_int_equal(f->severity, PLACEMENT_WARNING);
    assert_non_null(strstr(f->text, "2 primaries are in us-east-1a while us-east-1b holds none"));
    assert_int_equal(count(p, "primaries-crowded"), 1);
    placement_free(p);
    model_group_unref(g);
    /* all primaries in one AZ is the stronger flag, not both */
    g = sy_model("a:P,b:R;a:P,b:R", true, true, true, T0);
    p = placement_build(g, T0);
    assert_non_null(placement_find(p, "primaries-one-az", NULL, NULL));
    assert_null(placement_find(p, "primaries-crowded", NULL, NULL));
    placement_free(p);
    model_group_unref(g);
    /* the same crowding as Redis reports it after a failover the API has
     * not seen (roles from the API say one primary per AZ) */
    g = sy_model("a:P,b:R,c:R;b:P,c:R,a:R;c:P,a:R,b:R", true, true, true, T0);
    struct model_redis_node rn[9];
    for (size_t i = 0; i < 9; i++) {
        const struct model_node *n = &g->nodes[i];
        rn[i] = (struct model_redis_node){.id = "",
                                          .host = "10.0.0.1",
                                          .port = 7000 + (int)i,
                                          .role = n->role,
                                          .health = "online",
                                          .shard = -1,
                                          .cache_cluster_id = n->cache_cluster_id,
                                          .cache_node_id = "0001"};
    }
    rn[3].role = MODEL_ROLE_REPLICA; /* sy-0002-001 */
    rn[5].role = MODEL_ROLE_PRIMARY; /* sy-0002-003, in a */
    struct model_redis_view v = {.source = "ROLE", .fetched_ms = T0 + 5, .nodes = rn, .n_nodes = 9};
    model_group_merge_redis(g, &v);
    p = placement_build(g, T0 + 10);
    dump(p);
    assert_non_null(placement_find(p, "primaries-crowded", NULL, "us-east-1a"));
    placement_free(p);
    model_group_unref(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recorded_cmd),        cmocka_unit_test(test_recorded_cme),
        cmocka_unit_test(test_recorded_weak),       cmocka_unit_test(test_primaries_one_az),
        cmocka_unit_test(test_replica_same_az),     cmocka_unit_test(test_no_replicas),
        cmocka_unit_test(test_spread_unknowns_age), cmocka_unit_test(test_empty_and_names),
        cmocka_unit_test(test_with_redis_roles),    cmocka_unit_test(test_primaries_crowded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
