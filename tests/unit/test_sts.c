/* test_sts.c - typed STS calls: request builders, parsers on recorded
 * answers (tests/unit/data/creds), the calls through aws_client against
 * tests/tools/credserver.py (SigV4 verified there) and against moto server
 * as an independent STS, including the assume-role credential chain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libxml/parser.h>
#include <stdbool.h>

#include "aws/aws_client.h"
#include "aws/awstime.h"
#include "aws/creds.h"
#include "aws/http.h"
#include "aws/mem.h"
#include "aws/profile.h"
#include "aws/query.h"
#include "aws/sts.h"
#include "core/loop.h"
#include "credserver.h"
#include "wire_harness.h"

static struct credsrv srv;
static struct credsrv moto;

static const char *const env_vars[] = {
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_MAX_ATTEMPTS",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "https_proxy",
    "http_proxy",
    "ALL_PROXY",
    NULL,
};

struct fx {
    char dir[64];
    struct loop *loop;
    struct http_client *http;
    struct profile_store *store;
    struct creds_provider *creds;
    struct aws_client *c;
    char secret[48];
};

static int group_setup(void **state)
{
    (void)state;
    http_global_init();
    if (credsrv_start(&srv) != 0)
        return -1;
    if (credsrv_moto_start(&moto) != 0) {
        fprintf(stderr, "test_sts: cannot start moto server (make deps installs it)\n");
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    credsrv_stop(&moto);
    credsrv_stop(&srv);
    http_global_cleanup();
    return 0;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/elcui-sts-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    for (size_t i = 0; env_vars[i]; i++)
        unsetenv(env_vars[i]);
    setenv("HOME", f->dir, 1);
    char path[160];
    snprintf(path, sizeof(path), "%s/config", f->dir);
    setenv("AWS_CONFIG_FILE", path, 1);
    snprintf(path, sizeof(path), "%s/credentials", f->dir);
    setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    f->loop = loop_new();
    f->http = http_client_new(loop_reactor(f->loop), NULL);
    wire_random_token(f->secret, 41);
    credsrv_config(&srv, "{}");
    credsrv_log_clear(&srv);
    *state = f;
    return 0;
}

static void drop_client(struct fx *f)
{
    aws_client_free(f->c);
    f->c = NULL;
    creds_provider_free(f->creds);
    f->creds = NULL;
    profile_free(f->store);
    f->store = NULL;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    drop_client(f);
    http_client_free(f->http);
    loop_free(f->loop);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* A client on endpoint with the default chain for profile. */
static void client(struct fx *f, const char *endpoint, const char *profile)
{
    drop_client(f);
    struct aws_error err;
    aws_error_init(&err);
    f->store = profile_load(NULL, NULL, &err);
    assert_non_null(f->store);
    struct creds_options co;
    memset(&co, 0, sizeof(co));
    co.reactor = loop_reactor(f->loop);
    co.http = f->http;
    co.store = f->store;
    co.profile = profile ? profile : "default";
    co.region = "us-east-1";
    co.sts_endpoint_override = endpoint;
    f->creds = creds_provider_new(&co);
    struct aws_client_options o;
    memset(&o, 0, sizeof(o));
    o.reactor = loop_reactor(f->loop);
    o.http = f->http;
    o.creds = f->creds;
    o.store = f->store;
    o.profile = co.profile;
    o.region = "us-east-1";
    o.endpoint_url = endpoint;
    o.max_attempts = 1;
    f->c = aws_client_new(&o, &err);
    if (!f->c)
        fail_msg("aws_client_new: %s", err.message);
}

static void run_until(struct fx *f, const bool *flag)
{
    if (!loop_run_until(f->loop, flag, loop_now_ms(f->loop) + 20000))
        fail_msg("timed out");
}

/* ---- builders ---- */

