/* test_tail.c - the tail engine against a scripted FilterLogEvents fake:
 * exactly-once with late events, equal timestamps and several streams;
 * throttling that never stops a follow; new streams; gaps; limits; the
 * shared request budget; dedupe overflow; filters; cancellation. With a
 * scripted live source beside it: exactly once by content (pushed events
 * have no id) with frames lost, identical events, pushes before the poll
 * sees them; the reconciliation's spacing; a refused session (polling,
 * said once; --source live fails); sessions that end and reopen; sampled
 * sessions; a stop from inside a pushed record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "core/logs/logrec.h"
#include "core/loop.h"
#include "core/logs/ring.h"
#include "core/logs/tail.h"

/* ---- the fake log group ---- */

struct fake_ev {
    char id[40];
    char stream[128];
    char msg[300];
    int64_t ts;
    int64_t ingest;
    uint64_t seq;
    uint64_t visible_at; /* loop_now_ms */
};

struct fake;

struct fake_req {
    struct fake *f;
    struct tail_query q;
    char group[128];
    char token[32];
    bool has_token;
    tail_page_cb cb;
    void *arg;
    struct loop_timer *timer;
    struct fake_req *next;
};

struct fake {
    struct loop *l;
    struct fake_ev *ev;
    size_t n, cap;
    uint64_t seq;
    int page_size;
    unsigned throttle_pct; /* 0..100 */
    int hard_fail;         /* fail this many requests with a hard error */
    int tokens;            /* 0: honest; 1: always "same"; 2: "c1"/"c2" in turn; 3: a new one
                              on every page, forever */
    const char *hard_code;
    unsigned rng;
    unsigned requests, throttled, cancelled, inflight;
    uint64_t req_ms[4096];
    struct fake_req *pending;
    int64_t last_start, last_end;
};

static void fake_init(struct fake *f, struct loop *l)
{
    memset(f, 0, sizeof(*f));
    f->l = l;
    f->page_size = 5;
    f->rng = 12345;
    f->hard_code = "AccessDeniedException";
}

static void fake_free(struct fake *f)
{
    free(f->ev);
}

static void fake_put(struct fake *f, const char *stream, int64_t ts, const char *msg,
                     uint64_t delay_ms)
{
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 64;
        f->ev = mem_xrealloc(f->ev, f->cap * sizeof(*f->ev));
    }
    struct fake_ev *e = &f->ev[f->n++];
    memset(e, 0, sizeof(*e));
    e->seq = ++f->seq;
    snprintf(e->id, sizeof(e->id), "%020llu%010llu", (unsigned long long)ts,
             (unsigned long long)e->seq);
    snprintf(e->stream, sizeof(e->stream), "%s", stream);
    snprintf(e->msg, sizeof(e->msg), "%s", msg);
    e->ts = ts;
    e->visible_at = loop_now_ms(f->l) + delay_ms;
    e->ingest = loop_wall_ms(f->l) + (int64_t)delay_ms;
}

static unsigned fake_rand(struct fake *f)
{
    f->rng = f->rng * 1103515245u + 12345u;
    return (f->rng >> 16) & 0x7fff;
}

static int fake_cmp(const void *a, const void *b)
{
    const struct fake_ev *x = *(const struct fake_ev *const *)a;
    const struct fake_ev *y = *(const struct fake_ev *const *)b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    if (x->ingest != y->ingest)
        return x->ingest < y->ingest ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void fake_unlink(struct fake *f, struct fake_req *r)
{
    for (struct fake_req **pp = &f->pending; *pp; pp = &(*pp)->next)
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    f->inflight--;
}

static void fake_answer(void *arg)
{
    struct fake_req *r = arg;
    struct fake *f = r->f;
    fake_unlink(f, r);
    if (f->hard_fail > 0) {
        f->hard_fail--;
        struct aws_error e;
        aws_error_init(&e);
        aws_error_set(&e, AWS_ERR_SERVICE, f->hard_code, "scripted hard failure");
        e.http_status = 400;
        r->cb(NULL, &e, r->arg);
        aws_error_clear(&e);
        free(r);
        return;
    }
    if (f->throttle_pct && fake_rand(f) % 100 < f->throttle_pct) {
        f->throttled++;
        struct aws_error e;
        aws_error_init(&e);
        aws_error_set(&e, AWS_ERR_SERVICE, "ThrottlingException", "Rate exceeded");
        e.http_status = 400;
        e.throttling = true;
        e.retryable = true;
        r->cb(NULL, &e, r->arg);
        aws_error_clear(&e);
        free(r);
        return;
    }
    uint64_t now = loop_now_ms(f->l);
    struct fake_ev **sel = mem_xcalloc(f->n + 1, sizeof(*sel));
    size_t ns = 0;
    for (size_t i = 0; i < f->n; i++) {
        struct fake_ev *e = &f->ev[i];
        if (e->visible_at > now || e->ts < r->q.start_ms || (r->q.end_ms && e->ts >= r->q.end_ms))
            continue;
        if (r->q.filter_pattern && !strstr(e->msg, r->q.filter_pattern))
            continue;
        sel[ns++] = e;
    }
    qsort(sel, ns, sizeof(*sel), fake_cmp);
    size_t off = r->has_token ? (size_t)strtoul(r->token, NULL, 10) : 0;
    if (off > ns)
        off = ns;
    size_t cnt = ns - off < (size_t)f->page_size ? ns - off : (size_t)f->page_size;
    struct tail_event *evs = mem_xcalloc(cnt + 1, sizeof(*evs));
    for (size_t i = 0; i < cnt; i++) {
        struct fake_ev *e = sel[off + i];
        evs[i].event_id = e->id;
        evs[i].log_stream = e->stream;
        evs[i].message = e->msg;
        evs[i].message_len = strlen(e->msg);
        evs[i].timestamp_ms = e->ts;
        evs[i].ingestion_ms = e->ingest;
    }
    char next[32] = "";
    /* like CloudWatch, a token can come with an empty or partial page */
    if (off + cnt < ns)
        snprintf(next, sizeof(next), "%zu", off + cnt);
    if (f->tokens == 1)
        snprintf(next, sizeof(next), "same");
    else if (f->tokens == 2)
        snprintf(next, sizeof(next), "c%u", 1 + f->requests % 2);
    else if (f->tokens == 3)
        snprintf(next, sizeof(next), "e%u", f->requests);
    struct tail_page p = {evs, cnt, next[0] ? next : NULL, "req-1"};
    r->cb(&p, NULL, r->arg);
    free(evs);
    free(sel);
    free(r);
}

static void *fake_fetch(void *ctx, const struct tail_query *q, tail_page_cb cb, void *arg)
{
    struct fake *f = ctx;
    struct fake_req *r = mem_xcalloc(1, sizeof(*r));
    r->f = f;
    r->q = *q;
    snprintf(r->group, sizeof(r->group), "%s", q->log_group);
    r->q.log_group = r->group;
    r->q.filter_pattern = NULL;
    if (q->filter_pattern) {
        static char pat[64];
        snprintf(pat, sizeof(pat), "%s", q->filter_pattern);
        r->q.filter_pattern = pat;
    }
    if (q->next_token) {
        snprintf(r->token, sizeof(r->token), "%s", q->next_token);
        r->has_token = true;
    }
    r->q.next_token = NULL;
    r->cb = cb;
    r->arg = arg;
    if (f->requests < sizeof(f->req_ms) / sizeof(f->req_ms[0]))
        f->req_ms[f->requests] = loop_now_ms(f->l);
    f->requests++;
    f->last_start = q->start_ms;
    f->last_end = q->end_ms;
    f->inflight++;
    r->next = f->pending;
    f->pending = r;
    r->timer = loop_timer(f->l, 1 + fake_rand(f) % 3, fake_answer, r);
    return r;
}

static void fake_cancel(void *ctx, void *h)
{
    struct fake *f = ctx;
    struct fake_req *r = h;
    loop_untimer(f->l, r->timer);
    fake_unlink(f, r);
    f->cancelled++;
    free(r);
}

/* ---- what the engine delivered ---- */

struct seen {
    char **ids;
    char **msgs;
    int64_t *ts;
    size_t n, cap;
    unsigned gaps, notices[16], done;
    char gap_reason[32];
    int64_t gap_from, gap_to;
    char last_stream[128];
    bool out_of_order; /* within one page batch: checked by the caller */
    struct tail_set *stop_on_record;
};

static void seen_free(struct seen *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->ids[i]);
        free(s->msgs[i]);
    }
    free(s->ids);
    free(s->msgs);
    free(s->ts);
}

