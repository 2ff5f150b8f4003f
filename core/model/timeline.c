/* timeline.c - events and observed role changes, shard by shard (see
 * timeline.h). */
#include "core/model/timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/awstime.h"
#include "aws/mem.h"

static bool timeline_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return n > 0;
}

bool timeline_shard_of(const char *rg_id, const struct model_group *g, const char *cluster_id,
                       char *out, size_t n)
{
    if (!cluster_id)
        return false;
    if (g) {
        const struct model_node *nd = model_node_find(g, cluster_id, NULL);
        if (nd && nd->shard < g->n_shards && g->shards[nd->shard].id &&
            strcmp(g->shards[nd->shard].id, "?") != 0) {
            snprintf(out, n, "%s", g->shards[nd->shard].id);
            return true;
        }
    }
    /* "<rg>-NNNN-NNN": cluster mode; "<rg>-NNN": the one shard 0001 */
    size_t rl = rg_id ? strlen(rg_id) : 0, il = strlen(cluster_id);
    if (!rl || il <= rl + 1 || strncasecmp(cluster_id, rg_id, rl) != 0 || cluster_id[rl] != '-')
        return false;
    const char *t = cluster_id + rl + 1;
    size_t tl = il - rl - 1;
    if (tl == 8 && t[4] == '-' && timeline_digits(t, 4) && timeline_digits(t + 5, 3)) {
        snprintf(out, n, "%.4s", t);
        return true;
    }
    if (tl == 3 && timeline_digits(t, 3)) {
        snprintf(out, n, "0001");
        return true;
    }
    return false;
}

/* "... node group 0002 ..." in a group-level message. */
static bool timeline_node_group(const char *msg, char *out, size_t n)
{
    const char *p = msg ? strstr(msg, "node group ") : NULL;
    if (!p)
        return false;
    p += 11;
    size_t l = 0;
    while (p[l] >= '0' && p[l] <= '9')
        l++;
    if (l == 0 || l > 4)
        return false;
    snprintf(out, n, "%04ld", strtol(p, NULL, 10));
    return true;
}

/* "Failover from primary node X to replica node Y completed": X. */
static bool timeline_old_primary(const char *msg, char *out, size_t n)
{
    static const char from[] = "Failover from primary node ";
    const char *p = msg ? strstr(msg, from) : NULL;
    if (!p)
        return false;
    p += sizeof(from) - 1;
    size_t l = strcspn(p, " ");
    if (!l)
        return false;
    snprintf(out, n, "%.*s", (int)l, p);
    return true;
}

static bool timeline_is_failover(const char *msg)
{
    return msg && (strstr(msg, "Failover") || strstr(msg, "failover"));
}

static struct timeline_row *timeline_add(struct timeline *t)
{
    t->rows = mem_xrealloc(t->rows, (t->n + 1) * sizeof(*t->rows));
    struct timeline_row *r = &t->rows[t->n++];
    memset(r, 0, sizeof(*r));
    return r;
}

static void timeline_events(struct timeline *t, const char *rg_id, const struct events_result *ev,
                            const struct model_group *g)
{
    for (size_t i = 0; ev && i < ev->n; i++) {
        const struct events_event *e = &ev->items[i];
        const char *msg = e->message ? e->message : "";
        struct timeline_row *r = timeline_add(t);
        r->when_ms = e->date_ms;
        bool cluster = e->source_type && strcmp(e->source_type, "cache-cluster") == 0;
        char node[128] = "";
        if (cluster) {
            timeline_shard_of(rg_id, g, e->source_id, r->shard, sizeof(r->shard));
            r->node = e->source_id ? mem_xstrdup(e->source_id) : NULL;
        } else if (!timeline_node_group(msg, r->shard, sizeof(r->shard)) &&
                   timeline_old_primary(msg, node, sizeof(node))) {
            timeline_shard_of(rg_id, g, node, r->shard, sizeof(r->shard));
        }
        r->kind = timeline_is_failover(msg) ? TIMELINE_FAILOVER : TIMELINE_EVENT;
        r->what = mem_xstrdup(msg);
        r->source = mem_xasprintf("%s %s", e->source_type ? e->source_type : "?",
                                  e->source_id ? e->source_id : "?");
        if (r->kind == TIMELINE_FAILOVER)
            t->n_failovers++;
        else
            t->n_events++;
    }
}

static int timeline_fact_cmp(const void *a, const void *b)
{
    const struct timeline_fact *x = *(const struct timeline_fact *const *)a;
    const struct timeline_fact *y = *(const struct timeline_fact *const *)b;
    int c = strcmp(x->node ? x->node : "", y->node ? y->node : "");
    if (c)
        return c;
    return x->from_ms < y->from_ms ? -1 : x->from_ms > y->from_ms ? 1 : 0;
}

