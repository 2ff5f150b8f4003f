/* test_typedcall.c - the one runner behind the typed AWS calls
 * (aws/typedcall.c), driven through the whole transport against a
 * scripted server (httpsrv.h) with test descriptors of every pagination
 * kind: ElastiCache-style Marker, IAM Marker while IsTruncated, EC2
 * NextToken -> nextToken, JSON tokens with and without a Truncated flag.
 * Checked: concatenation and request ids, secrets kept on later pages, the
 * loop guard, the page limit, max_pages and its resume token, parse
 * failures (the runner's account and the parser's own), ack-only 2xx,
 * borrowed outputs, secret wiping, and that a call cancelled before its
 * answer, between pages, during back-off, or cut off by aws_client_free
 * leaves no runner state behind (typedcall_live()) and never calls back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "aws/awsjson.h"
#include "aws/mem.h"
#include "aws/query.h"
#include "aws/typedcall.h"
#include "wire_harness.h"
#include "typed_e2e.h"

/* ---- a test output, its parsers and descriptors ---- */

struct tc_out {
    char request_id[96];
    char **items;
    size_t n;
    char *token; /* resume token */
};

typedef void (*tc_cb)(struct tc_out *out, const struct aws_error *err, void *arg);

static int tc_frees; /* tc_out_free calls */

static void tc_out_free(struct tc_out *o)
{
    if (!o)
        return;
    tc_frees++;
    for (size_t i = 0; i < o->n; i++)
        free(o->items[i]);
    free(o->items);
    free(o->token);
    free(o);
}

static void tc_add(struct tc_out *o, const char *s)
{
    o->items = mem_xrealloc(o->items, (o->n + 1) * sizeof(*o->items));
    o->items[o->n++] = mem_xstrdup(s);
}

/* <Items><Item>..</Item></Items> under the result; -1 without <Items>. */
static int tc_parse_xml(xmlNode *result, struct tc_out *o)
{
    xmlNode *list = query_child(result, "Items");
    if (!list)
        return -1;
    for (xmlNode *c = query_first(list, "Item"); c; c = query_next(c, "Item")) {
        char *t = query_text(c, NULL);
        tc_add(o, t ? t : "");
        free(t);
    }
    return 0;
}

/* The same, telling its own story when it refuses the body. */
static int tc_parse_xml_err(const xmlNode *result, struct tc_out *o, struct aws_error *err)
{
    if (tc_parse_xml((xmlNode *)(uintptr_t)result, o) == 0)
        return 0;
    aws_error_set(err, AWS_ERR_PARSE, "NoItems", "the answer has no <Items>");
    return -1;
}

static json_t *tc_seen_response; /* the last JSON answer parsed (wipe_out check) */

/* {"Items": [..]}; -1 when Items is missing or not a list. */
static int tc_parse_json(const json_t *obj, struct tc_out *o)
{
    const json_t *a = json_object_get(obj, "Items");
    if (!json_is_array(a))
        return -1;
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        tc_add(o, json_is_string(v) ? json_string_value(v) : "");
    }
    json_decref(tc_seen_response);
    tc_seen_response = json_incref((json_t *)(uintptr_t)obj);
    return 0;
}

#define TC_PAGED TYPEDCALL_PAGED(TYPEDCALL_QUERY_MARKER, struct tc_out, token)

TYPEDCALL_OP(op_query, &svc_elasticache, "DescribeThings", struct tc_out, tc_cb, XML_PLAIN,
             tc_parse_xml, tc_out_free, TC_PAGED);
TYPEDCALL_OP(op_query_limited, &svc_elasticache, "DescribeThings", struct tc_out, tc_cb, XML_PLAIN,
             tc_parse_xml, tc_out_free, TC_PAGED, .page_limit = 3);
TYPEDCALL_OP(op_query_err, &svc_elasticache, "DescribeThings", struct tc_out, tc_cb, XML,
             tc_parse_xml_err, tc_out_free, TC_PAGED);
TYPEDCALL_OP(op_one, &svc_elasticache, "DescribeThings", struct tc_out, tc_cb, XML_PLAIN,
             tc_parse_xml, tc_out_free);
TYPEDCALL_OP(op_iam, &svc_iam, "ListThings", struct tc_out, tc_cb, XML_PLAIN, tc_parse_xml,
             tc_out_free, TYPEDCALL_PAGED(TYPEDCALL_IAM_MARKER, struct tc_out, token));
TYPEDCALL_OP(op_iam_ack, &svc_iam, "DeleteThing", struct tc_out, tc_cb, NONE, 0, tc_out_free);
TYPEDCALL_OP(op_ec2, &svc_ec2, "DescribeThings", struct tc_out, tc_cb, XML_PLAIN, tc_parse_xml,
             tc_out_free, TYPEDCALL_PAGED(TYPEDCALL_EC2_TOKEN, struct tc_out, token));
