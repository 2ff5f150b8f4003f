/* test_creds.c - the credential provider chain against a temporary HOME,
 * temporary config/credentials files, scripts written by the test and
 * tests/tools/credserver.py on 127.0.0.1 (IMDS, container, SSO portal,
 * STS). Keys, secrets and tokens are generated per run; assertions on
 * secrets never print them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <stdbool.h>

#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/creds.h"
#include "aws/http.h"
#include "aws/mem.h"
#include "aws/profile.h"
#include "core/loop.h"
#include "credserver.h"

static struct credsrv srv;

static const char *const env_vars[] = {
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_SSO",
    "AWS_ENDPOINT_URL_SSO_OIDC",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_EC2_METADATA_V1_DISABLED",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
    "AWS_METADATA_SERVICE_TIMEOUT",
    "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "https_proxy",
    "http_proxy",
    "ALL_PROXY",
    NULL,
};

/* ---- fake wall clock over the real loop ---- */

struct fx;
static struct fx *cur_fx;

struct fx {
    char dir[64];
    char config[128];
    char creds[128];
    struct loop *loop;
    const struct reactor *real;
    struct reactor fake;
    int64_t clock_offset;
    struct http_client *http;
    struct profile_store *store;
    struct creds_provider *p;
    char secret[48]; /* per-run values */
    char secret2[48];
    char token[64];
    /* MFA prompt */
    int prompts;
    char last_question[256];
    const char *mfa_answer; /* NULL: cancel */
};

static void *fk_watch(void *ctx, int fd, int ev, reactor_fd_cb cb, void *arg)
{
    (void)ctx;
    return cur_fx->real->ops->watch(cur_fx->real->ctx, fd, ev, cb, arg);
}
static void fk_rewatch(void *ctx, void *w, int ev)
{
    (void)ctx;
    cur_fx->real->ops->rewatch(cur_fx->real->ctx, w, ev);
}
static void fk_unwatch(void *ctx, void *w)
{
    (void)ctx;
    cur_fx->real->ops->unwatch(cur_fx->real->ctx, w);
}
static void *fk_timer(void *ctx, uint64_t ms, reactor_timer_cb cb, void *arg)
{
    (void)ctx;
    return cur_fx->real->ops->timer(cur_fx->real->ctx, ms, cb, arg);
}
static void fk_untimer(void *ctx, void *t)
{
    (void)ctx;
    cur_fx->real->ops->untimer(cur_fx->real->ctx, t);
}
static uint64_t fk_now(void *ctx)
{
    (void)ctx;
    return cur_fx->real->ops->now_ms(cur_fx->real->ctx);
}
static int64_t fk_wall(void *ctx)
{
    (void)ctx;
    return cur_fx->real->ops->wall_ms(cur_fx->real->ctx) + cur_fx->clock_offset;
}
static const struct reactor_ops fk_ops = {fk_watch,   fk_rewatch, fk_unwatch, fk_timer,
                                          fk_untimer, fk_now,     fk_wall};

static void random_hex(char *out, size_t n)
{
    unsigned char b[64];
    FILE *f = fopen("/dev/urandom", "r");
    assert_non_null(f);
    assert_int_equal(fread(b, 1, sizeof(b), f), sizeof(b));
    fclose(f);
    size_t i = 0;
    for (; i + 1 < n && i / 2 < sizeof(b); i += 2)
        snprintf(out + i, 3, "%02x", b[i / 2]);
    out[i < n ? i : n - 1] = '\0';
}

static int group_setup(void **state)
{
    (void)state;
    http_global_init();
    return credsrv_start(&srv);
}

static int group_teardown(void **state)
{
    (void)state;
    credsrv_stop(&srv);
    http_global_cleanup();
    return 0;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/elcui-creds-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->config, sizeof(f->config), "%s/config", f->dir);
    snprintf(f->creds, sizeof(f->creds), "%s/credentials", f->dir);
    for (size_t i = 0; env_vars[i]; i++)
        unsetenv(env_vars[i]);
    setenv("HOME", f->dir, 1);
    setenv("AWS_CONFIG_FILE", f->config, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", f->creds, 1);
    /* never reach a real metadata service; IMDS tests turn it back on */
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_ENDPOINT_URL_STS", srv.base, 1);
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    f->loop = loop_new();
    f->real = loop_reactor(f->loop);
    f->fake.ops = &fk_ops;
    f->fake.ctx = f;
    cur_fx = f;
    f->http = http_client_new(&f->fake, NULL);
    random_hex(f->secret, 41);
    random_hex(f->secret2, 41);
    random_hex(f->token, 60);
    credsrv_config(&srv, "{}");
    credsrv_log_clear(&srv);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    creds_provider_free(f->p);
    http_client_free(f->http);
    profile_free(f->store);
    loop_free(f->loop);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    cur_fx = NULL;
    free(f);
    return rc == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    chmod(path, mode);
}

static void writef(const char *path, mode_t mode, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void writef(const char *path, mode_t mode, const char *fmt, ...)
{
    struct buf b;
    buf_init(&b, 1024 * 1024);
    va_list ap;
    va_start(ap, fmt);
    assert_int_equal(buf_vprintf(&b, fmt, ap), 0);
    va_end(ap);
    write_file(path, buf_str(&b), mode);
    buf_free(&b);
}

static void mfa_prompt(void *ctx, const char *question, creds_prompt_done done, void *done_arg)
{
    struct fx *f = ctx;
    f->prompts++;
    snprintf(f->last_question, sizeof(f->last_question), "%s", question);
    done(f->mfa_answer, done_arg);
}

struct provider_opts {
    const char *profile;
    bool explicit_profile;
    long process_timeout_ms;
    bool with_prompt;
};

static struct creds_provider *make(struct fx *f, const struct provider_opts *po)
{
    struct aws_error err;
    aws_error_init(&err);
    profile_free(f->store);
    f->store = profile_load(NULL, NULL, &err);
    if (!f->store)
        fail_msg("profile_load: %s", err.message);
    struct creds_options o;
    memset(&o, 0, sizeof(o));
    o.reactor = &f->fake;
    o.http = f->http;
    o.store = f->store;
    o.profile = po && po->profile ? po->profile : profile_select(NULL);
    o.profile_explicit = po && po->explicit_profile;
    o.region = "us-east-1";
    o.imds_endpoint = srv.base;
    o.container_endpoint = srv.base;
    o.process_timeout_ms = po ? po->process_timeout_ms : 0;
    if (po && po->with_prompt) {
        o.prompt = mfa_prompt;
        o.prompt_ctx = f;
    }
    creds_provider_free(f->p);
    f->p = creds_provider_new(&o);
    assert_non_null(f->p);
    return f->p;
}

struct result {
    bool done;
    bool in_get;
    bool cb_inside_get;
    int calls;
    bool ok;
    struct aws_credentials c;
    struct aws_error err;
};

static void result_cb(const struct aws_credentials *c, const struct aws_error *err, void *arg)
{
    struct result *r = arg;
    r->calls++;
    if (r->in_get)
        r->cb_inside_get = true;
    r->done = true;
    if (c) {
        r->ok = true;
        creds_copy_credentials(&r->c, c);
    } else {
        r->ok = false;
        aws_error_copy(&r->err, err);
    }
}

static void result_clear(struct result *r)
{
    creds_free_credentials(&r->c);
    aws_error_clear(&r->err);
    memset(r, 0, sizeof(*r));
}

static void run_until(struct fx *f, const bool *flag, uint64_t ms)
{
    if (!loop_run_until(f->loop, flag, loop_now_ms(f->loop) + ms))
        fail_msg("timed out after %llu ms", (unsigned long long)ms);
}

static void start_get(struct fx *f, struct result *r)
{
    memset(r, 0, sizeof(*r));
    r->in_get = true;
    assert_non_null(creds_get(f->p, result_cb, r));
    r->in_get = false;
}

/* Fetch and wait; r must be cleared by the caller. */
static void get(struct fx *f, struct result *r)
{
    start_get(f, r);
    run_until(f, &r->done, 10000);
    assert_false(r->cb_inside_get);
    assert_int_equal(r->calls, 1);
}

static void expect_ok(struct result *r, const char *akid_prefix, const char *source)
{
    if (!r->ok)
        fail_msg("expected credentials, got %s: %s", r->err.code,
                 r->err.message ? r->err.message : "");
    assert_non_null(r->c.access_key_id);
    if (strncmp(r->c.access_key_id, akid_prefix, strlen(akid_prefix)) != 0)
        fail_msg("access key %s does not start with %s", r->c.access_key_id, akid_prefix);
    if (source && strcmp(r->c.source, source) != 0)
        fail_msg("source '%s', want '%s'", r->c.source, source);
}

static void expect_err(struct result *r, enum aws_error_kind kind, const char *code,
                       const char *needle)
{
    if (r->ok)
        fail_msg("expected an error %s, got credentials from %s", code, r->c.source);
    if (r->err.kind != kind || strcmp(r->err.code, code) != 0)
        fail_msg("error %s/%s, want %s/%s: %s", aws_error_kind_name(r->err.kind), r->err.code,
                 aws_error_kind_name(kind), code, r->err.message ? r->err.message : "");
    if (needle && (!r->err.message || !strstr(r->err.message, needle)))
        fail_msg("message '%s' lacks '%s'", r->err.message ? r->err.message : "", needle);
}

/* A provider made with po, asked once: an error (see expect_err). */
static void get_err(struct fx *f, const struct provider_opts *po, enum aws_error_kind kind,
                    const char *code, const char *needle)
{
    struct result r;
    make(f, po);
    get(f, &r);
    expect_err(&r, kind, code, needle);
    result_clear(&r);
}

/* A provider made with po, asked once: credentials (see expect_ok). */
static void get_ok(struct fx *f, const struct provider_opts *po, const char *akid_prefix,
                   const char *source)
{
    struct result r;
    make(f, po);
    get(f, &r);
    expect_ok(&r, akid_prefix, source);
    result_clear(&r);
}

/* Compare secrets without ever printing them. */
static bool secret_eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}
#define assert_secret_eq(a, b) assert_true(secret_eq((a), (b)))

