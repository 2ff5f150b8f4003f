/* aws_error.h - the one error value for every AWS call.
 *
 * Whatever failed (the service said no, the connection broke, the body was
 * malformed, credentials could not be found) ends up here, so callers and
 * screens have one thing to show: service, operation, HTTP status, code,
 * message, request id, whether it is retryable and how many attempts were
 * made.
 */
#ifndef ELCUI_AWS_AWS_ERROR_H
#define ELCUI_AWS_AWS_ERROR_H

#include <stdbool.h>

enum aws_error_kind {
    AWS_ERR_NONE = 0,
    AWS_ERR_SERVICE,     /* the service answered with an error envelope */
    AWS_ERR_HTTP,        /* non-2xx status without a readable envelope */
    AWS_ERR_TRANSPORT,   /* DNS, connect, TLS, reset, timeout (curl) */
    AWS_ERR_PARSE,       /* 2xx with a malformed or truncated body */
    AWS_ERR_CREDENTIALS, /* no usable credentials (message says how to fix) */
    AWS_ERR_CONFIG,      /* bad configuration: region, endpoint, profile */
    AWS_ERR_CANCELLED,   /* cancelled by the caller */
    AWS_ERR_INTERNAL,
};

struct aws_error {
    enum aws_error_kind kind;
    int http_status;     /* 0 when no response was received */
    char code[96];       /* AWS error code, or a transport code like "CouldNotConnect" */
    char *message;       /* heap, may be NULL; raw text from the peer */
    char request_id[96]; /* x-amzn-RequestId or the envelope's RequestId */
    char service[32];    /* "ElastiCache" */
    char operation[64];  /* "DescribeReplicationGroups" */
    bool retryable;
    bool throttling;
    int attempts; /* attempts made, including the first */
};

void aws_error_init(struct aws_error *e);
void aws_error_clear(struct aws_error *e); /* frees message, back to NONE */
void aws_error_set(struct aws_error *e, enum aws_error_kind kind, const char *code, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));
void aws_error_copy(struct aws_error *dst, const struct aws_error *src);
bool aws_error_is(const struct aws_error *e, const char *code);
const char *aws_error_kind_name(enum aws_error_kind kind);
/* One line for people, control characters escaped:
 * "ElastiCache DescribeReplicationGroups: SignatureDoesNotMatch: <message>
 *  (HTTP 403, request id 0f9c..., 3 attempts)". Caller frees. */
char *aws_error_format(const struct aws_error *e);

#endif
