/* ssm.c - typed SSM Parameter Store calls: builders, parsers, the runner. */
#include "aws/ssm.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awsjson.h"
#include "aws/mem.h"
#include "aws/svc.h"

/* ---- helpers ---- */

static void ssm_set_str(json_t *o, const char *key, const char *v)
{
    if (v)
        json_object_set_new(o, key, json_string(v));
}

/* Wipe in place every string member named key, at any depth. */
static void ssm_wipe_member(json_t *v, const char *key)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        json_object_foreach(v, k, m)
        {
            if (json_is_string(m) && strcmp(k, key) == 0)
                mem_wipe((void *)(uintptr_t)json_string_value(m), json_string_length(m));
            else
                ssm_wipe_member(m, key);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m)
        {
            ssm_wipe_member(m, key);
        }
    }
}

json_t *ssm_mask(const json_t *body)
{
    json_t *o = json_object();
    const char *k;
    json_t *m;
    if (!json_is_object(body))
        return o;
    json_object_foreach((json_t *)body, k, m)
    {
        if (strcmp(k, "Value") == 0 && json_is_string(m))
            json_object_set_new(o, k, json_string("****"));
        else
            json_object_set_new(o, k, json_deep_copy(m));
    }
    return o;
}

static const json_t *ssm_array(const json_t *o, const char *key, bool *bad)
{
    const json_t *a = json_object_get(o, key);
    if (!a || json_is_null(a))
        return NULL;
    if (!json_is_array(a)) {
        *bad = true;
        return NULL;
    }
    return a;
}

void ssm_result_free(struct ssm_result *r)
{
    free(r);
}

/* ---- PutParameter ---- */

json_t *ssm_build_put_parameter(const struct ssm_put_parameter_in *in)
{
    json_t *o = json_object();
    if (!in)
        return o;
    ssm_set_str(o, "Name", in->name);
    ssm_set_str(o, "Description", in->description);
    ssm_set_str(o, "Value", in->value);
    ssm_set_str(o, "Type", in->type);
    ssm_set_str(o, "KeyId", in->key_id);
    if (in->overwrite)
        json_object_set_new(o, "Overwrite", json_true());
    if (in->tags && in->n_tags) {
        json_t *a = json_array();
        for (size_t i = 0; i < in->n_tags; i++)
            json_array_append_new(a, json_pack("{s:s,s:s}", "Key",
                                               in->tags[i].key ? in->tags[i].key : "", "Value",
                                               in->tags[i].value ? in->tags[i].value : ""));
        json_object_set_new(o, "Tags", a);
    }
    ssm_set_str(o, "Tier", in->tier);
    return o;
}

int ssm_parse_put_parameter(const json_t *obj, struct ssm_put_parameter_out *out)
{
    if (!out || !json_is_object(obj))
        return -1;
    out->version = awsjson_int(obj, "Version", 0);
    out->tier = awsjson_strdup(obj, "Tier");
    return 0;
}

void ssm_put_parameter_out_free(struct ssm_put_parameter_out *o)
{
    if (!o)
        return;
    free(o->tier);
    free(o);
}

/* ---- GetParameter / GetParameters ---- */

static void ssm_parameter_clear(struct ssm_parameter *p)
{
    free(p->name);
    free(p->type);
    if (p->value)
        mem_wipe(p->value, p->value_len);
    free(p->value);
    free(p->arn);
    free(p->data_type);
    free(p->selector);
    free(p->source_result);
    memset(p, 0, sizeof(*p));
}

static void ssm_parameter_parse(const json_t *o, struct ssm_parameter *p)
{
    p->name = awsjson_strdup(o, "Name");
    p->type = awsjson_strdup(o, "Type");
    const json_t *v = json_object_get(o, "Value");
    if (json_is_string(v)) {
        p->value_len = json_string_length(v);
        p->value = mem_xmalloc(p->value_len + 1);
        memcpy(p->value, json_string_value(v), p->value_len);
        p->value[p->value_len] = '\0';
    }
    p->version = awsjson_int(o, "Version", 0);
    p->arn = awsjson_strdup(o, "ARN");
    p->data_type = awsjson_strdup(o, "DataType");
    p->selector = awsjson_strdup(o, "Selector");
    p->source_result = awsjson_strdup(o, "SourceResult");
    p->last_modified_date_ms = awsjson_time_ms(o, "LastModifiedDate");
}

