/* test_timeline.c - the per-shard failover timeline (core/model/timeline.h):
 * events placed in their shard by the cluster, node group or old primary
 * they name, observed role changes between spans, the order of rows, and
 * the watch over successive models (a recorded cluster-mode group).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "core/model/timeline.h"

#include "model_fixture.h"

#define T0 1764272172000LL /* 2025-11-27T19:36:12Z */

static void add_event(struct events_result *r, int64_t when, const char *type, const char *id,
                      const char *msg)
{
    r->items = mem_xrealloc(r->items, (r->n + 1) * sizeof(*r->items));
    struct events_event *e = &r->items[r->n++];
    e->date_ms = when;
    e->source_type = mem_xstrdup(type);
    e->source_id = mem_xstrdup(id);
    e->message = mem_xstrdup(msg);
}

static void test_shard_of(void **state)
{
    (void)state;
    char s[16];
    assert_true(timeline_shard_of("app-4", NULL, "app-4-0002-001", s, sizeof(s)));
    assert_string_equal(s, "0002");
    assert_true(timeline_shard_of("cmd", NULL, "cmd-002", s, sizeof(s)));
    assert_string_equal(s, "0001");
    assert_false(timeline_shard_of("app-4", NULL, "app-40-0002-001", s, sizeof(s)));
    assert_false(timeline_shard_of("app-4", NULL, "app-4-x002-001", s, sizeof(s)));
    assert_false(timeline_shard_of("app-4", NULL, NULL, s, sizeof(s)));
    /* the model wins over the naming */
    struct model_group *g = mfx_model("rgs.xml", "ccs.xml", "cme", T0);
    assert_true(timeline_shard_of("cme", g, "cme-0003-002", s, sizeof(s)));
    assert_string_equal(s, "0003");
    model_group_unref(g);
}

static void test_events_by_shard(void **state)
{
    (void)state;
    struct model_group *g = mfx_model("rgs.xml", "ccs.xml", "cme", T0);
    struct events_result ev;
    memset(&ev, 0, sizeof(ev));
    add_event(&ev, T0, "replication-group", "cme", "Replication group cme created");
    add_event(&ev, T0 + 1000, "replication-group", "cme",
              "Test Failover API called for node group 2");
    add_event(&ev, T0 + 3000, "cache-cluster", "cme-0002-001",
              "Failover from primary node cme-0002-001 to replica node cme-0002-002 completed");
    add_event(&ev, T0 + 3000, "replication-group", "cme",
              "Failover from primary node cme-0002-001 to replica node cme-0002-002 completed");
    add_event(&ev, T0 + 4000, "cache-cluster", "cme-0002-001", "Recovering cache nodes 0001");
    struct timeline *t = timeline_build("cme", &ev, NULL, 0, g);
    assert_int_equal(t->n, 5);
    assert_int_equal(t->n_failovers, 3);
    assert_int_equal(t->n_events, 2);
    assert_string_equal(t->rows[0].shard, "");
    assert_int_equal(t->rows[0].kind, TIMELINE_EVENT);
    assert_string_equal(t->rows[0].source, "replication-group cme");
    assert_string_equal(t->rows[1].shard, "0002"); /* "node group 2" */
    assert_int_equal(t->rows[1].kind, TIMELINE_FAILOVER);
    assert_string_equal(t->rows[2].shard, "0002"); /* the cluster */
    assert_string_equal(t->rows[2].node, "cme-0002-001");
    assert_string_equal(t->rows[3].shard, "0002"); /* the old primary */
    assert_null(t->rows[3].node);
    assert_string_equal(t->rows[4].what, "Recovering cache nodes 0001");
    assert_string_equal(t->rows[4].source, "cache-cluster cme-0002-001");
    timeline_free(t);
    for (size_t i = 0; i < ev.n; i++) {
        free(ev.items[i].source_type);
        free(ev.items[i].source_id);
        free(ev.items[i].message);
    }
    free(ev.items);
    model_group_unref(g);
}

