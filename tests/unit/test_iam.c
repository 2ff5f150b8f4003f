/* test_iam.c - typed IAM calls: request bodies against botocore's
 * serializer, moto recordings and aws-wire.md examples decoded field by
 * field against botocore (including its URL-decoding of policy
 * documents), the query error envelope, hostile bodies, sandbox end to
 * end with Marker paging. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "aws/iam.h"
#include "aws/mem.h"
#include "aws/query.h"
#include "infra_test.h"
#include "wire_harness.h"
#include "typed_e2e.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define POLICY_ARN "arn:aws:iam::111122223333:policy/app-4-secret-read-policy"

static void test_requests(void **state)
{
    (void)state;
    struct it_vectors v;
    it_vectors_load(&v, "iam");
    struct iam_tag_in tags[] = {{"elcui:stack", "app-4"}, {"Name", "app 4"}};
    struct iam_create_policy_in cp = {
        .policy_name = "app-4-ssm-parameter-read-policy",
        .path = "/",
        .policy_document = it_vector_param(&v, "create_policy", "PolicyDocument"),
        .description = "Policy to read the ElastiCache endpoint and port number stored in the SSM "
                       "Parameter Store.",
        .tags = tags,
        .n_tags = 2};
    it_check_query(&v, "create_policy", iam_build_create_policy(&cp));
    struct iam_create_policy_in cp2 = {.policy_name = "p", .policy_document = "{}"};
    it_check_query(&v, "create_policy_min", iam_build_create_policy(&cp2));
    struct iam_get_policy_in gp = {POLICY_ARN};
    it_check_query(&v, "get_policy", iam_build_get_policy(&gp));
    struct iam_get_policy_version_in gv = {POLICY_ARN, "v1"};
    it_check_query(&v, "get_policy_version", iam_build_get_policy_version(&gv));
    struct iam_list_policies_in lp = {.scope = "Local",
                                      .has_only_attached = true,
                                      .only_attached = false,
                                      .path_prefix = "/",
                                      .marker = "m+1/2=",
                                      .max_items = 100};
    it_check_query(&v, "list_policies", iam_build_list_policies(&lp));
    struct iam_list_policies_in lp2 = {.scope = "Local"};
    it_check_query(&v, "list_policies_min", iam_build_list_policies(&lp2));
    struct iam_delete_policy_in dp = {POLICY_ARN};
    it_check_query(&v, "delete_policy", iam_build_delete_policy(&dp));
    struct iam_list_entities_for_policy_in le = {
        .policy_arn = "arn:aws:iam::111122223333:policy/p", .marker = "m", .max_items = 10};
    it_check_query(&v, "list_entities_for_policy", iam_build_list_entities_for_policy(&le));
    struct iam_create_policy_version_in cv = {.policy_arn = "arn:aws:iam::111122223333:policy/p",
                                              .policy_document = "{\"Version\":\"2012-10-17\"}",
                                              .set_as_default = true};
    it_check_query(&v, "create_policy_version", iam_build_create_policy_version(&cv));
    struct iam_list_policy_versions_in lv = {.policy_arn = "arn:aws:iam::111122223333:policy/p"};
    it_check_query(&v, "list_policy_versions", iam_build_list_policy_versions(&lv));
    struct iam_delete_policy_version_in dv = {"arn:aws:iam::111122223333:policy/p", "v2"};
    it_check_query(&v, "delete_policy_version", iam_build_delete_policy_version(&dv));
    it_vectors_done(&v);
}

static void test_url_decode(void **state)
{
    (void)state;
    /* the same answers as Python's urllib.parse.unquote */
    const char *cases[][2] = {{"%41%2", "A%2"},
                              {"a+b", "a+b"},
                              {"%zz%", "%zz%"},
                              {"%", "%"},
                              {"%4", "%4"},
                              {"%41", "A"},
                              {"100%25", "100%"},
                              {"", ""},
                              {"%e2%80%93x", "\xe2\x80\x93x"},
                              {"%7B%22a%22%3A1%7D", "{\"a\":1}"}};
    for (size_t i = 0; i < N(cases); i++) {
        char *d = iam_url_decode(cases[i][0]);
        assert_string_equal(d, cases[i][1]);
        free(d);
    }
    assert_null(iam_url_decode(NULL));
}

