/* test_iamauth.c - ElastiCache IAM authentication tokens.
 *
 * 1. For fixed times and credentials the token equals botocore's
 *    SigV4QueryAuth presigned URL without "http://": the three presign
 *    cases of tests/unit/data/sigv4-botocore.json (tests/tools/
 *    gen_sigv4_vectors.py) and tests/unit/data/iam-token-botocore.json
 *    (tests/tools/gen_iam_token_vectors.py: mixed-case ids, users that
 *    need encoding, serverless).
 * 2. Unusable parameters give a message and no token.
 * 3. The provider on the event loop: credentials from the chain
 *    (environment, or credential_process with an expiry that shortens the
 *    token's life), one token per request, failures of the chain reported
 *    without secrets, cancellation.
 * 4. As rconn's credential provider against a local RESP server that
 *    records what it is sent: AUTH <user> <token> with the token botocore
 *    would compute for the signing second, and re-authentication with a
 *    fresh token before the old one expires.
 * Run from the top of the repository.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <hiredis/hiredis.h>

#include "aws/awstime.h"
#include "aws/creds.h"
#include "aws/http.h"
#include "aws/mem.h"
#include "aws/profile.h"
#include "core/redis/iamauth.h"
#include "core/loop.h"
#include "core/redis/rconn.h"

#define SIGV4_VECTORS "tests/unit/data/sigv4-botocore.json"
#define IAM_VECTORS "tests/unit/data/iam-token-botocore.json"

static const char *jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s;
}

/* ---- 1. vectors ---- */

/* The value of name in a query string, percent-decoded ("" when absent). */
static void query_value(const char *q, const char *name, char *out, size_t n)
{
    out[0] = '\0';
    size_t nl = strlen(name);
    const char *p = q;
    while (p && *p) {
        if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
            p += nl + 1;
            size_t o = 0;
            while (*p && *p != '&' && o + 1 < n) {
                if (*p == '%' && p[1] && p[2]) {
                    char hex[3] = {p[1], p[2], 0};
                    out[o++] = (char)strtol(hex, NULL, 16);
                    p += 3;
                } else if (*p == '+') {
                    out[o++] = ' ';
                    p++;
                } else {
                    out[o++] = *p++;
                }
            }
            out[o] = '\0';
            return;
        }
        p = strchr(p, '&');
        if (p)
            p++;
    }
}

static void test_sigv4_presign_vectors(void **state)
{
    (void)state;
    json_error_t je;
    json_t *root = json_load_file(SIGV4_VECTORS, 0, &je);
    assert_non_null(root);
    size_t i, checked = 0;
    json_t *c;
    json_array_foreach(json_object_get(root, "cases"), i, c)
    {
        if (!jstr(c, "kind") || strcmp(jstr(c, "kind"), "presign") != 0)
            continue;
        const char *name = jstr(c, "name");
        json_t *hdr = json_array_get(json_array_get(json_object_get(c, "headers"), 0), 1);
        char user[128], rtype[64];
        query_value(jstr(c, "query"), "User", user, sizeof(user));
        query_value(jstr(c, "query"), "ResourceType", rtype, sizeof(rtype));
        struct iamauth_params p = {
            .cache_id = json_string_value(hdr),
            .user = user,
            .region = jstr(c, "region"),
            .serverless = strcmp(rtype, "ServerlessCache") == 0,
            .expires_s = (int)json_integer_value(json_object_get(c, "expires")),
        };
        struct sigv4_creds cr = {jstr(c, "access_key"), jstr(c, "secret_key"),
                                 jstr(c, "session_token")};
        char err[256] = "";
        char *tok = iamauth_token(&p, &cr, json_integer_value(json_object_get(c, "time")), err,
                                  sizeof(err));
        if (!tok)
            fail_msg("%s: no token: %s", name, err);
        if (strcmp(tok, jstr(c, "token")) != 0)
            fail_msg("%s: token differs from botocore's\n got %s\nwant %s", name, tok,
                     jstr(c, "token"));
        mem_free_secret(tok);
        checked++;
    }
    assert_int_equal(checked, 3);
    json_decref(root);
}

