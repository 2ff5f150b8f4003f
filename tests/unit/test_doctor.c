/* test_doctor.c - the connectivity doctor against real Redis (the sandbox
 * farm: a TLS cluster of 3 shards x 1 replica with AUTH, and a plain
 * stand-alone node), with a model built from API-shaped structs naming
 * the farm's nodes, plus endpoints that fail on purpose: a name that does
 * not resolve, a closed port, a listener whose accept queue is full (SYNs
 * dropped: what a security group does), a node frozen with SIGSTOP.
 *
 * Each cause is named: healthy group; wrong token (WRONGPASS, with where
 * the token came from); no token (NOAUTH); wrong CA (certificate);
 * unusable CA file; TLS to a plain node; plain text to a TLS node; DNS;
 * refused; connect timeout; frozen node (unresponsive). Slot coverage is
 * reported; nodes only Redis knows are added; cancellation is silent.
 * Run from the top of the repository (tests/sandbox/farm).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_skip.h"

#include "redis_fixture.h"

#include "core/redis/doctor.h"
#include "core/model/model.h"

static struct rfx_farm farm;  /* TLS cluster */
static struct rfx_farm plain; /* plain stand-alone node */
static struct loop *L;
static char otherca[PATH_MAX];

static int group_setup(void **state)
{
    (void)state;
    static const char *const args[] = {"--shards", "3", "--replicas", "1", NULL};
    static const char *const pargs[] = {"--no-tls", "--no-cluster", "--replicas", "0", NULL};
    if (rfx_farm_start(&farm, args) != 0 || rfx_farm_start(&plain, pargs) != 0 ||
        rfx_farm_wait(&farm) != 0 || rfx_farm_wait(&plain) != 0)
        return -1;
    L = loop_new();
    /* a bundle that does not hold the farm's CA: its server certificate */
    snprintf(otherca, sizeof(otherca), "%.400s", farm.ca_file);
    char *slash = strrchr(otherca, '/');
    snprintf(slash + 1, sizeof(otherca) - (size_t)(slash + 1 - otherca), "server.crt");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    loop_free(L);
    rfx_farm_down(&farm);
    rfx_farm_down(&plain);
    return 0;
}

/* ---- a model of the farm, as the API would describe it ---- */

struct extra_node {
    const char *host;
    int port;
};

static struct model_group *farm_model(const struct extra_node *extra, size_t nextra)
{
    struct elasticache_replication_group rg;
    memset(&rg, 0, sizeof(rg));
    rg.id = "farm";
    rg.status = "available";
    rg.has_cluster_enabled = true;
    rg.cluster_enabled = true;
    rg.has_transit_encryption_enabled = true;
    rg.transit_encryption_enabled = true;
    rg.has_auth_token_enabled = true;
    rg.auth_token_enabled = true;
    const struct rfx_node *seed = rfx_node(&farm, 0, 0);
    rg.configuration_endpoint.address = (char *)seed->host;
    rg.configuration_endpoint.port = seed->port;
    struct elasticache_node_group ngs[4];
    struct elasticache_node_group_member members[4][3];
    struct elasticache_cache_cluster ccs[16];
    struct elasticache_cache_node cns[16];
    char ids[16][32], ngid[4][16];
    static const char *const azs[] = {"us-east-2a", "us-east-2b", "us-east-2c"};
    size_t ncc = 0;
    memset(ngs, 0, sizeof(ngs));
    memset(members, 0, sizeof(members));
    memset(ccs, 0, sizeof(ccs));
    memset(cns, 0, sizeof(cns));
    for (int s = 0; s < 3; s++) {
        snprintf(ngid[s], sizeof(ngid[s]), "%04d", s + 1);
        ngs[s].node_group_id = ngid[s];
        ngs[s].status = "available";
        ngs[s].members = members[s];
        for (int m = 0; m < 2; m++) {
            const struct rfx_node *n = rfx_node(&farm, s, m);
            snprintf(ids[ncc], sizeof(ids[ncc]), "farm-%04d-%03d", s + 1, m + 1);
            members[s][m].cache_cluster_id = ids[ncc];
            members[s][m].cache_node_id = "0001";
            members[s][m].preferred_availability_zone = (char *)azs[(s + m) % 3];
            ngs[s].n_members++;
            ccs[ncc].id = ids[ncc];
            ccs[ncc].replication_group_id = "farm";
            ccs[ncc].status = "available";
            ccs[ncc].preferred_availability_zone = (char *)azs[(s + m) % 3];
            cns[ncc].id = "0001";
            cns[ncc].status = "available";
            cns[ncc].endpoint.address = (char *)n->host;
            cns[ncc].endpoint.port = n->port;
            ccs[ncc].nodes = &cns[ncc];
            ccs[ncc].n_nodes = 1;
            ncc++;
        }
    }
    rg.n_node_groups = 3;
    /* extra members (endpoints that fail on purpose) in a fourth shard */
    if (nextra) {
        snprintf(ngid[3], sizeof(ngid[3]), "0004");
        ngs[3].node_group_id = ngid[3];
        ngs[3].members = members[3];
        for (size_t e = 0; e < nextra && e < 3; e++) {
            snprintf(ids[ncc], sizeof(ids[ncc]), "farm-0004-%03zu", e + 1);
            members[3][e].cache_cluster_id = ids[ncc];
            members[3][e].cache_node_id = "0001";
            ngs[3].n_members++;
            ccs[ncc].id = ids[ncc];
            ccs[ncc].replication_group_id = "farm";
            cns[ncc].id = "0001";
            cns[ncc].endpoint.address = (char *)extra[e].host;
            cns[ncc].endpoint.port = extra[e].port;
            ccs[ncc].nodes = &cns[ncc];
            ccs[ncc].n_nodes = 1;
            ncc++;
        }
        rg.n_node_groups = 4;
    }
    rg.node_groups = ngs;
    char *mc[16];
    for (size_t i = 0; i < ncc; i++)
        mc[i] = ids[i];
    rg.member_clusters = mc;
    rg.n_member_clusters = ncc;
    struct elasticache_cache_cluster_list cl = {.items = ccs, .n = ncc};
    return model_group_from_api(&rg, &cl, loop_wall_ms(L));
}

