/* test_logrec.c - slow-log and engine-log records (aws-wire.md §18): JSON
 * and TEXT parsing, stream names, labels, malformed input kept raw,
 * terminal-safe and lossless JSON rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/unicode.h"
#include "core/logs/logrec.h"

static struct logrec *rec(const char *stream, const char *msg, size_t len, enum logrec_type hint,
                          logrec_label_fn fn, void *ctx)
{
    struct logrec_event ev = {"3823128391022461721392929123746302847561036201865216",
                              "/aws/elasticache/app-4/slow-log",
                              stream,
                              msg,
                              len,
                              1714564805000,
                              1714564806123,
                              hint};
    return logrec_new(&ev, fn, ctx);
}

static struct logrec *rec_s(const char *stream, const char *msg)
{
    return rec(stream, msg, strlen(msg), LOGREC_UNKNOWN, NULL, NULL);
}

static const char *slow_stream = "elasticache/redis/app-4-redis-cluster-001/0001/slow-log";
static const char *engine_stream = "elasticache/valkey/app-4-redis-cluster-002/0001/engine-log";

static void test_slow_json(void **state)
{
    (void)state;
    struct logrec *r =
        rec_s(slow_stream,
              "{\"CacheClusterId\":\"app-4-redis-cluster-001\",\"CacheNodeId\":\"0001\",\"Id\":17,"
              "\"Timestamp\":1714564805,\"Duration (us)\":10452,\"Command\":\"KEYS ... (1 more "
              "arguments)\",\"ClientAddress\":\"10.20.32.14:53412\",\"ClientName\":\"worker-7\"}");
    assert_int_equal(r->type, LOGREC_SLOW);
    assert_int_equal(r->format, LOGREC_FMT_JSON);
    assert_true(r->has_id);
    assert_int_equal(r->id, 17);
    assert_int_equal(r->slow_time_s, 1714564805);
    assert_int_equal(r->duration_us, 10452);
    assert_string_equal(r->command, "KEYS ... (1 more arguments)");
    assert_string_equal(r->client, "10.20.32.14:53412");
    assert_string_equal(r->client_name, "worker-7");
    assert_string_equal(r->engine, "redis");
    assert_string_equal(r->cache_cluster_id, "app-4-redis-cluster-001");
    assert_string_equal(r->cache_node_id, "0001");
    assert_int_equal(r->timestamp_ms, 1714564805000);
    assert_int_equal(r->ingestion_ms, 1714564806123);
    char name[16];
    logrec_command_name(r, name, sizeof(name));
    assert_string_equal(name, "KEYS");
    logrec_free(r);
}

static void test_slow_text(void **state)
{
    (void)state;
    struct logrec *r = rec_s(slow_stream, "app-4-redis-cluster-001,0001,1714564805,10452,KEYS ... "
                                          "(1 more arguments),10.20.32.14:53412,worker-7");
    assert_int_equal(r->type, LOGREC_SLOW);
    assert_int_equal(r->format, LOGREC_FMT_TEXT);
    assert_false(r->has_id);
    assert_int_equal(r->duration_us, 10452);
    assert_int_equal(r->slow_time_s, 1714564805);
    assert_string_equal(r->command, "KEYS ... (1 more arguments)");
    assert_string_equal(r->client, "10.20.32.14:53412");
    assert_string_equal(r->client_name, "worker-7");
    logrec_free(r);

    /* commas inside the command; empty client name */
    r = rec_s(slow_stream, "c1,0002,1714564805,7,EVAL a,b,c ... (3 more arguments),[::1]:6000,");
    assert_int_equal(r->type, LOGREC_SLOW);
    assert_string_equal(r->command, "EVAL a,b,c ... (3 more arguments)");
    assert_string_equal(r->client, "[::1]:6000");
    assert_string_equal(r->client_name, "");
    /* the stream name wins over the record's own ids */
    assert_string_equal(r->cache_cluster_id, "app-4-redis-cluster-001");
    logrec_free(r);

    /* without a stream name, the record's own ids are used */
    r = rec_s("other-stream", "c1,0002,1714564805,7,GET ... (1 more arguments),1.2.3.4:1,n");
    assert_int_equal(r->type, LOGREC_SLOW);
    assert_string_equal(r->cache_cluster_id, "c1");
    assert_string_equal(r->cache_node_id, "0002");
    assert_string_equal(r->engine, "");
    logrec_free(r);
}

