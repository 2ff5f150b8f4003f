/* infra_test.h - helpers shared by the infrastructure typed-call tests
 * (test_ec2.c, test_kms.c, test_secrets.c, test_ssm.c, test_iam.c,
 * test_pricing.c): request vectors from botocore's serializer, recorded
 * responses with botocore's parse of them, truncation and garbage feeding.
 *
 * Data lives in tests/unit/data/wire/<svc>/ (tests/tools/
 * gen_wire_vectors_infra.py writes requests.json and *.expected.json).
 * Tests run from the top of the tree (tests/run-check does), or with
 * ELCUI_WIRE_DIR pointing at the wire folder.
 *
 * Include after <cmocka.h>. Every helper is static and marked unused so
 * each test file takes what it needs.
 */
#ifndef ELCUI_TESTS_INFRA_TEST_H
#define ELCUI_TESTS_INFRA_TEST_H

#include <jansson.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws_error.h"
#include "aws/awsjson.h"
#include "aws/mem.h"
#include "aws/query.h"

#include "wire_harness.h"

#define IT_UNUSED __attribute__((unused))

IT_UNUSED static const char *it_wire_dir(void)
{
    const char *d = getenv("ELCUI_WIRE_DIR");
    return d && *d ? d : "tests/unit/data/wire";
}

/* Whole file, NUL-terminated; fails the test when missing. */
IT_UNUSED static char *it_read(const char *svc, const char *file, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s/%s", it_wire_dir(), svc, file);
    char *b = wire_read_file(path, len);
    if (!b) {
        print_error("cannot open %s (run the tests from the top of the tree)\n", path);
        fail();
    }
    return b;
}

IT_UNUSED static json_t *it_json_file(const char *svc, const char *file)
{
    size_t len;
    char *s = it_read(svc, file, &len);
    json_error_t je;
    json_t *j = json_loadb(s, len, 0, &je);
    free(s);
    if (!j) {
        print_error("%s/%s: %s\n", svc, file, je.text);
        fail();
    }
    return j;
}

/* ---- request vectors ---- */

struct it_vectors {
    json_t *root;
    json_t *list;
    size_t checked;
};

IT_UNUSED static void it_vectors_load(struct it_vectors *v, const char *svc)
{
    v->root = it_json_file(svc, "requests.json");
    v->list = json_object_get(v->root, "vectors");
    assert_true(json_is_array(v->list));
    v->checked = 0;
}

/* All vectors must have been compared: a vector nobody checks is a gap. */
IT_UNUSED static void it_vectors_done(struct it_vectors *v)
{
    assert_int_equal(v->checked, json_array_size(v->list));
    json_decref(v->root);
}

IT_UNUSED static const json_t *it_vector(struct it_vectors *v, const char *name)
{
    size_t i;
    json_t *e;
    json_array_foreach(v->list, i, e)
    {
        const char *n = json_string_value(json_object_get(e, "name"));
        if (n && strcmp(n, name) == 0) {
            v->checked++;
            return e;
        }
    }
    print_error("no request vector named %s\n", name);
    fail();
    return NULL;
}

/* A string parameter of a vector's input (not counted as checked): the
 * vectors' values are read from the file, so no test secret is spelled in
 * a test source. */
IT_UNUSED static const char *it_vector_param(struct it_vectors *v, const char *name,
                                             const char *key)
{
    size_t i;
    json_t *e;
    json_array_foreach(v->list, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "name")), name) == 0)
            return json_string_value(json_object_get(json_object_get(e, "params"), key));
    }
    print_error("no request vector named %s\n", name);
    fail();
    return NULL;
}

/* Form body (query / ec2) byte for byte with botocore's. Takes p. */
IT_UNUSED static void it_check_query(struct it_vectors *v, const char *name, struct query_params *p)
{
    const json_t *e = it_vector(v, name);
    const char *want = json_string_value(json_object_get(e, "body"));
    size_t len;
    char *got = query_encode(p, &len);
    if (!want || strcmp(got, want) != 0) {
        print_error("%s:\n  got  %s\n  want %s\n", name, got, want ? want : "(none)");
        mem_free_secret(got);
        query_params_free(p);
        fail();
    }
    assert_int_equal(len, strlen(want));
    mem_free_secret(got);
    query_params_free(p);
}

/* JSON body: parsed-equal with botocore's body, and byte for byte with
 * its compact form (same key order). secret: never print the bodies.
 * Takes a reference of body. */
IT_UNUSED static void it_check_json(struct it_vectors *v, const char *name, json_t *body,
                                    bool secret)
{
    const json_t *e = it_vector(v, name);
    const char *raw = json_string_value(json_object_get(e, "body"));
    const char *compact = json_string_value(json_object_get(e, "compact"));
    assert_non_null(raw);
    assert_non_null(compact);
    json_t *want = json_loads(raw, 0, NULL);
    assert_non_null(want);
    size_t len;
    char *got = awsjson_encode(body, &len);
    bool equal = json_equal(body, want);
    bool bytes = strcmp(got, compact) == 0;
    if (!equal || !bytes) {
        if (secret)
            print_error("%s: body differs from botocore's (not shown: holds a secret)\n", name);
        else
            print_error("%s (%s):\n  got  %s\n  want %s\n", name,
                        equal ? "same JSON, other bytes" : "different JSON", got, compact);
    }
    mem_free_secret(got);
    json_decref(want);
    json_decref(body);
    assert_true(equal);
    assert_true(bytes);
}

