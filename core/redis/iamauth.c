/* iamauth.c - ElastiCache IAM authentication tokens (see iamauth.h). */
#include "core/redis/iamauth.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"

static void iamauth_err(char *errbuf, size_t errlen, const char *msg)
{
    if (errbuf && errlen)
        snprintf(errbuf, errlen, "%s", msg);
}

/* Cache ids: lower-case letters, digits and hyphens (1..63 for replication
 * groups, up to 40 for serverless caches); user ids: letters, digits,
 * hyphens (1..40). Anything else would still sign, but the service would
 * never accept it, so say so up front. */
static bool iamauth_valid_id(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!isalnum(ch) && ch != '-')
            return false;
    }
    return true;
}

static bool iamauth_valid_user(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch <= 0x20 || ch >= 0x7f)
            return false;
    }
    return true;
}

char *iamauth_token(const struct iamauth_params *p, const struct sigv4_creds *creds, int64_t time_s,
                    char *errbuf, size_t errlen)
{
    if (!p || !iamauth_valid_id(p->cache_id, 63)) {
        iamauth_err(errbuf, errlen,
                    "the replication group id must be 1-63 letters, digits or hyphens");
        return NULL;
    }
    if (!iamauth_valid_user(p->user)) {
        iamauth_err(errbuf, errlen, "the user must be 1-128 printable characters without spaces");
        return NULL;
    }
    if (!p->region || !*p->region) {
        iamauth_err(errbuf, errlen, "no region: give --region or set AWS_REGION");
        return NULL;
    }
    int expires = p->expires_s ? p->expires_s : IAMAUTH_EXPIRES_S;
    if (expires < 1 || expires > IAMAUTH_EXPIRES_S) {
        iamauth_err(errbuf, errlen, "a token lives 1 to 900 seconds");
        return NULL;
    }
    if (!creds || !creds->access_key || !*creds->access_key || !creds->secret_key ||
        !*creds->secret_key) {
        iamauth_err(errbuf, errlen, "no AWS credentials to sign with");
        return NULL;
    }
    if (time_s <= 0) {
        iamauth_err(errbuf, errlen, "no signing time");
        return NULL;
    }
    /* ElastiCache stores ids lower-case and signs the host as it is sent */
    char host[64];
    size_t n = strlen(p->cache_id);
    for (size_t i = 0; i < n; i++)
        host[i] = (char)tolower((unsigned char)p->cache_id[i]);
    host[n] = '\0';

    char *user = sigv4_uri_encode(p->user, strlen(p->user), false);
    char *query = mem_xasprintf("Action=connect&User=%s%s", user,
                                p->serverless ? "&ResourceType=ServerlessCache" : "");
    free(user);
    struct sigv4_header hdr = {"host", host};
    struct sigv4_request req = {
        .method = "GET",
        .path = "/",
        .query = query,
        .headers = &hdr,
        .nheaders = 1,
        .body = NULL,
        .body_len = 0,
    };
    struct sigv4_scope scope = {.region = p->region, .service = IAMAUTH_SERVICE, .time_s = time_s};
    struct sigv4_result res;
    char *qs = sigv4_presign(&req, creds, &scope, expires, &res);
    free(query);
    if (!qs) {
        sigv4_result_free(&res);
        iamauth_err(errbuf, errlen, "signing failed");
        return NULL;
    }
    struct buf b;
    buf_init(&b, 0);
    b.secret = true;
    buf_appends(&b, host);
    buf_appends(&b, "/?");
    buf_appends(&b, qs);
    mem_free_secret(qs);
    sigv4_result_free(&res);
    return buf_steal(&b);
}

char *iamauth_token_from(const struct iamauth_params *p, const struct aws_credentials *c,
                         int64_t time_s, char *errbuf, size_t errlen)
{
    if (!c) {
        iamauth_err(errbuf, errlen, "no AWS credentials to sign with");
        return NULL;
    }
    struct sigv4_creds sc = {
        .access_key = c->access_key_id,
        .secret_key = c->secret_access_key,
        .session_token = c->session_token && *c->session_token ? c->session_token : NULL,
    };
    return iamauth_token(p, &sc, time_s, errbuf, errlen);
}

