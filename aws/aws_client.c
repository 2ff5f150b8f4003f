/* aws_client.c - one AWS call from request to decoded response: endpoint,
 * credentials, SigV4, HTTP, protocol decoding, the SDK "standard" retry
 * mode, clock-skew correction and expired-token refresh.
 *
 * A call is a small state machine driven by the reactor:
 *   start (timer 0) -> credentials (creds_get, async) -> sign + http_send
 *   -> response: decode, classify -> deliver | retry (timer) | fail.
 * Every attempt is signed afresh with the client's clock (wall + skew).
 * The callback never runs synchronously inside aws_client_call(), and a
 * call cancelled from anywhere (its own callback included) never calls
 * back again.
 *
 * Secrets: encoded request bodies (AuthToken, SecretString) and the header
 * that carries the session token are wiped after use; verbose logging
 * prints method, URL, status, timing and request id only.
 */
#include "aws/aws_client.h"

#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/awsjson.h"
#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/mem.h"
#include "aws/sigv4.h"

#define AWS_CLIENT_QUOTA 500
#define AWS_CLIENT_RETRY_COST 5
#define AWS_CLIENT_TIMEOUT_COST 10
#define AWS_CLIENT_DEFAULT_ATTEMPTS 3
#define AWS_CLIENT_MAX_ATTEMPTS 50
#define AWS_CLIENT_BACKOFF_CAP 20 /* in backoff units (seconds) */
#define AWS_CLIENT_SKEW_MIN_MS 60000

struct aws_client {
    const struct reactor *r;
    struct http_client *http;
    struct creds_provider *creds;
    struct profile_store *store;
    char *profile;
    char *region;
    char *endpoint_url;
    int max_attempts;
    long timeout_ms;
    uint32_t backoff_unit_ms;
    bool verbose;
    uint64_t rng;
    int64_t skew_ms;
    int quota;
    struct aws_client_stats stats;
    struct aws_call *calls;
};

/* json_arena answers, one tree at a time (released when its callback
 * returns, whatever the callback did to its client); process-wide, so it
 * outlives every client and holds no block between answers. */
static struct awsjson_arena *aws_client_arena;

struct aws_call {
    struct aws_client *c;
    aws_call_cb cb;
    void *arg;

    /* the current request */
    const struct svc *svc;
    char *op;
    char *region; /* effective region */
    const char *sign_region;
    struct query_params *query;
    json_t *json;
    bool unsigned_request;
    bool raw_xml;
    bool json_arena;
    void (*on_retry)(const struct aws_error *why, int next_attempt, uint64_t delay_ms, void *arg);
    void (*on_release)(void *arg);
    void (*on_stream)(const struct aws_stream_piece *piece, void *arg);
    long idle_timeout_ms;
    bool streamed; /* a piece of the answer went to on_stream: no more attempts */
    char *url;
    char *host; /* Host header value: host[:port when not the default] */
    char *log_url;
    char *body; /* encoded body: may hold secrets, wiped */
    size_t body_len;
    struct aws_error setup_err; /* configuration error found while setting up */

    /* progress */
    int attempts;      /* HTTP attempts made for this request */
    int counted;       /* attempts that count against max_attempts */
    bool skew_retried; /* clock-skew correction used */
    bool token_retried;
    int last_cost; /* quota taken by the last retry (refunded on success) */
    uint64_t start_ms, attempt_start_ms;

    /* what is in flight (at most one) */
    struct creds_req *creds_req;
    struct http_xfer *xfer;
    void *timer;

    bool in_cb;
    bool cancelled;
    bool chained;
    struct aws_call *prev, *next;
};

/* ---- small helpers ---- */

static uint64_t aws_client_rand64(struct aws_client *c)
{
    /* xorshift64* */
    uint64_t x = c->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    c->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [0, 1). */
static double aws_client_rand01(struct aws_client *c)
{
    return (double)(aws_client_rand64(c) >> 11) / 9007199254740992.0;
}

static bool aws_client_in_list(const char *code, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(code, *list) == 0)
            return true;
    return false;
}

/* Standard retry mode's throttling codes (retries/standard.py, plus
 * EC2ThrottledException). LimitExceededException is left out on purpose:
 * KMS and CloudWatch Logs use it for resource quotas, which no retry can
 * fix; the SDKs retry them, elcui says so at once. */
static const char *const aws_client_throttle_codes[] = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    NULL,
};

static const char *const aws_client_transient_codes[] = {
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
    NULL,
};

static bool aws_client_status_transient(int status)
{
    return status == 500 || status == 502 || status == 503 || status == 504 || status == 429;
}

static bool aws_client_contains_ci(const char *hay, const char *needle)
{
    if (!hay)
        return false;
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    return false;
}

