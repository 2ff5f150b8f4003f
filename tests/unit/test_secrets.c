/* test_secrets.c - typed Secrets Manager calls: request bodies against
 * botocore's serializer (secret bodies compared without ever printing
 * them), moto recordings and aws-wire.md examples decoded field by field
 * against botocore's parser, secret wiping, UUID v4 tokens, errors with a
 * capital "Message", hostile bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awsjson.h"
#include "aws/mem.h"
#include "aws/secrets.h"
#include "aws/kms.h"
#include "infra_test.h"
#include "wire_harness.h"
#include "typed_e2e.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define SECRET_KEY_ARN "arn:aws:kms:us-east-2:111122223333:key/5678abcd-12ab-34cd-56ef-1234567890ab"

static void test_requests(void **state)
{
    (void)state;
    struct it_vectors v;
    it_vectors_load(&v, "secrets");
    /* the vectors' placeholder values are read from the file, so no test
     * secret is spelled in this source */
    struct secrets_tag_in tags[] = {{"elcui:stack", "app-4"}};
    struct secrets_create_secret_in cs = {
        .name = "app-4-elasticache-auth",
        .client_request_token = "4b9a3c0e-8f1d-4b7e-9c2a-0e5d6f7a8b9c",
        .kms_key_id = SECRET_KEY_ARN,
        .secret_string = it_vector_param(&v, "create_secret", "SecretString"),
        .tags = tags,
        .n_tags = 1};
    it_check_json(&v, "create_secret", secrets_build_create_secret(&cs), true);
    struct secrets_create_secret_in cs2 = {.name = "app-4/redis",
                                           .client_request_token =
                                               "00000000-0000-4000-8000-000000000000",
                                           .description = "AUTH token \xe2\x80\x93 caf\xc3\xa9"};
    it_check_json(&v, "create_secret_desc", secrets_build_create_secret(&cs2), false);
    struct secrets_put_secret_value_in pv = {
        .secret_id = "app-4-elasticache-auth",
        .client_request_token = "5b9a3c0e-8f1d-4b7e-9c2a-0e5d6f7a8b9c",
        .secret_string = it_vector_param(&v, "put_secret_value", "SecretString")};
    it_check_json(&v, "put_secret_value", secrets_build_put_secret_value(&pv), true);
    struct secrets_get_secret_value_in gv = {.secret_id = "app-4-elasticache-auth"};
    it_check_json(&v, "get_secret_value", secrets_build_get_secret_value(&gv), false);
    struct secrets_get_secret_value_in gv2 = {
        .secret_id =
            "arn:aws:secretsmanager:us-east-2:111122223333:secret:app-4-elasticache-auth-AbCdEf",
        .version_stage = "AWSPREVIOUS"};
    it_check_json(&v, "get_secret_value_stage", secrets_build_get_secret_value(&gv2), false);
    struct secrets_describe_secret_in ds = {"app-4-elasticache-auth"};
    it_check_json(&v, "describe_secret", secrets_build_describe_secret(&ds), false);
    struct secrets_delete_secret_in dl = {.secret_id = "app-4-elasticache-auth",
                                          .force_delete_without_recovery = true};
    it_check_json(&v, "delete_secret_force", secrets_build_delete_secret(&dl), false);
    struct secrets_delete_secret_in dl2 = {.secret_id = "app-4-elasticache-auth",
                                           .recovery_window_in_days = 7};
    it_check_json(&v, "delete_secret_window", secrets_build_delete_secret(&dl2), false);
    struct secrets_get_random_password_in rp = {.password_length = 128,
                                                .exclude_characters = "\"%'()*+,./:;=?@[\\]_`{|}~",
                                                .has_include_space = true,
                                                .has_require_each_included_type = true,
                                                .require_each_included_type = true};
    it_check_json(&v, "get_random_password", secrets_build_get_random_password(&rp), false);
    struct secrets_get_random_password_in rp2 = {.password_length = 32,
                                                 .exclude_punctuation = true};
    it_check_json(&v, "get_random_password_no_punct", secrets_build_get_random_password(&rp2),
                  false);
    const char *tag_key[] = {"elcui:stack"}, *tag_value[] = {"app-4"};
    const char *names[] = {"app-4-", "other"};
    struct secrets_filter f[] = {
        {"tag-key", tag_key, 1}, {"tag-value", tag_value, 1}, {"name", names, 2}};
    struct secrets_list_secrets_in ls = {
        .max_results = 20, .next_token = "t1", .filters = f, .n_filters = 3};
    it_check_json(&v, "list_secrets", secrets_build_list_secrets(&ls), false);
    struct secrets_list_secrets_in ls2 = {.include_planned_deletion = true};
    it_check_json(&v, "list_secrets_planned", secrets_build_list_secrets(&ls2), false);
    it_vectors_done(&v);
}

