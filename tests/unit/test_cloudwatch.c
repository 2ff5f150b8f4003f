/* test_cloudwatch.c - typed GetMetricData (aws/cloudwatch.c): encoding
 * against botocore's query serializer, decoding against botocore's parser
 * (aws-wire.md example, moto recording), hostile bodies, page merging, and
 * end to end against the sandbox (data points written with PutMetricData,
 * read back) and a scripted server (NextToken paging by hand).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awstime.h"
#include "aws/cloudwatch.h"
#include "aws/query.h"
#include "aws/svc.h"

#include "wire_harness.h"

#include "typed_e2e.h"

/* ================= encoding ================= */

static void check_encoding(const char *case_name, struct query_params *p)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "cloudwatch/req/%s.body", case_name);
    char *want = wire_load(rel, NULL);
    char *got = query_encode(p, NULL);
    if (strcmp(got, want) != 0)
        fail_msg("%s:\n got  %s\n want %s", case_name, got, want);
    free(got);
    free(want);
    query_params_free(p);
}

static void test_req(void **state)
{
    (void)state;
    struct cloudwatch_dimension_in d1[] = {{"CacheClusterId", "my-rg-0001-001"},
                                           {"CacheNodeId", "0001"}};
    struct cloudwatch_dimension_in d2[] = {{"CacheClusterId", "my-rg-0001-002"}};
    struct cloudwatch_metric_data_query_in q[] = {
        {.id = "cpu_0001_001",
         .metric_namespace = "AWS/ElastiCache",
         .metric_name = "CPUUtilization",
         .dimensions = d1,
         .n_dimensions = 2,
         .period = 60,
         .stat = "Average",
         .unit = "Percent",
         .label = "cpu ${LABEL}",
         .has_return_data = true,
         .return_data = true},
        {.id = "lag",
         .metric_namespace = "AWS/ElastiCache",
         .metric_name = "ReplicationLag",
         .dimensions = d2,
         .n_dimensions = 1,
         .period = 300,
         .stat = "p99"},
        {.id = "hits",
         .expression = "SUM(METRICS())",
         .label = "all",
         .has_return_data = true,
         .return_data = false,
         .query_period = 3600,
         .account_id = "111122223333"},
    };
    struct cloudwatch_get_metric_data_in in = {
        .queries = q,
        .n_queries = 3,
        .start_time_ms = 1714564800000LL,
        .end_time_ms = 1714568400500LL,
        .next_token = "tok+/=",
        .scan_by = "TimestampAscending",
        .max_datapoints = 5000,
        .label_timezone = "+0130",
    };
    struct query_params *p = cloudwatch_build_get_metric_data(&in);
    /* the nested names of aws-wire §2.3 */
    assert_string_equal(query_get(p, "MetricDataQueries.member.1.MetricStat."
                                     "Metric.Dimensions.member.2.Name"),
                        "CacheNodeId");
    check_encoding("gmd_nodes", p);
    struct cloudwatch_metric_data_query_in m[] = {
        {.id = "m1",
         .metric_namespace = "AWS/ElastiCache",
         .metric_name = "IsMaster",
         .period = 60,
         .stat = "Maximum"},
    };
    struct cloudwatch_get_metric_data_in min = {.queries = m,
                                                .n_queries = 1,
                                                .start_time_ms = 1714564800000LL,
                                                .end_time_ms = 1714565100000LL};
    check_encoding("gmd_min", cloudwatch_build_get_metric_data(&min));
}

/* ================= decoding ================= */

static xmlDoc *parse_body(const char *rel, int status, xmlNode **result, struct aws_error *err)
{
    size_t len;
    char *body = wire_load(rel, &len);
    xmlDoc *doc = NULL;
    char rid[96];
    aws_error_init(err);
    int rc =
        query_parse(body, len, status, "GetMetricData", false, &doc, result, rid, sizeof(rid), err);
    free(body);
    return rc == 0 ? doc : NULL;
}

static void cmp_messages(const struct cloudwatch_message *v, size_t n, const json_t *e)
{
    assert_int_equal(n, wire_n(e, "Messages"));
    for (size_t i = 0; i < n; i++) {
        WS(v[i].code, wire_at(e, "Messages", i), "Code");
        WS(v[i].value, wire_at(e, "Messages", i), "Value");
    }
}