static void test_engine_json(void **state)
{
    (void)state;
    struct logrec *r =
        rec_s(engine_stream, "{\"CacheClusterId\":\"app-4-redis-cluster-002\",\"CacheNodeId\":"
                             "\"0001\",\"LogLevel\":\"NOTICE\",\"Role\":\"S\",\"Time\":\"01 May "
                             "2024 12:03:41.517 UTC\",\"Message\":\"MASTER <-> REPLICA sync: "
                             "Finished with success\"}");
    assert_int_equal(r->type, LOGREC_ENGINE);
    assert_int_equal(r->format, LOGREC_FMT_JSON);
    assert_int_equal(r->level, LOGREC_LEVEL_NOTICE);
    assert_int_equal(r->role, LOGREC_ROLE_REPLICA);
    assert_string_equal(r->engine_time, "01 May 2024 12:03:41.517 UTC");
    assert_int_equal(r->engine_time_ms, 1714565021517);
    assert_string_equal(r->text, "MASTER <-> REPLICA sync: Finished with success");
    assert_string_equal(r->engine, "valkey");
    logrec_free(r);

    r = rec_s(engine_stream, "{\"LogLevel\":\"VERBOSE\",\"Role\":\"M\",\"Message\":\"x\"}");
    assert_int_equal(r->type, LOGREC_ENGINE);
    assert_int_equal(r->level, LOGREC_LEVEL_VERBOSE);
    assert_int_equal(r->role, LOGREC_ROLE_PRIMARY);
    logrec_free(r);
}

static void test_engine_text(void **state)
{
    (void)state;
    struct logrec *r = rec_s(engine_stream, "app-4-redis-cluster-002/0001:S 01 May 2024 "
                                            "12:03:41.517 UTC * MASTER <-> REPLICA sync: Finished "
                                            "with success");
    assert_int_equal(r->type, LOGREC_ENGINE);
    assert_int_equal(r->format, LOGREC_FMT_TEXT);
    assert_int_equal(r->level, LOGREC_LEVEL_NOTICE);
    assert_int_equal(r->role, LOGREC_ROLE_REPLICA);
    assert_int_equal(r->engine_time_ms, 1714565021517);
    assert_string_equal(r->text, "MASTER <-> REPLICA sync: Finished with success");
    logrec_free(r);

    static const struct {
        const char *line;
        enum logrec_level level;
        enum logrec_role role;
    } cases[] = {
        {"c/0001:M 01 May 2024 12:03:41.517 UTC - Accepted 10.0.0.1:5000", LOGREC_LEVEL_VERBOSE,
         LOGREC_ROLE_PRIMARY},
        {"c/0001:C 1 Jan 2025 00:00:00.000 UTC # Background save error", LOGREC_LEVEL_WARNING,
         LOGREC_ROLE_CHILD},
        {"c/0001:X 31 Dec 2024 23:59:59.999 * Sentinel new", LOGREC_LEVEL_NOTICE,
         LOGREC_ROLE_SENTINEL},
        {"c/0001:M 01 May 2024 12:03:41.517 UTC . debug line", LOGREC_LEVEL_DEBUG,
         LOGREC_ROLE_PRIMARY},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        r = rec(engine_stream, cases[i].line, strlen(cases[i].line), LOGREC_ENGINE, NULL, NULL);
        assert_int_equal(r->type, LOGREC_ENGINE);
        assert_int_equal(r->level, cases[i].level);
        assert_int_equal(r->role, cases[i].role);
        logrec_free(r);
    }
}

static void expect_lines(const struct logrec *r, const char *human, const char *json)
{
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(logrec_format_human(r, &b), 0);
    if (!strstr(buf_str(&b), human))
        fail_msg("human line lacks [%s]: %s", human, buf_str(&b));
    buf_reset(&b);
    assert_int_equal(logrec_format_json(r, &b), 0);
    if (!strstr(buf_str(&b), json))
        fail_msg("JSON lacks [%s]: %s", json, buf_str(&b));
    buf_free(&b);
}

/* A NUL inside a message never cuts what follows it: shown as \0 (\u0000
 * in JSON) wherever the rest of the text is shown. */
