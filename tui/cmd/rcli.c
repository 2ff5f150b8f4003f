/* rcli.c - shared plumbing of the Redis subcommands (see rcli.h). */
#include "tui/cmd/rcli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/redis/rrender.h"
#include "core/redis/rsession.h"
#include "tui/cli.h"
#include "tui/cmd/cmdout.h"

void rcli_init(struct rcli *r, const char *cmd, struct session_options *opts)
{
    memset(r, 0, sizeof(*r));
    r->cmd = cmd;
    r->opts = opts;
    r->tls = CONSOLE_TLS_AUTO;
}

bool rcli_parse_seconds(const char *s, double min, double max, uint64_t *ms)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !(v >= min) || v > max)
        return false;
    *ms = (uint64_t)(v * 1000.0 + 0.5);
    return true;
}

int rcli_option(struct rcli *r, int opt, const char *arg)
{
    switch (opt) {
    case RCLI_OPT_TOKEN_ENV:
        if (!*arg)
            return cli_usage_error(r->cmd, "--token-env wants a variable name"), -1;
        r->token_env = arg;
        return 1;
    case RCLI_OPT_SECRET:
        if (!*arg)
            return cli_usage_error(r->cmd, "--secret wants a secret name or ARN"), -1;
        r->secret = arg;
        return 1;
    case RCLI_OPT_USER:
        if (!*arg)
            return cli_usage_error(r->cmd, "--user wants a user name"), -1;
        r->user = arg;
        return 1;
    case RCLI_OPT_IAM:
        r->iam = true;
        return 1;
    case RCLI_OPT_NO_AUTH:
        r->no_auth = true;
        return 1;
    case RCLI_OPT_ENDPOINT:
        r->endpoint = arg;
        return 1;
    case RCLI_OPT_TLS:
        r->tls = CONSOLE_TLS_ON;
        return 1;
    case RCLI_OPT_NO_TLS:
        r->tls = CONSOLE_TLS_OFF;
        return 1;
    case RCLI_OPT_CONNECT_TIMEOUT:
        if (!rcli_parse_seconds(arg, 0.05, 600, &r->connect_timeout_ms))
            return cli_usage_error(r->cmd, "--connect-timeout wants seconds (0.05 to 600)"), -1;
        return 1;
    case RCLI_OPT_COMMAND_TIMEOUT:
        if (!rcli_parse_seconds(arg, 0.05, 3600, &r->command_timeout_ms))
            return cli_usage_error(r->cmd, "--command-timeout wants seconds (0.05 to 3600)"), -1;
        return 1;
    case RCLI_OPT_NO_PROMPT:
        r->no_prompt = true;
        return 1;
    case RCLI_OPT_MAX_REPLY_SIZE:
        if (!rconn_parse_size(arg, &r->max_reply_bytes))
            return cli_usage_error(r->cmd, "--max-reply-size wants a size from 64K to 16G "
                                           "(e.g. 256M, 1G)"),
                   -1;
        return 1;
    default:
        return 0;
    }
}

void rcli_usage_options(FILE *f)
{
    fprintf(f, "Connection (the endpoint and the token are found on their own; see elcui(1)):\n"
               "  --token-env VAR         AUTH token from the environment variable VAR\n"
               "  --secret NAME|ARN       AUTH token from this Secrets Manager secret\n"
               "  --user USER             RBAC user (with a password found like a token)\n"
               "  --iam                   IAM authentication as --user (tokens minted and\n"
               "                          renewed before their 15 minutes are up)\n"
               "  --no-auth               connect without AUTH\n"
               "  --endpoint HOST:PORT    connect here instead of the group's endpoint\n"
               "  --tls | --no-tls        force TLS on or off (default: as the group says)\n"
               "  --connect-timeout S     per connection step (default 5)\n"
               "  --command-timeout S     per command (default 10)\n"
               "  --max-reply-size SIZE   what one reply may take in memory (default 64M;\n"
               "                          K/M/G); past it the rest is read, counted and\n"
               "                          dropped, and the reply says how much\n"
               "  --no-prompt             never ask for the token on the terminal\n"
               "Token sources, in order: --token-env, --secret, the group's tag\n"
               "elcui:auth-secret, the secret <name>-elasticache-auth, then a prompt\n"
               "(not echoed). The token is never printed, logged or kept in history.\n");
}

/* ---- questions on /dev/tty ---- */