static void on_record(struct tail_set *set, size_t tail, const struct logrec *r, void *arg)
{
    (void)set;
    (void)tail;
    struct seen *s = arg;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->ids = mem_xrealloc(s->ids, s->cap * sizeof(char *));
        s->msgs = mem_xrealloc(s->msgs, s->cap * sizeof(char *));
        s->ts = mem_xrealloc(s->ts, s->cap * sizeof(int64_t));
    }
    s->ids[s->n] = mem_xstrdup(r->event_id);
    s->msgs[s->n] =
        mem_xasprintf("%s|%lld|%s", r->log_stream, (long long)r->timestamp_ms, r->message);
    s->ts[s->n] = r->timestamp_ms;
    s->n++;
    if (s->stop_on_record)
        tail_set_stop(s->stop_on_record);
}

static void on_gap(struct tail_set *set, const struct tail_gap *g, void *arg)
{
    (void)set;
    struct seen *s = arg;
    s->gaps++;
    snprintf(s->gap_reason, sizeof(s->gap_reason), "%s", g->reason);
    s->gap_from = g->from_ms;
    s->gap_to = g->to_ms;
}

static void on_notice(struct tail_set *set, const struct tail_notice *n, void *arg)
{
    (void)set;
    struct seen *s = arg;
    s->notices[n->kind]++;
    if (n->kind == TAIL_NOTICE_NEW_STREAM)
        snprintf(s->last_stream, sizeof(s->last_stream), "%s", n->stream);
}

static void on_done(struct tail_set *set, void *arg)
{
    (void)set;
    struct seen *s = arg;
    s->done++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every id put is delivered exactly once. */
static void assert_exactly_once(struct fake *f, struct seen *s)
{
    char **ids = mem_xcalloc(s->n + 1, sizeof(char *));
    memcpy(ids, s->ids, s->n * sizeof(char *));
    qsort(ids, s->n, sizeof(char *), cmp_str);
    for (size_t i = 1; i < s->n; i++)
        if (strcmp(ids[i - 1], ids[i]) == 0)
            fail_msg("event %s delivered twice", ids[i]);
    for (size_t i = 0; i < f->n; i++) {
        const char *key = f->ev[i].id;
        if (!bsearch(&key, ids, s->n, sizeof(char *), cmp_str))
            fail_msg("event %s (ts %lld) never delivered", f->ev[i].id, (long long)f->ev[i].ts);
    }
    assert_int_equal(s->n, f->n);
    free(ids);
}

struct env {
    struct loop *l;
    struct fake f;
    struct tail_source src;
    struct seen seen;
    struct tail_options o;
};

static void env_init(struct env *e, bool follow)
{
    memset(e, 0, sizeof(*e));
    e->l = loop_new();
    fake_init(&e->f, e->l);
    e->src.fetch = fake_fetch;
    e->src.cancel = fake_cancel;
    e->src.ctx = &e->f;
    e->o.loop = e->l;
    e->o.source = &e->src;
    e->o.rate_per_s = 200;
    e->o.follow = follow;
    e->o.start_ms = loop_wall_ms(e->l) - 600000;
    e->o.min_poll_ms = 10;
    e->o.max_poll_ms = 40;
    e->o.backoff_base_ms = 5;
    e->o.backoff_max_ms = 40;
    e->o.seed = 7;
    e->o.cb.on_record = on_record;
    e->o.cb.on_gap = on_gap;
    e->o.cb.on_notice = on_notice;
    e->o.cb.on_done = on_done;
    e->o.cb.arg = &e->seen;
}

static void env_free(struct env *e)
{
    fake_free(&e->f);
    seen_free(&e->seen);
    loop_free(e->l);
}

static void run_for(struct loop *l, uint64_t ms)
{
    uint64_t end = loop_now_ms(l) + ms;
    while (loop_now_ms(l) < end)
        loop_run_once(l, 5);
}

static bool run_until_count(struct loop *l, struct seen *s, size_t n, uint64_t ms)
{
    uint64_t end = loop_now_ms(l) + ms;
    while (s->n < n && loop_now_ms(l) < end)
        loop_run_once(l, 5);
    return s->n >= n;
}

/* A set tailing one slow-log group, started. */
static struct tail_set *start_slow(struct env *e, const char *group)
{
    struct tail_set *s = tail_set_new(&e->o, NULL, 0);
    tail_set_add(s, group, LOGREC_SLOW);
    tail_set_start(s);
    return s;
}

static void run_until_done(struct loop *l, struct seen *s, uint64_t ms)
{
    uint64_t end = loop_now_ms(l) + ms;
    while (!s->done && loop_now_ms(l) < end)
        loop_run_once(l, 5);
}

static const char *streams[] = {
    "elasticache/redis/rg-0001-001/0001/slow-log",
    "elasticache/redis/rg-0001-002/0001/slow-log",
    "elasticache/redis/rg-0002-001/0001/slow-log",
};

static void put_slow(struct fake *f, int s, int64_t ts, int k, uint64_t delay)
{
    char msg[256];
    snprintf(msg, sizeof(msg),
             "{\"CacheClusterId\":\"rg-000%d-001\",\"CacheNodeId\":\"0001\",\"Id\":%d,"
             "\"Timestamp\":%lld,\"Duration (us)\":%d,\"Command\":\"GET ... (1 more "
             "arguments)\",\"ClientAddress\":\"10.0.0.1:5000\",\"ClientName\":\"\"}",
             s + 1, k, (long long)(ts / 1000), 10000 + k);
    fake_put(f, streams[s], ts, msg, delay);
}

/* Backfill then follow: several streams, equal timestamps, events that
 * arrive 10 s late (older than the newest seen), pages that end on a
 * timestamp shared with the next page. */
static void test_exactly_once_follow(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, true);
    int64_t now = loop_wall_ms(e.l);
    int k = 0;
    for (int i = 0; i < 40; i++)
        put_slow(&e.f, i % 3, now - 60000 + (i / 4) * 1000, k++, 0); /* 4 per ms value */
    struct tail_set *s = tail_set_new(&e.o, NULL, 0);
    assert_non_null(s);
    tail_set_add(s, "/aws/elasticache/rg/slow-log", LOGREC_SLOW);
    tail_set_start(s);
    assert_true(run_until_count(e.l, &e.seen, 40, 5000));
    /* live: new events, some with equal timestamps, some 10 s late, some
     * that become visible only later (ingestion delay) */
    now = loop_wall_ms(e.l);
    for (int i = 0; i < 30; i++)
        put_slow(&e.f, i % 3, now + (i / 3), k++, 0);
    for (int i = 0; i < 10; i++)
        put_slow(&e.f, i % 3, now - 10000 + i, k++, 50 + (uint64_t)i * 10);
    assert_true(run_until_count(e.l, &e.seen, 80, 5000));
    run_for(e.l, 300); /* several more overlapping polls: nothing repeats */
    assert_exactly_once(&e.f, &e.seen);
    struct tail_status st;
    tail_status(s, 0, &st);
    assert_true(st.duplicates > 0); /* the overlap did re-read events */
    assert_int_equal(st.streams, 3);
    assert_int_equal(st.gaps, 0);
    assert_false(tail_set_done(s));
    assert_true(e.seen.notices[TAIL_NOTICE_READY] == 1);
    tail_set_free(s);
    assert_int_equal(e.f.inflight, 0);
    env_free(&e);
}

