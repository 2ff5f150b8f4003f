/* fuzz_redis.h - a scripted Redis stand-in on the event loop, for the RESP
 * and cluster targets (header only).
 *
 * It listens on 127.0.0.1 (a free port), accepts any number of clients
 * (up to FZR_MAX_CLIENTS), decodes each request with hiredis's reader and
 * answers it with the next part of the script (the fuzz input split at
 * FUZZ_SEP), whatever the request was. After the last part it shuts its
 * side down, and an empty part (or a used-up script) closes the client,
 * so every exchange ends without waiting for the client's timeouts. Clients connect
 * through --connect-to style routes ("::127.0.0.1:PORT"), so whatever host
 * a reply names, nothing leaves the machine and no name is resolved.
 */
#ifndef ELCUI_TESTS_FUZZ_REDIS_H
#define ELCUI_TESTS_FUZZ_REDIS_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/loop.h"
#include "tests/fuzz/fuzz_util.h"

#define FZR_MAX_CLIENTS 16

struct fzr;

struct fzr_client {
    struct fzr *srv;
    int fd;
    struct loop_watch *w;
    redisReader *rd;
};

struct fzr {
    struct loop *l;
    int ls;
    int port;
    struct loop_watch *lw;
    struct fzr_client cl[FZR_MAX_CLIENTS];
    const uint8_t *data;
    size_t size, pos;
    size_t requests, accepted;
};

static inline void fzr_drop(struct fzr_client *c)
{
    if (c->fd < 0)
        return;
    loop_unwatch(c->srv->l, c->w);
    close(c->fd);
    c->fd = -1;
    c->w = NULL;
    redisReaderFree(c->rd);
    c->rd = NULL;
}

static inline void fzr_write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static inline void fzr_client_cb(int fd, int revents, void *arg)
{
    struct fzr_client *c = arg;
    (void)revents;
    char buf[8192];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
        fzr_drop(c);
        return;
    }
    if (redisReaderFeed(c->rd, buf, (size_t)n) != REDIS_OK) {
        fzr_drop(c);
        return;
    }
    for (;;) {
        void *req = NULL;
        if (redisReaderGetReply(c->rd, &req) != REDIS_OK) {
            fzr_drop(c);
            return;
        }
        if (!req)
            return;
        freeReplyObject(req);
        c->srv->requests++;
        const uint8_t *part;
        size_t len;
        if (!fuzz_next_part(c->srv->data, c->srv->size, &c->srv->pos, &part, &len) || len == 0) {
            fzr_drop(c);
            return;
        }
        fzr_write_all(fd, part, len);
        /* the last part: what follows is the end of the stream, so a
         * truncated reply ends now instead of at the client's timeout */
        if (c->srv->pos == SIZE_MAX)
            shutdown(fd, SHUT_WR);
    }
}

static inline void fzr_accept_cb(int fd, int revents, void *arg)
{
    struct fzr *s = arg;
    (void)revents;
    int c = accept(fd, NULL, NULL);
    if (c < 0)
        return;
    for (size_t i = 0; i < FZR_MAX_CLIENTS; i++) {
        if (s->cl[i].fd < 0) {
            s->accepted++;
            s->cl[i].srv = s;
            s->cl[i].fd = c;
            s->cl[i].rd = redisReaderCreate();
            s->cl[i].w = loop_watch(s->l, c, REACTOR_READ, fzr_client_cb, &s->cl[i]);
            return;
        }
    }
    close(c);
}

/* 0, or -1 when no socket could be had. */
static inline int fzr_start(struct fzr *s, struct loop *l, const uint8_t *data, size_t size)
{
    memset(s, 0, sizeof(*s));
    s->l = l;
    s->data = data;
    s->size = size;
    for (size_t i = 0; i < FZR_MAX_CLIENTS; i++)
        s->cl[i].fd = -1;
    s->ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->ls < 0)
        return -1;
    int one = 1;
    setsockopt(s->ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof(a);
    if (bind(s->ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s->ls, 16) != 0 ||
        getsockname(s->ls, (struct sockaddr *)&a, &sl) != 0) {
        close(s->ls);
        return -1;
    }
    s->port = ntohs(a.sin_port);
    s->lw = loop_watch(l, s->ls, REACTOR_READ, fzr_accept_cb, s);
    return 0;
}

static inline void fzr_stop(struct fzr *s)
{
    for (size_t i = 0; i < FZR_MAX_CLIENTS; i++)
        fzr_drop(&s->cl[i]);
    loop_unwatch(s->l, s->lw);
    close(s->ls);
}

#endif