struct rcli_ask {
    struct loop *l;
    int fd;
    struct termios saved;
    bool restore;
    bool echo;
    struct loop_watch *w;
    struct buf line; /* secret when not echoed */
    creds_prompt_done done;
    void *done_arg;
};

static void rcli_ask_free(struct rcli_ask *a)
{
    if (a->w)
        loop_unwatch(a->l, a->w);
    if (a->restore)
        tcsetattr(a->fd, TCSAFLUSH, &a->saved);
    if (a->fd >= 0)
        close(a->fd);
    buf_free(&a->line);
    free(a);
}

static void rcli_ask_finish(struct rcli_ask *a, bool ok)
{
    if (a->restore) {
        tcsetattr(a->fd, TCSAFLUSH, &a->saved);
        a->restore = false;
        if (!a->echo && write(a->fd, "\n", 1) < 0) {
            /* the terminal is gone: nothing to tidy */
        }
    }
    loop_unwatch(a->l, a->w);
    a->w = NULL;
    creds_prompt_done done = a->done;
    void *arg = a->done_arg;
    a->done = NULL;
    if (ok)
        buf_appendc(&a->line, '\0');
    if (done)
        done(ok ? a->line.data : NULL, arg);
    rcli_ask_free(a);
}

static void rcli_ask_read(int fd, int revents, void *arg)
{
    struct rcli_ask *a = arg;
    (void)revents;
    char ch[64];
    ssize_t n = read(fd, ch, sizeof(ch));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        rcli_ask_finish(a, false);
        return;
    }
    for (ssize_t i = 0; i < n; i++) {
        if (ch[i] == '\n' || ch[i] == '\r') {
            mem_wipe(ch, sizeof(ch));
            rcli_ask_finish(a, true);
            return;
        }
        if (a->line.len < 4096)
            buf_appendc(&a->line, ch[i]);
    }
    mem_wipe(ch, sizeof(ch));
}

struct rcli_ask *rcli_ask(struct loop *l, const char *question, bool echo, creds_prompt_done done,
                          void *done_arg)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct rcli_ask *a = mem_xcalloc(1, sizeof(*a));
    a->l = l;
    a->fd = fd;
    a->echo = echo;
    buf_init(&a->line, 8192);
    a->line.secret = !echo;
    if (tcgetattr(fd, &a->saved) == 0) {
        struct termios t = a->saved;
        if (!echo)
            t.c_lflag &= (tcflag_t) ~(ECHO | ECHOE | ECHOK | ECHONL);
        else
            t.c_lflag |= ECHO;
        t.c_lflag |= ICANON;
        if (tcsetattr(fd, TCSAFLUSH, &t) == 0)
            a->restore = true;
    }
    /* never read a token from a terminal that cannot be silenced */
    if ((!echo && !a->restore) || write(fd, question, strlen(question)) < 0) {
        rcli_ask_free(a);
        return NULL;
    }
    a->done = done;
    a->done_arg = done_arg;
    a->w = loop_watch(l, fd, REACTOR_READ, rcli_ask_read, a);
    return a;
}

void rcli_ask_cancel(struct rcli_ask *a)
{
    if (a)
        rcli_ask_free(a);
}

void rcli_ask_interrupted(struct rcli_ask *a)
{
    if (!a)
        return;
    /* end the question's line (the terminal echoed ^C on it) */
    if (write(a->fd, "\n", 1) < 0) {
        /* the terminal is gone: nothing to tidy */
    }
    rcli_ask_free(a);
}

static void rcli_prompt_done(const char *answer, void *arg)
{
    struct rcli *r = arg;
    r->prompt = NULL;
    creds_prompt_done done = r->prompt_done;
    void *done_arg = r->prompt_done_arg;
    r->prompt_done = NULL;
    if (done)
        done(answer, done_arg);
}

void rcli_token_prompt(void *ctx, const char *question, creds_prompt_done done, void *done_arg)
{
    struct rcli *r = ctx;
    r->prompt_done = done;
    r->prompt_done_arg = done_arg;
    r->prompt = r->no_prompt ? NULL : rcli_ask(r->s.loop, question, false, rcli_prompt_done, r);
    if (!r->prompt) {
        r->prompt_done = NULL;
        done(NULL, done_arg);
    }
}

/* ---- the session ---- */