static void check_policy(const struct iam_policy *p, const json_t *e)
{
    it_str(p->policy_name, e, "PolicyName");
    it_str(p->policy_id, e, "PolicyId");
    it_str(p->arn, e, "Arn");
    it_str(p->path, e, "Path");
    it_str(p->default_version_id, e, "DefaultVersionId");
    it_str(p->description, e, "Description");
    it_int(p->attachment_count, e, "AttachmentCount", 0);
    it_int(p->permissions_boundary_usage_count, e, "PermissionsBoundaryUsageCount", 0);
    it_bool(p->is_attachable, e, "IsAttachable", false);
    it_time(p->create_date_ms, e, "CreateDate");
    it_time(p->update_date_ms, e, "UpdateDate");
    assert_int_equal(p->n_tags, it_len(e, "Tags"));
    for (size_t i = 0; i < p->n_tags; i++) {
        it_str(p->tags[i].key, it_at(e, "Tags", i), "Key");
        it_str_or_empty(p->tags[i].value, it_at(e, "Tags", i), "Value");
    }
}

/* Our decoded document (text) against botocore's decoded document (JSON). */
static void check_version(const struct iam_policy_version *v, const json_t *e)
{
    const json_t *doc = json_object_get(e, "Document");
    if (!doc) {
        assert_null(v->document);
    } else {
        json_t *got = json_loads(v->document, 0, NULL);
        assert_non_null(got);
        assert_true(json_equal(got, doc));
        json_decref(got);
    }
    it_str(v->version_id, e, "VersionId");
    it_bool(v->is_default_version, e, "IsDefaultVersion", false);
    it_time(v->create_date_ms, e, "CreateDate");
}

static json_t *load(const char *name, const char *op, xmlDoc **doc, xmlNode **res)
{
    char rid[96];
    return it_xml_ok("iam", name, op, false, doc, res, rid);
}