/* Half of all requests throttled: still exactly once, never exits, and
 * errors are reported as notices. */
static void test_throttled_never_exits(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, true);
    e.f.throttle_pct = 50;
    int64_t now = loop_wall_ms(e.l);
    int k = 0;
    for (int i = 0; i < 60; i++)
        put_slow(&e.f, i % 3, now - 30000 + i * 100, k++, 0);
    struct tail_set *s = tail_set_new(&e.o, NULL, 0);
    tail_set_add(s, "/aws/elasticache/rg/slow-log", LOGREC_SLOW);
    tail_set_start(s);
    assert_true(run_until_count(e.l, &e.seen, 60, 10000));
    for (int i = 0; i < 30; i++)
        put_slow(&e.f, i % 3, loop_wall_ms(e.l) - 10000 + i, k++, (uint64_t)i * 5);
    assert_true(run_until_count(e.l, &e.seen, 90, 10000));
    run_for(e.l, 400);
    assert_exactly_once(&e.f, &e.seen);
    assert_true(e.f.throttled > 3);
    assert_true(e.seen.notices[TAIL_NOTICE_ERROR] >= e.f.throttled);
    assert_true(e.seen.notices[TAIL_NOTICE_RECOVERED] > 0);
    assert_int_equal(e.seen.notices[TAIL_NOTICE_FATAL], 0);
    assert_int_equal(e.seen.done, 0);
    struct tail_status st;
    tail_status(s, 0, &st);
    assert_int_equal(st.throttled, e.f.throttled);
    assert_int_equal(st.gaps, 0);
    tail_set_free(s);
    env_free(&e);
}

static void test_new_stream_reported(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, true);
    int64_t now = loop_wall_ms(e.l);
    put_slow(&e.f, 0, now - 1000, 1, 0);
    struct tail_set *s = start_slow(&e, "g");
    assert_true(run_until_count(e.l, &e.seen, 1, 3000));
    run_for(e.l, 50);
    assert_int_equal(e.seen.notices[TAIL_NOTICE_NEW_STREAM], 0);
    put_slow(&e.f, 2, loop_wall_ms(e.l), 2, 0);
    assert_true(run_until_count(e.l, &e.seen, 2, 3000));
    assert_int_equal(e.seen.notices[TAIL_NOTICE_NEW_STREAM], 1);
    assert_string_equal(e.seen.last_stream, streams[2]);
    struct tail_status st;
    tail_status(s, 0, &st);
    assert_int_equal(st.streams, 2);
    tail_set_free(s);
    env_free(&e);
}

/* Not following: one pass, sorted, then done. */
static void test_one_shot_done_sorted(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, false);
    int64_t now = loop_wall_ms(e.l);
    for (int i = 0; i < 23; i++)
        put_slow(&e.f, i % 3, now - 5000 + (i * 7919) % 1000, i, 0);
    struct tail_set *s = start_slow(&e, "g");
    run_until_done(e.l, &e.seen, 5000);
    assert_int_equal(e.seen.done, 1);
    assert_true(tail_set_done(s));
    assert_false(tail_set_failed(s));
    assert_exactly_once(&e.f, &e.seen);
    for (size_t i = 1; i < e.seen.n; i++)
        assert_true(e.seen.ts[i - 1] <= e.seen.ts[i]);
    assert_int_equal(e.seen.notices[TAIL_NOTICE_DONE], 1);
    tail_set_free(s);
    env_free(&e);
}

/* --limit: output stops, the set is done and says it was limited; no gap
 * (nothing asked for went unread). */
static void test_limit_stops_without_gap(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, false);
    int64_t now = loop_wall_ms(e.l);
    for (int i = 0; i < 20; i++)
        put_slow(&e.f, 0, now - 5000 + i, i, 0);
    e.o.max_records = 7;
    struct tail_set *s = start_slow(&e, "g");
    run_until_done(e.l, &e.seen, 5000);
    assert_int_equal(e.seen.n, 7);
    assert_int_equal(e.seen.gaps, 0);
    assert_true(tail_set_limited(s));
    assert_true(tail_set_done(s));
    assert_false(tail_set_failed(s));
    assert_int_equal(tail_set_delivered(s), 7);
    struct tail_status st;
    tail_status(s, 0, &st);
    assert_int_equal(st.gaps, 0);
    run_for(e.l, 50);
    assert_int_equal(e.f.inflight, 0);
    tail_set_free(s);
    env_free(&e);
}

/* A record is made (its message parsed, its node labelled) only when its
 * turn comes: a page of 40 with --limit 3 parses 3 messages, not 40 (the
 * label lookup runs once per record made); a raw-text filter refuses
 * events before any parse. Events still come out sorted. */
static unsigned parsed_count;

static bool count_parsed(void *ctx, const char *cl, const char *node, int64_t at_ms,
                         struct logrec_labels *out)
{
    (void)ctx;
    (void)cl;
    (void)node;
    (void)at_ms;
    (void)out;
    parsed_count++;
    return false;
}

static void test_records_made_when_delivered(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, false);
    e.f.page_size = 40;
    int64_t now = loop_wall_ms(e.l);
    for (int i = 0; i < 40; i++)
        put_slow(&e.f, i % 3, now - 5000 + (i * 7919) % 1000, i, 0);
    e.o.max_records = 3;
    e.o.label_fn = count_parsed;
    parsed_count = 0;
    struct tail_set *s = start_slow(&e, "g");
    run_until_done(e.l, &e.seen, 5000);
    assert_int_equal(e.seen.n, 3);
    assert_int_equal(parsed_count, 3);
    for (size_t i = 1; i < e.seen.n; i++)
        assert_true(e.seen.ts[i - 1] <= e.seen.ts[i]);
    /* the three oldest of the page */
    int64_t oldest[3] = {INT64_MAX, INT64_MAX, INT64_MAX};
    for (size_t i = 0; i < e.f.n; i++) {
        int64_t t = e.f.ev[i].ts;
        for (int k = 0; k < 3; k++)
            if (t < oldest[k]) {
                for (int j = 2; j > k; j--)
                    oldest[j] = oldest[j - 1];
                oldest[k] = t;
                break;
            }
    }
    for (int k = 0; k < 3; k++)
        assert_int_equal(e.seen.ts[k], oldest[k]);
    tail_set_free(s);
    env_free(&e);

    /* a substring filter: only the 4 matching events are parsed */
    env_init(&e, false);
    e.f.page_size = 40;
    now = loop_wall_ms(e.l);
    for (int i = 0; i < 40; i++)
        put_slow(&e.f, i % 3, now - 5000 + i, i, 0);
    struct tail_filter flt = {0};
    flt.substring = "\"Id\":1";  /* Id 1 and 10..19 */
    flt.min_duration_us = 10015; /* of those, 15..19 (a parsed field) */
    e.o.filter = &flt;
    e.o.label_fn = count_parsed;
    parsed_count = 0;
    s = start_slow(&e, "g");
    run_until_done(e.l, &e.seen, 5000);
    assert_int_equal(e.seen.n, 5);
    assert_int_equal(parsed_count, 11);
    struct tail_status st;
    tail_status(s, 0, &st);
    assert_int_equal(st.filtered, 35);
    tail_set_free(s);
    env_free(&e);
}

