/* test_aws_client.c - aws/aws_client.c against a scripted local server
 * (tests/unit/httpsrv.h) on the same core/loop, with real credentials
 * (environment provider, keys generated per run) and a real profile store.
 *
 * Covers: query, EC2 and JSON requests (headers, body, signature checked
 * server side), byte-for-byte equality with botocore's signed requests
 * (tests/unit/data/sigv4-botocore.json, sent through an HTTP proxy so the
 * Host matches), the standard retry mode (codes, statuses, resets,
 * timeouts, attempt limits, back-off bounds through on_retry, the retry
 * quota), clock-skew correction, expired-token refresh, pagination with
 * aws_call_next, cancellation everywhere, malformed/truncated bodies,
 * configuration errors, unsigned requests, endpoints and Host ports, and a
 * verbose log without secrets. Run from the repository top.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_skip.h"

#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "aws/aws_client.h"
#include "aws/awstime.h"
#include "aws/creds.h"
#include "aws/http.h"
#include "aws/profile.h"
#include "aws/query.h"
#include "aws/sigv4.h"
#include "core/loop.h"
#include "tests/unit/httpsrv.h"

#define DEADLINE_MS 20000
#define VECTORS "tests/unit/data/sigv4-botocore.json"

/* ---- a reactor whose wall clock the test controls ---- */

struct fake_clock {
    const struct reactor *real;
    struct reactor r;
    struct reactor_ops ops;
    int64_t fixed_wall; /* non-zero: the wall clock is this */
    int64_t offset;     /* else real wall clock + offset */
};

static void *fc_watch(void *ctx, int fd, int ev, reactor_fd_cb cb, void *arg)
{
    struct fake_clock *f = ctx;
    return f->real->ops->watch(f->real->ctx, fd, ev, cb, arg);
}
static void fc_rewatch(void *ctx, void *w, int ev)
{
    struct fake_clock *f = ctx;
    f->real->ops->rewatch(f->real->ctx, w, ev);
}
static void fc_unwatch(void *ctx, void *w)
{
    struct fake_clock *f = ctx;
    f->real->ops->unwatch(f->real->ctx, w);
}
static void *fc_timer(void *ctx, uint64_t ms, reactor_timer_cb cb, void *arg)
{
    struct fake_clock *f = ctx;
    return f->real->ops->timer(f->real->ctx, ms, cb, arg);
}
static void fc_untimer(void *ctx, void *t)
{
    struct fake_clock *f = ctx;
    f->real->ops->untimer(f->real->ctx, t);
}
static uint64_t fc_now(void *ctx)
{
    struct fake_clock *f = ctx;
    return f->real->ops->now_ms(f->real->ctx);
}
static int64_t fc_wall(void *ctx)
{
    struct fake_clock *f = ctx;
    return f->fixed_wall ? f->fixed_wall : f->real->ops->wall_ms(f->real->ctx) + f->offset;
}

/* ---- fixture ---- */

struct step {
    enum srv_action action;
    int status;
    const char *headers;
    const char *body;
    size_t partial_len;
    uint64_t delay_ms;
};

struct fx;
typedef void (*fx_hook)(struct fx *f, const struct srv_req *req, struct srv_resp *resp);

struct fx {
    struct loop *l;
    struct fake_clock clk;
    struct http_client *http;
    struct profile_store *store;
    struct creds_provider *creds;
    struct aws_client *c;
    struct srv *s;
    char endpoint[128];
    char ak[32], sk[48], tok[48];
    struct step script[128];
    int nscript;
    struct step dflt;
    fx_hook hook;
    void *hook_arg;
    char *hook_buf; /* response storage for hooks */
    char *hook_hdr;
    int64_t server_offset_ms; /* server clock = real + this (skew tests) */
    int sig_failures;         /* server-side signature checks that failed */
    bool check_sig;
};

static void rand_hex(char *out, size_t n, bool upper)
{
    static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
    FILE *f = fopen("/dev/urandom", "rb");
    assert_non_null(f);
    for (size_t i = 0; i < n; i++) {
        int c = fgetc(f);
        out[i] = (upper ? up : lo)[c & 15];
    }
    out[n] = '\0';
    fclose(f);
}

