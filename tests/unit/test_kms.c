/* test_kms.c - typed KMS calls: request bodies against botocore's
 * serializer, moto recordings and aws-wire.md examples decoded field by
 * field against botocore's parser, error envelopes, hostile bodies. */
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
#include "infra_test.h"
#include "wire_harness.h"
#include "typed_e2e.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define REST_KEY_ARN "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
#define SECRET_KEY_ARN "arn:aws:kms:us-east-2:111122223333:key/5678abcd-12ab-34cd-56ef-1234567890ab"

/* The policy text of the vectors, taken from them (it is long). */
static void test_requests(void **state)
{
    (void)state;
    struct it_vectors v;
    it_vectors_load(&v, "kms");
    const char *policy = it_vector_param(&v, "put_key_policy", "Policy");
    assert_non_null(policy);
    assert_non_null(strstr(policy, "kms:EncryptionContext:aws:logs:arn"));

    struct kms_tag_in tags[] = {{"elcui:stack", "app-4"}, {"Name", "app-4-encryption-rest"}};
    struct kms_create_key_in ck = {.description = "Key to encrypt cache at rest.",
                                   .key_usage = "ENCRYPT_DECRYPT",
                                   .key_spec = "SYMMETRIC_DEFAULT",
                                   .tags = tags,
                                   .n_tags = 2};
    it_check_json(&v, "create_key", kms_build_create_key(&ck), false);
    struct kms_create_key_in ck2 = {.policy = policy,
                                    .description = "Key to encrypt secret",
                                    .bypass_policy_lockout_safety_check = true};
    it_check_json(&v, "create_key_policy", kms_build_create_key(&ck2), false);
    it_check_json(&v, "create_key_empty", kms_build_create_key(NULL), false);

    struct kms_put_key_policy_in pk = {.key_id = REST_KEY_ARN, .policy = policy};
    it_check_json(&v, "put_key_policy", kms_build_put_key_policy(&pk), false);
    struct kms_get_key_policy_in gk = {.key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"};
    it_check_json(&v, "get_key_policy", kms_build_get_key_policy(&gk), false);
    struct kms_describe_key_in dk = {"alias/app-4-encryption-rest"};
    it_check_json(&v, "describe_key_alias", kms_build_describe_key(&dk), false);
    struct kms_enable_key_rotation_in er = {.key_id = REST_KEY_ARN};
    it_check_json(&v, "enable_key_rotation", kms_build_enable_key_rotation(&er), false);
    er.rotation_period_in_days = 365;
    it_check_json(&v, "enable_key_rotation_period", kms_build_enable_key_rotation(&er), false);
    struct kms_get_key_rotation_status_in rs = {REST_KEY_ARN};
    it_check_json(&v, "get_key_rotation_status", kms_build_get_key_rotation_status(&rs), false);
    struct kms_create_alias_in ca = {"alias/app-4-encryption-rest", REST_KEY_ARN};
    it_check_json(&v, "create_alias", kms_build_create_alias(&ca), false);
    struct kms_list_aliases_in la = {.key_id = REST_KEY_ARN, .limit = 50, .marker = "m1"};
    it_check_json(&v, "list_aliases", kms_build_list_aliases(&la), false);
    struct kms_list_aliases_in la0 = {0};
    it_check_json(&v, "list_aliases_empty", kms_build_list_aliases(&la0), false);
    struct kms_delete_alias_in da = {"alias/app-4-encryption-secret"};
    it_check_json(&v, "delete_alias", kms_build_delete_alias(&da), false);
    struct kms_schedule_key_deletion_in sd = {SECRET_KEY_ARN, 7};
    it_check_json(&v, "schedule_key_deletion", kms_build_schedule_key_deletion(&sd), false);
    struct kms_list_resource_tags_in lt = {.key_id = REST_KEY_ARN, .limit = 10, .marker = "x"};
    it_check_json(&v, "list_resource_tags", kms_build_list_resource_tags(&lt), false);
    struct kms_list_keys_in lk = {.limit = 100, .marker = "next/page"};
    it_check_json(&v, "list_keys", kms_build_list_keys(&lk), false);
    it_vectors_done(&v);
}

static void check_key(const struct kms_key_metadata *k, const json_t *e)
{
    it_str(k->key_id, e, "KeyId");
    it_str(k->arn, e, "Arn");
    it_str(k->aws_account_id, e, "AWSAccountId");
    it_str(k->description, e, "Description");
    it_str(k->key_usage, e, "KeyUsage");
    it_str(k->key_state, e, "KeyState");
    it_str(k->key_spec, e, "KeySpec");
    it_str(k->key_manager, e, "KeyManager");
    it_str(k->origin, e, "Origin");
    it_bool(k->enabled, e, "Enabled", false);
    it_bool(k->multi_region, e, "MultiRegion", false);
    it_time(k->creation_date_ms, e, "CreationDate");
    it_time(k->deletion_date_ms, e, "DeletionDate");
    it_int(k->pending_deletion_window_in_days, e, "PendingDeletionWindowInDays", 0);
}

static void test_responses(void **state)
{
    (void)state;
    const char *keys[] = {"create_key", "create_key_awsdoc", "describe_key",
                          "describe_key_pending_deletion"};
    for (size_t i = 0; i < N(keys); i++) {
        json_t *exp;
        json_t *obj = it_json_ok("kms", keys[i], &exp);
        struct kms_key_out *o = mem_xcalloc(1, sizeof(*o));
        assert_int_equal(kms_parse_key(obj, o), 0);
        check_key(&o->key, json_object_get(json_object_get(exp, "parsed"), "KeyMetadata"));
        if (i == 3) {
            assert_string_equal(o->key.key_state, "PendingDeletion");
            assert_true(o->key.deletion_date_ms > 0);
        }
        kms_key_out_free(o);
        json_decref(obj);
        json_decref(exp);
    }
    /* exponent-form timestamp of aws-wire.md §11.1 */
    json_t *exp;
    json_t *obj = it_json_ok("kms", "create_key_awsdoc", &exp);
    struct kms_key_out *ko = mem_xcalloc(1, sizeof(*ko));
    assert_int_equal(kms_parse_key(obj, ko), 0);
    assert_int_equal(ko->key.creation_date_ms, 1714564800123LL);
    kms_key_out_free(ko);
    json_decref(obj);
    json_decref(exp);

    obj = it_json_ok("kms", "get_key_policy", &exp);
    struct kms_key_policy_out *kp = mem_xcalloc(1, sizeof(*kp));
    assert_int_equal(kms_parse_key_policy(obj, kp), 0);
    it_str(kp->policy, json_object_get(exp, "parsed"), "Policy");
    it_str(kp->policy_name, json_object_get(exp, "parsed"), "PolicyName");
    json_t *doc = json_loads(kp->policy, 0, NULL); /* the policy is JSON text */
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "Id")), "app-4-encryption-rest");
    json_decref(doc);
    kms_key_policy_out_free(kp);
    json_decref(obj);
    json_decref(exp);

    obj = it_json_ok("kms", "get_key_rotation_status", &exp);
    struct kms_key_rotation_status_out *rs = mem_xcalloc(1, sizeof(*rs));
    assert_int_equal(kms_parse_key_rotation_status(obj, rs), 0);
    const json_t *p = json_object_get(exp, "parsed");
    it_bool(rs->key_rotation_enabled, p, "KeyRotationEnabled", false);
    assert_true(rs->key_rotation_enabled);
    it_str(rs->key_id, p, "KeyId");
    it_int(rs->rotation_period_in_days, p, "RotationPeriodInDays", 0);
    it_time(rs->next_rotation_date_ms, p, "NextRotationDate");
    kms_key_rotation_status_out_free(rs);
    json_decref(obj);
    json_decref(exp);

    const char *alias_files[] = {"list_aliases_page", "list_aliases_truncated"};
    for (size_t i = 0; i < N(alias_files); i++) {
        obj = it_json_ok("kms", alias_files[i], &exp);
        p = json_object_get(exp, "parsed");
        struct kms_alias_list *l = mem_xcalloc(1, sizeof(*l));
        assert_int_equal(kms_parse_aliases(obj, l), 0);
        size_t want = it_len(p, "Aliases");
        /* botocore keeps the wrong-typed item of the crafted page as a
         * partial dict; we keep every object item too */
        assert_int_equal(l->n, want);
        for (size_t k = 0; k < l->n; k++) {
            const json_t *e = it_at(p, "Aliases", k);
            it_str(l->items[k].alias_arn, e, "AliasArn");
            it_str(l->items[k].target_key_id, e, "TargetKeyId");
            if (json_is_string(json_object_get(e, "AliasName")))
                it_str(l->items[k].alias_name, e, "AliasName");
            else
                assert_null(l->items[k].alias_name);
            it_time(l->items[k].creation_date_ms, e, "CreationDate");
            it_time(l->items[k].last_updated_date_ms, e, "LastUpdatedDate");
        }
        const struct kms_alias *a = kms_alias_list_find(l, "alias/app-4-encryption-rest");
        assert_non_null(a);
        assert_non_null(a->target_key_id);
        assert_null(kms_alias_list_find(l, "alias/none"));
        kms_alias_list_free(l);
        json_decref(obj);
        json_decref(exp);
    }

    obj = it_json_ok("kms", "list_resource_tags", &exp);
    p = json_object_get(exp, "parsed");
    struct kms_tag_list *tl = mem_xcalloc(1, sizeof(*tl));
    assert_int_equal(kms_parse_resource_tags(obj, tl), 0);
    assert_int_equal(tl->n, it_len(p, "Tags"));
    for (size_t k = 0; k < tl->n; k++) {
        it_str(tl->items[k].key, it_at(p, "Tags", k), "TagKey");
        it_str(tl->items[k].value, it_at(p, "Tags", k), "TagValue");
    }
    assert_string_equal(kms_tag_list_get(tl, "elcui:stack"), "app-4");
    assert_null(kms_tag_list_get(tl, "none"));
    kms_tag_list_free(tl);
    json_decref(obj);
    json_decref(exp);

    obj = it_json_ok("kms", "list_keys", &exp);
    p = json_object_get(exp, "parsed");
    struct kms_key_list *kl = mem_xcalloc(1, sizeof(*kl));
    assert_int_equal(kms_parse_keys(obj, kl), 0);
    assert_int_equal(kl->n, it_len(p, "Keys"));
    assert_true(kl->n >= 1);
    for (size_t k = 0; k < kl->n; k++) {
        it_str(kl->items[k].key_id, it_at(p, "Keys", k), "KeyId");
        it_str(kl->items[k].key_arn, it_at(p, "Keys", k), "KeyArn");
    }
    kms_key_list_free(kl);
    json_decref(obj);
    json_decref(exp);

    const char *dels[] = {"schedule_key_deletion", "schedule_key_deletion_awsdoc"};
    for (size_t i = 0; i < N(dels); i++) {
        obj = it_json_ok("kms", dels[i], &exp);
        p = json_object_get(exp, "parsed");
        struct kms_key_deletion_out *d = mem_xcalloc(1, sizeof(*d));
        assert_int_equal(kms_parse_key_deletion(obj, d), 0);
        it_str(d->key_id, p, "KeyId");
        it_str(d->key_state, p, "KeyState");
        it_time(d->deletion_date_ms, p, "DeletionDate");
        it_int(d->pending_window_in_days, p, "PendingWindowInDays", 0);
        kms_key_deletion_out_free(d);
        json_decref(obj);
        json_decref(exp);
    }

    /* operations without output: moto answers "null" (the recorded
     * bodies), AWS an empty body or {}; botocore takes each as an empty
     * result, and so does the JSON layer: success with an empty object */
    const char *acks[] = {"put_key_policy", "enable_key_rotation", "create_alias", "delete_alias"};
    for (size_t i = 0; i < N(acks); i++) {
        exp = it_expected("kms", acks[i]);
        assert_int_equal(json_object_size(json_object_get(exp, "parsed")), 0);
        struct aws_error err;
        aws_error_init(&err);
        obj = NULL;
        assert_int_equal(it_jsonresp("kms", acks[i], 200, &obj, &err), 0);
        assert_true(json_is_object(obj));
        assert_int_equal(json_object_size(obj), 0);
        assert_null(err.message);
        json_decref(obj);
        json_decref(exp);
    }
    const char *const empty_bodies[] = {"", "{}", "null", " \n"};
    for (size_t i = 0; i < N(empty_bodies); i++) {
        struct aws_error err;
        aws_error_init(&err);
        obj = NULL;
        assert_int_equal(awsjson_parse(empty_bodies[i], strlen(empty_bodies[i]), 200, &obj, &err),
                         0);
        assert_true(json_is_object(obj));
        assert_int_equal(json_object_size(obj), 0);
        json_decref(obj);
    }
    /* and a body that is JSON but not an object is refused */
    {
        struct aws_error err;
        aws_error_init(&err);
        obj = NULL;
        assert_int_equal(awsjson_parse("[1]", 3, 200, &obj, &err), -1);
        assert_null(obj);
        assert_int_equal(err.kind, AWS_ERR_PARSE);
        aws_error_clear(&err);
    }
}