static bool is_uuid4(const char *s)
{
    if (strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !strchr("0123456789abcdef", s[i]))
            return false;
    }
    return s[14] == '4' && strchr("89ab", s[19]) != NULL;
}

static void test_uuid(void **state)
{
    (void)state;
    char a[37], b[37];
    assert_int_equal(secrets_uuid4(a, sizeof(a)), 0);
    assert_int_equal(secrets_uuid4(b, sizeof(b)), 0);
    assert_true(is_uuid4(a));
    assert_true(is_uuid4(b));
    assert_string_not_equal(a, b);
    char small[36];
    assert_int_equal(secrets_uuid4(small, sizeof(small)), -1);
    /* builders fill a fresh token when none is given (32..64 chars) */
    struct secrets_create_secret_in cs = {.name = "n"};
    json_t *o = secrets_build_create_secret(&cs);
    const char *tok = awsjson_str(o, "ClientRequestToken");
    assert_non_null(tok);
    assert_true(is_uuid4(tok));
    json_decref(o);
    struct secrets_put_secret_value_in pv = {.secret_id = "n"};
    o = secrets_build_put_secret_value(&pv);
    assert_true(is_uuid4(awsjson_str(o, "ClientRequestToken")));
    assert_null(json_object_get(o, "SecretString"));
    json_decref(o);
}

static void test_wipe(void **state)
{
    (void)state;
    json_t *o = json_loads("{\"SecretString\":\"abc\",\"Nested\":[{\"SecretString\":\"de\"},"
                           "{\"Other\":\"keep\",\"SecretString\":5}]}",
                           0, NULL);
    secrets_wipe_json_member(o, "SecretString");
    const json_t *s = json_object_get(o, "SecretString");
    assert_int_equal(json_string_length(s), 3);
    assert_memory_equal(json_string_value(s), "\0\0\0", 3);
    const json_t *n = json_array_get(json_object_get(o, "Nested"), 0);
    assert_memory_equal(json_string_value(json_object_get(n, "SecretString")), "\0\0", 2);
    n = json_array_get(json_object_get(o, "Nested"), 1);
    assert_string_equal(json_string_value(json_object_get(n, "Other")), "keep");
    json_decref(o);
    secrets_wipe_json_member(NULL, "x");
}

static void test_mask(void **state)
{
    (void)state;
    struct secrets_tag_in tags[] = {{"SecretString", "a tag, not a secret"}};
    char token[33];
    wire_random_token(token, sizeof(token));
    struct secrets_create_secret_in cs = {.name = "n",
                                          .client_request_token =
                                              "00000000-0000-4000-8000-00000000000a",
                                          .secret_string = token,
                                          .tags = tags,
                                          .n_tags = 1};
    json_t *body = secrets_build_create_secret(&cs);
    json_t *m = secrets_mask(body);
    char *shown = awsjson_encode(m, NULL);
    assert_null(strstr(shown, token));
    assert_non_null(strstr(shown, "\"SecretString\":\"****\""));
    assert_string_equal(awsjson_str(m, "Name"), "n");
    assert_int_equal(json_array_size(json_object_get(m, "Tags")), 1);
    free(shown);
    json_decref(m);
    secrets_wipe_json_member(body, "SecretString");
    json_decref(body);
    mem_wipe(token, sizeof(token));
    m = secrets_mask(NULL);
    assert_int_equal(json_object_size(m), 0);
    json_decref(m);
}

