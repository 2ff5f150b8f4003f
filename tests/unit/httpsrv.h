/* httpsrv.h - a scripted HTTP/1.1 server on core/loop for the transport
 * tests (test_http.c, test_aws_client.c). Header-only (each test binary is
 * built from one .c): include it once.
 *
 * It listens on 127.0.0.1 (ephemeral port), runs on the same loop as the
 * client under test, records every request (method, target, headers,
 * body, connection number) and asks a handler what to do with each one:
 * answer (optionally after a delay), answer and close, reset the
 * connection (RST), hang, or send a truncated body and close. It counts
 * accepted connections so tests can check connection reuse. Requests in
 * absolute form ("POST http://host:port/ HTTP/1.1", as sent to a proxy)
 * are accepted too. An answer can also be a stream (SRV_STREAM): chunked,
 * its body the first chunk, more pieces written by the test whenever it
 * likes (srv_stream_write) and an end that is clean or a cut
 * (srv_stream_end), as event-stream services answer.
 */
#ifndef ELCUI_TESTS_HTTPSRV_H
#define ELCUI_TESTS_HTTPSRV_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/loop.h"

#define SRV_MAX_HEADERS 64
#define SRV_MAX_REQUESTS 4096

enum srv_action {
    SRV_RESPOND, /* status + headers + body */
    SRV_RESET,   /* close with SO_LINGER 0: the client sees a reset */
    SRV_HANG,    /* never answer (client times out or cancels) */
    SRV_PARTIAL, /* headers announcing body_len, then partial_len bytes, then close */
    SRV_CLOSE,   /* close without answering */
    SRV_STREAM,  /* status + headers, chunked; body is the first chunk; see srv_stream_* */
};

struct srv_req {
    char *method;
    char *target; /* as received (may be absolute-form) */
    char *path;   /* path + query */
    char *names[SRV_MAX_HEADERS];
    char *values[SRV_MAX_HEADERS];
    size_t nhdr;
    char *body;
    size_t body_len;
    int conn;  /* connection number, from 1 */
    int index; /* request number since start, from 0 */
};

struct srv_resp {
    enum srv_action action;
    int status;
    const char *reason;
    const char *headers; /* extra "Name: value\r\n" lines, may be NULL */
    const char *body;
    size_t body_len; /* 0 with body set: strlen(body) */
    size_t partial_len;
    bool close; /* "Connection: close" and close after sending */
    uint64_t delay_ms;
};

struct srv;
typedef void (*srv_handler)(struct srv *s, const struct srv_req *req, struct srv_resp *resp,
                            void *arg);

struct srv_conn {
    struct srv *s;
    int fd;
    int id;
    struct loop_watch *w;
    struct buf in, out;
    bool close_after;
    bool waiting;   /* a delayed answer is pending */
    bool streaming; /* a chunked answer is open (SRV_STREAM) */
    struct loop_timer *delay;
    struct srv_pending *pending;
    struct srv_conn *next;
};

struct srv_pending {
    struct srv_conn *conn;
    struct srv_resp resp;
    char *headers;
    char *body;
};

struct srv {
    struct loop *l;
    int lfd;
    int port;
    struct loop_watch *lw;
    srv_handler handler;
    void *arg;
    int connections;
    int total; /* requests seen */
    struct srv_req *reqs[SRV_MAX_REQUESTS];
    size_t nreqs;
    struct srv_conn *conns;
};

static inline const char *srv_hdr(const struct srv_req *r, const char *name)
{
    for (size_t i = 0; i < r->nhdr; i++)
        if (strcasecmp(r->names[i], name) == 0)
            return r->values[i];
    return NULL;
}

static inline size_t srv_hdr_count(const struct srv_req *r, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nhdr; i++)
        if (strcasecmp(r->names[i], name) == 0)
            n++;
    return n;
}

