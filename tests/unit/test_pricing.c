/* test_pricing.c - Price List GetProducts: request bodies against
 * botocore's serializer; the AWS documentation's example answer and a
 * crafted ElastiCache answer of the same shape decoded against botocore's
 * parse; on-demand hourly prices; hostile items; paging and signing for
 * the global endpoint through the transport against a scripted server.
 * moto (5.2.1) has no Price List API (it answers 500), so no sandbox test
 * exists for it: the bodies here are the recorded/crafted ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "aws/awsjson.h"
#include "aws/mem.h"
#include "aws/pricing.h"
#include "infra_test.h"
#include "wire_harness.h"
#include "typed_e2e.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_requests(void **state)
{
    (void)state;
    struct it_vectors v;
    it_vectors_load(&v, "pricing");
    struct pricing_filter f[] = {{NULL, "instanceType", "cache.t2.small"},
                                 {"TERM_MATCH", "regionCode", "us-east-2"},
                                 {NULL, "cacheEngine", "Redis"}};
    struct pricing_get_products_in in = {.filters = f, .n_filters = 3, .max_results = 100};
    it_check_json(&v, "get_products", pricing_build_get_products(&in), false);
    struct pricing_filter f2[] = {{NULL, "location", "US East (Ohio)"}};
    struct pricing_get_products_in in2 = {.service_code = "AmazonElastiCache",
                                          .filters = f2,
                                          .n_filters = 1,
                                          .format_version = "aws_v1",
                                          .next_token = "abc/def=="};
    it_check_json(&v, "get_products_next", pricing_build_get_products(&in2), false);
    it_vectors_done(&v);
}

static void test_price_parser(void **state)
{
    (void)state;
    double d = -1;
    assert_true(pricing_parse_price("0.0340000000", &d));
    assert_true(d > 0.03399999 && d < 0.03400001);
    assert_true(pricing_parse_price("12", &d));
    assert_true(d == 12.0);
    assert_true(pricing_parse_price("1.", &d));
    assert_true(pricing_parse_price(".5", &d));
    assert_true(d == 0.5);
    const char *bad[] = {"", "1e3", "-1", "1,5", "1.2.3", "NaN", " 1", "1 ", "0x10", "."};
    for (size_t i = 0; i < N(bad); i++)
        assert_false(pricing_parse_price(bad[i], &d));
    assert_false(pricing_parse_price(NULL, &d));
    char big[80];
    memset(big, '9', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_false(pricing_parse_price(big, &d)); /* too long to be a price */
}

/* Compare a parsed product with the PriceList document botocore returns. */
static void check_product(const struct pricing_product *p, const char *doc_text)
{
    json_t *doc = json_loads(doc_text, 0, NULL);
    assert_non_null(doc);
    const json_t *prod = json_object_get(doc, "product");
    const json_t *a = json_object_get(prod, "attributes");
    it_str(p->sku, prod, "sku");
    it_str(p->product_family, prod, "productFamily");
    it_str(p->service_code, doc, "serviceCode");
    it_str(p->instance_type, a, "instanceType");
    it_str(p->location, a, "location");
    it_str(p->region_code, a, "regionCode");
    it_str(p->cache_engine, a, "cacheEngine");
    it_str(p->usage_type, a, "usagetype");
    it_str(p->current_generation, a, "currentGeneration");
    it_str(p->memory, a, "memory");
    it_str(p->vcpu, a, "vcpu");
    it_str(p->publication_date, doc, "publicationDate");
    json_decref(doc);
}

