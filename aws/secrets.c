/* secrets.c - typed Secrets Manager calls: builders, parsers, calls (run by typedcall). */
#include "aws/secrets.h"

#include <openssl/rand.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awsjson.h"
#include "aws/mem.h"
#include "aws/svc.h"
#include "aws/typedcall.h"

/* ---- helpers ---- */

int secrets_uuid4(char *out, size_t n)
{
    unsigned char b[16];
    if (!out || n < 37)
        return -1;
    out[0] = '\0';
    if (RAND_bytes(b, sizeof(b)) != 1)
        return -1;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, n, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
    return 0;
}

void secrets_wipe_json_member(json_t *v, const char *key)
{
    typedcall_wipe_json_member(v, key);
}

/* Copy of a JSON string with its length (embedded NULs kept). */
static char *secrets_dup_len(const json_t *s, size_t *len)
{
    size_t n = json_string_length(s);
    char *p = mem_xmalloc(n + 1);
    memcpy(p, json_string_value(s), n);
    p[n] = '\0';
    if (len)
        *len = n;
    return p;
}

static json_t *secrets_mask_copy(const json_t *v, const char *key)
{
    if (json_is_object(v)) {
        json_t *o = json_object();
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)v, k, m)
        {
            if (json_is_string(m) && strcmp(k, key) == 0)
                json_object_set_new(o, k, json_string("****"));
            else
                json_object_set_new(o, k, secrets_mask_copy(m, key));
        }
        return o;
    }
    if (json_is_array(v)) {
        json_t *a = json_array();
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m)
        {
            json_array_append_new(a, secrets_mask_copy(m, key));
        }
        return a;
    }
    return json_deep_copy(v);
}

json_t *secrets_mask(const json_t *body)
{
    return body ? secrets_mask_copy(body, "SecretString") : json_object();
}

static void secrets_set_token(json_t *o, const char *token)
{
    char uuid[40];
    if (!token && secrets_uuid4(uuid, sizeof(uuid)) == 0)
        token = uuid;
    awsjson_set_str(o, "ClientRequestToken", token);
}

/* String items of an array member as a NULL-terminated list. */
static char **secrets_strings(const json_t *o, const char *key, size_t *n)
{
    const json_t *a = json_object_get(o, key);
    size_t k = json_is_array(a) ? json_array_size(a) : 0;
    char **v = mem_xcalloc(k + 1, sizeof(char *));
    *n = 0;
    for (size_t i = 0; i < k; i++) {
        const json_t *s = json_array_get(a, i);
        if (json_is_string(s))
            v[(*n)++] = mem_xstrdup(json_string_value(s));
    }
    return v;
}

static void secrets_strings_free(char **v)
{
    for (char **p = v; p && *p; p++)
        free(*p);
    free(v);
}

/* ---- CreateSecret / PutSecretValue ---- */

json_t *secrets_build_create_secret(const struct secrets_create_secret_in *in)
{
    json_t *o = json_object();
    if (!in)
        return o;
    awsjson_set_str(o, "Name", in->name);
    secrets_set_token(o, in->client_request_token);
    awsjson_set_str(o, "Description", in->description);
    awsjson_set_str(o, "KmsKeyId", in->kms_key_id);
    awsjson_set_str(o, "SecretString", in->secret_string);
    if (in->tags)
        awsjson_set_tags(o, "Key", "Value", &in->tags->key, &in->tags->value, in->n_tags,
                         sizeof(*in->tags));
    return o;
}

json_t *secrets_build_put_secret_value(const struct secrets_put_secret_value_in *in)
{
    json_t *o = json_object();
    if (!in)
        return o;
    awsjson_set_str(o, "SecretId", in->secret_id);
    secrets_set_token(o, in->client_request_token);
    awsjson_set_str(o, "SecretString", in->secret_string);
    return o;
}

int secrets_parse_version(const json_t *obj, struct secrets_version_out *out)
{
    if (!out || !json_is_object(obj))
        return -1;
    out->arn = awsjson_strdup(obj, "ARN");
    out->name = awsjson_strdup(obj, "Name");
    out->version_id = awsjson_strdup(obj, "VersionId");
    out->version_stages = secrets_strings(obj, "VersionStages", &out->n_version_stages);
    return out->arn || out->name ? 0 : -1;
}

