/* typedcall.h - the one call runner behind every typed AWS call
 * (elasticache.c, ec2.c, kms.c, logs.c, secrets.c, ssm.c, iam.c,
 * cloudwatch.c, sts.c, pricing.c).
 *
 * A module describes each operation once (struct typedcall_op: service,
 * name, output size, parser, free, the trampoline to its typed callback,
 * pagination) and starts a call with its request. The runner then:
 *  - allocates the output and parses every page into it (parsers append);
 *  - fills the output's leading char request_id[96] (the last page's);
 *  - follows the pagination token until done, max_pages or the page limit,
 *    cloning the page-1 request with the token (query parameters keep their
 *    secret marks) and refusing a token the service already sent (loop);
 *    when it stops early the token goes into the output to resume from;
 *  - reports a body the parser refuses as AWS_ERR_PARSE with service,
 *    operation, HTTP status, request id and attempts;
 *  - calls the typed callback exactly once, never from inside the start
 *    call, with exactly one of out / err; the handle it returns works with
 *    aws_call_cancel() across pages, and then the callback never runs;
 *  - frees its own state when the call completes, and through aws_client's
 *    release notice when it ends without its callback (cancelled, or the
 *    client freed with the call in flight): nothing is kept once a call is
 *    over, whatever ended it.
 *
 * A descriptor is usually written with TYPEDCALL_OP (below), which also
 * writes the three small adapters between the generic runner and the
 * module's typed parser, free and callback.
 */
#ifndef ELCUI_AWS_TYPEDCALL_H
#define ELCUI_AWS_TYPEDCALL_H

#include <jansson.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
#include "aws/query.h"
#include "aws/svc.h"

/* Hard bound on automatic pagination when the descriptor gives none: a
 * service that keeps sending new tokens cannot keep a call alive forever. */
#define TYPEDCALL_PAGE_LIMIT 10000

/* A typed callback, stored untyped; the descriptor's deliver casts it back. */
typedef void (*typedcall_fn)(void);

enum typedcall_paging {
    TYPEDCALL_ONE_PAGE = 0, /* one request (callers that page by hand) */
    TYPEDCALL_QUERY_MARKER, /* Marker in, <Marker> out (ElastiCache) */
    TYPEDCALL_IAM_MARKER,   /* Marker in, <Marker> out while <IsTruncated> (IAM) */
    TYPEDCALL_EC2_TOKEN,    /* NextToken in, <nextToken> out (EC2) */
    TYPEDCALL_JSON_TOKEN,   /* token_in in, token_out out, while truncated (JSON 1.1) */
};

struct typedcall_op {
    const struct svc *svc;
    const char *name; /* "DescribeReplicationGroups" */
    size_t out_size;  /* calloc'ed per call */
    /* The parser for the service's protocol: 0, or -1 with err filled or
     * left empty (the runner then says the body lacks what it needs).
     * NULL: nothing to read (ack operations). */
    int (*parse_xml)(const xmlNode *result, void *out, struct aws_error *err);
    int (*parse_json)(const json_t *obj, void *out, struct aws_error *err);
    /* XML read as a stream instead (large listings): the raw 2xx body,
     * parsed without a tree of the whole answer (query_parse_stream). It
     * leaves the next page's token in the output's token slot and may fill
     * request_id (the answer's <RequestId>). */
    int (*parse_xml_stream)(const char *body, size_t len, void *out, struct aws_error *err,
                            char *request_id, size_t request_id_len);
    /* Releases what out holds and out itself; for borrowed outputs only
     * what it holds (the runner frees the block). */
    void (*free_out)(void *out);
    void (*deliver)(typedcall_fn cb, void *out, const struct aws_error *err, void *arg);
    enum typedcall_paging paging;
    /* TYPEDCALL_JSON_TOKEN: request member for the token, response member
     * with the next one, optional boolean member that ends the listing
     * when false (absent: the token decides). Preset for the other kinds. */
    const char *token_in, *token_out, *truncated;
    size_t token_offset; /* paged: offsetof the output's char * resume token */
    int page_limit;      /* 0: TYPEDCALL_PAGE_LIMIT */
    /* Output-less operation: any 2xx is success and the body is not read
     * (moto answers some with "null", which botocore tolerates). */
    bool ack;
    /* The callback borrows out (valid during the call only): the runner
     * clears and frees it when the callback returns (STS). */
    bool borrowed;
    bool no_request_id;    /* the output has no leading char request_id[96] (STS) */
    bool unsigned_request; /* sent without a signature (AssumeRoleWithWebIdentity) */
    /* JSON answers parsed into an arena (aws_request.json_arena): large
     * pages whose parser copies what it keeps (FilterLogEvents). */
    bool json_arena;
    /* JSON member (at any depth) holding a secret: wiped from the request
     * when the call ends (wipe_in), from each response once parsed
     * (wipe_out). NULL: none. */
    const char *wipe_in, *wipe_out;
};

/* Start a call. query (query/EC2 services) or json (JSON services; NULL is
 * {}) is the page-1 request, taken in every case. max_pages: 0 = all.
 * Returns the handle, NULL only for a NULL client (nothing is called). */
struct aws_call *typedcall_query(struct aws_client *c, const struct typedcall_op *op,
                                 struct query_params *query, int max_pages, typedcall_fn cb,
                                 void *arg);
struct aws_call *typedcall_json(struct aws_client *c, const struct typedcall_op *op, json_t *json,
                                int max_pages, typedcall_fn cb, void *arg);

/* Wipe every string member named key, at any depth of v. */
void typedcall_wipe_json_member(json_t *v, const char *key);

/* Copy of p (secret marks kept) with name set to value: replaced where it
 * stands, appended when absent; value NULL drops it. */
