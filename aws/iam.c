/* iam.c - typed IAM calls: builders, parsers and the Marker runner. */
#include "aws/iam.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "aws/svc.h"

/* ---- helpers ---- */

static int iam_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *iam_url_decode(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *out = mem_xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = iam_hex(s[i + 1])) >= 0 &&
            (lo = iam_hex(s[i + 2])) >= 0) {
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

static void iam_add_opt(struct query_params *p, const char *name, const char *value)
{
    if (value)
        query_add(p, name, value);
}

static void iam_add_paging(struct query_params *p, const char *marker, int max_items)
{
    if (marker && *marker)
        query_add(p, "Marker", marker);
    if (max_items > 0)
        query_add_int(p, "MaxItems", max_items);
}

static int iam_int(const xmlNode *n, const char *path)
{
    long long v = query_int(n, path, 0);
    return v >= -2147483647LL - 1 && v <= 2147483647LL ? (int)v : 0;
}

static size_t iam_count(const xmlNode *list)
{
    size_t n = 0;
    for (xmlNode *c = query_first(list, "member"); c; c = query_next(c, "member"))
        n++;
    return n;
}

void iam_result_free(struct iam_result *r)
{
    free(r);
}

/* ---- policies ---- */

static void iam_policy_clear(struct iam_policy *p)
{
    free(p->policy_name);
    free(p->policy_id);
    free(p->arn);
    free(p->path);
    free(p->default_version_id);
    free(p->description);
    for (size_t i = 0; i < p->n_tags; i++) {
        free(p->tags[i].key);
        free(p->tags[i].value);
    }
    free(p->tags);
    memset(p, 0, sizeof(*p));
}

static void iam_policy_parse(const xmlNode *n, struct iam_policy *p)
{
    p->policy_name = query_text(n, "PolicyName");
    p->policy_id = query_text(n, "PolicyId");
    p->arn = query_text(n, "Arn");
    p->path = query_text(n, "Path");
    p->default_version_id = query_text(n, "DefaultVersionId");
    p->description = query_text(n, "Description");
    p->attachment_count = iam_int(n, "AttachmentCount");
    p->permissions_boundary_usage_count = iam_int(n, "PermissionsBoundaryUsageCount");
    p->is_attachable = query_bool(n, "IsAttachable", false);
    p->create_date_ms = query_time(n, "CreateDate");
    p->update_date_ms = query_time(n, "UpdateDate");
    xmlNode *tags = query_child(n, "Tags");
    size_t k = iam_count(tags);
    if (k)
        p->tags = mem_xcalloc(k, sizeof(*p->tags));
    for (xmlNode *c = query_first(tags, "member"); c; c = query_next(c, "member")) {
        char *key = query_text(c, "Key");
        if (!key)
            continue;
        char *value = query_text(c, "Value");
        p->tags[p->n_tags].key = key;
        p->tags[p->n_tags].value = value ? value : mem_xstrdup("");
        p->n_tags++;
    }
}

const char *iam_tag_get(const struct iam_policy *p, const char *key)
{
    for (size_t i = 0; p && key && i < p->n_tags; i++)
        if (strcmp(p->tags[i].key, key) == 0)
            return p->tags[i].value;
    return NULL;
}

int iam_parse_policy(xmlNode *result, struct iam_policy_out *out)
{
    xmlNode *p = query_child(result, "Policy");
    if (!p || !out)
        return -1;
    iam_policy_parse(p, &out->policy);
    return out->policy.arn ? 0 : -1;
}

void iam_policy_out_free(struct iam_policy_out *o)
{
    if (!o)
        return;
    iam_policy_clear(&o->policy);
    free(o);
}

struct query_params *iam_build_create_policy(const struct iam_create_policy_in *in)
{
    struct query_params *p = query_params_new("CreatePolicy", svc_iam.api_version);
    if (!in)
        return p;
    iam_add_opt(p, "PolicyName", in->policy_name);
    iam_add_opt(p, "Path", in->path);
    iam_add_opt(p, "PolicyDocument", in->policy_document);
    iam_add_opt(p, "Description", in->description);
    for (size_t i = 0; in->tags && i < in->n_tags; i++) {
        query_addf_name(p, in->tags[i].key ? in->tags[i].key : "", "Tags.member.%zu.Key", i + 1);
        query_addf_name(p, in->tags[i].value ? in->tags[i].value : "", "Tags.member.%zu.Value",
                        i + 1);
    }
    return p;
}

struct query_params *iam_build_get_policy(const struct iam_get_policy_in *in)
{
    struct query_params *p = query_params_new("GetPolicy", svc_iam.api_version);
    if (in)
        iam_add_opt(p, "PolicyArn", in->policy_arn);
    return p;
}

struct query_params *iam_build_delete_policy(const struct iam_delete_policy_in *in)
{
    struct query_params *p = query_params_new("DeletePolicy", svc_iam.api_version);
    if (in)
        iam_add_opt(p, "PolicyArn", in->policy_arn);
    return p;
}

struct query_params *iam_build_list_policies(const struct iam_list_policies_in *in)
{
    struct query_params *p = query_params_new("ListPolicies", svc_iam.api_version);
    if (!in)
        return p;
    iam_add_opt(p, "Scope", in->scope);
    if (in->has_only_attached)
        query_add_bool(p, "OnlyAttached", in->only_attached);
    iam_add_opt(p, "PathPrefix", in->path_prefix);
    iam_add_paging(p, in->marker, in->max_items);
    return p;
}

int iam_parse_policies(xmlNode *result, struct iam_policy_list *out)
{
    if (!result || !out)
        return -1;
    xmlNode *list = query_child(result, "Policies");
    size_t k = iam_count(list);
    if (k == 0)
        return 0;
    out->items = mem_xrealloc(out->items, (out->n + k) * sizeof(*out->items));
    memset(out->items + out->n, 0, k * sizeof(*out->items));
    for (xmlNode *c = query_first(list, "member"); c; c = query_next(c, "member"))
        iam_policy_parse(c, &out->items[out->n++]);
    return 0;
}

const struct iam_policy *iam_policy_list_find(const struct iam_policy_list *l, const char *name)
{
    for (size_t i = 0; l && name && i < l->n; i++)
        if (l->items[i].policy_name && strcmp(l->items[i].policy_name, name) == 0)
            return &l->items[i];
    return NULL;
}

void iam_policy_list_free(struct iam_policy_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        iam_policy_clear(&l->items[i]);
    free(l->items);
    free(l->marker);
    free(l);
}

/* ---- versions ---- */

static void iam_version_clear(struct iam_policy_version *v)
{
    free(v->document);
    free(v->version_id);
    memset(v, 0, sizeof(*v));
}

static void iam_version_parse(const xmlNode *n, struct iam_policy_version *v)
{
    char *raw = query_text(n, "Document");
    v->document = iam_url_decode(raw);
    free(raw);
    v->version_id = query_text(n, "VersionId");
    v->is_default_version = query_bool(n, "IsDefaultVersion", false);
    v->create_date_ms = query_time(n, "CreateDate");
}

int iam_parse_policy_version(xmlNode *result, struct iam_policy_version_out *out)
{
    xmlNode *v = query_child(result, "PolicyVersion");
    if (!v || !out)
        return -1;
    iam_version_parse(v, &out->version);
    return out->version.version_id ? 0 : -1;
}

void iam_policy_version_out_free(struct iam_policy_version_out *o)
{
    if (!o)
        return;
    iam_version_clear(&o->version);
    free(o);
}

struct query_params *iam_build_get_policy_version(const struct iam_get_policy_version_in *in)
{
    struct query_params *p = query_params_new("GetPolicyVersion", svc_iam.api_version);
    if (!in)
        return p;
    iam_add_opt(p, "PolicyArn", in->policy_arn);
    iam_add_opt(p, "VersionId", in->version_id);
    return p;
}

struct query_params *iam_build_create_policy_version(const struct iam_create_policy_version_in *in)
{
    struct query_params *p = query_params_new("CreatePolicyVersion", svc_iam.api_version);
    if (!in)
        return p;
    iam_add_opt(p, "PolicyArn", in->policy_arn);
    iam_add_opt(p, "PolicyDocument", in->policy_document);
    if (in->set_as_default)
        query_add_bool(p, "SetAsDefault", true);
    return p;
}

struct query_params *iam_build_list_policy_versions(const struct iam_list_policy_versions_in *in)
{
    struct query_params *p = query_params_new("ListPolicyVersions", svc_iam.api_version);
    if (!in)
        return p;
    iam_add_opt(p, "PolicyArn", in->policy_arn);
    iam_add_paging(p, in->marker, in->max_items);
    return p;
}

int iam_parse_policy_versions(xmlNode *result, struct iam_policy_version_list *out)
{
    if (!result || !out)
        return -1;
    xmlNode *list = query_child(result, "Versions");
    size_t k = iam_count(list);
    if (k == 0)
        return 0;
    out->items = mem_xrealloc(out->items, (out->n + k) * sizeof(*out->items));
    memset(out->items + out->n, 0, k * sizeof(*out->items));
    for (xmlNode *c = query_first(list, "member"); c; c = query_next(c, "member"))
        iam_version_parse(c, &out->items[out->n++]);
    return 0;
}

void iam_policy_version_list_free(struct iam_policy_version_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        iam_version_clear(&l->items[i]);
    free(l->items);
    free(l->marker);
    free(l);
}

struct query_params *iam_build_delete_policy_version(const struct iam_delete_policy_version_in *in)
{
    struct query_params *p = query_params_new("DeletePolicyVersion", svc_iam.api_version);
    if (!in)
        return p;
    iam_add_opt(p, "PolicyArn", in->policy_arn);
    iam_add_opt(p, "VersionId", in->version_id);
    return p;
}

/* ---- entities ---- */

struct query_params *
iam_build_list_entities_for_policy(const struct iam_list_entities_for_policy_in *in)
{
    struct query_params *p = query_params_new("ListEntitiesForPolicy", svc_iam.api_version);
    if (!in)
        return p;
    iam_add_opt(p, "PolicyArn", in->policy_arn);
    iam_add_paging(p, in->marker, in->max_items);
    return p;
}

/* Append the texts of list/member/<name> to a NULL-terminated array. */
static void iam_append_names(const xmlNode *result, const char *list, const char *name, char ***v,
                             size_t *n)
{
    xmlNode *l = query_child(result, list);
    size_t k = iam_count(l);
    *v = mem_xrealloc(*v, (*n + k + 1) * sizeof(char *));
    for (xmlNode *c = query_first(l, "member"); c; c = query_next(c, "member")) {
        char *s = query_text(c, name);
        if (s)
            (*v)[(*n)++] = s;
    }
    (*v)[*n] = NULL;
}

int iam_parse_policy_entities(xmlNode *result, struct iam_policy_entities *out)
{
    if (!result || !out)
        return -1;
    iam_append_names(result, "PolicyGroups", "GroupName", &out->group_names, &out->n_groups);
    iam_append_names(result, "PolicyUsers", "UserName", &out->user_names, &out->n_users);
    iam_append_names(result, "PolicyRoles", "RoleName", &out->role_names, &out->n_roles);
    return 0;
}

static void iam_names_free(char **v)
{
    for (char **p = v; p && *p; p++)
        free(*p);
    free(v);
}

void iam_policy_entities_free(struct iam_policy_entities *e)
{
    if (!e)
        return;
    iam_names_free(e->group_names);
    iam_names_free(e->user_names);
    iam_names_free(e->role_names);
    free(e->marker);
    free(e);
}

/* ---- the runner: one request, or Marker pages, then one callback ---- */

typedef int (*iam_parse_fn)(xmlNode *result, void *out);
typedef void (*iam_free_fn)(void *out);
typedef void (*iam_any_cb)(void);
typedef void (*iam_deliver_fn)(iam_any_cb cb, void *out, const struct aws_error *err, void *arg);

struct iam_op {
    const char *action;
    size_t out_size;
    iam_parse_fn parse; /* NULL: no output members */
    iam_free_fn free_out;
    iam_deliver_fn deliver;
    bool paged; /* Marker while IsTruncated */
    size_t marker_offset;
};

struct iam_ctx {
    struct iam_ctx *prev, *next; /* iam_parked */
    const struct iam_op *op;
    struct aws_call *call;
    struct query_params *tmpl; /* paged calls: parameters without Marker */
    iam_any_cb cb;
    void *arg;
    void *out;
    int pages, max_pages;
    char *last_marker;
};

/* Every call in flight. aws_call_cancel() ends a call without a word to
 * its callback, so a cancelled call's state cannot be freed here: it stays
 * on this list (reachable, bounded by the number of cancellations) until
 * aws_client offers a release notification (as in elasticache.c). */
static struct iam_ctx *iam_parked;

static void iam_park(struct iam_ctx *x)
{
    x->next = iam_parked;
    if (iam_parked)
        iam_parked->prev = x;
    iam_parked = x;
}

static void iam_unpark(struct iam_ctx *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        iam_parked = x->next;
    if (x->next)
        x->next->prev = x->prev;
}

static struct query_params *iam_clone_params(const struct query_params *p, const char *skip)
{
    struct query_params *c = mem_xcalloc(1, sizeof(*c));
    for (size_t i = 0; i < p->n; i++) {
        if (skip && strcmp(p->items[i].name, skip) == 0)
            continue;
        query_add(c, p->items[i].name, p->items[i].value);
    }
    return c;
}

static void iam_ctx_free(struct iam_ctx *x)
{
    iam_unpark(x);
    query_params_free(x->tmpl);
    free(x->last_marker);
    free(x);
}

static void iam_fail(struct iam_ctx *x, const struct aws_error *err)
{
    x->op->free_out(x->out);
    x->op->deliver(x->cb, NULL, err, x->arg);
    iam_ctx_free(x);
}

static void iam_fail_parse(struct iam_ctx *x, const struct aws_response *resp, const char *why)
{
    struct aws_error e;
    aws_error_init(&e);
    aws_error_set(&e, AWS_ERR_PARSE, "MalformedResponse", "%s response %s", x->op->action, why);
    e.http_status = resp->http_status;
    e.attempts = resp->attempts;
    snprintf(e.request_id, sizeof(e.request_id), "%s", resp->request_id);
    snprintf(e.service, sizeof(e.service), "%s", svc_iam.name);
    snprintf(e.operation, sizeof(e.operation), "%s", x->op->action);
    iam_fail(x, &e);
    aws_error_clear(&e);
}

static void iam_on_response(struct aws_response *resp, void *arg)
{
    struct iam_ctx *x = arg;
    if (resp->err.kind != AWS_ERR_NONE) {
        iam_fail(x, &resp->err);
        return;
    }
    snprintf((char *)x->out, 96, "%s", resp->request_id);
    if (x->op->parse && x->op->parse(resp->result, x->out) != 0) {
        iam_fail_parse(x, resp, "lacks the expected elements");
        return;
    }
    if (x->op->paged) {
        char *marker = query_text(resp->result, "Marker");
        bool more = query_bool(resp->result, "IsTruncated", false) && marker && *marker;
        char **slot = (char **)(void *)((char *)x->out + x->op->marker_offset);
        x->pages++;
        if (more) {
            if (x->last_marker && strcmp(marker, x->last_marker) == 0) {
                free(marker);
                iam_fail_parse(x, resp, "repeated the same Marker (pagination loop)");
                return;
            }
            free(x->last_marker);
            x->last_marker = mem_xstrdup(marker);
            if ((x->max_pages <= 0 || x->pages < x->max_pages) && x->pages < IAM_PAGE_LIMIT) {
                struct query_params *p = iam_clone_params(x->tmpl, NULL);
                query_add(p, "Marker", marker);
                free(marker);
                struct aws_request req = {.svc = &svc_iam, .op = x->op->action, .query = p};
                aws_call_next(x->call, &req);
                return;
            }
            *slot = marker;
        } else {
            free(marker);
        }
    }
    x->op->deliver(x->cb, x->out, NULL, x->arg);
    iam_ctx_free(x);
}

static struct aws_call *iam_start(struct aws_client *c, const struct iam_op *op,
                                  struct query_params *p, int max_pages, iam_any_cb cb, void *arg)
{
    struct iam_ctx *x = mem_xcalloc(1, sizeof(*x));
    x->op = op;
    x->cb = cb;
    x->arg = arg;
    x->out = mem_xcalloc(1, op->out_size);
    x->max_pages = max_pages;
    if (op->paged)
        x->tmpl = iam_clone_params(p, "Marker");
    struct aws_request req = {.svc = &svc_iam, .op = op->action, .query = p};
    iam_park(x);
    x->call = aws_client_call(c, &req, iam_on_response, x);
    if (!x->call) {
        op->free_out(x->out);
        iam_ctx_free(x);
        return NULL;
    }
    return x->call;
}

#define IAM_GLUE(id, type, free_fn, cb_type)                                                       \
    _Static_assert(offsetof(type, request_id) == 0, "request_id first");                           \
    static void iam_f_##id(void *o)                                                                \
    {                                                                                              \
        free_fn(o);                                                                                \
    }                                                                                              \
    static void iam_d_##id(iam_any_cb cb, void *o, const struct aws_error *e, void *a)             \
    {                                                                                              \
        ((cb_type)cb)(o, e, a);                                                                    \
    }
#define IAM_PARSE(id, parse_fn)                                                                    \
    static int iam_p_##id(xmlNode *r, void *o)                                                     \
    {                                                                                              \
        return parse_fn(r, o);                                                                     \
    }
#define IAM_OP(id, action_, type, parse_fn, free_fn, cb_type)                                      \
    IAM_GLUE(id, type, free_fn, cb_type)                                                           \
    IAM_PARSE(id, parse_fn)                                                                        \
    static const struct iam_op iam_op_##id = {.action = action_,                                   \
                                              .out_size = sizeof(type),                            \
                                              .parse = iam_p_##id,                                 \
                                              .free_out = iam_f_##id,                              \
                                              .deliver = iam_d_##id};
#define IAM_PAGED_OP(id, action_, type, parse_fn, free_fn, cb_type)                                \
    IAM_GLUE(id, type, free_fn, cb_type)                                                           \
    IAM_PARSE(id, parse_fn)                                                                        \
    static const struct iam_op iam_op_##id = {.action = action_,                                   \
                                              .out_size = sizeof(type),                            \
                                              .parse = iam_p_##id,                                 \
                                              .free_out = iam_f_##id,                              \
                                              .deliver = iam_d_##id,                               \
                                              .paged = true,                                       \
                                              .marker_offset = offsetof(type, marker)};