json_t *ssm_build_get_parameter(const struct ssm_get_parameter_in *in)
{
    json_t *o = json_object();
    if (!in)
        return o;
    ssm_set_str(o, "Name", in->name);
    if (in->with_decryption)
        json_object_set_new(o, "WithDecryption", json_true());
    return o;
}

int ssm_parse_get_parameter(const json_t *obj, struct ssm_get_parameter_out *out)
{
    const json_t *p = json_object_get(obj, "Parameter");
    if (!out || !json_is_object(p))
        return -1;
    ssm_parameter_parse(p, &out->parameter);
    return out->parameter.name ? 0 : -1;
}

void ssm_get_parameter_out_free(struct ssm_get_parameter_out *o)
{
    if (!o)
        return;
    ssm_parameter_clear(&o->parameter);
    free(o);
}

json_t *ssm_build_get_parameters(const struct ssm_get_parameters_in *in)
{
    json_t *o = json_object();
    if (!in)
        return o;
    json_t *a = json_array();
    for (size_t i = 0; in->names && i < in->n_names; i++)
        json_array_append_new(a, json_string(in->names[i] ? in->names[i] : ""));
    json_object_set_new(o, "Names", a);
    if (in->with_decryption)
        json_object_set_new(o, "WithDecryption", json_true());
    return o;
}

int ssm_parse_get_parameters(const json_t *obj, struct ssm_get_parameters_out *out)
{
    bool bad = false;
    const json_t *a = ssm_array(obj, "Parameters", &bad);
    const json_t *inv = ssm_array(obj, "InvalidParameters", &bad);
    if (!out || bad || !json_is_object(obj))
        return -1;
    size_t k = a ? json_array_size(a) : 0;
    if (k)
        out->items = mem_xcalloc(k, sizeof(*out->items));
    for (size_t i = 0; i < k; i++) {
        const json_t *e = json_array_get(a, i);
        if (json_is_object(e))
            ssm_parameter_parse(e, &out->items[out->n++]);
    }
    size_t ki = inv ? json_array_size(inv) : 0;
    out->invalid_parameters = mem_xcalloc(ki + 1, sizeof(char *));
    for (size_t i = 0; i < ki; i++) {
        const json_t *e = json_array_get(inv, i);
        if (json_is_string(e))
            out->invalid_parameters[out->n_invalid_parameters++] =
                mem_xstrdup(json_string_value(e));
    }
    return 0;
}

const struct ssm_parameter *ssm_get_parameters_find(const struct ssm_get_parameters_out *o,
                                                    const char *name)
{
    for (size_t i = 0; o && name && i < o->n; i++)
        if (o->items[i].name && strcmp(o->items[i].name, name) == 0)
            return &o->items[i];
    return NULL;
}

void ssm_get_parameters_out_free(struct ssm_get_parameters_out *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n; i++)
        ssm_parameter_clear(&o->items[i]);
    free(o->items);
    for (size_t i = 0; i < o->n_invalid_parameters; i++)
        free(o->invalid_parameters[i]);
    free(o->invalid_parameters);
    free(o);
}

/* ---- DeleteParameter ---- */

json_t *ssm_build_delete_parameter(const struct ssm_delete_parameter_in *in)
{
    json_t *o = json_object();
    if (in)
        ssm_set_str(o, "Name", in->name);
    return o;
}

/* ---- DescribeParameters ---- */

json_t *ssm_build_describe_parameters(const struct ssm_describe_parameters_in *in)
{
    json_t *o = json_object();
    if (!in)
        return o;
    if (in->filters && in->n_filters) {
        json_t *a = json_array();
        for (size_t i = 0; i < in->n_filters; i++) {
            const struct ssm_parameter_filter *f = &in->filters[i];
            json_t *e = json_object();
            ssm_set_str(e, "Key", f->key);
            ssm_set_str(e, "Option", f->option);
            json_t *vals = json_array();
            for (size_t j = 0; f->values && j < f->n_values; j++)
                json_array_append_new(vals, json_string(f->values[j] ? f->values[j] : ""));
            json_object_set_new(e, "Values", vals);
            json_array_append_new(a, e);
        }
        json_object_set_new(o, "ParameterFilters", a);
    }
    if (in->max_results > 0)
        json_object_set_new(o, "MaxResults", json_integer(in->max_results));
    if (in->next_token && *in->next_token)
        ssm_set_str(o, "NextToken", in->next_token);
    return o;
}

