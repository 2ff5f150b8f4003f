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
    bool insecure;                                  /* Redis TLS verification off (loud) */
    const char *redis_cacert;                       /* --redis-cacert */
    const char *connect_to[SESSION_MAX_CONNECT_TO]; /* HOST:PORT:ADDR:PORT */
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
 * and with -v why an unknown region name was accepted. */
void session_print_warnings(const struct session *s, FILE *f);

#endif
