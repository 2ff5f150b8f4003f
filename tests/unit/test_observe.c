/* test_observe.c - the Redis observation engine on a real TLS + AUTH
 * Redis cluster (the sandbox farm: 2 shards x 1 replica), no AWS: the
 * endpoint is given and the token comes from an environment variable.
 *
 * A round asks every node for PING, ROLE and INFO replication: roles are
 * the nodes' own, replicas' links, offsets and lags are filled, and the
 * view merged into a model built the way the API describes the group
 * makes every role "redis" with its age. A node frozen with SIGSTOP is
 * "not answering since T" within the round's bound while the others are
 * measured, and answers again after SIGCONT. A failover Redis made is in
 * the next round (one primary per shard). A wrong token or a dead
 * endpoint is "unreachable" with the reason, recorded in the model,
 * whose roles stay the API's. Freeing the engine in the middle of a round
 * or from its own callback leaves nothing behind. INFO parsing helpers on
 * their own.
 * Run from the top of the repository (tests/sandbox/farm).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "redis_fixture.h"

#include "aws/elasticache.h"
#include "core/model/model.h"
#include "core/model/placement.h"
#include "core/redis/observe.h"

#define TOKEN_ENV "ELCUI_TEST_OBSERVE_TOKEN"
#define BAD_TOKEN_ENV "ELCUI_TEST_OBSERVE_BAD"

static struct rfx_farm farm;
static struct loop *L;
static bool stopped_node; /* a node is SIGSTOPped: continue it on the way out */
static int stopped_pid;

static int group_setup(void **state)
{
    (void)state;
    static const char *const args[] = {"--shards", "2", "--replicas", "1", "--name", "ob", NULL};
    if (rfx_farm_start(&farm, args) != 0 || rfx_farm_wait(&farm) != 0)
        return -1;
    setenv(TOKEN_ENV, farm.token, 1);
    setenv(BAD_TOKEN_ENV, "not-the-token-of-this-farm", 1);
    L = loop_new();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (stopped_node)
        kill(stopped_pid, SIGCONT);
    unsetenv(TOKEN_ENV);
    unsetenv(BAD_TOKEN_ENV);
    loop_free(L);
    rfx_farm_down(&farm);
    return 0;
}

/* ---- the group as the API would describe the farm ---- */

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
    a->rg.id = (char *)"ob";
    a->rg.status = (char *)"available";
    a->rg.has_cluster_enabled = true;
    a->rg.cluster_enabled = true;
    a->rg.multi_az = (char *)"enabled";
    a->rg.automatic_failover = (char *)"enabled";
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

/* ---- the engine ---- */

struct seen {
    unsigned updates;
    bool free_in_cb; /* free the engine from its own callback */
    struct observe **self;
};

static void on_update(struct observe *ob, void *arg)
{
    struct seen *s = arg;
    s->updates++;
    /* never a secret in what the engine says */
    assert_null(strstr(observe_reason(ob), farm.token));
    if (s->free_in_cb) {
        observe_free(ob);
        *s->self = NULL;
    }
}

/* PINGs below this are "answering" whatever the machine's load (valgrind) */
static uint64_t slow_ms = 60000;

static struct observe *start(struct seen *s, const char *token_env, const char *endpoint,
                             uint64_t interval_ms, uint64_t timeout_ms)
{
    memset(s, 0, sizeof(*s));
    const struct rfx_node *seed = rfx_node(&farm, 0, 0);
    char ep[96];
    snprintf(ep, sizeof(ep), "%s:%d", seed->host, seed->port);
    struct observe_options o = {
        .loop = L,
        .endpoint = endpoint ? endpoint : ep,
        .token_env = token_env,
        .cafile = farm.ca_file,
        .tls = farm.tls ? CONSOLE_TLS_ON : CONSOLE_TLS_OFF,
        .interval_ms = interval_ms,
        .timeout_ms = timeout_ms,
        .slow_ms = slow_ms,
        .on_update = on_update,
        .arg = s,
    };
    struct observe *ob = observe_start(&o);
    assert_non_null(ob);
    return ob;
}