static void check_secret(const struct secrets_secret *s, const json_t *e)
{
    it_str(s->arn, e, "ARN");
    it_str(s->name, e, "Name");
    it_str(s->description, e, "Description");
    it_str(s->kms_key_id, e, "KmsKeyId");
    it_str(s->owning_service, e, "OwningService");
    it_str(s->primary_region, e, "PrimaryRegion");
    it_bool(s->rotation_enabled, e, "RotationEnabled", false);
    it_str(s->rotation_lambda_arn, e, "RotationLambdaARN");
    it_time(s->created_date_ms, e, "CreatedDate");
    it_time(s->last_changed_date_ms, e, "LastChangedDate");
    it_time(s->last_accessed_date_ms, e, "LastAccessedDate");
    it_time(s->last_rotated_date_ms, e, "LastRotatedDate");
    it_time(s->next_rotation_date_ms, e, "NextRotationDate");
    it_time(s->deleted_date_ms, e, "DeletedDate");
    assert_int_equal(s->n_tags, it_len(e, "Tags"));
    for (size_t i = 0; i < s->n_tags; i++) {
        it_str(s->tags[i].key, it_at(e, "Tags", i), "Key");
        it_str_or_empty(s->tags[i].value, it_at(e, "Tags", i), "Value");
    }
}

static void check_stages(char **got, size_t n, const json_t *e)
{
    assert_int_equal(n, it_len(e, "VersionStages"));
    for (size_t i = 0; i < n; i++)
        assert_string_equal(got[i], json_string_value(it_at(e, "VersionStages", i)));
    assert_null(got[n]);
}