/* X-Amz-Date "20240501T120000Z" -> epoch seconds. */
static int64_t amz_to_epoch(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!s || sscanf(s, "%4d%2d%2dT%2d%2d%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                     &tm.tm_min, &tm.tm_sec) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

/* Recompute the signature from what arrived on the wire: every header
 * named in SignedHeaders must have been sent with the signed value. */
static bool verify_signature(const struct srv_req *r, const char *secret)
{
    const char *auth = srv_hdr(r, "Authorization");
    if (!auth)
        return false;
    const char *cred = strstr(auth, "Credential=");
    const char *sh = strstr(auth, "SignedHeaders=");
    const char *sig = strstr(auth, "Signature=");
    if (!cred || !sh || !sig)
        return false;
    char ak[64], date[16], region[32], service[32];
    if (sscanf(cred, "Credential=%63[^/]/%15[^/]/%31[^/]/%31[^/]/aws4_request", ak, date, region,
               service) != 4)
        return false;
    char names[512];
    if (sscanf(sh, "SignedHeaders=%511[^,]", names) != 1)
        return false;
    struct sigv4_header hdr[16];
    size_t n = 0;
    char *save = NULL;
    for (char *t = strtok_r(names, ";", &save); t && n < 16; t = strtok_r(NULL, ";", &save)) {
        const char *v = srv_hdr(r, t);
        if (!v)
            return false;
        hdr[n].name = t;
        hdr[n].value = v;
        n++;
    }
    struct sigv4_request sreq = {"POST", r->path, NULL, hdr, n, r->body, r->body_len, NULL};
    struct sigv4_creds c = {ak, secret, NULL};
    struct sigv4_scope scope = {region, service, amz_to_epoch(srv_hdr(r, "X-Amz-Date"))};
    struct sigv4_result res;
    if (sigv4_sign(&sreq, &c, &scope, &res) != 0)
        return false;
    bool ok = strncmp(sig + 10, res.signature, 64) == 0;
    sigv4_result_free(&res);
    return ok;
}

static void fx_handler(struct srv *s, const struct srv_req *req, struct srv_resp *resp, void *arg)
{
    (void)s;
    struct fx *f = arg;
    if (f->check_sig && srv_hdr(req, "Authorization") && !verify_signature(req, f->sk))
        f->sig_failures++;
    const struct step *st = req->index < f->nscript ? &f->script[req->index] : &f->dflt;
    resp->action = st->action;
    resp->status = st->status ? st->status : 200;
    resp->headers = st->headers;
    resp->body = st->body;
    resp->partial_len = st->partial_len;
    resp->delay_ms = st->delay_ms;
    if (f->hook)
        f->hook(f, req, resp);
}

static void fx_env(struct fx *f)
{
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_DEFAULT_PROFILE");
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_ELASTICACHE");
    unsetenv("AWS_ENDPOINT_URL_KMS");
    unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    unsetenv("AWS_MAX_ATTEMPTS");
    unsetenv("AWS_SECURITY_TOKEN");
    unsetenv("AWS_CREDENTIAL_EXPIRATION");
    unsetenv("http_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("https_proxy");
    setenv("AWS_CONFIG_FILE", "/nonexistent/elcui-test/config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/elcui-test/credentials", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_ACCESS_KEY_ID", f->ak, 1);
    setenv("AWS_SECRET_ACCESS_KEY", f->sk, 1);
    setenv("AWS_SESSION_TOKEN", f->tok, 1);
}

struct fx_opts {
    int max_attempts;
    long timeout_ms;
    size_t max_body;
    const char *endpoint_url; /* default: the local server */
    bool no_creds;
    const char *config_text; /* written to a temp config file */
    bool verbose;
};

static char fx_config_path[64];

static void fx_client(struct fx *f, const struct fx_opts *o)
{
    struct aws_error err;
    aws_error_init(&err);
    struct aws_client_options co = {
        .reactor = &f->clk.r,
        .http = f->http,
        .creds = o && o->no_creds ? NULL : f->creds,
        .store = f->store,
        .profile = "default",
        .region = "us-east-1",
        .endpoint_url = o && o->endpoint_url ? o->endpoint_url : f->endpoint,
        .max_attempts = o ? o->max_attempts : 0,
        .timeout_ms = o ? o->timeout_ms : 0,
        .rand_seed = 12345,
        .backoff_unit_ms = 1,
        .verbose = o ? o->verbose : false,
    };
    f->c = aws_client_new(&co, &err);
    assert_non_null(f->c);
    aws_error_clear(&err);
}

static struct fx *fx_new(const struct fx_opts *o)
{
    struct fx *f = mem_xcalloc(1, sizeof(*f));
    memcpy(f->ak, "AKIATEST", 8);
    rand_hex(f->ak + 8, 12, true);
    rand_hex(f->sk, 40, false);
    memcpy(f->tok, "tok-", 4);
    rand_hex(f->tok + 4, 32, false);
    fx_env(f);
    f->check_sig = true;
    f->l = loop_new();
    f->clk.real = loop_reactor(f->l);
    f->clk.ops = (struct reactor_ops){fc_watch,   fc_rewatch, fc_unwatch, fc_timer,
                                      fc_untimer, fc_now,     fc_wall};
    f->clk.r.ops = &f->clk.ops;
    f->clk.r.ctx = &f->clk;
    struct http_options ho = {.max_body = o ? o->max_body : 0};
    f->http = http_client_new(&f->clk.r, &ho);
    assert_non_null(f->http);
    struct aws_error err;
    aws_error_init(&err);
    const char *cfg = NULL;
    if (o && o->config_text) {
        snprintf(fx_config_path, sizeof(fx_config_path), "/tmp/elcui-test-awsc-XXXXXX");
        int fd = mkstemp(fx_config_path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, o->config_text, strlen(o->config_text)),
                         (ssize_t)strlen(o->config_text));
        close(fd);
        cfg = fx_config_path;
    }
    f->store = profile_load(cfg, NULL, &err);
    assert_non_null(f->store);
    if (cfg)
        unlink(cfg);
    struct creds_options co = {
        .reactor = &f->clk.r,
        .http = f->http,
        .store = f->store,
        .profile = "default",
        .region = "us-east-1",
    };
    f->creds = creds_provider_new(&co);
    assert_non_null(f->creds);
    f->s = srv_start(f->l, fx_handler, f);
    assert_non_null(f->s);
    snprintf(f->endpoint, sizeof(f->endpoint), "http://127.0.0.1:%d", f->s->port);
    fx_client(f, o);
    aws_error_clear(&err);
    return f;
}

static void fx_free(struct fx *f)
{
    assert_int_equal(f->sig_failures, 0);
    aws_client_free(f->c);
    creds_provider_free(f->creds);
    http_client_free(f->http);
    profile_free(f->store);
    srv_stop(f->s);
    loop_free(f->l);
    free(f->hook_buf);
    free(f->hook_hdr);
    free(f);
    unsetenv("http_proxy");
}

static void run_for(struct fx *f, uint64_t ms)
{
    bool never = false;
    loop_run_until(f->l, &never, loop_now_ms(f->l) + ms);
}

/* ---- results ---- */

struct res {
    bool done;
    int calls;
    struct aws_error err;
    int status;
    int attempts;
    char request_id[96];
    xmlDoc *doc;
    xmlNode *result;
    json_t *json;
    int nretry;
    int next_attempt[128];
    uint64_t delays[128];
    char retry_codes[128][96];
    bool cancel_in_retry;
    int released; /* on_release calls */
    struct aws_call *call;
    /* pagination */
    int pages;
    char *markers[8];
};

static void res_clear(struct res *r)
{
    aws_error_clear(&r->err);
    if (r->doc)
        xmlFreeDoc(r->doc);
    json_decref(r->json);
    for (int i = 0; i < 8; i++)
        free(r->markers[i]);
    memset(r, 0, sizeof(*r));
}

static void on_done(struct aws_response *resp, void *arg)
{
    struct res *r = arg;
    r->calls++;
    r->done = true;
    aws_error_copy(&r->err, &resp->err);
    r->status = resp->http_status;
    r->attempts = resp->attempts;
    snprintf(r->request_id, sizeof(r->request_id), "%s", resp->request_id);
    if (resp->doc) {
        if (r->doc)
            xmlFreeDoc(r->doc);
        r->doc = resp->doc;
        r->result = resp->result;
        resp->doc = NULL;
        resp->result = NULL;
    }
    if (resp->json) {
        json_decref(r->json);
        r->json = resp->json;
        resp->json = NULL;
    }
}

static void on_retry(const struct aws_error *why, int next_attempt, uint64_t delay_ms, void *arg)
{
    struct res *r = arg;
    assert_true(r->nretry < 128);
    r->next_attempt[r->nretry] = next_attempt;
    r->delays[r->nretry] = delay_ms;
    snprintf(r->retry_codes[r->nretry], sizeof(r->retry_codes[0]), "%s", why->code);
    assert_string_equal(why->service[0] ? why->service : "?", why->service);
    r->nretry++;
    if (r->cancel_in_retry)
        aws_call_cancel(r->call);
}

static void on_release(void *arg)
{
    struct res *r = arg;
    r->released++;
}

static bool wait_done(struct fx *f, struct res *r)
{
    return loop_run_until(f->l, &r->done, loop_now_ms(f->l) + DEADLINE_MS);
}

static struct aws_call *call_ec(struct fx *f, const char *op, struct res *r)
{
    struct aws_request req = {
        .svc = &svc_elasticache,
        .op = op,
        .query = query_params_new(op, svc_elasticache.api_version),
        .on_retry = on_retry,
        .on_release = on_release,
    };
    query_add(req.query, "ReplicationGroupId", "my-rg");
    r->call = aws_client_call(f->c, &req, on_done, r);
    assert_non_null(r->call);
    assert_null(req.query); /* taken */
    return r->call;
}

static struct aws_call *call_kms(struct fx *f, struct res *r)
{
    json_t *body = json_pack("{s:s}", "KeyId", "alias/k");
    struct aws_request req = {
        .svc = &svc_kms, .op = "DescribeKey", .json = body, .on_retry = on_retry};
    r->call = aws_client_call(f->c, &req, on_done, r);
    assert_non_null(r->call);
    return r->call;
}

#define RG_OK                                                                                      \
    "<?xml version=\"1.0\"?>\n<DescribeReplicationGroupsResponse "                                 \
    "xmlns=\"http://elasticache.amazonaws.com/doc/2015-02-02/\"><DescribeReplicationGroupsResult>" \
    "<ReplicationGroups><ReplicationGroup><ReplicationGroupId>my-rg</ReplicationGroupId>"          \
    "<Status>available</Status></ReplicationGroup></ReplicationGroups>"                            \
    "</DescribeReplicationGroupsResult><ResponseMetadata><RequestId>env-rid</RequestId>"           \
    "</ResponseMetadata></DescribeReplicationGroupsResponse>"

#define QERR(code, msg)                                                                            \
    "<ErrorResponse xmlns=\"http://elasticache.amazonaws.com/doc/2015-02-02/\"><Error><Type>"      \
    "Sender</Type><Code>" code "</Code><Message>" msg "</Message></Error><RequestId>err-rid"       \
    "</RequestId></ErrorResponse>"

/* ---- basic requests ---- */

static void test_query_request(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    f->dflt.body = RG_OK;
    f->dflt.headers = "x-amzn-RequestId: hdr-rid\r\nContent-Type: text/xml\r\n";
    struct res r = {0};
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_false(r.done);
    assert_int_equal(f->s->nreqs, 0); /* nothing before the loop runs */
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_NONE);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.attempts, 1);
    assert_int_equal(r.released, 0);              /* the callback ran: no release notice */
    assert_string_equal(r.request_id, "hdr-rid"); /* the header wins */
    assert_non_null(r.result);
    char *id = query_text(r.result, "ReplicationGroups/ReplicationGroup/ReplicationGroupId");
    assert_string_equal(id, "my-rg");
    free(id);

    const struct srv_req *sr = f->s->reqs[0];
    assert_string_equal(sr->method, "POST");
    assert_string_equal(sr->path, "/");
    assert_string_equal(
        sr->body, "Action=DescribeReplicationGroups&Version=2015-02-02&ReplicationGroupId=my-rg");
    assert_string_equal(srv_hdr(sr, "Content-Type"),
                        "application/x-www-form-urlencoded; charset=utf-8");
    char host[64];
    snprintf(host, sizeof(host), "127.0.0.1:%d", f->s->port);
    assert_string_equal(srv_hdr(sr, "Host"), host);
    assert_string_equal(srv_hdr(sr, "X-Amz-Security-Token"), f->tok);
    assert_null(srv_hdr(sr, "Expect"));
    assert_null(srv_hdr(sr, "X-Amz-Target"));
    const char *date = srv_hdr(sr, "X-Amz-Date");
    assert_non_null(date);
    int64_t skew = amz_to_epoch(date) - (int64_t)time(NULL);
    assert_true(skew > -120 && skew < 120);
    char want[256];
    snprintf(want, sizeof(want),
             "AWS4-HMAC-SHA256 Credential=%s/%.8s/us-east-1/elasticache/aws4_request, "
             "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=",
             f->ak, date);
    assert_true(strncmp(srv_hdr(sr, "Authorization"), want, strlen(want)) == 0);

    struct aws_client_stats st;
    aws_client_stats(f->c, &st);
    assert_int_equal(st.calls, 1);
    assert_int_equal(st.attempts, 1);
    assert_int_equal(st.retries, 0);
    assert_int_equal(st.retry_quota, 500);
    res_clear(&r);
    fx_free(f);
}

static void test_json_request(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    f->dflt.body = "{\"KeyMetadata\":{\"KeyId\":\"1234\",\"CreationDate\":1.7145648001E9}}";
    f->dflt.headers = "x-amzn-RequestId: j-rid\r\n";
    struct res r = {0};
    call_kms(f, &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_NONE);
    assert_non_null(r.json);
    assert_null(r.doc);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r.json, "KeyMetadata"), "KeyId")),
        "1234");
    assert_string_equal(r.request_id, "j-rid");
    const struct srv_req *sr = f->s->reqs[0];
    assert_string_equal(sr->body, "{\"KeyId\":\"alias/k\"}");
    assert_string_equal(srv_hdr(sr, "Content-Type"), "application/x-amz-json-1.1");
    assert_string_equal(srv_hdr(sr, "X-Amz-Target"), "TrentService.DescribeKey");
    assert_non_null(strstr(srv_hdr(sr, "Authorization"),
                           "/us-east-1/kms/aws4_request, SignedHeaders=content-type;host;"
                           "x-amz-date;x-amz-security-token;x-amz-target, "));
    res_clear(&r);

    /* An empty 2xx body is an empty object; a JSON request without a body
     * sends "{}". */
    f->dflt.body = "";
    struct aws_request req = {.svc = &svc_logs, .op = "CreateLogGroup"};
    r.call = aws_client_call(f->c, &req, on_done, &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_NONE);
    assert_true(json_is_object(r.json));
    assert_int_equal(json_object_size(r.json), 0);
    assert_string_equal(f->s->reqs[1]->body, "{}");
    assert_string_equal(srv_hdr(f->s->reqs[1], "X-Amz-Target"), "Logs_20140328.CreateLogGroup");
    res_clear(&r);
    fx_free(f);
}

