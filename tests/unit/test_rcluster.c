/* test_rcluster.c - the cluster client against a real TLS + AUTH Redis
 * cluster from the sandbox farm (3 shards x 1 replica) and a
 * cluster-mode-disabled group (primary + replica): CRC16 and hash tags,
 * the slot map, MOVED through fresh TLS+AUTH connections, ASK during a
 * real slot migration, a failover mid-session, a killed primary, targets
 * and their labels, safety refusals, a malformed topology, and RESP3 for
 * the whole cluster after one node accepted HELLO 3 (streams included). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/redis/crc16.h"
#include "core/loop.h"
#include "core/redis/rcluster.h"
#include "core/redis/rconn.h"
#include "core/redis/resp3.h"

#include "redis_fixture.h"

static struct rfx_farm cfarm, sfarm;
static struct rconn_tls *tls, *stls; /* each farm has its own CA */
static struct rcluster_name names[RFX_MAX_NODES], snames[RFX_MAX_NODES];
static size_t nnames, nsnames;

/* ---- helpers ---- */

#define MAXREP 16

struct crep {
    char node[RCLUSTER_NAME_MAX];
    char node_id[64];
    char cc_id[64];
    enum rcluster_role role;
    redisReply *reply;
    struct rconn_error err;
    bool has_err;
    int slot;
    struct rcluster_hop hops[RCLUSTER_MAX_HOPS];
    size_t nhops;
    uint64_t latency_us, total_us;
};

struct cres {
    struct crep reps[MAXREP];
    size_t n;
    bool done;
    bool refused;
    struct rsafety_verdict verdict;
    bool has_err;
    struct rconn_error err;
    size_t d_replies, d_errors;
};

static void c_reply(struct rcluster *cl, struct rcluster_reply *r, void *arg)
{
    struct cres *res = arg;
    (void)cl;
    if (res->n >= MAXREP)
        return;
    struct crep *p = &res->reps[res->n++];
    memset(p, 0, sizeof(*p));
    snprintf(p->node, sizeof(p->node), "%s", r->node);
    snprintf(p->node_id, sizeof(p->node_id), "%s", r->node_id);
    snprintf(p->cc_id, sizeof(p->cc_id), "%s", r->cache_cluster_id ? r->cache_cluster_id : "");
    p->role = r->role;
    p->slot = r->slot;
    p->nhops = r->nhops;
    memcpy(p->hops, r->hops, r->nhops * sizeof(r->hops[0]));
    p->latency_us = r->latency_us;
    p->total_us = r->total_us;
    if (r->err) {
        p->has_err = true;
        p->err = *r->err;
    } else {
        p->reply = rcluster_reply_steal(r);
    }
}

static void c_done(struct rcluster *cl, const struct rcluster_done *d, void *arg)
{
    struct cres *res = arg;
    (void)cl;
    res->done = true;
    res->d_replies = d->replies;
    res->d_errors = d->errors;
    if (d->refused) {
        res->refused = true;
        res->verdict = *d->refused;
    }
    if (d->err) {
        res->has_err = true;
        res->err = *d->err;
    }
}

static void cres_free(struct cres *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->reps[i].reply)
            freeReplyObject(r->reps[i].reply);
    memset(r, 0, sizeof(*r));
}

static void csubmit(struct rcluster *cl, enum rcluster_target_kind t, const char *node,
                    bool confirmed, struct cres *res, int argc, const char *const *argv)
{
    memset(res, 0, sizeof(*res));
    struct rcluster_request rq = {
        .target = t,
        .node = node,
        .argc = argc,
        .argv = argv,
        .confirmed = confirmed,
        .timeout_ms = rfx_scale(5000),
        .on_reply = c_reply,
        .on_done = c_done,
        .arg = res,
    };
    assert_int_equal(rcluster_exec(cl, &rq), 0);
    assert_false(res->done); /* never synchronously */
}

static void cwait(struct loop *l, struct cres *res)
{
    assert_true(rfx_run(l, &res->done, 20000));
}

static void cexec(struct loop *l, struct rcluster *cl, enum rcluster_target_kind t,
                  const char *node, struct cres *res, int argc, const char *const *argv)
{
    csubmit(cl, t, node, false, res, argc, argv);
    cwait(l, res);
}

static void assert_ok_reply(const struct cres *r, size_t i)
{
    if (r->n <= i || r->reps[i].has_err) {
        fprintf(stderr, "reply %zu: %s\n", i,
                r->n <= i ? (r->has_err ? r->err.msg : "missing") : r->reps[i].err.msg);
        fail();
    }
}

static struct rcluster *cluster_new(struct loop *l, const struct rfx_farm *f, bool lazy,
                                    const struct rsafety_policy *safety, int shard, int member)
{
    const struct rfx_node *seed = rfx_node(f, shard, member);
    struct rcluster_options o = {
        .host = seed->host,
        .port = seed->port,
        .mode = lazy ? RCLUSTER_CLUSTER : RCLUSTER_AUTO,
        .tls = f->tls ? tls : NULL,
        .password = f->token,
        .connect_timeout_ms = rfx_scale(3000),
        .lazy_map = lazy,
        .safety = safety,
        .names = names,
        .nnames = nnames,
    };
    struct rcluster *cl = rcluster_new(l, &o);
    assert_non_null(cl);
    return cl;
}

static bool wait_ready(struct loop *l, struct rcluster *cl)
{
    uint64_t deadline = loop_now_ms(l) + rfx_scale(10000);
    struct rcluster_info i;
    rcluster_get_info(cl, &i);
    while (!i.ready && loop_now_ms(l) < deadline) {
        loop_run_once(l, 20);
        rcluster_get_info(cl, &i);
    }
    return i.ready;
}

static void run_for_ms(struct loop *l, uint64_t ms)
{
    uint64_t end = loop_now_ms(l) + ms;
    while (loop_now_ms(l) < end)
        loop_run_once(l, 5);
}

static int node_index(const struct rcluster *cl, const char *name)
{
    for (size_t i = 0; i < rcluster_node_count(cl); i++) {
        struct rcluster_node_info ni;
        rcluster_node_at(cl, i, &ni);
        if (strcmp(ni.name, name) == 0)
            return (int)i;
    }
    return -1;
}

/* A key whose slot the node (by index) serves now. */
static void key_on(const struct rcluster *cl, int node, const char *prefix, char *out, size_t n)
{
    for (int k = 0; k < 100000; k++) {
        snprintf(out, n, "%s-%d", prefix, k);
        if (rcluster_slot_owner(cl, crc16_keyslot(out, strlen(out))) == node)
            return;
    }
    fail();
}

/* ---- fixtures ---- */

