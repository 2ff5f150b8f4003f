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
 *
 * Besides the system resolver, a name can be answered by a --resolve rule
 * (rconn_routes): a fixed list of addresses, or a hosts file ("ADDR NAME
 * [NAME...]" lines as /etc/hosts, '#' comments) read again on a worker at
 * every lookup, so names added while elcui runs are found. The result then
 * says where the answer came from (rdns_result.source).
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

/* Largest hosts file read (a bigger one is an error, not a slow read). */
#define RDNS_HOSTS_MAX_BYTES ((long)16 * 1024 * 1024)

struct rdns_result {
    int gai_error;     /* 0, or the EAI_* code */
    const char *error; /* why, when gai_error != 0 (gai_strerror() or the rule's words) */
    /* NULL: the system resolver answered; else the rule (and the file and
     * line) that did: "--resolve *.example.com:*:@/etc/elcui-hosts (line 3)" */
    const char *source;
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

/* Resolve host from a --resolve rule. what is the rule's right side: a
 * list of numeric addresses ("10.0.0.1,[fd00::1]") or "@FILE" (a hosts
 * file). rule is the rule as written (for the result's source). A name the
 * file does not list fails with EAI_NONAME and says so; a file that cannot
 * be read, is not a regular file or is larger than RDNS_HOSTS_MAX_BYTES
 * fails with EAI_SYSTEM and the reason. NULL as rdns_resolve. */
struct rdns_req *rdns_resolve_rule(struct loop *l, const char *what, const char *rule,
                                   const char *host, int port, rdns_cb cb, void *arg);

/* Cancel a request whose callback has not run yet. */
void rdns_cancel(struct rdns_req *r);

/* Number of worker threads alive right now (tests). */
int rdns_workers(void);

#endif