static void test_errors(void **state)
{
    (void)state;
    const char *const names[] = {"err_create_alias_exists", "err_describe_key_not_found",
                                 "err_put_key_policy_malformed"};
    it_json_errors("kms", names, N(names), false);
}

static int feed(const char *body, size_t len, void *arg)
{
    int which = *(int *)arg;
    json_t *obj;
    if (it_json_body(body, len, &obj) != 0)
        return -1;
    int rc;
    if (which == 0) {
        struct kms_key_out *o = mem_xcalloc(1, sizeof(*o));
        rc = kms_parse_key(obj, o);
        kms_key_out_free(o);
    } else {
        struct kms_alias_list *l = mem_xcalloc(1, sizeof(*l));
        rc = kms_parse_aliases(obj, l);
        kms_alias_list_free(l);
    }
    json_decref(obj);
    return rc;
}

static void test_hostile(void **state)
{
    (void)state;
    const char *const files[] = {"create_key_awsdoc.json", "list_aliases_truncated.json"};
    it_hostile_files("kms", files, N(files), feed);
    /* wrong types are absent; a list of the wrong type is an error */
    json_t *o = json_loads("{\"KeyMetadata\":{\"KeyId\":\"k\",\"Enabled\":\"yes\","
                           "\"CreationDate\":\"soon\",\"PendingDeletionWindowInDays\":1e300,"
                           "\"Arn\":7}}",
                           0, NULL);
    struct kms_key_out *ko = mem_xcalloc(1, sizeof(*ko));
    assert_int_equal(kms_parse_key(o, ko), 0);
    assert_false(ko->key.enabled);
    assert_null(ko->key.arn);
    assert_int_equal(ko->key.creation_date_ms, 0);
    assert_int_equal(ko->key.pending_deletion_window_in_days, 0);
    kms_key_out_free(ko);
    json_decref(o);
    o = json_loads("{\"KeyMetadata\":[]}", 0, NULL);
    ko = mem_xcalloc(1, sizeof(*ko));
    assert_int_equal(kms_parse_key(o, ko), -1);
    kms_key_out_free(ko);
    json_decref(o);
    o = json_loads("{\"Aliases\":{\"AliasName\":\"x\"}}", 0, NULL);
    struct kms_alias_list *l = mem_xcalloc(1, sizeof(*l));
    assert_int_equal(kms_parse_aliases(o, l), -1);
    kms_alias_list_free(l);
    json_decref(o);
    o = json_loads("{\"Aliases\":null,\"Tags\":[1,null,{\"TagKey\":5}],\"Keys\":[[]]}", 0, NULL);
    l = mem_xcalloc(1, sizeof(*l));
    assert_int_equal(kms_parse_aliases(o, l), 0);
    assert_int_equal(l->n, 0);
    kms_alias_list_free(l);
    struct kms_tag_list *tl = mem_xcalloc(1, sizeof(*tl));
    assert_int_equal(kms_parse_resource_tags(o, tl), 0);
    assert_int_equal(tl->n, 0);
    kms_tag_list_free(tl);
    struct kms_key_list *kl = mem_xcalloc(1, sizeof(*kl));
    assert_int_equal(kms_parse_keys(o, kl), 0);
    assert_int_equal(kl->n, 0);
    kms_key_list_free(kl);
    json_decref(o);
    o = json_loads("{\"KeyRotationEnabled\":\"true\"}", 0, NULL);
    struct kms_key_rotation_status_out *rs = mem_xcalloc(1, sizeof(*rs));
    assert_int_equal(kms_parse_key_rotation_status(o, rs), -1);
    kms_key_rotation_status_out_free(rs);
    json_decref(o);
    assert_int_equal(kms_parse_key(NULL, NULL), -1);
    struct kms_key_policy_out *kp = mem_xcalloc(1, sizeof(*kp));
    assert_int_equal(kms_parse_key_policy(NULL, kp), -1);
    kms_key_policy_out_free(kp);
}