/* ---- environment, files, chain order ---- */

static void test_environment(void **state)
{
    struct fx *f = *state;
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", f->secret, 1);
    setenv("AWS_SESSION_TOKEN", f->token, 1);
    make(f, NULL);
    assert_string_equal(creds_source(f->p), "");
    struct result r;
    get(f, &r);
    expect_ok(&r, "AKIDENV", "environment");
    assert_secret_eq(r.c.secret_access_key, f->secret);
    assert_secret_eq(r.c.session_token, f->token);
    assert_int_equal(r.c.expiration_ms, 0);
    assert_string_equal(creds_source(f->p), "environment");
    result_clear(&r);

    setenv("AWS_CREDENTIAL_EXPIRATION", "2099-01-02T03:04:05Z", 1);
    make(f, NULL);
    get(f, &r);
    expect_ok(&r, "AKIDENV", "environment");
    int64_t want;
    assert_true(awstime_parse_iso8601("2099-01-02T03:04:05Z", &want));
    assert_true(r.c.expiration_ms == want);
    result_clear(&r);

    unsetenv("AWS_SECRET_ACCESS_KEY");
    make(f, NULL);
    get(f, &r);
    expect_err(&r, AWS_ERR_CREDENTIALS, "PartialCredentials", "AWS_SECRET_ACCESS_KEY");
    result_clear(&r);
}

static void test_explicit_profile_skips_environment(void **state)
{
    struct fx *f = *state;
    writef(f->creds, 0600,
           "[default]\naws_access_key_id = AKIDDEF\naws_secret_access_key = %s\n"
           "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = %s\n",
           f->secret, f->secret2);
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", f->secret, 1);
    struct result r;
    /* AWS_PROFILE does not disable the environment provider */
    setenv("AWS_PROFILE", "dev", 1);
    make(f, NULL);
    get(f, &r);
    expect_ok(&r, "AKIDENV", "environment");
    result_clear(&r);
    /* --profile does */
    make(f, &(struct provider_opts){.profile = "dev", .explicit_profile = true});
    get(f, &r);
    expect_ok(&r, "AKIDDEV", "shared-credentials-file (profile dev)");
    assert_secret_eq(r.c.secret_access_key, f->secret2);
    result_clear(&r);
}

static void test_credentials_file_before_config_file(void **state)
{
    struct fx *f = *state;
    writef(f->config, 0600,
           "[profile both]\naws_access_key_id = AKIDCFG\naws_secret_access_key = %s\n"
           "[profile cfgonly]\naws_access_key_id = AKIDCFGONLY\naws_secret_access_key = %s\n"
           "aws_session_token = %s\n"
           "[profile half]\naws_access_key_id = AKIDHALF\n",
           f->secret, f->secret2, f->token);
    writef(f->creds, 0600, "[both]\naws_access_key_id = AKIDCRED\naws_secret_access_key = %s\n",
           f->secret2);
    struct result r;
    get_ok(f, &(struct provider_opts){.profile = "both"}, "AKIDCRED",
           "shared-credentials-file (profile both)");
    make(f, &(struct provider_opts){.profile = "cfgonly"});
    get(f, &r);
    expect_ok(&r, "AKIDCFGONLY", "config-file (profile cfgonly)");
    assert_secret_eq(r.c.session_token, f->token);
    result_clear(&r);
    get_err(f, &(struct provider_opts){.profile = "half"}, AWS_ERR_CREDENTIALS,
            "PartialCredentials", "aws_secret_access_key");
}

static void test_no_credentials_and_missing_profile(void **state)
{
    struct fx *f = *state;
    write_file(f->config, "[profile empty]\nregion = us-east-1\n", 0600);
    struct result r;
    make(f, &(struct provider_opts){.profile = "empty"});
    get(f, &r);
    expect_err(&r, AWS_ERR_CREDENTIALS, "NoCredentials", "profile 'empty'");
    assert_non_null(strstr(r.err.message, "AWS_EC2_METADATA_DISABLED"));
    result_clear(&r);
    setenv("AWS_PROFILE", "nope", 1);
    make(f, NULL);
    get(f, &r);
    expect_err(&r, AWS_ERR_CONFIG, "ProfileNotFound", "'nope'");
    result_clear(&r);
}

/* ---- caching, sharing, cancellation, freeing from a callback ---- */

static void test_cache_share_cancel(void **state)
{
    struct fx *f = *state;
    writef(f->creds, 0600, "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = %s\n",
           f->secret);
    make(f, NULL);
    struct result a, b, c;
    start_get(f, &a);
    start_get(f, &b);
    memset(&c, 0, sizeof(c));
    struct creds_req *rc = creds_get(f->p, result_cb, &c);
    creds_cancel(rc);
    run_until(f, &b.done, 5000);
    assert_true(a.done);
    assert_int_equal(c.calls, 0);
    expect_ok(&a, "AKIDFILE", NULL);
    expect_ok(&b, "AKIDFILE", NULL);
    assert_int_equal(creds_fetch_count(f->p), 1);
    result_clear(&a);
    result_clear(&b);
    get(f, &a);
    assert_int_equal(creds_fetch_count(f->p), 1); /* from the cache */
    result_clear(&a);
    creds_invalidate(f->p);
    get(f, &a);
    assert_int_equal(creds_fetch_count(f->p), 2);
    result_clear(&a);
}

struct freeing {
    struct fx *f;
    bool done;
    int calls;
};

static void free_in_cb(const struct aws_credentials *c, const struct aws_error *err, void *arg)
{
    struct freeing *x = arg;
    (void)c;
    (void)err;
    x->calls++;
    x->done = true;
    creds_provider_free(x->f->p);
    x->f->p = NULL;
}

