/* test_http.c - aws/http.c against a scripted server on 127.0.0.1 (httpsrv.h)
 * on the same core/loop: GET/POST/PUT, headers both ways, large bodies,
 * the body cap, timeouts, connection refused, resets, truncated bodies,
 * cancellation from inside callbacks, freeing with transfers in flight,
 * connection reuse (connections counted server side), proxies from the
 * environment and the no_proxy switch, the CA bundle option.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "aws/http.h"
#include "core/loop.h"
#include "tests/unit/httpsrv.h"

#define DEADLINE_MS 15000

struct result {
    bool done;
    int calls;
    long status;
    int curl_code;
    char curl_error[256];
    char *body;
    size_t body_len;
    bool truncated;
    char *xtest;
    char *request_id;
    uint64_t elapsed_ms;
};

static void result_clear(struct result *r)
{
    free(r->body);
    free(r->xtest);
    free(r->request_id);
    memset(r, 0, sizeof(*r));
}

static void on_done(struct http_response *resp, void *arg)
{
    struct result *r = arg;
    r->calls++;
    r->done = true;
    r->status = resp->status;
    r->curl_code = resp->curl_code;
    snprintf(r->curl_error, sizeof(r->curl_error), "%s", resp->curl_error);
    r->body = resp->body; /* steal */
    resp->body = NULL;
    r->body_len = resp->body_len;
    r->truncated = resp->body_truncated;
    r->xtest = mem_xstrdup(http_response_header(resp, "x-test"));
    r->request_id = mem_xstrdup(http_response_header(resp, "X-AMZN-REQUESTID"));
    r->elapsed_ms = resp->elapsed_ms;
}

struct fixture {
    struct loop *l;
    struct http_client *c;
    struct srv *s;
    char url[128];
    /* handler script */
    enum srv_action action;
    int status;
    const char *headers;
    char *body;
    size_t body_len;
    size_t partial_len;
    uint64_t delay_ms;
    bool close;
};

static void handler(struct srv *s, const struct srv_req *req, struct srv_resp *resp, void *arg)
{
    (void)s;
    struct fixture *f = arg;
    resp->action = f->action;
    resp->status = f->status ? f->status : 200;
    resp->headers = f->headers;
    resp->body = f->body;
    resp->body_len = f->body_len;
    resp->partial_len = f->partial_len;
    resp->delay_ms = f->delay_ms;
    resp->close = f->close;
    /* "/hang" always hangs, "/slow" answers after 300 ms */
    if (strncmp(req->path, "/hang", 5) == 0)
        resp->action = SRV_HANG;
    if (strncmp(req->path, "/slow", 5) == 0)
        resp->delay_ms = 300;
}

static struct fixture *fixture_new(const struct http_options *opt)
{
    struct fixture *f = mem_xcalloc(1, sizeof(*f));
    f->l = loop_new();
    assert_non_null(f->l);
    f->c = http_client_new(loop_reactor(f->l), opt);
    assert_non_null(f->c);
    f->s = srv_start(f->l, handler, f);
    assert_non_null(f->s);
    snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d", f->s->port);
    return f;
}

static void fixture_free(struct fixture *f)
{
    http_client_free(f->c);
    srv_stop(f->s);
    loop_free(f->l);
    free(f->body);
    free(f);
}

static bool run_until(struct fixture *f, const bool *flag)
{
    return loop_run_until(f->l, flag, loop_now_ms(f->l) + DEADLINE_MS);
}

/* Run the loop for about ms (to let stray callbacks show up). */
static void run_for(struct fixture *f, uint64_t ms)
{
    bool never = false;
    loop_run_until(f->l, &never, loop_now_ms(f->l) + ms);
}

static struct http_xfer *get(struct fixture *f, const char *path, struct result *r)
{
    char url[256];
    snprintf(url, sizeof(url), "%s%s", f->url, path);
    struct http_request req = {.method = "GET", .url = url};
    return http_send(f->c, &req, on_done, r);
}