/* ---- end to end: the sandbox ---- */

IE_CB(cb_key, struct kms_key_out)
IE_CB(cb_result, struct kms_result)
IE_CB(cb_policy, struct kms_key_policy_out)
IE_CB(cb_rotation, struct kms_key_rotation_status_out)
IE_CB(cb_aliases, struct kms_alias_list)
IE_CB(cb_keys, struct kms_key_list)
IE_CB(cb_tags, struct kms_tag_list)
IE_CB(cb_deletion, struct kms_key_deletion_out)

/* The seed's at-rest key: created, its policy put and read back, rotation,
 * alias, found by alias and by tag, scheduled for deletion. */
static void test_e2e_key_lifecycle(void **state)
{
    (void)state;
    struct e2e *x = &e2e_sb;
    struct ie_res r = {0};
    ie_reset(&r);
    char stack[32];
    e2e_stack_name(stack, true);
    struct kms_tag_in tags[] = {{"elcui:stack", stack}, {"Name", "app-4-encryption-rest"}};
    struct kms_create_key_in ck = {.description = "Key to encrypt cache at rest.",
                                   .key_usage = "ENCRYPT_DECRYPT",
                                   .key_spec = "SYMMETRIC_DEFAULT",
                                   .tags = tags,
                                   .n_tags = 2};
    ie_wait(x, kms_create_key(x->c, &ck, cb_key, &r), &r, "CreateKey");
    ie_ok(&r, "CreateKey");
    struct kms_key_out *k = r.out;
    assert_string_equal(k->key.key_state, "Enabled");
    assert_true(k->key.enabled);
    assert_string_equal(k->key.key_manager, "CUSTOMER");
    assert_string_equal(k->key.description, "Key to encrypt cache at rest.");
    assert_true(k->key.creation_date_ms > 0);
    char key_id[96], key_arn[256], account[32];
    snprintf(key_id, sizeof(key_id), "%s", k->key.key_id);
    snprintf(key_arn, sizeof(key_arn), "%s", k->key.arn);
    snprintf(account, sizeof(account), "%s", k->key.aws_account_id);
    kms_key_out_free(k);

    /* the seed's policy: root, ElastiCache, Logs with the context condition */
    char *policy = mem_xasprintf(
        "{\"Version\":\"2012-10-17\",\"Id\":\"app-4-encryption-rest\",\"Statement\":["
        "{\"Sid\":\"Enable IAM User Permissions\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
        "\"arn:aws:iam::%s:root\"},\"Action\":\"kms:*\",\"Resource\":\"*\"},"
        "{\"Sid\":\"Allow ElastiCache to use the key\",\"Effect\":\"Allow\",\"Principal\":"
        "{\"Service\":\"elasticache.amazonaws.com\"},\"Action\":[\"kms:Decrypt\",\"kms:Encrypt\","
        "\"kms:GenerateDataKey\",\"kms:ReEncrypt*\",\"kms:CreateGrant\",\"kms:DescribeKey\"],"
        "\"Resource\":\"*\"},"
        "{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"logs.%s.amazonaws.com\"},\"Action\":["
        "\"kms:Encrypt*\",\"kms:Decrypt*\",\"kms:ReEncrypt*\",\"kms:GenerateDataKey*\","
        "\"kms:Describe*\"],\"Resource\":\"*\",\"Condition\":{\"ArnEquals\":{"
        "\"kms:EncryptionContext:aws:logs:arn\":[\"arn:aws:logs:%s:%s:log-group:/elasticache/"
        "%s/slow-log\",\"arn:aws:logs:%s:%s:log-group:/elasticache/%s/engine-log\"]}}}]}",
        account, x->region, x->region, account, stack, x->region, account, stack);
    struct kms_put_key_policy_in pk = {.key_id = key_id, .policy = policy};
    ie_reset(&r);
    ie_wait(x, kms_put_key_policy(x->c, &pk, cb_result, &r), &r, "PutKeyPolicy");
    ie_ok(&r, "PutKeyPolicy");
    kms_result_free(r.out);
    struct kms_get_key_policy_in gk = {.key_id = key_id};
    ie_reset(&r);
    ie_wait(x, kms_get_key_policy(x->c, &gk, cb_policy, &r), &r, "GetKeyPolicy");
    ie_ok(&r, "GetKeyPolicy");
    struct kms_key_policy_out *kp = r.out;
    json_t *got = json_loads(kp->policy, 0, NULL), *want = json_loads(policy, 0, NULL);
    assert_non_null(got);
    assert_true(json_equal(got, want));
    json_decref(got);
    json_decref(want);
    kms_key_policy_out_free(kp);
    free(policy);

    struct kms_enable_key_rotation_in er = {.key_id = key_id};
    ie_reset(&r);
    ie_wait(x, kms_enable_key_rotation(x->c, &er, cb_result, &r), &r, "EnableKeyRotation");
    ie_ok(&r, "EnableKeyRotation");
    kms_result_free(r.out);
    struct kms_get_key_rotation_status_in rs = {key_id};
    ie_reset(&r);
    ie_wait(x, kms_get_key_rotation_status(x->c, &rs, cb_rotation, &r), &r, "rotation");
    ie_ok(&r, "GetKeyRotationStatus");
    assert_true(((struct kms_key_rotation_status_out *)r.out)->key_rotation_enabled);
    kms_key_rotation_status_out_free(r.out);

    char alias[96];
    snprintf(alias, sizeof(alias), "alias/%s-encryption-rest", stack);
    struct kms_create_alias_in ca = {alias, key_id};
    ie_reset(&r);
    ie_wait(x, kms_create_alias(x->c, &ca, cb_result, &r), &r, "CreateAlias");
    ie_ok(&r, "CreateAlias");
    kms_result_free(r.out);
    ie_reset(&r);
    ie_wait(x, kms_create_alias(x->c, &ca, cb_result, &r), &r, "CreateAlias again");
    ie_err(&r, "AlreadyExistsException");

    /* found by alias, two ways */
    struct kms_describe_key_in dk = {alias};
    ie_reset(&r);
    ie_wait(x, kms_describe_key(x->c, &dk, cb_key, &r), &r, "DescribeKey alias");
    ie_ok(&r, "DescribeKey");
    assert_string_equal(((struct kms_key_out *)r.out)->key.key_id, key_id);
    kms_key_out_free(r.out);
    struct kms_list_aliases_in la = {0};
    ie_reset(&r);
    ie_wait(x, kms_list_aliases(x->c, &la, cb_aliases, &r), &r, "ListAliases");
    ie_ok(&r, "ListAliases");
    const struct kms_alias *a = kms_alias_list_find(r.out, alias);
    assert_non_null(a);
    assert_string_equal(a->target_key_id, key_id);
    kms_alias_list_free(r.out);
    struct kms_list_aliases_in la2 = {.key_id = key_id};
    ie_reset(&r);
    ie_wait(x, kms_list_aliases(x->c, &la2, cb_aliases, &r), &r, "ListAliases by key");
    ie_ok(&r, "ListAliases");
    assert_int_equal(((struct kms_alias_list *)r.out)->n, 1);
    kms_alias_list_free(r.out);

    /* found by tag (a key created before a crash, never aliased) */
    ie_reset(&r);
    ie_wait(x, kms_list_keys(x->c, &(struct kms_list_keys_in){0}, cb_keys, &r), &r, "ListKeys");
    ie_ok(&r, "ListKeys");
    struct kms_key_list *kl = r.out;
    bool seen = false;
    for (size_t i = 0; i < kl->n; i++)
        seen = seen || strcmp(kl->items[i].key_arn, key_arn) == 0;
    assert_true(seen);
    kms_key_list_free(kl);
    struct kms_list_resource_tags_in lt = {.key_id = key_id};
    ie_reset(&r);
    ie_wait(x, kms_list_resource_tags(x->c, &lt, cb_tags, &r), &r, "ListResourceTags");
    ie_ok(&r, "ListResourceTags");
    assert_string_equal(kms_tag_list_get(r.out, "elcui:stack"), stack);
    kms_tag_list_free(r.out);

    /* teardown as Terraform does: alias first, then the key (7 days) */
    struct kms_delete_alias_in dal = {alias};
    ie_reset(&r);
    ie_wait(x, kms_delete_alias(x->c, &dal, cb_result, &r), &r, "DeleteAlias");
    ie_ok(&r, "DeleteAlias");
    kms_result_free(r.out);
    ie_reset(&r);
    ie_wait(x, kms_describe_key(x->c, &dk, cb_key, &r), &r, "DescribeKey gone alias");
    ie_err(&r, "NotFoundException");
    struct kms_schedule_key_deletion_in sd = {key_id, 7};
    ie_reset(&r);
    ie_wait(x, kms_schedule_key_deletion(x->c, &sd, cb_deletion, &r), &r, "ScheduleKeyDeletion");
    ie_ok(&r, "ScheduleKeyDeletion");
    struct kms_key_deletion_out *del = r.out;
    /* AWS also says KeyState and PendingWindowInDays here; moto does not */
    assert_non_null(strstr(del->key_id, key_id));
    assert_true(del->deletion_date_ms > 0);
    kms_key_deletion_out_free(del);
    struct kms_describe_key_in dk2 = {key_id};
    ie_reset(&r);
    ie_wait(x, kms_describe_key(x->c, &dk2, cb_key, &r), &r, "DescribeKey pending");
    ie_ok(&r, "DescribeKey");
    assert_string_equal(((struct kms_key_out *)r.out)->key.key_state, "PendingDeletion");
    kms_key_out_free(r.out);
    ie_reset(&r);
}

