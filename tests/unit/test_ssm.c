/* test_ssm.c - typed SSM Parameter Store calls: request bodies against
 * botocore's serializer, moto recordings and aws-wire.md examples decoded
 * field by field against botocore's parser, value wiping, errors, hostile
 * bodies, sandbox end to end (SecureString with a customer key) and
 * scripted NextToken paging. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "aws/awsjson.h"
#include "aws/kms.h"
#include "aws/mem.h"
#include "aws/ssm.h"
#include "infra_test.h"
#include "wire_harness.h"
#include "typed_e2e.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define REST_KEY_ARN "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

static void test_requests(void **state)
{
    (void)state;
    struct it_vectors v;
    it_vectors_load(&v, "ssm");
    struct ssm_tag_in tags[] = {{"elcui:stack", "app-4"}};
    struct ssm_put_parameter_in pp = {.name = "/elasticache/app-4/app-4/endpoint",
                                      .value = "clustercfg.app-4.abc123.use2.cache.amazonaws.com",
                                      .type = "SecureString",
                                      .key_id = REST_KEY_ARN,
                                      .tags = tags,
                                      .n_tags = 1};
    it_check_json(&v, "put_parameter", ssm_build_put_parameter(&pp), true);
    struct ssm_put_parameter_in pp2 = {.name = "/elasticache/app-4/app-4/port",
                                       .description = "port",
                                       .value = "6379",
                                       .type = "SecureString",
                                       .key_id = "alias/app-4-encryption-rest",
                                       .overwrite = true,
                                       .tier = "Standard"};
    it_check_json(&v, "put_parameter_overwrite", ssm_build_put_parameter(&pp2), true);
    struct ssm_get_parameter_in gp = {"/elasticache/app-4/app-4/port", true};
    it_check_json(&v, "get_parameter", ssm_build_get_parameter(&gp), false);
    struct ssm_get_parameter_in gp2 = {.name = "/x"};
    it_check_json(&v, "get_parameter_plain", ssm_build_get_parameter(&gp2), false);
    const char *names[] = {"/elasticache/app-4/app-4/endpoint", "/elasticache/app-4/app-4/port"};
    struct ssm_get_parameters_in gps = {names, 2, true};
    it_check_json(&v, "get_parameters", ssm_build_get_parameters(&gps), false);
    struct ssm_delete_parameter_in dp = {"/elasticache/app-4/app-4/endpoint"};
    it_check_json(&v, "delete_parameter", ssm_build_delete_parameter(&dp), false);
    const char *prefix[] = {"/elasticache/app-4/"}, *stack[] = {"app-4"};
    struct ssm_parameter_filter f[] = {{"Name", "BeginsWith", prefix, 1},
                                       {"tag:elcui:stack", NULL, stack, 1}};
    struct ssm_describe_parameters_in dps = {
        .filters = f, .n_filters = 2, .max_results = 50, .next_token = "n1"};
    it_check_json(&v, "describe_parameters", ssm_build_describe_parameters(&dps), false);
    it_check_json(&v, "describe_parameters_empty", ssm_build_describe_parameters(NULL), false);
    it_vectors_done(&v);
}

static void test_mask(void **state)
{
    (void)state;
    char value[33];
    wire_random_token(value, sizeof(value));
    struct ssm_tag_in tags[] = {{"elcui:stack", "app-4"}};
    struct ssm_put_parameter_in pp = {
        .name = "/p", .value = value, .type = "SecureString", .tags = tags, .n_tags = 1};
    json_t *body = ssm_build_put_parameter(&pp);
    json_t *m = ssm_mask(body);
    char *shown = awsjson_encode(m, NULL);
    assert_null(strstr(shown, value));
    assert_non_null(strstr(shown, "\"Value\":\"****\""));
    assert_non_null(strstr(shown, "\"Value\":\"app-4\"")); /* the tag's value stays */
    free(shown);
    json_decref(m);
    json_decref(body);
    m = ssm_mask(NULL);
    assert_int_equal(json_object_size(m), 0);
    json_decref(m);
}

static void check_parameter(const struct ssm_parameter *p, const json_t *e)
{
    it_str(p->name, e, "Name");
    it_str(p->type, e, "Type");
    const char *want = json_string_value(json_object_get(e, "Value"));
    assert_true((want == NULL) == (p->value == NULL));
    if (want)
        assert_true(strcmp(want, p->value) == 0 && strlen(want) == p->value_len);
    it_int(p->version, e, "Version", 0);
    it_str(p->arn, e, "ARN");
    it_str(p->data_type, e, "DataType");
    it_str(p->selector, e, "Selector");
    it_str(p->source_result, e, "SourceResult");
    it_time(p->last_modified_date_ms, e, "LastModifiedDate");
}

