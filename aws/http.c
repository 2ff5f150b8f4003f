/* http.c - libcurl multi glue on the reactor (CURLMOPT_SOCKETFUNCTION and
 * CURLMOPT_TIMERFUNCTION), with capped bodies and safe cancellation.
 *
 * Life of a transfer: http_send() adds an easy handle to the client's one
 * multi handle (so connections are reused through the multi's connection
 * cache). curl tells us which sockets to watch and when to wake it; the
 * reactor calls back into curl_multi_socket_action(). Finished transfers
 * are first all collected (removed from the multi) and only then handed to
 * their callbacks one by one, so a callback may cancel any other transfer,
 * start new ones or free the whole client without pulling anything from
 * under the dispatcher: a transfer already collected but cancelled is
 * dropped silently, and a client freed from inside a callback is torn down
 * once the dispatch unwinds. No user callback ever runs inside a curl
 * callback.
 *
 * Streamed answers (on_data) follow the same rule: curl's write callback
 * only appends to the transfer's pending bytes and puts it on the ready
 * list; after curl_multi_socket_action returns, the dispatcher hands each
 * ready transfer its bytes (before any done callback of that round), so
 * on_data may cancel transfers or free the client like any callback.
 */
#include "aws/http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/buf.h"
#include "aws/mem.h"

#ifndef ELCUI_VERSION
#define ELCUI_VERSION "0"
#endif

#define HTTP_DEFAULT_CONNECT_MS 5000L
#define HTTP_DEFAULT_TIMEOUT_MS 60000L
#define HTTP_DEFAULT_MAX_BODY ((size_t)64 * 1024 * 1024)
#define HTTP_MAX_HEADER_BYTES ((size_t)256 * 1024)
#define HTTP_MAX_HEADERS 500
#define HTTP_DEFAULT_IDLE_MS 30000L

enum http_state {
    HTTP_ACTIVE, /* in the multi handle */
    HTTP_DONE,   /* collected, waiting for its callback */
    HTTP_IN_CB,  /* its callback is running */
};

struct http_sock {
    curl_socket_t fd;
    void *watch;
    struct http_client *c;
    struct http_sock *prev, *next;
};

struct http_xfer {
    struct http_client *c;
    CURL *easy;
    struct curl_slist *hdrs;
    char *body; /* our copy of the request body (may hold secrets) */
    size_t body_len;
    http_done_cb cb;
    void *arg;
    enum http_state state;
    bool cancelled;
    CURLcode result;
    struct buf rbody;
    size_t max_body;
    bool truncated;
    bool header_overflow;
    struct http_header *headers;
    size_t nheaders, capheaders;
    size_t header_bytes;
    char *log_method, *log_url; /* verbose only: URL without its query */
    char errbuf[CURL_ERROR_SIZE];
    struct http_xfer *prev, *next;
    /* streamed answers */
    http_data_cb on_data;
    bool stream_decided; /* the status is known: streaming or not */
    bool streaming;      /* a 2xx answer: its body goes to on_data */
    bool in_ready;       /* on the client's ready list */
    bool in_data;        /* its on_data is running */
    struct buf pending;  /* body bytes not yet handed over */
    struct http_xfer *ready_next;
};

struct http_list {
    struct http_xfer *head, *tail;
};

struct http_client {
    const struct reactor *r;
    CURLM *multi;
    char *ca_bundle;
    long connect_timeout_ms;
    long timeout_ms;
    size_t max_body;
    bool verbose;
    void *timer;
    struct http_list active;
    struct http_list done;
    struct http_xfer *ready_head, *ready_tail; /* streams with bytes to hand over */
    struct http_sock *socks;
    int depth;    /* dispatches in progress (callbacks may nest) */
    bool dying;   /* freed from inside a callback: destroy when depth hits 0 */
    bool closing; /* tearing down: curl callbacks only release */
};

/* ---- lists ---- */

static void http_list_push(struct http_list *l, struct http_xfer *x)
{
    x->prev = l->tail;
    x->next = NULL;
    if (l->tail)
        l->tail->next = x;
    else
        l->head = x;
    l->tail = x;
}

static void http_list_unlink(struct http_list *l, struct http_xfer *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        l->head = x->next;
    if (x->next)
        x->next->prev = x->prev;
    else
        l->tail = x->prev;
    x->prev = x->next = NULL;
}

/* ---- transfer memory ---- */

static void http_headers_free(struct http_header *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(h[i].name);
        mem_free_secret(h[i].value);
    }
    free(h);
}

