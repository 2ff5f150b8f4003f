/* test_nearname.c - "did you mean": the partitions' regions and the
 * session refusing a region no partition lists unless an endpoint
 * override is set; the metric names of AWS/ElastiCache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/nearname.h"
#include "aws/regions.h"
#include "core/model/metricnames.h"
#include "core/model/metrics.h"
#include "core/session.h"

static void test_distance(void **state)
{
    (void)state;
    assert_int_equal(nearname_distance("us-west-9", "us-west-1", false), 1);
    assert_int_equal(nearname_distance("", "abc", false), 3);
    assert_int_equal(nearname_distance("abc", "", false), 3);
    assert_int_equal(nearname_distance("eu-wset-1", "eu-west-1", false), 1); /* a swap */
    assert_int_equal(nearname_distance("EngineCpuUtilization", "EngineCPUUtilization", false), 2);
    assert_int_equal(nearname_distance("EngineCpuUtilization", "EngineCPUUtilization", true), 0);
    char big[200];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(nearname_distance(big, "a", false), 255);
}

static void test_pick_and_join(void **state)
{
    (void)state;
    static const char *const names[] = {"CurrItems", "CurrConnections", "CacheHits", "CacheMisses",
                                        "CurrVolatileItems"};
    const char *out[4];
    size_t n = nearname_pick("CurItems", names, 5, out, 4);
    assert_int_equal(n, 1);
    assert_string_equal(out[0], "CurrItems");
    n = nearname_pick("cachehits", names, 5, out, 4); /* case only: the closest */
    assert_true(n >= 1);
    assert_string_equal(out[0], "CacheHits");
    n = nearname_pick("Zzzzzzzzzz", names, 5, out, 4);
    assert_int_equal(n, 0);
    char j[64];
    static const char *const three[] = {"a", "b", "c"};
    nearname_join(three, 3, j, sizeof(j));
    assert_string_equal(j, "a, b or c");
    nearname_join(three, 1, j, sizeof(j));
    assert_string_equal(j, "a");
    nearname_join(three, 3, j, 4); /* truncated, still a string */
    assert_int_equal(strlen(j), 3);
}

static void test_partitions(void **state)
{
    (void)state;
    assert_true(regions_known("us-east-2"));
    assert_true(regions_known("eu-south-2"));
    assert_true(regions_known("cn-northwest-1"));
    assert_true(regions_known("us-gov-west-1"));
    assert_true(regions_known("us-isob-east-1"));
    assert_false(regions_known("us-west-9"));
    assert_false(regions_known("aws-global"));
    assert_false(regions_known(""));
    assert_false(regions_known(NULL));
    assert_string_equal(regions_partition_of("us-west-9")->id, "aws");
    assert_string_equal(regions_partition_of("us-gov-west-9")->id, "aws-us-gov");
    assert_string_equal(regions_partition_of("us-isof-north-1")->id, "aws-iso-f");
    assert_string_equal(regions_partition_of("cn-south-1")->id, "aws-cn");
    assert_string_equal(regions_partition_of("eusc-de-west-1")->id, "aws-eusc");
    assert_null(regions_partition_of("local"));
    assert_null(regions_partition_of("xx-mars-1"));
    size_t np;
    const struct regions_partition *all = regions_partitions_all(&np);
    size_t total = 0;
    for (size_t i = 0; i < np; i++) {
        total += all[i].n;
        for (size_t k = 0; k < all[i].n; k++)
            assert_ptr_equal(regions_partition_of(all[i].regions[k]), &all[i]);
    }
    assert_true(np >= 8);
    assert_true(total >= 45);
}

static void test_explain(void **state)
{
    (void)state;
    char m[512];
    regions_explain("us-west-9", m, sizeof(m));
    assert_string_equal(m, "region 'us-west-9' is not a region of the aws partition (did you mean "
                           "us-west-1 or us-west-2?)");
    regions_explain("cn-nrth-1", m, sizeof(m));
    assert_string_equal(m, "region 'cn-nrth-1' is not a region of the aws-cn partition (did you "
                           "mean cn-north-1?)");
    regions_explain("useast1", m, sizeof(m));
    assert_string_equal(m, "'useast1' is not an AWS region name (did you mean us-east-1 or "
                           "us-east-2?)");
    regions_explain("local", m, sizeof(m));
    assert_string_equal(m, "'local' is not an AWS region name");
}