static void timeline_roles(struct timeline *t, const char *rg_id, const struct timeline_fact *facts,
                           size_t n, const struct model_group *g)
{
    if (!n)
        return;
    const struct timeline_fact **v = mem_xcalloc(n, sizeof(*v));
    for (size_t i = 0; i < n; i++)
        v[i] = &facts[i];
    qsort(v, n, sizeof(*v), timeline_fact_cmp);
    for (size_t i = 1; i < n; i++) {
        const struct timeline_fact *prev = v[i - 1], *cur = v[i];
        if (!prev->node || !cur->node || strcmp(prev->node, cur->node) != 0)
            continue;
        if (prev->role == cur->role || prev->role == MODEL_ROLE_UNKNOWN ||
            cur->role == MODEL_ROLE_UNKNOWN)
            continue;
        struct timeline_row *r = timeline_add(t);
        r->when_ms = cur->from_ms;
        r->kind = TIMELINE_ROLE;
        timeline_shard_of(rg_id, g, cur->node, r->shard, sizeof(r->shard));
        r->node = mem_xstrdup(cur->node);
        char was[40];
        awstime_format_iso8601_s(prev->to_ms, was, sizeof(was));
        r->what =
            mem_xasprintf("%s: %s -> %s (still %s at %s)", cur->node, model_role_name(prev->role),
                          model_role_name(cur->role), model_role_name(prev->role), was);
        if (prev->source == cur->source)
            r->source = mem_xasprintf("observed: %s", model_role_source_name(cur->source));
        else
            r->source = mem_xasprintf("observed: %s, then %s", model_role_source_name(prev->source),
                                      model_role_source_name(cur->source));
        t->n_role_changes++;
    }
    free(v);
}

static int timeline_row_cmp(const void *a, const void *b)
{
    const struct timeline_row *x = a, *y = b;
    if (x->when_ms != y->when_ms)
        return x->when_ms < y->when_ms ? -1 : 1;
    /* at the same time: events before what was observed */
    if (x->kind != y->kind)
        return x->kind == TIMELINE_ROLE ? 1 : y->kind == TIMELINE_ROLE ? -1 : 0;
    return 0;
}

struct timeline *timeline_build(const char *rg_id, const struct events_result *ev,
                                const struct timeline_fact *facts, size_t n_facts,
                                const struct model_group *g)
{
    struct timeline *t = mem_xcalloc(1, sizeof(*t));
    timeline_events(t, rg_id, ev, g);
    size_t n_ev = t->n;
    timeline_roles(t, rg_id, facts, n_facts, g);
    /* events keep the service's order among equal dates: merge stably */
    if (t->n > n_ev) {
        struct timeline_row *all = t->rows;
        size_t n = t->n;
        /* insertion by date, stable (the lists are short) */
        for (size_t i = 1; i < n; i++) {
            struct timeline_row x = all[i];
            size_t j = i;
            while (j > 0 && timeline_row_cmp(&all[j - 1], &x) > 0) {
                all[j] = all[j - 1];
                j--;
            }
            all[j] = x;
        }
    }
    return t;
}

void timeline_free(struct timeline *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->rows[i].node);
        free(t->rows[i].what);
        free(t->rows[i].source);
    }
    free(t->rows);
    free(t);
}

/* ---- the watch ---- */

void timeline_watch_init(struct timeline_watch *w)
{
    memset(w, 0, sizeof(*w));
}

void timeline_watch_free(struct timeline_watch *w)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->facts[i].node);
    free(w->facts);
    memset(w, 0, sizeof(*w));
}

static void timeline_watch_one(struct timeline_watch *w, const char *node, enum model_role role,
                               enum model_role_source src, int64_t at_ms)
{
    /* the node's newest fact: extend it when the same source says the same */
    for (size_t i = w->n; i-- > 0;) {
        struct timeline_fact *f = &w->facts[i];
        if (strcmp(f->node, node) != 0)
            continue;
        if (f->role == role && f->source == src) {
            if (at_ms > f->to_ms)
                f->to_ms = at_ms;
            return;
        }
        break;
    }
    if (w->n >= TIMELINE_WATCH_MAX) {
        free(w->facts[0].node);
        memmove(w->facts, w->facts + 1, (w->n - 1) * sizeof(*w->facts));
        w->n--;
    }
    w->facts = mem_xrealloc(w->facts, (w->n + 1) * sizeof(*w->facts));
    struct timeline_fact *f = &w->facts[w->n++];
    f->node = mem_xstrdup(node);
    f->role = role;
    f->source = src;
    f->from_ms = f->to_ms = at_ms;
}

void timeline_watch_note(struct timeline_watch *w, const struct model_group *g, int64_t at_ms)
{
    if (!g)
        return;
    if (!w->since_ms)
        w->since_ms = at_ms;
    for (size_t i = 0; i < g->n_nodes; i++) {
        const struct model_node *n = &g->nodes[i];
        if (!n->cache_cluster_id || n->role == MODEL_ROLE_UNKNOWN ||
            n->role_source <= MODEL_ROLE_SRC_ASSUMED)
            continue;
        timeline_watch_one(w, n->cache_cluster_id, n->role, n->role_source, at_ms);
    }
}
