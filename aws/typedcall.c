/* typedcall.c - the one call runner behind every typed AWS call: output,
 * parsing, pagination, errors, delivery and release (see typedcall.h). */
#include "aws/typedcall.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awsjson.h"
#include "aws/mem.h"
#include "aws/paging.h"

struct typedcall {
    const struct typedcall_op *op;
    struct aws_call *call;
    /* page-1 request: paged query calls keep a copy to clone for the next
     * pages; JSON calls keep a reference (next pages, wipe_in) */
    struct query_params *query;
    json_t *json;
    void *out;
    typedcall_fn cb;
    void *arg;
    int pages, max_pages;
    char *last_token;        /* the token sent last */
    struct paging_seen seen; /* every token of the listing: one sent again loops */
};

static size_t typedcall_nlive;

size_t typedcall_live(void)
{
    return typedcall_nlive;
}

void typedcall_wipe_json_member(json_t *v, const char *key)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        json_object_foreach(v, k, m)
        {
            if (json_is_string(m) && strcmp(k, key) == 0)
                mem_wipe((void *)(uintptr_t)json_string_value(m), json_string_length(m));
            else
                typedcall_wipe_json_member(m, key);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m)
        {
            typedcall_wipe_json_member(m, key);
        }
    }
}

struct query_params *typedcall_query_with(const struct query_params *p, const char *name,
                                          const char *value)
{
    struct query_params *c = mem_xcalloc(1, sizeof(*c));
    bool set = false;
    for (size_t i = 0; p && i < p->n; i++) {
        const struct query_param *q = &p->items[i];
        if (strcmp(q->name, name) == 0) {
            if (value && !set)
                query_add(c, name, value);
            set = true;
        } else if (q->secret) {
            query_add_secret(c, q->name, q->value);
        } else {
            query_add(c, q->name, q->value);
        }
    }
    if (value && !set)
        query_add(c, name, value);
    return c;
}

/* ---- pagination kinds ---- */

static const char *typedcall_token_in(const struct typedcall_op *op)
{
    switch (op->paging) {
    case TYPEDCALL_QUERY_MARKER:
    case TYPEDCALL_IAM_MARKER:
        return "Marker";
    case TYPEDCALL_EC2_TOKEN:
        return "NextToken";
    case TYPEDCALL_JSON_TOKEN:
        return op->token_in;
    case TYPEDCALL_ONE_PAGE:
        break;
    }
    return NULL;
}

/* The token of the next page in a response, newly allocated; NULL when
 * the listing is complete (no token, an empty one, or truncated false). */
static char *typedcall_next_token(const struct typedcall_op *op, const struct aws_response *resp)
{
    char *tok = NULL;
    bool more = true;
    switch (op->paging) {
    case TYPEDCALL_ONE_PAGE:
        return NULL;
    case TYPEDCALL_QUERY_MARKER:
        tok = query_text(resp->result, "Marker");
        break;
    case TYPEDCALL_IAM_MARKER:
        tok = query_text(resp->result, "Marker");
        more = query_bool(resp->result, "IsTruncated", true);
        break;
    case TYPEDCALL_EC2_TOKEN:
        tok = query_text(resp->result, "nextToken");
        break;
    case TYPEDCALL_JSON_TOKEN:
        tok = mem_xstrdup(awsjson_str(resp->json, op->token_out));
        if (op->truncated)
            more = awsjson_bool(resp->json, op->truncated, 1) != 0;
        break;
    }
    if (!more || (tok && !*tok)) {
        free(tok);
        tok = NULL;
    }
    return tok;
}

/* ---- state ---- */

static struct typedcall *typedcall_new(const struct typedcall_op *op, int max_pages,
                                       typedcall_fn cb, void *arg)
{
    struct typedcall *k = mem_xcalloc(1, sizeof(*k));
    k->op = op;
    k->out = mem_xcalloc(1, op->out_size);
    k->cb = cb;
    k->arg = arg;
    k->max_pages = max_pages;
    typedcall_nlive++;
    return k;
}