static struct discover_result *farm_disc(const struct rfx_farm *f, bool with_model,
                                         const struct extra_node *extra, size_t nextra)
{
    struct discover_result *r = mem_xcalloc(1, sizeof(*r));
    aws_error_init(&r->model_err);
    const struct rfx_node *seed = rfx_node(f, 0, 0);
    r->host = mem_xstrdup(seed->host);
    r->port = seed->port;
    if (f == &farm) {
        r->endpoint_source = DISCOVER_EP_CONFIG;
        r->cluster_known = true;
        r->cluster = true;
        if (with_model)
            r->model = farm_model(extra, nextra);
    } else {
        r->endpoint_source = DISCOVER_EP_PRIMARY;
        r->cluster_known = true;
        r->cluster = false;
    }
    r->token_source = DISCOVER_TOKEN_ENV;
    snprintf(r->token_origin, sizeof(r->token_origin), "REDIS_TOKEN");
    return r;
}

struct run {
    bool done;
    int calls;
    size_t progress;
    const struct doctor_report *rep;
};

static void on_progress(struct doctor *d, size_t check, enum doctor_step step, void *arg)
{
    struct run *r = arg;
    (void)d;
    (void)check;
    (void)step;
    r->progress++;
}

static void on_done(struct doctor *d, const struct doctor_report *rep, void *arg)
{
    struct run *r = arg;
    (void)d;
    r->done = true;
    r->calls++;
    r->rep = rep;
}

static struct doctor *run_doctor(struct discover_result *disc, struct doctor_options *o,
                                 struct run *r)
{
    memset(r, 0, sizeof(*r));
    o->loop = L;
    o->disc = disc;
    if (!o->timeout_ms)
        o->timeout_ms = rfx_scale(1500);
    o->on_progress = on_progress;
    o->on_done = on_done;
    o->arg = r;
    struct doctor *d = doctor_start(o);
    assert_non_null(d);
    assert_false(r->done);
    if (!rfx_run(L, &r->done, 30000))
        fail_msg("doctor did not finish");
    assert_int_equal(r->calls, 1);
    assert_true(r->progress > 0);
    /* no secret in anything it reports */
    for (size_t i = 0; i < r->rep->n_checks; i++) {
        const struct doctor_check *c = &r->rep->checks[i];
        assert_null(strstr(c->error, farm.token));
        assert_null(strstr(c->advice, farm.token));
        for (int s = 0; s < DOCTOR_STEPS; s++)
            assert_null(strstr(c->steps[s].detail, farm.token));
    }
    assert_null(strstr(r->rep->summary, farm.token));
    return d;
}

