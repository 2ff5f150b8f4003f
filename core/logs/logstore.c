/* logstore.c - the record store of the console's log panel. */
#include "core/logs/logstore.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/mem.h"
#include "core/logs/tail.h"

#define LST_SLAB ((size_t)64 * 1024)
#define LST_SPAN_MAX 0xffffu

/* ================= interned strings ================= */

/* A string table: id 1.. for each distinct key (0 is "none"). */
struct lst_intern {
    char **key;
    size_t *klen;
    size_t n, cap;  /* ids 1..n live at key[0..n-1] */
    uint32_t *slot; /* open addressing: id, 0 = empty */
    size_t nslot;   /* power of two */
};

static uint64_t lst_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    h ^= h >> 29;
    return h;
}

static void lst_intern_free(struct lst_intern *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->key[i]);
    free(t->key);
    free(t->klen);
    free(t->slot);
    memset(t, 0, sizeof(*t));
}

static void lst_intern_rehash(struct lst_intern *t, size_t nslot)
{
    free(t->slot);
    t->slot = mem_xcalloc(nslot, sizeof(*t->slot));
    t->nslot = nslot;
    for (size_t i = 0; i < t->n; i++) {
        size_t j = (size_t)lst_hash(t->key[i], t->klen[i]) & (nslot - 1);
        while (t->slot[j])
            j = (j + 1) & (nslot - 1);
        t->slot[j] = (uint32_t)(i + 1);
    }
}

/* The id of key (added when new); *added says whether it was. */
static uint32_t lst_intern_id(struct lst_intern *t, const char *key, size_t n, bool *added)
{
    if (added)
        *added = false;
    if (t->nslot && (t->n + 1) * 2 > t->nslot)
        lst_intern_rehash(t, t->nslot * 2);
    if (!t->nslot)
        lst_intern_rehash(t, 64);
    size_t j = (size_t)lst_hash(key, n) & (t->nslot - 1);
    while (t->slot[j]) {
        uint32_t id = t->slot[j];
        if (t->klen[id - 1] == n && memcmp(t->key[id - 1], key, n) == 0)
            return id;
        j = (j + 1) & (t->nslot - 1);
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->key = mem_xrealloc(t->key, t->cap * sizeof(*t->key));
        t->klen = mem_xrealloc(t->klen, t->cap * sizeof(*t->klen));
    }
    char *k = mem_xmalloc(n + 1);
    memcpy(k, key, n);
    k[n] = '\0';
    t->key[t->n] = k;
    t->klen[t->n] = n;
    t->n++;
    t->slot[j] = (uint32_t)t->n;
    if (added)
        *added = true;
    return (uint32_t)t->n;
}

static size_t lst_intern_bytes(const struct lst_intern *t)
{
    size_t b = t->cap * (sizeof(char *) + sizeof(size_t)) + t->nslot * sizeof(uint32_t);
    for (size_t i = 0; i < t->n; i++)
        b += t->klen[i] + 1;
    return b;
}

/* A stream: its name and the node it names (or the record said). */
struct lst_stream {
    const char *name, *engine, *cluster, *node; /* into the interned key */
};

/* Labels as of a record's time. */
struct lst_labels {
    const char *shard, *role, *az; /* into the interned key */
    char *text;                    /* "0001/primary/us-east-2a" */
};

/* ================= sorted sequence numbers ================= */

struct lst_seqs {
    uint64_t *a;
    size_t start, len, cap;
};

static void lst_seqs_free(struct lst_seqs *q)
{
    free(q->a);
    memset(q, 0, sizeof(*q));
}

static uint64_t lst_seqs_get(const struct lst_seqs *q, size_t i)
{
    return q->a[q->start + i];
}

static void lst_seqs_insert(struct lst_seqs *q, size_t pos, uint64_t seq)
{
    if (pos < q->len / 2 && q->start > 0) {
        /* nearer the front: move the front part one to the left */
        memmove(q->a + q->start - 1, q->a + q->start, pos * sizeof(uint64_t));
        q->start--;
        q->a[q->start + pos] = seq;
        q->len++;
        return;
    }
    if (q->start + q->len == q->cap) {
        if (q->start > q->cap / 4) {
            memmove(q->a, q->a + q->start, q->len * sizeof(uint64_t));
            q->start = 0;
        } else {
            q->cap = q->cap ? q->cap * 2 : 1024;
            q->a = mem_xrealloc(q->a, q->cap * sizeof(uint64_t));
        }
    }
    uint64_t *at = q->a + q->start + pos;
    memmove(at + 1, at, (q->len - pos) * sizeof(uint64_t));
    *at = seq;
    q->len++;
}

static void lst_seqs_erase(struct lst_seqs *q, size_t pos)
{
    if (pos < q->len / 2) {
        memmove(q->a + q->start + 1, q->a + q->start, pos * sizeof(uint64_t));
        q->start++;
    } else {
        uint64_t *at = q->a + q->start + pos;
        memmove(at, at + 1, (q->len - pos - 1) * sizeof(uint64_t));
    }
    q->len--;
    if (q->len == 0)
        q->start = 0;
}

/* ================= records ================= */

enum {
    LST_F_LABELLED = 1,
    LST_F_EID_BCD = 2,
    LST_F_SPANS = 4,
    LST_F_ELIDE_CLUSTER = 8,
    LST_F_ELIDE_NODE = 16,
    LST_F_ELIDE_TS = 32,
    LST_F_INGEST64 = 64,
};

enum { LST_RAW = 0, LST_TPL_SLOW = 1, LST_TPL_ENGINE = 2 };

/* The compact record; its data follow: [ingest, 8 bytes, when
 * LST_F_INGEST64][event id][body: the raw message, or a template's
 * values][copies of fields the body does not hold as they are]. Gaps keep
 * "reason\0detail\0" as their body. */
struct lst_rec {
    int64_t ts_ms;
    int64_t duration_us; /* slow; gaps: to_ms */
    uint32_t size;       /* bytes, header included, a multiple of 8 */
    uint32_t stream, labels;
    uint32_t msg_len;  /* the raw message */
    uint32_t body_len; /* the body as kept */
    int32_t ingest_delta;
    uint16_t sp_off[3], sp_len[3]; /* text, client, client name: into data */
    uint16_t flags;
    uint16_t eid_len; /* characters */
    uint8_t kind, type, format, level, role, src, tpl;
};

static char *lst_data(const struct lst_rec *r)
{
    return (char *)(r + 1);
}

static size_t lst_eid_bytes(const struct lst_rec *r)
{
    return r->flags & LST_F_EID_BCD ? ((size_t)r->eid_len + 1) / 2 : r->eid_len;
}

static const char *lst_body(const struct lst_rec *r)
{
    return lst_data(r) + (r->flags & LST_F_INGEST64 ? 8 : 0) + lst_eid_bytes(r);
}