static void test_responses(void **state)
{
    (void)state;
    const char *puts[] = {"put_parameter", "put_parameter_awsdoc"};
    for (size_t i = 0; i < N(puts); i++) {
        json_t *exp;
        json_t *obj = it_json_ok("ssm", puts[i], &exp);
        struct ssm_put_parameter_out *o = mem_xcalloc(1, sizeof(*o));
        assert_int_equal(ssm_parse_put_parameter(obj, o), 0);
        it_int(o->version, json_object_get(exp, "parsed"), "Version", 0);
        it_str(o->tier, json_object_get(exp, "parsed"), "Tier");
        ssm_put_parameter_out_free(o);
        json_decref(obj);
        json_decref(exp);
    }

    json_t *exp;
    json_t *obj = it_json_ok("ssm", "get_parameter", &exp);
    struct ssm_get_parameter_out *g = mem_xcalloc(1, sizeof(*g));
    assert_int_equal(ssm_parse_get_parameter(obj, g), 0);
    check_parameter(&g->parameter, json_object_get(json_object_get(exp, "parsed"), "Parameter"));
    ssm_get_parameter_out_free(g);
    json_decref(obj);
    json_decref(exp);

    obj = it_json_ok("ssm", "get_parameters", &exp);
    const json_t *p = json_object_get(exp, "parsed");
    struct ssm_get_parameters_out *gs = mem_xcalloc(1, sizeof(*gs));
    assert_int_equal(ssm_parse_get_parameters(obj, gs), 0);
    assert_int_equal(gs->n, it_len(p, "Parameters"));
    for (size_t k = 0; k < gs->n; k++)
        check_parameter(&gs->items[k], it_at(p, "Parameters", k));
    assert_int_equal(gs->n_invalid_parameters, it_len(p, "InvalidParameters"));
    assert_string_equal(gs->invalid_parameters[0], "/missing");
    assert_null(gs->invalid_parameters[gs->n_invalid_parameters]);
    assert_non_null(ssm_get_parameters_find(gs, "/elasticache/app-4/app-4/port"));
    assert_null(ssm_get_parameters_find(gs, "/missing"));
    ssm_get_parameters_out_free(gs);
    json_decref(obj);
    json_decref(exp);

    const char *lists[] = {"describe_parameters_page", "describe_parameters_next"};
    for (size_t i = 0; i < N(lists); i++) {
        obj = it_json_ok("ssm", lists[i], &exp);
        p = json_object_get(exp, "parsed");
        struct ssm_parameter_metadata_list *l = mem_xcalloc(1, sizeof(*l));
        assert_int_equal(ssm_parse_describe_parameters(obj, l), 0);
        assert_int_equal(l->n, it_len(p, "Parameters"));
        for (size_t k = 0; k < l->n; k++) {
            const json_t *e = it_at(p, "Parameters", k);
            it_str(l->items[k].name, e, "Name");
            it_str(l->items[k].arn, e, "ARN");
            it_str(l->items[k].type, e, "Type");
            it_str(l->items[k].key_id, e, "KeyId");
            it_str(l->items[k].description, e, "Description");
            it_str(l->items[k].tier, e, "Tier");
            it_str(l->items[k].data_type, e, "DataType");
            it_str(l->items[k].allowed_pattern, e, "AllowedPattern");
            it_str(l->items[k].last_modified_user, e, "LastModifiedUser");
            it_int(l->items[k].version, e, "Version", 0);
            it_time(l->items[k].last_modified_date_ms, e, "LastModifiedDate");
        }
        ssm_parameter_metadata_list_free(l);
        json_decref(obj);
        json_decref(exp);
    }

    obj = it_json_ok("ssm", "delete_parameter", &exp);
    assert_true(json_is_object(obj));
    json_decref(obj);
    json_decref(exp);
}

static void test_errors(void **state)
{
    (void)state;
    const char *const names[] = {"err_put_parameter_exists", "err_get_parameter_not_found",
                                 "err_get_parameter_awsdoc"};
    it_json_errors("ssm", names, N(names), false);
}

