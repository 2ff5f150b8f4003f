/* test_console.c - the console engine and the latency probe on a real TLS
 * Redis cluster (the sandbox farm: 3 shards x 1 replica, TLS with a CA of
 * this run, AUTH token generated per run), no AWS: the endpoint is given
 * and the token comes from an environment variable.
 *
 * Slot-routed commands reach every shard (with a lazy map, through MOVED
 * from the seed, the redirect path reported); targets label each reply;
 * blocked, dangerous and read-only refusals; repeat with an interval and
 * cancellation; wrong token, wrong CA, missing CA file and a dead endpoint
 * fail with the right classification; latency windows per node with
 * wall-clock stamps, and a node frozen with SIGSTOP reported as timeouts
 * while the others keep being measured, with no hang.
 * Run from the top of the repository (tests/sandbox/farm).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_skip.h"

#include "redis_fixture.h"

#include "core/redis/console.h"
#include "core/redis/crc16.h"
#include "core/redis/latency.h"

#define TOKEN_ENV "ELCUI_TEST_CONSOLE_TOKEN"

static struct rfx_farm farm;
static struct loop *L;

static int group_setup(void **state)
{
    (void)state;
    static const char *const args[] = {"--shards", "3", "--replicas", "1", NULL};
    if (rfx_farm_start(&farm, args) != 0 || rfx_farm_wait(&farm) != 0)
        return -1;
    setenv(TOKEN_ENV, farm.token, 1);
    L = loop_new();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    unsetenv(TOKEN_ENV);
    loop_free(L);
    rfx_farm_down(&farm);
    return 0;
}

struct evlog {
    bool ready, failed;
    struct rconn_error err;
    bool has_err;
    char text[700];
    int notices;
};

static void on_event(struct console *c, const struct console_event_info *e, void *arg)
{
    struct evlog *ev = arg;
    (void)c;
    if (e->ev == CONSOLE_EV_READY)
        ev->ready = true;
    if (e->ev == CONSOLE_EV_FAILED) {
        ev->failed = true;
        if (e->err) {
            ev->err = *e->err;
            ev->has_err = true;
        }
        snprintf(ev->text, sizeof(ev->text), "%s", e->text ? e->text : "");
    }
    if (e->ev == CONSOLE_EV_NOTICE)
        ev->notices++;
    /* never a secret in anything the engine says */
    if (e->text)
        assert_null(strstr(e->text, farm.token));
    if (e->err)
        assert_null(strstr(e->err->msg, farm.token));
}

static struct console *open_console(struct evlog *ev, const struct console_options *extra,
                                    bool wait_ready)
{
    memset(ev, 0, sizeof(*ev));
    const struct rfx_node *seed = rfx_node(&farm, 0, 0);
    char ep[96];
    snprintf(ep, sizeof(ep), "%s:%d", seed->host, seed->port);
    struct console_options o;
    if (extra)
        o = *extra;
    else
        memset(&o, 0, sizeof(o));
    o.loop = L;
    if (!o.endpoint)
        o.endpoint = ep;
    if (!o.token_env && !o.no_auth)
        o.token_env = TOKEN_ENV;
    if (!o.cafile)
        o.cafile = farm.ca_file;
    o.tls = farm.tls ? CONSOLE_TLS_ON : CONSOLE_TLS_OFF;
    if (!o.connect_timeout_ms)
        o.connect_timeout_ms = rfx_scale(3000);
    o.on_event = on_event;
    o.event_arg = ev;
    struct console *c = console_open(&o);
    assert_non_null(c);
    if (wait_ready) {
        uint64_t deadline = loop_now_ms(L) + rfx_scale(20000);
        while (!ev->ready && !ev->failed && loop_now_ms(L) < deadline)
            loop_run_once(L, 50);
        if (!ev->ready)
            fail_msg("console not ready: %s", ev->text);
        assert_int_equal(console_state(c), CONSOLE_S_READY);
    }
    return c;
}

#define MAX_REPLIES 64