struct lst_slab {
    struct lst_slab *next;
    size_t used, cap, live;
    char data[];
};

struct logstore {
    size_t cap;
    struct lst_rec **rec; /* ring: seq s at rec[(s - 1) % cap] */
    size_t len;
    uint64_t pushed, dropped;
    struct lst_slab *head, *tail;
    size_t slab_bytes;
    struct lst_seqs all; /* every entry in time order */
    struct logstore_view *views;

    struct {
        char *group;
        enum logrec_type type;
    } src[LOGSTORE_MAX_SOURCES];
    int nsrc;

    struct lst_intern streams_t, labels_t;
    struct lst_stream *streams; /* by id - 1 */
    struct lst_labels *labels;
    size_t streams_cap, labels_cap;

    struct buf tmp, extra; /* scratch for a push */
};

struct logstore_view {
    struct logstore *s;
    struct logstore_filter f;
    struct lst_seqs seqs;
    uint64_t added;
    struct logstore_view *next;
};

struct logstore *logstore_new(size_t cap)
{
    struct logstore *s = mem_xcalloc(1, sizeof(*s));
    s->cap = cap ? cap : LOGSTORE_DEFAULT_CAP;
    s->rec = mem_xcalloc(s->cap, sizeof(*s->rec));
    buf_init(&s->tmp, 0);
    buf_init(&s->extra, 0);
    return s;
}

static void lst_free_slabs(struct logstore *s)
{
    while (s->head) {
        struct lst_slab *n = s->head->next;
        free(s->head);
        s->head = n;
    }
    s->tail = NULL;
    s->slab_bytes = 0;
}

void logstore_clear(struct logstore *s)
{
    lst_free_slabs(s);
    memset(s->rec, 0, s->cap * sizeof(*s->rec));
    s->len = 0;
    s->all.start = s->all.len = 0;
    for (struct logstore_view *v = s->views; v; v = v->next)
        v->seqs.start = v->seqs.len = 0;
}

static void lst_filter_free(struct logstore_filter *f)
{
    free((char *)f->node);
    free((char *)f->shard);
    free((char *)f->role);
    free((char *)f->az);
    free((char *)f->command);
    free((char *)f->client);
    memset(f, 0, sizeof(*f));
}

void logstore_free(struct logstore *s)
{
    if (!s)
        return;
    while (s->views)
        logstore_view_free(s->views);
    lst_free_slabs(s);
    free(s->rec);
    lst_seqs_free(&s->all);
    for (int i = 0; i < s->nsrc; i++)
        free(s->src[i].group);
    for (size_t i = 0; i < s->labels_t.n; i++)
        free(s->labels[i].text);
    free(s->streams);
    free(s->labels);
    lst_intern_free(&s->streams_t);
    lst_intern_free(&s->labels_t);
    buf_free(&s->tmp);
    buf_free(&s->extra);
    free(s);
}

int logstore_source(struct logstore *s, const char *log_group, enum logrec_type type)
{
    const char *g = log_group ? log_group : "";
    for (int i = 0; i < s->nsrc; i++)
        if (strcmp(s->src[i].group, g) == 0) {
            s->src[i].type = type;
            return i;
        }
    if (s->nsrc >= LOGSTORE_MAX_SOURCES)
        return -1;
    s->src[s->nsrc].group = mem_xstrdup(g);
    s->src[s->nsrc].type = type;
    return s->nsrc++;
}

const char *logstore_source_group(const struct logstore *s, int src)
{
    return src >= 0 && src < s->nsrc ? s->src[src].group : "";
}

enum logrec_type logstore_source_type(const struct logstore *s, int src)
{
    return src >= 0 && src < s->nsrc ? s->src[src].type : LOGREC_UNKNOWN;
}

size_t logstore_len(const struct logstore *s)
{
    return s->len;
}

size_t logstore_cap(const struct logstore *s)
{
    return s->cap;
}

uint64_t logstore_pushed(const struct logstore *s)
{
    return s->pushed;
}

uint64_t logstore_dropped(const struct logstore *s)
{
    return s->dropped;
}

uint64_t logstore_first_seq(const struct logstore *s)
{
    return s->pushed - s->len + 1;
}

uint64_t logstore_seq_at(const struct logstore *s, size_t i)
{
    return i < s->len ? logstore_first_seq(s) + i : 0;
}

size_t logstore_bytes(const struct logstore *s)
{
    size_t b = sizeof(*s) + s->cap * sizeof(*s->rec) + s->slab_bytes + s->all.cap * 8 + s->tmp.cap +
               s->extra.cap + lst_intern_bytes(&s->streams_t) + lst_intern_bytes(&s->labels_t) +
               s->streams_cap * sizeof(*s->streams) + s->labels_cap * sizeof(*s->labels);
    for (size_t i = 0; i < s->labels_t.n; i++)
        b += strlen(s->labels[i].text) + 1;
    for (const struct logstore_view *v = s->views; v; v = v->next)
        b += sizeof(*v) + v->seqs.cap * 8;
    return b;
}

static const struct lst_rec *lst_get(const struct logstore *s, uint64_t seq)
{
    if (seq < logstore_first_seq(s) || seq > s->pushed || seq == 0)
        return NULL;
    return s->rec[(seq - 1) % s->cap];
}

/* The time a row sorts by. */
static int64_t lst_ts(const struct logstore *s, uint64_t seq)
{
    const struct lst_rec *r = lst_get(s, seq);
    return r ? r->ts_ms : INT64_MIN;
}