void secrets_version_out_free(struct secrets_version_out *o)
{
    if (!o)
        return;
    free(o->arn);
    free(o->name);
    free(o->version_id);
    secrets_strings_free(o->version_stages);
    free(o);
}

/* ---- GetSecretValue ---- */

json_t *secrets_build_get_secret_value(const struct secrets_get_secret_value_in *in)
{
    json_t *o = json_object();
    if (!in)
        return o;
    awsjson_set_str(o, "SecretId", in->secret_id);
    awsjson_set_str(o, "VersionId", in->version_id);
    awsjson_set_str(o, "VersionStage", in->version_stage);
    return o;
}

int secrets_parse_secret_value(const json_t *obj, struct secrets_secret_value_out *out)
{
    if (!out || !json_is_object(obj))
        return -1;
    out->arn = awsjson_strdup(obj, "ARN");
    out->name = awsjson_strdup(obj, "Name");
    out->version_id = awsjson_strdup(obj, "VersionId");
    const json_t *s = json_object_get(obj, "SecretString");
    if (json_is_string(s))
        out->secret_string = secrets_dup_len(s, &out->secret_string_len);
    out->has_secret_binary = json_is_string(json_object_get(obj, "SecretBinary"));
    out->version_stages = secrets_strings(obj, "VersionStages", &out->n_version_stages);
    out->created_date_ms = awsjson_time_ms(obj, "CreatedDate");
    return out->secret_string || out->has_secret_binary ? 0 : -1;
}

void secrets_secret_value_out_free(struct secrets_secret_value_out *o)
{
    if (!o)
        return;
    free(o->arn);
    free(o->name);
    free(o->version_id);
    if (o->secret_string)
        mem_wipe(o->secret_string, o->secret_string_len);
    mem_free_secret(o->secret_string);
    secrets_strings_free(o->version_stages);
    free(o);
}

/* ---- DescribeSecret / ListSecrets ---- */

static void secrets_secret_clear(struct secrets_secret *s)
{
    free(s->arn);
    free(s->name);
    free(s->description);
    free(s->kms_key_id);
    free(s->owning_service);
    free(s->primary_region);
    free(s->rotation_lambda_arn);
    for (size_t i = 0; i < s->n_tags; i++) {
        free(s->tags[i].key);
        free(s->tags[i].value);
    }
    free(s->tags);
    memset(s, 0, sizeof(*s));
}

static void secrets_secret_parse(const json_t *o, struct secrets_secret *s)
{
    s->arn = awsjson_strdup(o, "ARN");
    s->name = awsjson_strdup(o, "Name");
    s->description = awsjson_strdup(o, "Description");
    s->kms_key_id = awsjson_strdup(o, "KmsKeyId");
    s->owning_service = awsjson_strdup(o, "OwningService");
    s->primary_region = awsjson_strdup(o, "PrimaryRegion");
    s->rotation_enabled = awsjson_bool(o, "RotationEnabled", 0);
    s->rotation_lambda_arn = awsjson_strdup(o, "RotationLambdaARN");
    s->created_date_ms = awsjson_time_ms(o, "CreatedDate");
    s->last_changed_date_ms = awsjson_time_ms(o, "LastChangedDate");
    s->last_accessed_date_ms = awsjson_time_ms(o, "LastAccessedDate");
    s->last_rotated_date_ms = awsjson_time_ms(o, "LastRotatedDate");
    s->next_rotation_date_ms = awsjson_time_ms(o, "NextRotationDate");
    s->deleted_date_ms = awsjson_time_ms(o, "DeletedDate");
    const json_t *t = json_object_get(o, "Tags");
    size_t k = json_is_array(t) ? json_array_size(t) : 0;
    if (k)
        s->tags = mem_xcalloc(k, sizeof(*s->tags));
    for (size_t i = 0; i < k; i++) {
        const json_t *e = json_array_get(t, i);
        const char *key = awsjson_str(e, "Key");
        if (!key)
            continue;
        const char *value = awsjson_str(e, "Value");
        s->tags[s->n_tags].key = mem_xstrdup(key);
        s->tags[s->n_tags].value = mem_xstrdup(value ? value : "");
        s->n_tags++;
    }
}