static void test_builders(void **state)
{
    (void)state;
    struct sts_assume_role_in in = {
        .role_arn = "arn:aws:iam::111122223333:role/ops",
        .role_session_name = "elcui",
        .external_id = "ext id/1",
        .serial_number = "arn:aws:iam::111122223333:mfa/me",
        .token_code = "123456",
        .duration_seconds = 900,
    };
    struct query_params *q = sts_assume_role_params(&in);
    size_t len = 0;
    char *body = query_encode(q, &len);
    assert_string_equal(body, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%"
                              "3A111122223333%3Arole%2Fops&RoleSessionName=elcui&DurationSeconds="
                              "900&ExternalId=ext+id%2F1&SerialNumber=arn%3Aaws%3Aiam%3A%"
                              "3A111122223333%3Amfa%2Fme&TokenCode=123456");
    mem_free_secret(body);
    char *desc = query_describe(q);
    assert_null(strstr(desc, "123456"));
    free(desc);
    query_params_free(q);

    struct sts_assume_role_in plain = {.role_arn = "arn:aws:iam::1:role/r",
                                       .role_session_name = "s"};
    q = sts_assume_role_params(&plain);
    body = query_encode(q, &len);
    assert_string_equal(body, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%"
                              "3A1%3Arole%2Fr&RoleSessionName=s");
    mem_free_secret(body);
    query_params_free(q);

    struct sts_web_identity_in wi = {.role_arn = "arn:aws:iam::1:role/gha",
                                     .role_session_name = "run",
                                     .web_identity_token = "eyJhbGciOi.payload.sig"};
    q = sts_web_identity_params(&wi);
    assert_string_equal(query_get(q, "WebIdentityToken"), "eyJhbGciOi.payload.sig");
    desc = query_describe(q);
    assert_null(strstr(desc, "eyJhbGciOi"));
    free(desc);
    query_params_free(q);

    q = sts_get_caller_identity_params();
    body = query_encode(q, &len);
    assert_string_equal(body, "Action=GetCallerIdentity&Version=2011-06-15");
    free(body);
    query_params_free(q);
}

/* ---- parsers on recorded answers ---- */

static char *load(const char *name, size_t *len)
{
    char rel[128], path[4096];
    snprintf(rel, sizeof(rel), "tests/unit/data/creds/%s", name);
    if (credsrv_find(rel, path, sizeof(path)) != 0)
        fail_msg("%s not found (set ELCUI_SRCDIR)", rel);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = calloc(1, 65536);
    *len = fread(buf, 1, 65535, f);
    fclose(f);
    return buf;
}

static xmlDoc *parse_file(const char *name, const char *op, xmlNode **result, struct aws_error *err)
{
    size_t len;
    char *body = load(name, &len);
    xmlDoc *doc = NULL;
    char rid[96];
    aws_error_init(err);
    int rc = query_parse(body, len, 200, op, false, &doc, result, rid, sizeof(rid), err);
    free(body);
    return rc == 0 ? doc : NULL;
}

static void test_parse_assume_role(void **state)
{
    (void)state;
    struct aws_error err;
    xmlNode *res = NULL;
    xmlDoc *doc = parse_file("assume_role.xml", "AssumeRole", &res, &err);
    assert_non_null(doc);
    struct sts_assume_role_out out;
    assert_int_equal(sts_parse_assume_role(res, &out, &err), 0);
    assert_string_equal(out.credentials.access_key_id, "ASIAIOSFODNN7EXAMPLE");
    assert_true(strcmp(out.credentials.secret_access_key, "placeholder-secret-not-a-real-key") ==
                0);
    assert_true(strcmp(out.credentials.session_token, "placeholder-session-token") == 0);
    int64_t want;
    assert_true(awstime_parse_iso8601("2024-05-01T13:00:00.250Z", &want));
    assert_true(out.credentials.expiration_ms == want);
    assert_string_equal(out.assumed_role_arn, "arn:aws:sts::111122223333:assumed-role/ops/elcui");
    assert_string_equal(out.assumed_role_id, "AROA3XFRBF535PLBIFPI4:elcui");
    assert_string_equal(out.source_identity, "alice");
    assert_int_equal(out.packed_policy_size, 6);
    /* the secrets no longer sit in the document */
    char *left = query_text(res, "Credentials/SecretAccessKey");
    assert_true(left == NULL || left[0] == '\0');
    free(left);
    sts_assume_role_out_free(&out);
    xmlFreeDoc(doc);

    doc = parse_file("web_identity.xml", "AssumeRoleWithWebIdentity", &res, &err);
    assert_non_null(doc);
    struct sts_web_identity_out wo;
    assert_int_equal(sts_parse_web_identity(res, &wo, &err), 0);
    assert_string_equal(wo.credentials.access_key_id, "ASIAJEXAMPLEXEG2JICEA");
    assert_string_equal(wo.subject_from_web_identity_token, "repo:corp/app:ref:refs/heads/main");
    assert_string_equal(wo.provider, "token.actions.githubusercontent.com");
    assert_string_equal(wo.audience, "sts.amazonaws.com");
    assert_string_equal(wo.assumed_role_arn, "arn:aws:sts::111122223333:assumed-role/gha/run-42");
    assert_null(wo.source_identity);
    sts_web_identity_out_free(&wo);
    xmlFreeDoc(doc);

    doc = parse_file("caller_identity.xml", "GetCallerIdentity", &res, &err);
    assert_non_null(doc);
    struct sts_caller_identity ci;
    assert_int_equal(sts_parse_caller_identity(res, &ci, &err), 0);
    assert_string_equal(ci.account, "111122223333");
    assert_string_equal(ci.arn, "arn:aws:sts::111122223333:assumed-role/ops/elcui");
    assert_string_equal(ci.user_id, "AROA0123456789EXAMPLE:elcui");
    sts_caller_identity_free(&ci);
    xmlFreeDoc(doc);
}

