/* test_sigv4.c - SigV4 header signing and presigning against three sets of
 * vectors:
 *   1. the AWS SigV4 test suite in ../shared/testdata/sigv4 (override with
 *      ELCUI_SIGV4_SUITE); every case is checked for canonical request,
 *      string to sign and Authorization (header signing) and for canonical
 *      request, string to sign and signature (query presigning). When the
 *      folder is absent the test says so and is reported as skipped;
 *   2. the two vectors of aws-wire.md §5.5;
 *   3. vectors computed with botocore by tests/tools/gen_sigv4_vectors.py
 *      (tests/unit/data/sigv4-botocore.json), including presigned
 *      ElastiCache IAM authentication tokens.
 * Run from the top of the repository (make unit builds it as
 * build/tests/test_sigv4).
 */
#include <dirent.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "unit_skip.h"

#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/mem.h"
#include "aws/sigv4.h"

#define SUITE_DEFAULT "../shared/testdata/sigv4"
#define BOTOCORE_VECTORS "tests/unit/data/sigv4-botocore.json"

/* Cases of the suite that are not run, each with the reason. Only cases
 * whose context.json says normalize=false may be listed (checked below). */
static const struct {
    const char *name;
    const char *reason;
} suite_skips[] = {
    {"get-relative-unnormalized", "S3-only rule: path used without dot-segment removal; elcui "
                                  "signs only non-S3 services, which always normalise"},
    {"get-relative-relative-unnormalized", "S3-only rule (no path normalisation)"},
    {"get-slash-unnormalized", "S3-only rule (no path normalisation)"},
    {"get-slash-dot-slash-unnormalized", "S3-only rule (no path normalisation)"},
    {"get-slash-pointless-dot-unnormalized", "S3-only rule (no path normalisation)"},
    {"get-slashes-unnormalized", "S3-only rule (no path normalisation)"},
};

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct buf b;
    buf_init(&b, 16 * 1024 * 1024);
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        buf_append(&b, tmp, n);
    fclose(f);
    if (len)
        *len = b.len;
    return buf_steal(&b);
}

static char *read_case_file(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return read_file(path, NULL);
}

/* ---- request.txt parser ---- */

struct parsed_req {
    char *method;
    char *path;
    char *query; /* NULL when no '?' */
    struct sigv4_header hdr[32];
    char *names[32];
    char *values[32];
    size_t nhdr;
    char *body;
    size_t body_len;
};

static void parsed_free(struct parsed_req *r)
{
    free(r->method);
    free(r->path);
    free(r->query);
    for (size_t i = 0; i < r->nhdr; i++) {
        free(r->names[i]);
        free(r->values[i]);
    }
    free(r->body);
    memset(r, 0, sizeof(*r));
}

static void parsed_add(struct parsed_req *r, const char *name, const char *value)
{
    assert_true(r->nhdr < 32);
    r->names[r->nhdr] = mem_xstrdup(name);
    r->values[r->nhdr] = mem_xstrdup(value);
    r->nhdr++;
}

static void parsed_finish(struct parsed_req *r)
{
    for (size_t i = 0; i < r->nhdr; i++) {
        r->hdr[i].name = r->names[i];
        r->hdr[i].value = r->values[i];
    }
}

/* Request line "METHOD target HTTP/1.1" (the target may hold spaces), one
 * header per line (a line starting with whitespace continues the previous
 * value), then an optional blank line and the body. */
static int parse_request(const char *text, struct parsed_req *r)
{
    memset(r, 0, sizeof(*r));
    const char *eol = strchr(text, '\n');
    if (!eol)
        return -1;
    const char *sp1 = memchr(text, ' ', (size_t)(eol - text));
    const char *sp2 = eol;
    while (sp2 > text && *sp2 != ' ')
        sp2--;
    if (!sp1 || sp2 <= sp1)
        return -1;
    r->method = mem_xstrndup(text, (size_t)(sp1 - text));
    char *target = mem_xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
    char *q = strchr(target, '?');
    if (q) {
        r->query = mem_xstrdup(q + 1);
        *q = '\0';
    }
    r->path = target;
    const char *p = eol + 1;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == 0) { /* blank line: the body follows */
            p = e ? e + 1 : p + l;
            r->body_len = strlen(p);
            r->body = mem_xstrdup(p);
            break;
        }
        char *line = mem_xstrndup(p, l);
        if ((line[0] == ' ' || line[0] == '\t') && r->nhdr > 0) {
            char *v = mem_xasprintf("%s\n%s", r->values[r->nhdr - 1], line);
            free(r->values[r->nhdr - 1]);
            r->values[r->nhdr - 1] = v;
        } else {
            char *colon = strchr(line, ':');
            if (!colon) {
                free(line);
                return -1;
            }
            *colon = '\0';
            parsed_add(r, line, colon + 1);
        }
        free(line);
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