static int group_setup(void **state)
{
    (void)state;
    static const char *const cargs[] = {"--shards",        "3",      "--replicas", "1",
                                        "--keep-commands", "--name", "rc",         NULL};
    static const char *const sargs[] = {"--no-cluster", "--replicas", "1", "--keep-commands",
                                        "--name",       "cmd",        NULL};
    if (rfx_farm_start(&cfarm, cargs) != 0 || rfx_farm_start(&sfarm, sargs) != 0)
        return -1;
    if (rfx_farm_wait(&cfarm) != 0 || rfx_farm_wait(&sfarm) != 0)
        return -1;
    struct rconn_error err;
    struct rconn_tls_options to = {.cafile = cfarm.ca_file};
    tls = rconn_tls_new(&to, &err);
    struct rconn_tls_options sto = {.cafile = sfarm.ca_file};
    stls = rconn_tls_new(&sto, &err);
    if (!tls || !stls)
        return -1;
    /* the farm's node names play the cache cluster ids */
    for (size_t i = 0; i < cfarm.nnodes && nnames < RFX_MAX_NODES; i++) {
        names[nnames].host = cfarm.nodes[i].host;
        names[nnames].port = cfarm.nodes[i].port;
        names[nnames].cache_cluster_id = cfarm.nodes[i].name;
        names[nnames].cache_node_id = "0001";
        nnames++;
    }
    for (size_t i = 0; i < sfarm.nnodes && nsnames < RFX_MAX_NODES; i++) {
        snames[nsnames].host = sfarm.nodes[i].host;
        snames[nsnames].port = sfarm.nodes[i].port;
        snames[nsnames].cache_cluster_id = sfarm.nodes[i].name;
        snames[nsnames].cache_node_id = "0001";
        nsnames++;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    rconn_tls_unref(tls);
    rconn_tls_unref(stls);
    rfx_farm_down(&cfarm);
    rfx_farm_down(&sfarm);
    return 0;
}

/* ---- CRC16 and key slots ---- */

static void test_crc16_and_slots(void **state)
{
    (void)state;
    /* the Redis cluster specification's check value */
    assert_int_equal(crc16_xmodem("123456789", 9), 0x31C3);
    assert_int_equal(crc16_xmodem("", 0), 0);
    assert_int_equal(crc16_keyslot("foo", 3), 12182);
    assert_int_equal(crc16_keyslot("bar", 3), 5061);
    /* hash tags, as the specification's examples */
    assert_int_equal(crc16_keyslot("{user1000}.following", 20),
                     crc16_keyslot("{user1000}.followers", 20));
    assert_int_equal(crc16_keyslot("{user1000}.following", 20), crc16_keyslot("user1000", 8));
    assert_int_equal(crc16_keyslot("foo{}{bar}", 10), crc16_xmodem("foo{}{bar}", 10) & 16383);
    assert_int_equal(crc16_keyslot("foo{{bar}}zap", 13), crc16_xmodem("{bar", 4) & 16383);
    assert_int_equal(crc16_keyslot("foo{bar}{zap}", 13), crc16_keyslot("bar", 3));
    assert_int_equal(crc16_keyslot("{", 1), crc16_xmodem("{", 1) & 16383);
    size_t off, n;
    crc16_hashtag("a{b}c", 5, &off, &n);
    assert_int_equal(off, 2);
    assert_int_equal(n, 1);

    /* and the server agrees (CLUSTER KEYSLOT) */
    struct loop *l = loop_new();
    const struct rfx_node *p = rfx_node(&cfarm, 0, 0);
    struct rconn *c = rfx_connect(l, &cfarm, tls, p->host, p->port);
    assert_non_null(c);
    static const char *const keys[] = {"foo",        "bar",           "{user1000}.following",
                                       "foo{}{bar}", "foo{{bar}}zap", "foo{bar}{zap}",
                                       "",           "\xff\x00\x01",  "a-much-longer-key:1234567"};
    static const size_t lens[] = {3, 3, 20, 10, 13, 13, 0, 3, 25};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *argv[] = {"CLUSTER", "KEYSLOT", keys[i]};
        size_t argvlen[] = {7, 7, lens[i]};
        struct rfx_wait w = {0};
        assert_int_equal(rconn_command_argv(c, 3, argv, argvlen, 0, rfx_reply_cb, &w), 0);
        assert_true(rfx_run(l, &w.done, 5000));
        assert_false(w.has_err);
        assert_int_equal(w.reply->type, REDIS_REPLY_INTEGER);
        assert_int_equal(w.reply->integer, crc16_keyslot(keys[i], lens[i]));
        rfx_wait_free(&w);
    }
    rconn_close(c);
    loop_free(l);
}

/* ---- topology ---- */

static void test_topology(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rcluster *cl = cluster_new(l, &cfarm, false, NULL, 1, 1); /* seed: a replica */
    assert_true(wait_ready(l, cl));
    struct rcluster_info i;
    rcluster_get_info(cl, &i);
    assert_int_equal(i.mode, RCLUSTER_CLUSTER);
    assert_int_equal(i.nodes, 6);
    assert_int_equal(i.shards, 3);
    assert_int_equal(i.slots_covered, CRC16_SLOTS);
    assert_string_equal(i.map_source, "CLUSTER SHARDS");
    assert_true(i.tls);
    assert_false(i.insecure);
    size_t primaries = 0;
    for (size_t k = 0; k < rcluster_node_count(cl); k++) {
        struct rcluster_node_info ni;
        assert_true(rcluster_node_at(cl, k, &ni));
        /* what Redis reports matches what the farm started */
        const struct rfx_node *fn = NULL;
        for (size_t j = 0; j < cfarm.nnodes; j++)
            if (cfarm.nodes[j].port == ni.port)
                fn = &cfarm.nodes[j];
        assert_non_null(fn);
        assert_string_equal(ni.id, fn->node_id);
        assert_string_equal(ni.cache_cluster_id, fn->name);
        assert_string_equal(ni.health, "online");
        if (ni.role == RCLUSTER_ROLE_PRIMARY) {
            primaries++;
            assert_string_equal(fn->role, "primary");
            assert_true(ni.nslots > 5000);
            const int(*ranges)[2];
            assert_true(rcluster_shard_ranges(cl, (size_t)ni.shard, &ranges) >= 1);
        } else {
            assert_string_equal(fn->role, "replica");
            assert_string_equal(ni.primary_id, rfx_node(&cfarm, fn->shard, 0)->node_id);
        }
    }
    assert_int_equal(primaries, 3);
    /* every slot has a primary */
    for (int s = 0; s < CRC16_SLOTS; s += 997) {
        int o = rcluster_slot_owner(cl, s);
        assert_true(o >= 0);
        struct rcluster_node_info ni;
        rcluster_node_at(cl, (size_t)o, &ni);
        assert_int_equal(ni.role, RCLUSTER_ROLE_PRIMARY);
    }
    rcluster_free(cl);
    loop_free(l);
}

/* ---- redirects ---- */

static void test_moved_through_fresh_connections(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    /* a map to pick keys by shard */
    struct rcluster *ref = cluster_new(l, &cfarm, false, NULL, 0, 0);
    assert_true(wait_ready(l, ref));
    char keys[3][64];
    char owners[3][RCLUSTER_NAME_MAX];
    for (int s = 0; s < 3; s++) {
        const struct rfx_node *p = rfx_node(&cfarm, s, 0);
        char name[80];
        snprintf(name, sizeof(name), "%s:%d", p->host, p->port);
        int idx = node_index(ref, name);
        assert_true(idx >= 0);
        key_on(ref, idx, "moved", keys[s], sizeof(keys[s]));
        snprintf(owners[s], sizeof(owners[s]), "%s", name);
    }
    rcluster_free(ref);

    /* a client that starts from one node without a map: the keys of the
     * other shards come back MOVED and are followed */
    struct rcluster *cl = cluster_new(l, &cfarm, true, NULL, 0, 0);
    struct cres set[3];
    for (int s = 0; s < 3; s++) {
        const char *argv[] = {"SET", keys[s], owners[s]};
        csubmit(cl, RCLUSTER_T_SLOT, NULL, false, &set[s], 3, argv);
    }
    for (int s = 0; s < 3; s++) {
        cwait(l, &set[s]);
        assert_ok_reply(&set[s], 0);
        struct crep *r = &set[s].reps[0];
        assert_string_equal(r->reply->str, "OK");
        assert_string_equal(r->node, owners[s]);
        assert_int_equal(r->slot, crc16_keyslot(keys[s], strlen(keys[s])));
        if (s == 0) {
            assert_int_equal(r->nhops, 0);
        } else {
            assert_int_equal(r->nhops, 1);
            assert_int_equal(r->hops[0].kind, RCLUSTER_HOP_MOVED);
            assert_string_equal(r->hops[0].node, owners[0]);
            assert_string_equal(r->hops[0].to, owners[s]);
            assert_true(r->hops[0].latency_us > 0);
            assert_true(r->total_us >= r->latency_us);
        }
        cres_free(&set[s]);
    }
    /* the connections opened for the redirects are TLS and authenticated */
    for (int s = 1; s < 3; s++) {
        int idx = node_index(cl, owners[s]);
        assert_true(idx >= 0);
        struct rconn_info ci;
        assert_true(rcluster_node_conn(cl, (size_t)idx, &ci));
        assert_true(ci.tls);
        assert_true(ci.authenticated);
        assert_string_equal(ci.verify_name, "127.0.0.1");
    }
    struct rcluster_info i;
    rcluster_get_info(cl, &i);
    assert_true(i.moved >= 2);
    /* the MOVED replies refreshed the map: no more redirects */
    uint64_t deadline = loop_now_ms(l) + rfx_scale(5000);
    while (i.refreshes == 0 && loop_now_ms(l) < deadline) {
        loop_run_once(l, 20);
        rcluster_get_info(cl, &i);
    }
    assert_string_equal(i.map_source, "CLUSTER SHARDS");
    for (int s = 0; s < 3; s++) {
        const char *argv[] = {"GET", keys[s]};
        struct cres g;
        cexec(l, cl, RCLUSTER_T_SLOT, NULL, &g, 2, argv);
        assert_ok_reply(&g, 0);
        assert_int_equal(g.reps[0].nhops, 0);
        assert_string_equal(g.reps[0].reply->str, owners[s]);
        assert_string_equal(g.reps[0].role == RCLUSTER_ROLE_PRIMARY ? "p" : "?", "p");
        cres_free(&g);
    }
    rcluster_free(cl);
    loop_free(l);
}

/* ---- RESP3 ---- */

struct smsg {
    size_t n;
    enum resp3_type types[4];
    char first[4][16];
    bool ended;
};

static void s_msg(struct rcluster_stream *st, const struct rcluster_stream_msg *m, void *arg)
{
    struct smsg *x = arg;
    (void)st;
    if (x->n < 4) {
        x->types[x->n] = resp3_type(m->msg);
        if (m->msg->type == REDIS_REPLY_ARRAY && m->msg->elements > 0 && m->msg->element[0]->str)
            snprintf(x->first[x->n], sizeof(x->first[0]), "%s", m->msg->element[0]->str);
    }
    x->n++;
}

