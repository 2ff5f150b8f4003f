/* sts.c - typed STS calls (aws-wire.md §16) on top of aws_client. */
#include "aws/sts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "aws/query.h"
#include "aws/svc.h"

enum sts_op {
    STS_GET_CALLER_IDENTITY,
    STS_ASSUME_ROLE,
    STS_WEB_IDENTITY,
};

struct sts_ctx {
    enum sts_op op;
    union {
        sts_get_caller_identity_cb identity;
        sts_assume_role_cb role;
        sts_web_identity_cb webid;
    } cb;
    void *arg;
};

static void sts_fail(struct sts_ctx *x, const struct aws_error *err)
{
    switch (x->op) {
    case STS_GET_CALLER_IDENTITY:
        x->cb.identity(NULL, err, x->arg);
        break;
    case STS_ASSUME_ROLE:
        x->cb.role(NULL, err, x->arg);
        break;
    case STS_WEB_IDENTITY:
        x->cb.webid(NULL, err, x->arg);
        break;
    }
}

/* A 2xx answer without what the operation must return. */
static void sts_malformed(struct sts_ctx *x, const struct aws_response *resp, const char *op,
                          const char *what)
{
    struct aws_error e;
    aws_error_init(&e);
    aws_error_set(&e, AWS_ERR_PARSE, "MalformedResponse", "the answer has no %s", what);
    snprintf(e.service, sizeof(e.service), "%s", svc_sts.name);
    snprintf(e.operation, sizeof(e.operation), "%s", op);
    e.http_status = resp->http_status;
    e.attempts = resp->attempts;
    snprintf(e.request_id, sizeof(e.request_id), "%s", resp->request_id);
    sts_fail(x, &e);
    aws_error_clear(&e);
}

/* <Credentials> of AssumeRole / AssumeRoleWithWebIdentity; false when
 * incomplete. */
static bool sts_read_credentials(const xmlNode *result, struct aws_credentials *c)
{
    xmlNode *n = query_child(result, "Credentials");
    if (!n)
        return false;
    c->access_key_id = query_text(n, "AccessKeyId");
    c->secret_access_key = query_text(n, "SecretAccessKey");
    c->session_token = query_text(n, "SessionToken");
    c->expiration_ms = query_time(n, "Expiration");
    /* the secrets also live in the XML text nodes: wipe them there */
    static const char *const secret_nodes[] = {"SecretAccessKey", "SessionToken"};
    for (size_t i = 0; i < 2; i++) {
        xmlNode *s = query_child(n, secret_nodes[i]);
        for (xmlNode *t = s ? s->children : NULL; t; t = t->next)
            if (t->content)
                mem_wipe(t->content, strlen((const char *)t->content));
    }
    return c->access_key_id && *c->access_key_id && c->secret_access_key && *c->secret_access_key &&
           c->session_token && c->expiration_ms > 0;
}

static void sts_identity_done(struct sts_ctx *x, struct aws_response *resp)
{
    struct sts_caller_identity out = {
        .account = query_text(resp->result, "Account"),
        .arn = query_text(resp->result, "Arn"),
        .user_id = query_text(resp->result, "UserId"),
    };
    if (!out.account || !out.arn)
        sts_malformed(x, resp, "GetCallerIdentity", "Account and Arn");
    else
        x->cb.identity(&out, NULL, x->arg);
    free(out.account);
    free(out.arn);
    free(out.user_id);
}

static void sts_role_done(struct sts_ctx *x, struct aws_response *resp)
{
    struct sts_assume_role_out out;
    memset(&out, 0, sizeof(out));
    out.packed_policy_size = query_int(resp->result, "PackedPolicySize", -1);
    bool ok = sts_read_credentials(resp->result, &out.credentials);
    out.assumed_role_arn = query_text(resp->result, "AssumedRoleUser/Arn");
    out.assumed_role_id = query_text(resp->result, "AssumedRoleUser/AssumedRoleId");
    out.source_identity = query_text(resp->result, "SourceIdentity");
    if (!ok)
        sts_malformed(x, resp, "AssumeRole", "complete Credentials");
    else
        x->cb.role(&out, NULL, x->arg);
    creds_free_credentials(&out.credentials);
    free(out.assumed_role_arn);
    free(out.assumed_role_id);
    free(out.source_identity);
}