static const struct doctor_check *find(const struct doctor_report *r, const char *cc)
{
    for (size_t i = 0; i < r->n_checks; i++)
        if (strcmp(r->checks[i].cache_cluster_id, cc) == 0)
            return &r->checks[i];
    fail_msg("no check for %s", cc);
    return NULL;
}

static void test_healthy(void **state)
{
    (void)state;
    struct discover_result *disc = farm_disc(&farm, true, NULL, 0);
    struct doctor_options o = {.token = farm.token, .tls = true, .cafile = farm.ca_file};
    struct run r;
    struct doctor *d = run_doctor(disc, &o, &r);
    const struct doctor_report *rep = r.rep;
    if (!rep->ok)
        fail_msg("not healthy: %s", rep->summary);
    assert_int_equal(rep->n_checks, 7); /* configuration endpoint + 6 nodes */
    assert_int_equal(rep->checks[0].kind, DOCTOR_KIND_CONFIG);
    for (size_t i = 0; i < rep->n_checks; i++) {
        const struct doctor_check *c = &rep->checks[i];
        assert_true(c->ok);
        assert_int_equal(c->cause, DOCTOR_CAUSE_NONE);
        for (int s = 0; s < DOCTOR_STEPS; s++)
            assert_int_equal(c->steps[s].status, DOCTOR_OK);
        assert_non_null(strstr(c->steps[DOCTOR_TLS].detail, "verified"));
        assert_non_null(strstr(c->steps[DOCTOR_DNS].detail, "127.0.0.1"));
        assert_string_equal(c->advice, "");
    }
    const struct doctor_check *p = find(rep, "farm-0002-001");
    assert_string_equal(p->shard, "0002");
    assert_string_equal(p->role, "primary");
    assert_string_equal(find(rep, "farm-0002-002")->role, "replica");
    assert_true(rep->topology.checked && rep->topology.ok);
    assert_int_equal(rep->topology.slots_covered, 16384);
    assert_int_equal(rep->topology.primaries, 3);
    assert_int_equal(rep->topology.failed_nodes, 0);
    assert_non_null(strstr(rep->summary, "healthy"));
    doctor_free(d);
    discover_result_free(disc);

    /* without a model: the nodes come from Redis */
    disc = farm_disc(&farm, false, NULL, 0);
    d = run_doctor(disc, &o, &r);
    assert_true(r.rep->ok);
    assert_int_equal(r.rep->n_checks, 7);
    size_t redis_only = 0;
    for (size_t i = 0; i < r.rep->n_checks; i++)
        if (r.rep->checks[i].kind == DOCTOR_KIND_REDIS)
            redis_only++;
    assert_true(redis_only >= 5);
    doctor_free(d);
    discover_result_free(disc);
}

static void expect_all(const struct doctor_report *rep, enum doctor_step step,
                       enum doctor_cause cause, const char *words)
{
    assert_false(rep->ok);
    for (size_t i = 0; i < rep->n_checks; i++) {
        const struct doctor_check *c = &rep->checks[i];
        if (c->cause != cause)
            fail_msg("%s:%d: cause %s, want %s (%s)", c->host, c->port, doctor_cause_name(c->cause),
                     doctor_cause_name(cause), c->error);
        assert_int_equal(c->steps[step].status, DOCTOR_FAIL);
        if (words && !strstr(c->advice, words))
            fail_msg("advice '%s' does not say '%s'", c->advice, words);
    }
}

static void test_wrong_token_and_none(void **state)
{
    (void)state;
    struct discover_result *disc = farm_disc(&farm, true, NULL, 0);
    struct doctor_options o = {
        .token = "not-the-token-at-all", .tls = true, .cafile = farm.ca_file};
    struct run r;
    struct doctor *d = run_doctor(disc, &o, &r);
    expect_all(r.rep, DOCTOR_AUTH, DOCTOR_CAUSE_WRONGPASS, "$REDIS_TOKEN");
    assert_int_equal(r.rep->checks[0].steps[DOCTOR_TLS].status, DOCTOR_OK);
    assert_non_null(strstr(r.rep->summary, "wrong-token"));
    assert_false(r.rep->topology.ok);
    doctor_free(d);
    o.token = NULL;
    disc->token_source = DISCOVER_TOKEN_NONE;
    d = run_doctor(disc, &o, &r);
    expect_all(r.rep, DOCTOR_AUTH, DOCTOR_CAUSE_NOAUTH, "--secret");
    doctor_free(d);
    discover_result_free(disc);
}

