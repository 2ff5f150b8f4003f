/* test_awsjson.c - JSON 1.1 protocol: bodies, error envelopes, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awsjson.h"
#include "aws/buf.h"

static void test_encode(void **state)
{
    (void)state;
    size_t len;
    char *s = awsjson_encode(NULL, &len);
    assert_string_equal(s, "{}");
    assert_int_equal(len, 2);
    free(s);
    json_t *o = json_pack("{s:s}", "KeyId", "alias/my-key");
    s = awsjson_encode(o, &len);
    assert_string_equal(s, "{\"KeyId\":\"alias/my-key\"}");
    free(s);
    json_decref(o);
}

static void test_success_bodies(void **state)
{
    (void)state;
    struct aws_error err;
    aws_error_init(&err);
    json_t *out;
    assert_int_equal(awsjson_parse("", 0, 200, &out, &err), 0);
    assert_true(json_is_object(out) && json_object_size(out) == 0);
    json_decref(out);
    assert_int_equal(awsjson_parse(NULL, 0, 200, &out, &err), 0);
    json_decref(out);
    assert_int_equal(awsjson_parse("null", 4, 200, &out, &err), 0);
    assert_true(json_is_object(out) && json_object_size(out) == 0);
    json_decref(out);
    const char *b = "{\"KeyMetadata\":{\"CreationDate\":1.714564800123E9,\"Enabled\":true,"
                    "\"KeyId\":\"k1\",\"N\":42}}";
    assert_int_equal(awsjson_parse(b, strlen(b), 200, &out, &err), 0);
    json_t *km = json_object_get(out, "KeyMetadata");
    assert_int_equal(awsjson_time_ms(km, "CreationDate"), 1714564800123LL);
    assert_int_equal(awsjson_bool(km, "Enabled", 0), 1);
    assert_int_equal(awsjson_int(km, "N", 0), 42);
    assert_int_equal(awsjson_int(km, "KeyId", -1), -1); /* wrong type -> default */
    assert_string_equal(awsjson_str(km, "KeyId"), "k1");
    assert_null(awsjson_str(km, "N"));
    assert_null(awsjson_strdup(km, "Missing"));
    json_decref(out);
}

static void test_error_envelopes(void **state)
{
    (void)state;
    struct aws_error err;
    aws_error_init(&err);
    json_t *out;
    const char *e1 = "{\"__type\":\"com.amazonaws.kms#NotFoundException\",\"message\":\"nope\"}";
    assert_int_equal(awsjson_parse(e1, strlen(e1), 400, &out, &err), -1);
    assert_null(out);
    assert_int_equal(err.kind, AWS_ERR_SERVICE);
    assert_string_equal(err.code, "NotFoundException");
    assert_string_equal(err.message, "nope");
    const char *e2 = "{\"__type\":\"ValidationException:http://internal.amazon.com/x\","
                     "\"Message\":\"Secrets Manager style\"}";
    assert_int_equal(awsjson_parse(e2, strlen(e2), 400, &out, &err), -1);
    assert_string_equal(err.code, "ValidationException");
    assert_string_equal(err.message, "Secrets Manager style");
    const char *e3 = "{\"__type\":\"ThrottlingException\"}";
    assert_int_equal(awsjson_parse(e3, strlen(e3), 400, &out, &err), -1);
    assert_string_equal(err.code, "ThrottlingException");
    assert_null(err.message);
    assert_int_equal(awsjson_parse("oops", 4, 503, &out, &err), -1);
    assert_int_equal(err.kind, AWS_ERR_HTTP);
    assert_int_equal(err.http_status, 503);
    aws_error_clear(&err);
}

/* A NUL in a log message and lone surrogates (moto's escape for invalid
 * bytes) must not make a whole page unreadable. */
static void test_nul_and_lone_surrogates(void **state)
{
    (void)state;
    struct aws_error err;
    aws_error_init(&err);
    json_t *out;
    const char *b = "{\"events\":[{\"message\":\"a\\u0000b\"},{\"message\":\"x\\udc80y\"},"
                    "{\"message\":\"pair \\ud83d\\ude00 ok\"},{\"message\":\"hi \\ud800\"}]}";
    assert_int_equal(awsjson_parse(b, strlen(b), 200, &out, &err), 0);
    json_t *ev = json_object_get(out, "events");
    assert_int_equal(json_string_length(json_object_get(json_array_get(ev, 0), "message")), 3);
    assert_string_equal(awsjson_str(json_array_get(ev, 1), "message"), "x\xef\xbf\xbdy");
    assert_string_equal(awsjson_str(json_array_get(ev, 2), "message"), "pair \xf0\x9f\x98\x80 ok");
    assert_string_equal(awsjson_str(json_array_get(ev, 3), "message"), "hi \xef\xbf\xbd");
    json_decref(out);
    aws_error_clear(&err);
}

