/* creds_keys.c - static keys: the environment (AWS_ACCESS_KEY_ID...),
 * the shared credentials file and the config file, steps 1, 5 and 7 of the
 * chain. */
#include "aws/creds_keys.h"

#include <stdint.h>

#include "aws/awstime.h"

enum creds_res creds_keys_env_start(struct creds_job *j)
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

enum creds_res creds_keys_shared_start(struct creds_job *j)
{
    return creds_static_from(j, PROFILE_FROM_CREDENTIALS, "credentials file");
}

enum creds_res creds_keys_config_start(struct creds_job *j)
{
    return creds_static_from(j, PROFILE_FROM_CONFIG, "config file");
}