static void test_wrong_ca(void **state)
{
    (void)state;
    struct discover_result *disc = farm_disc(&farm, true, NULL, 0);
    struct doctor_options o = {.token = farm.token, .tls = true, .cafile = otherca};
    struct run r;
    struct doctor *d = run_doctor(disc, &o, &r);
    expect_all(r.rep, DOCTOR_TLS, DOCTOR_CAUSE_CERT, "--redis-cacert");
    assert_int_equal(r.rep->checks[0].steps[DOCTOR_CONNECT].status, DOCTOR_OK);
    doctor_free(d);
    o.cafile = "/nonexistent/ca.pem";
    d = run_doctor(disc, &o, &r);
    expect_all(r.rep, DOCTOR_TLS, DOCTOR_CAUSE_CA_FILE, "--redis-cacert");
    doctor_free(d);
    /* --insecure passes, as a warning */
    o.cafile = otherca;
    o.insecure = true;
    d = run_doctor(disc, &o, &r);
    assert_true(r.rep->checks[0].ok);
    assert_int_equal(r.rep->checks[0].steps[DOCTOR_TLS].status, DOCTOR_WARN);
    assert_non_null(strstr(r.rep->checks[0].steps[DOCTOR_TLS].detail, "NOT verified"));
    doctor_free(d);
    discover_result_free(disc);
}

static void test_tls_mismatch(void **state)
{
    (void)state;
    /* TLS to a plain node */
    struct discover_result *disc = farm_disc(&plain, false, NULL, 0);
    struct doctor_options o = {.token = plain.token, .tls = true, .cafile = farm.ca_file};
    struct run r;
    struct doctor *d = run_doctor(disc, &o, &r);
    const struct doctor_check *c = &r.rep->checks[0];
    if (c->cause != DOCTOR_CAUSE_TLS_ON_PLAIN)
        fail_msg("TLS to plain: %s (%s; tls step %s)", doctor_cause_name(c->cause), c->error,
                 c->steps[DOCTOR_TLS].detail);
    assert_int_equal(c->steps[DOCTOR_TLS].status, DOCTOR_FAIL);
    assert_non_null(strstr(c->advice, "in-transit encryption off"));
    doctor_free(d);
    /* the same node in plain text is fine */
    o.tls = false;
    d = run_doctor(disc, &o, &r);
    if (!r.rep->ok)
        fail_msg("plain node: %s", r.rep->summary);
    assert_int_equal(r.rep->checks[0].steps[DOCTOR_TLS].status, DOCTOR_SKIP);
    assert_false(r.rep->topology.cluster);
    assert_int_equal(r.rep->topology.primaries, 1);
    doctor_free(d);
    discover_result_free(disc);

    /* plain text to the TLS cluster */
    disc = farm_disc(&farm, false, NULL, 0);
    o = (struct doctor_options){.token = farm.token, .tls = false};
    d = run_doctor(disc, &o, &r);
    c = &r.rep->checks[0];
    if (c->cause != DOCTOR_CAUSE_PLAIN_ON_TLS)
        fail_msg("plain to TLS: %s (%s)", doctor_cause_name(c->cause), c->error);
    assert_non_null(strstr(c->advice, "in-transit encryption on"));
    doctor_free(d);
    discover_result_free(disc);
}

/* A listener whose accept queue is full: further SYNs are dropped, as a
 * security group does. */
static int full_listener(int *port, int *fillers, size_t nfill)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(ls, 0), 0);
    socklen_t sl = sizeof(a);
    getsockname(ls, (struct sockaddr *)&a, &sl);
    *port = ntohs(a.sin_port);
    for (size_t i = 0; i < nfill; i++) {
        fillers[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        connect(fillers[i], (struct sockaddr *)&a, sizeof(a));
    }
    struct timespec ts = {0, 100 * 1000000};
    nanosleep(&ts, NULL);
    return ls;
}

