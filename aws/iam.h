/* iam.h - typed IAM calls (query protocol, Version 2010-05-08, global:
 * https://docs.aws.amazon.com/IAM/latest/APIReference/welcome.html): the stack's two
 * customer-managed read policies.
 *
 * Conventions (TYPED.md): zero = absent in inputs; outputs are heap
 * structs owned by the callback, freed with the matching _free; exactly
 * one of out/err is non-NULL; the callback never runs synchronously; the
 * returned handle works with aws_call_cancel() until the callback has run,
 * across all pages. ListPolicies, ListEntitiesForPolicy and
 * ListPolicyVersions follow Marker while IsTruncated, until done or
 * max_pages, and return the marker to resume from (NULL when complete).
 *
 * IAM sends policy documents URL-encoded (RFC 3986); outputs hold them
 * decoded (the JSON text), as botocore does (unquote; '+' stays '+').
 */
#ifndef ELCUI_AWS_IAM_H
#define ELCUI_AWS_IAM_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
#include "aws/query.h"

#define IAM_PAGE_LIMIT 10000

struct iam_tag_in {
    const char *key;
    const char *value;
};
struct iam_tag {
    char *key;
    char *value; /* "" when absent */
};

/* Percent-decoding as Python's urllib.parse.unquote: %XX -> byte, bad
 * escapes kept as they are, '+' kept. New string (NULL in, NULL out). */
char *iam_url_decode(const char *s);

/* Output of operations without output members (DeletePolicy,
 * DeletePolicyVersion). */
struct iam_result {
    char request_id[96];
};
void iam_result_free(struct iam_result *r);

struct iam_policy {
    char *policy_name;
    char *policy_id;
    char *arn;
    char *path;
    char *default_version_id; /* v1, v2, ... */
    char *description;        /* GetPolicy only (IAM omits it elsewhere) */
    int attachment_count;
    int permissions_boundary_usage_count;
    bool is_attachable;
    int64_t create_date_ms;
    int64_t update_date_ms;
    struct iam_tag *tags; /* GetPolicy / CreatePolicy */
    size_t n_tags;
};
/* Value of the tag with this key, or NULL. */
const char *iam_tag_get(const struct iam_policy *p, const char *key);

/* CreatePolicy and GetPolicy answer <Policy>. */
struct iam_policy_out {
    char request_id[96];
    struct iam_policy policy;
};
void iam_policy_out_free(struct iam_policy_out *o);
int iam_parse_policy(xmlNode *result, struct iam_policy_out *out);

/* ---- CreatePolicy ---- */
struct iam_create_policy_in {
    const char *policy_name;
    const char *path;            /* NULL: "/" */
    const char *policy_document; /* JSON text */
    const char *description;
    const struct iam_tag_in *tags;
    size_t n_tags;
};
typedef void (*iam_create_policy_cb)(struct iam_policy_out *out, const struct aws_error *err,
                                     void *arg);
struct query_params *iam_build_create_policy(const struct iam_create_policy_in *in);
struct aws_call *iam_create_policy(struct aws_client *c, const struct iam_create_policy_in *in,
                                   iam_create_policy_cb cb, void *arg);

/* ---- GetPolicy ---- */
struct iam_get_policy_in {
    const char *policy_arn;
};
typedef void (*iam_get_policy_cb)(struct iam_policy_out *out, const struct aws_error *err,
                                  void *arg);
struct query_params *iam_build_get_policy(const struct iam_get_policy_in *in);
struct aws_call *iam_get_policy(struct aws_client *c, const struct iam_get_policy_in *in,
                                iam_get_policy_cb cb, void *arg);

/* ---- policy versions ---- */
struct iam_policy_version {
    char *document; /* decoded JSON text; NULL when the answer has none */
    char *version_id;
    bool is_default_version;
    int64_t create_date_ms;
};
/* GetPolicyVersion and CreatePolicyVersion answer <PolicyVersion>. */
struct iam_policy_version_out {
    char request_id[96];
    struct iam_policy_version version;
};
void iam_policy_version_out_free(struct iam_policy_version_out *o);
int iam_parse_policy_version(xmlNode *result, struct iam_policy_version_out *out);

struct iam_get_policy_version_in {
    const char *policy_arn;
    const char *version_id; /* the policy's default_version_id */
};
typedef void (*iam_get_policy_version_cb)(struct iam_policy_version_out *out,
                                          const struct aws_error *err, void *arg);
struct query_params *iam_build_get_policy_version(const struct iam_get_policy_version_in *in);
struct aws_call *iam_get_policy_version(struct aws_client *c,
                                        const struct iam_get_policy_version_in *in,
                                        iam_get_policy_version_cb cb, void *arg);

/* CreatePolicyVersion: how a changed document is applied (at most 5
 * versions exist; delete a non-default one first when there are). */