static void test_get_and_headers(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    f->headers = "X-Test: one\r\nx-amzn-RequestId: rid-1\r\nX-Test: two\r\n";
    f->body = mem_xstrdup("hello");
    struct result r = {0};
    char url[256];
    snprintf(url, sizeof(url), "%s/a/b?x=1&y=%%2F", f->url);
    const char *hdrs[] = {"X-Custom: v1", "Accept: application/json", NULL};
    struct http_request req = {.method = "GET", .url = url, .headers = hdrs};
    assert_non_null(http_send(f->c, &req, on_done, &r));
    assert_false(r.done); /* never synchronous */
    assert_true(run_until(f, &r.done));
    assert_int_equal(r.curl_code, 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 5);
    assert_string_equal(r.body, "hello");
    assert_false(r.truncated);
    assert_string_equal(r.xtest, "one"); /* first of a repeated header */
    assert_string_equal(r.request_id, "rid-1");
    assert_int_equal(f->s->nreqs, 1);
    const struct srv_req *sr = f->s->reqs[0];
    assert_string_equal(sr->method, "GET");
    assert_string_equal(sr->path, "/a/b?x=1&y=%2F");
    assert_string_equal(srv_hdr(sr, "X-Custom"), "v1");
    assert_string_equal(srv_hdr(sr, "Accept"), "application/json");
    assert_null(srv_hdr(sr, "Expect"));
    assert_null(srv_hdr(sr, "Content-Type"));
    assert_non_null(srv_hdr(sr, "Host"));
    assert_true(strncmp(srv_hdr(sr, "User-Agent"), "elcui/", 6) == 0);
    run_for(f, 50);
    assert_int_equal(r.calls, 1);
    result_clear(&r);
    fixture_free(f);
}

static void test_post_put(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    f->status = 201;
    struct result r = {0};
    char url[256];
    snprintf(url, sizeof(url), "%s/", f->url);
    const char *hdrs[] = {"Content-Type: application/x-www-form-urlencoded; charset=utf-8",
                          "Host: elasticache.test:4566", NULL};
    const char *body = "Action=X&Version=1&A=b%20c";
    struct http_request req = {
        .method = "POST", .url = url, .headers = hdrs, .body = body, .body_len = strlen(body)};
    assert_non_null(http_send(f->c, &req, on_done, &r));
    assert_true(run_until(f, &r.done));
    assert_int_equal(r.status, 201);
    assert_int_equal(r.body_len, 0);
    const struct srv_req *sr = f->s->reqs[0];
    assert_string_equal(sr->method, "POST");
    assert_string_equal(sr->body, body);
    assert_int_equal(srv_hdr_count(sr, "Content-Type"), 1);
    assert_string_equal(srv_hdr(sr, "Content-Type"),
                        "application/x-www-form-urlencoded; charset=utf-8");
    assert_string_equal(srv_hdr(sr, "Host"), "elasticache.test:4566");
    assert_string_equal(srv_hdr(sr, "Content-Length"), "26");
    result_clear(&r);

    /* POST without Content-Type: libcurl must not invent one. */
    struct http_request req2 = {.method = "POST", .url = url, .body = "{}", .body_len = 2};
    assert_non_null(http_send(f->c, &req2, on_done, &r));
    assert_true(run_until(f, &r.done));
    assert_null(srv_hdr(f->s->reqs[1], "Content-Type"));
    assert_string_equal(f->s->reqs[1]->body, "{}");
    result_clear(&r);

    /* PUT with an empty body and a header (the IMDSv2 token request). */
    const char *h3[] = {"X-aws-ec2-metadata-token-ttl-seconds: 21600", NULL};
    struct http_request req3 = {.method = "PUT", .url = url, .headers = h3};
    assert_non_null(http_send(f->c, &req3, on_done, &r));
    assert_true(run_until(f, &r.done));
    assert_string_equal(f->s->reqs[2]->method, "PUT");
    assert_string_equal(srv_hdr(f->s->reqs[2], "Content-Length"), "0");
    assert_string_equal(srv_hdr(f->s->reqs[2], "X-aws-ec2-metadata-token-ttl-seconds"), "21600");
    result_clear(&r);
    fixture_free(f);
}

static char *pattern(size_t n, unsigned seed)
{
    char *p = mem_xmalloc(n + 1);
    for (size_t i = 0; i < n; i++)
        p[i] = (char)('a' + (i * 7 + seed) % 26);
    p[n] = '\0';
    return p;
}

