/* logsum.c - the slow-log summary of a log view. */
#include "core/logs/logsum.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"

/* A byte-string -> index table; the keys live in one arena. */
struct lsm_map {
    struct buf keys;
    size_t *koff, *klen;
    size_t n, cap;
    size_t *slot; /* index + 1; 0 empty */
    uint64_t *hash;
    size_t nslot;
};

static uint64_t lsm_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 31);
}

static const char *lsm_key(const struct lsm_map *m, size_t i)
{
    return m->keys.data + m->koff[i];
}

static void lsm_map_grow(struct lsm_map *m)
{
    size_t ns = m->nslot ? m->nslot * 2 : 256;
    size_t *slot = mem_xcalloc(ns, sizeof(*slot));
    for (size_t i = 0; i < m->n; i++) {
        size_t j = (size_t)m->hash[i] & (ns - 1);
        while (slot[j])
            j = (j + 1) & (ns - 1);
        slot[j] = i + 1;
    }
    free(m->slot);
    m->slot = slot;
    m->nslot = ns;
}

/* Index of key, added when new. */
static size_t lsm_map_get(struct lsm_map *m, const char *key, size_t n, bool *added)
{
    *added = false;
    if ((m->n + 1) * 2 > m->nslot)
        lsm_map_grow(m);
    uint64_t h = lsm_hash(key, n);
    size_t j = (size_t)h & (m->nslot - 1);
    while (m->slot[j]) {
        size_t i = m->slot[j] - 1;
        if (m->hash[i] == h && m->klen[i] == n && memcmp(lsm_key(m, i), key, n) == 0)
            return i;
        j = (j + 1) & (m->nslot - 1);
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 256;
        m->koff = mem_xrealloc(m->koff, m->cap * sizeof(*m->koff));
        m->klen = mem_xrealloc(m->klen, m->cap * sizeof(*m->klen));
        m->hash = mem_xrealloc(m->hash, m->cap * sizeof(*m->hash));
    }
    m->koff[m->n] = m->keys.len;
    m->klen[m->n] = n;
    m->hash[m->n] = h;
    buf_append(&m->keys, key, n);
    buf_appendc(&m->keys, '\0');
    m->slot[j] = ++m->n;
    *added = true;
    return m->n - 1;
}

static void lsm_map_free(struct lsm_map *m)
{
    buf_free(&m->keys);
    free(m->koff);
    free(m->klen);
    free(m->hash);
    free(m->slot);
    memset(m, 0, sizeof(*m));
}

struct lsm_group {
    int64_t *d;
    size_t n, cap;
    int64_t total;
    char *node;
};

/* Counts of (group, name) pairs. */
struct lsm_pairs {
    struct lsm_map map; /* key: group index (8 bytes) + name */
    size_t *count;
    size_t cap;
};

static void lsm_pairs_add(struct lsm_pairs *p, size_t g, const char *name, size_t nlen)
{
    char stack[256];
    char *k = nlen + sizeof(g) <= sizeof(stack) ? stack : mem_xmalloc(nlen + sizeof(g));
    memcpy(k, &g, sizeof(g));
    memcpy(k + sizeof(g), name, nlen);
    bool added;
    size_t i = lsm_map_get(&p->map, k, nlen + sizeof(g), &added);
    if (k != stack)
        free(k);
    if (i >= p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 64;
        while (nc <= i)
            nc *= 2;
        p->count = mem_xrealloc(p->count, nc * sizeof(*p->count));
        memset(p->count + p->cap, 0, (nc - p->cap) * sizeof(*p->count));
        p->cap = nc;
    }
    p->count[i]++;
}

static void lsm_pairs_free(struct lsm_pairs *p)
{
    lsm_map_free(&p->map);
    free(p->count);
}

static int lsm_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int64_t logsum_percentile(const int64_t *sorted, size_t n, double p)
{
    if (n == 0)
        return 0;
    double r = ceil(p / 100.0 * (double)n);
    size_t k = r < 1 ? 1 : (size_t)r;
    if (k > n)
        k = n;
    return sorted[k - 1];
}

/* A node as people read it: "0001/primary/us-east-2a app-4-0001-001". */
static char *lsm_node_name(const char *label, const char *cluster)
{
    if (label && label[0])
        return mem_xasprintf("%s %s", label, cluster ? cluster : "");
    return mem_xstrdup(cluster && cluster[0] ? cluster : "-");
}

/* Keep the top entries of a (group, name) table in the rows; node names
 * are two interned pointers (label, cluster id). */
static void lsm_top(struct logsum *out, struct lsm_pairs *p, bool nodes)
{
    for (size_t i = 0; i < p->map.n; i++) {
        size_t g;
        const char *key = lsm_key(&p->map, i);
        memcpy(&g, key, sizeof(g));
        char *name;
        if (nodes) {
            const char *ptrs[2];
            memcpy(ptrs, key + sizeof(g), sizeof(ptrs));
            name = lsm_node_name(ptrs[0], ptrs[1]);
        } else {
            name = mem_xstrdup(key + sizeof(g));
        }
        size_t c = p->count[i];
        struct logsum_row *r = &out->rows[g];
        struct logsum_count *top = nodes ? r->nodes : r->clients;
        size_t *nt = nodes ? &r->nnodes : &r->nclients;
        size_t max = nodes ? LOGSUM_TOP_NODES : LOGSUM_TOP_CLIENTS;
        if (nodes)
            r->nodes_total++;
        else
            r->clients_total++;
        /* insertion into a short list, most first; ties by name */
        size_t at = *nt;
        while (at > 0 &&
               (top[at - 1].n < c || (top[at - 1].n == c && strcmp(top[at - 1].name, name) > 0)))
            at--;
        if (at >= max) {
            free(name);
            continue;
        }
        if (*nt == max) {
            free(top[max - 1].name);
            (*nt)--;
        }
        memmove(top + at + 1, top + at, (*nt - at) * sizeof(*top));
        top[at].name = name;
        top[at].n = c;
        (*nt)++;
    }
}