/* Fewer records than the limit: not limited. */
static void test_limit_not_reached(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, false);
    int64_t now = loop_wall_ms(e.l);
    for (int i = 0; i < 3; i++)
        put_slow(&e.f, 0, now - 5000 + i, i, 0);
    e.o.max_records = 7;
    struct tail_set *s = start_slow(&e, "g");
    run_until_done(e.l, &e.seen, 5000);
    assert_int_equal(e.seen.n, 3);
    assert_false(tail_set_limited(s));
    tail_set_free(s);
    env_free(&e);
}

/* A hard error on the first request (group missing) is fatal. */
static void test_missing_group_fatal(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, true);
    e.f.hard_fail = 1;
    e.f.hard_code = "ResourceNotFoundException";
    struct tail_set *s = start_slow(&e, "nope");
    run_until_done(e.l, &e.seen, 3000);
    assert_int_equal(e.seen.done, 1);
    assert_true(tail_set_failed(s));
    assert_int_equal(e.seen.notices[TAIL_NOTICE_FATAL], 1);
    tail_set_free(s);
    env_free(&e);
}

/* Following: a hard error that persists after the tail worked is retried,
 * then the unreadable range is skipped with a gap, and the tail goes on. */
static void test_persistent_error_gap_and_continue(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, true);
    e.o.hard_failures = 3;
    e.o.overlap_ms = 2000;
    int64_t now = loop_wall_ms(e.l);
    put_slow(&e.f, 0, now - 20000, 1, 0);
    struct tail_set *s = start_slow(&e, "g");
    assert_true(run_until_count(e.l, &e.seen, 1, 3000));
    e.f.hard_fail = 3;
    e.f.hard_code = "SerializationException";
    uint64_t end = loop_now_ms(e.l) + 5000;
    while (!e.seen.gaps && loop_now_ms(e.l) < end)
        loop_run_once(e.l, 5);
    assert_int_equal(e.seen.gaps, 1);
    assert_string_equal(e.seen.gap_reason, "error");
    assert_true(e.seen.gap_to > e.seen.gap_from);
    put_slow(&e.f, 1, loop_wall_ms(e.l) + 10, 2, 0);
    assert_true(run_until_count(e.l, &e.seen, 2, 5000));
    assert_int_equal(e.seen.done, 0);
    assert_false(tail_set_done(s));
    tail_set_free(s);
    env_free(&e);
}

/* Not following: errors beyond the attempt budget end the tail with a gap. */
static void test_one_shot_gives_up_with_gap(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, false);
    e.f.throttle_pct = 100;
    e.o.max_failures = 4;
    struct tail_set *s = start_slow(&e, "g");
    run_until_done(e.l, &e.seen, 5000);
    assert_int_equal(e.seen.done, 1);
    assert_true(tail_set_failed(s));
    assert_int_equal(e.seen.gaps, 1);
    assert_int_equal(e.f.requests, 4);
    tail_set_free(s);
    env_free(&e);
}

/* A pass that cannot end: a token sent twice (at once, or after others)
 * ends a one-shot tail with PaginationLoop; pages past the bound with
 * PaginationLimit; following, the pass ends and polling goes on. */
static void test_pagination_bounds(void **state)
{
    (void)state;
    for (int mode = 1; mode <= 3; mode++) {
        struct env e;
        env_init(&e, false);
        e.o.rate_per_s = 5000;
        e.o.max_cycle_pages = 40;
        int64_t now = loop_wall_ms(e.l);
        for (int i = 0; i < 3; i++)
            put_slow(&e.f, i, now - 5000 + i, i, 0);
        e.f.tokens = mode;
        struct tail_set *s = start_slow(&e, "g");
        run_until_done(e.l, &e.seen, 10000);
        assert_int_equal(e.seen.done, 1);
        assert_true(tail_set_failed(s));
        assert_int_equal(e.seen.notices[TAIL_NOTICE_FATAL], 1);
        assert_int_equal(e.seen.gaps, 1);
        assert_string_equal(e.seen.gap_reason, "error");
        /* what was read is delivered, once */
        assert_int_equal(e.seen.n, 3);
        struct tail_status st;
        tail_status(s, 0, &st);
        assert_non_null(strstr(st.last_error, mode == 3 ? "PaginationLimit" : "PaginationLoop"));
        assert_int_equal(e.f.requests, mode == 1 ? 2 : mode == 2 ? 3 : 40);
        tail_set_free(s);
        env_free(&e);
    }
    /* following: the pass ends, the tail keeps polling */
    struct env e;
    env_init(&e, true);
    e.o.rate_per_s = 5000;
    put_slow(&e.f, 0, loop_wall_ms(e.l) - 1000, 1, 0);
    e.f.tokens = 1;
    struct tail_set *s = start_slow(&e, "g");
    run_for(e.l, 300);
    assert_false(tail_set_done(s));
    assert_true(e.seen.notices[TAIL_NOTICE_ERROR] >= 2);
    assert_int_equal(e.seen.notices[TAIL_NOTICE_FATAL], 0);
    assert_int_equal(e.seen.n, 1);
    assert_true(e.f.requests >= 4);
    tail_set_free(s);
    env_free(&e);
}

/* Not following with max_failures 1 (as `elcui logs` runs): the page
 * source's own retries are all; the engine adds none. */
static void test_one_shot_no_engine_retries(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, false);
    e.f.throttle_pct = 100;
    e.o.max_failures = 1;
    struct tail_set *s = start_slow(&e, "g");
    run_until_done(e.l, &e.seen, 5000);
    assert_int_equal(e.seen.done, 1);
    assert_true(tail_set_failed(s));
    assert_int_equal(e.f.requests, 1);
    assert_int_equal(e.seen.notices[TAIL_NOTICE_ERROR], 0);
    tail_set_free(s);
    env_free(&e);
}

/* The budget spaces requests of all tails: rate 20/s, burst 1. */
static void test_budget_shared_rate(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, true);
    e.o.rate_per_s = 20;
    e.o.min_poll_ms = 1;
    e.o.max_poll_ms = 1;
    struct tail_set *s = tail_set_new(&e.o, NULL, 0);
    tail_set_add(s, "a", LOGREC_SLOW);
    tail_set_add(s, "b", LOGREC_ENGINE);
    tail_set_add(s, "c", LOGREC_UNKNOWN);
    tail_set_start(s);
    run_for(e.l, 1000);
    tail_set_free(s);
    assert_true(e.f.requests >= 15);
    assert_true(e.f.requests <= 22);
    /* any 500 ms window holds at most 11 requests */
    for (unsigned i = 0; i < e.f.requests; i++) {
        unsigned c = 0;
        for (unsigned j = i; j < e.f.requests && e.f.req_ms[j] < e.f.req_ms[i] + 500; j++)
            c++;
        assert_true(c <= 11);
    }
    env_free(&e);
}

static void grant_cb(void *arg)
{
    (*(int *)arg)++;
}

static void test_budget_fifo_cancel_penalize(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct tail_budget *b = tail_budget_new(l, 50, 1);
    int a = 0, c = 0, d = 0;
    tail_budget_acquire(b, grant_cb, &a);
    struct tail_budget_wait *w = tail_budget_acquire(b, grant_cb, &c);
    tail_budget_acquire(b, grant_cb, &d);
    assert_int_equal(a, 0); /* never synchronous */
    tail_budget_cancel(b, w);
    uint64_t t0 = loop_now_ms(l);
    tail_budget_penalize(b, 200);
    while ((a == 0 || d == 0) && loop_now_ms(l) < t0 + 2000)
        loop_run_once(l, 5);
    assert_int_equal(a, 1);
    assert_int_equal(c, 0);
    assert_int_equal(d, 1);
    assert_true(loop_now_ms(l) - t0 >= 190);
    assert_int_equal(tail_budget_granted(b), 2);
    tail_budget_free(b);
    loop_free(l);
}