static void test_parse_incomplete_and_errors(void **state)
{
    (void)state;
    struct aws_error err;
    xmlNode *res = NULL;
    const char *incomplete[] = {"assume_role_no_token.xml", "assume_role_bad_time.xml"};
    for (int i = 0; i < 2; i++) {
        xmlDoc *doc = parse_file(incomplete[i], "AssumeRole", &res, &err);
        assert_non_null(doc);
        struct sts_assume_role_out out;
        assert_int_equal(sts_parse_assume_role(res, &out, &err), -1);
        assert_int_equal(err.kind, AWS_ERR_PARSE);
        assert_string_equal(err.code, "MalformedResponse");
        assert_string_equal(err.operation, "AssumeRole");
        assert_null(out.credentials.access_key_id); /* nothing half-filled */
        aws_error_clear(&err);
        xmlFreeDoc(doc);
    }
    /* a caller identity without Arn; no result at all */
    struct sts_caller_identity ci;
    assert_int_equal(sts_parse_caller_identity(NULL, &ci, &err), -1);
    assert_int_equal(err.kind, AWS_ERR_PARSE);
    aws_error_clear(&err);
    struct sts_web_identity_out wo;
    assert_int_equal(sts_parse_web_identity(NULL, &wo, &err), -1);
    aws_error_clear(&err);

    /* error envelope and truncated body, through query_parse */
    size_t len;
    char *body = load("error_expired.xml", &len);
    xmlDoc *doc = NULL;
    char rid[96];
    aws_error_init(&err);
    assert_int_equal(
        query_parse(body, len, 403, "AssumeRole", false, &doc, &res, rid, sizeof(rid), &err), -1);
    assert_int_equal(err.kind, AWS_ERR_SERVICE);
    assert_string_equal(err.code, "ExpiredTokenException");
    aws_error_clear(&err);
    free(body);
    body = load("truncated.xml", &len);
    assert_int_equal(
        query_parse(body, len, 200, "AssumeRole", false, &doc, &res, rid, sizeof(rid), &err), -1);
    assert_int_equal(err.kind, AWS_ERR_PARSE);
    aws_error_clear(&err);
    free(body);
}

/* ---- typed calls through aws_client ---- */

struct got {
    bool done;
    bool in_call;
    bool sync;
    bool ok;
    char a[256], b[256], c[256];
    struct aws_error err;
};

/* The common part of the callbacks: done, not synchronous, exactly one of
 * out/err; true when there is an out to read. */
static bool got_answer(struct got *g, const void *out, const struct aws_error *err)
{
    g->done = true;
    g->sync = g->in_call;
    assert_true((out == NULL) != (err == NULL));
    g->ok = err == NULL;
    if (err)
        aws_error_copy(&g->err, err);
    return g->ok;
}

