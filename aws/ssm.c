/* ssm.c - typed SSM Parameter Store calls: builders, parsers, calls (run by typedcall). */
#include "aws/ssm.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awsjson.h"
#include "aws/mem.h"
#include "aws/svc.h"
#include "aws/typedcall.h"

/* ---- helpers ---- */

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
    awsjson_set_str(o, "Name", in->name);
    awsjson_set_str(o, "Description", in->description);
    awsjson_set_str(o, "Value", in->value);
    awsjson_set_str(o, "Type", in->type);
    awsjson_set_str(o, "KeyId", in->key_id);
    if (in->overwrite)
        json_object_set_new(o, "Overwrite", json_true());
    if (in->tags)
        awsjson_set_tags(o, "Key", "Value", &in->tags->key, &in->tags->value, in->n_tags,
                         sizeof(*in->tags));
    awsjson_set_str(o, "Tier", in->tier);
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
    awsjson_set_str(o, "Name", in->name);
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
    const json_t *a = awsjson_array(obj, "Parameters", &bad);
    const json_t *inv = awsjson_array(obj, "InvalidParameters", &bad);
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
        awsjson_set_str(o, "Name", in->name);
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
            awsjson_set_str(e, "Key", f->key);
            awsjson_set_str(e, "Option", f->option);
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
        awsjson_set_str(o, "NextToken", in->next_token);
    return o;
}

int ssm_parse_describe_parameters(const json_t *obj, struct ssm_parameter_metadata_list *out)
{
    bool bad = false;
    const json_t *a = awsjson_array(obj, "Parameters", &bad);
    if (!out || bad)
        return -1;
    size_t k = a ? json_array_size(a) : 0;
    if (k == 0)
        return 0;
    out->items = mem_xextend(out->items, out->n, k, sizeof(*out->items));
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

/* ---- the calls (aws/typedcall.h runs them) ---- */

/* Parameter values (SecureString decrypted ones included) are secrets:
 * wiped from the request and from the response once parsed. */
#define SSM_VALUES .wipe_in = "Value", .wipe_out = "Value"

/* The operations: name, wire name, output, parser form, parser, free,
 * pages (ONE or IN: in->max_pages), then descriptor options. Each row
 * becomes ssm_op_NAME and the call ssm_NAME (TYPEDCALL_JSON_OP). */
#define SSM_OPS(X)                                                                                 \
    X(put_parameter, "PutParameter", struct ssm_put_parameter_out, JSON_PLAIN,                     \
      ssm_parse_put_parameter, ssm_put_parameter_out_free, ONE, SSM_VALUES)                        \
    X(get_parameter, "GetParameter", struct ssm_get_parameter_out, JSON_PLAIN,                     \
      ssm_parse_get_parameter, ssm_get_parameter_out_free, ONE, SSM_VALUES)                        \
    X(get_parameters, "GetParameters", struct ssm_get_parameters_out, JSON_PLAIN,                  \
      ssm_parse_get_parameters, ssm_get_parameters_out_free, ONE, SSM_VALUES)                      \
    X(delete_parameter, "DeleteParameter", struct ssm_result, NONE, 0, ssm_result_free, ONE)       \
    X(describe_parameters, "DescribeParameters", struct ssm_parameter_metadata_list, JSON_PLAIN,   \
      ssm_parse_describe_parameters, ssm_parameter_metadata_list_free, IN,                         \
      TYPEDCALL_PAGED(TYPEDCALL_JSON_TOKEN, struct ssm_parameter_metadata_list, next_token),       \
      .token_in = "NextToken", .token_out = "NextToken", .page_limit = SSM_PAGE_LIMIT)

#define SSM_OP(op, ...) TYPEDCALL_JSON_OP(ssm, &svc_ssm, op, __VA_ARGS__)
SSM_OPS(SSM_OP)