const char *secrets_tag_get(const struct secrets_secret *s, const char *key)
{
    for (size_t i = 0; s && key && i < s->n_tags; i++)
        if (strcmp(s->tags[i].key, key) == 0)
            return s->tags[i].value;
    return NULL;
}

json_t *secrets_build_describe_secret(const struct secrets_describe_secret_in *in)
{
    json_t *o = json_object();
    if (in)
        awsjson_set_str(o, "SecretId", in->secret_id);
    return o;
}

int secrets_parse_describe_secret(const json_t *obj, struct secrets_describe_secret_out *out)
{
    if (!out || !json_is_object(obj))
        return -1;
    secrets_secret_parse(obj, &out->secret);
    return out->secret.arn || out->secret.name ? 0 : -1;
}

void secrets_describe_secret_out_free(struct secrets_describe_secret_out *o)
{
    if (!o)
        return;
    secrets_secret_clear(&o->secret);
    free(o);
}

json_t *secrets_build_list_secrets(const struct secrets_list_secrets_in *in)
{
    json_t *o = json_object();
    if (!in)
        return o;
    if (in->include_planned_deletion)
        json_object_set_new(o, "IncludePlannedDeletion", json_true());
    if (in->max_results > 0)
        json_object_set_new(o, "MaxResults", json_integer(in->max_results));
    if (in->next_token && *in->next_token)
        awsjson_set_str(o, "NextToken", in->next_token);
    if (in->filters && in->n_filters) {
        json_t *a = json_array();
        for (size_t i = 0; i < in->n_filters; i++) {
            const struct secrets_filter *f = &in->filters[i];
            json_t *e = json_object();
            awsjson_set_str(e, "Key", f->key);
            json_t *vals = json_array();
            for (size_t j = 0; f->values && j < f->n_values; j++)
                json_array_append_new(vals, json_string(f->values[j] ? f->values[j] : ""));
            json_object_set_new(e, "Values", vals);
            json_array_append_new(a, e);
        }
        json_object_set_new(o, "Filters", a);
    }
    return o;
}

int secrets_parse_secret_list(const json_t *obj, struct secrets_secret_list *out)
{
    bool bad = false;
    const json_t *a = awsjson_array(obj, "SecretList", &bad);
    if (!out || bad)
        return -1;
    size_t k = a ? json_array_size(a) : 0;
    if (k == 0)
        return 0;
    out->items = mem_xextend(out->items, out->n, k, sizeof(*out->items));
    for (size_t i = 0; i < k; i++) {
        const json_t *e = json_array_get(a, i);
        if (json_is_object(e))
            secrets_secret_parse(e, &out->items[out->n++]);
    }
    return 0;
}

void secrets_secret_list_free(struct secrets_secret_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        secrets_secret_clear(&l->items[i]);
    free(l->items);
    free(l->next_token);
    free(l);
}

/* ---- DeleteSecret ---- */

json_t *secrets_build_delete_secret(const struct secrets_delete_secret_in *in)
{
    json_t *o = json_object();
    if (!in)
        return o;
    awsjson_set_str(o, "SecretId", in->secret_id);
    if (in->recovery_window_in_days > 0)
        json_object_set_new(o, "RecoveryWindowInDays", json_integer(in->recovery_window_in_days));
    if (in->force_delete_without_recovery)
        json_object_set_new(o, "ForceDeleteWithoutRecovery", json_true());
    return o;
}

int secrets_parse_delete_secret(const json_t *obj, struct secrets_delete_secret_out *out)
{
    if (!out || !json_is_object(obj))
        return -1;
    out->arn = awsjson_strdup(obj, "ARN");
    out->name = awsjson_strdup(obj, "Name");
    out->deletion_date_ms = awsjson_time_ms(obj, "DeletionDate");
    return 0;
}

