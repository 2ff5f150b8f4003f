/* test_discover.c - endpoint and AUTH token discovery.
 *
 * Pure helpers (name stems, secret values as bare strings or JSON,
 * HOST:PORT parsing), then the whole run against the sandbox (moto with
 * SigV4 checked, started by this binary, no Redis): groups, tags, secrets
 * and SSM parameters created per run with random tokens, and every source
 * in its order: --token-env, --secret, the elcui:auth-secret tag, the
 * seed's naming (<stem>-elasticache-auth, including the "<stem>-redis-
 * cluster" ids), the prompt; the endpoint from the configuration or
 * primary endpoint, or from the SSM parameters when the group has none yet
 * or cannot be described. Explicit sources that fail end the run; groups
 * with AUTH off are not searched; IAM skips token lookups; cancellation
 * (also during the prompt) calls nothing back. No token ever appears in a
 * step, outcome or error.
 * Run from the top of the repository.
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
#include "aws/secrets.h"
#include "aws/ssm.h"
#include "core/redis/discover.h"
#include "wire_harness.h"
#include "typed_e2e.h"

/* ---- pure helpers ---- */

static void test_stems(void **state)
{
    (void)state;
    char s[DISCOVER_MAX_STEMS][128];
    size_t n = discover_stems("app-4", "app-4", s, DISCOVER_MAX_STEMS);
    assert_int_equal(n, 1);
    assert_string_equal(s[0], "app-4");
    n = discover_stems("app-4-redis-cluster", NULL, s, DISCOVER_MAX_STEMS);
    assert_int_equal(n, 2);
    assert_string_equal(s[0], "app-4-redis-cluster");
    assert_string_equal(s[1], "app-4");
    n = discover_stems("orders-cache", "shop", s, DISCOVER_MAX_STEMS);
    assert_int_equal(n, 2);
    assert_string_equal(s[0], "shop");
    assert_string_equal(s[1], "orders-cache");
    n = discover_stems("x-redis", "", s, DISCOVER_MAX_STEMS);
    assert_int_equal(n, 2);
    assert_string_equal(s[1], "x");
    n = discover_stems(NULL, NULL, s, DISCOVER_MAX_STEMS);
    assert_int_equal(n, 0);
    n = discover_stems("-redis", NULL, s, DISCOVER_MAX_STEMS);
    assert_int_equal(n, 1);
    n = discover_stems("a-redis-cluster", "b", s, 2);
    assert_int_equal(n, 2);
}

static void expect_token(const char *value, const char *want, const char *want_user)
{
    char *user = NULL;
    char *t = discover_secret_token(value, strlen(value), &user);
    if (!want) {
        assert_null(t);
    } else {
        assert_non_null(t);
        assert_string_equal(t, want);
    }
    if (want_user) {
        assert_non_null(user);
        assert_string_equal(user, want_user);
    } else {
        assert_null(user);
    }
    mem_free_secret(t);
    free(user);
}