TYPEDCALL_OP(op_json_truncated, &svc_kms, "ListThings", struct tc_out, tc_cb, JSON_PLAIN,
             tc_parse_json, tc_out_free,
             TYPEDCALL_PAGED(TYPEDCALL_JSON_TOKEN, struct tc_out, token), .token_in = "Marker",
             .token_out = "NextMarker", .truncated = "Truncated");
TYPEDCALL_OP(op_json, &svc_secretsmanager, "ListThings", struct tc_out, tc_cb, JSON_PLAIN,
             tc_parse_json, tc_out_free,
             TYPEDCALL_PAGED(TYPEDCALL_JSON_TOKEN, struct tc_out, token), .token_in = "NextToken",
             .token_out = "NextToken", .wipe_out = "Secret");
TYPEDCALL_OP(op_json_ack, &svc_kms, "DeleteThing", struct tc_out, tc_cb, NONE, 0, tc_out_free,
             .wipe_in = "Secret");

/* A borrowed output without request id (the STS shape). */
struct tc_lent {
    char *first;
};
typedef void (*tc_lent_cb)(const struct tc_lent *out, const struct aws_error *err, void *arg);
static int tc_lent_clears;

static int tc_parse_lent(const xmlNode *result, struct tc_lent *o, struct aws_error *err)
{
    (void)err;
    o->first = query_text(result, "Items/Item");
    return o->first ? 0 : -1;
}

static void tc_lent_clear(struct tc_lent *o)
{
    tc_lent_clears++;
    free(o->first);
    o->first = NULL;
}

TYPEDCALL_GLUE(op_lent, struct tc_lent, tc_lent_cb, XML, tc_parse_lent, tc_lent_clear)
static const struct typedcall_op op_lent = {
    TYPEDCALL_FIELDS(op_lent, &svc_sts, "DescribeThings", struct tc_lent, XML),
    .borrowed = true,
    .no_request_id = true,
    .unsigned_request = true,
};

IE_CB(cb_out, struct tc_out)

struct lent_res {
    bool done;
    char first[32];
    const struct tc_lent *seen;
    int clears_during;
};

static void cb_lent(const struct tc_lent *out, const struct aws_error *err, void *arg)
{
    struct lent_res *r = arg;
    r->done = true;
    r->seen = out;
    r->clears_during = tc_lent_clears;
    assert_null(err);
    snprintf(r->first, sizeof(r->first), "%s", out->first);
}

/* ---- the scripted service ---- */

enum shape { SHAPE_QUERY, SHAPE_IAM, SHAPE_EC2, SHAPE_JSON_TRUNCATED, SHAPE_JSON };

struct script {
    enum shape shape;
    int pages;            /* pages of the listing; 0: endless, every page a new token */
    bool repeat;          /* every page answers with the token "same" */
    int cycle;            /* non-zero: tokens go round c1..cN (an A, B, A loop) */
    bool marker_no_trunc; /* IAM / JSON: page 2 has a token but says not truncated */
    int fail_page;        /* this page answers 400 with an error envelope */
    int garbage_page;     /* this page answers 200 without <Items> / "Items" */
    int body_status;      /* ack tests: answer every request with this status ... */
    const char *raw_body; /* ... and this body */
    bool hang;            /* never answer */
    int status;           /* non-zero: answer every request with this HTTP status */
    int requests;
    bool got_request;
    int wait_for; /* reached is set once this many requests came */
    bool reached;
    bool secret_every_page;
    const char *secret; /* expected AuthToken on every page (query shapes) */
    char tokens[8][32]; /* token each request carried ("-": none) */
    char *last_body;
    char buf[2048];
};

static const char *tc_token_of(struct script *sc, const struct srv_req *req, char *out, size_t n)
{
    out[0] = '\0';
    if (sc->shape == SHAPE_JSON || sc->shape == SHAPE_JSON_TRUNCATED) {
        json_t *j = json_loadb(req->body, req->body_len, 0, NULL);
        const char *t = awsjson_str(j, sc->shape == SHAPE_JSON ? "NextToken" : "Marker");
        if (t)
            snprintf(out, n, "%s", t);
        json_decref(j);
    } else {
        struct query_params *q = query_decode(req->body, req->body_len);
        const char *t = query_get(q, sc->shape == SHAPE_EC2 ? "NextToken" : "Marker");
        if (t)
            snprintf(out, n, "%s", t);
        if (sc->secret) {
            const char *s = query_get(q, "AuthToken");
            if (!s || strcmp(s, sc->secret) != 0)
                sc->secret_every_page = false;
        }
        query_params_free(q);
    }
    return out[0] ? out : NULL;
}