/* Ids memory capped: the window shrinks, nothing repeats. */
static void test_dedupe_overflow_no_duplicates(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, true);
    e.o.dedupe_max_ids = 16;
    e.f.page_size = 7;
    int64_t now = loop_wall_ms(e.l);
    for (int i = 0; i < 100; i++)
        put_slow(&e.f, i % 3, now - 20000 + i * 10, i, 0);
    struct tail_set *s = start_slow(&e, "g");
    assert_true(run_until_count(e.l, &e.seen, 100, 5000));
    run_for(e.l, 300);
    assert_exactly_once(&e.f, &e.seen);
    struct tail_status st;
    tail_status(s, 0, &st);
    assert_true(st.dedupe_ids <= 16);
    assert_true(e.seen.notices[TAIL_NOTICE_OVERFLOW] > 0);
    tail_set_free(s);
    env_free(&e);
}

/* Stop from inside a record callback: nothing more arrives, nothing leaks. */
static void test_stop_inside_callback(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, true);
    int64_t now = loop_wall_ms(e.l);
    for (int i = 0; i < 10; i++)
        put_slow(&e.f, 0, now - 1000 + i, i, 0);
    struct tail_set *s = tail_set_new(&e.o, NULL, 0);
    tail_set_add(s, "g", LOGREC_SLOW);
    tail_set_add(s, "h", LOGREC_SLOW);
    e.seen.stop_on_record = s;
    tail_set_start(s);
    run_for(e.l, 300);
    assert_int_equal(e.seen.n, 1);
    assert_int_equal(e.f.inflight, 0);
    tail_set_free(s);
    env_free(&e);
}

/* Server-side pattern is passed through; client filters apply; a ring
 * receives the records and counts drops. */
static void test_filters_and_ring(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, false);
    int64_t now = loop_wall_ms(e.l);
    for (int i = 0; i < 12; i++)
        put_slow(&e.f, i % 3, now - 1000 + i, i, 0);
    fake_put(&e.f, streams[0], now - 500, "garbage \x1b[31m not a record", 0);
    struct tail_filter flt = {0};
    flt.shard = "0001";
    flt.min_duration_us = 10003;
    e.o.filter = &flt;
    e.o.filter_pattern = "10.0.0.1";
    struct ring *ring = ring_new(3, logrec_free_void);
    e.o.ring = ring;
    struct tail_set *s = start_slow(&e, "g");
    run_until_done(e.l, &e.seen, 5000);
    /* streams 0 and 1 are shard 0001; k >= 3; the garbage line lacks the
     * server pattern */
    size_t want = 0;
    for (int i = 3; i < 12; i++)
        if (i % 3 != 2)
            want++;
    assert_int_equal(e.seen.n, want);
    assert_int_equal(ring_len(ring), 3);
    assert_int_equal(ring_dropped(ring), want - 3);
    struct tail_status st;
    tail_status(s, 0, &st);
    assert_int_equal(st.dropped, want - 3);
    assert_int_equal(st.filtered, 12 - want);
    tail_set_free(s);
    ring_free(ring);
    env_free(&e);
}

static void test_bad_regex(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, false);
    struct tail_filter flt = {0};
    flt.regex = "([unclosed";
    e.o.filter = &flt;
    char err[200] = "";
    assert_null(tail_set_new(&e.o, err, sizeof(err)));
    assert_non_null(strstr(err, "regular expression"));
    env_free(&e);
}

static struct logrec *mk(const char *stream, const char *msg, logrec_label_fn fn)
{
    struct logrec_event ev = {"1", "g", stream, msg, strlen(msg), 1000, 1001, LOGREC_UNKNOWN};
    return logrec_new(&ev, fn, NULL);
}

static bool labels(void *ctx, const char *cl, const char *node, int64_t at_ms,
                   struct logrec_labels *out)
{
    (void)ctx;
    (void)at_ms;
    (void)node;
    if (strcmp(cl, "rg-0002-001") != 0)
        return false;
    snprintf(out->shard, sizeof(out->shard), "0002");
    snprintf(out->role, sizeof(out->role), "replica");
    snprintf(out->az, sizeof(out->az), "us-east-1b");
    return true;
}

static void test_match_rules(void **state)
{
    (void)state;
    const char *eng = "elasticache/valkey/rg-0002-001/0001/engine-log";
    struct logrec *w =
        mk(eng, "rg-0002-001/0001:M 01 May 2024 12:03:41.517 UTC # Out of memory", labels);
    struct logrec *n =
        mk(eng, "rg-0002-001/0001:M 01 May 2024 12:03:41.517 UTC * Ready to accept", labels);
    struct logrec *bad = mk(eng, "\x01garbage", labels);
    struct logrec *slow = mk(streams[0],
                             "rg-0001-001,0001,1714564805,20000,KEYS ... (1 more "
                             "arguments),1.2.3.4:5,",
                             NULL);

    struct tail_filter f = {0};
    f.min_level = LOGREC_LEVEL_WARNING;
    struct tail_match *m = tail_match_new(&f, NULL, 0);
    assert_true(tail_match_record(m, w));
    assert_false(tail_match_record(m, n));
    assert_true(tail_match_record(m, bad)); /* unparsed lines are never hidden by type filters */
    assert_true(tail_match_record(m, slow));
    tail_match_free(m);

    memset(&f, 0, sizeof(f));
    f.role = LOGREC_ROLE_REPLICA; /* labels say replica even though the line says M */
    m = tail_match_new(&f, NULL, 0);
    assert_true(tail_match_record(m, w));
    assert_false(tail_match_record(m, slow));
    tail_match_free(m);

    memset(&f, 0, sizeof(f));
    f.node = "rg-0001-001/0001";
    m = tail_match_new(&f, NULL, 0);
    assert_true(tail_match_record(m, slow));
    assert_false(tail_match_record(m, w));
    tail_match_free(m);

    memset(&f, 0, sizeof(f));
    f.command = "keys";
    f.regex = "^rg-000[12]";
    f.icase = true;
    m = tail_match_new(&f, NULL, 0);
    assert_true(tail_match_record(m, slow));
    assert_true(tail_match_record(m, w));
    assert_false(tail_match_record(m, bad));
    tail_match_free(m);

    memset(&f, 0, sizeof(f));
    f.substring = "out of MEMORY";
    f.icase = true;
    m = tail_match_new(&f, NULL, 0);
    assert_true(tail_match_record(m, w));
    assert_false(tail_match_record(m, n));
    tail_match_free(m);

    /* --grep sees past a NUL inside the message */
    static const char nulmsg[] = "head\0tail-marker";
    struct logrec_event nev = {"9",  "g",  "s",           nulmsg, sizeof(nulmsg) - 1,
                               1000, 1001, LOGREC_UNKNOWN};
    struct logrec *nr = logrec_new(&nev, NULL, NULL);
    memset(&f, 0, sizeof(f));
    f.regex = "tail-mark";
    m = tail_match_new(&f, NULL, 0);
    assert_true(tail_match_record(m, nr));
    tail_match_free(m);
    memset(&f, 0, sizeof(f));
    f.substring = "tail-mark";
    m = tail_match_new(&f, NULL, 0);
    assert_true(tail_match_record(m, nr));
    tail_match_free(m);
    logrec_free(nr);

    char sh[8];
    assert_true(tail_shard_from_cluster_id("my-rg-0012-003", sh, sizeof(sh)));
    assert_string_equal(sh, "0012");
    assert_false(tail_shard_from_cluster_id("my-rg-001", sh, sizeof(sh)));
    logrec_free(w);
    logrec_free(n);
    logrec_free(bad);
    logrec_free(slow);
}