static void s_end(struct rcluster_stream *st, const struct rconn_error *err, void *arg)
{
    struct smsg *x = arg;
    (void)st;
    (void)err;
    x->ended = true;
}

static void test_resp3_whole_cluster(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rcluster *cl = cluster_new(l, &cfarm, false, NULL, 0, 0);
    assert_true(wait_ready(l, cl));
    char keys[3][64];
    for (int s = 0; s < 3; s++) {
        const struct rfx_node *p = rfx_node(&cfarm, s, 0);
        char name[80];
        snprintf(name, sizeof(name), "%s:%d", p->host, p->port);
        int idx = node_index(cl, name);
        assert_true(idx >= 0);
        key_on(cl, idx, "r3", keys[s], sizeof(keys[s]));
        const char *argv[] = {"HSET", keys[s], "field", "value"};
        struct cres r;
        cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 4, argv);
        assert_ok_reply(&r, 0);
        cres_free(&r);
    }
    assert_int_equal(rcluster_protocol(cl), 2);
    /* one node accepts HELLO 3: every connection follows */
    const char *hello3[] = {"HELLO", "3"};
    struct cres r;
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 2, hello3);
    assert_ok_reply(&r, 0);
    assert_int_equal(resp3_type(r.reps[0].reply), RESP3_MAP);
    cres_free(&r);
    assert_int_equal(rcluster_protocol(cl), 3);
    for (int s = 0; s < 3; s++) {
        const char *argv[] = {"HGETALL", keys[s]};
        cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 2, argv);
        assert_ok_reply(&r, 0);
        assert_int_equal(resp3_type(r.reps[0].reply), RESP3_MAP);
        assert_string_equal(r.reps[0].reply->element[1]->str, "value");
        cres_free(&r);
    }
    /* replicas too (opened now, after the switch) */
    const char *ping[] = {"PING"};
    cexec(l, cl, RCLUSTER_T_ALL, NULL, &r, 1, ping);
    assert_int_equal(r.n, cfarm.nnodes);
    cres_free(&r);
    for (size_t i = 0; i < rcluster_node_count(cl); i++) {
        struct rconn_info ci;
        if (rcluster_node_conn(cl, i, &ci))
            assert_int_equal(ci.protocol, 3);
    }
    /* a stream opened on a RESP3 cluster gets pushes */
    struct smsg x = {0};
    struct rcluster_stream_request sq = {
        .target = RCLUSTER_T_SLOT,
        .argc = 2,
        .argv = (const char *const[]){"SUBSCRIBE", "r3news"},
        .on_message = s_msg,
        .on_end = s_end,
        .arg = &x,
    };
    struct rconn_error err;
    struct rcluster_stream *st = rcluster_stream_start(cl, &sq, &err);
    assert_non_null(st);
    uint64_t deadline = loop_now_ms(l) + rfx_scale(10000);
    while (x.n < 1 && loop_now_ms(l) < deadline)
        loop_run_once(l, 20);
    const char *pub[] = {"PUBLISH", "r3news", "hi"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 3, pub);
    cres_free(&r);
    while (x.n < 2 && loop_now_ms(l) < deadline)
        loop_run_once(l, 20);
    assert_int_equal(x.n, 2);
    assert_int_equal(x.types[0], RESP3_PUSH);
    assert_string_equal(x.first[0], "subscribe");
    assert_int_equal(x.types[1], RESP3_PUSH);
    assert_string_equal(x.first[1], "message");
    rcluster_stream_stop(st);
    while (!x.ended && loop_now_ms(l) < deadline)
        loop_run_once(l, 20);
    assert_true(x.ended);
    /* HELLO 2: all back to RESP2 */
    const char *hello2[] = {"HELLO", "2"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 2, hello2);
    assert_ok_reply(&r, 0);
    cres_free(&r);
    assert_int_equal(rcluster_protocol(cl), 2);
    for (int s = 0; s < 3; s++) {
        const char *argv[] = {"HGETALL", keys[s]};
        cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 2, argv);
        assert_ok_reply(&r, 0);
        assert_int_equal(resp3_type(r.reps[0].reply), RESP3_PLAIN);
        assert_int_equal(r.reps[0].reply->elements, 2);
        cres_free(&r);
    }
    rcluster_free(cl);

    /* RESP3 from the start, learning the map from MOVED (errors read alike) */
    const struct rfx_node *seed = rfx_node(&cfarm, 0, 0);
    struct rcluster_options o = {
        .host = seed->host,
        .port = seed->port,
        .mode = RCLUSTER_CLUSTER,
        .tls = tls,
        .password = cfarm.token,
        .connect_timeout_ms = rfx_scale(3000),
        .lazy_map = true,
        .protocol = 3,
    };
    cl = rcluster_new(l, &o);
    assert_non_null(cl);
    for (int s = 2; s >= 0; s--) {
        const char *argv[] = {"HGETALL", keys[s]};
        cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 2, argv);
        assert_ok_reply(&r, 0);
        assert_int_equal(resp3_type(r.reps[0].reply), RESP3_MAP);
        if (s == 2) /* the first: no map yet, the seed says MOVED */
            assert_int_equal(r.reps[0].nhops, 1);
        cres_free(&r);
    }
    assert_int_equal(rcluster_protocol(cl), 3);
    rcluster_free(cl);
    loop_free(l);
}

/* ---- targets ---- */

static void test_targets_and_labels(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rcluster *cl = cluster_new(l, &cfarm, false, NULL, 2, 0);
    const char *ping[] = {"PING"};
    const char *role[] = {"ROLE"};
    struct cres r;
    cexec(l, cl, RCLUSTER_T_PRIMARIES, NULL, &r, 1, role);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.d_replies, 3);
    for (size_t k = 0; k < r.n; k++) {
        assert_ok_reply(&r, k);
        assert_int_equal(r.reps[k].role, RCLUSTER_ROLE_PRIMARY);
        assert_string_equal(r.reps[k].reply->element[0]->str, "master"); /* Redis agrees */
        assert_true(strncmp(r.reps[k].cc_id, "rc-", 3) == 0);
        assert_int_equal(strlen(r.reps[k].node_id), 40);
        assert_int_equal(r.reps[k].slot, -1);
    }
    cres_free(&r);
    cexec(l, cl, RCLUSTER_T_REPLICAS, NULL, &r, 1, role);
    assert_int_equal(r.n, 3);
    for (size_t k = 0; k < r.n; k++) {
        assert_ok_reply(&r, k);
        assert_int_equal(r.reps[k].role, RCLUSTER_ROLE_REPLICA);
        assert_string_equal(r.reps[k].reply->element[0]->str, "slave");
    }
    cres_free(&r);
    cexec(l, cl, RCLUSTER_T_ALL, NULL, &r, 1, ping);
    assert_int_equal(r.n, 6);
    cres_free(&r);

    /* one node: by cache cluster id, by node id prefix, by host:port */
    const struct rfx_node *rep = rfx_node(&cfarm, 1, 1);
    char hp[80];
    snprintf(hp, sizeof(hp), "%s:%d", rep->host, rep->port);
    char prefix[16];
    snprintf(prefix, sizeof(prefix), "%.10s", rep->node_id);
    const char *sel[] = {rep->name, prefix, hp};
    for (int k = 0; k < 3; k++) {
        cexec(l, cl, RCLUSTER_T_NODE, sel[k], &r, 1, role);
        assert_int_equal(r.n, 1);
        assert_ok_reply(&r, 0);
        assert_string_equal(r.reps[0].node, hp);
        assert_string_equal(r.reps[0].cc_id, rep->name);
        assert_string_equal(r.reps[0].node_id, rep->node_id);
        cres_free(&r);
    }
    cexec(l, cl, RCLUSTER_T_NODE, "no-such-node", &r, 1, ping);
    assert_int_equal(r.n, 0);
    assert_true(r.has_err);
    assert_int_equal(r.err.code, RCONN_ERR_USAGE);
    cres_free(&r);
    /* a keyless command goes to one primary, labelled */
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 1, ping);
    assert_ok_reply(&r, 0);
    assert_int_equal(r.reps[0].role, RCLUSTER_ROLE_PRIMARY);
    cres_free(&r);
    rcluster_free(cl);
    loop_free(l);
}

/* ---- hash tags, movable keys, batches ---- */

/* Light records for big batches. */
struct bcount {
    int done;
    int bad;
};

struct bres {
    struct bcount *cnt;
    const char *expect;
    bool replied;
};