static void test_nul_never_cuts_text(void **state)
{
    (void)state;
    static const char slow[] =
        "{\"CacheClusterId\":\"c\",\"CacheNodeId\":\"0001\",\"Id\":1,\"Timestamp\":1,"
        "\"Duration (us)\":10,\"Command\":\"GET before\\u0000after\",\"ClientAddress\":"
        "\"10.0.0.1:1\",\"ClientName\":\"n\\u0000m\"}";
    struct logrec *r = rec_s(slow_stream, slow);
    assert_int_equal(r->type, LOGREC_SLOW);
    assert_int_equal(r->command_len, 16);
    assert_memory_equal(r->command, "GET before\0after", 17);
    expect_lines(r, "GET before\\0after client=10.0.0.1:1 name=n\\0m",
                 "\"command\":\"GET before\\u0000after\"");
    expect_lines(r, "slow", "\"clientName\":\"n\\u0000m\"");
    logrec_free(r);

    static const char engine_json[] =
        "{\"CacheClusterId\":\"c\",\"CacheNodeId\":\"0001\",\"LogLevel\":\"NOTICE\","
        "\"Role\":\"M\",\"Time\":\"01 May 2024 12:03:41.517 UTC\",\"Message\":\"one\\u0000two\"}";
    r = rec_s(engine_stream, engine_json);
    assert_int_equal(r->type, LOGREC_ENGINE);
    assert_int_equal(r->text_len, 7);
    expect_lines(r, "one\\0two", "\"text\":\"one\\u0000two\"");
    logrec_free(r);

    /* TEXT lines carry the byte itself */
    static const char engine_text[] = "c/0001:M 01 May 2024 12:03:41.517 UTC * left\0right";
    r = rec(engine_stream, engine_text, sizeof(engine_text) - 1, LOGREC_ENGINE, NULL, NULL);
    assert_int_equal(r->type, LOGREC_ENGINE);
    assert_int_equal(r->text_len, 10);
    expect_lines(r, "left\\0right", "\"text\":\"left\\u0000right\"");
    logrec_free(r);
    static const char slow_text[] = "c,0001,1714564805,10452,SET k v\0w,10.0.0.1:5,name";
    r = rec(slow_stream, slow_text, sizeof(slow_text) - 1, LOGREC_SLOW, NULL, NULL);
    assert_int_equal(r->type, LOGREC_SLOW);
    expect_lines(r, "SET k v\\0w client=10.0.0.1:5", "\"command\":\"SET k v\\u0000w\"");
    logrec_free(r);
    /* unparsed: the raw message, whole */
    static const char raw[] = "garbage\0more garbage";
    r = rec(engine_stream, raw, sizeof(raw) - 1, LOGREC_ENGINE, NULL, NULL);
    assert_int_equal(r->type, LOGREC_UNKNOWN);
    expect_lines(r, "garbage\\0more garbage", "\"message\":\"garbage\\u0000more garbage\"");
    logrec_free(r);
}

static void test_malformed_kept_raw(void **state)
{
    (void)state;
    static const char *bad[] = {
        "",
        "hello world",
        "{\"Duration (us)\":\"abc\",\"Command\":\"GET\"}",
        "{\"Command\":\"GET\"}",
        "{not json",
        "[1,2,3]",
        "a,b,c,d,e,f", /* not numbers */
        "a,b,1,2,cmd", /* too few fields */
        "c/0001:Q 01 May 2024 12:03:41.517 UTC * bad role",
        "c/0001:M 01 Foo 2024 12:03:41.517 UTC * bad month",
        "c/0001:M 01 May 2024 12:03:41.517 UTC ! bad level",
        "c/0001:M 01 May 2024 25:03:41.517 UTC * bad hour",
        "c/0001:M",
        "/0001:M 01 May 2024 12:03:41.517 UTC * no cluster",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct logrec *r = rec_s(slow_stream, bad[i]);
        if (r->type != LOGREC_UNKNOWN)
            fail_msg("parsed as %s: %s", logrec_type_name(r->type), bad[i]);
        assert_int_equal(r->format, LOGREC_FMT_NONE);
        assert_int_equal(r->message_len, strlen(bad[i]));
        assert_memory_equal(r->message, bad[i], strlen(bad[i]));
        /* still labelled by its stream */
        assert_string_equal(r->cache_cluster_id, "app-4-redis-cluster-001");
        struct buf b;
        buf_init(&b, 0);
        assert_int_equal(logrec_format_human(r, &b), 0);
        assert_non_null(strstr(buf_str(&b), " unknown "));
        buf_free(&b);
        logrec_free(r);
    }
    /* embedded NUL bytes are kept */
    const char nul[] = "abc\0def";
    struct logrec *r = rec(slow_stream, nul, 7, LOGREC_UNKNOWN, NULL, NULL);
    assert_int_equal(r->message_len, 7);
    assert_memory_equal(r->message, nul, 7);
    struct buf b;
    buf_init(&b, 0);
    logrec_format_human(r, &b);
    assert_non_null(strstr(buf_str(&b), "abc\\0def"));
    buf_free(&b);
    logrec_free(r);
}