/* First position whose (ts, seq) is not before (ts, seq). */
static size_t lst_lower(const struct logstore *s, const struct lst_seqs *q, int64_t ts,
                        uint64_t seq)
{
    size_t lo = 0, hi = q->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t ms = lst_seqs_get(q, mid);
        int64_t mt = lst_ts(s, ms);
        if (mt < ts || (mt == ts && ms < seq))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Where a new (ts, seq) goes: usually at the end. */
static size_t lst_insert_pos(const struct logstore *s, const struct lst_seqs *q, int64_t ts,
                             uint64_t seq)
{
    if (q->len == 0)
        return 0;
    uint64_t last = lst_seqs_get(q, q->len - 1);
    int64_t lt = lst_ts(s, last);
    if (lt < ts || (lt == ts && last < seq))
        return q->len;
    return lst_lower(s, q, ts, seq);
}

static void lst_index_add(struct logstore *s, struct lst_seqs *q, int64_t ts, uint64_t seq)
{
    lst_seqs_insert(q, lst_insert_pos(s, q, ts, seq), seq);
}

static void lst_index_del(struct logstore *s, struct lst_seqs *q, int64_t ts, uint64_t seq)
{
    size_t pos = lst_lower(s, q, ts, seq);
    if (pos < q->len && lst_seqs_get(q, pos) == seq)
        lst_seqs_erase(q, pos);
}

static void *lst_alloc(struct logstore *s, size_t size)
{
    if (!s->tail || s->tail->cap - s->tail->used < size) {
        size_t cap =
            size > LST_SLAB - sizeof(struct lst_slab) ? size : LST_SLAB - sizeof(struct lst_slab);
        struct lst_slab *sl = mem_xmalloc(sizeof(*sl) + cap);
        sl->next = NULL;
        sl->used = 0;
        sl->cap = cap;
        sl->live = 0;
        if (s->tail)
            s->tail->next = sl;
        else
            s->head = sl;
        s->tail = sl;
        s->slab_bytes += sizeof(*sl) + cap;
    }
    void *p = s->tail->data + s->tail->used;
    s->tail->used += size;
    s->tail->live++;
    return p;
}

/* The oldest entry goes (it is in the first slab). */
static void lst_drop_oldest(struct logstore *s)
{
    uint64_t seq = logstore_first_seq(s);
    const struct lst_rec *r = lst_get(s, seq);
    if (r) {
        for (struct logstore_view *v = s->views; v; v = v->next)
            lst_index_del(s, &v->seqs, r->ts_ms, seq);
        lst_index_del(s, &s->all, r->ts_ms, seq);
    }
    s->rec[(seq - 1) % s->cap] = NULL;
    s->len--;
    s->dropped++;
    struct lst_slab *h = s->head;
    if (h && --h->live == 0) {
        if (h == s->tail) {
            h->used = 0;
        } else {
            s->head = h->next;
            s->slab_bytes -= sizeof(*h) + h->cap;
            free(h);
        }
    }
}

/* ================= interning of streams and labels ================= */

static uint32_t lst_stream_id(struct logstore *s, const struct logrec *r)
{
    const char *parts[4] = {r->log_stream ? r->log_stream : "", r->engine ? r->engine : "",
                            r->cache_cluster_id ? r->cache_cluster_id : "",
                            r->cache_node_id ? r->cache_node_id : ""};
    if (!parts[0][0] && !parts[2][0] && !parts[3][0])
        return 0;
    struct buf *k = &s->tmp;
    buf_reset(k);
    for (int i = 0; i < 4; i++)
        buf_append(k, parts[i], strlen(parts[i]) + 1);
    bool added;
    uint32_t id = lst_intern_id(&s->streams_t, k->data, k->len, &added);
    if (added) {
        if (id > s->streams_cap) {
            s->streams_cap = s->streams_cap ? s->streams_cap * 2 : 64;
            s->streams = mem_xrealloc(s->streams, s->streams_cap * sizeof(*s->streams));
        }
        const char *p = s->streams_t.key[id - 1];
        struct lst_stream *st = &s->streams[id - 1];
        st->name = p;
        p += strlen(p) + 1;
        st->engine = p;
        p += strlen(p) + 1;
        st->cluster = p;
        p += strlen(p) + 1;
        st->node = p;
    }
    return id;
}

static uint32_t lst_labels_id(struct logstore *s, const struct logrec_labels *l)
{
    const char *parts[3] = {l->shard, l->role, l->az};
    struct buf *k = &s->tmp;
    /* the key: shard\0role\0az\0 */
    buf_reset(k);
    for (int i = 0; i < 3; i++) {
        buf_append(k, parts[i], strnlen(parts[i], 64));
        buf_appendc(k, '\0');
    }
    bool added;
    uint32_t id = lst_intern_id(&s->labels_t, k->data, k->len, &added);
    if (added) {
        if (id > s->labels_cap) {
            s->labels_cap = s->labels_cap ? s->labels_cap * 2 : 64;
            s->labels = mem_xrealloc(s->labels, s->labels_cap * sizeof(*s->labels));
        }
        const char *p = s->labels_t.key[id - 1];
        struct lst_labels *lb = &s->labels[id - 1];
        lb->shard = p;
        p += strlen(p) + 1;
        lb->role = p;
        p += strlen(p) + 1;
        lb->az = p;
        lb->text = mem_xasprintf("%s/%s/%s", lb->shard[0] ? lb->shard : "-",
                                 lb->role[0] ? lb->role : "-", lb->az[0] ? lb->az : "-");
    }
    return id;
}

/* ================= ElastiCache's JSON layouts ================= */

#define LST_TPL_VALUES 8

struct lst_tpl {
    int n;
    const char *lit[LST_TPL_VALUES + 1];
    unsigned num;          /* bit i: value i is a number */
    int cluster, node, ts; /* values that may be left out (-1: none) */
    int span[3];           /* values of the text, client and client name spans */
    enum logrec_type type;
};

static const struct lst_tpl lst_tpls[3] = {
    [LST_TPL_SLOW] =
        {
            8,
            {"{\"CacheClusterId\":\"", "\",\"CacheNodeId\":\"",
             "\",\"Id\":", ",\"Timestamp\":", ",\"Duration (us)\":", ",\"Command\":\"",
             "\",\"ClientAddress\":\"", "\",\"ClientName\":\"", "\"}"},
            (1u << 2) | (1u << 3) | (1u << 4),
            0,
            1,
            3,
            {5, 6, 7},
            LOGREC_SLOW,
        },
    [LST_TPL_ENGINE] =
        {
            6,
            {"{\"CacheClusterId\":\"", "\",\"CacheNodeId\":\"", "\",\"LogLevel\":\"",
             "\",\"Role\":\"", "\",\"Time\":\"", "\",\"Message\":\"", "\"}"},
            0,
            0,
            1,
            -1,
            {5, -1, -1},
            LOGREC_ENGINE,
        },
};

/* Split msg by a template: value offsets and lengths; false when the
 * message is not laid out so. */
static bool lst_tpl_split(const struct lst_tpl *t, const char *m, size_t len, size_t *off,
                          size_t *vlen)
{
    size_t pos = 0;
    for (int i = 0; i <= t->n; i++) {
        size_t ll = strlen(t->lit[i]);
        if (len - pos < ll || memcmp(m + pos, t->lit[i], ll) != 0)
            return false;
        pos += ll;
        if (i == t->n)
            break;
        size_t st = pos;
        if (t->num & (1u << i)) {
            if (pos < len && m[pos] == '-')
                pos++;
            size_t d = pos;
            while (pos < len && m[pos] >= '0' && m[pos] <= '9')
                pos++;
            if (pos == d)
                return false;
        } else {
            while (pos < len && m[pos] != '"') {
                if (m[pos] == '\\')
                    pos++;
                pos++;
            }
            if (pos >= len)
                return false;
        }
        off[i] = st;
        vlen[i] = pos - st;
    }
    return pos == len;
}

static void lst_varint_put(struct buf *b, size_t v)
{
    while (v >= 0x80) {
        buf_appendc(b, (char)(0x80 | (v & 0x7f)));
        v >>= 7;
    }
    buf_appendc(b, (char)v);
}

static size_t lst_varint_get(const unsigned char **p)
{
    size_t v = 0;
    int sh = 0;
    while (**p & 0x80) {
        v |= (size_t)(**p & 0x7f) << sh;
        sh += 7;
        (*p)++;
    }
    v |= (size_t) * *p << sh;
    (*p)++;
    return v;
}

static bool lst_same(const char *a, size_t alen, const char *b)
{
    return strlen(b) == alen && memcmp(a, b, alen) == 0;
}

/* Where each value of an encoded body starts (values left out: NULL). */
static void lst_tpl_values(const struct lst_tpl *t, uint16_t flags, const char *body,
                           const char **val, size_t *vlen)
{
    const unsigned char *p = (const unsigned char *)body;
    for (int i = 0; i < t->n; i++) {
        bool gone = (i == t->cluster && (flags & LST_F_ELIDE_CLUSTER)) ||
                    (i == t->node && (flags & LST_F_ELIDE_NODE)) ||
                    (i == t->ts && (flags & LST_F_ELIDE_TS));
        vlen[i] = gone ? 0 : lst_varint_get(&p);
        val[i] = gone ? NULL : "";
    }
    const char *v = (const char *)p;
    for (int i = 0; i < t->n; i++)
        if (val[i]) {
            val[i] = v;
            v += vlen[i];
        }
}

/* The raw message of an encoded body, appended to out. */
static void lst_tpl_build(const struct lst_tpl *t, uint16_t flags, const char *body,
                          const struct lst_stream *st, int64_t ts_ms, struct buf *out)
{
    const char *val[LST_TPL_VALUES];
    size_t vlen[LST_TPL_VALUES];
    lst_tpl_values(t, flags, body, val, vlen);
    char tsbuf[32];
    for (int i = 0; i <= t->n; i++) {
        buf_appends(out, t->lit[i]);
        if (i == t->n)
            break;
        if (val[i]) {
            buf_append(out, val[i], vlen[i]);
        } else if (i == t->cluster) {
            buf_appends(out, st ? st->cluster : "");
        } else if (i == t->node) {
            buf_appends(out, st ? st->node : "");
        } else if (i == t->ts) {
            int64_t sec = ts_ms >= 0 ? ts_ms / 1000 : -((-ts_ms + 999) / 1000);
            snprintf(tsbuf, sizeof(tsbuf), "%lld", (long long)sec);
            buf_appends(out, tsbuf);
        }
    }
}

/* ================= push ================= */

static bool lst_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return n > 0;
}