static char *signed_request_authorization(const char *text)
{
    const char *p = strstr(text, "\nAuthorization:");
    if (!p)
        return NULL;
    p += strlen("\nAuthorization:");
    return mem_xstrndup(p, strcspn(p, "\n"));
}

/* ---- the suite ---- */

static const char *suite_dir(void)
{
    const char *env = getenv("ELCUI_SIGV4_SUITE");
    return env && *env ? env : SUITE_DEFAULT;
}

static const char *skip_reason(const char *name)
{
    for (size_t i = 0; i < sizeof(suite_skips) / sizeof(suite_skips[0]); i++)
        if (strcmp(suite_skips[i].name, name) == 0)
            return suite_skips[i].reason;
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int expect_eq(const char *casename, const char *what, const char *want, const char *got)
{
    if (want && got && strcmp(want, got) == 0)
        return 0;
    fprintf(stderr, "sigv4 suite %s: %s differs\n--- expected\n%s\n--- got\n%s\n", casename, what,
            want ? want : "(missing)", got ? got : "(none)");
    return 1;
}

/* Returns the number of mismatches for one case. */
static int run_suite_case(const char *dir, const char *name)
{
    char cdir[4096];
    snprintf(cdir, sizeof(cdir), "%s/%s", dir, name);
    char *req_txt = read_case_file(cdir, "request.txt");
    char *ctx_txt = read_case_file(cdir, "context.json");
    char *want_creq = read_case_file(cdir, "header-canonical-request.txt");
    char *want_sts = read_case_file(cdir, "header-string-to-sign.txt");
    char *want_sig = read_case_file(cdir, "header-signature.txt");
    char *signed_txt = read_case_file(cdir, "header-signed-request.txt");
    char *q_creq = read_case_file(cdir, "query-canonical-request.txt");
    char *q_sts = read_case_file(cdir, "query-string-to-sign.txt");
    char *q_sig = read_case_file(cdir, "query-signature.txt");
    assert_non_null(req_txt);
    assert_non_null(ctx_txt);
    assert_non_null(want_creq);
    assert_non_null(want_sts);
    assert_non_null(signed_txt);

    json_error_t je;
    json_t *ctx = json_loads(ctx_txt, 0, &je);
    assert_non_null(ctx);
    json_t *cr = json_object_get(ctx, "credentials");
    const char *ak = json_string_value(json_object_get(cr, "access_key_id"));
    const char *sk = json_string_value(json_object_get(cr, "secret_access_key"));
    const char *tok = json_string_value(json_object_get(cr, "token"));
    const char *region = json_string_value(json_object_get(ctx, "region"));
    const char *service = json_string_value(json_object_get(ctx, "service"));
    const char *ts = json_string_value(json_object_get(ctx, "timestamp"));
    bool sign_body = json_is_true(json_object_get(ctx, "sign_body"));
    bool omit_token = json_is_true(json_object_get(ctx, "omit_session_token"));
    json_int_t expires = json_integer_value(json_object_get(ctx, "expiration_in_seconds"));
    assert_non_null(ak);
    assert_non_null(sk);
    int64_t ms = 0;
    assert_true(awstime_parse_iso8601(ts, &ms));
    char amz[32];
    awstime_format_amz(ms / 1000, amz, sizeof(amz));

    struct parsed_req r;
    assert_int_equal(parse_request(req_txt, &r), 0);
    size_t base_headers = r.nhdr;

    int bad = 0;
    /* Header signing: the signer's caller adds X-Amz-Date, the token when
     * it is signed, and x-amz-content-sha256 when sign_body is set. */
    parsed_add(&r, "X-Amz-Date", amz);
    if (tok && !omit_token)
        parsed_add(&r, "X-Amz-Security-Token", tok);
    char body_hash[65];
    sigv4_sha256_hex(r.body, r.body_len, body_hash);
    if (sign_body)
        parsed_add(&r, "x-amz-content-sha256", body_hash);
    parsed_finish(&r);
    struct sigv4_request sreq = {
        .method = r.method,
        .path = r.path,
        .query = r.query,
        .headers = r.hdr,
        .nheaders = r.nhdr,
        .body = r.body,
        .body_len = r.body_len,
    };
    struct sigv4_creds creds = {ak, sk, tok};
    struct sigv4_scope scope = {region, service, ms / 1000};
    struct sigv4_result res;
    assert_int_equal(sigv4_sign(&sreq, &creds, &scope, &res), 0);
    char *want_auth = signed_request_authorization(signed_txt);
    bad += expect_eq(name, "canonical request", want_creq, res.canonical_request);
    bad += expect_eq(name, "string to sign", want_sts, res.string_to_sign);
    bad += expect_eq(name, "signature", want_sig, res.signature);
    bad += expect_eq(name, "Authorization", want_auth, res.authorization);
    sigv4_result_free(&res);
    free(want_auth);

    /* Query presigning: only the request's own headers are signed, the
     * token goes into the query unless the case omits it. */
    if (q_creq && q_sts && q_sig) {
        sreq.nheaders = base_headers;
        struct sigv4_creds qcreds = {ak, sk, omit_token ? NULL : tok};
        char *qs = sigv4_presign(&sreq, &qcreds, &scope, (int)expires, &res);
        if (!qs) {
            fprintf(stderr, "sigv4 suite %s: presign failed\n", name);
            bad++;
        } else {
            bad += expect_eq(name, "presigned canonical request", q_creq, res.canonical_request);
            bad += expect_eq(name, "presigned string to sign", q_sts, res.string_to_sign);
            bad += expect_eq(name, "presigned signature", q_sig, res.signature);
            char *tail = mem_xasprintf("&X-Amz-Signature=%s", q_sig);
            size_t ql = strlen(qs), tl = strlen(tail);
            if (ql < tl || strcmp(qs + ql - tl, tail) != 0) {
                fprintf(stderr, "sigv4 suite %s: presigned query does not end with %s\n", name,
                        tail);
                bad++;
            }
            free(tail);
            mem_free_secret(qs);
            sigv4_result_free(&res);
        }
    }

    parsed_free(&r);
    json_decref(ctx);
    free(req_txt);
    free(ctx_txt);
    free(want_creq);
    free(want_sts);
    free(want_sig);
    free(signed_txt);
    free(q_creq);
    free(q_sts);
    free(q_sig);
    return bad;
}

static bool case_normalize_false(const char *dir, const char *name)
{
    char cdir[4096];
    snprintf(cdir, sizeof(cdir), "%s/%s", dir, name);
    char *ctx_txt = read_case_file(cdir, "context.json");
    assert_non_null(ctx_txt);
    json_error_t je;
    json_t *ctx = json_loads(ctx_txt, 0, &je);
    assert_non_null(ctx);
    bool f = json_is_false(json_object_get(ctx, "normalize"));
    json_decref(ctx);
    free(ctx_txt);
    return f;
}

static void test_aws_suite(void **state)
{
    (void)state;
    const char *dir = suite_dir();
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "test_sigv4: AWS SigV4 suite not found at %s\n", dir);
        UNIT_SKIP("this machine: the AWS SigV4 test suite is not in ../shared/testdata/sigv4 (or "
                  "ELCUI_SIGV4_SUITE)");
    }
    char *names[256];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char p[4096];
        struct stat st;
        snprintf(p, sizeof(p), "%s/%s/request.txt", dir, de->d_name);
        if (stat(p, &st) != 0)
            continue;
        assert_true(n < 256);
        names[n++] = mem_xstrdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), cmp_str);
    assert_true(n > 0);

    int bad = 0;
    size_t ran = 0, skipped = 0;
    for (size_t i = 0; i < n; i++) {
        const char *why = skip_reason(names[i]);
        if (why) {
            /* A skip may only hide the S3 path rule. */
            assert_true(case_normalize_false(dir, names[i]));
            fprintf(stderr, "test_sigv4: skip %s: %s\n", names[i], why);
            skipped++;
        } else {
            bad += run_suite_case(dir, names[i]);
            ran++;
        }
        free(names[i]);
    }
    fprintf(stderr, "test_sigv4: AWS suite at %s: %zu cases checked, %zu skipped, %d mismatches\n",
            dir, ran, skipped, bad);
    assert_int_equal(bad, 0);
    assert_int_equal(skipped, sizeof(suite_skips) / sizeof(suite_skips[0]));
}