/* Run until `updates` callbacks came (deadline ms). */
static void wait_updates(struct seen *s, unsigned updates, uint64_t ms)
{
    uint64_t deadline = loop_now_ms(L) + rfx_scale(ms);
    while (s->updates < updates && loop_now_ms(L) < deadline)
        loop_run_once(L, 20);
    assert_true(s->updates >= updates);
}

static const struct model_redis_node *vnode(const struct model_redis_view *v,
                                            const struct rfx_node *n)
{
    for (size_t i = 0; i < v->n_nodes; i++)
        if (v->nodes[i].port == n->port)
            return &v->nodes[i];
    fail_msg("node %s:%d not in the view", n->host, n->port);
    return NULL;
}

static void test_info_helpers(void **state)
{
    (void)state;
    const char *info = "# Replication\r\nrole:master\r\nconnected_slaves:2\r\n"
                       "slave0:ip=10.0.0.5,port=6379,state=online,offset=1234,lag=0\r\n"
                       "slave1:ip=10.0.0.6,port=6379,state=online,offset=1200,lag=3\r\n"
                       "master_repl_offset:1234\r\n";
    char v[256], x[32];
    assert_true(observe_info_field(info, strlen(info), "role", v, sizeof(v)));
    assert_string_equal(v, "master");
    assert_true(observe_info_field(info, strlen(info), "slave1", v, sizeof(v)));
    assert_true(observe_info_item(v, "lag", x, sizeof(x)));
    assert_string_equal(x, "3");
    assert_true(observe_info_item(v, "ip", x, sizeof(x)));
    assert_string_equal(x, "10.0.0.6");
    assert_false(observe_info_item(v, "nope", x, sizeof(x)));
    assert_false(observe_info_field(info, strlen(info), "slave", v, sizeof(v)));
    assert_false(observe_info_field(info, strlen(info), "Replication", v, sizeof(v)));
    assert_false(observe_info_field(info, strlen(info), "master_repl_offset", v, 3));
    /* the last line without its CRLF, and a reply cut short */
    assert_true(observe_info_field(info, strlen(info) - 2, "master_repl_offset", v, sizeof(v)));
    assert_string_equal(v, "1234");
    assert_false(observe_info_field(info, 20, "connected_slaves", v, sizeof(v)));
}

static redisReply *resp(const char *text)
{
    redisReader *rd = redisReaderCreate();
    redisReaderFeed(rd, text, strlen(text));
    void *obj = NULL;
    assert_int_equal(redisReaderGetReply(rd, &obj), REDIS_OK);
    assert_non_null(obj);
    redisReaderFree(rd);
    return obj;
}

static void test_role_replies(void **state)
{
    (void)state;
    enum model_role role;
    char link[24];
    long long off;
    redisReply *r = resp("*3\r\n$6\r\nmaster\r\n:3129659\r\n*0\r\n");
    assert_true(observe_parse_role(r, &role, link, sizeof(link), &off));
    assert_int_equal(role, MODEL_ROLE_PRIMARY);
    assert_int_equal(off, 3129659);
    assert_string_equal(link, "");
    freeReplyObject(r);
    r = resp("*5\r\n$5\r\nslave\r\n$8\r\n10.0.0.1\r\n:6379\r\n$10\r\nconnecting\r\n:-1\r\n");
    assert_true(observe_parse_role(r, &role, link, sizeof(link), &off));
    assert_int_equal(role, MODEL_ROLE_REPLICA);
    assert_string_equal(link, "connecting");
    assert_int_equal(off, -1);
    freeReplyObject(r);
    /* a control byte in the state never reaches a screen */
    r = resp("*5\r\n$5\r\nslave\r\n$1\r\nh\r\n:1\r\n$4\r\nsy\x1b"
             "c\r\n:12\r\n");
    assert_true(observe_parse_role(r, &role, link, sizeof(link), &off));
    assert_string_equal(link, "sy?c");
    assert_int_equal(off, 12);
    freeReplyObject(r);
    r = resp("*1\r\n$8\r\nsentinel\r\n");
    assert_false(observe_parse_role(r, &role, link, sizeof(link), &off));
    assert_int_equal(role, MODEL_ROLE_UNKNOWN);
    freeReplyObject(r);
    r = resp("-ERR unknown command\r\n");
    assert_false(observe_parse_role(r, &role, link, sizeof(link), &off));
    freeReplyObject(r);
}