static void http_slist_free_wiped(struct curl_slist *l)
{
    for (struct curl_slist *p = l; p; p = p->next)
        if (p->data)
            mem_wipe(p->data, strlen(p->data));
    curl_slist_free_all(l);
}

static void http_xfer_free(struct http_xfer *x)
{
    if (x->easy)
        curl_easy_cleanup(x->easy);
    http_slist_free_wiped(x->hdrs);
    if (x->body) {
        mem_wipe(x->body, x->body_len);
        free(x->body);
    }
    buf_free(&x->rbody);
    buf_free(&x->pending);
    http_headers_free(x->headers, x->nheaders);
    free(x->log_method);
    free(x->log_url);
    free(x);
}

/* ---- curl callbacks (no user code runs here) ---- */

static void http_ready_push(struct http_client *c, struct http_xfer *x)
{
    x->ready_next = NULL;
    if (c->ready_tail)
        c->ready_tail->ready_next = x;
    else
        c->ready_head = x;
    c->ready_tail = x;
    x->in_ready = true;
}

static void http_ready_unlink(struct http_client *c, struct http_xfer *x)
{
    if (!x->in_ready)
        return;
    struct http_xfer *prev = NULL;
    for (struct http_xfer *p = c->ready_head; p; prev = p, p = p->ready_next) {
        if (p != x)
            continue;
        if (prev)
            prev->ready_next = x->ready_next;
        else
            c->ready_head = x->ready_next;
        if (c->ready_tail == x)
            c->ready_tail = prev;
        break;
    }
    x->ready_next = NULL;
    x->in_ready = false;
}

/* A streamed answer: keep the piece for the dispatcher. */
static size_t http_on_stream(struct http_xfer *x, const char *p, size_t len)
{
    if (len > x->max_body - x->pending.len || buf_append(&x->pending, p, len) != 0) {
        x->truncated = true; /* nobody takes the bytes: end the transfer */
        return 0;
    }
    if (!x->in_ready && len)
        http_ready_push(x->c, x);
    return len;
}

static size_t http_on_body(char *p, size_t size, size_t n, void *arg)
{
    struct http_xfer *x = arg;
    size_t len = size * n;
    if (x->on_data) {
        if (!x->stream_decided) {
            long status = 0;
            curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
            x->stream_decided = true;
            x->streaming = status >= 200 && status < 300;
        }
        if (x->streaming)
            return http_on_stream(x, p, len);
    }
    size_t room = x->max_body - x->rbody.len;
    if (len > room) {
        buf_append(&x->rbody, p, room);
        x->truncated = true;
        return 0; /* stop the transfer: nothing more is wanted */
    }
    buf_append(&x->rbody, p, len);
    return len;
}

static char *http_trim_dup(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return mem_xstrndup(s, n);
}

static size_t http_on_header(char *p, size_t size, size_t n, void *arg)
{
    struct http_xfer *x = arg;
    size_t len = size * n;
    x->header_bytes += len;
    if (x->header_bytes > HTTP_MAX_HEADER_BYTES) {
        x->header_overflow = true;
        return 0;
    }
    size_t l = len;
    while (l && (p[l - 1] == '\n' || p[l - 1] == '\r'))
        l--;
    if (l >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        /* A new response (100 Continue, a proxy's CONNECT answer): only the
         * last one's headers count. */
        http_headers_free(x->headers, x->nheaders);
        x->headers = NULL;
        x->nheaders = x->capheaders = 0;
        return len;
    }
    if (l == 0)
        return len;
    if ((p[0] == ' ' || p[0] == '\t') && x->nheaders > 0) {
        /* obsolete line folding: continue the previous value */
        struct http_header *h = &x->headers[x->nheaders - 1];
        char *more = http_trim_dup(p, l);
        char *v = mem_xasprintf("%s %s", h->value, more);
        mem_free_secret(more);
        mem_free_secret(h->value);
        h->value = v;
        return len;
    }
    const char *colon = memchr(p, ':', l);
    if (!colon || x->nheaders >= HTTP_MAX_HEADERS)
        return len; /* not a header line, or too many: ignore it */
    x->headers = mem_xgrow(x->headers, &x->capheaders, x->nheaders + 1, sizeof(*x->headers));
    struct http_header *h = &x->headers[x->nheaders++];
    h->name = http_trim_dup(p, (size_t)(colon - p));
    h->value = http_trim_dup(colon + 1, l - (size_t)(colon - p) - 1);
    return len;
}