static void sts_webid_done(struct sts_ctx *x, struct aws_response *resp)
{
    struct sts_web_identity_out out;
    memset(&out, 0, sizeof(out));
    bool ok = sts_read_credentials(resp->result, &out.credentials);
    out.assumed_role_arn = query_text(resp->result, "AssumedRoleUser/Arn");
    out.assumed_role_id = query_text(resp->result, "AssumedRoleUser/AssumedRoleId");
    out.subject_from_web_identity_token = query_text(resp->result, "SubjectFromWebIdentityToken");
    out.provider = query_text(resp->result, "Provider");
    out.audience = query_text(resp->result, "Audience");
    out.source_identity = query_text(resp->result, "SourceIdentity");
    if (!ok)
        sts_malformed(x, resp, "AssumeRoleWithWebIdentity", "complete Credentials");
    else
        x->cb.webid(&out, NULL, x->arg);
    creds_free_credentials(&out.credentials);
    free(out.assumed_role_arn);
    free(out.assumed_role_id);
    free(out.subject_from_web_identity_token);
    free(out.provider);
    free(out.audience);
    free(out.source_identity);
}

static void sts_done(struct aws_response *resp, void *arg)
{
    struct sts_ctx *x = arg;
    if (resp->err.kind != AWS_ERR_NONE) {
        sts_fail(x, &resp->err);
    } else if (!resp->result) {
        sts_malformed(x, resp,
                      x->op == STS_GET_CALLER_IDENTITY ? "GetCallerIdentity"
                      : x->op == STS_ASSUME_ROLE       ? "AssumeRole"
                                                       : "AssumeRoleWithWebIdentity",
                      "result element");
    } else {
        switch (x->op) {
        case STS_GET_CALLER_IDENTITY:
            sts_identity_done(x, resp);
            break;
        case STS_ASSUME_ROLE:
            sts_role_done(x, resp);
            break;
        case STS_WEB_IDENTITY:
            sts_webid_done(x, resp);
            break;
        }
    }
    free(x);
}

static struct aws_call *sts_start(struct aws_client *c, struct sts_ctx *x, const char *op,
                                  struct query_params *q, bool unsigned_request)
{
    struct aws_request req;
    memset(&req, 0, sizeof(req));
    req.svc = &svc_sts;
    req.op = op;
    req.query = q;
    req.unsigned_request = unsigned_request;
    return aws_client_call(c, &req, sts_done, x);
}

struct aws_call *sts_get_caller_identity(struct aws_client *c, sts_get_caller_identity_cb cb,
                                         void *arg)
{
    struct sts_ctx *x = mem_xcalloc(1, sizeof(*x));
    x->op = STS_GET_CALLER_IDENTITY;
    x->cb.identity = cb;
    x->arg = arg;
    struct query_params *q = query_params_new("GetCallerIdentity", svc_sts.api_version);
    return sts_start(c, x, "GetCallerIdentity", q, false);
}

struct aws_call *sts_assume_role(struct aws_client *c, const struct sts_assume_role_in *in,
                                 sts_assume_role_cb cb, void *arg)
{
    struct sts_ctx *x = mem_xcalloc(1, sizeof(*x));
    x->op = STS_ASSUME_ROLE;
    x->cb.role = cb;
    x->arg = arg;
    struct query_params *q = query_params_new("AssumeRole", svc_sts.api_version);
    query_add(q, "RoleArn", in->role_arn ? in->role_arn : "");
    query_add(q, "RoleSessionName", in->role_session_name ? in->role_session_name : "");
    if (in->policy)
        query_add(q, "Policy", in->policy);
    if (in->duration_seconds > 0)
        query_add_int(q, "DurationSeconds", in->duration_seconds);
    if (in->external_id)
        query_add(q, "ExternalId", in->external_id);
    if (in->serial_number)
        query_add(q, "SerialNumber", in->serial_number);
    if (in->token_code)
        query_add_secret(q, "TokenCode", in->token_code);
    if (in->source_identity)
        query_add(q, "SourceIdentity", in->source_identity);
    return sts_start(c, x, "AssumeRole", q, false);
}

struct aws_call *sts_assume_role_with_web_identity(struct aws_client *c,
                                                   const struct sts_web_identity_in *in,
                                                   sts_web_identity_cb cb, void *arg)
{
    struct sts_ctx *x = mem_xcalloc(1, sizeof(*x));
    x->op = STS_WEB_IDENTITY;
    x->cb.webid = cb;
    x->arg = arg;
    struct query_params *q = query_params_new("AssumeRoleWithWebIdentity", svc_sts.api_version);
    query_add(q, "RoleArn", in->role_arn ? in->role_arn : "");
    query_add(q, "RoleSessionName", in->role_session_name ? in->role_session_name : "");
    query_add_secret(q, "WebIdentityToken", in->web_identity_token ? in->web_identity_token : "");
    if (in->provider_id)
        query_add(q, "ProviderId", in->provider_id);
    if (in->policy)
        query_add(q, "Policy", in->policy);
    if (in->duration_seconds > 0)
        query_add_int(q, "DurationSeconds", in->duration_seconds);
    return sts_start(c, x, "AssumeRoleWithWebIdentity", q, true);
}
