/* cli.c - global options, --help, --version and the subcommand table. */
#include "tui/cli.h"

#include "tui/app.h"

#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/redis/rconn.h"

#include "tui/cmd/cmd_audit.h"
#include "tui/cmd/cmd_completion.h"
#include "tui/cmd/cmd_cost.h"
#include "tui/cmd/cmd_create.h"
#include "tui/cmd/cmd_destroy.h"
#include "tui/cmd/cmd_doctor.h"
#include "tui/cmd/cmd_events.h"
#include "tui/cmd/cmd_exec.h"
#include "tui/cmd/cmd_export.h"
#include "tui/cmd/cmd_failover.h"
#include "tui/cmd/cmd_iamtoken.h"
#include "tui/cmd/cmd_keys.h"
#include "tui/cmd/cmd_latency.h"
#include "tui/cmd/cmd_logs.h"
#include "tui/cmd/cmd_ls.h"
#include "tui/cmd/cmd_metrics.h"
#include "tui/cmd/cmd_show.h"
#include "tui/cmd/cmd_snapshot.h"
#include "tui/cmd/cmd_whoami.h"

/* Subcommands register here, one line each; the record is in the
 * command's own file (tui/cmd/cmd_<name>.c). The order is --help's. */
const struct cli_command *const cli_commands[] = {
    &cmd_ls_entry,       &cmd_show_entry,   &cmd_events_entry,     &cmd_metrics_entry,
    &cmd_whoami_entry,   &cmd_logs_entry,   &cmd_create_entry,     &cmd_destroy_entry,
    &cmd_audit_entry,    &cmd_cost_entry,   &cmd_export_entry,     &cmd_exec_entry,
    &cmd_latency_entry,  &cmd_doctor_entry, &cmd_failover_entry,   &cmd_iamtoken_entry,
    &cmd_snapshot_entry, &cmd_keys_entry,   &cmd_completion_entry, NULL,
};

const struct cli_command *cli_find(const char *name)
{
    for (const struct cli_command *const *c = cli_commands; *c; c++)
        if (strcmp((*c)->name, name) == 0)
            return *c;
    return NULL;
}

void cli_usage(FILE *f)
{
    fprintf(f, "usage: elcui [GLOBAL OPTIONS] [COMMAND [ARGS] [GLOBAL OPTIONS]]\n"
               "\n"
               "Terminal operations console for Amazon ElastiCache for Redis and Valkey.\n"
               "With no command, opens the console.\n"
               "\n"
               "Commands:\n");
    for (const struct cli_command *const *c = cli_commands; *c; c++)
        fprintf(f, "  %-9s %-34s %s\n", (*c)->name, (*c)->args, (*c)->summary);
    fprintf(f,
            "\n"
            "Global options:\n"
            "  --profile NAME       AWS profile (default: AWS_PROFILE, else 'default')\n"
            "  --region REGION      AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, profile)\n"
            "  --endpoint-url URL   send every AWS call to URL (also AWS_ENDPOINT_URL[_SERVICE])\n"
            "  --read-only          refuse every change: writes, failover, create, destroy\n"
            "  --redis-cacert FILE  CA bundle for Redis TLS (also ELCUI_REDIS_CACERT)\n"
            "  --connect-to H:P:A:Q connect to A:Q when H:P is meant; TLS still verifies H\n"
            "                       (also ELCUI_CONNECT_TO; H may be *.DOMAIN, P may be *)\n"
            "  --resolve H:P:ADDR   H resolves to ADDR[,ADDR...], or to what the hosts file\n"
            "                       named by @FILE says (also ELCUI_RESOLVE); TLS verifies H\n"
            "  --insecure           do not verify Redis TLS certificates (shown as a warning)\n"
            "  --max-attempts N     AWS attempts per call, retries included (default 3)\n"
            "  --timeout SECONDS    AWS per-attempt timeout (default 60)\n"
            "  --theme NAME         colour theme for the console\n"
            "  --no-color           no colours (also NO_COLOR)\n"
            "  --config FILE        elcui's own settings (default ~/.config/elcui/config)\n"
            "  -v, --verbose        more detail on stderr (never secrets)\n"
            "  -h, --help           this help\n"
            "  -V, --version        version\n"
            "\n"
            "Global options may also follow the command, up to a '--' (elcui ls --region\n"
            "eu-west-1); the command's own option of the same name wins. A region name\n"
            "no AWS partition lists is refused unless an endpoint override is set.\n"
            "\n"
            "Each command takes --help. Exit status: 0 success, 1 failure, 2 usage error,\n"
            "130 cancelled at a confirmation question (Ctrl-C). See elcui(1).\n");
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "elcui%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see elcui %s%s--help)\n", cmd ? cmd : "", cmd ? " " : "");
    return CLI_EXIT_USAGE;
}

enum cli_opt cli_refuse(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "elcui %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see elcui %s --help)\n", cmd);
    return CLI_OPT_REFUSED;
}