static void b_reply(struct rcluster *cl, struct rcluster_reply *r, void *arg)
{
    struct bres *b = arg;
    (void)cl;
    b->replied = true;
    if (r->err || r->nhops != 0 || !r->reply->str || strcmp(r->reply->str, b->expect) != 0)
        b->cnt->bad++;
}

static void b_done(struct rcluster *cl, const struct rcluster_done *d, void *arg)
{
    struct bres *b = arg;
    (void)cl;
    if (!b->replied || d->replies != 1)
        b->cnt->bad++;
    b->cnt->done++;
}

static void bsubmit(struct rcluster *cl, struct bres *b, int argc, const char *const *argv)
{
    struct rcluster_request rq = {.argc = argc,
                                  .argv = argv,
                                  .timeout_ms = rfx_scale(30000),
                                  .on_reply = b_reply,
                                  .on_done = b_done,
                                  .arg = b};
    assert_int_equal(rcluster_exec(cl, &rq), 0);
}

static void test_hash_tags_movable_keys_batches(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rcluster *cl = cluster_new(l, &cfarm, false, NULL, 0, 0);
    assert_true(wait_ready(l, cl));
    struct cres r;
    /* MSET over keys sharing a hash tag: one slot, no CROSSSLOT */
    const char *mset[] = {"MSET", "{order:77}.a", "1", "{order:77}.b", "2"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 5, mset);
    assert_ok_reply(&r, 0);
    assert_string_equal(r.reps[0].reply->str, "OK");
    assert_int_equal(r.reps[0].slot, crc16_keyslot("order:77", 8));
    int owner = rcluster_slot_owner(cl, r.reps[0].slot);
    struct rcluster_node_info ni;
    rcluster_node_at(cl, (size_t)owner, &ni);
    assert_string_equal(r.reps[0].node, ni.name);
    assert_int_equal(r.reps[0].nhops, 0);
    cres_free(&r);
    /* EVAL has movable keys: COMMAND GETKEYS finds them, no redirect */
    const char *eval[] = {"EVAL", "return redis.call('GET', KEYS[1])", "1", "{order:77}.b"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 4, eval);
    assert_ok_reply(&r, 0);
    assert_string_equal(r.reps[0].reply->str, "2");
    assert_int_equal(r.reps[0].nhops, 0);
    assert_string_equal(r.reps[0].node, ni.name);
    cres_free(&r);
    /* a subcommand with a key (OBJECT ENCODING key) routes by that key */
    const char *obj[] = {"OBJECT", "ENCODING", "{order:77}.a"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 3, obj);
    assert_ok_reply(&r, 0);
    assert_int_equal(r.reps[0].nhops, 0);
    assert_string_equal(r.reps[0].reply->str, "int");
    cres_free(&r);
    /* a batch: everything submitted together is pipelined per node and
     * every request completes, in order per node */
    int N = 300;
    const char *env = getenv("ELCUI_BENCH_N");
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end == '\0' && v > 0 && v <= 1000000)
            N = (int)v;
    }
    struct bres *batch = mem_xcalloc((size_t)N, sizeof(*batch));
    char(*bk)[32] = mem_xcalloc((size_t)N, sizeof(*bk));
    struct bcount cnt = {0};
    uint64_t t0 = rconn_now_us();
    for (int k = 0; k < N; k++) {
        snprintf(bk[k], sizeof(bk[k]), "batch:%d", k);
        const char *argv[] = {"SET", bk[k], bk[k]};
        batch[k] = (struct bres){.cnt = &cnt, .expect = "OK"};
        bsubmit(cl, &batch[k], 3, argv);
    }
    uint64_t deadline = loop_now_ms(l) + rfx_scale(60000);
    while (cnt.done < N && loop_now_ms(l) < deadline)
        loop_run_once(l, 100);
    assert_int_equal(cnt.done, N);
    for (int k = 0; k < N; k++) {
        const char *argv[] = {"GET", bk[k]};
        batch[k] = (struct bres){.cnt = &cnt, .expect = bk[k]};
        bsubmit(cl, &batch[k], 2, argv);
    }
    while (cnt.done < 2 * N && loop_now_ms(l) < deadline)
        loop_run_once(l, 100);
    assert_int_equal(cnt.done, 2 * N);
    assert_int_equal(cnt.bad, 0);
    uint64_t us = rconn_now_us() - t0;
    printf("# cluster batch over TLS: %d SET + %d GET routed over 3 shards in %.1f ms = %.0f "
           "requests/s\n",
           N, N, us / 1000.0, 2.0 * N * 1e6 / (double)(us ? us : 1));
    free(batch);
    free(bk);
    rcluster_free(cl);
    loop_free(l);
}

/* ---- safety ---- */

/* ---- replica reads ---- */

static void test_replica_reads(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rcluster *cl = cluster_new(l, &cfarm, false, NULL, 0, 0);
    assert_true(wait_ready(l, cl));
    char key[64];
    int owner = rcluster_slot_owner(cl, crc16_keyslot("rr", 2));
    key_on(cl, owner, "rr", key, sizeof(key));
    const char *set[] = {"SET", key, "from-the-primary"};
    struct cres r;
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 3, set);
    assert_ok_reply(&r, 0);
    cres_free(&r);
    struct rcluster_node_info pi;
    rcluster_node_at(cl, (size_t)owner, &pi);
    /* the replicas of the key's shard answer themselves (READONLY), no MOVED
     * to the primary: wait for replication to carry the value */
    const char *get[] = {"GET", key};
    uint64_t deadline = loop_now_ms(l) + rfx_scale(10000);
    bool got = false;
    while (!got && loop_now_ms(l) < deadline) {
        cexec(l, cl, RCLUSTER_T_REPLICAS, NULL, &r, 2, get);
        assert_int_equal(r.n, 1); /* one replica per shard, and only the key's shard */
        assert_ok_reply(&r, 0);
        assert_int_equal(r.reps[0].nhops, 0);
        assert_int_equal(r.reps[0].role, RCLUSTER_ROLE_REPLICA);
        assert_int_equal(r.reps[0].slot, crc16_keyslot(key, strlen(key)));
        assert_int_equal(r.reps[0].reply->type == REDIS_REPLY_NIL ||
                             r.reps[0].reply->type == REDIS_REPLY_STRING,
                         1);
        got = r.reps[0].reply->type == REDIS_REPLY_STRING &&
              strcmp(r.reps[0].reply->str, "from-the-primary") == 0;
        int idx = node_index(cl, r.reps[0].node);
        struct rcluster_node_info ri;
        rcluster_node_at(cl, (size_t)idx, &ri);
        assert_int_equal(ri.shard, pi.shard);
        assert_string_equal(ri.primary_id, pi.id);
        cres_free(&r);
        if (!got)
            run_for_ms(l, 50);
    }
    assert_true(got);
    /* --all on a key: the nodes of its shard, each answering for itself */
    cexec(l, cl, RCLUSTER_T_ALL, NULL, &r, 2, get);
    assert_int_equal(r.n, 2);
    for (size_t k = 0; k < r.n; k++) {
        assert_ok_reply(&r, k);
        assert_int_equal(r.reps[k].nhops, 0);
        assert_string_equal(r.reps[k].reply->str, "from-the-primary");
    }
    cres_free(&r);
    /* keyless: every replica */
    const char *role[] = {"ROLE"};
    cexec(l, cl, RCLUSTER_T_REPLICAS, NULL, &r, 1, role);
    assert_int_equal(r.n, 3);
    cres_free(&r);
    /* slot routing afterwards still goes to the primary (READWRITE) */
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 2, get);
    assert_ok_reply(&r, 0);
    assert_int_equal(r.reps[0].role, RCLUSTER_ROLE_PRIMARY);
    cres_free(&r);
    rcluster_free(cl);
    loop_free(l);
}

/* ---- redirects only to the group's own nodes ---- */

struct hostile {
    int self_port;
    int peer_port;         /* a second node the topology names (0: none) */
    const char *peer_host; /* its name in the topology */
    char redirect[128];    /* what GET answers: "MOVED 3300 host:port" */
    int auths;
};