#define IAM_ACK_OP(id, action_, cb_type)                                                           \
    IAM_GLUE(id, struct iam_result, iam_result_free, cb_type)                                      \
    static const struct iam_op iam_op_##id = {.action = action_,                                   \
                                              .out_size = sizeof(struct iam_result),               \
                                              .free_out = iam_f_##id,                              \
                                              .deliver = iam_d_##id};

IAM_OP(create_policy, "CreatePolicy", struct iam_policy_out, iam_parse_policy, iam_policy_out_free,
       iam_create_policy_cb)
IAM_OP(get_policy, "GetPolicy", struct iam_policy_out, iam_parse_policy, iam_policy_out_free,
       iam_get_policy_cb)
IAM_OP(get_policy_version, "GetPolicyVersion", struct iam_policy_version_out,
       iam_parse_policy_version, iam_policy_version_out_free, iam_get_policy_version_cb)
IAM_OP(create_policy_version, "CreatePolicyVersion", struct iam_policy_version_out,
       iam_parse_policy_version, iam_policy_version_out_free, iam_create_policy_version_cb)
IAM_PAGED_OP(list_policy_versions, "ListPolicyVersions", struct iam_policy_version_list,
             iam_parse_policy_versions, iam_policy_version_list_free, iam_list_policy_versions_cb)