static void test_free_inside_callback(void **state)
{
    struct fx *f = *state;
    writef(f->creds, 0600, "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = %s\n",
           f->secret);
    make(f, NULL);
    struct freeing x = {f, false, 0};
    creds_get(f->p, free_in_cb, &x);
    creds_get(f->p, free_in_cb, &x); /* dropped with the provider */
    run_until(f, &x.done, 5000);
    /* let any stray timer fire: nothing may touch the freed provider */
    for (int i = 0; i < 5; i++)
        loop_run_once(f->loop, 10);
    assert_int_equal(x.calls, 1);
}

/* ---- credential_process ---- */

static void script(struct fx *f, const char *name, const char *body)
{
    char path[160];
    snprintf(path, sizeof(path), "%s/%s", f->dir, name);
    writef(path, 0700, "#!/bin/sh\n%s", body);
}

static void test_process_success_and_quoting(void **state)
{
    struct fx *f = *state;
    char body[1024];
    snprintf(body, sizeof(body),
             "[ \"$1\" = 'two words' ] && [ \"$2\" = 'a\"b' ] || { echo \"bad args: $*\" >&2; "
             "exit 9; }\n"
             "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": "
             "\"%s\", \"SessionToken\": \"%s\", \"Expiration\": \"2099-05-01T13:00:00Z\"}'\n",
             f->secret, f->token);
    script(f, "ok.sh", body);
    writef(f->config, 0600,
           "[profile proc]\ncredential_process = %s/ok.sh 'two words' \"a\\\"b\"\n", f->dir);
    make(f, &(struct provider_opts){.profile = "proc"});
    struct result r;
    get(f, &r);
    expect_ok(&r, "AKIDPROC", "credential-process (profile proc)");
    assert_secret_eq(r.c.secret_access_key, f->secret);
    assert_secret_eq(r.c.session_token, f->token);
    int64_t want;
    assert_true(awstime_parse_iso8601("2099-05-01T13:00:00Z", &want));
    assert_true(r.c.expiration_ms == want);
    result_clear(&r);
}

static void expect_process_error(struct fx *f, const char *body, long timeout_ms,
                                 enum aws_error_kind kind, const char *code, const char *needle)
{
    script(f, "p.sh", body);
    writef(f->config, 0600, "[profile proc]\ncredential_process = %s/p.sh\n", f->dir);
    make(f, &(struct provider_opts){.profile = "proc", .process_timeout_ms = timeout_ms});
    struct result r;
    get(f, &r);
    expect_err(&r, kind, code, needle);
    assert_non_null(strstr(r.err.message, "'proc'"));
    result_clear(&r);
}

static void test_process_failures(void **state)
{
    struct fx *f = *state;
    expect_process_error(f, "echo 'not json'\n", 0, AWS_ERR_PARSE, "CredentialProcessOutput",
                         "JSON");
    expect_process_error(f,
                         "echo '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": "
                         "\"S\"}'\n",
                         0, AWS_ERR_CREDENTIALS, "CredentialProcessVersion", "Version 1");
    expect_process_error(f, "echo '{\"Version\": 1, \"AccessKeyId\": \"A\"}'\n", 0, AWS_ERR_PARSE,
                         "MalformedCredentials", "SecretAccessKey");
    expect_process_error(f, "echo 'token expired, run sso login' >&2\necho second >&2\nexit 3\n", 0,
                         AWS_ERR_CREDENTIALS, "CredentialProcessFailed",
                         "status 3: token expired, run sso login");
    /* more output than the cap */
    expect_process_error(f, "head -c 200000 /dev/zero | tr '\\0' x\n", 0, AWS_ERR_CREDENTIALS,
                         "CredentialProcessOutput", "KiB");
    /* missing program */
    writef(f->config, 0600, "[profile proc]\ncredential_process = %s/does-not-exist --x\n", f->dir);
    make(f, &(struct provider_opts){.profile = "proc"});
    struct result r;
    get(f, &r);
    expect_err(&r, AWS_ERR_CREDENTIALS, "CredentialProcessFailed", "cannot run");
    result_clear(&r);
    writef(f->config, 0600, "[profile proc]\ncredential_process = 'unterminated\n");
    get_err(f, &(struct provider_opts){.profile = "proc"}, AWS_ERR_CONFIG, "InvalidConfig",
            "no closing quotation");
}

static void test_process_timeout_kills_it(void **state)
{
    struct fx *f = *state;
    char body[512];
    /* the script and a child of it both hang; the whole group must die */
    snprintf(body, sizeof(body), "echo $$ > %s/pid\nsleep 30 &\necho $! > %s/child\nwait\n", f->dir,
             f->dir);
    uint64_t t0 = loop_now_ms(f->loop);
    expect_process_error(f, body, 300, AWS_ERR_CREDENTIALS, "CredentialProcessTimeout", "300 ms");
    uint64_t took = loop_now_ms(f->loop) - t0;
    assert_true(took >= 300 && took < 5000);
    char path[160];
    const char *names[] = {"pid", "child"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/%s", f->dir, names[i]);
        FILE *fp = fopen(path, "r");
        assert_non_null(fp);
        long pid = 0;
        assert_int_equal(fscanf(fp, "%ld", &pid), 1);
        fclose(fp);
        /* gone (reaped, or a zombie of init briefly): wait with a deadline */
        uint64_t deadline = loop_now_ms(f->loop) + 3000;
        while (kill((pid_t)pid, 0) == 0 && loop_now_ms(f->loop) < deadline)
            loop_run_once(f->loop, 10);
        assert_int_equal(kill((pid_t)pid, 0), -1);
    }
}

/* Refresh windows with a fake clock: the script's Expiration comes from a
 * file the test writes, and it counts its runs. */
static void set_expiry(struct fx *f, int64_t wall_ms)
{
    char iso[40], path[160];
    awstime_format_iso8601_s(wall_ms, iso, sizeof(iso));
    snprintf(path, sizeof(path), "%s/exp", f->dir);
    write_file(path, iso, 0600);
}

static int64_t fake_now(struct fx *f)
{
    return reactor_wall_ms(&f->fake);
}

static void test_refresh_windows(void **state)
{
    struct fx *f = *state;
    char body[1024];
    snprintf(body, sizeof(body),
             "n=$(cat %s/count 2>/dev/null || echo 0); n=$((n+1)); echo $n > %s/count\n"
             "printf '{\"Version\":1,\"AccessKeyId\":\"AKIDRUN%%s\",\"SecretAccessKey\":\"%s\","
             "\"Expiration\":\"%%s\"}' \"$n\" \"$(cat %s/exp)\"\n",
             f->dir, f->dir, f->secret, f->dir);
    script(f, "refresh.sh", body);
    writef(f->config, 0600, "[default]\ncredential_process = %s/refresh.sh\n", f->dir);
    make(f, NULL);
    const int64_t min = 60 * 1000;
    set_expiry(f, fake_now(f) + 60 * min);
    struct result r;
    get(f, &r);
    expect_ok(&r, "AKIDRUN1", NULL);
    result_clear(&r);
    /* fresh: from the cache */
    f->clock_offset += 40 * min;
    get(f, &r);
    expect_ok(&r, "AKIDRUN1", NULL);
    assert_int_equal(creds_fetch_count(f->p), 1);
    result_clear(&r);
    /* advisory (14 min left): served at once, refreshed in the background */
    f->clock_offset += 6 * min;
    set_expiry(f, fake_now(f) + 60 * min);
    get(f, &r);
    expect_ok(&r, "AKIDRUN1", NULL);
    result_clear(&r);
    uint64_t deadline = loop_now_ms(f->loop) + 5000;
    while (creds_fetch_count(f->p) < 2 && loop_now_ms(f->loop) < deadline)
        loop_run_once(f->loop, 50);
    assert_int_equal(creds_fetch_count(f->p), 2);
    get(f, &r);
    expect_ok(&r, "AKIDRUN2", NULL);
    result_clear(&r);
    /* mandatory (9 min left): everyone waits for one shared refresh */
    f->clock_offset += 51 * min;
    set_expiry(f, fake_now(f) + 60 * min);
    struct result a, b, c;
    start_get(f, &a);
    start_get(f, &b);
    start_get(f, &c);
    run_until(f, &c.done, 5000);
    assert_true(a.done && b.done);
    expect_ok(&a, "AKIDRUN3", NULL);
    expect_ok(&b, "AKIDRUN3", NULL);
    expect_ok(&c, "AKIDRUN3", NULL);
    assert_int_equal(creds_fetch_count(f->p), 3);
    result_clear(&a);
    result_clear(&b);
    result_clear(&c);
    /* expired and the refresh fails: an error, not the stale keys */
    f->clock_offset += 61 * min;
    script(f, "refresh.sh", "echo broken >&2\nexit 1\n");
    get(f, &r);
    expect_err(&r, AWS_ERR_CREDENTIALS, "CredentialProcessFailed", "broken");
    result_clear(&r);
}

