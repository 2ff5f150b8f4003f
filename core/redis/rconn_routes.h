/* rconn_routes.h - connection rules: --connect-to and --resolve (like
 * curl's).
 *
 *   HOST:PORT:ADDR:PORT        --connect-to: when HOST:PORT is meant, connect
 *                              to ADDR:PORT (an empty ADDR or PORT keeps the
 *                              original); ADDR may be a name (resolved in turn)
 *   HOST:PORT:ADDR[,ADDR...]   --resolve: HOST resolves to these numeric
 *                              addresses (IPv6 in brackets); the port stays
 *   HOST:PORT:@FILE            --resolve: HOST resolves to what the hosts file
 *                              FILE says ("ADDR NAME..." lines as /etc/hosts),
 *                              read again at every lookup
 *
 * HOST is a name, "*.DOMAIN" (any name under DOMAIN) or "*" / empty (any);
 * PORT a number or "*" / empty (any). IPv6 addresses go in brackets. The two
 * kinds are told apart by their shape: a right side starting with '@', or
 * without a ':' outside brackets, is a --resolve rule. Within each kind
 * the first matching rule wins; --connect-to applies first and --resolve
 * then to the name it connects to (as curl does). TLS always verifies the
 * endpoint's HOST, whatever the rules say. */

#ifndef ELCUI_CORE_RCONN_ROUTES_H
#define ELCUI_CORE_RCONN_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/loop.h"
#include "core/redis/rdns.h"

struct rconn_error;
struct rconn_routes;

enum rconn_rule_kind {
    RCONN_RULE_ANY,        /* by its shape */
    RCONN_RULE_CONNECT_TO, /* must be HOST:PORT:ADDR:PORT */
    RCONN_RULE_RESOLVE,    /* must be HOST:PORT:ADDR[,ADDR...] or HOST:PORT:@FILE */
};

struct rconn_routes *rconn_routes_new(void);
struct rconn_routes *rconn_routes_dup(const struct rconn_routes *r); /* NULL in, NULL out */
void rconn_routes_free(struct rconn_routes *r);
/* Add one rule of either kind. -1 with err (usage, naming the expected
 * shapes) when bad. */
int rconn_routes_add(struct rconn_routes *r, const char *spec, struct rconn_error *err);
/* The same, refusing the other kind (for --connect-to and --resolve). */
int rconn_routes_add_kind(struct rconn_routes *r, const char *spec, enum rconn_rule_kind kind,
                          struct rconn_error *err);
/* Rules of one kind (resolve: true for --resolve rules). */
size_t rconn_routes_count(const struct rconn_routes *r, bool resolve);
/* Where to connect for host:port (--connect-to rules). Returns true when a
 * rule matched; addr and out_port are set either way (to the original
 * when none matched). */
bool rconn_routes_lookup(const struct rconn_routes *r, const char *host, int port,
                         const char **addr, int *out_port);
/* The --resolve rule for host:port: what is its right side ("10.0.0.1" or
 * "@FILE"), rule the rule as written. False when none matches. */
bool rconn_routes_resolve_rule(const struct rconn_routes *r, const char *host, int port,
                               const char **what, const char **rule);
/* Resolve host (the name connected to, after --connect-to) as a
 * connection does: a --resolve rule's answer, else the system resolver
 * (rdns_resolve). IP addresses are never looked up in rules. */
struct rdns_req *rconn_routes_resolve(const struct rconn_routes *r, struct loop *l,
                                      const char *host, int port, rdns_cb cb, void *arg);

/* A numeric IPv4 or IPv6 address (never looked up in rules). */
bool rconn_routes_is_ip(const char *host);

#endif