/* ---- aws-wire.md §5.5 ---- */

static void test_wire_vector_a(void **state)
{
    (void)state;
    const char *body =
        "Action=DescribeReplicationGroups&Version=2015-02-02&ReplicationGroupId=my-rg";
    struct sigv4_header h[] = {
        {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
        {"Host", "elasticache.us-east-1.amazonaws.com"},
        {"X-Amz-Date", "20240501T120000Z"},
    };
    struct sigv4_request req = {"POST", "/", NULL, h, 3, body, strlen(body), NULL};
    struct sigv4_creds creds = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL};
    struct sigv4_scope scope = {"us-east-1", "elasticache", 1714564800};
    struct sigv4_result r;
    assert_int_equal(sigv4_sign(&req, &creds, &scope, &r), 0);
    assert_string_equal(r.canonical_request,
                        "POST\n/\n\n"
                        "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
                        "host:elasticache.us-east-1.amazonaws.com\n"
                        "x-amz-date:20240501T120000Z\n\n"
                        "content-type;host;x-amz-date\n"
                        "f8a7e5bfbe0fcc8a1ea5950e1c28e6552fddafd9983a5c4ca0b7033390cef998");
    assert_string_equal(r.string_to_sign,
                        "AWS4-HMAC-SHA256\n20240501T120000Z\n"
                        "20240501/us-east-1/elasticache/aws4_request\n"
                        "fa13a64e4a09e2aa51cf8f5560b1f1c26ad7bca8f8fb557186876c30a4b9b157");
    assert_string_equal(
        r.authorization,
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/elasticache/"
        "aws4_request, SignedHeaders=content-type;host;x-amz-date, "
        "Signature=061acead255fe310b2be6b17a7e8633624a0703fa2f055c9f1494cb1e29363d6");
    assert_string_equal(r.signed_headers, "content-type;host;x-amz-date");
    sigv4_result_free(&r);
}