int ssm_parse_describe_parameters(const json_t *obj, struct ssm_parameter_metadata_list *out)
{
    bool bad = false;
    const json_t *a = ssm_array(obj, "Parameters", &bad);
    if (!out || bad)
        return -1;
    size_t k = a ? json_array_size(a) : 0;
    if (k == 0)
        return 0;
    out->items = mem_xrealloc(out->items, (out->n + k) * sizeof(*out->items));
    memset(out->items + out->n, 0, k * sizeof(*out->items));
    for (size_t i = 0; i < k; i++) {
        const json_t *e = json_array_get(a, i);
        if (!json_is_object(e))
            continue;
        struct ssm_parameter_metadata *m = &out->items[out->n++];
        m->name = awsjson_strdup(e, "Name");
        m->arn = awsjson_strdup(e, "ARN");
        m->type = awsjson_strdup(e, "Type");
        m->key_id = awsjson_strdup(e, "KeyId");
        m->description = awsjson_strdup(e, "Description");
        m->tier = awsjson_strdup(e, "Tier");
        m->data_type = awsjson_strdup(e, "DataType");
        m->allowed_pattern = awsjson_strdup(e, "AllowedPattern");
        m->last_modified_user = awsjson_strdup(e, "LastModifiedUser");
        m->version = awsjson_int(e, "Version", 0);
        m->last_modified_date_ms = awsjson_time_ms(e, "LastModifiedDate");
    }
    return 0;
}

void ssm_parameter_metadata_list_free(struct ssm_parameter_metadata_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        struct ssm_parameter_metadata *m = &l->items[i];
        free(m->name);
        free(m->arn);
        free(m->type);
        free(m->key_id);
        free(m->description);
        free(m->tier);
        free(m->data_type);
        free(m->allowed_pattern);
        free(m->last_modified_user);
    }
    free(l->items);
    free(l->next_token);
    free(l);
}

/* ---- the runner ---- */

typedef int (*ssm_parse_fn)(const json_t *obj, void *out);
typedef void (*ssm_free_fn)(void *out);
typedef void (*ssm_any_cb)(void);
typedef void (*ssm_deliver_fn)(ssm_any_cb cb, void *out, const struct aws_error *err, void *arg);

struct ssm_op {
    const char *name;
    size_t out_size;
    ssm_parse_fn parse; /* NULL: no output members */
    ssm_free_fn free_out;
    ssm_deliver_fn deliver;
    bool paged; /* NextToken */
    size_t token_offset;
    bool values_secret; /* wipe "Value" members of the request and the response */
};

struct ssm_ctx {
    struct ssm_ctx *prev, *next; /* ssm_parked */
    const struct ssm_op *op;
    struct aws_call *call;
    json_t *req;
    ssm_any_cb cb;
    void *arg;
    void *out;
    int pages, max_pages;
    char *last_token;
};

/* Every call in flight. aws_call_cancel() ends a call without a word to
 * its callback, so a cancelled call's state cannot be freed here: it stays
 * on this list (reachable, bounded by the number of cancellations) until
 * aws_client offers a release notification (as in elasticache.c). */
static struct ssm_ctx *ssm_parked;

static void ssm_park(struct ssm_ctx *x)
{
    x->next = ssm_parked;
    if (ssm_parked)
        ssm_parked->prev = x;
    ssm_parked = x;
}

static void ssm_unpark(struct ssm_ctx *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        ssm_parked = x->next;
    if (x->next)
        x->next->prev = x->prev;
}

static void ssm_ctx_free(struct ssm_ctx *x)
{
    ssm_unpark(x);
    if (x->op->values_secret)
        ssm_wipe_member(x->req, "Value");
    json_decref(x->req);
    free(x->last_token);
    free(x);
}

static void ssm_fail(struct ssm_ctx *x, const struct aws_error *err)
{
    x->op->free_out(x->out);
    x->op->deliver(x->cb, NULL, err, x->arg);
    ssm_ctx_free(x);
}