static void test_ec2_and_unsigned(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    f->dflt.body = "<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
                   "<requestId>ec2-rid</requestId><vpcSet><item><vpcId>vpc-1</vpcId></item>"
                   "</vpcSet></DescribeVpcsResponse>";
    struct res r = {0};
    struct aws_request req = {.svc = &svc_ec2,
                              .op = "DescribeVpcs",
                              .query = query_params_new("DescribeVpcs", svc_ec2.api_version)};
    query_add(req.query, "VpcId.1", "vpc-1");
    r.call = aws_client_call(f->c, &req, on_done, &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_NONE);
    assert_string_equal(r.request_id, "ec2-rid");
    char *v = query_text(r.result, "vpcSet/item/vpcId");
    assert_string_equal(v, "vpc-1");
    free(v);
    assert_non_null(strstr(srv_hdr(f->s->reqs[0], "Authorization"), "/us-east-1/ec2/aws4_request"));
    res_clear(&r);

    /* Unsigned (AssumeRoleWithWebIdentity): no Authorization, no date, no
     * token, and no credentials needed. */
    unsetenv("AWS_ACCESS_KEY_ID");
    f->dflt.body = "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
                   "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
    struct aws_request ureq = {
        .svc = &svc_sts,
        .op = "AssumeRoleWithWebIdentity",
        .query = query_params_new("AssumeRoleWithWebIdentity", svc_sts.api_version),
        .unsigned_request = true};
    r.call = aws_client_call(f->c, &ureq, on_done, &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_NONE);
    const struct srv_req *sr = f->s->reqs[1];
    assert_null(srv_hdr(sr, "Authorization"));
    assert_null(srv_hdr(sr, "X-Amz-Date"));
    assert_null(srv_hdr(sr, "X-Amz-Security-Token"));
    assert_string_equal(srv_hdr(sr, "Content-Type"),
                        "application/x-www-form-urlencoded; charset=utf-8");
    res_clear(&r);
    fx_free(f);
}

/* ---- byte-for-byte against botocore ---- */

struct bc_case {
    const char *name;
    struct aws_request req;
};

/* Answers any call with an empty success in its protocol. */
static void bc_hook(struct fx *f, const struct srv_req *req, struct srv_resp *resp)
{
    resp->status = 200;
    if (srv_hdr(req, "X-Amz-Target")) {
        resp->body = "{}";
        return;
    }
    struct query_params *p = query_decode(req->body, req->body_len);
    const char *op = query_get(p, "Action");
    free(f->hook_buf);
    f->hook_buf = mem_xasprintf("<%sResponse><%sResult/></%sResponse>", op ? op : "X",
                                op ? op : "X", op ? op : "X");
    resp->body = f->hook_buf;
    query_params_free(p);
}

static void check_against_vector(struct fx *f, json_t *vec, const struct srv_req *sr)
{
    const char *name = json_string_value(json_object_get(vec, "name"));
    json_t *hdrs = json_object_get(vec, "headers");
    size_t i;
    json_t *pair;
    json_array_foreach(hdrs, i, pair)
    {
        const char *n = json_string_value(json_array_get(pair, 0));
        const char *v = json_string_value(json_array_get(pair, 1));
        const char *got = srv_hdr(sr, n);
        if (!got || strcmp(got, v) != 0)
            fail_msg("%s: header %s: botocore sent '%s', elcui sent '%s'", name, n, v,
                     got ? got : "(none)");
    }
    const char *auth = json_string_value(json_object_get(vec, "authorization"));
    if (strcmp(srv_hdr(sr, "Authorization"), auth) != 0)
        fail_msg("%s: Authorization differs:\nbotocore %s\nelcui    %s", name, auth,
                 srv_hdr(sr, "Authorization"));
    const char *body = json_string_value(json_object_get(vec, "body"));
    if (strcmp(sr->body, body) != 0)
        fail_msg("%s: body differs:\nbotocore %s\nelcui    %s", name, body, sr->body);
    (void)f;
}

static json_t *find_vector(json_t *root, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(root, "cases"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "name")), name) == 0)
            return c;
    }
    fail_msg("vector %s missing from %s", name, VECTORS);
    return NULL;
}

static void test_botocore_equivalence(void **state)
{
    (void)state;
    json_error_t je;
    json_t *root = json_load_file(VECTORS, 0, &je);
    if (!root)
        fail_msg("cannot read %s (run from the repository top): %s", VECTORS, je.text);
    struct fx *f = fx_new(NULL);
    f->check_sig = false; /* the vectors use their own example key */
    f->hook = bc_hook;
    json_t *v0 = find_vector(root, "elasticache-describe-token-port");
    setenv("AWS_ACCESS_KEY_ID", json_string_value(json_object_get(v0, "access_key")), 1);
    setenv("AWS_SECRET_ACCESS_KEY", json_string_value(json_object_get(v0, "secret_key")), 1);
    setenv("AWS_SESSION_TOKEN", json_string_value(json_object_get(v0, "session_token")), 1);
    creds_invalidate(f->creds);
    /* The server is the proxy: elcui connects to it, Host stays the
     * endpoint's, exactly as botocore signed it. */
    char proxy[64];
    snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", f->s->port);
    setenv("http_proxy", proxy, 1);
    f->clk.fixed_wall = (int64_t)json_integer_value(json_object_get(v0, "time")) * 1000;

    const char *names[] = {"elasticache-describe-token-port",
                           "elasticache-create-nested-token-port", "kms-describe-key-compact-json"};
    for (size_t k = 0; k < 3; k++) {
        json_t *vec = find_vector(root, names[k]);
        const char *region = json_string_value(json_object_get(vec, "region"));
        const char *endpoint = k < 2 ? "http://elasticache.test:4566" : "http://kms.test:4566";
        aws_client_free(f->c);
        struct aws_error err;
        aws_error_init(&err);
        struct aws_client_options co = {.reactor = &f->clk.r,
                                        .http = f->http,
                                        .creds = f->creds,
                                        .store = f->store,
                                        .profile = "default",
                                        .region = region,
                                        .endpoint_url = endpoint,
                                        .rand_seed = 1,
                                        .backoff_unit_ms = 1};
        f->c = aws_client_new(&co, &err);
        assert_non_null(f->c);
        struct aws_request req = {0};
        if (k == 0) {
            req.svc = &svc_elasticache;
            req.op = "DescribeReplicationGroups";
            req.query = query_params_new(req.op, svc_elasticache.api_version);
            query_add(req.query, "ReplicationGroupId", "my-rg");
            query_add(req.query, "Marker", "m/1+2 3");
            query_add_int(req.query, "MaxRecords", 20);
        } else if (k == 1) {
            req.svc = &svc_elasticache;
            req.op = "CreateReplicationGroup";
            struct query_params *q = query_params_new(req.op, svc_elasticache.api_version);
            query_add(q, "ReplicationGroupId", "app-4");
            query_add(q, "ReplicationGroupDescription", "app 4: cache & more");
            query_add_bool(q, "TransitEncryptionEnabled", true);
            query_add_secret(q, "AuthToken", "s3cr3t-Token-value!&#");
            query_add_int(q, "NumNodeGroups", 2);
            query_add_int(q, "ReplicasPerNodeGroup", 1);
            query_addf_name(q, "sg-1", "SecurityGroupIds.SecurityGroupId.%d", 1);
            query_addf_name(q, "sg-2", "SecurityGroupIds.SecurityGroupId.%d", 2);
            query_addf_name(q, "ug-1", "UserGroupIds.member.%d", 1);
            const char *ld = "LogDeliveryConfigurations.LogDeliveryConfigurationRequest.1.";
            char n[200];
            snprintf(n, sizeof(n), "%sLogType", ld);
            query_add(q, n, "slow-log");
            snprintf(n, sizeof(n), "%sDestinationType", ld);
            query_add(q, n, "cloudwatch-logs");
            snprintf(n, sizeof(n), "%sDestinationDetails.CloudWatchLogsDetails.LogGroup", ld);
            query_add(q, n, "/elasticache/app-4");
            snprintf(n, sizeof(n), "%sLogFormat", ld);
            query_add(q, n, "json");
            query_add(q, "Tags.Tag.1.Key", "elcui:stack");
            query_add(q, "Tags.Tag.1.Value", "app 4");
            req.query = q;
        } else {
            req.svc = &svc_kms;
            req.op = "DescribeKey";
            req.json = json_pack("{s:s}", "KeyId", "alias/my-key");
        }
        struct res r = {0};
        r.call = aws_client_call(f->c, &req, on_done, &r);
        assert_true(wait_done(f, &r));
        if (r.err.kind != AWS_ERR_NONE) {
            char *m = aws_error_format(&r.err);
            fail_msg("%s: %s", names[k], m);
        }
        check_against_vector(f, vec, f->s->reqs[f->s->nreqs - 1]);
        res_clear(&r);
        aws_error_clear(&err);
    }
    json_decref(root);
    fx_free(f);
}