static void test_large_bodies(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    size_t resp_len = 5 * 1024 * 1024, req_len = 3 * 1024 * 1024;
    f->body = pattern(resp_len, 3);
    f->body_len = resp_len;
    char *reqbody = pattern(req_len, 11);
    struct result r = {0};
    char url[256];
    snprintf(url, sizeof(url), "%s/big", f->url);
    struct http_request req = {.method = "POST", .url = url, .body = reqbody, .body_len = req_len};
    assert_non_null(http_send(f->c, &req, on_done, &r));
    assert_true(run_until(f, &r.done));
    assert_int_equal(r.curl_code, 0);
    assert_int_equal(r.body_len, resp_len);
    assert_memory_equal(r.body, f->body, resp_len);
    const struct srv_req *sr = f->s->reqs[0];
    assert_int_equal(sr->body_len, req_len);
    assert_memory_equal(sr->body, reqbody, req_len);
    assert_null(srv_hdr(sr, "Expect")); /* no 100-continue dance */
    free(reqbody);
    result_clear(&r);
    fixture_free(f);
}

static void test_body_cap(void **state)
{
    (void)state;
    struct http_options opt = {.max_body = 1000};
    struct fixture *f = fixture_new(&opt);
    f->body = pattern(200000, 5);
    f->body_len = 200000;
    struct result r = {0};
    assert_non_null(get(f, "/capped", &r));
    assert_true(run_until(f, &r.done));
    assert_int_equal(r.curl_code, 0);
    assert_int_equal(r.status, 200);
    assert_true(r.truncated);
    assert_int_equal(r.body_len, 1000);
    assert_memory_equal(r.body, f->body, 1000);
    assert_int_equal(r.body[1000], '\0');
    result_clear(&r);

    /* Exactly at the cap is not truncated. */
    f->body_len = 1000;
    assert_non_null(get(f, "/exact", &r));
    assert_true(run_until(f, &r.done));
    assert_false(r.truncated);
    assert_int_equal(r.body_len, 1000);
    result_clear(&r);
    fixture_free(f);
}

static void test_timeout(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    struct result r = {0};
    char url[256];
    snprintf(url, sizeof(url), "%s/hang", f->url);
    struct http_request req = {.method = "GET", .url = url, .timeout_ms = 200};
    assert_non_null(http_send(f->c, &req, on_done, &r));
    assert_true(run_until(f, &r.done));
    assert_int_equal(r.curl_code, CURLE_OPERATION_TIMEDOUT);
    assert_true(http_curl_code_timeout(r.curl_code));
    assert_true(http_curl_code_transient(r.curl_code));
    assert_string_equal(http_curl_code_name(r.curl_code), "OperationTimedOut");
    assert_int_equal(r.status, 0);
    assert_true(r.curl_error[0] != '\0');
    result_clear(&r);

    /* The client-wide default applies when the request has none. */
    http_client_free(f->c);
    struct http_options opt = {.timeout_ms = 150};
    f->c = http_client_new(loop_reactor(f->l), &opt);
    struct http_request req2 = {.method = "GET", .url = url};
    assert_non_null(http_send(f->c, &req2, on_done, &r));
    assert_true(run_until(f, &r.done));
    assert_int_equal(r.curl_code, CURLE_OPERATION_TIMEDOUT);
    result_clear(&r);
    fixture_free(f);
}

/* A listener whose accept queue is full never completes a handshake: the
 * connect timeout (not the total one) ends the transfer. */
static void test_connect_timeout(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(lfd, 0), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &al), 0);
    int fillers[4];
    for (int i = 0; i < 4; i++) {
        fillers[i] = socket(AF_INET, SOCK_STREAM, 0);
        fcntl(fillers[i], F_SETFL, O_NONBLOCK);
        connect(fillers[i], (struct sockaddr *)&a, sizeof(a));
    }
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ntohs(a.sin_port));
    struct result r = {0};
    struct http_request req = {
        .method = "GET", .url = url, .connect_timeout_ms = 300, .timeout_ms = 20000};
    assert_non_null(http_send(f->c, &req, on_done, &r));
    assert_true(run_until(f, &r.done));
    assert_int_equal(r.curl_code, CURLE_OPERATION_TIMEDOUT);
    assert_non_null(strstr(r.curl_error, "onnect")); /* "Connection timed out after ..." */
    for (int i = 0; i < 4; i++)
        close(fillers[i]);
    close(lfd);
    result_clear(&r);
    fixture_free(f);
}