static void test_one_round(void **state)
{
    (void)state;
    struct seen s;
    struct observe *ob = start(&s, TOKEN_ENV, NULL, 0, rfx_scale(3000));
    assert_int_equal(observe_state(ob), OBSERVE_S_STARTING);
    assert_null(observe_view(ob));
    wait_updates(&s, 1, 20000);
    assert_int_equal(observe_state(ob), OBSERVE_S_OK);
    assert_string_equal(observe_reason(ob), "");
    assert_int_equal(observe_rounds(ob), 1);
    const struct model_redis_view *v = observe_view(ob);
    assert_non_null(v);
    assert_string_equal(v->source, "ROLE");
    assert_true(v->cluster);
    assert_int_equal(v->n_nodes, 4);
    for (int sh = 0; sh < 2; sh++) {
        const struct model_redis_node *p = vnode(v, rfx_node(&farm, sh, 0));
        const struct model_redis_node *r = vnode(v, rfx_node(&farm, sh, 1));
        assert_int_equal(p->role, MODEL_ROLE_PRIMARY);
        assert_int_equal(r->role, MODEL_ROLE_REPLICA);
        for (int k = 0; k < 2; k++) {
            const struct model_probe *pr = k ? &r->probe : &p->probe;
            assert_true(pr->probed);
            assert_true(pr->role_own);
            assert_int_equal(pr->health, MODEL_HEALTH_ANSWERING);
            assert_true(pr->ping_us >= 0);
            assert_true(pr->answered_ms > 0);
            assert_true(pr->offset >= 0);
        }
        assert_string_equal(r->probe.link, "connected");
        assert_string_equal(p->probe.link, "");
        assert_true(r->probe.lag_bytes >= 0);
        assert_true(r->probe.lag_s >= 0);
        assert_int_equal(p->probe.lag_bytes, -1);
    }
    char line[200];
    observe_status_text(ob, loop_wall_ms(L), line, sizeof(line));
    assert_true(strncmp(line, "redis: 4 nodes, observed ", 25) == 0);

    /* into a model: every role is Redis's, with its age; nothing differs */
    struct api a;
    int64_t now = loop_wall_ms(L);
    struct model_group *g = api_model(&a, now - 1000);
    assert_true(observe_merge(ob, g));
    for (size_t i = 0; i < g->n_diffs; i++)
        print_message("unexpected difference: %s\n", g->diffs[i].text);
    assert_int_equal(g->n_diffs, 0);
    assert_null(g->redis_error);
    for (size_t i = 0; i < g->n_nodes; i++) {
        const struct model_node *n = &g->nodes[i];
        assert_int_equal(n->role_source, MODEL_ROLE_SRC_REDIS);
        assert_int_equal(n->role, i % 2 == 0 ? MODEL_ROLE_PRIMARY : MODEL_ROLE_REPLICA);
        char o[32];
        model_role_origin(n, now + 1500, o, sizeof(o));
        assert_true(strcmp(o, "redis 1s") == 0 || strcmp(o, "redis 2s") == 0);
        model_probe_text(&n->probe, now, o, sizeof(o));
        assert_true(strncmp(o, "answering ", 10) == 0);
    }
    /* the history has them as of now */
    assert_int_equal(model_role_at(g, &g->nodes[0], now + 60000, NULL), MODEL_ROLE_PRIMARY);
    struct placement *p = placement_build(g, now);
    assert_true(p->roles_known);
    assert_null(placement_find(p, "roles-unknown", NULL, NULL));
    placement_free(p);
    model_group_unref(g);
    observe_free(ob);
    /* nothing after free */
    bool never = false;
    rfx_run(L, &never, 100);
    assert_int_equal(s.updates, 1);
}