/* Default ports are left out of Host, others kept (checked through the
 * proxy, so any host name works). */
static void test_host_ports(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    f->hook = bc_hook;
    char proxy[64];
    snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", f->s->port);
    setenv("http_proxy", proxy, 1);
    const struct {
        const char *endpoint, *host, *target;
    } cases[] = {
        {"http://Kms.Example.TEST:80", "kms.example.test", "http://kms.example.test/"},
        {"http://kms.example.test:8080/", "kms.example.test:8080", "http://kms.example.test:8080/"},
        {"http://kms.example.test", "kms.example.test", "http://kms.example.test/"},
    };
    for (size_t i = 0; i < 3; i++) {
        aws_client_free(f->c);
        struct fx_opts o = {.endpoint_url = cases[i].endpoint};
        fx_client(f, &o);
        struct res r = {0};
        call_kms(f, &r);
        assert_true(wait_done(f, &r));
        assert_int_equal(r.err.kind, AWS_ERR_NONE);
        const struct srv_req *sr = f->s->reqs[f->s->nreqs - 1];
        assert_string_equal(srv_hdr(sr, "Host"), cases[i].host);
        assert_string_equal(sr->target, cases[i].target);
        res_clear(&r);
    }
    fx_free(f);
}

/* ---- retries ---- */

static void test_retry_throttling_query(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    f->script[0] = (struct step){.status = 400, .body = QERR("Throttling", "Rate exceeded")};
    f->script[1] = (struct step){.status = 400, .body = QERR("Throttling", "Rate exceeded")};
    f->nscript = 2;
    f->dflt.body = RG_OK;
    struct res r = {0};
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_NONE);
    assert_int_equal(r.attempts, 3);
    assert_int_equal(r.nretry, 2);
    assert_int_equal(r.next_attempt[0], 2);
    assert_int_equal(r.next_attempt[1], 3);
    assert_string_equal(r.retry_codes[0], "Throttling");
    /* unit 1 ms: delay n <= 2^(n-1) */
    assert_true(r.delays[0] <= 1);
    assert_true(r.delays[1] <= 2);
    assert_int_equal(f->s->nreqs, 3);
    struct aws_client_stats st;
    aws_client_stats(f->c, &st);
    assert_int_equal(st.retries, 2);
    assert_int_equal(st.throttled, 2);
    assert_int_equal(st.attempts, 3);
    assert_int_equal(st.retry_quota, 500 - 5 - 5 + 5);
    /* every attempt is signed afresh and verifies */
    for (int i = 0; i < 3; i++)
        assert_non_null(srv_hdr(f->s->reqs[i], "Authorization"));
    res_clear(&r);
    fx_free(f);
}

static void test_retry_json_ec2_statuses(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    /* JSON ThrottlingException (400), then success. */
    f->script[0] = (struct step){.status = 400,
                                 .body = "{\"__type\":\"ThrottlingException\",\"message\":\"Rate "
                                         "exceeded\"}"};
    f->nscript = 1;
    f->dflt.body = "{}";
    struct res r = {0};
    call_kms(f, &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_NONE);
    assert_int_equal(r.attempts, 2);
    assert_string_equal(r.retry_codes[0], "ThrottlingException");
    res_clear(&r);

    /* EC2 RequestLimitExceeded (503, EC2 envelope), then success. */
    srv_reset_log(f->s);
    f->s->total = 0;
    f->script[0] = (struct step){
        .status = 503,
        .body = "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit "
                "exceeded.</Message></Error></Errors><RequestID>ec2-err</RequestID></Response>"};
    f->dflt.body = "<DescribeVpcsResponse><requestId>x</requestId></DescribeVpcsResponse>";
    struct aws_request req = {.svc = &svc_ec2,
                              .op = "DescribeVpcs",
                              .query = query_params_new("DescribeVpcs", svc_ec2.api_version),
                              .on_retry = on_retry};
    r.call = aws_client_call(f->c, &req, on_done, &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_NONE);
    assert_int_equal(r.attempts, 2);
    assert_string_equal(r.retry_codes[0], "RequestLimitExceeded");
    res_clear(&r);

    /* 500, 502, 503, 504 (unreadable bodies), 429: retried up to 6 attempts. */
    aws_client_free(f->c);
    struct fx_opts o = {.max_attempts = 6};
    fx_client(f, &o);
    srv_reset_log(f->s);
    f->s->total = 0;
    f->script[0] = (struct step){.status = 500, .body = "<html>oops</html>"};
    f->script[1] = (struct step){.status = 502, .body = "Bad gateway"};
    f->script[2] = (struct step){.status = 503, .body = ""};
    f->script[3] = (struct step){.status = 504, .body = "{"};
    f->script[4] = (struct step){.status = 429, .body = "slow down"};
    f->nscript = 5;
    f->dflt.body = RG_OK;
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_NONE);
    assert_int_equal(r.attempts, 6);
    assert_int_equal(r.nretry, 5);
    for (int i = 0; i < 5; i++)
        assert_true(r.delays[i] <= (1u << i));
    res_clear(&r);
    fx_free(f);
}

static void test_retry_transport(void **state)
{
    (void)state;
    struct fx_opts o = {.timeout_ms = 300};
    struct fx *f = fx_new(&o);
    /* reset, then success */
    f->script[0] = (struct step){.action = SRV_RESET};
    f->nscript = 1;
    f->dflt.body = RG_OK;
    struct res r = {0};
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_NONE);
    assert_int_equal(r.attempts, 2);
    res_clear(&r);
    struct aws_client_stats st;
    aws_client_stats(f->c, &st);
    assert_int_equal(st.retry_quota, 500);

    /* timeout (costs 10, refunded on success), then success */
    srv_reset_log(f->s);
    f->s->total = 0;
    f->script[0] = (struct step){.action = SRV_HANG};
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_NONE);
    assert_int_equal(r.attempts, 2);
    assert_string_equal(r.retry_codes[0], "OperationTimedOut");
    aws_client_stats(f->c, &st);
    assert_int_equal(st.retry_quota, 500);
    res_clear(&r);

    /* truncated body (connection closed mid-body): retried */
    srv_reset_log(f->s);
    f->s->total = 0;
    f->script[0] = (struct step){.action = SRV_PARTIAL, .body = RG_OK, .partial_len = 40};
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_NONE);
    assert_int_equal(r.attempts, 2);
    assert_string_equal(r.retry_codes[0], "PartialResponse");
    res_clear(&r);

    /* always timing out: 3 attempts, a transport error with the details */
    srv_reset_log(f->s);
    f->s->total = 0;
    f->nscript = 0;
    f->dflt = (struct step){.action = SRV_HANG};
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_TRANSPORT);
    assert_string_equal(r.err.code, "OperationTimedOut");
    assert_true(r.err.retryable);
    assert_int_equal(r.err.attempts, 3);
    assert_int_equal(r.attempts, 3);
    assert_string_equal(r.err.service, "ElastiCache");
    assert_string_equal(r.err.operation, "DescribeReplicationGroups");
    aws_client_stats(f->c, &st);
    assert_int_equal(st.retry_quota, 480);
    res_clear(&r);

    /* connection refused: transport error after 3 attempts */
    aws_client_free(f->c);
    char dead[64];
    snprintf(dead, sizeof(dead), "http://127.0.0.1:%d", srv_dead_port());
    struct fx_opts o2 = {.endpoint_url = dead};
    fx_client(f, &o2);
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_TRANSPORT);
    assert_string_equal(r.err.code, "CouldNotConnect");
    assert_int_equal(r.attempts, 3);
    assert_int_equal(r.err.http_status, 0);
    res_clear(&r);
    fx_free(f);
}