static void test_refused_reset_partial(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    struct result r = {0};
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", srv_dead_port());
    struct http_request req = {.method = "GET", .url = url};
    assert_non_null(http_send(f->c, &req, on_done, &r));
    assert_true(run_until(f, &r.done));
    assert_int_equal(r.curl_code, CURLE_COULDNT_CONNECT);
    assert_string_equal(http_curl_code_name(r.curl_code), "CouldNotConnect");
    assert_true(http_curl_code_transient(r.curl_code));
    assert_false(http_curl_code_timeout(r.curl_code));
    assert_int_equal(r.status, 0);
    result_clear(&r);

    f->action = SRV_RESET;
    assert_non_null(get(f, "/reset", &r));
    assert_true(run_until(f, &r.done));
    assert_true(r.curl_code == CURLE_RECV_ERROR || r.curl_code == CURLE_GOT_NOTHING ||
                r.curl_code == CURLE_SEND_ERROR);
    assert_true(http_curl_code_transient(r.curl_code));
    result_clear(&r);

    f->action = SRV_CLOSE;
    assert_non_null(get(f, "/close", &r));
    assert_true(run_until(f, &r.done));
    assert_int_equal(r.curl_code, CURLE_GOT_NOTHING);
    assert_true(http_curl_code_transient(r.curl_code));
    result_clear(&r);

    f->action = SRV_PARTIAL;
    f->body = pattern(1000, 1);
    f->body_len = 1000;
    f->partial_len = 400;
    assert_non_null(get(f, "/partial", &r));
    assert_true(run_until(f, &r.done));
    assert_int_equal(r.curl_code, CURLE_PARTIAL_FILE);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 400);
    assert_true(http_curl_code_transient(r.curl_code));
    result_clear(&r);
    fixture_free(f);
}

static void test_bad_requests(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    struct result r = {0};
    struct http_request req = {.method = "GET", .url = "ftp://127.0.0.1/x"};
    assert_null(http_send(f->c, &req, on_done, &r));
    req.url = "not a url at all";
    assert_null(http_send(f->c, &req, on_done, &r));
    req.url = NULL;
    assert_null(http_send(f->c, &req, on_done, &r));
    assert_null(http_send(f->c, NULL, on_done, &r));
    run_for(f, 30);
    assert_int_equal(r.calls, 0);
    http_cancel(NULL);
    http_client_free(NULL);
    assert_null(http_response_header(NULL, "x"));
    fixture_free(f);
}

/* ---- cancellation ---- */

struct cancel_ctx {
    struct http_xfer *victims[4];
    int nvictims;
    struct http_client **free_client; /* free this client from the callback */
    struct result r;
};

static void on_done_cancel(struct http_response *resp, void *arg)
{
    struct cancel_ctx *cc = arg;
    on_done(resp, &cc->r);
    for (int i = 0; i < cc->nvictims; i++)
        http_cancel(cc->victims[i]);
    if (cc->free_client) {
        http_client_free(*cc->free_client);
        *cc->free_client = NULL;
    }
}

static void test_cancel(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    char url[256];

    /* Cancelled before the loop ever ran: no request reaches the server,
     * no callback. */
    struct result r1 = {0};
    struct http_xfer *x = get(f, "/never", &r1);
    assert_non_null(x);
    http_cancel(x);
    run_for(f, 100);
    assert_int_equal(r1.calls, 0);
    assert_int_equal(f->s->nreqs, 0);

    /* Cancelled mid-flight (the server got the request, no answer yet). */
    x = get(f, "/hang", &r1);
    for (int i = 0; i < 200 && f->s->nreqs == 0; i++)
        loop_run_once(f->l, 20);
    assert_int_equal(f->s->nreqs, 1);
    http_cancel(x);
    run_for(f, 100);
    assert_int_equal(r1.calls, 0);

    /* From inside another transfer's callback: A completes and cancels B
     * (still in flight) and C (completing in the same dispatch or not). */
    struct cancel_ctx cc = {0};
    struct result rb = {0}, rc = {0};
    struct http_request ra = {.method = "GET", .url = url, .timeout_ms = 200};
    snprintf(url, sizeof(url), "%s/hang-a", f->url);
    assert_non_null(http_send(f->c, &ra, on_done_cancel, &cc));
    char urlb[256];
    snprintf(urlb, sizeof(urlb), "%s/hang-b", f->url);
    struct http_request rqb = {.method = "GET", .url = urlb};
    cc.victims[cc.nvictims++] = http_send(f->c, &rqb, on_done, &rb);
    struct http_request rqc = {.method = "GET", .url = url, .timeout_ms = 200};
    cc.victims[cc.nvictims++] = http_send(f->c, &rqc, on_done, &rc);
    assert_true(run_until(f, &cc.r.done));
    run_for(f, 400);
    assert_int_equal(cc.r.calls, 1);
    assert_int_equal(rb.calls, 0);
    /* C either finished first (then it was A's victim too late: it ran) or
     * was cancelled; its callback runs at most once and never after A. */
    assert_true(rc.calls <= 1);
    result_clear(&cc.r);
    result_clear(&rb);
    result_clear(&rc);
    result_clear(&r1);
    fixture_free(f);
}