static void decode_one(const char *base)
{
    char rel[300], relbase[300];
    snprintf(rel, sizeof(rel), "cloudwatch/resp/%s.xml", base);
    snprintf(relbase, sizeof(relbase), "cloudwatch/resp/%s", base);
    xmlNode *result;
    struct aws_error err;
    xmlDoc *doc = parse_body(rel, 200, &result, &err);
    assert_non_null(doc);
    json_t *e = wire_expected(relbase);
    struct cloudwatch_get_metric_data_out *o = mem_xcalloc(1, sizeof(*o));
    assert_int_equal(cloudwatch_parse_get_metric_data(result, o, &err), 0);
    assert_int_equal(o->n_results, wire_n(e, "MetricDataResults"));
    for (size_t i = 0; i < o->n_results; i++) {
        const struct cloudwatch_metric_data_result *r = &o->results[i];
        json_t *x = wire_at(e, "MetricDataResults", i);
        WS(r->id, x, "Id");
        WS(r->label, x, "Label");
        WS(r->status_code, x, "StatusCode");
        assert_int_equal(r->n, wire_n(x, "Timestamps"));
        assert_int_equal(r->n, wire_n(x, "Values"));
        assert_int_equal(r->n_unpaired, 0);
        for (size_t j = 0; j < r->n; j++) {
            assert_int_equal(r->timestamps_ms[j], json_integer_value(wire_at(x, "Timestamps", j)));
            assert_true(r->values[j] == json_number_value(wire_at(x, "Values", j)));
        }
        cmp_messages(r->messages, r->n_messages, x);
    }
    WS(o->next_token, e, "NextToken");
    cmp_messages(o->messages, o->n_messages, e);
    cloudwatch_get_metric_data_out_free(o);
    json_decref(e);
    xmlFreeDoc(doc);
}

static void test_decode(void **state)
{
    (void)state;
    decode_one("gmd_example");
    decode_one("moto_gmd");
}

static void test_malformed(void **state)
{
    (void)state;
    xmlNode *result;
    struct aws_error err;
    xmlDoc *doc = parse_body("cloudwatch/resp/bad_values.xml", 200, &result, &err);
    assert_non_null(doc);
    struct cloudwatch_get_metric_data_out *o = mem_xcalloc(1, sizeof(*o));
    assert_int_equal(cloudwatch_parse_get_metric_data(result, o, &err), 0);
    assert_int_equal(o->n_results, 2);
    const struct cloudwatch_metric_data_result *x = &o->results[0];
    assert_int_equal(x->n, 2);
    assert_int_equal(x->n_unpaired, 1);
    assert_int_equal(x->timestamps_ms[0], 1714564800000LL);
    assert_true(x->values[0] == 1.0);
    assert_int_equal(x->timestamps_ms[1], 0);
    assert_true(isnan(x->values[1]));
    assert_null(x->status_code);
    const struct cloudwatch_metric_data_result *y = &o->results[1];
    assert_int_equal(y->n, 1);
    assert_true(isnan(y->values[0])); /* 1e999 */
    assert_null(o->next_token);
    cloudwatch_get_metric_data_out_free(o);
    xmlFreeDoc(doc);

    /* the root instead of the result element: unusable */
    static const char body[] = "<GetMetricDataResponse><ResponseMetadata><RequestId>r</RequestId>"
                               "</ResponseMetadata></GetMetricDataResponse>";
    char rid[96];
    assert_int_equal(query_parse(body, sizeof(body) - 1, 200, "GetMetricData", false, &doc, &result,
                                 rid, sizeof(rid), &err),
                     0);
    o = mem_xcalloc(1, sizeof(*o));
    assert_int_equal(cloudwatch_parse_get_metric_data(result, o, &err), -1);
    assert_int_equal(err.kind, AWS_ERR_PARSE);
    assert_string_equal(err.operation, "GetMetricData");
    aws_error_clear(&err);
    cloudwatch_get_metric_data_out_free(o);
    xmlFreeDoc(doc);

    /* prefixes of a good body: refused or parsed, never a crash */
    size_t len;
    char *full = wire_load("cloudwatch/resp/gmd_example.xml", &len);
    for (size_t cut = 0; cut < len; cut += 5) {
        doc = NULL;
        aws_error_init(&err);
        if (query_parse(full, cut, 200, "GetMetricData", false, &doc, &result, rid, sizeof(rid),
                        &err) == 0) {
            o = mem_xcalloc(1, sizeof(*o));
            (void)cloudwatch_parse_get_metric_data(result, o, &err);
            cloudwatch_get_metric_data_out_free(o);
            xmlFreeDoc(doc);
        }
        aws_error_clear(&err);
    }
    free(full);
}

