/* placement.c - shards x AZs matrix and risk flags (see placement.h). */
#include "core/model/placement.h"

#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"

#define PLACEMENT_NO_AZ "?"

const char *placement_severity_name(enum placement_severity s)
{
    switch (s) {
    case PLACEMENT_WARNING:
        return "warning";
    case PLACEMENT_CRITICAL:
        return "critical";
    case PLACEMENT_INFO:
        break;
    }
    return "info";
}

static const char *placement_node_az(const struct model_node *n)
{
    return n->az && *n->az ? n->az : PLACEMENT_NO_AZ;
}

static int placement_az_cmp(const void *a, const void *b)
{
    const struct placement_az *x = a, *y = b;
    bool xu = strcmp(x->name, PLACEMENT_NO_AZ) == 0, yu = strcmp(y->name, PLACEMENT_NO_AZ) == 0;
    if (xu != yu)
        return xu ? 1 : -1;
    return strcmp(x->name, y->name);
}

long placement_az_index(const struct placement *p, const char *az)
{
    for (size_t i = 0; p && az && i < p->n_azs; i++)
        if (strcmp(p->azs[i].name, az) == 0)
            return (long)i;
    return -1;
}

const struct placement_cell *placement_cell(const struct placement *p, size_t shard, size_t az)
{
    if (!p || shard >= p->n_shards || az >= p->n_azs)
        return NULL;
    return &p->cells[shard * p->n_azs + az];
}

static void placement_flag(struct placement *p, const char *id, enum placement_severity sev,
                           const char *shard, const char *az, char *text)
{
    p->flags = mem_xrealloc(p->flags, (p->n_flags + 1) * sizeof(*p->flags));
    struct placement_flag *f = &p->flags[p->n_flags++];
    f->id = id;
    f->severity = sev;
    f->text = text;
    f->shard = shard ? mem_xstrdup(shard) : NULL;
    f->az = az ? mem_xstrdup(az) : NULL;
}

const struct placement_flag *placement_find(const struct placement *p, const char *id,
                                            const char *shard, const char *az)
{
    for (size_t i = 0; p && i < p->n_flags; i++) {
        const struct placement_flag *f = &p->flags[i];
        if (strcmp(f->id, id) != 0)
            continue;
        if (shard && (!f->shard || strcmp(f->shard, shard) != 0))
            continue;
        if (az && (!f->az || strcmp(f->az, az) != 0))
            continue;
        return f;
    }
    return NULL;
}

int placement_worst(const struct placement *p)
{
    int w = -1;
    for (size_t i = 0; p && i < p->n_flags; i++)
        if ((int)p->flags[i].severity > w)
            w = (int)p->flags[i].severity;
    return w;
}

static int placement_flag_cmp(const void *a, const void *b)
{
    const struct placement_flag *x = a, *y = b;
    if (x->severity != y->severity)
        return x->severity > y->severity ? -1 : 1;
    return 0;
}

/* qsort is not stable: sort by severity keeping the check order. */
static void placement_sort_flags(struct placement *p)
{
    for (size_t i = 1; i < p->n_flags; i++) {
        struct placement_flag f = p->flags[i];
        size_t j = i;
        while (j > 0 && placement_flag_cmp(&p->flags[j - 1], &f) > 0) {
            p->flags[j] = p->flags[j - 1];
            j--;
        }
        p->flags[j] = f;
    }
}