static void test_responses(void **state)
{
    (void)state;
    /* the AWS documentation's example (EC2 storage, priced per GB-month) */
    json_t *exp;
    json_t *obj = it_json_ok("pricing", "get_products_awsdoc", &exp);
    const json_t *p = json_object_get(exp, "parsed");
    struct pricing_product_list *l = mem_xcalloc(1, sizeof(*l));
    assert_int_equal(pricing_parse_products(obj, l), 0);
    assert_int_equal(l->n, it_len(p, "PriceList"));
    assert_int_equal(l->n_unreadable, 0);
    check_product(&l->items[0], json_string_value(it_at(p, "PriceList", 0)));
    assert_string_equal(l->items[0].sku, "WQGC34PB2AWS8R4U");
    assert_false(l->items[0].has_hourly_usd); /* not an hourly price */
    assert_null(l->items[0].instance_type);
    it_str(l->format_version, p, "FormatVersion");
    pricing_product_list_free(l);
    json_decref(obj);
    json_decref(exp);

    obj = it_json_ok("pricing", "get_products_elasticache", &exp);
    p = json_object_get(exp, "parsed");
    l = mem_xcalloc(1, sizeof(*l));
    assert_int_equal(pricing_parse_products(obj, l), 0);
    assert_int_equal(l->n, it_len(p, "PriceList"));
    for (size_t i = 0; i < l->n; i++) {
        check_product(&l->items[i], json_string_value(it_at(p, "PriceList", i)));
        assert_true(l->items[i].has_hourly_usd);
        assert_non_null(l->items[i].price_description);
        assert_string_equal(l->items[i].effective_date, "2024-05-01T00:00:00Z");
    }
    /* on-demand, not the reserved upfront fee of the same product */
    double usd = 0;
    assert_int_equal(pricing_hourly_usd(l, "cache.t2.small", "us-east-2", "redis", &usd), 0);
    assert_true(usd > 0.0339999 && usd < 0.0340001);
    assert_int_equal(pricing_hourly_usd(l, "cache.r6g.large", NULL, NULL, &usd), 0);
    assert_true(usd > 0.2059999 && usd < 0.2060001);
    assert_int_equal(pricing_hourly_usd(l, "cache.t3.micro", NULL, "Redis", &usd), -1);
    assert_int_equal(pricing_hourly_usd(l, "cache.t3.micro", NULL, "Memcached", &usd), 0);
    assert_int_equal(pricing_hourly_usd(l, "cache.t2.small", "us-west-2", NULL, &usd), -1);
    assert_int_equal(pricing_hourly_usd(l, "cache.m5.large", NULL, NULL, &usd), -1);
    assert_int_equal(pricing_hourly_usd(NULL, "x", NULL, NULL, &usd), -1);
    /* a second page appends */
    assert_int_equal(pricing_parse_products(obj, l), 0);
    assert_int_equal(l->n, 2 * it_len(p, "PriceList"));
    pricing_product_list_free(l);
    json_decref(obj);
    json_decref(exp);

    exp = it_expected("pricing", "err_get_products_invalid");
    struct aws_error err;
    aws_error_init(&err);
    obj = NULL;
    assert_int_equal(it_jsonresp("pricing", "err_get_products_invalid", it_status(exp), &obj, &err),
                     -1);
    it_check_error(&err, exp);
    aws_error_clear(&err);
    json_decref(exp);
}

static int feed(const char *body, size_t len, void *arg)
{
    (void)arg;
    json_t *obj;
    if (it_json_body(body, len, &obj) != 0)
        return -1;
    struct pricing_product_list *l = mem_xcalloc(1, sizeof(*l));
    int rc = pricing_parse_products(obj, l);
    pricing_product_list_free(l);
    json_decref(obj);
    return rc;
}

static void test_hostile(void **state)
{
    (void)state;
    const char *const files[] = {"get_products_elasticache.json"};
    it_hostile_files("pricing", files, 1, feed);
    /* items that are not documents are counted and skipped */
    json_t *o = json_loads(
        "{\"PriceList\":[\"not json\",5,null,\"[]\",\"{\\\"product\\\":7}\","
        "{\"product\":{\"sku\":\"S\",\"attributes\":{\"instanceType\":\"cache.x\"}},"
        "\"terms\":{\"OnDemand\":{\"a\":{\"priceDimensions\":{\"d\":{\"unit\":\"Hrs\","
        "\"pricePerUnit\":{\"USD\":\"1,5\"}},\"e\":{\"unit\":\"Hrs\",\"beginRange\":\"10\","
        "\"pricePerUnit\":{\"USD\":\"9\"}},\"f\":{\"unit\":\"Hrs\",\"pricePerUnit\":{\"USD\":"
        "\"0.5\"}}}}}}}]}",
        0, NULL);
    assert_non_null(o);
    struct pricing_product_list *l = mem_xcalloc(1, sizeof(*l));
    assert_int_equal(pricing_parse_products(o, l), 0);
    assert_int_equal(l->n, 1);
    assert_int_equal(l->n_unreadable, 5);
    assert_string_equal(l->items[0].sku, "S");
    assert_true(l->items[0].has_hourly_usd);
    assert_true(l->items[0].hourly_usd == 0.5); /* the comma and the tier are skipped */
    pricing_product_list_free(l);
    json_decref(o);
    o = json_loads("{\"PriceList\":{}}", 0, NULL);
    l = mem_xcalloc(1, sizeof(*l));
    assert_int_equal(pricing_parse_products(o, l), -1);
    pricing_product_list_free(l);
    json_decref(o);
    o = json_loads("{\"terms\":{}}", 0, NULL);
    struct pricing_product pr;
    memset(&pr, 0, sizeof(pr));
    assert_int_equal(pricing_parse_product(o, &pr), -1);
    pricing_product_clear(&pr);
    json_decref(o);
}

