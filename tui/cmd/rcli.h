/* rcli.h - what the Redis subcommands (exec, latency, doctor) share: the
 * connection options (--token-env, --secret, --user, --iam, --no-auth,
 * --endpoint, --tls/--no-tls, timeouts), the no-echo token prompt on
 * /dev/tty, opening a console session and waiting until it is ready, the
 * --insecure warning, and errors printed with their usual cause.
 */
#ifndef ELCUI_TUI_RCLI_H
#define ELCUI_TUI_RCLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/redis/console.h"
#include "core/session.h"

enum {
    RCLI_OPT_TOKEN_ENV = 400,
    RCLI_OPT_SECRET,
    RCLI_OPT_USER,
    RCLI_OPT_IAM,
    RCLI_OPT_NO_AUTH,
    RCLI_OPT_ENDPOINT,
    RCLI_OPT_TLS,
    RCLI_OPT_NO_TLS,
    RCLI_OPT_CONNECT_TIMEOUT,
    RCLI_OPT_COMMAND_TIMEOUT,
    RCLI_OPT_NO_PROMPT,
    RCLI_OPT_MAX_REPLY_SIZE,
};

#define RCLI_LONG_OPTIONS                                                                          \
    {"token-env", required_argument, NULL, RCLI_OPT_TOKEN_ENV},                                    \
        {"secret", required_argument, NULL, RCLI_OPT_SECRET},                                      \
        {"user", required_argument, NULL, RCLI_OPT_USER},                                          \
        {"iam", no_argument, NULL, RCLI_OPT_IAM},                                                  \
        {"no-auth", no_argument, NULL, RCLI_OPT_NO_AUTH},                                          \
        {"endpoint", required_argument, NULL, RCLI_OPT_ENDPOINT},                                  \
        {"tls", no_argument, NULL, RCLI_OPT_TLS}, {"no-tls", no_argument, NULL, RCLI_OPT_NO_TLS},  \
        {"connect-timeout", required_argument, NULL, RCLI_OPT_CONNECT_TIMEOUT},                    \
        {"command-timeout", required_argument, NULL, RCLI_OPT_COMMAND_TIMEOUT},                    \
        {"max-reply-size", required_argument, NULL, RCLI_OPT_MAX_REPLY_SIZE},                      \
    {                                                                                              \
        "no-prompt", no_argument, NULL, RCLI_OPT_NO_PROMPT                                         \
    }

struct rcli_ask;

/* Ask a question on /dev/tty (echo off for secrets) without blocking the
 * loop; done gets the answer without its newline, or NULL (no terminal,
 * end of input). NULL when there is no terminal (done is not called). */
struct rcli_ask *rcli_ask(struct loop *l, const char *question, bool echo, creds_prompt_done done,
                          void *done_arg);
/* Drop the question (done is not called); restores the terminal. */
void rcli_ask_cancel(struct rcli_ask *a);
/* The same after Ctrl-C: also ends the question's line on the terminal. */
void rcli_ask_interrupted(struct rcli_ask *a);

struct rcli {
    const char *cmd; /* "exec" */
    struct session_options *opts;
    struct session s;
    bool session_open;
    bool interrupted;
    /* options */
    const char *rg_id;
    const char *endpoint;
    const char *token_env;
    const char *secret;
    const char *user;
    bool iam;
    bool no_auth;
    bool no_prompt;
    enum console_tls tls;
    uint64_t connect_timeout_ms;
    uint64_t command_timeout_ms;
    size_t max_reply_bytes; /* --max-reply-size; 0: the default (64 MiB) */
    int protocol;           /* 3: RESP3 from the start (exec -3) */
    /* runtime */
    struct console *con;
    bool ready, failed;
    struct rconn_error fail_err;
    bool has_fail_err;
    char fail_text[700];
    struct rcli_ask *prompt;
    creds_prompt_done prompt_done;
    void *prompt_done_arg;
    /* events after the start (node errors, topology) for the command */
    console_event_cb on_event;
    void *event_arg;
    /* called before a notice goes to stderr: the caller's stdout output
     * still waiting goes first (NULL: none) */
    void (*flush_out)(void *arg);
    void *flush_arg;
    bool quiet_events; /* do not print node errors / notices on stderr */
};

void rcli_init(struct rcli *r, const char *cmd, struct session_options *opts);
/* 1: handled; 0: not a shared option; -1: bad value (reported). */
int rcli_option(struct rcli *r, int opt, const char *arg);
/* The shared options for --help. */
void rcli_usage_options(FILE *f);
/* A positive number of seconds ("0.5", "10") into ms; false when bad. */
bool rcli_parse_seconds(const char *s, double min, double max, uint64_t *ms);

/* creds_prompt_fn asking for the token on /dev/tty, echo off (ctx: the
 * struct rcli; honours --no-prompt). */
void rcli_token_prompt(void *ctx, const char *question, creds_prompt_done done, void *done_arg);

/* Open the AWS session and the console session on r->rg_id and wait until
 * it is ready. 0 ready; 1 interrupted; -1 failed (reported on stderr with
 * the usual cause). */
int rcli_start(struct rcli *r, bool lazy_map, enum rcluster_mode mode);
/* Close everything (the --insecure warning is repeated). */
void rcli_finish(struct rcli *r);

/* "token from secret NAME (naming)", "IAM token for user U", ... */
void rcli_describe_auth(const struct discover_result *d, char *out, size_t n);
/* Print a Redis-side error for people: the message and its usual cause. */
void rcli_print_rconn_error(const struct rcli *r, const struct rconn_error *e);
/* A one-line label of a node: "app-4-0001-001 127.0.0.1:6379 primary shard 0001 us-east-2a". */
void rcli_node_label(const char *node, const struct console_label *l, char *out, size_t n);

#endif
