/* test_cost.c - the built-in table, Price List parsing into a node price
 * (recorded and crafted GetProducts bodies), the estimate's arithmetic,
 * sources and assumptions, its text and JSON, and the whole path through
 * the transport against a scripted server: Price List answers, Price List
 * failures (fallback, said so), a live group with its log groups, a group
 * that does not exist, and cancellation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awsjson.h"
#include "aws/mem.h"
#include "aws/pricing.h"
#include "core/stack/cost.h"
#include "core/stack/stack_spec.h"

#include "wire_harness.h"

#include "typed_e2e.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-6)

static struct pricing_product_list *load_products(const char *rel)
{
    size_t len;
    char *body = wire_load(rel, &len);
    json_t *obj = NULL;
    struct aws_error err;
    aws_error_init(&err);
    assert_int_equal(awsjson_parse(body, len, 200, &obj, &err), 0);
    free(body);
    struct pricing_product_list *l = mem_xcalloc(1, sizeof(*l));
    assert_int_equal(pricing_parse_products(obj, l), 0);
    json_decref(obj);
    return l;
}

static void test_table(void **state)
{
    (void)state;
    double v;
    assert_int_equal(cost_table_node_hourly("us-east-2", "redis", "cache.t2.small", &v), 0);
    assert_true(NEAR(v, 0.034));
    assert_int_equal(cost_table_node_hourly("us-east-2", "valkey", "cache.t2.small", &v), 0);
    assert_true(NEAR(v, 0.034 * 0.8));
    /* the table holds only the US list: other regions have no table price */
    assert_int_equal(cost_table_node_hourly("eu-west-1", "redis", "cache.r6g.large", &v), -1);
    static const char *const types[] = {"cache.t2.small",  "cache.t3.micro",  "cache.t4g.small",
                                        "cache.m5.large",  "cache.m6g.large", "cache.m7g.large",
                                        "cache.r5.large",  "cache.r6g.large", "cache.r7g.large",
                                        "cache.t4g.micro", "cache.t3.medium"};
    static const char *const regions[] = {"us-east-1", "us-east-2", "us-west-2"};
    for (size_t r = 0; r < 3; r++)
        for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
            assert_int_equal(cost_table_node_hourly(regions[r], "redis", types[t], &v), 0);
            assert_true(v > 0.01 && v < 1.0);
        }
    assert_int_equal(cost_table_node_hourly("ap-south-1", "redis", "cache.t2.small", &v), -1);
    assert_int_equal(cost_table_node_hourly("us-east-2", "redis", "cache.x99.huge", &v), -1);
    double in, st;
    assert_int_equal(cost_table_logs("us-east-2", &in, &st), 0);
    assert_true(NEAR(in, 0.50) && NEAR(st, 0.03));
    assert_int_equal(cost_table_logs("mars-1", &in, &st), -1);
}

static void test_price_list_parsing(void **state)
{
    (void)state;
    struct pricing_product_list *l = load_products("pricing/get_products_elasticache.json");
    const struct pricing_product *p = cost_price_find(l, "cache.t2.small", "us-east-2", "redis");
    assert_non_null(p);
    assert_true(NEAR(p->hourly_usd, 0.034));
    p = cost_price_find(l, "cache.r6g.large", "us-east-2", "redis");
    assert_non_null(p);
    assert_true(NEAR(p->hourly_usd, 0.206));
    /* the crafted body's cache.t3.micro is Memcached: not a Redis price */
    assert_null(cost_price_find(l, "cache.t3.micro", "us-east-2", "redis"));
    assert_null(cost_price_find(l, "cache.t2.small", "us-east-2", "valkey"));
    assert_null(cost_price_find(l, "cache.t2.small", "eu-west-1", "redis"));
    assert_null(cost_price_find(NULL, "cache.t2.small", "us-east-2", "redis"));
    pricing_product_list_free(l);
    /* the AWS documentation's example is EC2 storage: no node price */
    l = load_products("pricing/get_products_awsdoc.json");
    assert_null(cost_price_find(l, "cache.t2.small", NULL, NULL));
    pricing_product_list_free(l);
}

static struct cost_input seed_input(void)
{
    struct cost_input in = {
        .subject = "plan of stack app-4",
        .region = "us-east-2",
        .engine = "redis",
        .node_type = "cache.t2.small",
        .nodes = 9,
        .log_types = 2,
        .log_gb_month = 1.0,
        .retention_days = 365,
        .stored_gb = -1,
    };
    return in;
}

