/* kms.c - typed KMS calls: builders, parsers, calls (run by typedcall). */
#include "aws/kms.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awsjson.h"
#include "aws/mem.h"
#include "aws/svc.h"
#include "aws/typedcall.h"

/* ---- small helpers ---- */

static void kms_set_int(json_t *o, const char *key, long long v)
{
    json_object_set_new(o, key, json_integer(v));
}

static int kms_int(const json_t *o, const char *key)
{
    long long v = awsjson_int(o, key, 0);
    return v >= -2147483647LL - 1 && v <= 2147483647LL ? (int)v : 0;
}

static void kms_add_paging(json_t *o, int limit, const char *marker)
{
    if (limit > 0)
        kms_set_int(o, "Limit", limit);
    if (marker && *marker)
        awsjson_set_str(o, "Marker", marker);
}

void kms_result_free(struct kms_result *r)
{
    free(r);
}

/* ---- key metadata ---- */

static void kms_key_metadata_clear(struct kms_key_metadata *k)
{
    free(k->key_id);
    free(k->arn);
    free(k->aws_account_id);
    free(k->description);
    free(k->key_usage);
    free(k->key_state);
    free(k->key_spec);
    free(k->key_manager);
    free(k->origin);
    memset(k, 0, sizeof(*k));
}

int kms_parse_key(const json_t *obj, struct kms_key_out *out)
{
    const json_t *m = json_object_get(obj, "KeyMetadata");
    if (!out || !json_is_object(m))
        return -1;
    struct kms_key_metadata *k = &out->key;
    k->key_id = awsjson_strdup(m, "KeyId");
    k->arn = awsjson_strdup(m, "Arn");
    k->aws_account_id = awsjson_strdup(m, "AWSAccountId");
    k->description = awsjson_strdup(m, "Description");
    k->key_usage = awsjson_strdup(m, "KeyUsage");
    k->key_state = awsjson_strdup(m, "KeyState");
    k->key_spec = awsjson_strdup(m, "KeySpec");
    if (!k->key_spec)
        k->key_spec = awsjson_strdup(m, "CustomerMasterKeySpec");
    k->key_manager = awsjson_strdup(m, "KeyManager");
    k->origin = awsjson_strdup(m, "Origin");
    k->enabled = awsjson_bool(m, "Enabled", 0);
    k->multi_region = awsjson_bool(m, "MultiRegion", 0);
    k->creation_date_ms = awsjson_time_ms(m, "CreationDate");
    k->deletion_date_ms = awsjson_time_ms(m, "DeletionDate");
    k->pending_deletion_window_in_days = kms_int(m, "PendingDeletionWindowInDays");
    return k->key_id ? 0 : -1;
}

void kms_key_out_free(struct kms_key_out *o)
{
    if (!o)
        return;
    kms_key_metadata_clear(&o->key);
    free(o);
}

json_t *kms_build_create_key(const struct kms_create_key_in *in)
{
    json_t *o = json_object();
    if (!in)
        return o;
    awsjson_set_str(o, "Policy", in->policy);
    awsjson_set_str(o, "Description", in->description);
    awsjson_set_str(o, "KeyUsage", in->key_usage);
    awsjson_set_str(o, "KeySpec", in->key_spec);
    if (in->bypass_policy_lockout_safety_check)
        json_object_set_new(o, "BypassPolicyLockoutSafetyCheck", json_true());
    if (in->tags)
        awsjson_set_tags(o, "TagKey", "TagValue", &in->tags->key, &in->tags->value, in->n_tags,
                         sizeof(*in->tags));
    return o;
}

json_t *kms_build_describe_key(const struct kms_describe_key_in *in)
{
    json_t *o = json_object();
    if (in)
        awsjson_set_str(o, "KeyId", in->key_id);
    return o;
}

/* ---- key policy ---- */

