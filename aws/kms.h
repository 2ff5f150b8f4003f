/* kms.h - typed KMS calls (JSON 1.1, X-Amz-Target TrentService.<Op>,
 * https://docs.aws.amazon.com/kms/latest/APIReference/Welcome.html): the stack's two
 * customer-managed keys, their policies, rotation, aliases, tags and scheduled deletion.
 *
 * Conventions (TYPED.md): zero = absent in inputs; outputs are heap
 * structs owned by the callback, freed with the matching _free; exactly
 * one of out/err is non-NULL; the callback never runs synchronously; the
 * returned handle works with aws_call_cancel() until the callback has run,
 * across all pages. ListAliases, ListKeys and ListResourceTags follow
 * Marker / NextMarker (while Truncated) until done or max_pages, deliver
 * the concatenation once, and return the marker to resume from in
 * next_marker (NULL when complete).
 *
 * Builders (kms_build_*) return a new jansson reference holding exactly
 * the request members, in botocore's order for the same input; parsers
 * (kms_parse_*) read a decoded response and tolerate missing members and
 * wrong types (treated as absent). Timestamps are epoch milliseconds.
 *
 * Finding a key: by alias, DescribeKey with KeyId "alias/<name>" (answers
 * NotFoundException when the alias does not exist), or ListAliases +
 * kms_alias_list_find(); by tag (a key created but not yet aliased, e.g.
 * after a crash), ListKeys + ListResourceTags.
 */
#ifndef ELCUI_AWS_KMS_H
#define ELCUI_AWS_KMS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"

/* Hard bound on automatic pagination. */
#define KMS_PAGE_LIMIT 10000

/* Tags: TagKey / TagValue on the wire. */
struct kms_tag_in {
    const char *key;
    const char *value;
};
struct kms_tag {
    char *key;
    char *value; /* "" when absent */
};

/* Output of operations without output members (PutKeyPolicy,
 * EnableKeyRotation, CreateAlias, DeleteAlias). */
struct kms_result {
    char request_id[96];
};
void kms_result_free(struct kms_result *r);

struct kms_key_metadata {
    char *key_id;
    char *arn;
    char *aws_account_id;
    char *description;
    char *key_usage;   /* ENCRYPT_DECRYPT, ... */
    char *key_state;   /* Enabled, Disabled, PendingDeletion, ... */
    char *key_spec;    /* SYMMETRIC_DEFAULT, ... */
    char *key_manager; /* CUSTOMER, AWS */
    char *origin;      /* AWS_KMS, ... */
    bool enabled;
    bool multi_region;
    int64_t creation_date_ms;
    int64_t deletion_date_ms; /* while PendingDeletion; 0 otherwise */
    int pending_deletion_window_in_days;
};

/* CreateKey and DescribeKey answer {"KeyMetadata": {...}}. */
struct kms_key_out {
    char request_id[96];
    struct kms_key_metadata key;
};
void kms_key_out_free(struct kms_key_out *o);
int kms_parse_key(const json_t *obj, struct kms_key_out *out);

/* ---- CreateKey ---- */
struct kms_create_key_in {
    const char *policy; /* JSON text; NULL: KMS's default key policy */
    const char *description;
    const char *key_usage;                   /* NULL: ENCRYPT_DECRYPT */
    const char *key_spec;                    /* NULL: SYMMETRIC_DEFAULT */
    bool bypass_policy_lockout_safety_check; /* sent when true */
    const struct kms_tag_in *tags;
    size_t n_tags;
};
typedef void (*kms_create_key_cb)(struct kms_key_out *out, const struct aws_error *err, void *arg);
json_t *kms_build_create_key(const struct kms_create_key_in *in);
struct aws_call *kms_create_key(struct aws_client *c, const struct kms_create_key_in *in,
                                kms_create_key_cb cb, void *arg);

/* ---- DescribeKey ---- */
struct kms_describe_key_in {
    const char *key_id; /* id, ARN, alias/name or alias ARN */
};
typedef void (*kms_describe_key_cb)(struct kms_key_out *out, const struct aws_error *err,
                                    void *arg);