static void typedcall_free(struct typedcall *k)
{
    if (k->out) {
        k->op->free_out(k->out);
        if (k->op->borrowed)
            free(k->out);
    }
    query_params_free(k->query);
    if (k->json && k->op->wipe_in)
        typedcall_wipe_json_member(k->json, k->op->wipe_in);
    json_decref(k->json);
    free(k->last_token);
    paging_seen_free(&k->seen);
    free(k);
    typedcall_nlive--;
}

/* aws_client's notice: the call ended without its callback. */
static void typedcall_released(void *arg)
{
    typedcall_free(arg);
}

/* Exactly one callback, then the state goes. */
static void typedcall_finish(struct typedcall *k, const struct aws_error *err)
{
    void *out = NULL;
    if (!err) {
        out = k->out;
        if (!k->op->borrowed)
            k->out = NULL; /* the callback owns it now */
    }
    k->op->deliver(k->cb, out, err, k->arg);
    typedcall_free(k);
}

/* A 2xx body the call cannot use: AWS_ERR_PARSE with where and when. e
 * holds the parser's own account, if it gave one. */
static void typedcall_fail(struct typedcall *k, const struct aws_response *resp,
                           struct aws_error *e)
{
    const struct typedcall_op *op = k->op;
    if (e->kind == AWS_ERR_NONE)
        aws_error_set(e, AWS_ERR_PARSE, "MalformedResponse", "%s response %s", op->name,
                      op->parse_json ? "lacks expected members or has members of the wrong type"
                                     : "lacks the expected elements");
    e->kind = AWS_ERR_PARSE;
    snprintf(e->service, sizeof(e->service), "%s", op->svc->name);
    snprintf(e->operation, sizeof(e->operation), "%s", op->name);
    snprintf(e->request_id, sizeof(e->request_id), "%s", resp->request_id);
    e->http_status = resp->http_status;
    e->attempts = resp->attempts;
    e->retryable = false;
    typedcall_finish(k, e);
    aws_error_clear(e);
}

static void typedcall_send_next(struct typedcall *k, const char *token)
{
    const struct typedcall_op *op = k->op;
    struct aws_request req = {.svc = op->svc,
                              .op = op->name,
                              .raw_xml = op->parse_xml_stream != NULL,
                              .json_arena = op->json_arena};
    if (op->svc->protocol == SVC_JSON) {
        req.json = k->json ? json_deep_copy(k->json) : json_object();
        json_object_set_new(req.json, typedcall_token_in(op), json_string(token));
    } else {
        req.query = typedcall_query_with(k->query, typedcall_token_in(op), token);
    }
    req.unsigned_request = op->unsigned_request;
    aws_call_next(k->call, &req);
}

