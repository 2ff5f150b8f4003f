/* test_awstime.c - ISO 8601, SigV4 and HTTP dates, --since spans. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "aws/awstime.h"

static void test_iso8601(void **state)
{
    (void)state;
    int64_t ms;
    assert_true(awstime_parse_iso8601("2024-05-01T12:00:05Z", &ms));
    assert_int_equal(ms, 1714564805000LL);
    assert_true(awstime_parse_iso8601("2024-05-01T12:00:05.123Z", &ms));
    assert_int_equal(ms, 1714564805123LL);
    assert_true(awstime_parse_iso8601("2024-05-01T12:00:05.250000Z", &ms));
    assert_int_equal(ms, 1714564805250LL);
    assert_true(awstime_parse_iso8601("2024-05-01T14:00:05+02:00", &ms));
    assert_int_equal(ms, 1714564805000LL);
    assert_true(awstime_parse_iso8601("2024-02-29T00:00:00Z", &ms));
    const char *bad[] = {"",
                         "2024-05-01",
                         "2024-13-01T00:00:00Z",
                         "2023-02-30T00:00:00Z",
                         "2024-05-01T12:00:05Zjunk",
                         "2024-05-01T25:00:00Z",
                         "x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        assert_false(awstime_parse_iso8601(bad[i], &ms));
    assert_false(awstime_parse_iso8601(NULL, &ms));
    char out[40];
    awstime_format_iso8601(1714564805123LL, out, sizeof(out));
    assert_string_equal(out, "2024-05-01T12:00:05.123Z");
    awstime_format_iso8601_s(1714564805123LL, out, sizeof(out));
    assert_string_equal(out, "2024-05-01T12:00:05Z");
    /* botocore's query timestamps: microseconds only for a fraction */
    awstime_format_iso8601_query(1714564805250LL, out, sizeof(out));
    assert_string_equal(out, "2024-05-01T12:00:05.250000Z");
    awstime_format_iso8601_query(1714564805000LL, out, sizeof(out));
    assert_string_equal(out, "2024-05-01T12:00:05Z");
    awstime_format_iso8601_query(1714564805001LL, out, sizeof(out));
    assert_string_equal(out, "2024-05-01T12:00:05.001000Z");
    awstime_format_iso8601_query(-1, out, sizeof(out));
    assert_string_equal(out, "1969-12-31T23:59:59.999000Z");
    awstime_format_iso8601_query(0, out, sizeof(out));
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    awstime_format_amz(1714564800, out, sizeof(out));
    assert_string_equal(out, "20240501T120000Z");
}

static void test_http_date(void **state)
{
    (void)state;
    int64_t ms;
    assert_true(awstime_parse_http_date("Wed, 01 May 2024 12:00:05 GMT", &ms));
    assert_int_equal(ms, 1714564805000LL);
    assert_false(awstime_parse_http_date("Wed, 01 Foo 2024 12:00:05 GMT", &ms));
    assert_false(awstime_parse_http_date("garbage", &ms));
}

static void test_since_and_durations(void **state)
{
    (void)state;
    int64_t now = 1714564805000LL, t;
    assert_true(awstime_parse_since("10m", now, &t));
    assert_int_equal(t, now - 600000);
    assert_true(awstime_parse_since("2h", now, &t));
    assert_int_equal(t, now - 7200000);
    assert_true(awstime_parse_since("1.5s", now, &t));
    assert_int_equal(t, now - 1500);
    assert_true(awstime_parse_since("2024-05-01T12:00:00Z", now, &t));
    assert_int_equal(t, 1714564800000LL);
    assert_false(awstime_parse_since("-5m", now, &t));
    assert_false(awstime_parse_since("5y", now, &t));
    assert_false(awstime_parse_since("", now, &t));
    int64_t us;
    assert_true(awstime_parse_duration_us("10ms", &us));
    assert_int_equal(us, 10000);
    assert_true(awstime_parse_duration_us("250", &us));
    assert_int_equal(us, 250);
    assert_true(awstime_parse_duration_us("2s", &us));
    assert_int_equal(us, 2000000);
    assert_false(awstime_parse_duration_us("ms", &us));
    assert_false(awstime_parse_duration_us("5 parsecs", &us));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso8601),
        cmocka_unit_test(test_http_date),
        cmocka_unit_test(test_since_and_durations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