/* Verbose: curl's own informational lines only (connects, TLS, reuse);
 * never header or body data, which may hold tokens or secrets. */
static int http_on_debug(CURL *e, curl_infotype type, char *data, size_t size, void *arg)
{
    (void)e;
    (void)arg;
    if (type == CURLINFO_TEXT) {
        while (size && (data[size - 1] == '\n' || data[size - 1] == '\r'))
            size--;
        fprintf(stderr, "http: * %.*s\n", (int)size, data);
    }
    return 0;
}

static void http_on_fd(int fd, int revents, void *arg);

static int http_on_socket(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
    (void)e;
    struct http_client *c = userp;
    struct http_sock *sk = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (sk) {
            reactor_unwatch(c->r, sk->watch);
            if (sk->prev)
                sk->prev->next = sk->next;
            else
                c->socks = sk->next;
            if (sk->next)
                sk->next->prev = sk->prev;
            free(sk);
            curl_multi_assign(c->multi, s, NULL);
        }
        return 0;
    }
    int ev =
        ((what & CURL_POLL_IN) ? REACTOR_READ : 0) | ((what & CURL_POLL_OUT) ? REACTOR_WRITE : 0);
    if (!sk) {
        if (c->closing)
            return 0;
        sk = mem_xcalloc(1, sizeof(*sk));
        sk->fd = s;
        sk->c = c;
        sk->watch = reactor_watch(c->r, s, ev, http_on_fd, sk);
        if (!sk->watch) {
            free(sk);
            return -1;
        }
        sk->next = c->socks;
        if (c->socks)
            c->socks->prev = sk;
        c->socks = sk;
        curl_multi_assign(c->multi, s, sk);
    } else {
        reactor_rewatch(c->r, sk->watch, ev);
    }
    return 0;
}

static void http_on_timeout(void *arg);

static int http_on_timer(CURLM *m, long timeout_ms, void *userp)
{
    (void)m;
    struct http_client *c = userp;
    if (c->timer) {
        reactor_untimer(c->r, c->timer);
        c->timer = NULL;
    }
    if (timeout_ms >= 0 && !c->closing) {
        c->timer = reactor_timer(c->r, (uint64_t)timeout_ms, http_on_timeout, c);
        if (!c->timer)
            return -1;
    }
    return 0;
}

/* ---- dispatch ---- */

static void http_destroy(struct http_client *c);

static void http_log_done(const struct http_xfer *x, const struct http_response *r)
{
    if (r->curl_code == CURLE_OK)
        fprintf(stderr, "http: %s %s -> %ld%s (%llu ms)\n", x->log_method, x->log_url, r->status,
                r->body_truncated ? ", body truncated" : "", (unsigned long long)r->elapsed_ms);
    else
        fprintf(stderr, "http: %s %s -> %s: %s (%llu ms)\n", x->log_method, x->log_url,
                http_curl_code_name(r->curl_code), r->curl_error,
                (unsigned long long)r->elapsed_ms);
}

static void http_deliver(struct http_xfer *x)
{
    struct http_response r;
    memset(&r, 0, sizeof(r));
    long status = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    r.status = status;
    curl_off_t total = 0, conn = 0;
    curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME_T, &total);
    curl_easy_getinfo(x->easy, CURLINFO_CONNECT_TIME_T, &conn);
    r.elapsed_ms = (uint64_t)(total / 1000);
    r.connect_ms = (uint64_t)(conn / 1000);
    CURLcode code = x->result;
    if (code == CURLE_WRITE_ERROR && x->truncated && !x->header_overflow && !x->streaming)
        code = CURLE_OK; /* we stopped it at the cap; the exchange is what we wanted */
    r.curl_code = (int)code;
    r.body_truncated = x->truncated && !x->streaming;
    if (x->header_overflow)
        snprintf(r.curl_error, sizeof(r.curl_error), "response headers exceed %zu bytes",
                 HTTP_MAX_HEADER_BYTES);
    else if (x->streaming && x->truncated)
        snprintf(r.curl_error, sizeof(r.curl_error),
                 "more than %zu bytes of the stream waited to be read", x->max_body);
    else if (code != CURLE_OK)
        snprintf(r.curl_error, sizeof(r.curl_error), "%s",
                 x->errbuf[0] ? x->errbuf : curl_easy_strerror(code));
    r.body_len = x->rbody.len;
    r.body = buf_steal(&x->rbody);
    r.headers = x->headers;
    r.nheaders = x->nheaders;
    if (x->c->verbose)
        http_log_done(x, &r);

    size_t blen = r.body_len;
    x->state = HTTP_IN_CB;
    x->cb(&r, x->arg);
    if (r.body) {
        /* bodies may carry secrets (GetSecretValue): wipe */
        mem_wipe(r.body, blen);
        free(r.body);
    }
}

