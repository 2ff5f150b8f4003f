/* sts.h - typed STS calls
 * (https://docs.aws.amazon.com/STS/latest/APIReference/welcome.html): GetCallerIdentity,
 * AssumeRole, AssumeRoleWithWebIdentity (sent unsigned).
 *
 * The shape every typed call follows: the caller passes its input, a
 * callback and an argument; the callback gets exactly one of out / err
 * (out valid during the callback only) and runs from the event loop, never
 * inside the starting call. The returned handle can be given to
 * aws_call_cancel(); then the callback never runs. NULL is never returned.
 */
#ifndef ELCUI_AWS_STS_H
#define ELCUI_AWS_STS_H

#include <stdint.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
#include "aws/creds.h"

struct sts_caller_identity {
    char *account;
    char *arn;
    char *user_id;
};

typedef void (*sts_get_caller_identity_cb)(const struct sts_caller_identity *out,
                                           const struct aws_error *err, void *arg);
struct aws_call *sts_get_caller_identity(struct aws_client *c, sts_get_caller_identity_cb cb,
                                         void *arg);

struct sts_assume_role_in {
    const char *role_arn;          /* required */
    const char *role_session_name; /* required, 2..64 chars [\w+=,.@-] */
    const char *external_id;       /* NULL: not sent */
    const char *serial_number;     /* MFA device; NULL: not sent */
    const char *token_code;        /* MFA code; masked in descriptions */
    int duration_seconds;          /* 0: not sent (service default 3600) */
    const char *policy;            /* session policy JSON; NULL: not sent */
    const char *source_identity;   /* NULL: not sent */
};

struct sts_assume_role_out {
    struct aws_credentials credentials; /* source left empty */
    char *assumed_role_arn;
    char *assumed_role_id;
    char *source_identity;   /* NULL when absent */
    long packed_policy_size; /* -1 when absent */
};

typedef void (*sts_assume_role_cb)(const struct sts_assume_role_out *out,
                                   const struct aws_error *err, void *arg);
struct aws_call *sts_assume_role(struct aws_client *c, const struct sts_assume_role_in *in,
                                 sts_assume_role_cb cb, void *arg);

struct sts_web_identity_in {
    const char *role_arn;           /* required */
    const char *role_session_name;  /* required */
    const char *web_identity_token; /* required; secret */
    const char *provider_id;        /* OAuth 2.0 providers only; NULL: not sent */
    const char *policy;             /* NULL: not sent */
    int duration_seconds;           /* 0: not sent */
};

struct sts_web_identity_out {
    struct aws_credentials credentials;
    char *assumed_role_arn;
    char *assumed_role_id;
    char *subject_from_web_identity_token;
    char *provider;
    char *audience;
    char *source_identity;
};

typedef void (*sts_web_identity_cb)(const struct sts_web_identity_out *out,
                                    const struct aws_error *err, void *arg);
/* Sent without a signature (the token is the proof), so the client's
 * credential provider is never asked. */
struct aws_call *sts_assume_role_with_web_identity(struct aws_client *c,
                                                   const struct sts_web_identity_in *in,
                                                   sts_web_identity_cb cb, void *arg);

/* Builders and parsers behind the calls above, for callers that drive
 * aws_client_call() themselves (the credential chain: no allocation of
 * its own per call, so aws_call_cancel() leaves nothing behind) and for
 * tests with recorded responses. Builders return the query with Action
 * and Version; parsers take the <OpResult> node and return 0, or -1 with
 * err filled (AWS_ERR_PARSE) when what the operation must return is
 * missing. Outputs are released with the matching _free. */
struct query_params *sts_get_caller_identity_params(void);
struct query_params *sts_assume_role_params(const struct sts_assume_role_in *in);
struct query_params *sts_web_identity_params(const struct sts_web_identity_in *in);
int sts_parse_caller_identity(const xmlNode *result, struct sts_caller_identity *out,
                              struct aws_error *err);
int sts_parse_assume_role(const xmlNode *result, struct sts_assume_role_out *out,
                          struct aws_error *err);
int sts_parse_web_identity(const xmlNode *result, struct sts_web_identity_out *out,
                           struct aws_error *err);
void sts_caller_identity_free(struct sts_caller_identity *out);
void sts_assume_role_out_free(struct sts_assume_role_out *out);
void sts_web_identity_out_free(struct sts_web_identity_out *out);

#endif