static void test_responses(void **state)
{
    (void)state;
    const char *pols[] = {"create_policy", "create_policy_awsdoc", "get_policy"};
    const char *ops[] = {"CreatePolicy", "CreatePolicy", "GetPolicy"};
    for (size_t i = 0; i < N(pols); i++) {
        xmlDoc *doc;
        xmlNode *res;
        json_t *exp = load(pols[i], ops[i], &doc, &res);
        struct iam_policy_out *o = mem_xcalloc(1, sizeof(*o));
        assert_int_equal(iam_parse_policy(res, o), 0);
        check_policy(&o->policy, json_object_get(json_object_get(exp, "parsed"), "Policy"));
        if (i == 2)
            assert_string_equal(iam_tag_get(&o->policy, "elcui:stack"), "app-4");
        iam_policy_out_free(o);
        xmlFreeDoc(doc);
        json_decref(exp);
    }
    const char *vers[] = {"get_policy_version", "get_policy_version_awsdoc",
                          "create_policy_version"};
    const char *vops[] = {"GetPolicyVersion", "GetPolicyVersion", "CreatePolicyVersion"};
    for (size_t i = 0; i < N(vers); i++) {
        xmlDoc *doc;
        xmlNode *res;
        json_t *exp = load(vers[i], vops[i], &doc, &res);
        struct iam_policy_version_out *o = mem_xcalloc(1, sizeof(*o));
        assert_int_equal(iam_parse_policy_version(res, o), 0);
        check_version(&o->version,
                      json_object_get(json_object_get(exp, "parsed"), "PolicyVersion"));
        iam_policy_version_out_free(o);
        xmlFreeDoc(doc);
        json_decref(exp);
    }
    /* the URL-encoded document really was encoded: "%" and "+" survive */
    xmlDoc *doc;
    xmlNode *res;
    json_t *exp = load("get_policy_version_awsdoc", "GetPolicyVersion", &doc, &res);
    struct iam_policy_version_out *vo = mem_xcalloc(1, sizeof(*vo));
    assert_int_equal(iam_parse_policy_version(res, vo), 0);
    assert_non_null(strstr(vo->version.document, "100% sure + space"));
    iam_policy_version_out_free(vo);
    xmlFreeDoc(doc);
    json_decref(exp);

    exp = load("list_policy_versions", "ListPolicyVersions", &doc, &res);
    const json_t *p = json_object_get(exp, "parsed");
    struct iam_policy_version_list *vl = mem_xcalloc(1, sizeof(*vl));
    assert_int_equal(iam_parse_policy_versions(res, vl), 0);
    assert_int_equal(vl->n, it_len(p, "Versions"));
    for (size_t k = 0; k < vl->n; k++)
        check_version(&vl->items[k], it_at(p, "Versions", k));
    iam_policy_version_list_free(vl);
    xmlFreeDoc(doc);
    json_decref(exp);

    exp = load("list_policies_page", "ListPolicies", &doc, &res);
    p = json_object_get(exp, "parsed");
    struct iam_policy_list *pl = mem_xcalloc(1, sizeof(*pl));
    assert_int_equal(iam_parse_policies(res, pl), 0);
    assert_int_equal(pl->n, it_len(p, "Policies"));
    for (size_t k = 0; k < pl->n; k++)
        check_policy(&pl->items[k], it_at(p, "Policies", k));
    assert_true(json_is_true(json_object_get(p, "IsTruncated")));
    assert_non_null(iam_policy_list_find(pl, "app-4-ssm-parameter-read-policy"));
    assert_null(iam_policy_list_find(pl, "none"));
    iam_policy_list_free(pl);
    xmlFreeDoc(doc);
    json_decref(exp);

    exp = load("list_entities_for_policy", "ListEntitiesForPolicy", &doc, &res);
    struct iam_policy_entities *en = mem_xcalloc(1, sizeof(*en));
    assert_int_equal(iam_parse_policy_entities(res, en), 0);
    assert_int_equal(en->n_groups + en->n_users + en->n_roles, 0);
    assert_null(en->group_names[0]);
    iam_policy_entities_free(en);
    xmlFreeDoc(doc);
    json_decref(exp);

    const char *acks[] = {"delete_policy", "delete_policy_version"};
    const char *aops[] = {"DeletePolicy", "DeletePolicyVersion"};
    for (size_t i = 0; i < N(acks); i++) {
        exp = load(acks[i], aops[i], &doc, &res);
        xmlFreeDoc(doc);
        json_decref(exp);
    }
}

static void test_entities_pages(void **state)
{
    (void)state;
    const char *b1 = "<ListEntitiesForPolicyResponse><ListEntitiesForPolicyResult>"
                     "<PolicyGroups><member><GroupName>g1</GroupName><GroupId>x</GroupId>"
                     "</member></PolicyGroups><PolicyUsers><member><UserName>u1</UserName>"
                     "</member></PolicyUsers><PolicyRoles><member><RoleName>app-4-ec2-role"
                     "</RoleName></member><member/></PolicyRoles><IsTruncated>true</IsTruncated>"
                     "<Marker>m2</Marker></ListEntitiesForPolicyResult>"
                     "</ListEntitiesForPolicyResponse>";
    const char *b2 = "<ListEntitiesForPolicyResponse><ListEntitiesForPolicyResult>"
                     "<PolicyRoles><member><RoleName>r2</RoleName></member></PolicyRoles>"
                     "</ListEntitiesForPolicyResult></ListEntitiesForPolicyResponse>";
    struct iam_policy_entities *en = mem_xcalloc(1, sizeof(*en));
    const char *bodies[] = {b1, b2};
    for (size_t i = 0; i < 2; i++) {
        xmlDoc *doc;
        xmlNode *res;
        char rid[96];
        struct aws_error err;
        aws_error_init(&err);
        assert_int_equal(query_parse(bodies[i], strlen(bodies[i]), 200, "ListEntitiesForPolicy",
                                     false, &doc, &res, rid, sizeof(rid), &err),
                         0);
        assert_int_equal(iam_parse_policy_entities(res, en), 0);
        xmlFreeDoc(doc);
    }
    assert_int_equal(en->n_groups, 1);
    assert_int_equal(en->n_users, 1);
    assert_int_equal(en->n_roles, 2);
    assert_string_equal(en->role_names[0], "app-4-ec2-role");
    assert_string_equal(en->role_names[1], "r2");
    assert_null(en->role_names[2]);
    iam_policy_entities_free(en);
}