void rcli_describe_auth(const struct discover_result *d, char *out, size_t n)
{
    if (!d) {
        snprintf(out, n, "-");
        return;
    }
    char user[200] = "";
    if (d->user)
        snprintf(user, sizeof(user), " as user %s", d->user);
    switch (d->token_source) {
    case DISCOVER_TOKEN_ENV:
        snprintf(out, n, "token from $%s%s", d->token_origin, user);
        break;
    case DISCOVER_TOKEN_SECRET:
        snprintf(out, n, "token from secret %s (--secret)%s", d->token_origin, user);
        break;
    case DISCOVER_TOKEN_TAG:
        snprintf(out, n, "token from secret %s (tag " DISCOVER_TAG_AUTH_SECRET ")%s",
                 d->token_origin, user);
        break;
    case DISCOVER_TOKEN_NAMING:
        snprintf(out, n, "token from secret %s (found by name)%s", d->token_origin, user);
        break;
    case DISCOVER_TOKEN_PROMPT:
        snprintf(out, n, "token typed at the prompt%s", user);
        break;
    case DISCOVER_TOKEN_IAM:
        snprintf(out, n, "IAM authentication token%s (renewed every 15 minutes)", user);
        break;
    case DISCOVER_TOKEN_NONE:
        snprintf(out, n, "no AUTH%s", user);
        break;
    }
}

void rcli_node_label(const char *node, const struct console_label *l, char *out, size_t n)
{
    rsession_node_label(node, l, out, n);
}

void rcli_print_rconn_error(const struct rcli *r, const struct rconn_error *e)
{
    struct buf b;
    buf_init(&b, 0);
    rrender_safe(&b, e->msg, strlen(e->msg));
    fprintf(stderr, "elcui %s: %s (%s)\n", r->cmd, buf_str(&b), rconn_err_name(e->code));
    buf_free(&b);
    const char *hint = rconn_err_hint(e->code);
    const struct discover_result *d = r->con ? console_discovery(r->con) : NULL;
    if (e->code == RCONN_ERR_AUTH_WRONGPASS && d) {
        char auth[400];
        rcli_describe_auth(d, auth, sizeof(auth));
        fprintf(stderr,
                "elcui %s: cause: the %s was rejected: it is wrong or was rotated; give "
                "the right one with --secret NAME or --token-env VAR\n",
                r->cmd, auth);
    } else if (e->code == RCONN_ERR_AUTH_NOAUTH) {
        fprintf(stderr,
                "elcui %s: cause: the group requires AUTH and no token was found: give "
                "--secret NAME or --token-env VAR (or tag the group " DISCOVER_TAG_AUTH_SECRET
                "=SECRET)\n",
                r->cmd);
    } else if (e->code == RCONN_ERR_TLS_VERIFY) {
        fprintf(stderr,
                "elcui %s: cause: certificate verification failed: give the CA bundle "
                "with --redis-cacert FILE (or ELCUI_REDIS_CACERT); --insecure turns "
                "verification off (not recommended)\n",
                r->cmd);
    } else if (hint && *hint) {
        fprintf(stderr, "elcui %s: cause: %s\n", r->cmd, hint);
    }
}

static void rcli_on_event(struct console *c, const struct console_event_info *e, void *arg)
{
    struct rcli *r = arg;
    switch (e->ev) {
    case CONSOLE_EV_READY:
        r->ready = true;
        break;
    case CONSOLE_EV_FAILED:
        r->failed = true;
        if (e->err) {
            r->fail_err = *e->err;
            r->has_fail_err = true;
        }
        snprintf(r->fail_text, sizeof(r->fail_text), "%s", e->text ? e->text : "failed");
        break;
    case CONSOLE_EV_NOTICE:
        if (!r->quiet_events && e->text) {
            if (r->flush_out)
                r->flush_out(r->flush_arg);
            struct buf b;
            buf_init(&b, 0);
            rrender_safe(&b, e->text, strlen(e->text));
            fprintf(stderr, "elcui %s: %s\n", r->cmd, buf_str(&b));
            buf_free(&b);
        }
        break;
    default:
        break;
    }
    if (r->on_event)
        r->on_event(c, e, r->event_arg);
}