static void test_malformed(void **state)
{
    (void)state;
    struct aws_error err;
    aws_error_init(&err);
    json_t *out;
    const char *bad[] = {"{\"a\":", "[1,2]", "\"str\"", "{\"a\":1}}", "\xff\xfe{", "nul"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        assert_int_equal(awsjson_parse(bad[i], strlen(bad[i]), 200, &out, &err), -1);
        assert_int_equal(err.kind, AWS_ERR_PARSE);
        assert_non_null(err.message);
    }
    /* deep nesting is refused by jansson's depth limit, not a stack overflow */
    size_t n = 100000;
    char *deep = malloc(2 * n + 1);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    deep[2 * n] = '\0';
    assert_int_equal(awsjson_parse(deep, 2 * n, 200, &out, &err), -1);
    free(deep);
    aws_error_clear(&err);
}

/* A FilterLogEvents-shaped page of n events (caller frees). */
static char *page(size_t n, size_t *len)
{
    struct buf b;
    buf_init(&b, (size_t)1 << 30);
    buf_appends(&b, "{\"events\":[");
    for (size_t i = 0; i < n; i++)
        buf_printf(&b,
                   "%s{\"eventId\":\"%zu\",\"timestamp\":%zu,\"message\":\"{\\\"Id\\\":%zu,"
                   "\\\"Command\\\":\\\"GET ... (1 more arguments)\\\"}\","
                   "\"logStreamName\":\"elasticache/redis/rg-0001-001/0001/slow-log\"}",
                   i ? "," : "", i, 1714564805000 + i, i);
    buf_appends(&b, "],\"nextToken\":\"t2\"}");
    *len = b.len;
    return buf_steal(&b);
}

/* A page parsed into an arena: the same tree as with malloc, owned by the
 * arena until reset; json_decref on it or on a part of it frees nothing
 * (the tree stays readable until the reset); values made with malloc
 * (before or after) are freed as always. */
static void test_arena_parse(void **state)
{
    (void)state;
    json_t *before = json_pack("{s:s}", "made", "before the first arena");
    struct awsjson_arena *a = awsjson_arena_new();
    assert_false(awsjson_arena_busy(a));
    assert_int_equal(awsjson_arena_used(a), 0);
    size_t len;
    char *body = page(2000, &len); /* several blocks' worth */
    struct aws_error err;
    aws_error_init(&err);
    json_t *j, *m;
    assert_int_equal(awsjson_parse_arena(a, body, len, 200, &j, &err), 0);
    assert_int_equal(awsjson_parse(body, len, 200, &m, &err), 0);
    assert_true(awsjson_arena_owns(a, j));
    assert_false(awsjson_arena_owns(a, m));
    assert_true(awsjson_arena_busy(a));
    assert_true(awsjson_arena_used(a) > len);
    assert_true(awsjson_arena_held(a) >= awsjson_arena_used(a));
    assert_true(json_equal(j, m));
    json_t *ev = json_object_get(j, "events");
    assert_int_equal(json_array_size(ev), 2000);
    json_t *e1999 = json_array_get(ev, 1999);
    assert_true(awsjson_arena_owns(a, e1999));
    json_decref(e1999); /* harmless */
    json_decref(j);     /* harmless: the arena still holds it */
    assert_string_equal(awsjson_str(json_array_get(ev, 1999), "eventId"), "1999");
    assert_string_equal(awsjson_str(j, "nextToken"), "t2");
    /* a second tree while the first lives: parsed with malloc instead */
    json_t *k;
    assert_int_equal(awsjson_parse_arena(a, body, len, 200, &k, &err), 0);
    assert_false(awsjson_arena_owns(a, k));
    assert_true(json_equal(k, m));
    json_decref(k);
    json_decref(m);
    size_t used = awsjson_arena_used(a);
    awsjson_arena_reset(a);
    assert_false(awsjson_arena_busy(a));
    assert_int_equal(awsjson_arena_used(a), 0);
    /* blocks grown one after another go back (none held the tree) */
    assert_int_equal(awsjson_arena_held(a), 0);
    /* the next page of that size fits the one block the last one sized */
    assert_int_equal(awsjson_parse_arena(a, body, len, 200, &j, &err), 0);
    assert_true(awsjson_arena_owns(a, j));
    assert_int_equal(awsjson_arena_used(a), used);
    size_t held = awsjson_arena_held(a);
    assert_true(held < used * 2);
    /* that block stays mapped, wiped, and the page after reuses it alone */
    awsjson_arena_reset(a);
    assert_int_equal(awsjson_arena_used(a), 0);
    assert_int_equal(awsjson_arena_held(a), held);
    assert_int_equal(awsjson_parse_arena(a, body, len, 200, &j, &err), 0);
    assert_int_equal(awsjson_arena_used(a), used);
    assert_int_equal(awsjson_arena_held(a), held);
    /* a value made outside any parse while the tree lives: malloc */
    json_t *after = json_string("after");
    assert_false(awsjson_arena_owns(a, after));
    json_decref(after);
    awsjson_arena_reset(a);
    json_decref(before);
    free(body);
    aws_error_clear(&err);
    awsjson_arena_free(a);
}