static struct cloudwatch_get_metric_data_out *page(const char *token, const char *id,
                                                   const int64_t *ts, const double *v, size_t n)
{
    struct cloudwatch_get_metric_data_out *p = mem_xcalloc(1, sizeof(*p));
    p->n_results = 1;
    p->results = mem_xcalloc(1, sizeof(*p->results));
    p->results[0].id = mem_xstrdup(id);
    p->results[0].status_code = mem_xstrdup(token ? "PartialData" : "Complete");
    p->results[0].n = n;
    p->results[0].timestamps_ms = mem_xcalloc(n ? n : 1, sizeof(int64_t));
    p->results[0].values = mem_xcalloc(n ? n : 1, sizeof(double));
    memcpy(p->results[0].timestamps_ms, ts, n * sizeof(int64_t));
    memcpy(p->results[0].values, v, n * sizeof(double));
    p->next_token = token ? mem_xstrdup(token) : NULL;
    snprintf(p->request_id, sizeof(p->request_id), "rid-%s", token ? token : "last");
    return p;
}

static void test_merge(void **state)
{
    (void)state;
    int64_t t1[] = {1000, 2000}, t2[] = {3000}, t3[] = {5};
    double v1[] = {1.5, 2.5}, v2[] = {3.5}, v3[] = {9};
    struct cloudwatch_get_metric_data_out *all = page("t1", "cpu", t1, v1, 2);
    struct cloudwatch_get_metric_data_out *p2 = page(NULL, "cpu", t2, v2, 1);
    struct cloudwatch_get_metric_data_out *p3 = page(NULL, "lag", t3, v3, 1);
    cloudwatch_get_metric_data_merge(all, p2);
    cloudwatch_get_metric_data_merge(all, p3);
    assert_int_equal(all->n_results, 2);
    struct cloudwatch_metric_data_result *cpu = cloudwatch_get_metric_data_find(all, "cpu");
    assert_non_null(cpu);
    assert_int_equal(cpu->n, 3);
    assert_int_equal(cpu->timestamps_ms[2], 3000);
    assert_true(cpu->values[2] == 3.5);
    assert_string_equal(cpu->status_code, "Complete");
    struct cloudwatch_metric_data_result *lag = cloudwatch_get_metric_data_find(all, "lag");
    assert_int_equal(lag->n, 1);
    assert_null(cloudwatch_get_metric_data_find(all, "nope"));
    assert_null(all->next_token);
    assert_string_equal(all->request_id, "rid-last");
    assert_int_equal(p2->n_results, 0);
    cloudwatch_get_metric_data_out_free(p2);
    cloudwatch_get_metric_data_out_free(p3);
    cloudwatch_get_metric_data_out_free(all);
}

/* ================= end to end ================= */

IE_CB(cb_gmd, struct cloudwatch_get_metric_data_out)