/* ---- responses ---- */

/* Expected parse (botocore) of <svc>/<name>: {"status", "request_id",
 * "parsed"}. */
IT_UNUSED static json_t *it_expected(const char *svc, const char *name)
{
    char file[256];
    snprintf(file, sizeof(file), "%s.expected.json", name);
    return it_json_file(svc, file);
}

IT_UNUSED static int it_status(const json_t *exp)
{
    return (int)json_integer_value(json_object_get(exp, "status"));
}

/* String member of an expected object compared with a C string: absent
 * or null in botocore's parse <=> NULL in ours. */
IT_UNUSED static void it_str(const char *got, const json_t *obj, const char *key)
{
    const json_t *w = json_object_get(obj, key);
    const char *want = json_is_string(w) ? json_string_value(w) : NULL;
    if ((want == NULL) != (got == NULL) || (want && strcmp(want, got) != 0)) {
        print_error("%s: got \"%s\", want \"%s\"\n", key, got ? got : "(null)",
                    want ? want : "(null)");
        fail();
    }
}

/* Like it_str, for members where absence is reported as "" by design. */
IT_UNUSED static void it_str_or_empty(const char *got, const json_t *obj, const char *key)
{
    const json_t *w = json_object_get(obj, key);
    const char *want = json_is_string(w) ? json_string_value(w) : "";
    assert_non_null(got);
    if (strcmp(want, got) != 0) {
        print_error("%s: got \"%s\", want \"%s\"\n", key, got, want);
        fail();
    }
}

IT_UNUSED static void it_bool(bool got, const json_t *obj, const char *key, bool def)
{
    const json_t *w = json_object_get(obj, key);
    bool want = json_is_boolean(w) ? json_is_true(w) : def;
    if (got != want) {
        print_error("%s: got %d, want %d\n", key, got, want);
        fail();
    }
}

IT_UNUSED static void it_int(long long got, const json_t *obj, const char *key, long long def)
{
    const json_t *w = json_object_get(obj, key);
    long long want = json_is_integer(w) ? (long long)json_integer_value(w) : def;
    if (got != want) {
        print_error("%s: got %lld, want %lld\n", key, got, want);
        fail();
    }
}

/* Timestamps: expected files hold epoch milliseconds (0 when absent),
 * rounded by botocore from microseconds; ours may truncate: 1 ms apart is
 * the same instant. */
IT_UNUSED static void it_time(long long got_ms, const json_t *obj, const char *key)
{
    const json_t *w = json_object_get(obj, key);
    long long want = json_is_integer(w) ? (long long)json_integer_value(w) : 0;
    if (got_ms < want - 1 || got_ms > want + 1) {
        print_error("%s: got %lld ms, want %lld ms\n", key, got_ms, want);
        fail();
    }
}

IT_UNUSED static size_t it_len(const json_t *obj, const char *key)
{
    const json_t *a = json_object_get(obj, key);
    return json_is_array(a) ? json_array_size(a) : 0;
}

IT_UNUSED static const json_t *it_at(const json_t *obj, const char *key, size_t i)
{
    return json_array_get(json_object_get(obj, key), i);
}

/* Query/EC2 body of a stored response through query_parse. */
IT_UNUSED static int it_xml(const char *svc, const char *name, const char *op, bool ec2, int status,
                            xmlDoc **doc, xmlNode **result, char rid[96], struct aws_error *err)
{
    char file[256];
    snprintf(file, sizeof(file), "%s.xml", name);
    size_t len;
    char *body = it_read(svc, file, &len);
    rid[0] = '\0';
    int rc = query_parse(body, len, status, op, ec2, doc, result, rid, 96, err);
    free(body);
    return rc;
}

/* JSON body of a stored response through awsjson_parse. */
IT_UNUSED static int it_jsonresp(const char *svc, const char *name, int status, json_t **out,
                                 struct aws_error *err)
{
    char file[256];
    snprintf(file, sizeof(file), "%s.json", name);
    size_t len;
    char *body = it_read(svc, file, &len);
    int rc = awsjson_parse(body, len, status, out, err);
    free(body);
    return rc;
}

/* A stored 2xx JSON response, decoded; *exp gets botocore's parse. */
IT_UNUSED static json_t *it_json_ok(const char *svc, const char *name, json_t **exp)
{
    *exp = it_expected(svc, name);
    struct aws_error err;
    aws_error_init(&err);
    json_t *obj = NULL;
    assert_int_equal(it_jsonresp(svc, name, it_status(*exp), &obj, &err), 0);
    return obj;
}

/* A stored 2xx query/EC2 response, decoded, its request id the one
 * botocore read; returns botocore's parse. */