static void placement_matrix(struct placement *p, const struct model_group *g)
{
    /* the AZs */
    for (size_t i = 0; i < g->n_nodes; i++) {
        const char *az = placement_node_az(&g->nodes[i]);
        if (placement_az_index(p, az) >= 0)
            continue;
        p->azs = mem_xrealloc(p->azs, (p->n_azs + 1) * sizeof(*p->azs));
        memset(&p->azs[p->n_azs], 0, sizeof(*p->azs));
        p->azs[p->n_azs++].name = mem_xstrdup(az);
    }
    if (p->n_azs > 1)
        qsort(p->azs, p->n_azs, sizeof(*p->azs), placement_az_cmp);
    p->n_shards = g->n_shards;
    p->cells = mem_xcalloc(p->n_shards * p->n_azs + 1, sizeof(*p->cells));
    for (size_t s = 0; s < g->n_shards; s++) {
        const struct model_shard *sh = &g->shards[s];
        /* primaries first, then replicas, then unknown, each in shard order */
        for (int pass = 0; pass < 3; pass++) {
            for (size_t k = 0; k < sh->n_nodes; k++) {
                const struct model_node *n = &g->nodes[sh->nodes[k]];
                enum model_role want = pass == 0   ? MODEL_ROLE_PRIMARY
                                       : pass == 1 ? MODEL_ROLE_REPLICA
                                                   : MODEL_ROLE_UNKNOWN;
                if (n->role != want)
                    continue;
                long a = placement_az_index(p, placement_node_az(n));
                struct placement_cell *c = &p->cells[s * p->n_azs + (size_t)a];
                struct placement_az *z = &p->azs[a];
                c->nodes = mem_xrealloc(c->nodes, (c->n_nodes + 1) * sizeof(*c->nodes));
                c->nodes[c->n_nodes++] = sh->nodes[k];
                z->nodes++;
                if (want == MODEL_ROLE_PRIMARY) {
                    c->primaries++;
                    z->primaries++;
                } else if (want == MODEL_ROLE_REPLICA) {
                    c->replicas++;
                    z->replicas++;
                } else {
                    c->unknown++;
                }
            }
        }
    }
}

static size_t placement_known_azs(const struct placement *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_azs; i++)
        if (strcmp(p->azs[i].name, PLACEMENT_NO_AZ) != 0 && p->azs[i].nodes)
            n++;
    return n;
}

static bool placement_is_known_az(const struct placement *p, size_t a)
{
    return strcmp(p->azs[a].name, PLACEMENT_NO_AZ) != 0;
}

static void placement_check_shards(struct placement *p, const struct model_group *g, bool single)
{
    size_t without = 0, shards = 0;
    for (size_t s = 0; s < g->n_shards; s++) {
        const struct model_shard *sh = &g->shards[s];
        if (!sh->n_nodes)
            continue;
        shards++;
        size_t rep = 0, same = 0, elsewhere = 0;
        const char *paz = NULL;
        for (size_t k = 0; k < sh->n_nodes; k++) {
            const struct model_node *n = &g->nodes[sh->nodes[k]];
            if (n->role == MODEL_ROLE_PRIMARY)
                paz = n->az && *n->az ? n->az : NULL;
        }
        for (size_t k = 0; k < sh->n_nodes; k++) {
            const struct model_node *n = &g->nodes[sh->nodes[k]];
            if (n->role != MODEL_ROLE_REPLICA)
                continue;
            rep++;
            if (!paz || !n->az || !*n->az)
                continue;
            if (strcmp(n->az, paz) == 0)
                same++;
            else
                elsewhere++;
        }
        /* one primary per shard: a shard of one node has no replica */
        if (sh->n_nodes == 1) {
            without++;
            continue;
        }
        if (single || !paz || same == 0)
            continue;
        if (elsewhere == 0)
            placement_flag(
                p, "replica-same-az", PLACEMENT_CRITICAL, sh->id, paz,
                mem_xasprintf("shard %s: %s in the primary's AZ %s and none elsewhere: losing %s "
                              "loses the shard",
                              sh->id, same == 1 ? "its replica is" : "all its replicas are", paz,
                              paz));
        else
            placement_flag(p, "replica-same-az", PLACEMENT_WARNING, sh->id, paz,
                           mem_xasprintf("shard %s: %zu of %zu replicas share the primary's AZ %s",
                                         sh->id, same, rep, paz));
    }
    if (without == 0)
        return;
    if (without == shards && shards > 1) {
        placement_flag(p, "no-replicas", PLACEMENT_WARNING, NULL, NULL,
                       mem_xasprintf("no shard has a replica: a node failure loses its data and "
                                     "there is nothing to fail over to (%zu shards)",
                                     shards));
        return;
    }
    for (size_t s = 0; s < g->n_shards; s++) {
        const struct model_shard *sh = &g->shards[s];
        if (!sh->n_nodes)
            continue;
        if (sh->n_nodes == 1)
            placement_flag(p, "no-replicas", PLACEMENT_WARNING, sh->id, NULL,
                           mem_xasprintf("shard %s has no replica: a node failure loses its data "
                                         "and there is nothing to fail over to",
                                         sh->id));
    }
}