static void http_collect(struct http_client *c)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        CURL *e = m->easy_handle;
        CURLcode res = m->data.result;
        struct http_xfer *x = NULL;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
        curl_multi_remove_handle(c->multi, e);
        if (!x)
            continue;
        x->result = res;
        http_list_unlink(&c->active, x);
        http_ready_unlink(c, x);
        x->state = HTTP_DONE;
        http_list_push(&c->done, x);
    }
}

/* Hand streamed bytes to their owners (before any done callback, so a
 * stream's last piece comes before its end). */
static void http_flush(struct http_client *c)
{
    struct http_xfer *x;
    while (!c->dying && (x = c->ready_head) != NULL) {
        c->ready_head = x->ready_next;
        if (!c->ready_head)
            c->ready_tail = NULL;
        x->ready_next = NULL;
        x->in_ready = false;
        if (x->pending.len == 0)
            continue;
        struct buf piece = x->pending; /* on_data cannot add to it: curl is not running */
        buf_init(&x->pending, x->max_body);
        struct http_response head;
        memset(&head, 0, sizeof(head));
        long status = 0;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
        head.status = status;
        head.headers = x->headers;
        head.nheaders = x->nheaders;
        x->in_data = true;
        x->on_data(&head, piece.data, piece.len, x->arg);
        x->in_data = false;
        buf_free(&piece);
        if (x->cancelled)
            http_xfer_free(x); /* cancelled from inside its own on_data */
    }
}

static void http_process(struct http_client *c)
{
    http_flush(c);
    http_collect(c);
    struct http_xfer *x;
    while ((x = c->done.head) != NULL) {
        http_list_unlink(&c->done, x);
        if (!x->cancelled && !c->dying)
            http_deliver(x);
        http_xfer_free(x);
    }
}

static void http_enter(struct http_client *c)
{
    c->depth++;
}

/* Last thing a dispatcher does: the client may be gone afterwards. */
static void http_leave(struct http_client *c)
{
    if (--c->depth == 0 && c->dying)
        http_destroy(c);
}

static void http_on_fd(int fd, int revents, void *arg)
{
    struct http_sock *sk = arg;
    struct http_client *c = sk->c; /* sk may be freed by socket_action */
    int flags = ((revents & REACTOR_READ) ? CURL_CSELECT_IN : 0) |
                ((revents & REACTOR_WRITE) ? CURL_CSELECT_OUT : 0);
    int running = 0;
    http_enter(c);
    curl_multi_socket_action(c->multi, fd, flags, &running);
    http_process(c);
    http_leave(c);
}

static void http_on_timeout(void *arg)
{
    struct http_client *c = arg;
    c->timer = NULL; /* the reactor dropped it */
    int running = 0;
    http_enter(c);
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    http_process(c);
    http_leave(c);
}

/* ---- client ---- */

int http_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void http_global_cleanup(void)
{
    curl_global_cleanup();
}

struct http_client *http_client_new(const struct reactor *r, const struct http_options *opt)
{
    if (!r)
        return NULL;
    struct http_client *c = mem_xcalloc(1, sizeof(*c));
    c->r = r;
    c->multi = curl_multi_init();
    if (!c->multi) {
        free(c);
        return NULL;
    }
    c->connect_timeout_ms = HTTP_DEFAULT_CONNECT_MS;
    c->timeout_ms = HTTP_DEFAULT_TIMEOUT_MS;
    c->max_body = HTTP_DEFAULT_MAX_BODY;
    if (opt) {
        if (opt->ca_bundle && *opt->ca_bundle)
            c->ca_bundle = mem_xstrdup(opt->ca_bundle);
        if (opt->connect_timeout_ms > 0)
            c->connect_timeout_ms = opt->connect_timeout_ms;
        if (opt->timeout_ms > 0)
            c->timeout_ms = opt->timeout_ms;
        if (opt->max_body > 0)
            c->max_body = opt->max_body;
        c->verbose = opt->verbose;
    }
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, http_on_socket);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, http_on_timer);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    /* Keep idle connections for reuse across calls. */
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, 32L);
    return c;
}

/* Stop an active transfer; it is freed now, or by the dispatcher when its
 * own on_data is running. */
