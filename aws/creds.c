/* creds.c - the AWS credential provider chain (aws-wire.md §6.3), async.
 *
 * A creds_provider resolves credentials with a "job" that walks the
 * providers in botocore's order until one applies. Once one has applied,
 * later refreshes go straight to it. Requests wait in lists; every
 * callback runs from the provider's own 0 ms timer ("kick"), never from
 * inside creds_get() and never from inside a foreign callback (HTTP, STS,
 * child process), so a caller may free the provider from its callback.
 *
 * Assume-role profiles keep a nested provider for their source (another
 * profile, the environment, IMDS or the container) and an STS client that
 * signs with it; role chaining is that nesting repeated, and each level
 * caches and refreshes on its own.
 */
/* posix_spawn_file_actions_addclosefrom_np and pipe2 */
#define _GNU_SOURCE 1
#include "aws/creds.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aws/aws_client.h"
#include "aws/awsjson.h"
#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/mem.h"
#include "aws/sts.h"
#include "aws/svc.h"

extern char **environ;

#define CREDS_MIN_MS (60 * 1000)
#define CREDS_ADVISORY_MS (15 * CREDS_MIN_MS)
#define CREDS_MANDATORY_MS (10 * CREDS_MIN_MS)
#define CREDS_ADVISORY_RETRY_MS (30 * 1000)
#define CREDS_PROCESS_TIMEOUT_MS 60000
#define CREDS_PROCESS_MAX_OUT (64 * 1024)
#define CREDS_PROCESS_MAX_ERR (4 * 1024)
#define CREDS_PROCESS_POLL_MS 20
#define CREDS_FILE_MAX (1024 * 1024)
#define CREDS_CONTAINER_TIMEOUT_MS 2000
#define CREDS_CONTAINER_ATTEMPTS 3
#define CREDS_CONTAINER_RETRY_MS 1000

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

static void creds_job_run(struct creds_job *j);
static void creds_job_free(struct creds_job *j);
static void creds_arm_kick(struct creds_provider *p);

/* ---- credentials values ---- */

void creds_free_credentials(struct aws_credentials *c)
{
    if (!c)
        return;
    free(c->access_key_id);
    mem_free_secret(c->secret_access_key);
    mem_free_secret(c->session_token);
    memset(c, 0, sizeof(*c));
}

void creds_copy_credentials(struct aws_credentials *dst, const struct aws_credentials *src)
{
    if (dst == src)
        return;
    creds_free_credentials(dst);
    dst->access_key_id = mem_xstrdup(src->access_key_id);
    dst->secret_access_key = mem_xstrdup(src->secret_access_key);
    dst->session_token = mem_xstrdup(src->session_token);
    dst->expiration_ms = src->expiration_ms;
    memcpy(dst->source, src->source, sizeof(dst->source));
}

static void creds_set(struct aws_credentials *c, const char *akid, const char *secret,
                      const char *token, int64_t expiration_ms)
{
    creds_free_credentials(c);
    c->access_key_id = mem_xstrdup(akid);
    c->secret_access_key = mem_xstrdup(secret);
    c->session_token = token && *token ? mem_xstrdup(token) : NULL;
    c->expiration_ms = expiration_ms;
}

/* ---- small helpers ---- */

static const char *creds_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static bool creds_true(const char *v)
{
    return v && strcasecmp(v, "true") == 0;
}

static const char *creds_pget(const struct creds_provider *p, const char *key)
{
    const char *v = profile_get(p->store, p->profile, key);
    return v && *v ? v : NULL;
}

static int64_t creds_wall(const struct creds_provider *p)
{
    return reactor_wall_ms(p->r);
}

/* Read a small local file (token files). NULL with errno set on failure. */
static char *creds_read_file(const char *path, size_t max, bool secret)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct buf b;
    buf_init(&b, max);
    b.secret = secret;
    char chunk[4096];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || (n > 0 && buf_append(&b, chunk, (size_t)n) != 0)) {
            int e = n < 0 ? errno : EFBIG;
            close(fd);
            buf_free(&b);
            mem_wipe(chunk, sizeof(chunk));
            errno = e;
            return NULL;
        }
        if (n == 0)
            break;
    }
    close(fd);
    mem_wipe(chunk, sizeof(chunk));
    return buf_steal(&b);
}

static void creds_rstrip(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
}

/* Percent-encoding of a query value (RFC 3986 unreserved kept). */
static void creds_urlencode(struct buf *b, const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (isalnum(*c) || *c == '-' || *c == '_' || *c == '.' || *c == '~')
            buf_appendc(b, (char)*c);
        else
            buf_printf(b, "%%%02X", *c);
    }
}

/* Wipe a secret string held inside a jansson value before it is freed. */
static void creds_json_wipe(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_string(v)) {
        char *s = (char *)json_string_value(v);
        mem_wipe(s, json_string_length(v));
    }
}

static bool creds_header_safe(const char *v)
{
    for (; *v; v++)
        if (*v == '\r' || *v == '\n' || *v == '\0')
            return false;
    return true;
}

/* ---- request lists ---- */

static void creds_list_push(struct creds_reqlist *l, struct creds_req *r)
{
    r->list = l;
    r->next = NULL;
    r->prev = l->tail;
    if (l->tail)
        l->tail->next = r;
    else
        l->head = r;
    l->tail = r;
}

static void creds_list_unlink(struct creds_req *r)
{
    struct creds_reqlist *l = r->list;
    if (!l)
        return;
    if (r->prev)
        r->prev->next = r->next;
    else
        l->head = r->next;
    if (r->next)
        r->next->prev = r->prev;
    else
        l->tail = r->prev;
    r->prev = r->next = NULL;
    r->list = NULL;
}

static void creds_list_move(struct creds_reqlist *dst, struct creds_reqlist *src)
{
    while (src->head) {
        struct creds_req *r = src->head;
        creds_list_unlink(r);
        creds_list_push(dst, r);
    }
}

static void creds_list_drop(struct creds_reqlist *l)
{
    while (l->head) {
        struct creds_req *r = l->head;
        creds_list_unlink(r);
        free(r);
    }
}

/* Call back every request of l (moved aside first, so requests added by
 * the callbacks wait for the next round). */
static void creds_list_deliver(struct creds_provider *p, struct creds_reqlist *l,
                               const struct aws_credentials *c, const struct aws_error *err)
{
    struct creds_reqlist batch = {NULL, NULL};
    creds_list_move(&batch, l);
    while (batch.head && !p->dead) {
        struct creds_req *r = batch.head;
        creds_list_unlink(r);
        r->in_cb = true;
        r->cb(c, err, r->arg);
        free(r);
    }
    creds_list_drop(&batch);
}

/* ---- cache state ---- */

static enum creds_state creds_state(const struct creds_provider *p)
{
    if (!p->have)
        return STATE_MANDATORY;
    if (p->cur.expiration_ms == 0)
        return STATE_FRESH;
    int64_t now = creds_wall(p);
    int64_t left = p->cur.expiration_ms - now;
    int64_t life = p->cur.expiration_ms - p->fetched_wall;
    /* botocore's 15/10 minutes, scaled down for credentials that live
     * less than 30 minutes so they are not refreshed on every call. */
    int64_t adv = CREDS_ADVISORY_MS, mand = CREDS_MANDATORY_MS;
    if (life < 2 * CREDS_ADVISORY_MS) {
        adv = life / 2;
        mand = life / 4;
    }
    if (left <= mand || left <= 0)
        return STATE_MANDATORY;
    if (left <= adv)
        return STATE_ADVISORY;
    return STATE_FRESH;
}

/* ---- provider life cycle ---- */

static struct creds_provider *creds_new_raw(const struct creds_options *opt)
{
    struct creds_provider *p = mem_xcalloc(1, sizeof(*p));
    p->r = opt->reactor;
    p->http = opt->http;
    p->store = opt->store;
    p->profile = mem_xstrdup(opt->profile ? opt->profile : "default");
    p->profile_explicit = opt->profile_explicit;
    p->region = mem_xstrdup(opt->region);
    p->sts_endpoint = mem_xstrdup(opt->sts_endpoint_override);
    p->prompt = opt->prompt;
    p->prompt_ctx = opt->prompt_ctx;
    p->imds_endpoint = mem_xstrdup(opt->imds_endpoint);
    p->container_endpoint = mem_xstrdup(opt->container_endpoint);
    p->process_timeout_ms =
        opt->process_timeout_ms > 0 ? opt->process_timeout_ms : CREDS_PROCESS_TIMEOUT_MS;
    p->chosen = -1;
    p->mask = MASK_ALL;
    return p;
}

struct creds_provider *creds_provider_new(const struct creds_options *opt)
{
    if (!opt || !opt->reactor)
        return NULL;
    struct creds_provider *p = creds_new_raw(opt);
    if (p->profile_explicit) {
        /* botocore: an explicit profile disables the environment
         * provider and the web-identity variables. */
        p->mask &= ~MASK(STEP_ENV);
        p->env_config_off = true;
    }
    return p;
}

static void creds_destroy(struct creds_provider *p)
{
    if (p->job) {
        creds_job_free(p->job);
        p->job = NULL;
    }
    reactor_untimer(p->r, p->kick_timer);
    creds_list_drop(&p->waiting);
    creds_list_drop(&p->ready);
    creds_list_drop(&p->failed);
    aws_client_free(p->sts);
    creds_provider_free(p->src);
    creds_free_credentials(&p->cur);
    aws_error_clear(&p->err);
    free(p->profile);
    free(p->region);
    free(p->sts_endpoint);
    free(p->imds_endpoint);
    free(p->container_endpoint);
    free(p->via);
    free(p);
}

void creds_provider_free(struct creds_provider *p)
{
    if (!p)
        return;
    if (p->busy) {
        /* Inside our own delivery: finish the teardown when it unwinds. */
        p->dead = true;
        if (p->job) {
            creds_job_free(p->job);
            p->job = NULL;
        }
        reactor_untimer(p->r, p->kick_timer);
        p->kick_timer = NULL;
        creds_list_drop(&p->waiting);
        creds_list_drop(&p->ready);
        creds_list_drop(&p->failed);
        return;
    }
    creds_destroy(p);
}

const char *creds_source(const struct creds_provider *p)
{
    return p ? p->source : "";
}