/* Every placed node in one AZ. Whether they are. */
static bool placement_check_single_az(struct placement *p, size_t placed, size_t known_azs)
{
    bool single = placed > 0 && known_azs == 1;
    if (single) {
        const char *az = NULL;
        for (size_t a = 0; a < p->n_azs; a++)
            if (placement_is_known_az(p, a) && p->azs[a].nodes)
                az = p->azs[a].name;
        if (placed > 1)
            placement_flag(p, "single-az", PLACEMENT_CRITICAL, NULL, az,
                           mem_xasprintf("all %zu nodes are in %s: an AZ outage takes the whole "
                                         "group down",
                                         placed, az));
        else
            placement_flag(p, "single-az", PLACEMENT_WARNING, NULL, az,
                           mem_xasprintf("the only node is in %s: an AZ outage takes the group "
                                         "down",
                                         az));
    }

    return single;
}

/* All primaries in one AZ. */
static void placement_check_primaries_one_az(struct placement *p, const struct model_group *g)
{
    const char *paz = NULL;
    size_t prim = 0;
    bool same = true;
    for (size_t i = 0; i < g->n_nodes; i++) {
        const struct model_node *n = &g->nodes[i];
        if (n->role != MODEL_ROLE_PRIMARY || !n->az || !*n->az)
            continue;
        prim++;
        if (!paz)
            paz = n->az;
        else if (strcmp(paz, n->az) != 0)
            same = false;
    }
    if (paz && same && prim > 1)
        placement_flag(p, "primaries-one-az", PLACEMENT_WARNING, NULL, paz,
                       mem_xasprintf("all %zu primaries are in %s: an outage there fails over "
                                     "every shard at once",
                                     prim, paz));
}

/* Primaries crowded: after failovers an AZ holds several primaries while
 * another AZ of the group holds none. */
static void placement_check_primaries_crowded(struct placement *p)
{
    const char *empty = NULL;
    for (size_t a = 0; a < p->n_azs && !empty; a++)
        if (placement_is_known_az(p, a) && p->azs[a].nodes && !p->azs[a].primaries)
            empty = p->azs[a].name;
    for (size_t a = 0; empty && a < p->n_azs; a++) {
        const struct placement_az *z = &p->azs[a];
        if (!placement_is_known_az(p, a) || z->primaries < 2)
            continue;
        placement_flag(p, "primaries-crowded", PLACEMENT_WARNING, NULL, z->name,
                       mem_xasprintf("%zu primaries are in %s while %s holds none: an outage "
                                     "of %s fails over %zu shards at once (fail back to "
                                     "spread them)",
                                     z->primaries, z->name, empty, z->name, z->primaries));
    }
}

/* AZs without a replica. */
static void placement_check_replica_azs(struct placement *p, size_t known_azs)
{
    size_t replicas = 0;
    for (size_t a = 0; a < p->n_azs; a++)
        replicas += p->azs[a].replicas;
    if (replicas > 0 && known_azs > 1)
        for (size_t a = 0; a < p->n_azs; a++) {
            const struct placement_az *z = &p->azs[a];
            if (!placement_is_known_az(p, a) || !z->nodes || z->replicas)
                continue;
            placement_flag(p, "az-no-replica", PLACEMENT_INFO, NULL, z->name,
                           mem_xasprintf("%s holds no replica: readers there read across AZs, "
                                         "and its primaries fail over to other AZs",
                                         z->name));
        }
}

