/* secrets.c - typed Secrets Manager calls: builders, parsers, the runner. */
#include "aws/secrets.h"

#include <openssl/rand.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awsjson.h"
#include "aws/mem.h"
#include "aws/svc.h"

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
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        json_object_foreach(v, k, m)
        {
            if (json_is_string(m) && strcmp(k, key) == 0)
                mem_wipe((void *)(uintptr_t)json_string_value(m), json_string_length(m));
            else
                secrets_wipe_json_member(m, key);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m)
        {
            secrets_wipe_json_member(m, key);
        }
    }
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

static void secrets_set_str(json_t *o, const char *key, const char *v)
{
    if (v)
        json_object_set_new(o, key, json_string(v));
}

static void secrets_set_token(json_t *o, const char *token)
{
    char uuid[40];
    if (!token && secrets_uuid4(uuid, sizeof(uuid)) == 0)
        token = uuid;
    secrets_set_str(o, "ClientRequestToken", token);
}

static const json_t *secrets_array(const json_t *o, const char *key, bool *bad)
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
    secrets_set_str(o, "Name", in->name);
    secrets_set_token(o, in->client_request_token);
    secrets_set_str(o, "Description", in->description);
    secrets_set_str(o, "KmsKeyId", in->kms_key_id);
    secrets_set_str(o, "SecretString", in->secret_string);
    if (in->tags && in->n_tags) {
        json_t *a = json_array();
        for (size_t i = 0; i < in->n_tags; i++)
            json_array_append_new(a, json_pack("{s:s,s:s}", "Key",
                                               in->tags[i].key ? in->tags[i].key : "", "Value",
                                               in->tags[i].value ? in->tags[i].value : ""));
        json_object_set_new(o, "Tags", a);
    }
    return o;
}

