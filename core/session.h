/* session.h - the AWS context every command and screen shares: the event
 * loop, HTTP client, config files, credential chain and AWS client, built
 * once from the global options. */
#ifndef ELCUI_CORE_SESSION_H
#define ELCUI_CORE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
#include "aws/creds.h"
#include "aws/http.h"
#include "aws/profile.h"
#include "core/loop.h"

#define SESSION_MAX_CONNECT_TO 64

struct config;

struct session_options {
    const char *profile; /* --profile (explicit) or NULL */
    const char *region;  /* --region or NULL */
    const char *endpoint_url;
    bool read_only;               /* ask session_read_only() */
    const char *read_only_source; /* why read_only is on (NULL: --read-only) */
    bool no_color;
    const char *theme;
    bool insecure;            /* Redis TLS verification off (loud) */
    const char *redis_cacert; /* --redis-cacert */
    /* connection rules in order (first match wins): --connect-to
     * HOST:PORT:ADDR:PORT and --resolve HOST:PORT:ADDR or HOST:PORT:@FILE
     * (core/redis/rconn.h), then $ELCUI_CONNECT_TO / $ELCUI_RESOLVE and the
     * config file's (config_apply) */
    const char *connect_to[SESSION_MAX_CONNECT_TO];
    size_t nconnect_to;
    int max_attempts; /* 0 = default */
    long timeout_ms;  /* 0 = default */
    int verbose;
    creds_prompt_fn prompt; /* MFA and similar questions */
    void *prompt_ctx;
    const char *config_file;     /* --config FILE (NULL: the default path) */
    const struct config *config; /* elcui's configuration file, loaded by main */
};

struct session {
    const struct session_options *opts;
    struct loop *loop;
    struct http_client *http;
    struct profile_store *store;
    struct creds_provider *creds;
    struct aws_client *aws;
    char *profile;
    char *region;
    /* Set when the region is not one AWS lists and an endpoint override
     * made it acceptable: why, for -v and whoami. NULL otherwise. */
    char *region_note;
};

/* Build the context. On failure fills err (AWS_ERR_CONFIG for "no region",
 * a region name no partition lists (UnknownRegion: the close ones named)
 * while no endpoint override is set, bad config files...) and returns -1;
 * session_close() is still safe. */
int session_open(struct session *s, const struct session_options *o, struct aws_error *err);
void session_close(struct session *s);
/* An AWS client on the session's loop, HTTP, credentials, profile, region
 * and endpoint, with its own attempts (0: the default), timeout per attempt
 * (0: the HTTP default) and verbosity; NULL with err filled when it cannot
 * be made. session_open makes s->aws with the options' values. */
struct aws_client *session_client(const struct session *s, int max_attempts, long timeout_ms,
                                  bool verbose, struct aws_error *err);
/* The one question every write path asks before it changes anything
 * (exec's writes, failover, create, destroy, the console's write keys):
 * true with --read-only, read_only = true in the config file, or after
 * the console's :readonly. */
bool session_read_only(const struct session_options *o);
/* Where read-only comes from, for people: "--read-only", "read_only in
 * FILE", ":readonly"; NULL when writes are allowed. */
const char *session_read_only_source(const struct session_options *o);

/* Print warnings gathered while loading configuration (loose file modes),
 * and with -v (opts->verbose) the notices: sections and keys of the AWS
 * files that are ignored or replaced, and why an unknown region name was
 * accepted. */
void session_print_warnings(const struct session *s, FILE *f);

/* ---- where every setting comes from ----
 *
 * session_settings() lists the session's settings with their sources, for
 * `elcui whoami` and the console's context screen:
 *
 *   name                value                         source
 *   "profile"           the profile in use            --profile, AWS_PROFILE,
 *                                                     AWS_DEFAULT_PROFILE, default
 *   "region"            the region                    --region, AWS_REGION,
 *                                                     AWS_DEFAULT_REGION, a file line
 *   "credentials"       creds_source() (never a key)  the variable or the file line
 *                                                     that configured the provider;
 *                                                     UNKNOWN before the first call
 *   "endpoint"          the URL calls to service use  --endpoint-url,
 *     (one per service, whose endpoint prefix         AWS_ENDPOINT_URL_<SVC>,
 *     is in service: elasticache, monitoring,         AWS_ENDPOINT_URL, the line of
 *     logs, sts, ec2, kms, secretsmanager, ssm,       [services] or endpoint_url,
 *     iam, api.pricing)                               the default
 *   "ca_bundle"         the CA file for AWS, or NULL  AWS_CA_BUNDLE, ca_bundle line,
 *                                                     default (system store)
 *   "max_attempts"      attempts per call             --max-attempts,
 *                                                     AWS_MAX_ATTEMPTS, a file line,
 *                                                     default (3)
 *   "config_file"       path of the AWS config file   AWS_CONFIG_FILE, default
 *   "credentials_file"  path of the credentials file  AWS_SHARED_CREDENTIALS_FILE,
 *                                                     default
 *
 * text is the source in words, ready to show: "--region", "AWS_REGION",
 * "/home/me/.aws/config line 3", "default (no --profile, AWS_PROFILE or
 * AWS_DEFAULT_PROFILE)". */
enum session_source {
    SESSION_SOURCE_FLAG,    /* a command-line option: origin is its name */
    SESSION_SOURCE_ENV,     /* an environment variable: origin is its name */
    SESSION_SOURCE_FILE,    /* a line of a file: origin is the path, line the line */
    SESSION_SOURCE_DEFAULT, /* nothing set: the built-in value (origin NULL) */
    SESSION_SOURCE_UNKNOWN, /* not known yet (credentials before the first call) */
};

struct session_setting {
    const char *name;    /* see above; static */
    const char *service; /* "endpoint": the service's endpoint prefix; static */
    char *value;         /* never a secret; NULL when none */
    enum session_source source;
    char *origin; /* FLAG: "--region"; ENV: "AWS_REGION"; FILE: the path; else NULL */
    int line;     /* FILE: 1-based line of the key */
    char *text;   /* the source in words */
};

struct session_settings {
    struct session_setting *v;
    size_t n;
};

/* The settings of an open session (see above). Caller frees with
 * session_settings_free. */
void session_settings(const struct session *s, struct session_settings *out);
void session_settings_free(struct session_settings *st);
const char *session_source_name(enum session_source src); /* "flag", "env", "file", ... */

#endif