static void hostile_fn(struct rfake *f, int argc, const redisReply *const *argv, struct buf *out,
                       void *arg)
{
    struct hostile *h = arg;
    (void)f;
    if (rfake_is(argc, argv, 0, "AUTH")) {
        h->auths++;
        buf_appends(out, "+OK\r\n");
    } else if (rfake_is(argc, argv, 0, "CLUSTER") && rfake_is(argc, argv, 1, "SHARDS")) {
        int n = h->peer_port ? 2 : 1;
        buf_printf(out, "*%d\r\n", n);
        for (int i = 0; i < n; i++) {
            const char *host = i == 0 ? "127.0.0.1" : h->peer_host;
            int port = i == 0 ? h->self_port : h->peer_port;
            int a = i == 0 ? 0 : 8192, b = i == 0 && n == 2 ? 8191 : 16383;
            buf_printf(
                out,
                "*4\r\n$5\r\nslots\r\n*2\r\n:%d\r\n:%d\r\n$5\r\nnodes\r\n*1\r\n*10\r\n"
                "$2\r\nid\r\n$40\r\n%040d\r\n$4\r\nport\r\n:%d\r\n$8\r\nendpoint\r\n"
                "$%zu\r\n%s\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$6\r\nhealth\r\n$6\r\nonline\r\n",
                a, b, i + 1, port, strlen(host), host);
        }
    } else if (rfake_is(argc, argv, 0, "GET") || rfake_is(argc, argv, 0, "SET")) {
        if (h->redirect[0])
            buf_printf(out, "-%s\r\n", h->redirect);
        else
            buf_appends(out, "$4\r\nmine\r\n");
    } else if (rfake_is(argc, argv, 0, "COMMAND")) {
        buf_appends(out, "*0\r\n"); /* unknown: the built-in table */
    } else {
        buf_appends(out, "+OK\r\n");
    }
}

/* Counts who connects (never answers). */
struct recorder {
    int fd;
    struct loop_watch *w;
    int accepted;
};

static void recorder_accept(int fd, int revents, void *arg)
{
    struct recorder *r = arg;
    (void)revents;
    int c = accept(fd, NULL, NULL);
    if (c >= 0) {
        r->accepted++;
        close(c);
    }
}

static void test_redirects_only_to_the_groups_nodes(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    /* a recorder on 127.0.0.2: no node of the group lives there */
    struct recorder rec = {0};
    rec.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.2", &a.sin_addr);
    assert_int_equal(bind(rec.fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(rec.fd, 8), 0);
    socklen_t sl = sizeof(a);
    getsockname(rec.fd, (struct sockaddr *)&a, &sl);
    int rport = ntohs(a.sin_port);
    rec.w = loop_watch(l, rec.fd, REACTOR_READ, recorder_accept, &rec);

    struct hostile h = {0};
    struct rfake node;
    rfake_start(&node, l, hostile_fn, &h);
    h.self_port = node.port;
    const char *get[] = {"GET", "k"};
    for (int lazy = 0; lazy < 2; lazy++) {
        for (int ask = 0; ask < 2; ask++) {
            snprintf(h.redirect, sizeof(h.redirect), "%s 3300 127.0.0.2:%d", ask ? "ASK" : "MOVED",
                     rport);
            struct rcluster_options o = {
                .host = "127.0.0.1",
                .port = node.port,
                .mode = lazy ? RCLUSTER_CLUSTER : RCLUSTER_AUTO,
                .lazy_map = lazy,
                .password = "not-for-strangers",
                .connect_timeout_ms = rfx_scale(2000),
            };
            struct rcluster *cl = rcluster_new(l, &o);
            struct cres r;
            cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 2, get);
            assert_int_equal(r.n, 1);
            assert_true(r.reps[0].has_err);
            assert_int_equal(r.reps[0].err.code, RCONN_ERR_REDIRECT);
            char want[64];
            snprintf(want, sizeof(want), "to 127.0.0.2:%d refused", rport);
            assert_non_null(strstr(r.reps[0].err.msg, want));
            assert_non_null(strstr(r.reps[0].err.msg, ask ? "ASK" : "MOVED"));
            cres_free(&r);
            rcluster_free(cl);
        }
    }
    run_for_ms(l, 50);
    assert_int_equal(rec.accepted, 0); /* nothing, not even a connection */
    assert_true(h.auths >= 1);         /* the group's own node had the token */

    /* a node the topology names is followed (MOVED and ASK), also by a
     * lazy map that learns the topology when the redirect comes */
    struct hostile h2 = {0};
    struct rfake peer;
    rfake_start(&peer, l, hostile_fn, &h2);
    h2.self_port = peer.port;
    h.peer_port = peer.port;
    h.peer_host = "127.0.0.1";
    for (int lazy = 0; lazy < 2; lazy++) {
        snprintf(h.redirect, sizeof(h.redirect), "MOVED 3300 127.0.0.1:%d", peer.port);
        struct rcluster_options o = {
            .host = "127.0.0.1",
            .port = node.port,
            .mode = lazy ? RCLUSTER_CLUSTER : RCLUSTER_AUTO,
            .lazy_map = lazy,
            .connect_timeout_ms = rfx_scale(2000),
        };
        struct rcluster *cl = rcluster_new(l, &o);
        struct cres r;
        /* a slot the seed serves, so the first attempt lands there */
        const char *get0[] = {"GET", "{06S}k"}; /* slot 0 */
        cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 2, get0);
        assert_ok_reply(&r, 0);
        assert_string_equal(r.reps[0].reply->str, "mine");
        assert_int_equal(r.reps[0].nhops, 1);
        char to[64];
        snprintf(to, sizeof(to), "127.0.0.1:%d", peer.port);
        assert_string_equal(r.reps[0].hops[0].to, to);
        cres_free(&r);
        rcluster_free(cl);
    }
    /* a topology name reached through a --connect-to rule: the redirect to
     * the rule's address means that node */
    h.peer_host = "nodeb.example";
    h.peer_port = 7000;
    snprintf(h.redirect, sizeof(h.redirect), "MOVED 3300 127.0.0.1:%d", peer.port);
    struct rconn_routes *routes = rconn_routes_new();
    char rule[128];
    snprintf(rule, sizeof(rule), "nodeb.example:7000:127.0.0.1:%d", peer.port);
    struct rconn_error rerr;
    assert_int_equal(rconn_routes_add(routes, rule, &rerr), 0);
    struct rcluster_options o = {
        .host = "127.0.0.1",
        .port = node.port,
        .routes = routes,
        .connect_timeout_ms = rfx_scale(2000),
    };
    struct rcluster *cl = rcluster_new(l, &o);
    struct cres r;
    const char *get0[] = {"GET", "{06S}k"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 2, get0);
    assert_ok_reply(&r, 0);
    assert_string_equal(r.reps[0].node, "nodeb.example:7000");
    assert_string_equal(r.reps[0].reply->str, "mine");
    cres_free(&r);
    rcluster_free(cl);
    rconn_routes_free(routes);
    assert_int_equal(rec.accepted, 0);
    rfake_stop(&peer);
    rfake_stop(&node);
    loop_unwatch(l, rec.w);
    close(rec.fd);
    loop_free(l);
}

static void test_safety_refusals(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rsafety_policy p = {0};
    struct rcluster *cl = cluster_new(l, &cfarm, false, &p, 0, 0);
    struct cres r;
    const char *config[] = {"CONFIG", "GET", "maxmemory"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 3, config);
    assert_true(r.refused);
    assert_int_equal(r.verdict.kind, RSAFETY_BLOCKED);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.err.code, RCONN_ERR_REFUSED);
    assert_non_null(strstr(r.verdict.instead, "parameter group"));
    cres_free(&r);
    const char *flush[] = {"FLUSHALL"};
    cexec(l, cl, RCLUSTER_T_PRIMARIES, NULL, &r, 1, flush);
    assert_true(r.refused);
    assert_int_equal(r.verdict.kind, RSAFETY_CONFIRM);
    cres_free(&r);
    const char *multi[] = {"MULTI"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 1, multi);
    assert_true(r.refused);
    assert_int_equal(r.verdict.kind, RSAFETY_UNSUPPORTED);
    cres_free(&r);
    /* DEL of many keys runs once confirmed */
    const char *del[] = {"DEL",  "{d}1", "{d}2", "{d}3", "{d}4",  "{d}5",
                         "{d}6", "{d}7", "{d}8", "{d}9", "{d}10", "{d}11"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 12, del);
    assert_true(r.refused);
    assert_int_equal(r.verdict.kind, RSAFETY_CONFIRM);
    cres_free(&r);
    csubmit(cl, RCLUSTER_T_SLOT, NULL, true, &r, 12, del);
    cwait(l, &r);
    assert_false(r.refused);
    assert_ok_reply(&r, 0);
    assert_int_equal(r.reps[0].reply->type, REDIS_REPLY_INTEGER);
    cres_free(&r);
    rcluster_free(cl);

    /* read-only: writes refused from COMMAND INFO flags, reads pass */
    struct rsafety_policy ro = {.read_only = true};
    cl = cluster_new(l, &cfarm, false, &ro, 0, 0);
    const char *set[] = {"SET", "ro:k", "v"};
    csubmit(cl, RCLUSTER_T_SLOT, NULL, true, &r, 3, set); /* confirmation does not lift it */
    cwait(l, &r);
    assert_true(r.refused);
    assert_int_equal(r.verdict.kind, RSAFETY_READ_ONLY);
    assert_non_null(strstr(r.verdict.why, "COMMAND INFO"));
    cres_free(&r);
    const char *eval[] = {"EVAL", "return 1", "0"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 3, eval);
    assert_true(r.refused);
    assert_non_null(strstr(r.verdict.instead, "EVAL_RO"));
    cres_free(&r);
    const char *get[] = {"GET", "ro:k"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 2, get);
    assert_false(r.refused);
    assert_ok_reply(&r, 0);
    cres_free(&r);
    rcluster_free(cl);
    loop_free(l);
}