static void test_own_vectors(void **state)
{
    (void)state;
    json_error_t je;
    json_t *root = json_load_file(IAM_VECTORS, 0, &je);
    assert_non_null(root);
    size_t i;
    json_t *c;
    size_t n = json_array_size(json_object_get(root, "cases"));
    assert_true(n >= 4);
    json_array_foreach(json_object_get(root, "cases"), i, c)
    {
        struct iamauth_params p = {
            .cache_id = jstr(c, "input_id"),
            .user = jstr(c, "user"),
            .region = jstr(c, "region"),
            .serverless = json_is_true(json_object_get(c, "serverless")),
        };
        struct aws_credentials ac;
        memset(&ac, 0, sizeof(ac));
        ac.access_key_id = (char *)jstr(c, "access_key");
        ac.secret_access_key = (char *)jstr(c, "secret_key");
        ac.session_token = (char *)jstr(c, "session_token");
        char err[256] = "";
        char *tok = iamauth_token_from(&p, &ac, json_integer_value(json_object_get(c, "time")), err,
                                       sizeof(err));
        if (!tok)
            fail_msg("%s: no token: %s", jstr(c, "name"), err);
        if (strcmp(tok, jstr(c, "token")) != 0)
            fail_msg("%s: token differs from botocore's\n got %s\nwant %s", jstr(c, "name"), tok,
                     jstr(c, "token"));
        mem_free_secret(tok);
    }
    json_decref(root);
}

/* ---- 2. bad parameters ---- */

static void expect_refused(const struct iamauth_params *p, const struct sigv4_creds *cr, int64_t t,
                           const char *words)
{
    char err[256] = "";
    char *tok = iamauth_token(p, cr, t, err, sizeof(err));
    if (tok) {
        mem_free_secret(tok);
        fail_msg("a token for unusable parameters (%s)", words);
    }
    if (!strstr(err, words))
        fail_msg("message '%s' does not say '%s'", err, words);
    assert_null(strstr(err, "SECRETKEY"));
}

static void test_bad_params(void **state)
{
    (void)state;
    struct sigv4_creds cr = {"AKIDX", "SECRETKEY", NULL};
    struct iamauth_params ok = {.cache_id = "app-4", .user = "u", .region = "us-east-1"};
    struct iamauth_params p = ok;
    p.cache_id = "";
    expect_refused(&p, &cr, 1714564800, "replication group id");
    p.cache_id = "app/4";
    expect_refused(&p, &cr, 1714564800, "replication group id");
    p = ok;
    p.user = "two words";
    expect_refused(&p, &cr, 1714564800, "user");
    p.user = NULL;
    expect_refused(&p, &cr, 1714564800, "user");
    p = ok;
    p.region = "";
    expect_refused(&p, &cr, 1714564800, "region");
    p = ok;
    p.expires_s = 901;
    expect_refused(&p, &cr, 1714564800, "900 seconds");
    struct sigv4_creds none = {"AKIDX", "", NULL};
    expect_refused(&ok, &none, 1714564800, "credentials");
    expect_refused(&ok, &cr, 0, "time");
    expect_refused(NULL, &cr, 1714564800, "replication group id");
    /* and one that works, to show the refusals above are about the input */
    char *tok = iamauth_token(&ok, &cr, 1714564800, NULL, 0);
    assert_non_null(tok);
    static const char head[] = "app-4/?Action=connect&User=u&X-Amz-Algorithm=";
    assert_true(strncmp(tok, head, sizeof(head) - 1) == 0);
    assert_non_null(strstr(tok, "&X-Amz-Expires=900&"));
    mem_free_secret(tok);
}

/* ---- 3. the provider ---- */

struct chain {
    struct loop *l;
    struct http_client *http;
    struct profile_store *store;
    struct creds_provider *creds;
    char dir[64];
    char ak[24], sk[44], st[64];
};