/* Short-lived credentials are not refreshed on every call. */
static void test_short_lived_scaled_windows(void **state)
{
    struct fx *f = *state;
    char body[512];
    snprintf(body, sizeof(body),
             "printf '{\"Version\":1,\"AccessKeyId\":\"AKIDSHORT\",\"SecretAccessKey\":\"%s\","
             "\"Expiration\":\"%%s\"}' \"$(cat %s/exp)\"\n",
             f->secret, f->dir);
    script(f, "short.sh", body);
    writef(f->config, 0600, "[default]\ncredential_process = %s/short.sh\n", f->dir);
    make(f, NULL);
    set_expiry(f, fake_now(f) + 15 * 60 * 1000); /* like DurationSeconds=900 */
    struct result r;
    get(f, &r);
    expect_ok(&r, "AKIDSHORT", NULL);
    result_clear(&r);
    f->clock_offset += 5 * 60 * 1000;
    get(f, &r);
    expect_ok(&r, "AKIDSHORT", NULL);
    result_clear(&r);
    for (int i = 0; i < 5; i++)
        loop_run_once(f->loop, 10);
    assert_int_equal(creds_fetch_count(f->p), 1);
}

/* ---- IMDS ---- */

static void imds_env(void)
{
    unsetenv("AWS_EC2_METADATA_DISABLED");
    /* generous: valgrind is slow; the timeout test sets its own */
    setenv("AWS_METADATA_SERVICE_TIMEOUT", "5", 1);
}

static void test_imds_v2(void **state)
{
    struct fx *f = *state;
    imds_env();
    credsrv_config(&srv, "{\"imds\": {\"role\": \"web-role\", \"require_token\": true, "
                         "\"token_value\": \"tkn-1\"}}");
    make(f, NULL);
    struct result r;
    get(f, &r);
    expect_ok(&r, "ASIATEST", "imds");
    assert_non_null(r.c.session_token);
    assert_true(r.c.expiration_ms > 0);
    result_clear(&r);
    json_t *log = credsrv_log(&srv);
    json_t *e;
    assert_int_equal(credsrv_count(log, "/latest/api/token", NULL, &e), 1);
    assert_string_equal(credsrv_str(e, NULL, "method"), "PUT");
    assert_string_equal(credsrv_str(e, "headers", "x-aws-ec2-metadata-token-ttl-seconds"), "21600");
    assert_int_equal(
        credsrv_count(log, "/latest/meta-data/iam/security-credentials/web-role", NULL, &e), 1);
    assert_string_equal(credsrv_str(e, "headers", "x-aws-ec2-metadata-token"), "tkn-1");
    json_decref(log);
}

static void imds_fallback_case(struct fx *f, const char *token_mode, bool expect_v1_ok)
{
    char cfg[256];
    snprintf(cfg, sizeof(cfg), "{\"imds\": {\"role\": \"r\", \"token\": \"%s\"}}", token_mode);
    credsrv_config(&srv, cfg);
    credsrv_log_clear(&srv);
    make(f, NULL);
    struct result r;
    get(f, &r);
    if (expect_v1_ok) {
        expect_ok(&r, "ASIATEST", "imds");
        json_t *log = credsrv_log(&srv);
        json_t *e;
        assert_int_equal(
            credsrv_count(log, "/latest/meta-data/iam/security-credentials/r", NULL, &e), 1);
        assert_null(credsrv_str(e, "headers", "x-aws-ec2-metadata-token"));
        json_decref(log);
    } else {
        expect_err(&r, AWS_ERR_CREDENTIALS, "NoCredentials", "imds");
    }
    result_clear(&r);
}

static void test_imds_fallback_rules(void **state)
{
    struct fx *f = *state;
    imds_env();
    imds_fallback_case(f, "403", true);
    imds_fallback_case(f, "404", true);
    imds_fallback_case(f, "405", true);
    imds_fallback_case(f, "400", false); /* a 400 is not "no IMDSv2" */
    setenv("AWS_METADATA_SERVICE_TIMEOUT", "0.3", 1);
    credsrv_config(&srv, "{\"imds\": {\"role\": \"r\", \"token\": \"hang\", \"hang_seconds\": 2}}");
    make(f, NULL);
    struct result r;
    get(f, &r); /* token request times out: IMDSv1 */
    expect_ok(&r, "ASIATEST", "imds");
    result_clear(&r);
    /* v1 disabled: no fallback */
    setenv("AWS_EC2_METADATA_V1_DISABLED", "true", 1);
    imds_fallback_case(f, "403", false);
    json_t *log = credsrv_log(&srv);
    assert_int_equal(credsrv_count(log, "/latest/meta-data/iam/security-credentials/", NULL, NULL),
                     0);
    json_decref(log);
}

static void test_imds_no_role_and_disabled(void **state)
{
    struct fx *f = *state;
    imds_env();
    credsrv_config(&srv, "{\"imds\": {}}");
    make(f, NULL);
    struct result r;
    get(f, &r);
    expect_err(&r, AWS_ERR_CREDENTIALS, "NoCredentials", "no IAM role");
    result_clear(&r);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    credsrv_config(&srv, "{\"imds\": {\"role\": \"r\"}}");
    credsrv_log_clear(&srv);
    make(f, NULL);
    get(f, &r);
    expect_err(&r, AWS_ERR_CREDENTIALS, "NoCredentials", "AWS_EC2_METADATA_DISABLED");
    result_clear(&r);
    json_t *log = credsrv_log(&srv);
    assert_int_equal(json_array_size(log), 0);
    json_decref(log);
}

/* ---- container ---- */

static void test_container_relative_and_full(void **state)
{
    struct fx *f = *state;
    char cfg[256];
    snprintf(cfg, sizeof(cfg), "{\"container\": {\"auth\": \"%s\"}}", f->token);
    credsrv_config(&srv, cfg);
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/container/v2/creds?id=1", 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", f->token, 1);
    make(f, NULL);
    struct result r;
    get(f, &r);
    expect_ok(&r, "ASIATEST", "container");
    result_clear(&r);
    json_t *log = credsrv_log(&srv);
    json_t *e;
    assert_int_equal(credsrv_count(log, "/container/v2/creds", NULL, &e), 1);
    assert_string_equal(credsrv_str(e, "query", "id"), "1");
    assert_string_equal(credsrv_str(e, "headers", "accept"), "application/json");
    json_decref(log);

    /* FULL_URI with the token from a file (which beats the variable) */
    unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    char url[160], tfile[160];
    snprintf(url, sizeof(url), "%s/container/full", srv.base);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong-token", 1);
    snprintf(tfile, sizeof(tfile), "%s/token", f->dir);
    writef(tfile, 0600, "%s\n", f->token);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tfile, 1);
    make(f, NULL);
    get(f, &r);
    expect_ok(&r, "ASIATEST", "container");
    result_clear(&r);
    /* the wrong token gives an error without retries */
    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    credsrv_log_clear(&srv);
    make(f, NULL);
    get(f, &r);
    expect_err(&r, AWS_ERR_HTTP, "ContainerCredentials", "HTTP 401");
    result_clear(&r);
    log = credsrv_log(&srv);
    assert_int_equal(credsrv_count(log, "/container/full", NULL, NULL), 1);
    json_decref(log);
}