json_t *kms_build_describe_key(const struct kms_describe_key_in *in);
struct aws_call *kms_describe_key(struct aws_client *c, const struct kms_describe_key_in *in,
                                  kms_describe_key_cb cb, void *arg);

/* ---- PutKeyPolicy ---- */
struct kms_put_key_policy_in {
    const char *key_id;      /* id or ARN */
    const char *policy_name; /* NULL: "default" (the only valid name) */
    const char *policy;      /* JSON text */
    bool bypass_policy_lockout_safety_check;
};
typedef void (*kms_put_key_policy_cb)(struct kms_result *out, const struct aws_error *err,
                                      void *arg);
json_t *kms_build_put_key_policy(const struct kms_put_key_policy_in *in);
struct aws_call *kms_put_key_policy(struct aws_client *c, const struct kms_put_key_policy_in *in,
                                    kms_put_key_policy_cb cb, void *arg);

/* ---- GetKeyPolicy ---- */
struct kms_get_key_policy_in {
    const char *key_id;
    const char *policy_name; /* NULL: "default" */
};
struct kms_key_policy_out {
    char request_id[96];
    char *policy;      /* JSON text, as stored (parse it to compare) */
    char *policy_name; /* newer API; NULL when absent */
};
void kms_key_policy_out_free(struct kms_key_policy_out *o);
typedef void (*kms_get_key_policy_cb)(struct kms_key_policy_out *out, const struct aws_error *err,
                                      void *arg);
json_t *kms_build_get_key_policy(const struct kms_get_key_policy_in *in);
int kms_parse_key_policy(const json_t *obj, struct kms_key_policy_out *out);
struct aws_call *kms_get_key_policy(struct aws_client *c, const struct kms_get_key_policy_in *in,
                                    kms_get_key_policy_cb cb, void *arg);

/* ---- EnableKeyRotation ---- */
struct kms_enable_key_rotation_in {
    const char *key_id;
    int rotation_period_in_days; /* 0: service default (365) */
};
typedef void (*kms_enable_key_rotation_cb)(struct kms_result *out, const struct aws_error *err,
                                           void *arg);
json_t *kms_build_enable_key_rotation(const struct kms_enable_key_rotation_in *in);
struct aws_call *kms_enable_key_rotation(struct aws_client *c,
                                         const struct kms_enable_key_rotation_in *in,
                                         kms_enable_key_rotation_cb cb, void *arg);

/* ---- GetKeyRotationStatus ---- */
struct kms_get_key_rotation_status_in {
    const char *key_id;
};
struct kms_key_rotation_status_out {
    char request_id[96];
    bool key_rotation_enabled;
    char *key_id;                  /* newer API */
    int rotation_period_in_days;   /* 0 when absent */
    int64_t next_rotation_date_ms; /* 0 when absent */
};
void kms_key_rotation_status_out_free(struct kms_key_rotation_status_out *o);
typedef void (*kms_get_key_rotation_status_cb)(struct kms_key_rotation_status_out *out,
                                               const struct aws_error *err, void *arg);
json_t *kms_build_get_key_rotation_status(const struct kms_get_key_rotation_status_in *in);
int kms_parse_key_rotation_status(const json_t *obj, struct kms_key_rotation_status_out *out);
struct aws_call *kms_get_key_rotation_status(struct aws_client *c,
                                             const struct kms_get_key_rotation_status_in *in,
                                             kms_get_key_rotation_status_cb cb, void *arg);

/* ---- CreateAlias / DeleteAlias ---- */
struct kms_create_alias_in {
    const char *alias_name; /* alias/<name> */
    const char *target_key_id;
};
typedef void (*kms_create_alias_cb)(struct kms_result *out, const struct aws_error *err, void *arg);
json_t *kms_build_create_alias(const struct kms_create_alias_in *in);
struct aws_call *kms_create_alias(struct aws_client *c, const struct kms_create_alias_in *in,
                                  kms_create_alias_cb cb, void *arg);

struct kms_delete_alias_in {
    const char *alias_name;
};
typedef void (*kms_delete_alias_cb)(struct kms_result *out, const struct aws_error *err, void *arg);
json_t *kms_build_delete_alias(const struct kms_delete_alias_in *in);
struct aws_call *kms_delete_alias(struct aws_client *c, const struct kms_delete_alias_in *in,
                                  kms_delete_alias_cb cb, void *arg);