/* SIGSTOP a replica: "not answering since T" within the round's bound,
 * the others measured; SIGCONT: answering again. */
static void test_frozen_node(void **state)
{
    (void)state;
    const struct rfx_node *victim = rfx_node(&farm, 1, 1);
    struct seen s;
    uint64_t timeout = rfx_scale(800);
    struct observe *ob = start(&s, TOKEN_ENV, NULL, 200, timeout);
    wait_updates(&s, 1, 20000);
    assert_int_equal(observe_state(ob), OBSERVE_S_OK);
    stopped_pid = victim->pid;
    stopped_node = true;
    assert_int_equal(kill(victim->pid, SIGSTOP), 0);
    int64_t stop_ms = loop_wall_ms(L);
    uint64_t t0 = loop_now_ms(L);
    const struct model_redis_node *vn = NULL;
    unsigned want = s.updates + 1;
    while (loop_now_ms(L) - t0 < rfx_scale(20000)) {
        wait_updates(&s, want, 20000);
        want = s.updates + 1;
        vn = vnode(observe_view(ob), victim);
        if (vn->probe.health == MODEL_HEALTH_DOWN)
            break;
    }
    /* bounded: a round of the timeout (plus the one in flight) */
    assert_true(loop_now_ms(L) - t0 <= 3 * timeout + rfx_scale(1500));
    assert_int_equal(vn->probe.health, MODEL_HEALTH_DOWN);
    assert_true(vn->probe.down_since_ms >= stop_ms - 1000);
    assert_true(vn->probe.down_since_ms <= loop_wall_ms(L));
    assert_true(vn->probe.error[0] != '\0');
    assert_false(vn->probe.role_own);
    assert_int_equal(observe_state(ob), OBSERVE_S_OK);
    const struct model_redis_view *v = observe_view(ob);
    size_t answering = 0;
    for (size_t i = 0; i < v->n_nodes; i++)
        if (v->nodes[i].probe.health != MODEL_HEALTH_DOWN)
            answering++;
    assert_int_equal(answering, 3);
    char line[200];
    observe_status_text(ob, loop_wall_ms(L), line, sizeof(line));
    assert_non_null(strstr(line, "1 not answering"));
    /* in a model: the health, and a difference with the API */
    struct api a;
    struct model_group *g = api_model(&a, loop_wall_ms(L));
    observe_merge(ob, g);
    const struct model_node *m = model_node_by_addr(g, victim->host, victim->port);
    assert_non_null(m);
    char text[120];
    model_probe_text(&m->probe, loop_wall_ms(L), text, sizeof(text));
    assert_non_null(strstr(text, "not answering since "));
    size_t health = 0;
    for (size_t i = 0; i < g->n_diffs; i++)
        if (g->diffs[i].kind == MODEL_DIFF_HEALTH)
            health++;
    assert_int_equal(health, 1);
    model_group_unref(g);
    /* the down-since time stays across rounds */
    int64_t since = vn->probe.down_since_ms;
    wait_updates(&s, s.updates + 1, 20000);
    assert_int_equal(vnode(observe_view(ob), victim)->probe.down_since_ms, since);

    assert_int_equal(kill(victim->pid, SIGCONT), 0);
    stopped_node = false;
    t0 = loop_now_ms(L);
    do {
        wait_updates(&s, s.updates + 1, 20000);
        vn = vnode(observe_view(ob), victim);
    } while (vn->probe.health == MODEL_HEALTH_DOWN && loop_now_ms(L) - t0 < rfx_scale(20000));
    assert_int_not_equal(vn->probe.health, MODEL_HEALTH_DOWN);
    assert_int_equal(vn->probe.down_since_ms, 0);
    assert_int_equal(vn->role, MODEL_ROLE_REPLICA);
    observe_free(ob);
}