int cli_bad_option(const char *cmd, char *const *argv)
{
    /* getopt_long sets optopt to a long option's value (256 and up) when
     * its argument is missing: name the option as typed instead */
    if (optopt > 0 && optopt < 127 && isgraph(optopt))
        return cli_usage_error(cmd, "unknown option '-%c' or missing value", optopt);
    const char *arg = optind > 0 ? argv[optind - 1] : "?";
    return cli_usage_error(cmd, "unknown option '%s' or missing value", arg ? arg : "?");
}

int cli_getopt(const struct cli_command *cmd, int argc, char **argv, cli_option_fn fn, void *ctx)
{
    int opt;
    opterr = 0;
    optind = 0; /* 0: a full reset of GNU getopt (the global parse used "+") */
    while ((opt = getopt_long(argc, argv, cmd->shortopts, cmd->options, NULL)) != -1) {
        enum cli_opt r = CLI_OPT_UNKNOWN;
        if (opt == 'h') {
            cmd->usage(stdout);
            return 1;
        }
        if (opt != '?')
            r = fn(ctx, opt, optarg);
        if (r == CLI_OPT_REFUSED)
            return -1;
        if (r == CLI_OPT_UNKNOWN) {
            cli_bad_option(cmd->name, argv);
            return -1;
        }
    }
    return 0;
}

int cli_getopt_exit(int rc)
{
    return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

enum {
    OPT_PROFILE = 256,
    OPT_REGION,
    OPT_ENDPOINT,
    OPT_READ_ONLY,
    OPT_CACERT,
    OPT_CONNECT_TO,
    OPT_RESOLVE,
    OPT_INSECURE,
    OPT_MAX_ATTEMPTS,
    OPT_TIMEOUT,
    OPT_THEME,
    OPT_NO_COLOR,
    OPT_CONFIG,
};

const struct option cli_global_options[] = {
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"region", required_argument, NULL, OPT_REGION},
    {"endpoint-url", required_argument, NULL, OPT_ENDPOINT},
    {"read-only", no_argument, NULL, OPT_READ_ONLY},
    {"redis-cacert", required_argument, NULL, OPT_CACERT},
    {"connect-to", required_argument, NULL, OPT_CONNECT_TO},
    {"resolve", required_argument, NULL, OPT_RESOLVE},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"max-attempts", required_argument, NULL, OPT_MAX_ATTEMPTS},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"theme", required_argument, NULL, OPT_THEME},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static int cli_parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* A --connect-to or --resolve rule, checked now (a bad one is a usage
 * error before anything runs) and kept in order with the others. */
static int cli_rule(struct session_options *opts, const char *arg, bool resolve)
{
    if (opts->nconnect_to >= SESSION_MAX_CONNECT_TO) {
        cli_usage_error(NULL, "too many --connect-to and --resolve options (max %d)",
                        SESSION_MAX_CONNECT_TO);
        return -1;
    }
    struct rconn_routes *r = rconn_routes_new();
    struct rconn_error err;
    int rc =
        rconn_routes_add_kind(r, arg, resolve ? RCONN_RULE_RESOLVE : RCONN_RULE_CONNECT_TO, &err);
    rconn_routes_free(r);
    if (rc != 0) {
        cli_usage_error(NULL, "%s", err.msg);
        return -1;
    }
    opts->connect_to[opts->nconnect_to++] = arg;
    return 0;
}

/* One global option (c: its value in cli_global_options). 0; -1 after a
 * usage error; -2 when --help/--version was answered. */
static int cli_global_option(struct session_options *opts, int c, char *arg, char **argv)
{
    long v;
    switch (c) {
    case OPT_PROFILE:
        opts->profile = arg;
        break;
    case OPT_REGION:
        opts->region = arg;
        break;
    case OPT_ENDPOINT:
        opts->endpoint_url = arg;
        break;
    case OPT_READ_ONLY:
        opts->read_only = true;
        break;
    case OPT_CACERT:
        opts->redis_cacert = arg;
        break;
    case OPT_CONNECT_TO:
    case OPT_RESOLVE:
        if (cli_rule(opts, arg, c == OPT_RESOLVE) != 0)
            return -1;
        break;
    case OPT_INSECURE:
        opts->insecure = true;
        break;
    case OPT_MAX_ATTEMPTS:
        if (cli_parse_long(arg, 1, 20, &v) != 0) {
            cli_usage_error(NULL, "--max-attempts wants a number from 1 to 20");
            return -1;
        }
        opts->max_attempts = (int)v;
        break;
    case OPT_TIMEOUT:
        if (cli_parse_long(arg, 1, 3600, &v) != 0) {
            cli_usage_error(NULL, "--timeout wants seconds from 1 to 3600");
            return -1;
        }
        opts->timeout_ms = v * 1000;
        break;
    case OPT_THEME:
        opts->theme = arg;
        break;
    case OPT_NO_COLOR:
        opts->no_color = true;
        break;
    case OPT_CONFIG:
        opts->config_file = arg;
        break;
    case 'v':
        opts->verbose++;
        break;
    case 'h':
        cli_usage(stdout);
        return -2;
    case 'V':
        printf("elcui %s\n", ELCUI_VERSION);
        return -2;
    default:
        cli_bad_option(NULL, argv);
        return -1;
    }
    return 0;
}