static size_t lst_memmem(const char *h, size_t hn, const char *n, size_t nn)
{
    if (nn == 0)
        return 0;
    for (size_t i = 0; i + nn <= hn; i++)
        if (h[i] == n[0] && memcmp(h + i, n, nn) == 0)
            return i;
    return (size_t)-1;
}

/* A parsed field as a span of the data: found in the body as it is, or a
 * copy after it. base: the offset of the body in the data. */
static bool lst_span_find(struct logstore *s, const char *body, size_t body_len, size_t base,
                          size_t extra_base, const char *val, size_t vlen, uint16_t *off,
                          uint16_t *len)
{
    size_t at = lst_memmem(body, body_len, val, vlen);
    size_t o;
    if (at != (size_t)-1) {
        o = base + at;
    } else {
        o = extra_base + s->extra.len;
        buf_append(&s->extra, val, vlen);
    }
    if (o > LST_SPAN_MAX || vlen > LST_SPAN_MAX)
        return false;
    *off = (uint16_t)o;
    *len = (uint16_t)vlen;
    return true;
}

static void lst_insert(struct logstore *s, struct lst_rec *r)
{
    if (s->len == s->cap)
        lst_drop_oldest(s);
    uint64_t seq = ++s->pushed;
    s->rec[(seq - 1) % s->cap] = r;
    s->len++;
    lst_index_add(s, &s->all, r->ts_ms, seq);
    struct logstore_row row;
    for (struct logstore_view *v = s->views; v; v = v->next) {
        if (!logstore_row(s, seq, &row) || !logstore_filter_match(s, &v->f, &row))
            continue;
        lst_index_add(s, &v->seqs, r->ts_ms, seq);
        v->added++;
    }
}

static struct lst_rec *lst_new_rec(struct logstore *s, size_t data_len)
{
    size_t size = (sizeof(struct lst_rec) + data_len + 7) & ~(size_t)7;
    struct lst_rec *r = lst_alloc(s, size);
    memset(r, 0, sizeof(*r));
    r->size = (uint32_t)size;
    return r;
}

/* The body of a record: ElastiCache's own JSON as its values only when
 * the template gives the message back byte for byte (the stream's cluster,
 * node and time left out where they are the same), else the message as it
 * came. Returns the template (LST_RAW for none), its flags in *flags. */
static int lst_pick_template(struct logstore *s, const struct logrec *lr,
                             const struct lst_stream *st, struct buf *body, uint16_t *flags)
{
    int tpl = LST_RAW;
    /* ElastiCache's own JSON: keep the values only, if that gives the
     * message back exactly */
    size_t off[LST_TPL_VALUES], vlen[LST_TPL_VALUES];
    for (int k = LST_TPL_SLOW; k <= LST_TPL_ENGINE && lr->format == LOGREC_FMT_JSON; k++) {
        const struct lst_tpl *t = &lst_tpls[k];
        if (lr->type != t->type || !lst_tpl_split(t, lr->message, lr->message_len, off, vlen))
            continue;
        uint16_t fl = 0;
        if (st && lst_same(lr->message + off[t->cluster], vlen[t->cluster], st->cluster))
            fl |= LST_F_ELIDE_CLUSTER;
        if (st && lst_same(lr->message + off[t->node], vlen[t->node], st->node))
            fl |= LST_F_ELIDE_NODE;
        if (t->ts >= 0) {
            char tsbuf[32];
            int64_t ms = lr->timestamp_ms;
            int64_t sec = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
            snprintf(tsbuf, sizeof(tsbuf), "%lld", (long long)sec);
            if (lst_same(lr->message + off[t->ts], vlen[t->ts], tsbuf))
                fl |= LST_F_ELIDE_TS;
        }
        buf_reset(body);
        for (int i = 0; i < t->n; i++) {
            bool gone = (i == t->cluster && (fl & LST_F_ELIDE_CLUSTER)) ||
                        (i == t->node && (fl & LST_F_ELIDE_NODE)) ||
                        (i == t->ts && (fl & LST_F_ELIDE_TS));
            if (!gone)
                lst_varint_put(body, vlen[i]);
        }
        for (int i = 0; i < t->n; i++) {
            bool gone = (i == t->cluster && (fl & LST_F_ELIDE_CLUSTER)) ||
                        (i == t->node && (fl & LST_F_ELIDE_NODE)) ||
                        (i == t->ts && (fl & LST_F_ELIDE_TS));
            if (!gone)
                buf_append(body, lr->message + off[i], vlen[i]);
        }
        /* proof: the values give the message back, byte for byte */
        buf_reset(&s->extra);
        lst_tpl_build(t, fl, buf_str(body), st, lr->timestamp_ms, &s->extra);
        bool same = s->extra.len == lr->message_len &&
                    memcmp(s->extra.data, lr->message, lr->message_len) == 0;
        buf_reset(&s->extra);
        if (same) {
            tpl = k;
            *flags |= fl;
            break;
        }
        buf_reset(body);
    }
    if (tpl == LST_RAW)
        buf_append(body, lr->message, lr->message_len);
    return tpl;
}

