/* creds_role.c - assume-role profiles (source_profile or
 * credential_source, role chaining, external_id, mfa_serial with a prompt)
 * and web identity (profile or AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN),
 * steps 2 and 3 of the chain: both are STS calls, signed (AssumeRole) by a
 * nested provider for the source or unsigned (AssumeRoleWithWebIdentity). */
#include "aws/creds_role.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/aws_client.h"
#include "aws/mem.h"
#include "aws/sts.h"
#include "aws/svc.h"

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

enum creds_res creds_role_start(struct creds_job *j)
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

enum creds_res creds_role_webid_start(struct creds_job *j)
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