static const struct cost_line *line(const struct cost_estimate *e, const char *prefix)
{
    for (size_t i = 0; i < e->n; i++)
        if (strncmp(e->lines[i].item, prefix, strlen(prefix)) == 0)
            return &e->lines[i];
    fail_msg("no line %s", prefix);
    return NULL;
}

static void test_estimate_api_and_table(void **state)
{
    (void)state;
    struct cost_input in = seed_input();
    struct pricing_product_list *l = load_products("pricing/get_products_elasticache.json");
    struct cost_estimate *e = cost_estimate_build(&in, l, NULL);
    assert_null(e->fallback);
    assert_non_null(strstr(e->node_source, "AWS Price List API"));
    assert_non_null(strstr(e->node_source, "published 2024-05-01"));
    const struct cost_line *n = line(e, "9 x cache.t2.small");
    assert_true(NEAR(n->quantity, 6570));
    assert_true(NEAR(n->monthly_usd, 6570 * 0.034));
    assert_true(NEAR(line(e, "log ingestion")->monthly_usd, 0.50));
    assert_true(NEAR(line(e, "log storage")->quantity, 12.0)); /* 365 days: 12 months held */
    assert_true(NEAR(e->monthly_usd, 6570 * 0.034 + 0.50 + 12 * 0.03));
    assert_non_null(strstr(e->logs_source, COST_TABLE_DATE));
    assert_non_null(e->hint); /* t2 is previous generation */
    assert_false(e->incomplete);
    cost_estimate_free(e);

    /* the API answered but has no Valkey price: table, and said so */
    in.engine = "valkey";
    e = cost_estimate_build(&in, l, NULL);
    assert_non_null(e->fallback);
    assert_non_null(strstr(e->fallback, "no on-demand Valkey price"));
    assert_true(NEAR(line(e, "9 x")->unit_usd, 0.034 * 0.8));
    bool said = false;
    for (size_t i = 0; i < e->n_assumptions; i++)
        said = said || strstr(e->assumptions[i], "less 20%");
    assert_true(said);
    cost_estimate_free(e);
    pricing_product_list_free(l);

    /* no API: the reason given is kept */
    in.engine = "redis";
    e = cost_estimate_build(&in, NULL, "the Price List API did not answer (denied)");
    assert_string_equal(e->fallback, "the Price List API did not answer (denied)");
    assert_non_null(strstr(e->node_source, "built-in price table (dated " COST_TABLE_DATE));
    char *t = cost_estimate_format(e);
    assert_non_null(strstr(t, "Price List API not used: the Price List API did not answer"));
    assert_non_null(strstr(t, "$224.24 USD a month"));
    assert_non_null(strstr(t, "hint: cache.t2.small is a previous-generation node type"));
    free(t);
    cost_estimate_free(e);
}

static void test_estimate_edges(void **state)
{
    (void)state;
    struct cost_input in = seed_input();
    /* a region the table lacks: us-east-1 prices, said so */
    in.region = "ap-south-1";
    struct cost_estimate *e = cost_estimate_build(&in, NULL, "offline");
    assert_non_null(strstr(e->node_source, "us-east-1 prices: the table has no ap-south-1"));
    assert_true(NEAR(line(e, "9 x")->unit_usd, 0.034));
    cost_estimate_free(e);
    /* an unknown node type: the total leaves it out and says so */
    in.region = "us-east-2";
    in.node_type = "cache.x99.huge";
    e = cost_estimate_build(&in, NULL, "offline");
    assert_true(e->incomplete);
    assert_true(line(e, "9 x")->unit_usd < 0);
    assert_true(NEAR(e->monthly_usd, 0.50 + 0.36));
    char *t = cost_estimate_format(e);
    assert_non_null(strstr(t, "unknown"));
    assert_non_null(strstr(t, "incomplete"));
    free(t);
    cost_estimate_free(e);
    /* never-expiring logs: the first year; 30 days: one month held */
    in.node_type = "cache.r7g.large";
    in.retention_days = 0;
    in.log_gb_month = 10;
    e = cost_estimate_build(&in, NULL, "offline");
    assert_true(NEAR(line(e, "log storage")->quantity, 120));
    assert_non_null(strstr(line(e, "log storage")->item, "never expires"));
    assert_null(e->hint);
    cost_estimate_free(e);
    in.retention_days = 30;
    in.stored_gb = 2.5;
    e = cost_estimate_build(&in, NULL, "offline");
    assert_true(fabs(line(e, "log storage")->quantity - 10 * 30 / (365.0 / 12)) < 1e-9);
    bool held = false;
    for (size_t i = 0; i < e->n_assumptions; i++)
        held = held || strstr(e->assumptions[i], "hold 2.500 GB now");
    assert_true(held);
    cost_estimate_free(e);
    /* no log delivery */
    in.log_types = 0;
    e = cost_estimate_build(&in, NULL, "offline");
    assert_int_equal(e->n, 1);
    cost_estimate_free(e);
}