static int feed(const char *body, size_t len, void *arg)
{
    int which = *(int *)arg;
    json_t *obj;
    if (it_json_body(body, len, &obj) != 0)
        return -1;
    int rc;
    if (which == 0) {
        struct ssm_get_parameters_out *o = mem_xcalloc(1, sizeof(*o));
        rc = ssm_parse_get_parameters(obj, o);
        ssm_get_parameters_out_free(o);
    } else {
        struct ssm_parameter_metadata_list *l = mem_xcalloc(1, sizeof(*l));
        rc = ssm_parse_describe_parameters(obj, l);
        ssm_parameter_metadata_list_free(l);
    }
    json_decref(obj);
    return rc;
}

static void test_hostile(void **state)
{
    (void)state;
    const char *const files[] = {"get_parameters.json", "describe_parameters_next.json"};
    it_hostile_files("ssm", files, N(files), feed);
    json_t *o = json_loads("{\"Parameters\":{},\"InvalidParameters\":[]}", 0, NULL);
    struct ssm_get_parameters_out *gs = mem_xcalloc(1, sizeof(*gs));
    assert_int_equal(ssm_parse_get_parameters(o, gs), -1);
    ssm_get_parameters_out_free(gs);
    json_decref(o);
    o = json_loads("{\"Parameters\":[7,{\"Name\":\"n\",\"Value\":5,\"Version\":\"2\"}],"
                   "\"InvalidParameters\":[1,\"x\"]}",
                   0, NULL);
    gs = mem_xcalloc(1, sizeof(*gs));
    assert_int_equal(ssm_parse_get_parameters(o, gs), 0);
    assert_int_equal(gs->n, 1);
    assert_null(gs->items[0].value);
    assert_int_equal(gs->items[0].version, 0);
    assert_int_equal(gs->n_invalid_parameters, 1);
    ssm_get_parameters_out_free(gs);
    json_decref(o);
    o = json_loads("{\"Parameter\":\"x\"}", 0, NULL);
    struct ssm_get_parameter_out *g = mem_xcalloc(1, sizeof(*g));
    assert_int_equal(ssm_parse_get_parameter(o, g), -1);
    ssm_get_parameter_out_free(g);
    json_decref(o);
    o = json_loads("{\"Parameter\":{\"Name\":\"n\",\"Value\":\"a\\u0000b\"}}", JSON_ALLOW_NUL,
                   NULL);
    g = mem_xcalloc(1, sizeof(*g));
    assert_int_equal(ssm_parse_get_parameter(o, g), 0);
    assert_int_equal(g->parameter.value_len, 3);
    assert_memory_equal(g->parameter.value, "a\0b", 4);
    ssm_get_parameter_out_free(g);
    json_decref(o);
    struct ssm_put_parameter_out *po = mem_xcalloc(1, sizeof(*po));
    assert_int_equal(ssm_parse_put_parameter(NULL, po), -1);
    ssm_put_parameter_out_free(po);
}

/* ---- end to end: the sandbox ---- */

IE_CB(cb_put, struct ssm_put_parameter_out)
IE_CB(cb_get, struct ssm_get_parameter_out)
IE_CB(cb_gets, struct ssm_get_parameters_out)
IE_CB(cb_result, struct ssm_result)
IE_CB(cb_describe, struct ssm_parameter_metadata_list)

/* BP1 of the seed: the endpoint and port as SecureString parameters under
 * the at-rest key, read back decrypted, described for the audit, deleted. */