static void test_container_rules_and_retry(void **state)
{
    struct fx *f = *state;
    struct result r;
    const char *bad[] = {"http://example.com/creds", "http://169.254.169.254/x",
                         "ftp://127.0.0.1/x", NULL};
    for (int i = 0; bad[i]; i++) {
        setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", bad[i], 1);
        make(f, NULL);
        get(f, &r);
        expect_err(&r, AWS_ERR_CONFIG, "InvalidConfig", "not allowed");
        result_clear(&r);
    }
    /* a 500 is retried (1 s apart), then it works */
    char cfg[128], url[160];
    snprintf(cfg, sizeof(cfg), "{\"container\": {\"fail_times\": 1, \"fail_id\": \"%s\"}}",
             f->secret);
    credsrv_config(&srv, cfg);
    snprintf(url, sizeof(url), "http://localhost:%d/container/retry", srv.port);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    make(f, NULL);
    get(f, &r);
    expect_ok(&r, "ASIATEST", "container");
    result_clear(&r);
    json_t *log = credsrv_log(&srv);
    assert_int_equal(credsrv_count(log, "/container/retry", NULL, NULL), 2);
    json_decref(log);
}

static void sso_cache(struct fx *f, const char *key, const char *token, int64_t expires_ms);

/* Broken answers give clear errors (or, for IMDS, "not here"). */
static void test_malformed_answers(void **state)
{
    struct fx *f = *state;
    struct result r;
    char url[160];
    snprintf(url, sizeof(url), "%s/container/x", srv.base);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    const char *bodies[] = {"not json",
                            "[1,2]",
                            "{\"AccessKeyId\": \"A\"}",
                            "{\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"S\", "
                            "\"Expiration\": \"soon\"}",
                            "{\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"S\", "
                            "\"Expiration\": 17}",
                            "{\"AccessKeyId\": \"A\", \"Secret",
                            NULL};
    for (int i = 0; bodies[i]; i++) {
        json_t *cfg = json_pack("{s:{s:s}}", "container", "raw", bodies[i]);
        char *text = json_dumps(cfg, 0);
        credsrv_config(&srv, text);
        free(text);
        json_decref(cfg);
        make(f, NULL);
        get(f, &r);
        assert_false(r.ok);
        assert_int_equal(r.err.kind, AWS_ERR_PARSE);
        assert_non_null(strstr(r.err.message, "container credentials"));
        result_clear(&r);
    }
    unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    imds_env();
    credsrv_config(&srv, "{\"imds\": {\"role\": \"r\", \"raw\": \"<html>oops\"}}");
    make(f, NULL);
    get(f, &r);
    expect_err(&r, AWS_ERR_CREDENTIALS, "NoCredentials", "malformed credentials");
    result_clear(&r);
    credsrv_config(&srv, "{\"imds\": {\"role\": \"r\", \"code\": \"Failed\"}}");
    make(f, NULL);
    get(f, &r);
    expect_err(&r, AWS_ERR_CREDENTIALS, "NoCredentials", "not available");
    result_clear(&r);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    /* SSO portal: garbage, and a service error */
    setenv("AWS_ENDPOINT_URL_SSO", srv.base, 1);
    write_file(f->config,
               "[default]\nsso_start_url = https://x/start\nsso_region = us-east-1\n"
               "sso_account_id = 1\nsso_role_name = r\n",
               0600);
    sso_cache(f, "https://x/start", "tok", fake_now(f) + 3600 * 1000);
    credsrv_config(&srv,
                   "{\"sso\": {\"token\": \"tok\", \"raw\": \"{\\\"roleCredentials\\\": 5}\"}}");
    make(f, NULL);
    get(f, &r);
    expect_err(&r, AWS_ERR_PARSE, "MalformedResponse", "roleCredentials");
    result_clear(&r);
    credsrv_config(&srv, "{\"sso\": {\"token\": \"tok\", \"raw_status\": 400, \"raw\": "
                         "\"{\\\"__type\\\": \\\"InvalidRequestException\\\", "
                         "\\\"message\\\": \\\"bad account\\\"}\"}}");
    make(f, NULL);
    get(f, &r);
    expect_err(&r, AWS_ERR_SERVICE, "InvalidRequestException", "bad account");
    result_clear(&r);
}

/* ---- SSO ---- */

static void sso_cache(struct fx *f, const char *key, const char *token, int64_t expires_ms)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(key, strlen(key), md, &n, EVP_sha1(), NULL);
    char hex[64] = "";
    for (unsigned int i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    char dir[160], path[256], iso[40];
    snprintf(dir, sizeof(dir), "%s/.aws", f->dir);
    mkdir(dir, 0700);
    snprintf(dir, sizeof(dir), "%s/.aws/sso", f->dir);
    mkdir(dir, 0700);
    snprintf(dir, sizeof(dir), "%s/.aws/sso/cache", f->dir);
    mkdir(dir, 0700);
    snprintf(path, sizeof(path), "%s/%s.json", dir, hex);
    awstime_format_iso8601_s(expires_ms, iso, sizeof(iso));
    writef(path, 0600,
           "{\"startUrl\": \"https://corp.awsapps.com/start\", \"region\": "
           "\"eu-west-1\", \"accessToken\": \"%s\", \"expiresAt\": \"%s\"}",
           token, iso);
}

static void test_sso_session(void **state)
{
    struct fx *f = *state;
    setenv("AWS_ENDPOINT_URL_SSO", srv.base, 1);
    write_file(f->config,
               "[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\n"
               "sso_role_name = Read Only\nregion = eu-west-1\n"
               "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
               "sso_region = eu-west-1\n",
               0600);
    char cfg[256];
    snprintf(cfg, sizeof(cfg), "{\"sso\": {\"token\": \"%s\"}}", f->token);
    credsrv_config(&srv, cfg);
    struct result r;
    /* never logged in */
    get_err(f, &(struct provider_opts){.profile = "sso"}, AWS_ERR_CREDENTIALS, "SsoLoginRequired",
            "aws sso login --sso-session corp");
    /* expired login */
    sso_cache(f, "corp", f->token, fake_now(f) - 1000);
    make(f, &(struct provider_opts){.profile = "sso"});
    get(f, &r);
    expect_err(&r, AWS_ERR_CREDENTIALS, "SsoLoginRequired", "expired");
    assert_non_null(strstr(r.err.message, "aws sso login --sso-session corp"));
    result_clear(&r);
    /* valid login */
    sso_cache(f, "corp", f->token, fake_now(f) + 3600 * 1000);
    make(f, &(struct provider_opts){.profile = "sso"});
    get(f, &r);
    expect_ok(&r, "ASIATEST", "sso (profile sso)");
    assert_true(r.c.expiration_ms > fake_now(f));
    result_clear(&r);
    json_t *log = credsrv_log(&srv);
    json_t *e;
    assert_int_equal(credsrv_count(log, "/federation/credentials", NULL, &e), 1);
    assert_string_equal(credsrv_str(e, "query", "account_id"), "111122223333");
    assert_string_equal(credsrv_str(e, "query", "role_name"), "Read Only");
    assert_string_equal(credsrv_str(e, NULL, "method"), "GET");
    json_decref(log);
    /* the portal no longer accepts the token (signed out elsewhere) */
    snprintf(cfg, sizeof(cfg), "{\"sso\": {\"token\": \"%s\", \"status\": 401}}", f->token);
    credsrv_config(&srv, cfg);
    get_err(f, &(struct provider_opts){.profile = "sso"}, AWS_ERR_CREDENTIALS, "SsoLoginRequired",
            "aws sso login --sso-session corp");
}