/* ---- end to end: Marker / NextMarker / Truncated against a script ---- */

struct pager {
    int requests;
    bool truncated_false_with_marker;
    char markers[4][32];
    bool key_every_page;
};

static void pager_handler(struct srv *s, const struct srv_req *req, struct srv_resp *resp,
                          void *arg)
{
    (void)s;
    struct pager *p = arg;
    json_t *body = json_loadb(req->body, req->body_len, 0, NULL);
    const char *marker = awsjson_str(body, "Marker");
    const char *target = srv_hdr(req, "X-Amz-Target");
    if (!target || strcmp(target, "TrentService.ListAliases") != 0 || !awsjson_str(body, "KeyId") ||
        awsjson_int(body, "Limit", 0) != 2)
        p->key_every_page = false;
    snprintf(p->markers[p->requests < 4 ? p->requests : 3], 32, "%s", marker ? marker : "-");
    int page = !marker ? 1 : strcmp(marker, "m2") == 0 ? 2 : 3;
    p->requests++;
    json_decref(body);
    static char out[512];
    const char *tail =
        page == 1   ? ",\"NextMarker\":\"m2\",\"Truncated\":true"
        : page == 2 ? (p->truncated_false_with_marker ? ",\"NextMarker\":\"m3\",\"Truncated\":false"
                                                      : ",\"NextMarker\":\"m3\",\"Truncated\":true")
                    : ",\"Truncated\":false";
    snprintf(out, sizeof(out),
             "{\"Aliases\":[{\"AliasName\":\"alias/p%d\",\"TargetKeyId\":\"k\"}]%s}", page, tail);
    resp->action = SRV_RESPOND;
    resp->status = 200;
    resp->headers = "Content-Type: application/x-amz-json-1.1\r\n";
    resp->body = out;
}