struct got {
    bool done;
    int ndone;
    struct console_done d;
    struct rsafety_verdict refused;
    bool has_refused;
    struct rconn_error err;
    bool has_err;
    size_t n;
    struct {
        char node[RCLUSTER_NAME_MAX];
        enum rcluster_role role;
        redisReply *reply;
        bool failed;
        enum rconn_err code;
        size_t nhops;
        enum rcluster_hop_kind hop0;
        int slot;
        unsigned long iteration;
        int64_t wall_ms;
    } r[MAX_REPLIES];
};

static void got_reply(struct console *c, const struct console_reply *cr, void *arg)
{
    struct got *g = arg;
    (void)c;
    if (g->n >= MAX_REPLIES)
        return;
    struct rcluster_reply *rr = (struct rcluster_reply *)cr->r;
    snprintf(g->r[g->n].node, sizeof(g->r[g->n].node), "%s", rr->node);
    g->r[g->n].role = cr->label.role;
    g->r[g->n].failed = rr->err != NULL;
    g->r[g->n].code = rr->err ? rr->err->code : RCONN_OK;
    g->r[g->n].reply = rr->reply ? rcluster_reply_steal(rr) : NULL;
    g->r[g->n].nhops = rr->nhops;
    g->r[g->n].hop0 = rr->nhops ? rr->hops[0].kind : RCLUSTER_HOP_RETRY;
    g->r[g->n].slot = rr->slot;
    g->r[g->n].iteration = cr->iteration;
    g->r[g->n].wall_ms = cr->wall_ms;
    g->n++;
}

static void got_done(struct console *c, const struct console_done *d, void *arg)
{
    struct got *g = arg;
    (void)c;
    g->done = true;
    g->ndone++;
    g->d = *d;
    if (d->refused) {
        g->refused = *d->refused;
        g->has_refused = true;
    }
    if (d->err) {
        g->err = *d->err;
        g->has_err = true;
    }
    g->d.refused = NULL;
    g->d.err = NULL;
}

static void got_free(struct got *g)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->r[i].reply)
            freeReplyObject(g->r[i].reply);
    memset(g, 0, sizeof(*g));
}

static struct console_run *exec_argv(struct console *c, struct got *g, enum rcluster_target_kind t,
                                     const char *node, bool confirmed, int argc,
                                     const char *const *argv)
{
    memset(g, 0, sizeof(*g));
    struct console_request q = {
        .target = t,
        .node = node,
        .argc = argc,
        .argv = argv,
        .confirmed = confirmed,
        .on_reply = got_reply,
        .on_done = got_done,
        .arg = g,
    };
    struct console_run *r = console_exec(c, &q);
    assert_non_null(r);
    assert_false(g->done);
    return r;
}

static void wait_done(struct got *g)
{
    assert_true(rfx_run(L, &g->done, 20000));
    assert_int_equal(g->ndone, 1);
}

/* A key whose slot is served by shard s of the farm's even split. */
static void key_for_shard(int s, char *out, size_t n)
{
    int lo = s * (CRC16_SLOTS / 3), hi = s == 2 ? CRC16_SLOTS - 1 : (s + 1) * (CRC16_SLOTS / 3) - 2;
    for (int i = 0; i < 100000; i++) {
        snprintf(out, n, "elcui:%d:%d", s, i);
        int slot = crc16_keyslot(out, strlen(out));
        if (slot >= lo + 2 && slot <= hi)
            return;
    }
    fail_msg("no key for shard %d", s);
}