static void script_handler(struct srv *s, const struct srv_req *req, struct srv_resp *resp,
                           void *arg)
{
    (void)s;
    struct script *sc = arg;
    char tok[32];
    const char *t = tc_token_of(sc, req, tok, sizeof(tok));
    int page = 1;
    if (t && (t[0] == 't' || t[0] == 'c'))
        page = (int)strtol(t + 1, NULL, 10);
    if (sc->requests < 8)
        snprintf(sc->tokens[sc->requests], sizeof(sc->tokens[0]), "%s", t ? t : "-");
    sc->requests++;
    sc->got_request = true;
    if (sc->wait_for && sc->requests >= sc->wait_for)
        sc->reached = true;
    free(sc->last_body);
    sc->last_body = mem_xstrndup(req->body, req->body_len);
    static char rid_hdr[64];
    snprintf(rid_hdr, sizeof(rid_hdr), "x-amzn-RequestId: rid-%d\r\n", page);
    resp->headers = rid_hdr;
    resp->action = SRV_RESPOND;
    if (sc->hang) {
        resp->action = SRV_HANG;
        return;
    }
    if (sc->raw_body) {
        resp->status = sc->body_status;
        resp->body = sc->raw_body;
        return;
    }
    if (sc->status) {
        resp->status = sc->status;
        resp->body = "{\"__type\":\"ServiceUnavailableException\",\"message\":\"busy\"}";
        return;
    }
    bool json = sc->shape == SHAPE_JSON || sc->shape == SHAPE_JSON_TRUNCATED;
    if (page == sc->fail_page) {
        resp->headers = NULL; /* the envelope's request id */
        resp->status = 400;
        resp->body =
            json ? "{\"__type\":\"InvalidMarkerException\",\"message\":\"bad token\"}"
            : sc->shape == SHAPE_EC2
                ? "<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>bad "
                  "token</Message></Error></Errors><RequestID>rid-err</RequestID></Response>"
                : "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameterValue</Code>"
                  "<Message>bad token</Message></Error><RequestId>rid-err</RequestId>"
                  "</ErrorResponse>";
        return;
    }
    char next[32] = "";
    if (sc->repeat)
        snprintf(next, sizeof(next), "same");
    else if (sc->cycle)
        snprintf(next, sizeof(next), "c%d", page % sc->cycle + 1);
    else if (sc->pages == 0 || page < sc->pages)
        snprintf(next, sizeof(next), "t%d", page + 1);
    bool truncated = next[0] && !(sc->marker_no_trunc && page == 2);
    if (sc->marker_no_trunc && page == 2 && !next[0])
        snprintf(next, sizeof(next), "t9");
    bool garbage = page == sc->garbage_page;
    resp->status = 200;
    resp->body = sc->buf;
    if (json) {
        json_t *o = json_object();
        if (!garbage)
            json_object_set_new(o, "Items", json_pack("[s,s]", "a", "b"));
        json_array_set_new(json_object_get(o, "Items"), 0, json_sprintf("i%da", page));
        json_array_set_new(json_object_get(o, "Items"), 1, json_sprintf("i%db", page));
        json_object_set_new(o, "Secret", json_string("s3cr3t-value"));
        if (next[0])
            json_object_set_new(o, sc->shape == SHAPE_JSON ? "NextToken" : "NextMarker",
                                json_string(next));
        if (sc->shape == SHAPE_JSON_TRUNCATED)
            json_object_set_new(o, "Truncated", json_boolean(truncated));
        char *d = json_dumps(o, JSON_COMPACT);
        snprintf(sc->buf, sizeof(sc->buf), "%s", d);
        free(d);
        json_decref(o);
        return;
    }
    char items[128] = "";
    if (!garbage)
        snprintf(items, sizeof(items), "<Items><Item>i%da</Item><Item>i%db</Item></Items>", page,
                 page);
    char more[128] = "";
    if (sc->shape == SHAPE_EC2 && next[0])
        snprintf(more, sizeof(more), "<nextToken>%s</nextToken>", next);
    else if (sc->shape == SHAPE_QUERY && next[0])
        snprintf(more, sizeof(more), "<Marker>%s</Marker>", next);
    else if (sc->shape == SHAPE_IAM)
        snprintf(more, sizeof(more), "<IsTruncated>%s</IsTruncated>%s%s%s",
                 truncated ? "true" : "false", next[0] ? "<Marker>" : "", next,
                 next[0] ? "</Marker>" : "");
    if (sc->shape == SHAPE_EC2)
        snprintf(sc->buf, sizeof(sc->buf),
                 "<DescribeThingsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
                 "<requestId>rid-%d</requestId>%s%s</DescribeThingsResponse>",
                 page, items, more);
    else {
        const char *op = sc->shape == SHAPE_IAM ? "ListThings" : "DescribeThings";
        snprintf(sc->buf, sizeof(sc->buf),
                 "<%sResponse><%sResult>%s%s</%sResult><ResponseMetadata><RequestId>rid-%d"
                 "</RequestId></ResponseMetadata></%sResponse>",
                 op, op, items, more, op, page, op);
    }
}

/* ---- fixture ---- */