static void test_no_retry(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    struct {
        int status;
        const char *body;
        const char *code;
        bool json;
    } cases[] = {
        {403, QERR("AccessDenied", "User is not authorized"), "AccessDenied", false},
        {400, QERR("ValidationError", "bad value"), "ValidationError", false},
        {404, QERR("ReplicationGroupNotFoundFault", "not found"), "ReplicationGroupNotFoundFault",
         false},
        {400, "{\"__type\":\"LimitExceededException\",\"message\":\"quota\"}",
         "LimitExceededException", true},
        {400, "{\"__type\":\"com.amazonaws.kms#NotFoundException\",\"message\":\"no key\"}",
         "NotFoundException", true},
        {403, QERR("SignatureDoesNotMatch", "The request signature we calculated does not match"),
         "SignatureDoesNotMatch", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        srv_reset_log(f->s);
        f->s->total = 0;
        f->dflt = (struct step){.status = cases[i].status,
                                .body = cases[i].body,
                                .headers = "Date: Wed, 01 May 2024 12:00:00 GMT\r\n"};
        struct res r = {0};
        if (cases[i].json)
            call_kms(f, &r);
        else
            call_ec(f, "DescribeReplicationGroups", &r);
        assert_true(wait_done(f, &r));
        assert_int_equal(r.err.kind, AWS_ERR_SERVICE);
        assert_string_equal(r.err.code, cases[i].code);
        assert_false(r.err.retryable);
        assert_int_equal(r.attempts, 1);
        assert_int_equal(r.nretry, 0);
        assert_int_equal(f->s->nreqs, 1);
        assert_int_equal(r.err.http_status, cases[i].status);
        assert_int_equal(r.err.attempts, 1);
        if (!cases[i].json)
            assert_string_equal(r.err.request_id, "err-rid");
        res_clear(&r);
    }
    assert_int_equal(aws_client_clock_skew_ms(f->c), 0);
    fx_free(f);
}

static void test_attempt_limits(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    f->dflt = (struct step){.status = 503, .body = QERR("ServiceUnavailable", "busy")};
    struct res r = {0};
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.attempts, 3); /* the default */
    assert_int_equal(r.err.kind, AWS_ERR_SERVICE);
    assert_string_equal(r.err.code, "ServiceUnavailable");
    assert_true(r.err.retryable);
    assert_int_equal(r.err.http_status, 503);
    char *line = aws_error_format(&r.err);
    assert_non_null(
        strstr(line, "ElastiCache DescribeReplicationGroups: ServiceUnavailable: busy"));
    assert_non_null(strstr(line, "HTTP 503"));
    assert_non_null(strstr(line, "3 attempts"));
    free(line);
    res_clear(&r);

    /* AWS_MAX_ATTEMPTS */
    setenv("AWS_MAX_ATTEMPTS", "5", 1);
    aws_client_free(f->c);
    fx_client(f, NULL);
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.attempts, 5);
    res_clear(&r);
    /* an explicit option beats it */
    aws_client_free(f->c);
    struct fx_opts o = {.max_attempts = 1};
    fx_client(f, &o);
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.attempts, 1);
    res_clear(&r);
    /* nonsense falls back to 3 */
    setenv("AWS_MAX_ATTEMPTS", "zero", 1);
    aws_client_free(f->c);
    fx_client(f, NULL);
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.attempts, 3);
    res_clear(&r);
    unsetenv("AWS_MAX_ATTEMPTS");
    fx_free(f);

    /* the profile's max_attempts */
    struct fx_opts po = {.config_text = "[default]\nmax_attempts = 2\nregion = eu-west-1\n"};
    f = fx_new(&po);
    f->dflt = (struct step){.status = 500, .body = ""};
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.attempts, 2);
    assert_int_equal(r.err.kind, AWS_ERR_HTTP);
    assert_true(r.err.retryable);
    res_clear(&r);
    fx_free(f);
}

/* The delays reported through on_retry: bounded by min(2^(n-1), 20)
 * units, reproducible with a fixed seed, not all equal. */
static void test_backoff_bounds(void **state)
{
    (void)state;
    uint64_t first[10];
    for (int round = 0; round < 2; round++) {
        struct fx_opts o = {.max_attempts = 11};
        struct fx *f = fx_new(&o);
        f->dflt = (struct step){.status = 503, .body = ""};
        struct res r = {0};
        call_ec(f, "DescribeReplicationGroups", &r);
        assert_true(wait_done(f, &r));
        assert_int_equal(r.attempts, 11);
        assert_int_equal(r.nretry, 10);
        bool varied = false;
        for (int i = 0; i < 10; i++) {
            uint64_t cap = (1u << i) < 20 ? (1u << i) : 20;
            assert_true(r.delays[i] <= cap);
            assert_int_equal(r.next_attempt[i], i + 2);
            if (round == 0)
                first[i] = r.delays[i];
            else
                assert_int_equal(r.delays[i], first[i]);
            if (i > 0 && r.delays[i] != r.delays[i - 1])
                varied = true;
        }
        assert_true(varied);
        res_clear(&r);
        fx_free(f);
    }
}

static void test_retry_quota(void **state)
{
    (void)state;
    struct fx_opts o = {.max_attempts = 50};
    struct fx *f = fx_new(&o);
    f->check_sig = false; /* 100+ requests: skip the per-request check */
    f->dflt = (struct step){.status = 503, .body = QERR("ServiceUnavailable", "busy")};
    int total_attempts = 0;
    struct res r = {0};
    /* 500 tokens / 5 per retry = 100 retries, then none. */
    for (int k = 0; k < 3; k++) {
        call_ec(f, "DescribeReplicationGroups", &r);
        assert_true(wait_done(f, &r));
        total_attempts += r.attempts;
        if (k < 2)
            assert_int_equal(r.attempts, 50);
        res_clear(&r);
    }
    struct aws_client_stats st;
    aws_client_stats(f->c, &st);
    assert_int_equal(st.retries, 100);
    assert_int_equal(st.retry_quota, 0);
    assert_int_equal(total_attempts, 103);
    /* with the quota empty: one attempt, and the message says why */
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.attempts, 1);
    assert_non_null(strstr(r.err.message, "retry quota exhausted"));
    res_clear(&r);
    /* a success without retries gives one token back */
    f->dflt = (struct step){.body = RG_OK};
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_NONE);
    aws_client_stats(f->c, &st);
    assert_int_equal(st.retry_quota, 1);
    res_clear(&r);
    fx_free(f);
}

/* ---- clock skew ---- */

struct skew_ctx {
    int64_t server_offset_ms;
    const char *code;
    int status;
    bool json;
    const char *message;
    int skewed_answers;
};

static void skew_hook(struct fx *f, const struct srv_req *req, struct srv_resp *resp)
{
    struct skew_ctx *k = f->hook_arg;
    int64_t server_ms = (int64_t)time(NULL) * 1000 + k->server_offset_ms;
    char date[64];
    time_t t = (time_t)(server_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    int64_t sent = amz_to_epoch(srv_hdr(req, "X-Amz-Date")) * 1000;
    int64_t diff = sent - server_ms;
    free(f->hook_buf);
    free(f->hook_hdr);
    f->hook_buf = NULL;
    f->hook_hdr = mem_xasprintf("Date: %s\r\nx-amzn-RequestId: skew\r\n", date);
    resp->headers = f->hook_hdr;
    if (diff > 5 * 60 * 1000 || diff < -5 * 60 * 1000) {
        k->skewed_answers++;
        resp->status = k->status;
        if (k->json)
            f->hook_buf =
                mem_xasprintf("{\"__type\":\"%s\",\"message\":\"%s\"}", k->code, k->message);
        else
            f->hook_buf = mem_xasprintf(QERR("%s", "%s"), k->code, k->message);
        resp->body = f->hook_buf;
    } else {
        resp->status = 200;
        resp->body = k->json ? "{}" : RG_OK;
    }
}

static void test_clock_skew(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    struct skew_ctx k = {.server_offset_ms = 3600 * 1000,
                         .code = "RequestTimeTooSkewed",
                         .status = 403,
                         .message = "The difference between the request time and the current "
                                    "time is too large."};
    f->hook = skew_hook;
    f->hook_arg = &k;
    struct res r = {0};
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_NONE);
    assert_int_equal(r.attempts, 2);
    assert_int_equal(r.nretry, 1);
    assert_int_equal(r.delays[0], 0); /* at once */
    assert_string_equal(r.retry_codes[0], "RequestTimeTooSkewed");
    int64_t skew = aws_client_clock_skew_ms(f->c);
    assert_true(skew > 3600 * 1000 - 5000 && skew < 3600 * 1000 + 5000);
    int64_t now = aws_client_now_ms(f->c) - (int64_t)time(NULL) * 1000;
    assert_true(now > 3600 * 1000 - 5000 && now < 3600 * 1000 + 5000);
    struct aws_client_stats st;
    aws_client_stats(f->c, &st);
    assert_int_equal(st.retry_quota, 500); /* free, and the success adds 1 (capped) */
    res_clear(&r);
    /* the next call signs with the corrected clock straight away */
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.attempts, 1);
    assert_int_equal(k.skewed_answers, 1);
    res_clear(&r);

    /* the server's clock moves 2 h back: JSON InvalidSignatureException
     * "Signature expired" is corrected too, even with max_attempts 1 */
    aws_client_free(f->c);
    struct fx_opts o = {.max_attempts = 1};
    fx_client(f, &o);
    k.server_offset_ms = -7200 * 1000;
    k.code = "InvalidSignatureException";
    k.status = 400;
    k.json = true;
    k.message = "Signature expired: 20240501T100000Z is now earlier than 20240501T115500Z "
                "(20240501T120000Z - 5 min.)";
    call_kms(f, &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_NONE);
    assert_int_equal(r.attempts, 2);
    skew = aws_client_clock_skew_ms(f->c);
    assert_true(skew < -7200 * 1000 + 5000 && skew > -7200 * 1000 - 5000);
    res_clear(&r);

    /* our clock 20 min ahead of the server: query SignatureDoesNotMatch
     * "Signature not yet current" is a skew too */
    aws_client_free(f->c);
    fx_client(f, &o);
    k.server_offset_ms = -1200 * 1000;
    k.code = "SignatureDoesNotMatch";
    k.status = 403;
    k.json = false;
    k.message = "Signature not yet current: 20240501T122000Z is still later than "
                "20240501T121500Z (20240501T120000Z + 15 min.)";
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_NONE);
    assert_int_equal(r.attempts, 2);
    skew = aws_client_clock_skew_ms(f->c);
    assert_true(skew < -1200 * 1000 + 5000 && skew > -1200 * 1000 - 5000);
    res_clear(&r);
    fx_free(f);
}

/* A server that keeps saying "skewed": one correction only. A signature
 * mismatch that is not about time: no correction. */