/* ---- ListAliases ---- */
struct kms_list_aliases_in {
    const char *key_id; /* only the aliases of this key; NULL: all */
    int limit;          /* page size 1..100; 0: service default */
    const char *marker; /* resume */
    int max_pages;      /* 0: all */
};
struct kms_alias {
    char *alias_name;
    char *alias_arn;
    char *target_key_id; /* NULL for AWS aliases not yet backed by a key */
    int64_t creation_date_ms;
    int64_t last_updated_date_ms;
};
struct kms_alias_list {
    char request_id[96];
    struct kms_alias *items;
    size_t n;
    char *next_marker;
};
void kms_alias_list_free(struct kms_alias_list *l);
/* The alias with this name ("alias/x"), or NULL. */
const struct kms_alias *kms_alias_list_find(const struct kms_alias_list *l, const char *alias_name);
typedef void (*kms_list_aliases_cb)(struct kms_alias_list *out, const struct aws_error *err,
                                    void *arg);
json_t *kms_build_list_aliases(const struct kms_list_aliases_in *in);
/* Appends the page's aliases to out. */
int kms_parse_aliases(const json_t *obj, struct kms_alias_list *out);
struct aws_call *kms_list_aliases(struct aws_client *c, const struct kms_list_aliases_in *in,
                                  kms_list_aliases_cb cb, void *arg);

/* ---- ListKeys ---- */
struct kms_list_keys_in {
    int limit;
    const char *marker;
    int max_pages;
};
struct kms_key_entry {
    char *key_id;
    char *key_arn;
};
struct kms_key_list {
    char request_id[96];
    struct kms_key_entry *items;
    size_t n;
    char *next_marker;
};
void kms_key_list_free(struct kms_key_list *l);
typedef void (*kms_list_keys_cb)(struct kms_key_list *out, const struct aws_error *err, void *arg);
json_t *kms_build_list_keys(const struct kms_list_keys_in *in);
int kms_parse_keys(const json_t *obj, struct kms_key_list *out);
struct aws_call *kms_list_keys(struct aws_client *c, const struct kms_list_keys_in *in,
                               kms_list_keys_cb cb, void *arg);

/* ---- ListResourceTags ---- */
struct kms_list_resource_tags_in {
    const char *key_id;
    int limit;
    const char *marker;
    int max_pages;
};
struct kms_tag_list {
    char request_id[96];
    struct kms_tag *items;
    size_t n;
    char *next_marker;
};
void kms_tag_list_free(struct kms_tag_list *l);
/* Value of the tag with this key, or NULL. */
const char *kms_tag_list_get(const struct kms_tag_list *l, const char *key);
typedef void (*kms_list_resource_tags_cb)(struct kms_tag_list *out, const struct aws_error *err,
                                          void *arg);
json_t *kms_build_list_resource_tags(const struct kms_list_resource_tags_in *in);
int kms_parse_resource_tags(const json_t *obj, struct kms_tag_list *out);
struct aws_call *kms_list_resource_tags(struct aws_client *c,
                                        const struct kms_list_resource_tags_in *in,
                                        kms_list_resource_tags_cb cb, void *arg);

/* ---- ScheduleKeyDeletion ---- */
struct kms_schedule_key_deletion_in {
    const char *key_id;
    int pending_window_in_days; /* 7..30; 0: service default (30) */
};
struct kms_key_deletion_out {
    char request_id[96];
    char *key_id; /* the key ARN */
    char *key_state;
    int64_t deletion_date_ms;
    int pending_window_in_days;
};
void kms_key_deletion_out_free(struct kms_key_deletion_out *o);
typedef void (*kms_schedule_key_deletion_cb)(struct kms_key_deletion_out *out,
                                             const struct aws_error *err, void *arg);
json_t *kms_build_schedule_key_deletion(const struct kms_schedule_key_deletion_in *in);
int kms_parse_key_deletion(const json_t *obj, struct kms_key_deletion_out *out);
struct aws_call *kms_schedule_key_deletion(struct aws_client *c,
                                           const struct kms_schedule_key_deletion_in *in,
                                           kms_schedule_key_deletion_cb cb, void *arg);

#endif
