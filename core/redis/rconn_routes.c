/* rconn_routes.c - elcui's connection rules, --connect-to and --resolve
 * (as curl's): parsed, checked and matched here; rconn.c asks them where
 * to connect and how to resolve. */
#include "core/redis/rconn_routes.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "core/redis/rconn.h"

bool rconn_routes_is_ip(const char *host)
{
    unsigned char tmp[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1;
}

enum rconn_route_kind {
    RCONN_ROUTE_CONNECT_TO,
    RCONN_ROUTE_RESOLVE,
};

struct rconn_route {
    enum rconn_route_kind kind;
    char *host;    /* NULL: any; "*.DOMAIN": names under DOMAIN */
    int port;      /* 0: any */
    char *addr;    /* connect-to: NULL = same host; resolve: "A,B" or "@FILE" */
    int addr_port; /* connect-to: 0 = same port */
    char *text;    /* as written */
};

struct rconn_routes {
    struct rconn_route *v;
    size_t n, cap;
};

struct rconn_routes *rconn_routes_new(void)
{
    return mem_xcalloc(1, sizeof(struct rconn_routes));
}

struct rconn_routes *rconn_routes_dup(const struct rconn_routes *r)
{
    if (!r)
        return NULL;
    struct rconn_routes *d = rconn_routes_new();
    for (size_t i = 0; i < r->n; i++) {
        d->v = mem_xgrow(d->v, &d->cap, d->n + 1, sizeof(*d->v));
        struct rconn_route *to = &d->v[d->n++];
        *to = r->v[i];
        to->host = mem_xstrdup(r->v[i].host);
        to->addr = mem_xstrdup(r->v[i].addr);
        to->text = mem_xstrdup(r->v[i].text);
    }
    return d;
}

static void rconn_route_clear(struct rconn_route *rt)
{
    free(rt->host);
    free(rt->addr);
    free(rt->text);
}

void rconn_routes_free(struct rconn_routes *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        rconn_route_clear(&r->v[i]);
    free(r->v);
    free(r);
}

size_t rconn_routes_count(const struct rconn_routes *r, bool resolve)
{
    size_t n = 0;
    for (size_t i = 0; r && i < r->n; i++)
        if ((r->v[i].kind == RCONN_ROUTE_RESOLVE) == resolve)
            n++;
    return n;
}

/* Split off one host field (bracketed IPv6 allowed) up to the next ':'. */
static const char *rconn_route_host(const char *p, char **out, bool *ok)
{
    const char *end;
    *ok = true;
    if (*p == '[') {
        end = strchr(p, ']');
        if (!end || end[1] != ':') {
            *ok = false;
            return p;
        }
        *out = end - p - 1 > 0 ? mem_xstrndup(p + 1, (size_t)(end - p - 1)) : NULL;
        return end + 2;
    }
    end = strchr(p, ':');
    if (!end) {
        *ok = false;
        return p;
    }
    *out = end > p ? mem_xstrndup(p, (size_t)(end - p)) : NULL;
    return end + 1;
}

static bool rconn_parse_port(const char *s, size_t len, int *port)
{
    if (len == 0 || (len == 1 && s[0] == '*')) {
        *port = 0;
        return true;
    }
    if (len > 5)
        return false;
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v < 1 || v > 65535)
        return false;
    *port = (int)v;
    return true;
}

/* A rule's host: a name, "*" (any: stored as NULL) or "*.DOMAIN". */
static bool rconn_route_pattern(char **host)
{
    char *h = *host;
    if (!h)
        return true;
    if (strcmp(h, "*") == 0) {
        free(h);
        *host = NULL;
        return true;
    }
    const char *star = strchr(h, '*');
    if (!star)
        return true;
    /* "*.DOMAIN" only: one leading star, a dot, a domain without stars */
    return star == h && h[1] == '.' && h[2] && h[2] != '.' && !strchr(h + 1, '*');
}

static bool rconn_host_matches(const char *pattern, const char *host)
{
    if (!pattern)
        return true;
    if (pattern[0] == '*') {
        size_t pl = strlen(pattern + 1), hl = strlen(host);
        return hl > pl && strcasecmp(host + hl - pl, pattern + 1) == 0;
    }
    return strcasecmp(pattern, host) == 0;
}

/* A --resolve right side: "@FILE", or numeric addresses separated by
 * commas (IPv6 in brackets). */
static bool rconn_resolve_what_ok(const char *what)
{
    if (what[0] == '@')
        return what[1] != '\0';
    if (!*what)
        return false;
    for (const char *p = what; *p;) {
        size_t n = strcspn(p, ",");
        char item[INET6_ADDRSTRLEN + 2];
        unsigned char bin[sizeof(struct in6_addr)];
        if (n == 0 || n >= sizeof(item))
            return false;
        memcpy(item, p, n);
        item[n] = '\0';
        bool ok;
        if (item[0] == '[') {
            if (n < 3 || item[n - 1] != ']')
                return false;
            item[n - 1] = '\0';
            ok = inet_pton(AF_INET6, item + 1, bin) == 1;
        } else {
            ok = inet_pton(AF_INET, item, bin) == 1;
        }
        if (!ok)
            return false;
        p += n;
        if (*p == ',' && !*++p)
            return false;
    }
    return true;
}