static void test_errors(void **state)
{
    (void)state;
    const char *const names[] = {"err_create_policy_exists", "err_get_policy_not_found",
                                 "err_delete_policy_conflict"};
    const char *const ops[] = {"CreatePolicy", "GetPolicy", "DeletePolicy"};
    it_xml_errors("iam", names, ops, N(names), false);
}

static int feed(const char *body, size_t len, void *arg)
{
    (void)arg;
    xmlDoc *doc;
    xmlNode *res;
    char rid[96];
    struct aws_error err;
    aws_error_init(&err);
    if (query_parse(body, len, 200, "GetPolicyVersion", false, &doc, &res, rid, sizeof(rid),
                    &err) != 0) {
        aws_error_clear(&err);
        return -1;
    }
    struct iam_policy_version_out *o = mem_xcalloc(1, sizeof(*o));
    int rc = iam_parse_policy_version(res, o);
    iam_policy_version_out_free(o);
    xmlFreeDoc(doc);
    return rc;
}

static void test_hostile(void **state)
{
    (void)state;
    size_t len;
    char *body = it_read("iam", "get_policy_version_awsdoc.xml", &len);
    while (len && (body[len - 1] == '\n' || body[len - 1] == ' '))
        body[--len] = '\0';
    assert_int_equal(it_truncations(body, len, feed, NULL), 0);
    assert_int_equal(feed(body, len, NULL), 0);
    free(body);
    const char *b = "<GetPolicyVersionResponse><GetPolicyVersionResult><PolicyVersion>"
                    "<Document>%%%7</Document><VersionId>v1</VersionId><IsDefaultVersion>1"
                    "</IsDefaultVersion><CreateDate>yesterday</CreateDate></PolicyVersion>"
                    "</GetPolicyVersionResult></GetPolicyVersionResponse>";
    xmlDoc *doc;
    xmlNode *res;
    char rid[96];
    struct aws_error err;
    aws_error_init(&err);
    assert_int_equal(query_parse(b, strlen(b), 200, "GetPolicyVersion", false, &doc, &res, rid,
                                 sizeof(rid), &err),
                     0);
    struct iam_policy_version_out *o = mem_xcalloc(1, sizeof(*o));
    assert_int_equal(iam_parse_policy_version(res, o), 0);
    assert_string_equal(o->version.document, "%%%7");
    assert_false(o->version.is_default_version);
    assert_int_equal(o->version.create_date_ms, 0);
    iam_policy_version_out_free(o);
    xmlFreeDoc(doc);
    const char *b2 = "<GetPolicyResponse><GetPolicyResult><Policy><PolicyName>x</PolicyName>"
                     "<AttachmentCount>99999999999999</AttachmentCount></Policy>"
                     "</GetPolicyResult></GetPolicyResponse>";
    assert_int_equal(
        query_parse(b2, strlen(b2), 200, "GetPolicy", false, &doc, &res, rid, sizeof(rid), &err),
        0);
    struct iam_policy_out *po = mem_xcalloc(1, sizeof(*po));
    assert_int_equal(iam_parse_policy(res, po), -1); /* no Arn: nothing usable */
    assert_int_equal(po->policy.attachment_count, 0);
    iam_policy_out_free(po);
    xmlFreeDoc(doc);
    assert_int_equal(iam_parse_policies(NULL, NULL), -1);
}

/* ---- end to end: the sandbox ---- */