static void test_slot_routed_every_shard(void **state)
{
    (void)state;
    struct evlog ev;
    struct console_options o = {.lazy_map = true, .mode = RCLUSTER_CLUSTER};
    struct console *c = open_console(&ev, &o, true);
    assert_true(console_tls(c));
    assert_false(console_insecure(c));
    int moved = 0;
    for (int s = 0; s < 3; s++) {
        char key[64], val[64];
        key_for_shard(s, key, sizeof(key));
        snprintf(val, sizeof(val), "v-%d", s);
        struct got g;
        const char *set[] = {"SET", key, val};
        exec_argv(c, &g, RCLUSTER_T_SLOT, NULL, false, 3, set);
        wait_done(&g);
        assert_int_equal(g.n, 1);
        assert_false(g.r[0].failed);
        assert_int_equal(g.r[0].reply->type, REDIS_REPLY_STATUS);
        assert_string_equal(g.r[0].reply->str, "OK");
        assert_int_equal(g.r[0].slot, crc16_keyslot(key, strlen(key)));
        if (g.r[0].nhops) {
            assert_int_equal(g.r[0].hop0, RCLUSTER_HOP_MOVED);
            moved++;
        }
        /* the first key off the seed's shard went through MOVED (the map
         * is then refreshed, so later keys may go straight) */
        if (s == 1)
            assert_int_equal(g.r[0].nhops, 1);
        /* the node that answered owns the slot: the primary of shard s */
        const struct rfx_node *p = rfx_node(&farm, s, 0);
        char want[96];
        snprintf(want, sizeof(want), "%s:%d", p->host, p->port);
        assert_string_equal(g.r[0].node, want);
        got_free(&g);
        const char *get[] = {"GET", key};
        exec_argv(c, &g, RCLUSTER_T_SLOT, NULL, false, 2, get);
        wait_done(&g);
        assert_int_equal(g.r[0].reply->type, REDIS_REPLY_STRING);
        assert_string_equal(g.r[0].reply->str, val);
        assert_int_equal(g.d.replies, 1);
        assert_int_equal(g.d.error_replies, 0);
        assert_int_equal(g.d.iterations, 1);
        got_free(&g);
    }
    assert_true(moved >= 1);
    console_close(c);
}

static void test_targets_label(void **state)
{
    (void)state;
    struct evlog ev;
    struct console *c = open_console(&ev, NULL, true);
    assert_int_equal(console_node_count(c), 6);
    struct got g;
    const char *role[] = {"ROLE"};
    exec_argv(c, &g, RCLUSTER_T_PRIMARIES, NULL, false, 1, role);
    wait_done(&g);
    assert_int_equal(g.n, 3);
    for (size_t i = 0; i < g.n; i++) {
        assert_int_equal(g.r[i].role, RCLUSTER_ROLE_PRIMARY);
        assert_string_equal(g.r[i].reply->element[0]->str, "master");
    }
    got_free(&g);
    exec_argv(c, &g, RCLUSTER_T_REPLICAS, NULL, false, 1, role);
    wait_done(&g);
    assert_int_equal(g.n, 3);
    for (size_t i = 0; i < g.n; i++) {
        assert_int_equal(g.r[i].role, RCLUSTER_ROLE_REPLICA);
        assert_string_equal(g.r[i].reply->element[0]->str, "slave");
    }
    got_free(&g);
    const char *ping[] = {"PING"};
    exec_argv(c, &g, RCLUSTER_T_ALL, NULL, false, 1, ping);
    wait_done(&g);
    assert_int_equal(g.n, 6);
    for (size_t i = 0; i < g.n; i++)
        for (size_t k = i + 1; k < g.n; k++)
            assert_string_not_equal(g.r[i].node, g.r[k].node);
    got_free(&g);
    const struct rfx_node *rep = rfx_node(&farm, 1, 1);
    char name[96];
    snprintf(name, sizeof(name), "%s:%d", rep->host, rep->port);
    exec_argv(c, &g, RCLUSTER_T_NODE, name, false, 1, role);
    wait_done(&g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.r[0].node, name);
    assert_int_equal(g.r[0].role, RCLUSTER_ROLE_REPLICA);
    got_free(&g);
    /* by Redis node id */
    exec_argv(c, &g, RCLUSTER_T_NODE, rep->node_id, false, 1, role);
    wait_done(&g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.r[0].node, name);
    got_free(&g);
    /* the last node found is kept for the next request: other names, and
     * the first again, each reach their own node */
    for (int round = 0; round < 2; round++) {
        for (int s = 0; s < 3; s++) {
            for (int k = 0; k < 2; k++) {
                const struct rfx_node *fn = rfx_node(&farm, s, k);
                char fname[96];
                snprintf(fname, sizeof(fname), "%s:%d", fn->host, fn->port);
                exec_argv(c, &g, RCLUSTER_T_NODE, round ? fn->node_id : fname, false, 1, role);
                wait_done(&g);
                assert_int_equal(g.n, 1);
                assert_string_equal(g.r[0].node, fname);
                assert_int_equal(g.r[0].role, k ? RCLUSTER_ROLE_REPLICA : RCLUSTER_ROLE_PRIMARY);
                got_free(&g);
            }
        }
    }
    /* an unknown node: no reply, a usage error */
    exec_argv(c, &g, RCLUSTER_T_NODE, "no-such-node", false, 1, role);
    wait_done(&g);
    assert_int_equal(g.n, 0);
    assert_true(g.has_err);
    got_free(&g);
    struct console_node cn;
    assert_true(console_node_at(c, 0, &cn));
    assert_true(cn.info.port > 0);
    console_close(c);
}