static void test_role_changes(void **state)
{
    (void)state;
    struct timeline_fact f[] = {
        {"cme-0002-002", MODEL_ROLE_REPLICA, MODEL_ROLE_SRC_METRIC, T0 - 60000, T0},
        {"cme-0002-001", MODEL_ROLE_PRIMARY, MODEL_ROLE_SRC_METRIC, T0 - 60000, T0},
        {"cme-0002-002", MODEL_ROLE_PRIMARY, MODEL_ROLE_SRC_REDIS, T0 + 5000, T0 + 9000},
        {"cme-0002-001", MODEL_ROLE_REPLICA, MODEL_ROLE_SRC_METRIC, T0 + 30000, T0 + 30000},
        /* same role from another source: no change */
        {"cme-0001-001", MODEL_ROLE_PRIMARY, MODEL_ROLE_SRC_METRIC, T0 - 60000, T0},
        {"cme-0001-001", MODEL_ROLE_PRIMARY, MODEL_ROLE_SRC_REDIS, T0 + 1000, T0 + 2000},
    };
    struct events_result ev;
    memset(&ev, 0, sizeof(ev));
    add_event(&ev, T0 + 5000, "replication-group", "cme",
              "Failover from primary node cme-0002-001 to replica node cme-0002-002 completed");
    struct timeline *t = timeline_build("cme", &ev, f, sizeof(f) / sizeof(*f), NULL);
    assert_int_equal(t->n, 3);
    assert_int_equal(t->n_role_changes, 2);
    /* the event first at the same time, then what was seen */
    assert_int_equal(t->rows[0].kind, TIMELINE_FAILOVER);
    assert_int_equal(t->rows[1].kind, TIMELINE_ROLE);
    assert_int_equal(t->rows[1].when_ms, T0 + 5000);
    assert_string_equal(t->rows[1].shard, "0002");
    assert_string_equal(t->rows[1].what,
                        "cme-0002-002: replica -> primary (still replica at 2025-11-27T19:36:12Z)");
    assert_string_equal(t->rows[1].source, "observed: metric, then redis");
    assert_string_equal(t->rows[2].what,
                        "cme-0002-001: primary -> replica (still primary at 2025-11-27T19:36:12Z)");
    assert_string_equal(t->rows[2].source, "observed: metric");
    timeline_free(t);
    free(ev.items[0].source_type);
    free(ev.items[0].source_id);
    free(ev.items[0].message);
    free(ev.items);
    /* nothing at all */
    t = timeline_build("cme", NULL, NULL, 0, NULL);
    assert_int_equal(t->n, 0);
    timeline_free(t);
}

static void test_watch(void **state)
{
    (void)state;
    struct timeline_watch w;
    timeline_watch_init(&w);
    struct model_group *g = mfx_model("rgs.xml", "ccs.xml", "cme", T0);
    /* roles only assumed from the naming are no observation */
    timeline_watch_note(&w, g, T0);
    assert_int_equal(w.n, 0);
    assert_true(model_group_set_is_master(g, "cme-0002-001", "0001", 1.0, T0));
    assert_true(model_group_set_is_master(g, "cme-0002-002", "0001", 0.0, T0));
    timeline_watch_note(&w, g, T0);
    assert_int_equal(w.n, 2);
    timeline_watch_note(&w, g, T0 + 15000); /* the same again: spans grow */
    assert_int_equal(w.n, 2);
    assert_int_equal(w.facts[0].to_ms, T0 + 15000);
    model_group_unref(g);
    /* a later model after the failover */
    g = mfx_model("rgs.xml", "ccs.xml", "cme", T0 + 30000);
    assert_true(model_group_set_is_master(g, "cme-0002-001", "0001", 0.0, T0 + 30000));
    assert_true(model_group_set_is_master(g, "cme-0002-002", "0001", 1.0, T0 + 30000));
    timeline_watch_note(&w, g, T0 + 30000);
    assert_int_equal(w.n, 4);
    struct timeline *t = timeline_build("cme", NULL, w.facts, w.n, g);
    assert_int_equal(t->n_role_changes, 2);
    assert_int_equal(t->rows[0].when_ms, T0 + 30000);
    assert_string_equal(t->rows[0].shard, "0002");
    timeline_free(t);
    model_group_unref(g);
    /* bounded */
    struct model_group *h = mfx_model("rgs.xml", "ccs.xml", "cme", T0);
    for (int i = 0; i < TIMELINE_WATCH_MAX + 10; i++) {
        model_group_set_is_master(h, "cme-0001-001", "0001", (double)(i % 2), T0 + i);
        timeline_watch_note(&w, h, T0 + i);
    }
    model_group_unref(h);
    assert_int_equal(w.n, TIMELINE_WATCH_MAX);
    timeline_watch_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shard_of),
        cmocka_unit_test(test_events_by_shard),
        cmocka_unit_test(test_role_changes),
        cmocka_unit_test(test_watch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