static bool aws_client_is_skew_error(const struct aws_error *e)
{
    if (e->kind != AWS_ERR_SERVICE)
        return false;
    if (strcmp(e->code, "RequestTimeTooSkewed") == 0 || strcmp(e->code, "RequestExpired") == 0)
        return true;
    if (strcmp(e->code, "InvalidSignatureException") == 0 ||
        strcmp(e->code, "SignatureDoesNotMatch") == 0)
        return aws_client_contains_ci(e->message, "signature expired") ||
               aws_client_contains_ci(e->message, "signature not yet current") ||
               aws_client_contains_ci(e->message, "too skewed");
    return false;
}

static bool aws_client_is_expired_token(const struct aws_error *e)
{
    return e->kind == AWS_ERR_SERVICE &&
           (strcmp(e->code, "ExpiredToken") == 0 || strcmp(e->code, "ExpiredTokenException") == 0);
}

/* Parse the endpoint into the request URL (path "/" when none), the Host
 * header (lower case, ":port" only when not the scheme's default) and a
 * log form without user info or query. */
static int aws_client_parse_endpoint(const char *endpoint, char **url, char **host, char **log_url)
{
    CURLU *u = curl_url();
    if (!u)
        return -1;
    int rc = -1;
    char *scheme = NULL, *h = NULL, *port = NULL, *path = NULL;
    if (curl_url_set(u, CURLUPART_URL, endpoint, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || !*h)
        goto out;
    if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
        goto out;
    curl_url_get(u, CURLUPART_PORT, &port, 0);
    curl_url_get(u, CURLUPART_PATH, &path, 0);
    for (char *p = h; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    const char *def = strcmp(scheme, "https") == 0 ? "443" : "80";
    bool show_port = port && strcmp(port, def) != 0;
    const char *pth = path && *path ? path : "/";
    *host = show_port ? mem_xasprintf("%s:%s", h, port) : mem_xstrdup(h);
    *url = mem_xasprintf("%s://%s%s", scheme, *host, pth);
    *log_url = mem_xstrdup(*url);
    rc = 0;
out:
    curl_free(scheme);
    curl_free(h);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(u);
    return rc;
}

/* ---- client ---- */

struct aws_client *aws_client_new(const struct aws_client_options *opt, struct aws_error *err)
{
    if (!opt || !opt->reactor || !opt->http) {
        if (err)
            aws_error_set(err, AWS_ERR_INTERNAL, "InvalidClientOptions",
                          "an AWS client needs a reactor and an HTTP client");
        return NULL;
    }
    if (!opt->region || !*opt->region) {
        if (err)
            aws_error_set(err, AWS_ERR_CONFIG, "NoRegion",
                          "no AWS region: use --region, AWS_REGION, AWS_DEFAULT_REGION or the "
                          "profile's region setting");
        return NULL;
    }
    struct aws_client *c = mem_xcalloc(1, sizeof(*c));
    c->r = opt->reactor;
    c->http = opt->http;
    c->creds = opt->creds;
    c->store = opt->store;
    c->profile = mem_xstrdup(opt->profile ? opt->profile : profile_select(NULL));
    c->region = mem_xstrdup(opt->region);
    c->endpoint_url =
        opt->endpoint_url && *opt->endpoint_url ? mem_xstrdup(opt->endpoint_url) : NULL;
    c->timeout_ms = opt->timeout_ms;
    c->backoff_unit_ms = opt->backoff_unit_ms ? opt->backoff_unit_ms : 1000;
    c->verbose = opt->verbose;
    c->quota = AWS_CLIENT_QUOTA;
    c->max_attempts = opt->max_attempts;
    if (c->max_attempts <= 0) {
        const char *v = profile_setting(c->store, c->profile, "AWS_MAX_ATTEMPTS", "max_attempts");
        char *end = NULL;
        long n = v ? strtol(v, &end, 10) : 0;
        c->max_attempts = (v && end && end != v && *end == '\0' && n >= 1)
                              ? (int)(n > AWS_CLIENT_MAX_ATTEMPTS ? AWS_CLIENT_MAX_ATTEMPTS : n)
                              : AWS_CLIENT_DEFAULT_ATTEMPTS;
    }
    uint64_t seed = opt->rand_seed;
    if (!seed)
        seed =
            (uint64_t)reactor_wall_ms(c->r) ^ (reactor_now_ms(c->r) << 20) ^ (uint64_t)(uintptr_t)c;
    /* splitmix64 so that small seeds still give a well-mixed state */
    seed += 0x9E3779B97F4A7C15ULL;
    seed = (seed ^ (seed >> 30)) * 0xBF58476D1CE4E5B9ULL;
    seed = (seed ^ (seed >> 27)) * 0x94D049BB133111EBULL;
    seed ^= seed >> 31;
    c->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
    return c;
}

static void aws_call_release(struct aws_call *call);

void aws_client_free(struct aws_client *c)
{
    if (!c)
        return;
    while (c->calls) {
        struct aws_call *call = c->calls;
        c->calls = call->next;
        if (c->calls)
            c->calls->prev = NULL;
        call->prev = call->next = NULL;
        creds_cancel(call->creds_req);
        call->creds_req = NULL;
        http_cancel(call->xfer);
        call->xfer = NULL;
        reactor_untimer(c->r, call->timer);
        call->timer = NULL;
        call->c = NULL;
        call->cancelled = true;
        if (!call->in_cb) {
            if (call->on_release)
                call->on_release(call->arg);
            aws_call_release(call);
        }
    }
    free(c->profile);
    free(c->region);
    free(c->endpoint_url);
    free(c);
}

const char *aws_client_region(const struct aws_client *c)
{
    return c ? c->region : NULL;
}

char *aws_client_endpoint(const struct aws_client *c, const struct svc *svc)
{
    if (!c || !svc)
        return NULL;
    bool custom = false;
    return profile_resolve_endpoint(c->store, c->profile, svc, c->region, c->endpoint_url, &custom);
}

struct creds_provider *aws_client_creds(const struct aws_client *c)
{
    return c ? c->creds : NULL;
}

int64_t aws_client_clock_skew_ms(const struct aws_client *c)
{
    return c ? c->skew_ms : 0;
}

int64_t aws_client_now_ms(const struct aws_client *c)
{
    if (!c)
        return 0;
    return reactor_wall_ms(c->r) + c->skew_ms;
}

void aws_client_stats(const struct aws_client *c, struct aws_client_stats *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof(*out));
    if (!c)
        return;
    *out = c->stats;
    out->retry_quota = c->quota;
}

/* ---- call set-up and teardown ---- */

static void aws_call_drop_request(struct aws_call *call)
{
    free(call->op);
    call->op = NULL;
    free(call->region);
    call->region = NULL;
    query_params_free(call->query);
    call->query = NULL;
    json_decref(call->json);
    call->json = NULL;
    free(call->url);
    call->url = NULL;
    free(call->host);
    call->host = NULL;
    free(call->log_url);
    call->log_url = NULL;
    if (call->body) {
        mem_wipe(call->body, call->body_len);
        free(call->body);
        call->body = NULL;
    }
    call->body_len = 0;
    aws_error_clear(&call->setup_err);
}

static void aws_call_release(struct aws_call *call)
{
    aws_call_drop_request(call);
    free(call);
}

static void aws_call_unlink(struct aws_call *call)
{
    struct aws_client *c = call->c;
    if (!c)
        return;
    if (call->prev)
        call->prev->next = call->next;
    else if (c->calls == call)
        c->calls = call->next;
    if (call->next)
        call->next->prev = call->prev;
    call->prev = call->next = NULL;
}

/* Take over req's body and work out URL, Host, regions and the encoded
 * body. A problem is kept in setup_err and reported through the callback. */
static void aws_call_setup(struct aws_call *call, struct aws_request *req)
{
    struct aws_client *c = call->c;
    aws_error_init(&call->setup_err);
    call->svc = req->svc;
    call->op = mem_xstrdup(req->op ? req->op : "");
    call->query = req->query;
    call->json = req->json;
    req->query = NULL;
    req->json = NULL;
    call->unsigned_request = req->unsigned_request;
    call->raw_xml = req->raw_xml && call->svc && call->svc->protocol != SVC_JSON;
    call->json_arena = req->json_arena;
    call->on_retry = req->on_retry;
    call->on_stream = req->on_stream;
    call->idle_timeout_ms = req->idle_timeout_ms;
    call->streamed = false;
    if (!call->on_release)
        call->on_release = req->on_release;
    call->attempts = call->counted = 0;
    call->skew_retried = call->token_retried = false;
    call->last_cost = 0;
    call->start_ms = reactor_now_ms(c->r);

    if (!call->svc || !*call->op) {
        aws_error_set(&call->setup_err, AWS_ERR_INTERNAL, "InvalidRequest",
                      "an AWS request needs a service and an operation");
        return;
    }
    call->region = mem_xstrdup(req->region && *req->region ? req->region : c->region);
    call->sign_region = svc_signing_region(call->svc, call->region);
    bool custom = false;
    char *endpoint = profile_resolve_endpoint(c->store, c->profile, call->svc, call->region,
                                              c->endpoint_url, &custom);
    if (!endpoint ||
        aws_client_parse_endpoint(endpoint, &call->url, &call->host, &call->log_url) != 0) {
        aws_error_set(&call->setup_err, AWS_ERR_CONFIG, "InvalidEndpoint",
                      "endpoint URL '%s' for %s is not a valid http:// or https:// URL",
                      endpoint ? endpoint : "", call->svc->name);
        free(endpoint);
        return;
    }
    free(endpoint);
    if (req->host_prefix && *req->host_prefix && !custom) {
        /* the operation's own host: https://stream-logs.REGION.amazonaws.com/ */
        const char *at = strstr(call->url, "://");
        if (at) {
            char *u = mem_xasprintf("%.*s://%s%s", (int)(at - call->url), call->url,
                                    req->host_prefix, at + 3);
            char *h = mem_xasprintf("%s%s", req->host_prefix, call->host);
            free(call->url);
            free(call->host);
            free(call->log_url);
            call->url = u;
            call->host = h;
            call->log_url = mem_xstrdup(u);
        }
    }
    if (call->svc->protocol == SVC_JSON) {
        call->body = awsjson_encode(call->json, &call->body_len);
    } else {
        if (!call->query) {
            aws_error_set(&call->setup_err, AWS_ERR_INTERNAL, "InvalidRequest",
                          "%s %s: a query request needs its parameters", call->svc->name, call->op);
            return;
        }
        call->body = query_encode(call->query, &call->body_len);
    }
}

static void aws_call_fill_error(struct aws_call *call, struct aws_error *e)
{
    snprintf(e->service, sizeof(e->service), "%s", call->svc ? call->svc->name : "");
    snprintf(e->operation, sizeof(e->operation), "%s", call->op ? call->op : "");
    e->attempts = call->attempts;
}

/* ---- delivery ---- */

static void aws_call_start_attempt(struct aws_call *call);
static void aws_call_kick(struct aws_call *call, uint64_t delay_ms);

/* Hand a response to the callback, then free the call, or start the
 * request chained by aws_call_next(). */
static void aws_call_deliver(struct aws_call *call, struct aws_response *resp)
{
    call->in_cb = true;
    call->cb(resp, call->arg);
    call->in_cb = false;
    if (resp->doc)
        xmlFreeDoc(resp->doc);
    if (awsjson_arena_owns(aws_client_arena, resp->json))
        awsjson_arena_reset(aws_client_arena); /* the whole page at once */
    else
        json_decref(resp->json);
    aws_error_clear(&resp->err);
    if (call->cancelled) {
        aws_call_unlink(call);
        aws_call_release(call);
        return;
    }
    if (call->chained) {
        call->chained = false;
        aws_call_kick(call, 0);
        return;
    }
    aws_call_unlink(call);
    aws_call_release(call);
}

static void aws_call_fail(struct aws_call *call, struct aws_error *err)
{
    struct aws_client *c = call->c;
    struct aws_response resp;
    memset(&resp, 0, sizeof(resp));
    resp.svc = call->svc;
    resp.op = call->op;
    resp.http_status = err->http_status;
    resp.attempts = call->attempts;
    snprintf(resp.request_id, sizeof(resp.request_id), "%s", err->request_id);
    aws_call_fill_error(call, err);
    resp.err = *err; /* ownership of message moves to resp */
    aws_error_init(err);
    uint64_t now = reactor_now_ms(c->r);
    resp.elapsed_ms = now - call->start_ms;
    resp.last_attempt_ms = call->attempt_start_ms ? now - call->attempt_start_ms : 0;
    aws_call_deliver(call, &resp);
}

static void aws_call_on_timer(void *arg)
{
    struct aws_call *call = arg;
    call->timer = NULL;
    if (call->setup_err.kind != AWS_ERR_NONE) {
        struct aws_error e;
        aws_error_init(&e);
        aws_error_copy(&e, &call->setup_err);
        aws_call_fail(call, &e);
        return;
    }
    aws_call_start_attempt(call);
}

static void aws_call_kick(struct aws_call *call, uint64_t delay_ms)
{
    call->timer = reactor_timer(call->c->r, delay_ms, aws_call_on_timer, call);
    if (!call->timer) {
        /* The reactor could not take a timer: nothing can ever complete
         * this call, so fail it now rather than leave it hanging. */
        fprintf(stderr, "elcui: event loop refused a timer; aborting\n");
        abort();
    }
}

/* ---- attempts ---- */

static void aws_call_on_http(struct http_response *hr, void *arg);
static void aws_call_on_data(const struct http_response *head, const void *data, size_t len,
                             void *arg);

static void aws_call_send(struct aws_call *call, const struct aws_credentials *cr)
{
    struct aws_client *c = call->c;
    const char *ctype = call->svc->protocol == SVC_JSON
                            ? "application/x-amz-json-1.1"
                            : "application/x-www-form-urlencoded; charset=utf-8";
    char target[192] = "";
    if (call->svc->protocol == SVC_JSON)
        snprintf(target, sizeof(target), "%s.%s",
                 call->svc->target_prefix ? call->svc->target_prefix : "", call->op);
    int64_t now_s = aws_client_now_ms(c) / 1000;
    char amz[32];
    awstime_format_amz(now_s, amz, sizeof(amz));

    const char *hv[8];
    char *owned[8];
    size_t nh = 0, no = 0;
    owned[no++] = mem_xasprintf("Host: %s", call->host);
    owned[no++] = mem_xasprintf("Content-Type: %s", ctype);
    if (target[0])
        owned[no++] = mem_xasprintf("X-Amz-Target: %s", target);
    char *token_hdr = NULL, *auth_hdr = NULL;
    if (cr) {
        owned[no++] = mem_xasprintf("X-Amz-Date: %s", amz);
        struct sigv4_header sh[5];
        size_t nsh = 0;
        sh[nsh++] = (struct sigv4_header){"Host", call->host};
        sh[nsh++] = (struct sigv4_header){"Content-Type", ctype};
        sh[nsh++] = (struct sigv4_header){"X-Amz-Date", amz};
        if (cr->session_token && *cr->session_token) {
            sh[nsh++] = (struct sigv4_header){"X-Amz-Security-Token", cr->session_token};
            token_hdr = mem_xasprintf("X-Amz-Security-Token: %s", cr->session_token);
        }
        if (target[0])
            sh[nsh++] = (struct sigv4_header){"X-Amz-Target", target};
        struct sigv4_request sreq = {
            .method = "POST",
            .path = "/",
            .headers = sh,
            .nheaders = nsh,
            .body = call->body,
            .body_len = call->body_len,
        };
        /* the canonical URI is the request path */
        const char *p = strstr(call->url, "://");
        p = p ? strchr(p + 3, '/') : NULL;
        if (p)
            sreq.path = p;
        struct sigv4_creds sc = {cr->access_key_id, cr->secret_access_key, cr->session_token};
        struct sigv4_scope scope = {call->sign_region, call->svc->signing_name, now_s};
        struct sigv4_result res;
        if (sigv4_sign(&sreq, &sc, &scope, &res) != 0) {
            for (size_t i = 0; i < no; i++)
                free(owned[i]);
            mem_free_secret(token_hdr);
            struct aws_error e;
            aws_error_init(&e);
            aws_error_set(&e, AWS_ERR_CREDENTIALS, "IncompleteCredentials",
                          "the credentials from %s lack an access key or a secret key",
                          cr->source[0] ? cr->source : "the provider");
            aws_call_fail(call, &e);
            return;
        }
        auth_hdr = mem_xasprintf("Authorization: %s", res.authorization);
        sigv4_result_free(&res);
    }
    for (size_t i = 0; i < no; i++)
        hv[nh++] = owned[i];
    if (token_hdr)
        hv[nh++] = token_hdr;
    if (auth_hdr)
        hv[nh++] = auth_hdr;
    hv[nh] = NULL;

    struct http_request hreq = {
        .method = "POST",
        .url = call->url,
        .headers = hv,
        .body = call->body,
        .body_len = call->body_len,
        .timeout_ms = c->timeout_ms,
        .on_data = call->on_stream ? aws_call_on_data : NULL,
        .idle_timeout_ms = call->idle_timeout_ms,
    };
    call->attempt_start_ms = reactor_now_ms(c->r);
    call->xfer = http_send(c->http, &hreq, aws_call_on_http, call);
    for (size_t i = 0; i < no; i++)
        free(owned[i]);
    mem_free_secret(token_hdr);
    free(auth_hdr);
    if (!call->xfer) {
        struct aws_error e;
        aws_error_init(&e);
        aws_error_set(&e, AWS_ERR_CONFIG, "InvalidEndpoint", "cannot send to '%s'", call->log_url);
        aws_call_fail(call, &e);
    }
}

static void aws_call_on_creds(const struct aws_credentials *cr, const struct aws_error *err,
                              void *arg)
{
    struct aws_call *call = arg;
    call->creds_req = NULL;
    if (err || !cr) {
        struct aws_error e;
        aws_error_init(&e);
        if (err)
            aws_error_copy(&e, err);
        else
            aws_error_set(&e, AWS_ERR_CREDENTIALS, "NoCredentials", "no AWS credentials found");
        if (e.kind == AWS_ERR_NONE)
            e.kind = AWS_ERR_CREDENTIALS;
        e.retryable = false;
        aws_call_fail(call, &e);
        return;
    }
    aws_call_send(call, cr);
}

static void aws_call_start_attempt(struct aws_call *call)
{
    struct aws_client *c = call->c;
    call->attempts++;
    call->counted++;
    c->stats.attempts++;
    if (call->unsigned_request) {
        aws_call_send(call, NULL);
        return;
    }
    if (!c->creds) {
        struct aws_error e;
        aws_error_init(&e);
        aws_error_set(&e, AWS_ERR_CREDENTIALS, "NoCredentialProvider",
                      "no credential provider configured for signed AWS calls");
        aws_call_fail(call, &e);
        return;
    }
    call->creds_req = creds_get(c->creds, aws_call_on_creds, call);
    if (!call->creds_req) {
        struct aws_error e;
        aws_error_init(&e);
        aws_error_set(&e, AWS_ERR_CREDENTIALS, "NoCredentials",
                      "the credential provider is not usable");
        aws_call_fail(call, &e);
    }
}

static const char *aws_client_request_id_header(const struct http_response *hr)
{
    const char *v = http_response_header(hr, "x-amzn-RequestId");
    if (!v)
        v = http_response_header(hr, "x-amz-request-id");
    return v;
}

static void aws_call_log(const struct aws_call *call, const struct http_response *hr,
                         const struct aws_error *err, const char *request_id)
{
    if (hr->curl_code != 0)
        fprintf(stderr, "aws: %s %s POST %s -> %s (%llu ms, attempt %d)\n", call->svc->name,
                call->op, call->log_url, http_curl_code_name(hr->curl_code),
                (unsigned long long)hr->elapsed_ms, call->attempts);
    else
        fprintf(stderr, "aws: %s %s POST %s -> %ld%s%s (%llu ms, attempt %d%s%s)\n",
                call->svc->name, call->op, call->log_url, hr->status,
                err->kind != AWS_ERR_NONE ? " " : "", err->kind != AWS_ERR_NONE ? err->code : "",
                (unsigned long long)hr->elapsed_ms, call->attempts,
                request_id[0] ? ", request id " : "", request_id);
}

/* Decide whether err is worth another attempt (standard mode). */
static void aws_call_classify(const struct aws_call *call, struct aws_error *e, bool *timeout)
{
    *timeout = false;
    e->retryable = false;
    e->throttling = false;
    if (e->kind == AWS_ERR_TRANSPORT) {
        return; /* set by the caller from the curl code */
    }
    if (e->kind != AWS_ERR_SERVICE && e->kind != AWS_ERR_HTTP)
        return;
    if (aws_client_in_list(e->code, aws_client_throttle_codes) || e->http_status == 429) {
        e->throttling = true;
        e->retryable = true;
    }
    if (aws_client_in_list(e->code, aws_client_transient_codes) ||
        aws_client_status_transient(e->http_status))
        e->retryable = true;
    if (strcmp(e->code, "IDPCommunicationError") == 0 && call->svc == &svc_sts)
        e->retryable = true;
}

static void aws_call_retry_later(struct aws_call *call, struct aws_error *why, uint64_t delay_ms)
{
    struct aws_client *c = call->c;
    c->stats.retries++;
    aws_call_fill_error(call, why);
    if (c->verbose)
        fprintf(stderr, "aws: %s %s: retry %d in %llu ms after %s\n", call->svc->name, call->op,
                call->attempts + 1, (unsigned long long)delay_ms, why->code);
    if (call->on_retry) {
        call->in_cb = true;
        call->on_retry(why, call->attempts + 1, delay_ms, call->arg);
        call->in_cb = false;
        if (call->cancelled) {
            aws_error_clear(why);
            aws_call_unlink(call);
            if (call->on_release)
                call->on_release(call->arg);
            aws_call_release(call);
            return;
        }
    }
    aws_error_clear(why);
    aws_call_kick(call, delay_ms);
}

/* The response record of a call that succeeded (the body's decoded forms
 * are filled by the caller). */
static void aws_call_response(const struct aws_call *call, const struct http_response *hr,
                              const char *request_id, struct aws_response *resp)
{
    memset(resp, 0, sizeof(*resp));
    resp->svc = call->svc;
    resp->op = call->op;
    resp->http_status = (int)hr->status;
    snprintf(resp->request_id, sizeof(resp->request_id), "%s", request_id);
    resp->attempts = call->attempts;
    uint64_t now = reactor_now_ms(call->c->r);
    resp->elapsed_ms = now - call->start_ms;
    resp->last_attempt_ms = now - call->attempt_start_ms;
}

/* The end of a streamed answer: no retry, whatever ended it. */
static void aws_call_stream_end(struct aws_call *call, struct http_response *hr,
                                const char *request_id)
{
    struct aws_error err;
    aws_error_init(&err);
    if (hr->curl_code != 0) {
        aws_error_set(&err, AWS_ERR_TRANSPORT, http_curl_code_name(hr->curl_code), "%s",
                      hr->curl_error[0] ? hr->curl_error : "the stream was cut");
        err.http_status = (int)hr->status;
        snprintf(err.request_id, sizeof(err.request_id), "%s", request_id);
    }
    if (call->c->verbose)
        aws_call_log(call, hr, &err, request_id);
    if (err.kind != AWS_ERR_NONE) {
        aws_call_fail(call, &err);
        return;
    }
    struct aws_response resp;
    aws_call_response(call, hr, request_id, &resp);
    aws_call_deliver(call, &resp);
}

/* What an answer says: its decoded body in resp (doc/result or json), or
 * err set (and *timeout when the transfer timed out). request_id gets the
 * envelope's id when the headers had none. */
static void aws_call_decode(struct aws_call *call, struct http_response *hr, char *request_id,
                            size_t request_id_len, struct aws_response *resp, struct aws_error *err,
                            bool *timeout)
{
    if (hr->curl_code != 0) {
        aws_error_set(err, AWS_ERR_TRANSPORT, http_curl_code_name(hr->curl_code), "%s",
                      hr->curl_error[0] ? hr->curl_error : "transfer failed");
        err->retryable = http_curl_code_transient(hr->curl_code);
        *timeout = http_curl_code_timeout(hr->curl_code);
        return;
    }
    if (hr->body_truncated && hr->status >= 200 && hr->status < 300) {
        aws_error_set(err, AWS_ERR_PARSE, "ResponseTooLarge",
                      "the response body was cut at %zu bytes (the size limit); it cannot be "
                      "decoded",
                      hr->body_len);
        err->http_status = (int)hr->status;
        return;
    }
    int status = (int)hr->status;
    int rc;
    if (call->svc->protocol == SVC_JSON && call->json_arena) {
        if (!aws_client_arena)
            aws_client_arena = awsjson_arena_new();
        rc =
            awsjson_parse_arena(aws_client_arena, hr->body, hr->body_len, status, &resp->json, err);
    } else if (call->svc->protocol == SVC_JSON) {
        rc = awsjson_parse(hr->body, hr->body_len, status, &resp->json, err);
    } else if (call->raw_xml && status >= 200 && status < 300) {
        rc = 0; /* the caller's streaming parser reads the body */
    } else {
        char envelope_id[96] = "";
        rc = query_parse(hr->body, hr->body_len, status, call->op, call->svc->protocol == SVC_EC2,
                         &resp->doc, &resp->result, envelope_id, sizeof(envelope_id), err);
        if (!request_id[0])
            snprintf(request_id, request_id_len, "%s", envelope_id);
    }
    if (rc != 0) {
        if (err->kind == AWS_ERR_NONE)
            aws_error_set(err, AWS_ERR_PARSE, "MalformedResponse",
                          "the response could not be decoded");
        err->http_status = status;
        if (!request_id[0] && err->request_id[0])
            snprintf(request_id, request_id_len, "%s", err->request_id);
        aws_call_classify(call, err, timeout);
    }
}

/* The retries that do not wait: a skewed clock corrected from the
 * server's Date, or an expired session token refreshed - each once.
 * True when the call was sent again. */
static bool aws_call_retry_now(struct aws_call *call, struct http_response *hr,
                               struct aws_error *err)
{
    struct aws_client *c = call->c;
    if (!call->skew_retried && !call->unsigned_request && aws_client_is_skew_error(err)) {
        const char *date = http_response_header(hr, "Date");
        int64_t server_ms = 0;
        if (date && awstime_parse_http_date(date, &server_ms)) {
            int64_t local = reactor_wall_ms(c->r);
            int64_t ours = local + c->skew_ms;
            int64_t diff = server_ms - ours;
            if (diff >= AWS_CLIENT_SKEW_MIN_MS || diff <= -AWS_CLIENT_SKEW_MIN_MS) {
                c->skew_ms = server_ms - local;
                call->skew_retried = true;
                call->counted--; /* a corrected clock gets a fresh try */
                aws_call_retry_later(call, err, 0);
                return true;
            }
        }
    }
    if (!call->token_retried && !call->unsigned_request && aws_client_is_expired_token(err) &&
        c->creds) {
        creds_invalidate(c->creds);
        call->token_retried = true;
        call->counted--;
        aws_call_retry_later(call, err, 0);
        return true;
    }
    return false;
}

/* A retryable error within the attempts and the retry quota: sent again
 * after a jittered exponential backoff (true). Out of quota, the message
 * says so. */
static bool aws_call_backoff(struct aws_call *call, struct aws_error *err, bool timeout)
{
    struct aws_client *c = call->c;
    if (!err->retryable || call->counted >= c->max_attempts)
        return false;
    int cost = timeout ? AWS_CLIENT_TIMEOUT_COST : AWS_CLIENT_RETRY_COST;
    if (c->quota >= cost) {
        c->quota -= cost;
        call->last_cost = cost;
        double base = ldexp(1.0, call->counted - 1); /* 2^(n-1) */
        double d = aws_client_rand01(c) * base;
        if (d > AWS_CLIENT_BACKOFF_CAP)
            d = AWS_CLIENT_BACKOFF_CAP;
        uint64_t delay = (uint64_t)(d * (double)c->backoff_unit_ms);
        aws_call_retry_later(call, err, delay);
        return true;
    }
    char *m = mem_xasprintf("%s (retry quota exhausted)", err->message ? err->message : "");
    free(err->message);
    err->message = m;
    return false;
}

static void aws_call_on_http(struct http_response *hr, void *arg)
{
    struct aws_call *call = arg;
    struct aws_client *c = call->c;
    call->xfer = NULL;

    char request_id[96] = "";
    const char *rid = aws_client_request_id_header(hr);
    if (rid)
        snprintf(request_id, sizeof(request_id), "%s", rid);
    if (call->streamed) {
        aws_call_stream_end(call, hr, request_id);
        return;
    }

    struct aws_error err;
    aws_error_init(&err);
    struct aws_response body;
    memset(&body, 0, sizeof(body));
    bool timeout = false;
    aws_call_decode(call, hr, request_id, sizeof(request_id), &body, &err, &timeout);
    if (err.kind != AWS_ERR_NONE)
        snprintf(err.request_id, sizeof(err.request_id), "%s", request_id);
    if (c->verbose)
        aws_call_log(call, hr, &err, request_id);
    if (err.kind == AWS_ERR_NONE && body.json && call->json_arena && hr->body) {
        /* a bulk page: its tree is all the callback reads; the body (as
         * large again) need not wait for the callback to return */
        mem_wipe(hr->body, hr->body_len);
        free(hr->body);
        hr->body = NULL;
    }

    if (err.kind == AWS_ERR_NONE) {
        c->quota += call->last_cost ? call->last_cost : 1;
        if (c->quota > AWS_CLIENT_QUOTA)
            c->quota = AWS_CLIENT_QUOTA;
        struct aws_response resp;
        aws_call_response(call, hr, request_id, &resp);
        resp.doc = body.doc;
        resp.result = body.result;
        resp.json = body.json;
        if (call->raw_xml) {
            resp.body = hr->body;
            resp.body_len = hr->body_len;
        }
        aws_call_deliver(call, &resp);
        return;
    }
    if (err.throttling)
        c->stats.throttled++;
    if (aws_call_retry_now(call, hr, &err) || aws_call_backoff(call, &err, timeout))
        return;
    aws_call_fail(call, &err);
}

/* A piece of a streamed 2xx answer. */
static void aws_call_on_data(const struct http_response *head, const void *data, size_t len,
                             void *arg)
{
    struct aws_call *call = arg;
    if (call->cancelled || !call->on_stream)
        return;
    if (!call->streamed) {
        call->streamed = true;
        struct aws_client *c = call->c;
        c->quota += call->last_cost ? call->last_cost : 1; /* the request got through */
        if (c->quota > AWS_CLIENT_QUOTA)
            c->quota = AWS_CLIENT_QUOTA;
    }
    const char *ct = http_response_header(head, "Content-Type");
    const char *rid = aws_client_request_id_header(head);
    struct aws_stream_piece piece = {
        .http_status = (int)head->status,
        .content_type = ct ? ct : "",
        .request_id = rid ? rid : "",
        .data = data,
        .len = len,
    };
    call->in_cb = true;
    call->on_stream(&piece, call->arg);
    call->in_cb = false;
    if (call->cancelled) {
        /* cancelled (or its client freed) from on_stream: the callback will
         * not run, the owner hears of the end through on_release */
        aws_call_unlink(call);
        if (call->on_release)
            call->on_release(call->arg);
        aws_call_release(call);
    }
}

/* ---- public call API ---- */

struct aws_call *aws_client_call(struct aws_client *c, struct aws_request *req, aws_call_cb cb,
                                 void *arg)
{
    if (!req)
        return NULL;
    if (!c || !cb) {
        query_params_free(req->query);
        json_decref(req->json);
        req->query = NULL;
        req->json = NULL;
        return NULL;
    }
    struct aws_call *call = mem_xcalloc(1, sizeof(*call));
    call->c = c;
    call->cb = cb;
    call->arg = arg;
    call->next = c->calls;
    if (c->calls)
        c->calls->prev = call;
    c->calls = call;
    c->stats.calls++;
    aws_call_setup(call, req);
    aws_call_kick(call, 0);
    return call;
}

void aws_client_call_next(struct aws_call *call, struct aws_request *req)
{
    if (!req)
        return;
    if (!call || !call->in_cb || call->cancelled || !call->c) {
        /* Only valid from inside the call's own callback: drop the body. */
        query_params_free(req->query);
        json_decref(req->json);
        req->query = NULL;
        req->json = NULL;
        return;
    }
    aws_call_drop_request(call);
    call->c->stats.calls++;
    aws_call_setup(call, req);
    call->chained = true;
}

void aws_client_call_cancel(struct aws_call *call)
{
    if (!call || call->cancelled)
        return;
    call->cancelled = true;
    struct aws_client *c = call->c;
    if (c) {
        creds_cancel(call->creds_req);
        http_cancel(call->xfer);
        reactor_untimer(c->r, call->timer);
    }
    call->creds_req = NULL;
    call->xfer = NULL;
    call->timer = NULL;
    if (call->in_cb)
        return; /* released when the callback returns */
    aws_call_unlink(call);
    if (call->on_release)
        call->on_release(call->arg);
    aws_call_release(call);
}