static inline void srv_req_free(struct srv_req *r)
{
    free(r->method);
    free(r->target);
    free(r->path);
    for (size_t i = 0; i < r->nhdr; i++) {
        free(r->names[i]);
        free(r->values[i]);
    }
    free(r->body);
    free(r);
}

static inline void srv_conn_close(struct srv_conn *c, bool reset)
{
    struct srv *s = c->s;
    for (struct srv_conn **p = &s->conns; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            break;
        }
    if (reset) {
        struct linger lg = {1, 0};
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    }
    loop_unwatch(s->l, c->w);
    if (c->delay)
        loop_untimer(s->l, c->delay);
    if (c->pending) {
        free(c->pending->headers);
        free(c->pending->body);
        free(c->pending);
    }
    close(c->fd);
    buf_free(&c->in);
    buf_free(&c->out);
    free(c);
}

static inline void srv_conn_io(int fd, int revents, void *arg);

/* Write what we can; returns false when the connection was closed. */
static inline bool srv_flush(struct srv_conn *c)
{
    while (c->out.len > 0) {
        ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            srv_conn_close(c, false);
            return false;
        }
        buf_consume(&c->out, (size_t)n);
    }
    if (c->out.len == 0 && c->close_after) {
        srv_conn_close(c, false);
        return false;
    }
    loop_rewatch(c->s->l, c->w, REACTOR_READ | (c->out.len ? REACTOR_WRITE : 0));
    return true;
}

static inline const char *srv_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Status";
    }
}

/* Queue the answer; returns false when the connection is gone. */
static inline bool srv_send(struct srv_conn *c, const struct srv_resp *r, const char *headers,
                            const char *body)
{
    switch (r->action) {
    case SRV_RESET:
        srv_conn_close(c, true);
        return false;
    case SRV_CLOSE:
        srv_conn_close(c, false);
        return false;
    case SRV_HANG:
        c->waiting = true; /* never answered; reads are still drained */
        return true;
    case SRV_STREAM: {
        buf_printf(&c->out, "HTTP/1.1 %d %s\r\nTransfer-Encoding: chunked\r\n", r->status,
                   r->reason ? r->reason : srv_reason(r->status));
        if (headers)
            buf_appends(&c->out, headers);
        buf_appends(&c->out, "\r\n");
        size_t first = r->body_len ? r->body_len : (body ? strlen(body) : 0);
        if (first) {
            buf_printf(&c->out, "%zx\r\n", first);
            buf_append(&c->out, body, first);
            buf_appends(&c->out, "\r\n");
        }
        c->streaming = true;
        c->waiting = true; /* nothing else is answered on this connection */
        return srv_flush(c);
    }
    case SRV_RESPOND:
    case SRV_PARTIAL:
        break;
    }
    size_t blen = r->body_len ? r->body_len : (body ? strlen(body) : 0);
    buf_printf(&c->out, "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n", r->status,
               r->reason ? r->reason : srv_reason(r->status), blen);
    if (headers)
        buf_appends(&c->out, headers);
    bool close_it = r->close || r->action == SRV_PARTIAL;
    if (close_it)
        buf_appends(&c->out, "Connection: close\r\n");
    buf_appends(&c->out, "\r\n");
    size_t send_len = r->action == SRV_PARTIAL ? r->partial_len : blen;
    if (body && send_len)
        buf_append(&c->out, body, send_len);
    c->close_after = close_it;
    return srv_flush(c);
}

static inline void srv_delayed(void *arg)
{
    struct srv_pending *p = arg;
    struct srv_conn *c = p->conn;
    c->delay = NULL;
    c->pending = NULL;
    c->waiting = false;
    bool alive = srv_send(c, &p->resp, p->headers, p->body);
    free(p->headers);
    free(p->body);
    free(p);
    if (alive && c->in.len)
        srv_conn_io(c->fd, 0, c); /* a pipelined request waits */
}

/* Parse one complete request from c->in; returns it, or NULL when more
 * bytes are needed. *bad is set on a malformed request. */