/* ---- the provider ---- */

struct iamauth_pending {
    struct iamauth *a;
    struct creds_req *creq;
    struct rconn_cred_req *req; /* provider request, or NULL for a mint */
    iamauth_mint_cb cb;
    void *arg;
    struct loop_timer *later; /* a mint that failed before asking the chain */
    char errmsg[256];
    struct iamauth_pending *prev, *next;
};

struct iamauth_mint {
    struct iamauth_pending p;
};

struct iamauth {
    struct loop *l;
    struct creds_provider *creds;
    struct aws_client *clock;
    char *cache_id;
    char *user;
    char *region;
    bool serverless;
    int expires_s;
    struct iamauth_pending *pending;
    struct iamauth_stats stats;
};

struct iamauth *iamauth_new(const struct iamauth_options *o, char *errbuf, size_t errlen)
{
    if (!o || !o->loop || !o->creds) {
        iamauth_err(errbuf, errlen, "no event loop or credential chain");
        return NULL;
    }
    /* validate with throw-away credentials: only the parameters matter */
    struct sigv4_creds probe = {.access_key = "AKIDPROBE", .secret_key = "probe"};
    char *t = iamauth_token(&o->params, &probe, 1714564800, errbuf, errlen);
    if (!t)
        return NULL;
    mem_free_secret(t);
    struct iamauth *a = mem_xcalloc(1, sizeof(*a));
    a->l = o->loop;
    a->creds = o->creds;
    a->clock = o->clock;
    a->cache_id = mem_xstrdup(o->params.cache_id);
    a->user = mem_xstrdup(o->params.user);
    a->region = mem_xstrdup(o->params.region);
    a->serverless = o->params.serverless;
    a->expires_s = o->params.expires_s ? o->params.expires_s : IAMAUTH_EXPIRES_S;
    return a;
}

static void iamauth_unlink(struct iamauth_pending *p)
{
    struct iamauth *a = p->a;
    if (p->prev)
        p->prev->next = p->next;
    else if (a->pending == p)
        a->pending = p->next;
    if (p->next)
        p->next->prev = p->prev;
    p->prev = p->next = NULL;
}

static void iamauth_link(struct iamauth *a, struct iamauth_pending *p)
{
    p->a = a;
    p->prev = NULL;
    p->next = a->pending;
    if (a->pending)
        a->pending->prev = p;
    a->pending = p;
}

static void iamauth_finish(struct iamauth_pending *p, char *token, int64_t expires,
                           const struct aws_error *err)
{
    struct iamauth *a = p->a;
    iamauth_unlink(p);
    if (token) {
        a->stats.minted++;
        a->stats.last_expires_wall_ms = expires;
    }
    if (p->req) {
        if (token) {
            struct rconn_cred cr = {.user = a->user, .secret = token, .expires_wall_ms = expires};
            rconn_cred_done(p->req, &cr, NULL);
        } else {
            char msg[320];
            snprintf(msg, sizeof(msg), "IAM authentication token: %s",
                     p->errmsg[0] ? p->errmsg : "no AWS credentials");
            rconn_cred_done(p->req, NULL, msg);
        }
        mem_free_secret(token);
        free(p);
        return;
    }
    struct iamauth_mint *m = (struct iamauth_mint *)p;
    if (token) {
        p->cb(token, expires, NULL, p->arg);
    } else {
        struct aws_error e;
        aws_error_init(&e);
        if (err)
            aws_error_copy(&e, err);
        else
            aws_error_set(&e, AWS_ERR_CREDENTIALS, "IamAuthToken", "%s",
                          p->errmsg[0] ? p->errmsg : "no AWS credentials");
        p->cb(NULL, 0, &e, p->arg);
        aws_error_clear(&e);
    }
    free(m);
}