static void test_spec_input_and_json(void **state)
{
    (void)state;
    struct stack_spec s;
    stack_spec_init(&s);
    char err[256];
    assert_int_equal(stack_spec_set_name(&s, "app-4", err, sizeof(err)), 0);
    assert_int_equal(stack_spec_set(&s, "cache", "shards", "2", err, sizeof(err)), 0);
    assert_int_equal(stack_spec_set(&s, "cache", "replicas", "1", err, sizeof(err)), 0);
    assert_int_equal(stack_spec_set(&s, "logs", "engine_log", "no", err, sizeof(err)), 0);
    struct cost_input in;
    cost_input_from_spec(&in, &s, 3.0);
    assert_int_equal(in.nodes, 4);
    assert_int_equal(in.log_types, 1);
    assert_int_equal(in.retention_days, 365);
    assert_string_equal(in.region, "us-east-2");
    in.subject = "plan of stack app-4";
    struct cost_estimate *e = cost_estimate_build(&in, NULL, "--offline");
    json_t *j = cost_estimate_to_json(e);
    assert_string_equal(json_string_value(json_object_get(j, "currency")), "USD");
    assert_int_equal(json_integer_value(json_object_get(j, "nodes")), 4);
    json_t *lines = json_object_get(j, "lines");
    assert_int_equal(json_array_size(lines), 3);
    json_t *l0 = json_array_get(lines, 0);
    assert_true(NEAR(json_real_value(json_object_get(l0, "monthly")), 99.28)); /* 4*730*0.034 */
    assert_string_equal(json_string_value(json_object_get(j, "fallbackReason")), "--offline");
    assert_non_null(
        strstr(json_string_value(json_object_get(json_object_get(j, "sources"), "nodes")),
               COST_TABLE_DATE));
    assert_true(json_array_size(json_object_get(j, "assumptions")) >= 3);
    json_decref(j);
    cost_estimate_free(e);
    stack_spec_free(&s);
}

/* ---- through the transport ---- */

struct scripted {
    int pricing;     /* 0 answer, 1 AccessDenied, 2 HTTP 500, 3 hang */
    bool rg_missing; /* DescribeReplicationGroups finds nothing */
    int requests;
    int pricing_requests;
    char last_target[128];
    char *pricing_body;
};

static const char *sc_rgs =
    "<DescribeReplicationGroupsResponse><DescribeReplicationGroupsResult><ReplicationGroups>"
    "<ReplicationGroup><ReplicationGroupId>cg</ReplicationGroupId><Status>available</Status>"
    "<MemberClusters><ClusterId>cg-0001-001</ClusterId><ClusterId>cg-0001-002</ClusterId>"
    "<ClusterId>cg-0002-001</ClusterId><ClusterId>cg-0002-002</ClusterId></MemberClusters>"
    "<CacheNodeType>cache.r6g.large</CacheNodeType><Engine>redis</Engine>"
    "<LogDeliveryConfigurations><LogDeliveryConfiguration><LogType>slow-log</LogType>"
    "<DestinationType>cloudwatch-logs</DestinationType><DestinationDetails>"
    "<CloudWatchLogsDetails><LogGroup>/ec/cg/slow</LogGroup></CloudWatchLogsDetails>"
    "</DestinationDetails><LogFormat>json</LogFormat><Status>active</Status>"
    "</LogDeliveryConfiguration><LogDeliveryConfiguration><LogType>engine-log</LogType>"
    "<DestinationType>cloudwatch-logs</DestinationType><DestinationDetails>"
    "<CloudWatchLogsDetails><LogGroup>/ec/cg/engine</LogGroup></CloudWatchLogsDetails>"
    "</DestinationDetails><LogFormat>json</LogFormat><Status>active</Status>"
    "</LogDeliveryConfiguration></LogDeliveryConfigurations>"
    "</ReplicationGroup></ReplicationGroups></DescribeReplicationGroupsResult>"
    "</DescribeReplicationGroupsResponse>";