static void test_e2e_sandbox(void **state)
{
    (void)state;
    struct e2e *xp = &e2e_sb;
#define x (*xp)
    int64_t now = aws_client_now_ms(x.c);
    int64_t base = (now / 60000 - 10) * 60000; /* a whole minute, ten minutes ago */
    /* five points a minute apart, per node, with PutMetricData (query) */
    static const char *const nodes[] = {"app-4-0001-001", "app-4-0001-002"};
    for (int n = 0; n < 2; n++) {
        struct query_params *q = query_params_new("PutMetricData", svc_cloudwatch.api_version);
        query_add(q, "Namespace", "AWS/ElastiCache");
        for (int i = 0; i < 5; i++) {
            char ts[40];
            awstime_format_iso8601_s(base + i * 60000, ts, sizeof(ts));
            char v[32];
            snprintf(v, sizeof(v), "%d.25", (n + 1) * 10 + i);
            query_addf_name(q, "CPUUtilization", "MetricData.member.%d.MetricName", i + 1);
            query_addf_name(q, ts, "MetricData.member.%d.Timestamp", i + 1);
            query_addf_name(q, v, "MetricData.member.%d.Value", i + 1);
            query_addf_name(q, "Percent", "MetricData.member.%d.Unit", i + 1);
            query_addf_name(q, "CacheClusterId", "MetricData.member.%d.Dimensions.member.1.Name",
                            i + 1);
            query_addf_name(q, nodes[n], "MetricData.member.%d.Dimensions.member.1.Value", i + 1);
            query_addf_name(q, "CacheNodeId", "MetricData.member.%d.Dimensions.member.2.Name",
                            i + 1);
            query_addf_name(q, "0001", "MetricData.member.%d.Dimensions.member.2.Value", i + 1);
        }
        e2e_raw_call(&x, &svc_cloudwatch, "PutMetricData", q, NULL);
    }
    /* one series per node, as the metrics engine asks for them */
    struct cloudwatch_dimension_in d[2][2] = {
        {{"CacheClusterId", nodes[0]}, {"CacheNodeId", "0001"}},
        {{"CacheClusterId", nodes[1]}, {"CacheNodeId", "0001"}},
    };
    struct cloudwatch_metric_data_query_in q[2] = {
        {.id = "cpu_0001_001",
         .metric_namespace = "AWS/ElastiCache",
         .metric_name = "CPUUtilization",
         .dimensions = d[0],
         .n_dimensions = 2,
         .period = 60,
         .stat = "Average"},
        {.id = "cpu_0001_002",
         .metric_namespace = "AWS/ElastiCache",
         .metric_name = "CPUUtilization",
         .dimensions = d[1],
         .n_dimensions = 2,
         .period = 60,
         .stat = "Maximum"},
    };
    struct cloudwatch_get_metric_data_in in = {
        .queries = q,
        .n_queries = 2,
        .start_time_ms = base - 60000,
        .end_time_ms = base + 10 * 60000,
        .scan_by = "TimestampAscending",
    };
    struct cloudwatch_get_metric_data_out *all = NULL;
    char *token = NULL;
    for (int pages = 0; pages < 20; pages++) {
        in.next_token = token;
        struct ie_res r = {0};
        assert_non_null(cloudwatch_get_metric_data(x.c, &in, cb_gmd, &r));
        ie_wait_ok(&x, &r, "GetMetricData");
        struct cloudwatch_get_metric_data_out *o = r.out;
        assert_true(o->request_id[0] != '\0');
        free(token);
        token = o->next_token ? mem_xstrdup(o->next_token) : NULL;
        if (!all) {
            all = o;
        } else {
            cloudwatch_get_metric_data_merge(all, o);
            cloudwatch_get_metric_data_out_free(o);
        }
        if (!token)
            break;
    }
    assert_null(token);
    for (int n = 0; n < 2; n++) {
        struct cloudwatch_metric_data_result *s = cloudwatch_get_metric_data_find(all, q[n].id);
        assert_non_null(s);
        assert_string_equal(s->status_code, "Complete");
        assert_int_equal(s->n, 5);
        for (size_t i = 0; i < 5; i++) {
            assert_int_equal(s->timestamps_ms[i], base + (int64_t)i * 60000);
            assert_true(s->values[i] == (n + 1) * 10 + (double)i + 0.25);
        }
    }
    cloudwatch_get_metric_data_out_free(all);

    /* a query with neither a metric nor an expression: the service says no */
    struct cloudwatch_metric_data_query_in bad[] = {{.id = "empty"}};
    struct cloudwatch_get_metric_data_in bin = {
        .queries = bad, .n_queries = 1, .start_time_ms = base, .end_time_ms = base + 60000};
    struct ie_res e = {0};
    cloudwatch_get_metric_data(x.c, &bin, cb_gmd, &e);
    e2e_wait(&x, &e.done, "GetMetricData (invalid)");
    assert_null(e.out);
    assert_int_equal(e.err.kind, AWS_ERR_SERVICE);
    assert_string_equal(e.err.operation, "GetMetricData");
    aws_error_clear(&e.err);
#undef x
}

