/* sts.c - typed STS calls on top of aws_client
 * (https://docs.aws.amazon.com/STS/latest/APIReference/welcome.html). */
#include "aws/sts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "aws/query.h"
#include "aws/svc.h"
#include "aws/typedcall.h"

/* ---- request builders ---- */

struct query_params *sts_get_caller_identity_params(void)
{
    return query_params_new("GetCallerIdentity", svc_sts.api_version);
}

struct query_params *sts_assume_role_params(const struct sts_assume_role_in *in)
{
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
    return q;
}

struct query_params *sts_web_identity_params(const struct sts_web_identity_in *in)
{
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
    return q;
}

/* ---- response parsers ---- */

static int sts_missing(struct aws_error *err, const char *op, const char *what)
{
    aws_error_set(err, AWS_ERR_PARSE, "MalformedResponse", "the answer has no %s", what);
    snprintf(err->service, sizeof(err->service), "%s", svc_sts.name);
    snprintf(err->operation, sizeof(err->operation), "%s", op);
    return -1;
}

/* <Credentials> of AssumeRole / AssumeRoleWithWebIdentity; false when
 * incomplete. The secrets are wiped from the XML text nodes. */
static bool sts_read_credentials(const xmlNode *result, struct aws_credentials *c)
{
    xmlNode *n = result ? query_child(result, "Credentials") : NULL;
    if (!n)
        return false;
    c->access_key_id = query_text(n, "AccessKeyId");
    c->secret_access_key = query_text(n, "SecretAccessKey");
    c->session_token = query_text(n, "SessionToken");
    c->expiration_ms = query_time(n, "Expiration");
    static const char *const secret_nodes[] = {"SecretAccessKey", "SessionToken"};
    for (size_t i = 0; i < 2; i++) {
        xmlNode *s = query_child(n, secret_nodes[i]);
        for (xmlNode *t = s ? s->children : NULL; t; t = t->next)
            if (t->content)
                mem_wipe(t->content, strlen((const char *)t->content));
    }
    return c->access_key_id && *c->access_key_id && c->secret_access_key && *c->secret_access_key &&
           c->session_token && *c->session_token && c->expiration_ms > 0;
}

void sts_caller_identity_free(struct sts_caller_identity *out)
{
    if (!out)
        return;
    free(out->account);
    free(out->arn);
    free(out->user_id);
    memset(out, 0, sizeof(*out));
}

int sts_parse_caller_identity(const xmlNode *result, struct sts_caller_identity *out,
                              struct aws_error *err)
{
    memset(out, 0, sizeof(*out));
    if (result) {
        out->account = query_text(result, "Account");
        out->arn = query_text(result, "Arn");
        out->user_id = query_text(result, "UserId");
    }
    if (!out->account || !*out->account || !out->arn || !*out->arn) {
        sts_caller_identity_free(out);
        return sts_missing(err, "GetCallerIdentity", "Account and Arn");
    }
    return 0;
}

void sts_assume_role_out_free(struct sts_assume_role_out *out)
{
    if (!out)
        return;
    creds_free_credentials(&out->credentials);
    free(out->assumed_role_arn);
    free(out->assumed_role_id);
    free(out->source_identity);
    memset(out, 0, sizeof(*out));
}

int sts_parse_assume_role(const xmlNode *result, struct sts_assume_role_out *out,
                          struct aws_error *err)
{
    memset(out, 0, sizeof(*out));
    out->packed_policy_size = -1;
    bool ok = sts_read_credentials(result, &out->credentials);
    if (result) {
        out->packed_policy_size = query_int(result, "PackedPolicySize", -1);
        out->assumed_role_arn = query_text(result, "AssumedRoleUser/Arn");
        out->assumed_role_id = query_text(result, "AssumedRoleUser/AssumedRoleId");
        out->source_identity = query_text(result, "SourceIdentity");
    }
    if (!ok) {
        sts_assume_role_out_free(out);
        return sts_missing(err, "AssumeRole", "complete Credentials");
    }
    return 0;
}