static void ssm_fail_parse(struct ssm_ctx *x, const struct aws_response *resp, const char *why)
{
    struct aws_error e;
    aws_error_init(&e);
    aws_error_set(&e, AWS_ERR_PARSE, "MalformedResponse", "%s response %s", x->op->name, why);
    e.http_status = resp->http_status;
    e.attempts = resp->attempts;
    snprintf(e.request_id, sizeof(e.request_id), "%s", resp->request_id);
    snprintf(e.service, sizeof(e.service), "%s", svc_ssm.name);
    snprintf(e.operation, sizeof(e.operation), "%s", x->op->name);
    ssm_fail(x, &e);
    aws_error_clear(&e);
}

static void ssm_on_response(struct aws_response *resp, void *arg)
{
    struct ssm_ctx *x = arg;
    /* Operations without output members ignore the body, as botocore does. */
    bool ack_ok = !x->op->parse && resp->err.kind == AWS_ERR_PARSE && resp->http_status >= 200 &&
                  resp->http_status < 300;
    if (resp->err.kind != AWS_ERR_NONE && !ack_ok) {
        ssm_fail(x, &resp->err);
        return;
    }
    snprintf((char *)x->out, 96, "%s", resp->request_id);
    int rc = x->op->parse ? x->op->parse(resp->json, x->out) : 0;
    if (x->op->values_secret)
        ssm_wipe_member(resp->json, "Value");
    if (rc != 0) {
        ssm_fail_parse(x, resp, "lacks expected members or has members of the wrong type");
        return;
    }
    if (x->op->paged) {
        const char *tok = awsjson_str(resp->json, "NextToken");
        char **slot = (char **)(void *)((char *)x->out + x->op->token_offset);
        x->pages++;
        if (tok && *tok) {
            if (x->last_token && strcmp(tok, x->last_token) == 0) {
                ssm_fail_parse(x, resp, "repeated the same NextToken (pagination loop)");
                return;
            }
            free(x->last_token);
            x->last_token = mem_xstrdup(tok);
            if ((x->max_pages <= 0 || x->pages < x->max_pages) && x->pages < SSM_PAGE_LIMIT) {
                json_t *p = json_deep_copy(x->req);
                json_object_set_new(p, "NextToken", json_string(tok));
                struct aws_request req = {.svc = &svc_ssm, .op = x->op->name, .json = p};
                aws_call_next(x->call, &req);
                return;
            }
            *slot = mem_xstrdup(tok);
        }
    }
    x->op->deliver(x->cb, x->out, NULL, x->arg);
    ssm_ctx_free(x);
}

static struct aws_call *ssm_start(struct aws_client *c, const struct ssm_op *op, json_t *req,
                                  int max_pages, ssm_any_cb cb, void *arg)
{
    struct ssm_ctx *x = mem_xcalloc(1, sizeof(*x));
    x->op = op;
    x->cb = cb;
    x->arg = arg;
    x->out = mem_xcalloc(1, op->out_size);
    x->max_pages = max_pages;
    x->req = req;
    struct aws_request r = {.svc = &svc_ssm, .op = op->name, .json = json_incref(req)};
    ssm_park(x);
    x->call = aws_client_call(c, &r, ssm_on_response, x);
    if (!x->call) {
        op->free_out(x->out);
        ssm_ctx_free(x);
        return NULL;
    }
    return x->call;
}

#define SSM_GLUE(id, type, free_fn, cb_type)                                                       \
    _Static_assert(offsetof(type, request_id) == 0, "request_id first");                           \
    static void ssm_f_##id(void *o)                                                                \
    {                                                                                              \
        free_fn(o);                                                                                \
    }                                                                                              \
    static void ssm_d_##id(ssm_any_cb cb, void *o, const struct aws_error *e, void *a)             \
    {                                                                                              \
        ((cb_type)cb)(o, e, a);                                                                    \
    }
#define SSM_PARSE(id, parse_fn)                                                                    \
    static int ssm_p_##id(const json_t *obj, void *o)                                              \
    {                                                                                              \
        return parse_fn(obj, o);                                                                   \
    }

SSM_GLUE(put_parameter, struct ssm_put_parameter_out, ssm_put_parameter_out_free,
         ssm_put_parameter_cb)