static void test_stream_names(void **state)
{
    (void)state;
    struct logrec_stream s;
    assert_true(logrec_parse_stream("elasticache/redis/my-rg-0002-001/0001/engine-log", &s));
    assert_string_equal(s.engine, "redis");
    assert_string_equal(s.cache_cluster_id, "my-rg-0002-001");
    assert_string_equal(s.cache_node_id, "0001");
    assert_string_equal(s.log_type, "engine-log");
    assert_int_equal(s.type, LOGREC_ENGINE);
    assert_true(logrec_parse_stream("elasticache/valkey/v-001/0001/slow-log", &s));
    assert_string_equal(s.engine, "valkey");
    assert_int_equal(s.type, LOGREC_SLOW);
    assert_true(logrec_parse_stream("elasticache/valkey/v-001/0001/command-log", &s));
    assert_int_equal(s.type, LOGREC_UNKNOWN);
    static const char *bad[] = {
        NULL,
        "",
        "elasticache/redis/x/0001",
        "elasticache/redis/x/0001/slow-log/extra",
        "elasticache//x/0001/slow-log",
        "elasticache/redis/x//slow-log",
        "elasticache/redis/x/0001/",
        "kinesis/redis/x/0001/slow-log",
        "elasticache/averyveryverylongenginename/x/0001/slow-log",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(logrec_parse_stream(bad[i], &s));
        assert_string_equal(s.engine, "");
    }
}

static bool label_fn(void *ctx, const char *cl, const char *node, int64_t at_ms,
                     struct logrec_labels *out)
{
    int *calls = ctx;
    assert_true(at_ms > 0);
    (*calls)++;
    if (strcmp(cl, "app-4-redis-cluster-001") != 0 || strcmp(node, "0001") != 0)
        return false;
    snprintf(out->shard, sizeof(out->shard), "0001");
    snprintf(out->role, sizeof(out->role), "primary");
    snprintf(out->az, sizeof(out->az), "us-east-2a");
    return true;
}

static void test_labels_and_output(void **state)
{
    (void)state;
    int calls = 0;
    const char *msg = "app-4-redis-cluster-001,0001,1714564805,10452,KEYS ... (1 more "
                      "arguments),10.20.32.14:53412,worker-7";
    struct logrec *r = rec(slow_stream, msg, strlen(msg), LOGREC_SLOW, label_fn, &calls);
    assert_int_equal(calls, 1);
    assert_true(r->labelled);
    assert_string_equal(r->labels.az, "us-east-2a");
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(logrec_format_human(r, &b), 0);
    assert_string_equal(buf_str(&b),
                        "2024-05-01T12:00:05.000Z app-4-redis-cluster-001/0001 [0001 primary "
                        "us-east-2a] slow 10.452ms KEYS ... (1 more arguments) "
                        "client=10.20.32.14:53412 name=worker-7");
    buf_reset(&b);
    assert_int_equal(logrec_format_json(r, &b), 0);
    json_error_t je;
    json_t *o = json_loads(buf_str(&b), 0, &je);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "eventId")), r->event_id);
    assert_int_equal(json_integer_value(json_object_get(o, "timestamp")), 1714564805000);
    assert_int_equal(json_integer_value(json_object_get(o, "ingestionTime")), 1714564806123);
    assert_string_equal(json_string_value(json_object_get(o, "logGroup")),
                        "/aws/elasticache/app-4/slow-log");
    assert_string_equal(json_string_value(json_object_get(o, "logStream")), slow_stream);
    assert_string_equal(json_string_value(json_object_get(o, "type")), "slow");
    assert_string_equal(json_string_value(json_object_get(o, "format")), "text");
    assert_string_equal(json_string_value(json_object_get(o, "cacheClusterId")),
                        "app-4-redis-cluster-001");
    assert_string_equal(json_string_value(json_object_get(o, "cacheNodeId")), "0001");
    assert_string_equal(json_string_value(json_object_get(o, "shard")), "0001");
    assert_string_equal(json_string_value(json_object_get(o, "role")), "primary");
    assert_string_equal(json_string_value(json_object_get(o, "az")), "us-east-2a");
    assert_int_equal(json_integer_value(json_object_get(o, "durationUs")), 10452);
    assert_string_equal(json_string_value(json_object_get(o, "commandName")), "KEYS");
    assert_string_equal(json_string_value(json_object_get(o, "message")), msg);
    json_decref(o);
    buf_free(&b);
    logrec_free(r);

    /* unknown node: no labels, lookup still asked */
    r = rec(engine_stream, "x", 1, LOGREC_ENGINE, label_fn, &calls);
    assert_int_equal(calls, 2);
    assert_false(r->labelled);
    assert_string_equal(r->labels.shard, "");
    buf_init(&b, 0);
    logrec_format_json(r, &b);
    assert_null(strstr(buf_str(&b), "\"shard\""));
    assert_non_null(strstr(buf_str(&b), "\"type\":\"unknown\""));
    buf_free(&b);
    logrec_free(r);
}

