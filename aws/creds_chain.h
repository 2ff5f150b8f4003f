/* creds_chain.h - what the credential chain (creds.c) shares with its
 * providers (creds_keys.c, creds_role.c, creds_sso.c, creds_process.c,
 * creds_container.c, creds_imds.c): the provider and job records, the
 * step order, and the helpers a provider uses to report. Internal to
 * aws/creds*.c; everything else uses creds.h.
 *
 * A provider's start function returns CR_SKIP when it does not apply
 * (after creds_note() says why), CR_DONE with j->out (have_out) or j->err
 * set, or CR_PENDING when it will call creds_job_done() or
 * creds_job_skip() later, from its own asynchronous completion.
 */
#ifndef ELCUI_AWS_CREDS_CHAIN_H
#define ELCUI_AWS_CREDS_CHAIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_error.h"
#include "aws/buf.h"
#include "aws/creds.h"

#define CREDS_MIN_MS (60 * 1000)
#define CREDS_ADVISORY_MS (15 * CREDS_MIN_MS)
#define CREDS_MANDATORY_MS (10 * CREDS_MIN_MS)
#define CREDS_ADVISORY_RETRY_MS (30 * 1000)
#define CREDS_PROCESS_TIMEOUT_MS 60000
#define CREDS_FILE_MAX (1024 * 1024)

enum creds_step {
    STEP_ENV,
    STEP_ASSUME_ROLE,
    STEP_WEB_IDENTITY,
    STEP_SSO,
    STEP_SHARED_FILE,
    STEP_PROCESS,
    STEP_CONFIG_FILE,
    STEP_CONTAINER,
    STEP_IMDS,
    STEP_COUNT,
};

#define MASK(s) (1u << (s))
#define MASK_ALL ((1u << STEP_COUNT) - 1)
/* What a source_profile may use (botocore's profile provider builder). */
#define MASK_PROFILE                                                                               \
    (MASK(STEP_WEB_IDENTITY) | MASK(STEP_SSO) | MASK(STEP_SHARED_FILE) | MASK(STEP_PROCESS) |      \
     MASK(STEP_CONFIG_FILE))

enum creds_res {
    CR_SKIP,    /* provider does not apply: next one */
    CR_DONE,    /* finished synchronously: j->out or j->err set */
    CR_PENDING, /* will call creds_job_done / creds_job_skip */
};

enum creds_state {
    STATE_FRESH,
    STATE_ADVISORY,
    STATE_MANDATORY, /* also: nothing cached */
};

struct creds_reqlist {
    struct creds_req *head, *tail;
};

struct creds_req {
    struct creds_provider *p;
    creds_cb cb;
    void *arg;
    struct creds_req *prev, *next;
    struct creds_reqlist *list;
    bool in_cb;
};

struct creds_proc;

/* An MFA question in flight: the job forgets it when cancelled, so a late
 * answer is dropped. */
struct creds_ticket;

struct creds_job {
    struct creds_provider *p;
    int step;
    bool single; /* only the provider chosen before */
    bool background;
    struct buf notes; /* why providers did not apply, for the final error */
    struct aws_credentials out;
    bool have_out;
    struct aws_error err;
    /* async state (one active at a time) */
    struct http_xfer *xfer;
    void *timer;
    struct creds_req *src_req;
    struct aws_call *call;
    struct creds_ticket *ticket;
    struct creds_proc *proc;
    int stage;
    int attempt;
    char *token; /* IMDS token / SSO access token (secret) */
    char *role;  /* IMDS role name */
    char *url;
    char *auth;      /* container Authorization header (secret) */
    json_t *sso_doc; /* SSO token cache file contents (secrets inside) */
    char *sso_path;
    int64_t sso_exp;
};

struct creds_provider {
    const struct reactor *r;
    struct http_client *http;
    struct profile_store *store;
    char *profile;
    bool profile_explicit;
    char *region;
    char *sts_endpoint;
    creds_prompt_fn prompt;
    void *prompt_ctx;
    char *imds_endpoint;
    char *container_endpoint;
    long process_timeout_ms;

    unsigned mask;
    bool env_config_off; /* web identity ignores AWS_* variables */
    bool nested;         /* a source provider of an assume-role profile */
    char *via;           /* nested: what the parent calls us ("base", "Environment") */

    struct aws_credentials cur;
    bool have;
    int64_t fetched_wall;
    int chosen; /* step that produced cur; -1 before the first success */
    char source[96];
    unsigned long fetches;

    struct creds_reqlist waiting; /* need an evaluation (maybe a refresh) */
    struct creds_reqlist ready;   /* a refresh they waited for succeeded */
    struct creds_reqlist failed;  /* a refresh they waited for failed */
    struct aws_error err;         /* for the failed list */
    void *kick_timer;
    struct creds_job *job;
    uint64_t advisory_not_before; /* monotonic ms */
    int busy;
    bool dead;

    /* assume role / web identity */
    struct creds_provider *src;
    struct aws_client *sts;
};

struct creds_ticket {
    struct creds_job *job;
};

/* ---- defined in creds.c, for the providers ---- */

/* Replace c's keys (token NULL or "" = none; expiration 0 = never). */
void creds_set(struct aws_credentials *c, const char *akid, const char *secret, const char *token,
               int64_t expiration_ms);
/* A set, non-empty environment variable, else NULL. */
const char *creds_env(const char *name);
/* A set, non-empty key of the provider's profile, else NULL. */
const char *creds_pget(const struct creds_provider *p, const char *key);
int64_t creds_wall(const struct creds_provider *p);
/* Read a small local file (token files). NULL with errno set on failure. */
char *creds_read_file(const char *path, size_t max, bool secret);
void creds_rstrip(char *s);
/* Wipe a secret string held inside a jansson value before it is freed. */
void creds_json_wipe(json_t *obj, const char *key);
/* No CR or LF: safe as an HTTP header value. */
bool creds_header_safe(const char *v);
/* A provider made the way creds_provider_new() does, before its mask. */
struct creds_provider *creds_new_raw(const struct creds_options *opt);

/* Why a provider did not apply, for the final "no credentials" error. */
void creds_note(struct creds_job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void creds_job_fail(struct creds_job *j, enum aws_error_kind kind, const char *code,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Fail the job with e, its message prefixed with context. */
void creds_fail_from(struct creds_job *j, const struct aws_error *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Async completion: the job ends with j->out or j->err. */
void creds_job_done(struct creds_job *j);
/* Async completion: the provider does not apply after all. */
void creds_job_skip(struct creds_job *j);
/* Credentials from a JSON document (credential_process, container, IMDS):
 * k_* name the access key, secret and token members; what names the source
 * in errors. Wipes the secrets in doc. */
bool creds_from_json(struct creds_job *j, json_t *doc, const char *k_akid, const char *k_secret,
                     const char *k_token, const char *what);

#endif