static void test_responses(void **state)
{
    (void)state;
    const char *versions[] = {"create_secret", "create_secret_awsdoc", "put_secret_value"};
    for (size_t i = 0; i < N(versions); i++) {
        json_t *exp;
        json_t *obj = it_json_ok("secrets", versions[i], &exp);
        const json_t *p = json_object_get(exp, "parsed");
        struct secrets_version_out *o = mem_xcalloc(1, sizeof(*o));
        assert_int_equal(secrets_parse_version(obj, o), 0);
        it_str(o->arn, p, "ARN");
        it_str(o->name, p, "Name");
        it_str(o->version_id, p, "VersionId");
        check_stages(o->version_stages, o->n_version_stages, p);
        secrets_version_out_free(o);
        json_decref(obj);
        json_decref(exp);
    }

    json_t *exp;
    json_t *obj = it_json_ok("secrets", "get_secret_value", &exp);
    const json_t *p = json_object_get(exp, "parsed");
    struct secrets_secret_value_out *sv = mem_xcalloc(1, sizeof(*sv));
    assert_int_equal(secrets_parse_secret_value(obj, sv), 0);
    it_str(sv->arn, p, "ARN");
    it_str(sv->name, p, "Name");
    it_str(sv->version_id, p, "VersionId");
    it_time(sv->created_date_ms, p, "CreatedDate");
    check_stages(sv->version_stages, sv->n_version_stages, p);
    const char *want = json_string_value(json_object_get(p, "SecretString"));
    assert_non_null(sv->secret_string);
    assert_true(strcmp(sv->secret_string, want) == 0); /* never printed */
    assert_false(sv->has_secret_binary);
    /* what the call does after parsing: the decoded copy is wiped */
    secrets_wipe_json_member(obj, "SecretString");
    const json_t *w = json_object_get(obj, "SecretString");
    for (size_t i = 0; i < json_string_length(w); i++)
        assert_int_equal(json_string_value(w)[i], 0);
    secrets_secret_value_out_free(sv);
    json_decref(obj);
    json_decref(exp);

    const char *described[] = {"describe_secret", "describe_secret_awsdoc"};
    for (size_t i = 0; i < N(described); i++) {
        obj = it_json_ok("secrets", described[i], &exp);
        struct secrets_describe_secret_out *d = mem_xcalloc(1, sizeof(*d));
        assert_int_equal(secrets_parse_describe_secret(obj, d), 0);
        check_secret(&d->secret, json_object_get(exp, "parsed"));
        assert_string_equal(secrets_tag_get(&d->secret, "elcui:stack"), "app-4");
        assert_null(secrets_tag_get(&d->secret, "none"));
        secrets_describe_secret_out_free(d);
        json_decref(obj);
        json_decref(exp);
    }

    obj = it_json_ok("secrets", "list_secrets", &exp);
    p = json_object_get(exp, "parsed");
    struct secrets_secret_list *l = mem_xcalloc(1, sizeof(*l));
    assert_int_equal(secrets_parse_secret_list(obj, l), 0);
    assert_int_equal(l->n, it_len(p, "SecretList"));
    assert_true(l->n >= 1);
    for (size_t k = 0; k < l->n; k++)
        check_secret(&l->items[k], it_at(p, "SecretList", k));
    assert_int_equal(secrets_parse_secret_list(obj, l), 0); /* pages append */
    assert_int_equal(l->n, 2 * it_len(p, "SecretList"));
    secrets_secret_list_free(l);
    json_decref(obj);
    json_decref(exp);

    obj = it_json_ok("secrets", "get_random_password", &exp);
    struct secrets_random_password_out *rp = mem_xcalloc(1, sizeof(*rp));
    assert_int_equal(secrets_parse_random_password(obj, rp), 0);
    assert_true(strcmp(rp->random_password,
                       json_string_value(json_object_get(json_object_get(exp, "parsed"),
                                                         "RandomPassword"))) == 0);
    assert_int_equal(strlen(rp->random_password), 40);
    secrets_random_password_out_free(rp);
    json_decref(obj);
    json_decref(exp);

    obj = it_json_ok("secrets", "delete_secret", &exp);
    p = json_object_get(exp, "parsed");
    struct secrets_delete_secret_out *del = mem_xcalloc(1, sizeof(*del));
    assert_int_equal(secrets_parse_delete_secret(obj, del), 0);
    it_str(del->arn, p, "ARN");
    it_str(del->name, p, "Name");
    it_time(del->deletion_date_ms, p, "DeletionDate");
    secrets_delete_secret_out_free(del);
    json_decref(obj);
    json_decref(exp);
}

static void test_errors(void **state)
{
    (void)state;
    const char *const names[] = {"err_create_secret_exists", "err_get_secret_value_not_found",
                                 "err_get_secret_value_awsdoc"};
    it_json_errors("secrets", names, N(names), true);
}

static int feed(const char *body, size_t len, void *arg)
{
    int which = *(int *)arg;
    json_t *obj;
    if (it_json_body(body, len, &obj) != 0)
        return -1;
    int rc;
    if (which == 0) {
        struct secrets_describe_secret_out *o = mem_xcalloc(1, sizeof(*o));
        rc = secrets_parse_describe_secret(obj, o);
        secrets_describe_secret_out_free(o);
    } else {
        struct secrets_secret_value_out *o = mem_xcalloc(1, sizeof(*o));
        rc = secrets_parse_secret_value(obj, o);
        secrets_secret_value_out_free(o);
    }
    json_decref(obj);
    return rc;
}

