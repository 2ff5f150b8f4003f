/* tail.c - the CloudWatch Logs tail engine: FilterLogEvents polling, and a
 * live source (StartLiveTail) reconciled by it. */
#include "core/logs/tail.h"

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws/mem.h"
#include "aws/paging.h"
#include "core/logs/tail_engine.h"
#include "core/logs/tail_live.h"

bool tail_shard_from_cluster_id(const char *id, char *out, size_t n)
{
    /* <rg>-DDDD-DDD (cluster mode enabled); <rg>-DDD is shard 0001 */
    size_t l = id ? strlen(id) : 0;
    if (l >= 10 && id[l - 4] == '-' && id[l - 9] == '-') {
        for (size_t i = l - 8; i < l - 4; i++)
            if (!isdigit((unsigned char)id[i]))
                return false;
        for (size_t i = l - 3; i < l; i++)
            if (!isdigit((unsigned char)id[i]))
                return false;
        if (n < 5)
            return false;
        memcpy(out, id + l - 8, 4);
        out[4] = '\0';
        return true;
    }
    return false;
}

/* ================= dedupe: event ids inside the overlap window
 * ================= */

static uint64_t tail_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    /* splitmix64 finaliser */
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h ? h : 1;
}

static void tail_idset_init(struct tail_idset *s, size_t max)
{
    s->cap = 1024;
    s->key = mem_xcalloc(s->cap, sizeof(uint64_t));
    s->ts = mem_xcalloc(s->cap, sizeof(int64_t));
    s->n = 0;
    s->max = max;
    s->cutoff = INT64_MIN;
}

static void tail_idset_free(struct tail_idset *s)
{
    free(s->key);
    free(s->ts);
    s->key = NULL;
    s->ts = NULL;
}

static bool tail_idset_has(const struct tail_idset *s, uint64_t k)
{
    size_t mask = s->cap - 1;
    for (size_t i = (size_t)k & mask;; i = (i + 1) & mask) {
        if (s->key[i] == 0)
            return false;
        if (s->key[i] == k)
            return true;
    }
}

static void tail_idset_put_raw(uint64_t *key, int64_t *ts, size_t cap, uint64_t k, int64_t t)
{
    size_t mask = cap - 1;
    size_t i = (size_t)k & mask;
    while (key[i] != 0 && key[i] != k)
        i = (i + 1) & mask;
    key[i] = k;
    ts[i] = t;
}

/* Rebuild with capacity cap, keeping ids at or after cutoff. */
static void tail_idset_rebuild(struct tail_idset *s, size_t cap, int64_t cutoff)
{
    uint64_t *nk = mem_xcalloc(cap, sizeof(uint64_t));
    int64_t *nt = mem_xcalloc(cap, sizeof(int64_t));
    size_t n = 0;
    for (size_t i = 0; i < s->cap; i++)
        if (s->key[i] && s->ts[i] >= cutoff) {
            tail_idset_put_raw(nk, nt, cap, s->key[i], s->ts[i]);
            n++;
        }
    free(s->key);
    free(s->ts);
    s->key = nk;
    s->ts = nt;
    s->cap = cap;
    s->n = n;
}

/* Forget ids older than cutoff (the window moved). */
static void tail_idset_expire(struct tail_idset *s, int64_t cutoff)
{
    if (cutoff <= s->cutoff)
        return;
    s->cutoff = cutoff;
    size_t cap = s->cap;
    while (cap > 1024 && s->n * 8 < cap)
        cap /= 2;
    tail_idset_rebuild(s, cap, cutoff);
}

/* Room for one more id: grow, or when at the maximum forget the older
 * half of the window (returns true when the cutoff moved). */
static bool tail_idset_make_room(struct tail_idset *s)
{
    bool moved = false;
    if (s->n + 1 > s->max) {
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (size_t i = 0; i < s->cap; i++)
            if (s->key[i]) {
                if (s->ts[i] < lo)
                    lo = s->ts[i];
                if (s->ts[i] > hi)
                    hi = s->ts[i];
            }
        int64_t cut = lo == hi ? hi + 1 : lo + (hi - lo) / 2 + 1;
        s->cutoff = cut;
        tail_idset_rebuild(s, s->cap, cut);
        moved = true;
    }
    if ((s->n + 1) * 10 > s->cap * 7)
        tail_idset_rebuild(s, s->cap * 2, s->cutoff);
    return moved;
}

static void tail_idset_add(struct tail_idset *s, uint64_t k, int64_t t)
{
    tail_idset_put_raw(s->key, s->ts, s->cap, k, t);
    s->n++;
}

/* ================= stream names seen ================= */

static bool tail_strset_add(struct tail_strset *s, const char *name)
{
    if (s->n >= TAIL_MAX_STREAMS)
        return false;
    if ((s->n + 1) * 2 > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 64;
        char **ni = mem_xcalloc(ncap, sizeof(char *));
        for (size_t i = 0; i < s->cap; i++)
            if (s->item[i]) {
                size_t j = (size_t)tail_hash(s->item[i], strlen(s->item[i])) & (ncap - 1);
                while (ni[j])
                    j = (j + 1) & (ncap - 1);
                ni[j] = s->item[i];
            }
        free(s->item);
        s->item = ni;
        s->cap = ncap;
    }
    size_t j = (size_t)tail_hash(name, strlen(name)) & (s->cap - 1);
    while (s->item[j]) {
        if (strcmp(s->item[j], name) == 0)
            return false;
        j = (j + 1) & (s->cap - 1);
    }
    s->item[j] = mem_xstrdup(name);
    s->n++;
    return true;
}

static void tail_strset_free(struct tail_strset *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->item[i]);
    free(s->item);
    memset(s, 0, sizeof(*s));
}