static void test_clock_skew_limits(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    f->dflt = (struct step){.status = 403,
                            .body = QERR("RequestTimeTooSkewed", "too skewed"),
                            .headers = "Date: Wed, 01 May 2024 12:00:00 GMT\r\n"};
    struct res r = {0};
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_SERVICE);
    assert_string_equal(r.err.code, "RequestTimeTooSkewed");
    assert_int_equal(r.attempts, 2);
    res_clear(&r);

    /* Without a Date header nothing can be corrected. */
    aws_client_free(f->c);
    fx_client(f, NULL);
    srv_reset_log(f->s);
    f->s->total = 0;
    f->dflt.headers = NULL;
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.attempts, 1);
    assert_int_equal(aws_client_clock_skew_ms(f->c), 0);
    res_clear(&r);

    /* SignatureDoesNotMatch about the key, with a far Date: no retry. */
    f->dflt = (struct step){.status = 403,
                            .body = QERR("SignatureDoesNotMatch",
                                         "The request signature we calculated does not match the "
                                         "signature you provided."),
                            .headers = "Date: Wed, 01 May 2024 12:00:00 GMT\r\n"};
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.attempts, 1);
    assert_int_equal(aws_client_clock_skew_ms(f->c), 0);
    res_clear(&r);
    fx_free(f);
}

/* ---- expired token ---- */

struct token_ctx {
    const char *old_token;
    int expired_answers;
    bool always;
    bool json;
};

static void token_hook(struct fx *f, const struct srv_req *req, struct srv_resp *resp)
{
    struct token_ctx *k = f->hook_arg;
    const char *tok = srv_hdr(req, "X-Amz-Security-Token");
    if (k->always || (tok && strcmp(tok, k->old_token) == 0)) {
        k->expired_answers++;
        /* the source renews its token meanwhile */
        setenv("AWS_SESSION_TOKEN", "renewed-token", 1);
        resp->status = k->json ? 400 : 403;
        resp->body = k->json ? "{\"__type\":\"ExpiredTokenException\",\"message\":\"The security "
                               "token included in the request is expired\"}"
                             : QERR("ExpiredToken", "The security token included in the request "
                                                    "is expired");
    } else {
        resp->status = 200;
        resp->body = k->json ? "{}" : RG_OK;
    }
}

static void test_expired_token(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    struct token_ctx k = {.old_token = f->tok};
    f->hook = token_hook;
    f->hook_arg = &k;
    struct res r = {0};
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_NONE);
    assert_int_equal(r.attempts, 2);
    assert_int_equal(r.nretry, 1);
    assert_int_equal(r.delays[0], 0);
    assert_string_equal(r.retry_codes[0], "ExpiredToken");
    assert_string_equal(srv_hdr(f->s->reqs[1], "X-Amz-Security-Token"), "renewed-token");
    assert_int_equal(k.expired_answers, 1);
    assert_true(creds_fetch_count(f->creds) >= 2);
    res_clear(&r);

    /* JSON ExpiredTokenException; a token that stays expired: one refresh. */
    setenv("AWS_SESSION_TOKEN", f->tok, 1);
    creds_invalidate(f->creds);
    k.json = true;
    k.always = true;
    k.expired_answers = 0;
    call_kms(f, &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_SERVICE);
    assert_string_equal(r.err.code, "ExpiredTokenException");
    assert_int_equal(r.attempts, 2);
    assert_int_equal(k.expired_answers, 2);
    res_clear(&r);
    fx_free(f);
}

/* ---- pagination ---- */

static void page_hook(struct fx *f, const struct srv_req *req, struct srv_resp *resp)
{
    struct query_params *p = query_decode(req->body, req->body_len);
    const char *m = query_get(p, "Marker");
    const char *next = !m ? "p2" : strcmp(m, "p2") == 0 ? "p3" : NULL;
    free(f->hook_buf);
    f->hook_buf = mem_xasprintf(
        "<DescribeCacheClustersResponse><DescribeCacheClustersResult>%s%s%s<CacheClusters>"
        "<CacheCluster><CacheClusterId>c-%s</CacheClusterId></CacheCluster></CacheClusters>"
        "</DescribeCacheClustersResult></DescribeCacheClustersResponse>",
        next ? "<Marker>" : "", next ? next : "", next ? "</Marker>" : "", m ? m : "p1");
    resp->body = f->hook_buf;
    query_params_free(p);
}

struct pager {
    struct res r;
    int pages;
    char ids[8][32];
    bool cancel_on_second;
};

static void on_page(struct aws_response *resp, void *arg)
{
    struct pager *pg = arg;
    assert_int_equal(resp->err.kind, AWS_ERR_NONE);
    char *id = query_text(resp->result, "CacheClusters/CacheCluster/CacheClusterId");
    snprintf(pg->ids[pg->pages], sizeof(pg->ids[0]), "%s", id ? id : "");
    free(id);
    pg->pages++;
    char *marker = query_text(resp->result, "Marker");
    if (pg->cancel_on_second && pg->pages == 2) {
        aws_call_cancel(pg->r.call);
        free(marker);
        pg->r.done = true;
        return;
    }
    if (marker) {
        struct aws_request req = {
            .svc = &svc_elasticache,
            .op = "DescribeCacheClusters",
            .query = query_params_new("DescribeCacheClusters", svc_elasticache.api_version)};
        query_add(req.query, "Marker", marker);
        aws_call_next(pg->r.call, &req);
        assert_null(req.query);
    } else {
        pg->r.done = true;
    }
    free(marker);
}

static void test_pagination(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    f->hook = page_hook;
    struct pager pg = {0};
    struct aws_request req = {
        .svc = &svc_elasticache,
        .op = "DescribeCacheClusters",
        .query = query_params_new("DescribeCacheClusters", svc_elasticache.api_version)};
    pg.r.call = aws_client_call(f->c, &req, on_page, &pg);
    assert_true(wait_done(f, &pg.r));
    run_for(f, 50);
    assert_int_equal(pg.pages, 3);
    assert_string_equal(pg.ids[0], "c-p1");
    assert_string_equal(pg.ids[1], "c-p2");
    assert_string_equal(pg.ids[2], "c-p3");
    assert_int_equal(f->s->nreqs, 3);
    assert_non_null(strstr(f->s->reqs[1]->body, "&Marker=p2"));
    assert_non_null(strstr(f->s->reqs[2]->body, "&Marker=p3"));
    struct aws_client_stats st;
    aws_client_stats(f->c, &st);
    assert_int_equal(st.calls, 3);

    /* cancel from inside the callback after chaining: no more pages */
    struct pager pc = {.cancel_on_second = true};
    struct aws_request req2 = {
        .svc = &svc_elasticache,
        .op = "DescribeCacheClusters",
        .query = query_params_new("DescribeCacheClusters", svc_elasticache.api_version)};
    pc.r.call = aws_client_call(f->c, &req2, on_page, &pc);
    assert_true(wait_done(f, &pc.r));
    run_for(f, 100);
    assert_int_equal(pc.pages, 2);
    assert_int_equal(f->s->nreqs, 5);

    /* aws_call_next outside a callback only frees the request */
    struct aws_request stray = {
        .svc = &svc_elasticache, .op = "X", .query = query_params_new("X", "1")};
    aws_call_next(NULL, &stray);
    assert_null(stray.query);
    fx_free(f);
}

/* ---- cancellation ---- */

static void test_cancel(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    struct res r = {0};

    /* before anything ran: nothing is sent */
    call_ec(f, "DescribeReplicationGroups", &r);
    aws_call_cancel(r.call);
    run_for(f, 100);
    assert_int_equal(r.calls, 0);
    assert_int_equal(f->s->nreqs, 0);
    assert_int_equal(r.released, 1); /* the typed layer hears the call ended */

    /* mid-flight */
    f->dflt = (struct step){.action = SRV_HANG};
    call_ec(f, "DescribeReplicationGroups", &r);
    for (int i = 0; i < 300 && f->s->nreqs == 0; i++)
        loop_run_once(f->l, 20);
    assert_int_equal(f->s->nreqs, 1);
    aws_call_cancel(r.call);
    run_for(f, 100);
    assert_int_equal(r.calls, 0);
    assert_int_equal(r.released, 2);

    /* during back-off (the client waits 1 s units here) */
    aws_client_free(f->c);
    struct aws_error err;
    aws_error_init(&err);
    struct aws_client_options co = {.reactor = &f->clk.r,
                                    .http = f->http,
                                    .creds = f->creds,
                                    .store = f->store,
                                    .region = "us-east-1",
                                    .endpoint_url = f->endpoint,
                                    .rand_seed = 7,
                                    .max_attempts = 3};
    f->c = aws_client_new(&co, &err);
    srv_reset_log(f->s);
    f->s->total = 0;
    f->dflt = (struct step){.status = 503, .body = ""};
    call_ec(f, "DescribeReplicationGroups", &r);
    for (int i = 0; i < 300 && r.nretry == 0; i++)
        loop_run_once(f->l, 20);
    assert_int_equal(r.nretry, 1);
    aws_call_cancel(r.call);
    run_for(f, 200);
    assert_int_equal(r.calls, 0);
    assert_int_equal(f->s->nreqs, 1);
    assert_int_equal(r.released, 3);

    /* from inside on_retry */
    r.nretry = 0;
    r.cancel_in_retry = true;
    call_ec(f, "DescribeReplicationGroups", &r);
    for (int i = 0; i < 300 && r.nretry == 0; i++)
        loop_run_once(f->l, 20);
    run_for(f, 100);
    assert_int_equal(r.nretry, 1);
    assert_int_equal(r.calls, 0);
    assert_int_equal(f->s->nreqs, 2);
    assert_int_equal(r.released, 4);
    r.cancel_in_retry = false;

    /* client freed with calls in flight and waiting: no callbacks */
    r.nretry = 0;
    struct res r2 = {0};
    call_ec(f, "DescribeReplicationGroups", &r);
    call_ec(f, "DescribeReplicationGroups", &r2);
    for (int i = 0; i < 300 && r.nretry == 0; i++)
        loop_run_once(f->l, 20);
    aws_client_free(f->c);
    f->c = NULL;
    run_for(f, 200);
    assert_int_equal(r.calls, 0);
    assert_int_equal(r2.calls, 0);
    assert_int_equal(r.released, 5);
    assert_int_equal(r2.released, 1);
    aws_call_cancel(NULL);
    aws_error_clear(&err);
    res_clear(&r);
    res_clear(&r2);
    f->c = aws_client_new(&co, &err);
    aws_error_clear(&err);
    fx_free(f);
}