static void test_safety(void **state)
{
    (void)state;
    struct evlog ev;
    struct console *c = open_console(&ev, NULL, true);
    struct got g;
    const char *config[] = {"CONFIG", "GET", "maxmemory"};
    exec_argv(c, &g, RCLUSTER_T_SLOT, NULL, true, 3, config);
    wait_done(&g);
    assert_true(g.has_refused);
    assert_int_equal(g.refused.kind, RSAFETY_BLOCKED);
    assert_true(g.refused.why[0] != '\0');
    assert_int_equal(g.n, 0);
    got_free(&g);
    char key[64];
    key_for_shard(0, key, sizeof(key));
    const char *flush[] = {"FLUSHALL"};
    exec_argv(c, &g, RCLUSTER_T_PRIMARIES, NULL, false, 1, flush);
    wait_done(&g);
    assert_true(g.has_refused);
    assert_int_equal(g.refused.kind, RSAFETY_CONFIRM);
    assert_int_equal(g.n, 0);
    got_free(&g);
    const char *set[] = {"SET", key, "x"};
    exec_argv(c, &g, RCLUSTER_T_SLOT, NULL, false, 3, set);
    wait_done(&g);
    got_free(&g);
    exec_argv(c, &g, RCLUSTER_T_PRIMARIES, NULL, true, 1, flush);
    wait_done(&g);
    assert_false(g.has_refused);
    assert_int_equal(g.n, 3);
    got_free(&g);
    const char *get[] = {"GET", key};
    exec_argv(c, &g, RCLUSTER_T_SLOT, NULL, false, 2, get);
    wait_done(&g);
    assert_int_equal(g.r[0].reply->type, REDIS_REPLY_NIL);
    got_free(&g);
    console_close(c);

    /* read-only: writes refused, reads run */
    struct console_options o = {.read_only = true};
    c = open_console(&ev, &o, true);
    exec_argv(c, &g, RCLUSTER_T_SLOT, NULL, true, 3, set);
    wait_done(&g);
    assert_true(g.has_refused);
    assert_int_equal(g.refused.kind, RSAFETY_READ_ONLY);
    got_free(&g);
    exec_argv(c, &g, RCLUSTER_T_SLOT, NULL, false, 2, get);
    wait_done(&g);
    assert_false(g.has_refused);
    assert_int_equal(g.n, 1);
    got_free(&g);
    console_close(c);
}