/* The spans of a record (text - command or message -, client, client
 * name) as offsets into its data: true when they all fit, else none is
 * kept (and s->extra is dropped). */
static bool lst_find_spans(struct logstore *s, const struct logrec *lr, int tpl, uint16_t flags,
                           size_t pre, const struct buf *body, uint16_t sp_off[3],
                           uint16_t sp_len[3])
{
    const char *fields[3] = {NULL, NULL, NULL};
    size_t flen[3] = {0, 0, 0};
    if (lr->type == LOGREC_SLOW) {
        fields[0] = lr->command;
        fields[1] = lr->client;
        fields[2] = lr->client_name;
        flen[0] = lr->command_len;
        flen[1] = lr->client_len;
        flen[2] = lr->client_name_len;
    } else if (lr->type == LOGREC_ENGINE) {
        fields[0] = lr->text;
        flen[0] = lr->text_len;
    }
    bool spans = true;
    size_t body_base = pre, extra_base = pre + body->len;
    if (lr->type == LOGREC_UNKNOWN) {
        spans = pre + body->len <= LST_SPAN_MAX;
        sp_off[0] = (uint16_t)(spans ? pre : 0);
        sp_len[0] = (uint16_t)(spans ? body->len : 0);
    } else if (tpl != LST_RAW) {
        const struct lst_tpl *t = &lst_tpls[tpl];
        const char *val[LST_TPL_VALUES];
        size_t vl[LST_TPL_VALUES];
        lst_tpl_values(t, flags, buf_str(body), val, vl);
        for (int k = 0; k < 3 && spans; k++) {
            if (t->span[k] < 0 || !fields[k])
                continue;
            const char *v = val[t->span[k]];
            size_t n = vl[t->span[k]];
            if (v && !memchr(v, '\\', n)) {
                size_t o = body_base + (size_t)(v - buf_str(body));
                spans = o <= LST_SPAN_MAX && n <= LST_SPAN_MAX;
                sp_off[k] = (uint16_t)o;
                sp_len[k] = (uint16_t)n;
            } else {
                spans = lst_span_find(s, "", 0, body_base, extra_base, fields[k], flen[k],
                                      &sp_off[k], &sp_len[k]);
            }
        }
    } else {
        for (int k = 0; k < 3 && spans; k++)
            if (fields[k])
                spans = lst_span_find(s, buf_str(body), body->len, body_base, extra_base, fields[k],
                                      flen[k], &sp_off[k], &sp_len[k]);
    }
    if (!spans) {
        buf_reset(&s->extra);
        memset(sp_off, 0, 3 * sizeof(*sp_off));
        memset(sp_len, 0, 3 * sizeof(*sp_len));
    }

    return spans;
}

/* A record's data: the ingestion time when it does not fit the delta,
 * the event id (digits packed two a byte), the body, the extra bytes. */
static void lst_write_data(const struct logstore *s, struct lst_rec *r, const struct logrec *lr,
                           const char *eid, size_t eid_len, bool bcd, bool ingest64,
                           const struct buf *body)
{
    char *d = lst_data(r);
    if (ingest64) {
        memcpy(d, &lr->ingestion_ms, 8);
        d += 8;
    }
    if (bcd) {
        for (size_t i = 0; i < eid_len; i += 2) {
            unsigned hi = (unsigned)(eid[i] - '0');
            unsigned lo = i + 1 < eid_len ? (unsigned)(eid[i + 1] - '0') : 0;
            *d++ = (char)((hi << 4) | lo);
        }
    } else {
        memcpy(d, eid, eid_len);
        d += eid_len;
    }
    memcpy(d, body->data ? body->data : "", body->len);
    d += body->len;
    if (s->extra.len)
        memcpy(d, s->extra.data, s->extra.len);
}

uint64_t logstore_push(struct logstore *s, int src, const struct logrec *lr)
{
    uint32_t stream = lst_stream_id(s, lr);
    uint32_t labels = lr->labelled ? lst_labels_id(s, &lr->labels) : 0;
    const struct lst_stream *st = stream ? &s->streams[stream - 1] : NULL;
    const char *eid = lr->event_id ? lr->event_id : "";
    size_t eid_len = strlen(eid);
    if (eid_len > 0xffff)
        eid_len = 0xffff;
    bool bcd = lst_digits(eid, eid_len);
    size_t eid_bytes = bcd ? (eid_len + 1) / 2 : eid_len;
    int64_t delta = lr->ingestion_ms - lr->timestamp_ms;
    bool ingest64 = delta < INT32_MIN || delta > INT32_MAX;
    size_t pre = (ingest64 ? 8 : 0) + eid_bytes;

    uint16_t flags = 0;
    struct buf *body = &s->tmp;
    buf_reset(body);
    buf_reset(&s->extra);
    int tpl = lst_pick_template(s, lr, st, body, &flags);
    uint16_t sp_off[3] = {0, 0, 0}, sp_len[3] = {0, 0, 0};
    bool spans = lst_find_spans(s, lr, tpl, flags, pre, body, sp_off, sp_len);

    size_t data_len = pre + body->len + s->extra.len;
    struct lst_rec *r = lst_new_rec(s, data_len);
    r->ts_ms = lr->timestamp_ms;
    r->duration_us = lr->type == LOGREC_SLOW ? lr->duration_us : -1;
    r->stream = stream;
    r->labels = labels;
    r->msg_len = (uint32_t)lr->message_len;
    r->body_len = (uint32_t)body->len;
    r->ingest_delta = ingest64 ? 0 : (int32_t)delta;
    memcpy(r->sp_off, sp_off, sizeof(sp_off));
    memcpy(r->sp_len, sp_len, sizeof(sp_len));
    r->flags = (uint16_t)(flags | (lr->labelled ? LST_F_LABELLED : 0) | (bcd ? LST_F_EID_BCD : 0) |
                          (spans ? LST_F_SPANS : 0) | (ingest64 ? LST_F_INGEST64 : 0));
    r->eid_len = (uint16_t)eid_len;
    r->kind = LOGSTORE_RECORD;
    r->type = (uint8_t)lr->type;
    r->format = (uint8_t)lr->format;
    r->level = (uint8_t)lr->level;
    r->role = (uint8_t)lr->role;
    r->src = (uint8_t)(src >= 0 && src < s->nsrc ? src : 0xff);
    r->tpl = (uint8_t)tpl;
    lst_write_data(s, r, lr, eid, eid_len, bcd, ingest64, body);
    lst_insert(s, r);
    return s->pushed;
}