static void test_e2e_paging(void **state)
{
    (void)state;
    struct pager p = {.key_every_page = true};
    struct e2e x;
    e2e_local_start(&x, pager_handler, &p);
    struct kms_list_aliases_in in = {.key_id = "k", .limit = 2};
    struct ie_res r = {0};
    ie_reset(&r);
    ie_wait(&x, kms_list_aliases(x.c, &in, cb_aliases, &r), &r, "three pages");
    ie_ok(&r, "ListAliases");
    struct kms_alias_list *l = r.out;
    assert_int_equal(l->n, 3);
    assert_string_equal(l->items[2].alias_name, "alias/p3");
    assert_null(l->next_marker);
    kms_alias_list_free(l);
    assert_int_equal(p.requests, 3);
    assert_true(p.key_every_page);
    assert_string_equal(p.markers[1], "m2");
    assert_string_equal(p.markers[2], "m3");
    /* Truncated false ends the listing even with a NextMarker */
    p.requests = 0;
    p.truncated_false_with_marker = true;
    ie_reset(&r);
    ie_wait(&x, kms_list_aliases(x.c, &in, cb_aliases, &r), &r, "truncated false");
    ie_ok(&r, "ListAliases");
    assert_int_equal(((struct kms_alias_list *)r.out)->n, 2);
    assert_null(((struct kms_alias_list *)r.out)->next_marker);
    kms_alias_list_free(r.out);
    assert_int_equal(p.requests, 2);
    /* max_pages hands back the marker to resume from */
    p.requests = 0;
    p.truncated_false_with_marker = false;
    in.max_pages = 1;
    ie_reset(&r);
    ie_wait(&x, kms_list_aliases(x.c, &in, cb_aliases, &r), &r, "one page");
    ie_ok(&r, "ListAliases");
    assert_string_equal(((struct kms_alias_list *)r.out)->next_marker, "m2");
    kms_alias_list_free(r.out);
    assert_int_equal(p.requests, 1);
    ie_reset(&r);
    e2e_stop(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests),
        cmocka_unit_test(test_responses),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_hostile),
    };
    const struct CMUnitTest local[] = {
        cmocka_unit_test(test_e2e_paging),
    };
    const struct CMUnitTest e2e[] = {
        cmocka_unit_test(test_e2e_key_lifecycle),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rc += cmocka_run_group_tests(local, NULL, NULL);
    rc += cmocka_run_group_tests(e2e, e2e_sandbox_up, e2e_sandbox_down);
    return rc;
}