/* ================= what both sources saw: events by content =================
 *
 * Pushed events have no event id; an event is its stream, timestamp and
 * message. Identical events are several events, so each content counts
 * how many copies each source reported: a copy is delivered by the source
 * that reports it beyond what the other one already did. */

static uint64_t tail_fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static uint64_t tail_content_key(const char *stream, int64_t ts, const char *msg, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    h = tail_fnv(h, stream, strlen(stream) + 1);
    unsigned char t[8];
    for (int i = 0; i < 8; i++)
        t[i] = (unsigned char)((uint64_t)ts >> (8 * i));
    h = tail_fnv(h, t, sizeof(t));
    h = tail_fnv(h, msg, len);
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h ? h : 1;
}

void tail_cset_free(struct tail_cset *c)
{
    free(c->e);
    memset(c, 0, sizeof(*c));
}

static struct tail_centry *tail_cset_slot(struct tail_centry *e, size_t cap, uint64_t k)
{
    size_t mask = cap - 1;
    size_t i = (size_t)k & mask;
    while (e[i].key != 0 && e[i].key != k)
        i = (i + 1) & mask;
    return &e[i];
}

/* Keep entries for which keep() says so, at capacity cap. */
static void tail_cset_rebuild(struct tail_cset *c, size_t cap, int64_t ts_cut, uint64_t seen_cut)
{
    struct tail_centry *ne = mem_xcalloc(cap, sizeof(*ne));
    size_t n = 0;
    for (size_t i = 0; i < c->cap; i++) {
        const struct tail_centry *x = &c->e[i];
        if (x->key && (x->ts >= ts_cut || x->seen >= seen_cut)) {
            *tail_cset_slot(ne, cap, x->key) = *x;
            n++;
        }
    }
    free(c->e);
    c->e = ne;
    c->cap = cap;
    c->n = n;
}

/* Forget what is older than the window and was not seen lately. */
static void tail_cset_expire(struct tail_cset *c, int64_t ts_cut, uint64_t seen_cut)
{
    if (!c->e)
        return;
    size_t cap = c->cap;
    while (cap > 1024 && c->n * 8 < cap)
        cap /= 2;
    tail_cset_rebuild(c, cap, ts_cut, seen_cut);
}

/* The entry of key k (created when new). *overflow is set when the
 * memory was full and its older half (by last seen) was forgotten. */
static struct tail_centry *tail_cset_get(struct tail_cset *c, uint64_t k, int64_t ts, uint64_t now,
                                         bool *overflow)
{
    *overflow = false;
    if (!c->e) {
        c->cap = 1024;
        c->e = mem_xcalloc(c->cap, sizeof(*c->e));
    }
    struct tail_centry *x = tail_cset_slot(c->e, c->cap, k);
    if (x->key == k) {
        x->seen = now;
        return x;
    }
    if (c->n + 1 > c->max) {
        uint64_t lo = UINT64_MAX, hi = 0;
        for (size_t i = 0; i < c->cap; i++)
            if (c->e[i].key) {
                if (c->e[i].seen < lo)
                    lo = c->e[i].seen;
                if (c->e[i].seen > hi)
                    hi = c->e[i].seen;
            }
        tail_cset_rebuild(c, c->cap, INT64_MAX, lo == hi ? hi + 1 : lo + (hi - lo) / 2 + 1);
        *overflow = true;
    }
    if ((c->n + 1) * 10 > c->cap * 7)
        tail_cset_rebuild(c, c->cap * 2, INT64_MIN, 0);
    x = tail_cset_slot(c->e, c->cap, k);
    x->key = k;
    x->ts = ts;
    x->seen = now;
    x->live_n = x->poll_n = 0;
    c->n++;
    return x;
}

/* ================= tails ================= */

static uint64_t tail_rand(struct tail_set *s)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return s->rng;
}

struct tail_set *tail_set_new(const struct tail_options *o, char *err, size_t errlen)
{
    struct tail_match *m = tail_match_new(o->filter, err, errlen);
    if (!m)
        return NULL;
    struct tail_set *s = mem_xcalloc(1, sizeof(*s));
    s->o = *o;
    s->loop = o->loop;
    s->match = m;
    s->filter_pattern =
        mem_xstrdup(o->filter_pattern && *o->filter_pattern ? o->filter_pattern : NULL);
    s->o.filter_pattern = s->filter_pattern;
    s->o.filter = NULL;
    if (!s->o.overlap_ms)
        s->o.overlap_ms = 30000;
    if (!s->o.min_poll_ms)
        s->o.min_poll_ms = 500;
    if (!s->o.max_poll_ms)
        s->o.max_poll_ms = 2000;
    if (s->o.max_poll_ms < s->o.min_poll_ms)
        s->o.max_poll_ms = s->o.min_poll_ms;
    if (!s->o.backoff_base_ms)
        s->o.backoff_base_ms = 500;
    if (!s->o.backoff_max_ms)
        s->o.backoff_max_ms = 30000;
    if (s->o.max_failures <= 0)
        s->o.max_failures = 8;
    if (!s->o.max_cycle_pages)
        s->o.max_cycle_pages = TAIL_MAX_CYCLE_PAGES;
    if (s->o.hard_failures <= 0)
        s->o.hard_failures = 5;
    if (!s->o.dedupe_max_ids)
        s->o.dedupe_max_ids = 262144;
    if (!s->o.reconcile_ms)
        s->o.reconcile_ms = 5000;
    if (!s->o.live_retry_ms)
        s->o.live_retry_ms = 1000;
    s->live.enabled = o->live && o->follow && o->source_mode != TAIL_SOURCE_POLL;
    if (o->follow && o->source_mode == TAIL_SOURCE_POLL)
        snprintf(s->live.note, sizeof(s->live.note), "--source poll");
    else if (o->follow && !o->live)
        snprintf(s->live.note, sizeof(s->live.note), "no live source");
    if (o->budget) {
        s->budget = o->budget;
    } else {
        s->budget = tail_budget_new(o->loop, o->rate_per_s, 1);
        s->own_budget = true;
    }
    s->rng = o->seed ? o->seed : (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)s;
    if (!s->rng)
        s->rng = 88172645463325252ULL;
    return s;
}