uint64_t logstore_push_gap(struct logstore *s, int src, int64_t from_ms, int64_t to_ms,
                           const char *reason, const char *detail)
{
    const char *rs = reason ? reason : "", *dt = detail ? detail : "";
    size_t rl = strlen(rs), dl = strlen(dt);
    struct lst_rec *r = lst_new_rec(s, rl + dl + 2);
    r->ts_ms = from_ms;
    r->duration_us = to_ms;
    r->kind = LOGSTORE_GAP;
    r->src = (uint8_t)(src >= 0 && src < s->nsrc ? src : 0xff);
    r->body_len = (uint32_t)(rl + dl + 2);
    r->duration_us = to_ms;
    char *d = lst_data(r);
    memcpy(d, rs, rl + 1);
    memcpy(d + rl + 1, dt, dl + 1);
    lst_insert(s, r);
    return s->pushed;
}

/* ================= reading ================= */

bool logstore_row(const struct logstore *s, uint64_t seq, struct logstore_row *out)
{
    const struct lst_rec *r = lst_get(s, seq);
    memset(out, 0, sizeof(*out));
    if (!r)
        return false;
    out->seq = seq;
    out->kind = (enum logstore_kind)r->kind;
    out->src = r->src == 0xff ? -1 : r->src;
    out->log_group = logstore_source_group(s, out->src);
    out->src_type = logstore_source_type(s, out->src);
    out->ts_ms = r->ts_ms;
    out->stream = out->engine = out->cluster = out->node = "";
    out->shard = out->role = out->az = out->label = "";
    out->gap_reason = out->gap_detail = "";
    out->duration_us = -1;
    if (r->kind == LOGSTORE_GAP) {
        const char *d = lst_data(r);
        out->gap_to_ms = r->duration_us;
        out->gap_reason = d;
        out->gap_detail = d + strlen(d) + 1;
        return true;
    }
    if (r->flags & LST_F_INGEST64)
        memcpy(&out->ingest_ms, lst_data(r), 8);
    else
        out->ingest_ms = r->ts_ms + r->ingest_delta;
    out->type = (enum logrec_type)r->type;
    out->format = (enum logrec_format)r->format;
    if (r->stream) {
        const struct lst_stream *st = &s->streams[r->stream - 1];
        out->stream = st->name;
        out->engine = st->engine;
        out->cluster = st->cluster;
        out->node = st->node;
    }
    out->labelled = r->flags & LST_F_LABELLED;
    if (r->labels) {
        const struct lst_labels *lb = &s->labels[r->labels - 1];
        out->shard = lb->shard;
        out->role = lb->role;
        out->az = lb->az;
        out->label = lb->text;
    }
    out->duration_us = r->duration_us;
    out->level = (enum logrec_level)r->level;
    out->engine_role = (enum logrec_role)r->role;
    out->message_len = r->msg_len;
    out->spans = r->flags & LST_F_SPANS;
    if (out->spans) {
        const char *d = lst_data(r);
        struct logstore_span *sp[3] = {&out->text, &out->client, &out->client_name};
        for (int k = 0; k < 3; k++) {
            sp[k]->p = d + r->sp_off[k];
            sp[k]->n = r->sp_len[k];
        }
    }
    return true;
}

static void lst_build_message(const struct logstore *s, const struct lst_rec *r, struct buf *out)
{
    if (r->tpl == LST_RAW) {
        buf_append(out, lst_body(r), r->body_len);
        return;
    }
    const struct lst_stream *st = r->stream ? &s->streams[r->stream - 1] : NULL;
    lst_tpl_build(&lst_tpls[r->tpl], r->flags, lst_body(r), st, r->ts_ms, out);
}

bool logstore_message(const struct logstore *s, uint64_t seq, struct buf *b)
{
    const struct lst_rec *r = lst_get(s, seq);
    if (!r || r->kind != LOGSTORE_RECORD)
        return false;
    lst_build_message(s, r, b);
    return true;
}

bool logstore_event_id(const struct logstore *s, uint64_t seq, struct buf *b)
{
    const struct lst_rec *r = lst_get(s, seq);
    if (!r || r->kind != LOGSTORE_RECORD)
        return false;
    const char *d = lst_data(r) + (r->flags & LST_F_INGEST64 ? 8 : 0);
    if (r->flags & LST_F_EID_BCD) {
        for (size_t i = 0; i < r->eid_len; i++) {
            unsigned char c = (unsigned char)d[i / 2];
            buf_appendc(b, (char)('0' + (i % 2 ? (c & 15) : (c >> 4))));
        }
    } else {
        buf_append(b, d, r->eid_len);
    }
    return true;
}

void logstore_full_init(struct logstore_full *f)
{
    memset(f, 0, sizeof(*f));
    buf_init(&f->msg, 0);
    buf_init(&f->parse, 0);
    buf_init(&f->eid, 0);
}

void logstore_full_free(struct logstore_full *f)
{
    buf_free(&f->msg);
    buf_free(&f->parse);
    buf_free(&f->eid);
}

bool logstore_full(const struct logstore *s, uint64_t seq, struct logstore_full *f)
{
    const struct lst_rec *r = lst_get(s, seq);
    buf_reset(&f->msg);
    buf_reset(&f->parse);
    buf_reset(&f->eid);
    memset(&f->rec, 0, sizeof(f->rec));
    if (!r || r->kind != LOGSTORE_RECORD)
        return false;
    lst_build_message(s, r, &f->msg);
    logstore_event_id(s, seq, &f->eid);
    struct logstore_row row;
    logstore_row(s, seq, &row);
    enum logrec_type hint = row.type != LOGREC_UNKNOWN ? row.type : row.src_type;
    logrec_parse_message(f->msg.data ? f->msg.data : "", f->msg.len, hint, &f->rec, &f->parse);
    struct logrec *lr = &f->rec;
    lr->event_id = buf_str(&f->eid);
    lr->log_group = row.log_group;
    lr->log_stream = row.stream;
    lr->engine = row.engine;
    lr->cache_cluster_id = row.cluster;
    lr->cache_node_id = row.node;
    lr->timestamp_ms = row.ts_ms;
    lr->ingestion_ms = row.ingest_ms;
    lr->labelled = row.labelled;
    memset(&lr->labels, 0, sizeof(lr->labels));
    snprintf(lr->labels.shard, sizeof(lr->labels.shard), "%s", row.shard);
    snprintf(lr->labels.role, sizeof(lr->labels.role), "%s", row.role);
    snprintf(lr->labels.az, sizeof(lr->labels.az), "%s", row.az);
    return true;
}