static void test_wire_vector_b(void **state)
{
    (void)state;
    const char *body = "{\"KeyId\": \"alias/my-key\"}";
    assert_int_equal(strlen(body), 25);
    /* Header order and case as a caller might send them: irrelevant. */
    struct sigv4_header h[] = {
        {"X-Amz-Target", "TrentService.DescribeKey"},
        {"host", "kms.us-east-1.amazonaws.com"},
        {"X-Amz-Security-Token", "FQoGZXIvYXdzEXAMPLETOKEN"},
        {"Content-Type", "application/x-amz-json-1.1"},
        {"X-Amz-Date", "20240501T120000Z"},
    };
    struct sigv4_request req = {"POST", "/", NULL, h, 5, body, strlen(body), NULL};
    struct sigv4_creds creds = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                "FQoGZXIvYXdzEXAMPLETOKEN"};
    struct sigv4_scope scope = {"us-east-1", "kms", 1714564800};
    struct sigv4_result r;
    assert_int_equal(sigv4_sign(&req, &creds, &scope, &r), 0);
    assert_string_equal(r.canonical_request,
                        "POST\n/\n\n"
                        "content-type:application/x-amz-json-1.1\n"
                        "host:kms.us-east-1.amazonaws.com\n"
                        "x-amz-date:20240501T120000Z\n"
                        "x-amz-security-token:FQoGZXIvYXdzEXAMPLETOKEN\n"
                        "x-amz-target:TrentService.DescribeKey\n\n"
                        "content-type;host;x-amz-date;x-amz-security-token;x-amz-target\n"
                        "058e3b9267bbaae6c3a209aa4d4b873c789842bf0b9e835a7c7b00f721f065e7");
    const char *sts = r.string_to_sign;
    assert_string_equal(sts + strlen(sts) - 64,
                        "0d928b75bf2138fd96e785da8c41c4160a6cd7106eea510fce5ff3cbcf6dad63");
    assert_string_equal(r.signature,
                        "6ec23d15085a66a18d0ba0551e0c389f6c61b5d1c9313a99e6f7c80326535f1e");
    sigv4_result_free(&r);
}

/* ---- botocore vectors ---- */

static void load_headers(json_t *arr, struct sigv4_header *h, size_t *n, size_t max)
{
    size_t i;
    json_t *pair;
    *n = 0;
    json_array_foreach(arr, i, pair)
    {
        assert_true(*n < max);
        h[*n].name = json_string_value(json_array_get(pair, 0));
        h[*n].value = json_string_value(json_array_get(pair, 1));
        assert_non_null(h[*n].name);
        assert_non_null(h[*n].value);
        (*n)++;
    }
}