struct iam_create_policy_version_in {
    const char *policy_arn;
    const char *policy_document;
    bool set_as_default; /* sent when true */
};
typedef void (*iam_create_policy_version_cb)(struct iam_policy_version_out *out,
                                             const struct aws_error *err, void *arg);
struct query_params *iam_build_create_policy_version(const struct iam_create_policy_version_in *in);
struct aws_call *iam_create_policy_version(struct aws_client *c,
                                           const struct iam_create_policy_version_in *in,
                                           iam_create_policy_version_cb cb, void *arg);

struct iam_list_policy_versions_in {
    const char *policy_arn;
    const char *marker;
    int max_items;
    int max_pages;
};
struct iam_policy_version_list {
    char request_id[96];
    struct iam_policy_version *items;
    size_t n;
    char *marker;
};
void iam_policy_version_list_free(struct iam_policy_version_list *l);
int iam_parse_policy_versions(xmlNode *result, struct iam_policy_version_list *out);
typedef void (*iam_list_policy_versions_cb)(struct iam_policy_version_list *out,
                                            const struct aws_error *err, void *arg);
struct query_params *iam_build_list_policy_versions(const struct iam_list_policy_versions_in *in);
struct aws_call *iam_list_policy_versions(struct aws_client *c,
                                          const struct iam_list_policy_versions_in *in,
                                          iam_list_policy_versions_cb cb, void *arg);

struct iam_delete_policy_version_in {
    const char *policy_arn;
    const char *version_id; /* not the default version */
};
typedef void (*iam_delete_policy_version_cb)(struct iam_result *out, const struct aws_error *err,
                                             void *arg);
struct query_params *iam_build_delete_policy_version(const struct iam_delete_policy_version_in *in);
struct aws_call *iam_delete_policy_version(struct aws_client *c,
                                           const struct iam_delete_policy_version_in *in,
                                           iam_delete_policy_version_cb cb, void *arg);

/* ---- ListPolicies ---- */
struct iam_list_policies_in {
    const char *scope; /* Local (customer managed), AWS, All; NULL: All */
    bool has_only_attached;
    bool only_attached;
    const char *path_prefix;
    const char *marker;
    int max_items; /* 1..1000; 0: service default (100) */
    int max_pages; /* 0: all */
};
struct iam_policy_list {
    char request_id[96];
    struct iam_policy *items;
    size_t n;
    char *marker;
};
void iam_policy_list_free(struct iam_policy_list *l);
/* The policy with this name, or NULL. */
const struct iam_policy *iam_policy_list_find(const struct iam_policy_list *l, const char *name);
/* Appends the page's policies to out. */
int iam_parse_policies(xmlNode *result, struct iam_policy_list *out);
typedef void (*iam_list_policies_cb)(struct iam_policy_list *out, const struct aws_error *err,
                                     void *arg);
struct query_params *iam_build_list_policies(const struct iam_list_policies_in *in);
struct aws_call *iam_list_policies(struct aws_client *c, const struct iam_list_policies_in *in,
                                   iam_list_policies_cb cb, void *arg);

/* ---- ListEntitiesForPolicy: who uses a policy (destroy refuses to
 * delete an attached one, since DeletePolicy would fail with
 * DeleteConflict anyway) ---- */
struct iam_list_entities_for_policy_in {
    const char *policy_arn;
    const char *marker;
    int max_items;
    int max_pages;
};
struct iam_policy_entities {
    char request_id[96];
    char **group_names; /* NULL-terminated, never NULL */
    size_t n_groups;
    char **user_names;
    size_t n_users;
    char **role_names;
    size_t n_roles;
    char *marker;
};
void iam_policy_entities_free(struct iam_policy_entities *e);
/* Appends the page's entities to out. */
int iam_parse_policy_entities(xmlNode *result, struct iam_policy_entities *out);
typedef void (*iam_list_entities_for_policy_cb)(struct iam_policy_entities *out,
                                                const struct aws_error *err, void *arg);
struct query_params *
iam_build_list_entities_for_policy(const struct iam_list_entities_for_policy_in *in);
struct aws_call *iam_list_entities_for_policy(struct aws_client *c,
                                              const struct iam_list_entities_for_policy_in *in,
                                              iam_list_entities_for_policy_cb cb, void *arg);

/* ---- DeletePolicy ---- */
struct iam_delete_policy_in {
    const char *policy_arn;
};
typedef void (*iam_delete_policy_cb)(struct iam_result *out, const struct aws_error *err,
                                     void *arg);
struct query_params *iam_build_delete_policy(const struct iam_delete_policy_in *in);
struct aws_call *iam_delete_policy(struct aws_client *c, const struct iam_delete_policy_in *in,
                                   iam_delete_policy_cb cb, void *arg);

#endif