void creds_source_origin(const struct creds_provider *p, struct creds_origin *o)
{
    memset(o, 0, sizeof(*o));
    if (!p || !p->have || p->chosen < 0)
        return;
    o->profile = p->profile;
    const char *v;
    switch (p->chosen) {
    case STEP_ENV:
        o->env = "AWS_ACCESS_KEY_ID";
        break;
    case STEP_ASSUME_ROLE:
        o->key = "role_arn";
        break;
    case STEP_WEB_IDENTITY:
        v = p->env_config_off ? NULL : creds_env("AWS_WEB_IDENTITY_TOKEN_FILE");
        if (v)
            o->env = "AWS_WEB_IDENTITY_TOKEN_FILE";
        else
            o->key = "web_identity_token_file";
        break;
    case STEP_SSO:
        o->key = profile_get(p->store, p->profile, "sso_session") ? "sso_session" : "sso_start_url";
        break;
    case STEP_SHARED_FILE:
    case STEP_CONFIG_FILE:
        o->key = "aws_access_key_id";
        o->one_file = true;
        o->file = p->chosen == STEP_CONFIG_FILE ? PROFILE_FROM_CONFIG : PROFILE_FROM_CREDENTIALS;
        break;
    case STEP_PROCESS:
        o->key = "credential_process";
        break;
    case STEP_CONTAINER:
        o->env = creds_env("AWS_CONTAINER_CREDENTIALS_FULL_URI")
                     ? "AWS_CONTAINER_CREDENTIALS_FULL_URI"
                     : "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
        break;
    default:
        break;
    }
}

unsigned long creds_fetch_count(const struct creds_provider *p)
{
    return p ? p->fetches : 0;
}

void creds_invalidate(struct creds_provider *p)
{
    if (!p)
        return;
    creds_free_credentials(&p->cur);
    p->have = false;
    p->advisory_not_before = 0;
    /* Forget what the chain chose too: the next request walks it again.
     * A nested source is left alone: if its credentials went stale too,
     * the STS client invalidates them on its own ExpiredToken. */
    p->chosen = -1;
}

/* ---- requests and the kick ---- */

static void creds_kick(void *arg);

static void creds_arm_kick(struct creds_provider *p)
{
    if (!p->kick_timer && !p->dead)
        p->kick_timer = reactor_timer(p->r, 0, creds_kick, p);
}

struct creds_req *creds_get(struct creds_provider *p, creds_cb cb, void *arg)
{
    if (!p || !cb || p->dead)
        return NULL;
    struct creds_req *r = mem_xcalloc(1, sizeof(*r));
    r->p = p;
    r->cb = cb;
    r->arg = arg;
    creds_list_push(&p->waiting, r);
    creds_arm_kick(p);
    return r;
}

void creds_cancel(struct creds_req *r)
{
    if (!r || r->in_cb)
        return;
    creds_list_unlink(r);
    free(r);
}

static struct creds_job *creds_job_new(struct creds_provider *p, bool background)
{
    struct creds_job *j = mem_xcalloc(1, sizeof(*j));
    j->p = p;
    j->background = background;
    buf_init(&j->notes, 16 * 1024);
    aws_error_init(&j->err);
    if (p->chosen >= 0) {
        j->step = p->chosen;
        j->single = true;
    }
    return j;
}

static void creds_kick(void *arg)
{
    struct creds_provider *p = arg;
    p->kick_timer = NULL;
    p->busy++;
    for (int round = 0; round < 4 && !p->dead; round++) {
        if (p->ready.head) {
            if (p->have) {
                struct aws_credentials copy = {0};
                creds_copy_credentials(&copy, &p->cur);
                creds_list_deliver(p, &p->ready, &copy, NULL);
                creds_free_credentials(&copy);
            } else {
                /* invalidated before delivery: evaluate again */
                creds_list_move(&p->waiting, &p->ready);
            }
            continue;
        }
        if (p->failed.head) {
            struct aws_error e;
            aws_error_init(&e);
            aws_error_copy(&e, &p->err);
            creds_list_deliver(p, &p->failed, NULL, &e);
            aws_error_clear(&e);
            continue;
        }
        if (!p->waiting.head)
            break;
        if (creds_state(p) != STATE_MANDATORY) {
            struct aws_credentials copy = {0};
            creds_copy_credentials(&copy, &p->cur);
            creds_list_deliver(p, &p->waiting, &copy, NULL);
            creds_free_credentials(&copy);
            continue;
        }
        if (p->job) {
            /* A background refresh is running: it now counts for everyone
             * (mandatory window); waiters are handed over on completion. */
            p->job->background = false;
            break;
        }
        p->job = creds_job_new(p, false);
        creds_job_run(p->job); /* may finish synchronously */
        if (p->job)
            break;
    }
    if (!p->dead && !p->job && p->have && creds_state(p) == STATE_ADVISORY &&
        reactor_now_ms(p->r) >= p->advisory_not_before) {
        p->job = creds_job_new(p, true);
        creds_job_run(p->job);
    }
    p->busy--;
    if (p->dead && p->busy == 0)
        creds_destroy(p);
}

/* ---- jobs ---- */

static void creds_proc_free(struct creds_proc *pr);

struct creds_ticket {
    struct creds_job *job;
};

static void creds_job_cancel_async(struct creds_job *j)
{
    if (j->xfer) {
        http_cancel(j->xfer);
        j->xfer = NULL;
    }
    if (j->timer) {
        reactor_untimer(j->p->r, j->timer);
        j->timer = NULL;
    }
    if (j->src_req) {
        creds_cancel(j->src_req);
        j->src_req = NULL;
    }
    if (j->call) {
        aws_call_cancel(j->call);
        j->call = NULL;
    }
    if (j->ticket) {
        j->ticket->job = NULL; /* the prompt's answer is dropped */
        j->ticket = NULL;
    }
    if (j->proc) {
        creds_proc_free(j->proc);
        j->proc = NULL;
    }
}

static void creds_job_free(struct creds_job *j)
{
    if (!j)
        return;
    creds_job_cancel_async(j);
    buf_free(&j->notes);
    creds_free_credentials(&j->out);
    aws_error_clear(&j->err);
    mem_free_secret(j->token);
    mem_free_secret(j->auth);
    if (j->sso_doc) {
        creds_json_wipe(j->sso_doc, "accessToken");
        creds_json_wipe(j->sso_doc, "refreshToken");
        creds_json_wipe(j->sso_doc, "clientSecret");
        json_decref(j->sso_doc);
    }
    free(j->sso_path);
    free(j->role);
    free(j->url);
    free(j);
}

static void creds_note(struct creds_job *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void creds_note(struct creds_job *j, const char *fmt, ...)
{
    if (j->notes.len)
        buf_appends(&j->notes, "; ");
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&j->notes, fmt, ap);
    va_end(ap);
}

static const char *creds_step_name(int step)
{
    static const char *const names[STEP_COUNT] = {
        "environment",        "assume-role", "web-identity", "sso",  "shared-credentials-file",
        "credential-process", "config-file", "container",    "imds",
    };
    return step >= 0 && step < STEP_COUNT ? names[step] : "?";
}

static void creds_set_source(struct creds_job *j)
{
    struct creds_provider *p = j->p;
    const char *prof = p->profile;
    char *s;
    switch (j->step) {
    case STEP_ENV:
    case STEP_WEB_IDENTITY:
    case STEP_CONTAINER:
    case STEP_IMDS:
        s = mem_xstrdup(creds_step_name(j->step));
        break;
    case STEP_ASSUME_ROLE:
        s = mem_xasprintf("assume-role (profile %s via %s)", prof,
                          p->src && p->src->via ? p->src->via : "?");
        break;
    default:
        s = mem_xasprintf("%s (profile %s)", creds_step_name(j->step), prof);
        break;
    }
    snprintf(p->source, sizeof(p->source), "%s", s);
    snprintf(j->out.source, sizeof(j->out.source), "%s", s);
    free(s);
}

/* The job ended with j->out (have_out) or j->err. */
static void creds_job_finish(struct creds_job *j)
{
    struct creds_provider *p = j->p;
    p->job = NULL;
    if (j->have_out) {
        creds_set_source(j);
        creds_copy_credentials(&p->cur, &j->out);
        p->have = true;
        p->fetched_wall = creds_wall(p);
        p->chosen = j->step;
        p->fetches++;
        p->advisory_not_before = 0;
        creds_list_move(&p->ready, &p->waiting);
    } else if (j->background && creds_state(p) != STATE_MANDATORY) {
        /* Keep serving what we have; try again a little later. */
        p->advisory_not_before = reactor_now_ms(p->r) + CREDS_ADVISORY_RETRY_MS;
    } else {
        aws_error_copy(&p->err, &j->err);
        if (p->err.kind == AWS_ERR_NONE)
            aws_error_set(&p->err, AWS_ERR_CREDENTIALS, "NoCredentials", "no credentials");
        creds_list_move(&p->failed, &p->waiting);
    }
    creds_job_free(j);
    creds_arm_kick(p);
}

static void creds_job_fail(struct creds_job *j, enum aws_error_kind kind, const char *code,
                           const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void creds_job_fail(struct creds_job *j, enum aws_error_kind kind, const char *code,
                           const char *fmt, ...)
{
    struct buf b;
    buf_init(&b, 64 * 1024);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    aws_error_set(&j->err, kind, code, "%s", buf_str(&b));
    buf_free(&b);
    j->have_out = false;
}

/* Async completion helpers for providers. */
static void creds_job_done(struct creds_job *j)
{
    creds_job_finish(j);
}

static void creds_job_skip(struct creds_job *j)
{
    if (j->single) {
        /* The provider that worked before no longer applies: walk the
         * whole chain again. */
        j->single = false;
        j->step = 0;
        j->p->chosen = -1;
    } else {
        j->step++;
    }
    creds_job_run(j);
}

typedef enum creds_res (*creds_start_fn)(struct creds_job *j);
static enum creds_res creds_env_start(struct creds_job *j);
static enum creds_res creds_role_start(struct creds_job *j);
static enum creds_res creds_webid_start(struct creds_job *j);
static enum creds_res creds_sso_start(struct creds_job *j);
static enum creds_res creds_shared_start(struct creds_job *j);
static enum creds_res creds_process_start(struct creds_job *j);
static enum creds_res creds_config_start(struct creds_job *j);
static enum creds_res creds_container_start(struct creds_job *j);
static enum creds_res creds_imds_start(struct creds_job *j);

static const creds_start_fn creds_steps[STEP_COUNT] = {
    creds_env_start,    creds_role_start,      creds_webid_start,
    creds_sso_start,    creds_shared_start,    creds_process_start,
    creds_config_start, creds_container_start, creds_imds_start,
};

static void creds_no_credentials(struct creds_job *j)
{
    struct creds_provider *p = j->p;
    if (p->nested) {
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "NoCredentials",
                       "source '%s' has no credentials (%s)", p->via ? p->via : p->profile,
                       buf_str(&j->notes));
        return;
    }
    creds_job_fail(j, AWS_ERR_CREDENTIALS, "NoCredentials",
                   "unable to locate credentials for profile '%s' (%s). Configure them with "
                   "'aws configure' or 'aws sso login', or set AWS_ACCESS_KEY_ID and "
                   "AWS_SECRET_ACCESS_KEY",
                   p->profile, buf_str(&j->notes));
}