struct xcancel {
    struct res r;
    struct aws_call *victim;
    struct aws_client **free_client;
};

static void on_done_cancel_other(struct aws_response *resp, void *arg)
{
    struct xcancel *x = arg;
    on_done(resp, &x->r);
    aws_call_cancel(x->victim);
    aws_call_cancel(x->r.call); /* its own handle: harmless */
    if (x->free_client) {
        aws_client_free(*x->free_client);
        *x->free_client = NULL;
    }
}

static void test_cancel_from_callbacks(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    f->script[0] = (struct step){.body = RG_OK};
    f->nscript = 1;
    f->dflt = (struct step){.action = SRV_HANG};
    struct xcancel x = {0};
    struct res victim = {0};
    struct aws_request req = {
        .svc = &svc_elasticache,
        .op = "DescribeReplicationGroups",
        .query = query_params_new("DescribeReplicationGroups", svc_elasticache.api_version)};
    x.r.call = aws_client_call(f->c, &req, on_done_cancel_other, &x);
    for (int i = 0; i < 300 && f->s->nreqs < 1; i++)
        loop_run_once(f->l, 5);
    x.victim = call_ec(f, "DescribeReplicationGroups", &victim);
    assert_true(wait_done(f, &x.r));
    run_for(f, 100);
    assert_int_equal(x.r.calls, 1);
    assert_int_equal(victim.calls, 0);
    res_clear(&x.r);
    res_clear(&victim);

    /* the client freed from inside a callback, another call in flight */
    srv_reset_log(f->s);
    f->s->total = 0;
    struct xcancel y = {.free_client = &f->c};
    struct res other = {0};
    struct aws_request req2 = {
        .svc = &svc_elasticache,
        .op = "DescribeReplicationGroups",
        .query = query_params_new("DescribeReplicationGroups", svc_elasticache.api_version)};
    y.r.call = aws_client_call(f->c, &req2, on_done_cancel_other, &y);
    for (int i = 0; i < 300 && f->s->nreqs < 1; i++)
        loop_run_once(f->l, 5);
    call_ec(f, "DescribeReplicationGroups", &other);
    assert_true(wait_done(f, &y.r));
    assert_null(f->c);
    run_for(f, 100);
    assert_int_equal(other.calls, 0);
    res_clear(&y.r);
    res_clear(&other);
    fx_client(f, NULL);
    fx_free(f);
}

/* ---- malformed answers ---- */

static void test_malformed(void **state)
{
    (void)state;
    struct fx_opts o = {.max_body = 4096};
    struct fx *f = fx_new(&o);
    struct {
        const char *body;
        bool json;
        const char *needle;
    } cases[] = {
        {"<DescribeReplicationGroupsResponse><DescribeReplicationGroupsResult><Repl", false, "XML"},
        {"this is not xml", false, "XML"},
        {"", false, "empty"},
        {"<OtherResponse/>", false, "DescribeReplicationGroupsResponse"},
        {"{\"KeyMetadata\": {\"KeyId\": ", true, ""},
        {"[1,2,3]", true, ""},
        {"\x01\x02\xff\xfe", true, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        f->dflt = (struct step){.status = 200, .body = cases[i].body};
        struct res r = {0};
        if (cases[i].json)
            call_kms(f, &r);
        else
            call_ec(f, "DescribeReplicationGroups", &r);
        assert_true(wait_done(f, &r));
        assert_int_equal(r.err.kind, AWS_ERR_PARSE);
        assert_false(r.err.retryable);
        assert_int_equal(r.attempts, 1);
        assert_non_null(r.err.message);
        assert_true(strlen(r.err.message) > 5);
        assert_non_null(strstr(r.err.message, cases[i].needle));
        assert_null(r.doc);
        assert_null(r.json);
        res_clear(&r);
    }
    /* a 2xx body larger than the HTTP cap */
    char *big = mem_xmalloc(10001);
    memset(big, 'x', 10000);
    big[10000] = '\0';
    f->dflt = (struct step){.status = 200, .body = big};
    struct res r = {0};
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_PARSE);
    assert_string_equal(r.err.code, "ResponseTooLarge");
    res_clear(&r);
    free(big);
    /* an unreadable error body keeps the status and is an HTTP error */
    f->dflt = (struct step){.status = 403, .body = "<html>denied</html>"};
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_HTTP);
    assert_int_equal(r.err.http_status, 403);
    assert_int_equal(r.attempts, 1);
    res_clear(&r);
    fx_free(f);
}

/* ---- configuration ---- */

static void test_config_errors(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    /* a bad endpoint URL: reported through the callback, later */
    aws_client_free(f->c);
    struct fx_opts o = {.endpoint_url = "ftp://example.com/"};
    fx_client(f, &o);
    struct res r = {0};
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_false(r.done);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_CONFIG);
    assert_string_equal(r.err.code, "InvalidEndpoint");
    assert_string_equal(r.err.service, "ElastiCache");
    assert_int_equal(f->s->nreqs, 0);
    res_clear(&r);

    /* no credential provider */
    aws_client_free(f->c);
    struct fx_opts o2 = {.no_creds = true};
    fx_client(f, &o2);
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_CREDENTIALS);
    res_clear(&r);

    /* no credentials at all */
    aws_client_free(f->c);
    fx_client(f, NULL);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    creds_invalidate(f->creds);
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_CREDENTIALS);
    assert_int_equal(f->s->nreqs, 0);
    res_clear(&r);

    /* no region, no reactor */
    struct aws_error err;
    aws_error_init(&err);
    struct aws_client_options co = {.reactor = &f->clk.r, .http = f->http};
    assert_null(aws_client_new(&co, &err));
    assert_int_equal(err.kind, AWS_ERR_CONFIG);
    assert_string_equal(err.code, "NoRegion");
    co.reactor = NULL;
    co.region = "us-east-1";
    assert_null(aws_client_new(&co, &err));
    aws_error_clear(&err);
    assert_null(aws_client_call(NULL, NULL, on_done, &r));
    struct aws_request req = {
        .svc = &svc_elasticache, .op = "X", .query = query_params_new("X", "1")};
    assert_null(aws_client_call(NULL, &req, on_done, &r));
    assert_null(req.query);
    fx_free(f);
}

static void test_endpoints(void **state)
{
    (void)state;
    struct fx *f = fx_new(NULL);
    aws_client_free(f->c);
    struct aws_error err;
    aws_error_init(&err);
    struct aws_client_options co = {.reactor = &f->clk.r,
                                    .http = f->http,
                                    .creds = f->creds,
                                    .store = f->store,
                                    .region = "eu-west-1",
                                    .backoff_unit_ms = 1};
    f->c = aws_client_new(&co, &err);
    char *e = aws_client_endpoint(f->c, &svc_elasticache);
    assert_string_equal(e, "https://elasticache.eu-west-1.amazonaws.com/");
    free(e);
    e = aws_client_endpoint(f->c, &svc_iam);
    assert_string_equal(e, "https://iam.amazonaws.com/");
    free(e);
    assert_string_equal(aws_client_region(f->c), "eu-west-1");
    assert_ptr_equal(aws_client_creds(f->c), f->creds);

    /* AWS_ENDPOINT_URL_ELASTICACHE routes ElastiCache to the local server */
    setenv("AWS_ENDPOINT_URL_ELASTICACHE", f->endpoint, 1);
    e = aws_client_endpoint(f->c, &svc_elasticache);
    assert_string_equal(e, f->endpoint);
    free(e);
    f->dflt.body = RG_OK;
    struct res r = {0};
    call_ec(f, "DescribeReplicationGroups", &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_NONE);
    /* signed for the client's region even at a custom endpoint */
    assert_non_null(strstr(srv_hdr(f->s->reqs[0], "Authorization"), "/eu-west-1/elasticache/"));
    res_clear(&r);
    /* IAM is signed for us-east-1 */
    setenv("AWS_ENDPOINT_URL", f->endpoint, 1);
    f->dflt.body = "<GetPolicyResponse><GetPolicyResult/></GetPolicyResponse>";
    struct aws_request req = {.svc = &svc_iam,
                              .op = "GetPolicy",
                              .query = query_params_new("GetPolicy", svc_iam.api_version)};
    r.call = aws_client_call(f->c, &req, on_done, &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_NONE);
    assert_non_null(strstr(srv_hdr(f->s->reqs[1], "Authorization"), "/us-east-1/iam/aws4_request"));
    res_clear(&r);
    /* a per-request region override */
    struct aws_request req2 = {.svc = &svc_elasticache,
                               .op = "DescribeReplicationGroups",
                               .region = "ap-south-1",
                               .query =
                                   query_params_new("DescribeReplicationGroups", "2015-02-02")};
    f->dflt.body = RG_OK;
    r.call = aws_client_call(f->c, &req2, on_done, &r);
    assert_true(wait_done(f, &r));
    assert_non_null(strstr(srv_hdr(f->s->reqs[2], "Authorization"), "/ap-south-1/elasticache/"));
    res_clear(&r);
    unsetenv("AWS_ENDPOINT_URL_ELASTICACHE");
    unsetenv("AWS_ENDPOINT_URL");
    aws_error_clear(&err);
    fx_free(f);
}