static const char *sc_no_rgs =
    "<DescribeReplicationGroupsResponse><DescribeReplicationGroupsResult><ReplicationGroups/>"
    "</DescribeReplicationGroupsResult></DescribeReplicationGroupsResponse>";

static void sc_handler(struct srv *s, const struct srv_req *req, struct srv_resp *resp, void *arg)
{
    (void)s;
    struct scripted *sc = arg;
    sc->requests++;
    const char *target = srv_hdr(req, "X-Amz-Target");
    snprintf(sc->last_target, sizeof(sc->last_target), "%s", target ? target : "");
    resp->status = 200;
    if (target && strcmp(target, "AWSPriceListService.GetProducts") == 0) {
        sc->pricing_requests++;
        resp->headers = "Content-Type: application/x-amz-json-1.1\r\n";
        /* the request names the service and the three filters */
        assert_non_null(strstr(req->body, "\"ServiceCode\":\"AmazonElastiCache\""));
        assert_non_null(strstr(req->body, "\"regionCode\""));
        assert_non_null(strstr(req->body, "\"cacheEngine\""));
        if (sc->pricing == 0) {
            /* page 1: the recorded body (it carries a NextToken); page 2: empty */
            resp->body = strstr(req->body, "\"NextToken\"")
                             ? "{\"FormatVersion\":\"aws_v1\",\"PriceList\":[]}"
                             : sc->pricing_body;
        } else if (sc->pricing == 1) {
            resp->status = 400;
            resp->body = "{\"__type\":\"AccessDeniedException\",\"Message\":\"no pricing:*\"}";
        } else if (sc->pricing == 2) {
            resp->status = 500;
            resp->body = "{}";
        } else {
            resp->action = SRV_HANG;
        }
        return;
    }
    if (target && strcmp(target, "Logs_20140328.DescribeLogGroups") == 0) {
        resp->headers = "Content-Type: application/x-amz-json-1.1\r\n";
        if (strstr(req->body, "/ec/cg/slow"))
            resp->body = "{\"logGroups\":[{\"logGroupName\":\"/ec/cg/slow\",\"retentionInDays\":"
                         "30,\"storedBytes\":2000000000},{\"logGroupName\":\"/ec/cg/slow2\","
                         "\"storedBytes\":5}]}";
        else
            resp->body = "{\"logGroups\":[{\"logGroupName\":\"/ec/cg/engine\",\"retentionInDays\":"
                         "90,\"storedBytes\":500000000}]}";
        return;
    }
    resp->headers = "Content-Type: text/xml\r\n";
    resp->body = sc->rg_missing ? sc_no_rgs : sc_rgs;
}

struct got {
    bool done;
    struct cost_estimate *e;
    struct aws_error err;
};

static void on_cost(struct cost_estimate *e, const struct aws_error *err, void *arg)
{
    struct got *g = arg;
    g->done = true;
    g->e = e;
    if (err)
        aws_error_copy(&g->err, err);
}

static struct cost_estimate *run_plan(struct scripted *sc, struct got *g)
{
    struct e2e x;
    e2e_local_start(&x, sc_handler, sc);
    memset(g, 0, sizeof(*g));
    aws_error_init(&g->err);
    struct cost_input in = seed_input();
    struct cost_req *q = cost_start(x.c, &in, on_cost, g);
    assert_non_null(q);
    assert_false(g->done);
    assert_true(loop_run_until(x.l, &g->done, e2e_now_ms() + E2E_CALL_DEADLINE_MS));
    e2e_stop(&x);
    return g->e;
}

static void test_scripted_price_list(void **state)
{
    (void)state;
    struct scripted sc = {0};
    sc.pricing_body = wire_load("pricing/get_products_elasticache.json", NULL);
    struct got g;
    struct cost_estimate *e = run_plan(&sc, &g);
    assert_non_null(e);
    assert_int_equal(sc.pricing_requests, 2); /* the recorded body has a NextToken */
    assert_null(e->fallback);
    assert_non_null(strstr(e->node_source, "Price List API"));
    assert_true(NEAR(line(e, "9 x")->unit_usd, 0.034));
    cost_estimate_free(e);
    free(sc.pricing_body);

    /* denied: the table, and the reason names the error */
    memset(&sc, 0, sizeof(sc));
    sc.pricing = 1;
    e = run_plan(&sc, &g);
    assert_non_null(e);
    assert_non_null(strstr(e->fallback, "AccessDeniedException"));
    assert_non_null(strstr(e->node_source, "built-in price table"));
    cost_estimate_free(e);

    /* server errors: retried (max_attempts 2), then the table */
    memset(&sc, 0, sizeof(sc));
    sc.pricing = 2;
    e = run_plan(&sc, &g);
    assert_non_null(e);
    assert_int_equal(sc.pricing_requests, 2);
    assert_non_null(strstr(e->fallback, "500"));
    cost_estimate_free(e);
}