static void http_drop_active(struct http_client *c, struct http_xfer *x)
{
    http_list_unlink(&c->active, x);
    http_ready_unlink(c, x);
    curl_multi_remove_handle(c->multi, x->easy);
    if (x->in_data) {
        x->cancelled = true;
        return;
    }
    http_xfer_free(x);
}

static void http_destroy(struct http_client *c)
{
    c->closing = true;
    struct http_xfer *x;
    while ((x = c->active.head) != NULL)
        http_drop_active(c, x);
    while ((x = c->done.head) != NULL) {
        http_list_unlink(&c->done, x);
        http_xfer_free(x);
    }
    curl_multi_cleanup(c->multi);
    while (c->socks) {
        struct http_sock *sk = c->socks;
        c->socks = sk->next;
        reactor_unwatch(c->r, sk->watch);
        free(sk);
    }
    if (c->timer)
        reactor_untimer(c->r, c->timer);
    free(c->ca_bundle);
    free(c);
}

void http_client_free(struct http_client *c)
{
    if (!c)
        return;
    if (c->depth > 0) {
        /* Inside one of our callbacks: stop everything now (no callback
         * runs again), release the memory when the dispatch unwinds. */
        struct http_xfer *x;
        while ((x = c->active.head) != NULL)
            http_drop_active(c, x);
        for (x = c->done.head; x; x = x->next)
            x->cancelled = true;
        c->dying = true;
        return;
    }
    http_destroy(c);
}

static bool http_has_header(const char *const *h, const char *name)
{
    size_t n = strlen(name);
    for (; h && *h; h++)
        if (strncasecmp(*h, name, n) == 0 && (*h)[n] == ':')
            return true;
    return false;
}

/* Returns the URL without query/fragment for logs, or NULL when the URL is
 * unusable (not http/https, unparsable). */
static char *http_check_url(const char *url)
{
    CURLU *u = curl_url();
    if (!u)
        return NULL;
    char *out = NULL;
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0)) {
        curl_url_get(u, CURLUPART_PORT, &port, 0);
        curl_url_get(u, CURLUPART_PATH, &path, 0);
        out = mem_xasprintf("%s://%s%s%s%s", scheme, host, port ? ":" : "", port ? port : "",
                            path ? path : "/");
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(u);
    return out;
}

/* The transfer's options: URL, timeouts (a stream's idle limit instead of
 * a total one), TLS trust, proxy, callbacks, debug output. */
static void http_setopts(struct http_client *c, struct http_xfer *x, const struct http_request *req)
{
    CURL *e = x->easy;
    curl_easy_setopt(e, CURLOPT_URL, req->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)x);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "elcui/" ELCUI_VERSION);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     req->connect_timeout_ms > 0 ? req->connect_timeout_ms : c->connect_timeout_ms);
    if (req->on_data) {
        /* a stream lasts as long as it lasts; it must not go quiet */
        long idle = req->idle_timeout_ms > 0 ? req->idle_timeout_ms : HTTP_DEFAULT_IDLE_MS;
        x->on_data = req->on_data;
        buf_init(&x->pending, c->max_body);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 0L);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (idle + 999) / 1000);
    } else {
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                         req->timeout_ms > 0 ? req->timeout_ms : c->timeout_ms);
    }
    if (c->ca_bundle)
        curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_bundle);
    if (req->no_proxy)
        curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    if (c->verbose) {
        curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, http_on_debug);
        curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
    }
}

/* The method and its body (copied): true when a body is sent. */
static bool http_set_method(struct http_xfer *x, const struct http_request *req, const char *method)
{
    CURL *e = x->easy;
    bool sends_body = false;
    if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 || req->body_len > 0) {
        x->body_len = req->body ? req->body_len : 0;
        x->body = mem_xmalloc(x->body_len + 1);
        if (x->body_len)
            memcpy(x->body, req->body, x->body_len);
        x->body[x->body_len] = '\0';
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
        sends_body = true;
    } else {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    }
    return sends_body;
}

/* The request's headers, with libcurl's own defaults turned off. 0, or
 * -1 when out of memory. */
static int http_set_headers(struct http_xfer *x, const struct http_request *req, bool sends_body)
{
    for (const char *const *h = req->headers; h && *h; h++) {
        struct curl_slist *n = curl_slist_append(x->hdrs, *h);
        if (!n)
            return -1;
        x->hdrs = n;
    }
    /* Never a libcurl default Content-Type (it would lack the charset we
     * signed), never "Expect: 100-continue". */
    if (sends_body && !http_has_header(req->headers, "Content-Type"))
        x->hdrs = curl_slist_append(x->hdrs, "Content-Type:");
    x->hdrs = curl_slist_append(x->hdrs, "Expect:");
    if (!x->hdrs)
        return -1;
    curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdrs);
    return 0;
}

