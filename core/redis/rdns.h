/* rdns.h - asynchronous host name resolution for the event loop.
 *
 * getaddrinfo() blocks, so it never runs on the loop thread: a small pool of
 * detached worker threads (at most RDNS_MAX_THREADS at a time) resolves
 * queued names and wakes the loop through a per-request pipe. Numeric
 * addresses are converted on the spot and delivered from a 0 ms timer, so
 * the callback is never called from inside rdns_resolve().
 *
 * A request can be cancelled at any time (its callback then never runs); a
 * worker still inside getaddrinfo() finishes on its own and frees what it
 * holds. There is no timeout here: callers put their own deadline around a
 * lookup (rconn uses the connect timeout) and cancel.
 */
#ifndef ELCUI_CORE_RDNS_H
#define ELCUI_CORE_RDNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/loop.h"

#define RDNS_MAX_THREADS 4
#define RDNS_MAX_ADDRS 8

struct rdns_addr {
    struct sockaddr_storage sa;
    socklen_t len;
    int family;
    char text[64]; /* "1.2.3.4" or "::1" (no port) */
};

struct rdns_result {
    int gai_error;     /* 0, or the EAI_* code */
    const char *error; /* gai_strerror() text when gai_error != 0 */
    const struct rdns_addr *addrs;
    size_t naddrs;
    uint64_t elapsed_ms;
};

typedef void (*rdns_cb)(const struct rdns_result *res, void *arg);

struct rdns_req;

/* Resolve host for a TCP connection to port (both IPv4 and IPv6 answers,
 * in getaddrinfo order, at most RDNS_MAX_ADDRS). NULL only when host or
 * port is unusable (empty, too long); cb is then never called. */
struct rdns_req *rdns_resolve(struct loop *l, const char *host, int port, rdns_cb cb, void *arg);

/* Cancel a request whose callback has not run yet. */
void rdns_cancel(struct rdns_req *r);

/* Number of worker threads alive right now (tests). */
int rdns_workers(void);

#endif