/* NextToken paging through the transport: page 1 says cw-next, page 2
 * must be asked with it. */
struct script {
    char *page1;
    char *second_body;
};

static const char page2[] =
    "<GetMetricDataResponse "
    "xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">"
    "<GetMetricDataResult><MetricDataResults><member><Id>cpu</Id><Timestamps>"
    "<member>2024-05-01T12:02:00Z</member></Timestamps><Values><member>4</"
    "member></Values>"
    "<StatusCode>Complete</StatusCode></member></MetricDataResults></"
    "GetMetricDataResult>"
    "<ResponseMetadata><RequestId>p2</RequestId></ResponseMetadata></"
    "GetMetricDataResponse>";

static void script_handler(struct srv *s, const struct srv_req *req, struct srv_resp *resp,
                           void *arg)
{
    (void)s;
    struct script *sc = arg;
    resp->action = SRV_RESPOND;
    resp->status = 200;
    resp->headers = "Content-Type: text/xml\r\n";
    if (req->index == 0) {
        resp->body = sc->page1;
    } else {
        free(sc->second_body);
        sc->second_body = mem_xstrndup(req->body ? req->body : "", req->body_len);
        resp->body = page2;
    }
}

static void test_e2e_scripted_paging(void **state)
{
    (void)state;
    struct script sc = {0};
    sc.page1 = wire_load("cloudwatch/resp/gmd_example.xml", NULL);
    struct e2e x;
    e2e_local_start(&x, script_handler, &sc);
    struct cloudwatch_metric_data_query_in q[] = {{.id = "cpu",
                                                   .metric_namespace = "AWS/ElastiCache",
                                                   .metric_name = "CPUUtilization",
                                                   .period = 60,
                                                   .stat = "Average"}};
    struct cloudwatch_get_metric_data_in in = {.queries = q,
                                               .n_queries = 1,
                                               .start_time_ms = 1714564800000LL,
                                               .end_time_ms = 1714568400000LL};
    struct ie_res r1 = {0};
    cloudwatch_get_metric_data(x.c, &in, cb_gmd, &r1);
    e2e_wait(&x, &r1.done, "GetMetricData page 1");
    assert_non_null(r1.out);
    struct cloudwatch_get_metric_data_out *o1 = r1.out;
    assert_string_equal(o1->request_id, "cw-rid-1");
    assert_string_equal(o1->next_token, "cw-next");
    in.next_token = "cw-next";
    struct ie_res r2 = {0};
    cloudwatch_get_metric_data(x.c, &in, cb_gmd, &r2);
    e2e_wait(&x, &r2.done, "GetMetricData page 2");
    assert_non_null(r2.out);
    struct query_params *p = query_decode(sc.second_body, strlen(sc.second_body));
    assert_string_equal(query_get(p, "NextToken"), "cw-next");
    assert_string_equal(query_get(p, "MetricDataQueries.member.1.Id"), "cpu");
    query_params_free(p);
    cloudwatch_get_metric_data_merge(o1, r2.out);
    struct cloudwatch_metric_data_result *cpu = cloudwatch_get_metric_data_find(o1, "cpu");
    assert_int_equal(cpu->n, 3);
    assert_true(cpu->values[2] == 4.0);
    assert_null(o1->next_token);
    cloudwatch_get_metric_data_out_free(r2.out);
    cloudwatch_get_metric_data_out_free(o1);

    /* cancelled before the answer: the callback never runs */
    struct ie_res r3 = {0};
    struct aws_call *h = cloudwatch_get_metric_data(x.c, &in, cb_gmd, &r3);
    aws_call_cancel(h);
    e2e_idle(&x, 200);
    assert_int_equal(r3.calls, 0);
    e2e_stop(&x);
    free(sc.page1);
    free(sc.second_body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_req),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_e2e_scripted_paging),
    };
    const struct CMUnitTest sandbox[] = {
        cmocka_unit_test(test_e2e_sandbox),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rc += cmocka_run_group_tests_name("sandbox", sandbox, e2e_sandbox_up, e2e_sandbox_down);
    return rc;
}