static void creds_job_run(struct creds_job *j)
{
    struct creds_provider *p = j->p;
    if (j->step == 0 && !j->single && !p->nested && strcmp(p->profile, "default") != 0 &&
        !profile_exists(p->store, p->profile)) {
        char *m = profile_not_found_message(p->store, p->profile);
        creds_job_fail(j, AWS_ERR_CONFIG, "ProfileNotFound", "%s", m);
        free(m);
        creds_job_finish(j);
        return;
    }
    for (; j->step < STEP_COUNT; j->step++) {
        if (!(p->mask & MASK(j->step)))
            continue;
        enum creds_res res = creds_steps[j->step](j);
        if (res == CR_PENDING)
            return;
        if (res == CR_DONE) {
            creds_job_finish(j);
            return;
        }
        if (j->single) {
            j->single = false;
            j->step = -1; /* loop increment: start over at 0 */
            p->chosen = -1;
        }
    }
    creds_no_credentials(j);
    creds_job_finish(j);
}

/* ---- 1. environment ---- */

static enum creds_res creds_env_start(struct creds_job *j)
{
    const char *akid = creds_env("AWS_ACCESS_KEY_ID");
    const char *secret = creds_env("AWS_SECRET_ACCESS_KEY");
    if (!akid && !secret) {
        creds_note(j, "environment: AWS_ACCESS_KEY_ID not set");
        return CR_SKIP;
    }
    if (!akid || !secret) {
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "PartialCredentials", "%s is set but %s is not",
                       akid ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                       akid ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
        return CR_DONE;
    }
    const char *token = creds_env("AWS_SESSION_TOKEN");
    if (!token)
        token = creds_env("AWS_SECURITY_TOKEN");
    int64_t exp = 0;
    const char *e = creds_env("AWS_CREDENTIAL_EXPIRATION");
    if (e && !awstime_parse_iso8601(e, &exp)) {
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "InvalidExpiration",
                       "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time: %s", e);
        return CR_DONE;
    }
    creds_set(&j->out, akid, secret, token, exp);
    j->have_out = true;
    return CR_DONE;
}

/* ---- 5 and 7. static keys from the credentials file / config file ---- */

static enum creds_res creds_static_from(struct creds_job *j, enum profile_source from,
                                        const char *what)
{
    struct creds_provider *p = j->p;
    const char *path =
        from == PROFILE_FROM_CONFIG ? profile_config_path(p->store) : profile_creds_path(p->store);
    const char *akid = profile_get_from(p->store, from, p->profile, "aws_access_key_id");
    const char *secret = profile_get_from(p->store, from, p->profile, "aws_secret_access_key");
    if ((!akid || !*akid) && (!secret || !*secret)) {
        creds_note(j, "%s: no keys for profile '%s'", what, p->profile);
        return CR_SKIP;
    }
    if (!akid || !*akid || !secret || !*secret) {
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "PartialCredentials",
                       "profile '%s' in %s has %s but not %s", p->profile, path,
                       akid && *akid ? "aws_access_key_id" : "aws_secret_access_key",
                       akid && *akid ? "aws_secret_access_key" : "aws_access_key_id");
        return CR_DONE;
    }
    const char *token = profile_get_from(p->store, from, p->profile, "aws_session_token");
    if (!token || !*token)
        token = profile_get_from(p->store, from, p->profile, "aws_security_token");
    creds_set(&j->out, akid, secret, token, 0);
    j->have_out = true;
    return CR_DONE;
}

static enum creds_res creds_shared_start(struct creds_job *j)
{
    return creds_static_from(j, PROFILE_FROM_CREDENTIALS, "credentials file");
}

static enum creds_res creds_config_start(struct creds_job *j)
{
    return creds_static_from(j, PROFILE_FROM_CONFIG, "config file");
}

/* ---- STS clients for assume role and web identity ---- */

static struct aws_client *creds_sts_client(struct creds_provider *p, struct creds_provider *signer,
                                           struct aws_error *err)
{
    struct aws_client_options o;
    memset(&o, 0, sizeof(o));
    o.reactor = p->r;
    o.http = p->http;
    o.creds = signer;
    o.store = p->store;
    o.profile = p->profile;
    /* Without a region the SDKs use STS's global endpoint (us-east-1). */
    o.region = p->region && *p->region ? p->region : "us-east-1";
    o.endpoint_url = p->sts_endpoint;
    return aws_client_new(&o, err);
}

static void creds_fail_from(struct creds_job *j, const struct aws_error *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fail the job with e, its message prefixed with context. */
static void creds_fail_from(struct creds_job *j, const struct aws_error *e, const char *fmt, ...)
{
    struct buf b;
    buf_init(&b, 64 * 1024);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    char *inner = aws_error_format(e);
    aws_error_copy(&j->err, e);
    free(j->err.message);
    j->err.message = mem_xasprintf("%s: %s", buf_str(&b), inner);
    /* the context is in the message; keep code, status and request id */
    j->err.service[0] = '\0';
    j->err.operation[0] = '\0';
    if (j->err.kind == AWS_ERR_NONE)
        j->err.kind = AWS_ERR_CREDENTIALS;
    free(inner);
    buf_free(&b);
    j->have_out = false;
}

/* ---- 2. assume role ---- */

static bool creds_has_static(const struct profile_store *s, const char *profile)
{
    const char *a = profile_get(s, profile, "aws_access_key_id");
    const char *b = profile_get(s, profile, "aws_secret_access_key");
    return (a && *a) || (b && *b);
}

static const char *creds_store_get(const struct profile_store *s, const char *profile,
                                   const char *key)
{
    const char *v = profile_get(s, profile, key);
    return v && *v ? v : NULL;
}

static bool creds_is_role_profile(const struct profile_store *s, const char *profile)
{
    return creds_store_get(s, profile, "role_arn") &&
           !creds_store_get(s, profile, "web_identity_token_file");
}

/* Check the whole source_profile chain before any network call: existence,
 * source_profile vs credential_source, loops (botocore's rules: a profile
 * may name itself as source only when it has static keys). */
static bool creds_role_validate(struct creds_job *j)
{
    struct creds_provider *p = j->p;
    const struct profile_store *s = p->store;
    const char *cur = p->profile;
    const char *visited[64];
    size_t nvisited = 0;
    struct buf path;
    buf_init(&path, 16 * 1024);
    buf_appends(&path, cur);
    visited[nvisited++] = cur;
    bool ok = false;
    for (;;) {
        const char *src = creds_store_get(s, cur, "source_profile");
        const char *cs = creds_store_get(s, cur, "credential_source");
        if (src && cs) {
            creds_job_fail(j, AWS_ERR_CONFIG, "InvalidConfig",
                           "profile '%s' has both source_profile and credential_source; "
                           "keep one",
                           cur);
            break;
        }
        if (!src && !cs) {
            creds_job_fail(j, AWS_ERR_CONFIG, "InvalidConfig",
                           "profile '%s' has role_arn but neither source_profile nor "
                           "credential_source",
                           cur);
            break;
        }
        if (cs) {
            if (strcmp(cs, "Environment") != 0 && strcmp(cs, "Ec2InstanceMetadata") != 0 &&
                strcmp(cs, "EcsContainer") != 0) {
                creds_job_fail(j, AWS_ERR_CONFIG, "InvalidConfig",
                               "credential_source '%s' in profile '%s' is not one of "
                               "Environment, Ec2InstanceMetadata, EcsContainer",
                               cs, cur);
                break;
            }
            ok = true;
            break;
        }
        if (!profile_exists(s, src)) {
            char *m = profile_not_found_message(s, src);
            creds_job_fail(j, AWS_ERR_CONFIG, "ProfileNotFound",
                           "source_profile '%s' of profile '%s': %s", src, cur, m);
            free(m);
            break;
        }
        bool seen = false;
        for (size_t i = 0; i < nvisited; i++)
            if (strcmp(visited[i], src) == 0)
                seen = true;
        buf_printf(&path, " -> %s", src);
        if (seen) {
            if (strcmp(src, cur) == 0 && creds_has_static(s, src)) {
                ok = true; /* a profile sourcing its own static keys */
                break;
            }
            creds_job_fail(j, AWS_ERR_CONFIG, "InfiniteLoopConfig",
                           "source_profile loop: %s; make one profile in the chain hold "
                           "credentials",
                           buf_str(&path));
            break;
        }
        if (nvisited == sizeof(visited) / sizeof(visited[0])) {
            creds_job_fail(j, AWS_ERR_CONFIG, "InvalidConfig", "source_profile chain too long: %s",
                           buf_str(&path));
            break;
        }
        visited[nvisited++] = src;
        if (creds_has_static(s, src) || !creds_is_role_profile(s, src)) {
            ok = true;
            break;
        }
        cur = src;
    }
    buf_free(&path);
    return ok;
}

/* Build the nested source provider and the STS client once. */
static bool creds_role_setup(struct creds_job *j)
{
    struct creds_provider *p = j->p;
    if (p->sts)
        return true;
    const char *src = creds_pget(p, "source_profile");
    const char *cs = creds_pget(p, "credential_source");
    struct creds_options o;
    memset(&o, 0, sizeof(o));
    o.reactor = p->r;
    o.http = p->http;
    o.store = p->store;
    o.profile = src ? src : p->profile;
    o.region = p->region;
    o.sts_endpoint_override = p->sts_endpoint;
    o.prompt = p->prompt;
    o.prompt_ctx = p->prompt_ctx;
    o.imds_endpoint = p->imds_endpoint;
    o.container_endpoint = p->container_endpoint;
    o.process_timeout_ms = p->process_timeout_ms;
    struct creds_provider *sp = creds_new_raw(&o);
    sp->nested = true;
    sp->env_config_off = true;
    if (cs) {
        sp->mask = strcmp(cs, "Environment") == 0           ? MASK(STEP_ENV)
                   : strcmp(cs, "Ec2InstanceMetadata") == 0 ? MASK(STEP_IMDS)
                                                            : MASK(STEP_CONTAINER);
        sp->via = mem_xstrdup(cs);
    } else {
        bool self = strcmp(src, p->profile) == 0;
        if (!self && !creds_has_static(p->store, src) && creds_is_role_profile(p->store, src))
            sp->mask = MASK(STEP_ASSUME_ROLE);
        else
            sp->mask = MASK_PROFILE;
        sp->via = mem_xstrdup(src);
    }
    struct aws_error err;
    aws_error_init(&err);
    struct aws_client *c = creds_sts_client(p, sp, &err);
    if (!c) {
        creds_fail_from(j, &err, "assume-role profile '%s'", p->profile);
        aws_error_clear(&err);
        creds_provider_free(sp);
        return false;
    }
    p->src = sp;
    p->sts = c;
    return true;
}

static void creds_role_call(struct creds_job *j, const char *token_code);

/* An STS answer for AssumeRole or AssumeRoleWithWebIdentity. */
static void creds_sts_answer(struct creds_job *j, struct aws_response *resp, bool webid,
                             const char *what, const char *role)
{
    j->call = NULL;
    if (resp->err.kind != AWS_ERR_NONE) {
        creds_fail_from(j, &resp->err, "%s (%s)", what, role ? role : "?");
        creds_job_done(j);
        return;
    }
    struct aws_error e;
    aws_error_init(&e);
    if (webid) {
        struct sts_web_identity_out out;
        if (sts_parse_web_identity(resp->result, &out, &e) == 0) {
            creds_copy_credentials(&j->out, &out.credentials);
            j->have_out = true;
        }
        sts_web_identity_out_free(&out);
    } else {
        struct sts_assume_role_out out;
        if (sts_parse_assume_role(resp->result, &out, &e) == 0) {
            creds_copy_credentials(&j->out, &out.credentials);
            j->have_out = true;
        }
        sts_assume_role_out_free(&out);
    }
    if (!j->have_out) {
        e.http_status = resp->http_status;
        snprintf(e.request_id, sizeof(e.request_id), "%s", resp->request_id);
        creds_fail_from(j, &e, "%s (%s)", what, role ? role : "?");
    }
    aws_error_clear(&e);
    creds_job_done(j);
}

static void creds_role_sts_done(struct aws_response *resp, void *arg)
{
    struct creds_job *j = arg;
    char what[160];
    snprintf(what, sizeof(what), "assume-role profile '%s'", j->p->profile);
    creds_sts_answer(j, resp, false, what, creds_pget(j->p, "role_arn"));
}

static void creds_role_mfa_answer(const char *answer, void *done_arg)
{
    struct creds_ticket *t = done_arg;
    struct creds_job *j = t->job;
    free(t);
    if (!j)
        return; /* the job went away while the question was open */
    j->ticket = NULL;
    if (!answer) {
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "MfaCancelled",
                       "profile '%s' needs an MFA code (mfa_serial %s) and none was given",
                       j->p->profile, creds_pget(j->p, "mfa_serial"));
        creds_job_done(j);
        return;
    }
    char code[64];
    snprintf(code, sizeof(code), "%s", answer);
    creds_rstrip(code);
    creds_role_call(j, code);
    mem_wipe(code, sizeof(code));
}