/* ---- with a live source ---- */

struct fake_sess;

struct fake_live {
    struct loop *l;
    struct fake *f;
    unsigned opens, closes, sessions;
    char filter[64];
    size_t n_groups;
    char groups[4][128];
    const char *refuse_code; /* every open ends with this before starting */
    struct fake_sess *sess;  /* the open one */
    /* queued pushes */
    struct tail_live_event q[256];
    char qbuf[256][300];
    char qstream[256][128];
    size_t nq;
    bool sampled;
    uint64_t up_at; /* loop_now_ms of the last start */
};

struct fake_sess {
    struct fake_live *fl;
    struct tail_live_cb cb;
    void *arg;
    struct loop_timer *timer;
    bool up;
};

static void fake_sess_timer(void *arg)
{
    struct fake_sess *x = arg;
    struct fake_live *fl = x->fl;
    x->timer = NULL;
    if (fl->refuse_code) {
        struct aws_error e;
        aws_error_init(&e);
        aws_error_set(&e, AWS_ERR_SERVICE, fl->refuse_code, "scripted refusal");
        e.http_status = 400;
        fl->sess = NULL;
        x->cb.on_end(&e, x->arg);
        aws_error_clear(&e);
        free(x);
        return;
    }
    x->up = true;
    fl->sessions++;
    fl->up_at = loop_now_ms(fl->l);
    char id[32];
    snprintf(id, sizeof(id), "sess-%u", fl->sessions);
    x->cb.on_start(id, x->arg);
}

static void *fake_live_open(void *ctx, const char *const *groups, size_t n, const char *filter,
                            const struct tail_live_cb *cb, void *arg)
{
    struct fake_live *fl = ctx;
    assert_null(fl->sess); /* one session at a time */
    fl->opens++;
    fl->n_groups = n;
    for (size_t i = 0; i < n && i < 4; i++)
        snprintf(fl->groups[i], sizeof(fl->groups[i]), "%s", groups[i]);
    snprintf(fl->filter, sizeof(fl->filter), "%s", filter ? filter : "");
    struct fake_sess *x = mem_xcalloc(1, sizeof(*x));
    x->fl = fl;
    x->cb = *cb;
    x->arg = arg;
    x->timer = loop_timer(fl->l, 1, fake_sess_timer, x);
    fl->sess = x;
    return x;
}

static void fake_live_close(void *ctx, void *h)
{
    struct fake_live *fl = ctx;
    struct fake_sess *x = h;
    fl->closes++;
    if (x->timer)
        loop_untimer(fl->l, x->timer);
    if (fl->sess == x)
        fl->sess = NULL;
    free(x);
}

/* End the open session with code (it was up). */
static void fake_live_end(struct fake_live *fl, const char *code)
{
    struct fake_sess *x = fl->sess;
    assert_non_null(x);
    fl->sess = NULL;
    struct aws_error e;
    aws_error_init(&e);
    aws_error_set(&e, AWS_ERR_SERVICE, code, "scripted end");
    x->cb.on_end(&e, x->arg);
    aws_error_clear(&e);
    free(x);
}

static bool fake_live_up(const struct fake_live *fl)
{
    return fl->sess && fl->sess->up;
}

/* The event last put into the poll fake, queued for a push. */
static void fake_live_queue_last(struct fake_live *fl, const char *group)
{
    assert_true(fl->nq < 256);
    const struct fake_ev *e = &fl->f->ev[fl->f->n - 1];
    size_t i = fl->nq++;
    snprintf(fl->qbuf[i], sizeof(fl->qbuf[i]), "%s", e->msg);
    snprintf(fl->qstream[i], sizeof(fl->qstream[i]), "%s", e->stream);
    fl->q[i] = (struct tail_live_event){group,          fl->qstream[i], fl->qbuf[i],
                                        strlen(e->msg), e->ts,          e->ingest};
}

/* Push what is queued (one update), from the loop's point of view. */
static void fake_live_push(struct fake_live *fl)
{
    if (!fake_live_up(fl)) {
        fl->nq = 0;
        return;
    }
    struct fake_sess *x = fl->sess;
    size_t n = fl->nq;
    fl->nq = 0;
    x->cb.on_events(fl->q, n, fl->sampled, x->arg);
}

struct lenv {
    struct env e;
    struct fake_live fl;
    struct tail_live_source ls;
};

static void lenv_init(struct lenv *x)
{
    env_init(&x->e, true);
    memset(&x->fl, 0, sizeof(x->fl));
    x->fl.l = x->e.l;
    x->fl.f = &x->e.f;
    x->ls.open = fake_live_open;
    x->ls.close = fake_live_close;
    x->ls.ctx = &x->fl;
    x->e.o.live = &x->ls;
    x->e.o.reconcile_ms = 100;
    x->e.o.live_retry_ms = 20;
}

static bool run_until_up(struct lenv *x, uint64_t ms)
{
    uint64_t end = loop_now_ms(x->e.l) + ms;
    while (!fake_live_up(&x->fl) && loop_now_ms(x->e.l) < end)
        loop_run_once(x->e.l, 5);
    return fake_live_up(&x->fl);
}

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every event put is delivered exactly once, as a multiset of contents
 * (identical events count as many times as they were put). */
static void assert_exactly_once_content(struct fake *f, struct seen *s)
{
    char **want = mem_xcalloc(f->n + 1, sizeof(char *));
    for (size_t i = 0; i < f->n; i++)
        want[i] =
            mem_xasprintf("%s|%lld|%s", f->ev[i].stream, (long long)f->ev[i].ts, f->ev[i].msg);
    char **got = mem_xcalloc(s->n + 1, sizeof(char *));
    memcpy(got, s->msgs, s->n * sizeof(char *));
    qsort(want, f->n, sizeof(char *), cmp_strp);
    qsort(got, s->n, sizeof(char *), cmp_strp);
    size_t i = 0, j = 0;
    while (i < f->n || j < s->n) {
        int c = i == f->n ? 1 : j == s->n ? -1 : strcmp(want[i], got[j]);
        if (c < 0)
            fail_msg("never delivered: %.120s", want[i]);
        if (c > 0)
            fail_msg("delivered once too often: %.120s", got[j]);
        i++;
        j++;
    }
    for (i = 0; i < f->n; i++)
        free(want[i]);
    free(want);
    free(got);
}

static const char live_group[] = "/aws/elasticache/rg/slow-log";

static void live_put(struct lenv *x, int st, int64_t ts, int k, uint64_t delay, bool push)
{
    put_slow(&x->e.f, st, ts, k, delay);
    if (push)
        fake_live_queue_last(&x->fl, live_group);
}