/* ---- end to end: the global endpoint, signing and paging, scripted ---- */

IE_CB(cb_products, struct pricing_product_list)

struct script {
    int requests;
    bool target_ok;
    bool scope_ok;
    bool filters_ok;
    char *page1;
};

static void script_handler(struct srv *s, const struct srv_req *req, struct srv_resp *resp,
                           void *arg)
{
    (void)s;
    struct script *sc = arg;
    sc->requests++;
    const char *target = srv_hdr(req, "X-Amz-Target");
    const char *auth = srv_hdr(req, "Authorization");
    if (!target || strcmp(target, "AWSPriceListService.GetProducts") != 0)
        sc->target_ok = false;
    /* the client is in us-east-2; the Price List API signs for us-east-1 */
    if (!auth || !strstr(auth, "/us-east-1/pricing/aws4_request"))
        sc->scope_ok = false;
    json_t *body = json_loadb(req->body, req->body_len, 0, NULL);
    if (json_array_size(json_object_get(body, "Filters")) != 2 ||
        strcmp(awsjson_str(body, "ServiceCode"), "AmazonElastiCache") != 0)
        sc->filters_ok = false;
    const char *tok = awsjson_str(body, "NextToken");
    resp->action = SRV_RESPOND;
    resp->status = 200;
    resp->headers = "Content-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: rid-p\r\n";
    if (!tok)
        resp->body = sc->page1;
    else
        resp->body =
            "{\"FormatVersion\":\"aws_v1\",\"PriceList\":[\"{\\\"product\\\":{\\\"sku\\\":"
            "\\\"LAST\\\",\\\"attributes\\\":{\\\"instanceType\\\":\\\"cache.t4g.micro\\\""
            "}},\\\"terms\\\":{\\\"OnDemand\\\":{\\\"t\\\":{\\\"priceDimensions\\\":{\\\"d"
            "\\\":{\\\"unit\\\":\\\"Hrs\\\",\\\"pricePerUnit\\\":{\\\"USD\\\":\\\"0.016\\\""
            "}}}}}}}\"]}";
    json_decref(body);
}

static void test_e2e_paging(void **state)
{
    (void)state;
    struct script sc = {.target_ok = true, .scope_ok = true, .filters_ok = true};
    sc.page1 = it_read("pricing", "get_products_elasticache.json", NULL);
    struct e2e x;
    e2e_local_start(&x, script_handler, &sc);
    struct pricing_filter f[] = {{NULL, "regionCode", "us-east-2"}, {NULL, "cacheEngine", "Redis"}};
    struct pricing_get_products_in in = {.filters = f, .n_filters = 2, .max_results = 100};
    struct ie_res r = {0};
    ie_reset(&r);
    ie_wait(&x, pricing_get_products(x.c, &in, cb_products, &r), &r, "GetProducts");
    ie_ok(&r, "GetProducts");
    struct pricing_product_list *l = r.out;
    assert_int_equal(l->n, 4);
    assert_string_equal(l->items[3].sku, "LAST");
    assert_null(l->next_token);
    assert_string_equal(l->request_id, "rid-p");
    double usd;
    assert_int_equal(pricing_hourly_usd(l, "cache.t4g.micro", NULL, NULL, &usd), 0);
    assert_true(usd > 0.0159999 && usd < 0.0160001);
    pricing_product_list_free(l);
    assert_int_equal(sc.requests, 2);
    assert_true(sc.target_ok);
    assert_true(sc.scope_ok);
    assert_true(sc.filters_ok);
    /* one page: the token to resume from */
    in.max_pages = 1;
    ie_reset(&r);
    ie_wait(&x, pricing_get_products(x.c, &in, cb_products, &r), &r, "GetProducts page");
    ie_ok(&r, "GetProducts");
    assert_string_equal(((struct pricing_product_list *)r.out)->next_token, "crafted-next-token==");
    pricing_product_list_free(r.out);
    ie_reset(&r);
    e2e_stop(&x);
    free(sc.page1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests),   cmocka_unit_test(test_price_parser),
        cmocka_unit_test(test_responses),  cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_e2e_paging),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