/* ---- ASK during a real slot migration ---- */

static void admin(struct loop *l, struct rconn *c, int argc, const char *const *argv,
                  const char *expect)
{
    struct rfx_wait w;
    rfx_cmdv(l, c, &w, argc, argv);
    if (w.has_err || !w.reply || w.reply->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "%s %s: %s\n", argv[0], argc > 1 ? argv[1] : "",
                w.has_err ? w.err.msg
                : w.reply ? w.reply->str
                          : "?");
        fail();
    }
    if (expect)
        assert_string_equal(w.reply->str, expect);
    rfx_wait_free(&w);
}

static void test_ask_during_migration(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rcluster *cl = cluster_new(l, &cfarm, false, NULL, 0, 0);
    assert_true(wait_ready(l, cl));
    /* the key lives on shard 0's primary; it moves to shard 1's */
    const struct rfx_node *a = rfx_node(&cfarm, 0, 0), *b = rfx_node(&cfarm, 1, 0);
    char aname[80], bname[80];
    snprintf(aname, sizeof(aname), "%s:%d", a->host, a->port);
    snprintf(bname, sizeof(bname), "%s:%d", b->host, b->port);
    struct rconn *ca = rfx_connect(l, &cfarm, tls, a->host, a->port);
    struct rconn *cb = rfx_connect(l, &cfarm, tls, b->host, b->port);
    assert_non_null(ca);
    assert_non_null(cb);
    char key[64], slotstr[16], bport[16];
    key_on(cl, node_index(cl, aname), "ask", key, sizeof(key));
    int slot = crc16_keyslot(key, strlen(key));
    snprintf(slotstr, sizeof(slotstr), "%d", slot);
    snprintf(bport, sizeof(bport), "%d", b->port);
    struct cres r;
    const char *set[] = {"SET", key, "before-migration"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 3, set);
    assert_ok_reply(&r, 0);
    cres_free(&r);

    const char *imp[] = {"CLUSTER", "SETSLOT", slotstr, "IMPORTING", a->node_id};
    admin(l, cb, 5, imp, "OK");
    const char *mig[] = {"CLUSTER", "SETSLOT", slotstr, "MIGRATING", b->node_id};
    admin(l, ca, 5, mig, "OK");
    /* move every key of the slot, as a resharding does (earlier tests may
     * have put other keys there) */
    for (int round = 0; round < 100; round++) {
        const char *list[] = {"CLUSTER", "GETKEYSINSLOT", slotstr, "100"};
        struct rfx_wait w;
        rfx_cmdv(l, ca, &w, 4, list);
        assert_false(w.has_err);
        assert_int_equal(w.reply->type, REDIS_REPLY_ARRAY);
        size_t nk = w.reply->elements;
        if (nk == 0) {
            rfx_wait_free(&w);
            break;
        }
        const char **move = mem_xcalloc(nk + 9, sizeof(*move));
        const char *head[] = {"MIGRATE", b->host, bport,       "",    "0",
                              "5000",    "AUTH",  cfarm.token, "KEYS"};
        memcpy(move, head, sizeof(head));
        for (size_t k = 0; k < nk; k++)
            move[9 + k] = w.reply->element[k]->str;
        admin(l, ca, (int)(nk + 9), move, "OK");
        free(move);
        rfx_wait_free(&w);
    }

    /* the old owner answers ASK; the client sends ASKING + GET to the new one */
    const char *get[] = {"GET", key};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 2, get);
    assert_ok_reply(&r, 0);
    assert_string_equal(r.reps[0].reply->str, "before-migration");
    assert_int_equal(r.reps[0].nhops, 1);
    assert_int_equal(r.reps[0].hops[0].kind, RCLUSTER_HOP_ASK);
    assert_string_equal(r.reps[0].hops[0].node, aname);
    assert_string_equal(r.reps[0].hops[0].to, bname);
    assert_string_equal(r.reps[0].node, bname);
    cres_free(&r);
    /* a new key of the migrating slot is created on the importing node */
    char newkey[96];
    snprintf(newkey, sizeof(newkey), "{%s}.new", key);
    const char *set2[] = {"SET", newkey, "during-migration"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 3, set2);
    assert_ok_reply(&r, 0);
    assert_string_equal(r.reps[0].node, bname);
    assert_int_equal(r.reps[0].hops[0].kind, RCLUSTER_HOP_ASK);
    cres_free(&r);
    struct rcluster_info i;
    rcluster_get_info(cl, &i);
    assert_true(i.asked >= 2);

    /* finish the migration; the stale map is corrected by MOVED */
    const char *node_b[] = {"CLUSTER", "SETSLOT", slotstr, "NODE", b->node_id};
    admin(l, cb, 5, node_b, "OK");
    admin(l, ca, 5, node_b, "OK");
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 2, get);
    assert_ok_reply(&r, 0);
    assert_string_equal(r.reps[0].reply->str, "before-migration");
    assert_string_equal(r.reps[0].node, bname);
    assert_int_equal(r.reps[0].nhops, 1);
    assert_int_equal(r.reps[0].hops[0].kind, RCLUSTER_HOP_MOVED);
    cres_free(&r);
    rconn_close(ca);
    rconn_close(cb);
    rcluster_free(cl);
    loop_free(l);
}

/* ---- failover mid-session ---- */

static bool role_is(struct loop *l, struct rconn *c, const char *want)
{
    const char *argv[] = {"ROLE"};
    struct rfx_wait w;
    rfx_cmdv(l, c, &w, 1, argv);
    bool ok = !w.has_err && w.reply && w.reply->type == REDIS_REPLY_ARRAY &&
              w.reply->elements > 0 && strcmp(w.reply->element[0]->str, want) == 0;
    rfx_wait_free(&w);
    return ok;
}

static void test_failover_mid_session(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rcluster *cl = cluster_new(l, &cfarm, false, NULL, 0, 0);
    assert_true(wait_ready(l, cl));
    const struct rfx_node *old = rfx_node(&cfarm, 2, 0), *rep = rfx_node(&cfarm, 2, 1);
    char oldname[80], repname[80];
    snprintf(oldname, sizeof(oldname), "%s:%d", old->host, old->port);
    snprintf(repname, sizeof(repname), "%s:%d", rep->host, rep->port);
    char key[64];
    key_on(cl, node_index(cl, oldname), "fo", key, sizeof(key));
    struct cres r;
    const char *set[] = {"SET", key, "v1"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 3, set);
    assert_ok_reply(&r, 0);
    assert_string_equal(r.reps[0].node, oldname);
    cres_free(&r);

    /* CLUSTER FAILOVER on the replica, through a direct connection */
    struct rconn *cr = rfx_connect(l, &cfarm, tls, rep->host, rep->port);
    assert_non_null(cr);
    const char *fo[] = {"CLUSTER", "FAILOVER"};
    admin(l, cr, 2, fo, "OK");
    uint64_t deadline = loop_now_ms(l) + rfx_scale(15000);
    bool promoted = false;
    while (!promoted && loop_now_ms(l) < deadline) {
        promoted = role_is(l, cr, "master");
        if (!promoted) {
            bool never = false;
            rfx_run(l, &never, 50);
        }
    }
    assert_true(promoted);
    /* and the old primary has heard it (else it still serves the read) */
    struct rconn *co = rfx_connect(l, &cfarm, tls, old->host, old->port);
    assert_non_null(co);
    bool demoted = false;
    while (!demoted && loop_now_ms(l) < deadline) {
        demoted = role_is(l, co, "slave");
        if (!demoted) {
            bool never = false;
            rfx_run(l, &never, 50);
        }
    }
    assert_true(demoted);
    rconn_close(co);
    /* the same client, map still old: the old primary sends MOVED */
    const char *get[] = {"GET", key};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 2, get);
    assert_ok_reply(&r, 0);
    assert_string_equal(r.reps[0].reply->str, "v1");
    assert_string_equal(r.reps[0].node, repname);
    assert_true(r.reps[0].nhops >= 1);
    assert_int_equal(r.reps[0].hops[r.reps[0].nhops - 1].kind, RCLUSTER_HOP_MOVED);
    cres_free(&r);
    const char *set2[] = {"SET", key, "v2"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 3, set2);
    assert_ok_reply(&r, 0);
    assert_string_equal(r.reps[0].node, repname);
    cres_free(&r);
    /* after the refresh the new roles show */
    deadline = loop_now_ms(l) + rfx_scale(5000);
    bool seen = false;
    while (!seen && loop_now_ms(l) < deadline) {
        int idx = node_index(cl, repname);
        struct rcluster_node_info ni;
        seen =
            idx >= 0 && rcluster_node_at(cl, (size_t)idx, &ni) && ni.role == RCLUSTER_ROLE_PRIMARY;
        if (!seen)
            loop_run_once(l, 20);
    }
    assert_true(seen);
    rconn_close(cr);
    rcluster_free(cl);
    loop_free(l);
}