static struct e2e X;
static struct script SC;

static int setup(void **state)
{
    (void)state;
    memset(&SC, 0, sizeof(SC));
    e2e_local_start(&X, script_handler, &SC);
    tc_frees = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    e2e_stop(&X);
    free(SC.last_body);
    json_decref(tc_seen_response);
    tc_seen_response = NULL;
    assert_int_equal(typedcall_live(), 0);
    return 0;
}

static void script_reset(struct script *sc, enum shape shape, int pages)
{
    free(sc->last_body);
    memset(sc, 0, sizeof(*sc));
    sc->shape = shape;
    sc->pages = pages;
}

static struct query_params *things(const struct typedcall_op *op, const char *marker)
{
    struct query_params *p = query_params_new(op->name, op->svc->api_version);
    query_add(p, "Filter", "app-4");
    if (marker)
        query_add(p, op->paging == TYPEDCALL_EC2_TOKEN ? "NextToken" : "Marker", marker);
    return p;
}

/* Run a query call and wait for its one answer. */
static struct tc_out *run_query(const struct typedcall_op *op, const char *marker, int max_pages,
                                struct ie_res *r)
{
    ie_reset(r);
    struct aws_call *call =
        typedcall_query(X.c, op, things(op, marker), max_pages, (typedcall_fn)cb_out, r);
    assert_int_equal(typedcall_live(), 1);
    ie_wait(&X, call, r, op->name);
    assert_int_equal(typedcall_live(), 0);
    return r->out;
}

static struct tc_out *run_json(const struct typedcall_op *op, json_t *body, int max_pages,
                               struct ie_res *r)
{
    ie_reset(r);
    struct aws_call *call = typedcall_json(X.c, op, body, max_pages, (typedcall_fn)cb_out, r);
    ie_wait(&X, call, r, op->name);
    assert_int_equal(typedcall_live(), 0);
    return r->out;
}

static void check_items(const struct tc_out *o, int first_page, int last_page)
{
    assert_int_equal(o->n, (size_t)(last_page - first_page + 1) * 2);
    for (int p = first_page; p <= last_page; p++) {
        char a[16], b[16];
        snprintf(a, sizeof(a), "i%da", p);
        snprintf(b, sizeof(b), "i%db", p);
        assert_string_equal(o->items[(p - first_page) * 2], a);
        assert_string_equal(o->items[(p - first_page) * 2 + 1], b);
    }
    char rid[16];
    snprintf(rid, sizeof(rid), "rid-%d", last_page);
    assert_string_equal(o->request_id, rid);
}

/* ---- pagination kinds ---- */

static void test_query_marker(void **state)
{
    (void)state;
    struct ie_res r = {0};
    script_reset(&SC, SHAPE_QUERY, 3);
    char secret[33];
    wire_random_token(secret, sizeof(secret));
    SC.secret = secret;
    SC.secret_every_page = true;
    ie_reset(&r);
    struct query_params *p = things(&op_query, NULL);
    query_add_secret(p, "AuthToken", secret);
    struct aws_call *call = typedcall_query(X.c, &op_query, p, 0, (typedcall_fn)cb_out, &r);
    ie_wait(&X, call, &r, "three pages");
    ie_ok(&r, "DescribeThings");
    struct tc_out *o = r.out;
    check_items(o, 1, 3);
    assert_null(o->token);
    tc_out_free(o);
    assert_int_equal(SC.requests, 3);
    assert_string_equal(SC.tokens[0], "-");
    assert_string_equal(SC.tokens[1], "t2");
    assert_string_equal(SC.tokens[2], "t3");
    assert_true(SC.secret_every_page); /* later pages are clones that keep the secret */
    assert_non_null(strstr(SC.last_body, "Filter=app-4"));
    ie_reset(&r);
}

static void test_iam_marker(void **state)
{
    (void)state;
    struct ie_res r = {0};
    script_reset(&SC, SHAPE_IAM, 3);
    struct tc_out *o = run_query(&op_iam, NULL, 0, &r);
    ie_ok(&r, "ListThings");
    check_items(o, 1, 3);
    assert_null(o->token);
    tc_out_free(o);
    assert_int_equal(SC.requests, 3);
    /* IsTruncated false ends the listing even with a Marker */
    script_reset(&SC, SHAPE_IAM, 3);
    SC.marker_no_trunc = true;
    o = run_query(&op_iam, NULL, 0, &r);
    ie_ok(&r, "ListThings");
    check_items(o, 1, 2);
    assert_null(o->token);
    tc_out_free(o);
    assert_int_equal(SC.requests, 2);
    ie_reset(&r);
}