static void random_text(char *out, size_t len)
{
    static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    FILE *f = fopen("/dev/urandom", "rb");
    assert_non_null(f);
    for (size_t i = 0; i + 1 < len; i++) {
        int ch = fgetc(f);
        out[i] = set[(unsigned)ch % (sizeof(set) - 1)];
    }
    out[len - 1] = '\0';
    fclose(f);
}

static void chain_env_clear(void)
{
    static const char *const drop[] = {"AWS_PROFILE",
                                       "AWS_DEFAULT_PROFILE",
                                       "AWS_ACCESS_KEY_ID",
                                       "AWS_SECRET_ACCESS_KEY",
                                       "AWS_SESSION_TOKEN",
                                       "AWS_SECURITY_TOKEN",
                                       "AWS_ROLE_ARN",
                                       "AWS_WEB_IDENTITY_TOKEN_FILE",
                                       "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                                       "AWS_CONTAINER_CREDENTIALS_FULL_URI"};
    for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
        unsetenv(drop[i]);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/elcui-test/credentials", 1);
}

/* config: NULL for the environment provider with fresh random keys, else
 * the text of an AWS config file. */
static void chain_start(struct chain *ch, const char *config)
{
    memset(ch, 0, sizeof(*ch));
    chain_env_clear();
    snprintf(ch->dir, sizeof(ch->dir), "/tmp/elcui-iamauth-XXXXXX");
    assert_non_null(mkdtemp(ch->dir));
    if (config) {
        char path[128];
        snprintf(path, sizeof(path), "%s/config", ch->dir);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(config, f);
        fclose(f);
        chmod(path, 0600);
        setenv("AWS_CONFIG_FILE", path, 1);
    } else {
        setenv("AWS_CONFIG_FILE", "/nonexistent/elcui-test/config", 1);
        memcpy(ch->ak, "AKIA", 4);
        random_text(ch->ak + 4, sizeof(ch->ak) - 4);
        random_text(ch->sk, sizeof(ch->sk));
        random_text(ch->st, sizeof(ch->st));
        setenv("AWS_ACCESS_KEY_ID", ch->ak, 1);
        setenv("AWS_SECRET_ACCESS_KEY", ch->sk, 1);
        setenv("AWS_SESSION_TOKEN", ch->st, 1);
    }
    ch->l = loop_new();
    struct http_options ho = {0};
    ch->http = http_client_new(loop_reactor(ch->l), &ho);
    struct aws_error err;
    aws_error_init(&err);
    ch->store = profile_load(NULL, NULL, &err);
    assert_non_null(ch->store);
    aws_error_clear(&err);
    struct creds_options co = {
        .reactor = loop_reactor(ch->l),
        .http = ch->http,
        .store = ch->store,
        .profile = "default",
        .region = "us-east-2",
    };
    ch->creds = creds_provider_new(&co);
    assert_non_null(ch->creds);
}

static void chain_stop(struct chain *ch)
{
    creds_provider_free(ch->creds);
    http_client_free(ch->http);
    profile_free(ch->store);
    loop_free(ch->l);
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ch->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", ch->dir);
    chain_env_clear();
    mem_wipe(ch->sk, sizeof(ch->sk));
    mem_wipe(ch->st, sizeof(ch->st));
}

struct minted {
    bool done;
    char *token;
    int64_t expires;
    struct aws_error err;
    int calls;
};

static void on_mint(char *token, int64_t expires, const struct aws_error *err, void *arg)
{
    struct minted *m = arg;
    m->done = true;
    m->calls++;
    m->token = token;
    m->expires = expires;
    if (err)
        aws_error_copy(&m->err, err);
}

/* The signing time written in a token (X-Amz-Date), epoch seconds. */
static int64_t token_time(const char *tok)
{
    const char *d = strstr(tok, "X-Amz-Date=");
    assert_non_null(d);
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    assert_int_equal(sscanf(d + 11, "%4d%2d%2dT%2d%2d%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                            &tm.tm_hour, &tm.tm_min, &tm.tm_sec),
                     6);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

static void test_provider_env(void **state)
{
    (void)state;
    struct chain ch;
    chain_start(&ch, NULL);
    struct iamauth_options o = {
        .loop = ch.l,
        .creds = ch.creds,
        .params = {.cache_id = "App-4", .user = "ops", .region = "us-east-2"},
    };
    char err[256];
    struct iamauth *a = iamauth_new(&o, err, sizeof(err));
    assert_non_null(a);
    struct minted m;
    memset(&m, 0, sizeof(m));
    aws_error_init(&m.err);
    int64_t before = loop_wall_ms(ch.l);
    struct iamauth_mint *h = iamauth_mint(a, on_mint, &m);
    assert_non_null(h);
    assert_false(m.done); /* never synchronously */
    assert_true(loop_run_until(ch.l, &m.done, loop_now_ms(ch.l) + 10000));
    assert_int_equal(m.calls, 1);
    assert_non_null(m.token);
    /* the same as the pure function for the signing second */
    int64_t t = token_time(m.token);
    assert_true(t >= before / 1000 - 1 && t <= before / 1000 + 5);
    struct sigv4_creds cr = {ch.ak, ch.sk, ch.st};
    char *want = iamauth_token(&o.params, &cr, t, NULL, 0);
    assert_non_null(want);
    assert_string_equal(m.token, want);
    assert_true(strncmp(m.token, "app-4/?Action=connect&User=ops&", 31) == 0);
    assert_non_null(strstr(m.token, "X-Amz-Security-Token="));
    mem_free_secret(want);
    /* valid 900 s from the signing second */
    int64_t left = m.expires - loop_wall_ms(ch.l);
    assert_true(left > 890 * 1000 && left <= 900 * 1000);
    struct iamauth_stats st;
    iamauth_get_stats(a, &st);
    assert_int_equal(st.minted, 1);
    assert_int_equal(st.failures, 0);
    mem_free_secret(m.token);

    /* a cancelled mint never calls back, and free with one pending is clean */
    memset(&m, 0, sizeof(m));
    h = iamauth_mint(a, on_mint, &m);
    iamauth_mint_cancel(h);
    h = iamauth_mint(a, on_mint, &m);
    assert_non_null(h);
    iamauth_free(a);
    bool never = false;
    loop_run_until(ch.l, &never, loop_now_ms(ch.l) + 200);
    assert_int_equal(m.calls, 0);
    chain_stop(&ch);
}

static void test_provider_expiring_creds(void **state)
{
    (void)state;
    /* credential_process answering keys that expire in 5 minutes: the
     * token must not claim to live longer than they do */
    char exp[40];
    time_t when = time(NULL) + 300;
    struct tm tm;
    gmtime_r(&when, &tm);
    strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    char ak[24] = "ASIA", sk[44];
    random_text(ak + 4, sizeof(ak) - 4);
    random_text(sk, sizeof(sk));
    char script[512];
    snprintf(script, sizeof(script),
             "#!/bin/sh\nprintf '%%s' '{\"Version\":1,\"AccessKeyId\":\"%s\","
             "\"SecretAccessKey\":\"%s\",\"SessionToken\":\"tok\",\"Expiration\":\"%s\"}'\n",
             ak, sk, exp);
    struct chain ch;
    char dir[64];
    snprintf(dir, sizeof(dir), "/tmp/elcui-iamproc-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof(path), "%s/proc.sh", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(script, f);
    fclose(f);
    chmod(path, 0700);
    mem_wipe(script, sizeof(script));
    char config[256];
    snprintf(config, sizeof(config), "[default]\ncredential_process = %s\n", path);
    chain_start(&ch, config);
    struct iamauth_options o = {
        .loop = ch.l,
        .creds = ch.creds,
        .params = {.cache_id = "app-4", .user = "ops", .region = "us-east-2"},
    };
    struct iamauth *a = iamauth_new(&o, NULL, 0);
    assert_non_null(a);
    struct minted m;
    memset(&m, 0, sizeof(m));
    aws_error_init(&m.err);
    iamauth_mint(a, on_mint, &m);
    assert_true(loop_run_until(ch.l, &m.done, loop_now_ms(ch.l) + 20000));
    if (!m.token)
        fail_msg("no token: %s", m.err.message ? m.err.message : m.err.code);
    int64_t left = m.expires - loop_wall_ms(ch.l);
    assert_true(left > 250 * 1000 && left <= 301 * 1000);
    assert_non_null(strstr(m.token, ak));
    mem_free_secret(m.token);
    iamauth_free(a);
    chain_stop(&ch);
    unlink(path);
    rmdir(dir);
    mem_wipe(sk, sizeof(sk));
}

static void test_provider_chain_fails(void **state)
{
    (void)state;
    /* no credentials anywhere: a clear error, no token, no secret */
    struct chain ch;
    chain_start(&ch, "[default]\nregion = us-east-2\n");
    struct iamauth_options o = {
        .loop = ch.l,
        .creds = ch.creds,
        .params = {.cache_id = "app-4", .user = "ops", .region = "us-east-2"},
    };
    struct iamauth *a = iamauth_new(&o, NULL, 0);
    assert_non_null(a);
    struct minted m;
    memset(&m, 0, sizeof(m));
    aws_error_init(&m.err);
    iamauth_mint(a, on_mint, &m);
    assert_true(loop_run_until(ch.l, &m.done, loop_now_ms(ch.l) + 20000));
    assert_null(m.token);
    assert_int_equal(m.err.kind, AWS_ERR_CREDENTIALS);
    struct iamauth_stats st;
    iamauth_get_stats(a, &st);
    assert_int_equal(st.failures, 1);
    assert_true(st.last_error[0] != '\0');
    aws_error_clear(&m.err);
    iamauth_free(a);
    chain_stop(&ch);

    /* unusable parameters are refused at creation */
    chain_start(&ch, NULL);
    o.creds = ch.creds;
    o.loop = ch.l;
    o.params.user = "";
    char err[256] = "";
    assert_null(iamauth_new(&o, err, sizeof(err)));
    assert_non_null(strstr(err, "user"));
    chain_stop(&ch);
}

/* ---- 4. with rconn against a recording RESP server ---- */

#define REC_MAX 16

struct rec_conn {
    struct rec *r;
    int fd;
    struct loop_watch *w;
    redisReader *rd;
};

struct rec {
    struct loop *l;
    int ls;
    struct loop_watch *lw;
    int port;
    struct rec_conn conns[4];
    size_t nconns;
    char *auth_user[REC_MAX];
    char *auth_token[REC_MAX]; /* secrets of the test; wiped */
    int64_t auth_ms[REC_MAX];
    size_t nauth;
};

static void rec_reply(int fd, const char *s)
{
    size_t n = strlen(s), off = 0;
    while (off < n) {
        ssize_t w = write(fd, s + off, n - off);
        if (w <= 0)
            return;
        off += (size_t)w;
    }
}

static void rec_io(int fd, int revents, void *arg)
{
    struct rec_conn *c = arg;
    (void)revents;
    char buf[8192];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) {
        loop_unwatch(c->r->l, c->w);
        c->w = NULL;
        close(c->fd);
        c->fd = -1;
        return;
    }
    redisReaderFeed(c->rd, buf, (size_t)n);
    mem_wipe(buf, sizeof(buf));
    void *rep;
    while (redisReaderGetReply(c->rd, &rep) == REDIS_OK && rep) {
        redisReply *r = rep;
        if (r->type == REDIS_REPLY_ARRAY && r->elements >= 1) {
            const char *cmd = r->element[0]->str;
            if (strcasecmp(cmd, "AUTH") == 0 && r->elements == 3 && c->r->nauth < REC_MAX) {
                c->r->auth_user[c->r->nauth] = mem_xstrdup(r->element[1]->str);
                c->r->auth_token[c->r->nauth] = mem_xstrdup(r->element[2]->str);
                c->r->auth_ms[c->r->nauth] = loop_wall_ms(c->r->l);
                c->r->nauth++;
                mem_wipe(r->element[2]->str, r->element[2]->len);
                rec_reply(fd, "+OK\r\n");
            } else if (strcasecmp(cmd, "PING") == 0) {
                rec_reply(fd, "+PONG\r\n");
            } else {
                rec_reply(fd, "+OK\r\n");
            }
        }
        freeReplyObject(r);
    }
}

static void rec_accept(int fd, int revents, void *arg)
{
    struct rec *r = arg;
    (void)revents;
    int c = accept(fd, NULL, NULL);
    if (c < 0)
        return;
    if (r->nconns >= 4) {
        close(c);
        return;
    }
    struct rec_conn *rc = &r->conns[r->nconns++];
    rc->r = r;
    rc->fd = c;
    rc->rd = redisReaderCreate();
    rc->w = loop_watch(r->l, c, REACTOR_READ, rec_io, rc);
}

static void rec_start(struct rec *r, struct loop *l)
{
    memset(r, 0, sizeof(*r));
    r->l = l;
    r->ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(r->ls, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(r->ls, 4), 0);
    socklen_t sl = sizeof(a);
    getsockname(r->ls, (struct sockaddr *)&a, &sl);
    r->port = ntohs(a.sin_port);
    r->lw = loop_watch(l, r->ls, REACTOR_READ, rec_accept, r);
}

static void rec_stop(struct rec *r)
{
    for (size_t i = 0; i < r->nconns; i++) {
        if (r->conns[i].w)
            loop_unwatch(r->l, r->conns[i].w);
        if (r->conns[i].fd >= 0)
            close(r->conns[i].fd);
        redisReaderFree(r->conns[i].rd);
    }
    loop_unwatch(r->l, r->lw);
    close(r->ls);
    for (size_t i = 0; i < r->nauth; i++) {
        free(r->auth_user[i]);
        mem_free_secret(r->auth_token[i]);
    }
}

struct evs {
    bool ready;
    bool closed;
    unsigned reauths;
    struct rconn_error err;
};

static void on_conn_event(struct rconn *c, enum rconn_event ev, const struct rconn_error *e,
                          void *arg)
{
    struct evs *s = arg;
    (void)c;
    if (ev == RCONN_EV_READY)
        s->ready = true;
    else if (ev == RCONN_EV_REAUTH)
        s->reauths++;
    else if (ev == RCONN_EV_CLOSED) {
        s->closed = true;
        if (e)
            s->err = *e;
    }
}

static void test_rconn_reauth(void **state)
{
    (void)state;
    struct chain ch;
    chain_start(&ch, NULL);
    struct rec srv;
    rec_start(&srv, ch.l);
    /* a 5-second token so the re-authentication comes quickly */
    struct iamauth_options o = {
        .loop = ch.l,
        .creds = ch.creds,
        .params = {.cache_id = "app-4", .user = "app-4-iam", .region = "us-east-2", .expires_s = 5},
    };
    struct iamauth *a = iamauth_new(&o, NULL, 0);
    assert_non_null(a);
    struct evs ev;
    memset(&ev, 0, sizeof(ev));
    struct rconn_options ro = {
        .host = "127.0.0.1",
        .port = srv.port,
        .cred = iamauth_cred,
        .cred_arg = a,
        .on_event = on_conn_event,
        .event_arg = &ev,
    };
    struct rconn *c = rconn_open(ch.l, &ro);
    assert_non_null(c);
    assert_true(loop_run_until(ch.l, &ev.ready, loop_now_ms(ch.l) + 10000));
    assert_int_equal(srv.nauth, 1);
    assert_string_equal(srv.auth_user[0], "app-4-iam");
    struct sigv4_creds cr = {ch.ak, ch.sk, ch.st};
    int64_t t0 = token_time(srv.auth_token[0]);
    char *want = iamauth_token(&o.params, &cr, t0, NULL, 0);
    assert_string_equal(srv.auth_token[0], want);
    mem_free_secret(want);
    struct rconn_info info;
    rconn_get_info(c, &info);
    assert_true(info.authenticated);
    assert_string_equal(info.user, "app-4-iam");
    int64_t exp0 = info.auth_expires_wall_ms;
    assert_true(exp0 > loop_wall_ms(ch.l));

    /* before the 5 s are up a fresh token is sent on the same connection */
    bool two = false;
    uint64_t deadline = loop_now_ms(ch.l) + 15000;
    while (!two && loop_now_ms(ch.l) < deadline) {
        loop_run_once(ch.l, 100);
        two = ev.reauths >= 1;
    }
    assert_true(two);
    assert_false(ev.closed);
    assert_int_equal(srv.nconns, 1);
    assert_int_equal(srv.nauth, 2);
    assert_true(srv.auth_ms[1] < exp0);
    assert_string_equal(srv.auth_user[1], "app-4-iam");
    assert_string_not_equal(srv.auth_token[1], srv.auth_token[0]);
    int64_t t1 = token_time(srv.auth_token[1]);
    assert_true(t1 > t0);
    want = iamauth_token(&o.params, &cr, t1, NULL, 0);
    assert_string_equal(srv.auth_token[1], want);
    mem_free_secret(want);
    rconn_get_info(c, &info);
    assert_int_equal(info.reauths, 1);
    assert_true(info.auth_expires_wall_ms > exp0);
    struct iamauth_stats st;
    iamauth_get_stats(a, &st);
    assert_int_equal(st.minted, 2);
    rconn_close(c);
    iamauth_free(a);
    rec_stop(&srv);
    chain_stop(&ch);
}

static void test_rconn_provider_freed(void **state)
{
    (void)state;
    /* the provider goes away while a connection waits for its token: the
     * connection fails with an AUTH error instead of hanging */
    char dir[64];
    snprintf(dir, sizeof(dir), "/tmp/elcui-iamslow-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof(path), "%s/slow.sh", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    /* a chain that takes its time: the request is still waiting below */
    fputs("#!/bin/sh\nsleep 3\nprintf '%s' '{\"Version\":1,\"AccessKeyId\":\"AKIAX\","
          "\"SecretAccessKey\":\"notused\"}'\n",
          f);
    fclose(f);
    chmod(path, 0700);
    char config[256];
    snprintf(config, sizeof(config), "[default]\ncredential_process = %s\n", path);
    struct chain ch;
    chain_start(&ch, config);
    struct rec srv;
    rec_start(&srv, ch.l);
    struct iamauth_options o = {
        .loop = ch.l,
        .creds = ch.creds,
        .params = {.cache_id = "app-4", .user = "u1", .region = "us-east-2"},
    };
    struct iamauth *a = iamauth_new(&o, NULL, 0);
    struct evs ev;
    memset(&ev, 0, sizeof(ev));
    struct rconn_options ro = {
        .host = "127.0.0.1",
        .port = srv.port,
        .cred = iamauth_cred,
        .cred_arg = a,
        .on_event = on_conn_event,
        .event_arg = &ev,
    };
    struct rconn *c = rconn_open(ch.l, &ro);
    /* run until the connection asks for credentials (TCP is up) */
    uint64_t deadline = loop_now_ms(ch.l) + 10000;
    while (rconn_state(c) != RCONN_S_AUTH && !ev.closed && loop_now_ms(ch.l) < deadline)
        loop_run_once(ch.l, 20);
    assert_int_equal(rconn_state(c), RCONN_S_AUTH);
    iamauth_free(a);
    assert_true(loop_run_until(ch.l, &ev.closed, loop_now_ms(ch.l) + 5000) || ev.closed);
    assert_int_equal(ev.err.code, RCONN_ERR_AUTH);
    assert_non_null(strstr(ev.err.msg, "IAM"));
    assert_int_equal(srv.nauth, 0);
    rconn_close(c);
    rec_stop(&srv);
    chain_stop(&ch);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigv4_presign_vectors),
        cmocka_unit_test(test_own_vectors),
        cmocka_unit_test(test_bad_params),
        cmocka_unit_test(test_provider_env),
        cmocka_unit_test(test_provider_expiring_creds),
        cmocka_unit_test(test_provider_chain_fails),
        cmocka_unit_test(test_rconn_reauth),
        cmocka_unit_test(test_rconn_provider_freed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