/* ---- cluster mode disabled ---- */

static void test_standalone_group(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    const struct rfx_node *p = rfx_node(&sfarm, 0, 0), *rep = rfx_node(&sfarm, 0, 1);
    char pname[80], rname[80];
    snprintf(pname, sizeof(pname), "%s:%d", p->host, p->port);
    snprintf(rname, sizeof(rname), "%s:%d", rep->host, rep->port);
    struct rcluster_options o = {
        .host = p->host,
        .port = p->port,
        .mode = RCLUSTER_STANDALONE,
        .tls = stls,
        .password = sfarm.token,
        .names = snames,
        .nnames = nsnames,
    };
    struct rsafety_policy sp = {0};
    o.safety = &sp;
    struct rcluster *cl = rcluster_new(l, &o);
    struct cres r;
    const char *set[] = {"SET", "cmd:k", "v"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 3, set);
    assert_ok_reply(&r, 0);
    assert_string_equal(r.reps[0].node, pname);
    assert_string_equal(r.reps[0].cc_id, p->name);
    assert_int_equal(r.reps[0].role, RCLUSTER_ROLE_PRIMARY);
    cres_free(&r);
    const char *role[] = {"ROLE"};
    cexec(l, cl, RCLUSTER_T_REPLICAS, NULL, &r, 1, role);
    assert_int_equal(r.n, 1);
    assert_ok_reply(&r, 0);
    assert_string_equal(r.reps[0].node, rname);
    assert_string_equal(r.reps[0].cc_id, rep->name);
    assert_string_equal(r.reps[0].reply->element[0]->str, "slave");
    cres_free(&r);
    /* transactions are fine without cluster mode */
    const char *multi[] = {"MULTI"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 1, multi);
    assert_false(r.refused);
    cres_free(&r);
    const char *discard[] = {"DISCARD"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 1, discard);
    cres_free(&r);
    struct rcluster_info i;
    rcluster_get_info(cl, &i);
    assert_int_equal(i.mode, RCLUSTER_STANDALONE);
    assert_string_equal(i.map_source, "ROLE");
    assert_int_equal(i.nodes, 2);
    /* no CLUSTER command ever reached the group */
    const char *stats[] = {"INFO", "commandstats"};
    cexec(l, cl, RCLUSTER_T_ALL, NULL, &r, 2, stats);
    assert_int_equal(r.n, 2);
    for (size_t k = 0; k < r.n; k++) {
        assert_ok_reply(&r, k);
        assert_null(strstr(r.reps[k].reply->str, "cmdstat_cluster"));
        assert_non_null(strstr(r.reps[k].reply->str, "cmdstat_role"));
    }
    cres_free(&r);
    rcluster_free(cl);

    /* AUTO finds out by itself */
    o.mode = RCLUSTER_AUTO;
    cl = rcluster_new(l, &o);
    assert_true(wait_ready(l, cl));
    rcluster_get_info(cl, &i);
    assert_int_equal(i.mode, RCLUSTER_STANDALONE);
    const char *get[] = {"GET", "cmd:k"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 2, get);
    assert_ok_reply(&r, 0);
    assert_string_equal(r.reps[0].reply->str, "v");
    cres_free(&r);
    rcluster_free(cl);
    loop_free(l);
}

/* ---- failures ---- */

static void test_malformed_topology_and_bad_seed(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct fake f;
    static const char script[] = "+PONG\r\n*1\r\n:5\r\n";
    fake_start(&f, l, script, sizeof(script) - 1, 1);
    struct rcluster_options o = {.host = "127.0.0.1", .port = f.port, .mode = RCLUSTER_CLUSTER};
    struct rcluster *cl = rcluster_new(l, &o);
    struct cres r;
    const char *get[] = {"GET", "k"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 2, get);
    assert_true(r.has_err);
    assert_int_equal(r.err.code, RCONN_ERR_PROTOCOL);
    assert_non_null(strstr(r.err.msg, "malformed CLUSTER SHARDS"));
    cres_free(&r);
    rcluster_free(cl);
    fake_stop(&f);

    /* a seed that refuses connections: the error says so */
    struct rconn_options po = {0};
    (void)po;
    o.host = "127.0.0.1";
    o.port = 1;
    cl = rcluster_new(l, &o);
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 2, get);
    assert_true(r.has_err);
    assert_int_equal(r.err.code, RCONN_ERR_CONNECT_REFUSED);
    cres_free(&r);
    /* freeing with requests in flight completes them */
    csubmit(cl, RCLUSTER_T_SLOT, NULL, false, &r, 2, get);
    rcluster_free(cl);
    assert_true(r.done);
    assert_true(r.has_err);
    assert_int_equal(r.err.code, RCONN_ERR_CLOSED);
    bool never = false;
    rfx_run(l, &never, 50);
    loop_free(l);
}

/* A node of an old Redis: no CLUSTER SHARDS, no COMMAND; redirect games. */
struct oldnode {
    int tryagain_left;
};

static void oldnode_fn(struct rfake *f, int argc, const redisReply *const *argv, struct buf *out,
                       void *arg)
{
    struct oldnode *o = arg;
    if (rfake_is(argc, argv, 0, "PING")) {
        buf_appends(out, "+PONG\r\n");
    } else if (rfake_is(argc, argv, 0, "CLUSTER") && rfake_is(argc, argv, 1, "SHARDS")) {
        buf_appends(out, "-ERR Unknown subcommand or wrong number of arguments for 'SHARDS'\r\n");
    } else if (rfake_is(argc, argv, 0, "CLUSTER") && rfake_is(argc, argv, 1, "SLOTS")) {
        buf_printf(out,
                   "*1\r\n*3\r\n:0\r\n:16383\r\n*3\r\n$9\r\n127.0.0.1\r\n:%d\r\n$6\r\nfakeid\r\n",
                   f->port);
    } else if (rfake_is(argc, argv, 0, "COMMAND")) {
        buf_appends(out, "-ERR unknown command 'COMMAND'\r\n");
    } else if (rfake_is(argc, argv, 0, "GET") && rfake_is(argc, argv, 1, "loop")) {
        buf_printf(out, "-MOVED 1234 127.0.0.1:%d\r\n", f->port);
    } else if (rfake_is(argc, argv, 0, "GET") && rfake_is(argc, argv, 1, "busy") &&
               o->tryagain_left > 0) {
        o->tryagain_left--;
        buf_appends(out, "-TRYAGAIN Multiple keys request during rehashing of slot\r\n");
    } else if (rfake_is(argc, argv, 0, "GET") && argc == 2) {
        buf_printf(out, "$%zu\r\ngot:%s\r\n", argv[1]->len + 4, argv[1]->str);
    } else if (rfake_is(argc, argv, 0, "EVAL")) {
        buf_appends(out, "+evalok\r\n");
    } else {
        buf_appends(out, "-ERR unexpected\r\n");
    }
}

static void test_slots_fallback_builtin_table_and_bounds(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rfake f;
    struct oldnode on = {.tryagain_left = 2};
    rfake_start(&f, l, oldnode_fn, &on);
    struct rsafety_policy ro = {.read_only = true};
    struct rcluster_options o = {
        .host = "127.0.0.1", .port = f.port, .mode = RCLUSTER_AUTO, .safety = &ro};
    struct rcluster *cl = rcluster_new(l, &o);
    assert_true(wait_ready(l, cl));
    struct rcluster_info i;
    rcluster_get_info(cl, &i);
    assert_string_equal(i.map_source, "CLUSTER SLOTS");
    assert_int_equal(i.nodes, 1);
    assert_int_equal(i.slots_covered, CRC16_SLOTS);
    struct rcluster_node_info ni;
    rcluster_node_at(cl, 0, &ni);
    assert_string_equal(ni.id, "fakeid");
    /* without COMMAND the built-in table gives the key */
    struct cres r;
    const char *get[] = {"GET", "user:1"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 2, get);
    assert_ok_reply(&r, 0);
    assert_string_equal(r.reps[0].reply->str, "got:user:1");
    assert_int_equal(r.reps[0].slot, crc16_keyslot("user:1", 6));
    cres_free(&r);
    /* ... and the movable keys of EVAL, and the read-only decision */
    const char *eval_ro[] = {"EVAL_RO", "return 1", "1", "{tag}k"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 4, eval_ro);
    assert_ok_reply(&r, 0);
    assert_int_equal(r.reps[0].slot, crc16_keyslot("tag", 3));
    cres_free(&r);
    const char *set[] = {"SET", "k", "v"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 3, set);
    assert_true(r.refused);
    assert_non_null(strstr(r.verdict.why, "command table"));
    cres_free(&r);
    /* TRYAGAIN: waited for and retried */
    const char *busy[] = {"GET", "busy"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 2, busy);
    assert_ok_reply(&r, 0);
    assert_string_equal(r.reps[0].reply->str, "got:busy");
    assert_int_equal(r.reps[0].nhops, 2);
    assert_int_equal(r.reps[0].hops[0].kind, RCLUSTER_HOP_TRYAGAIN);
    cres_free(&r);
    /* a redirect loop ends after the redirect limit with the last answer */
    const char *loop_get[] = {"GET", "loop"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 2, loop_get);
    assert_int_equal(r.n, 1);
    assert_false(r.reps[0].has_err);
    assert_int_equal(r.reps[0].reply->type, REDIS_REPLY_ERROR);
    assert_true(strncmp(r.reps[0].reply->str, "MOVED", 5) == 0);
    assert_int_equal(r.reps[0].nhops, 5);
    cres_free(&r);
    rcluster_free(cl);
    rfake_stop(&f);
    loop_free(l);
}