static void test_scripted_group(void **state)
{
    (void)state;
    struct scripted sc = {0};
    sc.pricing_body = wire_load("pricing/get_products_elasticache.json", NULL);
    struct e2e x;
    e2e_local_start(&x, sc_handler, &sc);
    struct got g;
    memset(&g, 0, sizeof(g));
    struct cost_req *q = cost_start_group(x.c, "cg", 2.0, true, on_cost, &g);
    assert_non_null(q);
    assert_true(loop_run_until(x.l, &g.done, e2e_now_ms() + E2E_CALL_DEADLINE_MS));
    struct cost_estimate *e = g.e;
    assert_non_null(e);
    assert_int_equal(sc.requests, 3 + sc.pricing_requests); /* group, two log groups, prices */
    assert_string_equal(e->subject, "replication group cg");
    assert_int_equal(e->nodes, 4);
    assert_true(NEAR(line(e, "4 x cache.r6g.large")->unit_usd, 0.206));
    /* the shorter retention of the two groups (30 days), their stored bytes */
    assert_non_null(strstr(line(e, "log storage")->item, "30-day"));
    bool held = false;
    for (size_t i = 0; i < e->n_assumptions; i++)
        held = held || strstr(e->assumptions[i], "hold 2.500 GB now");
    assert_true(held);
    cost_estimate_free(e);

    /* offline: no Price List request */
    memset(&g, 0, sizeof(g));
    sc.requests = sc.pricing_requests = 0;
    q = cost_start_group(x.c, "cg", 2.0, false, on_cost, &g);
    assert_true(loop_run_until(x.l, &g.done, e2e_now_ms() + E2E_CALL_DEADLINE_MS));
    assert_int_equal(sc.pricing_requests, 0);
    assert_non_null(strstr(g.e->fallback, "--offline"));
    cost_estimate_free(g.e);

    /* a group that does not exist */
    memset(&g, 0, sizeof(g));
    aws_error_init(&g.err);
    sc.rg_missing = true;
    q = cost_start_group(x.c, "nope", 1.0, true, on_cost, &g);
    assert_true(loop_run_until(x.l, &g.done, e2e_now_ms() + E2E_CALL_DEADLINE_MS));
    assert_null(g.e);
    assert_true(aws_error_is(&g.err, "ReplicationGroupNotFoundFault"));
    aws_error_clear(&g.err);

    /* cancelled while the Price List call hangs: no callback, nothing leaks */
    sc.rg_missing = false;
    sc.pricing = 3;
    memset(&g, 0, sizeof(g));
    sc.pricing_requests = 0;
    q = cost_start_group(x.c, "cg", 1.0, true, on_cost, &g);
    uint64_t deadline = e2e_now_ms() + E2E_CALL_DEADLINE_MS;
    while (sc.pricing_requests == 0 && e2e_now_ms() < deadline)
        loop_run_once(x.l, 50);
    assert_int_equal(sc.pricing_requests, 1);
    cost_cancel(q);
    for (int i = 0; i < 10; i++)
        loop_run_once(x.l, 10);
    assert_false(g.done);
    /* and cancelled while the log groups are being read */
    sc.requests = 0;
    q = cost_start_group(x.c, "cg", 1.0, true, on_cost, &g);
    while (sc.requests < 2 && e2e_now_ms() < deadline)
        loop_run_once(x.l, 5);
    cost_cancel(q);
    for (int i = 0; i < 10; i++)
        loop_run_once(x.l, 10);
    assert_false(g.done);
    e2e_stop(&x);
    free(sc.pricing_body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_price_list_parsing),
        cmocka_unit_test(test_estimate_api_and_table),
        cmocka_unit_test(test_estimate_edges),
        cmocka_unit_test(test_spec_input_and_json),
        cmocka_unit_test(test_scripted_price_list),
        cmocka_unit_test(test_scripted_group),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