static void test_e2e_parameters(void **state)
{
    (void)state;
    struct e2e *x = &e2e_sb;
    struct ie_res r = {0};
    ie_reset(&r);
    char stack[32];
    e2e_stack_name(stack, false);

    char key_arn[256];
    ie_create_key(x, "Key to encrypt cache at rest.", key_arn, sizeof(key_arn));

    char ep_name[128], port_name[128], endpoint[128];
    snprintf(ep_name, sizeof(ep_name), "/elasticache/%s/%s/endpoint", stack, stack);
    snprintf(port_name, sizeof(port_name), "/elasticache/%s/%s/port", stack, stack);
    snprintf(endpoint, sizeof(endpoint), "clustercfg.%s.abc123.use2.cache.amazonaws.com", stack);
    struct ssm_tag_in tags[] = {{"elcui:stack", stack}};
    struct ssm_put_parameter_in pe = {.name = ep_name,
                                      .value = endpoint,
                                      .type = "SecureString",
                                      .key_id = key_arn,
                                      .tags = tags,
                                      .n_tags = 1};
    ie_reset(&r);
    ie_wait(x, ssm_put_parameter(x->c, &pe, cb_put, &r), &r, "PutParameter");
    ie_ok(&r, "PutParameter");
    assert_int_equal(((struct ssm_put_parameter_out *)r.out)->version, 1);
    ssm_put_parameter_out_free(r.out);
    struct ssm_put_parameter_in pport = {
        .name = port_name, .value = "6379", .type = "SecureString", .key_id = key_arn};
    ie_reset(&r);
    ie_wait(x, ssm_put_parameter(x->c, &pport, cb_put, &r), &r, "PutParameter");
    ie_ok(&r, "PutParameter");
    ssm_put_parameter_out_free(r.out);
    ie_reset(&r);
    ie_wait(x, ssm_put_parameter(x->c, &pport, cb_put, &r), &r, "PutParameter again");
    ie_err(&r, "ParameterAlreadyExists");
    pport.overwrite = true;
    ie_reset(&r);
    ie_wait(x, ssm_put_parameter(x->c, &pport, cb_put, &r), &r, "PutParameter overwrite");
    ie_ok(&r, "PutParameter");
    assert_int_equal(((struct ssm_put_parameter_out *)r.out)->version, 2);
    ssm_put_parameter_out_free(r.out);

    struct ssm_get_parameter_in gp = {ep_name, true};
    ie_reset(&r);
    ie_wait(x, ssm_get_parameter(x->c, &gp, cb_get, &r), &r, "GetParameter");
    ie_ok(&r, "GetParameter");
    struct ssm_get_parameter_out *g = r.out;
    assert_string_equal(g->parameter.type, "SecureString");
    assert_true(strcmp(g->parameter.value, endpoint) == 0);
    assert_int_equal(g->parameter.version, 1);
    assert_non_null(strstr(g->parameter.arn, stack));
    ssm_get_parameter_out_free(g);
    /* without decryption the value is not the plain text */
    gp.with_decryption = false;
    ie_reset(&r);
    ie_wait(x, ssm_get_parameter(x->c, &gp, cb_get, &r), &r, "GetParameter encrypted");
    ie_ok(&r, "GetParameter");
    assert_true(strcmp(((struct ssm_get_parameter_out *)r.out)->parameter.value, endpoint) != 0);
    ssm_get_parameter_out_free(r.out);

    const char *both[] = {ep_name, port_name, "/elasticache/none/missing"};
    struct ssm_get_parameters_in gps = {both, 3, true};
    ie_reset(&r);
    ie_wait(x, ssm_get_parameters(x->c, &gps, cb_gets, &r), &r, "GetParameters");
    ie_ok(&r, "GetParameters");
    struct ssm_get_parameters_out *gs = r.out;
    assert_int_equal(gs->n, 2);
    const struct ssm_parameter *port = ssm_get_parameters_find(gs, port_name);
    assert_non_null(port);
    assert_true(strcmp(port->value, "6379") == 0);
    assert_int_equal(port->version, 2);
    assert_int_equal(gs->n_invalid_parameters, 1);
    assert_string_equal(gs->invalid_parameters[0], "/elasticache/none/missing");
    ssm_get_parameters_out_free(gs);

    /* the audit's view: type and key of every parameter of the stack */
    char prefix[96];
    snprintf(prefix, sizeof(prefix), "/elasticache/%s/", stack);
    const char *prefix_v[] = {prefix};
    struct ssm_parameter_filter f[] = {{"Name", "BeginsWith", prefix_v, 1}};
    struct ssm_describe_parameters_in dp = {.filters = f, .n_filters = 1};
    ie_reset(&r);
    ie_wait(x, ssm_describe_parameters(x->c, &dp, cb_describe, &r), &r, "DescribeParameters");
    ie_ok(&r, "DescribeParameters");
    struct ssm_parameter_metadata_list *l = r.out;
    assert_int_equal(l->n, 2);
    for (size_t i = 0; i < l->n; i++) {
        assert_string_equal(l->items[i].type, "SecureString");
        assert_string_equal(l->items[i].key_id, key_arn);
    }
    ssm_parameter_metadata_list_free(l);

    struct ssm_delete_parameter_in del = {ep_name};
    ie_reset(&r);
    ie_wait(x, ssm_delete_parameter(x->c, &del, cb_result, &r), &r, "DeleteParameter");
    ie_ok(&r, "DeleteParameter");
    ssm_result_free(r.out);
    gp.with_decryption = true;
    ie_reset(&r);
    ie_wait(x, ssm_get_parameter(x->c, &gp, cb_get, &r), &r, "GetParameter gone");
    ie_err(&r, "ParameterNotFound");
    ie_reset(&r);
    ie_wait(x, ssm_delete_parameter(x->c, &del, cb_result, &r), &r, "DeleteParameter gone");
    ie_err(&r, "ParameterNotFound");
    del.name = port_name;
    ie_reset(&r);
    ie_wait(x, ssm_delete_parameter(x->c, &del, cb_result, &r), &r, "DeleteParameter");
    ie_ok(&r, "DeleteParameter");
    ssm_result_free(r.out);
    ie_reset(&r);
}