static void test_sso_legacy_and_config_errors(void **state)
{
    struct fx *f = *state;
    setenv("AWS_ENDPOINT_URL_SSO", srv.base, 1);
    write_file(f->config,
               "[profile old]\nsso_start_url = https://legacy.awsapps.com/start\n"
               "sso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = Admin\n"
               "[profile broken]\nsso_session = missing\nsso_account_id = 1\nsso_role_name = x\n"
               "[profile partial]\nsso_start_url = https://x/start\nsso_region = us-east-1\n"
               "sso_account_id = 1\n",
               0600);
    char cfg[256];
    snprintf(cfg, sizeof(cfg), "{\"sso\": {\"token\": \"%s\"}}", f->token);
    credsrv_config(&srv, cfg);
    get_err(f, &(struct provider_opts){.profile = "old"}, AWS_ERR_CREDENTIALS, "SsoLoginRequired",
            "aws sso login --profile old");
    sso_cache(f, "https://legacy.awsapps.com/start", f->token, fake_now(f) + 600 * 1000);
    get_ok(f, &(struct provider_opts){.profile = "old"}, "ASIATEST", "sso (profile old)");
    get_err(f, &(struct provider_opts){.profile = "broken"}, AWS_ERR_CONFIG, "InvalidConfig",
            "[sso-session missing]");
    get_err(f, &(struct provider_opts){.profile = "partial"}, AWS_ERR_CONFIG, "InvalidConfig",
            "sso_role_name");
}

static char *read_text(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return NULL;
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static void sso_cache_refreshable(struct fx *f, const char *path, int64_t expires_ms,
                                  int64_t reg_expires_ms)
{
    char iso[40], reg[40];
    awstime_format_iso8601_s(expires_ms, iso, sizeof(iso));
    awstime_format_iso8601_s(reg_expires_ms, reg, sizeof(reg));
    writef(path, 0600,
           "{\"startUrl\": \"https://corp.awsapps.com/start\", \"region\": \"eu-west-1\", "
           "\"accessToken\": \"old-%s\", \"expiresAt\": \"%s\", \"clientId\": \"cid-1\", "
           "\"clientSecret\": \"%s\", \"registrationExpiresAt\": \"%s\", "
           "\"refreshToken\": \"rt-%s\"}",
           f->token, iso, f->secret, reg, f->secret2);
}

static void test_sso_token_refresh(void **state)
{
    struct fx *f = *state;
    setenv("AWS_ENDPOINT_URL_SSO", srv.base, 1);
    setenv("AWS_ENDPOINT_URL_SSO_OIDC", srv.base, 1);
    write_file(f->config,
               "[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\n"
               "sso_role_name = ReadOnly\n"
               "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
               "sso_region = eu-west-1\n"
               "[profile old]\nsso_start_url = https://legacy.awsapps.com/start\n"
               "sso_region = us-east-1\nsso_account_id = 1\nsso_role_name = Admin\n",
               0600);
    /* write the cache file where the provider looks for it */
    sso_cache(f, "corp", "placeholder", fake_now(f) + 3600 * 1000);
    char path[256];
    {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        EVP_Digest("corp", 4, md, &n, EVP_sha1(), NULL);
        char hex[64] = "";
        for (unsigned int i = 0; i < n; i++)
            snprintf(hex + 2 * i, 3, "%02x", md[i]);
        snprintf(path, sizeof(path), "%s/.aws/sso/cache/%s.json", f->dir, hex);
    }
    char cfg[1024];
    snprintf(cfg, sizeof(cfg),
             "{\"sso\": {\"token\": \"new-%s\"}, \"oidc\": {\"client_id\": \"cid-1\", "
             "\"client_secret\": \"%s\", \"refresh_token\": \"rt-%s\", \"new_token\": "
             "\"new-%s\", \"expires_in\": 28800, \"new_refresh\": \"rt2-%s\"}}",
             f->token, f->secret, f->secret2, f->token, f->secret2);
    credsrv_config(&srv, cfg);

    /* 5 minutes left: refreshed through SSO OIDC, saved, then used */
    sso_cache_refreshable(f, path, fake_now(f) + 5 * 60 * 1000, fake_now(f) + 86400 * 1000);
    make(f, &(struct provider_opts){.profile = "sso"});
    struct result r;
    get(f, &r);
    expect_ok(&r, "ASIATEST", "sso (profile sso)");
    result_clear(&r);
    json_t *log = credsrv_log(&srv);
    json_t *e;
    assert_int_equal(credsrv_count(log, "/token", NULL, &e), 1);
    assert_string_equal(credsrv_str(e, "json", "grantType"), "refresh_token");
    assert_string_equal(credsrv_str(e, "json", "clientId"), "cid-1");
    assert_int_equal(credsrv_count(log, "/federation/credentials", NULL, NULL), 1);
    json_decref(log);
    char *saved = read_text(path);
    assert_non_null(saved);
    json_error_t jerr;
    json_t *doc = json_loads(saved, 0, &jerr);
    free(saved);
    assert_non_null(doc);
    char want[128];
    snprintf(want, sizeof(want), "new-%s", f->token);
    assert_secret_eq(json_string_value(json_object_get(doc, "accessToken")), want);
    snprintf(want, sizeof(want), "rt2-%s", f->secret2);
    assert_secret_eq(json_string_value(json_object_get(doc, "refreshToken")), want);
    assert_secret_eq(json_string_value(json_object_get(doc, "clientSecret")), f->secret);
    int64_t exp;
    assert_true(awstime_parse_iso8601(json_string_value(json_object_get(doc, "expiresAt")), &exp));
    assert_true(exp > fake_now(f) + 7 * 3600 * 1000);
    json_decref(doc);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* expired and the refresh is refused: log in again */
    sso_cache_refreshable(f, path, fake_now(f) - 1000, fake_now(f) + 86400 * 1000);
    credsrv_config(&srv, "{\"oidc\": {\"client_id\": \"someone-else\"}}");
    make(f, &(struct provider_opts){.profile = "sso"});
    get(f, &r);
    expect_err(&r, AWS_ERR_CREDENTIALS, "SsoLoginRequired", "could not be refreshed");
    assert_non_null(strstr(r.err.message, "aws sso login --sso-session corp"));
    result_clear(&r);

    /* an expired client registration is not used */
    credsrv_log_clear(&srv);
    sso_cache_refreshable(f, path, fake_now(f) - 1000, fake_now(f) - 1000);
    get_err(f, &(struct provider_opts){.profile = "sso"}, AWS_ERR_CREDENTIALS, "SsoLoginRequired",
            "has expired");
    log = credsrv_log(&srv);
    assert_int_equal(credsrv_count(log, "/token", NULL, NULL), 0);
    json_decref(log);
}

/* ---- assume role (STS on credserver, signatures verified there) ---- */

static void sts_keys(struct fx *f, const char *extra)
{
    char cfg[1024];
    snprintf(cfg, sizeof(cfg), "{\"sts\": {\"keys\": {\"AKIDBASE\": {\"secret\": \"%s\"}}%s%s}}",
             f->secret, extra ? ", " : "", extra ? extra : "");
    credsrv_config(&srv, cfg);
}

static void base_creds(struct fx *f)
{
    writef(f->creds, 0600, "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = %s\n",
           f->secret);
}

static void test_assume_role_parameters(void **state)
{
    struct fx *f = *state;
    base_creds(f);
    write_file(f->config,
               "[profile ops]\nrole_arn = arn:aws:iam::111122223333:role/ops\n"
               "source_profile = base\nexternal_id = ext-123\nrole_session_name = elcui-test\n"
               "duration_seconds = 1800\n",
               0600);
    sts_keys(f, NULL);
    make(f, &(struct provider_opts){.profile = "ops"});
    struct result r;
    get(f, &r);
    expect_ok(&r, "ASIATEST", "assume-role (profile ops via base)");
    assert_non_null(r.c.session_token);
    assert_true(r.c.expiration_ms > 0);
    assert_string_equal(creds_source(f->p), "assume-role (profile ops via base)");
    result_clear(&r);
    json_t *log = credsrv_log(&srv);
    json_t *e;
    assert_int_equal(credsrv_count(log, "/", "AssumeRole", &e), 1);
    assert_string_equal(credsrv_str(e, NULL, "sig"), "ok");
    assert_string_equal(credsrv_str(e, NULL, "akid"), "AKIDBASE");
    assert_string_equal(credsrv_str(e, "params", "RoleArn"), "arn:aws:iam::111122223333:role/ops");
    assert_string_equal(credsrv_str(e, "params", "RoleSessionName"), "elcui-test");
    assert_string_equal(credsrv_str(e, "params", "ExternalId"), "ext-123");
    assert_string_equal(credsrv_str(e, "params", "DurationSeconds"), "1800");
    assert_string_equal(credsrv_str(e, "params", "Version"), "2011-06-15");
    assert_null(credsrv_str(e, "params", "SerialNumber"));
    json_decref(log);
    /* cached: no second call */
    get(f, &r);
    expect_ok(&r, "ASIATEST", NULL);
    result_clear(&r);
    log = credsrv_log(&srv);
    assert_int_equal(credsrv_count(log, "/", "AssumeRole", NULL), 1);
    json_decref(log);
}

static void test_assume_role_chain_and_loops(void **state)
{
    struct fx *f = *state;
    base_creds(f);
    write_file(f->config,
               "[profile top]\nrole_arn = arn:aws:iam::111122223333:role/top\n"
               "source_profile = mid\n"
               "[profile mid]\nrole_arn = arn:aws:iam::111122223333:role/mid\n"
               "source_profile = base\nrole_session_name = mid-session\n"
               "[profile loop1]\nrole_arn = arn:aws:iam::111122223333:role/l1\n"
               "source_profile = loop2\n"
               "[profile loop2]\nrole_arn = arn:aws:iam::111122223333:role/l2\n"
               "source_profile = loop1\n"
               "[profile both]\nrole_arn = arn:aws:iam::111122223333:role/b\n"
               "source_profile = base\ncredential_source = Environment\n"
               "[profile neither]\nrole_arn = arn:aws:iam::111122223333:role/n\n"
               "[profile dangling]\nrole_arn = arn:aws:iam::111122223333:role/d\n"
               "source_profile = ghost\n",
               0600);
    sts_keys(f, NULL);
    make(f, &(struct provider_opts){.profile = "top"});
    struct result r;
    get(f, &r);
    expect_ok(&r, "ASIATEST", "assume-role (profile top via mid)");
    result_clear(&r);
    json_t *log = credsrv_log(&srv);
    assert_int_equal(credsrv_count(log, "/", "AssumeRole", NULL), 2);
    json_t *first = json_array_get(log, 0), *second = json_array_get(log, 1);
    /* mid is assumed with base's keys, top with mid's temporary keys */
    assert_string_equal(credsrv_str(first, "params", "RoleArn"),
                        "arn:aws:iam::111122223333:role/mid");
    assert_string_equal(credsrv_str(first, NULL, "akid"), "AKIDBASE");
    assert_string_equal(credsrv_str(first, "params", "RoleSessionName"), "mid-session");
    assert_string_equal(credsrv_str(second, "params", "RoleArn"),
                        "arn:aws:iam::111122223333:role/top");
    assert_string_equal(credsrv_str(second, NULL, "sig"), "ok");
    assert_true(strncmp(credsrv_str(second, NULL, "akid"), "ASIATEST", 8) == 0);
    assert_true(strncmp(credsrv_str(second, "params", "RoleSessionName"), "elcui-session-", 14) ==
                0);
    json_decref(log);

    struct {
        const char *profile;
        const char *code;
        const char *needle;
    } bad[] = {
        {"loop1", "InfiniteLoopConfig", "loop1 -> loop2 -> loop1"},
        {"both", "InvalidConfig", "both source_profile and credential_source"},
        {"neither", "InvalidConfig", "neither source_profile nor credential_source"},
        {"dangling", "ProfileNotFound", "source_profile 'ghost'"},
    };
    credsrv_log_clear(&srv);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        get_err(f, &(struct provider_opts){.profile = bad[i].profile}, AWS_ERR_CONFIG, bad[i].code,
                bad[i].needle);
    }
    log = credsrv_log(&srv);
    assert_int_equal(json_array_size(log), 0); /* found before any network call */
    json_decref(log);
}