struct http_xfer *http_send(struct http_client *c, const struct http_request *req, http_done_cb cb,
                            void *arg)
{
    if (!c || c->dying || c->closing || !req || !req->url || !cb)
        return NULL;
    char *log_url = http_check_url(req->url);
    if (!log_url)
        return NULL;
    CURL *e = curl_easy_init();
    if (!e) {
        free(log_url);
        return NULL;
    }
    struct http_xfer *x = mem_xcalloc(1, sizeof(*x));
    x->c = c;
    x->easy = e;
    x->cb = cb;
    x->arg = arg;
    x->max_body = c->max_body;
    x->log_url = log_url;
    buf_init(&x->rbody, c->max_body);
    x->rbody.secret = true;
    const char *method = req->method && *req->method ? req->method : "GET";
    x->log_method = mem_xstrdup(method);

    http_setopts(c, x, req);
    bool sends_body = http_set_method(x, req, method);
    if (http_set_headers(x, req, sends_body) != 0) {
        http_xfer_free(x);
        return NULL;
    }

    x->state = HTTP_ACTIVE;
    http_list_push(&c->active, x);
    if (curl_multi_add_handle(c->multi, e) != CURLM_OK) {
        http_list_unlink(&c->active, x);
        http_xfer_free(x);
        return NULL;
    }
    return x;
}

void http_cancel(struct http_xfer *x)
{
    if (!x)
        return;
    switch (x->state) {
    case HTTP_ACTIVE:
        if (x->cancelled)
            break; /* already stopped from inside its own on_data */
        http_drop_active(x->c, x);
        break;
    case HTTP_DONE:
        x->cancelled = true; /* the dispatcher drops it */
        break;
    case HTTP_IN_CB:
        break; /* its callback is running; freed when it returns */
    }
}

const char *http_response_header(const struct http_response *resp, const char *name)
{
    if (!resp || !name)
        return NULL;
    for (size_t i = 0; i < resp->nheaders; i++)
        if (strcasecmp(resp->headers[i].name, name) == 0)
            return resp->headers[i].value;
    return NULL;
}

const char *http_curl_code_name(int code)
{
    switch ((CURLcode)code) {
    case CURLE_OK:
        return "OK";
    case CURLE_UNSUPPORTED_PROTOCOL:
        return "UnsupportedProtocol";
    case CURLE_URL_MALFORMAT:
        return "MalformedURL";
    case CURLE_COULDNT_RESOLVE_PROXY:
        return "CouldNotResolveProxy";
    case CURLE_COULDNT_RESOLVE_HOST:
        return "CouldNotResolveHost";
    case CURLE_COULDNT_CONNECT:
        return "CouldNotConnect";
    case CURLE_WEIRD_SERVER_REPLY:
        return "BadServerReply";
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return "HTTP2Error";
    case CURLE_PARTIAL_FILE:
        return "PartialResponse";
    case CURLE_WRITE_ERROR:
        return "WriteAborted";
    case CURLE_OUT_OF_MEMORY:
        return "OutOfMemory";
    case CURLE_OPERATION_TIMEDOUT:
        return "OperationTimedOut";
    case CURLE_SSL_CONNECT_ERROR:
        return "TLSConnectError";
    case CURLE_PEER_FAILED_VERIFICATION:
        return "TLSVerifyFailed";
    case CURLE_GOT_NOTHING:
        return "EmptyReply";
    case CURLE_SEND_ERROR:
        return "SendError";
    case CURLE_RECV_ERROR:
        return "RecvError";
    case CURLE_SSL_CERTPROBLEM:
        return "TLSClientCertProblem";
    case CURLE_SSL_CIPHER:
        return "TLSCipherError";
    case CURLE_SSL_CACERT_BADFILE:
        return "CABundleUnreadable";
    case CURLE_ABORTED_BY_CALLBACK:
        return "Aborted";
    case CURLE_TOO_MANY_REDIRECTS:
        return "TooManyRedirects";
    default:
        return "CurlError";
    }
}

bool http_curl_code_transient(int code)
{
    switch ((CURLcode)code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
        return true;
    default:
        return false;
    }
}

bool http_curl_code_timeout(int code)
{
    return code == CURLE_OPERATION_TIMEDOUT;
}
