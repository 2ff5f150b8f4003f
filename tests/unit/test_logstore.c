/* test_logstore.c - the log panel's record store and summary: every
 * record comes back exactly as it went in (event, labels, raw message,
 * parsed fields) however it was kept; time order across sources and late
 * events; the capacity with drops and freed memory; filters, gaps, search;
 * memory per record; the slow-log summary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/logs/logrec.h"
#include "core/logs/logstore.h"
#include "core/logs/logsum.h"

#define SLOW_GROUP "/elasticache/app-4/slow-log"
#define ENGINE_GROUP "/elasticache/app-4/engine-log"

/* Labels by node: shard from the id, primary for -001, AZ by member. */
static bool label_fn(void *ctx, const char *cluster, const char *node, int64_t at_ms,
                     struct logrec_labels *out)
{
    (void)node;
    (void)at_ms;
    const char *role = ctx; /* NULL: by member */
    size_t l = strlen(cluster);
    if (l < 9 || strncmp(cluster, "app-4-", 6) != 0)
        return false;
    snprintf(out->shard, sizeof(out->shard), "%.4s", cluster + 6);
    const char *member = cluster + l - 3;
    snprintf(out->role, sizeof(out->role), "%s",
             role                         ? role
             : strcmp(member, "001") == 0 ? "primary"
                                          : "replica");
    snprintf(out->az, sizeof(out->az), "us-east-2%c", 'a' + (member[2] - '1') % 3);
    return true;
}

static struct logrec *mk(const char *stream, const char *msg, size_t len, int64_t ts,
                         const char *eid, enum logrec_type hint)
{
    struct logrec_event ev = {
        .event_id = eid,
        .log_group = hint == LOGREC_ENGINE ? ENGINE_GROUP : SLOW_GROUP,
        .log_stream = stream,
        .message = msg,
        .message_len = len,
        .timestamp_ms = ts,
        .ingestion_ms = ts + 700,
        .hint = hint,
    };
    return logrec_new(&ev, label_fn, NULL);
}

static char *slow_json(const char *cluster, long id, int64_t ts_s, long dur, const char *cmd,
                       const char *client, const char *name)
{
    return mem_xasprintf("{\"CacheClusterId\":\"%s\",\"CacheNodeId\":\"0001\",\"Id\":%ld,"
                         "\"Timestamp\":%lld,\"Duration (us)\":%ld,\"Command\":\"%s\","
                         "\"ClientAddress\":\"%s\",\"ClientName\":\"%s\"}",
                         cluster, id, (long long)ts_s, dur, cmd, client, name);
}

static char *stream_of(const char *cluster, const char *type)
{
    return mem_xasprintf("elasticache/redis/%s/0001/%s", cluster, type);
}

/* The record as the store gives it back renders exactly as the original. */
static void assert_same(const struct logstore *s, uint64_t seq, const struct logrec *orig)
{
    struct logstore_full f;
    logstore_full_init(&f);
    assert_true(logstore_full(s, seq, &f));
    struct buf a, b;
    buf_init(&a, 0);
    buf_init(&b, 0);
    logrec_format_json(orig, &a);
    logrec_format_json(&f.rec, &b);
    assert_string_equal(buf_str(&a), buf_str(&b));
    buf_reset(&a);
    buf_reset(&b);
    logrec_format_human(orig, &a);
    logrec_format_human(&f.rec, &b);
    assert_string_equal(buf_str(&a), buf_str(&b));
    buf_reset(&b);
    assert_true(logstore_message(s, seq, &b));
    assert_int_equal(b.len, orig->message_len);
    assert_memory_equal(b.data ? b.data : "", orig->message, orig->message_len);
    buf_free(&a);
    buf_free(&b);
    logstore_full_free(&f);
}

static const char *const EID56 = "38231283910224617213929291237463028475610362018652160000";