void logstore_command_name(const struct logstore_row *row, char *out, size_t n)
{
    if (!n)
        return;
    size_t l = 0;
    while (l < row->text.n && row->text.p[l] != ' ' && row->text.p[l] != '\0' && l + 1 < n)
        l++;
    memcpy(out, row->text.p, l);
    out[l] = '\0';
}

/* ================= filters ================= */

bool logstore_filter_active(const struct logstore_filter *f)
{
    return (f->node && *f->node) || (f->shard && *f->shard) || (f->role && *f->role) ||
           (f->az && *f->az) || f->min_level != LOGREC_LEVEL_NONE || f->min_duration_us > 0 ||
           (f->command && *f->command) || (f->client && *f->client);
}

static bool lst_set(const char *s)
{
    return s && *s;
}

/* The fields of a record without spans (a very long message): parsed
 * again. */
static void lst_fields(const struct logstore *s, const struct logstore_row *row,
                       struct logstore_full *f, struct logstore_span *text,
                       struct logstore_span *client, struct logstore_span *name)
{
    if (row->spans) {
        *text = row->text;
        *client = row->client;
        *name = row->client_name;
        return;
    }
    logstore_full(s, row->seq, f);
    const struct logrec *r = &f->rec;
    const char *t = r->type == LOGREC_SLOW     ? r->command
                    : r->type == LOGREC_ENGINE ? r->text
                                               : r->message;
    text->p = t ? t : "";
    text->n = r->type == LOGREC_SLOW     ? r->command_len
              : r->type == LOGREC_ENGINE ? r->text_len
                                         : r->message_len;
    client->p = r->client ? r->client : "";
    client->n = r->client_len;
    name->p = r->client_name ? r->client_name : "";
    name->n = r->client_name_len;
}

static bool lst_client_match(const char *want, const struct logstore_span *have)
{
    size_t wl = strlen(want);
    if (have->n == wl && memcmp(have->p, want, wl) == 0)
        return true;
    /* just the address: "10.0.0.5" matches "10.0.0.5:53412" */
    return have->n > wl && memcmp(have->p, want, wl) == 0 && have->p[wl] == ':' &&
           !memchr(have->p + wl + 1, ':', have->n - wl - 1);
}

bool logstore_filter_match(const struct logstore *s, const struct logstore_filter *f,
                           const struct logstore_row *row)
{
    if (f->types && row->src_type != LOGREC_UNKNOWN && !(f->types & (1u << row->src_type)))
        return false;
    if (f->types && row->src_type == LOGREC_UNKNOWN && row->kind == LOGSTORE_RECORD &&
        row->type != LOGREC_UNKNOWN && !(f->types & (1u << row->type)))
        return false;
    if (row->kind == LOGSTORE_GAP)
        return true;
    if (lst_set(f->node)) {
        const char *cl = row->cluster, *nd = row->node;
        size_t cl_len = strlen(cl);
        bool ok = strcmp(f->node, cl) == 0 || (nd[0] && !cl[0] && strcmp(f->node, nd) == 0) ||
                  (cl_len && strncmp(f->node, cl, cl_len) == 0 && f->node[cl_len] == '/' &&
                   strcmp(f->node + cl_len + 1, nd) == 0);
        if (!ok)
            return false;
    }
    if (lst_set(f->shard)) {
        char derived[16];
        const char *shard = row->shard;
        if (!shard[0] && tail_shard_from_cluster_id(row->cluster, derived, sizeof(derived)))
            shard = derived;
        if (strcmp(shard, f->shard) != 0)
            return false;
    }
    if (lst_set(f->role)) {
        const char *have = row->role[0] ? row->role
                           : row->type == LOGREC_ENGINE && !row->labelled
                               ? logrec_role_name(row->engine_role)
                               : "";
        if (strcmp(have, f->role) != 0)
            return false;
    }
    if (lst_set(f->az) && strcmp(row->az, f->az) != 0)
        return false;
    if (row->type == LOGREC_ENGINE && f->min_level != LOGREC_LEVEL_NONE &&
        (row->level == LOGREC_LEVEL_NONE || row->level < f->min_level))
        return false;
    if (row->type == LOGREC_SLOW && f->min_duration_us > 0 && row->duration_us < f->min_duration_us)
        return false;
    if (row->type == LOGREC_SLOW && (lst_set(f->command) || lst_set(f->client))) {
        struct logstore_full full;
        logstore_full_init(&full);
        struct logstore_span text, client, name;
        lst_fields(s, row, &full, &text, &client, &name);
        bool ok = true;
        if (lst_set(f->command)) {
            size_t l = 0;
            while (l < text.n && text.p[l] != ' ')
                l++;
            ok = strlen(f->command) == l && strncasecmp(text.p, f->command, l) == 0;
        }
        if (ok && lst_set(f->client))
            ok = lst_client_match(f->client, &client);
        logstore_full_free(&full);
        if (!ok)
            return false;
    }
    return true;
}

/* ================= views ================= */

struct logstore_view *logstore_view_new(struct logstore *s)
{
    struct logstore_view *v = mem_xcalloc(1, sizeof(*v));
    v->s = s;
    v->next = s->views;
    s->views = v;
    logstore_view_set_filter(v, NULL);
    return v;
}

void logstore_view_free(struct logstore_view *v)
{
    if (!v)
        return;
    for (struct logstore_view **pp = &v->s->views; *pp; pp = &(*pp)->next)
        if (*pp == v) {
            *pp = v->next;
            break;
        }
    lst_filter_free(&v->f);
    lst_seqs_free(&v->seqs);
    free(v);
}

struct logstore *logstore_view_store(const struct logstore_view *v)
{
    return v->s;
}

static char *lst_dup(const char *s)
{
    return s && *s ? mem_xstrdup(s) : NULL;
}

void logstore_view_set_filter(struct logstore_view *v, const struct logstore_filter *f)
{
    lst_filter_free(&v->f);
    if (f) {
        v->f = *f;
        v->f.node = lst_dup(f->node);
        v->f.shard = lst_dup(f->shard);
        v->f.role = lst_dup(f->role);
        v->f.az = lst_dup(f->az);
        v->f.command = lst_dup(f->command);
        v->f.client = lst_dup(f->client);
    }
    struct logstore *s = v->s;
    v->seqs.start = v->seqs.len = 0;
    if (v->seqs.cap < s->all.len) {
        free(v->seqs.a);
        v->seqs.cap = s->all.len;
        v->seqs.a = mem_xcalloc(v->seqs.cap, sizeof(uint64_t));
    }
    struct logstore_row row;
    for (size_t i = 0; i < s->all.len; i++) {
        uint64_t seq = lst_seqs_get(&s->all, i);
        if (logstore_row(s, seq, &row) && logstore_filter_match(s, &v->f, &row))
            v->seqs.a[v->seqs.len++] = seq;
    }
}