static void identity_cb(const struct sts_caller_identity *out, const struct aws_error *err,
                        void *arg)
{
    struct got *g = arg;
    if (!got_answer(g, out, err))
        return;
    snprintf(g->a, sizeof(g->a), "%s", out->account);
    snprintf(g->b, sizeof(g->b), "%s", out->arn);
    snprintf(g->c, sizeof(g->c), "%s", out->user_id ? out->user_id : "");
}

static void role_cb(const struct sts_assume_role_out *out, const struct aws_error *err, void *arg)
{
    struct got *g = arg;
    if (!got_answer(g, out, err))
        return;
    snprintf(g->a, sizeof(g->a), "%s", out->credentials.access_key_id);
    snprintf(g->b, sizeof(g->b), "%s", out->assumed_role_arn ? out->assumed_role_arn : "");
    assert_non_null(out->credentials.session_token);
    assert_true(out->credentials.expiration_ms > 0);
}

static void webid_cb(const struct sts_web_identity_out *out, const struct aws_error *err, void *arg)
{
    struct got *g = arg;
    if (!got_answer(g, out, err))
        return;
    snprintf(g->a, sizeof(g->a), "%s", out->credentials.access_key_id);
    snprintf(g->b, sizeof(g->b), "%s", out->subject_from_web_identity_token);
    snprintf(g->c, sizeof(g->c), "%s", out->audience);
}

static void expect_ok(struct got *g)
{
    if (!g->ok) {
        char *m = aws_error_format(&g->err);
        fail_msg("call failed: %s", m);
    }
    assert_false(g->sync);
}

static void static_keys(struct fx *f)
{
    setenv("AWS_ACCESS_KEY_ID", "AKIDBASE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", f->secret, 1);
    char cfg[256];
    snprintf(cfg, sizeof(cfg),
             "{\"sts\": {\"keys\": {\"AKIDBASE\": {\"secret\": \"%s\"}}, \"web_token\": "
             "\"jwt-123\"}}",
             f->secret);
    credsrv_config(&srv, cfg);
}

static void test_calls_on_credserver(void **state)
{
    struct fx *f = *state;
    static_keys(f);
    client(f, srv.base, NULL);
    struct got g;
    memset(&g, 0, sizeof(g));
    g.in_call = true;
    assert_non_null(sts_get_caller_identity(f->c, identity_cb, &g));
    g.in_call = false;
    run_until(f, &g.done);
    expect_ok(&g);
    assert_string_equal(g.a, "111122223333");
    assert_string_equal(g.b, "arn:aws:iam::111122223333:user/AKIDBASE");

    memset(&g, 0, sizeof(g));
    struct sts_assume_role_in in = {.role_arn = "arn:aws:iam::111122223333:role/ops",
                                    .role_session_name = "typed",
                                    .external_id = "xid-7",
                                    .duration_seconds = 3600};
    g.in_call = true;
    sts_assume_role(f->c, &in, role_cb, &g);
    g.in_call = false;
    run_until(f, &g.done);
    expect_ok(&g);
    assert_string_equal(g.b, "arn:aws:sts::111122223333:assumed-role/ops/typed");
    json_t *log = credsrv_log(&srv);
    json_t *e;
    assert_int_equal(credsrv_count(log, "/", "AssumeRole", &e), 1);
    assert_string_equal(credsrv_str(e, NULL, "sig"), "ok");
    assert_string_equal(credsrv_str(e, "params", "ExternalId"), "xid-7");
    assert_string_equal(credsrv_str(e, "params", "DurationSeconds"), "3600");
    json_decref(log);

    memset(&g, 0, sizeof(g));
    struct sts_web_identity_in wi = {.role_arn = "arn:aws:iam::111122223333:role/gha",
                                     .role_session_name = "run-1",
                                     .web_identity_token = "jwt-123"};
    sts_assume_role_with_web_identity(f->c, &wi, webid_cb, &g);
    run_until(f, &g.done);
    expect_ok(&g);
    assert_string_equal(g.b, "system:sa");
    assert_string_equal(g.c, "sts.amazonaws.com");
    log = credsrv_log(&srv);
    assert_int_equal(credsrv_count(log, "/", "AssumeRoleWithWebIdentity", &e), 1);
    assert_string_equal(credsrv_str(e, NULL, "sig"), "unsigned");
    json_decref(log);
}