/* A node that hangs up on COMMAND: requests waiting on the metadata
 * lookup fall back to the built-in table and are routed, from inside the
 * failing connection's callbacks, to the same node again. */
static void hangup_fn(struct rfake *f, int argc, const redisReply *const *argv, struct buf *out,
                      void *arg)
{
    (void)arg;
    if (rfake_is(argc, argv, 0, "PING")) {
        buf_appends(out, "+PONG\r\n");
    } else if (rfake_is(argc, argv, 0, "COMMAND")) {
        f->hang_up = true;
    } else if (rfake_is(argc, argv, 0, "CLUSTER") && rfake_is(argc, argv, 1, "SHARDS")) {
        buf_printf(out,
                   "*1\r\n*4\r\n$5\r\nslots\r\n*2\r\n:0\r\n:16383\r\n$5\r\nnodes\r\n*1\r\n"
                   "*8\r\n$2\r\nid\r\n$3\r\nabc\r\n$4\r\nport\r\n:%d\r\n$2\r\nip\r\n"
                   "$9\r\n127.0.0.1\r\n$4\r\nrole\r\n$6\r\nmaster\r\n",
                   f->port);
    } else if (rfake_is(argc, argv, 0, "GET")) {
        buf_appends(out, "$2\r\nok\r\n");
    } else {
        buf_appends(out, "-ERR unexpected\r\n");
    }
}

static void test_connection_lost_during_lookup(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rfake f;
    rfake_start(&f, l, hangup_fn, NULL);
    struct rcluster_options o = {
        .host = "127.0.0.1", .port = f.port, .mode = RCLUSTER_CLUSTER, .lazy_map = true};
    struct rcluster *cl = rcluster_new(l, &o);
    struct cres r[4];
    const char *get[] = {"GET", "k"};
    const char *ping[] = {"PING"};
    csubmit(cl, RCLUSTER_T_SLOT, NULL, false, &r[0], 2, get);
    csubmit(cl, RCLUSTER_T_SLOT, NULL, false, &r[1], 2, get);
    csubmit(cl, RCLUSTER_T_PRIMARIES, NULL, false, &r[2], 1, ping);
    csubmit(cl, RCLUSTER_T_SLOT, NULL, false, &r[3], 1, ping);
    for (int k = 0; k < 4; k++) {
        cwait(l, &r[k]);
        assert_true(r[k].n >= 1 || r[k].has_err);
    }
    /* the GETs were re-sent on a new connection (built-in key position) */
    assert_ok_reply(&r[0], 0);
    assert_string_equal(r[0].reps[0].reply->str, "ok");
    for (int k = 0; k < 4; k++)
        cres_free(&r[k]);
    rcluster_free(cl);
    rfake_stop(&f);
    loop_free(l);
}

/* Last: it kills a primary for good. */
static void test_killed_primary(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rcluster *cl = cluster_new(l, &cfarm, false, NULL, 1, 0);
    assert_true(wait_ready(l, cl));
    /* shard 0 still has its original primary */
    const struct rfx_node *victim = rfx_node(&cfarm, 0, 0), *heir = rfx_node(&cfarm, 0, 1);
    char vname[80], hname[80];
    snprintf(vname, sizeof(vname), "%s:%d", victim->host, victim->port);
    snprintf(hname, sizeof(hname), "%s:%d", heir->host, heir->port);
    char key[64];
    key_on(cl, node_index(cl, vname), "kill", key, sizeof(key));
    struct cres r;
    const char *set[] = {"SET", key, "survives"};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 3, set);
    assert_ok_reply(&r, 0);
    cres_free(&r);
    /* let the write reach the replica before the primary dies */
    struct rconn *ch = rfx_connect(l, &cfarm, tls, heir->host, heir->port);
    assert_non_null(ch);
    const char *wait[] = {"WAIT", "1", "2000"};
    struct rconn *cv = rfx_connect(l, &cfarm, tls, victim->host, victim->port);
    assert_non_null(cv);
    admin(l, cv, 3, wait, NULL);
    rconn_close(cv);

    assert_int_equal(kill(victim->pid, SIGKILL), 0);
    /* a read is retried once after a map refresh, then reported, classified */
    const char *get[] = {"GET", key};
    cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 2, get);
    assert_int_equal(r.n, 1);
    if (r.reps[0].has_err) {
        enum rconn_err code = r.reps[0].err.code;
        printf("# killed primary, first read: %s: %s\n", rconn_err_name(code), r.reps[0].err.msg);
        assert_true(code == RCONN_ERR_CONNECT_REFUSED || code == RCONN_ERR_IO_RESET ||
                    code == RCONN_ERR_CLOSED);
        assert_true(r.reps[0].nhops >= 1);
        assert_int_equal(r.reps[0].hops[0].kind, RCLUSTER_HOP_RETRY);
        assert_string_equal(r.reps[0].hops[0].node, vname);
    }
    cres_free(&r);
    /* every node: the dead one answers with a classified error */
    const char *ping[] = {"PING"};
    cexec(l, cl, RCLUSTER_T_ALL, NULL, &r, 1, ping);
    assert_int_equal(r.n, 6);
    size_t errors = 0;
    for (size_t k = 0; k < r.n; k++) {
        if (r.reps[k].has_err) {
            errors++;
            assert_string_equal(r.reps[k].node, vname);
            assert_int_equal(r.reps[k].err.code, RCONN_ERR_CONNECT_REFUSED);
        }
    }
    assert_int_equal(errors, 1);
    assert_int_equal(r.d_errors, 1);
    cres_free(&r);
    /* once the cluster promotes the replica, the refreshed map routes there */
    uint64_t deadline = loop_now_ms(l) + rfx_scale(30000);
    bool ok = false;
    while (!ok && loop_now_ms(l) < deadline) {
        cexec(l, cl, RCLUSTER_T_SLOT, NULL, &r, 2, get);
        ok = r.n == 1 && !r.reps[0].has_err && r.reps[0].reply->type == REDIS_REPLY_STRING;
        if (ok) {
            assert_string_equal(r.reps[0].reply->str, "survives");
            assert_string_equal(r.reps[0].node, hname);
            assert_int_equal(r.reps[0].role, RCLUSTER_ROLE_PRIMARY);
        }
        cres_free(&r);
        if (!ok) {
            bool never = false;
            rfx_run(l, &never, 200);
        }
    }
    assert_true(ok);
    struct rcluster_info i;
    rcluster_get_info(cl, &i);
    assert_true(i.retries >= 1);
    rconn_close(ch);
    rcluster_free(cl);
    loop_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc16_and_slots),
        cmocka_unit_test(test_topology),
        cmocka_unit_test(test_moved_through_fresh_connections),
        cmocka_unit_test(test_targets_and_labels),
        cmocka_unit_test(test_resp3_whole_cluster),
        cmocka_unit_test(test_hash_tags_movable_keys_batches),
        cmocka_unit_test(test_safety_refusals),
        cmocka_unit_test(test_replica_reads),
        cmocka_unit_test(test_redirects_only_to_the_groups_nodes),
        cmocka_unit_test(test_ask_during_migration),
        cmocka_unit_test(test_failover_mid_session),
        cmocka_unit_test(test_standalone_group),
        cmocka_unit_test(test_malformed_topology_and_bad_seed),
        cmocka_unit_test(test_slots_fallback_builtin_table_and_bounds),
        cmocka_unit_test(test_connection_lost_during_lookup),
        cmocka_unit_test(test_killed_primary),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
