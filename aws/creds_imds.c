/* creds_imds.c - EC2 instance metadata (IMDSv2, with the v1 fallback
 * rules), the last step of the chain: token, role name, then the role's
 * credentials. */
#include "aws/creds_imds.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/awsjson.h"
#include "aws/mem.h"

static bool creds_true(const char *v)
{
    return v && strcasecmp(v, "true") == 0;
}

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

enum creds_res creds_imds_start(struct creds_job *j)
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