json_t *kms_build_put_key_policy(const struct kms_put_key_policy_in *in)
{
    json_t *o = json_object();
    if (!in)
        return o;
    awsjson_set_str(o, "KeyId", in->key_id);
    awsjson_set_str(o, "PolicyName", in->policy_name ? in->policy_name : "default");
    awsjson_set_str(o, "Policy", in->policy);
    if (in->bypass_policy_lockout_safety_check)
        json_object_set_new(o, "BypassPolicyLockoutSafetyCheck", json_true());
    return o;
}

json_t *kms_build_get_key_policy(const struct kms_get_key_policy_in *in)
{
    json_t *o = json_object();
    if (!in)
        return o;
    awsjson_set_str(o, "KeyId", in->key_id);
    awsjson_set_str(o, "PolicyName", in->policy_name ? in->policy_name : "default");
    return o;
}

int kms_parse_key_policy(const json_t *obj, struct kms_key_policy_out *out)
{
    if (!out)
        return -1;
    out->policy = awsjson_strdup(obj, "Policy");
    out->policy_name = awsjson_strdup(obj, "PolicyName");
    return out->policy ? 0 : -1;
}

void kms_key_policy_out_free(struct kms_key_policy_out *o)
{
    if (!o)
        return;
    free(o->policy);
    free(o->policy_name);
    free(o);
}

/* ---- rotation ---- */

json_t *kms_build_enable_key_rotation(const struct kms_enable_key_rotation_in *in)
{
    json_t *o = json_object();
    if (!in)
        return o;
    awsjson_set_str(o, "KeyId", in->key_id);
    if (in->rotation_period_in_days > 0)
        kms_set_int(o, "RotationPeriodInDays", in->rotation_period_in_days);
    return o;
}

json_t *kms_build_get_key_rotation_status(const struct kms_get_key_rotation_status_in *in)
{
    json_t *o = json_object();
    if (in)
        awsjson_set_str(o, "KeyId", in->key_id);
    return o;
}

int kms_parse_key_rotation_status(const json_t *obj, struct kms_key_rotation_status_out *out)
{
    if (!out || !json_is_object(obj))
        return -1;
    const json_t *e = json_object_get(obj, "KeyRotationEnabled");
    if (!json_is_boolean(e))
        return -1;
    out->key_rotation_enabled = json_is_true(e);
    out->key_id = awsjson_strdup(obj, "KeyId");
    out->rotation_period_in_days = kms_int(obj, "RotationPeriodInDays");
    out->next_rotation_date_ms = awsjson_time_ms(obj, "NextRotationDate");
    return 0;
}

void kms_key_rotation_status_out_free(struct kms_key_rotation_status_out *o)
{
    if (!o)
        return;
    free(o->key_id);
    free(o);
}

/* ---- aliases ---- */

json_t *kms_build_create_alias(const struct kms_create_alias_in *in)
{
    json_t *o = json_object();
    if (!in)
        return o;
    awsjson_set_str(o, "AliasName", in->alias_name);
    awsjson_set_str(o, "TargetKeyId", in->target_key_id);
    return o;
}

json_t *kms_build_delete_alias(const struct kms_delete_alias_in *in)
{
    json_t *o = json_object();
    if (in)
        awsjson_set_str(o, "AliasName", in->alias_name);
    return o;
}

json_t *kms_build_list_aliases(const struct kms_list_aliases_in *in)
{
    json_t *o = json_object();
    if (!in)
        return o;
    awsjson_set_str(o, "KeyId", in->key_id);
    kms_add_paging(o, in->limit, in->marker);
    return o;
}

