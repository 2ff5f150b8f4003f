/* ssm.h - typed SSM Parameter Store calls (JSON 1.1, X-Amz-Target
 * AmazonSSM.<Op>,
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/Welcome.html): the stack's
 * endpoint and port parameters (SecureString with the at-rest key) and the audit's view of every
 * parameter (type and key).
 *
 * Conventions (TYPED.md): zero = absent in inputs; outputs are heap
 * structs owned by the callback, freed with the matching _free; exactly
 * one of out/err is non-NULL; the callback never runs synchronously; the
 * returned handle works with aws_call_cancel() until the callback has run,
 * across all pages. DescribeParameters follows NextToken until done or
 * max_pages and returns the token to resume from in next_token.
 *
 * Secrets: parameter values are treated as secrets both ways (a decrypted
 * SecureString is one): the request's Value is wiped when the call ends,
 * the decoded response's Value members right after parsing, and every
 * value in an output by its _free. Never print them.
 */
#ifndef ELCUI_AWS_SSM_H
#define ELCUI_AWS_SSM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"

#define SSM_PAGE_LIMIT 10000

struct ssm_tag_in {
    const char *key;
    const char *value;
};

/* Output of operations without output members (DeleteParameter). */
struct ssm_result {
    char request_id[96];
};
void ssm_result_free(struct ssm_result *r);

/* ---- PutParameter ---- */
struct ssm_put_parameter_in {
    const char *name;
    const char *description;
    const char *value;             /* SECRET (SecureString): wiped from the request afterwards */
    const char *type;              /* String, StringList, SecureString; required to create */
    const char *key_id;            /* SecureString only; NULL: alias/aws/ssm */
    bool overwrite;                /* sent when true; required to update */
    const struct ssm_tag_in *tags; /* only when creating (not with overwrite) */
    size_t n_tags;
    const char *tier; /* Standard, Advanced, Intelligent-Tiering */
};
struct ssm_put_parameter_out {
    char request_id[96];
    long long version; /* 1 on creation, +1 per overwrite */
    char *tier;
};
void ssm_put_parameter_out_free(struct ssm_put_parameter_out *o);
int ssm_parse_put_parameter(const json_t *obj, struct ssm_put_parameter_out *out);
typedef void (*ssm_put_parameter_cb)(struct ssm_put_parameter_out *out, const struct aws_error *err,
                                     void *arg);
json_t *ssm_build_put_parameter(const struct ssm_put_parameter_in *in);
struct aws_call *ssm_put_parameter(struct aws_client *c, const struct ssm_put_parameter_in *in,
                                   ssm_put_parameter_cb cb, void *arg);
/* A copy of a PutParameter body for plans and logs, with the parameter's
 * Value shown as "****" (tag values are kept; the value is never copied).
 * New reference. */
json_t *ssm_mask(const json_t *body);

/* ---- GetParameter / GetParameters ---- */
struct ssm_parameter {
    char *name;
    char *type;
    char *value; /* SECRET: wiped by _free; ciphertext unless with_decryption */
    size_t value_len;
    long long version;
    char *arn;
    char *data_type;
    char *selector;
    char *source_result;
    int64_t last_modified_date_ms;
};

struct ssm_get_parameter_in {
    const char *name; /* may carry a selector: name:version, name:label */
    bool with_decryption;
};
struct ssm_get_parameter_out {
    char request_id[96];
    struct ssm_parameter parameter;
};
void ssm_get_parameter_out_free(struct ssm_get_parameter_out *o);
int ssm_parse_get_parameter(const json_t *obj, struct ssm_get_parameter_out *out);
typedef void (*ssm_get_parameter_cb)(struct ssm_get_parameter_out *out, const struct aws_error *err,
                                     void *arg);
json_t *ssm_build_get_parameter(const struct ssm_get_parameter_in *in);
struct aws_call *ssm_get_parameter(struct aws_client *c, const struct ssm_get_parameter_in *in,
                                   ssm_get_parameter_cb cb, void *arg);

struct ssm_get_parameters_in {
    const char *const *names; /* 1..10 */
    size_t n_names;
    bool with_decryption;
};
struct ssm_get_parameters_out {
    char request_id[96];
    struct ssm_parameter *items; /* the service returns them sorted by name */
    size_t n;
    char **invalid_parameters; /* names not found; NULL-terminated, never NULL */
    size_t n_invalid_parameters;
};
void ssm_get_parameters_out_free(struct ssm_get_parameters_out *o);
/* The parameter with this name, or NULL. */
const struct ssm_parameter *ssm_get_parameters_find(const struct ssm_get_parameters_out *o,
                                                    const char *name);
int ssm_parse_get_parameters(const json_t *obj, struct ssm_get_parameters_out *out);
typedef void (*ssm_get_parameters_cb)(struct ssm_get_parameters_out *out,
                                      const struct aws_error *err, void *arg);
json_t *ssm_build_get_parameters(const struct ssm_get_parameters_in *in);
struct aws_call *ssm_get_parameters(struct aws_client *c, const struct ssm_get_parameters_in *in,
                                    ssm_get_parameters_cb cb, void *arg);

/* ---- DeleteParameter ---- */
struct ssm_delete_parameter_in {
    const char *name;
};
typedef void (*ssm_delete_parameter_cb)(struct ssm_result *out, const struct aws_error *err,
                                        void *arg);
json_t *ssm_build_delete_parameter(const struct ssm_delete_parameter_in *in);
struct aws_call *ssm_delete_parameter(struct aws_client *c,
                                      const struct ssm_delete_parameter_in *in,
                                      ssm_delete_parameter_cb cb, void *arg);

/* ---- DescribeParameters (metadata only: no values) ---- */
/* ParameterFilters: Key Name / Type / KeyId / Path / Tier / DataType /
 * tag:<key> / tag-key; Option Equals, BeginsWith, Contains (Name), Recursive
 * / OneLevel (Path). */
struct ssm_parameter_filter {
    const char *key;
    const char *option; /* NULL: Equals */
    const char *const *values;
    size_t n_values;
};
struct ssm_describe_parameters_in {
    const struct ssm_parameter_filter *filters;
    size_t n_filters;
    int max_results; /* 1..50; 0: service default */
    const char *next_token;
    int max_pages; /* 0: all */
};
struct ssm_parameter_metadata {
    char *name;
    char *arn;
    char *type;
    char *key_id; /* SecureString: the KMS key (id, ARN or alias as stored) */
    char *description;
    char *tier;
    char *data_type;
    char *allowed_pattern;
    char *last_modified_user;
    long long version;
    int64_t last_modified_date_ms;
};
struct ssm_parameter_metadata_list {
    char request_id[96];
    struct ssm_parameter_metadata *items;
    size_t n;
    char *next_token;
};
void ssm_parameter_metadata_list_free(struct ssm_parameter_metadata_list *l);
/* Appends the page's parameters to out. */
int ssm_parse_describe_parameters(const json_t *obj, struct ssm_parameter_metadata_list *out);
typedef void (*ssm_describe_parameters_cb)(struct ssm_parameter_metadata_list *out,
                                           const struct aws_error *err, void *arg);
json_t *ssm_build_describe_parameters(const struct ssm_describe_parameters_in *in);
struct aws_call *ssm_describe_parameters(struct aws_client *c,
                                         const struct ssm_describe_parameters_in *in,
                                         ssm_describe_parameters_cb cb, void *arg);

#endif