struct query_params *typedcall_query_with(const struct query_params *p, const char *name,
                                          const char *value);

/* Runner states alive now (calls started and not yet over): tests check
 * that cancelled calls leave nothing behind. */
size_t typedcall_live(void);

/* ---- descriptor glue ----
 *
 * TYPEDCALL_OP(sym, svc, "Name", out_type, cb_type, PARSE, parse_fn, free_fn, ...)
 * defines static const struct typedcall_op sym and its adapters; trailing
 * designated initializers add paging and options. PARSE names the parser's
 * form:
 *   XML        int parse_fn(const xmlNode *result, out_type *out, struct aws_error *err)
 *   XML_PLAIN  int parse_fn(xmlNode *result, out_type *out)
 *   JSON       int parse_fn(const json_t *obj, out_type *out, struct aws_error *err)
 *   JSON_PLAIN int parse_fn(const json_t *obj, out_type *out)
 *   NONE       no parser (parse_fn ignored; pass 0)
 * out_type must start with char request_id[96]. */
#define TYPEDCALL_PARSE_XML(sym, type, fn)                                                         \
    static int sym##_parse(const xmlNode *r, void *o, struct aws_error *e)                         \
    {                                                                                              \
        return fn(r, (type *)o, e);                                                                \
    }
#define TYPEDCALL_PARSE_XML_PLAIN(sym, type, fn)                                                   \
    static int sym##_parse(const xmlNode *r, void *o, struct aws_error *e)                         \
    {                                                                                              \
        (void)e;                                                                                   \
        return fn((xmlNode *)(uintptr_t)r, (type *)o);                                             \
    }
#define TYPEDCALL_PARSE_JSON(sym, type, fn)                                                        \
    static int sym##_parse(const json_t *j, void *o, struct aws_error *e)                          \
    {                                                                                              \
        return fn(j, (type *)o, e);                                                                \
    }
#define TYPEDCALL_PARSE_JSON_PLAIN(sym, type, fn)                                                  \
    static int sym##_parse(const json_t *j, void *o, struct aws_error *e)                          \
    {                                                                                              \
        (void)e;                                                                                   \
        return fn(j, (type *)o);                                                                   \
    }
#define TYPEDCALL_PARSE_NONE(sym, type, fn)
#define TYPEDCALL_SLOT_XML(sym) .parse_xml = sym##_parse
#define TYPEDCALL_SLOT_XML_PLAIN(sym) .parse_xml = sym##_parse
#define TYPEDCALL_SLOT_JSON(sym) .parse_json = sym##_parse
#define TYPEDCALL_SLOT_JSON_PLAIN(sym) .parse_json = sym##_parse
#define TYPEDCALL_SLOT_NONE(sym) .ack = true

/* The adapters alone (for descriptors written out by hand). */
#define TYPEDCALL_GLUE(sym, type, cbtype, form, parsefn, freefn)                                   \
    TYPEDCALL_PARSE_##form(sym, type, parsefn) static void sym##_free(void *o)                     \
    {                                                                                              \
        freefn((type *)o);                                                                         \
    }                                                                                              \
    static void sym##_deliver(typedcall_fn cb, void *o, const struct aws_error *e, void *a)        \
    {                                                                                              \
        ((cbtype)cb)((type *)o, e, a);                                                             \
    }
/* The descriptor members TYPEDCALL_GLUE's adapters fill. */
#define TYPEDCALL_FIELDS(sym, svc_, opname, type, form)                                            \
    .svc = (svc_), .name = (opname), .out_size = sizeof(type), .free_out = sym##_free,             \
    .deliver = sym##_deliver, TYPEDCALL_SLOT_##form(sym)

#define TYPEDCALL_OP(sym, svc_, opname, type, cbtype, form, parsefn, freefn, ...)                  \
    _Static_assert(offsetof(type, request_id) == 0, "request_id first");                           \
    TYPEDCALL_GLUE(sym, type, cbtype, form, parsefn, freefn)                                       \
    static const struct typedcall_op sym = {TYPEDCALL_FIELDS(sym, svc_, opname, type, form),       \
                                            __VA_ARGS__}

/* One JSON operation of a module's table of operations (an X-macro list,
 * one row per operation): the descriptor PREFIX_op_OP (as TYPEDCALL_OP)
 * and the typed call
 *   struct aws_call *PREFIX_OP(struct aws_client *c,
 *                              const struct PREFIX_OP_in *in, PREFIX_OP_cb cb, void *arg)
 * which sends PREFIX_build_OP(in). pages: ONE (the operation is not paged,
 * or the caller pages) or IN (in->max_pages, 0 = all). */
#define TYPEDCALL_PAGES_ONE(in) 0
#define TYPEDCALL_PAGES_IN(in) ((in) ? (in)->max_pages : 0)
#define TYPEDCALL_JSON_OP(prefix, svc_, op, opname, type, form, parsefn, freefn, pages, ...)       \
    TYPEDCALL_OP(prefix##_op_##op, svc_, opname, type, prefix##_##op##_cb, form, parsefn, freefn,  \
                 __VA_ARGS__);                                                                     \
    struct aws_call *prefix##_##op(struct aws_client *c, const struct prefix##_##op##_in *in,      \
                                   prefix##_##op##_cb cb, void *arg)                               \
    {                                                                                              \
        return typedcall_json(c, &prefix##_op_##op, prefix##_build_##op(in),                       \
                              TYPEDCALL_PAGES_##pages(in), (typedcall_fn)cb, arg);                 \
    }

/* Paging initializers for TYPEDCALL_OP's trailing arguments. */
#define TYPEDCALL_PAGED(kind, type, member) .paging = (kind), .token_offset = offsetof(type, member)

#endif