IT_UNUSED static json_t *it_xml_ok(const char *svc, const char *name, const char *op, bool ec2,
                                   xmlDoc **doc, xmlNode **result, char rid[96])
{
    json_t *exp = it_expected(svc, name);
    struct aws_error err;
    aws_error_init(&err);
    assert_int_equal(it_xml(svc, name, op, ec2, it_status(exp), doc, result, rid, &err), 0);
    assert_string_equal(rid, json_string_value(json_object_get(exp, "request_id")));
    return exp;
}

/* Service error envelope compared with botocore's view of it. */
IT_UNUSED static void it_check_error(const struct aws_error *err, const json_t *exp)
{
    const json_t *pe = json_object_get(json_object_get(exp, "parsed"), "Error");
    assert_int_equal(err->kind, AWS_ERR_SERVICE);
    assert_string_equal(err->code, json_string_value(json_object_get(pe, "Code")));
    const char *msg = json_string_value(json_object_get(pe, "Message"));
    if (msg && *msg)
        assert_string_equal(err->message ? err->message : "", msg);
    const char *rid = json_string_value(json_object_get(exp, "request_id"));
    if (rid && *rid)
        assert_string_equal(err->request_id, rid);
    assert_int_equal(err->http_status, it_status(exp));
}

/* Stored error answers (JSON 1.1) decoded and compared with botocore's:
 * the envelope's code, message and request id (with_message: a message
 * must be there). */
IT_UNUSED static void it_json_errors(const char *svc, const char *const *names, size_t n,
                                     bool with_message)
{
    for (size_t i = 0; i < n; i++) {
        json_t *exp = it_expected(svc, names[i]);
        struct aws_error err;
        aws_error_init(&err);
        json_t *obj = NULL;
        assert_int_equal(it_jsonresp(svc, names[i], it_status(exp), &obj, &err), -1);
        assert_null(obj);
        it_check_error(&err, exp);
        if (with_message)
            assert_non_null(err.message);
        aws_error_clear(&err);
        json_decref(exp);
    }
}

/* The same for query/EC2 error answers of operations ops. */
IT_UNUSED static void it_xml_errors(const char *svc, const char *const *names,
                                    const char *const *ops, size_t n, bool ec2)
{
    for (size_t i = 0; i < n; i++) {
        json_t *exp = it_expected(svc, names[i]);
        struct aws_error err;
        aws_error_init(&err);
        xmlDoc *doc;
        xmlNode *res;
        char rid[96];
        assert_int_equal(it_xml(svc, names[i], ops[i], ec2, it_status(exp), &doc, &res, rid, &err),
                         -1);
        assert_null(doc);
        it_check_error(&err, exp);
        aws_error_clear(&err);
        json_decref(exp);
    }
}

/* Every prefix of body (and a few byte flips) through a decoder that must
 * not crash; the decoder returns 0 when it accepted the input. Returns how
 * many prefixes were accepted (a well-formed JSON prefix can be valid). */
typedef int (*it_decode_fn)(const char *body, size_t len, void *arg);

IT_UNUSED static size_t it_truncations(const char *body, size_t len, it_decode_fn fn, void *arg)
{
    size_t accepted = 0;
    size_t step = len > 4000 ? len / 2000 : 1;
    for (size_t n = 0; n < len; n += step) {
        char *copy = mem_xmalloc(n + 1);
        memcpy(copy, body, n);
        copy[n] = '\0';
        if (fn(copy, n, arg) == 0)
            accepted++;
        free(copy);
    }
    /* flip bytes: quotes, brackets and digits become something else */
    char *copy = mem_xmalloc(len + 1);
    for (size_t i = 0; i < len; i += step * 7 + 1) {
        memcpy(copy, body, len);
        copy[len] = '\0';
        copy[i] = (char)(copy[i] ^ 0x5a);
        fn(copy, len, arg);
    }
    free(copy);
    return accepted;
}

/* A 2xx JSON body through awsjson_parse, as a decoder for it_truncations
 * does it: 0 with *obj, or -1 (a parse error, nothing else) when it is
 * refused. */
IT_UNUSED static int it_json_body(const char *body, size_t len, json_t **obj)
{
    struct aws_error err;
    aws_error_init(&err);
    if (awsjson_parse(body, len, 200, obj, &err) != 0) {
        assert_int_equal(err.kind, AWS_ERR_PARSE);
        aws_error_clear(&err);
        return -1;
    }
    return 0;
}

/* Each stored response in files through it_truncations, then whole (which
 * the decoder must accept); the decoder's arg points at the file's index.
 * Bodies are wiped: some hold test secrets. */
IT_UNUSED static void it_hostile_files(const char *svc, const char *const *files, size_t n,
                                       it_decode_fn fn)
{
    for (size_t i = 0; i < n; i++) {
        size_t len;
        char *body = it_read(svc, files[i], &len);
        int which = (int)i;
        it_truncations(body, len, fn, &which);
        assert_int_equal(fn(body, len, &which), 0);
        mem_wipe(body, len);
        free(body);
    }
}

#endif