/* Two transfers that time out in the same curl dispatch: the first's
 * callback cancels the second, which is collected but not yet delivered. */
static void test_cancel_collected(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    char url[256];
    snprintf(url, sizeof(url), "%s/hang", f->url);
    int delivered_both = 0, rounds = 0;
    for (rounds = 0; rounds < 5; rounds++) {
        struct cancel_ctx c1 = {0}, c2 = {0};
        struct http_request rq = {.method = "GET", .url = url, .timeout_ms = 150};
        struct http_xfer *x1 = http_send(f->c, &rq, on_done_cancel, &c1);
        struct http_xfer *x2 = http_send(f->c, &rq, on_done_cancel, &c2);
        assert_non_null(x1);
        assert_non_null(x2);
        c1.victims[c1.nvictims++] = x2;
        c2.victims[c2.nvictims++] = x1;
        bool any = false;
        uint64_t dl = loop_now_ms(f->l) + DEADLINE_MS;
        while (!c1.r.done && !c2.r.done && loop_now_ms(f->l) < dl)
            loop_run_once(f->l, 100);
        any = c1.r.done || c2.r.done;
        assert_true(any);
        run_for(f, 300);
        /* Whichever ran first cancelled the other: exactly one callback. */
        assert_int_equal(c1.r.calls + c2.r.calls, 1);
        delivered_both += c1.r.calls + c2.r.calls;
        result_clear(&c1.r);
        result_clear(&c2.r);
    }
    assert_int_equal(delivered_both, rounds);
    fixture_free(f);
}

static void test_free_in_flight(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    struct result r[3] = {{0}};
    assert_non_null(get(f, "/hang1", &r[0]));
    assert_non_null(get(f, "/hang2", &r[1]));
    assert_non_null(get(f, "/slow", &r[2]));
    for (int i = 0; i < 200 && f->s->nreqs < 3; i++)
        loop_run_once(f->l, 20);
    assert_int_equal(f->s->nreqs, 3);
    http_client_free(f->c);
    f->c = NULL;
    run_for(f, 500); /* the slow answer arrives at a closed socket */
    for (int i = 0; i < 3; i++)
        assert_int_equal(r[i].calls, 0);

    /* Free from inside a callback while others are in flight. */
    f->c = http_client_new(loop_reactor(f->l), NULL);
    struct cancel_ctx cc = {0};
    cc.free_client = &f->c;
    char url[256];
    snprintf(url, sizeof(url), "%s/quick", f->url);
    struct http_request rq = {.method = "GET", .url = url};
    assert_non_null(get(f, "/hang3", &r[0]));
    assert_non_null(get(f, "/slow", &r[1]));
    assert_non_null(http_send(f->c, &rq, on_done_cancel, &cc));
    assert_true(run_until(f, &cc.r.done));
    assert_null(f->c);
    run_for(f, 500);
    assert_int_equal(cc.r.calls, 1);
    assert_int_equal(r[0].calls, 0);
    assert_int_equal(r[1].calls, 0);
    result_clear(&cc.r);
    fixture_free(f);
}

/* ---- streamed answers (on_data) ---- */

struct stream_ctx {
    struct result r;
    struct buf got; /* every byte handed over, in order */
    int pieces;
    long status; /* as on_data saw it */
    char ctype[64];
    bool after_done; /* a piece came after the done callback */
    bool cancel_in_data;
    struct http_xfer *x;
    struct http_client **free_client;
};

static void stream_data(const struct http_response *head, const void *data, size_t len, void *arg)
{
    struct stream_ctx *sc = arg;
    if (sc->r.done)
        sc->after_done = true;
    sc->pieces++;
    sc->status = head->status;
    const char *ct = http_response_header(head, "Content-Type");
    snprintf(sc->ctype, sizeof(sc->ctype), "%s", ct ? ct : "");
    buf_append(&sc->got, data, len);
    if (sc->cancel_in_data) {
        http_cancel(sc->x);
        sc->r.done = true; /* what the test waits on */
    }
    if (sc->free_client) {
        http_client_free(*sc->free_client);
        *sc->free_client = NULL;
        sc->r.done = true;
    }
}

static void stream_done(struct http_response *resp, void *arg)
{
    struct stream_ctx *sc = arg;
    on_done(resp, &sc->r);
}