static void creds_role_call(struct creds_job *j, const char *token_code)
{
    struct creds_provider *p = j->p;
    struct sts_assume_role_in in;
    memset(&in, 0, sizeof(in));
    in.role_arn = creds_pget(p, "role_arn");
    char session[80];
    const char *name = creds_pget(p, "role_session_name");
    if (!name) {
        snprintf(session, sizeof(session), "elcui-session-%lld", (long long)(creds_wall(p) / 1000));
        name = session;
    }
    in.role_session_name = name;
    in.external_id = creds_pget(p, "external_id");
    in.serial_number = creds_pget(p, "mfa_serial");
    in.token_code = token_code;
    const char *dur = creds_pget(p, "duration_seconds");
    if (dur) {
        char *end = NULL;
        errno = 0;
        long v = strtol(dur, &end, 10);
        if (errno || end == dur || *end || v < 900 || v > 43200) {
            creds_job_fail(j, AWS_ERR_CONFIG, "InvalidConfig",
                           "duration_seconds '%s' in profile '%s' must be 900..43200", dur,
                           p->profile);
            creds_job_done(j);
            return;
        }
        in.duration_seconds = (int)v;
    }
    struct aws_request req;
    memset(&req, 0, sizeof(req));
    req.svc = &svc_sts;
    req.op = "AssumeRole";
    req.query = sts_assume_role_params(&in);
    j->call = aws_client_call(p->sts, &req, creds_role_sts_done, j);
}

static void creds_role_src_done(const struct aws_credentials *c, const struct aws_error *err,
                                void *arg)
{
    struct creds_job *j = arg;
    struct creds_provider *p = j->p;
    j->src_req = NULL;
    (void)c;
    if (err) {
        creds_fail_from(j, err, "assume-role profile '%s': source %s", p->profile,
                        p->src && p->src->via ? p->src->via : "?");
        creds_job_done(j);
        return;
    }
    const char *mfa = creds_pget(p, "mfa_serial");
    if (!mfa) {
        creds_role_call(j, NULL);
        return;
    }
    if (!p->prompt) {
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "MfaRequired",
                       "profile '%s' needs an MFA code (mfa_serial %s) but elcui cannot ask "
                       "for one here; run it in a terminal",
                       p->profile, mfa);
        creds_job_done(j);
        return;
    }
    struct creds_ticket *t = mem_xcalloc(1, sizeof(*t));
    t->job = j;
    j->ticket = t;
    char *q = mem_xasprintf("Enter MFA code for %s: ", mfa);
    /* The answer may come back at once (then j may be gone on return). */
    p->prompt(p->prompt_ctx, q, creds_role_mfa_answer, t);
    free(q);
}

static enum creds_res creds_role_start(struct creds_job *j)
{
    struct creds_provider *p = j->p;
    if (!creds_is_role_profile(p->store, p->profile)) {
        if (!p->nested)
            creds_note(j, "assume-role: profile '%s' has no role_arn", p->profile);
        return CR_SKIP;
    }
    if (!creds_role_validate(j) || !creds_role_setup(j))
        return CR_DONE;
    /* Source credentials first: a clear error before any MFA question. */
    j->src_req = creds_get(p->src, creds_role_src_done, j);
    return CR_PENDING;
}

/* ---- 3. web identity ---- */

static const char *creds_webid_get(struct creds_provider *p, const char *env, const char *key)
{
    if (!p->env_config_off) {
        const char *v = creds_env(env);
        if (v)
            return v;
    }
    return creds_pget(p, key);
}

static void creds_webid_done(struct aws_response *resp, void *arg)
{
    struct creds_job *j = arg;
    creds_sts_answer(j, resp, true, "web identity",
                     creds_webid_get(j->p, "AWS_ROLE_ARN", "role_arn"));
}

static enum creds_res creds_webid_start(struct creds_job *j)
{
    struct creds_provider *p = j->p;
    const char *file = creds_webid_get(p, "AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file");
    if (!file) {
        creds_note(j, "web-identity: no token file");
        return CR_SKIP;
    }
    const char *role = creds_webid_get(p, "AWS_ROLE_ARN", "role_arn");
    if (!role) {
        creds_job_fail(j, AWS_ERR_CONFIG, "InvalidConfig",
                       "web identity token file %s is configured but no role ARN: set "
                       "AWS_ROLE_ARN or role_arn in profile '%s'",
                       file, p->profile);
        return CR_DONE;
    }
    /* Read on every refresh: the token rotates. */
    char *token = creds_read_file(file, 64 * 1024, true);
    if (!token) {
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "WebIdentityTokenUnreadable",
                       "cannot read web identity token file %s: %s", file, strerror(errno));
        return CR_DONE;
    }
    creds_rstrip(token);
    if (!*token) {
        mem_free_secret(token);
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "WebIdentityTokenEmpty",
                       "web identity token file %s is empty", file);
        return CR_DONE;
    }
    if (!p->sts) {
        struct aws_error err;
        aws_error_init(&err);
        /* AssumeRoleWithWebIdentity is unsigned: no provider needed. */
        p->sts = creds_sts_client(p, NULL, &err);
        if (!p->sts) {
            mem_free_secret(token);
            creds_fail_from(j, &err, "web identity");
            aws_error_clear(&err);
            return CR_DONE;
        }
    }
    char session[80];
    const char *name = creds_webid_get(p, "AWS_ROLE_SESSION_NAME", "role_session_name");
    if (!name) {
        snprintf(session, sizeof(session), "elcui-session-%lld", (long long)(creds_wall(p) / 1000));
        name = session;
    }
    struct sts_web_identity_in in;
    memset(&in, 0, sizeof(in));
    in.role_arn = role;
    in.role_session_name = name;
    in.web_identity_token = token;
    struct aws_request req;
    memset(&req, 0, sizeof(req));
    req.svc = &svc_sts;
    req.op = "AssumeRoleWithWebIdentity";
    req.query = sts_web_identity_params(&in);
    req.unsigned_request = true;
    j->call = aws_client_call(p->sts, &req, creds_webid_done, j);
    mem_free_secret(token);
    return CR_PENDING;
}

/* ---- 4. SSO ---- */

struct creds_sso {
    const char *session; /* NULL for legacy profiles */
    const char *start_url;
    const char *region;
    const char *account;
    const char *role;
};