static int lsm_cmp_rows(const void *a, const void *b)
{
    const struct logsum_row *x = a, *y = b;
    if (x->total_us != y->total_us)
        return x->total_us > y->total_us ? -1 : 1;
    int c = strcmp(x->command, y->command);
    if (c)
        return c;
    return strcmp(x->node ? x->node : "", y->node ? y->node : "");
}

struct logsum *logsum_build(const struct logstore_view *v, bool by_node)
{
    struct logsum *out = mem_xcalloc(1, sizeof(*out));
    const struct logstore *s = logstore_view_store(v);
    struct lsm_map groups = {0};
    struct lsm_group *gs = NULL;
    size_t gcap = 0;
    struct lsm_pairs clients = {0}, nodes = {0};
    struct buf key;
    buf_init(&key, 0);
    struct logstore_full full;
    logstore_full_init(&full);
    size_t n = logstore_view_count(v);
    struct logstore_row row;
    for (size_t i = 0; i < n; i++) {
        if (!logstore_row(s, logstore_view_seq(v, i), &row) || row.kind != LOGSTORE_RECORD)
            continue;
        if (row.type != LOGREC_SLOW) {
            if (row.type == LOGREC_UNKNOWN && row.src_type == LOGREC_SLOW)
                out->unparsed++;
            continue;
        }
        if (row.duration_us < 0)
            continue;
        struct logstore_span text = row.text, client = row.client;
        if (!row.spans) {
            logstore_full(s, row.seq, &full);
            text.p = full.rec.command ? full.rec.command : "";
            text.n = full.rec.command_len;
            client.p = full.rec.client ? full.rec.client : "";
            client.n = full.rec.client_len;
        }
        buf_reset(&key);
        for (size_t k = 0; k < text.n && text.p[k] != ' '; k++)
            buf_appendc(&key, (char)toupper((unsigned char)text.p[k]));
        /* the node: its interned label and id stand for it (named at the end) */
        const char *ptrs[2] = {row.label, row.cluster};
        if (by_node) {
            buf_appendc(&key, '\0');
            buf_append(&key, ptrs, sizeof(ptrs));
        }
        bool added;
        size_t g = lsm_map_get(&groups, key.data ? key.data : "", key.len, &added);
        if (g >= gcap) {
            size_t nc = gcap ? gcap * 2 : 64;
            gs = mem_xrealloc(gs, nc * sizeof(*gs));
            memset(gs + gcap, 0, (nc - gcap) * sizeof(*gs));
            gcap = nc;
        }
        struct lsm_group *grp = &gs[g];
        if (added && by_node)
            grp->node = lsm_node_name(row.label, row.cluster);
        if (grp->n == grp->cap) {
            grp->cap = grp->cap ? grp->cap * 2 : 16;
            grp->d = mem_xrealloc(grp->d, grp->cap * sizeof(*grp->d));
        }
        grp->d[grp->n++] = row.duration_us;
        grp->total += row.duration_us;
        if (client.n)
            lsm_pairs_add(&clients, g, client.p, client.n);
        lsm_pairs_add(&nodes, g, (const char *)ptrs, sizeof(ptrs));
        out->records++;
        out->total_us += row.duration_us;
        if (!out->from_ms || row.ts_ms < out->from_ms)
            out->from_ms = row.ts_ms;
        if (row.ts_ms > out->to_ms)
            out->to_ms = row.ts_ms;
    }
    out->n = groups.n;
    out->rows = mem_xcalloc(out->n + 1, sizeof(*out->rows));
    for (size_t g = 0; g < groups.n; g++) {
        struct lsm_group *grp = &gs[g];
        struct logsum_row *r = &out->rows[g];
        qsort(grp->d, grp->n, sizeof(*grp->d), lsm_cmp_i64);
        r->command = mem_xstrdup(lsm_key(&groups, g)); /* up to the NUL before the node */
        r->node = grp->node;
        grp->node = NULL;
        r->count = grp->n;
        r->p50_us = logsum_percentile(grp->d, grp->n, 50);
        r->p99_us = logsum_percentile(grp->d, grp->n, 99);
        r->max_us = grp->n ? grp->d[grp->n - 1] : 0;
        r->total_us = grp->total;
    }
    lsm_top(out, &clients, false);
    lsm_top(out, &nodes, true);
    if (out->n > 1)
        qsort(out->rows, out->n, sizeof(*out->rows), lsm_cmp_rows);
    for (size_t g = 0; g < groups.n; g++) {
        free(gs[g].d);
        free(gs[g].node);
    }
    free(gs);
    lsm_map_free(&groups);
    lsm_pairs_free(&clients);
    lsm_pairs_free(&nodes);
    logstore_full_free(&full);
    buf_free(&key);
    return out;
}

void logsum_free(struct logsum *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        struct logsum_row *r = &s->rows[i];
        free(r->command);
        free(r->node);
        for (size_t k = 0; k < r->nclients; k++)
            free(r->clients[k].name);
        for (size_t k = 0; k < r->nnodes; k++)
            free(r->nodes[k].name);
    }
    free(s->rows);
    free(s);
}