static void test_repeat_and_cancel(void **state)
{
    (void)state;
    struct evlog ev;
    struct console *c = open_console(&ev, NULL, false);
    /* queued before the session is ready: runs once it is */
    struct got g;
    memset(&g, 0, sizeof(g));
    const char *incr[] = {"INCR", "elcui:counter"};
    struct console_request q = {
        .argc = 2,
        .argv = incr,
        .repeat = 4,
        .interval_ms = 60,
        .on_reply = got_reply,
        .on_done = got_done,
        .arg = &g,
    };
    const char *del[] = {"DEL", "elcui:counter"};
    struct got g0;
    exec_argv(c, &g0, RCLUSTER_T_SLOT, NULL, false, 2, del);
    wait_done(&g0);
    got_free(&g0);
    assert_non_null(console_exec(c, &q));
    wait_done(&g);
    assert_int_equal(g.n, 4);
    assert_int_equal(g.d.iterations, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(g.r[i].iteration, i + 1);
        assert_int_equal(g.r[i].reply->integer, (long long)i + 1);
    }
    assert_true(g.r[3].wall_ms - g.r[0].wall_ms >= 3 * 60 - 5);
    got_free(&g);

    /* forever, until cancelled */
    memset(&g, 0, sizeof(g));
    q.repeat = CONSOLE_FOREVER;
    q.interval_ms = 20;
    struct console_run *r = console_exec(c, &q);
    uint64_t deadline = loop_now_ms(L) + rfx_scale(10000);
    while (g.n < 5 && loop_now_ms(L) < deadline)
        loop_run_once(L, 20);
    assert_true(g.n >= 5);
    console_run_cancel(r);
    assert_false(g.done);
    wait_done(&g);
    assert_true(g.d.cancelled);
    size_t n = g.n;
    bool never = false;
    loop_run_until(L, &never, loop_now_ms(L) + 150);
    assert_int_equal(g.n, n);
    got_free(&g);

    /* closing the session ends what is pending, cancelled */
    memset(&g, 0, sizeof(g));
    r = console_exec(c, &q);
    assert_non_null(r);
    console_close(c);
    assert_true(g.done);
    assert_true(g.d.cancelled);
    got_free(&g);
}

static void expect_fail(const struct console_options *o, enum rconn_err code, const char *words)
{
    struct evlog ev;
    struct console *c = open_console(&ev, o, false);
    struct got g;
    const char *ping[] = {"PING"};
    exec_argv(c, &g, RCLUSTER_T_SLOT, NULL, false, 1, ping);
    uint64_t deadline = loop_now_ms(L) + rfx_scale(30000);
    while ((!ev.failed || !g.done) && loop_now_ms(L) < deadline)
        loop_run_once(L, 50);
    if (!ev.failed)
        fail_msg("console did not fail (want %s)", rconn_err_name(code));
    assert_int_equal(console_state(c), CONSOLE_S_FAILED);
    if (code != RCONN_OK) {
        assert_true(ev.has_err);
        if (ev.err.code != code)
            fail_msg("failed with %s (%s), want %s", rconn_err_name(ev.err.code), ev.err.msg,
                     rconn_err_name(code));
    }
    if (words && !strstr(ev.text, words))
        fail_msg("'%s' does not say '%s'", ev.text, words);
    assert_string_equal(console_error(c), ev.text);
    /* the request queued meanwhile ends with the session's failure */
    assert_true(g.done);
    assert_true(g.has_err);
    assert_int_equal(g.n, 0);
    got_free(&g);
    console_close(c);
}

static void test_failures_classified(void **state)
{
    (void)state;
    setenv("ELCUI_TEST_WRONG_TOKEN", "this-is-not-the-token-123", 1);
    struct console_options o = {.token_env = "ELCUI_TEST_WRONG_TOKEN"};
    expect_fail(&o, RCONN_ERR_AUTH_WRONGPASS, NULL);
    unsetenv("ELCUI_TEST_WRONG_TOKEN");
    o = (struct console_options){.no_auth = true};
    expect_fail(&o, RCONN_ERR_AUTH_NOAUTH, NULL);
    /* a CA that did not sign the farm's certificate */
    char otherca[PATH_MAX];
    snprintf(otherca, sizeof(otherca), "%s/other-ca.pem", farm.dir);
    FILE *f = fopen(otherca, "w");
    assert_non_null(f);
    /* the farm's server certificate is not a CA: verification must fail */
    char srvcrt[PATH_MAX];
    snprintf(srvcrt, sizeof(srvcrt), "%.400s", farm.ca_file);
    char *slash = strrchr(srvcrt, '/');
    assert_non_null(slash);
    snprintf(slash + 1, sizeof(srvcrt) - (size_t)(slash + 1 - srvcrt), "server.crt");
    FILE *sf = fopen(srvcrt, "r");
    assert_non_null(sf);
    char buf[8192];
    size_t n = fread(buf, 1, sizeof(buf), sf);
    fclose(sf);
    fwrite(buf, 1, n, f);
    fclose(f);
    o = (struct console_options){.cafile = otherca};
    expect_fail(&o, RCONN_ERR_TLS_VERIFY, NULL);
    o = (struct console_options){.cafile = "/nonexistent/elcui/ca.pem"};
    expect_fail(&o, RCONN_ERR_TLS_CONFIG, NULL);
    /* nothing listens: refused, and no other seed to try without a model */
    o = (struct console_options){.endpoint = "127.0.0.1:1"};
    expect_fail(&o, RCONN_ERR_CONNECT_REFUSED, NULL);
    o = (struct console_options){.endpoint = "host name"};
    expect_fail(&o, RCONN_OK, "--endpoint");
    o = (struct console_options){.iam = true};
    expect_fail(&o, RCONN_OK, "--user");
}