static void test_assume_role_sources(void **state)
{
    struct fx *f = *state;
    writef(f->config, 0600,
           "[profile fromenv]\nrole_arn = arn:aws:iam::111122223333:role/e\n"
           "credential_source = Environment\n"
           "[profile self]\nrole_arn = arn:aws:iam::111122223333:role/s\n"
           "source_profile = self\naws_access_key_id = AKIDBASE\naws_secret_access_key = %s\n"
           "[profile fromimds]\nrole_arn = arn:aws:iam::111122223333:role/i\n"
           "credential_source = Ec2InstanceMetadata\n"
           "[profile weird]\nrole_arn = arn:aws:iam::111122223333:role/w\n"
           "credential_source = Somewhere\n",
           f->secret);
    sts_keys(f, NULL);
    setenv("AWS_ACCESS_KEY_ID", "AKIDBASE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", f->secret, 1);
    /* credential_source = Environment works even with --profile */
    get_ok(f, &(struct provider_opts){.profile = "fromenv", .explicit_profile = true}, "ASIATEST",
           "assume-role (profile fromenv via Environment)");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    get_ok(f, &(struct provider_opts){.profile = "self"}, "ASIATEST",
           "assume-role (profile self via self)");
    /* IMDS as the source: the instance role's keys sign AssumeRole */
    unsetenv("AWS_EC2_METADATA_DISABLED");
    credsrv_config(&srv, "{\"imds\": {\"role\": \"inst\"}, \"sts\": {}}");
    credsrv_log_clear(&srv);
    get_ok(f, &(struct provider_opts){.profile = "fromimds"}, "ASIATEST",
           "assume-role (profile fromimds via Ec2InstanceMetadata)");
    json_t *log = credsrv_log(&srv);
    json_t *e;
    assert_int_equal(credsrv_count(log, "/", "AssumeRole", &e), 1);
    assert_string_equal(credsrv_str(e, NULL, "sig"), "ok");
    json_decref(log);
    get_err(f, &(struct provider_opts){.profile = "weird"}, AWS_ERR_CONFIG, "InvalidConfig",
            "Somewhere");
    /* the source has no credentials: named in the error */
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    get_err(f, &(struct provider_opts){.profile = "fromenv"}, AWS_ERR_CREDENTIALS, "NoCredentials",
            "Environment");
}

static void test_assume_role_mfa_and_errors(void **state)
{
    struct fx *f = *state;
    base_creds(f);
    write_file(f->config,
               "[profile mfa]\nrole_arn = arn:aws:iam::111122223333:role/mfa\n"
               "source_profile = base\nmfa_serial = arn:aws:iam::111122223333:mfa/me\n",
               0600);
    sts_keys(f, NULL);
    struct result r;
    /* no way to ask: a clear error, no STS call */
    get_err(f, &(struct provider_opts){.profile = "mfa"}, AWS_ERR_CREDENTIALS, "MfaRequired",
            "arn:aws:iam::111122223333:mfa/me");
    /* the user cancels */
    f->mfa_answer = NULL;
    get_err(f, &(struct provider_opts){.profile = "mfa", .with_prompt = true}, AWS_ERR_CREDENTIALS,
            "MfaCancelled", NULL);
    json_t *log = credsrv_log(&srv);
    assert_int_equal(credsrv_count(log, "/", "AssumeRole", NULL), 0);
    json_decref(log);
    /* the user answers */
    f->mfa_answer = "123456\n";
    get_ok(f, &(struct provider_opts){.profile = "mfa", .with_prompt = true}, "ASIATEST", NULL);
    assert_int_equal(f->prompts, 2);
    assert_string_equal(f->last_question, "Enter MFA code for arn:aws:iam::111122223333:mfa/me: ");
    log = credsrv_log(&srv);
    json_t *e;
    assert_int_equal(credsrv_count(log, "/", "AssumeRole", &e), 1);
    assert_string_equal(credsrv_str(e, "params", "SerialNumber"),
                        "arn:aws:iam::111122223333:mfa/me");
    assert_string_equal(credsrv_str(e, "params", "TokenCode"), "123456");
    json_decref(log);
    /* STS says no */
    sts_keys(f, "\"fail\": {\"code\": \"AccessDenied\", \"status\": 403, \"message\": \"not "
                "allowed to assume\"}");
    make(f, &(struct provider_opts){.profile = "mfa", .with_prompt = true});
    get(f, &r);
    expect_err(&r, AWS_ERR_SERVICE, "AccessDenied", "not allowed to assume");
    assert_non_null(strstr(r.err.message, "profile 'mfa'"));
    assert_int_equal(r.err.http_status, 403);
    result_clear(&r);
}