/* A node held by CLIENT PAUSE answers late: "slow" with its time. */
static void test_slow_node(void **state)
{
    (void)state;
    const struct rfx_node *held = rfx_node(&farm, 0, 1);
    struct seen s;
    slow_ms = 100;
    struct observe *ob = start(&s, TOKEN_ENV, NULL, 600000, rfx_scale(3000));
    slow_ms = 60000;
    wait_updates(&s, 1, 20000);
    struct rconn_error err;
    struct rconn_tls_options to = {.cafile = farm.ca_file};
    struct rconn_tls *tls = rconn_tls_new(&to, &err);
    struct rconn *c = rfx_connect(L, &farm, tls, held->host, held->port);
    assert_non_null(c);
    char ms[16];
    snprintf(ms, sizeof(ms), "%llu", (unsigned long long)rfx_scale_mild(1000));
    const char *pause[] = {"CLIENT", "PAUSE", ms, "ALL"};
    struct rfx_wait w;
    rfx_cmdv(L, c, &w, 4, pause);
    assert_false(w.has_err);
    rfx_wait_free(&w);
    observe_refresh(ob);
    wait_updates(&s, 2, 20000);
    const struct model_redis_node *vn = vnode(observe_view(ob), held);
    assert_int_equal(vn->probe.health, MODEL_HEALTH_SLOW);
    assert_true(vn->probe.ping_us >= 100000);
    char text[64];
    model_probe_text(&vn->probe, loop_wall_ms(L), text, sizeof(text));
    assert_true(strncmp(text, "slow ", 5) == 0);
    char line[200];
    observe_status_text(ob, loop_wall_ms(L), line, sizeof(line));
    assert_non_null(strstr(line, " slow"));
    rconn_close(c);
    rconn_tls_unref(tls);
    observe_free(ob);
}

/* A wrong token: unreachable, the reason says why, the model records it
 * and keeps the API's roles. */
static void test_wrong_token_and_dead_endpoint(void **state)
{
    (void)state;
    struct seen s;
    struct observe *ob = start(&s, BAD_TOKEN_ENV, NULL, 0, rfx_scale(3000));
    wait_updates(&s, 1, 20000);
    assert_int_equal(observe_state(ob), OBSERVE_S_UNREACHABLE);
    print_message("reason: %s\n", observe_reason(ob));
    assert_non_null(strstr(observe_reason(ob), "auth-wrongpass"));
    assert_null(observe_view(ob));
    struct api a;
    struct model_group *g = api_model(&a, loop_wall_ms(L));
    assert_true(observe_merge(ob, g));
    assert_non_null(g->redis_error);
    assert_non_null(strstr(g->redis_error, "auth-wrongpass"));
    assert_int_equal(g->redis_fetched_ms, 0);
    assert_int_equal(g->nodes[0].role_source, MODEL_ROLE_SRC_ASSUMED);
    model_group_unref(g);
    char line[300];
    observe_status_text(ob, loop_wall_ms(L), line, sizeof(line));
    assert_true(strncmp(line, "redis: unreachable (", 20) == 0);
    observe_free(ob);

    /* nothing listens there */
    int port;
    int fd = rfx_listen(1, &port);
    close(fd);
    char ep[64];
    snprintf(ep, sizeof(ep), "127.0.0.1:%d", port);
    ob = start(&s, TOKEN_ENV, ep, 0, rfx_scale(2000));
    wait_updates(&s, 1, 20000);
    assert_int_equal(observe_state(ob), OBSERVE_S_UNREACHABLE);
    print_message("reason: %s\n", observe_reason(ob));
    assert_non_null(strstr(observe_reason(ob), "connect-refused"));
    observe_free(ob);
}

