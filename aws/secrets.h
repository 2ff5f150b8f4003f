/* secrets.h - typed Secrets Manager calls (JSON 1.1, X-Amz-Target
 * secretsmanager.<Op>,
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/Welcome.html): the secret that
 * holds the AUTH token.
 *
 * Conventions (TYPED.md): zero = absent in inputs; outputs are heap
 * structs owned by the callback, freed with the matching _free; exactly
 * one of out/err is non-NULL; the callback never runs synchronously; the
 * returned handle works with aws_call_cancel() until the callback has run,
 * across all pages. ListSecrets follows NextToken until done or max_pages
 * and returns the token to resume from in next_token (NULL when complete).
 *
 * Secrets: SecretString in an input is copied into the request only; the
 * copy is wiped when the call completes (the transport wipes its encoded
 * body). SecretString from GetSecretValue and RandomPassword from
 * GetRandomPassword are marked SECRET below: they are wiped in the decoded
 * response right after parsing and wiped again by the matching _free.
 * Never print them.
 *
 * Builders (secrets_build_*) return a new jansson reference with the
 * request members in botocore's order; parsers (secrets_parse_*) tolerate
 * missing members and wrong types. Timestamps are epoch milliseconds.
 */
#ifndef ELCUI_AWS_SECRETS_H
#define ELCUI_AWS_SECRETS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"

#define SECRETS_PAGE_LIMIT 10000

struct secrets_tag_in {
    const char *key;
    const char *value;
};
struct secrets_tag {
    char *key;
    char *value; /* "" when absent */
};

/* A random UUID v4 (RAND_bytes) into out (>= 37 bytes): what SDKs send as
 * ClientRequestToken when the caller gives none. 0, or -1 when the random
 * generator failed (out is then ""). */
int secrets_uuid4(char *out, size_t n);

/* ---- CreateSecret / PutSecretValue ---- */
struct secrets_create_secret_in {
    const char *name;
    const char *client_request_token; /* NULL: a fresh UUID v4; pass a stable one to
                                         make a retried create idempotent */
    const char *description;
    const char *kms_key_id;    /* NULL: aws/secretsmanager */
    const char *secret_string; /* SECRET; NULL: a secret without a version */
    const struct secrets_tag_in *tags;
    size_t n_tags;
};
struct secrets_put_secret_value_in {
    const char *secret_id;            /* name or ARN */
    const char *client_request_token; /* NULL: a fresh UUID v4 */
    const char *secret_string;        /* SECRET */
};
/* What both answer: the secret and the version just written. */
struct secrets_version_out {
    char request_id[96];
    char *arn;
    char *name;
    char *version_id;
    char **version_stages; /* PutSecretValue; NULL-terminated, never NULL */
    size_t n_version_stages;
};
void secrets_version_out_free(struct secrets_version_out *o);
int secrets_parse_version(const json_t *obj, struct secrets_version_out *out);

typedef void (*secrets_create_secret_cb)(struct secrets_version_out *out,
                                         const struct aws_error *err, void *arg);
json_t *secrets_build_create_secret(const struct secrets_create_secret_in *in);
struct aws_call *secrets_create_secret(struct aws_client *c,
                                       const struct secrets_create_secret_in *in,
                                       secrets_create_secret_cb cb, void *arg);

typedef void (*secrets_put_secret_value_cb)(struct secrets_version_out *out,
                                            const struct aws_error *err, void *arg);
json_t *secrets_build_put_secret_value(const struct secrets_put_secret_value_in *in);
struct aws_call *secrets_put_secret_value(struct aws_client *c,
                                          const struct secrets_put_secret_value_in *in,
                                          secrets_put_secret_value_cb cb, void *arg);

/* ---- GetSecretValue ---- */
struct secrets_get_secret_value_in {
    const char *secret_id;
    const char *version_id;
    const char *version_stage; /* NULL: AWSCURRENT */
};
struct secrets_secret_value_out {
    char request_id[96];
    char *arn;
    char *name;
    char *version_id;
    char *secret_string;      /* SECRET: wiped by _free; NULL for a binary secret */
    size_t secret_string_len; /* bytes (a JSON string may hold NULs) */
    bool has_secret_binary;
    char **version_stages; /* NULL-terminated, never NULL */
    size_t n_version_stages;
    int64_t created_date_ms;
};
void secrets_secret_value_out_free(struct secrets_secret_value_out *o);
/* Copies the secret; the caller wipes obj's copy (the call does). */
int secrets_parse_secret_value(const json_t *obj, struct secrets_secret_value_out *out);
typedef void (*secrets_get_secret_value_cb)(struct secrets_secret_value_out *out,
                                            const struct aws_error *err, void *arg);
json_t *secrets_build_get_secret_value(const struct secrets_get_secret_value_in *in);
struct aws_call *secrets_get_secret_value(struct aws_client *c,
                                          const struct secrets_get_secret_value_in *in,
                                          secrets_get_secret_value_cb cb, void *arg);