static void test_ec2_token(void **state)
{
    (void)state;
    struct ie_res r = {0};
    script_reset(&SC, SHAPE_EC2, 3);
    struct tc_out *o = run_query(&op_ec2, NULL, 0, &r);
    ie_ok(&r, "DescribeThings");
    check_items(o, 1, 3);
    tc_out_free(o);
    assert_string_equal(SC.tokens[1], "t2");
    assert_string_equal(SC.tokens[2], "t3");
    /* an error on page 2: the error, no partial list */
    script_reset(&SC, SHAPE_EC2, 3);
    SC.fail_page = 2;
    int frees = tc_frees;
    o = run_query(&op_ec2, NULL, 0, &r);
    ie_err(&r, "InvalidParameterValue");
    assert_string_equal(r.err.request_id, "rid-err");
    assert_string_equal(r.err.operation, "DescribeThings");
    assert_int_equal(tc_frees, frees + 1); /* page 1's items were released */
    assert_int_equal(SC.requests, 2);
    ie_reset(&r);
}

static void test_json_tokens(void **state)
{
    (void)state;
    struct ie_res r = {0};
    /* Marker -> NextMarker while Truncated */
    script_reset(&SC, SHAPE_JSON_TRUNCATED, 3);
    struct tc_out *o = run_json(&op_json_truncated, json_pack("{s:s}", "KeyId", "k"), 0, &r);
    ie_ok(&r, "ListThings");
    check_items(o, 1, 3);
    tc_out_free(o);
    assert_string_equal(SC.tokens[2], "t3");
    assert_non_null(strstr(SC.last_body, "\"KeyId\":\"k\""));
    /* Truncated false ends it even with a NextMarker */
    script_reset(&SC, SHAPE_JSON_TRUNCATED, 3);
    SC.marker_no_trunc = true;
    o = run_json(&op_json_truncated, NULL, 0, &r);
    ie_ok(&r, "ListThings");
    check_items(o, 1, 2);
    assert_null(o->token);
    tc_out_free(o);
    /* NextToken -> NextToken, no flag; the response's secret is wiped once parsed */
    script_reset(&SC, SHAPE_JSON, 2);
    o = run_json(&op_json, json_object(), 0, &r);
    ie_ok(&r, "ListThings");
    check_items(o, 1, 2);
    tc_out_free(o);
    assert_string_equal(SC.tokens[1], "t2");
    const json_t *sec = json_object_get(tc_seen_response, "Secret");
    assert_non_null(sec);
    for (size_t i = 0; i < json_string_length(sec); i++)
        assert_int_equal(json_string_value(sec)[i], '\0');
    ie_reset(&r);
}

/* ---- bounds ---- */

static void test_loop_guard(void **state)
{
    (void)state;
    struct ie_res r = {0};
    script_reset(&SC, SHAPE_QUERY, 0);
    SC.repeat = true;
    struct tc_out *o = run_query(&op_query, NULL, 0, &r);
    assert_null(o);
    assert_int_equal(r.err.kind, AWS_ERR_PARSE);
    assert_string_equal(r.err.code, "PaginationLoop");
    assert_non_null(strstr(r.err.message, "Marker"));
    assert_string_equal(r.err.service, "ElastiCache");
    assert_string_equal(r.err.operation, "DescribeThings");
    assert_string_equal(r.err.request_id, "rid-1");
    assert_int_equal(SC.requests, 2);
    /* a resumed listing whose first answer sends the same token back */
    script_reset(&SC, SHAPE_EC2, 0);
    SC.repeat = true;
    o = run_query(&op_ec2, "same", 0, &r);
    assert_null(o);
    assert_string_equal(r.err.code, "PaginationLoop");
    assert_non_null(strstr(r.err.message, "NextToken"));
    assert_int_equal(SC.requests, 1);
    script_reset(&SC, SHAPE_JSON, 0);
    SC.repeat = true;
    o = run_json(&op_json, json_pack("{s:s}", "NextToken", "same"), 0, &r);
    assert_null(o);
    assert_string_equal(r.err.code, "PaginationLoop");
    assert_non_null(strstr(r.err.message, "NextToken"));
    assert_int_equal(SC.requests, 1);
    /* a token that comes back after others (A, B, C, A) loops too */
    script_reset(&SC, SHAPE_QUERY, 0);
    SC.cycle = 3;
    o = run_query(&op_query, NULL, 0, &r);
    assert_null(o);
    assert_string_equal(r.err.code, "PaginationLoop");
    assert_int_equal(SC.requests, 4);
    SC.cycle = 0;
    ie_reset(&r);
}