/* Bodies the arena does not keep: a malformed 2xx (the error, nothing
 * held), an error envelope (malloc), a lone surrogate (the fixed body goes
 * to the arena); one small record at a time keeps its small block. */
static void test_arena_edges(void **state)
{
    (void)state;
    struct awsjson_arena *a = awsjson_arena_new();
    struct aws_error err;
    aws_error_init(&err);
    json_t *j;
    const char *bad = "{\"events\":[{\"message\":\"cut";
    assert_int_equal(awsjson_parse_arena(a, bad, strlen(bad), 200, &j, &err), -1);
    assert_int_equal(err.kind, AWS_ERR_PARSE);
    assert_false(awsjson_arena_busy(a));
    assert_int_equal(awsjson_arena_used(a), 0);
    aws_error_clear(&err);
    const char *env = "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}";
    assert_int_equal(awsjson_parse_arena(a, env, strlen(env), 400, &j, &err), -1);
    assert_string_equal(err.code, "ThrottlingException");
    assert_false(awsjson_arena_busy(a));
    aws_error_clear(&err);
    const char *lone = "{\"m\":\"a\\udc80b\"}";
    assert_int_equal(awsjson_parse_arena(a, lone, strlen(lone), 200, &j, &err), 0);
    assert_true(awsjson_arena_owns(a, j));
    assert_string_equal(awsjson_str(j, "m"), "a\xef\xbf\xbd"
                                             "b");
    awsjson_arena_reset(a);
    /* "null" is an empty object made with malloc; the arena is free again */
    assert_int_equal(awsjson_parse_arena(a, "null", 4, 200, &j, &err), 0);
    assert_false(awsjson_arena_owns(a, j));
    assert_false(awsjson_arena_busy(a));
    json_decref(j);
    /* records: json_loadb into the arena, one at a time */
    size_t held = 0;
    for (int i = 0; i < 100; i++) {
        char rec[128];
        int n = snprintf(rec, sizeof(rec), "{\"Id\":%d,\"Command\":\"KEYS *\"}", i);
        json_error_t je;
        json_t *r = awsjson_loadb_arena(a, rec, (size_t)n, 0, &je);
        assert_non_null(r);
        assert_true(awsjson_arena_owns(a, r));
        assert_int_equal(awsjson_int(r, "Id", -1), i);
        awsjson_arena_reset(a);
        if (i == 0)
            held = awsjson_arena_held(a);
        assert_int_equal(awsjson_arena_held(a), held);
    }
    assert_true(held > 0);
    json_error_t je;
    assert_null(awsjson_loadb_arena(a, "{\"Id\":", 6, 0, &je));
    assert_false(awsjson_arena_busy(a));
    assert_null(awsjson_loadb_arena(NULL, "[", 1, 0, &je));
    json_t *r = awsjson_loadb_arena(NULL, "[1]", 3, 0, &je); /* no arena: malloc */
    assert_non_null(r);
    json_decref(r);
    awsjson_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode),          cmocka_unit_test(test_success_bodies),
        cmocka_unit_test(test_error_envelopes), cmocka_unit_test(test_nul_and_lone_surrogates),
        cmocka_unit_test(test_malformed),       cmocka_unit_test(test_arena_parse),
        cmocka_unit_test(test_arena_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