static struct http_xfer *stream_get(struct fixture *f, const char *path, struct stream_ctx *sc,
                                    long idle_ms)
{
    char url[256];
    snprintf(url, sizeof(url), "%s%s", f->url, path);
    buf_init(&sc->got, 0);
    struct http_request req = {
        .method = "POST",
        .url = url,
        .body = "{}",
        .body_len = 2,
        .timeout_ms = 200, /* a stream ignores the total timeout */
        .on_data = stream_data,
        .idle_timeout_ms = idle_ms,
    };
    sc->x = http_send(f->c, &req, stream_done, sc);
    return sc->x;
}

static bool wait_got(struct fixture *f, struct stream_ctx *sc, size_t n)
{
    uint64_t dl = loop_now_ms(f->l) + DEADLINE_MS;
    while (sc->got.len < n && !sc->r.done && loop_now_ms(f->l) < dl)
        loop_run_once(f->l, 50);
    return sc->got.len >= n;
}

static void test_stream_pieces_then_end(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    f->action = SRV_STREAM;
    f->headers = "Content-Type: application/vnd.amazon.eventstream\r\n";
    f->body = mem_xstrdup("first;");
    struct stream_ctx sc = {0};
    assert_non_null(stream_get(f, "/stream", &sc, 0));
    assert_true(wait_got(f, &sc, 6));
    int conn = f->s->reqs[0]->conn;
    /* pieces over more than the 200 ms total timeout: none applies */
    char expect[4096] = "first;";
    for (int i = 0; i < 5; i++) {
        char piece[32];
        snprintf(piece, sizeof(piece), "piece-%d;", i);
        strncat(expect, piece, sizeof(expect) - strlen(expect) - 1);
        run_for(f, 60);
        assert_true(srv_stream_write(f->s, conn, piece, strlen(piece)));
        assert_true(wait_got(f, &sc, strlen(expect)));
        assert_false(sc.r.done);
    }
    assert_int_equal(sc.got.len, strlen(expect));
    assert_memory_equal(sc.got.data, expect, strlen(expect));
    assert_int_equal(sc.status, 200);
    assert_string_equal(sc.ctype, "application/vnd.amazon.eventstream");
    srv_stream_end(f->s, conn, true, false);
    assert_true(run_until(f, &sc.r.done));
    assert_int_equal(sc.r.calls, 1);
    assert_int_equal(sc.r.curl_code, 0);
    assert_int_equal(sc.r.status, 200);
    assert_int_equal(sc.r.body_len, 0); /* everything went to on_data */
    assert_false(sc.after_done);
    result_clear(&sc.r);
    buf_free(&sc.got);
    fixture_free(f);
}

static void test_stream_error_status_is_buffered(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    f->status = 400;
    f->body = mem_xstrdup("{\"__type\":\"AccessDeniedException\"}");
    struct stream_ctx sc = {0};
    assert_non_null(stream_get(f, "/denied", &sc, 0));
    assert_true(run_until(f, &sc.r.done));
    assert_int_equal(sc.pieces, 0);
    assert_int_equal(sc.r.status, 400);
    assert_string_equal(sc.r.body, "{\"__type\":\"AccessDeniedException\"}");
    result_clear(&sc.r);
    buf_free(&sc.got);
    fixture_free(f);
}

static void test_stream_cut_and_idle(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    f->action = SRV_STREAM;
    f->body = mem_xstrdup("abc");
    /* cut in the middle: the end says so */
    struct stream_ctx sc = {0};
    assert_non_null(stream_get(f, "/cut", &sc, 0));
    assert_true(wait_got(f, &sc, 3));
    int conn = f->s->reqs[0]->conn;
    srv_stream_end(f->s, conn, false, false);
    assert_true(run_until(f, &sc.r.done));
    assert_int_equal(sc.r.calls, 1);
    assert_int_not_equal(sc.r.curl_code, 0);
    assert_true(http_curl_code_transient(sc.r.curl_code));
    result_clear(&sc.r);
    buf_free(&sc.got);

    /* reset */
    struct stream_ctx sr = {0};
    assert_non_null(stream_get(f, "/reset", &sr, 0));
    assert_true(wait_got(f, &sr, 3));
    srv_stream_end(f->s, f->s->reqs[f->s->nreqs - 1]->conn, false, true);
    assert_true(run_until(f, &sr.r.done));
    assert_int_not_equal(sr.r.curl_code, 0);
    result_clear(&sr.r);
    buf_free(&sr.got);

    /* a stream that goes quiet ends after its idle time */
    struct stream_ctx si = {0};
    uint64_t t0 = loop_now_ms(f->l);
    assert_non_null(stream_get(f, "/quiet", &si, 1000));
    assert_true(run_until(f, &si.r.done));
    uint64_t took = loop_now_ms(f->l) - t0;
    assert_int_equal(si.r.curl_code, CURLE_OPERATION_TIMEDOUT);
    assert_true(http_curl_code_timeout(si.r.curl_code));
    assert_true(took >= 900);
    assert_int_equal(si.got.len, 3);
    result_clear(&si.r);
    buf_free(&si.got);
    fixture_free(f);
}