static void test_botocore_vectors(void **state)
{
    (void)state;
    json_error_t je;
    json_t *root = json_load_file(BOTOCORE_VECTORS, 0, &je);
    if (!root)
        fail_msg("cannot read %s (run the test from the repository top): %s", BOTOCORE_VECTORS,
                 je.text);
    json_t *cases = json_object_get(root, "cases");
    assert_true(json_array_size(cases) >= 8);
    size_t i, nsign = 0, npresign = 0;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        const char *name = json_string_value(json_object_get(c, "name"));
        const char *kind = json_string_value(json_object_get(c, "kind"));
        assert_non_null(name);
        assert_non_null(kind);
        struct sigv4_header h[16];
        size_t nh;
        load_headers(json_object_get(c, "headers"), h, &nh, 16);
        const char *body = json_string_value(json_object_get(c, "body"));
        struct sigv4_request req = {
            .method = json_string_value(json_object_get(c, "method")),
            .path = json_string_value(json_object_get(c, "path")),
            .query = json_string_value(json_object_get(c, "query")),
            .headers = h,
            .nheaders = nh,
            .body = body,
            .body_len = body ? strlen(body) : 0,
        };
        struct sigv4_creds creds = {
            json_string_value(json_object_get(c, "access_key")),
            json_string_value(json_object_get(c, "secret_key")),
            json_string_value(json_object_get(c, "session_token")),
        };
        struct sigv4_scope scope = {
            json_string_value(json_object_get(c, "region")),
            json_string_value(json_object_get(c, "service")),
            (int64_t)json_integer_value(json_object_get(c, "time")),
        };
        const char *want_creq = json_string_value(json_object_get(c, "canonical_request"));
        const char *want_sts = json_string_value(json_object_get(c, "string_to_sign"));
        struct sigv4_result r;
        if (strcmp(kind, "sign") == 0) {
            assert_int_equal(sigv4_sign(&req, &creds, &scope, &r), 0);
            if (strcmp(r.canonical_request, want_creq) != 0 ||
                strcmp(r.string_to_sign, want_sts) != 0)
                fail_msg("botocore vector %s: canonical request or string to sign differs:\n%s\n"
                         "---\n%s",
                         name, want_creq, r.canonical_request);
            const char *want = json_string_value(json_object_get(c, "authorization"));
            if (strcmp(r.authorization, want) != 0)
                fail_msg("botocore vector %s: Authorization\n%s\n%s", name, want, r.authorization);
            nsign++;
        } else {
            int expires = (int)json_integer_value(json_object_get(c, "expires"));
            char *qs = sigv4_presign(&req, &creds, &scope, expires, &r);
            assert_non_null(qs);
            if (strcmp(r.canonical_request, want_creq) != 0 ||
                strcmp(r.string_to_sign, want_sts) != 0)
                fail_msg("botocore vector %s: presigned canonical request differs:\n%s\n---\n%s",
                         name, want_creq, r.canonical_request);
            const char *want_q = json_string_value(json_object_get(c, "presigned_query"));
            if (strcmp(qs, want_q) != 0)
                fail_msg("botocore vector %s: presigned query\n%s\n%s", name, want_q, qs);
            /* IAM auth token = presigned URL without "http://". */
            const char *want_tok = json_string_value(json_object_get(c, "token"));
            if (want_tok) {
                const char *host = NULL;
                for (size_t k = 0; k < nh; k++)
                    if (strcasecmp(h[k].name, "host") == 0)
                        host = h[k].value;
                assert_non_null(host);
                char *tok = mem_xasprintf("%s%s?%s", host, req.path, qs);
                assert_string_equal(tok, want_tok);
                mem_free_secret(tok);
            }
            mem_free_secret(qs);
            npresign++;
        }
        sigv4_result_free(&r);
    }
    assert_true(nsign >= 4);
    assert_true(npresign >= 3);
    json_decref(root);
}

/* ---- helpers and edge cases ---- */

static void test_uri_encode(void **state)
{
    (void)state;
    char *s = sigv4_uri_encode("a b/c~d%2F+\xe1\x88\xb4", 14, true);
    assert_string_equal(s, "a%20b/c~d%252F%2B%E1%88%B4");
    free(s);
    s = sigv4_uri_encode("a/b", 3, false);
    assert_string_equal(s, "a%2Fb");
    free(s);
    s = sigv4_uri_encode(NULL, 0, false);
    assert_string_equal(s, "");
    free(s);
}