static void test_round_trip_every_kind(void **state)
{
    (void)state;
    struct logstore *s = logstore_new(100);
    int ss = logstore_source(s, SLOW_GROUP, LOGREC_SLOW);
    int es = logstore_source(s, ENGINE_GROUP, LOGREC_ENGINE);
    assert_int_equal(logstore_source(s, SLOW_GROUP, LOGREC_SLOW), ss);
    char *st1 = stream_of("app-4-0001-001", "slow-log"),
         *st2 = stream_of("app-4-0002-003", "slow-log"),
         *en1 = stream_of("app-4-0001-002", "engine-log");
    char *m[14];
    size_t ml[14];
    const char *streams[14];
    enum logrec_type hint[14];
    int n = 0;
    /* ElastiCache's own JSON: kept as values */
    m[n] = slow_json("app-4-0001-001", 17, 1714564805, 10452, "KEYS ... (1 more arguments)",
                     "10.20.32.14:53412", "worker-7");
    streams[n] = st1, hint[n++] = LOGREC_SLOW;
    /* the cluster inside is not the stream's, the Timestamp not the event's */
    m[n] = slow_json("other-0009-001", 18, 99, 5, "GET ... (1 more arguments)", "1.2.3.4:5", "");
    streams[n] = st1, hint[n++] = LOGREC_SLOW;
    /* escapes inside: ESC, a quote, a backslash, non-ASCII, NUL */
    m[n] = slow_json("app-4-0002-003", 19, 1714564806, 250000,
                     "SET \\u001b]0;title\\u0007 \\\"q\\\" \\\\ caf\\u00e9 \\u202e x\\u0000y",
                     "10.0.0.9:1", "n\\u001b[2J");
    streams[n] = st2, hint[n++] = LOGREC_SLOW;
    /* TEXT */
    m[n] = mem_xstrdup("app-4-0001-001,0001,1714564807,31000,SORT ... (1 more arguments),10.0.0.1:"
                       "4000,worker-8");
    streams[n] = st1, hint[n++] = LOGREC_SLOW;
    m[n] = mem_xstrdup("{\"CacheClusterId\":\"app-4-0001-002\",\"CacheNodeId\":\"0001\","
                       "\"LogLevel\":\"NOTICE\",\"Role\":\"S\",\"Time\":\"01 May 2024 "
                       "12:03:41.517 UTC\",\"Message\":\"MASTER <-> REPLICA sync: Finished\"}");
    streams[n] = en1, hint[n++] = LOGREC_ENGINE;
    m[n] = mem_xstrdup("app-4-0001-002/0001:M 01 May 2024 12:03:42.001 UTC # Warning here");
    streams[n] = en1, hint[n++] = LOGREC_ENGINE;
    /* JSON in another key order: kept raw */
    m[n] = mem_xstrdup("{\"Command\":\"HGETALL ... (1 more arguments)\",\"Duration (us)\":77,"
                       "\"ClientAddress\":\"9.9.9.9:1\",\"CacheClusterId\":\"app-4-0001-001\"}");
    streams[n] = st1, hint[n++] = LOGREC_SLOW;
    /* hostile, does not parse: raw */
    m[n] = mem_xstrdup("\x1b]0;pwned\x07\x1b[2J \xe2\x80\xae bad \xff\xfe end");
    streams[n] = st1, hint[n++] = LOGREC_SLOW;
    /* a NUL inside a message that does not parse */
    m[n] = mem_xstrdup("before");
    m[n][3] = '\0';
    streams[n] = st1, hint[n++] = LOGREC_SLOW;
    /* TEXT whose command holds a NUL (read from an engine-log stream) */
    m[n] = mem_xmalloc(64);
    memcpy(m[n],
           "app-4-0001-001,0001,1714564808,3,0001,\0.\xb1X\x05"
           "64807,314000,w",
           57);
    streams[n] = en1, hint[n++] = LOGREC_UNKNOWN;
    /* no stream at all (the node only in the record) */
    m[n] = slow_json("app-4-0003-002", 20, 1714564808, 900, "PING", "1.1.1.1:1", "x");
    streams[n] = "", hint[n++] = LOGREC_SLOW;
    const char *eids[] = {EID56, "12", "", "abc-not-digits", "1", "2", "3", "4", "5", "6", "7"};
    struct logrec *orig[14];
    uint64_t seq[14];
    for (int i = 0; i < n; i++) {
        ml[i] = i == 8 ? 6 : i == 9 ? 57 : strlen(m[i]);
        orig[i] = mk(streams[i], m[i], ml[i], 1714564805000LL + i * 1000, eids[i], hint[i]);
        seq[i] = logstore_push(s, hint[i] == LOGREC_ENGINE ? es : ss, orig[i]);
        assert_int_equal(seq[i], (uint64_t)i + 1);
    }
    assert_int_equal(orig[0]->type, LOGREC_SLOW);
    assert_int_equal(orig[2]->type, LOGREC_SLOW);
    assert_int_equal(orig[7]->type, LOGREC_UNKNOWN);
    for (int i = 0; i < n; i++)
        assert_same(s, seq[i], orig[i]);
    /* the fields in place */
    struct logstore_row row;
    assert_true(logstore_row(s, seq[0], &row));
    assert_true(row.spans);
    assert_int_equal(row.type, LOGREC_SLOW);
    assert_int_equal(row.src_type, LOGREC_SLOW);
    assert_string_equal(row.label, "0001/primary/us-east-2a");
    assert_string_equal(row.cluster, "app-4-0001-001");
    assert_int_equal(row.duration_us, 10452);
    assert_int_equal(row.ingest_ms, row.ts_ms + 700);
    assert_int_equal(row.text.n, strlen("KEYS ... (1 more arguments)"));
    assert_memory_equal(row.text.p, "KEYS ... (1 more arguments)", row.text.n);
    assert_memory_equal(row.client.p, "10.20.32.14:53412", row.client.n);
    assert_memory_equal(row.client_name.p, "worker-7", row.client_name.n);
    char name[32];
    logstore_command_name(&row, name, sizeof(name));
    assert_string_equal(name, "KEYS");
    /* escaped JSON: the span holds what the parse gave (decoded) */
    assert_true(logstore_row(s, seq[2], &row));
    assert_true(row.spans);
    assert_int_equal(row.text.n, orig[2]->command_len);
    assert_true(orig[2]->command_len > strlen(orig[2]->command)); /* a NUL inside */
    assert_memory_equal(row.text.p, orig[2]->command, orig[2]->command_len);
    assert_memory_equal(row.client_name.p, orig[2]->client_name, orig[2]->client_name_len);
    assert_true(logstore_row(s, seq[4], &row));
    assert_int_equal(row.level, LOGREC_LEVEL_NOTICE);
    assert_memory_equal(row.text.p, "MASTER <-> REPLICA sync: Finished", row.text.n);
    assert_string_equal(row.label, "0001/replica/us-east-2b");
    assert_true(logstore_row(s, seq[7], &row));
    assert_int_equal(row.type, LOGREC_UNKNOWN);
    assert_int_equal(row.text.n, ml[7]);
    assert_true(logstore_row(s, seq[9], &row));
    assert_int_equal(orig[9]->type, LOGREC_SLOW);
    assert_true(row.spans);
    assert_int_equal(row.text.n, orig[9]->command_len);
    assert_int_equal(row.text.n, 15);
    assert_memory_equal(row.text.p, orig[9]->command, 15);
    struct buf e;
    buf_init(&e, 0);
    assert_true(logstore_event_id(s, seq[0], &e));
    assert_string_equal(buf_str(&e), EID56);
    for (int i = 0; i < n; i++) {
        logrec_free(orig[i]);
        free(m[i]);
    }
    buf_free(&e);
    free(st1);
    free(st2);
    free(en1);
    logstore_free(s);
}

