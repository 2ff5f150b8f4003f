/* cli.c - global options, --help, --version and the subcommand table. */
#include "tui/cli.h"

#include "tui/app.h"

#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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

/* Subcommands register here, one line each (tui/cmd_<name>.c). */
const struct cli_command cli_commands[] = {
    {"ls", "[--json]", "replication groups of the region", cmd_ls_run},
    {"show", "RG [--json]", "one group: settings, nodes, AZ placement and risks", cmd_show_run},
    {"events", "RG [--since 24h] [--json]", "ElastiCache events of a group and its nodes",
     cmd_events_run},
    {"metrics", "RG [--since 1h] [--metric M]...", "CloudWatch metrics per node", cmd_metrics_run},
    {"whoami", "[--json]", "AWS identity, region, profile, credentials, endpoints", cmd_whoami_run},
    {"logs", "RG [--slow|--engine] [-f] [--json]", "slow-log and engine-log records, exactly once",
     cmd_logs_run},
    {"create", "--name NAME [--spec FILE] --plan|--apply", "plan or build the production stack",
     cmd_create_run},
    {"destroy", "NAME [--confirm NAME]", "delete a stack elcui created", cmd_destroy_run},
    {"audit", "RG|--spec FILE [--name NAME] [--json]", "security and resilience findings",
     cmd_audit_run},
    {"cost", "RG|--spec FILE [--json]", "monthly cost estimate with its sources", cmd_cost_run},
    {"export", "NAME|--spec FILE --format terraform|cli|spec",
     "the stack as Terraform, aws CLI commands or a spec", cmd_export_run},
    {"exec", "RG [--node ID|--all...] -- CMD ARGS", "Redis commands, slot-routed or on nodes",
     cmd_exec_run},
    {"latency", "RG [--node ID|--all] [--history]", "per-node PING latency, wall-clock stamped",
     cmd_latency_run},
    {"doctor", "RG [--json]", "DNS, TCP, TLS, AUTH, PING and slots, with causes", cmd_doctor_run},
    {"failover", "RG --shard ID [--yes]", "test a shard's failover and follow it",
     cmd_failover_run},
    {"iam-token", "RG --user USER", "print an IAM authentication token", cmd_iamtoken_run},
    {"snapshot", "RG [--dir DIR] [--no-doctor]", "an incident snapshot, Markdown and JSON",
     cmd_snapshot_run},
    {"keys", "[--json|--man]", "the console's keys, as [keys] leaves them", cmd_keys_run},
    {"completion", "bash|zsh", "shell completion for commands and options", cmd_completion_run},
    {NULL, NULL, NULL, NULL},
};

const struct cli_command *cli_find(const char *name)
{
    for (const struct cli_command *c = cli_commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

void cli_usage(FILE *f)
{
    fprintf(f, "usage: elcui [GLOBAL OPTIONS] [COMMAND [ARGS]]\n"
               "\n"
               "Terminal operations console for Amazon ElastiCache for Redis and Valkey.\n"
               "With no command, opens the console.\n"
               "\n"
               "Commands:\n");
    for (const struct cli_command *c = cli_commands; c->name; c++)
        fprintf(f, "  %-9s %-34s %s\n", c->name, c->args, c->summary);
    fprintf(f,
            "\n"
            "Global options:\n"
            "  --profile NAME       AWS profile (default: AWS_PROFILE, else 'default')\n"
            "  --region REGION      AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, profile)\n"
            "  --endpoint-url URL   send every AWS call to URL (also AWS_ENDPOINT_URL[_SERVICE])\n"
            "  --read-only          refuse every change: writes, failover, create, destroy\n"
            "  --redis-cacert FILE  CA bundle for Redis TLS (also ELCUI_REDIS_CACERT)\n"
            "  --connect-to H:P:A:Q connect to A:Q when H:P is meant; TLS still verifies H\n"
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
            "Each command takes --help. Exit status: 0 success, 1 failure, 2 usage error.\n"
            "See elcui(1).\n");
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

int cli_bad_option(const char *cmd, char *const *argv)
{
    /* getopt_long sets optopt to a long option's value (256 and up) when
     * its argument is missing: name the option as typed instead */
    if (optopt > 0 && optopt < 127 && isgraph(optopt))
        return cli_usage_error(cmd, "unknown option '-%c' or missing value", optopt);
    const char *arg = optind > 0 ? argv[optind - 1] : "?";
    return cli_usage_error(cmd, "unknown option '%s' or missing value", arg ? arg : "?");
}

enum {
    OPT_PROFILE = 256,
    OPT_REGION,
    OPT_ENDPOINT,
    OPT_READ_ONLY,
    OPT_CACERT,
    OPT_CONNECT_TO,
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

int cli_parse_global(struct session_options *opts, int argc, char **argv)
{
    long v;
    int c;
    opterr = 0;
    optind = 1;
    /* '+' stops at the subcommand; its own options are parsed by it. */
    while ((c = getopt_long(argc, argv, "+vhV", cli_global_options, NULL)) != -1) {
        switch (c) {
        case OPT_PROFILE:
            opts->profile = optarg;
            break;
        case OPT_REGION:
            opts->region = optarg;
            break;
        case OPT_ENDPOINT:
            opts->endpoint_url = optarg;
            break;
        case OPT_READ_ONLY:
            opts->read_only = true;
            break;
        case OPT_CACERT:
            opts->redis_cacert = optarg;
            break;
        case OPT_CONNECT_TO:
            if (opts->nconnect_to >= SESSION_MAX_CONNECT_TO) {
                cli_usage_error(NULL, "too many --connect-to options (max %d)",
                                SESSION_MAX_CONNECT_TO);
                return -1;
            }
            opts->connect_to[opts->nconnect_to++] = optarg;
            break;
        case OPT_INSECURE:
            opts->insecure = true;
            break;
        case OPT_MAX_ATTEMPTS:
            if (cli_parse_long(optarg, 1, 20, &v) != 0) {
                cli_usage_error(NULL, "--max-attempts wants a number from 1 to 20");
                return -1;
            }
            opts->max_attempts = (int)v;
            break;
        case OPT_TIMEOUT:
            if (cli_parse_long(optarg, 1, 3600, &v) != 0) {
                cli_usage_error(NULL, "--timeout wants seconds from 1 to 3600");
                return -1;
            }
            opts->timeout_ms = v * 1000;
            break;
        case OPT_THEME:
            opts->theme = optarg;
            break;
        case OPT_NO_COLOR:
            opts->no_color = true;
            break;
        case OPT_CONFIG:
            opts->config_file = optarg;
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
    }
    return optind;
}

int cli_run_console(struct session_options *opts)
{
    return app_run(opts);
}