static void test_sha256(void **state)
{
    (void)state;
    char h[65];
    sigv4_sha256_hex("", 0, h);
    assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sigv4_sha256_hex(NULL, 0, h);
    assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sigv4_sha256_hex("abc", 3, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* A path with an encoded byte is encoded again (non-S3 rule), the query is
 * canonicalised, tabs and newlines fold, an explicit payload hash is used
 * as given. */
static void test_canonical_details(void **state)
{
    (void)state;
    struct sigv4_header h[] = {
        {"Host", "example.com:8443"},
        {"X-Amz-Date", "20240501T120000Z"},
        {"X-Custom", "\t a \t\n b  "},
    };
    struct sigv4_request req = {"GET", "/a%2Fb/./c/../d//", "b=2&a=&a=1&c", h, 3, NULL,
                                0,     "UNSIGNED-PAYLOAD"};
    struct sigv4_creds creds = {"AK", "SK", NULL};
    struct sigv4_scope scope = {"eu-west-1", "svc", 1714564800};
    struct sigv4_result r;
    assert_int_equal(sigv4_sign(&req, &creds, &scope, &r), 0);
    assert_string_equal(r.canonical_request, "GET\n/a%252Fb/d/\na=&a=1&b=2&c=\n"
                                             "host:example.com:8443\n"
                                             "x-amz-date:20240501T120000Z\n"
                                             "x-custom:a b\n\n"
                                             "host;x-amz-date;x-custom\nUNSIGNED-PAYLOAD");
    sigv4_result_free(&r);

    /* Empty path -> "/". */
    req.path = "";
    req.query = NULL;
    req.payload_hash = NULL;
    assert_int_equal(sigv4_sign(&req, &creds, &scope, &r), 0);
    assert_true(strncmp(r.canonical_request, "GET\n/\n\n", 7) == 0);
    sigv4_result_free(&r);
}

static void test_bad_input(void **state)
{
    (void)state;
    struct sigv4_header h[] = {{"Host", "x"}};
    struct sigv4_request req = {"GET", "/", NULL, h, 1, NULL, 0, NULL};
    struct sigv4_creds creds = {"AK", NULL, NULL};
    struct sigv4_scope scope = {"us-east-1", "svc", 0};
    struct sigv4_result r;
    assert_int_equal(sigv4_sign(&req, &creds, &scope, &r), -1);
    assert_null(r.authorization);
    assert_null(sigv4_presign(&req, &creds, &scope, 900, &r));
    creds.secret_key = "SK";
    assert_null(sigv4_presign(&req, &creds, &scope, 0, &r));
    scope.region = NULL;
    assert_int_equal(sigv4_sign(&req, &creds, &scope, &r), -1);
    sigv4_result_free(&r);
    sigv4_result_free(NULL);
}

/* Presigning keeps the operation parameters first (in order, re-encoded
 * as botocore does, '+' read as a space like parse_qs), then the auth
 * parameters in botocore's order, the token before the signature. */
static void test_presign_order(void **state)
{
    (void)state;
    struct sigv4_header h[] = {{"host", "my-rg"}};
    struct sigv4_request req = {"GET", "/", "User=a+b%21&Action=connect", h, 1, NULL, 0, NULL};
    struct sigv4_creds creds = {"AKID", "SECRET", "TOK/EN+="};
    struct sigv4_scope scope = {"us-east-1", "elasticache", 1714564800};
    struct sigv4_result r;
    char *q = sigv4_presign(&req, &creds, &scope, 900, &r);
    assert_non_null(q);
    const char *want_prefix =
        "User=a%20b%21&Action=connect&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%"
        "2F20240501%2Fus-east-1%2Felasticache%2Faws4_request&X-Amz-Date=20240501T120000Z&X-Amz-"
        "Expires=900&X-Amz-SignedHeaders=host&X-Amz-Security-Token=TOK%2FEN%2B%3D&X-Amz-"
        "Signature=";
    assert_true(strncmp(q, want_prefix, strlen(want_prefix)) == 0);
    assert_string_equal(q + strlen(want_prefix), r.signature);
    assert_null(r.authorization);
    assert_true(strstr(r.canonical_request, "\nAction=connect&User=a%20b%21&X-Amz-Algorithm=") !=
                NULL);
    mem_free_secret(q);
    sigv4_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_suite),         cmocka_unit_test(test_wire_vector_a),
        cmocka_unit_test(test_wire_vector_b),     cmocka_unit_test(test_botocore_vectors),
        cmocka_unit_test(test_uri_encode),        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_canonical_details), cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_presign_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