static void test_assume_role_refresh_shared(void **state)
{
    struct fx *f = *state;
    base_creds(f);
    write_file(f->config,
               "[profile ops]\nrole_arn = arn:aws:iam::111122223333:role/ops\n"
               "source_profile = base\n",
               0600);
    char exp[40], extra[128];
    awstime_format_iso8601_s(fake_now(f) + 3600 * 1000, exp, sizeof(exp));
    snprintf(extra, sizeof(extra), "\"expiration\": \"%s\"", exp);
    sts_keys(f, extra);
    make(f, &(struct provider_opts){.profile = "ops"});
    struct result a, b;
    get(f, &a);
    expect_ok(&a, "ASIATEST", NULL);
    char first[64];
    snprintf(first, sizeof(first), "%s", a.c.access_key_id);
    result_clear(&a);
    /* 5 minutes left: mandatory; two callers, one AssumeRole */
    f->clock_offset += 55 * 60 * 1000;
    awstime_format_iso8601_s(fake_now(f) + 3600 * 1000, exp, sizeof(exp));
    snprintf(extra, sizeof(extra), "\"expiration\": \"%s\"", exp);
    sts_keys(f, extra);
    start_get(f, &a);
    start_get(f, &b);
    run_until(f, &b.done, 10000);
    assert_true(a.done);
    expect_ok(&a, "ASIATEST", NULL);
    expect_ok(&b, "ASIATEST", NULL);
    assert_string_equal(a.c.access_key_id, b.c.access_key_id);
    assert_string_not_equal(a.c.access_key_id, first);
    result_clear(&a);
    result_clear(&b);
    json_t *log = credsrv_log(&srv);
    assert_int_equal(credsrv_count(log, "/", "AssumeRole", NULL), 2);
    json_decref(log);
}

/* Freeing the provider while a refresh is in flight cancels everything:
 * no callback, no leak (ASan/valgrind), no process left behind. */
static void free_midflight(struct fx *f, const char *log_path)
{
    struct result r;
    start_get(f, &r);
    uint64_t deadline = loop_now_ms(f->loop) + 5000;
    bool seen = false;
    while (!seen && loop_now_ms(f->loop) < deadline) {
        loop_run_once(f->loop, 20);
        if (log_path) {
            json_t *log = credsrv_log(&srv);
            seen = credsrv_count(log, log_path, NULL, NULL) > 0;
            json_decref(log);
        } else {
            char path[160];
            snprintf(path, sizeof(path), "%s/pid", f->dir);
            seen = access(path, R_OK) == 0;
        }
    }
    assert_true(seen);
    assert_false(r.done);
    creds_provider_free(f->p);
    f->p = NULL;
    for (int i = 0; i < 5; i++)
        loop_run_once(f->loop, 10);
    assert_false(r.done);
}

static void test_free_while_in_flight(void **state)
{
    struct fx *f = *state;
    /* AssumeRole waiting for STS */
    base_creds(f);
    write_file(f->config,
               "[profile ops]\nrole_arn = arn:aws:iam::111122223333:role/ops\n"
               "source_profile = base\n",
               0600);
    sts_keys(f, "\"hang_seconds\": 3");
    make(f, &(struct provider_opts){.profile = "ops"});
    free_midflight(f, "/");
    /* IMDS token request hanging */
    imds_env();
    credsrv_config(&srv, "{\"imds\": {\"role\": \"r\", \"token\": \"hang\", "
                         "\"hang_seconds\": 3}}");
    credsrv_log_clear(&srv);
    make(f, NULL);
    free_midflight(f, "/latest/api/token");
    /* credential_process still running: killed */
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    char body[256];
    snprintf(body, sizeof(body), "echo $$ > %s/pid.tmp && mv %s/pid.tmp %s/pid\nsleep 30\n", f->dir,
             f->dir, f->dir);
    script(f, "slow.sh", body);
    writef(f->config, 0600, "[default]\ncredential_process = %s/slow.sh\n", f->dir);
    make(f, NULL);
    free_midflight(f, NULL);
    char path[160];
    snprintf(path, sizeof(path), "%s/pid", f->dir);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    long pid = 0;
    assert_int_equal(fscanf(fp, "%ld", &pid), 1);
    fclose(fp);
    assert_int_equal(kill((pid_t)pid, 0), -1); /* killed and reaped */
}

/* ---- web identity ---- */

static void test_web_identity(void **state)
{
    struct fx *f = *state;
    char tfile[160], cfg[256];
    snprintf(tfile, sizeof(tfile), "%s/jwt", f->dir);
    writef(tfile, 0600, "%s\n", f->token);
    snprintf(cfg, sizeof(cfg), "{\"sts\": {\"web_token\": \"%s\"}}", f->token);
    credsrv_config(&srv, cfg);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tfile, 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/gha", 1);
    setenv("AWS_ROLE_SESSION_NAME", "ci-run", 1);
    make(f, NULL);
    struct result r;
    get(f, &r);
    expect_ok(&r, "ASIATEST", "web-identity");
    result_clear(&r);
    json_t *log = credsrv_log(&srv);
    json_t *e;
    assert_int_equal(credsrv_count(log, "/", "AssumeRoleWithWebIdentity", &e), 1);
    assert_string_equal(credsrv_str(e, NULL, "sig"), "unsigned");
    assert_null(credsrv_str(e, "headers", "authorization"));
    assert_string_equal(credsrv_str(e, "params", "RoleSessionName"), "ci-run");
    assert_string_equal(credsrv_str(e, "params", "RoleArn"), "arn:aws:iam::111122223333:role/gha");
    json_decref(log);
    /* the file is read again on refresh */
    writef(tfile, 0600, "%s", f->secret2);
    snprintf(cfg, sizeof(cfg), "{\"sts\": {\"web_token\": \"%s\"}}", f->secret2);
    credsrv_config(&srv, cfg);
    creds_invalidate(f->p);
    get(f, &r);
    expect_ok(&r, "ASIATEST", "web-identity");
    result_clear(&r);
    /* --profile ignores the variables; the profile's keys apply */
    writef(f->config, 0600,
           "[profile wi]\nweb_identity_token_file = %s\n"
           "role_arn = arn:aws:iam::111122223333:role/wi\n",
           tfile);
    credsrv_log_clear(&srv);
    get_ok(f, &(struct provider_opts){.profile = "wi", .explicit_profile = true}, "ASIATEST",
           "web-identity");
    log = credsrv_log(&srv);
    assert_int_equal(credsrv_count(log, "/", "AssumeRoleWithWebIdentity", &e), 1);
    assert_string_equal(credsrv_str(e, "params", "RoleArn"), "arn:aws:iam::111122223333:role/wi");
    assert_true(strncmp(credsrv_str(e, "params", "RoleSessionName"), "elcui-session-", 14) == 0);
    json_decref(log);
    /* a token file without a role */
    unsetenv("AWS_ROLE_ARN");
    make(f, NULL);
    get(f, &r);
    expect_err(&r, AWS_ERR_CONFIG, "InvalidConfig", "AWS_ROLE_ARN");
    result_clear(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_environment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explicit_profile_skips_environment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credentials_file_before_config_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_credentials_and_missing_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_share_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_inside_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_success_and_quoting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_timeout_kills_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refresh_windows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_lived_scaled_windows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_imds_v2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_imds_fallback_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_imds_no_role_and_disabled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_container_relative_and_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_container_rules_and_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sso_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sso_legacy_and_config_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sso_token_refresh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assume_role_parameters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assume_role_chain_and_loops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assume_role_sources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assume_role_mfa_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assume_role_refresh_shared, setup, teardown),
        cmocka_unit_test_setup_teardown(test_web_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_while_in_flight, setup, teardown),
    };
    const char *filter = getenv("ELCUI_TEST_FILTER");
    if (filter)
        cmocka_set_test_filter(filter);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
