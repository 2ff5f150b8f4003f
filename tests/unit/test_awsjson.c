/* test_awsjson.c - JSON 1.1 protocol: bodies, error envelopes, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "aws/awsjson.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode),          cmocka_unit_test(test_success_bodies),
        cmocka_unit_test(test_error_envelopes), cmocka_unit_test(test_nul_and_lone_surrogates),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
