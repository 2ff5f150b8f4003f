/* session.c - build the shared AWS context from the global options. */
#include "core/session.h"

#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "aws/regions.h"
#include "aws/svc.h"

/* Where an endpoint override of some service comes from ("--endpoint-url",
 * "AWS_ENDPOINT_URL_ELASTICACHE", ...), with its URL; false when every
 * service uses AWS's endpoint for the region. */
static bool session_override(const struct session *s, const struct session_options *o, char *what,
                             size_t n, char **url)
{
    static const struct svc *const svcs[] = {
        &svc_elasticache, &svc_cloudwatch,     &svc_logs, &svc_sts, &svc_ec2,
        &svc_kms,         &svc_secretsmanager, &svc_ssm,  &svc_iam, &svc_pricing,
    };
    if (o->endpoint_url && *o->endpoint_url) {
        snprintf(what, n, "--endpoint-url");
        *url = mem_xstrdup(o->endpoint_url);
        return true;
    }
    bool ignore = profile_ignore_configured_endpoints(s->store, s->profile);
    for (size_t i = 0; i < sizeof(svcs) / sizeof(svcs[0]) && !ignore; i++) {
        char var[96];
        snprintf(var, sizeof(var), "AWS_ENDPOINT_URL_%s", svcs[i]->env_suffix);
        const char *v = getenv(var);
        if (v && *v) {
            snprintf(what, n, "%s", var);
            *url = mem_xstrdup(v);
            return true;
        }
    }
    const char *v = ignore ? NULL : getenv("AWS_ENDPOINT_URL");
    if (v && *v) {
        snprintf(what, n, "AWS_ENDPOINT_URL");
        *url = mem_xstrdup(v);
        return true;
    }
    for (size_t i = 0; i < sizeof(svcs) / sizeof(svcs[0]); i++) {
        bool custom = false;
        char *e = profile_resolve_endpoint(s->store, s->profile, svcs[i], s->region, NULL, &custom);
        if (custom) {
            snprintf(what, n, "the endpoint configuration of profile '%s'", s->profile);
            *url = e;
            return true;
        }
        free(e);
    }
    return false;
}

static const char *session_region_source(const struct session_options *o)
{
    if (o->region && *o->region)
        return "--region";
    const char *v = getenv("AWS_REGION");
    if (v && *v)
        return "AWS_REGION";
    v = getenv("AWS_DEFAULT_REGION");
    if (v && *v)
        return "AWS_DEFAULT_REGION";
    return "the profile's region setting";
}

/* The region must be one of its partition's (a typo would otherwise list
 * an empty region); with an endpoint override any name goes, and the
 * session says why (session_print_warnings with -v, whoami). */
static int session_check_region(struct session *s, const struct session_options *o,
                                struct aws_error *err)
{
    if (regions_known(s->region))
        return 0;
    char what[160], *url = NULL, why[512];
    regions_explain(s->region, why, sizeof(why));
    if (session_override(s, o, what, sizeof(what), &url)) {
        s->region_note = mem_xasprintf("%s; accepted because %s sends the calls to %s", why, what,
                                       url ? url : "another endpoint");
        free(url);
        return 0;
    }
    aws_error_set(err, AWS_ERR_CONFIG, "UnknownRegion",
                  "%s; it comes from %s (a region newer than this elcui: an endpoint override "
                  "such as --endpoint-url or AWS_ENDPOINT_URL lets any name through)",
                  why, session_region_source(o));
    return -1;
}

int session_open(struct session *s, const struct session_options *o, struct aws_error *err)
{
    memset(s, 0, sizeof(*s));
    s->opts = o;
    s->loop = loop_new();
    if (!s->loop) {
        aws_error_set(err, AWS_ERR_INTERNAL, "LoopInit", "cannot create the event loop");
        return -1;
    }
    s->store = profile_load(NULL, NULL, err);
    if (!s->store)
        return -1;
    const char *prof = profile_select(o->profile);
    s->profile = mem_xstrdup(prof);
    if (o->profile && !profile_exists(s->store, o->profile)) {
        aws_error_set(err, AWS_ERR_CONFIG, "ProfileNotFound", "profile '%s' is not in %s or %s",
                      o->profile, profile_config_path(s->store), profile_creds_path(s->store));
        return -1;
    }
    s->region = profile_resolve_region(s->store, s->profile, o->region);
    if (!s->region || !*s->region) {
        aws_error_set(err, AWS_ERR_CONFIG, "NoRegion",
                      "no AWS region: pass --region, set AWS_REGION, or add 'region = ...' "
                      "to profile '%s' in %s",
                      s->profile, profile_config_path(s->store));
        return -1;
    }
    if (session_check_region(s, o, err) != 0)
        return -1;
    struct http_options hopt;
    memset(&hopt, 0, sizeof(hopt));
    hopt.ca_bundle = profile_setting(s->store, s->profile, "AWS_CA_BUNDLE", "ca_bundle");
    hopt.timeout_ms = o->timeout_ms;
    hopt.verbose = o->verbose > 2;
    s->http = http_client_new(loop_reactor(s->loop), &hopt);
    if (!s->http) {
        aws_error_set(err, AWS_ERR_INTERNAL, "HttpInit", "cannot initialise the HTTP client");
        return -1;
    }
    struct creds_options copt;
    memset(&copt, 0, sizeof(copt));
    copt.reactor = loop_reactor(s->loop);
    copt.http = s->http;
    copt.store = s->store;
    copt.profile = s->profile;
    copt.profile_explicit = o->profile != NULL;
    copt.region = s->region;
    copt.sts_endpoint_override = o->endpoint_url;
    copt.prompt = o->prompt;
    copt.prompt_ctx = o->prompt_ctx;
    s->creds = creds_provider_new(&copt);
    if (!s->creds) {
        aws_error_set(err, AWS_ERR_INTERNAL, "CredsInit", "cannot set up the credential chain");
        return -1;
    }
    s->aws = session_client(s, o->max_attempts, o->timeout_ms, false, err);
    return s->aws ? 0 : -1;
}

struct aws_client *session_client(const struct session *s, int max_attempts, long timeout_ms,
                                  bool verbose, struct aws_error *err)
{
    struct aws_client_options o;
    memset(&o, 0, sizeof(o));
    o.reactor = loop_reactor(s->loop);
    o.http = s->http;
    o.creds = s->creds;
    o.store = s->store;
    o.profile = s->profile;
    o.region = s->region;
    o.endpoint_url = s->opts->endpoint_url;
    o.max_attempts = max_attempts;
    o.timeout_ms = timeout_ms;
    o.verbose = verbose;
    return aws_client_new(&o, err);
}

void session_close(struct session *s)
{
    aws_client_free(s->aws);
    creds_provider_free(s->creds);
    http_client_free(s->http);
    profile_free(s->store);
    loop_free(s->loop);
    free(s->profile);
    free(s->region);
    free(s->region_note);
    memset(s, 0, sizeof(*s));
}

bool session_read_only(const struct session_options *o)
{
    return o && o->read_only;
}

const char *session_read_only_source(const struct session_options *o)
{
    if (!session_read_only(o))
        return NULL;
    return o->read_only_source ? o->read_only_source : "--read-only";
}

void session_print_warnings(const struct session *s, FILE *f)
{
    if (s->region_note && s->opts && s->opts->verbose)
        fprintf(f, "elcui: note: %s\n", s->region_note);
    if (!s->store)
        return;
    const char *const *w = profile_warnings(s->store);
    for (; w && *w; w++)
        fprintf(f, "elcui: warning: %s\n", *w);
}