/* Nodes spread unevenly over the AZs. */
static void placement_check_spread(struct placement *p, size_t known_azs)
{
    if (known_azs > 1) {
        size_t lo = (size_t)-1, hi = 0;
        const char *loaz = NULL, *hiaz = NULL;
        for (size_t a = 0; a < p->n_azs; a++) {
            const struct placement_az *z = &p->azs[a];
            if (!placement_is_known_az(p, a) || !z->nodes)
                continue;
            if (z->nodes < lo) {
                lo = z->nodes;
                loaz = z->name;
            }
            if (z->nodes > hi) {
                hi = z->nodes;
                hiaz = z->name;
            }
        }
        if (hi > lo + 1)
            placement_flag(p, "uneven-spread", PLACEMENT_INFO, NULL, NULL,
                           mem_xasprintf("nodes are spread unevenly: %zu in %s, %zu in %s", hi,
                                         hiaz, lo, loaz));
    }
}

struct placement *placement_build(const struct model_group *g, int64_t now_ms)
{
    struct placement *p = mem_xcalloc(1, sizeof(*p));
    if (!g)
        return p;
    p->fetched_ms = g->fetched_ms;
    p->age_ms = g->fetched_ms > 0 && now_ms > g->fetched_ms ? now_ms - g->fetched_ms : 0;
    p->redis_fetched_ms = g->redis_fetched_ms;
    placement_matrix(p, g);

    size_t unknown_roles = 0, no_az = 0;
    for (size_t i = 0; i < g->n_nodes; i++) {
        const struct model_node *n = &g->nodes[i];
        if (n->role == MODEL_ROLE_UNKNOWN || n->role_source < MODEL_ROLE_SRC_METRIC)
            unknown_roles++;
        if (!n->az || !*n->az)
            no_az++;
    }
    p->roles_known = unknown_roles == 0;
    size_t known_azs = placement_known_azs(p);
    size_t placed = g->n_nodes - no_az;

    bool single = placement_check_single_az(p, placed, known_azs);
    if (!single && g->n_shards > 1) {
        placement_check_primaries_one_az(p, g);
        if (!placement_find(p, "primaries-one-az", NULL, NULL))
            placement_check_primaries_crowded(p);
    }
    placement_check_shards(p, g, single);

    placement_check_replica_azs(p, known_azs);
    if (!g->multi_az_enabled)
        placement_flag(p, "multi-az-off", PLACEMENT_WARNING, NULL, NULL,
                       mem_xasprintf("Multi-AZ is %s: ElastiCache does not fail over on its own "
                                     "when a primary's AZ fails",
                                     g->multi_az ? g->multi_az : "not reported"));
    if (!g->automatic_failover_enabled)
        placement_flag(
            p, "auto-failover-off", PLACEMENT_WARNING, NULL, NULL,
            mem_xasprintf("automatic failover is %s: a failed primary needs a manual "
                          "promotion",
                          g->automatic_failover ? g->automatic_failover : "not reported"));

    placement_check_spread(p, known_azs);
    if (unknown_roles)
        placement_flag(
            p, "roles-unknown", PLACEMENT_INFO, NULL, NULL,
            mem_xasprintf("%zu of %zu roles %s %s: checks by role rest on them "
                          "(connect, or allow cloudwatch:GetMetricData for IsMaster)",
                          unknown_roles, g->n_nodes, unknown_roles == 1 ? "is" : "are",
                          g->cluster_enabled ? "assumed from node naming or unknown" : "unknown"));
    if (no_az)
        placement_flag(p, "az-unknown", PLACEMENT_INFO, NULL, NULL,
                       mem_xasprintf("%zu of %zu nodes %s no AZ yet", no_az, g->n_nodes,
                                     no_az == 1 ? "has" : "have"));
    if (p->age_ms > PLACEMENT_STALE_MS)
        placement_flag(
            p, "stale-data", PLACEMENT_INFO, NULL, NULL,
            mem_xasprintf("the data is %lld minutes old", (long long)(p->age_ms / 60000)));
    placement_sort_flags(p);
    return p;
}

void placement_free(struct placement *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_shards * p->n_azs; i++)
        free(p->cells[i].nodes);
    free(p->cells);
    for (size_t i = 0; i < p->n_azs; i++)
        free(p->azs[i].name);
    free(p->azs);
    for (size_t i = 0; i < p->n_flags; i++) {
        free(p->flags[i].text);
        free(p->flags[i].shard);
        free(p->flags[i].az);
    }
    free(p->flags);
    free(p);
}