static void test_page_limit_and_max_pages(void **state)
{
    (void)state;
    struct ie_res r = {0};
    /* an endless listing (a new token on every page) ends at the
     * descriptor's page bound with an error, never as a shorter list */
    script_reset(&SC, SHAPE_QUERY, 0);
    struct tc_out *o = run_query(&op_query_limited, NULL, 0, &r);
    assert_null(o);
    assert_string_equal(r.err.code, "PaginationLimit");
    assert_non_null(strstr(r.err.message, "3 pages"));
    assert_int_equal(SC.requests, 3);
    ie_reset(&r);
    /* a listing exactly as long as the bound is whole */
    script_reset(&SC, SHAPE_QUERY, 3);
    o = run_query(&op_query_limited, NULL, 0, &r);
    ie_ok(&r, "DescribeThings");
    check_items(o, 1, 3);
    assert_null(o->token);
    tc_out_free(o);
    /* max_pages: stop early and hand back where to resume ... */
    script_reset(&SC, SHAPE_EC2, 5);
    o = run_query(&op_ec2, NULL, 2, &r);
    ie_ok(&r, "DescribeThings");
    check_items(o, 1, 2);
    assert_string_equal(o->token, "t3");
    tc_out_free(o);
    assert_int_equal(SC.requests, 2);
    /* ... and resume from it */
    script_reset(&SC, SHAPE_EC2, 5);
    o = run_query(&op_ec2, "t3", 0, &r);
    ie_ok(&r, "DescribeThings");
    check_items(o, 3, 5);
    assert_null(o->token);
    tc_out_free(o);
    assert_string_equal(SC.tokens[0], "t3");
    assert_int_equal(SC.requests, 3);
    /* JSON kinds too */
    script_reset(&SC, SHAPE_JSON_TRUNCATED, 4);
    o = run_json(&op_json_truncated, NULL, 3, &r);
    ie_ok(&r, "ListThings");
    check_items(o, 1, 3);
    assert_string_equal(o->token, "t4");
    tc_out_free(o);
    /* a one-page descriptor never follows a token */
    script_reset(&SC, SHAPE_QUERY, 3);
    o = run_query(&op_one, NULL, 0, &r);
    ie_ok(&r, "DescribeThings");
    check_items(o, 1, 1);
    assert_null(o->token);
    tc_out_free(o);
    assert_int_equal(SC.requests, 1);
    ie_reset(&r);
}

/* ---- failures ---- */

static void test_parse_failure(void **state)
{
    (void)state;
    struct ie_res r = {0};
    /* the parser refuses page 2 without a word: the runner's account */
    script_reset(&SC, SHAPE_QUERY, 3);
    SC.garbage_page = 2;
    int frees = tc_frees;
    struct tc_out *o = run_query(&op_query, NULL, 0, &r);
    assert_null(o);
    assert_int_equal(tc_frees, frees + 1);
    assert_int_equal(r.err.kind, AWS_ERR_PARSE);
    assert_string_equal(r.err.code, "MalformedResponse");
    assert_non_null(strstr(r.err.message, "DescribeThings"));
    assert_string_equal(r.err.service, "ElastiCache");
    assert_string_equal(r.err.operation, "DescribeThings");
    assert_string_equal(r.err.request_id, "rid-2");
    assert_int_equal(r.err.http_status, 200);
    assert_int_equal(r.err.attempts, 1);
    assert_false(r.err.retryable);
    /* a parser with its own story keeps it, with where and when added */
    script_reset(&SC, SHAPE_QUERY, 1);
    SC.garbage_page = 1;
    o = run_query(&op_query_err, NULL, 0, &r);
    assert_null(o);
    assert_int_equal(r.err.kind, AWS_ERR_PARSE);
    assert_string_equal(r.err.code, "NoItems");
    assert_string_equal(r.err.message, "the answer has no <Items>");
    assert_string_equal(r.err.service, "ElastiCache");
    assert_string_equal(r.err.request_id, "rid-1");
    /* JSON: the body is not what the operation returns */
    script_reset(&SC, SHAPE_JSON, 1);
    SC.garbage_page = 1;
    o = run_json(&op_json, NULL, 0, &r);
    assert_null(o);
    assert_string_equal(r.err.code, "MalformedResponse");
    assert_string_equal(r.err.service, "Secrets Manager");
    ie_reset(&r);
}

static void test_ack_any_2xx(void **state)
{
    (void)state;
    struct ie_res r = {0};
    /* JSON "null", an empty body, and a body that is not JSON: all success */
    const char *bodies[] = {"null", "", "not json at all"};
    for (size_t i = 0; i < 3; i++) {
        script_reset(&SC, SHAPE_JSON, 1);
        SC.raw_body = bodies[i];
        SC.body_status = i == 2 ? 202 : 200;
        char secret[33];
        wire_random_token(secret, sizeof(secret));
        json_t *body = json_pack("{s:s,s:{s:s}}", "KeyId", "k", "Nested", "Secret", secret);
        json_t *keep = json_incref(body);
        struct tc_out *o = run_json(&op_json_ack, body, 0, &r);
        ie_ok(&r, "DeleteThing");
        assert_string_equal(o->request_id, "rid-1");
        assert_int_equal(o->n, 0);
        tc_out_free(o);
        /* the request's secret was wiped when the call ended */
        const json_t *s = json_object_get(json_object_get(keep, "Nested"), "Secret");
        for (size_t j = 0; j < json_string_length(s); j++)
            assert_int_equal(json_string_value(s)[j], '\0');
        assert_non_null(strstr(SC.last_body, "\"KeyId\":\"k\""));
        json_decref(keep);
    }
    /* query protocol: an ack needs no <Result> either */
    script_reset(&SC, SHAPE_IAM, 1);
    SC.raw_body = "<DeleteThingResponse><oops";
    SC.body_status = 200;
    struct tc_out *o = run_query(&op_iam_ack, NULL, 0, &r);
    ie_ok(&r, "DeleteThing");
    tc_out_free(o);
    /* but an error is an error */
    script_reset(&SC, SHAPE_JSON, 1);
    SC.raw_body = "{\"__type\":\"NotFoundException\",\"message\":\"gone\"}";
    SC.body_status = 400;
    o = run_json(&op_json_ack, NULL, 0, &r);
    ie_err(&r, "NotFoundException");
    ie_reset(&r);
}

