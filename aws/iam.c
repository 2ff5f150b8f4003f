/* iam.c - typed IAM calls: builders, parsers, calls (run by typedcall). */
#include "aws/iam.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "aws/sigv4.h"
#include "aws/svc.h"
#include "aws/typedcall.h"

/* ---- helpers ---- */

char *iam_url_decode(const char *s)
{
    return s ? sigv4_uri_decode(s, strlen(s), false, NULL) : NULL;
}

static void iam_add_opt(struct query_params *p, const char *name, const char *value)
{
    if (value)
        query_add(p, name, value);
}

/* Action on one policy (PolicyArn), or on one of its versions (VersionId). */
static struct query_params *iam_build_on_policy(const char *action, const char *policy_arn,
                                                const char *version_id)
{
    struct query_params *p = query_params_new(action, svc_iam.api_version);
    iam_add_opt(p, "PolicyArn", policy_arn);
    iam_add_opt(p, "VersionId", version_id);
    return p;
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
    return iam_build_on_policy("GetPolicy", in ? in->policy_arn : NULL, NULL);
}

struct query_params *iam_build_delete_policy(const struct iam_delete_policy_in *in)
{
    return iam_build_on_policy("DeletePolicy", in ? in->policy_arn : NULL, NULL);
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
    out->items = mem_xextend(out->items, out->n, k, sizeof(*out->items));
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
    return iam_build_on_policy("GetPolicyVersion", in ? in->policy_arn : NULL,
                               in ? in->version_id : NULL);
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
    out->items = mem_xextend(out->items, out->n, k, sizeof(*out->items));
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
    return iam_build_on_policy("DeletePolicyVersion", in ? in->policy_arn : NULL,
                               in ? in->version_id : NULL);
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

/* ---- the calls (aws/typedcall.h runs them) ---- */

/* List* calls follow Marker while IsTruncated. */
#define IAM_PAGED(type)                                                                            \
    TYPEDCALL_PAGED(TYPEDCALL_IAM_MARKER, type, marker), .page_limit = IAM_PAGE_LIMIT

TYPEDCALL_OP(iam_op_create_policy, &svc_iam, "CreatePolicy", struct iam_policy_out,
             iam_create_policy_cb, XML_PLAIN, iam_parse_policy, iam_policy_out_free);
TYPEDCALL_OP(iam_op_get_policy, &svc_iam, "GetPolicy", struct iam_policy_out, iam_get_policy_cb,
             XML_PLAIN, iam_parse_policy, iam_policy_out_free);
TYPEDCALL_OP(iam_op_get_policy_version, &svc_iam, "GetPolicyVersion", struct iam_policy_version_out,
             iam_get_policy_version_cb, XML_PLAIN, iam_parse_policy_version,
             iam_policy_version_out_free);
TYPEDCALL_OP(iam_op_create_policy_version, &svc_iam, "CreatePolicyVersion",
             struct iam_policy_version_out, iam_create_policy_version_cb, XML_PLAIN,
             iam_parse_policy_version, iam_policy_version_out_free);
TYPEDCALL_OP(iam_op_list_policy_versions, &svc_iam, "ListPolicyVersions",
             struct iam_policy_version_list, iam_list_policy_versions_cb, XML_PLAIN,
             iam_parse_policy_versions, iam_policy_version_list_free,
             IAM_PAGED(struct iam_policy_version_list));
TYPEDCALL_OP(iam_op_delete_policy_version, &svc_iam, "DeletePolicyVersion", struct iam_result,
             iam_delete_policy_version_cb, NONE, 0, iam_result_free);
TYPEDCALL_OP(iam_op_list_policies, &svc_iam, "ListPolicies", struct iam_policy_list,
             iam_list_policies_cb, XML_PLAIN, iam_parse_policies, iam_policy_list_free,
             IAM_PAGED(struct iam_policy_list));
TYPEDCALL_OP(iam_op_list_entities, &svc_iam, "ListEntitiesForPolicy", struct iam_policy_entities,
             iam_list_entities_for_policy_cb, XML_PLAIN, iam_parse_policy_entities,
             iam_policy_entities_free, IAM_PAGED(struct iam_policy_entities));
TYPEDCALL_OP(iam_op_delete_policy, &svc_iam, "DeletePolicy", struct iam_result,
             iam_delete_policy_cb, NONE, 0, iam_result_free);

struct aws_call *iam_create_policy(struct aws_client *c, const struct iam_create_policy_in *in,
                                   iam_create_policy_cb cb, void *arg)
{
    return typedcall_query(c, &iam_op_create_policy, iam_build_create_policy(in), 0,
                           (typedcall_fn)cb, arg);
}

struct aws_call *iam_get_policy(struct aws_client *c, const struct iam_get_policy_in *in,
                                iam_get_policy_cb cb, void *arg)
{
    return typedcall_query(c, &iam_op_get_policy, iam_build_get_policy(in), 0, (typedcall_fn)cb,
                           arg);
}

struct aws_call *iam_get_policy_version(struct aws_client *c,
                                        const struct iam_get_policy_version_in *in,
                                        iam_get_policy_version_cb cb, void *arg)
{
    return typedcall_query(c, &iam_op_get_policy_version, iam_build_get_policy_version(in), 0,
                           (typedcall_fn)cb, arg);
}

struct aws_call *iam_create_policy_version(struct aws_client *c,
                                           const struct iam_create_policy_version_in *in,
                                           iam_create_policy_version_cb cb, void *arg)
{
    return typedcall_query(c, &iam_op_create_policy_version, iam_build_create_policy_version(in), 0,
                           (typedcall_fn)cb, arg);
}

struct aws_call *iam_list_policy_versions(struct aws_client *c,
                                          const struct iam_list_policy_versions_in *in,
                                          iam_list_policy_versions_cb cb, void *arg)
{
    return typedcall_query(c, &iam_op_list_policy_versions, iam_build_list_policy_versions(in),
                           in ? in->max_pages : 0, (typedcall_fn)cb, arg);
}

struct aws_call *iam_delete_policy_version(struct aws_client *c,
                                           const struct iam_delete_policy_version_in *in,
                                           iam_delete_policy_version_cb cb, void *arg)
{
    return typedcall_query(c, &iam_op_delete_policy_version, iam_build_delete_policy_version(in), 0,
                           (typedcall_fn)cb, arg);
}

struct aws_call *iam_list_policies(struct aws_client *c, const struct iam_list_policies_in *in,
                                   iam_list_policies_cb cb, void *arg)
{
    return typedcall_query(c, &iam_op_list_policies, iam_build_list_policies(in),
                           in ? in->max_pages : 0, (typedcall_fn)cb, arg);
}

struct aws_call *iam_list_entities_for_policy(struct aws_client *c,
                                              const struct iam_list_entities_for_policy_in *in,
                                              iam_list_entities_for_policy_cb cb, void *arg)
{
    return typedcall_query(c, &iam_op_list_entities, iam_build_list_entities_for_policy(in),
                           in ? in->max_pages : 0, (typedcall_fn)cb, arg);
}

struct aws_call *iam_delete_policy(struct aws_client *c, const struct iam_delete_policy_in *in,
                                   iam_delete_policy_cb cb, void *arg)
{
    return typedcall_query(c, &iam_op_delete_policy, iam_build_delete_policy(in), 0,
                           (typedcall_fn)cb, arg);
}