/* Is there a ':' outside brackets in s (a connect-to "ADDR:PORT")? */
static bool rconn_has_port_part(const char *s)
{
    int depth = 0;
    for (; *s; s++) {
        if (*s == '[')
            depth++;
        else if (*s == ']' && depth > 0)
            depth--;
        else if (*s == ':' && depth == 0)
            return true;
    }
    return false;
}

static void rconn_rule_error(struct rconn_error *err, enum rconn_rule_kind kind, const char *spec)
{
    switch (kind) {
    case RCONN_RULE_CONNECT_TO:
        rconn_error_set(err, RCONN_ERR_USAGE,
                        "bad --connect-to '%s': expected HOST:PORT:ADDR:PORT (e.g. "
                        "node.example.com:6379:127.0.0.1:16379; HOST may be *.DOMAIN, PORT *)",
                        spec);
        break;
    case RCONN_RULE_RESOLVE:
        rconn_error_set(err, RCONN_ERR_USAGE,
                        "bad --resolve '%s': expected HOST:PORT:ADDR[,ADDR...] or "
                        "HOST:PORT:@HOSTS_FILE (e.g. *.use1.cache.amazonaws.com:*:@/etc/"
                        "elcui-hosts); addresses are numeric, IPv6 ones in brackets",
                        spec);
        break;
    case RCONN_RULE_ANY:
        rconn_error_set(err, RCONN_ERR_USAGE,
                        "bad connection rule '%s': expected HOST:PORT:ADDR:PORT (--connect-to) "
                        "or HOST:PORT:ADDR[,ADDR...] or HOST:PORT:@HOSTS_FILE (--resolve)",
                        spec);
        break;
    }
}

int rconn_routes_add_kind(struct rconn_routes *r, const char *spec, enum rconn_rule_kind kind,
                          struct rconn_error *err)
{
    struct rconn_route rt = {0};
    bool ok;
    const char *p = spec ? spec : "";
    p = rconn_route_host(p, &rt.host, &ok);
    if (!ok || !rconn_route_pattern(&rt.host))
        goto bad;
    const char *colon = strchr(p, ':');
    if (!colon || !rconn_parse_port(p, (size_t)(colon - p), &rt.port))
        goto bad;
    p = colon + 1;
    if (*p != '@' && rconn_has_port_part(p)) {
        rt.kind = RCONN_ROUTE_CONNECT_TO;
        if (kind == RCONN_RULE_RESOLVE)
            goto bad;
        p = rconn_route_host(p, &rt.addr, &ok);
        if (!ok || (rt.addr && (rt.addr[0] == '@' || strchr(rt.addr, '*'))))
            goto bad;
        if (!rconn_parse_port(p, strlen(p), &rt.addr_port) || (p[0] == '*' && p[1] == '\0'))
            goto bad;
    } else {
        rt.kind = RCONN_ROUTE_RESOLVE;
        if (kind == RCONN_RULE_CONNECT_TO || !rconn_resolve_what_ok(p))
            goto bad;
        rt.addr = mem_xstrdup(p);
    }
    rt.text = mem_xstrdup(spec);
    r->v = mem_xgrow(r->v, &r->cap, r->n + 1, sizeof(*r->v));
    r->v[r->n++] = rt;
    return 0;
bad:
    rconn_route_clear(&rt);
    rconn_rule_error(err, kind, spec ? spec : "");
    return -1;
}

int rconn_routes_add(struct rconn_routes *r, const char *spec, struct rconn_error *err)
{
    return rconn_routes_add_kind(r, spec, RCONN_RULE_ANY, err);
}

bool rconn_routes_lookup(const struct rconn_routes *r, const char *host, int port,
                         const char **addr, int *out_port)
{
    *addr = host;
    *out_port = port;
    for (size_t i = 0; r && i < r->n; i++) {
        const struct rconn_route *rt = &r->v[i];
        if (rt->kind != RCONN_ROUTE_CONNECT_TO || !rconn_host_matches(rt->host, host))
            continue;
        if (rt->port && rt->port != port)
            continue;
        if (rt->addr)
            *addr = rt->addr;
        if (rt->addr_port)
            *out_port = rt->addr_port;
        return true;
    }
    return false;
}

bool rconn_routes_resolve_rule(const struct rconn_routes *r, const char *host, int port,
                               const char **what, const char **rule)
{
    for (size_t i = 0; r && i < r->n; i++) {
        const struct rconn_route *rt = &r->v[i];
        if (rt->kind != RCONN_ROUTE_RESOLVE || !rconn_host_matches(rt->host, host))
            continue;
        if (rt->port && rt->port != port)
            continue;
        if (what)
            *what = rt->addr;
        if (rule)
            *rule = rt->text;
        return true;
    }
    return false;
}

struct rdns_req *rconn_routes_resolve(const struct rconn_routes *r, struct loop *l,
                                      const char *host, int port, rdns_cb cb, void *arg)
{
    const char *what, *rule;
    if (!rconn_routes_is_ip(host) && rconn_routes_resolve_rule(r, host, port, &what, &rule))
        return rdns_resolve_rule(l, what, rule, host, port, cb, arg);
    return rdns_resolve(l, host, port, cb, arg);
}