size_t tail_set_add(struct tail_set *s, const char *log_group, enum logrec_type hint)
{
    struct tail *t = mem_xcalloc(1, sizeof(*t));
    t->set = s;
    t->index = s->n;
    t->log_group = mem_xstrdup(log_group);
    t->hint = hint;
    t->state = TAIL_IDLE;
    t->newest = INT64_MIN;
    t->floor = s->o.start_ms;
    t->interval = s->o.min_poll_ms;
    tail_idset_init(&t->ids, s->o.dedupe_max_ids);
    t->content.max = s->o.dedupe_max_ids;
    t->content_on = s->live.enabled;
    s->tails = mem_xrealloc(s->tails, (s->n + 1) * sizeof(*s->tails));
    s->tails[s->n++] = t;
    return t->index;
}

static void tail_cancel_pending(struct tail *t)
{
    struct tail_set *s = t->set;
    if (t->fetch) {
        s->o.source->cancel(s->o.source->ctx, t->fetch);
        t->fetch = NULL;
    }
    if (t->wait) {
        tail_budget_cancel(s->budget, t->wait);
        t->wait = NULL;
    }
    if (t->timer) {
        loop_untimer(s->loop, t->timer);
        t->timer = NULL;
    }
}

/* Close the session; keep: the status still says what it was (the set
 * stopped, its last status lines are printed after). */
static void tail_live_close(struct tail_set *s, bool keep)
{
    if (s->live.timer) {
        loop_untimer(s->loop, s->live.timer);
        s->live.timer = NULL;
    }
    if (s->live.handle) {
        void *h = s->live.handle;
        s->live.handle = NULL;
        s->o.live->close(s->o.live->ctx, h);
    }
    if (keep)
        return;
    s->live.up = false;
    s->live.session_id[0] = '\0';
    s->live.sampled = false;
}

void tail_set_stop(struct tail_set *s)
{
    if (!s || s->stopped)
        return;
    s->stopped = true;
    tail_live_close(s, true);
    for (size_t i = 0; i < s->n; i++)
        tail_cancel_pending(s->tails[i]);
}

void tail_set_free(struct tail_set *s)
{
    if (!s)
        return;
    tail_set_stop(s);
    for (size_t i = 0; i < s->n; i++) {
        struct tail *t = s->tails[i];
        free(t->log_group);
        free(t->next_token);
        paging_seen_free(&t->seen);
        tail_idset_free(&t->ids);
        tail_strset_free(&t->streams);
        tail_cset_free(&t->content);
        free(t);
    }
    free(s->tails);
    if (s->own_budget)
        tail_budget_free(s->budget);
    tail_match_free(s->match);
    free(s->filter_pattern);
    free(s);
}

size_t tail_set_count(const struct tail_set *s)
{
    return s->n;
}

bool tail_set_done(const struct tail_set *s)
{
    return s->done;
}

bool tail_set_failed(const struct tail_set *s)
{
    return s->failed;
}

bool tail_set_limited(const struct tail_set *s)
{
    return s->limited;
}

uint64_t tail_set_delivered(const struct tail_set *s)
{
    return s->delivered;
}

/* ---- notices ---- */

void tail_notify(struct tail *t, enum tail_notice_kind kind, const char *stream,
                 const struct aws_error *err, const char *detail, uint64_t retry_in)
{
    struct tail_set *s = t->set;
    if (!s->o.cb.on_notice || s->stopped)
        return;
    struct tail_notice n = {kind,    t->index, t->log_group, stream, err, detail ? detail : "",
                            retry_in};
    s->o.cb.on_notice(s, &n, s->o.cb.arg);
}

static void tail_gap(struct tail *t, int64_t from, int64_t to, const char *reason,
                     const char *detail)
{
    struct tail_set *s = t->set;
    t->gaps++;
    if (!s->o.cb.on_gap || s->stopped)
        return;
    struct tail_gap g = {t->index, t->log_group, from, to, reason, detail ? detail : ""};
    s->o.cb.on_gap(s, &g, s->o.cb.arg);
}

static void tail_check_done(struct tail_set *s)
{
    if (s->done || s->stopped)
        return;
    for (size_t i = 0; i < s->n; i++)
        if (s->tails[i]->state != TAIL_DONE && s->tails[i]->state != TAIL_FAILED)
            return;
    s->done = true;
    tail_live_close(s, true);
    if (s->o.cb.on_done)
        s->o.cb.on_done(s, s->o.cb.arg);
}

void tail_finish(struct tail *t, enum tail_state st)
{
    tail_cancel_pending(t);
    t->state = st;
    if (st == TAIL_FAILED)
        t->set->failed = true;
    if (st == TAIL_DONE)
        tail_notify(t, TAIL_NOTICE_DONE, NULL, NULL, "finished", 0);
    tail_check_done(t->set);
}

/* ---- the cycle ---- */

static void tail_request(struct tail *t);

static void tail_granted(void *arg)
{
    struct tail *t = arg;
    t->wait = NULL;
    tail_request(t);
}

/* A live session is up and the backfill done: polling is the
 * reconciliation behind it, one request per reconcile_ms at most. */
static bool tail_reconciling(const struct tail *t)
{
    return t->set->live.up && t->first_cycle_done;
}