SSM_PARSE(put_parameter, ssm_parse_put_parameter)
static const struct ssm_op ssm_op_put_parameter = {.name = "PutParameter",
                                                   .out_size = sizeof(struct ssm_put_parameter_out),
                                                   .parse = ssm_p_put_parameter,
                                                   .free_out = ssm_f_put_parameter,
                                                   .deliver = ssm_d_put_parameter,
                                                   .values_secret = true};

SSM_GLUE(get_parameter, struct ssm_get_parameter_out, ssm_get_parameter_out_free,
         ssm_get_parameter_cb)
SSM_PARSE(get_parameter, ssm_parse_get_parameter)
static const struct ssm_op ssm_op_get_parameter = {.name = "GetParameter",
                                                   .out_size = sizeof(struct ssm_get_parameter_out),
                                                   .parse = ssm_p_get_parameter,
                                                   .free_out = ssm_f_get_parameter,
                                                   .deliver = ssm_d_get_parameter,
                                                   .values_secret = true};

SSM_GLUE(get_parameters, struct ssm_get_parameters_out, ssm_get_parameters_out_free,
         ssm_get_parameters_cb)
SSM_PARSE(get_parameters, ssm_parse_get_parameters)
static const struct ssm_op ssm_op_get_parameters = {.name = "GetParameters",
                                                    .out_size =
                                                        sizeof(struct ssm_get_parameters_out),
                                                    .parse = ssm_p_get_parameters,
                                                    .free_out = ssm_f_get_parameters,
                                                    .deliver = ssm_d_get_parameters,
                                                    .values_secret = true};

SSM_GLUE(delete_parameter, struct ssm_result, ssm_result_free, ssm_delete_parameter_cb)
static const struct ssm_op ssm_op_delete_parameter = {.name = "DeleteParameter",
                                                      .out_size = sizeof(struct ssm_result),
                                                      .free_out = ssm_f_delete_parameter,
                                                      .deliver = ssm_d_delete_parameter};

SSM_GLUE(describe_parameters, struct ssm_parameter_metadata_list, ssm_parameter_metadata_list_free,
         ssm_describe_parameters_cb)
SSM_PARSE(describe_parameters, ssm_parse_describe_parameters)
static const struct ssm_op ssm_op_describe_parameters = {
    .name = "DescribeParameters",
    .out_size = sizeof(struct ssm_parameter_metadata_list),
    .parse = ssm_p_describe_parameters,
    .free_out = ssm_f_describe_parameters,
    .deliver = ssm_d_describe_parameters,
    .paged = true,
    .token_offset = offsetof(struct ssm_parameter_metadata_list, next_token)};

/* ---- the calls ---- */

struct aws_call *ssm_put_parameter(struct aws_client *c, const struct ssm_put_parameter_in *in,
                                   ssm_put_parameter_cb cb, void *arg)
{
    return ssm_start(c, &ssm_op_put_parameter, ssm_build_put_parameter(in), 0, (ssm_any_cb)cb, arg);
}

struct aws_call *ssm_get_parameter(struct aws_client *c, const struct ssm_get_parameter_in *in,
                                   ssm_get_parameter_cb cb, void *arg)
{
    return ssm_start(c, &ssm_op_get_parameter, ssm_build_get_parameter(in), 0, (ssm_any_cb)cb, arg);
}

struct aws_call *ssm_get_parameters(struct aws_client *c, const struct ssm_get_parameters_in *in,
                                    ssm_get_parameters_cb cb, void *arg)
{
    return ssm_start(c, &ssm_op_get_parameters, ssm_build_get_parameters(in), 0, (ssm_any_cb)cb,
                     arg);
}

struct aws_call *ssm_delete_parameter(struct aws_client *c,
                                      const struct ssm_delete_parameter_in *in,
                                      ssm_delete_parameter_cb cb, void *arg)
{
    return ssm_start(c, &ssm_op_delete_parameter, ssm_build_delete_parameter(in), 0, (ssm_any_cb)cb,
                     arg);
}

struct aws_call *ssm_describe_parameters(struct aws_client *c,
                                         const struct ssm_describe_parameters_in *in,
                                         ssm_describe_parameters_cb cb, void *arg)
{
    return ssm_start(c, &ssm_op_describe_parameters, ssm_build_describe_parameters(in),
                     in ? in->max_pages : 0, (ssm_any_cb)cb, arg);
}