static char *safe(const char *s, size_t n)
{
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(logrec_safe_append(&b, s, n), 0);
    return buf_steal(&b);
}

static void test_safe_rendering(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"plain text", "plain text"},
        {"\x1b[2J\x1b]0;pwned\x07", "\\x1b[2J\\x1b]0;pwned\\x07"},
        {"a\nb\rc\td", "a\\nb\\rc\\td"},
        {"back\\slash", "back\\\\slash"},
        {"del\x7f", "del\\x7f"},
        {"csi\xc2\x9b"
         "31m",
         "csi\\u{009b}31m"}, /* C1 CSI as UTF-8 */
        {"raw\x9b"
         "31m",
         "raw\\x9b31m"}, /* C1 as a raw byte */
        {"bidi\xe2\x80\xae"
         "evil",
         "bidi\\u{202e}evil"},                                            /* RLO */
        {"iso\xe2\x81\xa6x", "iso\\u{2066}x"},                            /* LRI */
        {"caf\xc3\xa9 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80"}, /* valid UTF-8 kept */
        {"over\xc0\xaf", "over\\xc0\\xaf"},                               /* overlong */
        {"sur\xed\xa0\x80", "sur\\xed\\xa0\\x80"},                        /* surrogate */
        {"cut\xe2\x82", "cut\\xe2\\x82"},                                 /* truncated */
        {"big\xf4\x90\x80\x80", "big\\xf4\\x90\\x80\\x80"},               /* > U+10FFFF */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *o = safe(cases[i].in, strlen(cases[i].in));
        if (strcmp(o, cases[i].out) != 0)
            fail_msg("case %zu: got '%s' want '%s'", i, o, cases[i].out);
        for (const unsigned char *p = (const unsigned char *)o; *p; p++)
            assert_true(*p >= 0x20 && *p != 0x7f);
        free(o);
    }
    char *o = safe("a\0b", 3);
    assert_string_equal(o, "a\\0b");
    free(o);
}

/* Decode a JSON string literal with \udcXX meaning the raw byte XX
 * (surrogateescape), to check the encoding is lossless. */