static void test_live_exactly_once(void **state)
{
    (void)state;
    struct lenv x;
    lenv_init(&x);
    int64_t now = loop_wall_ms(x.e.l);
    int k = 0;
    for (int i = 0; i < 20; i++)
        put_slow(&x.e.f, i % 3, now - 60000 + i * 100, k++, 0); /* the backfill */
    x.e.o.filter_pattern = NULL;
    struct tail_set *s = start_slow(&x.e, live_group);
    assert_true(run_until_up(&x, 2000));
    assert_int_equal(x.fl.n_groups, 1);
    assert_string_equal(x.fl.groups[0], live_group);
    assert_true(run_until_count(x.e.l, &x.e.seen, 20, 5000));
    assert_int_equal(x.e.seen.notices[TAIL_NOTICE_LIVE], 1); /* "up" */
    /* pushed at once: equal timestamps over three streams */
    now = loop_wall_ms(x.e.l);
    for (int i = 0; i < 30; i++)
        live_put(&x, i % 3, now + i / 3, k++, 0, true);
    size_t before = x.e.seen.n;
    unsigned req_before = x.e.f.requests;
    fake_live_push(&x.fl);
    /* delivered by the push itself, before any request */
    assert_int_equal(x.e.seen.n, before + 30);
    assert_int_equal(x.e.f.requests, req_before);
    for (size_t i = before; i < x.e.seen.n; i++)
        assert_string_equal(x.e.seen.ids[i], ""); /* no event id for pushed events */
    /* frames lost: in the log group, never pushed (the reconciliation fills) */
    for (int i = 0; i < 10; i++)
        live_put(&x, i % 3, now + 20 + i, k++, 0, false);
    /* identical events: the same stream, time and message twice; one pushed */
    for (int i = 0; i < 5; i++) {
        live_put(&x, 1, now + 40, k, 0, true);
        live_put(&x, 1, now + 40, k, 0, false);
        k++;
    }
    /* pushed before the poll can see them (ingestion delay) */
    for (int i = 0; i < 5; i++)
        live_put(&x, 2, now + 50 + i, k++, 300, true);
    /* 10 s late events pushed */
    for (int i = 0; i < 5; i++)
        live_put(&x, 0, now - 10000 + i, k++, 0, true);
    fake_live_push(&x.fl);
    assert_true(run_until_count(x.e.l, &x.e.seen, x.e.f.n, 5000));
    run_for(x.e.l, 600); /* more reconciliation passes: nothing repeats */
    assert_exactly_once_content(&x.e.f, &x.e.seen);
    struct tail_status st;
    tail_status(s, 0, &st);
    assert_string_equal(st.source, "live");
    assert_string_equal(st.session_id, "sess-1");
    assert_true(st.live_events == 30 + 5 + 5 + 5);
    assert_true(st.filled == 10 + 5); /* lost frames, second copies */
    assert_true(st.duplicates >= 15); /* pushed events the poll saw again */
    assert_true(st.reconciled_ms > 0);
    assert_true(st.live_enabled);
    char text[1200];
    tail_status_format(&st, text, sizeof(text));
    assert_non_null(strstr(text, "source live (session sess-1)"));
    tail_set_free(s);
    assert_int_equal(x.fl.closes, 1);
    assert_null(x.fl.sess);
    env_free(&x.e);
}

/* While live is up, one request per reconcile_ms at most; polling cadence
 * (min_poll 10 ms) before and after. */
static void test_live_reconcile_spacing(void **state)
{
    (void)state;
    struct lenv x;
    lenv_init(&x);
    x.e.o.reconcile_ms = 200;
    x.e.o.live_retry_ms = 2000; /* the session stays down a while once it ends */
    int64_t now = loop_wall_ms(x.e.l);
    for (int i = 0; i < 12; i++)
        put_slow(&x.e.f, 0, now - 1000 + i, i, 0); /* 3 pages of backfill */
    struct tail_set *s = start_slow(&x.e, live_group);
    assert_true(run_until_up(&x, 2000));
    assert_true(run_until_count(x.e.l, &x.e.seen, 12, 5000));
    run_for(x.e.l, 250);
    unsigned from = x.e.f.requests;
    run_for(x.e.l, 1000);
    unsigned n = x.e.f.requests - from;
    assert_true(n >= 3 && n <= 6); /* 1000 / 200 = 5 */
    for (unsigned i = from + 1; i < x.e.f.requests; i++)
        /* the engine and the fake read the clock a moment apart: 1 ms either way */
        if (x.e.f.req_ms[i] - x.e.f.req_ms[i - 1] < 199)
            fail_msg("request %u came %llu ms after the one before", i,
                     (unsigned long long)(x.e.f.req_ms[i] - x.e.f.req_ms[i - 1]));
    /* the session ends: polling at once, at its own cadence */
    fake_live_end(&x.fl, "SessionStreamingException");
    from = x.e.f.requests;
    uint64_t t0 = loop_now_ms(x.e.l);
    while (x.e.f.requests < from + 3 && loop_now_ms(x.e.l) < t0 + 150)
        loop_run_once(x.e.l, 5);
    assert_true(x.e.f.requests >= from + 3);
    tail_set_free(s);
    env_free(&x.e);
}

static void test_live_refused_falls_back(void **state)
{
    (void)state;
    static const char *const codes[] = {"AccessDeniedException", "LimitExceededException",
                                        "NotAnEventStream"};
    for (size_t c = 0; c < 3; c++) {
        struct lenv x;
        lenv_init(&x);
        x.fl.refuse_code = codes[c];
        int64_t now = loop_wall_ms(x.e.l);
        int k = 0;
        for (int i = 0; i < 10; i++)
            put_slow(&x.e.f, i % 3, now - 5000 + i, k++, 0);
        struct tail_set *s = start_slow(&x.e, live_group);
        assert_true(run_until_count(x.e.l, &x.e.seen, 10, 5000));
        run_for(x.e.l, 50);
        assert_int_equal(x.e.seen.notices[TAIL_NOTICE_SOURCE], 1);
        assert_int_equal(x.fl.opens, 1); /* never again */
        now = loop_wall_ms(x.e.l);
        for (int i = 0; i < 20; i++)
            put_slow(&x.e.f, i % 3, now + i / 2, k++, 0);
        assert_true(run_until_count(x.e.l, &x.e.seen, 30, 5000));
        run_for(x.e.l, 200);
        assert_exactly_once(&x.e.f, &x.e.seen);
        assert_int_equal(x.e.seen.notices[TAIL_NOTICE_SOURCE], 1); /* said once */
        assert_int_equal(x.fl.opens, 1);
        struct tail_status st;
        tail_status(s, 0, &st);
        assert_string_equal(st.source, "poll");
        assert_false(st.live_enabled);
        assert_non_null(strstr(st.source_note, codes[c]));
        assert_false(tail_set_failed(s));
        tail_set_free(s);
        env_free(&x.e);
    }
}

static void test_live_required_refused_fails(void **state)
{
    (void)state;
    struct lenv x;
    lenv_init(&x);
    x.e.o.source_mode = TAIL_SOURCE_LIVE;
    x.fl.refuse_code = "AccessDeniedException";
    struct tail_set *s = start_slow(&x.e, live_group);
    run_until_done(x.e.l, &x.e.seen, 5000);
    assert_int_equal(x.e.seen.done, 1);
    assert_true(tail_set_failed(s));
    assert_int_equal(x.e.seen.notices[TAIL_NOTICE_FATAL], 1);
    assert_int_equal(x.e.seen.notices[TAIL_NOTICE_SOURCE], 0);
    assert_int_equal(x.e.f.inflight, 0);
    tail_set_free(s);
    env_free(&x.e);

    /* --source poll never opens one */
    lenv_init(&x);
    x.e.o.source_mode = TAIL_SOURCE_POLL;
    s = start_slow(&x.e, live_group);
    run_for(x.e.l, 100);
    assert_int_equal(x.fl.opens, 0);
    struct tail_status st;
    tail_status(s, 0, &st);
    assert_string_equal(st.source_note, "--source poll");
    tail_set_free(s);
    env_free(&x.e);
}

/* Sessions end: after the 3-hour end at once, after a bad frame with
 * back-off; what was put meanwhile (never pushed) comes by polling. */