int kms_parse_aliases(const json_t *obj, struct kms_alias_list *out)
{
    bool bad = false;
    const json_t *a = awsjson_array(obj, "Aliases", &bad);
    if (!out || bad)
        return -1;
    size_t k = a ? json_array_size(a) : 0;
    if (k == 0)
        return 0;
    out->items = mem_xextend(out->items, out->n, k, sizeof(*out->items));
    size_t i;
    const json_t *e;
    json_array_foreach(a, i, e)
    {
        if (!json_is_object(e))
            continue;
        struct kms_alias *al = &out->items[out->n++];
        al->alias_name = awsjson_strdup(e, "AliasName");
        al->alias_arn = awsjson_strdup(e, "AliasArn");
        al->target_key_id = awsjson_strdup(e, "TargetKeyId");
        al->creation_date_ms = awsjson_time_ms(e, "CreationDate");
        al->last_updated_date_ms = awsjson_time_ms(e, "LastUpdatedDate");
    }
    return 0;
}

const struct kms_alias *kms_alias_list_find(const struct kms_alias_list *l, const char *alias_name)
{
    for (size_t i = 0; l && alias_name && i < l->n; i++)
        if (l->items[i].alias_name && strcmp(l->items[i].alias_name, alias_name) == 0)
            return &l->items[i];
    return NULL;
}

void kms_alias_list_free(struct kms_alias_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].alias_name);
        free(l->items[i].alias_arn);
        free(l->items[i].target_key_id);
    }
    free(l->items);
    free(l->next_marker);
    free(l);
}

/* ---- keys ---- */

json_t *kms_build_list_keys(const struct kms_list_keys_in *in)
{
    json_t *o = json_object();
    if (in)
        kms_add_paging(o, in->limit, in->marker);
    return o;
}

int kms_parse_keys(const json_t *obj, struct kms_key_list *out)
{
    bool bad = false;
    const json_t *a = awsjson_array(obj, "Keys", &bad);
    if (!out || bad)
        return -1;
    size_t k = a ? json_array_size(a) : 0;
    if (k == 0)
        return 0;
    out->items = mem_xextend(out->items, out->n, k, sizeof(*out->items));
    size_t i;
    const json_t *e;
    json_array_foreach(a, i, e)
    {
        if (!json_is_object(e))
            continue;
        out->items[out->n].key_id = awsjson_strdup(e, "KeyId");
        out->items[out->n].key_arn = awsjson_strdup(e, "KeyArn");
        out->n++;
    }
    return 0;
}

void kms_key_list_free(struct kms_key_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].key_id);
        free(l->items[i].key_arn);
    }
    free(l->items);
    free(l->next_marker);
    free(l);
}

/* ---- tags ---- */

json_t *kms_build_list_resource_tags(const struct kms_list_resource_tags_in *in)
{
    json_t *o = json_object();
    if (!in)
        return o;
    awsjson_set_str(o, "KeyId", in->key_id);
    kms_add_paging(o, in->limit, in->marker);
    return o;
}

int kms_parse_resource_tags(const json_t *obj, struct kms_tag_list *out)
{
    bool bad = false;
    const json_t *a = awsjson_array(obj, "Tags", &bad);
    if (!out || bad)
        return -1;
    size_t k = a ? json_array_size(a) : 0;
    if (k == 0)
        return 0;
    out->items = mem_xextend(out->items, out->n, k, sizeof(*out->items));
    size_t i;
    const json_t *e;
    json_array_foreach(a, i, e)
    {
        const char *key = awsjson_str(e, "TagKey");
        if (!key)
            continue;
        const char *value = awsjson_str(e, "TagValue");
        out->items[out->n].key = mem_xstrdup(key);
        out->items[out->n].value = mem_xstrdup(value ? value : "");
        out->n++;
    }
    return 0;
}

const char *kms_tag_list_get(const struct kms_tag_list *l, const char *key)
{
    for (size_t i = 0; l && key && i < l->n; i++)
        if (strcmp(l->items[i].key, key) == 0)
            return l->items[i].value;
    return NULL;
}

void kms_tag_list_free(struct kms_tag_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].key);
        free(l->items[i].value);
    }
    free(l->items);
    free(l->next_marker);
    free(l);
}

/* ---- deletion ---- */