static void creds_sso_login_error(struct creds_job *j, const struct creds_sso *c, const char *what)
{
    struct creds_provider *p = j->p;
    if (c->session)
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "SsoLoginRequired",
                       "SSO session '%s' %s: run aws sso login --sso-session %s", c->session, what,
                       c->session);
    else
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "SsoLoginRequired",
                       "SSO login for profile '%s' %s: run aws sso login --profile %s", p->profile,
                       what, p->profile);
}

static bool creds_sso_config(struct creds_job *j, struct creds_sso *c)
{
    struct creds_provider *p = j->p;
    memset(c, 0, sizeof(*c));
    c->account = creds_pget(p, "sso_account_id");
    c->role = creds_pget(p, "sso_role_name");
    c->session = creds_pget(p, "sso_session");
    const char *missing = NULL;
    if (c->session) {
        if (!profile_sso_session_exists(p->store, c->session)) {
            creds_job_fail(j, AWS_ERR_CONFIG, "InvalidConfig",
                           "profile '%s' names sso_session '%s' but %s has no "
                           "[sso-session %s] section",
                           p->profile, c->session, profile_config_path(p->store), c->session);
            return false;
        }
        c->start_url = profile_sso_session_get(p->store, c->session, "sso_start_url");
        c->region = profile_sso_session_get(p->store, c->session, "sso_region");
        const char *purl = creds_pget(p, "sso_start_url");
        const char *preg = creds_pget(p, "sso_region");
        if ((purl && c->start_url && strcmp(purl, c->start_url) != 0) ||
            (preg && c->region && strcmp(preg, c->region) != 0)) {
            creds_job_fail(j, AWS_ERR_CONFIG, "InvalidConfig",
                           "profile '%s' and [sso-session %s] disagree on sso_start_url or "
                           "sso_region",
                           p->profile, c->session);
            return false;
        }
        if (!c->start_url || !*c->start_url)
            missing = "sso_start_url (in the sso-session)";
        else if (!c->region || !*c->region)
            missing = "sso_region (in the sso-session)";
    } else {
        c->start_url = creds_pget(p, "sso_start_url");
        c->region = creds_pget(p, "sso_region");
        if (!c->start_url)
            missing = "sso_start_url or sso_session";
        else if (!c->region)
            missing = "sso_region";
    }
    if (!missing && !c->account)
        missing = "sso_account_id";
    if (!missing && !c->role)
        missing = "sso_role_name";
    if (missing) {
        creds_job_fail(j, AWS_ERR_CONFIG, "InvalidConfig",
                       "profile '%s' is configured for SSO but lacks %s", p->profile, missing);
        return false;
    }
    return true;
}

/* ~/.aws/sso/cache/<sha1 hex of session name or start URL>.json */
static char *creds_sso_cache_path(const char *key)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha1(), NULL);
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned int i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    const char *home = profile_home();
    return mem_xasprintf("%s/.aws/sso/cache/%s.json", home ? home : "", hex);
}

static bool creds_sso_parse_time(const char *s, int64_t *ms)
{
    if (!s)
        return false;
    if (awstime_parse_iso8601(s, ms))
        return true;
    /* older AWS CLI v2 caches write "2024-05-01T13:00:00UTC" */
    size_t n = strlen(s);
    if (n > 3 && n < 64 && strcmp(s + n - 3, "UTC") == 0) {
        char t[64];
        snprintf(t, sizeof(t), "%.*sZ", (int)(n - 3), s);
        return awstime_parse_iso8601(t, ms);
    }
    return false;
}

static void creds_sso_wipe_doc(json_t *doc)
{
    creds_json_wipe(doc, "accessToken");
    creds_json_wipe(doc, "refreshToken");
    creds_json_wipe(doc, "clientSecret");
}

/* Write the refreshed token back, as the AWS CLI does (0600, atomic). */
static void creds_sso_save(struct creds_job *j)
{
    char *text = json_dumps(j->sso_doc, JSON_INDENT(2));
    if (!text)
        return;
    char *tmp = mem_xasprintf("%s.elcui-%ld", j->sso_path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool ok = fd >= 0;
    size_t len = strlen(text), off = 0;
    while (ok && off < len) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            ok = false;
        else
            off += (size_t)n;
    }
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    if (ok && rename(tmp, j->sso_path) != 0)
        ok = false;
    if (!ok) {
        unlink(tmp);
        creds_note(j, "sso: could not save the refreshed token to %s", j->sso_path);
    }
    mem_wipe(text, len);
    free(text);
    free(tmp);
}

static void creds_sso_http_done(struct http_response *resp, void *arg)
{
    struct creds_job *j = arg;
    struct creds_provider *p = j->p;
    j->xfer = NULL;
    struct creds_sso c;
    if (!creds_sso_config(j, &c)) {
        creds_job_done(j);
        return;
    }
    if (resp->status == 0) {
        creds_job_fail(j, AWS_ERR_TRANSPORT, http_curl_code_name(resp->curl_code),
                       "SSO portal %s for profile '%s': %s", j->url, p->profile,
                       resp->curl_error[0] ? resp->curl_error : "no response");
        creds_job_done(j);
        return;
    }
    if (resp->status == 401 || resp->status == 403) {
        creds_sso_login_error(j, &c, "was rejected by the SSO portal (expired or signed out)");
        creds_job_done(j);
        return;
    }
    json_t *doc = NULL;
    struct aws_error e;
    aws_error_init(&e);
    if (awsjson_parse(resp->body, resp->body_len, (int)resp->status, &doc, &e) != 0) {
        snprintf(e.service, sizeof(e.service), "SSO");
        snprintf(e.operation, sizeof(e.operation), "GetRoleCredentials");
        e.http_status = (int)resp->status;
        creds_fail_from(j, &e, "sso profile '%s'", p->profile);
        aws_error_clear(&e);
        mem_wipe(resp->body, resp->body_len);
        creds_job_done(j);
        return;
    }
    json_t *rc = json_object_get(doc, "roleCredentials");
    const char *akid = awsjson_str(rc, "accessKeyId");
    const char *secret = awsjson_str(rc, "secretAccessKey");
    const char *token = awsjson_str(rc, "sessionToken");
    json_t *exp = json_object_get(rc, "expiration");
    if (!akid || !secret || !json_is_number(exp)) {
        creds_job_fail(j, AWS_ERR_PARSE, "MalformedResponse",
                       "SSO portal answer for profile '%s' lacks roleCredentials", p->profile);
    } else {
        /* epoch milliseconds */
        creds_set(&j->out, akid, secret, token, (int64_t)json_number_value(exp));
        j->have_out = true;
    }
    creds_json_wipe(rc, "secretAccessKey");
    creds_json_wipe(rc, "sessionToken");
    json_decref(doc);
    mem_wipe(resp->body, resp->body_len);
    creds_job_done(j);
}

/* The base URL of an SSO endpoint: the configured one (AWS_ENDPOINT_URL_<ENV>
 * or <key> of the profile's services), else https://HOST.REGION.amazonaws.com;
 * no trailing '/'. Caller frees. */
static char *creds_sso_base(const struct creds_provider *p, const char *env, const char *key,
                            const char *host, const char *region)
{
    char *base = profile_configured_endpoint(p->store, p->profile, env, key);
    if (!base)
        base = mem_xasprintf("https://%s.%s.amazonaws.com", host, region);
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        base[--bl] = '\0';
    return base;
}

/* GET {portal}/federation/credentials with the access token. */
static bool creds_sso_portal(struct creds_job *j, const struct creds_sso *c)
{
    struct creds_provider *p = j->p;
    const char *tok = awsjson_str(j->sso_doc, "accessToken");
    if (!tok || !creds_header_safe(tok)) {
        creds_sso_login_error(j, c, "has a malformed cached token");
        return false;
    }
    char *base = creds_sso_base(p, "SSO", "sso", "portal.sso", c->region);
    struct buf u;
    buf_init(&u, 16 * 1024);
    buf_printf(&u, "%s/federation/credentials?account_id=", base);
    creds_urlencode(&u, c->account);
    buf_appends(&u, "&role_name=");
    creds_urlencode(&u, c->role);
    free(base);
    free(j->url);
    j->url = buf_steal(&u);
    char *hdr = mem_xasprintf("x-amz-sso_bearer_token: %s", tok);
    const char *headers[] = {hdr, "Accept: application/json", NULL};
    struct http_request req;
    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.url = j->url;
    req.headers = headers;
    j->xfer = http_send(p->http, &req, creds_sso_http_done, j);
    mem_free_secret(hdr);
    if (!j->xfer) {
        creds_job_fail(j, AWS_ERR_CONFIG, "InvalidEndpoint", "bad SSO portal URL %s", j->url);
        return false;
    }
    return true;
}

/* The answer of SSO OIDC CreateToken (grant refresh_token). */
static void creds_sso_oidc_done(struct http_response *resp, void *arg)
{
    struct creds_job *j = arg;
    j->xfer = NULL;
    struct creds_sso c;
    if (!creds_sso_config(j, &c)) {
        creds_job_done(j);
        return;
    }
    json_t *doc = NULL;
    struct aws_error e;
    aws_error_init(&e);
    const char *why = NULL;
    char whybuf[320];
    if (resp->status == 0) {
        snprintf(whybuf, sizeof(whybuf), "%s",
                 resp->curl_error[0] ? resp->curl_error : "no response");
        why = whybuf;
    } else if (awsjson_parse(resp->body, resp->body_len, (int)resp->status, &doc, &e) != 0) {
        snprintf(whybuf, sizeof(whybuf), "%s (HTTP %ld)", e.code[0] ? e.code : "error",
                 resp->status);
        why = whybuf;
    }
    const char *tok = awsjson_str(doc, "accessToken");
    json_t *in = json_object_get(doc, "expiresIn");
    if (!why && (!tok || !*tok || !json_is_number(in)))
        why = "the answer lacks accessToken or expiresIn";
    if (!why) {
        char iso[40];
        int64_t exp = creds_wall(j->p) + (int64_t)(json_number_value(in) * 1000);
        awstime_format_iso8601_s(exp, iso, sizeof(iso));
        /* wipe each replaced secret before jansson frees it */
        creds_json_wipe(j->sso_doc, "accessToken");
        json_object_set_new(j->sso_doc, "accessToken", json_string(tok));
        json_object_set_new(j->sso_doc, "expiresAt", json_string(iso));
        const char *rt = awsjson_str(doc, "refreshToken");
        if (rt && *rt) {
            creds_json_wipe(j->sso_doc, "refreshToken");
            json_object_set_new(j->sso_doc, "refreshToken", json_string(rt));
        }
        j->sso_exp = exp;
        creds_sso_save(j);
    } else {
        creds_note(j, "sso: token refresh failed: %s", why);
    }
    creds_json_wipe(doc, "accessToken");
    creds_json_wipe(doc, "refreshToken");
    creds_json_wipe(doc, "idToken");
    json_decref(doc);
    aws_error_clear(&e);
    if (resp->body)
        mem_wipe(resp->body, resp->body_len);
    if (j->sso_exp <= creds_wall(j->p)) {
        /* still expired: the user has to log in again */
        char what[400];
        snprintf(what, sizeof(what), "has expired and could not be refreshed (%s)",
                 why ? why : "?");
        creds_sso_login_error(j, &c, what);
        creds_job_done(j);
        return;
    }
    if (!creds_sso_portal(j, &c))
        creds_job_done(j);
}