/* Freed while a round is out, and from its own callback. */
static void test_cancel(void **state)
{
    (void)state;
    struct seen s;
    struct observe *ob = start(&s, TOKEN_ENV, NULL, 0, rfx_scale(3000));
    /* right away (discovery and connect in flight) */
    observe_free(ob);
    ob = start(&s, TOKEN_ENV, NULL, 0, rfx_scale(3000));
    uint64_t deadline = loop_now_ms(L) + rfx_scale(20000);
    while (!observe_console(ob) ||
           (console_state(observe_console(ob)) != CONSOLE_S_READY && loop_now_ms(L) < deadline))
        loop_run_once(L, 5);
    /* ready: the round is about to go out */
    loop_run_once(L, 0);
    observe_free(ob);
    bool never = false;
    rfx_run(L, &never, 200);
    assert_int_equal(s.updates, 0);
    /* from the callback, with rounds repeating */
    ob = start(&s, TOKEN_ENV, NULL, 10, rfx_scale(3000));
    s.free_in_cb = true;
    s.self = &ob;
    wait_updates(&s, 1, 20000);
    assert_null(ob);
    rfx_run(L, &never, 200);
    assert_int_equal(s.updates, 1);
}

/* Runs last: the farm is left failed over. */
static void test_failover_seen_next_round(void **state)
{
    (void)state;
    struct seen s;
    struct observe *ob = start(&s, TOKEN_ENV, NULL, 100, rfx_scale(3000));
    wait_updates(&s, 1, 20000);
    const struct rfx_node *rep = rfx_node(&farm, 0, 1), *old = rfx_node(&farm, 0, 0);
    struct rconn_error err;
    struct rconn_tls_options to = {.cafile = farm.ca_file};
    struct rconn_tls *tls = rconn_tls_new(&to, &err);
    struct rconn *c = rfx_connect(L, &farm, tls, rep->host, rep->port);
    assert_non_null(c);
    const char *fo[] = {"CLUSTER", "FAILOVER"};
    struct rfx_wait w;
    rfx_cmdv(L, c, &w, 2, fo);
    assert_false(w.has_err);
    rfx_wait_free(&w);
    rconn_close(c);
    rconn_tls_unref(tls);
    uint64_t t0 = loop_now_ms(L);
    bool seen = false;
    while (!seen && loop_now_ms(L) - t0 < rfx_scale(20000)) {
        wait_updates(&s, s.updates + 1, 20000);
        const struct model_redis_view *v = observe_view(ob);
        const struct model_redis_node *a = vnode(v, rep), *b = vnode(v, old);
        seen = a->role == MODEL_ROLE_PRIMARY && b->role == MODEL_ROLE_REPLICA;
        /* never two primaries in the shard, whatever the moment */
        assert_false(a->role == MODEL_ROLE_PRIMARY && b->role == MODEL_ROLE_PRIMARY);
    }
    assert_true(seen);
    struct api a;
    struct model_group *g = api_model(&a, loop_wall_ms(L));
    observe_merge(ob, g);
    const struct model_node *np = model_node_by_addr(g, rep->host, rep->port);
    assert_int_equal(np->role, MODEL_ROLE_PRIMARY);
    assert_int_equal(np->role_source, MODEL_ROLE_SRC_REDIS);
    assert_ptr_equal(model_shard_primary(g, 0), np);
    model_group_unref(g);
    observe_free(ob);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_info_helpers), cmocka_unit_test(test_role_replies),
        cmocka_unit_test(test_one_round),    cmocka_unit_test(test_frozen_node),
        cmocka_unit_test(test_slow_node),    cmocka_unit_test(test_wrong_token_and_dead_endpoint),
        cmocka_unit_test(test_cancel),       cmocka_unit_test(test_failover_seen_next_round),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