IE_CB(cb_policy, struct iam_policy_out)
IE_CB(cb_version, struct iam_policy_version_out)
IE_CB(cb_versions, struct iam_policy_version_list)
IE_CB(cb_policies, struct iam_policy_list)
IE_CB(cb_entities, struct iam_policy_entities)
IE_CB(cb_result, struct iam_result)

static void test_e2e_policies(void **state)
{
    (void)state;
    struct e2e *x = &e2e_sb;
    struct ie_res r = {0};
    ie_reset(&r);
    char stack[32];
    e2e_stack_name(stack, false);
    const char *doc1 =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
        "\"secretsmanager:GetSecretValue\",\"Resource\":\"arn:aws:secretsmanager:"
        "us-east-2:123456789012:secret:x-AbCdEf\"},{\"Effect\":\"Allow\",\"Action\":"
        "\"kms:Decrypt\",\"Resource\":\"arn:aws:kms:us-east-2:123456789012:key/k\","
        "\"Condition\":{\"StringLike\":{\"k\":\"100% & a+b\"}}}]}";
    char names[3][96];
    char arns[3][256];
    for (int i = 0; i < 3; i++) {
        snprintf(names[i], sizeof(names[i]), "%s-read-policy-%d", stack, i);
        struct iam_tag_in tags[] = {{"elcui:stack", stack}};
        struct iam_create_policy_in cp = {.policy_name = names[i],
                                          .path = "/",
                                          .policy_document = doc1,
                                          .description = "Policy to read the ElastiCache AUTH "
                                                         "Token stored in AWS Secrets Manager "
                                                         "secret.",
                                          .tags = tags,
                                          .n_tags = 1};
        ie_reset(&r);
        ie_wait(x, iam_create_policy(x->c, &cp, cb_policy, &r), &r, "CreatePolicy");
        ie_ok(&r, "CreatePolicy");
        struct iam_policy_out *po = r.out;
        assert_string_equal(po->policy.policy_name, names[i]);
        assert_string_equal(po->policy.default_version_id, "v1");
        assert_true(po->policy.is_attachable);
        snprintf(arns[i], sizeof(arns[i]), "%s", po->policy.arn);
        iam_policy_out_free(po);
    }
    struct iam_create_policy_in dup = {.policy_name = names[0], .policy_document = doc1};
    ie_reset(&r);
    ie_wait(x, iam_create_policy(x->c, &dup, cb_policy, &r), &r, "CreatePolicy again");
    ie_err(&r, "EntityAlreadyExists");
    assert_int_equal(r.err.http_status, 409);

    struct iam_get_policy_in gp = {arns[0]};
    ie_reset(&r);
    ie_wait(x, iam_get_policy(x->c, &gp, cb_policy, &r), &r, "GetPolicy");
    ie_ok(&r, "GetPolicy");
    struct iam_policy_out *po = r.out;
    assert_string_equal(iam_tag_get(&po->policy, "elcui:stack"), stack);
    assert_non_null(po->policy.description);
    iam_policy_out_free(po);
    struct iam_get_policy_version_in gv = {arns[0], "v1"};
    ie_reset(&r);
    ie_wait(x, iam_get_policy_version(x->c, &gv, cb_version, &r), &r, "GetPolicyVersion");
    ie_ok(&r, "GetPolicyVersion");
    json_t *got = json_loads(((struct iam_policy_version_out *)r.out)->version.document, 0, NULL);
    json_t *want = json_loads(doc1, 0, NULL);
    assert_true(json_equal(got, want));
    json_decref(got);
    json_decref(want);
    iam_policy_version_out_free(r.out);

    /* Marker paging: one policy per page, all of this run's found */
    struct iam_list_policies_in lp = {.scope = "Local", .max_items = 1};
    ie_reset(&r);
    ie_wait(x, iam_list_policies(x->c, &lp, cb_policies, &r), &r, "ListPolicies");
    ie_ok(&r, "ListPolicies");
    struct iam_policy_list *pl = r.out;
    assert_true(pl->n >= 3);
    assert_null(pl->marker);
    for (int i = 0; i < 3; i++)
        assert_non_null(iam_policy_list_find(pl, names[i]));
    iam_policy_list_free(pl);
    lp.max_pages = 2;
    ie_reset(&r);
    ie_wait(x, iam_list_policies(x->c, &lp, cb_policies, &r), &r, "ListPolicies 2 pages");
    ie_ok(&r, "ListPolicies");
    pl = r.out;
    assert_int_equal(pl->n, 2);
    assert_non_null(pl->marker);
    char marker[128];
    snprintf(marker, sizeof(marker), "%s", pl->marker);
    iam_policy_list_free(pl);
    lp.max_pages = 0;
    lp.marker = marker;
    ie_reset(&r);
    ie_wait(x, iam_list_policies(x->c, &lp, cb_policies, &r), &r, "ListPolicies resume");
    ie_ok(&r, "ListPolicies");
    assert_true(((struct iam_policy_list *)r.out)->n >= 1);
    iam_policy_list_free(r.out);

    struct iam_list_entities_for_policy_in le = {.policy_arn = arns[0]};
    ie_reset(&r);
    ie_wait(x, iam_list_entities_for_policy(x->c, &le, cb_entities, &r), &r, "entities");
    ie_ok(&r, "ListEntitiesForPolicy");
    struct iam_policy_entities *en = r.out;
    assert_int_equal(en->n_groups + en->n_users + en->n_roles, 0);
    iam_policy_entities_free(en);

    /* a changed document: a new default version, the old one removed */
    const char *doc2 =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
        "\"kms:Decrypt\",\"Resource\":\"*\"}]}";
    struct iam_create_policy_version_in cv = {arns[0], doc2, true};
    ie_reset(&r);
    ie_wait(x, iam_create_policy_version(x->c, &cv, cb_version, &r), &r, "CreatePolicyVersion");
    ie_ok(&r, "CreatePolicyVersion");
    struct iam_policy_version_out *vo = r.out;
    assert_string_equal(vo->version.version_id, "v2");
    assert_true(vo->version.is_default_version);
    iam_policy_version_out_free(vo);
    struct iam_list_policy_versions_in lv = {.policy_arn = arns[0]};
    ie_reset(&r);
    ie_wait(x, iam_list_policy_versions(x->c, &lv, cb_versions, &r), &r, "ListPolicyVersions");
    ie_ok(&r, "ListPolicyVersions");
    assert_int_equal(((struct iam_policy_version_list *)r.out)->n, 2);
    iam_policy_version_list_free(r.out);
    struct iam_delete_policy_version_in dv = {arns[0], "v1"};
    ie_reset(&r);
    ie_wait(x, iam_delete_policy_version(x->c, &dv, cb_result, &r), &r, "DeletePolicyVersion");
    ie_ok(&r, "DeletePolicyVersion");
    iam_result_free(r.out);

    for (int i = 0; i < 3; i++) {
        struct iam_delete_policy_in dp = {arns[i]};
        ie_reset(&r);
        ie_wait(x, iam_delete_policy(x->c, &dp, cb_result, &r), &r, "DeletePolicy");
        ie_ok(&r, "DeletePolicy");
        assert_true(((struct iam_result *)r.out)->request_id[0] != '\0');
        iam_result_free(r.out);
    }
    ie_reset(&r);
    ie_wait(x, iam_get_policy(x->c, &gp, cb_policy, &r), &r, "GetPolicy gone");
    ie_err(&r, "NoSuchEntity");
    assert_int_equal(r.err.http_status, 404);
    ie_reset(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests),  cmocka_unit_test(test_url_decode),
        cmocka_unit_test(test_responses), cmocka_unit_test(test_entities_pages),
        cmocka_unit_test(test_errors),    cmocka_unit_test(test_hostile),
    };
    const struct CMUnitTest e2e[] = {
        cmocka_unit_test(test_e2e_policies),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rc += cmocka_run_group_tests(e2e, e2e_sandbox_up, e2e_sandbox_down);
    return rc;
}