/* Refresh the session's token (botocore: less than 15 min left, a
 * refresh token and a live client registration). false: not possible. */
static bool creds_sso_refresh(struct creds_job *j, const struct creds_sso *c)
{
    struct creds_provider *p = j->p;
    const char *rt = awsjson_str(j->sso_doc, "refreshToken");
    const char *cid = awsjson_str(j->sso_doc, "clientId");
    const char *cs = awsjson_str(j->sso_doc, "clientSecret");
    int64_t reg = 0;
    if (!c->session || !rt || !*rt || !cid || !cs ||
        !creds_sso_parse_time(awsjson_str(j->sso_doc, "registrationExpiresAt"), &reg) ||
        reg <= creds_wall(p))
        return false;
    char *base = creds_sso_base(p, "SSO_OIDC", "sso_oidc", "oidc", c->region);
    free(j->url);
    j->url = mem_xasprintf("%s/token", base);
    free(base);
    json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "clientId", cid, "clientSecret", cs,
                             "grantType", "refresh_token", "refreshToken", rt);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    if (body) {
        creds_json_wipe(body, "clientSecret");
        creds_json_wipe(body, "refreshToken");
        json_decref(body);
    }
    if (!text)
        return false;
    const char *headers[] = {"Content-Type: application/json", "Accept: application/json", NULL};
    struct http_request req;
    memset(&req, 0, sizeof(req));
    req.method = "POST";
    req.url = j->url;
    req.headers = headers;
    req.body = text;
    req.body_len = strlen(text);
    j->xfer = http_send(p->http, &req, creds_sso_oidc_done, j);
    mem_free_secret(text);
    return j->xfer != NULL;
}

static enum creds_res creds_sso_start(struct creds_job *j)
{
    struct creds_provider *p = j->p;
    if (!creds_pget(p, "sso_account_id") && !creds_pget(p, "sso_role_name")) {
        creds_note(j, "sso: profile '%s' has no sso_account_id/sso_role_name", p->profile);
        return CR_SKIP;
    }
    struct creds_sso c;
    if (!creds_sso_config(j, &c))
        return CR_DONE;
    if (!p->http) {
        creds_job_fail(j, AWS_ERR_INTERNAL, "NoHttpClient", "SSO credentials need an HTTP client");
        return CR_DONE;
    }
    free(j->sso_path);
    j->sso_path = creds_sso_cache_path(c.session ? c.session : c.start_url);
    char *text = creds_read_file(j->sso_path, CREDS_FILE_MAX, true);
    if (!text) {
        creds_sso_login_error(j, &c, "has no cached login");
        return CR_DONE;
    }
    json_error_t jerr;
    if (j->sso_doc) {
        creds_sso_wipe_doc(j->sso_doc);
        json_decref(j->sso_doc);
    }
    j->sso_doc = json_loads(text, 0, &jerr);
    mem_free_secret(text);
    mem_wipe(&jerr, sizeof(jerr));
    const char *tok = awsjson_str(j->sso_doc, "accessToken");
    if (!json_is_object(j->sso_doc) || !tok || !*tok ||
        !creds_sso_parse_time(awsjson_str(j->sso_doc, "expiresAt"), &j->sso_exp)) {
        creds_sso_login_error(j, &c, "has an unreadable cached login");
        return CR_DONE;
    }
    int64_t left = j->sso_exp - creds_wall(p);
    if (left < CREDS_ADVISORY_MS && creds_sso_refresh(j, &c))
        return CR_PENDING;
    if (left <= 0) {
        creds_sso_login_error(j, &c, "has expired");
        return CR_DONE;
    }
    return creds_sso_portal(j, &c) ? CR_PENDING : CR_DONE;
}

/* ---- credential JSON shared by process, container and IMDS ---- */

/* keys: names of access key, secret, token, expiration in this format. */
static bool creds_from_json(struct creds_job *j, json_t *doc, const char *k_akid,
                            const char *k_secret, const char *k_token, const char *what)
{
    const char *akid = awsjson_str(doc, k_akid);
    const char *secret = awsjson_str(doc, k_secret);
    const char *token = awsjson_str(doc, k_token);
    const char *exps = awsjson_str(doc, "Expiration");
    int64_t exp = 0;
    bool ok = false;
    if (!akid || !*akid || !secret || !*secret)
        creds_job_fail(j, AWS_ERR_PARSE, "MalformedCredentials", "%s: %s or %s missing", what,
                       k_akid, k_secret);
    else if (exps && !awstime_parse_iso8601(exps, &exp))
        creds_job_fail(j, AWS_ERR_PARSE, "MalformedCredentials",
                       "%s: Expiration is not an ISO 8601 time", what);
    else if (json_object_get(doc, "Expiration") && !exps)
        creds_job_fail(j, AWS_ERR_PARSE, "MalformedCredentials", "%s: Expiration is not a string",
                       what);
    else {
        creds_set(&j->out, akid, secret, token, exp);
        j->have_out = true;
        ok = true;
    }
    creds_json_wipe(doc, k_secret);
    creds_json_wipe(doc, k_token);
    return ok;
}

/* ---- 6. credential_process ---- */

struct creds_proc {
    struct creds_job *job;
    pid_t pid;
    int fd[2]; /* stdout, stderr (read ends) */
    void *w[2];
    struct buf out, err;
    void *poll_timer;
    uint64_t deadline;
    bool overflow;
};

static void creds_proc_close(struct creds_proc *pr, int i)
{
    if (pr->fd[i] >= 0) {
        reactor_unwatch(pr->job->p->r, pr->w[i]);
        pr->w[i] = NULL;
        close(pr->fd[i]);
        pr->fd[i] = -1;
    }
}

static void creds_proc_free(struct creds_proc *pr)
{
    const struct reactor *r = pr->job->p->r;
    creds_proc_close(pr, 0);
    creds_proc_close(pr, 1);
    reactor_untimer(r, pr->poll_timer);
    if (pr->pid > 0) {
        /* Cancelled or timed out: stop the whole process group. After
         * SIGKILL the wait is immediate. */
        kill(-pr->pid, SIGKILL);
        kill(pr->pid, SIGKILL);
        while (waitpid(pr->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        pr->pid = 0;
    }
    buf_free(&pr->out);
    buf_free(&pr->err);
    free(pr);
}

/* Read what is there; false on overflow of stdout. */
static void creds_proc_drain(struct creds_proc *pr, int i)
{
    char chunk[4096];
    while (pr->fd[i] >= 0) {
        ssize_t n = read(pr->fd[i], chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            creds_proc_close(pr, i);
            break;
        }
        if (i == 0) {
            if (buf_append(&pr->out, chunk, (size_t)n) != 0)
                pr->overflow = true;
        } else if (pr->err.len < CREDS_PROCESS_MAX_ERR) {
            size_t room = CREDS_PROCESS_MAX_ERR - pr->err.len;
            buf_append(&pr->err, chunk, (size_t)n < room ? (size_t)n : room);
        }
    }
    mem_wipe(chunk, sizeof(chunk));
}

static void creds_proc_finish(struct creds_proc *pr, int status);

static void creds_proc_readable(int fd, int revents, void *arg)
{
    struct creds_proc *pr = arg;
    (void)revents;
    creds_proc_drain(pr, fd == pr->fd[0] ? 0 : 1);
    if (pr->overflow) {
        struct creds_job *j = pr->job;
        j->proc = NULL;
        creds_proc_free(pr);
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "CredentialProcessOutput",
                       "credential_process for profile '%s' wrote more than %d KiB", j->p->profile,
                       CREDS_PROCESS_MAX_OUT / 1024);
        creds_job_done(j);
    }
}

static void creds_proc_poll(void *arg)
{
    struct creds_proc *pr = arg;
    struct creds_job *j = pr->job;
    pr->poll_timer = NULL;
    int status = 0;
    pid_t w = waitpid(pr->pid, &status, WNOHANG);
    if (w == pr->pid || (w < 0 && errno == ECHILD)) {
        pr->pid = 0;
        creds_proc_drain(pr, 0);
        creds_proc_drain(pr, 1);
        creds_proc_finish(pr, w < 0 ? -1 : status);
        return;
    }
    if (reactor_now_ms(j->p->r) >= pr->deadline) {
        j->proc = NULL;
        creds_proc_free(pr); /* kills the process group */
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "CredentialProcessTimeout",
                       "credential_process for profile '%s' did not finish within %ld ms",
                       j->p->profile, j->p->process_timeout_ms);
        creds_job_done(j);
        return;
    }
    pr->poll_timer = reactor_timer(j->p->r, CREDS_PROCESS_POLL_MS, creds_proc_poll, pr);
}