struct lat {
    size_t windows;
    struct latency_window w[64];
    char errs[64][RCONN_ERRMSG_MAX + 32];
    bool done;
};

static void on_window(struct latency *lt, const struct latency_window *w, void *arg)
{
    struct lat *l = arg;
    (void)lt;
    if (l->windows < 64) {
        l->w[l->windows] = *w;
        l->w[l->windows].node = NULL;
        snprintf(l->errs[l->windows], sizeof(l->errs[0]), "%s:%s", w->node,
                 w->last_error ? w->last_error : "");
    }
    l->windows++;
}

static void on_lat_done(struct latency *lt, void *arg)
{
    (void)lt;
    ((struct lat *)arg)->done = true;
}

static void test_latency(void **state)
{
    (void)state;
    struct evlog ev;
    struct console *c = open_console(&ev, NULL, true);
    struct lat l;
    memset(&l, 0, sizeof(l));
    struct latency_options lo = {
        .console = c,
        .target = RCLUSTER_T_ALL,
        .window_ms = rfx_scale_mild(400),
        .windows = 2,
        .on_window = on_window,
        .on_done = on_lat_done,
        .arg = &l,
    };
    char err[256];
    int64_t t0 = loop_wall_ms(L);
    struct latency *lt = latency_start(&lo, err, sizeof(err));
    assert_non_null(lt);
    assert_int_equal(latency_node_count(lt), 6);
    assert_true(rfx_run(L, &l.done, 10000));
    assert_int_equal(l.windows, 12);
    for (size_t i = 0; i < l.windows; i++) {
        const struct latency_window *w = &l.w[i];
        assert_true(w->window.n >= 1);
        assert_int_equal(w->window.errors, 0);
        assert_true(w->window.min_us <= (uint64_t)w->window.avg_us + 1);
        assert_true(w->window.avg_us <= (double)w->window.max_us + 1);
        assert_true(w->window.p99_us >= w->window.min_us && w->window.p99_us <= w->window.max_us);
        assert_true(w->start_wall_ms >= t0 - 5 && w->end_wall_ms > w->start_wall_ms);
        assert_true(w->total.n >= w->window.n);
        assert_int_equal(w->index, i < 6 ? 1 : 2);
    }
    latency_stop(lt);

    /* one node by name; an unknown node is refused */
    const struct rfx_node *p = rfx_node(&farm, 2, 0);
    char name[96];
    snprintf(name, sizeof(name), "%s:%d", p->host, p->port);
    lo.target = RCLUSTER_T_NODE;
    lo.node = name;
    memset(&l, 0, sizeof(l));
    lo.windows = 1;
    lt = latency_start(&lo, err, sizeof(err));
    assert_non_null(lt);
    assert_int_equal(latency_node_count(lt), 1);
    assert_true(rfx_run(L, &l.done, 10000));
    assert_int_equal(l.windows, 1);
    latency_stop(lt);
    lo.node = "nope:1";
    assert_null(latency_start(&lo, err, sizeof(err)));
    assert_non_null(strstr(err, "nope:1"));
    console_close(c);
}

