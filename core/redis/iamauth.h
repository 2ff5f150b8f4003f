/* iamauth.h - ElastiCache IAM authentication tokens.
 *
 * An IAM authentication token is a SigV4 query-presigned request
 *
 *   GET http://<cache id>/?Action=connect&User=<user>[&ResourceType=ServerlessCache]
 *
 * signed for service "elasticache" in the cache's region with
 * X-Amz-Expires=900 (the service accepts a token for 15 minutes); the token
 * is that URL without "http://". <cache id> is the replication group id
 * (or the serverless cache name, which adds ResourceType=ServerlessCache),
 * lower-cased as ElastiCache stores it; <user> is an IAM-enabled
 * ElastiCache user, whose user id and user name are the same. The token is
 * the password of `AUTH <user> <token>`; an authenticated connection must
 * re-authenticate with a fresh token before the old one expires (and is
 * dropped by the service after 12 hours anyway).
 *
 * iamauth_token() is the pure part (fixed time and credentials in, token
 * out: what botocore's SigV4QueryAuth computes for the same request).
 * struct iamauth is the asynchronous provider on the event loop: it takes
 * AWS credentials from the chain (aws/creds.h), mints a token per request
 * with the clock-skew-corrected time of an aws_client when one is given,
 * and serves as the credential provider of rconn/rcluster (iamauth_cred),
 * whose re-authentication timer asks again before the token expires.
 * Tokens are secrets: every copy is wiped (mem_free_secret) and none is
 * ever logged or put in an error message.
 */
#ifndef ELCUI_CORE_IAMAUTH_H
#define ELCUI_CORE_IAMAUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
#include "aws/creds.h"
#include "aws/sigv4.h"
#include "core/loop.h"
#include "core/redis/rconn.h"

#define IAMAUTH_EXPIRES_S 900
#define IAMAUTH_SERVICE "elasticache"

struct iamauth_params {
    const char *cache_id; /* replication group id or serverless cache name */
    const char *user;     /* IAM-enabled ElastiCache user (id = name) */
    const char *region;   /* signing region of the cache */
    bool serverless;      /* adds ResourceType=ServerlessCache */
    int expires_s;        /* X-Amz-Expires; 0 = IAMAUTH_EXPIRES_S (1..900) */
};

/* The token for creds at time_s (epoch seconds), or NULL when a parameter
 * is missing or unusable (why, without secrets, in errbuf when given).
 * The caller frees it with mem_free_secret(). */
char *iamauth_token(const struct iamauth_params *p, const struct sigv4_creds *creds, int64_t time_s,
                    char *errbuf, size_t errlen);

/* The same, from the credentials the chain delivered. */
char *iamauth_token_from(const struct iamauth_params *p, const struct aws_credentials *c,
                         int64_t time_s, char *errbuf, size_t errlen);

/* ---- the provider ---- */

struct iamauth;

struct iamauth_options {
    struct loop *loop;
    struct creds_provider *creds; /* not owned */
    struct aws_client *clock;     /* optional: signing time = aws_client_now_ms (skew) */
    struct iamauth_params params; /* strings copied */
};

/* NULL when the parameters are unusable (errbuf says why). */
struct iamauth *iamauth_new(const struct iamauth_options *o, char *errbuf, size_t errlen);
/* Credential requests of connections still waiting fail ("closed");
 * outstanding mints are cancelled (their callbacks do not run). NULL is
 * fine. */
void iamauth_free(struct iamauth *a);

/* rconn_cred_fn: arg is the struct iamauth. Delivers {user, token,
 * expires} where expires is the earlier of the token's lifetime and the
 * AWS credentials' expiry (a token signed with temporary credentials is
 * no good after they expire). */
void iamauth_cred(struct rconn_cred_req *req, void *arg);

/* One token, for `elcui iam-token`. The callback owns token (a secret:
 * mem_free_secret) and gets expires_wall_ms; exactly one of token/err is
 * non-NULL; never called synchronously. */
typedef void (*iamauth_mint_cb)(char *token, int64_t expires_wall_ms, const struct aws_error *err,
                                void *arg);
struct iamauth_mint;
struct iamauth_mint *iamauth_mint(struct iamauth *a, iamauth_mint_cb cb, void *arg);
/* Until the callback has run; it is not called afterwards. */
void iamauth_mint_cancel(struct iamauth_mint *m);

struct iamauth_stats {
    unsigned long minted;   /* tokens handed out */
    unsigned long failures; /* credential chain failures */
    int64_t last_expires_wall_ms;
    char last_error[256]; /* no secrets */
};
void iamauth_get_stats(const struct iamauth *a, struct iamauth_stats *out);

#endif