static void test_borrowed(void **state)
{
    (void)state;
    script_reset(&SC, SHAPE_QUERY, 1);
    struct lent_res r = {0};
    tc_lent_clears = 0;
    struct aws_call *call =
        typedcall_query(X.c, &op_lent, things(&op_lent, NULL), 0, (typedcall_fn)cb_lent, &r);
    assert_non_null(call);
    assert_false(r.done);
    e2e_wait(&X, &r.done, "borrowed");
    assert_string_equal(r.first, "i1a");
    assert_int_equal(r.clears_during, 0); /* valid during the callback ... */
    assert_int_equal(tc_lent_clears, 1);  /* ... cleared and freed after it */
    assert_int_equal(typedcall_live(), 0);
    /* unsigned: no Authorization header reached the server */
    assert_null(srv_hdr(X.srv->reqs[X.srv->nreqs - 1], "Authorization"));
}

/* ---- cancellation and release ---- */

static struct aws_call *cancel_call;

static void cancel_now(void *arg)
{
    (void)arg;
    aws_call_cancel(cancel_call);
    cancel_call = NULL;
}

/* A parser that, on page 1, queues a cancel for right after it: the call
 * is then between pages (page 2 chained, not yet sent). */
static int tc_parse_then_cancel(xmlNode *result, struct tc_out *o)
{
    int rc = tc_parse_xml(result, o);
    if (o->n == 2)
        loop_timer(X.l, 0, cancel_now, NULL);
    return rc;
}

TYPEDCALL_OP(op_cancel_between, &svc_elasticache, "DescribeThings", struct tc_out, tc_cb, XML_PLAIN,
             tc_parse_then_cancel, tc_out_free, TC_PAGED);

static void test_cancel_before_answer(void **state)
{
    (void)state;
    struct ie_res r = {0};
    ie_reset(&r);
    script_reset(&SC, SHAPE_QUERY, 3);
    SC.hang = true;
    int frees = tc_frees;
    struct aws_call *call =
        typedcall_query(X.c, &op_query, things(&op_query, NULL), 0, (typedcall_fn)cb_out, &r);
    assert_int_equal(typedcall_live(), 1);
    e2e_wait(&X, &SC.got_request, "the request");
    aws_call_cancel(call);
    assert_int_equal(typedcall_live(), 0); /* released at once */
    assert_int_equal(tc_frees, frees + 1); /* the (empty) output went too */
    e2e_idle(&X, 100);
    assert_false(r.done);
    /* cancelled before the request even left */
    script_reset(&SC, SHAPE_JSON, 3);
    call = typedcall_json(X.c, &op_json, NULL, 0, (typedcall_fn)cb_out, &r);
    aws_call_cancel(call);
    assert_int_equal(typedcall_live(), 0);
    e2e_idle(&X, 100);
    assert_false(r.done);
    assert_int_equal(SC.requests, 0);
}

static void test_cancel_between_pages(void **state)
{
    (void)state;
    struct ie_res r = {0};
    ie_reset(&r);
    script_reset(&SC, SHAPE_QUERY, 3);
    cancel_call = typedcall_query(X.c, &op_cancel_between, things(&op_query, NULL), 0,
                                  (typedcall_fn)cb_out, &r);
    int frees = tc_frees;
    e2e_idle(&X, 300);
    assert_null(cancel_call);
    assert_false(r.done);
    assert_int_equal(typedcall_live(), 0);
    assert_int_equal(tc_frees, frees + 1); /* page 1's items were released */
    assert_int_equal(SC.requests, 1);      /* page 2 never left */
    /* cancelled with page 2 in flight */
    script_reset(&SC, SHAPE_EC2, 3);
    SC.wait_for = 2;
    ie_reset(&r);
    struct aws_call *call =
        typedcall_query(X.c, &op_ec2, things(&op_ec2, NULL), 0, (typedcall_fn)cb_out, &r);
    e2e_wait(&X, &SC.reached, "page 2 asked");
    assert_int_equal(SC.requests, 2);
    aws_call_cancel(call);
    assert_int_equal(typedcall_live(), 0);
    e2e_idle(&X, 100);
    assert_false(r.done);
}