static void test_call_errors(void **state)
{
    struct fx *f = *state;
    static_keys(f);
    char cfg[256];
    snprintf(cfg, sizeof(cfg),
             "{\"sts\": {\"keys\": {\"AKIDBASE\": {\"secret\": \"%s\"}}, \"fail\": {\"action\": "
             "\"AssumeRole\", \"code\": \"AccessDenied\", \"status\": 403, \"message\": \"no "
             "trust\"}}}",
             f->secret);
    credsrv_config(&srv, cfg);
    client(f, srv.base, NULL);
    struct got g;
    memset(&g, 0, sizeof(g));
    struct sts_assume_role_in in = {.role_arn = "arn:aws:iam::111122223333:role/ops",
                                    .role_session_name = "x1"};
    sts_assume_role(f->c, &in, role_cb, &g);
    run_until(f, &g.done);
    assert_false(g.ok);
    assert_int_equal(g.err.kind, AWS_ERR_SERVICE);
    assert_string_equal(g.err.code, "AccessDenied");
    assert_int_equal(g.err.http_status, 403);
    assert_string_equal(g.err.message, "no trust");
    aws_error_clear(&g.err);
    /* a wrong secret: the signature check fails */
    setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret", 1);
    client(f, srv.base, NULL);
    memset(&g, 0, sizeof(g));
    sts_get_caller_identity(f->c, identity_cb, &g);
    run_until(f, &g.done);
    assert_false(g.ok);
    assert_string_equal(g.err.code, "SignatureDoesNotMatch");
    aws_error_clear(&g.err);
}

/* ---- moto server as an independent STS ---- */

static void test_moto_typed_and_chain(void **state)
{
    struct fx *f = *state;
    setenv("AWS_ACCESS_KEY_ID", "AKIDMOTOTEST", 1);
    setenv("AWS_SECRET_ACCESS_KEY", f->secret, 1);
    client(f, moto.base, NULL);
    struct got g;
    memset(&g, 0, sizeof(g));
    sts_get_caller_identity(f->c, identity_cb, &g);
    run_until(f, &g.done);
    expect_ok(&g);
    assert_int_equal(strlen(g.a), 12); /* moto's account id */
    memset(&g, 0, sizeof(g));
    struct sts_assume_role_in in = {.role_arn = "arn:aws:iam::123456789012:role/moto-ops",
                                    .role_session_name = "moto-typed",
                                    .duration_seconds = 900};
    sts_assume_role(f->c, &in, role_cb, &g);
    run_until(f, &g.done);
    expect_ok(&g);
    assert_non_null(strstr(g.b, "assumed-role/moto-ops/moto-typed"));

    /* the chain: profile ops assumes its role with base's keys through
     * moto's STS, and GetCallerIdentity signed with the result says so */
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    char path[160];
    snprintf(path, sizeof(path), "%s/credentials", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "[base]\naws_access_key_id = AKIDMOTOBASE\naws_secret_access_key = %s\n",
            f->secret);
    fclose(fp);
    chmod(path, 0600);
    snprintf(path, sizeof(path), "%s/config", f->dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/ops\n"
                "source_profile = base\nrole_session_name = elcui-moto\n");
    fclose(fp);
    client(f, moto.base, "ops");
    memset(&g, 0, sizeof(g));
    sts_get_caller_identity(f->c, identity_cb, &g);
    run_until(f, &g.done);
    expect_ok(&g);
    assert_non_null(strstr(g.b, "assumed-role/ops/elcui-moto"));
    assert_string_equal(creds_source(f->creds), "assume-role (profile ops via base)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_builders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_assume_role, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_incomplete_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_calls_on_credserver, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_moto_typed_and_chain, setup, teardown),
    };
    const char *filter = getenv("ELCUI_TEST_FILTER");
    if (filter)
        cmocka_set_test_filter(filter);
    int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
    xmlCleanupParser();
    return rc;
}
