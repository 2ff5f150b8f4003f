/* creds_sso.c - IAM Identity Center (SSO), step 4 of the chain: the
 * sso_session or legacy keys, the cached token (refreshed through SSO OIDC
 * when it nears expiry) and the portal's GetRoleCredentials. */
#include "aws/creds_sso.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/awsjson.h"
#include "aws/awstime.h"
#include "aws/mem.h"
#include "aws/svc.h"

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

enum creds_res creds_sso_start(struct creds_job *j)
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