/* "-v", "-vv": an argument made of -v only (a -v inside a cluster of the
 * command's short options is left to the command). */
static bool cli_only_v(const char *a)
{
    if (a[0] != '-' || a[1] != 'v')
        return false;
    for (a++; *a; a++)
        if (*a != 'v')
            return false;
    return true;
}

/* "--region" (a global option that takes a value, named in full, that
 * the command does not have) given as the last argument. */
static bool cli_wants_value(const struct cli_command *cmd, const char *a)
{
    if (strncmp(a, "--", 2) != 0 || strchr(a, '='))
        return false;
    for (const struct option *o = cmd->options; o->name; o++)
        if (strcmp(o->name, a + 2) == 0)
            return false;
    for (const struct option *o = cli_global_options; o->name; o++)
        if (strcmp(o->name, a + 2) == 0)
            return o->has_arg == required_argument;
    return false;
}

/* The global options among the arguments of command cmd (argv[0] is its
 * name), up to a "--": applied, and taken out of argv. getopt_long walks
 * the command's table followed by the global long options (--help and
 * --version stay the command's), in order (no permutation), so it knows
 * which arguments are option values. Returns the new argc, or -1/-2 as
 * cli_global_option. */
static int cli_parse_after(struct session_options *opts, const struct cli_command *cmd, int argc,
                           char **argv)
{
    size_t ncmd = 0, nglob = 0;
    while (cmd->options[ncmd].name)
        ncmd++;
    while (cli_global_options[nglob].name)
        nglob++;
    struct option *all = mem_xcalloc(ncmd + nglob + 1, sizeof(*all));
    memcpy(all, cmd->options, ncmd * sizeof(*all));
    size_t n = ncmd;
    int *gval = mem_xcalloc(ncmd + nglob + 1, sizeof(*gval));
    for (size_t i = 0; i < nglob; i++) {
        int val = cli_global_options[i].val;
        if (val == 'h' || val == 'V')
            continue;
        all[n] = cli_global_options[i];
        gval[n] = val;
        n++;
    }
    bool cmd_v = strchr(cmd->shortopts, 'v') != NULL;
    struct buf so;
    buf_init(&so, 0);
    buf_printf(&so, "-%s%s", cmd->shortopts, cmd_v ? "" : "v");
    bool *drop = mem_xcalloc((size_t)argc + 1, sizeof(bool));
    int rc = 0, c;
    opterr = 0;
    optind = 0; /* a full reset: the ordering comes from this optstring */
    for (;;) {
        int at = optind ? optind : 1, li = -1;
        c = getopt_long(argc, argv, buf_str(&so), all, &li);
        if (c == -1)
            break;
        if (li >= (int)ncmd && li < (int)n) {
            for (int k = at; k < optind && k < argc; k++)
                drop[k] = true;
            rc = cli_global_option(opts, gval[li], optarg, argv);
        } else if (c == 'v' && li < 0 && !cmd_v && at < argc && cli_only_v(argv[at])) {
            drop[at] = true;
            rc = cli_global_option(opts, 'v', NULL, argv);
        } else if (c == '?' && li < 0 && at < argc && cli_wants_value(cmd, argv[at])) {
            cli_usage_error(NULL, "%s wants a value", argv[at]);
            rc = -1;
        }
        if (rc != 0)
            break;
    }
    int out = 1;
    if (rc == 0) {
        for (int k = 1; k < argc; k++)
            if (!drop[k])
                argv[out++] = argv[k];
        argv[out] = NULL;
    }
    free(drop);
    buf_free(&so);
    free(gval);
    free(all);
    return rc != 0 ? rc : out;
}

int cli_parse_global(struct session_options *opts, int *argc, char **argv)
{
    int c;
    opterr = 0;
    optind = 0; /* a full reset; '+' stops at the subcommand */
    while ((c = getopt_long(*argc, argv, "+vhV", cli_global_options, NULL)) != -1) {
        int rc = cli_global_option(opts, c, optarg, argv);
        if (rc != 0)
            return rc;
    }
    int first = optind;
    if (first >= *argc)
        return first;
    const struct cli_command *cmd = cli_find(argv[first]);
    if (!cmd || !cmd->options)
        return first;
    int n = cli_parse_after(opts, cmd, *argc - first, argv + first);
    if (n < 0)
        return n;
    *argc = first + n;
    return first;
}

int cli_run_console(struct session_options *opts)
{
    return app_run(opts);
}