IAM_ACK_OP(delete_policy_version, "DeletePolicyVersion", iam_delete_policy_version_cb)
IAM_PAGED_OP(list_policies, "ListPolicies", struct iam_policy_list, iam_parse_policies,
             iam_policy_list_free, iam_list_policies_cb)
IAM_PAGED_OP(list_entities, "ListEntitiesForPolicy", struct iam_policy_entities,
             iam_parse_policy_entities, iam_policy_entities_free, iam_list_entities_for_policy_cb)
IAM_ACK_OP(delete_policy, "DeletePolicy", iam_delete_policy_cb)

/* ---- the calls ---- */

struct aws_call *iam_create_policy(struct aws_client *c, const struct iam_create_policy_in *in,
                                   iam_create_policy_cb cb, void *arg)
{
    return iam_start(c, &iam_op_create_policy, iam_build_create_policy(in), 0, (iam_any_cb)cb, arg);
}

struct aws_call *iam_get_policy(struct aws_client *c, const struct iam_get_policy_in *in,
                                iam_get_policy_cb cb, void *arg)
{
    return iam_start(c, &iam_op_get_policy, iam_build_get_policy(in), 0, (iam_any_cb)cb, arg);
}

struct aws_call *iam_get_policy_version(struct aws_client *c,
                                        const struct iam_get_policy_version_in *in,
                                        iam_get_policy_version_cb cb, void *arg)
{
    return iam_start(c, &iam_op_get_policy_version, iam_build_get_policy_version(in), 0,
                     (iam_any_cb)cb, arg);
}

