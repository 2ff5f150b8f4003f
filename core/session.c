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
        char *m = profile_not_found_message(s->store, o->profile);
        aws_error_set(err, AWS_ERR_CONFIG, "ProfileNotFound", "%s", m);
        free(m);
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
    if (!s->opts || s->opts->verbose < 1)
        return;
    for (w = profile_notices(s->store); w && *w; w++)
        fprintf(f, "elcui: %s\n", *w);
}

/* ---- where every setting comes from ---- */

const char *session_source_name(enum session_source src)
{
    switch (src) {
    case SESSION_SOURCE_FLAG:
        return "flag";
    case SESSION_SOURCE_ENV:
        return "env";
    case SESSION_SOURCE_FILE:
        return "file";
    case SESSION_SOURCE_DEFAULT:
        return "default";
    default:
        return "unknown";
    }
}

/* Append a setting. value is copied; origin and what (the default in
 * words) as the source needs them. */
static void session_add(struct session_settings *st, size_t *cap, const char *name,
                        const char *value, enum session_source src, const char *origin, int line,
                        const char *what)
{
    st->v = mem_xgrow(st->v, cap, st->n + 1, sizeof(*st->v));
    struct session_setting *x = &st->v[st->n++];
    memset(x, 0, sizeof(*x));
    x->name = name;
    x->value = value ? mem_xstrdup(value) : NULL;
    x->source = src;
    x->line = line;
    switch (src) {
    case SESSION_SOURCE_FLAG:
    case SESSION_SOURCE_ENV:
        x->origin = mem_xstrdup(origin);
        x->text = mem_xstrdup(origin);
        break;
    case SESSION_SOURCE_FILE:
        x->origin = mem_xstrdup(origin);
        x->text = mem_xasprintf("%s line %d", origin, line);
        break;
    case SESSION_SOURCE_DEFAULT:
        x->text =
            mem_xasprintf("default%s%s%s", what ? " (" : "", what ? what : "", what ? ")" : "");
        break;
    default:
        x->text = mem_xstrdup(what ? what : "not known yet");
        break;
    }
}

/* A value resolved by profile.c: flag (EXPLICIT), env, file or default. */
static void session_add_origin(struct session_settings *st, size_t *cap, const char *name,
                               const char *value, const struct profile_origin *o, const char *flag,
                               const char *what)
{
    switch (o->kind) {
    case PROFILE_ORIGIN_EXPLICIT:
        session_add(st, cap, name, value, SESSION_SOURCE_FLAG, flag, 0, NULL);
        break;
    case PROFILE_ORIGIN_ENV:
        session_add(st, cap, name, value, SESSION_SOURCE_ENV, o->env, 0, NULL);
        break;
    case PROFILE_ORIGIN_FILE:
        session_add(st, cap, name, value, SESSION_SOURCE_FILE, o->path, o->line, NULL);
        break;
    default:
        session_add(st, cap, name, value, SESSION_SOURCE_DEFAULT, NULL, 0, what);
        break;
    }
}

static const char *session_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static void session_add_credentials(const struct session *s, struct session_settings *st,
                                    size_t *cap)
{
    const char *src = creds_source(s->creds);
    struct creds_origin co;
    creds_source_origin(s->creds, &co);
    if (!src || !*src) {
        session_add(st, cap, "credentials", NULL, SESSION_SOURCE_UNKNOWN, NULL, 0,
                    "not fetched yet");
        return;
    }
    if (co.env) {
        session_add(st, cap, "credentials", src, SESSION_SOURCE_ENV, co.env, 0, NULL);
        return;
    }
    struct profile_origin po;
    memset(&po, 0, sizeof(po));
    if (co.key && co.one_file)
        profile_get_from_at(s->store, co.file, co.profile, co.key, &po);
    else if (co.key)
        profile_get_at(s->store, co.profile, co.key, &po);
    if (po.kind == PROFILE_ORIGIN_FILE)
        session_add(st, cap, "credentials", src, SESSION_SOURCE_FILE, po.path, po.line, NULL);
    else
        session_add(st, cap, "credentials", src, SESSION_SOURCE_DEFAULT, NULL, 0,
                    "found by the provider chain: nothing configured it");
}