static size_t unescape(const char *lit, char *out)
{
    size_t n = 0;
    assert_true(*lit == '"');
    const char *p = lit + 1;
    while (*p != '"') {
        if (*p != '\\') {
            out[n++] = *p++;
            continue;
        }
        p++;
        char e = *p++;
        if (e == 'n')
            out[n++] = '\n';
        else if (e == 'r')
            out[n++] = '\r';
        else if (e == 't')
            out[n++] = '\t';
        else if (e == '"' || e == '\\')
            out[n++] = e;
        else {
            assert_int_equal(e, 'u');
            char hex[5] = {p[0], p[1], p[2], p[3], 0};
            unsigned cp = (unsigned)strtoul(hex, NULL, 16);
            p += 4;
            if (cp >= 0xdc80 && cp <= 0xdcff) {
                out[n++] = (char)(cp - 0xdc00);
                continue;
            }
            if (cp >= 0xd800 && cp <= 0xdbff) {
                assert_true(p[0] == '\\' && p[1] == 'u');
                char h2[5] = {p[2], p[3], p[4], p[5], 0};
                unsigned lo = (unsigned)strtoul(h2, NULL, 16);
                p += 6;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            if (cp < 0x80) {
                out[n++] = (char)cp;
            } else if (cp < 0x800) {
                out[n++] = (char)(0xc0 | (cp >> 6));
                out[n++] = (char)(0x80 | (cp & 0x3f));
            } else if (cp < 0x10000) {
                out[n++] = (char)(0xe0 | (cp >> 12));
                out[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                out[n++] = (char)(0x80 | (cp & 0x3f));
            } else {
                out[n++] = (char)(0xf0 | (cp >> 18));
                out[n++] = (char)(0x80 | ((cp >> 12) & 0x3f));
                out[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                out[n++] = (char)(0x80 | (cp & 0x3f));
            }
        }
    }
    return n;
}

static void test_json_lossless(void **state)
{
    (void)state;
    const char in[] =
        "q\"b\\ \x1b[31m \xc3\xa9 \xf0\x9f\x98\x80 \xff\xfe \xc2\x9b \x00 \xe2\x80\xae";
    size_t n = sizeof(in) - 1;
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(logrec_json_append(&b, in, n), 0);
    /* plain ASCII, no control characters */
    for (size_t i = 0; i < b.len; i++)
        assert_true((unsigned char)b.data[i] >= 0x20 && (unsigned char)b.data[i] < 0x7f);
    assert_non_null(strstr(buf_str(&b), "\\udcff\\udcfe"));
    char out[256];
    size_t m = unescape(buf_str(&b), out);
    assert_int_equal(m, n);
    assert_memory_equal(out, in, n);
    /* valid UTF-8 input gives JSON that jansson reads back exactly */
    buf_reset(&b);
    const char ok[] = "caf\xc3\xa9 \xf0\x9f\x98\x80 \x1b";
    logrec_json_append(&b, ok, sizeof(ok) - 1);
    json_error_t je;
    json_t *j = json_loads(buf_str(&b), JSON_DECODE_ANY, &je);
    assert_non_null(j);
    assert_string_equal(json_string_value(j), ok);
    json_decref(j);
    buf_free(&b);
}

static void test_engine_time_and_levels(void **state)
{
    (void)state;
    int64_t ms;
    assert_true(logrec_parse_engine_time("01 May 2024 12:03:41.517 UTC", 28, &ms));
    assert_int_equal(ms, 1714565021517);
    assert_true(logrec_parse_engine_time("1 Jan 1970 00:00:00", 19, &ms));
    assert_int_equal(ms, 0);
    assert_true(logrec_parse_engine_time("29 Feb 2024 23:59:59.5", 22, &ms));
    assert_int_equal(ms, 1709251199500);
    assert_false(logrec_parse_engine_time("01 May 2024", 11, &ms));
    assert_false(logrec_parse_engine_time("01 May 2024 12:03:41.517 UTC x", 30, &ms));
    assert_false(logrec_parse_engine_time("32 May 2024 12:03:41", 20, &ms));
    enum logrec_level l;
    assert_true(logrec_level_parse("warning", &l));
    assert_int_equal(l, LOGREC_LEVEL_WARNING);
    assert_true(logrec_level_parse("#", &l));
    assert_int_equal(l, LOGREC_LEVEL_WARNING);
    assert_true(logrec_level_parse("Notice", &l));
    assert_int_equal(l, LOGREC_LEVEL_NOTICE);
    assert_false(logrec_level_parse("loud", &l));
    assert_string_equal(logrec_role_name(LOGREC_ROLE_REPLICA), "replica");
    assert_int_equal(logrec_role_char(LOGREC_ROLE_CHILD), 'C');
}

/* The message-only parser used by the fuzz target. */
static void test_parse_message_scratch(void **state)
{
    (void)state;
    struct buf sc;
    buf_init(&sc, 0);
    struct logrec r;
    const char *m = "c/0001:M 01 May 2024 12:03:41.517 UTC # disk full";
    assert_int_equal(logrec_parse_message(m, strlen(m), LOGREC_UNKNOWN, &r, &sc), LOGREC_ENGINE);
    assert_string_equal(r.text, "disk full");
    assert_string_equal(r.cache_cluster_id, "c");
    buf_reset(&sc);
    assert_int_equal(logrec_parse_message("zzz", 3, LOGREC_SLOW, &r, &sc), LOGREC_UNKNOWN);
    assert_string_equal(r.command, "");
    buf_free(&sc);
}

/* Numbers are written without printf: the extremes and the duration
 * units come out as printf would write them. */
static void test_numbers_in_output(void **state)
{
    (void)state;
    static const struct {
        const char *id;
        long long dur;
        const char *human_dur;
    } cases[] = {
        {"0", 0, "0us"},
        {"-1", 999, "999us"},
        {"9223372036854775807", 1000, "1.000ms"},
        {"-9223372036854775808", 1234567, "1.234s"},
        {"42", 999999, "999.999ms"},
        {"7", 61000001, "61.000s"},
        {"12345678901", 9223372036854775807LL, "9223372036854.775s"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char msg[256], human[128], json[256];
        snprintf(msg, sizeof(msg),
                 "{\"Id\":%s,\"Timestamp\":1714564805,\"Duration (us)\":%lld,"
                 "\"Command\":\"GET k\",\"ClientAddress\":\"\",\"ClientName\":\"\"}",
                 cases[i].id, cases[i].dur);
        struct logrec *r = rec_s(slow_stream, msg);
        assert_int_equal(r->type, LOGREC_SLOW);
        snprintf(human, sizeof(human), " slow %s GET k id=%s", cases[i].human_dur, cases[i].id);
        snprintf(json, sizeof(json),
                 "\"timestamp\":1714564805000,\"ingestionTime\":1714564806123,"
                 "\"logGroup\"");
        expect_lines(r, human, json);
        snprintf(json, sizeof(json),
                 ",\"id\":%s,\"slowlogTimestamp\":1714564805,\"durationUs\":%lld,"
                 "\"command\":\"GET k\",\"commandName\":\"GET\"",
                 cases[i].id, cases[i].dur);
        expect_lines(r, human, json);
        logrec_free(r);
    }
}

/* Reference renderings, one byte or sequence at a time with printf, as
 * logrec_safe_append and logrec_json_append were first written: the
 * chunked writers must give the same bytes. */
static bool ref_hidden(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200b || cp == 0x200e ||
           cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
}

static void ref_safe(struct buf *b, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        uint32_t cp = 0;
        size_t l = c >= 0x80 ? unicode_utf8_seq(p + i, n - i, &cp) : 1;
        if (c == '\\')
            buf_appends(b, "\\\\");
        else if (c == '\n' || c == '\r' || c == '\t' || c == '\0')
            buf_printf(b, "\\%c", c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : '0');
        else if (c < 0x20 || c == 0x7f || (c >= 0x80 && l == 0))
            buf_printf(b, "\\x%02x", c);
        else if (c >= 0x80 && ref_hidden(cp))
            buf_printf(b, "\\u{%04x}", (unsigned)cp);
        else
            buf_append(b, p + i, l);
        i += l ? l : 1;
    }
}

static void ref_json(struct buf *b, const unsigned char *p, size_t n)
{
    buf_appendc(b, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        uint32_t cp = 0;
        size_t l = c >= 0x80 ? unicode_utf8_seq(p + i, n - i, &cp) : 1;
        if (c == '"' || c == '\\')
            buf_printf(b, "\\%c", c);
        else if (c == '\n' || c == '\r' || c == '\t')
            buf_printf(b, "\\%c", c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
        else if (c < 0x20 || c == 0x7f)
            buf_printf(b, "\\u%04x", c);
        else if (c >= 0x80 && l == 0)
            buf_printf(b, "\\udc%02x", c);
        else if (c >= 0x80 && cp >= 0x10000)
            buf_printf(b, "\\u%04x\\u%04x", (unsigned)(0xd800 + ((cp - 0x10000) >> 10)),
                       (unsigned)(0xdc00 + ((cp - 0x10000) & 0x3ff)));
        else if (c >= 0x80)
            buf_printf(b, "\\u%04x", (unsigned)cp);
        else
            buf_appendc(b, (char)c);
        i += l ? l : 1;
    }
    buf_appendc(b, '"');
}

/* The writers build output in chunks: every kind of byte, runs of plain
 * text long and short, strings across many chunk boundaries, and a cap
 * that is hit give what the reference gives. */
static void test_writers_match_reference(void **state)
{
    (void)state;
    static const char *const parts[] = {"a",
                                        "plain text ",
                                        "\"",
                                        "\\",
                                        "\n",
                                        "\r",
                                        "\t",
                                        "\x00",
                                        "\x1b[31m",
                                        "\x7f",
                                        "\x01",
                                        "\xc3\xa9",
                                        "\xc2\x85",
                                        "\xe2\x80\xae",
                                        "\xe2\x81\xa6",
                                        "\xef\xbb\xbf",
                                        "\xf0\x9f\x98\x80",
                                        "\xff",
                                        "\xc3",
                                        "\xed\xa0\x80",
                                        "\xe4\xb8\xad",
                                        "{\"k\":1}",
                                        "/"};
    static const size_t plen[] = {1, 11, 1, 1, 1, 1, 1, 1, 6, 1, 1, 2,
                                  2, 3,  3, 3, 4, 1, 1, 3, 3, 7, 1};
    _Static_assert(sizeof(parts) / sizeof(parts[0]) == sizeof(plen) / sizeof(plen[0]), "parts");
    unsigned seed = 12345;
    struct buf in, got, want;
    buf_init(&in, 0);
    buf_init(&got, 0);
    buf_init(&want, 0);
    for (int round = 0; round < 400; round++) {
        buf_reset(&in);
        size_t target = round < 300 ? (size_t)(round * 7) : (size_t)(round * 37);
        while (in.len < target) {
            seed = seed * 1103515245u + 12345u;
            size_t k = (seed >> 16) % (sizeof(plen) / sizeof(plen[0]));
            if (k == 1 && (seed & 0x100)) /* a long run of plain text now and then */
                for (int r = 0; r < 90; r++)
                    buf_append(&in, "0123456789", 10);
            buf_append(&in, parts[k], plen[k]);
        }
        const unsigned char *u = (const unsigned char *)(in.data ? in.data : "");
        buf_reset(&got);
        buf_reset(&want);
        assert_int_equal(logrec_json_append(&got, (const char *)u, in.len), 0);
        ref_json(&want, u, in.len);
        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.data, want.data, want.len);
        buf_reset(&got);
        buf_reset(&want);
        assert_int_equal(logrec_safe_append(&got, (const char *)u, in.len), 0);
        ref_safe(&want, u, in.len);
        assert_int_equal(got.len, want.len);
        if (want.len)
            assert_memory_equal(got.data, want.data, want.len);
    }
    /* a cap that cannot hold the rendering: -1, and never more than the cap */
    struct buf small;
    buf_init(&small, 100);
    char big[3000];
    memset(big, '"', sizeof(big));
    assert_int_equal(logrec_json_append(&small, big, sizeof(big)), -1);
    assert_true(small.len <= 100);
    buf_reset(&small);
    assert_int_equal(logrec_safe_append(&small, big, 50), 0);
    assert_int_equal(small.len, 50);
    buf_free(&small);
    buf_free(&in);
    buf_free(&got);
    buf_free(&want);
}

/* The members of a JSON message are found in one pass over its keys, and
 * match as a lookup by name would: "Duration (us)" before "Duration"
 * whatever their order, the last of a repeated key, a longer key that
 * starts with a member's name is another key; fields are copied whole
 * (NULs kept). A key with a NUL inside is refused by jansson: the message
 * stays raw. */
static void test_json_members(void **state)
{
    (void)state;
    const char m1[] = "{\"Duration\":5,\"Command\":\"GET a\",\"Duration (us)\":7,"
                      "\"Command\":\"GET b\",\"Commands\":\"SET c\",\"ClientName\":\"x\\u0000y\"}";
    struct logrec *r = rec(slow_stream, m1, sizeof(m1) - 1, LOGREC_UNKNOWN, NULL, NULL);
    assert_int_equal(r->type, LOGREC_SLOW);
    assert_int_equal(r->duration_us, 7);
    assert_string_equal(r->command, "GET b");
    assert_int_equal(r->client_name_len, 3);
    assert_memory_equal(r->client_name, "x\0y", 3);
    assert_false(r->has_id);
    logrec_free(r);
    /* a NUL inside a key: jansson refuses the object, the record is raw */
    const char m2[] = "{\"Duration (us)\":7,\"Command\\u0000\":\"GET a\"}";
    r = rec(slow_stream, m2, sizeof(m2) - 1, LOGREC_UNKNOWN, NULL, NULL);
    assert_int_equal(r->type, LOGREC_UNKNOWN);
    assert_string_equal(r->message, m2);
    logrec_free(r);
    /* engine keys in any order, unknown keys ignored */
    const char m3[] =
        "{\"x\":[1,{\"Message\":\"no\"}],\"Message\":\"hi\",\"Time\":\"01 May 2024 "
        "12:03:41.517 UTC\",\"Role\":\"S\",\"LogLevel\":\"#\",\"CacheNodeId\":\"0002\"}";
    r = rec(engine_stream, m3, sizeof(m3) - 1, LOGREC_UNKNOWN, NULL, NULL);
    assert_int_equal(r->type, LOGREC_ENGINE);
    assert_string_equal(r->text, "hi");
    assert_int_equal(r->role, LOGREC_ROLE_REPLICA);
    assert_int_equal(r->level, LOGREC_LEVEL_WARNING);
    assert_int_equal(r->engine_time_ms, 1714565021517);
    logrec_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slow_json),
        cmocka_unit_test(test_slow_text),
        cmocka_unit_test(test_engine_json),
        cmocka_unit_test(test_engine_text),
        cmocka_unit_test(test_nul_never_cuts_text),
        cmocka_unit_test(test_malformed_kept_raw),
        cmocka_unit_test(test_stream_names),
        cmocka_unit_test(test_labels_and_output),
        cmocka_unit_test(test_safe_rendering),
        cmocka_unit_test(test_json_lossless),
        cmocka_unit_test(test_engine_time_and_levels),
        cmocka_unit_test(test_parse_message_scratch),
        cmocka_unit_test(test_numbers_in_output),
        cmocka_unit_test(test_writers_match_reference),
        cmocka_unit_test(test_json_members),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
