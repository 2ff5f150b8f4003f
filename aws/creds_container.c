/* creds_container.c - container credentials (ECS, EKS Pod Identity),
 * step 8 of the chain: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI
 * (loopback or the link-local hosts only), with the token or token file as
 * the Authorization header, retried on transient failures. */
#include "aws/creds_container.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/awsjson.h"
#include "aws/mem.h"

#define CREDS_CONTAINER_TIMEOUT_MS 2000
#define CREDS_CONTAINER_ATTEMPTS 3
#define CREDS_CONTAINER_RETRY_MS 1000

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

enum creds_res creds_container_start(struct creds_job *j)
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