static void creds_proc_finish(struct creds_proc *pr, int status)
{
    struct creds_job *j = pr->job;
    struct creds_provider *p = j->p;
    j->proc = NULL;
    char line[256] = "";
    const char *e = buf_str(&pr->err);
    size_t n = strcspn(e, "\r\n");
    snprintf(line, sizeof(line), "%.*s", (int)n, e);
    if (pr->overflow) {
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "CredentialProcessOutput",
                       "credential_process for profile '%s' wrote more than %d KiB", p->profile,
                       CREDS_PROCESS_MAX_OUT / 1024);
    } else if (status < 0) {
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "CredentialProcessFailed",
                       "credential_process for profile '%s': cannot get its exit status",
                       p->profile);
    } else if (WIFSIGNALED(status)) {
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "CredentialProcessFailed",
                       "credential_process for profile '%s' was killed by signal %d%s%s",
                       p->profile, WTERMSIG(status), line[0] ? ": " : "", line);
    } else if (WEXITSTATUS(status) != 0) {
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "CredentialProcessFailed",
                       "credential_process for profile '%s' exited with status %d%s%s", p->profile,
                       WEXITSTATUS(status), line[0] ? ": " : "", line);
    } else {
        json_error_t jerr;
        json_t *doc = json_loadb(pr->out.data ? pr->out.data : "", pr->out.len, 0, &jerr);
        char what[160];
        snprintf(what, sizeof(what), "credential_process for profile '%s'", p->profile);
        if (!json_is_object(doc)) {
            creds_job_fail(j, AWS_ERR_PARSE, "CredentialProcessOutput",
                           "%s did not print a JSON object (line %d: %s)", what, jerr.line,
                           doc ? "not an object" : jerr.text);
        } else {
            json_t *ver = json_object_get(doc, "Version");
            if (!json_is_integer(ver) || json_integer_value(ver) != 1) {
                creds_job_fail(j, AWS_ERR_CREDENTIALS, "CredentialProcessVersion",
                               "%s printed Version %s; only Version 1 is supported", what,
                               json_is_integer(ver) ? "other than 1" : "missing or not a number");
            } else {
                creds_from_json(j, doc, "AccessKeyId", "SecretAccessKey", "SessionToken", what);
            }
            creds_json_wipe(doc, "SecretAccessKey");
            creds_json_wipe(doc, "SessionToken");
        }
        json_decref(doc);
        mem_wipe(&jerr, sizeof(jerr)); /* its text may quote the output */
    }
    creds_proc_free(pr);
    creds_job_done(j);
}

/* PATH lookup like execvp: a name with a '/' is used as is. NULL with
 * errno set when there is no executable file. */
static char *creds_find_program(const char *name)
{
    if (!*name) {
        errno = ENOENT;
        return NULL;
    }
    if (strchr(name, '/')) {
        if (access(name, X_OK) == 0)
            return mem_xstrdup(name);
        return NULL;
    }
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    int first_err = ENOENT;
    while (*path) {
        size_t n = strcspn(path, ":");
        char *cand = n ? mem_xasprintf("%.*s/%s", (int)n, path, name) : mem_xasprintf("./%s", name);
        struct stat st;
        if (access(cand, X_OK) == 0 && stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
            return cand;
        }
        if (errno == EACCES)
            first_err = EACCES;
        free(cand);
        path += n;
        if (*path == ':')
            path++;
    }
    errno = first_err;
    return NULL;
}

static enum creds_res creds_process_start(struct creds_job *j)
{
    struct creds_provider *p = j->p;
    const char *cmd = creds_pget(p, "credential_process");
    if (!cmd) {
        creds_note(j, "credential-process: none for profile '%s'", p->profile);
        return CR_SKIP;
    }
    const char *why = NULL;
    char **argv = profile_shell_split(cmd, NULL, &why);
    if (!argv || !argv[0]) {
        creds_job_fail(j, AWS_ERR_CONFIG, "InvalidConfig",
                       "credential_process of profile '%s' cannot be split into words: %s",
                       p->profile, why ? why : "empty command");
        profile_shell_words_free(argv);
        return CR_DONE;
    }
    /* Find the program first, as a shell would: a clear error for a
     * missing command whatever the spawn implementation reports. */
    char *prog = creds_find_program(argv[0]);
    if (!prog) {
        int e = errno;
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "CredentialProcessFailed",
                       "credential_process for profile '%s': cannot run '%s': %s", p->profile,
                       argv[0], strerror(e));
        profile_shell_words_free(argv);
        return CR_DONE;
    }
    int out[2] = {-1, -1}, err[2] = {-1, -1};
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
        int e = errno;
        for (int i = 0; i < 2; i++) {
            if (out[i] >= 0)
                close(out[i]);
            if (err[i] >= 0)
                close(err[i]);
        }
        profile_shell_words_free(argv);
        free(prog);
        creds_job_fail(j, AWS_ERR_INTERNAL, "Pipe", "cannot create a pipe: %s", strerror(e));
        return CR_DONE;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    posix_spawnattr_init(&at);
    sigset_t none, def;
    sigemptyset(&none);
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    sigaddset(&def, SIGINT);
    sigaddset(&def, SIGTERM);
    sigaddset(&def, SIGCHLD);
    sigaddset(&def, SIGHUP);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &def);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, prog, &fa, &at, argv, environ);
    free(prog);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(out[1]);
    close(err[1]);
    if (rc != 0) {
        close(out[0]);
        close(err[0]);
        creds_job_fail(j, AWS_ERR_CREDENTIALS, "CredentialProcessFailed",
                       "credential_process for profile '%s': cannot run '%s': %s", p->profile,
                       argv[0], strerror(rc));
        profile_shell_words_free(argv);
        return CR_DONE;
    }
    profile_shell_words_free(argv);
    struct creds_proc *pr = mem_xcalloc(1, sizeof(*pr));
    pr->job = j;
    pr->pid = pid;
    pr->fd[0] = out[0];
    pr->fd[1] = err[0];
    buf_init(&pr->out, CREDS_PROCESS_MAX_OUT);
    pr->out.secret = true;
    buf_init(&pr->err, CREDS_PROCESS_MAX_ERR + 1);
    for (int i = 0; i < 2; i++) {
        fcntl(pr->fd[i], F_SETFL, fcntl(pr->fd[i], F_GETFL) | O_NONBLOCK);
        pr->w[i] = reactor_watch(p->r, pr->fd[i], REACTOR_READ, creds_proc_readable, pr);
    }
    pr->deadline = reactor_now_ms(p->r) + (uint64_t)p->process_timeout_ms;
    pr->poll_timer = reactor_timer(p->r, CREDS_PROCESS_POLL_MS, creds_proc_poll, pr);
    j->proc = pr;
    return CR_PENDING;
}

/* ---- 8. container credentials ---- */

static bool creds_container_host_ok(const char *url)
{
    if (strncasecmp(url, "https://", 8) == 0)
        return true;
    if (strncasecmp(url, "http://", 7) != 0)
        return false;
    const char *h = url + 7;
    const char *at = strpbrk(h, "@/?#");
    if (at && *at == '@')
        h = at + 1;
    char host[128];
    size_t n;
    if (*h == '[') {
        const char *e = strchr(h, ']');
        if (!e)
            return false;
        n = (size_t)(e - h - 1);
        if (n >= sizeof(host))
            return false;
        memcpy(host, h + 1, n);
    } else {
        n = strcspn(h, ":/?#");
        if (n >= sizeof(host))
            return false;
        memcpy(host, h, n);
    }
    host[n] = '\0';
    static const char *const allowed[] = {
        "169.254.170.2", "169.254.170.23", "fd00:ec2::23", "localhost", "::1", NULL};
    for (size_t i = 0; allowed[i]; i++)
        if (strcasecmp(host, allowed[i]) == 0)
            return true;
    /* any IPv4 loopback address */
    unsigned a, b, c, d;
    char tail;
    if (sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 && a == 127 && b < 256 &&
        c < 256 && d < 256)
        return true;
    return false;
}

static void creds_container_send(struct creds_job *j);

static void creds_container_retry(void *arg)
{
    struct creds_job *j = arg;
    j->timer = NULL;
    creds_container_send(j);
    if (!j->xfer) {
        creds_job_fail(j, AWS_ERR_CONFIG, "InvalidEndpoint", "bad container credentials URL %s",
                       j->url);
        creds_job_done(j);
    }
}

static void creds_container_done(struct http_response *resp, void *arg)
{
    struct creds_job *j = arg;
    j->xfer = NULL;
    bool transient = resp->status == 0 || resp->status >= 500;
    if (transient && ++j->attempt < CREDS_CONTAINER_ATTEMPTS) {
        j->timer = reactor_timer(j->p->r, CREDS_CONTAINER_RETRY_MS, creds_container_retry, j);
        return;
    }
    if (resp->status == 0) {
        creds_job_fail(j, AWS_ERR_TRANSPORT, http_curl_code_name(resp->curl_code),
                       "container credentials %s: %s (%d attempts)", j->url,
                       resp->curl_error[0] ? resp->curl_error : "no response", j->attempt);
    } else if (resp->status != 200) {
        creds_job_fail(j, AWS_ERR_HTTP, "ContainerCredentials",
                       "container credentials %s answered HTTP %ld", j->url, resp->status);
        j->err.http_status = (int)resp->status;
    } else {
        json_error_t jerr;
        json_t *doc = json_loadb(resp->body, resp->body_len, 0, &jerr);
        if (!json_is_object(doc))
            creds_job_fail(j, AWS_ERR_PARSE, "MalformedCredentials",
                           "container credentials %s: the answer is not a JSON object", j->url);
        else
            creds_from_json(j, doc, "AccessKeyId", "SecretAccessKey", "Token",
                            "container credentials");
        json_decref(doc);
        mem_wipe(&jerr, sizeof(jerr));
    }
    if (resp->body)
        mem_wipe(resp->body, resp->body_len);
    creds_job_done(j);
}

static void creds_container_send(struct creds_job *j)
{
    const char *headers[3] = {"Accept: application/json", NULL, NULL};
    if (j->auth)
        headers[1] = j->auth;
    struct http_request req;
    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.url = j->url;
    req.headers = headers;
    req.timeout_ms = CREDS_CONTAINER_TIMEOUT_MS;
    req.connect_timeout_ms = CREDS_CONTAINER_TIMEOUT_MS;
    req.no_proxy = true;
    j->xfer = http_send(j->p->http, &req, creds_container_done, j);
}

