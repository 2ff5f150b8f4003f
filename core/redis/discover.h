/* discover.h - where a replication group's Redis endpoint and AUTH token
 * come from.
 *
 * One asynchronous run on the event loop:
 *  1. the group: DescribeReplicationGroups + DescribeCacheClusters through
 *     the inventory engine (core/model/inventory.h) -> a model (NULL when the
 *     caller may not describe it, e.g. an instance role that can only read
 *     the SSM parameters and the secret, as in the seed's EC2 harness);
 *     then its tags (ListTagsForResource), which may name the secret
 *     (DISCOVER_TAG_AUTH_SECRET) and the stack's name stem (elcui:stack);
 *  2. the endpoint: a given host:port, else the configuration endpoint
 *     (cluster mode) or the primary endpoint (cluster mode off) the API
 *     reports, else the SSM parameters /elasticache/<stem>/<rg>/endpoint
 *     and .../port (SecureString, read WithDecryption; seed best practice
 *     1) for each candidate stem;
 *  3. the token, first source that answers wins:
 *       --token-env VAR (the variable must be set and non-empty),
 *       --secret NAME|ARN (Secrets Manager GetSecretValue),
 *       the group's tag elcui:auth-secret naming a secret,
 *       the seed's naming <stem>-elasticache-auth,
 *       the caller's no-echo prompt.
 *     Explicit sources (--token-env, --secret) that fail end the run with
 *     an error instead of falling through. Automatic sources are skipped
 *     when the API says the group has AUTH off (and no RBAC user is
 *     given); with IAM authentication no token is looked up at all.
 *     A secret may hold the bare token (as the seed stores it) or a JSON
 *     object with one of authToken/auth_token/token/password (and
 *     optionally username).
 *
 * Candidate stems: the elcui:stack tag's value, the group id, and for ids
 * like "<stem>-redis-cluster" (the seed's Dec 2023 naming) the stem.
 *
 * The result says which source won and every step that was tried (names
 * of secrets and parameters, outcomes), never a value. The token is a
 * secret: held in memory only, wiped by discover_result_free (and by the
 * caller's own copies: rcluster copies and wipes its own).
 */
#ifndef ELCUI_CORE_DISCOVER_H
#define ELCUI_CORE_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
#include "aws/creds.h"
#include "core/loop.h"
#include "core/model/model.h"

/* Tag on a replication group naming the Secrets Manager secret (name or
 * ARN) that holds its AUTH token. elcui's create engine sets it. */
#define DISCOVER_TAG_AUTH_SECRET "elcui:auth-secret"
/* Tag naming the stack's stem (set by elcui and the seed). */
#define DISCOVER_TAG_STACK "elcui:stack"
#define DISCOVER_SECRET_SUFFIX "-elasticache-auth"
#define DISCOVER_MAX_STEMS 4
#define DISCOVER_TOKEN_MAX 4096

enum discover_token_source {
    DISCOVER_TOKEN_NONE = 0, /* no token: AUTH off, --no-auth, or nothing found */
    DISCOVER_TOKEN_ENV,      /* --token-env VAR */
    DISCOVER_TOKEN_SECRET,   /* --secret NAME|ARN */
    DISCOVER_TOKEN_TAG,      /* the group's elcui:auth-secret tag */
    DISCOVER_TOKEN_NAMING,   /* <stem>-elasticache-auth */
    DISCOVER_TOKEN_PROMPT,   /* typed at the prompt */
    DISCOVER_TOKEN_IAM,      /* IAM authentication: minted per connection */
};

enum discover_endpoint_source {
    DISCOVER_EP_NONE = 0,
    DISCOVER_EP_GIVEN,   /* --endpoint HOST:PORT */
    DISCOVER_EP_CONFIG,  /* the API's configuration endpoint */
    DISCOVER_EP_PRIMARY, /* the API's primary endpoint (cluster mode off) */
    DISCOVER_EP_SSM,     /* the SSM parameters */
};

/* "token-env", "secret", "tag", "naming", "prompt", "iam", "none" */
const char *discover_token_source_name(enum discover_token_source s);
/* "given", "configuration-endpoint", "primary-endpoint", "ssm", "none" */
const char *discover_endpoint_source_name(enum discover_endpoint_source s);

struct discover_step {
    char what[200];    /* "secret app-4-elasticache-auth", "SSM /elasticache/app-4/app-4/port" */
    char outcome[300]; /* "found", "not found", "AccessDeniedException: ..." (no values) */
    bool ok;
};

struct discover_result {
    /* the group (a reference owned by the result), or NULL with model_err */
    struct model_group *model;
    struct aws_error model_err;
    char *arn;
    char *stack; /* the elcui:stack tag's value, or NULL */
    /* endpoint */
    char *host;
    int port;
    enum discover_endpoint_source endpoint_source;
    char endpoint_origin[200]; /* parameter names for ssm; "" otherwise */
    char *reader_host;         /* cluster mode off, from the API */
    int reader_port;
    /* what the API says (unknown without a model) */
    bool cluster_known, cluster;
    bool tls_known, tls;
    bool auth_known, auth_on;
    bool rbac; /* user groups attached */
    /* the token (SECRET), its user and where it came from */
    char *token;
    char *user; /* --user, or the secret's username; NULL: single-argument AUTH */
    enum discover_token_source token_source;
    char token_origin[300]; /* variable name, secret name/ARN; never the value */
    struct discover_step *steps;
    size_t n_steps;
    /* set when the run failed: what to show (no secrets) */
    bool failed;
    char error[600];
};

void discover_result_free(struct discover_result *r);

struct discover_options {
    struct loop *loop;
    struct aws_client *aws; /* NULL: no AWS lookups (needs endpoint) */
    const char *rg_id;
    const char *endpoint;  /* "HOST:PORT": skip the API endpoint */
    const char *token_env; /* --token-env VAR */
    const char *secret_id; /* --secret NAME|ARN */
    const char *user;      /* RBAC user */
    bool iam;              /* IAM authentication: no token lookup */
    bool no_auth;          /* connect without AUTH */
    bool skip_model;       /* do not describe the group (iam-token, tests) */
    /* the group as the caller has just described it (a reference is
     * taken): DescribeReplicationGroups is not asked again */
    struct model_group *model;
    creds_prompt_fn prompt; /* NULL: no prompt */
    void *prompt_ctx;
};

/* The callback owns res (discover_result_free); it is never called from
 * inside discover_start. NULL (and no callback) for unusable options: no
 * loop, or neither a group id nor an endpoint. */
typedef void (*discover_cb)(struct discover_result *res, void *arg);
struct discover_req;
struct discover_req *discover_start(const struct discover_options *o, discover_cb cb, void *arg);
/* Until the callback has run; no callback afterwards. */
void discover_cancel(struct discover_req *r);

/* ---- pure helpers (tests) ---- */

/* Candidate name stems, most specific first, without duplicates. */
size_t discover_stems(const char *rg_id, const char *stack_tag, char out[][128], size_t max);
/* The token in a secret's value: the bare string (one trailing newline
 * dropped) or a JSON object's authToken/auth_token/token/password; user
 * gets a JSON username/user when present (caller frees). NULL when
 * nothing usable (empty, or JSON without a token member). The result is
 * a secret (mem_free_secret). */
char *discover_secret_token(const char *value, size_t len, char **user);
/* "host:port", "host", "[v6]:port" -> host (caller frees) and port (or
 * default_port when absent). NULL when malformed. */
char *discover_parse_endpoint(const char *text, int default_port, int *port);

#endif