void secrets_delete_secret_out_free(struct secrets_delete_secret_out *o)
{
    if (!o)
        return;
    free(o->arn);
    free(o->name);
    free(o);
}

/* ---- GetRandomPassword ---- */

json_t *secrets_build_get_random_password(const struct secrets_get_random_password_in *in)
{
    json_t *o = json_object();
    if (!in)
        return o;
    if (in->password_length > 0)
        json_object_set_new(o, "PasswordLength", json_integer(in->password_length));
    awsjson_set_str(o, "ExcludeCharacters", in->exclude_characters);
    if (in->exclude_numbers)
        json_object_set_new(o, "ExcludeNumbers", json_true());
    if (in->exclude_punctuation)
        json_object_set_new(o, "ExcludePunctuation", json_true());
    if (in->exclude_uppercase)
        json_object_set_new(o, "ExcludeUppercase", json_true());
    if (in->exclude_lowercase)
        json_object_set_new(o, "ExcludeLowercase", json_true());
    if (in->has_include_space)
        json_object_set_new(o, "IncludeSpace", json_boolean(in->include_space));
    if (in->has_require_each_included_type)
        json_object_set_new(o, "RequireEachIncludedType",
                            json_boolean(in->require_each_included_type));
    return o;
}

int secrets_parse_random_password(const json_t *obj, struct secrets_random_password_out *out)
{
    const json_t *p = json_object_get(obj, "RandomPassword");
    if (!out || !json_is_string(p))
        return -1;
    out->random_password = secrets_dup_len(p, NULL);
    return 0;
}

void secrets_random_password_out_free(struct secrets_random_password_out *o)
{
    if (!o)
        return;
    mem_free_secret(o->random_password);
    free(o);
}

/* ---- the calls (aws/typedcall.h runs them) ---- */

/* The operations: name, wire name, output, parser form, parser, free,
 * pages (ONE or IN: in->max_pages), then descriptor options. Each row
 * becomes secrets_op_NAME and the call secrets_NAME (TYPEDCALL_JSON_OP). */
#define SECRETS_OPS(X)                                                                             \
    X(create_secret, "CreateSecret", struct secrets_version_out, JSON_PLAIN,                       \
      secrets_parse_version, secrets_version_out_free, ONE, .wipe_in = "SecretString")             \
    X(put_secret_value, "PutSecretValue", struct secrets_version_out, JSON_PLAIN,                  \
      secrets_parse_version, secrets_version_out_free, ONE, .wipe_in = "SecretString")             \
    X(get_secret_value, "GetSecretValue", struct secrets_secret_value_out, JSON_PLAIN,             \
      secrets_parse_secret_value, secrets_secret_value_out_free, ONE, .wipe_out = "SecretString")  \
    X(describe_secret, "DescribeSecret", struct secrets_describe_secret_out, JSON_PLAIN,           \
      secrets_parse_describe_secret, secrets_describe_secret_out_free, ONE)                        \
    X(list_secrets, "ListSecrets", struct secrets_secret_list, JSON_PLAIN,                         \
      secrets_parse_secret_list, secrets_secret_list_free, IN,                                     \
      TYPEDCALL_PAGED(TYPEDCALL_JSON_TOKEN, struct secrets_secret_list, next_token),               \
      .token_in = "NextToken", .token_out = "NextToken", .page_limit = SECRETS_PAGE_LIMIT)         \
    X(delete_secret, "DeleteSecret", struct secrets_delete_secret_out, JSON_PLAIN,                 \
      secrets_parse_delete_secret, secrets_delete_secret_out_free, ONE)                            \
    X(get_random_password, "GetRandomPassword", struct secrets_random_password_out, JSON_PLAIN,    \
      secrets_parse_random_password, secrets_random_password_out_free, ONE,                        \
      .wipe_out = "RandomPassword")

#define SECRETS_OP(op, ...) TYPEDCALL_JSON_OP(secrets, &svc_secretsmanager, op, __VA_ARGS__)
SECRETS_OPS(SECRETS_OP)