static void test_huge_message_has_no_spans(void **state)
{
    (void)state;
    struct logstore *s = logstore_new(10);
    int ss = logstore_source(s, SLOW_GROUP, LOGREC_SLOW);
    char *st = stream_of("app-4-0001-001", "slow-log");
    struct buf cmd;
    buf_init(&cmd, 0);
    buf_appends(&cmd, "HUGE");
    for (int i = 0; i < 70000; i++)
        buf_appendc(&cmd, 'x');
    buf_appends(&cmd, " needle");
    char *m = slow_json("app-4-0001-001", 1, 1714564805, 123456, buf_str(&cmd), "1.2.3.4:9", "big");
    struct logrec *r = mk(st, m, strlen(m), 1714564805000LL, "7", LOGREC_SLOW);
    uint64_t seq = logstore_push(s, ss, r);
    struct logstore_row row;
    assert_true(logstore_row(s, seq, &row));
    assert_false(row.spans);
    assert_same(s, seq, r);
    /* filters and search still see the fields */
    struct logstore_view *v = logstore_view_new(s);
    struct logstore_filter f = {.command = "huge"
                                           "xxxx"};
    f.command = "nope";
    logstore_view_set_filter(v, &f);
    assert_int_equal(logstore_view_count(v), 0);
    f.command = NULL;
    f.client = "1.2.3.4";
    logstore_view_set_filter(v, &f);
    assert_int_equal(logstore_view_count(v), 1);
    struct logstore_search q;
    assert_true(logstore_search_init(&q, "NEEDLE"));
    assert_int_equal(logstore_view_count_matches(v, &q), 1);
    logstore_search_free(&q);
    logrec_free(r);
    free(m);
    free(st);
    buf_free(&cmd);
    logstore_free(s);
}