static void test_network_causes(void **state)
{
    (void)state;
    if (rfx_valgrind())
        UNIT_SKIP("under valgrind: it waits out timeouts by design; the unit stage runs it under "
                  "ASan+UBSan");
    int fillers[4];
    int full_port;
    int ls = full_listener(&full_port, fillers, 4);
    int dead = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(dead, (struct sockaddr *)&a, sizeof(a));
    socklen_t sl = sizeof(a);
    getsockname(dead, (struct sockaddr *)&a, &sl);
    int dead_port = ntohs(a.sin_port);
    close(dead); /* nothing listens there now */
    struct extra_node extra[] = {
        {"no-such-node.elcui.invalid", 6379},
        {"127.0.0.1", dead_port},
        {"127.0.0.1", full_port},
    };
    struct discover_result *disc = farm_disc(&farm, true, extra, 3);
    struct doctor_options o = {
        .token = farm.token, .tls = true, .cafile = farm.ca_file, .timeout_ms = rfx_scale(800)};
    struct run r;
    struct doctor *d = run_doctor(disc, &o, &r);
    const struct doctor_report *rep = r.rep;
    assert_false(rep->ok);
    assert_int_equal(rep->n_checks, 10);
    assert_int_equal(rep->failed, 3);
    const struct doctor_check *c = find(rep, "farm-0004-001");
    assert_int_equal(c->cause, DOCTOR_CAUSE_DNS);
    assert_int_equal(c->steps[DOCTOR_DNS].status, DOCTOR_FAIL);
    assert_int_equal(c->steps[DOCTOR_CONNECT].status, DOCTOR_SKIP);
    assert_non_null(strstr(c->advice, "does not resolve"));
    c = find(rep, "farm-0004-002");
    assert_int_equal(c->cause, DOCTOR_CAUSE_REFUSED);
    assert_int_equal(c->steps[DOCTOR_DNS].status, DOCTOR_OK);
    assert_int_equal(c->steps[DOCTOR_CONNECT].status, DOCTOR_FAIL);
    c = find(rep, "farm-0004-003");
    if (c->cause != DOCTOR_CAUSE_NETWORK_TIMEOUT)
        fail_msg("full accept queue: %s (%s)", doctor_cause_name(c->cause), c->error);
    assert_non_null(strstr(c->advice, "security group"));
    assert_non_null(strstr(c->advice, "VPC"));
    /* the real nodes are fine */
    assert_true(find(rep, "farm-0001-001")->ok);
    assert_true(rep->topology.ok);
    doctor_free(d);
    discover_result_free(disc);
    for (int i = 0; i < 4; i++)
        close(fillers[i]);
    close(ls);
}

static void test_frozen_node(void **state)
{
    (void)state;
    if (rfx_valgrind())
        UNIT_SKIP("under valgrind: it waits out timeouts by design; the unit stage runs it under "
                  "ASan+UBSan");
    const struct rfx_node *rep_node = rfx_node(&farm, 2, 1);
    struct discover_result *disc = farm_disc(&farm, true, NULL, 0);
    struct doctor_options o = {
        .token = farm.token, .tls = true, .cafile = farm.ca_file, .timeout_ms = rfx_scale(800)};
    assert_int_equal(kill(rep_node->pid, SIGSTOP), 0);
    struct run r;
    uint64_t t0 = loop_now_ms(L);
    struct doctor *d = run_doctor(disc, &o, &r);
    kill(rep_node->pid, SIGCONT);
    assert_true(loop_now_ms(L) - t0 < rfx_scale(10000));
    const struct doctor_check *c = find(r.rep, "farm-0003-002");
    if (c->cause != DOCTOR_CAUSE_UNRESPONSIVE)
        fail_msg("frozen node: %s (%s)", doctor_cause_name(c->cause), c->error);
    assert_int_equal(c->steps[DOCTOR_CONNECT].status, DOCTOR_OK);
    assert_non_null(strstr(c->advice, "does not answer"));
    assert_false(r.rep->ok);
    assert_int_equal(r.rep->failed, 1);
    assert_non_null(strstr(r.rep->summary, "farm-0003-002"));
    assert_non_null(strstr(r.rep->summary, "unresponsive"));
    doctor_free(d);

    /* cancelled halfway: no callback */
    assert_int_equal(kill(rep_node->pid, SIGSTOP), 0);
    memset(&r, 0, sizeof(r));
    o.loop = L;
    o.disc = disc;
    o.on_done = on_done;
    o.on_progress = NULL;
    o.arg = &r;
    d = doctor_start(&o);
    bool never = false;
    loop_run_until(L, &never, loop_now_ms(L) + 100);
    doctor_free(d);
    loop_run_until(L, &never, loop_now_ms(L) + 300);
    kill(rep_node->pid, SIGCONT);
    assert_int_equal(r.calls, 0);
    discover_result_free(disc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthy),        cmocka_unit_test(test_wrong_token_and_none),
        cmocka_unit_test(test_wrong_ca),       cmocka_unit_test(test_tls_mismatch),
        cmocka_unit_test(test_network_causes), cmocka_unit_test(test_frozen_node),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