static void iamauth_got_creds(const struct aws_credentials *c, const struct aws_error *err,
                              void *arg)
{
    struct iamauth_pending *p = arg;
    struct iamauth *a = p->a;
    p->creq = NULL;
    if (!c) {
        a->stats.failures++;
        char *msg = err ? aws_error_format(err) : NULL;
        snprintf(p->errmsg, sizeof(p->errmsg), "%s", msg ? msg : "no AWS credentials");
        snprintf(a->stats.last_error, sizeof(a->stats.last_error), "%s", p->errmsg);
        free(msg);
        iamauth_finish(p, NULL, 0, err);
        return;
    }
    int64_t sign_ms = a->clock ? aws_client_now_ms(a->clock) : loop_wall_ms(a->l);
    int64_t local_ms = loop_wall_ms(a->l);
    struct iamauth_params prm = {
        .cache_id = a->cache_id,
        .user = a->user,
        .region = a->region,
        .serverless = a->serverless,
        .expires_s = a->expires_s,
    };
    char *token = iamauth_token_from(&prm, c, sign_ms / 1000, p->errmsg, sizeof(p->errmsg));
    if (!token) {
        a->stats.failures++;
        snprintf(a->stats.last_error, sizeof(a->stats.last_error), "%s", p->errmsg);
        iamauth_finish(p, NULL, 0, NULL);
        return;
    }
    /* valid from the signing second for expires_s, and no longer than the
     * credentials that signed it; in local wall-clock time for rconn */
    int64_t expires = local_ms - (sign_ms % 1000) + (int64_t)a->expires_s * 1000;
    if (c->expiration_ms > 0) {
        int64_t cred_left = c->expiration_ms - sign_ms;
        if (cred_left < (int64_t)a->expires_s * 1000)
            expires = local_ms + (cred_left > 0 ? cred_left : 0);
    }
    iamauth_finish(p, token, expires, NULL);
}

static void iamauth_later(void *arg)
{
    struct iamauth_pending *p = arg;
    p->later = NULL;
    iamauth_finish(p, NULL, 0, NULL);
}

static void iamauth_ask(struct iamauth *a, struct iamauth_pending *p)
{
    iamauth_link(a, p);
    p->creq = creds_get(a->creds, iamauth_got_creds, p);
    if (p->creq)
        return;
    /* the chain is shutting down: fail (never synchronously for a mint) */
    snprintf(p->errmsg, sizeof(p->errmsg), "the credential chain is unavailable");
    if (p->req)
        iamauth_finish(p, NULL, 0, NULL);
    else
        p->later = loop_timer(a->l, 0, iamauth_later, p);
}

void iamauth_cred(struct rconn_cred_req *req, void *arg)
{
    struct iamauth *a = arg;
    if (!a) {
        rconn_cred_done(req, NULL, "IAM authentication is not set up");
        return;
    }
    struct iamauth_pending *p = mem_xcalloc(1, sizeof(*p));
    p->req = req;
    iamauth_ask(a, p);
}

struct iamauth_mint *iamauth_mint(struct iamauth *a, iamauth_mint_cb cb, void *arg)
{
    if (!a || !cb)
        return NULL;
    struct iamauth_mint *m = mem_xcalloc(1, sizeof(*m));
    m->p.cb = cb;
    m->p.arg = arg;
    iamauth_ask(a, &m->p);
    return m;
}

void iamauth_mint_cancel(struct iamauth_mint *m)
{
    if (!m)
        return;
    if (m->p.creq)
        creds_cancel(m->p.creq);
    if (m->p.later)
        loop_untimer(m->p.a->l, m->p.later);
    iamauth_unlink(&m->p);
    free(m);
}

void iamauth_free(struct iamauth *a)
{
    if (!a)
        return;
    while (a->pending) {
        struct iamauth_pending *p = a->pending;
        if (p->creq) {
            creds_cancel(p->creq);
            p->creq = NULL;
        }
        if (p->later) {
            loop_untimer(a->l, p->later);
            p->later = NULL;
        }
        if (p->req) {
            snprintf(p->errmsg, sizeof(p->errmsg), "closed");
            iamauth_finish(p, NULL, 0, NULL);
        } else {
            /* a mint is cancelled: its callback does not run */
            iamauth_unlink(p);
            free(p);
        }
    }
    free(a->cache_id);
    free(a->user);
    free(a->region);
    free(a);
}

void iamauth_get_stats(const struct iamauth *a, struct iamauth_stats *out)
{
    if (!out)
        return;
    if (!a) {
        memset(out, 0, sizeof(*out));
        return;
    }
    *out = a->stats;
}