/* ---- DescribeSecret / ListSecrets: what is known about a secret ---- */
struct secrets_secret {
    char *arn;
    char *name;
    char *description;
    char *kms_key_id; /* NULL: the AWS-managed key aws/secretsmanager */
    char *owning_service;
    char *primary_region;
    bool rotation_enabled;
    char *rotation_lambda_arn;
    int64_t created_date_ms;
    int64_t last_changed_date_ms;
    int64_t last_accessed_date_ms;
    int64_t last_rotated_date_ms;
    int64_t next_rotation_date_ms;
    int64_t deleted_date_ms; /* non-zero while scheduled for deletion */
    struct secrets_tag *tags;
    size_t n_tags;
};
/* Value of the tag with this key, or NULL. */
const char *secrets_tag_get(const struct secrets_secret *s, const char *key);

struct secrets_describe_secret_in {
    const char *secret_id;
};
struct secrets_describe_secret_out {
    char request_id[96];
    struct secrets_secret secret;
};
void secrets_describe_secret_out_free(struct secrets_describe_secret_out *o);
int secrets_parse_describe_secret(const json_t *obj, struct secrets_describe_secret_out *out);
typedef void (*secrets_describe_secret_cb)(struct secrets_describe_secret_out *out,
                                           const struct aws_error *err, void *arg);
json_t *secrets_build_describe_secret(const struct secrets_describe_secret_in *in);
struct aws_call *secrets_describe_secret(struct aws_client *c,
                                         const struct secrets_describe_secret_in *in,
                                         secrets_describe_secret_cb cb, void *arg);

/* Filter keys: name, description, tag-key, tag-value, primary-region,
 * owning-service, all. Values OR-ed, filters AND-ed, prefix matches. */
struct secrets_filter {
    const char *key;
    const char *const *values;
    size_t n_values;
};
struct secrets_list_secrets_in {
    bool include_planned_deletion;
    int max_results; /* 1..100; 0: service default */
    const char *next_token;
    const struct secrets_filter *filters;
    size_t n_filters;
    int max_pages; /* 0: all */
};
struct secrets_secret_list {
    char request_id[96];
    struct secrets_secret *items;
    size_t n;
    char *next_token;
};
void secrets_secret_list_free(struct secrets_secret_list *l);
/* Appends the page's secrets to out. */
int secrets_parse_secret_list(const json_t *obj, struct secrets_secret_list *out);
typedef void (*secrets_list_secrets_cb)(struct secrets_secret_list *out,
                                        const struct aws_error *err, void *arg);
json_t *secrets_build_list_secrets(const struct secrets_list_secrets_in *in);
struct aws_call *secrets_list_secrets(struct aws_client *c,
                                      const struct secrets_list_secrets_in *in,
                                      secrets_list_secrets_cb cb, void *arg);

/* ---- DeleteSecret ---- */
struct secrets_delete_secret_in {
    const char *secret_id;
    int recovery_window_in_days;        /* 7..30; 0: absent (service default 30) */
    bool force_delete_without_recovery; /* the seed's recovery window 0 */
};
struct secrets_delete_secret_out {
    char request_id[96];
    char *arn;
    char *name;
    int64_t deletion_date_ms;
};
void secrets_delete_secret_out_free(struct secrets_delete_secret_out *o);
int secrets_parse_delete_secret(const json_t *obj, struct secrets_delete_secret_out *out);
typedef void (*secrets_delete_secret_cb)(struct secrets_delete_secret_out *out,
                                         const struct aws_error *err, void *arg);
json_t *secrets_build_delete_secret(const struct secrets_delete_secret_in *in);
struct aws_call *secrets_delete_secret(struct aws_client *c,
                                       const struct secrets_delete_secret_in *in,
                                       secrets_delete_secret_cb cb, void *arg);

/* ---- GetRandomPassword ---- */
struct secrets_get_random_password_in {
    long password_length; /* 1..4096; 0: service default (32) */
    const char *exclude_characters;
    bool exclude_numbers; /* the exclude_* flags are sent when true */
    bool exclude_punctuation;
    bool exclude_uppercase;
    bool exclude_lowercase;
    bool has_include_space;
    bool include_space;
    bool has_require_each_included_type;
    bool require_each_included_type;
};
struct secrets_random_password_out {
    char request_id[96];
    char *random_password; /* SECRET: wiped by _free */
};
void secrets_random_password_out_free(struct secrets_random_password_out *o);
int secrets_parse_random_password(const json_t *obj, struct secrets_random_password_out *out);
typedef void (*secrets_get_random_password_cb)(struct secrets_random_password_out *out,
                                               const struct aws_error *err, void *arg);
json_t *secrets_build_get_random_password(const struct secrets_get_random_password_in *in);
struct aws_call *secrets_get_random_password(struct aws_client *c,
                                             const struct secrets_get_random_password_in *in,
                                             secrets_get_random_password_cb cb, void *arg);

/* A copy of a request body for plans and logs, with every SecretString
 * shown as "****" (the secret is never copied). New reference. */
json_t *secrets_mask(const json_t *body);

/* Wipe (in place) every string member named key, at any depth, of a
 * decoded JSON value: how secret members are scrubbed from requests and
 * responses before jansson frees them. */
void secrets_wipe_json_member(json_t *v, const char *key);

#endif
