/* creds.h - the AWS credential provider chain
 * (https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html), async.
 *
 * Order: environment; assume-role profiles (source_profile or
 * credential_source, role chaining, external_id, mfa_serial with a prompt);
 * web identity (profile or AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN);
 * SSO (sso_session or legacy keys, cached token, portal GetRoleCredentials);
 * shared credentials file; credential_process; config-file static keys;
 * container credentials (RELATIVE/FULL URI, token or token file); IMDSv2
 * (with the v1 fallback rules). With an explicit --profile the environment
 * provider is skipped, as in botocore.
 *
 * Temporary credentials are cached and refreshed before expiry (15 min
 * advisory, 10 min mandatory). Concurrent callers share one refresh.
 * Nothing here blocks: HTTP goes through http.h, credential_process runs as
 * a child whose pipe is watched by the reactor.
 */
#ifndef ELCUI_AWS_CREDS_H
#define ELCUI_AWS_CREDS_H

#include <stdbool.h>
#include <stdint.h>

#include "aws/aws_error.h"
#include "aws/http.h"
#include "aws/profile.h"
#include "aws/reactor.h"

struct aws_client;

struct aws_credentials {
    char *access_key_id;
    char *secret_access_key; /* secret: wiped on free */
    char *session_token;     /* secret: wiped on free; may be NULL */
    int64_t expiration_ms;   /* epoch ms; 0 = does not expire */
    char source[96];         /* e.g. "environment", "assume-role (profile ops)", "sso", "imds" */
};

void creds_free_credentials(struct aws_credentials *c);
void creds_copy_credentials(struct aws_credentials *dst, const struct aws_credentials *src);

/* Asks the user for an MFA code; must eventually call done (possibly
 * immediately) with the answer or NULL when cancelled. */
typedef void (*creds_prompt_done)(const char *answer, void *done_arg);
typedef void (*creds_prompt_fn)(void *ctx, const char *question, creds_prompt_done done,
                                void *done_arg);

struct creds_options {
    const struct reactor *reactor;
    struct http_client *http;
    struct profile_store *store;
    const char *profile;               /* profile in use (never NULL) */
    bool profile_explicit;             /* --profile given: skip the environment provider */
    const char *region;                /* for STS/SSO calls; may be NULL */
    const char *sts_endpoint_override; /* explicit --endpoint-url, if any */
    creds_prompt_fn prompt;            /* NULL: MFA profiles fail with a clear error */
    void *prompt_ctx;
    /* Tests only: override the IMDS base URL and the container host. */
    const char *imds_endpoint;
    /* Additions. Tests only: base URL for AWS_CONTAINER_CREDENTIALS_
     * RELATIVE_URI instead of http://169.254.170.2 (NULL: imds_endpoint if
     * set, else the link-local address). */
    const char *container_endpoint;
    /* credential_process time limit; 0 = 60000 ms. The process (and its
     * process group) is killed when it runs longer. */
    long process_timeout_ms;
};

struct creds_provider;
struct creds_req;

typedef void (*creds_cb)(const struct aws_credentials *c, const struct aws_error *err, void *arg);

struct creds_provider *creds_provider_new(const struct creds_options *opt);
void creds_provider_free(struct creds_provider *p);

/* Deliver credentials: from the cache when fresh (callback still runs from
 * the reactor, never re-entrantly inside creds_get), else after a refresh.
 * An unusable chain gives AWS_ERR_CREDENTIALS with a message that names
 * the fix (e.g. "SSO session 'corp' has expired: run aws sso login
 * --sso-session corp"). */
struct creds_req *creds_get(struct creds_provider *p, creds_cb cb, void *arg);
void creds_cancel(struct creds_req *r);
/* Forget cached temporary credentials (e.g. after ExpiredToken). */
void creds_invalidate(struct creds_provider *p);
/* Which provider produced the current credentials ("" before the first). */
const char *creds_source(const struct creds_provider *p);

/* What configured the provider of the current credentials, so a screen can
 * say where they come from: an environment variable, or a key of the
 * profile (profile_get_at / profile_get_from_at give its file and line).
 * Both NULL before the first fetch, and for instance metadata (configured
 * by neither). */
struct creds_origin {
    const char *env;          /* "AWS_ACCESS_KEY_ID", ... or NULL */
    const char *key;          /* "aws_access_key_id", "role_arn", ... or NULL */
    const char *profile;      /* the profile key is read from */
    bool one_file;            /* key is read from file only (static keys) */
    enum profile_source file; /* one_file: which */
};
void creds_source_origin(const struct creds_provider *p, struct creds_origin *o);

/* Additions. How many times credentials were obtained from a provider
 * (first fetch included): for tests and diagnostics. */
unsigned long creds_fetch_count(const struct creds_provider *p);

#endif