void sts_web_identity_out_free(struct sts_web_identity_out *out)
{
    if (!out)
        return;
    creds_free_credentials(&out->credentials);
    free(out->assumed_role_arn);
    free(out->assumed_role_id);
    free(out->subject_from_web_identity_token);
    free(out->provider);
    free(out->audience);
    free(out->source_identity);
    memset(out, 0, sizeof(*out));
}

int sts_parse_web_identity(const xmlNode *result, struct sts_web_identity_out *out,
                           struct aws_error *err)
{
    memset(out, 0, sizeof(*out));
    bool ok = sts_read_credentials(result, &out->credentials);
    if (result) {
        out->assumed_role_arn = query_text(result, "AssumedRoleUser/Arn");
        out->assumed_role_id = query_text(result, "AssumedRoleUser/AssumedRoleId");
        out->subject_from_web_identity_token = query_text(result, "SubjectFromWebIdentityToken");
        out->provider = query_text(result, "Provider");
        out->audience = query_text(result, "Audience");
        out->source_identity = query_text(result, "SourceIdentity");
    }
    if (!ok) {
        sts_web_identity_out_free(out);
        return sts_missing(err, "AssumeRoleWithWebIdentity", "complete Credentials");
    }
    return 0;
}

/* ---- typed calls (aws/typedcall.h runs them) ----
 *
 * STS outputs are lent to the callback (valid during the call only) and
 * carry no request id; their _free functions clear without freeing. */

TYPEDCALL_GLUE(sts_op_identity, struct sts_caller_identity, sts_get_caller_identity_cb, XML,
               sts_parse_caller_identity, sts_caller_identity_free)
static const struct typedcall_op sts_op_identity = {
    TYPEDCALL_FIELDS(sts_op_identity, &svc_sts, "GetCallerIdentity", struct sts_caller_identity,
                     XML),
    .borrowed = true,
    .no_request_id = true,
};

TYPEDCALL_GLUE(sts_op_role, struct sts_assume_role_out, sts_assume_role_cb, XML,
               sts_parse_assume_role, sts_assume_role_out_free)
static const struct typedcall_op sts_op_role = {
    TYPEDCALL_FIELDS(sts_op_role, &svc_sts, "AssumeRole", struct sts_assume_role_out, XML),
    .borrowed = true,
    .no_request_id = true,
};

TYPEDCALL_GLUE(sts_op_webid, struct sts_web_identity_out, sts_web_identity_cb, XML,
               sts_parse_web_identity, sts_web_identity_out_free)
static const struct typedcall_op sts_op_webid = {
    TYPEDCALL_FIELDS(sts_op_webid, &svc_sts, "AssumeRoleWithWebIdentity",
                     struct sts_web_identity_out, XML),
    .borrowed = true, .no_request_id = true, .unsigned_request = true, /* the token is the proof */
};
struct aws_call *sts_get_caller_identity(struct aws_client *c, sts_get_caller_identity_cb cb,
                                         void *arg)
{
    return typedcall_query(c, &sts_op_identity, sts_get_caller_identity_params(), 0,
                           (typedcall_fn)cb, arg);
}

struct aws_call *sts_assume_role(struct aws_client *c, const struct sts_assume_role_in *in,
                                 sts_assume_role_cb cb, void *arg)
{
    return typedcall_query(c, &sts_op_role, sts_assume_role_params(in), 0, (typedcall_fn)cb, arg);
}

struct aws_call *sts_assume_role_with_web_identity(struct aws_client *c,
                                                   const struct sts_web_identity_in *in,
                                                   sts_web_identity_cb cb, void *arg)
{
    return typedcall_query(c, &sts_op_webid, sts_web_identity_params(in), 0, (typedcall_fn)cb, arg);
}