static void test_hostile(void **state)
{
    (void)state;
    const char *const files[] = {"describe_secret_awsdoc.json", "get_secret_value.json"};
    it_hostile_files("secrets", files, N(files), feed);
    /* wrong types */
    json_t *o = json_loads("{\"SecretString\":7,\"ARN\":[],\"VersionStages\":{}}", 0, NULL);
    struct secrets_secret_value_out *sv = mem_xcalloc(1, sizeof(*sv));
    assert_int_equal(secrets_parse_secret_value(o, sv), -1); /* no value at all */
    assert_null(sv->arn);
    assert_int_equal(sv->n_version_stages, 0);
    secrets_secret_value_out_free(sv);
    json_decref(o);
    /* a binary secret is recognised (its bytes are not exposed) */
    o = json_loads("{\"SecretBinary\":\"AAEC\",\"Name\":\"b\"}", 0, NULL);
    sv = mem_xcalloc(1, sizeof(*sv));
    assert_int_equal(secrets_parse_secret_value(o, sv), 0);
    assert_true(sv->has_secret_binary);
    assert_null(sv->secret_string);
    secrets_secret_value_out_free(sv);
    json_decref(o);
    /* an embedded NUL in a secret is kept whole (length-based copy) */
    o = json_loads("{\"SecretString\":\"a\\u0000b\"}", JSON_ALLOW_NUL, NULL);
    sv = mem_xcalloc(1, sizeof(*sv));
    assert_int_equal(secrets_parse_secret_value(o, sv), 0);
    assert_memory_equal(sv->secret_string, "a\0b", 4);
    secrets_secret_value_out_free(sv);
    json_decref(o);
    o = json_loads("{\"SecretList\":\"x\"}", 0, NULL);
    struct secrets_secret_list *l = mem_xcalloc(1, sizeof(*l));
    assert_int_equal(secrets_parse_secret_list(o, l), -1);
    secrets_secret_list_free(l);
    json_decref(o);
    o = json_loads("{\"SecretList\":[1,{\"Tags\":[{\"Key\":1},{\"Key\":\"k\"}]},null]}", 0, NULL);
    l = mem_xcalloc(1, sizeof(*l));
    assert_int_equal(secrets_parse_secret_list(o, l), 0);
    assert_int_equal(l->n, 1);
    assert_int_equal(l->items[0].n_tags, 1);
    assert_string_equal(l->items[0].tags[0].value, "");
    secrets_secret_list_free(l);
    json_decref(o);
    o = json_loads("{\"RandomPassword\":null}", 0, NULL);
    struct secrets_random_password_out *rp = mem_xcalloc(1, sizeof(*rp));
    assert_int_equal(secrets_parse_random_password(o, rp), -1);
    secrets_random_password_out_free(rp);
    json_decref(o);
    struct secrets_version_out *vo = mem_xcalloc(1, sizeof(*vo));
    assert_int_equal(secrets_parse_version(NULL, vo), -1);
    secrets_version_out_free(vo);
}

/* ---- end to end: the sandbox ---- */

IE_CB(cb_version, struct secrets_version_out)
IE_CB(cb_value, struct secrets_secret_value_out)
IE_CB(cb_describe, struct secrets_describe_secret_out)
IE_CB(cb_list, struct secrets_secret_list)
IE_CB(cb_delete, struct secrets_delete_secret_out)
IE_CB(cb_password, struct secrets_random_password_out)