static void test_metric_names(void **state)
{
    (void)state;
    assert_true(metricnames_known("EngineCPUUtilization"));
    assert_true(metricnames_known("GetTypeCmdsLatency"));
    assert_false(metricnames_known("EngineCpuUtilization"));
    assert_false(metricnames_known(""));
    /* every metric elcui has defaults for is one ElastiCache publishes */
    size_t n;
    const struct metrics_def *d = metrics_defs(&n);
    for (size_t i = 0; i < n; i++)
        assert_true(metricnames_known(d[i].name));
    const char *out[4];
    assert_int_equal(metricnames_close("EngineCpuUtilization", out, 4), 1);
    assert_string_equal(out[0], "EngineCPUUtilization");
    assert_true(metricnames_close("CurrItem", out, 4) >= 1);
    assert_string_equal(out[0], "CurrItems");
    assert_int_equal(metricnames_close("Foo", out, 4), 0);
}

/* ---- the session ---- */

static void env_clean(void)
{
    static const char *const vars[] = {"AWS_REGION",          "AWS_DEFAULT_REGION",
                                       "AWS_PROFILE",         "AWS_DEFAULT_PROFILE",
                                       "AWS_ENDPOINT_URL",    "AWS_ENDPOINT_URL_ELASTICACHE",
                                       "AWS_ENDPOINT_URL_STS"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
    setenv("AWS_CONFIG_FILE", "/nonexistent/elcui-test/config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/elcui-test/credentials", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
}

static int open_with(const char *region, const char *endpoint, struct session *s,
                     struct aws_error *err)
{
    static struct session_options o;
    memset(&o, 0, sizeof(o));
    o.region = region;
    o.endpoint_url = endpoint;
    aws_error_init(err);
    return session_open(s, &o, err);
}

static void test_session_refuses_unknown_region(void **state)
{
    (void)state;
    env_clean();
    struct session s;
    struct aws_error err;
    assert_int_equal(open_with("us-west-9", NULL, &s, &err), -1);
    assert_string_equal(err.code, "UnknownRegion");
    assert_non_null(strstr(err.message, "us-west-1 or us-west-2"));
    assert_non_null(strstr(err.message, "--region"));
    session_close(&s);
    aws_error_clear(&err);
    setenv("AWS_REGION", "eu-wst-1", 1);
    assert_int_equal(open_with(NULL, NULL, &s, &err), -1);
    assert_non_null(strstr(err.message, "eu-west-1"));
    assert_non_null(strstr(err.message, "AWS_REGION"));
    session_close(&s);
    aws_error_clear(&err);
    /* a known region: no note */
    assert_int_equal(open_with("us-east-2", NULL, &s, &err), 0);
    assert_null(s.region_note);
    session_close(&s);
    aws_error_clear(&err);
}

static void test_session_override_accepts_any_name(void **state)
{
    (void)state;
    env_clean();
    struct session s;
    struct aws_error err;
    assert_int_equal(open_with("us-west-9", "http://127.0.0.1:9", &s, &err), 0);
    assert_non_null(s.region_note);
    assert_non_null(strstr(s.region_note, "accepted because --endpoint-url"));
    assert_non_null(strstr(s.region_note, "http://127.0.0.1:9"));
    session_close(&s);
    aws_error_clear(&err);
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:10", 1);
    assert_int_equal(open_with("local", NULL, &s, &err), 0);
    assert_non_null(strstr(s.region_note, "accepted because AWS_ENDPOINT_URL sends"));
    session_close(&s);
    aws_error_clear(&err);
    unsetenv("AWS_ENDPOINT_URL");
    setenv("AWS_ENDPOINT_URL_ELASTICACHE", "http://127.0.0.1:11", 1);
    assert_int_equal(open_with("local", NULL, &s, &err), 0);
    assert_non_null(strstr(s.region_note, "AWS_ENDPOINT_URL_ELASTICACHE"));
    session_close(&s);
    aws_error_clear(&err);
    /* turned off: no override, refused again */
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    assert_int_equal(open_with("local", NULL, &s, &err), -1);
    assert_string_equal(err.code, "UnknownRegion");
    session_close(&s);
    aws_error_clear(&err);
    unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    unsetenv("AWS_ENDPOINT_URL_ELASTICACHE");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_pick_and_join),
        cmocka_unit_test(test_partitions),
        cmocka_unit_test(test_explain),
        cmocka_unit_test(test_metric_names),
        cmocka_unit_test(test_session_refuses_unknown_region),
        cmocka_unit_test(test_session_override_accepts_any_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