static enum creds_res creds_container_start(struct creds_job *j)
{
    struct creds_provider *p = j->p;
    const char *rel = creds_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = creds_env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if (!rel && !full) {
        creds_note(j, "container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI not set");
        return CR_SKIP;
    }
    if (!p->http) {
        creds_job_fail(j, AWS_ERR_INTERNAL, "NoHttpClient",
                       "container credentials need an HTTP client");
        return CR_DONE;
    }
    free(j->url);
    if (rel) {
        const char *base = p->container_endpoint ? p->container_endpoint
                           : p->imds_endpoint    ? p->imds_endpoint
                                                 : "http://169.254.170.2";
        size_t bl = strlen(base);
        while (bl && base[bl - 1] == '/')
            bl--;
        j->url = mem_xasprintf("%.*s%s%s", (int)bl, base, rel[0] == '/' ? "" : "/", rel);
    } else {
        if (!creds_container_host_ok(full)) {
            creds_job_fail(j, AWS_ERR_CONFIG, "InvalidConfig",
                           "AWS_CONTAINER_CREDENTIALS_FULL_URI %s is not allowed: use https, or "
                           "http to 169.254.170.2, 169.254.170.23, fd00:ec2::23 or a loopback "
                           "address",
                           full);
            return CR_DONE;
        }
        j->url = mem_xstrdup(full);
    }
    mem_free_secret(j->auth);
    j->auth = NULL;
    const char *tfile = creds_env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    char *tok = NULL;
    if (tfile) {
        /* re-read on every refresh: the agent rotates it */
        tok = creds_read_file(tfile, 16 * 1024, true);
        if (!tok) {
            creds_job_fail(j, AWS_ERR_CREDENTIALS, "ContainerTokenUnreadable",
                           "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s: %s", tfile,
                           strerror(errno));
            return CR_DONE;
        }
        creds_rstrip(tok);
    } else if (creds_env("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
        tok = mem_xstrdup(creds_env("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
    }
    if (tok) {
        if (!creds_header_safe(tok)) {
            mem_free_secret(tok);
            creds_job_fail(j, AWS_ERR_CONFIG, "InvalidConfig",
                           "the container authorization token contains a line break");
            return CR_DONE;
        }
        j->auth = mem_xasprintf("Authorization: %s", tok);
        mem_free_secret(tok);
    }
    j->attempt = 0;
    creds_container_send(j);
    if (!j->xfer) {
        creds_job_fail(j, AWS_ERR_CONFIG, "InvalidEndpoint", "bad container credentials URL %s",
                       j->url);
        return CR_DONE;
    }
    return CR_PENDING;
}

/* ---- 9. IMDS ---- */

enum {
    IMDS_TOKEN,
    IMDS_ROLE,
    IMDS_CREDS,
};

struct creds_imds_cfg {
    char base[256];
    long timeout_ms;
    int attempts;
    bool v1_disabled;
};

static void creds_imds_config(const struct creds_provider *p, struct creds_imds_cfg *c)
{
    const char *ep = p->imds_endpoint;
    if (!ep)
        ep = profile_setting(p->store, p->profile, "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                             "ec2_metadata_service_endpoint");
    if (!ep || !*ep) {
        const char *mode =
            profile_setting(p->store, p->profile, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
                            "ec2_metadata_service_endpoint_mode");
        ep = mode && strcasecmp(mode, "IPv6") == 0 ? "http://[fd00:ec2::254]"
                                                   : "http://169.254.169.254";
    }
    snprintf(c->base, sizeof(c->base), "%s", ep);
    size_t n = strlen(c->base);
    while (n && c->base[n - 1] == '/')
        c->base[--n] = '\0';
    c->timeout_ms = 1000;
    const char *t = profile_setting(p->store, p->profile, "AWS_METADATA_SERVICE_TIMEOUT",
                                    "metadata_service_timeout");
    if (t) {
        char *end = NULL;
        double v = strtod(t, &end);
        if (end != t && !*end && v > 0 && v <= 3600)
            c->timeout_ms = (long)(v * 1000);
    }
    c->attempts = 1;
    const char *a = profile_setting(p->store, p->profile, "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
                                    "metadata_service_num_attempts");
    if (a) {
        char *end = NULL;
        long v = strtol(a, &end, 10);
        if (end != a && !*end && v >= 1 && v <= 10)
            c->attempts = (int)v;
    }
    c->v1_disabled = creds_true(profile_setting(
        p->store, p->profile, "AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled"));
}

static void creds_imds_send(struct creds_job *j);

static void creds_imds_skip(struct creds_job *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* IMDS problems mean "not on EC2 / no role": the chain ends without it. */
static void creds_imds_skip(struct creds_job *j, const char *fmt, ...)
{
    struct buf b;
    buf_init(&b, 4096);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    creds_note(j, "imds: %s", buf_str(&b));
    buf_free(&b);
    creds_job_skip(j);
}

static void creds_imds_done(struct http_response *resp, void *arg)
{
    struct creds_job *j = arg;
    struct creds_imds_cfg c;
    creds_imds_config(j->p, &c);
    j->xfer = NULL;
    long st = resp->status;
    bool timeout = http_curl_code_timeout(resp->curl_code);
    if (j->stage == IMDS_TOKEN) {
        if (st == 200 && resp->body_len > 0) {
            mem_free_secret(j->token);
            j->token = mem_xstrndup(resp->body, resp->body_len);
            creds_rstrip(j->token);
            mem_wipe(resp->body, resp->body_len);
            j->stage = IMDS_ROLE;
            j->attempt = 0;
        } else if (st == 400) {
            creds_imds_skip(j, "%s rejected the token request (HTTP 400)", c.base);
            return;
        } else if (st == 403 || st == 404 || st == 405 || timeout || ++j->attempt >= c.attempts) {
            /* no IMDSv2 here: IMDSv1, unless that is disabled */
            if (c.v1_disabled) {
                creds_imds_skip(j,
                                "%s gave no IMDSv2 token (%s) and IMDSv1 is disabled "
                                "(AWS_EC2_METADATA_V1_DISABLED)",
                                c.base,
                                st ? "HTTP error"
                                   : (resp->curl_error[0] ? resp->curl_error : "no response"));
                return;
            }
            if (st == 0 && !timeout) {
                /* nothing listens: not on EC2 */
                creds_imds_skip(j, "%s: %s", c.base,
                                resp->curl_error[0] ? resp->curl_error : "no response");
                return;
            }
            mem_free_secret(j->token);
            j->token = NULL;
            j->stage = IMDS_ROLE;
            j->attempt = 0;
        }
        creds_imds_send(j);
        return;
    }
    if (st != 200) {
        if ((st == 0 || st >= 500) && ++j->attempt < c.attempts) {
            creds_imds_send(j);
            return;
        }
        if (st == 404)
            creds_imds_skip(j, "%s has no IAM role for this instance", c.base);
        else if (st == 0)
            creds_imds_skip(j, "%s: %s", c.base,
                            resp->curl_error[0] ? resp->curl_error : "no response");
        else
            creds_imds_skip(j, "%s answered HTTP %ld", c.base, st);
        return;
    }
    if (j->stage == IMDS_ROLE) {
        const char *body = resp->body ? resp->body : "";
        size_t n = strcspn(body, "\r\n");
        free(j->role);
        j->role = mem_xstrndup(body, n);
        creds_rstrip(j->role);
        if (!*j->role || strchr(j->role, '/') || strstr(j->role, "..")) {
            creds_imds_skip(j, "%s gave no usable IAM role name", c.base);
            return;
        }
        j->stage = IMDS_CREDS;
        j->attempt = 0;
        creds_imds_send(j);
        return;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(resp->body, resp->body_len, 0, &jerr);
    mem_wipe(resp->body, resp->body_len);
    mem_wipe(&jerr, sizeof(jerr));
    const char *code = awsjson_str(doc, "Code");
    if (!json_is_object(doc) || (code && strcmp(code, "Success") != 0)) {
        creds_json_wipe(doc, "SecretAccessKey");
        creds_json_wipe(doc, "Token");
        json_decref(doc);
        creds_imds_skip(j, "%s role %s: %s", c.base, j->role,
                        code ? "credentials not available" : "malformed credentials");
        return;
    }
    bool ok = creds_from_json(j, doc, "AccessKeyId", "SecretAccessKey", "Token", "IMDS");
    json_decref(doc);
    if (!ok) {
        char *m = mem_xstrdup(j->err.message);
        aws_error_clear(&j->err);
        creds_imds_skip(j, "%s", m ? m : "malformed credentials");
        free(m);
        return;
    }
    creds_job_done(j);
}

static void creds_imds_send(struct creds_job *j)
{
    struct creds_imds_cfg c;
    creds_imds_config(j->p, &c);
    free(j->url);
    char *tokhdr = NULL;
    const char *headers[2] = {NULL, NULL};
    struct http_request req;
    memset(&req, 0, sizeof(req));
    req.method = "GET";
    switch (j->stage) {
    case IMDS_TOKEN:
        req.method = "PUT";
        j->url = mem_xasprintf("%s/latest/api/token", c.base);
        headers[0] = "X-aws-ec2-metadata-token-ttl-seconds: 21600";
        break;
    case IMDS_ROLE:
        j->url = mem_xasprintf("%s/latest/meta-data/iam/security-credentials/", c.base);
        break;
    default:
        j->url = mem_xasprintf("%s/latest/meta-data/iam/security-credentials/%s", c.base, j->role);
        break;
    }
    if (j->stage != IMDS_TOKEN && j->token) {
        tokhdr = mem_xasprintf("X-aws-ec2-metadata-token: %s", j->token);
        headers[0] = tokhdr;
    }
    req.url = j->url;
    req.headers = headers;
    req.timeout_ms = c.timeout_ms;
    req.connect_timeout_ms = c.timeout_ms;
    req.no_proxy = true;
    j->xfer = http_send(j->p->http, &req, creds_imds_done, j);
    mem_free_secret(tokhdr);
    if (!j->xfer) {
        /* an unusable endpoint URL is a configuration error */
        creds_job_fail(j, AWS_ERR_CONFIG, "InvalidEndpoint", "bad IMDS endpoint %s", c.base);
        creds_job_done(j);
    }
}

static enum creds_res creds_imds_start(struct creds_job *j)
{
    struct creds_provider *p = j->p;
    if (creds_true(creds_env("AWS_EC2_METADATA_DISABLED"))) {
        creds_note(j, "imds: disabled by AWS_EC2_METADATA_DISABLED");
        return CR_SKIP;
    }
    if (!p->http) {
        creds_note(j, "imds: no HTTP client");
        return CR_SKIP;
    }
    j->stage = IMDS_TOKEN;
    j->attempt = 0;
    creds_imds_send(j);
    return CR_PENDING;
}