static inline struct srv_req *srv_parse(struct srv_conn *c, bool *bad)
{
    *bad = false;
    if (c->in.len > 0 && !(c->in.data[0] >= 'A' && c->in.data[0] <= 'Z')) {
        *bad = true; /* not HTTP (a TLS ClientHello, say): hang up */
        return NULL;
    }
    char *end = strstr(buf_str(&c->in), "\r\n\r\n");
    if (!end)
        return NULL;
    size_t head_len = (size_t)(end - c->in.data) + 4;
    char *head = mem_xstrndup(c->in.data, head_len - 4);
    struct srv_req *r = mem_xcalloc(1, sizeof(*r));
    char *save = NULL;
    char *line = strtok_r(head, "\r\n", &save);
    char *sp1 = line ? strchr(line, ' ') : NULL;
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2) {
        free(head);
        srv_req_free(r);
        *bad = true;
        return NULL;
    }
    r->method = mem_xstrndup(line, (size_t)(sp1 - line));
    r->target = mem_xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
    const char *path = r->target;
    if (strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0) {
        const char *slash = strchr(strstr(path, "//") + 2, '/');
        path = slash ? slash : "/";
    }
    r->path = mem_xstrdup(path);
    size_t clen = 0;
    while ((line = strtok_r(NULL, "\r\n", &save)) != NULL) {
        char *colon = strchr(line, ':');
        if (!colon || r->nhdr >= SRV_MAX_HEADERS)
            continue;
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        r->names[r->nhdr] = mem_xstrndup(line, (size_t)(colon - line));
        r->values[r->nhdr] = mem_xstrdup(v);
        if (strcasecmp(r->names[r->nhdr], "Content-Length") == 0)
            clen = (size_t)strtoul(v, NULL, 10);
        r->nhdr++;
    }
    free(head);
    if (c->in.len < head_len + clen) {
        srv_req_free(r);
        return NULL;
    }
    r->body = mem_xmalloc(clen + 1);
    memcpy(r->body, c->in.data + head_len, clen);
    r->body[clen] = '\0';
    r->body_len = clen;
    buf_consume(&c->in, head_len + clen);
    return r;
}