static void test_live_reconnects(void **state)
{
    (void)state;
    struct lenv x;
    lenv_init(&x);
    x.e.o.live_retry_ms = 150;
    struct tail_set *s = start_slow(&x.e, live_group);
    assert_true(run_until_up(&x, 2000));
    int64_t now = loop_wall_ms(x.e.l);
    int k = 0;
    for (int i = 0; i < 5; i++)
        live_put(&x, i % 3, now + i, k++, 0, true);
    fake_live_push(&x.fl);
    assert_int_equal(x.e.seen.n, 5);
    fake_live_end(&x.fl, "SessionTimeoutException");
    for (int i = 0; i < 5; i++)
        live_put(&x, i % 3, now + 10 + i, k++, 0, false); /* in the gap */
    assert_true(run_until_up(&x, 100));                   /* at once (1 ms: the fake's start) */
    assert_int_equal(x.fl.opens, 2);
    fake_live_end(&x.fl, "EventStreamChecksum");
    uint64_t t0 = loop_now_ms(x.e.l);
    assert_true(run_until_up(&x, 2000));
    assert_true(loop_now_ms(x.e.l) - t0 >= 140); /* backed off */
    assert_int_equal(x.fl.opens, 3);
    for (int i = 0; i < 5; i++)
        live_put(&x, i % 3, now + 20 + i, k++, 0, true);
    fake_live_push(&x.fl);
    assert_true(run_until_count(x.e.l, &x.e.seen, 15, 5000));
    run_for(x.e.l, 400);
    assert_exactly_once_content(&x.e.f, &x.e.seen);
    struct tail_status st;
    tail_status(s, 0, &st);
    assert_int_equal(st.reconnects, 2);
    assert_int_equal(st.sessions, 3);
    assert_string_equal(st.session_id, "sess-3");
    assert_int_equal(x.e.seen.notices[TAIL_NOTICE_LIVE], 3 + 2); /* 3 up, 2 ended */
    /* a reopen refused after sessions worked: polling from then on, said once */
    x.fl.refuse_code = "AccessDeniedException";
    fake_live_end(&x.fl, "SessionStreamingException");
    run_for(x.e.l, 400);
    assert_int_equal(x.e.seen.notices[TAIL_NOTICE_SOURCE], 1);
    assert_int_equal(x.fl.opens, 4);
    tail_status(s, 0, &st);
    assert_string_equal(st.source, "poll");
    assert_false(st.live_enabled);
    put_slow(&x.e.f, 0, now + 30, k++, 0);
    assert_true(run_until_count(x.e.l, &x.e.seen, 16, 5000));
    tail_set_free(s);
    env_free(&x.e);
}

static void test_live_sampled_and_stop_inside(void **state)
{
    (void)state;
    struct lenv x;
    lenv_init(&x);
    struct tail_set *s = start_slow(&x.e, live_group);
    assert_true(run_until_up(&x, 2000));
    int64_t now = loop_wall_ms(x.e.l);
    x.fl.sampled = true;
    for (int i = 0; i < 4; i++)
        live_put(&x, i % 3, now + i, i, 0, i % 2 == 0); /* a sample: half pushed */
    fake_live_push(&x.fl);
    struct tail_status st;
    tail_status(s, 0, &st);
    assert_true(st.sampled);
    unsigned live_notices = x.e.seen.notices[TAIL_NOTICE_LIVE];
    for (int i = 0; i < 4; i++)
        live_put(&x, i % 3, now + 10 + i, 10 + i, 0, true);
    fake_live_push(&x.fl);
    assert_int_equal(x.e.seen.notices[TAIL_NOTICE_LIVE], live_notices); /* said once */
    assert_true(run_until_count(x.e.l, &x.e.seen, 8, 5000));
    run_for(x.e.l, 300);
    assert_exactly_once_content(&x.e.f, &x.e.seen);
    /* a stop from inside a pushed record closes the session there */
    x.e.seen.stop_on_record = s;
    for (int i = 0; i < 3; i++)
        live_put(&x, 0, now + 100 + i, 100 + i, 0, true);
    size_t n = x.e.seen.n;
    fake_live_push(&x.fl);
    assert_int_equal(x.e.seen.n, n + 1);
    assert_null(x.fl.sess);
    run_for(x.e.l, 100);
    assert_int_equal(x.e.seen.n, n + 1);
    tail_set_free(s);
    assert_int_equal(x.e.f.inflight, 0);
    env_free(&x.e);
}

/* Two groups, one session: events routed by group; filters go to the
 * service as logEventFilterPattern. */
static void test_live_two_groups(void **state)
{
    (void)state;
    struct lenv x;
    lenv_init(&x);
    x.e.o.filter_pattern = "GET";
    struct tail_set *s = tail_set_new(&x.e.o, NULL, 0);
    tail_set_add(s, "/g/slow", LOGREC_SLOW);
    tail_set_add(s, "/g/engine", LOGREC_ENGINE);
    tail_set_start(s);
    assert_true(run_until_up(&x, 2000));
    assert_int_equal(x.fl.n_groups, 2);
    assert_string_equal(x.fl.filter, "GET");
    int64_t now = loop_wall_ms(x.e.l);
    put_slow(&x.e.f, 0, now, 1, 0);
    fake_live_queue_last(&x.fl, "/g/engine");
    put_slow(&x.e.f, 1, now, 2, 0);
    fake_live_queue_last(&x.fl, "/g/slow");
    fake_live_push(&x.fl);
    assert_int_equal(x.e.seen.n, 2);
    struct tail_status a, b;
    tail_status(s, 0, &a);
    tail_status(s, 1, &b);
    assert_int_equal(a.live_events, 1);
    assert_int_equal(b.live_events, 1);
    assert_int_equal(b.hint, LOGREC_ENGINE);
    tail_set_free(s);
    env_free(&x.e);
}

static void test_status_format(void **state)
{
    (void)state;
    struct tail_status st;
    memset(&st, 0, sizeof(st));
    st.log_group = "g";
    st.state = TAIL_BACKOFF;
    st.backoff_ms = 1500;
    st.lag_ms = 1200;
    st.events = 3;
    char out[512];
    tail_status_format(&st, out, sizeof(out));
    assert_non_null(strstr(out, "g: backoff, backoff 1.5s, lag 1.2s"));
    assert_non_null(strstr(out, "3 events"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exactly_once_follow),
        cmocka_unit_test(test_throttled_never_exits),
        cmocka_unit_test(test_new_stream_reported),
        cmocka_unit_test(test_one_shot_done_sorted),
        cmocka_unit_test(test_limit_stops_without_gap),
        cmocka_unit_test(test_limit_not_reached),
        cmocka_unit_test(test_records_made_when_delivered),
        cmocka_unit_test(test_missing_group_fatal),
        cmocka_unit_test(test_persistent_error_gap_and_continue),
        cmocka_unit_test(test_one_shot_gives_up_with_gap),
        cmocka_unit_test(test_pagination_bounds),
        cmocka_unit_test(test_one_shot_no_engine_retries),
        cmocka_unit_test(test_budget_shared_rate),
        cmocka_unit_test(test_budget_fifo_cancel_penalize),
        cmocka_unit_test(test_dedupe_overflow_no_duplicates),
        cmocka_unit_test(test_stop_inside_callback),
        cmocka_unit_test(test_filters_and_ring),
        cmocka_unit_test(test_bad_regex),
        cmocka_unit_test(test_match_rules),
        cmocka_unit_test(test_status_format),
        cmocka_unit_test(test_live_exactly_once),
        cmocka_unit_test(test_live_reconcile_spacing),
        cmocka_unit_test(test_live_refused_falls_back),
        cmocka_unit_test(test_live_required_refused_fails),
        cmocka_unit_test(test_live_reconnects),
        cmocka_unit_test(test_live_sampled_and_stop_inside),
        cmocka_unit_test(test_live_two_groups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