/* ---- end to end: NextToken paging against a script ---- */

struct pager {
    int requests;
    bool filters_every_page;
};

static void pager_handler(struct srv *s, const struct srv_req *req, struct srv_resp *resp,
                          void *arg)
{
    (void)s;
    struct pager *p = arg;
    json_t *body = json_loadb(req->body, req->body_len, 0, NULL);
    const char *tok = awsjson_str(body, "NextToken");
    if (json_array_size(json_object_get(body, "ParameterFilters")) != 1)
        p->filters_every_page = false;
    int page = tok && strncmp(tok, "page-", 5) == 0 ? (int)strtol(tok + 5, NULL, 10) : 1;
    p->requests++;
    json_decref(body);
    static char out[512];
    if (page < 3)
        snprintf(out, sizeof(out),
                 "{\"Parameters\":[{\"Name\":\"/p/%d\",\"Type\":\"SecureString\","
                 "\"KeyId\":\"k\"}],\"NextToken\":\"page-%d\"}",
                 page, page + 1);
    else
        snprintf(out, sizeof(out), "{\"Parameters\":[{\"Name\":\"/p/%d\",\"Type\":\"String\"}]}",
                 page);
    resp->action = SRV_RESPOND;
    resp->status = 200;
    resp->headers = "Content-Type: application/x-amz-json-1.1\r\n";
    resp->body = out;
}

static void test_e2e_paging(void **state)
{
    (void)state;
    struct pager p = {.filters_every_page = true};
    struct e2e x;
    e2e_local_start(&x, pager_handler, &p);
    const char *v[] = {"/p/"};
    struct ssm_parameter_filter f[] = {{"Name", "BeginsWith", v, 1}};
    struct ssm_describe_parameters_in in = {.filters = f, .n_filters = 1, .max_results = 1};
    struct ie_res r = {0};
    ie_reset(&r);
    ie_wait(&x, ssm_describe_parameters(x.c, &in, cb_describe, &r), &r, "three pages");
    ie_ok(&r, "DescribeParameters");
    struct ssm_parameter_metadata_list *l = r.out;
    assert_int_equal(l->n, 3);
    assert_string_equal(l->items[0].name, "/p/1");
    assert_string_equal(l->items[2].name, "/p/3");
    assert_string_equal(l->items[2].type, "String");
    assert_null(l->items[2].key_id);
    assert_null(l->next_token);
    ssm_parameter_metadata_list_free(l);
    assert_int_equal(p.requests, 3);
    assert_true(p.filters_every_page);
    in.max_pages = 2;
    p.requests = 0;
    ie_reset(&r);
    ie_wait(&x, ssm_describe_parameters(x.c, &in, cb_describe, &r), &r, "two pages");
    ie_ok(&r, "DescribeParameters");
    assert_string_equal(((struct ssm_parameter_metadata_list *)r.out)->next_token, "page-3");
    ssm_parameter_metadata_list_free(r.out);
    assert_int_equal(p.requests, 2);
    ie_reset(&r);
    e2e_stop(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests),  cmocka_unit_test(test_mask),
        cmocka_unit_test(test_responses), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_hostile),
    };
    const struct CMUnitTest local[] = {
        cmocka_unit_test(test_e2e_paging),
    };
    const struct CMUnitTest e2e[] = {
        cmocka_unit_test(test_e2e_parameters),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rc += cmocka_run_group_tests(local, NULL, NULL);
    rc += cmocka_run_group_tests(e2e, e2e_sandbox_up, e2e_sandbox_down);
    return rc;
}
