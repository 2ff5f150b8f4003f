/* sigv4.h - AWS Signature Version 4 with OpenSSL (header signing and
 * query-string presigning), byte-compatible with botocore and with the AWS
 * SigV4 test suite. Pure functions: no I/O, no clock (callers pass time). */
#ifndef ELCUI_AWS_SIGV4_H
#define ELCUI_AWS_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sigv4_creds {
    const char *access_key;
    const char *secret_key;
    const char *session_token; /* may be NULL */
};

struct sigv4_header {
    const char *name;  /* any case */
    const char *value; /* raw; canonicalisation trims and folds spaces */
};

struct sigv4_request {
    const char *method; /* "POST" */
    const char *path;   /* raw request path as sent, e.g. "/" (may hold %XX) */
    const char *query;  /* raw query string without '?', or NULL */
    /* Headers to sign, as they will be sent. Must include Host (with :port
     * when not the scheme default) and X-Amz-Date; add
     * X-Amz-Security-Token when a session token is used. */
    const struct sigv4_header *headers;
    size_t nheaders;
    const void *body;
    size_t body_len;
    const char *payload_hash; /* hex; NULL = SHA-256 of body */
};

struct sigv4_scope {
    const char *region;  /* signing region, e.g. "us-east-1" */
    const char *service; /* signing name, e.g. "elasticache" */
    int64_t time_s;      /* request time, epoch seconds (== X-Amz-Date) */
};

struct sigv4_result {
    char *canonical_request;
    char *string_to_sign;
    char *authorization; /* full Authorization header value */
    char *signed_headers;
    char signature[65];
};

/* Header signing: the canonical request, the string to sign and the
 * Authorization header value of req (its headers already carry X-Amz-Date
 * and, with a session token, X-Amz-Security-Token). 0 on success. */
int sigv4_sign(const struct sigv4_request *req, const struct sigv4_creds *creds,
               const struct sigv4_scope *scope, struct sigv4_result *out);

/* Query-string presigning: returns the query string to append (caller
 * frees), containing the request's own query parameters plus
 * X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
 * X-Amz-SignedHeaders (host only unless more headers are given),
 * X-Amz-Security-Token (when present) and X-Amz-Signature, sorted as
 * botocore's SigV4QueryAuth orders them. Used for ElastiCache IAM
 * authentication tokens. The payload hash is that of the (empty) body. */
char *sigv4_presign(const struct sigv4_request *req, const struct sigv4_creds *creds,
                    const struct sigv4_scope *scope, int expires_s, struct sigv4_result *out);

void sigv4_result_free(struct sigv4_result *r);

/* Lower-case hex SHA-256 of data into out[65]. */
void sigv4_sha256_hex(const void *data, size_t len, char out[65]);
/* URI-encode with the RFC 3986 unreserved set kept; keep_slash for paths. */
char *sigv4_uri_encode(const char *s, size_t len, bool keep_slash);
/* Percent-decode s[0..len) (a '%' not followed by two hex digits, or too
 * near the end for them, stays as is); plus_space also turns '+' into ' '
 * (form and parse_qs rules). *outlen (when given) gets the length. */
char *sigv4_uri_decode(const char *s, size_t len, bool plus_space, size_t *outlen);

#endif