struct aws_call *iam_create_policy_version(struct aws_client *c,
                                           const struct iam_create_policy_version_in *in,
                                           iam_create_policy_version_cb cb, void *arg)
{
    return iam_start(c, &iam_op_create_policy_version, iam_build_create_policy_version(in), 0,
                     (iam_any_cb)cb, arg);
}

struct aws_call *iam_list_policy_versions(struct aws_client *c,
                                          const struct iam_list_policy_versions_in *in,
                                          iam_list_policy_versions_cb cb, void *arg)
{
    return iam_start(c, &iam_op_list_policy_versions, iam_build_list_policy_versions(in),
                     in ? in->max_pages : 0, (iam_any_cb)cb, arg);
}

struct aws_call *iam_delete_policy_version(struct aws_client *c,
                                           const struct iam_delete_policy_version_in *in,
                                           iam_delete_policy_version_cb cb, void *arg)
{
    return iam_start(c, &iam_op_delete_policy_version, iam_build_delete_policy_version(in), 0,
                     (iam_any_cb)cb, arg);
}

struct aws_call *iam_list_policies(struct aws_client *c, const struct iam_list_policies_in *in,
                                   iam_list_policies_cb cb, void *arg)
{
    return iam_start(c, &iam_op_list_policies, iam_build_list_policies(in), in ? in->max_pages : 0,
                     (iam_any_cb)cb, arg);
}

struct aws_call *iam_list_entities_for_policy(struct aws_client *c,
                                              const struct iam_list_entities_for_policy_in *in,
                                              iam_list_entities_for_policy_cb cb, void *arg)
{
    return iam_start(c, &iam_op_list_entities, iam_build_list_entities_for_policy(in),
                     in ? in->max_pages : 0, (iam_any_cb)cb, arg);
}

struct aws_call *iam_delete_policy(struct aws_client *c, const struct iam_delete_policy_in *in,
                                   iam_delete_policy_cb cb, void *arg)
{
    return iam_start(c, &iam_op_delete_policy, iam_build_delete_policy(in), 0, (iam_any_cb)cb, arg);
}