static void tail_backoff_fired(void *arg)
{
    struct tail *t = arg;
    t->timer = NULL;
    t->spaced = false;
    tail_ask_budget(t);
}

void tail_ask_budget(struct tail *t)
{
    struct tail_set *s = t->set;
    if (tail_reconciling(t) && t->last_req_mono) {
        uint64_t now = loop_now_ms(s->loop), at = t->last_req_mono + s->o.reconcile_ms;
        if (now < at) {
            t->state = TAIL_IDLE;
            t->spaced = true;
            t->timer = loop_timer(s->loop, at - now, tail_backoff_fired, t);
            return;
        }
    }
    t->state = TAIL_WAITING;
    t->wait = tail_budget_acquire(s->budget, tail_granted, t);
}

void tail_begin_cycle(void *arg)
{
    struct tail *t = arg;
    struct tail_set *s = t->set;
    t->timer = NULL;
    t->spaced = false;
    int64_t start = s->o.start_ms;
    if (t->newest != INT64_MIN && t->newest - s->o.overlap_ms > start)
        start = t->newest - s->o.overlap_ms;
    if (start > t->floor)
        t->floor = start;
    tail_idset_expire(&t->ids, t->floor);
    if (t->ids.cutoff > t->floor)
        t->floor = t->ids.cutoff;
    if (t->content_on) {
        uint64_t now = loop_now_ms(s->loop);
        tail_cset_expire(&t->content, t->floor,
                         now > TAIL_CONTENT_GRACE_MS ? now - TAIL_CONTENT_GRACE_MS : 0);
    }
    t->pass_start_ms = loop_wall_ms(s->loop);
    t->cycle_start = t->floor;
    t->cycle_pos = t->floor;
    t->cycle_new = false;
    t->in_cycle = true;
    free(t->next_token);
    t->next_token = NULL;
    paging_seen_reset(&t->seen);
    t->cycle_pages = 0;
    t->cycle_events = 0;
    tail_ask_budget(t);
}

static void tail_rate_add(struct tail *t, uint64_t n)
{
    uint64_t sec = loop_now_ms(t->set->loop) / 1000;
    size_t slot = (size_t)(sec % TAIL_RATE_SLOTS);
    if (t->rate_sec[slot] != sec) {
        t->rate_sec[slot] = sec;
        t->rate_cnt[slot] = 0;
    }
    t->rate_cnt[slot] += n;
}