static const struct svc *const session_svcs[] = {
    &svc_elasticache, &svc_cloudwatch,     &svc_logs, &svc_sts, &svc_ec2,
    &svc_kms,         &svc_secretsmanager, &svc_ssm,  &svc_iam, &svc_pricing,
};

void session_settings(const struct session *s, struct session_settings *st)
{
    memset(st, 0, sizeof(*st));
    size_t cap = 0;
    const struct session_options *o = s->opts;
    struct profile_origin po;

    if (o->profile && *o->profile)
        session_add(st, &cap, "profile", s->profile, SESSION_SOURCE_FLAG, "--profile", 0, NULL);
    else if (session_env("AWS_PROFILE"))
        session_add(st, &cap, "profile", s->profile, SESSION_SOURCE_ENV, "AWS_PROFILE", 0, NULL);
    else if (session_env("AWS_DEFAULT_PROFILE"))
        session_add(st, &cap, "profile", s->profile, SESSION_SOURCE_ENV, "AWS_DEFAULT_PROFILE", 0,
                    NULL);
    else
        session_add(st, &cap, "profile", s->profile, SESSION_SOURCE_DEFAULT, NULL, 0,
                    "no --profile, AWS_PROFILE or AWS_DEFAULT_PROFILE");

    char *region = profile_resolve_region_at(s->store, s->profile, o->region, &po);
    session_add_origin(st, &cap, "region", s->region, &po, "--region", NULL);
    free(region);

    session_add_credentials(s, st, &cap);

    for (size_t i = 0; i < sizeof(session_svcs) / sizeof(session_svcs[0]); i++) {
        const struct svc *svc = session_svcs[i];
        char *used = s->aws ? aws_client_endpoint(s->aws, svc) : NULL;
        char *resolved = profile_resolve_endpoint_at(s->store, s->profile, svc, s->region,
                                                     o->endpoint_url, NULL, &po);
        session_add_origin(st, &cap, "endpoint", used ? used : resolved, &po, "--endpoint-url",
                           "the service's endpoint for the region");
        st->v[st->n - 1].service = svc->endpoint_prefix;
        free(used);
        free(resolved);
    }

    const char *ca = profile_setting_at(s->store, s->profile, "AWS_CA_BUNDLE", "ca_bundle", &po);
    session_add_origin(st, &cap, "ca_bundle", ca, &po, NULL, "the system's CA store");

    if (o->max_attempts > 0) {
        char n[16];
        snprintf(n, sizeof(n), "%d", o->max_attempts);
        session_add(st, &cap, "max_attempts", n, SESSION_SOURCE_FLAG, "--max-attempts", 0, NULL);
    } else {
        const char *v =
            profile_setting_at(s->store, s->profile, "AWS_MAX_ATTEMPTS", "max_attempts", &po);
        session_add_origin(st, &cap, "max_attempts", v ? v : "3", &po, NULL,
                           "the SDKs' standard mode");
    }

    static const struct {
        const char *name, *env;
    } files[] = {{"config_file", "AWS_CONFIG_FILE"},
                 {"credentials_file", "AWS_SHARED_CREDENTIALS_FILE"}};
    for (size_t i = 0; i < 2; i++) {
        const char *path = i ? profile_creds_path(s->store) : profile_config_path(s->store);
        if (session_env(files[i].env))
            session_add(st, &cap, files[i].name, path, SESSION_SOURCE_ENV, files[i].env, 0, NULL);
        else
            session_add(st, &cap, files[i].name, path, SESSION_SOURCE_DEFAULT, NULL, 0,
                        i ? "~/.aws/credentials" : "~/.aws/config");
    }
}

void session_settings_free(struct session_settings *st)
{
    for (size_t i = 0; i < st->n; i++) {
        free(st->v[i].value);
        free(st->v[i].origin);
        free(st->v[i].text);
    }
    free(st->v);
    memset(st, 0, sizeof(*st));
}