static inline void srv_conn_io(int fd, int revents, void *arg)
{
    struct srv_conn *c = arg;
    (void)fd;
    if (revents & REACTOR_WRITE) {
        if (!srv_flush(c))
            return;
    }
    if (revents & REACTOR_READ) {
        char tmp[65536];
        for (;;) {
            ssize_t n = recv(c->fd, tmp, sizeof(tmp), 0);
            if (n > 0) {
                if (buf_append(&c->in, tmp, (size_t)n) != 0) {
                    srv_conn_close(c, true);
                    return;
                }
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            srv_conn_close(c, false); /* EOF or error */
            return;
        }
    }
    while (!c->waiting) {
        bool bad;
        struct srv_req *r = srv_parse(c, &bad);
        if (bad) {
            srv_conn_close(c, false);
            return;
        }
        if (!r)
            return;
        struct srv *s = c->s;
        r->conn = c->id;
        r->index = s->total++;
        bool logged = s->nreqs < SRV_MAX_REQUESTS;
        if (logged)
            s->reqs[s->nreqs++] = r;
        struct srv_resp resp = {.action = SRV_RESPOND, .status = 200};
        s->handler(s, r, &resp, s->arg);
        if (!logged)
            srv_req_free(r); /* the log is full: the handler saw it, nobody else will */
        if (resp.delay_ms > 0 && (resp.action == SRV_RESPOND || resp.action == SRV_PARTIAL)) {
            struct srv_pending *p = mem_xcalloc(1, sizeof(*p));
            p->conn = c;
            p->resp = resp;
            p->headers = mem_xstrdup(resp.headers);
            size_t bl = resp.body_len ? resp.body_len : (resp.body ? strlen(resp.body) : 0);
            if (resp.body) {
                p->body = mem_xmalloc(bl + 1);
                memcpy(p->body, resp.body, bl);
                p->body[bl] = '\0';
                p->resp.body_len = bl;
            }
            c->waiting = true;
            c->pending = p;
            c->delay = loop_timer(s->l, resp.delay_ms, srv_delayed, p);
            return;
        }
        if (!srv_send(c, &resp, resp.headers, resp.body))
            return;
    }
}

static inline void srv_accept(int fd, int revents, void *arg)
{
    struct srv *s = arg;
    (void)revents;
    for (;;) {
        int cfd = accept(fd, NULL, NULL);
        if (cfd < 0)
            return;
        fcntl(cfd, F_SETFL, fcntl(cfd, F_GETFL) | O_NONBLOCK);
        struct srv_conn *c = mem_xcalloc(1, sizeof(*c));
        c->s = s;
        c->fd = cfd;
        c->id = ++s->connections;
        buf_init(&c->in, 64 * 1024 * 1024);
        buf_init(&c->out, 0);
        c->w = loop_watch(s->l, cfd, REACTOR_READ, srv_conn_io, c);
        c->next = s->conns;
        s->conns = c;
    }
}

static inline struct srv *srv_start(struct loop *l, srv_handler h, void *arg)
{
    struct srv *s = mem_xcalloc(1, sizeof(*s));
    s->l = l;
    s->handler = h;
    s->arg = arg;
    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (s->lfd < 0) {
        free(s);
        return NULL;
    }
    int one = 1;
    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    if (bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s->lfd, 64) != 0 ||
        getsockname(s->lfd, (struct sockaddr *)&a, &al) != 0) {
        close(s->lfd);
        free(s);
        return NULL;
    }
    fcntl(s->lfd, F_SETFL, fcntl(s->lfd, F_GETFL) | O_NONBLOCK);
    s->port = ntohs(a.sin_port);
    s->lw = loop_watch(l, s->lfd, REACTOR_READ, srv_accept, s);
    return s;
}

static inline void srv_reset_log(struct srv *s)
{
    for (size_t i = 0; i < s->nreqs; i++)
        srv_req_free(s->reqs[i]);
    s->nreqs = 0;
}

/* Close every client connection (the client's cached ones die). */
static inline void srv_drop_connections(struct srv *s)
{
    while (s->conns)
        srv_conn_close(s->conns, false);
}

static inline void srv_stop(struct srv *s)
{
    if (!s)
        return;
    srv_drop_connections(s);
    loop_unwatch(s->l, s->lw);
    close(s->lfd);
    srv_reset_log(s);
    free(s);
}

/* The open stream of connection conn (SRV_STREAM), or NULL. */
static inline struct srv_conn *srv_stream_conn(struct srv *s, int conn)
{
    for (struct srv_conn *c = s->conns; c; c = c->next)
        if (c->id == conn && c->streaming)
            return c;
    return NULL;
}

/* One more chunk on connection conn's stream; false when it is gone. */
static inline bool srv_stream_write(struct srv *s, int conn, const void *data, size_t len)
{
    struct srv_conn *c = srv_stream_conn(s, conn);
    if (!c)
        return false;
    if (len == 0)
        return true;
    buf_printf(&c->out, "%zx\r\n", len);
    buf_append(&c->out, data, len);
    buf_appends(&c->out, "\r\n");
    return srv_flush(c);
}

/* End connection conn's stream: the last chunk and a close (clean), or a
 * close in the middle of the body (a cut), or a reset. */
static inline void srv_stream_end(struct srv *s, int conn, bool clean, bool reset)
{
    struct srv_conn *c = srv_stream_conn(s, conn);
    if (!c)
        return;
    if (clean) {
        buf_appends(&c->out, "0\r\n\r\n");
        c->close_after = true;
        srv_flush(c);
        return;
    }
    srv_conn_close(c, reset);
}

/* A port on 127.0.0.1 where nothing listens (bound, then closed). */
static inline int srv_dead_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &al) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

#endif