static uint64_t push_slow(struct logstore *s, int src, const char *cluster, int64_t ts_ms, long dur,
                          const char *cmd, const char *client)
{
    char *st = stream_of(cluster, "slow-log");
    char *m = slow_json(cluster, 1, ts_ms / 1000, dur, cmd, client, "w");
    struct logrec *r = mk(st, m, strlen(m), ts_ms, "1", LOGREC_SLOW);
    uint64_t seq = logstore_push(s, src, r);
    logrec_free(r);
    free(m);
    free(st);
    return seq;
}

static uint64_t push_engine(struct logstore *s, int src, const char *cluster, int64_t ts_ms,
                            char level, const char *text)
{
    char *st = stream_of(cluster, "engine-log");
    char *m = mem_xasprintf("%s/0001:M 01 May 2024 12:03:42.001 UTC %c %s", cluster, level, text);
    struct logrec *r = mk(st, m, strlen(m), ts_ms, "2", LOGREC_ENGINE);
    uint64_t seq = logstore_push(s, src, r);
    logrec_free(r);
    free(m);
    free(st);
    return seq;
}

static void assert_order(const struct logstore_view *v, const uint64_t *want, size_t n)
{
    assert_int_equal(logstore_view_count(v), n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(logstore_view_seq(v, i), want[i]);
}

static void test_time_order_and_capacity(void **state)
{
    (void)state;
    struct logstore *s = logstore_new(5);
    int ss = logstore_source(s, SLOW_GROUP, LOGREC_SLOW);
    int es = logstore_source(s, ENGINE_GROUP, LOGREC_ENGINE);
    struct logstore_view *v = logstore_view_new(s);
    /* two sources, pages out of step, a late event */
    uint64_t a = push_slow(s, ss, "app-4-0001-001", 1000, 10, "GET", "1.1.1.1:1");
    uint64_t b = push_slow(s, ss, "app-4-0001-001", 3000, 10, "GET", "1.1.1.1:1");
    uint64_t c = push_engine(s, es, "app-4-0001-001", 2000, '*', "engine two");
    uint64_t d = push_engine(s, es, "app-4-0001-001", 3000, '*', "engine three");
    uint64_t e = push_slow(s, ss, "app-4-0001-001", 500, 10, "LATE", "1.1.1.1:1");
    uint64_t want1[] = {e, a, c, b, d};
    assert_order(v, want1, 5);
    bool held;
    assert_int_equal(logstore_view_pos(v, c, &held), 2);
    assert_true(held);
    assert_int_equal(logstore_view_added(v), 5);
    /* full: the first to arrive goes (a), whatever its time */
    uint64_t f = push_slow(s, ss, "app-4-0001-001", 4000, 10, "GET", "1.1.1.1:1");
    uint64_t want2[] = {e, c, b, d, f};
    assert_order(v, want2, 5);
    assert_int_equal(logstore_len(s), 5);
    assert_int_equal(logstore_dropped(s), 1);
    struct logstore_row row;
    assert_false(logstore_row(s, a, &row));
    assert_int_equal(logstore_view_pos(v, a, &held), 0);
    assert_false(held);
    /* a flood keeps the memory flat: old slabs are freed */
    size_t before = 0;
    for (int i = 0; i < 5000; i++) {
        push_slow(s, ss, "app-4-0001-001", 5000 + i, 10, "GET", "1.1.1.1:1");
        if (i == 100)
            before = logstore_bytes(s);
    }
    assert_int_equal(logstore_len(s), 5);
    assert_int_equal(logstore_dropped(s), 5001);
    assert_true(logstore_bytes(s) <= before + 70 * 1024);
    assert_int_equal(logstore_view_count(v), 5);
    /* clear: views empty, sequence numbers go on */
    logstore_clear(s);
    assert_int_equal(logstore_view_count(v), 0);
    uint64_t g = push_slow(s, ss, "app-4-0001-001", 1, 10, "GET", "1.1.1.1:1");
    assert_int_equal(g, logstore_pushed(s));
    assert_int_equal(logstore_view_count(v), 1);
    logstore_free(s);
}

static void test_filters_and_gaps(void **state)
{
    (void)state;
    struct logstore *s = logstore_new(100);
    int ss = logstore_source(s, SLOW_GROUP, LOGREC_SLOW);
    int es = logstore_source(s, ENGINE_GROUP, LOGREC_ENGINE);
    uint64_t s1 = push_slow(s, ss, "app-4-0001-001", 1000, 5000, "GET", "10.0.0.1:100");
    uint64_t s2 = push_slow(s, ss, "app-4-0002-002", 2000, 50000, "keys", "10.0.0.2:200");
    uint64_t s3 = push_slow(s, ss, "app-4-0003-003", 3000, 500000, "KEYS", "10.0.0.1:101");
    uint64_t e1 = push_engine(s, es, "app-4-0001-002", 1500, '-', "verbose");
    uint64_t e2 = push_engine(s, es, "app-4-0002-001", 2500, '#', "warning");
    /* a slow-log line that did not parse */
    char *st = stream_of("app-4-0002-002", "slow-log");
    struct logrec *bad = mk(st, "garbage", 7, 2600, "9", LOGREC_SLOW);
    uint64_t u1 = logstore_push(s, ss, bad);
    logrec_free(bad);
    free(st);
    uint64_t g1 =
        logstore_push_gap(s, es, 2700, 2900, "error", "ThrottlingException: Rate exceeded");
    struct logstore_view *v = logstore_view_new(s);
    uint64_t all[] = {s1, e1, s2, e2, u1, g1, s3};
    assert_order(v, all, 7);
    struct logstore_filter f;
    memset(&f, 0, sizeof(f));
    f.types = 1u << LOGREC_SLOW;
    logstore_view_set_filter(v, &f);
    uint64_t slow[] = {s1, s2, u1, s3};
    assert_order(v, slow, 4);
    f.types = 1u << LOGREC_ENGINE;
    logstore_view_set_filter(v, &f);
    uint64_t eng[] = {e1, e2, g1};
    assert_order(v, eng, 3);
    /* type-specific filters never hide what did not parse */
    memset(&f, 0, sizeof(f));
    f.min_duration_us = 40000;
    logstore_view_set_filter(v, &f);
    uint64_t slowish[] = {e1, s2, e2, u1, g1, s3};
    assert_order(v, slowish, 6);
    memset(&f, 0, sizeof(f));
    f.min_level = LOGREC_LEVEL_WARNING;
    logstore_view_set_filter(v, &f);
    uint64_t warn[] = {s1, s2, e2, u1, g1, s3};
    assert_order(v, warn, 6);
    memset(&f, 0, sizeof(f));
    f.command = "Keys";
    logstore_view_set_filter(v, &f);
    uint64_t keys[] = {e1, s2, e2, u1, g1, s3};
    assert_order(v, keys, 6);
    memset(&f, 0, sizeof(f));
    f.types = 1u << LOGREC_SLOW;
    f.client = "10.0.0.1";
    logstore_view_set_filter(v, &f);
    uint64_t cli[] = {s1, u1, s3};
    assert_order(v, cli, 3);
    f.client = "10.0.0.1:101";
    logstore_view_set_filter(v, &f);
    uint64_t cli2[] = {u1, s3};
    assert_order(v, cli2, 2);
    /* node, shard, role, AZ apply to every record (gaps stay) */
    memset(&f, 0, sizeof(f));
    f.shard = "0002";
    logstore_view_set_filter(v, &f);
    uint64_t sh[] = {s2, e2, u1, g1};
    assert_order(v, sh, 4);
    f.shard = NULL;
    f.role = "primary";
    logstore_view_set_filter(v, &f);
    uint64_t prim[] = {s1, e2, g1};
    assert_order(v, prim, 3);
    f.role = NULL;
    f.az = "us-east-2c";
    logstore_view_set_filter(v, &f);
    uint64_t azc[] = {g1, s3};
    assert_order(v, azc, 2);
    f.az = NULL;
    f.node = "app-4-0002-002";
    logstore_view_set_filter(v, &f);
    uint64_t node[] = {s2, u1, g1};
    assert_order(v, node, 3);
    f.node = "app-4-0002-002/0001";
    logstore_view_set_filter(v, &f);
    assert_order(v, node, 3);
    assert_true(logstore_filter_active(logstore_view_filter(v)));
    /* new records go through the filter as they come */
    uint64_t s4 = push_slow(s, ss, "app-4-0002-002", 2800, 1, "SET", "1.1.1.1:1");
    push_slow(s, ss, "app-4-0001-001", 2800, 1, "SET", "1.1.1.1:1");
    uint64_t node2[] = {s2, u1, g1, s4};
    assert_order(v, node2, 4);
    /* the gap's fields */
    struct logstore_row row;
    assert_true(logstore_row(s, g1, &row));
    assert_int_equal(row.kind, LOGSTORE_GAP);
    assert_int_equal(row.ts_ms, 2700);
    assert_int_equal(row.gap_to_ms, 2900);
    assert_string_equal(row.gap_reason, "error");
    assert_string_equal(row.gap_detail, "ThrottlingException: Rate exceeded");
    assert_string_equal(row.log_group, ENGINE_GROUP);
    logstore_free(s);
}

static void test_search(void **state)
{
    (void)state;
    struct logstore *s = logstore_new(100);
    int ss = logstore_source(s, SLOW_GROUP, LOGREC_SLOW);
    int es = logstore_source(s, ENGINE_GROUP, LOGREC_ENGINE);
    push_slow(s, ss, "app-4-0001-001", 1000, 10, "GET", "10.0.0.1:1");
    push_slow(s, ss, "app-4-0002-001", 2000, 10, "HGETALL", "10.0.0.2:1");
    push_engine(s, es, "app-4-0003-001", 3000, '#', "Background saving started");
    push_slow(s, ss, "app-4-0003-002", 4000, 10, "SET", "10.9.9.9:1");
    struct logstore_view *v = logstore_view_new(s);
    struct logstore_search q;
    assert_true(logstore_search_init(&q, "get"));
    assert_int_equal(logstore_view_count_matches(v, &q), 2);
    assert_int_equal(logstore_view_find(v, &q, 0, 1), 0);
    assert_int_equal(logstore_view_find(v, &q, 1, 1), 1);
    assert_int_equal(logstore_view_find(v, &q, 2, 1), 0); /* wraps */
    assert_int_equal(logstore_view_find(v, &q, 0, -1), 0);
    assert_int_equal(logstore_view_find(v, &q, 3, -1), 1);
    size_t st[4], en[4];
    assert_int_equal(logstore_search_ranges(&q, "HGETALL get", 11, st, en, 4), 2);
    assert_int_equal(st[0], 1);
    assert_int_equal(en[0], 4);
    assert_int_equal(st[1], 8);
    logstore_search_free(&q);
    /* the node's labels, the level, the client */
    assert_true(logstore_search_init(&q, "0003/replica"));
    assert_int_equal(logstore_view_find(v, &q, 0, 1), 3);
    logstore_search_free(&q);
    assert_true(logstore_search_init(&q, "warning"));
    assert_int_equal(logstore_view_count_matches(v, &q), 1);
    logstore_search_free(&q);
    assert_true(logstore_search_init(&q, "10.9.9"));
    assert_int_equal(logstore_view_find(v, &q, 0, 1), 3);
    logstore_search_free(&q);
    /* regex */
    assert_true(logstore_search_init(&q, "~^h?get"));
    assert_int_equal(logstore_view_count_matches(v, &q), 2);
    logstore_search_free(&q);
    assert_false(logstore_search_init(&q, "~(unclosed"));
    assert_true(q.error[0] != '\0');
    assert_int_equal(logstore_view_count_matches(v, &q), 0);
    logstore_search_free(&q);
    assert_true(logstore_search_init(&q, "nothing-like-it"));
    assert_int_equal(logstore_view_find(v, &q, 0, 1), LOGSTORE_NONE);
    logstore_search_free(&q);
    logstore_free(s);
}

/* Realistic slow-log records: the memory they take per record. */
static void test_memory_per_record(void **state)
{
    (void)state;
    const size_t N = 5000;
    struct logstore *s = logstore_new(N);
    int ss = logstore_source(s, SLOW_GROUP, LOGREC_SLOW);
    for (size_t i = 0; i < N; i++) {
        char cluster[32], eid[64], client[32];
        snprintf(cluster, sizeof(cluster), "app-4-%04zu-%03zu", 1 + i % 50, 1 + i % 3);
        snprintf(eid, sizeof(eid), "3823128391022461721392929123746302847561036201865%07zu", i);
        snprintf(client, sizeof(client), "10.20.%zu.%zu:%zu", i % 7, i % 250, 40000 + i % 20000);
        char *st = stream_of(cluster, "slow-log");
        int64_t ts = 1714564805000LL + (int64_t)i * 37;
        char *m = slow_json(cluster, (long)i, ts / 1000, 10000 + (long)(i % 90000),
                            i % 2 ? "KEYS ... (1 more arguments)" : "SORT ... (1 more arguments)",
                            client, "worker-7");
        struct logrec *r = mk(st, m, strlen(m), ts, eid, LOGREC_SLOW);
        logstore_push(s, ss, r);
        logrec_free(r);
        free(m);
        free(st);
    }
    size_t per = logstore_bytes(s) / N;
    print_message("logstore: %zu bytes a slow-log record (JSON)\n", per);
    /* 25 MB for 100k is 250 bytes a record */
    assert_true(per < 250);
    logstore_free(s);
}

static void test_summary(void **state)
{
    (void)state;
    struct logstore *s = logstore_new(1000);
    int ss = logstore_source(s, SLOW_GROUP, LOGREC_SLOW);
    int es = logstore_source(s, ENGINE_GROUP, LOGREC_ENGINE);
    /* KEYS: 1..100 ms on two nodes; clients a x50, b x30, c..h */
    for (int i = 1; i <= 100; i++) {
        const char *cl = i <= 50   ? "10.0.0.1:1"
                         : i <= 80 ? "10.0.0.2:2"
                         : i <= 90 ? "10.0.0.3:3"
                         : i <= 95 ? "10.0.0.4:4"
                         : i <= 97 ? "10.0.0.5:5"
                         : i <= 98 ? "10.0.0.6:6"
                                   : "10.0.0.7:7";
        push_slow(s, ss, i % 4 ? "app-4-0001-001" : "app-4-0002-002", 1000 + i, i * 1000,
                  i % 2 ? "KEYS" : "keys", cl);
    }
    push_slow(s, ss, "app-4-0001-001", 5000, 7, "GET", "10.0.0.1:1");
    push_engine(s, es, "app-4-0001-001", 6000, '*', "not counted");
    char *st = stream_of("app-4-0001-001", "slow-log");
    struct logrec *bad = mk(st, "garbage", 7, 7000, "9", LOGREC_SLOW);
    logstore_push(s, ss, bad);
    logrec_free(bad);
    free(st);
    struct logstore_view *v = logstore_view_new(s);
    struct logsum *sum = logsum_build(v, false);
    assert_int_equal(sum->n, 2);
    assert_int_equal(sum->records, 101);
    assert_int_equal(sum->unparsed, 1);
    assert_int_equal(sum->from_ms, 1001);
    assert_int_equal(sum->to_ms, 5000);
    const struct logsum_row *k = &sum->rows[0];
    assert_string_equal(k->command, "KEYS");
    assert_null(k->node);
    assert_int_equal(k->count, 100);
    assert_int_equal(k->p50_us, 50000);
    assert_int_equal(k->p99_us, 99000);
    assert_int_equal(k->max_us, 100000);
    assert_int_equal(k->total_us, 5050000);
    assert_int_equal(k->nclients, 5);
    assert_int_equal(k->clients_total, 7);
    assert_string_equal(k->clients[0].name, "10.0.0.1:1");
    assert_int_equal(k->clients[0].n, 50);
    assert_string_equal(k->clients[1].name, "10.0.0.2:2");
    assert_string_equal(k->clients[4].name, "10.0.0.5:5");
    assert_int_equal(k->nodes_total, 2);
    assert_string_equal(k->nodes[0].name, "0001/primary/us-east-2a app-4-0001-001");
    assert_int_equal(k->nodes[0].n, 75);
    assert_string_equal(sum->rows[1].command, "GET");
    logsum_free(sum);
    /* per node */
    sum = logsum_build(v, true);
    assert_int_equal(sum->n, 3);
    assert_string_equal(sum->rows[0].command, "KEYS");
    assert_string_equal(sum->rows[0].node, "0001/primary/us-east-2a app-4-0001-001");
    assert_int_equal(sum->rows[0].count, 75);
    logsum_free(sum);
    /* over what the view shows */
    struct logstore_filter f = {.min_duration_us = 90000};
    logstore_view_set_filter(v, &f);
    sum = logsum_build(v, false);
    assert_int_equal(sum->n, 1);
    assert_int_equal(sum->rows[0].count, 11);
    logsum_free(sum);
    int64_t one[] = {5};
    assert_int_equal(logsum_percentile(one, 1, 99), 5);
    assert_int_equal(logsum_percentile(one, 0, 50), 0);
    logstore_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_every_kind),
        cmocka_unit_test(test_huge_message_has_no_spans),
        cmocka_unit_test(test_time_order_and_capacity),
        cmocka_unit_test(test_filters_and_gaps),
        cmocka_unit_test(test_search),
        cmocka_unit_test(test_memory_per_record),
        cmocka_unit_test(test_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