static void typedcall_on_response(struct aws_response *resp, void *arg)
{
    struct typedcall *k = arg;
    const struct typedcall_op *op = k->op;
    bool acked = false;
    if (resp->err.kind != AWS_ERR_NONE) {
        acked = op->ack && resp->err.kind == AWS_ERR_PARSE && resp->http_status >= 200 &&
                resp->http_status < 300;
        if (!acked) {
            typedcall_finish(k, &resp->err);
            return;
        }
    }
    struct aws_error perr;
    aws_error_init(&perr);
    int rc = 0;
    char stream_rid[96] = "";
    if (!acked && op->parse_json)
        rc = op->parse_json(resp->json, k->out, &perr);
    else if (!acked && op->parse_xml_stream && resp->body)
        rc = op->parse_xml_stream(resp->body, resp->body_len, k->out, &perr, stream_rid,
                                  sizeof(stream_rid));
    else if (!acked && op->parse_xml)
        rc = op->parse_xml(resp->result, k->out, &perr);
    if (op->wipe_out && resp->json)
        typedcall_wipe_json_member(resp->json, op->wipe_out);
    if (rc != 0) {
        typedcall_fail(k, resp, &perr);
        return;
    }
    aws_error_clear(&perr);
    if (!op->no_request_id)
        snprintf((char *)k->out, 96, "%s", resp->request_id[0] ? resp->request_id : stream_rid);
    if (op->paging != TYPEDCALL_ONE_PAGE && !acked) {
        char **slot = (char **)(void *)((char *)k->out + op->token_offset);
        char *tok;
        if (op->parse_xml_stream && resp->body) {
            tok = *slot; /* the stream parser left it there */
            if (tok && !*tok) {
                free(tok);
                tok = NULL;
            }
        } else {
            tok = typedcall_next_token(op, resp);
            free(*slot);
        }
        *slot = NULL;
        k->pages++;
        if (tok && ((k->last_token && strcmp(tok, k->last_token) == 0) ||
                    !paging_seen_add(&k->seen, tok))) {
            free(tok);
            aws_error_set(&perr, AWS_ERR_PARSE, PAGING_LOOP,
                          "the service sent a %s it had already sent, after %d page%s "
                          "(pagination loop)",
                          typedcall_token_in(op), k->pages, k->pages == 1 ? "" : "s");
            typedcall_fail(k, resp, &perr);
            return;
        }
        int limit = op->page_limit > 0 ? op->page_limit : TYPEDCALL_PAGE_LIMIT;
        if (tok && k->pages >= limit && (k->max_pages <= 0 || k->pages < k->max_pages)) {
            free(tok);
            aws_error_set(&perr, AWS_ERR_PARSE, PAGING_LIMIT,
                          "the service sent a new %s on each of %d pages, far more than any "
                          "real account needs (bound %d pages); stopped",
                          typedcall_token_in(op), k->pages, limit);
            typedcall_fail(k, resp, &perr);
            return;
        }
        if (tok && (k->max_pages <= 0 || k->pages < k->max_pages)) {
            free(k->last_token);
            k->last_token = tok;
            typedcall_send_next(k, tok);
            return;
        }
        *slot = tok; /* where a caller may resume (NULL: the listing is complete) */
    }
    typedcall_finish(k, NULL);
}

static struct aws_call *typedcall_start(struct aws_client *c, struct typedcall *k,
                                        struct aws_request *req)
{
    req->svc = k->op->svc;
    req->op = k->op->name;
    req->unsigned_request = k->op->unsigned_request;
    req->raw_xml = k->op->parse_xml_stream != NULL;
    req->json_arena = k->op->json_arena;
    req->on_release = typedcall_released;
    struct aws_call *call = aws_client_call(c, req, typedcall_on_response, k);
    if (!call)
        typedcall_free(k); /* no client: nothing was started, nothing calls back */
    else
        k->call = call;
    return call;
}

struct aws_call *typedcall_query(struct aws_client *c, const struct typedcall_op *op,
                                 struct query_params *query, int max_pages, typedcall_fn cb,
                                 void *arg)
{
    struct typedcall *k = typedcall_new(op, max_pages, cb, arg);
    const char *tin = typedcall_token_in(op);
    if (tin && query) {
        k->query = typedcall_query_with(query, tin, NULL);
        k->last_token = mem_xstrdup(query_get(query, tin));
        paging_seen_add(&k->seen, k->last_token);
    }
    struct aws_request req = {.query = query};
    return typedcall_start(c, k, &req);
}

struct aws_call *typedcall_json(struct aws_client *c, const struct typedcall_op *op, json_t *json,
                                int max_pages, typedcall_fn cb, void *arg)
{
    struct typedcall *k = typedcall_new(op, max_pages, cb, arg);
    k->json = json_incref(json);
    const char *tin = typedcall_token_in(op);
    if (tin)
        k->last_token = mem_xstrdup(awsjson_str(json, tin));
    paging_seen_add(&k->seen, k->last_token);
    struct aws_request req = {.json = json};
    return typedcall_start(c, k, &req);
}