const struct logstore_filter *logstore_view_filter(const struct logstore_view *v)
{
    return &v->f;
}

size_t logstore_view_count(const struct logstore_view *v)
{
    return v->seqs.len;
}

uint64_t logstore_view_seq(const struct logstore_view *v, size_t pos)
{
    return pos < v->seqs.len ? lst_seqs_get(&v->seqs, pos) : 0;
}

size_t logstore_view_pos(const struct logstore_view *v, uint64_t seq, bool *held)
{
    const struct lst_rec *r = lst_get(v->s, seq);
    size_t pos;
    if (r)
        pos = lst_lower(v->s, &v->seqs, r->ts_ms, seq);
    else /* gone (everything held came after it), or not yet there */
        pos = seq < logstore_first_seq(v->s) ? 0 : v->seqs.len;
    if (held)
        *held = pos < v->seqs.len && lst_seqs_get(&v->seqs, pos) == seq;
    return pos;
}

uint64_t logstore_view_added(const struct logstore_view *v)
{
    return v->added;
}

/* ================= search ================= */

bool logstore_search_init(struct logstore_search *q, const char *text)
{
    memset(q, 0, sizeof(*q));
    q->text = mem_xstrdup(text ? text : "");
    if (q->text[0] == '~') {
        q->regex = true;
        int rc = regcomp(&q->re, q->text + 1, REG_EXTENDED | REG_ICASE);
        if (rc != 0) {
            char msg[128];
            regerror(rc, &q->re, msg, sizeof(msg));
            snprintf(q->error, sizeof(q->error), "bad regular expression: %s", msg);
            return false;
        }
        q->re_ok = true;
    }
    return true;
}

void logstore_search_free(struct logstore_search *q)
{
    if (q->re_ok)
        regfree(&q->re);
    free(q->text);
    memset(q, 0, sizeof(*q));
}

static size_t lst_find_icase(const char *h, size_t hn, const char *n, size_t nn)
{
    if (nn == 0 || nn > hn)
        return (size_t)-1;
    unsigned char f = (unsigned char)tolower((unsigned char)n[0]);
    unsigned char F = (unsigned char)toupper((unsigned char)n[0]);
    for (size_t i = 0; i + nn <= hn; i++) {
        unsigned char c = (unsigned char)h[i];
        if (c != f && c != F)
            continue;
        size_t k = 1;
        while (k < nn && tolower((unsigned char)h[i + k]) == tolower((unsigned char)n[k]))
            k++;
        if (k == nn)
            return i;
    }
    return (size_t)-1;
}

size_t logstore_search_ranges(const struct logstore_search *q, const char *text, size_t len,
                              size_t *starts, size_t *ends, size_t max)
{
    size_t n = 0;
    if (!q || !q->text || !q->text[0] || (q->regex && !q->re_ok))
        return 0;
    if (q->regex) {
        size_t off = 0;
        while (off <= len && n < max) {
            regmatch_t m[1];
            m[0].rm_so = 0;
            m[0].rm_eo = (regoff_t)(len - off);
            if (regexec(&q->re, text + off, 1, m, REG_STARTEND | (off ? REG_NOTBOL : 0)) != 0)
                break;
            starts[n] = off + (size_t)m[0].rm_so;
            ends[n] = off + (size_t)m[0].rm_eo;
            n++;
            off += m[0].rm_eo > m[0].rm_so ? (size_t)m[0].rm_eo : (size_t)m[0].rm_so + 1;
        }
        return n;
    }
    size_t nl = strlen(q->text), off = 0;
    while (off < len && n < max) {
        size_t at = lst_find_icase(text + off, len - off, q->text, nl);
        if (at == (size_t)-1)
            break;
        starts[n] = off + at;
        ends[n] = off + at + nl;
        n++;
        off += at + nl;
    }
    return n;
}

static bool lst_search_span(const struct logstore_search *q, const char *p, size_t n)
{
    if (q->regex) {
        if (!q->re_ok)
            return false;
        regmatch_t m[1];
        m[0].rm_so = 0;
        m[0].rm_eo = (regoff_t)n;
        return regexec(&q->re, p, 1, m, REG_STARTEND) == 0;
    }
    return lst_find_icase(p, n, q->text, strlen(q->text)) != (size_t)-1;
}

bool logstore_search_row(const struct logstore *s, const struct logstore_search *q,
                         const struct logstore_row *row)
{
    if (!q || !q->text || !q->text[0])
        return false;
    if (row->kind == LOGSTORE_GAP)
        return lst_search_span(q, "GAP", 3) ||
               lst_search_span(q, row->gap_reason, strlen(row->gap_reason)) ||
               lst_search_span(q, row->gap_detail, strlen(row->gap_detail));
    if (lst_search_span(q, row->label, strlen(row->label)) ||
        lst_search_span(q, row->cluster, strlen(row->cluster)))
        return true;
    if (row->type == LOGREC_ENGINE && row->level &&
        lst_search_span(q, logrec_level_name(row->level), strlen(logrec_level_name(row->level))))
        return true;
    struct logstore_full full;
    logstore_full_init(&full);
    struct logstore_span text, client, name;
    lst_fields(s, row, &full, &text, &client, &name);
    bool hit = lst_search_span(q, text.p, text.n) ||
               (row->type == LOGREC_SLOW &&
                (lst_search_span(q, client.p, client.n) || lst_search_span(q, name.p, name.n)));
    logstore_full_free(&full);
    return hit;
}

size_t logstore_view_find(const struct logstore_view *v, const struct logstore_search *q,
                          size_t from, int dir)
{
    size_t n = v->seqs.len;
    if (n == 0 || !q || !q->text || !q->text[0])
        return LOGSTORE_NONE;
    if (from >= n)
        from = dir > 0 ? 0 : n - 1;
    struct logstore_row row;
    for (size_t k = 0; k < n; k++) {
        size_t pos = dir > 0 ? (from + k) % n : (from + n - k) % n;
        if (logstore_row(v->s, lst_seqs_get(&v->seqs, pos), &row) &&
            logstore_search_row(v->s, q, &row))
            return pos;
    }
    return LOGSTORE_NONE;
}

size_t logstore_view_count_matches(const struct logstore_view *v, const struct logstore_search *q)
{
    size_t c = 0;
    struct logstore_row row;
    for (size_t i = 0; i < v->seqs.len; i++)
        if (logstore_row(v->s, lst_seqs_get(&v->seqs, i), &row) &&
            logstore_search_row(v->s, q, &row))
            c++;
    return c;
}