/* A 128-character AUTH token from the allowed set, made for this run. */
static void make_token(char *out, size_t len)
{
    static const char set[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!&#$^<>-";
    unsigned char rnd[256];
    assert_true(len - 1 <= sizeof(rnd));
    assert_int_equal(RAND_bytes(rnd, (int)(len - 1)), 1);
    for (size_t i = 0; i < len - 1; i++)
        out[i] = set[rnd[i] % (sizeof(set) - 1)];
    out[len - 1] = '\0';
    mem_wipe(rnd, sizeof(rnd));
}

static void test_e2e_secret_lifecycle(void **state)
{
    (void)state;
    struct e2e *x = &e2e_sb;
    struct ie_res r = {0};
    ie_reset(&r);
    char stack[32];
    e2e_stack_name(stack, false);

    /* the secret key the seed's secret is encrypted with */
    char key_arn[256];
    ie_create_key(x, "Key to encrypt secret", key_arn, sizeof(key_arn));

    char name[96], token1[129], token2[129];
    snprintf(name, sizeof(name), "%s-elasticache-auth", stack);
    make_token(token1, sizeof(token1));
    make_token(token2, sizeof(token2));
    assert_true(strcmp(token1, token2) != 0);
    struct secrets_tag_in tags[] = {{"elcui:stack", stack}};
    struct secrets_create_secret_in cs = {
        .name = name, .kms_key_id = key_arn, .secret_string = token1, .tags = tags, .n_tags = 1};
    ie_reset(&r);
    ie_wait(x, secrets_create_secret(x->c, &cs, cb_version, &r), &r, "CreateSecret");
    ie_ok(&r, "CreateSecret");
    struct secrets_version_out *v = r.out;
    assert_string_equal(v->name, name);
    assert_non_null(strstr(v->arn, name));
    assert_non_null(v->version_id);
    char arn[256];
    snprintf(arn, sizeof(arn), "%s", v->arn);
    secrets_version_out_free(v);
    ie_reset(&r);
    ie_wait(x, secrets_create_secret(x->c, &cs, cb_version, &r), &r, "CreateSecret again");
    ie_err(&r, "ResourceExistsException");

    struct secrets_get_secret_value_in gv = {.secret_id = name};
    ie_reset(&r);
    ie_wait(x, secrets_get_secret_value(x->c, &gv, cb_value, &r), &r, "GetSecretValue");
    ie_ok(&r, "GetSecretValue");
    struct secrets_secret_value_out *sv = r.out;
    assert_true(strcmp(sv->secret_string, token1) == 0); /* compared, never printed */
    assert_int_equal(sv->secret_string_len, 128);
    secrets_secret_value_out_free(sv);

    struct secrets_put_secret_value_in pv = {.secret_id = arn, .secret_string = token2};
    ie_reset(&r);
    ie_wait(x, secrets_put_secret_value(x->c, &pv, cb_version, &r), &r, "PutSecretValue");
    ie_ok(&r, "PutSecretValue");
    v = r.out;
    assert_int_equal(v->n_version_stages, 1);
    assert_string_equal(v->version_stages[0], "AWSCURRENT");
    secrets_version_out_free(v);
    ie_reset(&r);
    ie_wait(x, secrets_get_secret_value(x->c, &gv, cb_value, &r), &r, "GetSecretValue");
    ie_ok(&r, "GetSecretValue");
    sv = r.out;
    assert_true(strcmp(sv->secret_string, token2) == 0);
    secrets_secret_value_out_free(sv);
    struct secrets_get_secret_value_in gprev = {.secret_id = name, .version_stage = "AWSPREVIOUS"};
    ie_reset(&r);
    ie_wait(x, secrets_get_secret_value(x->c, &gprev, cb_value, &r), &r, "previous");
    ie_ok(&r, "GetSecretValue");
    assert_true(strcmp(((struct secrets_secret_value_out *)r.out)->secret_string, token1) == 0);
    secrets_secret_value_out_free(r.out);
    mem_wipe(token1, sizeof(token1));
    mem_wipe(token2, sizeof(token2));

    struct secrets_describe_secret_in ds = {name};
    ie_reset(&r);
    ie_wait(x, secrets_describe_secret(x->c, &ds, cb_describe, &r), &r, "DescribeSecret");
    ie_ok(&r, "DescribeSecret");
    struct secrets_describe_secret_out *d = r.out;
    assert_string_equal(d->secret.kms_key_id, key_arn);
    assert_string_equal(secrets_tag_get(&d->secret, "elcui:stack"), stack);
    assert_false(d->secret.rotation_enabled);
    assert_int_equal(d->secret.deleted_date_ms, 0);
    secrets_describe_secret_out_free(d);

    /* more secrets of the stack, listed a page of one at a time */
    for (int i = 0; i < 3; i++) {
        char n2[128];
        snprintf(n2, sizeof(n2), "%s-extra-%d", stack, i);
        struct secrets_create_secret_in c2 = {.name = n2, .tags = tags, .n_tags = 1};
        ie_reset(&r);
        ie_wait(x, secrets_create_secret(x->c, &c2, cb_version, &r), &r, "CreateSecret");
        ie_ok(&r, "CreateSecret");
        secrets_version_out_free(r.out);
    }
    const char *tag_value[] = {stack};
    struct secrets_filter f[] = {{"tag-value", tag_value, 1}};
    struct secrets_list_secrets_in ls = {.max_results = 1, .filters = f, .n_filters = 1};
    ie_reset(&r);
    ie_wait(x, secrets_list_secrets(x->c, &ls, cb_list, &r), &r, "ListSecrets");
    ie_ok(&r, "ListSecrets");
    struct secrets_secret_list *l = r.out;
    assert_int_equal(l->n, 4);
    assert_null(l->next_token);
    for (size_t i = 0; i < l->n; i++)
        assert_string_equal(secrets_tag_get(&l->items[i], "elcui:stack"), stack);
    secrets_secret_list_free(l);
    ls.max_pages = 2;
    ie_reset(&r);
    ie_wait(x, secrets_list_secrets(x->c, &ls, cb_list, &r), &r, "ListSecrets 2 pages");
    ie_ok(&r, "ListSecrets");
    l = r.out;
    assert_int_equal(l->n, 2);
    assert_non_null(l->next_token);
    secrets_secret_list_free(l);

    struct secrets_get_random_password_in rp = {.password_length = 128,
                                                .exclude_characters = "\"%'()*+,./:;=?@[\\]_`{|}~",
                                                .has_include_space = true,
                                                .has_require_each_included_type = true,
                                                .require_each_included_type = true};
    ie_reset(&r);
    ie_wait(x, secrets_get_random_password(x->c, &rp, cb_password, &r), &r, "GetRandomPassword");
    ie_ok(&r, "GetRandomPassword");
    const char *pw = ((struct secrets_random_password_out *)r.out)->random_password;
    assert_int_equal(strlen(pw), 128);
    for (const char *c = pw; *c; c++)
        assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                               "!&#$^<>-",
                               *c));
    secrets_random_password_out_free(r.out);

    /* delete with a window: still described, value refused */
    char n0[128];
    snprintf(n0, sizeof(n0), "%s-extra-0", stack);
    struct secrets_delete_secret_in dw = {.secret_id = n0, .recovery_window_in_days = 7};
    ie_reset(&r);
    ie_wait(x, secrets_delete_secret(x->c, &dw, cb_delete, &r), &r, "DeleteSecret window");
    ie_ok(&r, "DeleteSecret");
    struct secrets_delete_secret_out *del = r.out;
    assert_string_equal(del->name, n0);
    assert_true(del->deletion_date_ms > 0);
    secrets_delete_secret_out_free(del);
    struct secrets_describe_secret_in ds0 = {n0};
    ie_reset(&r);
    ie_wait(x, secrets_describe_secret(x->c, &ds0, cb_describe, &r), &r, "DescribeSecret");
    ie_ok(&r, "DescribeSecret");
    assert_true(((struct secrets_describe_secret_out *)r.out)->secret.deleted_date_ms > 0);
    secrets_describe_secret_out_free(r.out);

    /* the seed's delete: no recovery window */
    struct secrets_delete_secret_in df = {.secret_id = name, .force_delete_without_recovery = true};
    ie_reset(&r);
    ie_wait(x, secrets_delete_secret(x->c, &df, cb_delete, &r), &r, "DeleteSecret force");
    ie_ok(&r, "DeleteSecret");
    secrets_delete_secret_out_free(r.out);
    ie_reset(&r);
    ie_wait(x, secrets_get_secret_value(x->c, &gv, cb_value, &r), &r, "GetSecretValue gone");
    ie_err(&r, "ResourceNotFoundException");
    assert_non_null(r.err.message);
    ie_reset(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests),  cmocka_unit_test(test_uuid),
        cmocka_unit_test(test_wipe),      cmocka_unit_test(test_mask),
        cmocka_unit_test(test_responses), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_hostile),
    };
    const struct CMUnitTest e2e[] = {
        cmocka_unit_test(test_e2e_secret_lifecycle),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rc += cmocka_run_group_tests(e2e, e2e_sandbox_up, e2e_sandbox_down);
    return rc;
}