static void rcli_print_discovery(const struct rcli *r)
{
    const struct discover_result *d = console_discovery(r->con);
    if (!d)
        return;
    for (size_t i = 0; i < d->n_steps; i++) {
        struct buf b;
        buf_init(&b, 0);
        rrender_safe(&b, d->steps[i].what, strlen(d->steps[i].what));
        buf_appends(&b, ": ");
        rrender_safe(&b, d->steps[i].outcome, strlen(d->steps[i].outcome));
        fprintf(stderr, "elcui %s: discovery: %s\n", r->cmd, buf_str(&b));
        buf_free(&b);
    }
}

int rcli_start(struct rcli *r, bool lazy_map, enum rcluster_mode mode)
{
    if (r->opts->insecure)
        fprintf(stderr,
                "elcui %s: WARNING: --insecure: Redis TLS certificates are NOT verified; "
                "anyone on the path can read the token and the data\n",
                r->cmd);
    /* closed by rcli_finish even when opening failed half-way */
    r->session_open = true;
    if (cmdout_session(r->cmd, &r->s, r->opts, &r->interrupted) != 0)
        return -1;
    if (r->iam && !r->user) {
        fprintf(stderr, "elcui %s: --iam needs --user (the IAM-enabled ElastiCache user)\n",
                r->cmd);
        return -1;
    }
    struct console_options o = {
        .loop = r->s.loop,
        .aws = r->s.aws,
        .creds = r->s.creds,
        .region = r->s.region,
        .rg_id = r->rg_id,
        .endpoint = r->endpoint,
        .token_env = r->token_env,
        .secret_id = r->secret,
        .user = r->user,
        .iam = r->iam,
        .no_auth = r->no_auth,
        .prompt = rcli_token_prompt,
        .prompt_ctx = r,
        .tls = r->tls,
        .mode = mode,
        .cafile = r->opts->redis_cacert,
        .insecure = r->opts->insecure,
        .connect_to = r->opts->connect_to,
        .n_connect_to = r->opts->nconnect_to,
        .read_only = session_read_only(r->opts),
        .lazy_map = lazy_map,
        .connect_timeout_ms = r->connect_timeout_ms,
        .command_timeout_ms = r->command_timeout_ms,
        .max_reply_bytes = r->max_reply_bytes,
        .protocol = r->protocol,
        .on_event = rcli_on_event,
        .event_arg = r,
    };
    r->con = console_open(&o);
    if (!r->con) {
        fprintf(stderr, "elcui %s: name a replication group (or --endpoint HOST:PORT)\n", r->cmd);
        return -1;
    }
    while (!r->ready && !r->failed && !r->interrupted)
        loop_run_once(r->s.loop, 1000);
    if (r->opts->verbose || r->failed)
        rcli_print_discovery(r);
    if (r->interrupted)
        return 1;
    if (r->failed) {
        if (r->has_fail_err) {
            rcli_print_rconn_error(r, &r->fail_err);
        } else {
            struct buf b;
            buf_init(&b, 0);
            rrender_safe(&b, r->fail_text, strlen(r->fail_text));
            fprintf(stderr, "elcui %s: %s\n", r->cmd, buf_str(&b));
            buf_free(&b);
        }
        return -1;
    }
    if (r->opts->verbose) {
        char auth[400];
        rcli_describe_auth(console_discovery(r->con), auth, sizeof(auth));
        fprintf(stderr, "elcui %s: connected to %s (%s, %s%s), %s\n", r->cmd, console_seed(r->con),
                console_discovery(r->con)
                    ? discover_endpoint_source_name(console_discovery(r->con)->endpoint_source)
                    : "-",
                console_tls(r->con) ? "TLS" : "plain TCP",
                console_insecure(r->con) ? " NOT verified" : "", auth);
    }
    return 0;
}

void rcli_finish(struct rcli *r)
{
    if (r->prompt) {
        /* the discovery waiting for the answer is cancelled with the
         * console and freed once it gets one (nothing) */
        struct rcli_ask *a = r->prompt;
        r->prompt = NULL;
        console_close(r->con);
        r->con = NULL;
        creds_prompt_done done = r->prompt_done;
        r->prompt_done = NULL;
        if (done)
            done(NULL, r->prompt_done_arg);
        rcli_ask_cancel(a);
    }
    console_close(r->con);
    r->con = NULL;
    if (r->session_open)
        session_close(&r->s);
    r->session_open = false;
    if (r->opts->insecure)
        fprintf(stderr,
                "elcui %s: WARNING: this session ran with --insecure (TLS certificates "
                "NOT verified)\n",
                r->cmd);
}