static int tail_cmp(const void *a, const void *b)
{
    const struct tail_sorted *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* The record limit is reached: every tail stops (not a gap: nothing that
 * was asked for went unread, the user asked for no more). */
static void tail_cut_limit(struct tail_set *s)
{
    s->limited = true;
    for (size_t i = 0; i < s->n; i++) {
        struct tail *u = s->tails[i];
        if (u->state == TAIL_DONE || u->state == TAIL_FAILED)
            continue;
        tail_cancel_pending(u);
        u->state = TAIL_DONE;
    }
    tail_check_done(s);
}

/* The content memory is full: its older half was forgotten. */
static void tail_content_overflow(struct tail *t)
{
    char d[200];
    snprintf(d, sizeof(d),
             "event memory full (%zu events): the older half was forgotten; an event reported "
             "by both sources across the cut may be missed or repeated",
             t->set->o.dedupe_max_ids);
    tail_notify(t, TAIL_NOTICE_OVERFLOW, NULL, NULL, d, 0);
}

/* The entry of an event's content (stream, time, message) in what both
 * sources saw, made when new; an overflow of the set is noted. */
struct tail_centry *tail_content_entry(struct tail *t, const char *stream, int64_t ts,
                                       const char *msg, size_t mlen, uint64_t now)
{
    bool over;
    struct tail_centry *c =
        tail_cset_get(&t->content, tail_content_key(stream, ts, msg, mlen), ts, now, &over);
    if (over)
        tail_content_overflow(t);
    return c;
}

void tail_note_lag(struct tail *t, int64_t ts, int64_t ingest)
{
    if (t->newest == INT64_MIN || ts > t->newest)
        t->newest = ts;
    if (ingest > 0) {
        t->lag_ms = ingest - ts;
        if (t->lag_ms > t->lag_max_ms)
            t->lag_max_ms = t->lag_ms;
    }
}

/* Admit an event that passed the dedupe into acc (its stream noted, the
 * raw-text filters applied without a parse); false when a filter refuses
 * it (counted). */
bool tail_admit(struct tail *t, struct tail_sorted *a, const char *id, const char *stream,
                const char *msg, size_t len, int64_t ts, int64_t ingest)
{
    if (stream[0] && tail_strset_add(&t->streams, stream) && t->first_cycle_done)
        tail_notify(t, TAIL_NOTICE_NEW_STREAM, stream, NULL, "new log stream", 0);
    if (!msg)
        msg = "", len = 0;
    if (!tail_match_raw(t->set->match, msg, len)) {
        t->filtered++;
        return false;
    }
    *a = (struct tail_sorted){
        .id = id, .stream = stream, .msg = msg, .mlen = len, .ts = ts, .ingest = ingest};
    return true;
}

/* Deliver acc[0..na) in timestamp order (then as given); frees acc.
 * Returns false when the set stopped or the limit cut it. */
bool tail_deliver(struct tail *t, struct tail_sorted *acc, size_t na)
{
    struct tail_set *s = t->set;
    if (na > 1)
        qsort(acc, na, sizeof(*acc), tail_cmp);
    bool go_on = true;
    for (size_t i = 0; i < na; i++) {
        if (s->stopped || s->done) {
            go_on = false;
            break;
        }
        const struct tail_sorted *a = &acc[i];
        struct logrec_event ev = {a->id,   t->log_group, a->stream, a->msg,
                                  a->mlen, a->ts,        a->ingest, t->hint};
        struct logrec *r = logrec_new(&ev, s->o.label_fn, s->o.label_ctx);
        if (!tail_match_fields(s->match, r)) {
            t->filtered++;
            logrec_free(r);
            continue;
        }
        t->events++;
        s->delivered++;
        if (acc[i].live)
            t->live_events++;
        else if (acc[i].filled)
            t->filled++;
        tail_rate_add(t, 1);
        if (s->o.cb.on_record)
            s->o.cb.on_record(s, t->index, r, s->o.cb.arg);
        if (s->o.ring)
            ring_push(s->o.ring, r);
        else
            logrec_free(r);
        if (s->o.max_records && s->delivered >= s->o.max_records) {
            tail_cut_limit(s);
            go_on = false;
            break;
        }
    }
    free(acc);
    return go_on && !s->stopped && !s->done;
}

/* Returns false when the set stopped or the limit cut it. */
static bool tail_take_page(struct tail *t, const struct tail_page *page)
{
    struct tail_set *s = t->set;
    struct tail_sorted *acc = page->n ? mem_xcalloc(page->n, sizeof(*acc)) : NULL;
    size_t na = 0;
    uint64_t now = loop_now_ms(s->loop);
    for (size_t i = 0; i < page->n; i++) {
        const struct tail_event *e = &page->events[i];
        const char *id = e->event_id ? e->event_id : "";
        const char *stream = e->log_stream ? e->log_stream : "";
        const char *msg = e->message ? e->message : "";
        size_t mlen = e->message ? e->message_len : 0;
        uint64_t k;
        if (id[0]) {
            k = tail_hash(id, strlen(id));
        } else {
            /* no id: identity is stream + time + message */
            struct buf kb;
            buf_init(&kb, 0);
            buf_printf(&kb, "%s|%lld|", stream, (long long)e->timestamp_ms);
            buf_append(&kb, msg, mlen);
            k = tail_hash(kb.data ? kb.data : "", kb.len);
            buf_free(&kb);
        }
        if (e->timestamp_ms > t->cycle_pos)
            t->cycle_pos = e->timestamp_ms;
        tail_note_lag(t, e->timestamp_ms, e->ingestion_ms);
        if (tail_idset_has(&t->ids, k)) {
            t->duplicates++;
            continue;
        }
        if (e->timestamp_ms < t->ids.cutoff) {
            /* older than what the id memory still covers: possibly seen */
            t->skipped++;
            continue;
        }
        if (tail_idset_make_room(&t->ids)) {
            if (t->ids.cutoff > t->floor)
                t->floor = t->ids.cutoff;
            char d[160];
            snprintf(d, sizeof(d),
                     "event id memory full (%zu ids): overlap window shortened; late "
                     "events "
                     "older than the cut may be missed",
                     s->o.dedupe_max_ids);
            tail_notify(t, TAIL_NOTICE_OVERFLOW, NULL, NULL, d, 0);
            if (e->timestamp_ms < t->ids.cutoff) {
                t->skipped++;
                continue;
            }
        }
        tail_idset_add(&t->ids, k, e->timestamp_ms);
        t->cycle_new = true;
        bool filled = false;
        if (t->content_on) {
            /* the live session may have delivered this very event */
            struct tail_centry *c = tail_content_entry(t, stream, e->timestamp_ms, msg, mlen, now);
            if (++c->poll_n <= c->live_n) {
                t->duplicates++;
                continue;
            }
            filled = s->live.up && t->first_cycle_done; /* not the backfill */
        }
        if (!tail_admit(t, &acc[na], id, stream, msg, mlen, e->timestamp_ms, e->ingestion_ms))
            continue;
        acc[na].order = na;
        acc[na].filled = filled;
        na++;
    }
    if (t->lag_ms > s->o.overlap_ms * 8 / 10 && !s->stopped) {
        int64_t wall = loop_wall_ms(s->loop);
        if (wall - t->lag_notice_ms > 60000) {
            t->lag_notice_ms = wall;
            char d[160];
            snprintf(d, sizeof(d),
                     "ingestion lag %.1fs is close to the overlap window %.1fs: "
                     "later events "
                     "may be missed (raise --overlap)",
                     (double)t->lag_ms / 1000.0, (double)s->o.overlap_ms / 1000.0);
            tail_notify(t, TAIL_NOTICE_LAG, NULL, NULL, d, 0);
        }
    }
    return tail_deliver(t, acc, na);
}

static bool tail_transient(const struct aws_error *e)
{
    return e->throttling || e->retryable || e->kind == AWS_ERR_TRANSPORT || e->http_status >= 500 ||
           e->http_status == 429;
}

static bool tail_fatal_code(const struct aws_error *e)
{
    return e->kind == AWS_ERR_CREDENTIALS || e->kind == AWS_ERR_CONFIG ||
           aws_error_is(e, "ResourceNotFoundException") ||
           aws_error_is(e, "AccessDeniedException") ||
           aws_error_is(e, "UnrecognizedClientException") ||
           aws_error_is(e, "InvalidParameterException");
}

static uint64_t tail_next_backoff(struct tail *t, bool throttled)
{
    struct tail_set *s = t->set;
    unsigned k = t->failures > 16 ? 16 : t->failures;
    uint64_t cap = s->o.backoff_base_ms << (k ? k - 1 : 0);
    if (cap > s->o.backoff_max_ms || cap == 0)
        cap = s->o.backoff_max_ms;
    /* "equal jitter": half fixed, half random, so a throttled tail always
     * waits at least half the step */
    uint64_t half = cap / 2;
    uint64_t d = half + (half ? tail_rand(s) % (half + 1) : 0);
    if (throttled && d < s->o.backoff_base_ms)
        d = s->o.backoff_base_ms;
    return d;
}

static void tail_on_error(struct tail *t, const struct aws_error *err)
{
    struct tail_set *s = t->set;
    t->errors++;
    t->failures++;
    if (err->throttling)
        t->throttled++;
    char *msg = aws_error_format(err);
    snprintf(t->last_error, sizeof(t->last_error), "%s", msg ? msg : "error");
    free(msg);
    bool transient = tail_transient(err);
    if (err->throttling)
        tail_budget_penalize(s->budget, s->o.backoff_base_ms);

    if (!t->ever_ok && !transient && tail_fatal_code(err)) {
        tail_notify(t, TAIL_NOTICE_FATAL, NULL, err, t->last_error, 0);
        tail_finish(t, TAIL_FAILED);
        return;
    }
    /* An expired or unknown paging token: restart the cycle from its
     * start (ids already seen are suppressed), no data is lost. */
    if (!transient && t->next_token && aws_error_is(err, "InvalidParameterException")) {
        uint64_t d = tail_next_backoff(t, false);
        tail_notify(t, TAIL_NOTICE_ERROR, NULL, err, t->last_error, d);
        if (s->stopped)
            return;
        free(t->next_token);
        t->next_token = NULL;
        t->backoff = d;
        t->state = TAIL_BACKOFF;
        t->timer = loop_timer(s->loop, d, tail_backoff_fired, t);
        return;
    }
    bool give_up;
    if (s->o.follow) {
        if (!transient)
            t->hard_failures++;
        give_up = !transient && t->hard_failures >= (unsigned)s->o.hard_failures;
    } else {
        give_up = t->failures >= (unsigned)s->o.max_failures || (!transient && t->failures >= 2);
    }
    if (give_up) {
        if (s->o.follow) {
            /* Move past what cannot be read, and say so. */
            int64_t now = loop_wall_ms(s->loop);
            int64_t to = now - s->o.overlap_ms;
            if (s->o.end_ms && to > s->o.end_ms)
                to = s->o.end_ms;
            if (to <= t->cycle_pos)
                to = t->cycle_pos + 1;
            tail_gap(t, t->cycle_pos, to, "error", t->last_error);
            if (s->stopped)
                return;
            t->floor = to;
            tail_idset_expire(&t->ids, to);
            t->hard_failures = 0;
            t->failures = 0;
            t->in_cycle = false;
            free(t->next_token);
            t->next_token = NULL;
            t->state = TAIL_IDLE;
            t->timer = loop_timer(s->loop, s->o.backoff_max_ms, tail_begin_cycle, t);
        } else {
            tail_gap(t, t->cycle_pos, s->o.end_ms, "error", t->last_error);
            if (s->stopped)
                return;
            tail_notify(t, TAIL_NOTICE_FATAL, NULL, err, t->last_error, 0);
            tail_finish(t, TAIL_FAILED);
        }
        return;
    }
    uint64_t d = tail_next_backoff(t, err->throttling);
    t->backoff = d;
    tail_notify(t, TAIL_NOTICE_ERROR, NULL, err, t->last_error, d);
    if (s->stopped)
        return;
    t->state = TAIL_BACKOFF;
    t->timer = loop_timer(s->loop, d, tail_backoff_fired, t);
}

static void tail_cycle_done(struct tail *t)
{
    struct tail_set *s = t->set;
    t->in_cycle = false;
    t->reconciled_ms = t->pass_start_ms;
    if (!t->first_cycle_done) {
        t->first_cycle_done = true;
        char d[96];
        snprintf(d, sizeof(d), "backfill complete: %zu stream%s, %llu event%s", t->streams.n,
                 t->streams.n == 1 ? "" : "s", (unsigned long long)t->events,
                 t->events == 1 ? "" : "s");
        tail_notify(t, TAIL_NOTICE_READY, NULL, NULL, d, 0);
        if (s->stopped || s->done)
            return;
    }
    if (!s->o.follow) {
        tail_finish(t, TAIL_DONE);
        return;
    }
    if (s->o.end_ms && loop_wall_ms(s->loop) >= s->o.end_ms + s->o.overlap_ms) {
        tail_finish(t, TAIL_DONE);
        return;
    }
    if (t->cycle_new) {
        t->interval = s->o.min_poll_ms;
    } else {
        t->interval *= 2;
        if (t->interval > s->o.max_poll_ms)
            t->interval = s->o.max_poll_ms;
    }
    uint64_t wait = t->interval;
    if (tail_reconciling(t)) {
        /* the next pass when the spacing allows its first request */
        uint64_t now = loop_now_ms(s->loop), at = t->last_req_mono + s->o.reconcile_ms;
        wait = at > now ? at - now : 0;
        t->spaced = true;
    }
    t->state = TAIL_IDLE;
    t->timer = loop_timer(s->loop, wait, tail_begin_cycle, t);
}

/* A pass that cannot end by itself (a token sent twice, pages or events
 * past the bounds): what was read stays delivered; without --follow the
 * tail ends here, failed, and the rest of its range is a gap; following,
 * the pass ends and the next poll starts a new one. */
static void tail_paging_bound(struct tail *t, const char *code, const char *why,
                              const char *request_id)
{
    struct tail_set *s = t->set;
    struct aws_error e;
    aws_error_init(&e);
    aws_error_set(&e, AWS_ERR_PARSE, code, "%s", why);
    snprintf(e.service, sizeof(e.service), "CloudWatch Logs");
    snprintf(e.operation, sizeof(e.operation), "FilterLogEvents");
    snprintf(e.request_id, sizeof(e.request_id), "%s", request_id ? request_id : "");
    t->errors++;
    char *msg = aws_error_format(&e);
    snprintf(t->last_error, sizeof(t->last_error), "%s", msg ? msg : why);
    free(msg);
    if (!s->o.follow) {
        tail_gap(t, t->cycle_pos, s->o.end_ms, "error", t->last_error);
        if (!s->stopped)
            tail_notify(t, TAIL_NOTICE_FATAL, NULL, &e, t->last_error, 0);
        if (!s->stopped)
            tail_finish(t, TAIL_FAILED);
    } else {
        tail_notify(t, TAIL_NOTICE_ERROR, NULL, &e, t->last_error, t->interval);
        if (!s->stopped)
            tail_cycle_done(t);
    }
    aws_error_clear(&e);
}

static void tail_page_done(const struct tail_page *page, const struct aws_error *err, void *arg)
{
    struct tail *t = arg;
    struct tail_set *s = t->set;
    t->fetch = NULL;
    if (s->stopped)
        return;
    if (err || !page) {
        struct aws_error fallback;
        aws_error_init(&fallback);
        if (!err) {
            aws_error_set(&fallback, AWS_ERR_INTERNAL, "NoPage", "source returned nothing");
            err = &fallback;
        }
        tail_on_error(t, err);
        aws_error_clear(&fallback);
        return;
    }
    if (t->failures) {
        char d[96];
        snprintf(d, sizeof(d), "recovered after %u failed request%s", t->failures,
                 t->failures == 1 ? "" : "s");
        t->failures = 0;
        t->hard_failures = 0;
        t->backoff = 0;
        tail_notify(t, TAIL_NOTICE_RECOVERED, NULL, NULL, d, 0);
        if (s->stopped)
            return;
    }
    t->ever_ok = true;
    t->last_ok_ms = loop_wall_ms(s->loop);
    t->cycle_pages++;
    t->cycle_events += page->n;
    bool more = page->next_token && page->next_token[0];
    const char *bound = NULL;
    char why[256];
    if (more && !paging_seen_add(&t->seen, page->next_token)) {
        bound = PAGING_LOOP;
        snprintf(why, sizeof(why),
                 "FilterLogEvents sent a nextToken it had already sent, after %u pages "
                 "(pagination loop)",
                 t->cycle_pages);
    } else if (more && t->cycle_pages >= s->o.max_cycle_pages) {
        bound = PAGING_LIMIT;
        snprintf(why, sizeof(why),
                 "FilterLogEvents sent a new nextToken on each of %u pages, far more than any "
                 "real log group needs; stopped",
                 t->cycle_pages);
    } else if (t->cycle_events > TAIL_MAX_CYCLE_EVENTS) {
        bound = PAGING_LIMIT;
        snprintf(why, sizeof(why),
                 "FilterLogEvents returned more than %llu events in one pass, far more than any "
                 "real log group holds; stopped",
                 (unsigned long long)TAIL_MAX_CYCLE_EVENTS);
    }
    if (!tail_take_page(t, page))
        return;
    free(t->next_token);
    t->next_token = NULL;
    if (bound) {
        tail_paging_bound(t, bound, why, page->request_id);
        return;
    }
    t->next_token = more ? mem_xstrdup(page->next_token) : NULL;
    if (t->next_token)
        tail_ask_budget(t);
    else
        tail_cycle_done(t);
}

static void tail_request(struct tail *t)
{
    struct tail_set *s = t->set;
    struct tail_query q = {
        .log_group = t->log_group,
        .start_ms = t->cycle_start,
        .end_ms = s->o.end_ms,
        .filter_pattern = s->filter_pattern,
        .next_token = t->next_token,
        .limit = s->o.page_limit,
    };
    t->state = TAIL_FETCHING;
    t->requests++;
    t->last_poll_ms = loop_wall_ms(s->loop);
    t->last_req_mono = loop_now_ms(s->loop);
    if (!t->first_req_mono)
        t->first_req_mono = t->last_req_mono;
    uint64_t sec = t->last_req_mono / 1000;
    size_t slot = (size_t)(sec % TAIL_REQ_SLOTS);
    if (t->req_sec[slot] != sec) {
        t->req_sec[slot] = sec;
        t->req_cnt[slot] = 0;
    }
    t->req_cnt[slot]++;
    t->fetch = s->o.source->fetch(s->o.source->ctx, &q, tail_page_done, t);
}

void tail_set_start(struct tail_set *s)
{
    if (s->started || s->stopped)
        return;
    s->started = true;
    if (s->n == 0) {
        s->done = true;
        return;
    }
    if (s->live.enabled && s->n > TAIL_LIVE_MAX_GROUPS) {
        s->live.enabled = false;
        snprintf(s->live.note, sizeof(s->live.note),
                 "more than %d log groups (StartLiveTail's limit)", TAIL_LIVE_MAX_GROUPS);
    }
    for (size_t i = 0; i < s->n; i++)
        s->tails[i]->content_on = s->live.enabled;
    tail_live_open(s);
    for (size_t i = 0; i < s->n && !s->stopped; i++)
        tail_begin_cycle(s->tails[i]);
}

/* ---- status ---- */

const char *tail_state_name(enum tail_state st)
{
    switch (st) {
    case TAIL_IDLE:
        return "idle";
    case TAIL_WAITING:
        return "waiting";
    case TAIL_FETCHING:
        return "polling";
    case TAIL_BACKOFF:
        return "backoff";
    case TAIL_DONE:
        return "done";
    case TAIL_FAILED:
        return "failed";
    }
    return "?";
}

void tail_status(const struct tail_set *s, size_t i, struct tail_status *out)
{
    memset(out, 0, sizeof(*out));
    if (i >= s->n)
        return;
    const struct tail *t = s->tails[i];
    out->log_group = t->log_group;
    out->hint = t->hint;
    out->state = t->state;
    out->last_ok_ms = t->last_ok_ms;
    out->last_poll_ms = t->last_poll_ms;
    out->lag_ms = t->lag_ms;
    out->lag_max_ms = t->lag_max_ms;
    out->position_ms = t->floor;
    out->newest_ms = t->newest == INT64_MIN ? 0 : t->newest;
    out->backoff_ms = t->state == TAIL_BACKOFF ? t->backoff : 0;
    out->interval_ms = t->interval;
    out->failures = t->failures;
    uint64_t sec = loop_now_ms(s->loop) / 1000, sum = 0;
    for (size_t k = 0; k < TAIL_RATE_SLOTS; k++)
        if (t->rate_sec[k] + TAIL_RATE_SLOTS > sec && t->rate_sec[k] <= sec)
            sum += t->rate_cnt[k];
    out->events_per_s = (double)sum / TAIL_RATE_SLOTS;
    out->events = t->events;
    out->duplicates = t->duplicates;
    out->filtered = t->filtered;
    out->skipped = t->skipped;
    out->dropped = s->o.ring ? ring_dropped(s->o.ring) : 0;
    out->requests = t->requests;
    out->throttled = t->throttled;
    out->errors = t->errors;
    out->gaps = t->gaps;
    out->streams = t->streams.n;
    out->dedupe_ids = t->ids.n;
    snprintf(out->last_error, sizeof(out->last_error), "%s", t->last_error);
    out->source = s->live.up ? "live" : "poll";
    out->live_opening = s->live.handle && !s->live.up;
    out->live_enabled = s->live.enabled;
    snprintf(out->session_id, sizeof(out->session_id), "%s", s->live.session_id);
    out->sampled = s->live.sampled;
    out->sessions = s->live.sessions;
    out->reconnects = s->live.reconnects;
    out->live_events = t->live_events;
    out->filled = t->filled;
    out->reconciled_ms = t->reconciled_ms;
    out->reconcile_lag_ms = t->reconciled_ms ? loop_wall_ms(s->loop) - t->reconciled_ms : 0;
    uint64_t rsum = 0, now_s = loop_now_ms(s->loop) / 1000;
    for (size_t k = 0; k < TAIL_REQ_SLOTS; k++)
        if (t->req_sec[k] + TAIL_REQ_SLOTS > now_s && t->req_sec[k] <= now_s)
            rsum += t->req_cnt[k];
    /* over the last minute, or since the first request when younger */
    uint64_t span = t->first_req_mono ? now_s - t->first_req_mono / 1000 + 1 : TAIL_REQ_SLOTS;
    if (span > TAIL_REQ_SLOTS)
        span = TAIL_REQ_SLOTS;
    out->requests_per_s = (double)rsum / (double)span;
    snprintf(out->source_note, sizeof(out->source_note), "%s", s->live.note);
}

const char *tail_source_mode_name(enum tail_source_mode m)
{
    switch (m) {
    case TAIL_SOURCE_AUTO:
        return "auto";
    case TAIL_SOURCE_LIVE:
        return "live";
    case TAIL_SOURCE_POLL:
        return "poll";
    }
    return "?";
}

void tail_status_format(const struct tail_status *st, char *out, size_t n)
{
    char backoff[48] = "", source[400] = "", pass[48] = "no pass yet";
    if (st->reconciled_ms)
        snprintf(pass, sizeof(pass), "reconciled %.1fs ago", (double)st->reconcile_lag_ms / 1000.0);
    if (st->backoff_ms)
        snprintf(backoff, sizeof(backoff), ", backoff %.1fs", (double)st->backoff_ms / 1000.0);
    if (st->source && strcmp(st->source, "live") == 0)
        snprintf(source, sizeof(source),
                 ", source live (session %s%s), %llu reconnect%s, %llu live, %llu filled, %s, "
                 "%.2f req/s",
                 st->session_id[0] ? st->session_id : "?", st->sampled ? ", sampled" : "",
                 (unsigned long long)st->reconnects, st->reconnects == 1 ? "" : "s",
                 (unsigned long long)st->live_events, (unsigned long long)st->filled, pass,
                 st->requests_per_s);
    else if (st->live_enabled)
        snprintf(source, sizeof(source),
                 ", source poll (live session %s), %llu reconnect%s, %llu live, %.2f req/s",
                 st->live_opening ? "opening" : "down", (unsigned long long)st->reconnects,
                 st->reconnects == 1 ? "" : "s", (unsigned long long)st->live_events,
                 st->requests_per_s);
    else
        snprintf(source, sizeof(source), ", source poll%s%s%s, %.2f req/s",
                 st->source_note[0] ? " (" : "", st->source_note, st->source_note[0] ? ")" : "",
                 st->requests_per_s);
    snprintf(out, n,
             "%s: %s%s, lag %.1fs (max %.1fs), %.1f ev/s, %llu event%s, %llu dup, "
             "%llu filtered, "
             "%llu dropped, %zu stream%s, %llu request%s, %llu throttled, %llu "
             "error%s, %llu gap%s%s",
             st->log_group ? st->log_group : "?", tail_state_name(st->state), backoff,
             (double)st->lag_ms / 1000.0, (double)st->lag_max_ms / 1000.0, st->events_per_s,
             (unsigned long long)st->events, st->events == 1 ? "" : "s",
             (unsigned long long)st->duplicates, (unsigned long long)st->filtered,
             (unsigned long long)st->dropped, st->streams, st->streams == 1 ? "" : "s",
             (unsigned long long)st->requests, st->requests == 1 ? "" : "s",
             (unsigned long long)st->throttled, (unsigned long long)st->errors,
             st->errors == 1 ? "" : "s", (unsigned long long)st->gaps, st->gaps == 1 ? "" : "s",
             source);
}