static void test_frozen_node(void **state)
{
    (void)state;
    if (rfx_valgrind())
        UNIT_SKIP("under valgrind: it waits out timeouts by design; the unit stage runs it under "
                  "ASan+UBSan");
    /* a replica frozen with SIGSTOP: its PINGs time out, the others keep
     * answering, nothing hangs, and it recovers after SIGCONT */
    struct evlog ev;
    struct console_options o = {.command_timeout_ms = rfx_scale(700)};
    struct console *c = open_console(&ev, &o, true);
    const struct rfx_node *rep = rfx_node(&farm, 0, 1);
    char name[96];
    snprintf(name, sizeof(name), "%s:%d", rep->host, rep->port);
    assert_int_equal(kill(rep->pid, SIGSTOP), 0);
    struct lat l;
    memset(&l, 0, sizeof(l));
    struct latency_options lo = {
        .console = c,
        .target = RCLUSTER_T_ALL,
        .window_ms = rfx_scale(1500),
        .windows = 2,
        .on_window = on_window,
        .on_done = on_lat_done,
        .arg = &l,
    };
    char err[256];
    struct latency *lt = latency_start(&lo, err, sizeof(err));
    assert_non_null(lt);
    uint64_t t0 = loop_now_ms(L);
    bool ok = rfx_run(L, &l.done, 15000);
    kill(rep->pid, SIGCONT);
    assert_true(ok);
    assert_true(loop_now_ms(L) - t0 < rfx_scale(5000));
    size_t frozen_errors = 0, others_ok = 0;
    for (size_t i = 0; i < l.windows && i < 64; i++) {
        if (strncmp(l.errs[i], name, strlen(name)) == 0 && l.errs[i][strlen(name)] == ':') {
            frozen_errors += l.w[i].window.errors;
            /* a timeout, or a reconnect whose TLS handshake gets no answer */
            if (l.w[i].window.errors)
                assert_true(strstr(l.errs[i], "timeout") || strstr(l.errs[i], "tls-handshake"));
        } else if (l.w[i].window.n > 0 && l.w[i].window.errors == 0) {
            others_ok++;
        }
    }
    assert_true(frozen_errors >= 1);
    assert_int_equal(others_ok, 10);
    latency_stop(lt);

    /* a command on the frozen node ends with a timeout, not a hang */
    assert_int_equal(kill(rep->pid, SIGSTOP), 0);
    struct got g;
    const char *ping[] = {"PING"};
    exec_argv(c, &g, RCLUSTER_T_NODE, name, false, 1, ping);
    bool done = rfx_run(L, &g.done, 10000);
    kill(rep->pid, SIGCONT);
    assert_true(done);
    assert_int_equal(g.n, 1);
    assert_true(g.r[0].failed);
    /* the command times out, or (on a fresh connection) the TLS handshake
     * gets no answer */
    if (g.r[0].code != RCONN_ERR_TIMEOUT && g.r[0].code != RCONN_ERR_CONNECT_TIMEOUT &&
        g.r[0].code != RCONN_ERR_TLS_HANDSHAKE)
        fail_msg("frozen node: %s", rconn_err_name(g.r[0].code));
    got_free(&g);
    /* and after SIGCONT it answers again */
    uint64_t deadline = loop_now_ms(L) + rfx_scale(15000);
    bool back = false;
    while (!back && loop_now_ms(L) < deadline) {
        exec_argv(c, &g, RCLUSTER_T_NODE, name, false, 1, ping);
        wait_done(&g);
        back = g.n == 1 && !g.r[0].failed;
        got_free(&g);
    }
    assert_true(back);
    console_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slot_routed_every_shard),
        cmocka_unit_test(test_targets_label),
        cmocka_unit_test(test_safety),
        cmocka_unit_test(test_repeat_and_cancel),
        cmocka_unit_test(test_failures_classified),
        cmocka_unit_test(test_latency),
        cmocka_unit_test(test_frozen_node),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