json_t *secrets_build_put_secret_value(const struct secrets_put_secret_value_in *in)
{
    json_t *o = json_object();
    if (!in)
        return o;
    secrets_set_str(o, "SecretId", in->secret_id);
    secrets_set_token(o, in->client_request_token);
    secrets_set_str(o, "SecretString", in->secret_string);
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
    secrets_set_str(o, "SecretId", in->secret_id);
    secrets_set_str(o, "VersionId", in->version_id);
    secrets_set_str(o, "VersionStage", in->version_stage);
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
        secrets_set_str(o, "SecretId", in->secret_id);
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
        secrets_set_str(o, "NextToken", in->next_token);
    if (in->filters && in->n_filters) {
        json_t *a = json_array();
        for (size_t i = 0; i < in->n_filters; i++) {
            const struct secrets_filter *f = &in->filters[i];
            json_t *e = json_object();
            secrets_set_str(e, "Key", f->key);
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
    const json_t *a = secrets_array(obj, "SecretList", &bad);
    if (!out || bad)
        return -1;
    size_t k = a ? json_array_size(a) : 0;
    if (k == 0)
        return 0;
    size_t bytes = (out->n + k) * sizeof(*out->items);
    out->items = mem_xrealloc(out->items, bytes);
    memset(out->items + out->n, 0, k * sizeof(*out->items));
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
    secrets_set_str(o, "SecretId", in->secret_id);
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
    secrets_set_str(o, "ExcludeCharacters", in->exclude_characters);
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

/* ---- the runner ---- */

typedef int (*secrets_parse_fn)(const json_t *obj, void *out);
typedef void (*secrets_free_fn)(void *out);
typedef void (*secrets_any_cb)(void);
typedef void (*secrets_deliver_fn)(secrets_any_cb cb, void *out, const struct aws_error *err,
                                   void *arg);

struct secrets_op {
    const char *name;
    size_t out_size;
    secrets_parse_fn parse;
    secrets_free_fn free_out;
    secrets_deliver_fn deliver;
    bool paged; /* NextToken */
    size_t token_offset;
    const char *secret_in;  /* request member wiped when the call ends */
    const char *secret_out; /* response member wiped after parsing */
};

struct secrets_ctx {
    struct secrets_ctx *prev, *next; /* secrets_parked */
    const struct secrets_op *op;
    struct aws_call *call;
    json_t *req;
    secrets_any_cb cb;
    void *arg;
    void *out;
    int pages, max_pages;
    char *last_token;
};

/* Every call in flight. aws_call_cancel() ends a call without a word to
 * its callback, so a cancelled call's state cannot be freed here: it stays
 * on this list (reachable, bounded by the number of cancellations) until
 * aws_client offers a release notification (as in elasticache.c). */
static struct secrets_ctx *secrets_parked;

static void secrets_park(struct secrets_ctx *x)
{
    x->next = secrets_parked;
    if (secrets_parked)
        secrets_parked->prev = x;
    secrets_parked = x;
}

static void secrets_unpark(struct secrets_ctx *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        secrets_parked = x->next;
    if (x->next)
        x->next->prev = x->prev;
}

static void secrets_ctx_free(struct secrets_ctx *x)
{
    secrets_unpark(x);
    if (x->op->secret_in)
        secrets_wipe_json_member(x->req, x->op->secret_in);
    json_decref(x->req);
    free(x->last_token);
    free(x);
}

static void secrets_fail(struct secrets_ctx *x, const struct aws_error *err)
{
    x->op->free_out(x->out);
    x->op->deliver(x->cb, NULL, err, x->arg);
    secrets_ctx_free(x);
}

static void secrets_fail_parse(struct secrets_ctx *x, const struct aws_response *resp,
                               const char *why)
{
    struct aws_error e;
    aws_error_init(&e);
    aws_error_set(&e, AWS_ERR_PARSE, "MalformedResponse", "%s response %s", x->op->name, why);
    e.http_status = resp->http_status;
    e.attempts = resp->attempts;
    snprintf(e.request_id, sizeof(e.request_id), "%s", resp->request_id);
    snprintf(e.service, sizeof(e.service), "%s", svc_secretsmanager.name);
    snprintf(e.operation, sizeof(e.operation), "%s", x->op->name);
    secrets_fail(x, &e);
    aws_error_clear(&e);
}

static void secrets_on_response(struct aws_response *resp, void *arg)
{
    struct secrets_ctx *x = arg;
    if (resp->err.kind != AWS_ERR_NONE) {
        secrets_fail(x, &resp->err);
        return;
    }
    snprintf((char *)x->out, 96, "%s", resp->request_id);
    int rc = x->op->parse(resp->json, x->out);
    if (x->op->secret_out)
        secrets_wipe_json_member(resp->json, x->op->secret_out);
    if (rc != 0) {
        secrets_fail_parse(x, resp, "lacks expected members or has members of the wrong type");
        return;
    }
    if (x->op->paged) {
        const char *tok = awsjson_str(resp->json, "NextToken");
        char **slot = (char **)(void *)((char *)x->out + x->op->token_offset);
        x->pages++;
        if (tok && *tok) {
            if (x->last_token && strcmp(tok, x->last_token) == 0) {
                secrets_fail_parse(x, resp, "repeated the same NextToken (pagination loop)");
                return;
            }
            free(x->last_token);
            x->last_token = mem_xstrdup(tok);
            if ((x->max_pages <= 0 || x->pages < x->max_pages) && x->pages < SECRETS_PAGE_LIMIT) {
                json_t *p = json_deep_copy(x->req);
                json_object_set_new(p, "NextToken", json_string(tok));
                struct aws_request req = {.svc = &svc_secretsmanager, .op = x->op->name, .json = p};
                aws_call_next(x->call, &req);
                return;
            }
            *slot = mem_xstrdup(tok);
        }
    }
    x->op->deliver(x->cb, x->out, NULL, x->arg);
    secrets_ctx_free(x);
}

static struct aws_call *secrets_start(struct aws_client *c, const struct secrets_op *op,
                                      json_t *req, int max_pages, secrets_any_cb cb, void *arg)
{
    struct secrets_ctx *x = mem_xcalloc(1, sizeof(*x));
    x->op = op;
    x->cb = cb;
    x->arg = arg;
    x->out = mem_xcalloc(1, op->out_size);
    x->max_pages = max_pages;
    x->req = req;
    struct aws_request r = {.svc = &svc_secretsmanager, .op = op->name, .json = json_incref(req)};
    secrets_park(x);
    x->call = aws_client_call(c, &r, secrets_on_response, x);
    if (!x->call) {
        op->free_out(x->out);
        secrets_ctx_free(x);
        return NULL;
    }
    return x->call;
}

#define SECRETS_OP(id, op_name, type, parse_fn, free_fn, cb_type, sec_in, sec_out)                 \
    _Static_assert(offsetof(type, request_id) == 0, "request_id first");                           \
    static int secrets_p_##id(const json_t *obj, void *o)                                          \
    {                                                                                              \
        return parse_fn(obj, o);                                                                   \
    }                                                                                              \
    static void secrets_f_##id(void *o)                                                            \
    {                                                                                              \
        free_fn(o);                                                                                \
    }                                                                                              \
    static void secrets_d_##id(secrets_any_cb cb, void *o, const struct aws_error *e, void *a)     \
    {                                                                                              \
        ((cb_type)cb)(o, e, a);                                                                    \
    }                                                                                              \
    static const struct secrets_op secrets_op_##id = {.name = op_name,                             \
                                                      .out_size = sizeof(type),                    \
                                                      .parse = secrets_p_##id,                     \
                                                      .free_out = secrets_f_##id,                  \
                                                      .deliver = secrets_d_##id,                   \
                                                      .secret_in = sec_in,                         \
                                                      .secret_out = sec_out};

SECRETS_OP(create_secret, "CreateSecret", struct secrets_version_out, secrets_parse_version,
           secrets_version_out_free, secrets_create_secret_cb, "SecretString", NULL)
SECRETS_OP(put_secret_value, "PutSecretValue", struct secrets_version_out, secrets_parse_version,
           secrets_version_out_free, secrets_put_secret_value_cb, "SecretString", NULL)
SECRETS_OP(get_secret_value, "GetSecretValue", struct secrets_secret_value_out,
           secrets_parse_secret_value, secrets_secret_value_out_free, secrets_get_secret_value_cb,
           NULL, "SecretString")
SECRETS_OP(describe_secret, "DescribeSecret", struct secrets_describe_secret_out,
           secrets_parse_describe_secret, secrets_describe_secret_out_free,
           secrets_describe_secret_cb, NULL, NULL)
SECRETS_OP(delete_secret, "DeleteSecret", struct secrets_delete_secret_out,
           secrets_parse_delete_secret, secrets_delete_secret_out_free, secrets_delete_secret_cb,
           NULL, NULL)
SECRETS_OP(get_random_password, "GetRandomPassword", struct secrets_random_password_out,
           secrets_parse_random_password, secrets_random_password_out_free,
           secrets_get_random_password_cb, NULL, "RandomPassword")

_Static_assert(offsetof(struct secrets_secret_list, request_id) == 0, "request_id first");
static int secrets_p_list(const json_t *obj, void *o)
{
    return secrets_parse_secret_list(obj, o);
}
static void secrets_f_list(void *o)
{
    secrets_secret_list_free(o);
}
static void secrets_d_list(secrets_any_cb cb, void *o, const struct aws_error *e, void *a)
{
    ((secrets_list_secrets_cb)cb)(o, e, a);
}
static const struct secrets_op secrets_op_list_secrets = {
    .name = "ListSecrets",
    .out_size = sizeof(struct secrets_secret_list),
    .parse = secrets_p_list,
    .free_out = secrets_f_list,
    .deliver = secrets_d_list,
    .paged = true,
    .token_offset = offsetof(struct secrets_secret_list, next_token)};

/* ---- the calls ---- */

struct aws_call *secrets_create_secret(struct aws_client *c,
                                       const struct secrets_create_secret_in *in,
                                       secrets_create_secret_cb cb, void *arg)
{
    return secrets_start(c, &secrets_op_create_secret, secrets_build_create_secret(in), 0,
                         (secrets_any_cb)cb, arg);
}

struct aws_call *secrets_put_secret_value(struct aws_client *c,
                                          const struct secrets_put_secret_value_in *in,
                                          secrets_put_secret_value_cb cb, void *arg)
{
    return secrets_start(c, &secrets_op_put_secret_value, secrets_build_put_secret_value(in), 0,
                         (secrets_any_cb)cb, arg);
}

struct aws_call *secrets_get_secret_value(struct aws_client *c,
                                          const struct secrets_get_secret_value_in *in,
                                          secrets_get_secret_value_cb cb, void *arg)
{
    return secrets_start(c, &secrets_op_get_secret_value, secrets_build_get_secret_value(in), 0,
                         (secrets_any_cb)cb, arg);
}

struct aws_call *secrets_describe_secret(struct aws_client *c,
                                         const struct secrets_describe_secret_in *in,
                                         secrets_describe_secret_cb cb, void *arg)
{
    return secrets_start(c, &secrets_op_describe_secret, secrets_build_describe_secret(in), 0,
                         (secrets_any_cb)cb, arg);
}

struct aws_call *secrets_list_secrets(struct aws_client *c,
                                      const struct secrets_list_secrets_in *in,
                                      secrets_list_secrets_cb cb, void *arg)
{
    return secrets_start(c, &secrets_op_list_secrets, secrets_build_list_secrets(in),
                         in ? in->max_pages : 0, (secrets_any_cb)cb, arg);
}

struct aws_call *secrets_delete_secret(struct aws_client *c,
                                       const struct secrets_delete_secret_in *in,
                                       secrets_delete_secret_cb cb, void *arg)
{
    return secrets_start(c, &secrets_op_delete_secret, secrets_build_delete_secret(in), 0,
                         (secrets_any_cb)cb, arg);
}

struct aws_call *secrets_get_random_password(struct aws_client *c,
                                             const struct secrets_get_random_password_in *in,
                                             secrets_get_random_password_cb cb, void *arg)
{
    return secrets_start(c, &secrets_op_get_random_password, secrets_build_get_random_password(in),
                         0, (secrets_any_cb)cb, arg);
}