static void test_cancel_during_backoff(void **state)
{
    (void)state;
    /* a client whose back-off is long: the retry of a 503 waits */
    struct aws_error err;
    aws_error_init(&err);
    struct aws_client_options ao = {
        .reactor = loop_reactor(X.l),
        .http = X.http,
        .creds = X.creds,
        .store = X.store,
        .profile = "default",
        .region = X.region,
        .endpoint_url = X.endpoint,
        .max_attempts = 3,
        .backoff_unit_ms = 60000,
        .rand_seed = 7,
    };
    struct aws_client *c = aws_client_new(&ao, &err);
    assert_non_null(c);
    script_reset(&SC, SHAPE_JSON, 1);
    SC.status = 503;
    struct ie_res r = {0};
    ie_reset(&r);
    struct aws_call *call = typedcall_json(c, &op_json, NULL, 0, (typedcall_fn)cb_out, &r);
    e2e_wait(&X, &SC.got_request, "the first attempt");
    e2e_idle(&X, 100);
    assert_int_equal(SC.requests, 1); /* waiting to retry */
    assert_false(r.done);
    assert_int_equal(typedcall_live(), 1);
    aws_call_cancel(call);
    assert_int_equal(typedcall_live(), 0);
    e2e_idle(&X, 100);
    assert_false(r.done);
    assert_int_equal(SC.requests, 1);
    /* a client freed with calls in flight (one waiting, one in back-off)
     * releases them all without a callback */
    SC.got_request = false;
    call = typedcall_json(c, &op_json, NULL, 0, (typedcall_fn)cb_out, &r);
    assert_non_null(call);
    e2e_wait(&X, &SC.got_request, "an attempt");
    assert_non_null(
        typedcall_query(c, &op_query, things(&op_query, NULL), 0, (typedcall_fn)cb_out, &r));
    assert_int_equal(typedcall_live(), 2);
    aws_client_free(c);
    assert_int_equal(typedcall_live(), 0);
    e2e_idle(&X, 100);
    assert_false(r.done);
    ie_reset(&r);
}

static void test_no_client(void **state)
{
    (void)state;
    struct ie_res r = {0};
    ie_reset(&r);
    int frees = tc_frees;
    assert_null(
        typedcall_query(NULL, &op_query, things(&op_query, NULL), 0, (typedcall_fn)cb_out, &r));
    assert_null(typedcall_json(NULL, &op_json, json_object(), 0, (typedcall_fn)cb_out, &r));
    assert_int_equal(typedcall_live(), 0);
    assert_int_equal(tc_frees, frees + 2);
    e2e_idle(&X, 50);
    assert_false(r.done);
}

/* ---- helpers without the network ---- */

static void test_query_with(void **state)
{
    (void)state;
    struct query_params *p = query_params_new("DescribeThings", "2015-02-02");
    query_add(p, "Marker", "old");
    query_add_secret(p, "AuthToken", "hunter2-not-real");
    query_add(p, "MaxRecords", "20");
    struct query_params *c = typedcall_query_with(p, "Marker", "new");
    assert_int_equal(c->n, p->n);
    assert_string_equal(c->items[2].name, "Marker"); /* replaced where it stood */
    assert_string_equal(c->items[2].value, "new");
    assert_true(c->items[3].secret);
    char *d = query_describe(c);
    assert_null(strstr(d, "hunter2"));
    free(d);
    query_params_free(c);
    c = typedcall_query_with(p, "Marker", NULL); /* dropped */
    assert_int_equal(c->n, p->n - 1);
    assert_null(query_get(c, "Marker"));
    query_params_free(c);
    c = typedcall_query_with(p, "NextToken", "t2"); /* appended */
    assert_string_equal(c->items[c->n - 1].name, "NextToken");
    query_params_free(c);
    query_params_free(p);

    json_t *j = json_pack("{s:s,s:[{s:s},s],s:i}", "Secret", "abc", "List", "Secret", "def",
                          "Secret", "Other", 1);
    typedcall_wipe_json_member(j, "Secret");
    assert_int_equal(json_string_value(json_object_get(j, "Secret"))[0], '\0');
    assert_int_equal(json_string_value(json_object_get(
                         json_array_get(json_object_get(j, "List"), 0), "Secret"))[0],
                     '\0');
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "List"), 1)), "Secret");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest offline[] = {
        cmocka_unit_test(test_query_with),
    };
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_query_marker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_iam_marker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ec2_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loop_guard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_limit_and_max_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ack_any_2xx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_borrowed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_before_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_between_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_during_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_client, setup, teardown),
    };
    int rc = cmocka_run_group_tests(offline, NULL, NULL);
    rc += cmocka_run_group_tests(tests, NULL, NULL);
    return rc;
}