static void test_stream_cancel_and_free_in_data(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    f->action = SRV_STREAM;
    f->body = mem_xstrdup("x");
    struct stream_ctx sc = {0};
    sc.cancel_in_data = true;
    assert_non_null(stream_get(f, "/s1", &sc, 0));
    assert_true(run_until(f, &sc.r.done));
    int conn = f->s->reqs[0]->conn;
    srv_stream_write(f->s, conn, "more", 4);
    run_for(f, 200);
    assert_int_equal(sc.pieces, 1);
    assert_int_equal(sc.r.calls, 0); /* cancelled: no done callback */
    buf_free(&sc.got);

    /* the client freed from inside on_data, another transfer in flight */
    struct stream_ctx sf = {0};
    sf.free_client = &f->c;
    struct result other = {0};
    assert_non_null(get(f, "/hang", &other));
    assert_non_null(stream_get(f, "/s2", &sf, 0));
    assert_true(run_until(f, &sf.r.done));
    assert_null(f->c);
    run_for(f, 200);
    assert_int_equal(sf.pieces, 1);
    assert_int_equal(other.calls, 0);
    buf_free(&sf.got);
    fixture_free(f);
}

static void test_reuse(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    f->body = mem_xstrdup("ok");
    for (int i = 0; i < 5; i++) {
        struct result r = {0};
        assert_non_null(get(f, "/seq", &r));
        assert_true(run_until(f, &r.done));
        assert_int_equal(r.curl_code, 0);
        result_clear(&r);
    }
    assert_int_equal(f->s->connections, 1);
    assert_int_equal(f->s->nreqs, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(f->s->reqs[i]->conn, 1);

    /* A server that closes ("Connection: close") forces a new one. */
    struct result r = {0};
    f->close = true;
    assert_non_null(get(f, "/close-after", &r));
    assert_true(run_until(f, &r.done));
    result_clear(&r);
    f->close = false;
    assert_non_null(get(f, "/fresh", &r));
    assert_true(run_until(f, &r.done));
    assert_int_equal(r.curl_code, 0);
    assert_int_equal(f->s->connections, 2);
    result_clear(&r);

    /* Three in parallel need at most three connections; afterwards the
     * cached ones serve sequential requests again. */
    struct result p[3] = {{0}};
    bool all = false;
    for (int i = 0; i < 3; i++)
        assert_non_null(get(f, "/par", &p[i]));
    uint64_t dl = loop_now_ms(f->l) + DEADLINE_MS;
    while (!all && loop_now_ms(f->l) < dl) {
        loop_run_once(f->l, 100);
        all = p[0].done && p[1].done && p[2].done;
    }
    assert_true(all);
    int after_parallel = f->s->connections;
    assert_true(after_parallel <= 4); /* the idle one is reused */
    for (int i = 0; i < 3; i++)
        result_clear(&p[i]);
    assert_non_null(get(f, "/again", &r));
    assert_true(run_until(f, &r.done));
    assert_int_equal(f->s->connections, after_parallel);
    result_clear(&r);

    fixture_free(f);
}

static void test_proxy_env(void **state)
{
    (void)state;
    struct fixture *f = fixture_new(NULL);
    struct srv *direct = srv_start(f->l, handler, f);
    assert_non_null(direct);
    char proxy[128];
    snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", f->s->port);
    setenv("http_proxy", proxy, 1);
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");

    /* Through the proxy: absolute-form target, our Host header kept. */
    struct result r = {0};
    const char *hdrs[] = {"Host: elasticache.test:4566", NULL};
    struct http_request req = {.method = "POST",
                               .url = "http://elasticache.test:4566/",
                               .headers = hdrs,
                               .body = "x",
                               .body_len = 1};
    assert_non_null(http_send(f->c, &req, on_done, &r));
    assert_true(run_until(f, &r.done));
    assert_int_equal(r.curl_code, 0);
    assert_int_equal(f->s->nreqs, 1);
    assert_string_equal(f->s->reqs[0]->target, "http://elasticache.test:4566/");
    assert_string_equal(srv_hdr(f->s->reqs[0], "Host"), "elasticache.test:4566");
    result_clear(&r);

    /* no_proxy: straight to the server, even though http_proxy is set. */
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/direct", direct->port);
    struct http_request req2 = {.method = "GET", .url = url, .no_proxy = true};
    assert_non_null(http_send(f->c, &req2, on_done, &r));
    assert_true(run_until(f, &r.done));
    assert_int_equal(r.curl_code, 0);
    assert_int_equal(direct->nreqs, 1);
    assert_string_equal(direct->reqs[0]->target, "/direct");
    assert_int_equal(f->s->nreqs, 1);
    result_clear(&r);
    unsetenv("http_proxy");
    srv_stop(direct);
    fixture_free(f);
}

static void test_ca_bundle(void **state)
{
    (void)state;
    struct http_options opt = {.ca_bundle = "/nonexistent/elcui-ca.pem"};
    struct fixture *f = fixture_new(&opt);
    struct result r = {0};
    char url[128];
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/", f->s->port);
    struct http_request req = {.method = "GET", .url = url};
    assert_non_null(http_send(f->c, &req, on_done, &r));
    assert_true(run_until(f, &r.done));
    assert_int_equal(r.curl_code, CURLE_SSL_CACERT_BADFILE);
    assert_string_equal(http_curl_code_name(r.curl_code), "CABundleUnreadable");
    assert_false(http_curl_code_transient(r.curl_code));
    result_clear(&r);

    /* Without the option: the system store loads, then the plain-HTTP
     * server fails the handshake. */
    http_client_free(f->c);
    f->c = http_client_new(loop_reactor(f->l), NULL);
    assert_non_null(http_send(f->c, &req, on_done, &r));
    assert_true(run_until(f, &r.done));
    assert_int_equal(r.curl_code, CURLE_SSL_CONNECT_ERROR);
    result_clear(&r);
    fixture_free(f);
}

static void test_verbose_logs_no_headers(void **state)
{
    (void)state;
    struct http_options opt = {.verbose = true};
    struct fixture *f = fixture_new(&opt);
    char path[] = "/tmp/elcui-test-http-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    int saved = dup(2);
    dup2(fd, 2);
    struct result r = {0};
    char url[256];
    snprintf(url, sizeof(url), "%s/v?secret=q", f->url);
    const char *hdrs[] = {"X-Amz-Security-Token: TOPSECRETTOKEN", NULL};
    struct http_request req = {.method = "POST",
                               .url = url,
                               .headers = hdrs,
                               .body = "SecretString=hunter2",
                               .body_len = 20};
    assert_non_null(http_send(f->c, &req, on_done, &r));
    assert_true(run_until(f, &r.done));
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    size_t n = 0;
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char log[65536];
    n = fread(log, 1, sizeof(log) - 1, fp);
    log[n] = '\0';
    fclose(fp);
    unlink(path);
    assert_non_null(strstr(log, "http: POST http://127.0.0.1:"));
    assert_non_null(strstr(log, "/v -> 200"));
    assert_null(strstr(log, "TOPSECRETTOKEN"));
    assert_null(strstr(log, "hunter2"));
    assert_null(strstr(log, "secret=q"));
    result_clear(&r);
    fixture_free(f);
}

int main(void)
{
    http_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_and_headers),
        cmocka_unit_test(test_post_put),
        cmocka_unit_test(test_large_bodies),
        cmocka_unit_test(test_body_cap),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_connect_timeout),
        cmocka_unit_test(test_refused_reset_partial),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_cancel_collected),
        cmocka_unit_test(test_free_in_flight),
        cmocka_unit_test(test_reuse),
        cmocka_unit_test(test_proxy_env),
        cmocka_unit_test(test_ca_bundle),
        cmocka_unit_test(test_verbose_logs_no_headers),
        cmocka_unit_test(test_stream_pieces_then_end),
        cmocka_unit_test(test_stream_error_status_is_buffered),
        cmocka_unit_test(test_stream_cut_and_idle),
        cmocka_unit_test(test_stream_cancel_and_free_in_data),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    http_global_cleanup();
    return rc;
}