static void test_verbose_no_secrets(void **state)
{
    (void)state;
    struct fx_opts o = {.verbose = true};
    struct fx *f = fx_new(&o);
    f->script[0] = (struct step){.status = 400, .body = QERR("Throttling", "slow")};
    f->nscript = 1;
    f->dflt =
        (struct step){.body = "<CreateReplicationGroupResponse><CreateReplicationGroupResult>"
                              "</CreateReplicationGroupResult></CreateReplicationGroupResponse>",
                      .headers = "x-amzn-RequestId: vrid\r\n"};
    char path[] = "/tmp/elcui-test-awsc-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    int saved = dup(2);
    dup2(fd, 2);
    struct res r = {0};
    struct aws_request req = {
        .svc = &svc_elasticache,
        .op = "CreateReplicationGroup",
        .query = query_params_new("CreateReplicationGroup", svc_elasticache.api_version)};
    query_add_secret(req.query, "AuthToken", "SUPERSECRETAUTHTOKEN");
    r.call = aws_client_call(f->c, &req, on_done, &r);
    assert_true(wait_done(f, &r));
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    FILE *fp = fopen(path, "r");
    char log[65536];
    size_t n = fread(log, 1, sizeof(log) - 1, fp);
    log[n] = '\0';
    fclose(fp);
    unlink(path);
    assert_int_equal(r.err.kind, AWS_ERR_NONE);
    assert_non_null(strstr(log, "aws: ElastiCache CreateReplicationGroup POST http://127.0.0.1:"));
    assert_non_null(strstr(log, "-> 400 Throttling"));
    assert_non_null(strstr(log, "-> 200"));
    assert_non_null(strstr(log, "request id vrid"));
    assert_non_null(strstr(log, "retry 2 in"));
    assert_null(strstr(log, "SUPERSECRETAUTHTOKEN"));
    assert_null(strstr(log, f->sk));
    assert_null(strstr(log, f->tok));
    res_clear(&r);
    fx_free(f);
}

/* ---- end to end against moto (an independent SigV4 verifier) ---- */

static pid_t moto_pid = -1;

static int moto_teardown(void **state)
{
    (void)state;
    if (moto_pid > 0) {
        kill(moto_pid, SIGTERM);
        int st;
        for (int i = 0; i < 100; i++) {
            if (waitpid(moto_pid, &st, WNOHANG) == moto_pid) {
                moto_pid = -1;
                return 0;
            }
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        kill(moto_pid, SIGKILL);
        waitpid(moto_pid, &st, 0);
        moto_pid = -1;
    }
    return 0;
}

struct http_wait {
    bool done;
    long status;
};

static void on_http_wait(struct http_response *resp, void *arg)
{
    struct http_wait *w = arg;
    w->done = true;
    w->status = resp->status;
}

static xmlNode *e2e_query(struct fx *f, struct res *r, const struct svc *svc,
                          struct query_params *q, const char *op)
{
    struct aws_request req = {.svc = svc, .op = op, .query = q};
    r->call = aws_client_call(f->c, &req, on_done, r);
    assert_true(wait_done(f, r));
    if (r->err.kind != AWS_ERR_NONE) {
        char *m = aws_error_format(&r->err);
        fail_msg("moto: %s", m);
    }
    return r->result;
}

/* moto server with signature checking after the first 4 calls: those
 * create an IAM user, an allow-all policy, attach it and make an access
 * key; every later request must carry a SigV4 signature that moto
 * (botocore's signer underneath) recomputes. Skipped when python3 or moto
 * is missing. */
static void test_moto_end_to_end(void **state)
{
    (void)state;
    int port = srv_dead_port();
    assert_true(port > 0);
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    moto_pid = fork();
    assert_true(moto_pid >= 0);
    if (moto_pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 1);
        dup2(devnull, 2);
        setenv("INITIAL_NO_AUTH_ACTION_COUNT", "4", 1);
        execlp("python3", "python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", portstr,
               (char *)NULL);
        _exit(127);
    }
    struct fx *f = fx_new(NULL);
    char endpoint[64];
    snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", port);
    /* wait until it answers (bounded), or give up when it died */
    bool up = false;
    for (int i = 0; i < 300 && !up; i++) {
        int st;
        if (waitpid(moto_pid, &st, WNOHANG) == moto_pid) {
            moto_pid = -1;
            fx_free(f);
            UNIT_SKIP("this machine: python3 -m moto.server is not available (make deps "
                      "installs it)");
        }
        char url[96];
        snprintf(url, sizeof(url), "%s/moto-api/", endpoint);
        struct http_request hr = {.method = "GET", .url = url, .timeout_ms = 2000};
        struct http_wait w = {0};
        assert_non_null(http_send(f->http, &hr, on_http_wait, &w));
        loop_run_until(f->l, &w.done, loop_now_ms(f->l) + 5000);
        up = w.status == 200;
        if (!up)
            run_for(f, 200);
    }
    assert_true(up);
    aws_client_free(f->c);
    struct fx_opts o = {.endpoint_url = endpoint};
    fx_client(f, &o);

    struct res r = {0};
    struct query_params *q = query_params_new("CreateUser", svc_iam.api_version);
    query_add(q, "UserName", "elcui-e2e");
    e2e_query(f, &r, &svc_iam, q, "CreateUser");
    res_clear(&r);
    q = query_params_new("CreatePolicy", svc_iam.api_version);
    query_add(q, "PolicyName", "elcui-e2e-all");
    query_add(q, "PolicyDocument",
              "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
              "\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}");
    char *arn = query_text(e2e_query(f, &r, &svc_iam, q, "CreatePolicy"), "Policy/Arn");
    assert_non_null(arn);
    res_clear(&r);
    q = query_params_new("AttachUserPolicy", svc_iam.api_version);
    query_add(q, "UserName", "elcui-e2e");
    query_add(q, "PolicyArn", arn);
    free(arn);
    e2e_query(f, &r, &svc_iam, q, "AttachUserPolicy");
    res_clear(&r);
    q = query_params_new("CreateAccessKey", svc_iam.api_version);
    query_add(q, "UserName", "elcui-e2e");
    xmlNode *k = e2e_query(f, &r, &svc_iam, q, "CreateAccessKey");
    char *akid = query_text(k, "AccessKey/AccessKeyId");
    char *secret = query_text(k, "AccessKey/SecretAccessKey");
    assert_non_null(akid);
    assert_non_null(secret);
    res_clear(&r);

    /* From now on moto checks every signature. */
    setenv("AWS_ACCESS_KEY_ID", akid, 1);
    setenv("AWS_SECRET_ACCESS_KEY", secret, 1);
    unsetenv("AWS_SESSION_TOKEN");
    creds_invalidate(f->creds);
    xmlNode *id =
        e2e_query(f, &r, &svc_sts, query_params_new("GetCallerIdentity", svc_sts.api_version),
                  "GetCallerIdentity");
    char *who = query_text(id, "Arn");
    assert_non_null(who);
    assert_non_null(strstr(who, ":user/elcui-e2e"));
    free(who);
    res_clear(&r);
    e2e_query(f, &r, &svc_elasticache,
              query_params_new("DescribeReplicationGroups", svc_elasticache.api_version),
              "DescribeReplicationGroups");
    res_clear(&r);
    struct aws_request jreq = {.svc = &svc_kms, .op = "ListKeys"};
    r.call = aws_client_call(f->c, &jreq, on_done, &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_NONE);
    assert_true(json_is_array(json_object_get(r.json, "Keys")));
    res_clear(&r);

    /* A wrong secret: moto's own check says no, and we do not retry. */
    setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-for-the-test", 1);
    creds_invalidate(f->creds);
    struct aws_request bad = {.svc = &svc_sts,
                              .op = "GetCallerIdentity",
                              .query = query_params_new("GetCallerIdentity", svc_sts.api_version)};
    r.call = aws_client_call(f->c, &bad, on_done, &r);
    assert_true(wait_done(f, &r));
    assert_int_equal(r.err.kind, AWS_ERR_SERVICE);
    assert_string_equal(r.err.code, "SignatureDoesNotMatch");
    assert_int_equal(r.err.http_status, 403);
    assert_int_equal(r.attempts, 1);
    res_clear(&r);
    mem_free_secret(secret);
    free(akid);
    fx_free(f);
}

int main(void)
{
    http_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_request),
        cmocka_unit_test(test_json_request),
        cmocka_unit_test(test_ec2_and_unsigned),
        cmocka_unit_test(test_botocore_equivalence),
        cmocka_unit_test(test_host_ports),
        cmocka_unit_test(test_retry_throttling_query),
        cmocka_unit_test(test_retry_json_ec2_statuses),
        cmocka_unit_test(test_retry_transport),
        cmocka_unit_test(test_no_retry),
        cmocka_unit_test(test_attempt_limits),
        cmocka_unit_test(test_backoff_bounds),
        cmocka_unit_test(test_retry_quota),
        cmocka_unit_test(test_clock_skew),
        cmocka_unit_test(test_clock_skew_limits),
        cmocka_unit_test(test_expired_token),
        cmocka_unit_test(test_pagination),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_cancel_from_callbacks),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_endpoints),
        cmocka_unit_test(test_verbose_no_secrets),
        cmocka_unit_test_teardown(test_moto_end_to_end, moto_teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    http_global_cleanup();
    return rc;
}
