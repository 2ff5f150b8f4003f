/* creds.c - the AWS credential provider chain
 * (https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html), async.
 *
 * A creds_provider resolves credentials with a "job" that walks the
 * providers in botocore's order until one applies. Once one has applied,
 * later refreshes go straight to it. Requests wait in lists; every
 * callback runs from the provider's own 0 ms timer ("kick"), never from
 * inside creds_get() and never from inside a foreign callback (HTTP, STS,
 * child process), so a caller may free the provider from its callback.
 *
 * The providers live in creds_keys.c, creds_role.c, creds_sso.c,
 * creds_process.c, creds_container.c and creds_imds.c; creds_chain.h holds
 * what they share with the chain.
 *
 * Assume-role profiles keep a nested provider for their source (another
 * profile, the environment, IMDS or the container) and an STS client that
 * signs with it; role chaining is that nesting repeated, and each level
 * caches and refreshes on its own.
 */
#include "aws/creds.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/aws_client.h"
#include "aws/awsjson.h"
#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/creds_chain.h"
#include "aws/creds_container.h"
#include "aws/creds_imds.h"
#include "aws/creds_keys.h"
#include "aws/creds_process.h"
#include "aws/creds_role.h"
#include "aws/creds_sso.h"
#include "aws/mem.h"

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

void creds_set(struct aws_credentials *c, const char *akid, const char *secret, const char *token,
               int64_t expiration_ms)
{
    creds_free_credentials(c);
    c->access_key_id = mem_xstrdup(akid);
    c->secret_access_key = mem_xstrdup(secret);
    c->session_token = token && *token ? mem_xstrdup(token) : NULL;
    c->expiration_ms = expiration_ms;
}

/* ---- small helpers ---- */

const char *creds_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

const char *creds_pget(const struct creds_provider *p, const char *key)
{
    const char *v = profile_get(p->store, p->profile, key);
    return v && *v ? v : NULL;
}

int64_t creds_wall(const struct creds_provider *p)
{
    return reactor_wall_ms(p->r);
}

/* Read a small local file (token files). NULL with errno set on failure. */
char *creds_read_file(const char *path, size_t max, bool secret)
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

void creds_rstrip(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
}

/* Wipe a secret string held inside a jansson value before it is freed. */
void creds_json_wipe(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_string(v)) {
        char *s = (char *)json_string_value(v);
        mem_wipe(s, json_string_length(v));
    }
}

bool creds_header_safe(const char *v)
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

struct creds_provider *creds_new_raw(const struct creds_options *opt)
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
        creds_process_free(j->proc);
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

void creds_note(struct creds_job *j, const char *fmt, ...)
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

void creds_job_fail(struct creds_job *j, enum aws_error_kind kind, const char *code,
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
void creds_job_done(struct creds_job *j)
{
    creds_job_finish(j);
}

void creds_job_skip(struct creds_job *j)
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

static const creds_start_fn creds_steps[STEP_COUNT] = {
    creds_keys_env_start,    creds_role_start,        creds_role_webid_start,
    creds_sso_start,         creds_keys_shared_start, creds_process_start,
    creds_keys_config_start, creds_container_start,   creds_imds_start,
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

/* Fail the job with e, its message prefixed with context. */
void creds_fail_from(struct creds_job *j, const struct aws_error *e, const char *fmt, ...)
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

/* ---- credential JSON shared by process, container and IMDS ---- */

/* keys: names of access key, secret, token, expiration in this format. */
bool creds_from_json(struct creds_job *j, json_t *doc, const char *k_akid, const char *k_secret,
                     const char *k_token, const char *what)
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