json_t *kms_build_schedule_key_deletion(const struct kms_schedule_key_deletion_in *in)
{
    json_t *o = json_object();
    if (!in)
        return o;
    awsjson_set_str(o, "KeyId", in->key_id);
    if (in->pending_window_in_days > 0)
        kms_set_int(o, "PendingWindowInDays", in->pending_window_in_days);
    return o;
}

int kms_parse_key_deletion(const json_t *obj, struct kms_key_deletion_out *out)
{
    if (!out || !json_is_object(obj))
        return -1;
    out->key_id = awsjson_strdup(obj, "KeyId");
    out->key_state = awsjson_strdup(obj, "KeyState");
    out->deletion_date_ms = awsjson_time_ms(obj, "DeletionDate");
    out->pending_window_in_days = kms_int(obj, "PendingWindowInDays");
    return 0;
}

void kms_key_deletion_out_free(struct kms_key_deletion_out *o)
{
    if (!o)
        return;
    free(o->key_id);
    free(o->key_state);
    free(o);
}

/* ---- the calls (aws/typedcall.h runs them) ---- */

/* List* calls follow Marker -> NextMarker while Truncated. */
#define KMS_PAGED(type)                                                                            \
    TYPEDCALL_PAGED(TYPEDCALL_JSON_TOKEN, type, next_marker),                                      \
        .token_in = "Marker", .token_out = "NextMarker", .truncated = "Truncated",                 \
        .page_limit = KMS_PAGE_LIMIT

/* The operations: name, wire name, output, parser form, parser, free,
 * pages (ONE or IN: in->max_pages), then descriptor options. Each row
 * becomes kms_op_NAME and the call kms_NAME (TYPEDCALL_JSON_OP). */
#define KMS_OPS(X)                                                                                 \
    X(create_key, "CreateKey", struct kms_key_out, JSON_PLAIN, kms_parse_key, kms_key_out_free,    \
      ONE)                                                                                         \
    X(describe_key, "DescribeKey", struct kms_key_out, JSON_PLAIN, kms_parse_key,                  \
      kms_key_out_free, ONE)                                                                       \
    X(put_key_policy, "PutKeyPolicy", struct kms_result, NONE, 0, kms_result_free, ONE)            \
    X(get_key_policy, "GetKeyPolicy", struct kms_key_policy_out, JSON_PLAIN, kms_parse_key_policy, \
      kms_key_policy_out_free, ONE)                                                                \
    X(enable_key_rotation, "EnableKeyRotation", struct kms_result, NONE, 0, kms_result_free, ONE)  \
    X(get_key_rotation_status, "GetKeyRotationStatus", struct kms_key_rotation_status_out,         \
      JSON_PLAIN, kms_parse_key_rotation_status, kms_key_rotation_status_out_free, ONE)            \
    X(create_alias, "CreateAlias", struct kms_result, NONE, 0, kms_result_free, ONE)               \
    X(delete_alias, "DeleteAlias", struct kms_result, NONE, 0, kms_result_free, ONE)               \
    X(list_aliases, "ListAliases", struct kms_alias_list, JSON_PLAIN, kms_parse_aliases,           \
      kms_alias_list_free, IN, KMS_PAGED(struct kms_alias_list))                                   \
    X(list_keys, "ListKeys", struct kms_key_list, JSON_PLAIN, kms_parse_keys, kms_key_list_free,   \
      IN, KMS_PAGED(struct kms_key_list))                                                          \
    X(list_resource_tags, "ListResourceTags", struct kms_tag_list, JSON_PLAIN,                     \
      kms_parse_resource_tags, kms_tag_list_free, IN, KMS_PAGED(struct kms_tag_list))              \
    X(schedule_key_deletion, "ScheduleKeyDeletion", struct kms_key_deletion_out, JSON_PLAIN,       \
      kms_parse_key_deletion, kms_key_deletion_out_free, ONE)

#define KMS_OP(op, ...) TYPEDCALL_JSON_OP(kms, &svc_kms, op, __VA_ARGS__)
KMS_OPS(KMS_OP)