static void test_secret_values(void **state)
{
    (void)state;
    expect_token("Abc!&#$^<>-def0123456", "Abc!&#$^<>-def0123456", NULL);
    expect_token("token-with-newline\n", "token-with-newline", NULL);
    expect_token("crlf\r\n", "crlf", NULL);
    expect_token("\n", NULL, NULL);
    expect_token("{\"password\":\"p4ss\"}", "p4ss", NULL);
    expect_token("{\"username\":\"ops\",\"password\":\"p4ss\"}", "p4ss", "ops");
    expect_token(" {\"AUTH_TOKEN\":\"t1\",\"password\":\"p\"}", "t1", NULL);
    expect_token("{\"authToken\":\"t2\",\"user\":\"u\"}", "t2", "u");
    expect_token("{\"token\":\"\"}", NULL, NULL);
    expect_token("{\"token\":42}", NULL, NULL);
    expect_token("{\"other\":\"x\"}", NULL, NULL);
    expect_token("{not json", NULL, NULL);
    expect_token("[\"a\"]", "[\"a\"]", NULL); /* not an object: the bare string */
    expect_token("{\"token\":\"a\\u0000b\"}", NULL, NULL);
    char *u = NULL;
    assert_null(discover_secret_token(NULL, 0, &u));
    assert_null(discover_secret_token("x", 0, &u));
    assert_null(discover_secret_token("a\0b", 3, &u));
    char big[DISCOVER_TOKEN_MAX + 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_null(discover_secret_token(big, strlen(big), &u));
}

static void expect_ep(const char *text, const char *host, int port)
{
    int p = -1;
    char *h = discover_parse_endpoint(text, 6379, &p);
    if (!host) {
        if (h)
            fail_msg("'%s' parsed as %s:%d", text, h, p);
        return;
    }
    assert_non_null(h);
    assert_string_equal(h, host);
    assert_int_equal(p, port);
    free(h);
}

static void test_endpoints(void **state)
{
    (void)state;
    expect_ep("clustercfg.app-4.abc.use2.cache.amazonaws.com",
              "clustercfg.app-4.abc.use2.cache.amazonaws.com", 6379);
    expect_ep("localhost:7000", "localhost", 7000);
    expect_ep(" host:6380 \n", "host", 6380);
    expect_ep("[::1]:7001", "::1", 7001);
    expect_ep("[::1]", "::1", 6379);
    expect_ep("fe80::1", "fe80::1", 6379);
    expect_ep("host:0", NULL, 0);
    expect_ep("host:65536", NULL, 0);
    expect_ep("host:12x", NULL, 0);
    expect_ep("host:", NULL, 0);
    expect_ep(":6379", NULL, 0);
    expect_ep("", NULL, 0);
    expect_ep("a b:1", NULL, 0);
    expect_ep("user@host:1", NULL, 0);
    expect_ep("[::1]x", NULL, 0);
    expect_ep("[]:1", NULL, 0);
    assert_string_equal(discover_token_source_name(DISCOVER_TOKEN_NAMING), "naming");
    assert_string_equal(discover_endpoint_source_name(DISCOVER_EP_SSM), "ssm");
}

/* ---- against the sandbox ---- */

static struct e2e sb;

struct res {
    bool done;
    void *out;
    struct aws_error err;
};

static void res_cb_common(struct res *r, void *out, const struct aws_error *err)
{
    r->done = true;
    r->out = out;
    aws_error_init(&r->err);
    if (err)
        aws_error_copy(&r->err, err);
}

static void cb_rg(struct elasticache_replication_group_out *out, const struct aws_error *err,
                  void *arg)
{
    res_cb_common(arg, out, err);
}
static void cb_secret(struct secrets_version_out *out, const struct aws_error *err, void *arg)
{
    res_cb_common(arg, out, err);
}
static void cb_param(struct ssm_put_parameter_out *out, const struct aws_error *err, void *arg)
{
    res_cb_common(arg, out, err);
}
static void cb_tags(struct elasticache_tag_list *out, const struct aws_error *err, void *arg)
{
    res_cb_common(arg, out, err);
}

static void wait_ok(struct res *r, const char *what)
{
    e2e_wait(&sb, &r->done, what);
    if (!r->out)
        fail_msg("%s: %s", what, r->err.message ? r->err.message : r->err.code);
}

/* Tokens of this run (random; wiped at the end). */
static char tok_app4[65], tok_shop[65], tok_tag[65], tok_tag_naming[65], tok_ghost[65],
    tok_plain[65], tok_env[65];
static char arn_tagged[256];

static void make_group(const char *id, bool cluster, bool tls, const char *token,
                       const struct elasticache_tag_in *tags, size_t ntags, char *arn_out)
{
    struct elasticache_create_replication_group_in in = {
        .id = id,
        .description = "discovery test",
        .has_automatic_failover_enabled = true,
        .automatic_failover_enabled = cluster,
        .cache_node_type = "cache.t3.micro",
        .engine = "redis",
        .tags = tags,
        .n_tags = ntags,
        .auth_token = token,
        .has_transit_encryption_enabled = true,
        .transit_encryption_enabled = tls,
    };
    if (cluster) {
        in.num_node_groups = 2;
        in.has_replicas_per_node_group = true;
        in.replicas_per_node_group = 1;
        in.cache_parameter_group_name = "default.redis7.cluster.on";
    } else {
        in.num_cache_clusters = 2;
    }
    struct res r = {0};
    elasticache_create_replication_group(sb.c, &in, cb_rg, &r);
    wait_ok(&r, "CreateReplicationGroup");
    struct elasticache_replication_group_out *o = r.out;
    if (arn_out)
        snprintf(arn_out, 256, "%s", o->group.arn ? o->group.arn : "");
    elasticache_replication_group_out_free(o);
}

static void make_secret(const char *name, const char *value)
{
    struct secrets_create_secret_in in = {.name = name, .secret_string = value};
    struct res r = {0};
    secrets_create_secret(sb.c, &in, cb_secret, &r);
    wait_ok(&r, "CreateSecret");
    secrets_version_out_free(r.out);
}

static void make_param(const char *name, const char *value)
{
    struct ssm_put_parameter_in in = {.name = name, .value = value, .type = "SecureString"};
    struct res r = {0};
    ssm_put_parameter(sb.c, &in, cb_param, &r);
    wait_ok(&r, "PutParameter");
    ssm_put_parameter_out_free(r.out);
}

static int group_setup(void **state)
{
    (void)state;
    e2e_sandbox_start(&sb);
    wire_random_token(tok_app4, sizeof(tok_app4));
    wire_random_token(tok_shop, sizeof(tok_shop));
    wire_random_token(tok_tag, sizeof(tok_tag));
    wire_random_token(tok_tag_naming, sizeof(tok_tag_naming));
    wire_random_token(tok_ghost, sizeof(tok_ghost));
    wire_random_token(tok_plain, sizeof(tok_plain));
    wire_random_token(tok_env, sizeof(tok_env));

    /* the seed's shape: tag elcui:stack, secret <stem>-elasticache-auth */
    struct elasticache_tag_in stack[] = {{"elcui:stack", "app-4"}};
    make_group("app-4", true, true, tok_app4, stack, 1, NULL);
    make_secret("app-4-elasticache-auth", tok_app4);
    /* Dec 2023 naming: id <stem>-redis-cluster */
    make_group("shop-redis-cluster", true, true, tok_shop, NULL, 0, NULL);
    make_secret("shop-elasticache-auth", tok_shop);
    /* the tag names a JSON secret; a naming secret also exists and loses */
    make_group("tagged", false, true, tok_tag, NULL, 0, arn_tagged);
    char json[200];
    snprintf(json, sizeof(json), "{\"username\":\"ops\",\"password\":\"%s\"}", tok_tag);
    make_secret("custom/tagged-token", json);
    mem_wipe(json, sizeof(json));
    make_secret("tagged-elasticache-auth", tok_tag_naming);
    struct elasticache_tag_in t[] = {{DISCOVER_TAG_AUTH_SECRET, "custom/tagged-token"}};
    struct elasticache_add_tags_to_resource_in at = {
        .resource_name = arn_tagged, .tags = t, .n_tags = 1};
    struct res r = {0};
    elasticache_add_tags_to_resource(sb.c, &at, cb_tags, &r);
    wait_ok(&r, "AddTagsToResource");
    elasticache_tag_list_free(r.out);
    /* AUTH off: never searched, even though a secret with its name exists */
    make_group("plain", false, false, NULL, NULL, 0, NULL);
    make_secret("plain-elasticache-auth", tok_plain);
    /* AUTH on, no secret anywhere */
    char tmp[65];
    wire_random_token(tmp, sizeof(tmp));
    make_group("nosecret", true, true, tmp, NULL, 0, NULL);
    mem_wipe(tmp, sizeof(tmp));
    /* a group this account cannot see, with the seed's SSM parameters */
    make_param("/elasticache/ghost/ghost/endpoint", "ghost.cache.example");
    make_param("/elasticache/ghost/ghost/port", "6390");
    make_secret("ghost-elasticache-auth", tok_ghost);
    /* an endpoint parameter with the port inside and no port parameter */
    make_param("/elasticache/late/late-redis-cluster/endpoint", "late.cache.example:7001");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    e2e_stop(&sb);
    mem_wipe(tok_app4, sizeof(tok_app4));
    mem_wipe(tok_shop, sizeof(tok_shop));
    mem_wipe(tok_tag, sizeof(tok_tag));
    mem_wipe(tok_tag_naming, sizeof(tok_tag_naming));
    mem_wipe(tok_ghost, sizeof(tok_ghost));
    mem_wipe(tok_plain, sizeof(tok_plain));
    mem_wipe(tok_env, sizeof(tok_env));
    return 0;
}

struct run {
    bool done;
    int calls;
    struct discover_result *res;
};

static void on_result(struct discover_result *res, void *arg)
{
    struct run *r = arg;
    r->done = true;
    r->calls++;
    r->res = res;
}

/* No token of this run in anything the result says. */
static void check_clean(const struct discover_result *r)
{
    const char *toks[] = {tok_app4,  tok_shop,  tok_tag, tok_tag_naming,
                          tok_ghost, tok_plain, tok_env};
    for (size_t t = 0; t < sizeof(toks) / sizeof(toks[0]); t++) {
        assert_null(strstr(r->error, toks[t]));
        assert_null(strstr(r->token_origin, toks[t]));
        assert_null(strstr(r->endpoint_origin, toks[t]));
        for (size_t i = 0; i < r->n_steps; i++) {
            assert_null(strstr(r->steps[i].what, toks[t]));
            assert_null(strstr(r->steps[i].outcome, toks[t]));
        }
    }
}

static bool has_step(const struct discover_result *r, const char *what)
{
    for (size_t i = 0; i < r->n_steps; i++)
        if (strstr(r->steps[i].what, what))
            return true;
    return false;
}

static struct discover_result *run(struct discover_options *o)
{
    struct run r = {0};
    o->loop = sb.l;
    if (!o->aws)
        o->aws = sb.c;
    struct discover_req *q = discover_start(o, on_result, &r);
    assert_non_null(q);
    assert_false(r.done); /* never from inside discover_start */
    e2e_wait(&sb, &r.done, "discovery");
    assert_int_equal(r.calls, 1);
    assert_non_null(r.res);
    check_clean(r.res);
    return r.res;
}

static void test_seed_naming(void **state)
{
    (void)state;
    struct discover_options o = {.rg_id = "app-4"};
    struct discover_result *r = run(&o);
    assert_false(r->failed);
    assert_non_null(r->model);
    assert_string_equal(r->model->id, "app-4");
    assert_true(r->cluster_known && r->cluster);
    assert_true(r->tls_known && r->tls);
    assert_true(r->auth_known && r->auth_on);
    assert_int_equal(r->endpoint_source, DISCOVER_EP_CONFIG);
    assert_non_null(r->host);
    assert_string_equal(r->host, r->model->configuration_endpoint.host);
    assert_int_equal(r->port, r->model->configuration_endpoint.port);
    assert_non_null(r->stack);
    assert_string_equal(r->stack, "app-4");
    assert_int_equal(r->token_source, DISCOVER_TOKEN_NAMING);
    assert_string_equal(r->token_origin, "app-4-elasticache-auth");
    assert_string_equal(r->token, tok_app4);
    assert_null(r->user);
    assert_true(has_step(r, "secret app-4-elasticache-auth"));
    discover_result_free(r);
}

static void test_redis_cluster_stem(void **state)
{
    (void)state;
    struct discover_options o = {.rg_id = "shop-redis-cluster"};
    struct discover_result *r = run(&o);
    assert_false(r->failed);
    assert_int_equal(r->token_source, DISCOVER_TOKEN_NAMING);
    assert_string_equal(r->token_origin, "shop-elasticache-auth");
    assert_string_equal(r->token, tok_shop);
    /* the full id was tried first and not found */
    assert_true(has_step(r, "secret shop-redis-cluster-elasticache-auth"));
    discover_result_free(r);
}

static void test_tag_wins(void **state)
{
    (void)state;
    struct discover_options o = {.rg_id = "tagged"};
    struct discover_result *r = run(&o);
    assert_false(r->failed);
    assert_false(r->cluster);
    assert_int_equal(r->endpoint_source, DISCOVER_EP_PRIMARY);
    assert_non_null(r->reader_host);
    assert_int_equal(r->token_source, DISCOVER_TOKEN_TAG);
    assert_string_equal(r->token_origin, "custom/tagged-token");
    assert_string_equal(r->token, tok_tag);
    assert_non_null(r->user);
    assert_string_equal(r->user, "ops"); /* from the JSON secret */
    assert_false(has_step(r, "secret tagged-elasticache-auth"));
    discover_result_free(r);

    /* --user given wins over the secret's username */
    o = (struct discover_options){.rg_id = "tagged", .user = "admin"};
    r = run(&o);
    assert_string_equal(r->user, "admin");
    discover_result_free(r);
}

static void test_env_and_secret_options(void **state)
{
    (void)state;
    setenv("ELCUI_TEST_DISCOVER_TOKEN", tok_env, 1);
    struct discover_options o = {.rg_id = "app-4",
                                 .token_env = "ELCUI_TEST_DISCOVER_TOKEN",
                                 .secret_id = "shop-elasticache-auth"};
    struct discover_result *r = run(&o);
    assert_false(r->failed);
    assert_int_equal(r->token_source, DISCOVER_TOKEN_ENV);
    assert_string_equal(r->token_origin, "ELCUI_TEST_DISCOVER_TOKEN");
    assert_string_equal(r->token, tok_env);
    assert_false(has_step(r, "secret "));
    discover_result_free(r);
    unsetenv("ELCUI_TEST_DISCOVER_TOKEN");

    /* an explicit source that fails ends the run: no falling through */
    o = (struct discover_options){.rg_id = "app-4", .token_env = "ELCUI_TEST_DISCOVER_TOKEN"};
    r = run(&o);
    assert_true(r->failed);
    assert_non_null(strstr(r->error, "ELCUI_TEST_DISCOVER_TOKEN"));
    assert_non_null(strstr(r->error, "not set"));
    assert_null(r->token);
    discover_result_free(r);

    o = (struct discover_options){.rg_id = "app-4", .secret_id = "shop-elasticache-auth"};
    r = run(&o);
    assert_false(r->failed);
    assert_int_equal(r->token_source, DISCOVER_TOKEN_SECRET);
    assert_string_equal(r->token, tok_shop);
    discover_result_free(r);

    o = (struct discover_options){.rg_id = "app-4", .secret_id = "no-such-secret"};
    r = run(&o);
    assert_true(r->failed);
    assert_non_null(strstr(r->error, "--secret no-such-secret: not found"));
    assert_null(r->token);
    discover_result_free(r);
}

static void test_auth_off_and_iam(void **state)
{
    (void)state;
    struct discover_options o = {.rg_id = "plain"};
    struct discover_result *r = run(&o);
    assert_false(r->failed);
    assert_true(r->auth_known && !r->auth_on);
    assert_true(r->tls_known && !r->tls);
    assert_int_equal(r->token_source, DISCOVER_TOKEN_NONE);
    assert_null(r->token);
    assert_false(has_step(r, "secret plain-elasticache-auth"));
    discover_result_free(r);

    o = (struct discover_options){.rg_id = "app-4", .iam = true, .user = "ops"};
    r = run(&o);
    assert_false(r->failed);
    assert_int_equal(r->token_source, DISCOVER_TOKEN_IAM);
    assert_null(r->token);
    assert_false(has_step(r, "secret "));
    discover_result_free(r);

    o = (struct discover_options){.rg_id = "app-4", .no_auth = true};
    r = run(&o);
    assert_int_equal(r->token_source, DISCOVER_TOKEN_NONE);
    assert_null(r->token);
    discover_result_free(r);
}

struct prompt_ctx {
    int asked;
    char question[300];
    const char *answer; /* NULL: keep the question pending */
    creds_prompt_done done;
    void *done_arg;
};

static void test_prompt_fn(void *ctx, const char *question, creds_prompt_done done, void *done_arg)
{
    struct prompt_ctx *p = ctx;
    p->asked++;
    snprintf(p->question, sizeof(p->question), "%s", question);
    if (p->answer) {
        char buf[128];
        snprintf(buf, sizeof(buf), "%s\n", p->answer);
        done(buf, done_arg);
        mem_wipe(buf, sizeof(buf));
    } else {
        p->done = done;
        p->done_arg = done_arg;
    }
}

static void test_prompt_and_none(void **state)
{
    (void)state;
    char typed[40];
    wire_random_token(typed, sizeof(typed));
    struct prompt_ctx pc = {.answer = typed};
    struct discover_options o = {.rg_id = "nosecret", .prompt = test_prompt_fn, .prompt_ctx = &pc};
    struct discover_result *r = run(&o);
    assert_false(r->failed);
    assert_int_equal(pc.asked, 1);
    assert_non_null(strstr(pc.question, "nosecret"));
    assert_int_equal(r->token_source, DISCOVER_TOKEN_PROMPT);
    assert_string_equal(r->token, typed);
    assert_true(has_step(r, "secret nosecret-elasticache-auth"));
    for (size_t i = 0; i < r->n_steps; i++)
        assert_null(strstr(r->steps[i].outcome, typed));
    discover_result_free(r);
    mem_wipe(typed, sizeof(typed));

    /* nothing anywhere and no prompt: no token, and it says so */
    o = (struct discover_options){.rg_id = "nosecret"};
    r = run(&o);
    assert_false(r->failed);
    assert_int_equal(r->token_source, DISCOVER_TOKEN_NONE);
    assert_null(r->token);
    assert_true(has_step(r, "token"));
    discover_result_free(r);
}

static void test_ssm_fallback(void **state)
{
    (void)state;
    /* cannot be described: endpoint from SSM, token from the naming */
    struct discover_options o = {.rg_id = "ghost"};
    struct discover_result *r = run(&o);
    assert_false(r->failed);
    assert_null(r->model);
    assert_string_equal(r->model_err.code, "ReplicationGroupNotFoundFault");
    assert_false(r->cluster_known);
    assert_int_equal(r->endpoint_source, DISCOVER_EP_SSM);
    assert_string_equal(r->host, "ghost.cache.example");
    assert_int_equal(r->port, 6390);
    assert_non_null(strstr(r->endpoint_origin, "/elasticache/ghost/ghost/endpoint"));
    assert_int_equal(r->token_source, DISCOVER_TOKEN_NAMING);
    assert_string_equal(r->token, tok_ghost);
    discover_result_free(r);

    /* the endpoint parameter carries the port; no port parameter */
    o = (struct discover_options){.rg_id = "late-redis-cluster"};
    r = run(&o);
    assert_false(r->failed);
    assert_int_equal(r->endpoint_source, DISCOVER_EP_SSM);
    assert_string_equal(r->host, "late.cache.example");
    assert_int_equal(r->port, 7001);
    assert_true(has_step(r, "/elasticache/late-redis-cluster/late-redis-cluster/endpoint"));
    discover_result_free(r);

    /* nowhere: a clear failure naming what was tried */
    o = (struct discover_options){.rg_id = "nowhere"};
    r = run(&o);
    assert_true(r->failed);
    assert_non_null(strstr(r->error, "no endpoint for nowhere"));
    assert_non_null(strstr(r->error, "/elasticache/nowhere/nowhere/endpoint"));
    assert_non_null(strstr(r->error, "--endpoint"));
    discover_result_free(r);

    /* a given endpoint wins and needs no AWS for it */
    o = (struct discover_options){.rg_id = "app-4", .endpoint = "127.0.0.1:7000"};
    r = run(&o);
    assert_int_equal(r->endpoint_source, DISCOVER_EP_GIVEN);
    assert_string_equal(r->host, "127.0.0.1");
    assert_int_equal(r->port, 7000);
    assert_non_null(r->model); /* still described */
    discover_result_free(r);
    o = (struct discover_options){.rg_id = "app-4", .endpoint = "bad host:1"};
    r = run(&o);
    assert_true(r->failed);
    assert_non_null(strstr(r->error, "--endpoint"));
    discover_result_free(r);
}

static void test_cancel(void **state)
{
    (void)state;
    struct run rr = {0};
    struct discover_options o = {.loop = sb.l, .aws = sb.c, .rg_id = "app-4"};
    struct discover_req *q = discover_start(&o, on_result, &rr);
    discover_cancel(q);
    e2e_idle(&sb, 300);
    assert_int_equal(rr.calls, 0);

    /* mid-way through the AWS calls */
    q = discover_start(&o, on_result, &rr);
    for (int i = 0; i < 3; i++)
        loop_run_once(sb.l, 50);
    discover_cancel(q);
    e2e_idle(&sb, 300);
    assert_int_equal(rr.calls, 0);

    /* while the prompt is open: no callback, even when it answers later */
    struct prompt_ctx pc = {.answer = NULL};
    o = (struct discover_options){.loop = sb.l,
                                  .aws = sb.c,
                                  .rg_id = "nosecret",
                                  .prompt = test_prompt_fn,
                                  .prompt_ctx = &pc};
    q = discover_start(&o, on_result, &rr);
    uint64_t deadline = loop_now_ms(sb.l) + 20000;
    while (pc.asked == 0 && loop_now_ms(sb.l) < deadline)
        loop_run_once(sb.l, 50);
    assert_int_equal(pc.asked, 1);
    discover_cancel(q);
    pc.done("late answer", pc.done_arg);
    e2e_idle(&sb, 200);
    assert_int_equal(rr.calls, 0);

    /* unusable options */
    assert_null(discover_start(&(struct discover_options){.loop = sb.l}, on_result, &rr));
    assert_null(discover_start(&(struct discover_options){.rg_id = "x"}, on_result, &rr));
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_stems),
        cmocka_unit_test(test_secret_values),
        cmocka_unit_test(test_endpoints),
    };
    const struct CMUnitTest e2e[] = {
        cmocka_unit_test(test_seed_naming),      cmocka_unit_test(test_redis_cluster_stem),
        cmocka_unit_test(test_tag_wins),         cmocka_unit_test(test_env_and_secret_options),
        cmocka_unit_test(test_auth_off_and_iam), cmocka_unit_test(test_prompt_and_none),
        cmocka_unit_test(test_ssm_fallback),     cmocka_unit_test(test_cancel),
    };
    int rc = cmocka_run_group_tests_name("discover_pure", pure, NULL, NULL);
    rc += cmocka_run_group_tests_name("discover_sandbox", e2e, group_setup, group_teardown);
    return rc;
}
