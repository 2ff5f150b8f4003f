/* rsession_target.c - where a command of the session goes, as the person
 * types it ("shard 0002 primary", "az us-east-2a", a node id...) and as
 * prompts and pickers name it. */
#include "core/redis/rsession_target.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool rsession_word(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

int rsession_target_parse(const char *text, struct rsession_target *t, char *err, size_t errlen)
{
    struct rsession_target out;
    memset(&out, 0, sizeof(out));
    const char *w[4];
    size_t wl[4];
    size_t n = 0;
    const char *p = text ? text : "";
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != ' ' && *e != '\t')
            e++;
        if (n == 4) {
            snprintf(err, errlen, "too many words in the target '%s'", text);
            return -1;
        }
        w[n] = p;
        wl[n++] = (size_t)(e - p);
        p = e;
    }
    if (n == 0) {
        snprintf(err, errlen,
                 "no target given (slot, primaries, replicas, all, node ID, shard "
                 "ID [primary|replicas], az NAME)");
        return -1;
    }
    if (n == 1 && (rsession_word(w[0], wl[0], "slot") || rsession_word(w[0], wl[0], "slot-routed")))
        out.kind = RSESSION_T_SLOT;
    else if (n == 1 && rsession_word(w[0], wl[0], "primaries"))
        out.kind = RSESSION_T_PRIMARIES;
    else if (n == 1 && rsession_word(w[0], wl[0], "replicas"))
        out.kind = RSESSION_T_REPLICAS;
    else if (n == 1 && rsession_word(w[0], wl[0], "all"))
        out.kind = RSESSION_T_ALL;
    else if (rsession_word(w[0], wl[0], "node") && n == 2) {
        out.kind = RSESSION_T_NODE;
        snprintf(out.node, sizeof(out.node), "%.*s", (int)wl[1], w[1]);
    } else if (rsession_word(w[0], wl[0], "shard") && (n == 2 || n == 3)) {
        out.kind = RSESSION_T_SHARD;
        if (wl[1] >= sizeof(out.shard)) {
            snprintf(err, errlen, "no such shard '%.*s'", (int)(wl[1] > 40 ? 40 : wl[1]), w[1]);
            return -1;
        }
        snprintf(out.shard, sizeof(out.shard), "%.*s", (int)wl[1], w[1]);
        out.role = RCLUSTER_ROLE_UNKNOWN;
        if (n == 3) {
            if (rsession_word(w[2], wl[2], "primary"))
                out.role = RCLUSTER_ROLE_PRIMARY;
            else if (rsession_word(w[2], wl[2], "replicas") ||
                     rsession_word(w[2], wl[2], "replica"))
                out.role = RCLUSTER_ROLE_REPLICA;
            else if (!rsession_word(w[2], wl[2], "all")) {
                snprintf(err, errlen,
                         "a shard's nodes are 'primary', 'replicas' or 'all', not '%.*s'",
                         (int)(wl[2] > 40 ? 40 : wl[2]), w[2]);
                return -1;
            }
        }
    } else if (rsession_word(w[0], wl[0], "az") && n == 2) {
        out.kind = RSESSION_T_AZ;
        snprintf(out.az, sizeof(out.az), "%.*s", (int)wl[1], w[1]);
    } else if (n == 1) {
        out.kind = RSESSION_T_NODE; /* a bare node id */
        snprintf(out.node, sizeof(out.node), "%.*s", (int)wl[0], w[0]);
    } else {
        snprintf(err, errlen,
                 "unknown target '%.80s' (slot, primaries, replicas, all, node ID, shard ID "
                 "[primary|replicas], az NAME)",
                 text);
        return -1;
    }
    *t = out;
    return 0;
}

void rsession_target_name(const struct rsession_target *t, char *out, size_t n)
{
    switch (t->kind) {
    case RSESSION_T_SLOT:
        snprintf(out, n, "slot-routed");
        return;
    case RSESSION_T_NODE:
        snprintf(out, n, "node %s", t->node);
        return;
    case RSESSION_T_SHARD:
        snprintf(out, n, "shard %s%s", t->shard,
                 t->role == RCLUSTER_ROLE_PRIMARY   ? " primary"
                 : t->role == RCLUSTER_ROLE_REPLICA ? " replicas"
                                                    : "");
        return;
    case RSESSION_T_AZ:
        snprintf(out, n, "az %s", t->az);
        return;
    case RSESSION_T_PRIMARIES:
        snprintf(out, n, "primaries");
        return;
    case RSESSION_T_REPLICAS:
        snprintf(out, n, "replicas");
        return;
    case RSESSION_T_ALL:
        snprintf(out, n, "all");
        return;
    }
    snprintf(out, n, "?");
}

void rsession_target_spec(const struct rsession_target *t, char *out, size_t n)
{
    if (t->kind == RSESSION_T_SLOT)
        snprintf(out, n, "slot");
    else
        rsession_target_name(t, out, n);
}
